/*
 * test_domain_death.c - what is left when a guest program, or a whole
 * guest, dies while it shares pages and event channels with Domain-0 (this
 * process), and what a dead program that mapped Domain-0's pages leaves.
 *
 * As in Xen: a grant still mapped by a peer cannot be revoked, so its page
 * stays valid for the mapper and is released once unmapped; the peer's end
 * of an event channel becomes unbound; a destroyed domain lingers as dying
 * while its pages are mapped elsewhere, xenstored fires @releaseDomain and
 * the toolstack removes its xenstore tree; a killed mapper pins nothing.
 *
 * Children never use cmocka: they return a small step number (0 = fine).
 * Every wait is bounded; the teardown kills and reaps any child left.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "tests/sim/simkid.h"
#include "tests/sim/simtest.h"

#define PAGE      4096u
#define NPAGES    4u
#define GTF_PERMIT 0x1u   /* GTF_permit_access */

static void fill_page(uint8_t *page, uint8_t seed)
{
    for (unsigned i = 0; i < PAGE; i++)
        page[i] = (uint8_t)(seed + i * 13u);
}

static bool page_is(const uint8_t *page, uint8_t seed)
{
    for (unsigned i = 0; i < PAGE; i++)
        if (page[i] != (uint8_t)(seed + i * 13u))
            return false;
    return true;
}

/* ---- guest programs ------------------------------------------------------ */

/*
 * Shares NPAGES pages with dom0 (page i filled from seed c->arg + i), binds
 * an unbound port for dom0, reports the refs and the port, then waits for
 * KID_QUIT (or its death).
 */
static int guest_sharer(struct kid_ctx *c)
{
    xengntshr_handle *gs = xengntshr_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    if (!gs || !xce)
        return 10;
    uint32_t refs[NPAGES];
    uint8_t *pages = xengntshr_share_pages(gs, 0, NPAGES, refs, 1);
    if (!pages)
        return 11;
    for (unsigned i = 0; i < NPAGES; i++)
        fill_page(pages + i * PAGE, (uint8_t)(c->arg + i));
    xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(xce, 0);
    if (port <= 0)
        return 12;
    for (unsigned i = 0; i < NPAGES; i++)
        if (kid_report(c, refs[i]) < 0)
            return 13;
    if (kid_report(c, (uint32_t)port) < 0)
        return 14;
    if (kid_await(c, KID_QUIT) < 0)
        return 15;
    xengntshr_unshare(gs, pages, NPAGES);
    xengntshr_close(gs);
    xenevtchn_close(xce);
    return 0;
}

/* Maps dom0's grant c->arg writable, stamps it, reports 1, then waits. */
static int guest_mapper(struct kid_ctx *c)
{
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    if (!gt)
        return 10;
    char *p = xengnttab_map_grant_ref(gt, 0, c->arg, PROT_READ | PROT_WRITE);
    if (!p)
        return 11;
    snprintf(p, 64, "mapped by the guest");
    if (kid_report(c, 1) < 0)
        return 12;
    if (kid_await(c, KID_QUIT) < 0)
        return 13;
    xengnttab_unmap(gt, p, 1);
    xengnttab_close(gt);
    return 0;
}

/* A program that only talks to xenstore: reads its name, reports 1, waits. */
static int guest_xenstore_only(struct kid_ctx *c)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return 10;
    unsigned int len;
    char *name = xs_read(h, XBT_NULL, "name", &len);
    if (!name)
        return 11;
    free(name);
    if (kid_report(c, 1) < 0)
        return 12;
    if (kid_await(c, KID_QUIT) < 0)
        return 13;
    return 0;
}

/*
 * Opens an event channel handle and binds a port for dom0, then forks: the
 * grandchild keeps the handle (as a daemonizing backend would), reports its
 * pid and waits; this process exits at once.
 */
static int guest_forker(struct kid_ctx *c)
{
    xenevtchn_handle *h = xenevtchn_open(NULL, 0);
    if (!h || xenevtchn_bind_unbound_port(h, 0) <= 0)
        return 10;
    pid_t g = fork();
    if (g < 0)
        return 11;
    if (g > 0)
        return 0;
    if (kid_report(c, (uint32_t)getpid()) < 0)
        _exit(12);
    if (kid_await(c, KID_QUIT) < 0)
        _exit(13);
    _exit(0);
}

/* ---- inspection -------------------------------------------------------------- */

struct grant_cond {
    uint32_t granter, ref;
    bool granted;          /* GTF_permit_access set */
    uint32_t in_use;
};

