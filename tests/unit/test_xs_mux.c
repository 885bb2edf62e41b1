/*
 * test_xs_mux.c - the relay's multiplexing rules, with no I/O: every
 * message the mux emits is captured and checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "xensim/relay/xs_mux.h"

/* ---- capture ---------------------------------------------------------- */

#define TO_RING 0u
#define CAP_MAX 64

struct cap_msg {
    uint32_t           to;       /* TO_RING or a client id */
    struct xsw_msg_hdr h;
    char               body[XSW_PAYLOAD_MAX];
};

static struct cap_msg cap[CAP_MAX];
static unsigned ncap;

static void cap_put(uint32_t to, const struct xsw_msg_hdr *h, const void *p)
{
    assert_true(ncap < CAP_MAX);
    assert_true(h->len <= XSW_PAYLOAD_MAX);
    cap[ncap].to = to;
    cap[ncap].h = *h;
    memcpy(cap[ncap].body, p, h->len);
    ncap++;
}

static void sink_ring(void *ctx, const struct xsw_msg_hdr *h, const void *p)
{
    (void)ctx;
    cap_put(TO_RING, h, p);
}

static void sink_client(void *ctx, uint32_t id, const struct xsw_msg_hdr *h,
                        const void *p)
{
    (void)ctx;
    assert_int_not_equal(id, TO_RING);
    cap_put(id, h, p);
}

/* Take the oldest captured message; it must go to `to` with type `type`. */
static struct cap_msg take(uint32_t to, uint32_t type)
{
    struct cap_msg m;

    assert_true(ncap > 0);
    m = cap[0];
    memmove(cap, cap + 1, (ncap - 1) * sizeof(cap[0]));
    ncap--;
    assert_int_equal(m.to, to);
    assert_int_equal(m.h.type, type);
    return m;
}

static void expect_nothing(void)
{
    assert_int_equal(ncap, 0);
}

/* ---- fixture ---------------------------------------------------------- */

static struct xs_mux *mk(unsigned clients, unsigned inflight, unsigned tx,
                         unsigned watches)
{
    struct xs_mux_limits lim = { clients, inflight, tx, watches };
    struct xs_mux_sink sink = { sink_ring, sink_client, NULL };
    struct xs_mux *mux = xs_mux_create(&lim, &sink);

    assert_non_null(mux);
    ncap = 0;
    return mux;
}

static struct xs_mux *mk_default(void)
{
    return mk(8, XS_MUX_DEFAULT_INFLIGHT, XS_MUX_DEFAULT_TRANSACTIONS,
              XS_MUX_DEFAULT_WATCHES);
}

static uint32_t add(struct xs_mux *mux)
{
    uint32_t id = 0;

    assert_int_equal(xs_mux_client_add(mux, &id), 0);
    assert_int_not_equal(id, 0);
    return id;
}

/* A client request; the body is given with its NULs and explicit length. */
static int req(struct xs_mux *mux, uint32_t id, uint32_t type,
               uint32_t req_id, uint32_t tx, const void *body, uint32_t len)
{
    struct xsw_msg_hdr h = { type, req_id, tx, len };
    return xs_mux_client_request(mux, id, &h, body);
}

static void ring(struct xs_mux *mux, uint32_t type, uint32_t req_id,
                 uint32_t tx, const void *body, uint32_t len)
{
    struct xsw_msg_hdr h = { type, req_id, tx, len };
    xs_mux_ring_message(mux, &h, body);
}

/* The next message must be a local XS_ERROR `err` for client id. */
static void expect_error(uint32_t id, uint32_t req_id, const char *err)
{
    struct cap_msg m = take(id, XSW_ERROR);
    assert_int_equal(m.h.req_id, req_id);
    assert_int_equal(m.h.len, strlen(err) + 1);
    assert_string_equal(m.body, err);
}

/* "path\0<id>/token\0" as the relay should put it on the ring. */
static uint32_t relay_spec(char *out, const char *path, uint32_t id,
                           const char *tok)
{
    int n = snprintf(out, XSW_PAYLOAD_MAX, "%s%c%u/%s", path, '\0',
                     (unsigned)id, tok);
    assert_true(n > 0);
    return (uint32_t)n + 1;
}

