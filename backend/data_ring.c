/*
 * The staging data ring of a queue, backend side (docs/netif-staging.md
 * 8.1, 8.2): read the keys, map the interface page, copy the ring order
 * and page references out of it once, check them, and map the in ring
 * writable and the out ring read-only for the life of the connection.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "common/xs_util.h"

#define PAGE_BYTES 4096u
#define GREF_MAX 0xffffffffUL

/* One direction's -data-len: 0 when absent, -1 when present but invalid. */
static int read_len(struct back_queue *q, const char *dir, const char *key, uint32_t ring_bytes,
                    unsigned long *len, char *why, size_t whylen)
{
    int rc = xsu_read_ulong(q->vif->be->xs, XBT_NULL, dir, key, XEN_NETIF_STAGING_LEN_MIN,
                            XEN_NETIF_DATA_RING_LEN_MAX, len);

    if (rc == -ENOENT) {
        *len = 0;
        return 0;
    }
    if (rc < 0 || *len > ring_bytes / 2) {
        snprintf(why, whylen, "%s/%s: not a length in %u..%u for a ring of %u octets", dir, key,
                 XEN_NETIF_STAGING_LEN_MIN,
                 ring_bytes / 2 < XEN_NETIF_DATA_RING_LEN_MAX ? ring_bytes / 2
                                                              : XEN_NETIF_DATA_RING_LEN_MAX,
                 ring_bytes);
        return -1;
    }
    return 0;
}

/*
 * Whether the frontend asks for whole records in one direction (8.7): the
 * key absent is no, "1" yes; anything else, or a yes for a direction
 * without a data ring, is refused.
 */
static int read_whole(struct back_queue *q, const char *dir, const char *key, bool used,
                      bool *whole, char *why, size_t whylen)
{
    unsigned long v;
    int rc = xsu_read_ulong(q->vif->be->xs, XBT_NULL, dir, key, 1, 1, &v);

    *whole = rc == 0;
    if (rc == -ENOENT || (rc == 0 && used))
        return 0;
    snprintf(why, whylen, rc == 0 ? "%s/%s: whole records for a direction without the ring"
                                  : "%s/%s: not \"1\"", dir, key);
    return -1;
}

/* Every page reference usable and named once, the interface page's included. */
static int check_refs(const uint32_t *refs, unsigned n, uint32_t intf_ref, char *why,
                      size_t whylen)
{
    unsigned i, j;

    for (i = 0; i < n; i++) {
        if (refs[i] < XEN_NETIF_STAGING_NR_RESERVED_GREFS) {
            snprintf(why, whylen, "data ring ref[%u] = %u is a reserved grant reference", i,
                     refs[i]);
            return -1;
        }
        if (refs[i] == intf_ref) {
            snprintf(why, whylen, "data ring ref[%u] is the interface page", i);
            return -1;
        }
        /* At most 512 pages: the quadratic check costs nothing at connect. */
        for (j = 0; j < i; j++)
            if (refs[j] == refs[i]) {
                snprintf(why, whylen, "data ring ref[%u] and ref[%u] are both %u", j, i,
                         refs[i]);
                return -1;
            }
    }
    return 0;
}

