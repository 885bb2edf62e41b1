/*
 * test_evtchn.c - event channels between Domain-0 (this process) and a
 * guest played by a forked child, through the stock libxenevtchn API with
 * libxensim preloaded: delivery in both directions, masking and
 * coalescing, the errors a driver can meet, and what closing one end does
 * to the other.
 *
 * Children never use cmocka: they return a small step number (0 = fine)
 * and the parent checks it.  Every wait is bounded; the teardown kills and
 * reaps any child a failed test left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <xenevtchn.h>

#include "tests/sim/simtest.h"

#define T_EVENT   5000    /* ms: something that must happen */
#define T_QUIET   150     /* ms: proof that nothing happens */
#define T_CHILD   20000   /* ms: a child waiting for its next command */

static uint32_t dom_a, dom_b;      /* two guests, created once */

/* ---- children ---------------------------------------------------------- */

struct kid {
    pid_t pid;       /* 0: free slot */
    int cmd;         /* parent -> child */
    int ev;          /* child -> parent */
};

struct kid_ctx {
    int cmd, ev;                     /* the child's ends */
    int parent_cmd, parent_ev;       /* the parent's ends, closed in the child */
    int (*body)(struct kid_ctx *);
    uint32_t arg;
};

#define KID_MAX_SECONDS 60         /* no child outlives this */
#define TEST_MAX_SECONDS 120       /* nor the whole binary */
#define MAX_KIDS 8
static struct kid kids[MAX_KIDS];
static struct kid_ctx spawn_ctx;

static int kid_main(void *p)
{
    struct kid_ctx *c = p;
    close(c->parent_cmd);
    close(c->parent_ev);
    alarm(KID_MAX_SECONDS);          /* a stuck library call ends the child */
    return c->body(c);
}

static struct kid *kid_spawn(uint32_t domid, int (*body)(struct kid_ctx *), uint32_t arg)
{
    struct kid *k = NULL;
    int a[2], b[2];
    for (int i = 0; i < MAX_KIDS && !k; i++)
        if (kids[i].pid == 0)
            k = &kids[i];
    if (!k || pipe2(a, O_CLOEXEC) < 0)
        return NULL;
    if (pipe2(b, O_CLOEXEC) < 0) {
        close(a[0]);
        close(a[1]);
        return NULL;
    }
    spawn_ctx = (struct kid_ctx){ .cmd = a[0], .ev = b[1], .parent_cmd = a[1],
                                  .parent_ev = b[0], .body = body, .arg = arg };
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

/* Reap a child that is expected to finish by itself; its exit status. */
static int kid_wait(struct kid *k)
{
    int st = simtest_wait(k->pid);
    close(k->cmd);
    close(k->ev);
    *k = (struct kid){ 0 };
    return st;
}

static void kid_kill(struct kid *k)
{
    kill(k->pid, SIGKILL);           /* our own child */
    kid_wait(k);
}

/* One command to the child and its acknowledgement (the same value). */
static int kid_cmd(struct kid *k, uint32_t cmd)
{
    uint32_t ack;
    if (simtest_send_u32(k->cmd, cmd) < 0 || simtest_recv_u32(k->ev, &ack, T_EVENT) < 0)
        return -1;
    return ack == cmd ? 0 : -1;
}

static int readable(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n == 1 && (p.revents & POLLIN);
}

/* All of this handle's earlier notifies and unmasks (one-way messages)
 * have been handled by the hypervisor once a call on the same handle
 * returns: bind and release a spare port. */
static int evtchn_barrier(xenevtchn_handle *xce)
{
    xenevtchn_port_or_error_t p = xenevtchn_bind_unbound_port(xce, 0);
    return p < 0 ? -1 : xenevtchn_unbind(xce, (evtchn_port_t)p);
}

static int port_state(uint32_t domid, uint32_t port, uint32_t *state, uint32_t *rdom,
                      uint32_t *rport)
{
    struct xensim_port_status st;
    if (xensim_evtchn_status(simtest_host(), domid, port, &st) < 0)
        return -1;
    *state = st.state;
    *rdom = st.remote_domid;
    *rport = st.remote_port;
    return 0;
}

/* ---- guest programs ------------------------------------------------------ */

enum { CMD_QUIT = 0xffff0000u, CMD_NOTIFY_ONE = 0xffff0001u, CMD_CLOSE = 0xffff0002u };

/*
 * Binds an unbound port for dom0 and reports it, waits for dom0's event on
 * it (which must be exactly that port, and only one), acknowledges it, then
 * notifies dom0 on command, then closes on command.
 */
static int guest_echo(struct kid_ctx *c)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    if (!xce)
        return 10;
    xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(xce, 0);
    if (port <= 0)
        return 11;
    if (simtest_send_u32(c->ev, (uint32_t)port) < 0)
        return 12;
    int fd = xenevtchn_fd(xce);
    if (!readable(fd, T_EVENT))
        return 13;
    if (xenevtchn_pending(xce) != port)
        return 14;
    if (readable(fd, 0))                 /* one notify, one delivery */
        return 15;
    if (xenevtchn_unmask(xce, (evtchn_port_t)port) < 0)
        return 16;
    if (simtest_send_u32(c->ev, (uint32_t)port) < 0)
        return 17;
    uint32_t cmd;
    if (simtest_recv_u32(c->cmd, &cmd, T_CHILD) < 0 || cmd != CMD_NOTIFY_ONE)
        return 18;
    if (xenevtchn_notify(xce, (evtchn_port_t)port) < 0)
        return 19;
    if (simtest_send_u32(c->ev, cmd) < 0)
        return 20;
    if (simtest_recv_u32(c->cmd, &cmd, T_CHILD) < 0 || cmd != CMD_QUIT)
        return 21;
    xenevtchn_close(xce);
    return 0;
}