/* Register a watch for client id and answer it OK; returns nothing left. */
static void watch_ok(struct xs_mux *mux, uint32_t id, const char *spec,
                     uint32_t len)
{
    struct cap_msg m;

    assert_int_equal(req(mux, id, XSW_WATCH, 100, 0, spec, len), 0);
    m = take(TO_RING, XSW_WATCH);
    ring(mux, XSW_WATCH, m.h.req_id, 0, "OK", 3);
    m = take(id, XSW_WATCH);
    assert_int_equal(m.h.req_id, 100);
}

/* Start a transaction for client id and answer it with `tx`. */
static void start_ok(struct xs_mux *mux, uint32_t id, uint32_t tx)
{
    char num[16];
    struct cap_msg m;
    int n = snprintf(num, sizeof(num), "%u", (unsigned)tx);

    assert_int_equal(req(mux, id, XSW_TRANSACTION_START, 200, 0, "", 1), 0);
    m = take(TO_RING, XSW_TRANSACTION_START);
    ring(mux, XSW_TRANSACTION_START, m.h.req_id, 0, num, (uint32_t)n + 1);
    m = take(id, XSW_TRANSACTION_START);
    assert_int_equal(m.h.req_id, 200);
    assert_string_equal(m.body, num);
}

/* ---- request ids ------------------------------------------------------ */

static void test_same_req_id_two_clients(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux), b = add(mux);
    struct cap_msg ra, rb, m;

    (void)state;
    assert_int_not_equal(a, b);
    assert_int_equal(req(mux, a, XSW_READ, 7, 0, "/x", 3), 0);
    assert_int_equal(req(mux, b, XSW_READ, 7, 0, "/y", 3), 0);
    ra = take(TO_RING, XSW_READ);
    rb = take(TO_RING, XSW_READ);
    assert_int_not_equal(ra.h.req_id, rb.h.req_id);
    assert_string_equal(ra.body, "/x");
    assert_string_equal(rb.body, "/y");
    assert_int_equal(xs_mux_in_flight(mux), 2);

    /* Answer out of order: b's first. */
    ring(mux, XSW_READ, rb.h.req_id, 0, "vy", 2);
    m = take(b, XSW_READ);
    assert_int_equal(m.h.req_id, 7);
    assert_memory_equal(m.body, "vy", 2);
    ring(mux, XSW_ERROR, ra.h.req_id, 0, "ENOENT", 7);
    m = take(a, XSW_ERROR);
    assert_int_equal(m.h.req_id, 7);
    assert_string_equal(m.body, "ENOENT");
    expect_nothing();
    assert_int_equal(xs_mux_in_flight(mux), 0);

    /* A second reply with the same ring id goes nowhere. */
    ring(mux, XSW_READ, ra.h.req_id, 0, "late", 4);
    expect_nothing();
    assert_int_equal(xs_mux_get_stats(mux)->unknown_replies, 1);
    xs_mux_destroy(mux);
}

static void test_relay_ids_unique(void **state)
{
    struct xs_mux *mux = mk(2, 64, 4, 4);
    uint32_t a = add(mux), b = add(mux);
    uint32_t seen[64];

    (void)state;
    for (unsigned i = 0; i < 64; i++) {
        struct cap_msg m;
        assert_int_equal(req(mux, i & 1 ? b : a, XSW_READ, 1, 0, "/k", 3), 0);
        m = take(TO_RING, XSW_READ);
        assert_int_not_equal(m.h.req_id, 0);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(seen[j], m.h.req_id);
        seen[i] = m.h.req_id;
    }
    xs_mux_destroy(mux);
}

/* ---- watches ---------------------------------------------------------- */

