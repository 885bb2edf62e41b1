/* Guest transmit request parsing and validation (see tx_parse.h). */
#include <string.h>

#include "backend/tx_parse.h"

/* Flag bits a TX request may carry (bits 0-4; bit 5 on data ring queues only). */
#define TX_KNOWN_FLAGS (NETTXF_csum_blank | NETTXF_data_validated | NETTXF_more_data | \
                        NETTXF_extra_info | NETTXF_staging_buffer)

static void copy_slot(const union netif_tx_sring_entry *ring, uint32_t idx, void *out)
{
    /* The one read of this shared slot. */
    memcpy(out, &ring[idx & (NETIF_TX_RING_SIZE - 1)], sizeof(union netif_tx_sring_entry));
}

static void fail(struct tx_packet *pkt, enum tx_verdict v, const char *why)
{
    /* The first reason found is reported; a fatal one outranks a drop. */
    if (pkt->verdict == TX_OK || (v == TX_FATAL && pkt->verdict != TX_FATAL)) {
        pkt->verdict = v;
        pkt->why = why;
    }
}

/* Read the extra-info chain after the first request.  false: fatal. */
static bool take_extras(const union netif_tx_sring_entry *ring, uint32_t cons, uint32_t avail,
                        struct tx_packet *pkt)
{
    unsigned nr = 0;
    bool more = true;

    while (more) {
        union netif_tx_sring_entry e;
        struct netif_extra_info x;

        if (pkt->nr_slots >= avail) {
            fail(pkt, TX_FATAL, "packet runs past req_prod (extra info)");
            return false;
        }
        if (nr == TX_MAX_EXTRAS) {
            fail(pkt, TX_FATAL, "more extra-info slots than extra types");
            return false;
        }
        copy_slot(ring, cons + pkt->nr_slots, &e);
        memcpy(&x, &e, sizeof(x));
        pkt->slot_id[pkt->nr_slots] = 0;
        pkt->slot_is_extra[pkt->nr_slots] = true;
        pkt->nr_slots++;
        nr++;
        if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
            fail(pkt, TX_FATAL, "extra info of an invalid type");
            return false;
        }
        if (x.type == XEN_NETIF_EXTRA_TYPE_GSO &&
            offload_meta_from_gso_extra(&x, &pkt->meta) < 0) {
            fail(pkt, TX_FATAL, "GSO extra with size 0 or an unknown type");
            return false;
        }
        if (x.type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD || x.type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL)
            pkt->mcast_only = true; /* confirmed below only if the size is 0 */
        more = (x.flags & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
    }
    return true;
}

/* A fragment carried by a staging slot (NETTXF_staging_buffer): tier-a checks. */
static void check_staging_buffer(const struct tx_frag *f, const struct tx_parse_cfg *cfg,
                                 struct tx_packet *pkt)
{
    unsigned len;

    if (f->gref >= XEN_NETIF_DATA_ID_COUNT) {
        fail(pkt, TX_DROP, "staging buffer data id out of range");
        return;
    }
    len = XEN_NETIF_DATA_ID_IS_TX(f->gref) ? cfg->tx_slot_len : cfg->rx_slot_len;
    if (len == 0)
        fail(pkt, TX_DROP, "staging buffer in a direction that is not staged");
    else if ((unsigned)f->offset + f->len > len)
        fail(pkt, TX_DROP, "staging buffer fragment beyond the slot length");
}

void tx_parse(const union netif_tx_sring_entry *ring, uint32_t cons, uint32_t prod,
              const struct tx_parse_cfg *cfg, struct tx_packet *pkt)
{
    struct netif_tx_request first;

    /* With nothing published the copy is of no use (the ring is mapped
     * whole, so it is harmless); tx_parse_copied rejects the packet. */
    copy_slot(ring, cons, &first);
    tx_parse_copied(&first, ring, cons, prod, cfg, pkt);
}

void tx_parse_copied(const struct netif_tx_request *first, const union netif_tx_sring_entry *ring,
                     uint32_t cons, uint32_t prod, const struct tx_parse_cfg *cfg,
                     struct tx_packet *pkt)
{
    uint32_t avail = prod - cons;
    struct netif_tx_request req = *first;
    uint32_t follow_sum = 0, start;
    bool more;
    unsigned k;

