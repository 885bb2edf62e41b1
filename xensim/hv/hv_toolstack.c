/*
 * The xenstore half of the host: start Debian's xenstored on top of the
 * simulation (with libxensim preloaded and /proc/xen redirected, see
 * lib/sim_procxen.c), create dom0's tree, and remove a dead domain's
 * xenstore entries as libxl does on destroy.
 *
 * xenstore calls block on xenstored, and xenstored blocks on the hypervisor
 * loop for its own event-channel calls, so all of this runs on a thread of
 * its own, never on the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xensim/hv/hv.h"

#define XENSTORED_DEFAULT "/usr/lib/xen-4.17/bin/xenstored"

static pthread_t thread;
static int job_pipe[2] = { -1, -1 };
static int ready_fd = -1;

static int write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, data, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

/* What xenstored reads from /proc/xen: the port of dom0's own xenstore ring
 * and the page behind it. */
static int prepare_procxen(struct hv *hv)
{
    char path[512], num[16];
    static const char zero_page[SIM_PAGE_SIZE];
    int port = hv_evtchn_alloc_unbound(hv, 0, 0);
    if (port < 0)
        return -1;
    if (sim_path(path, sizeof(path), hv->host, "procxen") < 0 ||
        (mkdir(path, 0700) < 0 && errno != EEXIST))
        return -1;
    snprintf(num, sizeof(num), "%d\n", port);
    if (sim_path(path, sizeof(path), hv->host, "procxen/xsd_port") < 0 ||
        write_file(path, num, strlen(num)) < 0)
        return -1;
    if (sim_path(path, sizeof(path), hv->host, "procxen/xsd_kva") < 0 ||
        write_file(path, zero_page, sizeof(zero_page)) < 0)
        return -1;
    return 0;
}

static pid_t spawn_xenstored(struct hv *hv)
{
    char rundir[512], pidfile[512], logfile[512], preload[2048];
    const char *bin = getenv("XENSIM_XENSTORED");
    const char *extra = getenv("XENSIM_PRELOAD_EXTRA");
    if (!bin)
        bin = XENSTORED_DEFAULT;
    if (sim_path(rundir, sizeof(rundir), hv->host, "xenstored") < 0 ||
        sim_path(pidfile, sizeof(pidfile), hv->host, "xenstored/pid") < 0 ||
        sim_path(logfile, sizeof(logfile), hv->host, "xenstored.log") < 0)
        return -1;
    if (mkdir(rundir, 0700) < 0 && errno != EEXIST)
        return -1;
    int n = snprintf(preload, sizeof(preload), "%s%s%s", extra ? extra : "", extra ? " " : "",
                     hv->lib);
    if (n < 0 || (size_t)n >= sizeof(preload))
        return -1;
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int log = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
    }
    setenv("LD_PRELOAD", preload, 1);
    setenv(XENSIM_ENV_HOST, hv->host, 1);
    setenv(XENSIM_ENV_DOMID, "0", 1);
    setenv("XENSTORED_RUNDIR", rundir, 1);
    /* xenstored is not ours to leak-check under a sanitized build. */
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    execl(bin, bin, "-N", "-F", pidfile, (char *)NULL);
    fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
    _exit(127);
}

static struct xs_handle *xs_connect(void)
{
    for (int i = 0; i < 500; i++) {        /* up to 5 s for xenstored to start */
        struct xs_handle *xs = xs_open(0);
        if (xs)
            return xs;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int init_dom0_tree(struct xs_handle *xs)
{
    static const struct { const char *path, *value; } keys[] = {
        { "/local/domain/0/name", "Domain-0" },
        { "/local/domain/0/domid", "0" },
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!xs_write(xs, XBT_NULL, keys[i].path, keys[i].value, strlen(keys[i].value)))
            return -1;
    return 0;
}

static void remove_domain_tree(struct xs_handle *xs, uint32_t domid)
{
    char path[128];
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xs_rm(xs, XBT_NULL, path);
    unsigned int n = 0;
    char **types = xs_directory(xs, XBT_NULL, "/local/domain/0/backend", &n);
    for (unsigned int i = 0; types && i < n; i++) {
        snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", types[i], domid);
        xs_rm(xs, XBT_NULL, path);
    }
    free(types);
}

static void *toolstack_main(void *arg)
{
    (void)arg;
    struct xs_handle *xs = xs_connect();
    char one = 1;
    if (!xs || init_dom0_tree(xs) < 0) {
        hv_log("xenstored did not come up (see xenstored.log)");
        one = 0;
    }
    if (ready_fd >= 0) {
        if (write(ready_fd, &one, 1) != 1)
            hv_log("launcher went away before the host was ready");
        close(ready_fd);
        ready_fd = -1;
    }
    uint32_t domid;
    while (read(job_pipe[0], &domid, sizeof(domid)) == (ssize_t)sizeof(domid))
        if (xs)
            remove_domain_tree(xs, domid);
    if (xs)
        xs_close(xs);
    return NULL;
}

int hv_toolstack_start(struct hv *hv, int ready)
{
    char sock[512];
    if (prepare_procxen(hv) < 0 ||
        sim_path(sock, sizeof(sock), hv->host, "xenstored/socket") < 0) {
        hv_log("cannot prepare /proc/xen files: %s", strerror(errno));
        return -1;
    }
    setenv("XENSTORED_PATH", sock, 1);
    hv->xenstored_pid = spawn_xenstored(hv);
    if (hv->xenstored_pid < 0 || pipe2(job_pipe, O_CLOEXEC) < 0) {
        hv_log("cannot start xenstored: %s", strerror(errno));
        return -1;
    }
    ready_fd = ready;
    if (pthread_create(&thread, NULL, toolstack_main, NULL) != 0) {
        hv_log("cannot start toolstack thread");
        return -1;
    }
    return 0;
}

void hv_toolstack_domain_gone(uint32_t domid)
{
    if (job_pipe[1] >= 0 && write(job_pipe[1], &domid, sizeof(domid)) != sizeof(domid))
        hv_log("d%u: cannot queue xenstore cleanup", domid);
}

void hv_toolstack_stop(struct hv *hv)
{
    if (hv->xenstored_pid > 0) {
        kill(hv->xenstored_pid, SIGTERM);
        waitpid(hv->xenstored_pid, NULL, 0);
    }
    if (job_pipe[1] >= 0) {
        close(job_pipe[1]);
        job_pipe[1] = -1;
        pthread_join(thread, NULL);
    }
}