static void test_watch_token_routing(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux), b = add(mux);
    char want[64], ev[64];
    uint32_t n;
    struct cap_msg m;

    (void)state;
    /* Both clients watch /a with the same token "t". */
    assert_int_equal(req(mux, a, XSW_WATCH, 1, 0, "/a\0t", 5), 0);
    assert_int_equal(req(mux, b, XSW_WATCH, 1, 0, "/a\0t", 5), 0);
    m = take(TO_RING, XSW_WATCH);
    n = relay_spec(want, "/a", a, "t");
    assert_int_equal(m.h.len, n);
    assert_memory_equal(m.body, want, n);
    ring(mux, XSW_WATCH, m.h.req_id, 0, "OK", 3);
    m = take(TO_RING, XSW_WATCH);
    n = relay_spec(want, "/a", b, "t");
    assert_int_equal(m.h.len, n);
    assert_memory_equal(m.body, want, n);
    ring(mux, XSW_WATCH, m.h.req_id, 0, "OK", 3);
    take(a, XSW_WATCH);
    take(b, XSW_WATCH);

    /* An event for b's token reaches b only, token restored. */
    n = relay_spec(ev, "/a/x", b, "t");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    m = take(b, XSW_WATCH_EVENT);
    assert_int_equal(m.h.len, 7);
    assert_memory_equal(m.body, "/a/x\0t", 7);
    assert_int_equal(m.h.req_id, 0);
    expect_nothing();

    n = relay_spec(ev, "/a", a, "t");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    m = take(a, XSW_WATCH_EVENT);
    assert_memory_equal(m.body, "/a\0t", 5);
    expect_nothing();
    assert_int_equal(xs_mux_get_stats(mux)->events, 2);
    xs_mux_destroy(mux);
}

static void test_event_while_watch_in_flight(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    char ev[64];
    uint32_t n;
    struct cap_msg w;

    (void)state;
    assert_int_equal(req(mux, a, XSW_WATCH, 1, 0, "/p\0tok", 7), 0);
    w = take(TO_RING, XSW_WATCH);
    /* The initial event may come before the reply is routed. */
    n = relay_spec(ev, "/p", a, "tok");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    take(a, XSW_WATCH_EVENT);
    ring(mux, XSW_WATCH, w.h.req_id, 0, "OK", 3);
    take(a, XSW_WATCH);
    expect_nothing();
    xs_mux_destroy(mux);
}

static void test_unwatch_stops_events(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    char ev[64], want[64];
    uint32_t n;
    struct cap_msg m;

    (void)state;
    watch_ok(mux, a, "/p\0tok", 7);
    assert_int_equal(req(mux, a, XSW_UNWATCH, 5, 0, "/p\0tok", 7), 0);
    m = take(TO_RING, XSW_UNWATCH);
    n = relay_spec(want, "/p", a, "tok");
    assert_memory_equal(m.body, want, n);
    ring(mux, XSW_UNWATCH, m.h.req_id, 0, "OK", 3);
    m = take(a, XSW_UNWATCH);
    assert_int_equal(m.h.req_id, 5);

    n = relay_spec(ev, "/p", a, "tok");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    expect_nothing();
    assert_int_equal(xs_mux_get_stats(mux)->dropped_events, 1);

    /* Nothing left to clean up. */
    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    expect_nothing();
    xs_mux_destroy(mux);
}

static void test_failed_watch_not_kept(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    char ev[64];
    uint32_t n;
    struct cap_msg m;

    (void)state;
    assert_int_equal(req(mux, a, XSW_WATCH, 1, 0, "/p\0t", 5), 0);
    m = take(TO_RING, XSW_WATCH);
    ring(mux, XSW_ERROR, m.h.req_id, 0, "EACCES", 7);
    expect_error(a, 1, "EACCES");
    n = relay_spec(ev, "/p", a, "t");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    expect_nothing();
    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    expect_nothing();                  /* no UNWATCH for a failed watch */
    xs_mux_destroy(mux);
}

static void test_event_foreign_token(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux), b = add(mux);
    char ev[64];
    uint32_t n;

    (void)state;
    watch_ok(mux, a, "/p\0mine", 8);
    /* b's prefix with a's token: b holds no such watch. */
    n = relay_spec(ev, "/p", b, "mine");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    /* A client id that was never handed out. */
    n = relay_spec(ev, "/p", 999, "mine");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    expect_nothing();
    assert_int_equal(xs_mux_get_stats(mux)->dropped_events, 2);
    xs_mux_destroy(mux);
}