static int grant_is(void *arg)
{
    struct grant_cond *c = arg;
    struct xensim_grant_state g;
    if (xensim_grant_query(simtest_host(), c->granter, c->ref, &g) < 0)
        return 0;
    return ((g.flags & GTF_PERMIT) != 0) == c->granted && g.in_use == c->in_use &&
           (c->granted || g.flags == 0);
}

static void assert_grant(uint32_t granter, uint32_t ref, bool granted, uint32_t in_use)
{
    struct grant_cond c = { granter, ref, granted, in_use };
    if (simtest_wait_until(grant_is, &c, T_EVENT) < 0) {
        struct xensim_grant_state g = { 0 };
        xensim_grant_query(simtest_host(), granter, ref, &g);
        fail_msg("d%u ref %u: flags %#x domid %u in_use %u; wanted %s, in_use %u", granter, ref,
                 g.flags, g.domid, g.in_use, granted ? "granted" : "released", in_use);
    }
}

static void assert_usage(uint32_t domid, const struct xensim_domain_usage *want)
{
    if (simkid_wait_usage(domid, want, T_EVENT) < 0) {
        struct xensim_domain_usage u = { 0 };
        xensim_domain_usage(simtest_host(), domid, &u);
        fail_msg("d%u usage: grants %u deferred %u maps %u foreign %u ports %u handles %u; "
                 "wanted %u %u %u %u %u %u", domid, u.grants_active, u.grants_deferred,
                 u.maps_held, u.foreign_maps, u.ports_bound, u.handles, want->grants_active,
                 want->grants_deferred, want->maps_held, want->foreign_maps, want->ports_bound,
                 want->handles);
    }
}

/* 1 if listed (*dying set), 0 if not, -1 on error. */
static int dom_listed(uint32_t domid, bool *dying)
{
    struct xensim_domain_info d[XENSIM_MAX_DOMAINS];
    int n = xensim_domain_list(simtest_host(), d, XENSIM_MAX_DOMAINS);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (d[i].domid == domid) {
            if (dying)
                *dying = d[i].dying;
            return 1;
        }
    }
    return 0;
}

static int dom_gone(void *arg)
{
    return dom_listed(*(uint32_t *)arg, NULL) == 0;
}

struct xs_gone {
    struct xs_handle *xs;
    char path[128];
};

static int xs_node_gone(void *arg)
{
    struct xs_gone *g = arg;
    unsigned int len;
    char *v = xs_read(g->xs, XBT_NULL, g->path, &len);
    free(v);
    return !v && errno == ENOENT;
}

static void *check_watch(void *h)
{
    return xs_check_watch(h);
}

static bool expect_release_event(struct xs_handle *h)
{
    char **v = simkid_poll(xs_fileno(h), check_watch, h, T_EVENT);
    bool ok = v && !strcmp(v[XS_WATCH_PATH], "@releaseDomain") &&
              !strcmp(v[XS_WATCH_TOKEN], "rel");
    free(v);
    return ok;
}

/* ---- fixtures ------------------------------------------------------------ */

static struct xs_handle *xsw;        /* Domain-0, watching @releaseDomain */
static xenevtchn_handle *xce;
static xengnttab_handle *gt;
static xengntshr_handle *gs;

static int test_setup(void **state)
{
    (void)state;
    xce = xenevtchn_open(NULL, 0);
    gt = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    xsw = xs_open(0);
    if (!xce || !gt || !gs || !xsw || !xs_watch(xsw, "@releaseDomain", "rel"))
        return -1;
    /* A watch fires once when it is set. */
    return expect_release_event(xsw) ? 0 : -1;
}

static int test_teardown(void **state)
{
    (void)state;
    kid_kill_all();
    /* Orphans a test adopted as subreaper, once they have ended. */
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    xs_close(xsw);
    xengntshr_close(gs);
    xengnttab_close(gt);
    xenevtchn_close(xce);
    xsw = NULL;
    gs = NULL;
    gt = NULL;
    xce = NULL;
    return 0;
}

/* Runs guest_sharer in dom (pages filled from seed) and takes its report:
 * the NPAGES refs, and the port it left unbound for us. */
static struct kid *spawn_sharer(uint32_t dom, uint32_t seed, uint32_t *refs, uint32_t *port)
{
    struct kid *k = kid_spawn(dom, guest_sharer, seed, NULL);
    assert_non_null(k);
    for (unsigned i = 0; i < NPAGES; i++)
        assert_int_equal(kid_recv(k, &refs[i]), 0);
    assert_int_equal(kid_recv(k, port), 0);
    return k;
}

