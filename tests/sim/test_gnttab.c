/*
 * Grant tables on the simulated host: Xen's v1 rules as a driver meets them
 * through libxengnttab.  Domain-0 is this process; guests g1 and g2 are
 * forked children that run as those domains.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>
#include <cmocka.h>

#include "tests/sim/simtest.h"

static uint32_t g1, g2;

struct child_io {
    int to_child[2];
    int to_parent[2];
};

static int group_setup(void **state)
{
    (void)state;
    if (simtest_create_guest("g1", &g1) < 0 || simtest_create_guest("g2", &g2) < 0)
        return -1;
    return 0;
}

static void io_open(struct child_io *io)
{
    assert_int_equal(pipe(io->to_child), 0);
    assert_int_equal(pipe(io->to_parent), 0);
}

static void io_close(struct child_io *io)
{
    close(io->to_child[0]);
    close(io->to_child[1]);
    close(io->to_parent[0]);
    close(io->to_parent[1]);
}

static struct xensim_grant_state grant_state(uint32_t granter, uint32_t ref)
{
    struct xensim_grant_state st;
    assert_int_equal(xensim_grant_query(simtest_host(), granter, ref, &st), 0);
    return st;
}

/* ---- a grant is only for the domain it names ---- */

struct try_args {
    struct child_io *io;
    int prot;
};

/* Child: receive a dom0 ref; try to map it with prot and to copy from it.
 * Reports 1 if the map worked, then the copy's GNTST status (+100). */
static int child_try_map_and_copy(void *arg)
{
    struct try_args *a = arg;
    uint32_t ref;
    if (simtest_recv_u32(a->io->to_child[0], &ref, 5000) < 0)
        return 90;
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    if (!xgt)
        return 91;
    void *p = xengnttab_map_grant_ref(xgt, 0, ref, a->prot);
    uint32_t mapped = p != NULL;
    if (p) {
        /* Prove it is the same memory: report the first byte too. */
        simtest_send_u32(a->io->to_parent[1], mapped);
        simtest_send_u32(a->io->to_parent[1], ((volatile uint8_t *)p)[0]);
        xengnttab_unmap(xgt, p, 1);
    } else {
        simtest_send_u32(a->io->to_parent[1], mapped);
        simtest_send_u32(a->io->to_parent[1], (uint32_t)errno);
    }
    char buf[16];
    xengnttab_grant_copy_segment_t seg = {
        .source.foreign = { .ref = ref, .offset = 0, .domid = 0 },
        .dest.virt = buf, .len = sizeof(buf), .flags = GNTCOPY_source_gref,
    };
    if (xengnttab_grant_copy(xgt, 1, &seg) != 0)
        return 92;
    simtest_send_u32(a->io->to_parent[1], (uint32_t)(seg.status + 100));
    xengnttab_close(xgt);
    return 0;
}

static void try_from(uint32_t domid, uint32_t ref, int prot, uint32_t *mapped, uint32_t *detail,
                     int16_t *copy_status)
{
    struct child_io io;
    struct try_args a = { &io, prot };
    io_open(&io);
    pid_t pid = simtest_spawn_as(domid, child_try_map_and_copy, &a);
    assert_int_equal(simtest_send_u32(io.to_child[1], ref), 0);
    uint32_t st;
    assert_int_equal(simtest_recv_u32(io.to_parent[0], mapped, 5000), 0);
    assert_int_equal(simtest_recv_u32(io.to_parent[0], detail, 5000), 0);
    assert_int_equal(simtest_recv_u32(io.to_parent[0], &st, 5000), 0);
    *copy_status = (int16_t)((int32_t)st - 100);
    assert_int_equal(simtest_wait(pid), 0);
    io_close(&io);
}

static void test_grant_only_for_named_domain(void **state)
{
    (void)state;
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    assert_non_null(xgs);
    uint32_t ref;
    uint8_t *page = xengntshr_share_pages(xgs, g1, 1, &ref, 1);
    assert_non_null(page);
    page[0] = 0x5a;

    uint32_t mapped, detail;
    int16_t copy_status;
    try_from(g1, ref, PROT_READ | PROT_WRITE, &mapped, &detail, &copy_status);
    assert_int_equal(mapped, 1);
    assert_int_equal(detail, 0x5a);
    assert_int_equal(copy_status, GNTST_okay);

    try_from(g2, ref, PROT_READ, &mapped, &detail, &copy_status);
    assert_int_equal(mapped, 0);
    assert_int_equal(detail, EACCES);
    assert_int_equal(copy_status, GNTST_permission_denied);
    assert_int_equal(grant_state(0, ref).in_use, 0);

    assert_int_equal(xengntshr_unshare(xgs, page, 1), 0);
    assert_int_equal(grant_state(0, ref).flags, 0);
    /* Once revoked, not even the named domain gets it. */
    try_from(g1, ref, PROT_READ, &mapped, &detail, &copy_status);
    assert_int_equal(mapped, 0);
    assert_int_equal(copy_status, GNTST_permission_denied);
    xengntshr_close(xgs);
}

