/*
 * test_tx_parse.c - the backend's parse of guest TX requests
 * (backend/tx_parse.c) against docs/netif-staging.md 4.3, 6.1, 6.3, 6.4,
 * 7 and 8.4, on rings built here in private memory.
 *
 * Each test gets a ring of exactly NETIF_TX_RING_SIZE entries on the heap,
 * filled with a junk pattern, so under `make test SANITIZE=1` a read
 * outside the ring is an AddressSanitizer error, and a slot the parser
 * should not have looked at holds nonsense rather than a harmless zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend/tx_parse.h"

#define F_DEFAULT 20            /* the backend's default fatal slot count */
#define FLAG_BIT5 (1u << 5)     /* NETTXF_data_ring: data ring mode only */
#define FLAG_BIT6 (1u << 6)     /* defined by nobody */

struct rb {
    union netif_tx_sring_entry *ring;
    uint32_t cons, prod;        /* prod: where the next entry goes */
};

static int setup(void **state)
{
    struct rb *r = calloc(1, sizeof(*r));

    if (!r)
        return -1;
    r->ring = malloc(NETIF_TX_RING_SIZE * sizeof(*r->ring));
    if (!r->ring) {
        free(r);
        return -1;
    }
    memset(r->ring, 0xA5, NETIF_TX_RING_SIZE * sizeof(*r->ring));
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct rb *r = *state;

    free(r->ring);
    free(r);
    return 0;
}

static void at(struct rb *r, uint32_t cons)
{
    r->cons = r->prod = cons;
}

static void req(struct rb *r, uint16_t id, uint32_t gref, uint16_t offset, uint16_t flags,
                uint16_t size)
{
    struct netif_tx_request q = { .gref = gref, .offset = offset, .flags = flags,
                                  .id = id, .size = size };

    memcpy(&r->ring[r->prod++ & (NETIF_TX_RING_SIZE - 1)], &q, sizeof(q));
}

static void extra_raw(struct rb *r, const struct netif_extra_info *x)
{
    memcpy(&r->ring[r->prod++ & (NETIF_TX_RING_SIZE - 1)], x, sizeof(*x));
}

static void extra(struct rb *r, uint8_t type, bool more)
{
    struct netif_extra_info x;

    memset(&x, 0, sizeof(x));
    x.type = type;
    x.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
    if (type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD || type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL) {
        static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
        memcpy(x.u.mcast.addr, group, sizeof(group));
    }
    extra_raw(r, &x);
}

static void gso(struct rb *r, uint16_t size, uint8_t type, bool more)
{
    struct netif_extra_info x;

    memset(&x, 0, sizeof(x));
    x.type = XEN_NETIF_EXTRA_TYPE_GSO;
    x.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
    x.u.gso.size = size;
    x.u.gso.type = type;
    extra_raw(r, &x);
}

/*
 * One packet of nr data requests: the first with size total (id0, ids
 * counting up), then nr - 1 follow-ons of size each.  gref = 1000 + k,
 * offset 0.
 */
static void packet(struct rb *r, uint16_t id0, uint16_t total, unsigned nr, uint16_t each)
{
    for (unsigned k = 0; k < nr; k++)
        req(r, (uint16_t)(id0 + k), 1000 + k, 0, k + 1 < nr ? NETTXF_more_data : 0,
            k ? each : total);
}

static void parse(const struct rb *r, const struct tx_parse_cfg *cfg, struct tx_packet *p)
{
    tx_parse(r->ring, r->cons, r->prod, cfg, p);
}

static const struct tx_parse_cfg UNSTAGED = { .tx_slot_len = 0, .rx_slot_len = 0,
                                              .fatal_slots = F_DEFAULT };
static const struct tx_parse_cfg STAGED = { .tx_slot_len = 256, .rx_slot_len = 256,
                                            .fatal_slots = F_DEFAULT };
static const struct tx_parse_cfg TX_ONLY = { .tx_slot_len = 256, .rx_slot_len = 0,
                                             .fatal_slots = F_DEFAULT };
static const struct tx_parse_cfg RX_ONLY = { .tx_slot_len = 0, .rx_slot_len = 256,
                                             .fatal_slots = F_DEFAULT };
/* A data ring queue with heads of up to 200 octets (not a power of two: allowed there). */
static const struct tx_parse_cfg RING = { .tx_ring_len = 200, .fatal_slots = F_DEFAULT };

#define assert_verdict(p, v)                                                          \
    do {                                                                              \
        if ((p)->verdict != (v))                                                      \
            print_error("verdict %d (%s), expected %d\n", (int)(p)->verdict,          \
                        (p)->why ? (p)->why : "no reason", (int)(v));                 \
        assert_int_equal((p)->verdict, (v));                                          \
        if ((v) == TX_OK)                                                             \
            assert_null((p)->why);                                                    \
        else                                                                          \
            assert_non_null((p)->why);                                                \
    } while (0)