/* Our end of a channel to dom's port rport. */
static evtchn_port_t bind_to(uint32_t dom, uint32_t rport)
{
    xenevtchn_port_or_error_t lport = xenevtchn_bind_interdomain(xce, dom, rport);
    assert_true(lport > 0);
    return (evtchn_port_t)lport;
}

/* ---- (i) a guest program dies, its domain lives on ----------------------- */

static void test_guest_program_killed(void **state)
{
    (void)state;
    uint32_t dom, refs[NPAGES], rport;
    assert_int_equal(simtest_create_guest("dd-prog", &dom), 0);
    struct xensim_domain_usage base, base0;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom, &base), 0);
    assert_int_equal(xensim_domain_usage(simtest_host(), 0, &base0), 0);

    struct kid *k = spawn_sharer(dom, 0x40, refs, &rport);
    uint8_t *map = xengnttab_map_grant_ref(gt, dom, refs[0], PROT_READ | PROT_WRITE);
    assert_non_null(map);
    assert_true(page_is(map, 0x40));
    evtchn_port_t lport = bind_to(dom, rport);
    assert_grant(dom, refs[0], true, 1);
    for (unsigned i = 1; i < NPAGES; i++)
        assert_grant(dom, refs[i], true, 0);

    assert_int_equal(kid_kill(k), 128 + SIGKILL);

    /* The three unmapped grants are revoked; the mapped one cannot be and
     * is held back, still granted and in use. */
    for (unsigned i = 1; i < NPAGES; i++)
        assert_grant(dom, refs[i], false, 0);
    assert_grant(dom, refs[0], true, 1);
    struct xensim_domain_usage want = base;
    want.grants_deferred = 1;
    want.foreign_maps = base.foreign_maps + 1;
    assert_usage(dom, &want);

    /* What was revoked cannot be mapped any more. */
    assert_null(xengnttab_map_grant_ref(gt, dom, refs[1], PROT_READ));

    /* Our mapping is intact and still ours to use. */
    assert_true(page_is(map, 0x40));
    map[0] = 0x99;
    assert_int_equal(map[0], 0x99);
    map[0] = 0x40;

    /* Our end of the channel is unbound, waiting for the guest. */
    assert_int_equal(simkid_wait_port(0, lport, XENSIM_PORT_UNBOUND, dom, T_EVENT), 0);
    assert_int_equal(xenevtchn_notify(xce, lport), 0);

    /* The domain itself is alive. */
    bool dying = true;
    assert_int_equal(dom_listed(dom, &dying), 1);
    assert_false(dying);

    /* A page whose revocation is pending is never handed out again: a new
     * program's fresh pages do not alias the one we still map. */
    uint32_t refs2[NPAGES], rport2;
    k = spawn_sharer(dom, 0x80, refs2, &rport2);
    for (unsigned i = 0; i < NPAGES; i++)
        assert_int_not_equal(refs2[i], refs[0]);
    assert_true(page_is(map, 0x40));
    uint8_t *map2 = xengnttab_map_grant_refs(gt, NPAGES, (uint32_t[]){ dom, dom, dom, dom },
                                             refs2, PROT_READ);
    assert_non_null(map2);
    for (unsigned i = 0; i < NPAGES; i++)
        assert_true(page_is(map2 + i * PAGE, (uint8_t)(0x80 + i)));
    assert_int_equal(xengnttab_unmap(gt, map2, NPAGES), 0);
    assert_int_equal(kid_send(k, KID_QUIT), 0);
    assert_int_equal(kid_reap(k, T_EVENT), 0);

    /* Unmapping releases the held-back grant. */
    assert_int_equal(xengnttab_unmap(gt, map, 1), 0);
    assert_grant(dom, refs[0], false, 0);
    assert_usage(dom, &base);
    assert_int_equal(xenevtchn_unbind(xce, lport), 0);
    assert_usage(0, &base0);

    /* Nothing of this was a domain death. */
    char **v = xs_check_watch(xsw);
    assert_null(v);
}

/* ---- (ii) the whole domain is destroyed ---------------------------------- */

static void check_tree_removed(uint32_t dom)
{
    struct xs_gone g = { .xs = xsw };
    snprintf(g.path, sizeof(g.path), "/local/domain/%u", dom);
    assert_int_equal(simtest_wait_until(xs_node_gone, &g, T_EVENT), 0);
    snprintf(g.path, sizeof(g.path), "/local/domain/0/backend/vif/%u", dom);
    assert_int_equal(simtest_wait_until(xs_node_gone, &g, T_EVENT), 0);
}