/* ---- read-only grants ---- */

static void test_readonly_grant(void **state)
{
    (void)state;
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    assert_non_null(xgs);
    uint32_t ref;
    uint8_t *page = xengntshr_share_pages(xgs, g1, 1, &ref, 0);
    assert_non_null(page);
    page[0] = 0x33;
    struct xensim_grant_state st = grant_state(0, ref);
    assert_true(st.flags & 0x4);                    /* GTF_readonly */
    assert_int_equal(st.domid, g1);

    uint32_t mapped, detail;
    int16_t copy_status;
    try_from(g1, ref, PROT_READ | PROT_WRITE, &mapped, &detail, &copy_status);
    assert_int_equal(mapped, 0);                    /* no writable map of a r/o grant */
    assert_int_equal(detail, EACCES);
    assert_int_equal(copy_status, GNTST_okay);      /* reading through it is fine */
    try_from(g1, ref, PROT_READ, &mapped, &detail, &copy_status);
    assert_int_equal(mapped, 1);
    assert_int_equal(detail, 0x33);
    assert_int_equal(xengntshr_unshare(xgs, page, 1), 0);
    xengntshr_close(xgs);
}

/* Child: copy INTO dom0's ref; report the status. */
static int child_copy_into(void *arg)
{
    struct child_io *io = arg;
    uint32_t ref;
    if (simtest_recv_u32(io->to_child[0], &ref, 5000) < 0)
        return 90;
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    if (!xgt)
        return 91;
    char buf[8] = "written";
    xengnttab_grant_copy_segment_t seg = {
        .source.virt = buf,
        .dest.foreign = { .ref = ref, .offset = 16, .domid = 0 },
        .len = sizeof(buf), .flags = GNTCOPY_dest_gref,
    };
    xengnttab_grant_copy(xgt, 1, &seg);
    simtest_send_u32(io->to_parent[1], (uint32_t)(seg.status + 100));
    xengnttab_close(xgt);
    return 0;
}

static int16_t copy_into_from(uint32_t domid, uint32_t ref)
{
    struct child_io io;
    io_open(&io);
    pid_t pid = simtest_spawn_as(domid, child_copy_into, &io);
    uint32_t st;
    assert_int_equal(simtest_send_u32(io.to_child[1], ref), 0);
    assert_int_equal(simtest_recv_u32(io.to_parent[0], &st, 5000), 0);
    assert_int_equal(simtest_wait(pid), 0);
    io_close(&io);
    return (int16_t)((int32_t)st - 100);
}

static void test_readonly_grant_is_no_copy_destination(void **state)
{
    (void)state;
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    uint32_t ro_ref, rw_ref;
    uint8_t *ro = xengntshr_share_pages(xgs, g1, 1, &ro_ref, 0);
    uint8_t *rw = xengntshr_share_pages(xgs, g1, 1, &rw_ref, 1);
    assert_non_null(ro);
    assert_non_null(rw);
    assert_int_equal(copy_into_from(g1, ro_ref), GNTST_permission_denied);
    assert_int_equal(ro[16], 0);
    assert_int_equal(copy_into_from(g1, rw_ref), GNTST_okay);
    assert_memory_equal(rw + 16, "written", 8);
    assert_int_equal(xengntshr_unshare(xgs, ro, 1), 0);
    assert_int_equal(xengntshr_unshare(xgs, rw, 1), 0);
    xengntshr_close(xgs);
}

/* ---- revocation while mapped ---- */

/* Child: map dom0's ref, say so, wait for "scribble" (writes 0xAA over the
 * page, still mapped after dom0 revoked it), then for "unmap". */
