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
    /*
     * Whole records (docs/netif-staging.md 8.7) and their event indices:
     * our_event is the one we write (the consumer asks for an event at a
     * producer index, the producer at a consumer index), peer_event the
     * one the peer writes for the index we advance; shown is our index as
     * the peer last saw it.  The consumer copies the next record's header
     * into hdr once (ns_dring_peek) and decides everything on that copy.
     */
    bool whole;
    uint32_t *our_event, *peer_event;
    uint32_t shown;
    bool have_hdr;
    struct xen_netif_data_ring_rec hdr;
};

/* Set up r over a ring of size octets whose indices start at 0 (a fresh ring). */
void ns_dring_init(struct ns_dring *r, uint8_t *data, uint32_t size, uint16_t max_len,
                   uint32_t *prod_idx, uint32_t *cons_idx);

/* Use whole records on r, with these event indices (see struct ns_dring). */
void ns_dring_use_whole(struct ns_dring *r, uint32_t *our_event, uint32_t *peer_event);

/* The checksum flags a whole record may carry besides XEN_NETIF_DATA_REC_WHOLE. */
#define NS_DRING_REC_CSUM_FLAGS (XEN_NETIF_DATA_REC_CSUM_BLANK | XEN_NETIF_DATA_REC_DATA_VALIDATED)

/*
 * Whether moving an index from old to new passes the event index ev the
 * peer set (ev in (old, new]), in the free-running arithmetic of the
 * netif rings' event indices.
 */
static inline bool ns_dring_event_due(uint32_t ev, uint32_t old, uint32_t new_idx)
{
    return new_idx - ev < new_idx - old;
}

/* Octets a record carrying len octets of head takes. */
static inline uint32_t ns_dring_rec_size(uint32_t len)
{
    return XEN_NETIF_DATA_RING_REC_SIZE(len);
}

/*
 * A record header (struct xen_netif_data_ring_rec: len, id, flags and
 * reserved, 16 bits each in native order) as the one 8-octet word it
 * occupies, so that each end writes or reads it with one access.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NS_DRING_SHIFT_LEN 0
#define NS_DRING_SHIFT_ID 16
#define NS_DRING_SHIFT_FLAGS 32
#else
#define NS_DRING_SHIFT_LEN 48
#define NS_DRING_SHIFT_ID 32
#define NS_DRING_SHIFT_FLAGS 16
#endif
_Static_assert(sizeof(struct xen_netif_data_ring_rec) == sizeof(uint64_t), "one word");

/* The word of a header with these fields and reserved = 0. */
static inline uint64_t ns_dring_word(uint16_t len, uint16_t id, uint16_t flags)
{
    return (uint64_t)len << NS_DRING_SHIFT_LEN | (uint64_t)id << NS_DRING_SHIFT_ID |
           (uint64_t)flags << NS_DRING_SHIFT_FLAGS;
}

static inline uint16_t ns_dring_word_len(uint64_t word)
{
    return (uint16_t)(word >> NS_DRING_SHIFT_LEN);
}