/*
 * Binds an unbound port for dom0 and reports it; then each command N sends
 * N notifies, makes sure the hypervisor has handled them (a call on the
 * same handle) and acknowledges N.  CMD_CLOSE closes the handle but keeps
 * the process; CMD_QUIT ends it.
 */
static int guest_sender(struct kid_ctx *c)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    if (!xce)
        return 10;
    xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(xce, 0);
    if (port <= 0)
        return 11;
    if (simtest_send_u32(c->ev, (uint32_t)port) < 0)
        return 12;
    for (int round = 0; round < 100; round++) {
        uint32_t cmd;
        if (simtest_recv_u32(c->cmd, &cmd, T_CHILD) < 0)
            return 13;
        if (cmd == CMD_QUIT)
            break;
        if (cmd == CMD_CLOSE) {
            if (xce)
                xenevtchn_close(xce);
            xce = NULL;
        } else {
            if (!xce)
                return 14;
            for (uint32_t i = 0; i < cmd; i++)
                if (xenevtchn_notify(xce, (evtchn_port_t)port) < 0)
                    return 15;
            if (evtchn_barrier(xce) < 0)
                return 16;
        }
        if (simtest_send_u32(c->ev, cmd) < 0)
            return 17;
    }
    if (xce)
        xenevtchn_close(xce);
    return 0;
}

/* Binds an unbound port for domain c->arg (not dom0) and reports it, then
 * waits to be told to quit. */
static int guest_unbound_for_other(struct kid_ctx *c)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    if (!xce)
        return 10;
    xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(xce, c->arg);
    if (port <= 0)
        return 11;
    if (simtest_send_u32(c->ev, (uint32_t)port) < 0)
        return 12;
    uint32_t cmd;
    if (simtest_recv_u32(c->cmd, &cmd, T_CHILD) < 0 || cmd != CMD_QUIT)
        return 13;
    xenevtchn_close(xce);
    return 0;
}

/*
 * Binds to dom0's port c->arg (left unbound by an earlier peer), reports
 * its own port, proves that nothing stale is delivered, then waits for one
 * event from dom0 and reports it.
 */