    /* Only the scalars: the arrays (1.3 KiB) are written as they fill, and
     * zeroing them was half of a staged packet's cost. */
    pkt->verdict = TX_OK;
    pkt->why = NULL;
    pkt->nr_slots = pkt->nr_frags = 0;
    pkt->total = pkt->head = 0;
    pkt->mcast_only = false;
    /* Decided first: a flagged packet's record is consumed even when it is dropped. */
    pkt->ring = cfg->tx_ring_len && (req.flags & NETTXF_data_ring);
    memset(&pkt->meta, 0, sizeof(pkt->meta));
    if (avail == 0) {
        fail(pkt, TX_FATAL, "no request to parse");
        return;
    }
    pkt->slot_id[0] = req.id;
    pkt->slot_is_extra[0] = false;
    pkt->nr_slots = 1;
    pkt->frag[0] = (struct tx_frag){ .gref = req.gref, .offset = req.offset, .flags = req.flags };
    pkt->nr_frags = 1;
    pkt->total = req.size;
    if (cfg->tx_slot_len && req.id >= XEN_NETIF_DATA_TX_SLOTS) {
        fail(pkt, TX_FATAL, "tx request id >= 256 on a staged queue");
        return;
    }
    offload_meta_from_tx_flags(req.flags, &pkt->meta);

    if ((req.flags & NETTXF_extra_info) && !take_extras(ring, cons, avail, pkt))
        return;

    more = (req.flags & NETTXF_more_data) != 0;
    while (more) {
        /* F-1 follow-ons read and another announced: F or more in all. */
        if (pkt->nr_frags >= cfg->fatal_slots || pkt->nr_frags >= TX_MAX_FRAGS) {
            fail(pkt, TX_FATAL, "too many follow-on requests in one packet");
            return;
        }
        if (pkt->nr_slots >= avail) {
            fail(pkt, TX_FATAL, "packet runs past req_prod");
            return;
        }
        copy_slot(ring, cons + pkt->nr_slots, &req);
        if (cfg->tx_slot_len && req.id >= XEN_NETIF_DATA_TX_SLOTS) {
            fail(pkt, TX_FATAL, "tx request id >= 256 on a staged queue");
            return;
        }
        /* Fatal whatever the sizes add up to: checked before the sum can drop it. */
        if (!(req.flags & NETTXF_staging_buffer) && (unsigned)req.offset + req.size > TX_PAGE_BYTES) {
            fail(pkt, TX_FATAL, "fragment crosses its page (offset + size > 4096)");
            return;
        }
        pkt->slot_id[pkt->nr_slots] = req.id;
        pkt->slot_is_extra[pkt->nr_slots] = false;
        pkt->nr_slots++;
        pkt->frag[pkt->nr_frags++] = (struct tx_frag){
            .gref = req.gref, .offset = req.offset, .flags = req.flags, .len = req.size
        };
        follow_sum += req.size;
        more = (req.flags & NETTXF_more_data) != 0;
    }

    /* Every slot is consumed now; what follows only decides the verdict. */
    if (follow_sum > pkt->total) {
        fail(pkt, TX_DROP, "follow-on sizes exceed the packet size");
        return;
    }
    pkt->frag[0].len = (uint16_t)(pkt->total - follow_sum);
    start = 0;
    for (k = 0; k < pkt->nr_frags; k++) {
        struct tx_frag *f = &pkt->frag[k];

        f->start = start;
        start += f->len;
        if (f->flags & NETTXF_staging_buffer)
            check_staging_buffer(f, cfg, pkt);
        else if ((unsigned)f->offset + f->len > TX_PAGE_BYTES)
            fail(pkt, TX_FATAL, "fragment crosses its page (offset + size > 4096)");
    }
    if (pkt->verdict == TX_FATAL)
        return;

    for (k = 0; k < pkt->nr_frags; k++) {
        uint16_t known = TX_KNOWN_FLAGS | (k == 0 && cfg->tx_ring_len ? NETTXF_data_ring : 0);

        if (pkt->frag[k].flags & ~known)
            fail(pkt, TX_DROP, "unknown or unnegotiated TX flag");
    }
    if (pkt->total == 0 && pkt->mcast_only && pkt->nr_frags == 1)
        return; /* multicast control only: nothing to transmit */
    pkt->mcast_only = false;
    if (pkt->total < 14)
        fail(pkt, TX_DROP, "packet shorter than an Ethernet header");
    if (pkt->nr_frags > XEN_NETIF_NR_SLOTS_MIN)
        fail(pkt, TX_DROP, "more than 18 data requests in one packet");
    if (pkt->frag[0].flags & NETTXF_staging_buffer)
        pkt->head = 0;
    else if (pkt->ring)
        pkt->head = pkt->total < cfg->tx_ring_len ? pkt->total : cfg->tx_ring_len;
    else if (cfg->tx_slot_len)
        pkt->head = pkt->total < cfg->tx_slot_len ? pkt->total : cfg->tx_slot_len;
}
