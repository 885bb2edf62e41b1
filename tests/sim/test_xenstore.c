/*
 * test_xenstore.c - xenstore as a guest sees it: forked children play
 * guest programs whose unmodified libxenstore talks to the real xenstored
 * through the guest's relay (its xenstore ring), so xenstored applies the
 * guest's permissions; this process is Domain-0 on xenstored's socket.
 *
 * Children never use cmocka: they return a small step number (0 = fine)
 * and the parent checks it.  Every wait is bounded; the teardown kills and
 * reaps any child a failed test left behind.
 *
 * "Nothing arrives" is proved without sleeping where possible: the child
 * also watches a control node that Domain-0 writes last, and events from
 * one domain's ring arrive in order, so anything that was going to come
 * would have come before the control event.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <xenstore.h>

#include "tests/sim/simkid.h"
#include "tests/sim/simtest.h"

#define NAME_A "xs-a"
#define NAME_B "xs-b"

static uint32_t dom_a, dom_b;
static struct xs_handle *xs0;      /* Domain-0's connection */

/* Run a guest program to completion; its exit status. */
static int run_as(uint32_t domid, int (*body)(struct kid_ctx *), uint32_t arg, const char *str)
{
    struct kid *k = kid_spawn(domid, body, arg, str);
    return k ? kid_wait(k) : -1;
}

/* Start a guest program and wait for its first report, 1: it is ready. */
static struct kid *spawn_ready(uint32_t domid, int (*body)(struct kid_ctx *), uint32_t arg,
                               const char *str)
{
    struct kid *k = kid_spawn(domid, body, arg, str);
    assert_non_null(k);
    assert_int_equal(kid_expect(k, 1), 0);
    return k;
}

/* ---- helpers used by both sides ------------------------------------------ */

static void *check_watch(void *h)
{
    return xs_check_watch(h);
}

/* The next watch event within timeout_ms (free() it), or NULL. */
static char **next_event(struct xs_handle *h, int timeout_ms)
{
    return simkid_poll(xs_fileno(h), check_watch, h, timeout_ms);
}

static bool event_is(char **v, const char *path, const char *token)
{
    return v && !strcmp(v[XS_WATCH_PATH], path) && !strcmp(v[XS_WATCH_TOKEN], token);
}

/* Wait for the event (path, token); false if another one comes first. */
static bool expect_event(struct xs_handle *h, const char *path, const char *token)
{
    char **v = next_event(h, T_EVENT);
    bool ok = event_is(v, path, token);
    if (!ok && v)
        fprintf(stderr, "unexpected watch event %s %s (wanted %s %s)\n", v[XS_WATCH_PATH],
                v[XS_WATCH_TOKEN], path, token);
    free(v);
    return ok;
}

static bool no_event_now(struct xs_handle *h)
{
    char **v = xs_check_watch(h);
    if (v) {
        fprintf(stderr, "unexpected watch event %s %s\n", v[XS_WATCH_PATH], v[XS_WATCH_TOKEN]);
        free(v);
        return false;
    }
    return errno == EAGAIN;
}

static bool read_is(struct xs_handle *h, xs_transaction_t t, const char *path, const char *want)
{
    unsigned int len;
    char *v = xs_read(h, t, path, &len);
    bool ok = v && len == strlen(want) && !memcmp(v, want, len);
    free(v);
    return ok;
}

/* The read fails with errno `err`. */
static bool read_fails(struct xs_handle *h, xs_transaction_t t, const char *path, int err)
{
    unsigned int len;
    errno = 0;
    char *v = xs_read(h, t, path, &len);
    bool ok = !v && errno == err;
    free(v);
    return ok;
}

static bool write_str(struct xs_handle *h, xs_transaction_t t, const char *path, const char *v)
{
    return xs_write(h, t, path, v, (unsigned int)strlen(v));
}

static char *dom_path(char *buf, size_t len, uint32_t domid, const char *rel)
{
    snprintf(buf, len, "/local/domain/%u/%s", domid, rel);
    return buf;
}