static int guest_rebinder(struct kid_ctx *c)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    if (!xce)
        return 10;
    xenevtchn_port_or_error_t port = xenevtchn_bind_interdomain(xce, 0, c->arg);
    if (port <= 0)
        return 11;
    if (simtest_send_u32(c->ev, (uint32_t)port) < 0)
        return 12;
    int fd = xenevtchn_fd(xce);
    if (readable(fd, T_QUIET))           /* a send to an unbound port is dropped */
        return 13;
    if (simtest_send_u32(c->ev, 1) < 0)
        return 14;
    if (!readable(fd, T_EVENT))
        return 15;
    if (xenevtchn_pending(xce) != port)
        return 16;
    if (xenevtchn_unmask(xce, (evtchn_port_t)port) < 0)
        return 17;
    if (simtest_send_u32(c->ev, (uint32_t)port) < 0)
        return 18;
    uint32_t cmd;
    if (simtest_recv_u32(c->cmd, &cmd, T_CHILD) < 0 || cmd != CMD_QUIT)
        return 19;
    return 0;                        /* exit with the handle open */
}

/* ---- fixtures ------------------------------------------------------------ */

static xenevtchn_handle *xce0, *xce1;   /* dom0's handles in the current test */

static int group_setup(void **state)
{
    (void)state;
    if (simtest_create_guest("evt-a", &dom_a) < 0 || simtest_create_guest("evt-b", &dom_b) < 0)
        return -1;
    return dom_a != 0 && dom_b != 0 && dom_a != dom_b ? 0 : -1;
}

static int test_setup(void **state)
{
    (void)state;
    xce0 = xenevtchn_open(NULL, 0);
    xce1 = xenevtchn_open(NULL, 0);
    return xce0 && xce1 ? 0 : -1;
}

static int test_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_KIDS; i++)
        if (kids[i].pid > 0)
            kid_kill(&kids[i]);
    xenevtchn_close(xce0);
    xenevtchn_close(xce1);
    xce0 = xce1 = NULL;
    return 0;
}

/* A guest's port for dom0, bound from dom0; returns dom0's local port. */
static evtchn_port_t connect_to(struct kid *k, uint32_t domid, uint32_t *rport)
{
    assert_int_equal(simtest_recv_u32(k->ev, rport, T_EVENT), 0);
    assert_true(*rport > 0);
    uint32_t st, rd, rp;
    assert_int_equal(port_state(domid, *rport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_UNBOUND);
    assert_int_equal(rd, 0);
    xenevtchn_port_or_error_t lport = xenevtchn_bind_interdomain(xce0, domid, *rport);
    assert_true(lport > 0);
    /* Both ends now name each other. */
    assert_int_equal(port_state(0, (uint32_t)lport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_INTERDOMAIN);
    assert_int_equal(rd, domid);
    assert_int_equal(rp, *rport);
    assert_int_equal(port_state(domid, *rport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_INTERDOMAIN);
    assert_int_equal(rd, 0);
    assert_int_equal(rp, (uint32_t)lport);
    return (evtchn_port_t)lport;
}

/* ---- (a) delivery across processes, both directions --------------------- */

static void test_delivery_both_directions(void **state)
{
    (void)state;
    struct kid *k = kid_spawn(dom_a, guest_echo, 0);
    assert_non_null(k);
    uint32_t rport, ack;
    evtchn_port_t lport = connect_to(k, dom_a, &rport);

    /* dom0 -> guest: the child reports the port it saw. */
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);
    assert_int_equal(simtest_recv_u32(k->ev, &ack, T_EVENT), 0);
    assert_int_equal(ack, rport);

    /* guest -> dom0: delivered on dom0's end of the same channel, once. */
    int fd = xenevtchn_fd(xce0);
    assert_false(readable(fd, 0));
    assert_int_equal(kid_cmd(k, CMD_NOTIFY_ONE), 0);
    assert_true(readable(fd, T_EVENT));
    assert_int_equal(xenevtchn_pending(xce0), (int)lport);
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    assert_false(readable(fd, T_QUIET));
    /* Not on the other handle of this process. */
    assert_false(readable(xenevtchn_fd(xce1), 0));

    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);
}

/* ---- (b) masking and coalescing ---------------------------------------- */

static void test_masked_port_coalesces_until_unmask(void **state)
{
    (void)state;
    struct kid *k = kid_spawn(dom_a, guest_sender, 0);
    assert_non_null(k);
    uint32_t rport;
    evtchn_port_t lport = connect_to(k, dom_a, &rport);
    int fd = xenevtchn_fd(xce0);

    /* One notify, one delivery; the port is now masked. */
    assert_int_equal(kid_cmd(k, 1), 0);
    assert_true(readable(fd, T_EVENT));
    assert_int_equal(xenevtchn_pending(xce0), (int)lport);

    /* Not unmasked: more notifies deliver nothing ... */
    assert_int_equal(kid_cmd(k, 7), 0);
    assert_false(readable(fd, T_QUIET));

    /* ... until the unmask, which brings exactly one delivery ... */
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    assert_true(readable(fd, T_EVENT));
    assert_int_equal(xenevtchn_pending(xce0), (int)lport);
    assert_false(readable(fd, T_QUIET));

    /* ... and nothing was left pending behind it. */
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    assert_int_equal(evtchn_barrier(xce0), 0);
    assert_false(readable(fd, T_QUIET));

    /* The channel still works afterwards. */
    assert_int_equal(kid_cmd(k, 1), 0);
    assert_true(readable(fd, T_EVENT));
    assert_int_equal(xenevtchn_pending(xce0), (int)lport);
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);

    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);
}

