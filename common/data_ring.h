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
#include <string.h>

#include "common/prefetch.h"
#include "xen/include/public/io/netif.h"

#define NS_DRING_HDR ((uint32_t)sizeof(struct xen_netif_data_ring_rec))
/*
 * How far ahead of its index each end asks for ring lines, per record
 * (common/prefetch.h): about seven 64-octet records, so the line the
 * other core wrote last is on its way while the records before it are
 * handled.  Only within what the other end has finished with.
 */
#define NS_DRING_AHEAD 512u

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
 * The producer's calls below are inline: they run once or twice for every
 * small packet, where a call costs as much as their work.
 */

/* ns_dring_fits when the space last seen is too small: read the consumer's index. */
int ns_dring_fits_reread(struct ns_dring *r, uint32_t rec);

/*
 * Whether a record of rec octets fits now: 1 yes, 0 no, -1 the consumer's
 * index is impossible (ahead of ours, behind by more than the ring, or not
 * 8-aligned): the peer broke the ring.  The consumer index is read again
 * only when the space last seen is too small.
 */
static inline int ns_dring_fits(struct ns_dring *r, uint32_t rec)
{
    return r->size - (r->prod - r->cons) >= rec ? 1 : ns_dring_fits_reread(r, rec);
}

/*
 * Where the next record's head bytes go, and how many octets from there
 * are writable without wrapping (for reading a frame straight into the
 * ring); the space must be checked with ns_dring_fits first.
 */
static inline uint8_t *ns_dring_next_head(const struct ns_dring *r, uint32_t *contiguous)
{
    uint32_t start = (r->prod + NS_DRING_HDR) & (r->size - 1);
    uint32_t space = r->size - (r->prod - r->cons) - NS_DRING_HDR;

    *contiguous = r->size - start < space ? r->size - start : space;
    return r->data + start;
}

/*
 * Finish a record whose len head octets are in place (written at
 * ns_dring_next_head, or by ns_dring_put): its header and zero padding.
 * Records start 8-aligned in a ring of a multiple of 8, so neither the
 * header nor the 8-octet word holding the padding wraps.
 */
static inline void ns_dring_commit(struct ns_dring *r, uint16_t id, uint16_t len)
{
    struct xen_netif_data_ring_rec h = { .len = len, .id = id, .reserved = 0 };
    uint32_t tail = len & (XEN_NETIF_DATA_RING_ALIGN - 1);

    memcpy(r->data + (r->prod & (r->size - 1)), &h, sizeof(h));
    if (tail)
        memset(r->data + ((r->prod + NS_DRING_HDR + len) & (r->size - 1)), 0,
               XEN_NETIF_DATA_RING_ALIGN - tail);
    r->prod += ns_dring_rec_size(len);
    if (r->size - (r->prod - r->cons) > NS_DRING_AHEAD)
        ns_prefetch_write(r->data + ((r->prod + NS_DRING_AHEAD) & (r->size - 1)));
}

/* Write a record (header, len octets of src, zero padding); space checked. */
void ns_dring_put(struct ns_dring *r, uint16_t id, const uint8_t *src, uint16_t len);

/* Make the records written so far visible to the consumer. */
static inline void ns_dring_publish(struct ns_dring *r)
{
    /* Release: the records' octets are visible before the index that covers them. */
    __atomic_store_n(r->prod_idx, r->prod, __ATOMIC_RELEASE);
}

/* ---- consumer ---- */

/* For ns_dring_take: a dropped packet's record, any length up to max_len. */
#define NS_DRING_ANY_LEN 0x10000u

/* ns_dring_take when its inline part cannot: see below. */
int ns_dring_take_slow(struct ns_dring *r, uint16_t id, uint32_t want, uint8_t *out,
                       const char **why);

/* What is wrong with a copied record header, given what the request says; NULL: nothing. */
const char *ns_dring_header_fault(const struct xen_netif_data_ring_rec *h, uint16_t id,
                                  uint32_t want, uint16_t max_len);

/*
 * Take the next record, which must belong to the request (or response)
 * with the given id and carry exactly want octets (or, with
 * NS_DRING_ANY_LEN, at most max_len).  The bytes are copied to out (if
 * not NULL).  Returns the record's length, or -1 with *why set when the
 * peer broke the ring: the caller disables the device.
 *
 * Inline for the common case, a record of known length wholly within the
 * producer index last read and not wrapping (a call and the producer
 * index check cost as much as the rest for a small packet); anything else
 * goes to ns_dring_take_slow, which reads the producer index again.
 */
static inline int ns_dring_take(struct ns_dring *r, uint16_t id, uint32_t want, uint8_t *out,
                                const char **why)
{
    uint32_t pos = r->cons & (r->size - 1);
    uint32_t rec = ns_dring_rec_size(want);
    struct xen_netif_data_ring_rec h;

    if (want > UINT16_MAX || !out || r->prod - r->cons < rec || r->size - pos < rec)
        return ns_dring_take_slow(r, id, want, out, why);
    /* The one read of the header: every check below is on the copy. */
    memcpy(&h, r->data + pos, sizeof(h));
    if (h.len != want || h.id != id || h.reserved != 0) {
        *why = ns_dring_header_fault(&h, id, want, r->max_len);
        return -1;
    }
    memcpy(out, r->data + pos + NS_DRING_HDR, want);
    r->cons += rec;
    if (r->prod - r->cons > NS_DRING_AHEAD)
        ns_prefetch_read(r->data + ((r->cons + NS_DRING_AHEAD) & (r->size - 1)));
    return (int)want;
}

/* Give the space of the records taken so far back to the producer. */
static inline void ns_dring_release(struct ns_dring *r)
{
    /* Release: our copies out of the records are complete before the
     * producer sees their space free (the load-to-store order PVCalls
     * gets from a full barrier). */
    __atomic_store_n(r->cons_idx, r->cons, __ATOMIC_RELEASE);
}

#endif