static inline uint16_t ns_dring_word_flags(uint64_t word)
{
    return (uint16_t)(word >> NS_DRING_SHIFT_FLAGS);
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
static inline void ns_dring_commit_flags(struct ns_dring *r, uint16_t id, uint16_t flags,
                                         uint16_t len)
{
    /* The header as one 8-octet word: built field by field in memory it
     * cost a small packet a dozen instructions. */
    uint64_t h = ns_dring_word(len, id, flags);
    uint32_t tail = len & (XEN_NETIF_DATA_RING_ALIGN - 1);

    memcpy(r->data + (r->prod & (r->size - 1)), &h, sizeof(h));
    if (tail)
        memset(r->data + ((r->prod + NS_DRING_HDR + len) & (r->size - 1)), 0,
               XEN_NETIF_DATA_RING_ALIGN - tail);
    r->prod += ns_dring_rec_size(len);
    if (r->size - (r->prod - r->cons) > NS_DRING_AHEAD)
        ns_prefetch_write(r->data + ((r->prod + NS_DRING_AHEAD) & (r->size - 1)));
}

/* ns_dring_commit_flags for the record of a flagged request or response. */
static inline void ns_dring_commit(struct ns_dring *r, uint16_t id, uint16_t len)
{
    ns_dring_commit_flags(r, id, 0, len);
}

/* ns_dring_commit_flags for a whole record with the given checksum flags. */
static inline void ns_dring_commit_whole(struct ns_dring *r, uint16_t csum_flags, uint16_t len)
{
    ns_dring_commit_flags(r, 0, (uint16_t)(XEN_NETIF_DATA_REC_WHOLE | csum_flags), len);
}

/* Write a record (header, len octets of src, zero padding); space checked. */
void ns_dring_put(struct ns_dring *r, uint16_t id, const uint8_t *src, uint16_t len);
/* Likewise a whole record with the given checksum flags. */
void ns_dring_put_whole(struct ns_dring *r, uint16_t csum_flags, const uint8_t *src, uint16_t len);

/*
 * Make the records written so far visible to the consumer.  True when the
 * consumer asked for an event at an index this passes (whole-record rings
 * only: elsewhere the requests or responses carry the event).
 */
static inline bool ns_dring_publish(struct ns_dring *r)
{
    uint32_t old = r->shown;

    /* Release: the records' octets are visible before the index that covers them. */
    __atomic_store_n(r->prod_idx, r->prod, __ATOMIC_RELEASE);
    r->shown = r->prod;
    if (!r->whole)
        return false;
    /* Full barrier: our index store before the load of the consumer's
     * event index; pairs with the one in ns_dring_arm_records, so either
     * it sees our index or we see its event. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ns_dring_event_due(__atomic_load_n(r->peer_event, __ATOMIC_RELAXED), old, r->prod);
}

/*
 * The producer found no room and will wait: ask for an event once the
 * consumer gives space back.  True if it has already (no need to sleep).
 */
bool ns_dring_arm_room(struct ns_dring *r);

/* Whether the consumer gave space back since we last read its index (no side effects). */
static inline bool ns_dring_room_moved(const struct ns_dring *r)
{
    return __atomic_load_n(r->cons_idx, __ATOMIC_RELAXED) != r->cons;
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

    if (want > UINT16_MAX || !out || r->have_hdr || r->prod - r->cons < rec ||
        r->size - pos < rec)
        return ns_dring_take_slow(r, id, want, out, why);
    /* The one read of the header: every check below is on the copy. */
    memcpy(&h, r->data + pos, sizeof(h));
    if (h.len != want || h.id != id || h.flags != 0 || h.reserved != 0) {
        *why = ns_dring_header_fault(&h, id, want, r->max_len);
        return -1;
    }
    memcpy(out, r->data + pos + NS_DRING_HDR, want);
    r->cons += rec;
    if (r->prod - r->cons > NS_DRING_AHEAD)
        ns_prefetch_read(r->data + ((r->cons + NS_DRING_AHEAD) & (r->size - 1)));
    return (int)want;
}

/*
 * Give the space of the records taken so far back to the producer.  True
 * when the producer asked for an event at an index this passes (whole-
 * record rings only: elsewhere it waits for responses instead).
 */
static inline bool ns_dring_release(struct ns_dring *r)
{
    uint32_t old = r->shown;

    /* Release: our copies out of the records are complete before the
     * producer sees their space free (the load-to-store order PVCalls
     * gets from a full barrier). */
    __atomic_store_n(r->cons_idx, r->cons, __ATOMIC_RELEASE);
    r->shown = r->cons;
    if (!r->whole)
        return false;
    /* Full barrier: our index store before the load of the producer's
     * event index; pairs with the one in ns_dring_arm_room. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ns_dring_event_due(__atomic_load_n(r->peer_event, __ATOMIC_RELAXED), old, r->cons);
}

/* ---- consumer of a whole-record ring ---- */

/* ns_dring_peek when no header is held and none is within the producer index last read. */
int ns_dring_peek_slow(struct ns_dring *r, const char **why);

/*
 * Copy the next record's header into r->hdr, once: it stays there until
 * the record is taken (ns_dring_take or ns_dring_take_whole), and every
 * decision about the record is made on that copy.  1 a header is held;
 * 0 nothing is published; -1 the producer index is impossible (*why).
 */
static inline int ns_dring_peek(struct ns_dring *r, const char **why)
{
    if (r->have_hdr)
        return 1;
    if (r->prod - r->cons < NS_DRING_HDR)
        return ns_dring_peek_slow(r, why);
    memcpy(&r->hdr, r->data + (r->cons & (r->size - 1)), sizeof(r->hdr));
    r->have_hdr = true;
    return 1;
}

/* The held header is a whole record's (it may still be a malformed one). */
static inline bool ns_dring_held_whole(const struct ns_dring *r)
{
    return r->have_hdr && (r->hdr.flags & XEN_NETIF_DATA_REC_WHOLE);
}

/* ns_dring_take_whole when its inline part cannot: wrapping, a bad header. */
int ns_dring_take_whole_slow(struct ns_dring *r, uint8_t *out, uint16_t *csum_flags,
                             const char **why);

/*
 * Take the whole record whose header is held (ns_dring_held_whole): its
 * len octets to out, its checksum flags to *csum_flags.  Returns len, or
 * -1 with *why when the producer broke the ring (a nonzero id or
 * reserved field, an unknown flag, len over max_len, the record past the
 * producer index).  The caller judges the packet itself (its length).
 */
static inline int ns_dring_take_whole(struct ns_dring *r, uint8_t *out, uint16_t *csum_flags,
                                      const char **why)
{
    uint32_t pos = r->cons & (r->size - 1);
    uint32_t len = r->hdr.len, rec = ns_dring_rec_size(len);

    if (r->hdr.id != 0 || r->hdr.reserved != 0 ||
        (r->hdr.flags & ~(XEN_NETIF_DATA_REC_WHOLE | NS_DRING_REC_CSUM_FLAGS)) ||
        len > r->max_len || r->prod - r->cons < rec || r->size - pos < rec)
        return ns_dring_take_whole_slow(r, out, csum_flags, why);
    memcpy(out, r->data + pos + NS_DRING_HDR, len);
    *csum_flags = r->hdr.flags & NS_DRING_REC_CSUM_FLAGS;
    r->have_hdr = false;
    r->cons += rec;
    if (r->prod - r->cons > NS_DRING_AHEAD)
        ns_prefetch_read(r->data + ((r->cons + NS_DRING_AHEAD) & (r->size - 1)));
    return (int)len;
}

/* ns_dring_try_whole: the next record needs ns_dring_take_next_whole. */
#define NS_DRING_SLOW (-3)

/*
 * The consumers' run of whole records: take the next record if it is a
 * well-formed whole one within the producer index last read and not
 * wrapping, calling nothing out of line, so that a caller working on a
 * copy of the ring state in a local keeps it in registers.  Its length,
 * or NS_DRING_SLOW for everything else (a header already held, none
 * published as far as we know, not whole, wrapping, faulty), which
 * ns_dring_take_next_whole then handles: a header read here stays held
 * for it, so each is still read once.
 */
static inline int ns_dring_try_whole(struct ns_dring *r, uint8_t *out, uint16_t *csum_flags)
{
    uint32_t pos = r->cons & (r->size - 1), len, rec;
    uint64_t word;

    if (r->have_hdr || r->prod - r->cons < NS_DRING_HDR)
        return NS_DRING_SLOW;
    /* The one read of this header, as the word ns_dring_commit_flags
     * writes: every check below is on the copy.  id, reserved and every
     * flag but the checksum ones must equal those of a whole record: one
     * comparison instead of four. */
    memcpy(&word, r->data + pos, sizeof(word));
    len = ns_dring_word_len(word);
    rec = ns_dring_rec_size(len);
    if ((word & ~ns_dring_word(0xffff, 0, NS_DRING_REC_CSUM_FLAGS)) !=
            ns_dring_word(0, 0, XEN_NETIF_DATA_REC_WHOLE) ||
        len > r->max_len || r->prod - r->cons < rec || r->size - pos < rec) {
        memcpy(&r->hdr, &word, sizeof(word));
        r->have_hdr = true;
        return NS_DRING_SLOW;
    }
    memcpy(out, r->data + pos + NS_DRING_HDR, len);
    *csum_flags = ns_dring_word_flags(word) & NS_DRING_REC_CSUM_FLAGS;
    r->cons += rec;
    if (r->prod - r->cons > NS_DRING_AHEAD)
        ns_prefetch_read(r->data + ((r->cons + NS_DRING_AHEAD) & (r->size - 1)));
    return (int)len;
}

/*
 * The consumers' run of whole records: take them while ns_dring_try_whole
 * can, at most budget, each into frame and handed at once to
 * take(ctx, len, checksum flags).  It works on a copy of the ring's state,
 * written back at the end: its address never leaves this function, so
 * the compiler keeps it in registers across the calls of take, which may
 * write anywhere but must leave r alone (the copy is written over it).
 * Always inline, so that take, a constant at each call site, is inlined
 * too.  Returns the records taken.
 */
static inline __attribute__((always_inline)) unsigned
ns_dring_whole_run(struct ns_dring *r, uint8_t *frame, unsigned budget,
                   void (*take)(void *ctx, uint32_t len, uint16_t csum_flags), void *ctx)
{
    struct ns_dring d = *r;
    unsigned n = 0;

    while (n < budget) {
        uint16_t flags;
        int len = ns_dring_try_whole(&d, frame, &flags);

        if (len == NS_DRING_SLOW)
            break;
        n++;
        take(ctx, (uint32_t)len, flags);
    }
    *r = d;
    return n;
}

/* ns_dring_take_next_whole: the next record is not a whole one (or there is none). */
#define NS_DRING_NOT_WHOLE (-2)

/*
 * Take the next record if it is a whole one: its length (0..max_len,
 * which the caller judges as a packet), its checksum flags in
 * *csum_flags.  NS_DRING_NOT_WHOLE when nothing is published or the next
 * record is the head of a netif packet (its header stays held for that
 * packet's take); -1 with *why when the producer broke the ring.
 */
static inline int ns_dring_take_next_whole(struct ns_dring *r, uint8_t *out, uint16_t *csum_flags,
                                           const char **why)
{
    int held = ns_dring_peek(r, why);

    if (held < 0)
        return -1;
    if (held == 0 || !ns_dring_held_whole(r))
        return NS_DRING_NOT_WHOLE;
    return ns_dring_take_whole(r, out, csum_flags, why);
}

/*
 * Whether there is a record to act on now (no side effects): a held whole
 * record, or with no header held one published past our index.  A held
 * header that is not whole waits for its netif packet, whose own event
 * wakes us: counting it would keep a consumer spinning for a peer that
 * never sends that packet.
 */
static inline bool ns_dring_has_records(const struct ns_dring *r)
{
    if (r->have_hdr)
        return (r->hdr.flags & XEN_NETIF_DATA_REC_WHOLE) != 0;
    return __atomic_load_n(r->prod_idx, __ATOMIC_RELAXED) != r->cons;
}

/*
 * The consumer found nothing and will wait: ask for an event at the next
 * record.  True if one is there already (no need to sleep).
 */
bool ns_dring_arm_records(struct ns_dring *r);

#endif