/* The directory at path can be listed and holds both names (maybe more). */
static bool lists_both(struct xs_handle *h, const char *path, const char *name1,
                       const char *name2)
{
    unsigned int n = 0;
    char **ents = xs_directory(h, XBT_NULL, path, &n);
    bool has1 = false, has2 = false;
    for (unsigned int i = 0; ents && i < n; i++) {
        has1 |= !strcmp(ents[i], name1);
        has2 |= !strcmp(ents[i], name2);
    }
    free(ents);
    return has1 && has2;
}

/* ---- fixtures ------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    if (simtest_create_guest(NAME_A, &dom_a) < 0 || simtest_create_guest(NAME_B, &dom_b) < 0)
        return -1;
    xs0 = xs_open(0);
    return xs0 && dom_a && dom_b && dom_a != dom_b ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    xs_close(xs0);
    return 0;
}

static int test_teardown(void **state)
{
    (void)state;
    kid_kill_all();
    return 0;
}

/* ---- identity ------------------------------------------------------------ */

static int guest_identity(struct kid_ctx *c)
{
    char want[16], path[64];
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    snprintf(want, sizeof(want), "%u", c->arg);
    if (!read_is(h, XBT_NULL, "domid", want))
        return 11;
    if (!read_is(h, XBT_NULL, "name", c->str))
        return 12;
    if (!read_is(h, XBT_NULL, dom_path(path, sizeof(path), c->arg, "domid"), want))
        return 13;
    char *home = xs_get_domain_path(h, c->arg);
    snprintf(path, sizeof(path), "/local/domain/%u", c->arg);
    bool home_ok = home && !strcmp(home, path);
    free(home);
    if (!home_ok)
        return 14;
    /* The directories libxl gives a guest are there and listable. */
    if (!lists_both(h, path, "data", "device"))
        return 15;
    xs_close(h);
    return 0;
}

static void test_guest_reads_own_domid_and_name(void **state)
{
    (void)state;
    assert_int_equal(run_as(dom_a, guest_identity, dom_a, NAME_A), 0);
    assert_int_equal(run_as(dom_b, guest_identity, dom_b, NAME_B), 0);
}

/* ---- own data -------------------------------------------------------------- */

static int guest_own_data(struct kid_ctx *c)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    if (!write_str(h, XBT_NULL, "data/hello", "world") || !read_is(h, XBT_NULL, "data/hello", "world"))
        return 11;
    if (!write_str(h, XBT_NULL, "data/hello", "again") || !read_is(h, XBT_NULL, "data/hello", "again"))
        return 12;
    if (!xs_mkdir(h, XBT_NULL, "data/sub") || !write_str(h, XBT_NULL, "data/sub/x", "42"))
        return 13;
    if (!lists_both(h, "data", "hello", "sub"))
        return 14;
    /* What the guest creates, the guest owns. */
    unsigned int np = 0;
    struct xs_permissions *p = xs_get_permissions(h, XBT_NULL, "data/sub/x", &np);
    bool owner_ok = p && np >= 1 && p[0].id == c->arg;
    free(p);
    if (!owner_ok)
        return 15;
    if (!xs_rm(h, XBT_NULL, "data/hello") || !read_fails(h, XBT_NULL, "data/hello", ENOENT))
        return 16;
    /* A binary value (NULs included) of 1 KiB, within xenstored's default
     * node-size quota for guests, comes back intact. */
    static char big[1024];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    if (!xs_write(h, XBT_NULL, "data/big", big, sizeof(big)))
        return 17;
    unsigned int len;
    char *v = xs_read(h, XBT_NULL, "data/big", &len);
    bool big_ok = v && len == sizeof(big) && !memcmp(v, big, sizeof(big));
    free(v);
    if (!big_ok)
        return 18;
    xs_close(h);
    return 0;
}