/* Fragments tile [0, total) in order. */
static void assert_tiled(const struct tx_packet *p)
{
    uint32_t start = 0;

    for (unsigned k = 0; k < p->nr_frags; k++) {
        assert_int_equal(p->frag[k].start, start);
        start += p->frag[k].len;
    }
    assert_int_equal(start, p->total);
}

/* ---- single requests and the head (6.1, 6.3) ---- */

static void test_single_60_unstaged(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 7, 1234, 100, 0, 60);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 1);
    assert_int_equal(p.slot_id[0], 7);
    assert_false(p.slot_is_extra[0]);
    assert_int_equal(p.nr_frags, 1);
    assert_int_equal(p.frag[0].gref, 1234);
    assert_int_equal(p.frag[0].offset, 100);
    assert_int_equal(p.frag[0].len, 60);
    assert_int_equal(p.frag[0].start, 0);
    assert_int_equal(p.total, 60);
    assert_int_equal(p.head, 0);
    assert_false(p.mcast_only);
    assert_int_equal(p.meta.gso_size, 0);
    assert_false(p.meta.csum_blank);
}

static void test_single_60_staged(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* The 60-byte ARP example of 6.1: gref ignored, may be 0. */
    at(r, 0);
    req(r, 3, 0, 0, NETTXF_csum_blank | NETTXF_data_validated, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 1);
    assert_int_equal(p.slot_id[0], 3);
    assert_int_equal(p.nr_frags, 1);
    assert_int_equal(p.frag[0].len, 60);
    assert_int_equal(p.total, 60);
    assert_int_equal(p.head, 60);
    assert_true(p.meta.csum_blank);
    assert_true(p.meta.data_validated);
}

static void test_head_at_slot_length(void **state)
{
    static const uint16_t lens[] = { 64, 128, 256, 1024, 2048, 4096 };
    struct rb *r = *state;
    struct tx_packet p;

    for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct tx_parse_cfg cfg = { .tx_slot_len = lens[i], .fatal_slots = F_DEFAULT };
        uint16_t L = lens[i];

        /* total = L - 1, L and L + 1; the page check needs offset + len
         * <= 4096, so L + 1 with L = 4096 goes in two fragments. */
        for (int d = -1; d <= 1; d++) {
            uint32_t total = (uint32_t)(L + d);

            at(r, 0);
            if (total <= 4096) {
                req(r, 1, 50, 0, 0, (uint16_t)total);
            } else {
                req(r, 1, 50, 0, NETTXF_more_data, (uint16_t)total);
                req(r, 2, 51, 0, 0, 1);
            }
            parse(r, &cfg, &p);
            assert_verdict(&p, TX_OK);
            assert_int_equal(p.total, total);
            assert_int_equal(p.head, total < L ? total : L);
            assert_tiled(&p);
        }
    }
}

static void test_1514_one_request(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 77, 0, 0, 1514);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 256);
    assert_int_equal(p.frag[0].len, 1514);
    assert_int_equal(p.frag[0].gref, 77);
}

/* ---- fragments ---- */

static void test_multi_fragment(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* 6.1's example: 1514 as 100 + 100 + 1314, L_tx = 256. */
    at(r, 10);
    req(r, 4, 0, 0, NETTXF_more_data, 1514);
    req(r, 5, 0, 0, NETTXF_more_data, 100);
    req(r, 6, 900, 128, 0, 1314);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 3);
    assert_int_equal(p.nr_frags, 3);
    assert_int_equal(p.total, 1514);
    assert_int_equal(p.head, 256);
    assert_int_equal(p.frag[0].len, 100);
    assert_int_equal(p.frag[0].start, 0);
    assert_int_equal(p.frag[1].len, 100);
    assert_int_equal(p.frag[1].start, 100);
    assert_int_equal(p.frag[2].len, 1314);
    assert_int_equal(p.frag[2].start, 200);
    assert_int_equal(p.frag[2].gref, 900);
    assert_int_equal(p.frag[2].offset, 128);
    for (unsigned k = 0; k < 3; k++) {
        assert_int_equal(p.slot_id[k], 4 + k);
        assert_false(p.slot_is_extra[k]);
    }

    /* Fragment 1 is what the follow-ons leave: 3000 - (1000 + 14). */
    at(r, 10);
    req(r, 9, 1, 0, NETTXF_more_data, 3000);
    req(r, 8, 2, 96, NETTXF_more_data, 1000);
    req(r, 7, 3, 0, 0, 14);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.frag[0].len, 1986);
    assert_int_equal(p.frag[1].len, 1000);
    assert_int_equal(p.frag[1].offset, 96);
    assert_int_equal(p.frag[2].len, 14);
    assert_int_equal(p.frag[2].start, 2986);
    assert_int_equal(p.slot_id[0], 9);
    assert_int_equal(p.slot_id[1], 8);
    assert_int_equal(p.slot_id[2], 7);
    assert_tiled(&p);
}