/* ---- transactions ----------------------------------------------------- */

static void test_tx_ownership(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux), b = add(mux);
    struct cap_msg m;

    (void)state;
    start_ok(mux, a, 42);

    /* b may not use a's transaction, not even to end it. */
    assert_int_equal(req(mux, b, XSW_READ, 9, 42, "/k", 3), 0);
    expect_error(b, 9, "ENOENT");
    assert_int_equal(req(mux, b, XSW_TRANSACTION_END, 10, 42, "F", 2), 0);
    expect_error(b, 10, "ENOENT");
    assert_int_equal(req(mux, b, XSW_TRANSACTION_START, 11, 42, "", 1), 0);
    expect_error(b, 11, "ENOENT");
    expect_nothing();

    /* a may. */
    assert_int_equal(req(mux, a, XSW_WRITE, 12, 42, "/k\0v", 4), 0);
    m = take(TO_RING, XSW_WRITE);
    assert_int_equal(m.h.tx_id, 42);
    ring(mux, XSW_WRITE, m.h.req_id, 42, "OK", 3);
    m = take(a, XSW_WRITE);
    assert_int_equal(m.h.tx_id, 42);
    assert_int_equal(m.h.req_id, 12);

    /* A bad END argument never reaches the ring. */
    assert_int_equal(req(mux, a, XSW_TRANSACTION_END, 13, 42, "X", 2), 0);
    expect_error(a, 13, "EINVAL");
    assert_int_equal(req(mux, a, XSW_TRANSACTION_END, 13, 42, "T", 1), 0);
    expect_error(a, 13, "EINVAL");

    /* Commit: the id is released even when the commit fails. */
    assert_int_equal(req(mux, a, XSW_TRANSACTION_END, 14, 42, "T", 2), 0);
    m = take(TO_RING, XSW_TRANSACTION_END);
    ring(mux, XSW_ERROR, m.h.req_id, 42, "EAGAIN", 7);
    expect_error(a, 14, "EAGAIN");
    assert_int_equal(req(mux, a, XSW_READ, 15, 42, "/k", 3), 0);
    expect_error(a, 15, "ENOENT");
    expect_nothing();

    /* No transaction to clean up. */
    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    expect_nothing();
    xs_mux_destroy(mux);
}

static void test_bad_start_reply(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    struct cap_msg m;

    (void)state;
    assert_int_equal(req(mux, a, XSW_TRANSACTION_START, 1, 0, "", 1), 0);
    m = take(TO_RING, XSW_TRANSACTION_START);
    ring(mux, XSW_TRANSACTION_START, m.h.req_id, 0, "12x", 4);
    expect_error(a, 1, "EIO");
    assert_int_equal(xs_mux_get_stats(mux)->bad_replies, 1);

    assert_int_equal(req(mux, a, XSW_TRANSACTION_START, 2, 0, "", 1), 0);
    m = take(TO_RING, XSW_TRANSACTION_START);
    ring(mux, XSW_TRANSACTION_START, m.h.req_id, 0, "99999999999", 12);
    expect_error(a, 2, "EIO");
    xs_mux_destroy(mux);
}

/* ---- disconnect ------------------------------------------------------- */

