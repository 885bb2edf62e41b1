/*
 * Offload metadata conversions; see offload.h.
 */
#include "common/offload.h"

#include <string.h>

#include <linux/if_ether.h>
#include <netinet/in.h>

#define VLAN_TAG_LEN      4u
#define IPV4_MIN_HLEN     20u
#define IPV6_HLEN         40u
#define TCP_MIN_HLEN      20u
#define UDP_HLEN          8u
#define TCP_CSUM_OFFSET   16u
#define UDP_CSUM_OFFSET   6u

/*
 * Extension headers skipped before giving up.  Real stacks send at most a
 * hop-by-hop, a routing and one or two destination options headers; the
 * bound keeps the work per packet small whatever the peer sends.
 */
#define IPV6_MAX_EXT_HDRS 4u

/* Where the L4 header of a frame is and what it is. */
struct l4_place {
    unsigned ip_version;   /* 4 or 6 */
    uint8_t proto;         /* IPPROTO_TCP or IPPROTO_UDP */
    size_t off;            /* first byte of the L4 header */
    size_t hlen;           /* its length (TCP: with options) */
};

static uint16_t rd_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet header and at most one 802.1Q tag: the ethertype and where
 * the L3 header starts. */
static int parse_l2(const uint8_t *pkt, size_t len, uint16_t *ethertype, size_t *l3)
{
    size_t off = ETH_HLEN;

    if (len < ETH_HLEN)
        return -1;
    *ethertype = rd_be16(pkt + 12);
    if (*ethertype == ETH_P_8021Q) {
        if (len < ETH_HLEN + VLAN_TAG_LEN)
            return -1;
        *ethertype = rd_be16(pkt + 16);
        off += VLAN_TAG_LEN;
    }
    *l3 = off;
    return 0;
}

static int parse_ipv4(const uint8_t *pkt, size_t len, size_t off, struct l4_place *pl)
{
    size_t ihl;

    if (len - off < IPV4_MIN_HLEN || pkt[off] >> 4 != 4)
        return -1;
    ihl = (size_t)(pkt[off] & 0x0F) * 4;
    if (ihl < IPV4_MIN_HLEN || len - off < ihl)
        return -1;
    /* A fragment (MF set or a non-zero offset) carries no whole L4
     * segment to checksum. */
    if (rd_be16(pkt + off + 6) & 0x3FFF)
        return -1;
    pl->ip_version = 4;
    pl->proto = pkt[off + 9];
    pl->off = off + ihl;
    return 0;
}

/* The IPv6 extension headers skipped on the way to the L4 header. */
static bool is_skipped_ext(uint8_t next)
{
    return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS;
}

static int parse_ipv6(const uint8_t *pkt, size_t len, size_t off, struct l4_place *pl)
{
    uint8_t next;

    if (len - off < IPV6_HLEN || pkt[off] >> 4 != 6)
        return -1;
    next = pkt[off + 6];
    off += IPV6_HLEN;
    for (unsigned i = 0; i < IPV6_MAX_EXT_HDRS && is_skipped_ext(next); i++) {
        size_t ext_len;

        if (len - off < 2)
            return -1;
        /* The three share the layout: next header, then the length in
         * 8-octet units not counting the first 8. */
        ext_len = ((size_t)pkt[off + 1] + 1) * 8;
        if (len - off < ext_len)
            return -1;
        next = pkt[off];
        off += ext_len;
    }
    if (is_skipped_ext(next))
        return -1;
    /* TCP, UDP or anything else (a fragment header included): parse_l4
     * refuses what it does not know. */
    pl->ip_version = 6;
    pl->proto = next;
    pl->off = off;
    return 0;
}

static int parse_l4(const uint8_t *pkt, size_t len, struct l4_place *pl)
{
    size_t off = pl->off;

    if (pl->proto == IPPROTO_UDP) {
        if (len - off < UDP_HLEN)
            return -1;
        pl->hlen = UDP_HLEN;
        return 0;
    }
    if (pl->proto != IPPROTO_TCP || len - off < TCP_MIN_HLEN)
        return -1;
    pl->hlen = (size_t)(pkt[off + 12] >> 4) * 4;
    if (pl->hlen < TCP_MIN_HLEN || len - off < pl->hlen)
        return -1;
    return 0;
}

static int locate_l4(const uint8_t *pkt, size_t len, struct l4_place *pl)
{
    uint16_t ethertype;
    size_t l3;

    if (parse_l2(pkt, len, &ethertype, &l3) < 0)
        return -1;
    if (ethertype == ETH_P_IP) {
        if (parse_ipv4(pkt, len, l3, pl) < 0)
            return -1;
    } else if (ethertype == ETH_P_IPV6) {
        if (parse_ipv6(pkt, len, l3, pl) < 0)
            return -1;
    } else {
        return -1;
    }
    return parse_l4(pkt, len, pl);
}

