/*
 * test_offload.c - the netif <-> virtio_net_hdr offload conversions
 * (common/offload.c), on frames built here byte by byte.
 *
 * The truncation tests hand the parser every prefix of a frame in a heap
 * buffer of exactly that size, so under `make test SANITIZE=1` any read
 * past the end is an AddressSanitizer error, not just a wrong answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/offload.h"

#define FRAME_MAX 2048

struct frame {
    uint8_t b[FRAME_MAX];
    size_t len;        /* whole frame */
    size_t l4;         /* where the L4 header starts */
    size_t hdr_end;    /* where the L4 header ends */
};

enum l2_kind { PLAIN, VLAN };

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static size_t put_eth(struct frame *f, enum l2_kind l2, unsigned ethertype)
{
    static const uint8_t macs[12] = { 0x00, 0x16, 0x3e, 0, 0, 2, 0x00, 0x16, 0x3e, 0, 0, 1 };
    size_t off = 12;

    memcpy(f->b, macs, sizeof(macs));
    if (l2 == VLAN) {
        put16(f->b + 12, 0x8100);
        put16(f->b + 14, 42);
        off += 4;
    }
    put16(f->b + off, ethertype);
    return off + 2;
}

/* TCP header with doff 32-bit words (options filled with NOPs), or UDP. */
static void put_l4(struct frame *f, unsigned proto, unsigned doff, size_t payload)
{
    uint8_t *p = f->b + f->l4;

    if (proto == 6) {
        put16(p, 40000);
        put16(p + 2, 80);
        p[12] = (uint8_t)(doff << 4);
        p[13] = 0x18;                                    /* PSH|ACK */
        memset(p + 20, 1, doff * 4 > 20 ? doff * 4 - 20 : 0);
        f->hdr_end = f->l4 + doff * 4;
    } else {
        put16(p, 5353);
        put16(p + 2, 5353);
        put16(p + 4, (unsigned)(8 + payload));
        f->hdr_end = f->l4 + 8;
    }
    for (size_t i = 0; i < payload; i++)
        f->b[f->hdr_end + i] = (uint8_t)i;
    f->len = f->hdr_end + payload;
}

static void build_ipv4(struct frame *f, enum l2_kind l2, unsigned ihl, unsigned proto,
                       unsigned doff, size_t payload)
{
    size_t l3;
    uint8_t *ip;
    size_t l4len = (proto == 6 ? doff * 4 : 8) + payload;

    memset(f, 0, sizeof(*f));
    l3 = put_eth(f, l2, 0x0800);
    ip = f->b + l3;
    ip[0] = (uint8_t)(0x40 | ihl);
    put16(ip + 2, (unsigned)(ihl * 4 + l4len));
    put16(ip + 6, 0x4000);                               /* DF: not a fragment */
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    f->l4 = l3 + ihl * 4;
    put_l4(f, proto, doff, payload);
}

/* exts: the extension headers in order, each {type, length in octets}. */
struct ext { unsigned type; size_t len; };

static void build_ipv6(struct frame *f, enum l2_kind l2, const struct ext *exts, unsigned nr_ext,
                       unsigned proto, unsigned doff, size_t payload)
{
    size_t l3, off;
    uint8_t *ip;
    size_t l4len = (proto == 6 ? doff * 4 : 8) + payload;
    size_t ext_total = 0;

    memset(f, 0, sizeof(*f));
    l3 = put_eth(f, l2, 0x86DD);
    ip = f->b + l3;
    ip[0] = 0x60;
    ip[6] = (uint8_t)(nr_ext ? exts[0].type : proto);
    ip[7] = 64;
    ip[23] = 1;
    ip[39] = 2;
    off = l3 + 40;
    for (unsigned i = 0; i < nr_ext; i++) {
        f->b[off] = (uint8_t)(i + 1 < nr_ext ? exts[i + 1].type : proto);
        f->b[off + 1] = (uint8_t)(exts[i].len / 8 - 1);
        off += exts[i].len;
        ext_total += exts[i].len;
    }
    put16(ip + 4, (unsigned)(ext_total + l4len));
    f->l4 = off;
    put_l4(f, proto, doff, payload);
}

static const struct ns_pkt_meta CSUM = { .csum_blank = true, .data_validated = true };

static int convert(const struct ns_pkt_meta *m, const struct frame *f, struct virtio_net_hdr *h)
{
    return offload_vnet_from_meta(m, f->b, f->len, f->len, h);
}