static void test_guest_writes_own_data(void **state)
{
    (void)state;
    char path[64];
    assert_int_equal(run_as(dom_a, guest_own_data, dom_a, NULL), 0);
    /* Domain-0 reads what the guest wrote. */
    assert_true(read_is(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_a, "data/sub/x"), "42"));
    assert_true(read_fails(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_a, "data/hello"),
                           ENOENT));
    unsigned int np = 0;
    struct xs_permissions *p = xs_get_permissions(xs0, XBT_NULL,
                                                  dom_path(path, sizeof(path), dom_a, "data/sub/x"),
                                                  &np);
    assert_non_null(p);
    assert_true(np >= 1);
    assert_int_equal(p[0].id, dom_a);
    free(p);
}

/* ---- permissions ------------------------------------------------------------ */

static int guest_write_secret(struct kid_ctx *c)
{
    (void)c;
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    if (!write_str(h, XBT_NULL, "data/secret", "b-only"))
        return 11;
    xs_close(h);
    return 0;
}

/* Guest A, poking where it may not. c->arg is guest B. */
static int guest_trespass(struct kid_ctx *c)
{
    char path[64];
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    errno = 0;
    if (write_str(h, XBT_NULL, "/local/domain/0/x", "nope") || errno != EACCES)
        return 11;
    errno = 0;
    if (write_str(h, XBT_NULL, "/local/domain/0/name", "nope") || errno != EACCES)
        return 12;
    if (!read_fails(h, XBT_NULL, dom_path(path, sizeof(path), c->arg, "data/secret"), EACCES))
        return 13;
    errno = 0;
    if (write_str(h, XBT_NULL, path, "overwritten") || errno != EACCES)
        return 14;
    if (!read_fails(h, XBT_NULL, dom_path(path, sizeof(path), c->arg, "name"), EACCES))
        return 15;
    unsigned int n;
    errno = 0;
    char **ents = xs_directory(h, XBT_NULL, dom_path(path, sizeof(path), c->arg, "data"), &n);
    free(ents);
    if (ents || errno != EACCES)
        return 16;
    /* Its own home is readable but not writable (dom0 owns it). */
    if (!read_is(h, XBT_NULL, "name", NAME_A))
        return 17;
    errno = 0;
    if (write_str(h, XBT_NULL, "name", "renamed") || errno != EACCES)
        return 18;
    /* Toolstack operations are Domain-0's. */
    errno = 0;
    if (xs_introduce_domain(h, 900, 0, 1) || errno != EACCES)
        return 19;
    xs_close(h);
    return 0;
}

/* Guest A shares data/shared with guest B (c->arg), read-only. */
static int guest_share_node(struct kid_ctx *c)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    unsigned int len;
    char *self = xs_read(h, XBT_NULL, "domid", &len);
    if (!self)
        return 11;
    struct xs_permissions perms[] = {
        { .id = (unsigned int)strtoul(self, NULL, 10), .perms = XS_PERM_NONE },   /* owner */
        { .id = c->arg, .perms = XS_PERM_READ },
    };
    free(self);
    if (!write_str(h, XBT_NULL, "data/shared", "for-b") ||
        !xs_set_permissions(h, XBT_NULL, "data/shared", perms, 2))
        return 12;
    xs_close(h);
    return 0;
}

/* Guest B reads A's shared node but may not change it. c->arg is guest A. */
static int guest_read_shared(struct kid_ctx *c)
{
    char path[64];
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    if (!read_is(h, XBT_NULL, dom_path(path, sizeof(path), c->arg, "data/shared"), "for-b"))
        return 11;
    errno = 0;
    if (write_str(h, XBT_NULL, path, "changed") || errno != EACCES)
        return 12;
    xs_close(h);
    return 0;
}

