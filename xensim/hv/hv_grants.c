/*
 * Grant allocation and revocation, the hypervisor's half of the grant table.
 *
 * Sharing writes a v1-style entry (permit, readonly, domid, frame) into the
 * granting domain's shared table.  Revoking follows the rule of Xen's
 * end-foreign-access: it only succeeds when nobody has the grant mapped or
 * is copying through it.  A revoke that fails leaves the entry granted and
 * marks it deferred; the daemon retries it until it succeeds, and only then
 * is the frame freed (punched out of the memory file, so it reads as zeroes
 * when it is handed out again).  A page whose revoke failed is never reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/hv/hv.h"

static void frame_free(struct hv_domain *d, uint32_t frame)
{
    if (fallocate(d->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)frame * SIM_PAGE_SIZE, SIM_PAGE_SIZE) < 0)
        hv_log("d%u: cannot free frame %u: %s", d->domid, frame, strerror(errno));
    d->free_frames[d->nr_free_frames++] = frame;
}

static int frame_alloc(struct hv_domain *d, uint32_t *frame)
{
    if (d->nr_free_frames) {
        *frame = d->free_frames[--d->nr_free_frames];
        return 0;
    }
    if (d->next_frame >= SIM_NR_FRAMES)
        return -ENOMEM;
    *frame = d->next_frame++;
    return 0;
}

/* Mark in busy[] every ref of granter that some handle's record names. */
static void scan_records(struct hv *hv, uint32_t granter, uint8_t *busy)
{
    for (struct hv_conn *c = hv->conns; c; c = c->next) {
        if (c->kind != HV_KIND_GNTTAB || !c->records)
            continue;
        uint32_t hwm = __atomic_load_n(&c->records->hwm, __ATOMIC_SEQ_CST);
        if (hwm > SIM_MAX_RECORDS)
            hwm = SIM_MAX_RECORDS;
        for (uint32_t i = 0; i < hwm; i++) {
            uint64_t r = __atomic_load_n(&c->records->rec[i], __ATOMIC_SEQ_CST);
            if (r && sim_record_granter(r) == granter && sim_record_ref(r) < SIM_NR_GRANTS)
                busy[sim_record_ref(r) / 8] |= (uint8_t)(1u << (sim_record_ref(r) % 8));
        }
    }
}

/*
 * Withdraw every listed grant, then look for users.  The withdrawal store and
 * the record loads are sequentially consistent, pairing with the handle's
 * record store and entry load in libxensim: a handle that recorded itself
 * before our withdrawal is found by the scan; one that recorded later sees
 * the withdrawn entry and gives up.
 */
static void revoke_batch(struct hv *hv, struct hv_domain *d, const uint32_t *refs, uint32_t n)
{
    uint8_t busy[SIM_NR_GRANTS / 8];
    uint64_t *saved = calloc(n ? n : 1, sizeof(*saved));
    if (!saved) {
        hv_log("d%u: out of memory revoking %u grants; will retry", d->domid, n);
        for (uint32_t i = 0; i < n; i++)
            if (d->ref_state[refs[i]] != REF_DEFERRED) {
                d->ref_state[refs[i]] = REF_DEFERRED;
                d->nr_deferred++;
            }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        saved[i] = __atomic_load_n(&d->gnttab[refs[i]], __ATOMIC_SEQ_CST);
        __atomic_store_n(&d->gnttab[refs[i]], saved[i] & ~(uint64_t)SIM_GTF_permit_access,
                         __ATOMIC_SEQ_CST);
    }
    memset(busy, 0, sizeof(busy));
    scan_records(hv, d->domid, busy);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ref = refs[i];
        bool was_deferred = d->ref_state[ref] == REF_DEFERRED;
        if (busy[ref / 8] & (1u << (ref % 8))) {
            __atomic_store_n(&d->gnttab[ref], saved[i], __ATOMIC_SEQ_CST);
            if (!was_deferred) {
                d->ref_state[ref] = REF_DEFERRED;
                d->nr_deferred++;
            }
            continue;
        }
        __atomic_store_n(&d->gnttab[ref], 0, __ATOMIC_SEQ_CST);
        if (sim_grant_flags(saved[i]) & SIM_GTF_permit_access)
            frame_free(d, sim_grant_frame(saved[i]));
        if (was_deferred)
            d->nr_deferred--;
        d->ref_state[ref] = REF_FREE;
        d->ref_owner[ref] = 0;
    }
    free(saved);
}

int hv_grant_share(struct hv *hv, struct hv_conn *c, uint32_t remote, uint32_t count,
                   bool writable, uint32_t *refs, uint32_t *frames)
{
    struct hv_domain *d = hv_domain_get(hv, c->domid);
    if (!d || d->dying)
        return -ESRCH;
    if (!hv_domain_get(hv, remote))
        return -ESRCH;
    if (count == 0 || count > HV_MAX_SHARE_PAGES)
        return -EINVAL;
    uint32_t got = 0;
    for (uint32_t ref = SIM_FIRST_FREE_REF; ref < SIM_NR_GRANTS && got < count; ref++) {
        if (d->ref_state[ref] != REF_FREE)
            continue;
        if (frame_alloc(d, &frames[got]) < 0)
            break;
        refs[got++] = ref;
        d->ref_state[ref] = REF_ACTIVE;
        d->ref_owner[ref] = c->id;
    }
    if (got < count) {
        for (uint32_t i = 0; i < got; i++) {
            d->ref_state[refs[i]] = REF_FREE;
            d->ref_owner[refs[i]] = 0;
            d->free_frames[d->nr_free_frames++] = frames[i];
        }
        return -ENOSPC;
    }
    uint16_t flags = (uint16_t)(SIM_GTF_permit_access | (writable ? 0 : SIM_GTF_readonly));
    for (uint32_t i = 0; i < count; i++)
        __atomic_store_n(&d->gnttab[refs[i]],
                         sim_grant_word(flags, (uint16_t)remote, frames[i]), __ATOMIC_SEQ_CST);
    return 0;
}

