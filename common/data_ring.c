/* Staging data ring records (see data_ring.h). */
#include <string.h>

#include "common/data_ring.h"
#include "common/prefetch.h"


void ns_dring_init(struct ns_dring *r, uint8_t *data, uint32_t size, uint16_t max_len,
                   uint32_t *prod_idx, uint32_t *cons_idx)
{
    *r = (struct ns_dring){ .data = data, .size = size, .max_len = max_len,
                            .prod_idx = prod_idx, .cons_idx = cons_idx };
}

void ns_dring_use_whole(struct ns_dring *r, uint32_t *our_event, uint32_t *peer_event)
{
    r->whole = true;
    r->our_event = our_event;
    r->peer_event = peer_event;
}

bool ns_dring_arm_room(struct ns_dring *r)
{
    /* Any release passes cons + 1: records are at least 8 octets. */
    __atomic_store_n(r->our_event, r->cons + 1, __ATOMIC_RELAXED);
    /* Full barrier: the event store before the load of the consumer's
     * index; pairs with the one in ns_dring_release. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ns_dring_room_moved(r);
}

bool ns_dring_arm_records(struct ns_dring *r)
{
    __atomic_store_n(r->our_event, r->cons + 1, __ATOMIC_RELAXED);
    /* Full barrier: the event store before the load of the producer's
     * index; pairs with the one in ns_dring_publish. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return ns_dring_has_records(r);
}

/* Copy n octets into the ring from ring offset off on, wrapping at the end. */
static void write_wrapped(struct ns_dring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
    uint32_t pos = off & (r->size - 1);

    if (n <= r->size - pos) {
        memcpy(r->data + pos, src, n);
        return;
    }
    memcpy(r->data + pos, src, r->size - pos);
    memcpy(r->data, src + (r->size - pos), n - (r->size - pos));
}

static void read_wrapped(const struct ns_dring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
    uint32_t pos = off & (r->size - 1);

    if (n <= r->size - pos) {
        memcpy(dst, r->data + pos, n);
        return;
    }
    memcpy(dst, r->data + pos, r->size - pos);
    memcpy(dst + (r->size - pos), r->data, n - (r->size - pos));
}

int ns_dring_fits_reread(struct ns_dring *r, uint32_t rec)
{
    /* Acquire: the consumer's reads of the records it gave back are done
     * before we write over them. */
    uint32_t cons = __atomic_load_n(r->cons_idx, __ATOMIC_ACQUIRE);

    if ((cons & (XEN_NETIF_DATA_RING_ALIGN - 1)) || r->prod - cons > r->size)
        return -1;
    r->cons = cons;
    return r->size - (r->prod - cons) >= rec;
}

void ns_dring_put(struct ns_dring *r, uint16_t id, const uint8_t *src, uint16_t len)
{
    write_wrapped(r, r->prod + NS_DRING_HDR, src, len);
    ns_dring_commit(r, id, len);
}

void ns_dring_put_whole(struct ns_dring *r, uint16_t csum_flags, const uint8_t *src, uint16_t len)
{
    write_wrapped(r, r->prod + NS_DRING_HDR, src, len);
    ns_dring_commit_whole(r, csum_flags, len);
}

static int broken(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

/* Read the producer index again; -1 if it is impossible. */
static int refill(struct ns_dring *r, const char **why)
{
    /* Acquire: the records are read only after the index that covers them. */
    uint32_t prod = __atomic_load_n(r->prod_idx, __ATOMIC_ACQUIRE);

    if (prod & (XEN_NETIF_DATA_RING_ALIGN - 1))
        return broken(why, "data ring producer index is not a multiple of 8");
    if (prod - r->cons > r->size)
        return broken(why, "data ring producer index is more than a ring ahead");
    r->prod = prod;
    return 0;
}

/* At least n octets published past our consumer index, reading the producer's again if needed. */
static int need(struct ns_dring *r, uint32_t n, const char **why, const char *missing)
{
    if (r->prod - r->cons >= n)
        return 0;
    if (refill(r, why) < 0)
        return -1;
    return r->prod - r->cons >= n ? 0 : broken(why, missing);
}

const char *ns_dring_header_fault(const struct xen_netif_data_ring_rec *h, uint16_t id,
                                  uint32_t want, uint16_t max_len)
{
    if (h->flags & XEN_NETIF_DATA_REC_WHOLE)
        return "data ring whole record where a flagged packet's record was due";
    if (h->flags != 0 || h->reserved != 0)
        return "data ring record with nonzero reserved octets";
    if (h->id != id)
        return "data ring record for another id";
    if (want == NS_DRING_ANY_LEN ? h->len > max_len : h->len != want)
        return "data ring record of the wrong length";
    return NULL;
}

int ns_dring_take_slow(struct ns_dring *r, uint16_t id, uint32_t want, uint8_t *out,
                       const char **why)
{
    struct xen_netif_data_ring_rec h;
    const char *fault;
    uint32_t rec;

    if (r->have_hdr) {
        h = r->hdr; /* copied by ns_dring_peek */
    } else {
        if (need(r, NS_DRING_HDR, why, "no data ring record for a flagged packet") < 0)
            return -1;
        /* The one read of the header: every check below is on the copy. */
        memcpy(&h, r->data + (r->cons & (r->size - 1)), sizeof(h));
    }
    fault = ns_dring_header_fault(&h, id, want, r->max_len);
    if (fault)
        return broken(why, fault);
    rec = ns_dring_rec_size(h.len);
    if (need(r, rec, why, "data ring record runs past the producer index") < 0)
        return -1;
    if (out)
        read_wrapped(r, r->cons + NS_DRING_HDR, out, h.len);
    r->have_hdr = false;
    r->cons += rec;
    if (r->prod - r->cons > NS_DRING_AHEAD)
        ns_prefetch_read(r->data + ((r->cons + NS_DRING_AHEAD) & (r->size - 1)));
    return h.len;
}

int ns_dring_peek_slow(struct ns_dring *r, const char **why)
{
    if (refill(r, why) < 0)
        return -1;
    if (r->prod == r->cons)
        return 0;
    /* Indices are multiples of 8, so a whole header is there: its one read. */
    memcpy(&r->hdr, r->data + (r->cons & (r->size - 1)), sizeof(r->hdr));
    r->have_hdr = true;
    return 1;
}

int ns_dring_take_whole_slow(struct ns_dring *r, uint8_t *out, uint16_t *csum_flags,
                             const char **why)
{
    const struct xen_netif_data_ring_rec *h = &r->hdr;
    uint32_t rec = ns_dring_rec_size(h->len);

    if (h->id != 0)
        return broken(why, "data ring whole record with a nonzero id");
    if (h->reserved != 0 || (h->flags & ~(XEN_NETIF_DATA_REC_WHOLE | NS_DRING_REC_CSUM_FLAGS)))
        return broken(why, "data ring whole record with unknown flags or reserved octets");
    if (h->len > r->max_len)
        return broken(why, "data ring whole record longer than the direction's -data-len");
    if (need(r, rec, why, "data ring record runs past the producer index") < 0)
        return -1;
    read_wrapped(r, r->cons + NS_DRING_HDR, out, h->len);
    *csum_flags = h->flags & NS_DRING_REC_CSUM_FLAGS;
    r->have_hdr = false;
    r->cons += rec;
    if (r->prod - r->cons > NS_DRING_AHEAD)
        ns_prefetch_read(r->data + ((r->cons + NS_DRING_AHEAD) & (r->size - 1)));
    return h->len;
}