static void test_guest_permissions(void **state)
{
    (void)state;
    char path[64];
    assert_int_equal(run_as(dom_b, guest_write_secret, 0, NULL), 0);
    assert_int_equal(run_as(dom_a, guest_trespass, dom_b, NULL), 0);
    /* Nothing the trespasser tried took effect. */
    assert_true(read_fails(xs0, XBT_NULL, "/local/domain/0/x", ENOENT));
    assert_true(read_is(xs0, XBT_NULL, "/local/domain/0/name", "Domain-0"));
    assert_true(read_is(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_b, "data/secret"),
                        "b-only"));
    assert_true(read_is(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_a, "name"), NAME_A));
    /* Sharing on purpose works. */
    assert_int_equal(run_as(dom_a, guest_share_node, dom_b, NULL), 0);
    assert_int_equal(run_as(dom_b, guest_read_shared, dom_a, NULL), 0);
    assert_true(read_is(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_a, "data/shared"),
                        "for-b"));
}

/* ---- transactions ------------------------------------------------------------ */

/*
 * How most transaction programs start: a connection of their own and, in a
 * new transaction, value written to rel.  0, or the step (10-12) that failed.
 */
static int open_tx_write(struct xs_handle **h, xs_transaction_t *t, const char *rel,
                         const char *value)
{
    *h = xs_open(0);
    if (!*h)
        return 10;
    *t = xs_transaction_start(*h);
    if (*t == XBT_NULL)
        return 11;
    if (!write_str(*h, *t, rel, value))
        return 12;
    return 0;
}

/*
 * Writes data/tx inside a transaction; reports 1 while it is open (the
 * parent checks the write is invisible), commits on command and reports 2.
 */
static int guest_tx_isolation(struct kid_ctx *c)
{
    struct xs_handle *h;
    xs_transaction_t t;
    int step = open_tx_write(&h, &t, "data/tx", "inside");
    if (step)
        return step;
    if (!read_is(h, t, "data/tx", "inside"))
        return 12;
    if (!read_fails(h, XBT_NULL, "data/tx", ENOENT))     /* not outside, even here */
        return 13;
    if (kid_report(c, 1) < 0)
        return 14;
    if (kid_await(c, 1) < 0)
        return 15;
    if (!xs_transaction_end(h, t, false))
        return 16;
    if (!read_is(h, XBT_NULL, "data/tx", "inside"))
        return 17;
    /* An aborted transaction leaves no trace. */
    t = xs_transaction_start(h);
    if (t == XBT_NULL || !write_str(h, t, "data/tx", "aborted") ||
        !write_str(h, t, "data/tx-new", "aborted"))
        return 18;
    if (!xs_transaction_end(h, t, true))
        return 19;
    if (!read_is(h, XBT_NULL, "data/tx", "inside") ||
        !read_fails(h, XBT_NULL, "data/tx-new", ENOENT))
        return 20;
    if (kid_report(c, 2) < 0)
        return 21;
    xs_close(h);
    return 0;
}

static void test_transaction_isolation(void **state)
{
    (void)state;
    char path[64];
    dom_path(path, sizeof(path), dom_a, "data/tx");
    struct kid *k = spawn_ready(dom_a, guest_tx_isolation, 0, NULL);
    assert_true(read_fails(xs0, XBT_NULL, path, ENOENT));
    assert_int_equal(kid_send(k, 1), 0);
    assert_int_equal(kid_expect(k, 2), 0);
    assert_true(read_is(xs0, XBT_NULL, path, "inside"));
    assert_true(read_fails(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_a, "data/tx-new"),
                           ENOENT));
    assert_int_equal(kid_wait(k), 0);
}

/*
 * Reads and writes data/c in a transaction, reports 1, and once told that
 * Domain-0 has changed data/c meanwhile, commits: that must fail with
 * EAGAIN.  Then retries the way a driver does, and reports 2.
 */
