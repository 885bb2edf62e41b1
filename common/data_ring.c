/* Staging data ring records (see data_ring.h). */
#include <string.h>

#include "common/data_ring.h"
#include "common/prefetch.h"

#define HDR_BYTES ((uint32_t)sizeof(struct xen_netif_data_ring_rec))
/*
 * How far ahead of its index each end asks for ring lines, per record
 * (common/prefetch.h): about seven 64-octet records, so the line the
 * other core wrote last is on its way while the records before it are
 * handled.  Only within what the other end has finished with.
 */
#define AHEAD 512u

void ns_dring_init(struct ns_dring *r, uint8_t *data, uint32_t size, uint16_t max_len,
                   uint32_t *prod_idx, uint32_t *cons_idx)
{
    *r = (struct ns_dring){ .data = data, .size = size, .max_len = max_len,
                            .prod_idx = prod_idx, .cons_idx = cons_idx };
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

int ns_dring_fits(struct ns_dring *r, uint32_t rec)
{
    uint32_t cons;

    if (r->size - (r->prod - r->cons) >= rec)
        return 1;
    /* Acquire: the consumer's reads of the records it gave back are done
     * before we write over them. */
    cons = __atomic_load_n(r->cons_idx, __ATOMIC_ACQUIRE);
    if ((cons & (XEN_NETIF_DATA_RING_ALIGN - 1)) || r->prod - cons > r->size)
        return -1;
    r->cons = cons;
    return r->size - (r->prod - cons) >= rec;
}

uint8_t *ns_dring_next_head(const struct ns_dring *r, uint32_t *contiguous)
{
    uint32_t start = (r->prod + HDR_BYTES) & (r->size - 1);
    uint32_t space = r->size - (r->prod - r->cons) - HDR_BYTES;

    *contiguous = r->size - start < space ? r->size - start : space;
    return r->data + start;
}

/*
 * The header and the zero padding of a record whose head octets are in
 * place.  Records start 8-aligned in a ring of a multiple of 8, so neither
 * the header nor the 8-octet word holding the padding wraps.
 */
static void seal(struct ns_dring *r, uint16_t id, uint16_t len)
{
    struct xen_netif_data_ring_rec h = { .len = len, .id = id, .reserved = 0 };
    uint32_t tail = len & (XEN_NETIF_DATA_RING_ALIGN - 1);

    memcpy(r->data + (r->prod & (r->size - 1)), &h, sizeof(h));
    if (tail)
        memset(r->data + ((r->prod + HDR_BYTES + len) & (r->size - 1)), 0,
               XEN_NETIF_DATA_RING_ALIGN - tail);
    r->prod += ns_dring_rec_size(len);
    if (r->size - (r->prod - r->cons) > AHEAD)
        ns_prefetch_write(r->data + ((r->prod + AHEAD) & (r->size - 1)));
}

void ns_dring_put(struct ns_dring *r, uint16_t id, const uint8_t *src, uint16_t len)
{
    write_wrapped(r, r->prod + HDR_BYTES, src, len);
    seal(r, id, len);
}

void ns_dring_commit(struct ns_dring *r, uint16_t id, uint16_t len)
{
    seal(r, id, len);
}

void ns_dring_publish(struct ns_dring *r)
{
    /* Release: the records' octets are visible before the index that covers them. */
    __atomic_store_n(r->prod_idx, r->prod, __ATOMIC_RELEASE);
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

int ns_dring_take(struct ns_dring *r, uint16_t id, uint32_t want, uint8_t *out, const char **why)
{
    struct xen_netif_data_ring_rec h;
    uint32_t rec;

    if (need(r, HDR_BYTES, why, "no data ring record for a flagged packet") < 0)
        return -1;
    /* The one read of the header: every check below is on the copy. */
    memcpy(&h, r->data + (r->cons & (r->size - 1)), sizeof(h));
    if (h.reserved != 0)
        return broken(why, "data ring record with nonzero reserved octets");
    if (h.id != id)
        return broken(why, "data ring record for another id");
    if (want == NS_DRING_ANY_LEN ? h.len > r->max_len : h.len != want)
        return broken(why, "data ring record of the wrong length");
    rec = ns_dring_rec_size(h.len);
    if (need(r, rec, why, "data ring record runs past the producer index") < 0)
        return -1;
    if (out)
        read_wrapped(r, r->cons + HDR_BYTES, out, h.len);
    r->cons += rec;
    if (r->prod - r->cons > AHEAD)
        ns_prefetch_read(r->data + ((r->cons + AHEAD) & (r->size - 1)));
    return h.len;
}

void ns_dring_release(struct ns_dring *r)
{
    /* Release: our copies out of the records are complete before the
     * producer sees their space free (the load-to-store order PVCalls
     * gets from a full barrier). */
    __atomic_store_n(r->cons_idx, r->cons, __ATOMIC_RELEASE);
}