static void test_zero_length_fragment(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 0, 0, NETTXF_more_data, 0);
    req(r, 2, 2, 0, 0, 40);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 3);
    assert_int_equal(p.nr_frags, 3);
    assert_int_equal(p.frag[0].len, 60);
    assert_int_equal(p.frag[1].len, 0);
    assert_int_equal(p.frag[1].start, 60);
    assert_int_equal(p.frag[2].len, 40);
    assert_int_equal(p.frag[2].start, 60);
    assert_int_equal(p.head, 100);

    /* A zero-length first fragment: the follow-ons carry everything. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, 0, 100);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.frag[0].len, 0);
    assert_int_equal(p.frag[1].start, 0);
}

static void test_follow_ons_exceed_total(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, NETTXF_more_data, 60);
    req(r, 2, 3, 0, 0, 41);
    req(r, 3, 4, 0, 0, 60);                 /* the next packet: not consumed */
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 3);
    for (unsigned k = 0; k < 3; k++) {
        assert_int_equal(p.slot_id[k], k);
        assert_false(p.slot_is_extra[k]);
    }

    /* The same with an extra: it is consumed and marked as one. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data | NETTXF_extra_info, 100);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, false);
    req(r, 1, 2, 0, NETTXF_more_data, 100);
    req(r, 2, 3, 0, 0, 1);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 4);
    assert_false(p.slot_is_extra[0]);
    assert_true(p.slot_is_extra[1]);
    assert_false(p.slot_is_extra[2]);
    assert_false(p.slot_is_extra[3]);
    assert_int_equal(p.slot_id[2], 1);
    assert_int_equal(p.slot_id[3], 2);

    /* One follow-on alone larger than the whole packet. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 60);
    req(r, 1, 2, 0, 0, 61);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 2);

    /* Sum exactly the total is fine (fragment 1 empty). */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, NETTXF_more_data, 60);
    req(r, 2, 3, 0, 0, 40);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.frag[0].len, 0);
}

static void test_short_packet(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    for (uint16_t total = 0; total < 14; total++) {
        at(r, 0);
        req(r, 0, 1, 0, 0, total);
        parse(r, &STAGED, &p);
        assert_verdict(&p, TX_DROP);
        assert_int_equal(p.nr_slots, 1);
    }
    at(r, 0);
    req(r, 0, 1, 0, 0, 14);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 14);

    /* Short in two fragments: still dropped, both consumed. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 10);
    req(r, 1, 1, 0, 0, 5);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 2);
}

/* ---- how many requests a packet may have (7) ---- */

static void test_18_data_requests_ok(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    packet(r, 0, 18 * 60, 18, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 18);
    assert_int_equal(p.nr_frags, 18);
    assert_int_equal(p.frag[0].len, 60);
    assert_int_equal(p.frag[17].start, 17 * 60);
    assert_tiled(&p);
}

static void test_19_data_requests_drop(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    packet(r, 0, 19 * 60, 19, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 19);

    /* 19 follow-ons (20 data requests) is still fewer than F = 20. */
    at(r, 0);
    packet(r, 0, 20 * 60, 20, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 20);

    /* With extras in front the slot count includes them. */
    at(r, 0);
    req(r, 0, 1000, 0, NETTXF_more_data | NETTXF_extra_info, 19 * 60);
    gso(r, 1000, XEN_NETIF_GSO_TYPE_TCPV6, true);
    extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, false);
    for (unsigned k = 1; k < 19; k++)
        req(r, (uint16_t)k, 1000 + k, 0, k < 18 ? NETTXF_more_data : 0, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 21);
    assert_true(p.slot_is_extra[1]);
    assert_true(p.slot_is_extra[2]);
    assert_false(p.slot_is_extra[20]);
    assert_int_equal(p.slot_id[20], 18);
}

/* F follow-on requests, complete and published, are fatal (7, tier b). */
static void test_F_follow_ons_fatal(void **state)
{
    static const unsigned fs[] = { 19, 20, 33, 64 };
    struct rb *r = *state;
    struct tx_packet p;

    for (unsigned i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        struct tx_parse_cfg cfg = { .tx_slot_len = 256, .rx_slot_len = 256,
                                    .fatal_slots = fs[i] };

        /* F - 1 follow-ons: a drop (more than 18 data requests). */
        at(r, 0);
        packet(r, 0, (uint16_t)(fs[i] * 20), fs[i], 20);
        parse(r, &cfg, &p);
        assert_verdict(&p, TX_DROP);
        assert_int_equal(p.nr_slots, fs[i]);

        /* Exactly F follow-ons, the last one ending the packet. */
        at(r, 0);
        packet(r, 0, (uint16_t)((fs[i] + 1) * 20), fs[i] + 1, 20);
        parse(r, &cfg, &p);
        assert_verdict(&p, TX_FATAL);
    }
}