static int guest_tx_conflict(struct kid_ctx *c)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    if (!write_str(h, XBT_NULL, "data/c", "0"))
        return 11;
    xs_transaction_t t = xs_transaction_start(h);
    if (t == XBT_NULL)
        return 12;
    if (!read_is(h, t, "data/c", "0") || !write_str(h, t, "data/c", "guest"))
        return 13;
    if (kid_report(c, 1) < 0)
        return 14;
    if (kid_await(c, 1) < 0)
        return 15;
    errno = 0;
    if (xs_transaction_end(h, t, false) || errno != EAGAIN)
        return 16;
    if (!read_is(h, XBT_NULL, "data/c", "dom0"))        /* theirs stands, ours is gone */
        return 17;
    bool done = false;
    for (int attempt = 0; attempt < 10 && !done; attempt++) {
        t = xs_transaction_start(h);
        if (t == XBT_NULL)
            return 18;
        unsigned int len;
        char *v = xs_read(h, t, "data/c", &len);
        if (!v)
            return 19;
        char nv[64];
        snprintf(nv, sizeof(nv), "%.*s+guest", (int)len, v);
        free(v);
        if (!write_str(h, t, "data/c", nv))
            return 20;
        if (xs_transaction_end(h, t, false))
            done = true;
        else if (errno != EAGAIN)
            return 21;
    }
    if (!done)
        return 22;
    if (kid_report(c, 2) < 0)
        return 23;
    xs_close(h);
    return 0;
}

static void test_transaction_conflict_eagain(void **state)
{
    (void)state;
    char path[64];
    dom_path(path, sizeof(path), dom_a, "data/c");
    struct kid *k = spawn_ready(dom_a, guest_tx_conflict, 0, NULL);
    assert_true(read_is(xs0, XBT_NULL, path, "0"));
    assert_true(write_str(xs0, XBT_NULL, path, "dom0"));
    assert_int_equal(kid_send(k, 1), 0);
    assert_int_equal(kid_expect(k, 2), 0);
    assert_true(read_is(xs0, XBT_NULL, path, "dom0+guest"));
    assert_int_equal(kid_wait(k), 0);
}

/*
 * All programs of a guest share the guest's one xenstore connection, so
 * their transaction ids live in one space.  One program must not be able to
 * use, or end, another's transaction.
 */
static int guest_tx_holder(struct kid_ctx *c)
{
    struct xs_handle *h;
    xs_transaction_t t;
    int step = open_tx_write(&h, &t, "data/own", "mine");
    if (step)
        return step;
    if (kid_report(c, t) < 0)
        return 13;
    if (kid_await(c, 1) < 0)
        return 14;
    if (!read_is(h, t, "data/own", "mine") || !xs_transaction_end(h, t, false))
        return 15;
    if (kid_report(c, 2) < 0)
        return 16;
    xs_close(h);
    return 0;
}

static int guest_tx_thief(struct kid_ctx *c)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    xs_transaction_t t = c->arg;
    errno = 0;
    if (write_str(h, t, "data/own", "stolen") || errno != ENOENT)
        return 11;
    if (!read_fails(h, t, "data/own", ENOENT))
        return 12;
    errno = 0;
    if (xs_transaction_end(h, t, true) || errno != ENOENT)
        return 13;
    xs_close(h);
    return 0;
}

static void test_transaction_belongs_to_its_program(void **state)
{
    (void)state;
    char path[64];
    struct kid *k = kid_spawn(dom_a, guest_tx_holder, 0, NULL);
    assert_non_null(k);
    uint32_t t;
    assert_int_equal(kid_recv(k, &t), 0);
    assert_true(t != XBT_NULL);
    assert_int_equal(run_as(dom_a, guest_tx_thief, t, NULL), 0);
    assert_int_equal(kid_send(k, 1), 0);
    assert_int_equal(kid_expect(k, 2), 0);
    assert_int_equal(kid_wait(k), 0);
    assert_true(read_is(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_a, "data/own"), "mine"));
}

/* Opens transactions until xenstored refuses one; reports how many it got
 * (the refusal must be ENOSPC), then ends them all. */