static void test_drop_cleanup(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux), b = add(mux);
    char want[64], ev[64];
    uint32_t n;
    struct cap_msg m, end, unw, rd;

    (void)state;
    start_ok(mux, a, 42);
    watch_ok(mux, a, "/w\0tk", 6);
    watch_ok(mux, b, "/w\0tk", 6);
    assert_int_equal(req(mux, a, XSW_READ, 3, 0, "/r", 3), 0);
    rd = take(TO_RING, XSW_READ);

    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    assert_int_equal(xs_mux_client_count(mux), 1);
    end = take(TO_RING, XSW_TRANSACTION_END);
    assert_int_equal(end.h.tx_id, 42);
    assert_int_equal(end.h.len, 2);
    assert_memory_equal(end.body, "F", 2);
    unw = take(TO_RING, XSW_UNWATCH);
    n = relay_spec(want, "/w", a, "tk");
    assert_int_equal(unw.h.len, n);
    assert_memory_equal(unw.body, want, n);
    expect_nothing();
    assert_int_equal(xs_mux_get_stats(mux)->cleanups, 2);

    /* Replies to the cleanup and to a's last request are swallowed, and
     * so is an event still on its way to a. */
    ring(mux, XSW_READ, rd.h.req_id, 0, "v", 1);
    ring(mux, XSW_TRANSACTION_END, end.h.req_id, 42, "OK", 3);
    n = relay_spec(ev, "/w", a, "tk");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    ring(mux, XSW_UNWATCH, unw.h.req_id, 0, "OK", 3);
    expect_nothing();
    assert_int_equal(xs_mux_get_stats(mux)->swallowed, 3);
    assert_int_equal(xs_mux_in_flight(mux), 0);

    /* b is untouched. */
    n = relay_spec(ev, "/w", b, "tk");
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n);
    m = take(b, XSW_WATCH_EVENT);
    assert_memory_equal(m.body, "/w\0tk", 6);
    assert_int_equal(xs_mux_client_drop(mux, a), -1);
    assert_int_equal(errno, ENOENT);
    xs_mux_destroy(mux);
}

static void test_drop_with_requests_in_flight(void **state)
{
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    char want[64];
    uint32_t n;
    struct cap_msg st, w, end, unw, e2, u2;

    (void)state;
    /* a has an END and an UNWATCH in flight when it goes: the relay does
     * not send them a second time. */
    start_ok(mux, a, 7);
    watch_ok(mux, a, "/x\0t", 5);
    assert_int_equal(req(mux, a, XSW_TRANSACTION_END, 1, 7, "T", 2), 0);
    e2 = take(TO_RING, XSW_TRANSACTION_END);
    assert_int_equal(req(mux, a, XSW_UNWATCH, 2, 0, "/x\0t", 5), 0);
    u2 = take(TO_RING, XSW_UNWATCH);
    /* ... and a START and a WATCH whose replies come after it left. */
    assert_int_equal(req(mux, a, XSW_TRANSACTION_START, 3, 0, "", 1), 0);
    st = take(TO_RING, XSW_TRANSACTION_START);
    assert_int_equal(req(mux, a, XSW_WATCH, 4, 0, "/y\0u", 5), 0);
    w = take(TO_RING, XSW_WATCH);

    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    expect_nothing();

    ring(mux, XSW_TRANSACTION_END, e2.h.req_id, 7, "OK", 3);
    ring(mux, XSW_UNWATCH, u2.h.req_id, 0, "OK", 3);
    expect_nothing();
    /* The orphaned START succeeded: the relay ends the transaction. */
    ring(mux, XSW_TRANSACTION_START, st.h.req_id, 0, "43", 3);
    end = take(TO_RING, XSW_TRANSACTION_END);
    assert_int_equal(end.h.tx_id, 43);
    assert_memory_equal(end.body, "F", 2);
    /* The orphaned WATCH succeeded: the relay removes the watch. */
    ring(mux, XSW_WATCH, w.h.req_id, 0, "OK", 3);
    unw = take(TO_RING, XSW_UNWATCH);
    n = relay_spec(want, "/y", a, "u");
    assert_memory_equal(unw.body, want, n);
    expect_nothing();

    ring(mux, XSW_TRANSACTION_END, end.h.req_id, 43, "OK", 3);
    ring(mux, XSW_ERROR, unw.h.req_id, 0, "ENOENT", 7);
    expect_nothing();
    assert_int_equal(xs_mux_in_flight(mux), 0);
    xs_mux_destroy(mux);
}

static void test_ids_not_reused(void **state)
{
    struct xs_mux *mux = mk(1, 4, 4, 4);
    uint32_t a, b;

    (void)state;
    a = add(mux);
    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    b = add(mux);
    assert_int_not_equal(a, b);
    xs_mux_destroy(mux);
}

/* ---- malformed input and limits -------------------------------------- */

