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
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <xenevtchn.h>

#include "tests/sim/simkid.h"
#include "tests/sim/simtest.h"

#define T_QUIET   150     /* ms: proof that nothing happens */

static uint32_t dom_a, dom_b;      /* two guests, created once */

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

/* ---- guest programs ------------------------------------------------------ */

enum { CMD_NOTIFY_ONE = 0xffff0001u, CMD_CLOSE = 0xffff0002u };

/*
 * How most guest programs start: a handle of their own, a port left
 * unbound for domain `remote`, and that port reported to the parent.
 * 0, or the step (10-12) that failed.
 */
static int offer_port(struct kid_ctx *c, uint32_t remote, xenevtchn_handle **xce,
                      xenevtchn_port_or_error_t *port)
{
    *xce = xenevtchn_open(NULL, 0);
    if (!*xce)
        return 10;
    *port = xenevtchn_bind_unbound_port(*xce, remote);
    if (*port <= 0)
        return 11;
    if (kid_report(c, (uint32_t)*port) < 0)
        return 12;
    return 0;
}

/*
 * Binds an unbound port for dom0 and reports it, waits for dom0's event on
 * it (which must be exactly that port, and only one), acknowledges it, then
 * notifies dom0 on command, then closes on command.
 */
static int guest_echo(struct kid_ctx *c)
{
    xenevtchn_handle *xce;
    xenevtchn_port_or_error_t port;
    int step = offer_port(c, 0, &xce, &port);
    if (step)
        return step;
    int fd = xenevtchn_fd(xce);
    if (!readable(fd, T_EVENT))
        return 13;
    if (xenevtchn_pending(xce) != port)
        return 14;
    if (readable(fd, 0))                 /* one notify, one delivery */
        return 15;
    if (xenevtchn_unmask(xce, (evtchn_port_t)port) < 0)
        return 16;
    if (kid_report(c, (uint32_t)port) < 0)
        return 17;
    if (kid_await(c, CMD_NOTIFY_ONE) < 0)
        return 18;
    if (xenevtchn_notify(xce, (evtchn_port_t)port) < 0)
        return 19;
    if (kid_report(c, CMD_NOTIFY_ONE) < 0)
        return 20;
    if (kid_await(c, KID_QUIT) < 0)
        return 21;
    xenevtchn_close(xce);
    return 0;
}

/*
 * Binds an unbound port for dom0 and reports it; then each command N sends
 * N notifies, makes sure the hypervisor has handled them (a call on the
 * same handle) and acknowledges N.  CMD_CLOSE closes the handle but keeps
 * the process; KID_QUIT ends it.
 */
static int guest_sender(struct kid_ctx *c)
{
    xenevtchn_handle *xce;
    xenevtchn_port_or_error_t port;
    int step = offer_port(c, 0, &xce, &port);
    if (step)
        return step;
    for (int round = 0; round < 100; round++) {
        uint32_t cmd;
        if (kid_next(c, &cmd) < 0)
            return 13;
        if (cmd == KID_QUIT)
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
        if (kid_report(c, cmd) < 0)
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
    xenevtchn_handle *xce;
    xenevtchn_port_or_error_t port;
    int step = offer_port(c, c->arg, &xce, &port);
    if (step)
        return step;
    if (kid_await(c, KID_QUIT) < 0)
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
    if (kid_report(c, (uint32_t)port) < 0)
        return 12;
    int fd = xenevtchn_fd(xce);
    if (readable(fd, T_QUIET))           /* a send to an unbound port is dropped */
        return 13;
    if (kid_report(c, 1) < 0)
        return 14;
    if (!readable(fd, T_EVENT))
        return 15;
    if (xenevtchn_pending(xce) != port)
        return 16;
    if (xenevtchn_unmask(xce, (evtchn_port_t)port) < 0)
        return 17;
    if (kid_report(c, (uint32_t)port) < 0)
        return 18;
    if (kid_await(c, KID_QUIT) < 0)
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
    kid_kill_all();
    xenevtchn_close(xce0);
    xenevtchn_close(xce1);
    xce0 = xce1 = NULL;
    return 0;
}

/*
 * The simulator shows domid's port in `state`: if UNBOUND, open to domain
 * rdom; if INTERDOMAIN, connected to rdom's port rport.
 */
static void assert_port(uint32_t domid, uint32_t port, uint32_t state, uint32_t rdom,
                        uint32_t rport)
{
    struct xensim_port_status st;
    assert_int_equal(xensim_evtchn_status(simtest_host(), domid, port, &st), 0);
    assert_int_equal(st.state, state);
    if (state != XENSIM_PORT_FREE)
        assert_int_equal(st.remote_domid, rdom);
    if (state == XENSIM_PORT_INTERDOMAIN)
        assert_int_equal(st.remote_port, rport);
}

/*
 * Runs a guest program that offers dom0 a port (guest_echo, guest_sender)
 * and binds dom0 to it: the guest's port in *rport, dom0's in *lport.
 */
static struct kid *spawn_connected(uint32_t domid, int (*body)(struct kid_ctx *),
                                   uint32_t *rport, evtchn_port_t *lport)
{
    struct kid *k = kid_spawn(domid, body, 0, NULL);
    assert_non_null(k);
    assert_int_equal(kid_recv(k, rport), 0);
    assert_true(*rport > 0);
    assert_port(domid, *rport, XENSIM_PORT_UNBOUND, 0, 0);
    xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(xce0, domid, *rport);
    assert_true(p > 0);
    *lport = (evtchn_port_t)p;
    /* Both ends now name each other. */
    assert_port(0, *lport, XENSIM_PORT_INTERDOMAIN, domid, *rport);
    assert_port(domid, *rport, XENSIM_PORT_INTERDOMAIN, 0, *lport);
    return k;
}

/* An event is delivered on h within T_EVENT, and it is for port. */
static void expect_event(xenevtchn_handle *h, evtchn_port_t port)
{
    assert_true(readable(xenevtchn_fd(h), T_EVENT));
    assert_int_equal(xenevtchn_pending(h), (int)port);
}

/* Nothing is delivered to dom0 (xce0) within T_QUIET. */
static void expect_quiet(void)
{
    assert_false(readable(xenevtchn_fd(xce0), T_QUIET));
}

/* Unmasking dom0's port brings nothing: no event was left pending.  The
 * barrier makes sure the hypervisor has handled the unmask first. */
static void expect_drained(evtchn_port_t port)
{
    assert_int_equal(xenevtchn_unmask(xce0, port), 0);
    assert_int_equal(evtchn_barrier(xce0), 0);
    expect_quiet();
}

/* ---- (a) delivery across processes, both directions --------------------- */

static void test_delivery_both_directions(void **state)
{
    (void)state;
    uint32_t rport, ack;
    evtchn_port_t lport;
    struct kid *k = spawn_connected(dom_a, guest_echo, &rport, &lport);

    /* dom0 -> guest: the child reports the port it saw. */
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);
    assert_int_equal(kid_recv(k, &ack), 0);
    assert_int_equal(ack, rport);

    /* guest -> dom0: delivered on dom0's end of the same channel, once. */
    assert_false(readable(xenevtchn_fd(xce0), 0));
    assert_int_equal(kid_cmd(k, CMD_NOTIFY_ONE), 0);
    expect_event(xce0, lport);
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    expect_quiet();
    /* Not on the other handle of this process. */
    assert_false(readable(xenevtchn_fd(xce1), 0));

    assert_int_equal(kid_quit(k), 0);
}