static int map_ring(struct back_queue *q, const char *dir, unsigned long ref, char *why,
                    size_t whylen)
{
    struct back_data_ring *d = &q->dring;
    uint32_t refs[1U << XEN_NETIF_DATA_RING_ORDER_MAX];
    unsigned max = q->vif->be->opts.data_ring_max_order, order, half;
    unsigned long tx_len, rx_len;
    bool tx_whole, rx_whole;
    uint32_t bytes;

    d->ref = (uint32_t)ref;
    d->intf = xengnttab_map_grant_ref(q->xgt, q->domid, (uint32_t)ref, PROT_READ | PROT_WRITE);
    if (!d->intf) {
        snprintf(why, whylen, "%s/%s = %lu: cannot map the interface page", dir,
                 XEN_NETIF_STAGING_KEY_DATA_RING_REF, ref);
        return -1;
    }
    NS_STAT_INC(q->stats->grant_map_ops);
    /* The one read of the order and the references: checked and used as copied. */
    order = __atomic_load_n(&d->intf->ring_order, __ATOMIC_RELAXED);
    if (order < XEN_NETIF_DATA_RING_ORDER_MIN || order > max) {
        snprintf(why, whylen, "data ring order %u is not in %u..%u", order,
                 XEN_NETIF_DATA_RING_ORDER_MIN, max);
        return -1;
    }
    memcpy(refs, d->intf->ref, sizeof(refs[0]) << order);
    bytes = (uint32_t)XEN_NETIF_DATA_RING_BYTES(order);
    if (check_refs(refs, 1U << order, d->ref, why, whylen) < 0 ||
        read_len(q, dir, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, bytes, &tx_len, why, whylen) < 0 ||
        read_len(q, dir, XEN_NETIF_STAGING_KEY_RX_DATA_LEN, bytes, &rx_len, why, whylen) < 0)
        return -1;
    if (!tx_len && !rx_len) {
        snprintf(why, whylen, "%s: a data ring with neither %s nor %s", dir,
                 XEN_NETIF_STAGING_KEY_TX_DATA_LEN, XEN_NETIF_STAGING_KEY_RX_DATA_LEN);
        return -1;
    }
    if (read_whole(q, dir, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, tx_len != 0, &tx_whole, why,
                   whylen) < 0 ||
        read_whole(q, dir, XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE, rx_len != 0, &rx_whole, why,
                   whylen) < 0)
        return -1;
    d->order = order; /* from here on, what back_dring_release unmaps */
    half = 1U << (order - 1);
    d->in_pages = xengnttab_map_domain_grant_refs(q->xgt, half, q->domid, refs,
                                                  PROT_READ | PROT_WRITE);
    d->out_pages = xengnttab_map_domain_grant_refs(q->xgt, half, q->domid, refs + half,
                                                   PROT_READ);
    if (!d->in_pages || !d->out_pages) {
        snprintf(why, whylen, "cannot map the %u pages of the data ring", 2 * half);
        return -1;
    }
    NS_STAT_ADD(q->stats->grant_map_ops, 2);
    /* Our indices (and event indices) start at 0, whatever the page says. */
    __atomic_store_n(&d->intf->in_prod, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&d->intf->out_cons, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&d->intf->in_cons_event, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&d->intf->out_prod_event, 0, __ATOMIC_RELAXED);
    if (tx_len)
        ns_dring_init(&q->tx_dring, d->out_pages, bytes, (uint16_t)tx_len, &d->intf->out_prod,
                      &d->intf->out_cons);
    if (tx_whole)
        ns_dring_use_whole(&q->tx_dring, &d->intf->out_prod_event, &d->intf->out_cons_event);
    if (rx_len)
        ns_dring_init(&q->rx_dring, d->in_pages, bytes, (uint16_t)rx_len, &d->intf->in_prod,
                      &d->intf->in_cons);
    if (rx_whole)
        ns_dring_use_whole(&q->rx_dring, &d->intf->in_cons_event, &d->intf->in_prod_event);
    return 0;
}

int back_dring_setup(struct back_queue *q, const char *dir, char *why, size_t whylen)
{
    struct back_vif *vif = q->vif;
    unsigned long ref, probe;
    int rc = xsu_read_ulong(vif->be->xs, XBT_NULL, dir, XEN_NETIF_STAGING_KEY_DATA_RING_REF, 0,
                            GREF_MAX, &ref);

    if (rc == -ENOENT)
        return 0;
    if (rc < 0 || ref < XEN_NETIF_STAGING_NR_RESERVED_GREFS) {
        snprintf(why, whylen, "%s/%s: not a usable grant reference", dir,
                 XEN_NETIF_STAGING_KEY_DATA_RING_REF);
        return -1;
    }
    if (!vif->opts.staging || !vif->be->opts.data_ring_max_order) {
        snprintf(why, whylen, "%s/%s: a data ring was not offered", dir,
                 XEN_NETIF_STAGING_KEY_DATA_RING_REF);
        return -1;
    }
    if (xsu_read_ulong(vif->be->xs, XBT_NULL, dir, XEN_NETIF_STAGING_KEY_TX_DATA_REF, 0, GREF_MAX,
                       &probe) != -ENOENT ||
        xsu_read_ulong(vif->be->xs, XBT_NULL, dir, XEN_NETIF_STAGING_KEY_RX_DATA_REF, 0, GREF_MAX,
                       &probe) != -ENOENT) {
        snprintf(why, whylen, "%s: %s together with a data list", dir,
                 XEN_NETIF_STAGING_KEY_DATA_RING_REF);
        return -1;
    }
    return map_ring(q, dir, ref, why, whylen);
}

void back_dring_release(struct back_queue *q)
{
    struct back_data_ring *d = &q->dring;
    unsigned half = d->order ? 1U << (d->order - 1) : 0;

    if (d->in_pages)
        xengnttab_unmap(q->xgt, d->in_pages, half);
    if (d->out_pages)
        xengnttab_unmap(q->xgt, d->out_pages, half);
    if (d->intf)
        xengnttab_unmap(q->xgt, d->intf, 1);
    memset(d, 0, sizeof(*d));
    memset(&q->tx_dring, 0, sizeof(q->tx_dring));
    memset(&q->rx_dring, 0, sizeof(q->rx_dring));
}
