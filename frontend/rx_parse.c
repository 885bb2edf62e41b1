/* Frontend RX response parsing (see rx_parse.h). */
#include <string.h>

#include "frontend/rx_parse.h"

#define RING_MASK (NETIF_RX_RING_SIZE - 1)

static enum rx_verdict fail(struct rx_packet *pkt, enum rx_verdict v, const char *why)
{
    pkt->why = why;
    return v;
}

/* The GSO extra after the first response; the one read of that slot. */
static enum rx_verdict take_extra(const union netif_rx_sring_entry *ring, uint32_t pos,
                                  struct rx_packet *pkt)
{
    struct netif_extra_info x;

    memcpy(&x, &ring[pos & RING_MASK], sizeof(x));
    if (x.flags & XEN_NETIF_EXTRA_FLAG_MORE)
        return fail(pkt, RX_FATAL, "chained extra info on receive");
    if (x.type == XEN_NETIF_EXTRA_TYPE_GSO && offload_meta_from_gso_extra(&x, &pkt->meta) < 0)
        return fail(pkt, RX_FATAL, "invalid GSO extra");
    return RX_OK;
}

enum rx_verdict rx_parse(const union netif_rx_sring_entry *ring, const uint16_t *posted,
                         uint32_t cons, uint32_t prod, struct rx_packet *pkt)
{
    struct netif_rx_response first;

    /* With nothing published the copy is of no use (the ring is mapped
     * whole, so it is harmless); rx_parse_copied reports it incomplete. */
    memcpy(&first, &ring[cons & RING_MASK].rsp, sizeof(first));
    return rx_parse_copied(&first, ring, posted, cons, prod, pkt);
}

enum rx_verdict rx_parse_copied(const struct netif_rx_response *first,
                                const union netif_rx_sring_entry *ring, const uint16_t *posted,
                                uint32_t cons, uint32_t prod, struct rx_packet *pkt)
{
    bool more = true, error = false;
    unsigned k;

    memset(pkt, 0, sizeof(*pkt));
    while (more) {
        struct netif_rx_response rsp;
        uint32_t pos = cons + pkt->nr_slots;

        if (pos == prod)
            return RX_INCOMPLETE;
        if (pkt->nr_frags == RX_PARSE_MAX_FRAGS)
            return fail(pkt, RX_FATAL, "packet longer than 18 fragments");
        if (pos == cons)
            rsp = *first;
        else
            memcpy(&rsp, &ring[pos & RING_MASK].rsp, sizeof(rsp));
        if (rsp.id != posted[pos & RING_MASK])
            return fail(pkt, RX_FATAL, "response id differs from the request at its position");
        pkt->nr_slots++;
        more = (rsp.flags & NETRXF_more_data) != 0;
        if (rsp.status < 0)
            error = true;
        pkt->frag[pkt->nr_frags++] = (struct rx_frag){
            .id = rsp.id, .offset = rsp.offset, .len = rsp.status < 0 ? 0 : (uint16_t)rsp.status
        };
        if (pkt->nr_frags == 1) {
            offload_meta_from_rx_flags(rsp.flags, &pkt->meta);
            pkt->ring = (rsp.flags & NETRXF_data_ring) != 0;
            if (rsp.flags & NETRXF_extra_info) {
                if (cons + pkt->nr_slots == prod)
                    return RX_INCOMPLETE;
                if (take_extra(ring, cons + pkt->nr_slots, pkt) == RX_FATAL)
                    return RX_FATAL;
                pkt->nr_slots++;
            }
        }
    }

    /* All positions are known now; what follows decides drop or deliver. */
    if (error)
        return fail(pkt, RX_DROP, "backend reported an error for the packet");
    for (k = 0; k < pkt->nr_frags; k++) {
        if ((uint32_t)pkt->frag[k].offset + pkt->frag[k].len > 4096u)
            return fail(pkt, RX_DROP, "fragment crosses its page");
        pkt->total += pkt->frag[k].len;
    }
    if (pkt->total < 14)
        return fail(pkt, RX_DROP, "packet shorter than an Ethernet header");
    return RX_OK;
}