/* ---- (b) masking and coalescing ---------------------------------------- */

static void test_masked_port_coalesces_until_unmask(void **state)
{
    (void)state;
    uint32_t rport;
    evtchn_port_t lport;
    struct kid *k = spawn_connected(dom_a, guest_sender, &rport, &lport);

    /* One notify, one delivery; the port is now masked. */
    assert_int_equal(kid_cmd(k, 1), 0);
    expect_event(xce0, lport);

    /* Not unmasked: more notifies deliver nothing ... */
    assert_int_equal(kid_cmd(k, 7), 0);
    expect_quiet();

    /* ... until the unmask, which brings exactly one delivery ... */
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    expect_event(xce0, lport);
    expect_quiet();

    /* ... and nothing was left pending behind it. */
    expect_drained(lport);

    /* The channel still works afterwards. */
    assert_int_equal(kid_cmd(k, 1), 0);
    expect_event(xce0, lport);
    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);

    assert_int_equal(kid_quit(k), 0);
}

static void test_notifies_before_read_coalesce(void **state)
{
    (void)state;
    uint32_t rport;
    evtchn_port_t lport;
    struct kid *k = spawn_connected(dom_a, guest_sender, &rport, &lport);

    /* Receiver unmasked and idle; 10 notifies land before it reads.  As
     * with Linux's evtchn device: the first is delivered (and masks the
     * port), the other nine coalesce into one pending event. */
    assert_int_equal(kid_cmd(k, 10), 0);
    expect_event(xce0, lport);
    expect_quiet();                               /* one word, not ten */

    assert_int_equal(xenevtchn_unmask(xce0, lport), 0);
    expect_event(xce0, lport);                    /* the coalesced one */
    expect_drained(lport);                        /* and no more */

    assert_int_equal(kid_quit(k), 0);
}

/* ---- (c) errors ------------------------------------------------------------ */

/* dom0's notify on port fails as Xen's (EINVAL) or Linux's (ENOTCONN) would. */
static void assert_notify_refused(evtchn_port_t port)
{
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, port), -1);
    assert_true(errno == EINVAL || errno == ENOTCONN);
}

