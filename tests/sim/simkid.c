/* Guest programs played by forked children (see simkid.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/sim/simkid.h"
#include "tests/sim/simtest.h"

static struct kid kids[MAX_KIDS];
/* Read by the child after fork, so one static copy serves every spawn. */
static struct kid_ctx spawn_ctx;

static int kid_main(void *p)
{
    struct kid_ctx *c = p;
    /* Without the parent's ends, the child sees EOF if the parent dies. */
    close(c->parent_cmd);
    close(c->parent_ev);
    alarm(KID_MAX_SECONDS);          /* a stuck library call ends the child */
    return c->body(c);
}

struct kid *kid_spawn(uint32_t domid, int (*body)(struct kid_ctx *), uint32_t arg,
                      const char *str)
{
    struct kid *k = NULL;
    int a[2], b[2];
    for (int i = 0; i < MAX_KIDS && !k; i++)
        if (kids[i].pid == 0)
            k = &kids[i];
    /* O_CLOEXEC: what a test execs (the netstage CLI and what it starts)
     * must not hold a child's pipe open and so hide that child's exit. */
    if (!k || pipe2(a, O_CLOEXEC) < 0)
        return NULL;
    if (pipe2(b, O_CLOEXEC) < 0) {
        close(a[0]);
        close(a[1]);
        return NULL;
    }
    spawn_ctx = (struct kid_ctx){ .cmd = a[0], .ev = b[1], .parent_cmd = a[1],
                                  .parent_ev = b[0], .body = body, .arg = arg, .str = str };
    pid_t pid = simtest_spawn_as(domid, kid_main, &spawn_ctx);
    close(a[0]);
    close(b[1]);
    if (pid < 0) {
        close(a[1]);
        close(b[0]);
        return NULL;
    }
    *k = (struct kid){ .pid = pid, .cmd = a[1], .ev = b[0] };
    return k;
}

int kid_send(struct kid *k, uint32_t cmd)
{
    return simtest_send_u32(k->cmd, cmd);
}

int kid_recv(struct kid *k, uint32_t *v)
{
    return simtest_recv_u32(k->ev, v, T_EVENT);
}

/* Both sides: the next value on fd, within timeout_ms, is `want`. */
static int recv_want(int fd, uint32_t want, int timeout_ms)
{
    uint32_t v;
    return simtest_recv_u32(fd, &v, timeout_ms) == 0 && v == want ? 0 : -1;
}

int kid_expect(struct kid *k, uint32_t want)
{
    return recv_want(k->ev, want, T_EVENT);
}

int kid_cmd(struct kid *k, uint32_t cmd)
{
    return kid_send(k, cmd) == 0 ? kid_expect(k, cmd) : -1;
}

int kid_quit(struct kid *k)
{
    /* A child that cannot be told is left for the teardown to kill. */
    return kid_send(k, KID_QUIT) == 0 ? kid_wait(k) : -1;
}

/* The slot is free again once the child is reaped. */
static void kid_forget(struct kid *k)
{
    close(k->cmd);
    close(k->ev);
    *k = (struct kid){ 0 };
}

int kid_wait(struct kid *k)
{
    int st = simtest_wait(k->pid);
    kid_forget(k);
    return st;
}

int simkid_reap_pid(pid_t pid, int timeout_ms)
{
    int st;
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (r < 0 && errno != EINTR)
            return -1;
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);              /* one of ours: the test started it */
    simtest_wait(pid);
    return -1;
}

int kid_reap(struct kid *k, int timeout_ms)
{
    int st = simkid_reap_pid(k->pid, timeout_ms);
    kid_forget(k);
    return st;
}

int kid_kill(struct kid *k)
{
    kill(k->pid, SIGKILL);           /* our own child */
    return kid_reap(k, T_EVENT);
}

void kid_kill_all(void)
{
    for (int i = 0; i < MAX_KIDS; i++)
        if (kids[i].pid > 0)
            kid_kill(&kids[i]);
}

int kid_report(struct kid_ctx *c, uint32_t v)
{
    return simtest_send_u32(c->ev, v);
}

int kid_next(struct kid_ctx *c, uint32_t *cmd)
{
    return simtest_recv_u32(c->cmd, cmd, T_CHILD);
}

int kid_await(struct kid_ctx *c, uint32_t want)
{
    return recv_want(c->cmd, want, T_CHILD);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void *simkid_poll(int fd, void *(*try_next)(void *src), void *src, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        void *v = try_next(src);
        if (v)
            return v;
        if (errno != EAGAIN)
            return NULL;
        long left = deadline - now_ms();
        if (left < 0)
            return NULL;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            return NULL;
    }
}

struct port_cond {
    uint32_t domid, port, state, rdom;
};

static int port_is(void *arg)
{
    struct port_cond *c = arg;
    struct xensim_port_status st;
    return xensim_evtchn_status(simtest_host(), c->domid, c->port, &st) == 0 &&
           st.state == c->state && (c->state == XENSIM_PORT_FREE || st.remote_domid == c->rdom);
}

int simkid_wait_port(uint32_t domid, uint32_t port, uint32_t state, uint32_t rdom,
                     int timeout_ms)
{
    struct port_cond c = { domid, port, state, rdom };
    return simtest_wait_until(port_is, &c, timeout_ms);
}

struct usage_cond {
    uint32_t domid;
    struct xensim_domain_usage want;
};

static int usage_is(void *arg)
{
    struct usage_cond *c = arg;
    struct xensim_domain_usage u;
    return xensim_domain_usage(simtest_host(), c->domid, &u) == 0 &&
           !memcmp(&u, &c->want, sizeof(u));
}

int simkid_wait_usage(uint32_t domid, const struct xensim_domain_usage *want, int timeout_ms)
{
    struct usage_cond c = { domid, *want };
    return simtest_wait_until(usage_is, &c, timeout_ms);
}