static void test_more_than_F_follow_ons_fatal(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    packet(r, 0, 30 * 20, 30, 20);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* A whole ring of more_data: fatal, whatever F is. */
    struct tx_parse_cfg cfg = { .fatal_slots = TX_FATAL_SLOTS_MAX };
    at(r, 0);
    for (unsigned k = 0; k < NETIF_TX_RING_SIZE; k++)
        req(r, (uint16_t)k, k, 0, NETTXF_more_data, 20);
    parse(r, &cfg, &p);
    assert_verdict(&p, TX_FATAL);
}

static void test_runs_past_prod(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, NETTXF_more_data, 20);
    req(r, 2, 3, 0, NETTXF_more_data, 20);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* A single published request announcing more. */
    at(r, 5);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* The rest is in the ring but not published yet. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, 0, 20);
    tx_parse(r->ring, r->cons, r->prod - 1, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
}

/* ---- the page check (6.1, 7) ---- */

static void test_page_crossing(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 4000, 0, 97);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    at(r, 0);
    req(r, 0, 1, 4000, 0, 96);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);

    at(r, 0);
    req(r, 0, 1, 0, 0, 4096);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);

    at(r, 0);
    req(r, 0, 1, 0, 0, 4097);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* A follow-on crossing its page. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 200);
    req(r, 1, 2, 4095, 0, 2);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* Fragment 1's computed length is what is checked. */
    at(r, 0);
    req(r, 0, 1, 4000, NETTXF_more_data, 200);
    req(r, 1, 2, 0, 0, 104);                /* fragment 1: 96, ends at 4096 */
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    at(r, 0);
    req(r, 0, 1, 4000, NETTXF_more_data, 200);
    req(r, 1, 2, 0, 0, 103);                /* fragment 1: 97, ends at 4097 */
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* Checked even for a fragment wholly below h, never accessed (6.1). */
    at(r, 0);
    req(r, 0, 0, 4090, NETTXF_more_data, 1514);
    req(r, 1, 2, 0, 0, 1500);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* A fatal fragment outranks a drop reason elsewhere in the packet. */
    at(r, 0);
    req(r, 0, 1, 4095, 0, 10);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data | FLAG_BIT6, 100);
    req(r, 1, 2, 4000, 0, 97);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
}

/*
 * Tier b outranks tier a whatever the order in which they are found: a
 * follow-on crossing its page is fatal even when the follow-on sizes also
 * exceed the total (7 lists both; a fatal condition disables the vif).
 */
static void test_fatal_fragment_with_oversized_follow_ons(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 4000, 0, 200);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
}

/* ---- request ids on a staged queue (4.3) ---- */

static void test_id_range(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 256, 1, 0, 0, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_FATAL);

    at(r, 0);
    req(r, 0xFFFF, 1, 0, 0, 60);
    parse(r, &TX_ONLY, &p);
    assert_verdict(&p, TX_FATAL);

    at(r, 0);
    req(r, 255, 1, 0, 0, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.slot_id[0], 255);

    /* On a follow-on. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 256, 2, 0, 0, 40);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* Unstaged TX (no staging at all, or RX only): ids unrestricted. */
    at(r, 0);
    req(r, 300, 1, 0, NETTXF_more_data, 100);
    req(r, 301, 2, 0, 0, 40);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.slot_id[0], 300);
    assert_int_equal(p.slot_id[1], 301);

    at(r, 0);
    req(r, 300, 1, 0, 0, 60);
    parse(r, &RX_ONLY, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 0);
}

/* ---- extra info ---- */

static void test_gso_extra(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 2, 1, 0, NETTXF_extra_info | NETTXF_more_data | NETTXF_csum_blank, 3000);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, false);
    req(r, 3, 2, 0, 0, 1000);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 3);
    assert_int_equal(p.nr_frags, 2);
    assert_int_equal(p.slot_id[0], 2);
    assert_false(p.slot_is_extra[0]);
    assert_true(p.slot_is_extra[1]);
    assert_false(p.slot_is_extra[2]);
    assert_int_equal(p.slot_id[2], 3);
    assert_int_equal(p.meta.gso_size, 1448);
    assert_int_equal(p.meta.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
    assert_true(p.meta.csum_blank);
    assert_int_equal(p.frag[0].len, 2000);
    assert_int_equal(p.frag[1].start, 2000);
    assert_int_equal(p.head, 256);

    at(r, 0);
    req(r, 2, 1, 0, NETTXF_extra_info | NETTXF_csum_blank, 4000);
    gso(r, 1428, XEN_NETIF_GSO_TYPE_TCPV6, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 2);
    assert_int_equal(p.nr_frags, 1);
    assert_int_equal(p.meta.gso_size, 1428);
    assert_int_equal(p.meta.gso_type, XEN_NETIF_GSO_TYPE_TCPV6);
}