static void test_notify_needs_own_binding(void **state)
{
    (void)state;
    /* A port bound through another handle of this very process. */
    xenevtchn_port_or_error_t other = xenevtchn_bind_unbound_port(xce1, dom_a);
    assert_true(other > 0);
    assert_notify_refused((evtchn_port_t)other);
    /* Never-bound and out-of-range port numbers. */
    assert_notify_refused(0);
    assert_notify_refused(4000);
    assert_notify_refused(1u << 20);
    /* Unbinding someone else's port fails too, and leaves it alone. */
    assert_int_equal(xenevtchn_unbind(xce0, (evtchn_port_t)other), -1);
    assert_port(0, (uint32_t)other, XENSIM_PORT_UNBOUND, dom_a, 0);
    assert_int_equal(xenevtchn_unbind(xce1, (evtchn_port_t)other), 0);
    assert_port(0, (uint32_t)other, XENSIM_PORT_FREE, 0, 0);
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
    struct kid *k = kid_spawn(dom_a, guest_unbound_for_other, dom_b, NULL);
    assert_non_null(k);
    uint32_t rport;
    assert_int_equal(kid_recv(k, &rport), 0);
    assert_port(dom_a, rport, XENSIM_PORT_UNBOUND, dom_b, 0);
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce0, dom_a, rport), -1);
    assert_int_equal(errno, EINVAL);
    assert_port(dom_a, rport, XENSIM_PORT_UNBOUND, dom_b, 0);    /* untouched */

    /* A port of guest A that is free. */
    uint32_t free_port = 0;
    for (uint32_t p = 4095; p > 0 && !free_port; p--) {
        struct xensim_port_status st;
        if (xensim_evtchn_status(simtest_host(), dom_a, p, &st) == 0 &&
            st.state == XENSIM_PORT_FREE)
            free_port = p;
    }
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
    expect_event(xce1, (evtchn_port_t)mine);

    assert_int_equal(kid_quit(k), 0);
}

/* ---- (d) closing one end ------------------------------------------------- */

static void test_peer_close_and_exit_leave_port_unbound(void **state)
{
    (void)state;
    /* What guest B holds with no program of ours running: its kernel. */
    struct xensim_domain_usage base;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom_b, &base), 0);

    uint32_t rport;
    evtchn_port_t lport;
    struct kid *k = spawn_connected(dom_b, guest_sender, &rport, &lport);
    struct xensim_domain_usage u;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom_b, &u), 0);
    assert_int_equal(u.ports_bound, base.ports_bound + 1);
    assert_int_equal(u.handles, base.handles + 1);

    /* The guest closes its handle (its process lives on). */
    assert_int_equal(kid_cmd(k, CMD_CLOSE), 0);
    assert_int_equal(simkid_wait_port(0, lport, XENSIM_PORT_UNBOUND, dom_b, T_EVENT), 0);
    assert_int_equal(simkid_wait_port(dom_b, rport, XENSIM_PORT_FREE, 0, T_EVENT), 0);
    assert_int_equal(simkid_wait_usage(dom_b, &base, T_EVENT), 0);

    /* Sending on our end, now unbound, succeeds and goes nowhere. */
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);
    assert_int_equal(evtchn_barrier(xce0), 0);
    assert_int_equal(simkid_wait_port(0, lport, XENSIM_PORT_UNBOUND, dom_b, 0), 0);
    assert_int_equal(kid_quit(k), 0);

    /* The guest may bind to our end again; the dropped send must not
     * show up there, a new one must. */
    k = kid_spawn(dom_b, guest_rebinder, lport, NULL);
    assert_non_null(k);
    uint32_t rport2, v;
    assert_int_equal(kid_recv(k, &rport2), 0);
    assert_port(0, lport, XENSIM_PORT_INTERDOMAIN, dom_b, rport2);
    assert_int_equal(kid_recv(k, &v), 0);   /* saw nothing stale */
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);
    assert_int_equal(kid_recv(k, &v), 0);
    assert_int_equal(v, rport2);

    /* This time the guest program exits with its handle open. */
    assert_int_equal(kid_quit(k), 0);
    assert_int_equal(simkid_wait_port(0, lport, XENSIM_PORT_UNBOUND, dom_b, T_EVENT), 0);
    assert_int_equal(simkid_wait_port(dom_b, rport2, XENSIM_PORT_FREE, 0, T_EVENT), 0);
    assert_int_equal(simkid_wait_usage(dom_b, &base, T_EVENT), 0);
    assert_int_equal(xenevtchn_notify(xce0, lport), 0);

    /* Finally our own unbind frees our end. */
    assert_int_equal(xenevtchn_unbind(xce0, lport), 0);
    assert_port(0, lport, XENSIM_PORT_FREE, 0, 0);
    errno = 0;
    assert_int_equal(xenevtchn_notify(xce0, lport), -1);
}

static void test_dom0_unbind_leaves_guest_end_unbound(void **state)
{
    (void)state;
    uint32_t rport;
    evtchn_port_t lport;
    struct kid *k = spawn_connected(dom_a, guest_sender, &rport, &lport);
    assert_int_equal(xenevtchn_unbind(xce0, lport), 0);
    assert_int_equal(simkid_wait_port(dom_a, rport, XENSIM_PORT_UNBOUND, 0, T_EVENT), 0);
    /* The guest's sends now go nowhere, without error. */
    assert_int_equal(kid_cmd(k, 3), 0);
    expect_quiet();
    /* Closing our whole handle after that is harmless. */
    xenevtchn_close(xce0);
    xce0 = NULL;
    assert_int_equal(kid_quit(k), 0);
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