static void test_domain_destroyed_while_mapped(void **state)
{
    (void)state;
    uint32_t dom, refs[NPAGES], rport;
    assert_int_equal(simtest_create_guest("dd-mapped", &dom), 0);
    struct kid *k = spawn_sharer(dom, 0x10, refs, &rport);
    uint8_t *map = xengnttab_map_grant_ref(gt, dom, refs[2], PROT_READ);
    assert_non_null(map);
    evtchn_port_t lport = bind_to(dom, rport);

    /* As the toolstack's destroy does; returns at once. */
    assert_int_equal(xensim_domain_destroy(simtest_host(), dom), 0);

    /* Every process of the domain is gone, our program included. */
    assert_int_equal(kid_reap(k, T_EVENT), 128 + SIGKILL);
    assert_true(expect_release_event(xsw));
    check_tree_removed(dom);
    assert_int_equal(simkid_wait_port(0, lport, XENSIM_PORT_UNBOUND, dom, T_EVENT), 0);

    /* Our mapping keeps the domain a zombie, its page readable. */
    bool dying = false;
    assert_int_equal(dom_listed(dom, &dying), 1);
    assert_true(dying);
    assert_true(page_is(map, 0x12));
    assert_grant(dom, refs[2], true, 1);
    assert_null(xengnttab_map_grant_ref(gt, dom, refs[1], PROT_READ));   /* revoked */
    struct xensim_domain_usage want = { .grants_deferred = 1, .foreign_maps = 1 };
    assert_usage(dom, &want);            /* xenstored has let go of its ring */
    errno = 0;
    assert_int_equal(xenevtchn_bind_interdomain(xce, dom, rport), -1);   /* dead */
    assert_int_equal(errno, ESRCH);

    /* Once unmapped, the domain is released and forgotten. */
    assert_int_equal(xengnttab_unmap(gt, map, 1), 0);
    assert_int_equal(simtest_wait_until(dom_gone, &dom, T_EVENT), 0);
    struct xensim_domain_usage zero = { 0 };
    assert_usage(dom, &zero);
    struct xensim_grant_state g;
    errno = 0;
    assert_int_equal(xensim_grant_query(simtest_host(), dom, refs[2], &g), -1);
    assert_int_equal(errno, ESRCH);
    assert_int_equal(xenevtchn_unbind(xce, lport), 0);
}

static void test_domain_destroyed_by_toolstack(void **state)
{
    (void)state;
    uint32_t dom, refs[NPAGES], rport;
    assert_int_equal(simtest_create_guest("dd-cli", &dom), 0);
    struct kid *k = spawn_sharer(dom, 0x20, refs, &rport);
    evtchn_port_t lport = bind_to(dom, rport);

    /* `netstage sim destroy` returns once the domain is gone. */
    assert_int_equal(simtest_destroy_guest("dd-cli"), 0);
    assert_int_equal(dom_listed(dom, NULL), 0);
    assert_int_equal(kid_reap(k, T_EVENT), 128 + SIGKILL);
    assert_true(expect_release_event(xsw));
    check_tree_removed(dom);
    struct xensim_domain_usage zero = { 0 };
    assert_usage(dom, &zero);
    assert_int_equal(simkid_wait_port(0, lport, XENSIM_PORT_UNBOUND, dom, T_EVENT), 0);
    assert_int_equal(xenevtchn_notify(xce, lport), 0);
    assert_int_equal(xenevtchn_unbind(xce, lport), 0);

    /* The name is free again; the new domain has a new id and a clean
     * slate. */
    uint32_t dom2;
    assert_int_equal(simtest_create_guest("dd-cli", &dom2), 0);
    assert_int_not_equal(dom2, dom);
    struct xensim_domain_usage u;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom2, &u), 0);
    assert_int_equal(u.grants_deferred, 0);
    assert_int_equal(u.maps_held, 0);
    assert_int_equal(simtest_destroy_guest("dd-cli"), 0);
    assert_true(expect_release_event(xsw));
}

/*
 * A destroyed guest takes all of its programs with it, as a real guest's
 * processes die with the VM.  The simulator kills the processes it knows
 * from their hypervisor handles; these two tests cover programs it may not
 * know that way.
 */
