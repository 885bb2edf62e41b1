/*
 * Guest receive, frontend side: turn one packet's responses on the RX ring
 * into a private, checked description.  The backend is a peer like any
 * other: each response is copied once, ids are compared with what we
 * posted at that position, lengths and offsets are range-checked.  Pure
 * (ring in, description out), so it is fuzzed on its own.
 */
#ifndef NETSTAGE_FRONTEND_RX_PARSE_H
#define NETSTAGE_FRONTEND_RX_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/offload.h"
#include "xen/include/public/io/netif.h"

#define RX_PARSE_MAX_FRAGS XEN_NETIF_NR_SLOTS_MIN
#define RX_PARSE_MAX_BYTES (XEN_NETIF_NR_SLOTS_MIN * 4096u)

struct rx_frag {
    uint16_t id, offset;
    uint16_t len;
};

enum rx_verdict {
    RX_INCOMPLETE,   /* not all of the packet's responses are published */
    RX_OK,
    RX_DROP,         /* consume nr_slots, deliver nothing */
    RX_FATAL,        /* the backend broke the protocol: disconnect */
};

struct rx_packet {
    unsigned nr_slots;                  /* ring positions the packet spans */
    unsigned nr_frags;
    struct rx_frag frag[RX_PARSE_MAX_FRAGS];
    uint32_t total;
    struct ns_pkt_meta meta;
    bool ring;                          /* the first response has NETRXF_data_ring: the
                                         * packet owns the next data ring record */
    const char *why;                    /* reason for DROP or FATAL */
};

/*
 * Parse the packet at ring index cons; prod was checked not to pass our
 * requests.  posted[i] is the id we posted at position i.
 */
enum rx_verdict rx_parse(const union netif_rx_sring_entry *ring, const uint16_t *posted,
                         uint32_t cons, uint32_t prod, struct rx_packet *pkt);

/*
 * rx_parse when the caller has already taken its one copy of the response
 * at cons (first): the rest of the packet is read from the ring.
 */
enum rx_verdict rx_parse_copied(const struct netif_rx_response *first,
                                const union netif_rx_sring_entry *ring, const uint16_t *posted,
                                uint32_t cons, uint32_t prod, struct rx_packet *pkt);

/*
 * The common small packet, judged on a copied response: one response (no
 * more data, no extra) for the id posted at its position, whose whole
 * length fits in an RX slot or data ring record of head_max bytes (on a
 * data ring queue, ring, the response then has NETRXF_data_ring), and
 * which rx_parse accepts as it is: RX_OK, one slot, total = status, the
 * response's checksum flags its only metadata.  false says nothing about
 * validity: rx_parse judges the rest.
 */
static inline bool rx_is_small_staged(const struct netif_rx_response *rsp, uint16_t posted_id,
                                      uint16_t head_max, bool ring)
{
    /* Each condition is one rx_parse would otherwise apply: the posted id,
     * a single response, the Ethernet minimum, the page; and the slot or
     * record.  Inline: the frontend asks it of every small packet. */
    return rsp->id == posted_id && !(rsp->flags & (NETRXF_more_data | NETRXF_extra_info)) &&
           ((rsp->flags & NETRXF_data_ring) != 0) == ring &&
           rsp->status >= 14 && rsp->status <= head_max &&
           (uint32_t)rsp->offset + (uint32_t)rsp->status <= 4096u;
}

#endif