static int guest_tx_quota(struct kid_ctx *c)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    xs_transaction_t t[24];
    uint32_t n = 0;
    while (n < 24) {
        t[n] = xs_transaction_start(h);
        if (t[n] == XBT_NULL)
            break;
        n++;
    }
    if (n == 0 || n == 24 || errno != ENOSPC)
        return 11;
    for (uint32_t i = 0; i < n; i++)
        if (!xs_transaction_end(h, t[i], true))
            return 12;
    xs_transaction_t again = xs_transaction_start(h);
    if (again == XBT_NULL || !xs_transaction_end(h, again, true))
        return 13;
    if (kid_report(c, n) < 0)
        return 14;
    xs_close(h);
    return 0;
}

/* Starts a transaction and exits without ending it. */
static int guest_tx_leaker(struct kid_ctx *c)
{
    (void)c;
    struct xs_handle *h;
    xs_transaction_t t;
    /* On success, exit at once: the connection closes with the process. */
    return open_tx_write(&h, &t, "data/leak", "never");
}

/* How many transactions guest B's programs may have open at once. */
static uint32_t tx_quota(void)
{
    struct kid *k = kid_spawn(dom_b, guest_tx_quota, 0, NULL);
    assert_non_null(k);
    uint32_t n;
    assert_int_equal(kid_recv(k, &n), 0);
    assert_int_equal(kid_wait(k), 0);
    return n;
}

static void test_transaction_quota_and_disconnect(void **state)
{
    (void)state;
    char path[64];
    /* xenstored's per-domain transaction quota reaches the guest. */
    uint32_t quota = tx_quota();
    assert_true(quota >= 1 && quota < 24);
    /* More programs than that leave a transaction open behind them: the
     * relay must end each one, or the quota would run out. */
    for (uint32_t i = 0; i < quota + 3; i++)
        assert_int_equal(run_as(dom_b, guest_tx_leaker, 0, NULL), 0);
    assert_int_equal(tx_quota(), quota);
    assert_true(read_fails(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_b, "data/leak"),
                           ENOENT));
}

/* ---- watches ------------------------------------------------------------------ */

/*
 * Watches c->str (relative) with token "tok-<arg>" and the control node
 * data/ctl with token "ctl"; reports 1 once both registration events are
 * drained.  Then, for each command:
 *   1  expect an event for the watched node, report 1
 *   2  unwatch the node, report 2
 *   3  expect the control event with no event for the node before it, report 3
 *   4  expect an event for the node's child "below", report 4
 *   KID_QUIT  quit
 */
static int guest_watcher(struct kid_ctx *c)
{
    char tok[32];
    snprintf(tok, sizeof(tok), "tok-%u", c->arg);
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    if (!xs_watch(h, c->str, tok) || !xs_watch(h, "data/ctl", "ctl"))
        return 11;
    /* Each registration fires once; order between the two is not ours. */
    bool got_node = false, got_ctl = false;
    for (int i = 0; i < 2; i++) {
        char **v = next_event(h, T_EVENT);
        if (event_is(v, c->str, tok))
            got_node = true;
        else if (event_is(v, "data/ctl", "ctl"))
            got_ctl = true;
        free(v);
    }
    if (!got_node || !got_ctl || !no_event_now(h))
        return 12;
    if (kid_report(c, 1) < 0)
        return 13;
    for (int round = 0; round < 20; round++) {
        uint32_t cmd;
        if (kid_next(c, &cmd) < 0)
            return 14;
        if (cmd == KID_QUIT)
            break;
        if (cmd == 1 && !expect_event(h, c->str, tok))
            return 15;
        if (cmd == 2 && !xs_unwatch(h, c->str, tok))
            return 16;
        if (cmd == 3 && !expect_event(h, "data/ctl", "ctl"))
            return 17;
        if (cmd == 4) {
            char below[256];
            snprintf(below, sizeof(below), "%s/below", c->str);
            if (!expect_event(h, below, tok))
                return 18;
        }
        if (cmd > 4)
            return 18;
        if (kid_report(c, cmd) < 0)
            return 19;
    }
    xs_close(h);
    return 0;
}

