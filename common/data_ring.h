/*
 * One direction of a staging data ring (docs/netif-staging.md section 8),
 * as one end sees it: packet heads as framed records in a circular byte
 * ring, with free-running producer and consumer octet indices in the
 * shared interface page.  The producer end writes records and publishes
 * its index once per batch; the consumer end takes them in the order of
 * the flagged ring requests (or responses) and gives the space back once
 * per batch.
 *
 * The peer owns the other index and every octet of the ring: the consumer
 * reads the producer index once per refill and checks it, copies each
 * header once and checks it against what the ring request says, and
 * copies the bytes out before anything uses them.  Pure memory code (no
 * Xen library), so it is unit-tested and fuzzed on its own.
 */
#ifndef NETSTAGE_COMMON_DATA_RING_H
#define NETSTAGE_COMMON_DATA_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "xen/include/public/io/netif.h"

struct ns_dring {
    uint8_t *data;           /* size octets, contiguous in our mapping; NULL: not used */
    uint32_t size;           /* R, a power of two */
    uint16_t max_len;        /* the direction's -data-len: the longest head */
    uint32_t *prod_idx;      /* in the interface page */
    uint32_t *cons_idx;
    /* Our own index, and the last value of the peer's that passed the checks. */
    uint32_t prod, cons;
};

/* Set up r over a ring of size octets whose indices start at 0 (a fresh ring). */
void ns_dring_init(struct ns_dring *r, uint8_t *data, uint32_t size, uint16_t max_len,
                   uint32_t *prod_idx, uint32_t *cons_idx);

/* Octets a record carrying len octets of head takes. */
static inline uint32_t ns_dring_rec_size(uint32_t len)
{
    return XEN_NETIF_DATA_RING_REC_SIZE(len);
}

/* ---- producer ---- */

/*
 * Whether a record of rec octets fits now: 1 yes, 0 no, -1 the consumer's
 * index is impossible (ahead of ours, behind by more than the ring, or not
 * 8-aligned): the peer broke the ring.  The consumer index is read again
 * only when the space last seen is too small.
 */
int ns_dring_fits(struct ns_dring *r, uint32_t rec);

/*
 * Where the next record's head bytes go, and how many octets from there
 * are writable without wrapping (for reading a frame straight into the
 * ring); the space must be checked with ns_dring_fits first.
 */
uint8_t *ns_dring_next_head(const struct ns_dring *r, uint32_t *contiguous);

/* Write a record (header, len octets of src, zero padding); space checked. */
void ns_dring_put(struct ns_dring *r, uint16_t id, const uint8_t *src, uint16_t len);

/*
 * Finish a record whose len head octets were already written at
 * ns_dring_next_head without wrapping: its header and padding.
 */
void ns_dring_commit(struct ns_dring *r, uint16_t id, uint16_t len);

/* Make the records written so far visible to the consumer. */
void ns_dring_publish(struct ns_dring *r);

/* ---- consumer ---- */

/* For ns_dring_take: a dropped packet's record, any length up to max_len. */
#define NS_DRING_ANY_LEN 0x10000u

/*
 * Take the next record, which must belong to the request (or response)
 * with the given id and carry exactly want octets (or, with
 * NS_DRING_ANY_LEN, at most max_len).  The bytes are copied to out (if
 * not NULL).  Returns the record's length, or -1 with *why set when the
 * peer broke the ring: the caller disables the device.
 */
int ns_dring_take(struct ns_dring *r, uint16_t id, uint32_t want, uint8_t *out, const char **why);

/* Give the space of the records taken so far back to the producer. */
void ns_dring_release(struct ns_dring *r);

#endif
