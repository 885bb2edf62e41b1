/*
 * Index arithmetic for Xen shared rings (the RING_* macros' semantics,
 * written as functions over the common sring header).
 *
 * Every netif sring starts with the same four 32-bit indices.  Indices are
 * free-running: positions are index & (size - 1), distances are unsigned
 * 32-bit differences, so wrap-around is harmless.
 *
 * The peer writes its indices whenever it likes: each is read once per
 * decision with an acquire load and the value kept in a local.
 */
#ifndef NETSTAGE_COMMON_RING_H
#define NETSTAGE_COMMON_RING_H

#include <stdbool.h>
#include <stdint.h>

struct ns_sring_hdr {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
};

/*
 * Acquire: the loads of ring entries that follow are not performed before
 * this index load (Xen's rmb() after reading a producer index).
 */
static inline uint32_t ns_ring_load(const uint32_t *idx)
{
    return __atomic_load_n(idx, __ATOMIC_ACQUIRE);
}

/* "Notify the peer?" after moving a producer from old to new against its event index. */
static inline bool ns_ring_need_notify(uint32_t new_prod, uint32_t old_prod, uint32_t event)
{
    return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old_prod);
}

/*
 * Publish a producer index (requests or responses) and say whether the peer
 * asked to be notified.  The release store orders the entry writes before
 * the index (Xen's wmb()); the full fence orders the index store before the
 * read of the peer's event index (Xen's mb()), otherwise the peer could set
 * its event index after our read and sleep through our update.
 */
static inline bool ns_ring_publish(uint32_t *prod, const uint32_t *event, uint32_t new_prod)
{
    uint32_t old_prod = __atomic_load_n(prod, __ATOMIC_RELAXED);

    __atomic_store_n(prod, new_prod, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ns_ring_need_notify(new_prod, old_prod, __atomic_load_n(event, __ATOMIC_RELAXED));
}

/*
 * Ask to be notified when the peer's producer reaches `when` (usually our
 * consumer + 1), then look again: returns the producer value seen after
 * arming.  The full fence orders the event-index store before the re-read
 * of the producer, so either the peer sees our event index or we see its
 * new producer.
 */
static inline uint32_t ns_ring_arm(uint32_t *event, const uint32_t *prod, uint32_t when)
{
    __atomic_store_n(event, when, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ns_ring_load(prod);
}

#endif