static void assert_partial(const struct virtio_net_hdr *h, size_t start, unsigned offset)
{
    assert_int_equal(h->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(h->gso_type, VIRTIO_NET_HDR_GSO_NONE);
    assert_int_equal(h->csum_start, start);
    assert_int_equal(h->csum_offset, offset);
    assert_int_equal(h->gso_size, 0);
    assert_int_equal(h->hdr_len, 0);
}

static void test_ipv4_tcp_udp(void **state)
{
    struct frame f;
    struct virtio_net_hdr h;

    (void)state;
    build_ipv4(&f, PLAIN, 5, 6, 5, 100);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 34, 16);

    build_ipv4(&f, PLAIN, 5, 17, 0, 100);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 34, 6);

    /* IP options and TCP options move the start and the header end. */
    build_ipv4(&f, PLAIN, 7, 6, 8, 10);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 14 + 28, 16);
}

static void test_vlan(void **state)
{
    struct frame f;
    struct virtio_net_hdr h;
    static const struct ext none[1];

    (void)state;
    build_ipv4(&f, VLAN, 5, 6, 5, 64);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 38, 16);

    build_ipv6(&f, VLAN, none, 0, 17, 0, 64);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 58, 6);

    /* A second tag (QinQ) is not parsed. */
    build_ipv4(&f, VLAN, 5, 6, 5, 64);
    memmove(f.b + 16, f.b + 12, f.len - 12);
    put16(f.b + 12, 0x8100);
    f.len += 4;
    assert_int_equal(convert(&CSUM, &f, &h), -1);
}

static void test_ipv6_ext_headers(void **state)
{
    static const struct ext three[] = { { 0, 8 }, { 43, 24 }, { 60, 16 } };
    static const struct ext four[] = { { 0, 8 }, { 60, 8 }, { 43, 16 }, { 60, 8 } };
    static const struct ext five[] = { { 60, 8 }, { 60, 8 }, { 60, 8 }, { 60, 8 }, { 60, 8 } };
    static const struct ext frag[] = { { 0, 8 }, { 44, 8 } };
    static const struct ext none[1];
    struct frame f;
    struct virtio_net_hdr h;

    (void)state;
    build_ipv6(&f, PLAIN, none, 0, 6, 5, 10);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 54, 16);

    build_ipv6(&f, PLAIN, three, 3, 6, 5, 10);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 54 + 8 + 24 + 16, 16);

    /* Four are skipped at most. */
    build_ipv6(&f, PLAIN, four, 4, 17, 0, 10);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 54 + 8 + 8 + 16 + 8, 6);
    build_ipv6(&f, PLAIN, five, 4, 6, 5, 0);
    assert_int_equal(convert(&CSUM, &f, &h), 0);
    assert_partial(&h, 54 + 32, 16);
    build_ipv6(&f, PLAIN, five, 5, 6, 5, 0);
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    /* An extension header longer than the frame. */
    build_ipv6(&f, PLAIN, three, 3, 6, 5, 100);
    f.b[54 + 8 + 1] = 255;
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    /* A fragment header ends the parse: the L4 header may not be here. */
    build_ipv6(&f, PLAIN, frag, 2, 6, 5, 10);
    assert_int_equal(convert(&CSUM, &f, &h), -1);
}

static void test_unparseable(void **state)
{
    struct frame f;
    struct virtio_net_hdr h;
    static const struct ext none[1];

    (void)state;
    build_ipv4(&f, PLAIN, 5, 6, 5, 10);
    put16(f.b + 12, 0x0806);                              /* ARP */
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    build_ipv4(&f, PLAIN, 5, 1, 0, 10);                   /* ICMP: no L4 checksum we place */
    f.b[23] = 1;
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    build_ipv4(&f, PLAIN, 5, 6, 5, 10);
    f.b[14] = 0x65;                                       /* version 6 under an IPv4 ethertype */
    assert_int_equal(convert(&CSUM, &f, &h), -1);
    f.b[14] = 0x44;                                       /* IHL below 5 */
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    build_ipv4(&f, PLAIN, 5, 6, 5, 10);
    put16(f.b + 20, 0x2000);                              /* MF */
    assert_int_equal(convert(&CSUM, &f, &h), -1);
    put16(f.b + 20, 0x0001);                              /* offset 8 */
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    build_ipv4(&f, PLAIN, 5, 6, 5, 10);
    f.b[34 + 12] = 0x40;                                  /* TCP data offset 4 */
    assert_int_equal(convert(&CSUM, &f, &h), -1);

    build_ipv6(&f, PLAIN, none, 0, 6, 5, 10);
    f.b[14] = 0x40;                                       /* version 4 under an IPv6 ethertype */
    assert_int_equal(convert(&CSUM, &f, &h), -1);
    build_ipv6(&f, PLAIN, none, 0, 58, 0, 10);            /* ICMPv6 */
    assert_int_equal(convert(&CSUM, &f, &h), -1);
}