static void test_malformed_client_input(void **state)
{
    static char big[XSW_PAYLOAD_MAX + 1];
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    struct xsw_msg_hdr h = { XSW_WRITE, 1, 0, XSW_PAYLOAD_MAX + 1 };

    (void)state;
    assert_int_equal(xs_mux_client_request(mux, a, &h, big), -1);
    assert_int_equal(errno, EMSGSIZE);
    h.len = 0xffffffffu;
    assert_int_equal(xs_mux_client_request(mux, a, &h, big), -1);
    assert_int_equal(errno, EMSGSIZE);
    expect_nothing();

    /* Watch payloads must be exactly "path\0token\0". */
    assert_int_equal(req(mux, a, XSW_WATCH, 2, 0, "/p", 2), 0);
    expect_error(a, 2, "EINVAL");
    assert_int_equal(req(mux, a, XSW_WATCH, 3, 0, "/p", 3), 0);
    expect_error(a, 3, "EINVAL");
    assert_int_equal(req(mux, a, XSW_WATCH, 4, 0, "/p\0t", 4), 0);
    expect_error(a, 4, "EINVAL");
    assert_int_equal(req(mux, a, XSW_UNWATCH, 5, 0, "/p\0t\0x", 7), 0);
    expect_error(a, 5, "EINVAL");
    assert_int_equal(req(mux, a, XSW_WATCH, 6, 0, "", 0), 0);
    expect_error(a, 6, "EINVAL");

    /* Types a client may not send. */
    assert_int_equal(req(mux, a, XSW_WATCH_EVENT, 7, 0, "/p\0t", 5), 0);
    expect_error(a, 7, "EINVAL");
    assert_int_equal(req(mux, a, XSW_ERROR, 8, 0, "EIO", 4), 0);
    expect_error(a, 8, "EINVAL");
    assert_int_equal(req(mux, a, XSW_RESET_WATCHES, 9, 0, "", 0), 0);
    expect_error(a, 9, "EINVAL");
    assert_int_equal(req(mux, a, 20, 10, 0, "", 0), 0);
    expect_error(a, 10, "EINVAL");
    assert_int_equal(req(mux, a, 0x7777, 11, 0, "", 0), 0);
    expect_error(a, 11, "EINVAL");
    expect_nothing();
    assert_int_equal(xs_mux_in_flight(mux), 0);

    /* Unknown client. */
    assert_int_equal(req(mux, a + 100, XSW_READ, 1, 0, "/", 2), -1);
    assert_int_equal(errno, ENOENT);
    xs_mux_destroy(mux);
}

static void test_malformed_ring_input(void **state)
{
    static char big[XSW_PAYLOAD_MAX + 1];
    struct xs_mux *mux = mk_default();
    uint32_t a = add(mux);
    const struct xs_mux_stats *st = xs_mux_get_stats(mux);
    char ev[64];
    uint32_t n;

    (void)state;
    watch_ok(mux, a, "/p\0t", 5);

    ring(mux, XSW_READ, 1, 0, big, XSW_PAYLOAD_MAX + 1);
    assert_int_equal(st->bad_replies, 1);
    ring(mux, XSW_READ, 12345, 0, "x", 1);
    assert_int_equal(st->unknown_replies, 1);

    /* Events: no NUL at all, no token NUL, no prefix, bad prefixes. */
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p", 2);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0" "1/t", 6);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0t", 5);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0/t", 6);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0" "01/t", 8);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0" "0/t", 7);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0" "99999999999/t", 16);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0" "4294967296/t", 15);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "/p\0" "1", 5);
    ring(mux, XSW_WATCH_EVENT, 0, 0, "", 0);
    expect_nothing();
    assert_int_equal(st->dropped_events, 10);

    /* Extra bytes after the token survive the rewrite. */
    n = relay_spec(ev, "/p", a, "t");
    memcpy(ev + n, "z", 2);
    ring(mux, XSW_WATCH_EVENT, 0, 0, ev, n + 2);
    {
        struct cap_msg m = take(a, XSW_WATCH_EVENT);
        assert_int_equal(m.h.len, 7);
        assert_memory_equal(m.body, "/p\0t\0z", 7);
    }
    xs_mux_destroy(mux);
}