static void test_extra_bad_type(void **state)
{
    static const uint8_t bad[] = { XEN_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_TYPE_MAX, 6, 255 };
    struct rb *r = *state;
    struct tx_packet p;

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        at(r, 0);
        req(r, 0, 1, 0, NETTXF_extra_info, 60);
        extra(r, bad[i], false);
        parse(r, &UNSTAGED, &p);
        assert_verdict(&p, TX_FATAL);

        /* Second in a chain. */
        at(r, 0);
        req(r, 0, 1, 0, NETTXF_extra_info, 60);
        gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, true);
        extra(r, bad[i], false);
        parse(r, &UNSTAGED, &p);
        assert_verdict(&p, TX_FATAL);
    }
    /* Every valid type is accepted. */
    for (uint8_t t = XEN_NETIF_EXTRA_TYPE_MCAST_ADD; t < XEN_NETIF_EXTRA_TYPE_MAX; t++) {
        at(r, 0);
        req(r, 0, 1, 0, NETTXF_extra_info, 60);
        extra(r, t, false);
        parse(r, &UNSTAGED, &p);
        assert_verdict(&p, TX_OK);
        assert_int_equal(p.nr_slots, 2);
        assert_false(p.mcast_only);
    }
}

static void test_gso_extra_invalid(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 3000);
    gso(r, 0, XEN_NETIF_GSO_TYPE_TCPV4, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 3000);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_NONE, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 3000);
    gso(r, 1448, 3, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
}

static void test_extra_past_prod(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* extra_info on the last published request. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 60);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* An extra announcing another that is not published. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 60);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, true);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* Extras complete, the follow-on is not published. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info | NETTXF_more_data, 60);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
}

static void test_extra_chain_length(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* Four, one of each type: fine. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info | NETTXF_more_data, 100);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, true);
    extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, true);
    extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, true);
    extra(r, XEN_NETIF_EXTRA_TYPE_HASH, false);
    req(r, 1, 2, 0, 0, 40);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 6);
    assert_int_equal(p.nr_frags, 2);
    for (unsigned k = 1; k <= 4; k++)
        assert_true(p.slot_is_extra[k]);
    assert_false(p.slot_is_extra[5]);
    assert_int_equal(p.slot_id[5], 1);
    assert_int_equal(p.frag[0].len, 60);

    /* Five chained: fatal, even with the fifth published and valid. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 100);
    for (unsigned k = 0; k < 5; k++)
        extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, k < 4);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* A long MORE chain of valid extras filling the ring. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_extra_info, 100);
    for (unsigned k = 0; k < 40; k++)
        extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, true);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_FATAL);
}

static void test_mcast_only(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 9, 0, 0, NETTXF_extra_info, 0);
    extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, false);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_true(p.mcast_only);
    assert_int_equal(p.nr_slots, 2);
    assert_int_equal(p.slot_id[0], 9);
    assert_true(p.slot_is_extra[1]);
    assert_int_equal(p.total, 0);
    assert_int_equal(p.head, 0);              /* 6.3: nothing read from the slot */

    at(r, 0);
    req(r, 9, 0, 0, NETTXF_extra_info, 0);
    extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_true(p.mcast_only);

    /* A multicast extra on a real packet: an ordinary packet. */
    at(r, 0);
    req(r, 9, 0, 0, NETTXF_extra_info, 60);
    extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, false);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_false(p.mcast_only);
    assert_int_equal(p.head, 60);

    /* Size 0 with only a GSO extra is a short packet, not multicast. */
    at(r, 0);
    req(r, 9, 0, 0, NETTXF_extra_info, 0);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, false);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 2);
}

/* ---- NETTXF_staging_buffer (6.4) ---- */