static void test_notifies_before_read_coalesce(void **state)
{
    (void)state;
    struct kid *k = kid_spawn(dom_a, guest_sender, 0);
    assert_non_null(k);
    uint32_t rport;
    evtchn_port_t lport = connect_to(k, dom_a, &rport);
    int fd = xenevtchn_fd(xce0);

    /* Receiver unmasked and idle; 10 notifies land before it reads.  As
     * with Linux's evtchn device: the first is delivered (and masks the
     * port), the other nine coalesce into one pending event. */
    assert_int_equal(kid_cmd(k, 10), 0);
    assert_true(readable(fd, T_EVENT));
    assert_int_equal(xenevtchn_pending(xce0), (int)lport);
    assert_false(readable(fd, T_QUIET));          /* one word, not ten */

    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    assert_true(readable(fd, T_EVENT));           /* the coalesced one */
    assert_int_equal(xenevtchn_pending(xce0), (int)lport);
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    assert_int_equal(evtchn_barrier(xce0), 0);
    assert_false(readable(fd, T_QUIET));          /* and no more */

    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);
}

/* ---- (c) errors ------------------------------------------------------------ */

static void test_notify_needs_own_binding(void **state)
{
    (void)state;
    /* A port bound through another handle of this very process. */
    xenevtchn_port_or_error_t other = xenevtchn_bind_unbound_port(xce1, dom_a);
    assert_true(other > 0);
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, (evtchn_port_t)other), -1);
    assert_true(errno == EINVAL || errno == ENOTCONN);
    /* Never-bound and out-of-range port numbers. */
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, 0), -1);
    assert_true(errno == EINVAL || errno == ENOTCONN);
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, 4000), -1);
    assert_true(errno == EINVAL || errno == ENOTCONN);
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, 1u << 20), -1);
    assert_true(errno == EINVAL || errno == ENOTCONN);
    /* Unbinding someone else's port fails too, and leaves it alone. */
    assert_int_equal(xenevtchn_unbind(xce0, (evtchn_port_t)other), -1);
    uint32_t st, rd, rp;
    assert_int_equal(port_state(0, (uint32_t)other, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_UNBOUND);
    assert_int_equal(rd, dom_a);
    assert_int_equal(xenevtchn_unbind(xce1, (evtchn_port_t)other), 0);
    assert_int_equal(port_state(0, (uint32_t)other, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_FREE);
}

/*
 * Linux's evtchn device (drivers/xen/evtchn.c, IOCTL_EVTCHN_NOTIFY and
 * IOCTL_EVTCHN_UNBIND) answers a port this file did not bind with
 * ENOTCONN, and libxenevtchn passes that errno through.  A driver written
 * against Xen sees ENOTCONN; the simulation should say the same.
 */
static void test_notify_unbind_errno_is_linux_enotconn(void **state)
{
    (void)state;
    xenevtchn_port_or_error_t other = xenevtchn_bind_unbound_port(xce1, dom_a);
    assert_true(other > 0);
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, (evtchn_port_t)other), -1);
    assert_int_equal(errno, ENOTCONN);
    errno = 0;
    assert_int_equal(xenevtchn_unbind(xce0, (evtchn_port_t)other), -1);
    assert_int_equal(errno, ENOTCONN);
    assert_int_equal(xenevtchn_unbind(xce1, (evtchn_port_t)other), 0);
}