static void test_table_full(void **state)
{
    struct xs_mux *mux = mk(2, 4, 4, 4);
    uint32_t a, b, c;

    (void)state;
    a = add(mux);
    b = add(mux);
    assert_int_equal(xs_mux_client_add(mux, &c), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(xs_mux_client_count(mux), 2);
    assert_int_equal(xs_mux_client_drop(mux, a), 0);
    c = add(mux);
    assert_int_not_equal(c, a);
    assert_int_not_equal(c, b);
    xs_mux_destroy(mux);
}

static void test_per_client_limits(void **state)
{
    static char longspec[XSW_PAYLOAD_MAX];
    struct xs_mux *mux = mk(2, 3, 1, 1);
    uint32_t a = add(mux), b = add(mux);
    struct cap_msg m;

    (void)state;
    /* One transaction each. */
    start_ok(mux, a, 5);
    assert_int_equal(req(mux, a, XSW_TRANSACTION_START, 1, 0, "", 1), 0);
    expect_error(a, 1, "ENOSPC");

    /* One watch each, counting one still in flight. */
    assert_int_equal(req(mux, a, XSW_WATCH, 2, 0, "/p\0t", 5), 0);
    m = take(TO_RING, XSW_WATCH);
    assert_int_equal(req(mux, a, XSW_WATCH, 3, 0, "/q\0t", 5), 0);
    expect_error(a, 3, "E2BIG");
    ring(mux, XSW_WATCH, m.h.req_id, 0, "OK", 3);
    take(a, XSW_WATCH);

    /* A token the prefix would push past 4096 bytes. */
    memset(longspec, 'x', sizeof(longspec));
    longspec[0] = '/';
    longspec[10] = '\0';
    longspec[XSW_PAYLOAD_MAX - 1] = '\0';
    assert_int_equal(req(mux, b, XSW_UNWATCH, 4, 0, longspec,
                         XSW_PAYLOAD_MAX), 0);
    expect_error(b, 4, "E2BIG");

    /* Three requests in flight at most. */
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(req(mux, b, XSW_READ, 10 + i, 0, "/r", 3), 0);
        take(TO_RING, XSW_READ);
    }
    assert_int_equal(req(mux, b, XSW_READ, 13, 0, "/r", 3), 0);
    expect_error(b, 13, "EBUSY");
    /* a is not affected by b's backlog. */
    assert_int_equal(req(mux, a, XSW_READ, 14, 0, "/r", 3), 0);
    take(TO_RING, XSW_READ);
    expect_nothing();
    xs_mux_destroy(mux);
}

static void test_bad_limits(void **state)
{
    struct xs_mux_sink sink = { sink_ring, sink_client, NULL };
    struct xs_mux_limits lim;

    (void)state;
    xs_mux_default_limits(&lim, 0);
    assert_null(xs_mux_create(&lim, &sink));
    assert_int_equal(errno, EINVAL);
    xs_mux_default_limits(&lim, XS_MUX_MAX_CLIENTS + 1);
    assert_null(xs_mux_create(&lim, &sink));
    xs_mux_default_limits(&lim, 4);
    lim.max_watches = 0;
    assert_null(xs_mux_create(&lim, &sink));
    sink.to_ring = NULL;
    xs_mux_default_limits(&lim, 4);
    assert_null(xs_mux_create(&lim, &sink));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_req_id_two_clients),
        cmocka_unit_test(test_relay_ids_unique),
        cmocka_unit_test(test_watch_token_routing),
        cmocka_unit_test(test_event_while_watch_in_flight),
        cmocka_unit_test(test_unwatch_stops_events),
        cmocka_unit_test(test_failed_watch_not_kept),
        cmocka_unit_test(test_event_foreign_token),
        cmocka_unit_test(test_tx_ownership),
        cmocka_unit_test(test_bad_start_reply),
        cmocka_unit_test(test_drop_cleanup),
        cmocka_unit_test(test_drop_with_requests_in_flight),
        cmocka_unit_test(test_ids_not_reused),
        cmocka_unit_test(test_malformed_client_input),
        cmocka_unit_test(test_malformed_ring_input),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_per_client_limits),
        cmocka_unit_test(test_bad_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