static int child_hold_mapping(void *arg)
{
    struct child_io *io = arg;
    uint32_t ref, cmd;
    if (simtest_recv_u32(io->to_child[0], &ref, 5000) < 0)
        return 90;
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    uint8_t *p = xgt ? xengnttab_map_grant_ref(xgt, 0, ref, PROT_READ | PROT_WRITE) : NULL;
    if (!p)
        return 91;
    simtest_send_u32(io->to_parent[1], 1);
    if (simtest_recv_u32(io->to_child[0], &cmd, 5000) < 0)
        return 92;
    memset(p, 0xAA, 4096);
    simtest_send_u32(io->to_parent[1], 2);
    if (simtest_recv_u32(io->to_child[0], &cmd, 5000) < 0)
        return 93;
    int rc = xengnttab_unmap(xgt, p, 1);
    simtest_send_u32(io->to_parent[1], 3);
    xengnttab_close(xgt);
    return rc == 0 ? 0 : 94;
}

struct released_arg {
    uint32_t ref;
};

static int grant_released(void *arg)
{
    struct released_arg *r = arg;
    struct xensim_grant_state st;
    return xensim_grant_query(simtest_host(), 0, r->ref, &st) == 0 && st.flags == 0 &&
           st.in_use == 0;
}

static void test_revoke_refused_while_mapped(void **state)
{
    (void)state;
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    uint32_t ref, v;
    uint8_t *page = xengntshr_share_pages(xgs, g1, 1, &ref, 1);
    assert_non_null(page);
    struct child_io io;
    io_open(&io);
    pid_t pid = simtest_spawn_as(g1, child_hold_mapping, &io);
    assert_int_equal(simtest_send_u32(io.to_child[1], ref), 0);
    assert_int_equal(simtest_recv_u32(io.to_parent[0], &v, 5000), 0);
    assert_int_equal(v, 1);
    assert_int_equal(grant_state(0, ref).in_use, 1);

    /* Unshare returns (as gntalloc's does) but the revoke is refused: the
     * entry stays granted and deferred while g1 has it mapped. */
    assert_int_equal(xengntshr_unshare(xgs, page, 1), 0);
    struct xensim_grant_state st = grant_state(0, ref);
    assert_true(st.flags & 0x1);                    /* GTF_permit_access */
    assert_int_equal(st.in_use, 1);
    struct xensim_domain_usage u;
    assert_int_equal(xensim_domain_usage(simtest_host(), 0, &u), 0);
    assert_int_equal(u.grants_deferred, 1);

    /* The page is not handed out again while deferred: g1 scribbles on it,
     * and a fresh share must still come back zeroed. */
    assert_int_equal(simtest_send_u32(io.to_child[1], 0), 0);
    assert_int_equal(simtest_recv_u32(io.to_parent[0], &v, 5000), 0);
    uint32_t ref2;
    uint8_t *fresh = xengntshr_share_pages(xgs, g1, 1, &ref2, 1);
    assert_non_null(fresh);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(fresh[i], 0);
    assert_int_equal(xengntshr_unshare(xgs, fresh, 1), 0);

    /* After the unmap the deferred revoke goes through. */
    assert_int_equal(simtest_send_u32(io.to_child[1], 0), 0);
    assert_int_equal(simtest_recv_u32(io.to_parent[0], &v, 5000), 0);
    struct released_arg r = { ref };
    assert_int_equal(simtest_wait_until(grant_released, &r, 3000), 0);
    assert_int_equal(xensim_domain_usage(simtest_host(), 0, &u), 0);
    assert_int_equal(u.grants_deferred, 0);
    assert_int_equal(simtest_wait(pid), 0);
    io_close(&io);
    xengntshr_close(xgs);
}

/* ---- grant copy: a status per segment ---- */

struct copy_refs {
    struct child_io *io;
};

/* Child (g1): receives refs [mine_ro, mine_rw, for_g2], runs one batch and
 * reports every segment's status, then the bytes it read. */