/* Every prefix shorter than the headers fails, in an exactly sized buffer;
 * the headers alone (with or without the rest of the frame behind them)
 * succeed.  frame_len below len limits the parse the same way. */
static void check_truncations(const struct ns_pkt_meta *m, const struct frame *f)
{
    struct virtio_net_hdr h, want;

    assert_int_equal(offload_vnet_from_meta(m, f->b, f->len, f->len, &want), 0);
    for (size_t len = 0; len <= f->hdr_end; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        int expect = len < f->hdr_end ? -1 : 0;

        assert_non_null(copy);
        memcpy(copy, f->b, len);
        if (m->gso_size == 0) {
            /* Without GSO the frame's own length does not matter. */
            assert_int_equal(offload_vnet_from_meta(m, copy, len, len, &h), expect);
            if (expect == 0)
                assert_memory_equal(&h, &want, sizeof(h));
        }
        assert_int_equal(offload_vnet_from_meta(m, copy, len, f->len, &h), expect);
        if (expect == 0)
            assert_memory_equal(&h, &want, sizeof(h));
        free(copy);
        assert_int_equal(offload_vnet_from_meta(m, f->b, f->len, len, &h), expect);
    }
}

static void test_truncated_every_length(void **state)
{
    static const struct ext three[] = { { 0, 8 }, { 43, 24 }, { 60, 16 } };
    static const struct ext none[1];
    const struct ns_pkt_meta gso4 = { true, true, 100, XEN_NETIF_GSO_TYPE_TCPV4 };
    const struct ns_pkt_meta gso6 = { true, true, 100, XEN_NETIF_GSO_TYPE_TCPV6 };
    struct frame f;

    (void)state;
    build_ipv4(&f, PLAIN, 5, 6, 5, 40);
    check_truncations(&CSUM, &f);
    build_ipv4(&f, VLAN, 15, 6, 15, 40);
    check_truncations(&CSUM, &f);
    build_ipv4(&f, PLAIN, 6, 17, 0, 40);
    check_truncations(&CSUM, &f);
    build_ipv6(&f, VLAN, three, 3, 6, 8, 40);
    check_truncations(&CSUM, &f);
    build_ipv6(&f, PLAIN, three, 3, 17, 0, 40);
    check_truncations(&CSUM, &f);
    build_ipv6(&f, PLAIN, none, 0, 17, 0, 0);
    check_truncations(&CSUM, &f);

    build_ipv4(&f, PLAIN, 5, 6, 8, 1000);
    check_truncations(&gso4, &f);
    build_ipv6(&f, VLAN, three, 3, 6, 5, 1000);
    check_truncations(&gso6, &f);
}

static void test_no_checksum_offload(void **state)
{
    static const uint8_t junk[3] = { 1, 2, 3 };
    const struct ns_pkt_meta none = { 0 };
    const struct ns_pkt_meta valid = { .data_validated = true };
    struct virtio_net_hdr h, zero;

    (void)state;
    memset(&zero, 0, sizeof(zero));
    /* Nothing to place: the frame is not looked at. */
    memset(&h, 0xA5, sizeof(h));
    assert_int_equal(offload_vnet_from_meta(&none, junk, sizeof(junk), sizeof(junk), &h), 0);
    assert_memory_equal(&h, &zero, sizeof(h));
    assert_int_equal(offload_vnet_from_meta(&valid, junk, 0, 0, &h), 0);
    zero.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    assert_memory_equal(&h, &zero, sizeof(h));
}