int hv_grant_unshare(struct hv *hv, struct hv_conn *c, const uint32_t *refs, uint32_t count)
{
    struct hv_domain *d = hv_domain_get(hv, c->domid);
    if (!d)
        return -ESRCH;
    for (uint32_t i = 0; i < count; i++)
        if (refs[i] >= SIM_NR_GRANTS || d->ref_state[refs[i]] != REF_ACTIVE ||
            d->ref_owner[refs[i]] != c->id)
            return -EINVAL;
    revoke_batch(hv, d, refs, count);
    return 0;
}

static void revoke_where(struct hv *hv, struct hv_domain *d, uint32_t owner, bool any_owner)
{
    uint32_t *refs = malloc(sizeof(*refs) * SIM_NR_GRANTS);
    if (!refs) {
        hv_log("d%u: out of memory collecting grants to revoke", d->domid);
        return;
    }
    uint32_t n = 0;
    for (uint32_t ref = 0; ref < SIM_NR_GRANTS; ref++) {
        uint8_t st = d->ref_state[ref];
        if ((st == REF_ACTIVE && (any_owner || d->ref_owner[ref] == owner)) ||
            (st == REF_RESERVED && any_owner) || (st == REF_DEFERRED && any_owner))
            refs[n++] = ref;
    }
    if (n)
        revoke_batch(hv, d, refs, n);
    free(refs);
}

void hv_grant_revoke_conn(struct hv *hv, struct hv_conn *c)
{
    struct hv_domain *d = hv_domain_get(hv, c->domid);
    if (d)
        revoke_where(hv, d, c->id, false);
}

void hv_grant_revoke_all(struct hv *hv, struct hv_domain *d)
{
    revoke_where(hv, d, 0, true);
}

void hv_grant_retry_deferred(struct hv *hv)
{
    for (uint32_t i = 0; i < XENSIM_MAX_DOMAINS; i++) {
        struct hv_domain *d = hv->doms[i];
        if (!d || !d->nr_deferred)
            continue;
        uint32_t refs[256];
        uint32_t n = 0;
        for (uint32_t ref = 0; ref < SIM_NR_GRANTS && n < 256; ref++)
            if (d->ref_state[ref] == REF_DEFERRED)
                refs[n++] = ref;
        revoke_batch(hv, d, refs, n);
    }
}

static uint32_t count_records(struct hv *hv, uint32_t granter, uint32_t ref,
                              bool match_ref, int holder)
{
    uint32_t count = 0;
    for (struct hv_conn *c = hv->conns; c; c = c->next) {
        if (c->kind != HV_KIND_GNTTAB || !c->records)
            continue;
        if (holder >= 0 && c->domid != (uint32_t)holder)
            continue;
        uint32_t hwm = __atomic_load_n(&c->records->hwm, __ATOMIC_SEQ_CST);
        if (hwm > SIM_MAX_RECORDS)
            hwm = SIM_MAX_RECORDS;
        for (uint32_t i = 0; i < hwm; i++) {
            uint64_t r = __atomic_load_n(&c->records->rec[i], __ATOMIC_SEQ_CST);
            if (!r)
                continue;
            if (holder < 0 && sim_record_granter(r) != granter)
                continue;
            if (match_ref && sim_record_ref(r) != ref)
                continue;
            count++;
        }
    }
    return count;
}

uint32_t hv_grant_in_use(struct hv *hv, uint32_t granter, uint32_t ref)
{
    return count_records(hv, granter, ref, true, -1);
}

void hv_grant_usage(struct hv *hv, uint32_t domid, struct xensim_domain_usage *u)
{
    memset(u, 0, sizeof(*u));
    struct hv_domain *d = hv_domain_get(hv, domid);
    if (d) {
        for (uint32_t ref = 0; ref < SIM_NR_GRANTS; ref++)
            if (d->ref_state[ref] == REF_ACTIVE || d->ref_state[ref] == REF_RESERVED)
                u->grants_active++;
        u->grants_deferred = d->nr_deferred;
        for (uint32_t p = 1; p < SIM_NR_PORTS; p++)
            if (d->ports[p].state != PORT_FREE)
                u->ports_bound++;
    }
    u->maps_held = count_records(hv, 0, 0, false, (int)domid);
    u->foreign_maps = count_records(hv, domid, 0, false, -1);
    for (struct hv_conn *c = hv->conns; c; c = c->next)
        if (c->domid == domid && (c->kind == HV_KIND_GNTTAB || c->kind == HV_KIND_GNTSHR ||
                                  c->kind == HV_KIND_EVTCHN))
            u->handles++;
}