static void test_staging_buffer_first(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* A TX slot. */
    at(r, 0);
    req(r, 1, XEN_NETIF_DATA_ID_TX(5), 0, NETTXF_staging_buffer, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 0);
    assert_int_equal(p.frag[0].gref, 5);
    assert_int_equal(p.frag[0].len, 60);
    assert_true(p.frag[0].flags & NETTXF_staging_buffer);

    /* 6.4's example: echo bounced from RX slot 256 + 7. */
    at(r, 0);
    req(r, 1, 263, 0, NETTXF_staging_buffer, 98);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 0);
    assert_int_equal(p.frag[0].gref, 263);

    /* RX slot on a queue staging RX only; the last RX slot, to its end. */
    at(r, 0);
    req(r, 1, 511, 196, NETTXF_staging_buffer, 60);
    parse(r, &RX_ONLY, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 0);

    /* The RX slot length applies, not the TX one. */
    struct tx_parse_cfg mixed = { .tx_slot_len = 64, .rx_slot_len = 4096, .fatal_slots = 20 };
    at(r, 0);
    req(r, 1, 300, 1000, NETTXF_staging_buffer, 1514);
    parse(r, &mixed, &p);
    assert_verdict(&p, TX_OK);
    at(r, 0);
    req(r, 1, 30, 0, NETTXF_staging_buffer, 65);
    parse(r, &mixed, &p);
    assert_verdict(&p, TX_DROP);
    at(r, 0);
    req(r, 1, 30, 0, NETTXF_staging_buffer, 64);
    parse(r, &mixed, &p);
    assert_verdict(&p, TX_OK);

    /* Fragment 1 from slot d, follow-ons from granted pages. */
    at(r, 0);
    req(r, 1, 263, 0, NETTXF_staging_buffer | NETTXF_more_data, 1514);
    req(r, 2, 4321, 0, 0, 1300);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 0);
    assert_int_equal(p.frag[0].len, 214);
    assert_int_equal(p.frag[1].start, 214);
}

static void test_staging_buffer_follow_on(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 1, 55, 0, NETTXF_more_data, 300);
    req(r, 2, 263, 0, NETTXF_staging_buffer, 100);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 256);            /* 6.1 applies: head in TX slot 1 */
    assert_int_equal(p.frag[0].len, 200);
    assert_int_equal(p.frag[1].gref, 263);
    assert_int_equal(p.frag[1].start, 200);
    assert_int_equal(p.frag[1].len, 100);

    /* Beyond L on the follow-on: a drop, every slot consumed. */
    at(r, 0);
    req(r, 1, 55, 0, NETTXF_more_data, 300);
    req(r, 2, 263, 200, NETTXF_staging_buffer | NETTXF_more_data, 57);
    req(r, 3, 56, 0, 0, 10);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 3);

    /* A staging fragment ending exactly at L = 4096. */
    struct tx_parse_cfg big = { .tx_slot_len = 4096, .rx_slot_len = 4096, .fatal_slots = 20 };
    at(r, 0);
    req(r, 1, 55, 0, NETTXF_more_data, 300);
    req(r, 2, 100, 4000, NETTXF_staging_buffer, 96);
    parse(r, &big, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.head, 300);
}

static void test_staging_buffer_bad(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* Data id out of range. */
    static const uint32_t bad_ids[] = { 512, 513, 0xFFFF, 0x10000, 0xFFFFFFFFu };
    for (unsigned i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        at(r, 0);
        req(r, 1, bad_ids[i], 0, NETTXF_staging_buffer, 60);
        parse(r, &STAGED, &p);
        assert_verdict(&p, TX_DROP);
        assert_int_equal(p.nr_slots, 1);
    }

    /* Direction not negotiated. */
    at(r, 0);
    req(r, 1, 263, 0, NETTXF_staging_buffer, 60);
    parse(r, &TX_ONLY, &p);
    assert_verdict(&p, TX_DROP);
    at(r, 0);
    req(r, 1, 5, 0, NETTXF_staging_buffer, 60);
    parse(r, &RX_ONLY, &p);
    assert_verdict(&p, TX_DROP);

    /* A queue without slot mode. */
    at(r, 0);
    req(r, 1, 5, 0, NETTXF_staging_buffer, 60);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);
    at(r, 0);
    req(r, 1, 300, 0, NETTXF_staging_buffer, 60);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);

    /* offset + length beyond L (256), and exactly L. */
    at(r, 0);
    req(r, 1, 5, 200, NETTXF_staging_buffer, 57);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    at(r, 0);
    req(r, 1, 5, 200, NETTXF_staging_buffer, 56);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    at(r, 0);
    req(r, 1, 5, 0, NETTXF_staging_buffer, 257);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);

    /* First fragment's computed length beyond L. */
    at(r, 0);
    req(r, 1, 300, 0, NETTXF_staging_buffer | NETTXF_more_data, 400);
    req(r, 2, 77, 0, 0, 143);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 2);
    at(r, 0);
    req(r, 1, 300, 0, NETTXF_staging_buffer | NETTXF_more_data, 400);
    req(r, 2, 77, 0, 0, 144);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);

    /* On a follow-on with a bad id: still a drop, all slots consumed. */
    at(r, 0);
    req(r, 1, 55, 0, NETTXF_more_data | NETTXF_extra_info, 300);
    gso(r, 100, XEN_NETIF_GSO_TYPE_TCPV4, false);
    req(r, 2, 600, 0, NETTXF_staging_buffer | NETTXF_more_data, 100);
    req(r, 3, 56, 0, 0, 10);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 4);
}

/* ---- flags (7, tier a) ---- */