static void test_destroy_kills_xenstore_only_program(void **state)
{
    (void)state;
    uint32_t dom, v;
    assert_int_equal(simtest_create_guest("dd-xsonly", &dom), 0);
    struct kid *k = kid_spawn(dom, guest_xenstore_only, 0, NULL);
    assert_non_null(k);
    assert_int_equal(kid_recv(k, &v), 0);
    assert_int_equal(simtest_destroy_guest("dd-xsonly"), 0);
    assert_true(expect_release_event(xsw));
    /* The kill is sent before the destroy returns; allow a moment. */
    assert_int_equal(kid_reap(k, 1000), 128 + SIGKILL);
}

static void test_destroy_kills_forked_program(void **state)
{
    (void)state;
    uint32_t dom, gpid;
    /* The grandchild is reparented to us, so that we can reap it. */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(simtest_create_guest("dd-fork", &dom), 0);
    struct kid *k = kid_spawn(dom, guest_forker, 0, NULL);
    assert_non_null(k);
    assert_int_equal(kid_recv(k, &gpid), 0);
    /* The first process has exited; it stays unreaped (a zombie holds its
     * pid) until after the destroy, so no other process can have that pid
     * when the simulator signals it. */
    struct xensim_domain_usage u;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom, &u), 0);
    assert_true(u.ports_bound >= 2);         /* the kernel's and the grandchild's */
    bool destroyed = simtest_destroy_guest("dd-fork") == 0 && expect_release_event(xsw);
    /* Whatever happened, both processes are reaped before any assert. */
    int gst = simkid_reap_pid((pid_t)gpid, destroyed ? 1000 : 0);
    int fst = kid_reap(k, T_EVENT);
    assert_true(destroyed);
    assert_int_equal(fst, 0);
    assert_int_equal(gst, 128 + SIGKILL);
}

/* ---- (iii) a dead mapper pins nothing -------------------------------------- */

static void test_dead_mapper_does_not_pin(void **state)
{
    (void)state;
    uint32_t dom;
    assert_int_equal(simtest_create_guest("dd-mapper", &dom), 0);
    struct xensim_domain_usage base, base0;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom, &base), 0);
    assert_int_equal(xensim_domain_usage(simtest_host(), 0, &base0), 0);

    /* Killed while mapping; then we revoke. */
    uint32_t ref;
    char *page = xengntshr_share_pages(gs, dom, 1, &ref, 1);
    assert_non_null(page);
    struct kid *k = kid_spawn(dom, guest_mapper, ref, NULL);
    assert_non_null(k);
    uint32_t v;
    assert_int_equal(kid_recv(k, &v), 0);
    assert_string_equal(page, "mapped by the guest");
    assert_grant(0, ref, true, 1);
    struct xensim_domain_usage u;
    assert_int_equal(xensim_domain_usage(simtest_host(), dom, &u), 0);
    assert_int_equal(u.maps_held, base.maps_held + 1);
    assert_int_equal(kid_kill(k), 128 + SIGKILL);
    assert_grant(0, ref, true, 0);
    assert_int_equal(xengntshr_unshare(gs, page, 1), 0);
    struct xensim_grant_state g;
    assert_int_equal(xensim_grant_query(simtest_host(), 0, ref, &g), 0);
    assert_int_equal(g.flags, 0);                  /* released at once */
    assert_int_equal(g.in_use, 0);
    assert_usage(0, &base0);
    assert_usage(dom, &base);

    /* Revoked first (held back while mapped), then the mapper is killed:
     * the held-back grant is released without anyone unmapping it. */
    page = xengntshr_share_pages(gs, dom, 1, &ref, 1);
    assert_non_null(page);
    k = kid_spawn(dom, guest_mapper, ref, NULL);
    assert_non_null(k);
    assert_int_equal(kid_recv(k, &v), 0);
    assert_int_equal(xengntshr_unshare(gs, page, 1), 0);
    assert_grant(0, ref, true, 1);
    assert_int_equal(xensim_domain_usage(simtest_host(), 0, &u), 0);
    assert_int_equal(u.grants_deferred, 1);
    assert_int_equal(kid_kill(k), 128 + SIGKILL);
    assert_grant(0, ref, false, 0);
    assert_usage(0, &base0);
    assert_usage(dom, &base);
}

int main(void)
{
    alarm(TEST_MAX_SECONDS);       /* a watchdog, well under run-tests.sh's 300 s */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_guest_program_killed, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_domain_destroyed_while_mapped, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_domain_destroyed_by_toolstack, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_destroy_kills_xenstore_only_program, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_destroy_kills_forked_program, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_dead_mapper_does_not_pin, test_setup, test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