int offload_vnet_from_meta(const struct ns_pkt_meta *m, const uint8_t *pkt, size_t len,
                           size_t frame_len, struct virtio_net_hdr *h)
{
    struct l4_place pl;
    size_t hdr_len;

    memset(h, 0, sizeof(*h));
    if (m->gso_size != 0 && !m->csum_blank)
        return -1;                      /* netif GSO always comes checksum-partial */
    if (!m->csum_blank) {
        if (m->data_validated)
            h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
        return 0;
    }

    /* Bytes past the frame's end are not the frame's, whatever the
     * buffer holds. */
    if (len > frame_len)
        len = frame_len;
    if (locate_l4(pkt, len, &pl) < 0)
        return -1;
    hdr_len = pl.off + pl.hlen;
    if (hdr_len > UINT16_MAX)
        return -1;

    h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    h->csum_start = (uint16_t)pl.off;
    h->csum_offset = pl.proto == IPPROTO_TCP ? TCP_CSUM_OFFSET : UDP_CSUM_OFFSET;
    if (m->gso_size == 0)
        return 0;

    if (pl.proto != IPPROTO_TCP)
        return -1;
    if (m->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && pl.ip_version == 4)
        h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    else if (m->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && pl.ip_version == 6)
        h->gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
    else
        return -1;
    /* A payload that fits one segment has nothing to segment: it goes as a
     * plain checksum-partial frame.  The kernel would ignore the GSO fields
     * of such a frame anyway, except that it refuses a size of 0xFFFF (its
     * internal GSO_BY_FRAGS marker) outright. */
    if (frame_len - hdr_len <= m->gso_size) {
        h->gso_type = VIRTIO_NET_HDR_GSO_NONE;
        return 0;
    }
    h->hdr_len = (uint16_t)hdr_len;
    h->gso_size = m->gso_size;
    return 0;
}

int offload_meta_from_vnet_slow(const struct virtio_net_hdr *h, struct ns_pkt_meta *m)
{
    memset(m, 0, sizeof(*m));
    if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        m->csum_blank = true;
        m->data_validated = true;
    } else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        m->data_validated = true;
    }

    /* The ECN bit makes the type fall to default: netif has no way to
     * say "replicate CWR only in the first segment". */
    switch (h->gso_type) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return 0;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        m->gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
        break;
    case VIRTIO_NET_HDR_GSO_TCPV6:
        m->gso_type = XEN_NETIF_GSO_TYPE_TCPV6;
        break;
    default:
        return -1;
    }
    /* The peer would refuse a GSO extra of size 0 as fatal, and netif GSO
     * implies a partial checksum. */
    if (h->gso_size == 0 || !m->csum_blank)
        return -1;
    m->gso_size = h->gso_size;
    return 0;
}

void offload_meta_from_tx_flags(uint16_t flags, struct ns_pkt_meta *m)
{
    m->csum_blank = (flags & NETTXF_csum_blank) != 0;
    m->data_validated = (flags & NETTXF_data_validated) != 0;
}

void offload_meta_from_rx_flags(uint16_t flags, struct ns_pkt_meta *m)
{
    m->csum_blank = (flags & NETRXF_csum_blank) != 0;
    m->data_validated = (flags & NETRXF_data_validated) != 0;
}

void offload_meta_from_rec_flags(uint16_t flags, struct ns_pkt_meta *m)
{
    m->csum_blank = (flags & XEN_NETIF_DATA_REC_CSUM_BLANK) != 0;
    m->data_validated = (flags & XEN_NETIF_DATA_REC_DATA_VALIDATED) != 0;
}

void offload_gso_extra(const struct ns_pkt_meta *m, struct netif_extra_info *x)
{
    memset(x, 0, sizeof(*x));
    x->type = XEN_NETIF_EXTRA_TYPE_GSO;
    x->u.gso.size = m->gso_size;
    x->u.gso.type = m->gso_type;
}

int offload_meta_from_gso_extra(const struct netif_extra_info *x, struct ns_pkt_meta *m)
{
    if (x->type != XEN_NETIF_EXTRA_TYPE_GSO || x->u.gso.size == 0)
        return -1;
    if (x->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 && x->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6)
        return -1;
    m->gso_size = x->u.gso.size;
    m->gso_type = x->u.gso.type;
    return 0;
}