static void test_unknown_flags(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 0, 1, 0, FLAG_BIT6, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 1);

    at(r, 0);
    req(r, 0, 1, 0, 0x8000, 60);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);

    /* NETTXF_data_ring on a slot-mode queue. */
    at(r, 0);
    req(r, 0, 1, 0, FLAG_BIT5, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);

    /* On a follow-on: the whole packet goes. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, NETTXF_more_data | FLAG_BIT5, 20);
    req(r, 2, 3, 0, 0, 20);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 3);
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_more_data, 100);
    req(r, 1, 2, 0, FLAG_BIT6, 20);
    parse(r, &UNSTAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_int_equal(p.nr_slots, 2);

    /* All known bits together are fine. */
    at(r, 0);
    req(r, 0, 1, 0, NETTXF_csum_blank | NETTXF_data_validated | NETTXF_more_data |
                    NETTXF_extra_info, 100);
    gso(r, 1448, XEN_NETIF_GSO_TYPE_TCPV4, false);
    req(r, 1, 2, 0, NETTXF_csum_blank | NETTXF_data_validated, 20);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
}

/* ---- ring indices ---- */

static void test_wrap_around(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    /* Positions 254, 255, 0, 1, 2 with cons about to wrap to 0. */
    at(r, 0xFFFFFFFEu);
    req(r, 10, 1, 0, NETTXF_more_data | NETTXF_extra_info, 1000);
    gso(r, 536, XEN_NETIF_GSO_TYPE_TCPV4, false);
    req(r, 11, 2, 0, NETTXF_more_data, 300);
    req(r, 12, 3, 0, 0, 200);
    req(r, 99, 4, 0, 0, 60);                  /* the next packet */
    assert_int_equal(r->prod, 3);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 4);
    assert_int_equal(p.slot_id[0], 10);
    assert_true(p.slot_is_extra[1]);
    assert_int_equal(p.slot_id[2], 11);
    assert_int_equal(p.slot_id[3], 12);
    assert_int_equal(p.frag[0].len, 500);
    assert_int_equal(p.frag[2].start, 800);
    assert_int_equal(p.meta.gso_size, 536);

    /* The next packet, at cons + nr_slots (= 2). */
    tx_parse(r->ring, r->cons + p.nr_slots, r->prod, &STAGED, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.slot_id[0], 99);
    assert_int_equal(p.nr_slots, 1);

    /* Past prod across the wrap. */
    at(r, 0xFFFFFFFFu);
    req(r, 1, 1, 0, NETTXF_more_data, 100);
    req(r, 2, 1, 0, NETTXF_more_data, 50);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_FATAL);

    /* A full ring of one-request packets, walking all the way round. */
    at(r, 0xFFFFFF80u);
    for (unsigned k = 0; k < NETIF_TX_RING_SIZE; k++)
        req(r, (uint16_t)k, k, 0, 0, (uint16_t)(60 + k));
    for (uint32_t c = r->cons, k = 0; c != r->prod; c += p.nr_slots, k++) {
        tx_parse(r->ring, c, r->prod, &STAGED, &p);
        assert_verdict(&p, TX_OK);
        assert_int_equal(p.nr_slots, 1);
        assert_int_equal(p.slot_id[0], k);
        assert_int_equal(p.total, 60 + k);
    }
}

/*
 * tx_is_small_staged: the backend's shortcut for one-request packets that
 * lie wholly in their slot.  Where it says yes, tx_parse must agree and
 * give exactly the one-slot result the shortcut relies on; everything it
 * declines (valid or not) is left to tx_parse.
 */
static void check_small(struct rb *r, const struct tx_parse_cfg *cfg, uint16_t id,
                        uint16_t offset, uint16_t flags, uint16_t size, bool expect)
{
    struct netif_tx_request q = { .gref = 77, .offset = offset, .flags = flags, .id = id,
                                  .size = size };
    struct tx_packet p;

    at(r, 3);
    req(r, id, 77, offset, flags, size);
    if (tx_is_small_staged(&q, cfg) != expect)
        fail_msg("id %u offset %u flags %#x size %u (slot %u): expected %s", id, offset, flags,
                 size, cfg->tx_slot_len, expect ? "small" : "not small");
    if (!expect)
        return;
    parse(r, cfg, &p);
    assert_verdict(&p, TX_OK);
    assert_int_equal(p.nr_slots, 1);
    assert_int_equal(p.total, size);
    assert_int_equal(p.head, size);
    assert_int_equal(p.slot_id[0], id);
    assert_int_equal(p.meta.csum_blank, (flags & NETTXF_csum_blank) != 0);
    assert_int_equal(p.meta.data_validated, (flags & NETTXF_data_validated) != 0);
    assert_int_equal(p.meta.gso_size, 0);
}

