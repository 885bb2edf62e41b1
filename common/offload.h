/*
 * Offload metadata between the netif ring and a TAP's virtio_net_hdr.
 *
 * Both drivers carry a packet's checksum and segmentation state in one
 * neutral form (struct ns_pkt_meta) and convert it at each edge: netif
 * request/response flags and the GSO extra on the ring side, the 10-byte
 * virtio_net_hdr in front of every frame on the TAP side.
 *
 * The netif side says only "checksum blank" and "GSO of this type and
 * size"; a TAP needs to be told where the checksum starts and where the
 * headers end, so the conversion towards the TAP parses the frame's
 * headers.  That parse is the one place here that reads peer-controlled
 * bytes: it never reads past the length it is given and fails (-1, the
 * caller drops the packet) on anything it cannot place.
 *
 * virtio_net_hdr fields are in the host's byte order: a TAP uses the legacy
 * virtio convention, which is native endian, and we never change it with
 * TUNSETVNETLE/BE.
 */
#ifndef NETSTAGE_COMMON_OFFLOAD_H
#define NETSTAGE_COMMON_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "xen/include/public/io/netif.h"

struct ns_pkt_meta {
    bool csum_blank;       /* L4 checksum not computed (partial: pseudo-header sum only) */
    bool data_validated;   /* checksum known good */
    uint16_t gso_size;     /* 0 = not GSO; else MSS */
    uint8_t gso_type;      /* XEN_NETIF_GSO_TYPE_TCPV4 / _TCPV6 when gso_size != 0 */
};

/*
 * Metadata of a frame read from a TAP.  NEEDS_CSUM gives csum_blank and
 * data_validated, DATA_VALID gives data_validated; GSO TCPV4/TCPV6 with a
 * non-zero size gives gso_size/gso_type.  -1 (the caller drops and counts)
 * for what netif cannot carry: UDP GSO of either kind, the ECN variant,
 * GSO without a partial checksum or with size 0, unknown GSO types.
 */
int offload_meta_from_vnet_slow(const struct virtio_net_hdr *h, struct ns_pkt_meta *m);

/* Inline for most frames, which carry no offload at all. */
static inline int offload_meta_from_vnet(const struct virtio_net_hdr *h, struct ns_pkt_meta *m)
{
    if (h->flags == 0 && h->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
        *m = (struct ns_pkt_meta){ 0 };
        return 0;
    }
    return offload_meta_from_vnet_slow(h, m);
}

/*
 * The virtio_net_hdr to write in front of a frame going into a TAP.
 * pkt/len are the frame's first bytes in private memory (at least its
 * headers); frame_len is the whole frame's length.  With csum_blank the
 * checksum position is found by parsing Ethernet (at most one 802.1Q tag),
 * IPv4 (no fragments) or IPv6 (hop-by-hop, routing and destination options
 * headers skipped, a bounded number; a fragment header fails), then TCP or
 * UDP.  With gso_size the L4 must be TCP of the IP version gso_type names,
 * and csum_blank must be set.  Returns 0, or -1 when the headers cannot be
 * parsed or contradict the metadata.  Never reads beyond pkt[len - 1].
 */
int offload_vnet_from_meta(const struct ns_pkt_meta *m, const uint8_t *pkt, size_t len,
                           size_t frame_len, struct virtio_net_hdr *h);

/* Flag words: csum_blank and data_validated only (the bits swap places
 * between TX and RX).  The from_* calls set those two fields and leave
 * the GSO fields alone, so the request's flags and its extras can be
 * applied in either order. */
static inline uint16_t offload_tx_flags(const struct ns_pkt_meta *m)
{
    return (uint16_t)((m->csum_blank ? NETTXF_csum_blank : 0) |
                      (m->data_validated ? NETTXF_data_validated : 0));
}

static inline uint16_t offload_rx_flags(const struct ns_pkt_meta *m)
{
    return (uint16_t)((m->csum_blank ? NETRXF_csum_blank : 0) |
                      (m->data_validated ? NETRXF_data_validated : 0));
}

/* The checksum flags of a whole data ring record (docs/netif-staging.md 8.7). */
static inline uint16_t offload_rec_flags(const struct ns_pkt_meta *m)
{
    return (uint16_t)((m->csum_blank ? XEN_NETIF_DATA_REC_CSUM_BLANK : 0) |
                      (m->data_validated ? XEN_NETIF_DATA_REC_DATA_VALIDATED : 0));
}

void offload_meta_from_tx_flags(uint16_t flags, struct ns_pkt_meta *m);
void offload_meta_from_rx_flags(uint16_t flags, struct ns_pkt_meta *m);
void offload_meta_from_rec_flags(uint16_t flags, struct ns_pkt_meta *m);

/* The GSO extra for m (call when m->gso_size != 0); every byte is set. */
void offload_gso_extra(const struct ns_pkt_meta *m, struct netif_extra_info *x);

/* A GSO extra from the peer: sets gso_size/gso_type, or returns -1 when it
 * is not a GSO extra, its size is 0 or its GSO type is unknown (fatal for
 * the queue, by the protocol). */
int offload_meta_from_gso_extra(const struct netif_extra_info *x, struct ns_pkt_meta *m);

#endif