static void test_gso(void **state)
{
    static const struct ext three[] = { { 0, 8 }, { 43, 24 }, { 60, 16 } };
    struct ns_pkt_meta m = { true, true, 1448, XEN_NETIF_GSO_TYPE_TCPV4 };
    struct frame f;
    struct virtio_net_hdr h;

    (void)state;
    build_ipv4(&f, PLAIN, 5, 6, 8, 1449);
    assert_int_equal(convert(&m, &f, &h), 0);
    assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(h.gso_size, 1448);
    assert_int_equal(h.hdr_len, 14 + 20 + 32);
    assert_int_equal(h.csum_start, 34);
    assert_int_equal(h.csum_offset, 16);

    /* Only the headers in hand, the frame's length given separately. */
    assert_int_equal(offload_vnet_from_meta(&m, f.b, f.hdr_end, 60000, &h), 0);
    assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(h.hdr_len, 66);

    /* A payload of one segment or less is not segmented. */
    build_ipv4(&f, PLAIN, 5, 6, 5, 1448);
    assert_int_equal(convert(&m, &f, &h), 0);
    assert_partial(&h, 34, 16);
    m.gso_size = 0xFFFF;
    assert_int_equal(convert(&m, &f, &h), 0);
    assert_partial(&h, 34, 16);

    m = (struct ns_pkt_meta){ true, true, 536, XEN_NETIF_GSO_TYPE_TCPV6 };
    build_ipv6(&f, VLAN, three, 3, 6, 5, 1000);
    assert_int_equal(convert(&m, &f, &h), 0);
    assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
    assert_int_equal(h.gso_size, 536);
    assert_int_equal(h.hdr_len, 18 + 40 + 48 + 20);
    assert_int_equal(h.csum_start, 18 + 40 + 48);
}

static void test_gso_inconsistent(void **state)
{
    static const struct ext none[1];
    struct ns_pkt_meta m = { true, true, 500, XEN_NETIF_GSO_TYPE_TCPV6 };
    struct frame f;
    struct virtio_net_hdr h;

    (void)state;
    build_ipv4(&f, PLAIN, 5, 6, 5, 1000);
    assert_int_equal(convert(&m, &f, &h), -1);           /* TCPV6 on IPv4 */
    m.gso_type = XEN_NETIF_GSO_TYPE_NONE;
    assert_int_equal(convert(&m, &f, &h), -1);
    m.gso_type = 7;
    assert_int_equal(convert(&m, &f, &h), -1);
    m.gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
    m.csum_blank = false;                                 /* GSO needs a partial checksum */
    assert_int_equal(convert(&m, &f, &h), -1);

    build_ipv6(&f, PLAIN, none, 0, 6, 5, 1000);
    m.csum_blank = true;
    assert_int_equal(convert(&m, &f, &h), -1);           /* TCPV4 on IPv6 */

    build_ipv4(&f, PLAIN, 5, 17, 0, 1000);
    assert_int_equal(convert(&m, &f, &h), -1);           /* UDP */
}

static void test_meta_from_vnet(void **state)
{
    struct virtio_net_hdr h;
    struct ns_pkt_meta m;

    (void)state;
    memset(&h, 0, sizeof(h));
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_false(m.csum_blank || m.data_validated || m.gso_size || m.gso_type);

    h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_true(m.data_validated && !m.csum_blank);

    h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    h.csum_start = 34;
    h.csum_offset = 16;
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_true(m.data_validated && m.csum_blank);
    assert_int_equal(m.gso_size, 0);

    h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    h.gso_size = 1448;
    h.hdr_len = 66;
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_int_equal(m.gso_size, 1448);
    assert_int_equal(m.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
    h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_int_equal(m.gso_type, XEN_NETIF_GSO_TYPE_TCPV6);

    h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
    assert_int_equal(offload_meta_from_vnet(&h, &m), -1);
    h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
    assert_int_equal(offload_meta_from_vnet(&h, &m), -1);
    h.gso_type = 5;                                       /* UDP_L4 (not in older headers) */
    assert_int_equal(offload_meta_from_vnet(&h, &m), -1);
    h.gso_type = 2;                                       /* never assigned */
    assert_int_equal(offload_meta_from_vnet(&h, &m), -1);

    h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    h.gso_size = 0;
    assert_int_equal(offload_meta_from_vnet(&h, &m), -1);
    h.gso_size = 1448;
    h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    assert_int_equal(offload_meta_from_vnet(&h, &m), -1);
}

/* From the ring to a TAP and back, the metadata survives. */
static void test_vnet_round_trip(void **state)
{
    static const struct ext none[1];
    const struct ns_pkt_meta in[] = {
        { false, false, 0, 0 },
        { false, true, 0, 0 },
        { true, true, 0, 0 },
        { true, true, 1400, XEN_NETIF_GSO_TYPE_TCPV4 },
        { true, true, 1200, XEN_NETIF_GSO_TYPE_TCPV6 },
    };
    struct frame f;

    (void)state;
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        struct virtio_net_hdr h;
        struct ns_pkt_meta out;

        if (in[i].gso_type == XEN_NETIF_GSO_TYPE_TCPV6)
            build_ipv6(&f, PLAIN, none, 0, 6, 5, 1500);
        else
            build_ipv4(&f, PLAIN, 5, 6, 5, 1500);
        assert_int_equal(convert(&in[i], &f, &h), 0);
        assert_int_equal(offload_meta_from_vnet(&h, &out), 0);
        assert_int_equal(out.csum_blank, in[i].csum_blank);
        assert_int_equal(out.data_validated, in[i].data_validated);
        assert_int_equal(out.gso_size, in[i].gso_size);
        assert_int_equal(out.gso_type, in[i].gso_type);
    }
}