static int child_copy_batch(void *arg)
{
    struct child_io *io = arg;
    uint32_t mine_ro, mine_rw, for_g2;
    if (simtest_recv_u32(io->to_child[0], &mine_ro, 5000) < 0 ||
        simtest_recv_u32(io->to_child[0], &mine_rw, 5000) < 0 ||
        simtest_recv_u32(io->to_child[0], &for_g2, 5000) < 0)
        return 90;
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    if (!xgt)
        return 91;
    char in[32] = { 0 }, out[8] = "payload", junk[64];
    xengnttab_grant_copy_segment_t s[7];
    memset(s, 0, sizeof(s));
    /* 0: good read */
    s[0].source.foreign = (typeof(s[0].source.foreign)){ .ref = mine_ro, .offset = 100, .domid = 0 };
    s[0].dest.virt = in;
    s[0].len = sizeof(in);
    s[0].flags = GNTCOPY_source_gref;
    /* 1: ref past the table */
    s[1] = s[0];
    s[1].source.foreign.ref = 40000;
    s[1].dest.virt = junk;
    /* 2: no such domain */
    s[2] = s[1];
    s[2].source.foreign.ref = mine_ro;
    s[2].source.foreign.domid = 999;
    /* 3: granted, but to g2 */
    s[3] = s[1];
    s[3].source.foreign.ref = for_g2;
    /* 4: offset + len past the page */
    s[4] = s[1];
    s[4].source.foreign.ref = mine_ro;
    s[4].source.foreign.offset = 4000;
    s[4].len = 200;
    /* 5: good write */
    s[5].source.virt = out;
    s[5].dest.foreign = (typeof(s[5].dest.foreign)){ .ref = mine_rw, .offset = 4088, .domid = 0 };
    s[5].len = sizeof(out);
    s[5].flags = GNTCOPY_dest_gref;
    /* 6: write into the read-only grant */
    s[6] = s[5];
    s[6].dest.foreign.ref = mine_ro;
    if (xengnttab_grant_copy(xgt, 7, s) != 0)
        return 92;
    for (int i = 0; i < 7; i++)
        simtest_send_u32(io->to_parent[1], (uint32_t)(s[i].status + 100));
    for (int i = 0; i < 32; i++)
        simtest_send_u32(io->to_parent[1], (uint8_t)in[i]);
    xengnttab_close(xgt);
    return 0;
}

static void test_grant_copy_status_per_segment(void **state)
{
    (void)state;
    xengntshr_handle *xgs = xengntshr_open(NULL, 0);
    uint32_t ro_ref, rw_ref, g2_ref;
    uint8_t *ro = xengntshr_share_pages(xgs, g1, 1, &ro_ref, 0);
    uint8_t *rw = xengntshr_share_pages(xgs, g1, 1, &rw_ref, 1);
    uint8_t *other = xengntshr_share_pages(xgs, g2, 1, &g2_ref, 1);
    assert_non_null(ro);
    assert_non_null(rw);
    assert_non_null(other);
    for (int i = 0; i < 32; i++)
        ro[100 + i] = (uint8_t)(i * 7 + 1);

    struct child_io io;
    io_open(&io);
    pid_t pid = simtest_spawn_as(g1, child_copy_batch, &io);
    simtest_send_u32(io.to_child[1], ro_ref);
    simtest_send_u32(io.to_child[1], rw_ref);
    simtest_send_u32(io.to_child[1], g2_ref);
    static const int16_t expect[7] = {
        GNTST_okay, GNTST_bad_gntref, GNTST_bad_domain, GNTST_permission_denied,
        GNTST_bad_copy_arg, GNTST_okay, GNTST_permission_denied,
    };
    for (int i = 0; i < 7; i++) {
        uint32_t st;
        assert_int_equal(simtest_recv_u32(io.to_parent[0], &st, 5000), 0);
        assert_int_equal((int16_t)((int32_t)st - 100), expect[i]);
    }
    for (int i = 0; i < 32; i++) {
        uint32_t b;
        assert_int_equal(simtest_recv_u32(io.to_parent[0], &b, 5000), 0);
        assert_int_equal(b, (uint8_t)(i * 7 + 1));
    }
    assert_int_equal(simtest_wait(pid), 0);
    assert_memory_equal(rw + 4088, "payload", 8);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(ro[i], i >= 100 && i < 132 ? (uint8_t)((i - 100) * 7 + 1) : 0);
    /* Copies hold nothing once done. */
    assert_int_equal(grant_state(0, ro_ref).in_use, 0);
    assert_int_equal(grant_state(0, rw_ref).in_use, 0);
    io_close(&io);
    xengntshr_close(xgs);
    assert_int_equal(grant_state(0, ro_ref).flags, 0);   /* close revokes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grant_only_for_named_domain),
        cmocka_unit_test(test_readonly_grant),
        cmocka_unit_test(test_readonly_grant_is_no_copy_destination),
        cmocka_unit_test(test_revoke_refused_while_mapped),
        cmocka_unit_test(test_grant_copy_status_per_segment),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