static void test_bind_interdomain_needs_port_unbound_for_us(void **state)
{
    (void)state;
    /* Guest A offers a port to guest B, not to us. */
    struct kid *k = kid_spawn(dom_a, guest_unbound_for_other, dom_b);
    assert_non_null(k);
    uint32_t rport, st, rd, rp;
    assert_int_equal(simtest_recv_u32(k->ev, &rport, T_EVENT), 0);
    assert_int_equal(port_state(dom_a, rport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_UNBOUND);
    assert_int_equal(rd, dom_b);
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce0, dom_a, rport), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(port_state(dom_a, rport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_UNBOUND);    /* untouched */
    assert_int_equal(rd, dom_b);

    /* A port of guest A that is free. */
    uint32_t free_port = 0;
    for (uint32_t p = 4095; p > 0 && !free_port; p--)
        if (port_state(dom_a, p, &st, &rd, &rp) == 0 && st == XENSIM_PORT_FREE)
            free_port = p;
    assert_true(free_port > 0);
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce0, dom_a, free_port), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce0, dom_a, 0), -1);
    assert_int_equal(errno, EINVAL);

    /* A domain that does not exist. */
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce0, 1000, 1), -1);
    assert_int_equal(errno, ESRCH);

    /* A port already connected cannot be bound a second time. */
    xenevtchn_port_or_error_t mine = xenevtchn_bind_unbound_port(xce1, 0);
    assert_true(mine > 0);
    xenevtchn_port_or_error_t peer = xenevtchn_bind_interdomain(xce0, 0, (evtchn_port_t)mine);
    assert_true(peer > 0);
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce0, 0, (evtchn_port_t)mine), -1);
    assert_int_equal(errno, EINVAL);
    /* ... and the loopback channel that did connect works. */
    assert_int_equal(xenevtchn_notify(xce0, (evtchn_port_t)peer), 0);
    assert_true(readable(xenevtchn_fd(xce1), T_EVENT));
    assert_int_equal(xenevtchn_pending(xce1), mine);

    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);
}

/* ---- (d) closing one end ------------------------------------------------- */

struct usage_cond {
    uint32_t domid;
    struct xensim_domain_usage want;
};

static int usage_is(void *arg)
{
    struct usage_cond *c = arg;
    struct xensim_domain_usage u;
    return xensim_domain_usage(simtest_host(), c->domid, &u) == 0 &&
           u.ports_bound == c->want.ports_bound && u.handles == c->want.handles &&
           u.grants_active == c->want.grants_active && u.maps_held == c->want.maps_held;
}

struct port_cond {
    uint32_t domid, port, state, rdom;
};

static int port_is(void *arg)
{
    struct port_cond *c = arg;
    uint32_t st, rd, rp;
    return port_state(c->domid, c->port, &st, &rd, &rp) == 0 && st == c->state &&
           (st == XENSIM_PORT_FREE || rd == c->rdom);
}