static void dom0_write(uint32_t domid, const char *rel, const char *value)
{
    char path[128];
    assert_true(write_str(xs0, XBT_NULL, dom_path(path, sizeof(path), domid, rel), value));
}

static void test_watch_event_with_own_token(void **state)
{
    (void)state;
    struct kid *k = spawn_ready(dom_a, guest_watcher, 7, "data/w");
    dom0_write(dom_a, "data/w", "1");
    assert_int_equal(kid_cmd(k, 1), 0);
    /* A node below the watched one fires it too, naming that node. */
    dom0_write(dom_a, "data/w/below", "2");
    assert_int_equal(kid_cmd(k, 4), 0);
    /* A node beside it does not. */
    dom0_write(dom_a, "data/w-beside", "3");
    dom0_write(dom_a, "data/ctl", "x");
    assert_int_equal(kid_cmd(k, 3), 0);
    assert_int_equal(kid_quit(k), 0);
}

static void test_two_processes_same_token(void **state)
{
    (void)state;
    /* Same path, same token, two programs of one guest: xenstored would
     * refuse the second watch on one connection (EEXIST), so this only
     * works if the relay keeps them apart. */
    struct kid *k1 = kid_spawn(dom_a, guest_watcher, 5, "data/w2");
    struct kid *k2 = kid_spawn(dom_a, guest_watcher, 5, "data/w2");
    assert_non_null(k1);
    assert_non_null(k2);
    assert_int_equal(kid_expect(k1, 1), 0);
    assert_int_equal(kid_expect(k2, 1), 0);
    dom0_write(dom_a, "data/w2", "1");
    assert_int_equal(kid_cmd(k1, 1), 0);
    assert_int_equal(kid_cmd(k2, 1), 0);
    /* One unwatches; the other still hears, the first does not. */
    assert_int_equal(kid_cmd(k1, 2), 0);
    dom0_write(dom_a, "data/w2", "2");
    assert_int_equal(kid_cmd(k2, 1), 0);
    dom0_write(dom_a, "data/ctl", "y");
    assert_int_equal(kid_cmd(k1, 3), 0);
    assert_int_equal(kid_cmd(k2, 3), 0);
    /* The first leaves; the second keeps its watch. */
    assert_int_equal(kid_quit(k1), 0);
    dom0_write(dom_a, "data/w2", "3");
    assert_int_equal(kid_cmd(k2, 1), 0);
    assert_int_equal(kid_quit(k2), 0);
}

static void test_unwatch_stops_events(void **state)
{
    (void)state;
    struct kid *k = spawn_ready(dom_a, guest_watcher, 3, "data/w3");
    dom0_write(dom_a, "data/w3", "1");
    assert_int_equal(kid_cmd(k, 1), 0);
    assert_int_equal(kid_cmd(k, 2), 0);
    dom0_write(dom_a, "data/w3", "2");
    dom0_write(dom_a, "data/w3/below", "3");
    dom0_write(dom_a, "data/ctl", "z");
    assert_int_equal(kid_cmd(k, 3), 0);            /* control came, w3 did not */
    assert_int_equal(kid_quit(k), 0);
}

static void test_no_events_for_unreadable_nodes(void **state)
{
    (void)state;
    char path[64];
    /* Guest B's private node; guest A watches it by absolute path. */
    assert_int_equal(run_as(dom_b, guest_write_secret, 0, NULL), 0);
    dom_path(path, sizeof(path), dom_b, "data/secret");
    struct kid *k = spawn_ready(dom_a, guest_watcher, 9, path);
    assert_true(write_str(xs0, XBT_NULL, path, "changed"));
    assert_true(xs_rm(xs0, XBT_NULL, path));
    dom0_write(dom_a, "data/ctl", "w");
    assert_int_equal(kid_cmd(k, 3), 0);            /* control came, the secret did not */
    assert_int_equal(kid_quit(k), 0);
}

/* ---- many clients at once ------------------------------------------------------ */

#define CLIENTS 8
#define ROUNDS  100

