/* Support for tests on a simulated host (see simtest.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/sim/simtest.h"

const char *simtest_host(void)
{
    const char *h = getenv(XENSIM_ENV_HOST);
    if (!h) {
        fprintf(stderr, "simtest: not on a simulated host (run through tests/run-tests.sh)\n");
        exit(2);
    }
    return h;
}

static int run_cli(char *const argv[], char *out, size_t out_len)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t n;
    while (out && got + 1 < out_len && (n = read(p[0], out + got, out_len - 1 - got)) > 0)
        got += (size_t)n;
    if (out)
        out[got] = '\0';
    close(p[0]);
    return simtest_wait(pid);
}

static const char *cli(void)
{
    const char *c = getenv("NETSTAGE");
    return c ? c : "netstage";
}

int simtest_create_guest(const char *name, uint32_t *domid)
{
    char out[64];
    char *argv[] = { (char *)cli(), "sim", "create", "--host", (char *)simtest_host(),
                     (char *)name, NULL };
    if (run_cli(argv, out, sizeof(out)) != 0)
        return -1;
    out[strcspn(out, "\n")] = '\0';
    char *end;
    unsigned long v = strtoul(out, &end, 10);
    if (end == out || *end)
        return -1;
    *domid = (uint32_t)v;
    return 0;
}

int simtest_destroy_guest(const char *name)
{
    char *argv[] = { (char *)cli(), "sim", "destroy", "--host", (char *)simtest_host(),
                     (char *)name, NULL };
    return run_cli(argv, NULL, 0) == 0 ? 0 : -1;
}

pid_t simtest_spawn_as(uint32_t domid, int (*fn)(void *arg), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char id[16], sock[512];
    snprintf(id, sizeof(id), "%u", domid);
    setenv(XENSIM_ENV_DOMID, id, 1);
    if (domid == 0)
        snprintf(sock, sizeof(sock), "%s/xenstored/socket", simtest_host());
    else
        snprintf(sock, sizeof(sock), "%s/dom%u/xenstore.sock", simtest_host(), domid);
    setenv("XENSTORED_PATH", sock, 1);
    /* Become a member of the new domain, so its death kills this child as it
     * would kill any of its programs (the preloaded libxensim provides it). */
    int (*join)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "xensim_process_join");
    if (!join || join() < 0)
        _exit(125);
    _exit(fn(arg));
}

int simtest_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int simtest_wait_until(int (*cond)(void *arg), void *arg, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        if (cond(arg))
            return 0;
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

int simtest_send_u32(int fd, uint32_t v)
{
    return write(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : -1;
}

int simtest_recv_u32(int fd, uint32_t *v, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    return read(fd, v, sizeof(*v)) == (ssize_t)sizeof(*v) ? 0 : -1;
}