static void test_flags_round_trip(void **state)
{
    (void)state;
    assert_int_equal(NETTXF_csum_blank, 1);
    assert_int_equal(NETTXF_data_validated, 2);
    assert_int_equal(NETRXF_data_validated, 1);
    assert_int_equal(NETRXF_csum_blank, 2);

    for (unsigned bits = 0; bits < 4; bits++) {
        struct ns_pkt_meta m = { .csum_blank = bits & 1, .data_validated = (bits & 2) != 0,
                                 .gso_size = 1000, .gso_type = XEN_NETIF_GSO_TYPE_TCPV4 };
        struct ns_pkt_meta back = { .gso_size = 77, .gso_type = 9 };
        uint16_t tx = offload_tx_flags(&m), rx = offload_rx_flags(&m);

        assert_int_equal(tx, (m.csum_blank ? NETTXF_csum_blank : 0) |
                             (m.data_validated ? NETTXF_data_validated : 0));
        assert_int_equal(rx, (m.csum_blank ? NETRXF_csum_blank : 0) |
                             (m.data_validated ? NETRXF_data_validated : 0));

        /* Other bits of the word are ignored; the GSO fields are left. */
        offload_meta_from_tx_flags(tx | NETTXF_more_data | NETTXF_extra_info, &back);
        assert_int_equal(back.csum_blank, m.csum_blank);
        assert_int_equal(back.data_validated, m.data_validated);
        assert_int_equal(back.gso_size, 77);
        assert_int_equal(back.gso_type, 9);
        offload_meta_from_rx_flags(rx | NETRXF_more_data | NETRXF_extra_info, &back);
        assert_int_equal(back.csum_blank, m.csum_blank);
        assert_int_equal(back.data_validated, m.data_validated);
        assert_int_equal(back.gso_size, 77);
    }
}

static void test_gso_extra(void **state)
{
    const struct ns_pkt_meta m = { true, true, 1448, XEN_NETIF_GSO_TYPE_TCPV6 };
    struct netif_extra_info x;
    struct ns_pkt_meta back = { .csum_blank = true };
    static const uint8_t want[8] = { XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448 & 0xFF, 1448 >> 8,
                                     XEN_NETIF_GSO_TYPE_TCPV6, 0, 0, 0 };

    (void)state;
    memset(&x, 0xA5, sizeof(x));
    offload_gso_extra(&m, &x);
    assert_int_equal(sizeof(x), sizeof(want));
    assert_memory_equal(&x, want, sizeof(want));           /* little-endian host */

    assert_int_equal(offload_meta_from_gso_extra(&x, &back), 0);
    assert_int_equal(back.gso_size, 1448);
    assert_int_equal(back.gso_type, XEN_NETIF_GSO_TYPE_TCPV6);
    assert_true(back.csum_blank);                          /* flags untouched */

    x.u.gso.size = 0;
    assert_int_equal(offload_meta_from_gso_extra(&x, &back), -1);
    x.u.gso.size = 1;
    x.u.gso.type = XEN_NETIF_GSO_TYPE_NONE;
    assert_int_equal(offload_meta_from_gso_extra(&x, &back), -1);
    x.u.gso.type = 3;
    assert_int_equal(offload_meta_from_gso_extra(&x, &back), -1);
    x.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    x.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
    assert_int_equal(offload_meta_from_gso_extra(&x, &back), -1);
    x.type = XEN_NETIF_EXTRA_TYPE_GSO;
    assert_int_equal(offload_meta_from_gso_extra(&x, &back), 0);
    assert_int_equal(back.gso_size, 1);
    assert_int_equal(back.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_tcp_udp),
        cmocka_unit_test(test_vlan),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_unparseable),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_no_checksum_offload),
        cmocka_unit_test(test_gso),
        cmocka_unit_test(test_gso_inconsistent),
        cmocka_unit_test(test_meta_from_vnet),
        cmocka_unit_test(test_vnet_round_trip),
        cmocka_unit_test(test_flags_round_trip),
        cmocka_unit_test(test_gso_extra),
    };
    return cmocka_run_group_tests(tests, 0, NULL);
}