static int guest_hammer(struct kid_ctx *c)
{
    char dir[32], path[64], val[64];
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    snprintf(dir, sizeof(dir), "data/cc%u", c->arg);
    if (!xs_mkdir(h, XBT_NULL, dir))
        return 11;
    /* Start together, so the requests really interleave on the ring. */
    uint32_t go;
    if (kid_report(c, 1) < 0 || kid_next(c, &go) < 0)
        return 12;
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(path, sizeof(path), "%s/k%d", dir, i % 10);
        snprintf(val, sizeof(val), "client %u round %d", c->arg, i);
        if (i % 25 == 24) {
            /* A few rounds in a transaction of their own.  (While any
             * transaction is open, xenstored rate-limits guests' writes:
             * its WRL, 200 writes/s, so keep these few.) */
            bool done = false;
            for (int attempt = 0; attempt < 20 && !done; attempt++) {
                xs_transaction_t t = xs_transaction_start(h);
                if (t == XBT_NULL)
                    return 13;
                if (!write_str(h, t, path, val) || !read_is(h, t, path, val))
                    return 14;
                done = xs_transaction_end(h, t, false);
                if (!done && errno != EAGAIN)
                    return 15;
            }
            if (!done)
                return 16;
        } else if (!write_str(h, XBT_NULL, path, val)) {
            return 17;
        }
        if (!read_is(h, XBT_NULL, path, val))
            return 18;
    }
    xs_close(h);
    return 0;
}

static void test_many_clients_in_one_guest(void **state)
{
    (void)state;
    struct kid *k[CLIENTS];
    for (uint32_t i = 0; i < CLIENTS; i++) {
        k[i] = kid_spawn(dom_b, guest_hammer, i, NULL);
        assert_non_null(k[i]);
    }
    for (int i = 0; i < CLIENTS; i++)
        assert_int_equal(kid_expect(k[i], 1), 0);
    for (int i = 0; i < CLIENTS; i++)
        assert_int_equal(kid_send(k[i], 1), 0);
    int failures = 0;
    for (int i = 0; i < CLIENTS; i++) {
        int st = kid_wait(k[i]);
        if (st != 0)
            fprintf(stderr, "client %d exited with %d\n", i, st);
        failures += st != 0;
    }
    assert_int_equal(failures, 0);
    /* Every client's last value of every key is what Domain-0 reads. */
    for (uint32_t i = 0; i < CLIENTS; i++) {
        for (int j = 0; j < 10; j++) {
            char rel[32], path[64], val[64];
            snprintf(rel, sizeof(rel), "data/cc%u/k%d", i, j);
            snprintf(val, sizeof(val), "client %u round %d", i, ROUNDS - 10 + j);
            assert_true(read_is(xs0, XBT_NULL, dom_path(path, sizeof(path), dom_b, rel), val));
        }
    }
}

int main(void)
{
    alarm(TEST_MAX_SECONDS);       /* a watchdog, well under run-tests.sh's 300 s */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_guest_reads_own_domid_and_name, test_teardown),
        cmocka_unit_test_teardown(test_guest_writes_own_data, test_teardown),
        cmocka_unit_test_teardown(test_guest_permissions, test_teardown),
        cmocka_unit_test_teardown(test_transaction_isolation, test_teardown),
        cmocka_unit_test_teardown(test_transaction_conflict_eagain, test_teardown),
        cmocka_unit_test_teardown(test_transaction_belongs_to_its_program, test_teardown),
        cmocka_unit_test_teardown(test_transaction_quota_and_disconnect, test_teardown),
        cmocka_unit_test_teardown(test_watch_event_with_own_token, test_teardown),
        cmocka_unit_test_teardown(test_two_processes_same_token, test_teardown),
        cmocka_unit_test_teardown(test_unwatch_stops_events, test_teardown),
        cmocka_unit_test_teardown(test_no_events_for_unreadable_nodes, test_teardown),
        cmocka_unit_test_teardown(test_many_clients_in_one_guest, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