static void test_small_staged(void **state)
{
    struct rb *r = *state;

    check_small(r, &STAGED, 5, 0, 0, 64, true);
    check_small(r, &STAGED, 255, 0, NETTXF_csum_blank | NETTXF_data_validated, 256, true);
    check_small(r, &STAGED, 0, 4032, NETTXF_data_validated, 14, true);
    check_small(r, &TX_ONLY, 9, 0, 0, 60, true);
    /* Valid, but not all in the slot, or not staged. */
    check_small(r, &STAGED, 5, 0, 0, 257, false);
    check_small(r, &UNSTAGED, 5, 0, 0, 64, false);
    check_small(r, &RX_ONLY, 5, 0, 0, 64, false);
    /* Packets of more than one slot. */
    check_small(r, &STAGED, 5, 0, NETTXF_more_data, 64, false);
    check_small(r, &STAGED, 5, 0, NETTXF_extra_info, 64, false);
    check_small(r, &STAGED, 5, 0, NETTXF_staging_buffer, 64, false);
    /* What tx_parse drops or finds fatal. */
    check_small(r, &STAGED, 5, 0, 0, 13, false);
    check_small(r, &STAGED, 5, 0, FLAG_BIT5, 64, false);
    check_small(r, &STAGED, 5, 0, FLAG_BIT6, 64, false);
    check_small(r, &STAGED, 256, 0, 0, 64, false);
    check_small(r, &STAGED, 0xffff, 0, 0, 64, false);
    check_small(r, &STAGED, 5, 4050, 0, 64, false);
    /* Data ring queues: the flag is what stages the packet. */
    check_small(r, &RING, 5, 0, NETTXF_data_ring, 64, true);
    check_small(r, &RING, 5, 0, NETTXF_data_ring | NETTXF_csum_blank, 200, true);
    check_small(r, &RING, 5, 0, 0, 64, false);
    check_small(r, &RING, 5, 0, NETTXF_data_ring, 201, false);
    check_small(r, &RING, 5, 0, NETTXF_data_ring | NETTXF_staging_buffer, 64, false);
}

/* NETTXF_data_ring on a data ring queue (8.4): the head is the next record's. */
static void test_data_ring_head(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 4, 1, 0, NETTXF_data_ring, 150);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_OK);
    assert_true(p.ring);
    assert_int_equal(p.head, 150);

    /* Longer than tx-data-len: the first 200 octets in the record, the rest granted. */
    at(r, 0);
    req(r, 4, 1, 0, NETTXF_data_ring | NETTXF_more_data, 1500);
    req(r, 5, 2, 0, 0, 500);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_OK);
    assert_true(p.ring);
    assert_int_equal(p.head, 200);
    assert_int_equal(p.nr_frags, 2);

    /* Without the flag (the ring was full): plain netif, nothing staged. */
    at(r, 0);
    req(r, 4, 1, 0, 0, 150);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_OK);
    assert_false(p.ring);
    assert_int_equal(p.head, 0);
}

/*
 * A flagged packet owns its record whatever the verdict, so that the
 * backend consumes the record and the ring stays in step with the
 * requests; the flag means nothing on a queue without a ring.
 */
static void test_data_ring_dropped(void **state)
{
    struct rb *r = *state;
    struct tx_packet p;

    at(r, 0);
    req(r, 4, 1, 0, NETTXF_data_ring, 10);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_DROP);
    assert_true(p.ring);

    at(r, 0);
    req(r, 4, 1, 0, NETTXF_data_ring | FLAG_BIT6, 60);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_DROP);
    assert_true(p.ring);

    /* On a follow-on the flag is unknown: dropped, and only a flagged first owns a record. */
    at(r, 0);
    req(r, 4, 1, 0, NETTXF_more_data, 300);
    req(r, 5, 2, 0, NETTXF_data_ring, 100);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_DROP);
    assert_false(p.ring);

    /* A staging buffer names a slot, and a ring queue has none. */
    at(r, 0);
    req(r, 4, 3, 0, NETTXF_data_ring | NETTXF_staging_buffer, 60);
    parse(r, &RING, &p);
    assert_verdict(&p, TX_DROP);
    assert_true(p.ring);

    at(r, 0);
    req(r, 4, 1, 0, NETTXF_data_ring, 60);
    parse(r, &STAGED, &p);
    assert_verdict(&p, TX_DROP);
    assert_false(p.ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_60_unstaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_60_staged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_at_slot_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_1514_one_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_fragment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_length_fragment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_ons_exceed_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_packet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_18_data_requests_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_19_data_requests_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_F_follow_ons_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_than_F_follow_ons_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_past_prod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_crossing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fatal_fragment_with_oversized_follow_ons, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_id_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gso_extra, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extra_bad_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gso_extra_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extra_past_prod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extra_chain_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mcast_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staging_buffer_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staging_buffer_follow_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staging_buffer_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrap_around, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_staged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_ring_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_ring_dropped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, NULL);
}