static void test_peer_close_and_exit_leave_port_unbound(void **state)
{
    (void)state;
    /* What guest B holds with no program of ours running: its kernel. */
    struct usage_cond base = { .domid = dom_b };
    assert_int_equal(xensim_domain_usage(simtest_host(), dom_b, &base.want), 0);

    struct kid *k = kid_spawn(dom_b, guest_sender, 0);
    assert_non_null(k);
    uint32_t rport;
    evtchn_port_t lport = connect_to(k, dom_b, &rport);
    struct xensim_domain_usage u;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom_b, &u), 0);
    assert_int_equal(u.ports_bound, base.want.ports_bound + 1);
    assert_int_equal(u.handles, base.want.handles + 1);

    /* The guest closes its handle (its process lives on). */
    assert_int_equal(kid_cmd(k, CMD_CLOSE), 0);
    struct port_cond ours = { 0, lport, XENSIM_PORT_UNBOUND, dom_b };
    assert_int_equal(simtest_wait_until(port_is, &ours, T_EVENT), 0);
    struct port_cond theirs = { dom_b, rport, XENSIM_PORT_FREE, 0 };
    assert_int_equal(simtest_wait_until(port_is, &theirs, T_EVENT), 0);
    assert_int_equal(simtest_wait_until(usage_is, &base, T_EVENT), 0);

    /* Sending on our end, now unbound, succeeds and goes nowhere. */
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);
    assert_int_equal(evtchn_barrier(xce0), 0);
    assert_int_equal(simtest_wait_until(port_is, &ours, 0), 0);
    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);

    /* The guest may bind to our end again; the dropped send must not
     * show up there, a new one must. */
    k = kid_spawn(dom_b, guest_rebinder, lport);
    assert_non_null(k);
    uint32_t rport2, v;
    assert_int_equal(simtest_recv_u32(k->ev, &rport2, T_EVENT), 0);
    uint32_t st, rd, rp;
    assert_int_equal(port_state(0, lport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_INTERDOMAIN);
    assert_int_equal(rd, dom_b);
    assert_int_equal(rp, rport2);
    assert_int_equal(simtest_recv_u32(k->ev, &v, T_EVENT), 0);   /* saw nothing stale */
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);
    assert_int_equal(simtest_recv_u32(k->ev, &v, T_EVENT), 0);
    assert_int_equal(v, rport2);

    /* This time the guest program exits with its handle open. */
    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);
    assert_int_equal(simtest_wait_until(port_is, &ours, T_EVENT), 0);
    theirs.port = rport2;
    assert_int_equal(simtest_wait_until(port_is, &theirs, T_EVENT), 0);
    assert_int_equal(simtest_wait_until(usage_is, &base, T_EVENT), 0);
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);

    /* Finally our own unbind frees our end. */
    assert_int_equal(xenevtchn_unbind(xce0, lport), 0);
    assert_int_equal(port_state(0, lport, &st, &rd, &rp), 0);
    assert_int_equal(st, XENSIM_PORT_FREE);
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, lport), -1);
}

static void test_dom0_unbind_leaves_guest_end_unbound(void **state)
{
    (void)state;
    struct kid *k = kid_spawn(dom_a, guest_sender, 0);
    assert_non_null(k);
    uint32_t rport;
    evtchn_port_t lport = connect_to(k, dom_a, &rport);
    assert_int_equal(xenevtchn_unbind(xce0, lport), 0);
    struct port_cond theirs = { dom_a, rport, XENSIM_PORT_UNBOUND, 0 };
    assert_int_equal(simtest_wait_until(port_is, &theirs, T_EVENT), 0);
    /* The guest's sends now go nowhere, without error. */
    assert_int_equal(kid_cmd(k, 3), 0);
    assert_false(readable(xenevtchn_fd(xce0), T_QUIET));
    /* Closing our whole handle after that is harmless. */
    xenevtchn_close(xce0);
    xce0 = NULL;
    assert_int_equal(simtest_send_u32(k->cmd, CMD_QUIT), 0);
    assert_int_equal(kid_wait(k), 0);
}

int main(void)
{
    alarm(TEST_MAX_SECONDS);       /* a watchdog, well under run-tests.sh's 300 s */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivery_both_directions, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_masked_port_coalesces_until_unmask, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_notifies_before_read_coalesce, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_notify_needs_own_binding, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_notify_unbind_errno_is_linux_enotconn, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_bind_interdomain_needs_port_unbound_for_us,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_peer_close_and_exit_leave_port_unbound, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_dom0_unbind_leaves_guest_end_unbound, test_setup,
                                        test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
