/*
 * test_data_ring.c - one direction of a staging data ring
 * (common/data_ring.c) against docs/netif-staging.md section 8: records
 * (an 8-octet header, the head, zero padding to a multiple of 8) in a
 * circular byte ring with free-running octet indices.
 *
 * Each test plays both ends: two struct ns_dring over the same ring, the
 * producer's and the consumer's, and a private "interface page" of two
 * uint32_t indices between them.  The ring is a heap allocation of exactly
 * R octets filled with a junk pattern, so under `make test SANITIZE=1` any
 * access outside data[0..R) is an AddressSanitizer error, and an octet the
 * code should not have written still holds junk.
 *
 * The consumer's peer is hostile: every check the consumer makes on the
 * producer index and on a record header has a test of its own, which also
 * checks that a refused take leaves the consumer where it was.  Some
 * records are written by hand (octet by octet, wrapping here) rather than
 * with ns_dring_put, so the consumer is not only tested against the
 * producer's own idea of the layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/data_ring.h"

#define R 256u                  /* ring octets */
#define MASK (R - 1)
#define MAX_LEN 128u            /* the direction's -data-len */
#define JUNK 0xA5

struct pair {
    uint8_t *data;              /* exactly R octets */
    uint32_t prod_idx;          /* the interface page: written by the producer */
    uint32_t cons_idx;          /* ... and by the consumer */
    struct ns_dring p;          /* the producer end */
    struct ns_dring c;          /* the consumer end */
};

static int setup(void **state)
{
    struct pair *t = calloc(1, sizeof(*t));

    if (!t)
        return -1;
    t->data = malloc(R);
    if (!t->data) {
        free(t);
        return -1;
    }
    memset(t->data, JUNK, R);
    ns_dring_init(&t->p, t->data, R, MAX_LEN, &t->prod_idx, &t->cons_idx);
    ns_dring_init(&t->c, t->data, R, MAX_LEN, &t->prod_idx, &t->cons_idx);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct pair *t = *state;

    free(t->data);
    free(t);
    return 0;
}

/* Both ends and both indices at idx, as if the ring had been used up to there. */
static void start_at(struct pair *t, uint32_t idx)
{
    t->prod_idx = t->cons_idx = idx;
    t->p.prod = t->p.cons = idx;
    t->c.prod = t->c.cons = idx;
}

static uint8_t pattern(unsigned seed, uint32_t i)
{
    return (uint8_t)(seed * 31u + i * 7u + 1u);
}

static uint8_t *pattern_buf(unsigned seed, uint32_t len)
{
    uint8_t *b = malloc(len ? len : 1);

    assert_non_null(b);
    for (uint32_t i = 0; i < len; i++)
        b[i] = pattern(seed, i);
    return b;
}

/* The ring octet at free-running index idx. */
static uint8_t *at(struct pair *t, uint32_t idx)
{
    return &t->data[idx & MASK];
}

/* Producer: a record of len pattern octets, after checking it fits. */
static void put(struct pair *t, uint16_t id, uint16_t len, unsigned seed)
{
    uint8_t *src = pattern_buf(seed, len);

    assert_int_equal(ns_dring_fits(&t->p, ns_dring_rec_size(len)), 1);
    ns_dring_put(&t->p, id, src, len);
    free(src);
}

/*
 * Consumer: take the record (id, len) into a buffer of exactly len octets
 * and check its bytes.
 */
static void take(struct pair *t, uint16_t id, uint16_t len, unsigned seed)
{
    uint8_t *out = malloc(len ? len : 1);
    const char *why = NULL;
    uint32_t cons = t->c.cons;
    int got;

    assert_non_null(out);
    got = ns_dring_take(&t->c, id, len, out, &why);
    if (got < 0)
        print_error("take refused: %s\n", why ? why : "no reason");
    assert_int_equal(got, len);
    for (uint32_t i = 0; i < len; i++)
        assert_int_equal(out[i], pattern(seed, i));
    assert_int_equal(t->c.cons, cons + ns_dring_rec_size(len));
    free(out);
}

/*
 * A record written by hand at index idx, octet by octet with the wrap
 * done here: header (len, id, reserved), len pattern octets, zero padding.
 * The header last, so a record longer than the ring still has it.
 */
static void raw_record(struct pair *t, uint32_t idx, uint16_t len, uint16_t id,
                       uint16_t reserved, unsigned seed)
{
    struct xen_netif_data_ring_rec h = { .len = len, .id = id, .reserved = reserved };
    uint8_t hb[sizeof(h)];
    uint32_t i;

    for (i = 0; i < len; i++)
        *at(t, idx + 8 + i) = pattern(seed, i);
    for (; i < ((len + 7u) & ~7u); i++)
        *at(t, idx + 8 + i) = 0;
    memcpy(hb, &h, sizeof(h));
    for (i = 0; i < sizeof(h); i++)
        *at(t, idx + i) = hb[i];
}

/* The header at index idx, and the record's octets as ns_dring_put must lay them out. */
static void check_record(struct pair *t, uint32_t idx, uint16_t len, uint16_t id, unsigned seed)
{
    struct xen_netif_data_ring_rec h;
    uint32_t i;

    memcpy(&h, at(t, idx), sizeof(h));
    assert_int_equal(h.len, len);
    assert_int_equal(h.id, id);
    assert_int_equal(h.flags, 0);
    assert_int_equal(h.reserved, 0);
    for (i = 0; i < len; i++)
        assert_int_equal(*at(t, idx + 8 + i), pattern(seed, i));
    for (; i < ((len + 7u) & ~7u); i++)
        assert_int_equal(*at(t, idx + 8 + i), 0);
}

/*
 * A take the consumer must refuse: -1, a reason mentioning reason_part,
 * nothing copied, and the consumer still where it was.
 */
static void refused(struct pair *t, uint16_t id, uint32_t want, const char *reason_part)
{
    uint8_t out[MAX_LEN + 8];
    const char *why = NULL;
    uint32_t cons = t->c.cons, cons_idx = t->cons_idx;

    memset(out, JUNK, sizeof(out));
    assert_int_equal(ns_dring_take(&t->c, id, want, out, &why), -1);
    assert_non_null(why);
    if (!strstr(why, reason_part))
        print_error("reason \"%s\", expected one about \"%s\"\n", why, reason_part);
    assert_non_null(strstr(why, reason_part));
    assert_int_equal(t->c.cons, cons);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], JUNK);
    assert_int_equal(t->cons_idx, cons_idx);
}

/* ---- layout and round trips ---- */

static void test_rec_size(void **state)
{
    (void)state;
    assert_int_equal(ns_dring_rec_size(0), 8);
    assert_int_equal(ns_dring_rec_size(1), 16);
    assert_int_equal(ns_dring_rec_size(8), 16);
    assert_int_equal(ns_dring_rec_size(9), 24);
    assert_int_equal(ns_dring_rec_size(65535), 8 + 65536);
}

/* One record, octet for octet: header, head, zero padding, nothing beyond. */
static void test_record_layout(void **state)
{
    struct pair *t = *state;
    static const uint8_t hdr[8] = { 13, 0, 0x34, 0x12, 0, 0, 0, 0 };

    put(t, 0x1234, 13, 1);
    assert_int_equal(t->p.prod, 24);
    assert_memory_equal(t->data, hdr, sizeof(hdr));   /* little endian, as on x86 */
    for (uint32_t i = 0; i < 13; i++)
        assert_int_equal(t->data[8 + i], pattern(1, i));
    for (uint32_t i = 21; i < 24; i++)
        assert_int_equal(t->data[i], 0);
    for (uint32_t i = 24; i < R; i++)
        assert_int_equal(t->data[i], JUNK);
    /* Not visible before it is published. */
    assert_int_equal(t->prod_idx, 0);
    ns_dring_publish(&t->p);
    assert_int_equal(t->prod_idx, 24);
}

/* Every padding length: written as zero, exactly up to the next multiple of 8. */
static void test_padding_zero(void **state)
{
    struct pair *t = *state;

    for (uint16_t len = 0; len <= 17; len++) {
        uint32_t idx = t->p.prod, rec = ns_dring_rec_size(len);

        memset(t->data, JUNK, R);
        put(t, len, len, len);
        check_record(t, idx, len, len, len);
        assert_int_equal(t->p.prod, idx + rec);
        assert_int_equal(*at(t, idx + rec), JUNK);
        assert_int_equal(*at(t, idx - 1), JUNK);
        ns_dring_publish(&t->p);
        take(t, len, len, len);
        ns_dring_release(&t->c);
    }
}

/* Several records of various lengths, in two batches. */
static void test_round_trip(void **state)
{
    struct pair *t = *state;
    static const uint16_t batch1[] = { 1, 7, 8, 9, 13, 64 };
    static const uint16_t batch2[] = { 0, MAX_LEN, 3 };
    uint32_t expect = 0;
    unsigned k;

    for (k = 0; k < sizeof(batch1) / sizeof(batch1[0]); k++)
        put(t, (uint16_t)(100 + k), batch1[k], k);
    ns_dring_publish(&t->p);
    for (k = 0; k < sizeof(batch1) / sizeof(batch1[0]); k++) {
        take(t, (uint16_t)(100 + k), batch1[k], k);
        expect += ns_dring_rec_size(batch1[k]);
    }
    assert_int_equal(t->c.cons, expect);
    assert_int_equal(t->cons_idx, 0);           /* given back only on release */
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, expect);

    for (k = 0; k < sizeof(batch2) / sizeof(batch2[0]); k++)
        put(t, (uint16_t)(0xFFF0 + k), batch2[k], 10 + k);
    ns_dring_publish(&t->p);
    for (k = 0; k < sizeof(batch2) / sizeof(batch2[0]); k++) {
        take(t, (uint16_t)(0xFFF0 + k), batch2[k], 10 + k);
        expect += ns_dring_rec_size(batch2[k]);
    }
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, expect);
    assert_int_equal(t->prod_idx, expect);
}

/* A ring exactly full (prod - cons == R) is fine, and empties again. */
static void test_full_ring(void **state)
{
    struct pair *t = *state;

    for (unsigned k = 0; k < R / 64; k++)
        put(t, (uint16_t)k, 56, k);             /* 64 octets each */
    assert_int_equal(t->p.prod, R);
    assert_int_equal(ns_dring_fits(&t->p, 8), 0);
    ns_dring_publish(&t->p);
    for (unsigned k = 0; k < R / 64; k++)
        take(t, (uint16_t)k, 56, k);
    ns_dring_release(&t->c);
    assert_int_equal(ns_dring_fits(&t->p, R), 1);
}

/* ---- wrapping ---- */

/* A record whose head runs off the end of the ring: put writes it in two parts. */
static void test_put_wraps(void **state)
{
    struct pair *t = *state;
    uint32_t i;

    start_at(t, R - 16);
    put(t, 7, 30, 3);           /* header at 240, head 248..256 then 0..22, padding 22..24 */
    assert_int_equal(t->p.prod, R + 24);
    check_record(t, R - 16, 30, 7, 3);
    for (i = 0; i < 8; i++)
        assert_int_equal(t->data[248 + i], pattern(3, i));
    for (i = 0; i < 22; i++)
        assert_int_equal(t->data[i], pattern(3, 8 + i));
    assert_int_equal(t->data[22], 0);
    assert_int_equal(t->data[23], 0);
    for (i = 24; i < R - 16; i++)
        assert_int_equal(t->data[i], JUNK);
    ns_dring_publish(&t->p);
    take(t, 7, 30, 3);
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, R + 24);
}

/* A header in the last 8 octets: the head starts at ring offset 0. */
static void test_put_header_at_end(void **state)
{
    struct pair *t = *state;

    start_at(t, R - 8);
    put(t, 9, 20, 4);
    assert_int_equal(t->data[0], pattern(4, 0));
    assert_int_equal(t->data[19], pattern(4, 19));
    check_record(t, R - 8, 20, 9, 4);
    assert_int_equal(t->data[24], JUNK);
    ns_dring_publish(&t->p);
    take(t, 9, 20, 4);
}

/* Records written by hand across the end: take reads both parts. */
static void test_take_wraps(void **state)
{
    struct pair *t = *state;

    start_at(t, R - 24);
    raw_record(t, R - 24, 30, 0x0501, 0, 5);    /* head 240..256, then 0..14 */
    raw_record(t, R + 16, 5, 0x0502, 0, 6);
    t->prod_idx = R + 16 + 16;
    take(t, 0x0501, 30, 5);
    take(t, 0x0502, 5, 6);

    start_at(t, 2 * R - 8);
    raw_record(t, 2 * R - 8, 100, 0x0503, 0, 7); /* header alone at the end */
    t->prod_idx = 2 * R - 8 + ns_dring_rec_size(100);
    take(t, 0x0503, 100, 7);
}

/* The free-running indices pass 2^32; nothing changes. */
static void test_index_wraps_32_bits(void **state)
{
    struct pair *t = *state;

    start_at(t, UINT32_MAX - 63);               /* 2^32 - 64: ring offset 192 */
    for (unsigned round = 0; round < 3; round++) {
        put(t, (uint16_t)round, 50, round);     /* 64 octets */
        put(t, (uint16_t)(round + 10), 100, round + 10); /* 112 octets */
        ns_dring_publish(&t->p);
        take(t, (uint16_t)round, 50, round);
        take(t, (uint16_t)(round + 10), 100, round + 10);
        ns_dring_release(&t->c);
    }
    assert_int_equal(t->cons_idx, (uint32_t)(UINT32_MAX - 63 + 3 * 176));
    assert_int_equal(t->prod_idx, t->cons_idx);
}

/* ---- writing a head in place ---- */

/* Head octets read straight into the ring at ns_dring_next_head, then committed. */
static void test_commit_in_place(void **state)
{
    struct pair *t = *state;
    uint32_t contiguous = 0;
    uint8_t *head;

    start_at(t, R - 32);
    assert_int_equal(ns_dring_fits(&t->p, ns_dring_rec_size(20)), 1);
    head = ns_dring_next_head(&t->p, &contiguous);
    assert_ptr_equal(head, t->data + R - 24);
    assert_int_equal(contiguous, 24);           /* up to the ring's end */
    for (uint32_t i = 0; i < 20; i++)
        head[i] = pattern(8, i);
    ns_dring_commit(&t->p, 0x77, 20);
    check_record(t, R - 32, 20, 0x77, 8);
    assert_int_equal(t->p.prod, R);
    assert_int_equal(t->data[0], JUNK);

    /* The next head starts after a header at offset 0; the limit is the
     * free space as last seen (the consumer has not given any back). */
    head = ns_dring_next_head(&t->p, &contiguous);
    assert_ptr_equal(head, t->data + 8);
    assert_int_equal(contiguous, R - 32 - 8);
    ns_dring_publish(&t->p);
    take(t, 0x77, 20, 8);
}

/* A header in the last 8 octets: the in-place head starts at offset 0. */
static void test_commit_header_at_end(void **state)
{
    struct pair *t = *state;
    uint32_t contiguous = 0;
    uint8_t *head;

    start_at(t, R - 8);
    assert_int_equal(ns_dring_fits(&t->p, ns_dring_rec_size(MAX_LEN)), 1);
    head = ns_dring_next_head(&t->p, &contiguous);
    assert_ptr_equal(head, t->data);
    assert_int_equal(contiguous, R - 8);
    for (uint32_t i = 0; i < 61; i++)
        head[i] = pattern(9, i);
    ns_dring_commit(&t->p, 3, 61);
    check_record(t, R - 8, 61, 3, 9);
    assert_int_equal(t->data[64], JUNK);
    ns_dring_publish(&t->p);
    take(t, 3, 61, 9);
}

/* ---- the producer's view of the space ---- */

/* Refuses when full, accepts again once the consumer gives the space back. */
static void test_fits_full_then_released(void **state)
{
    struct pair *t = *state;

    for (unsigned k = 0; k < 3; k++)
        put(t, (uint16_t)k, 56, k);             /* 192 of 256 octets */
    assert_int_equal(ns_dring_fits(&t->p, 72), 0);
    assert_int_equal(ns_dring_fits(&t->p, 64), 1);
    put(t, 3, 56, 3);
    assert_int_equal(ns_dring_fits(&t->p, 8), 0);
    ns_dring_publish(&t->p);

    /* Taken but not released: still full. */
    take(t, 0, 56, 0);
    assert_int_equal(ns_dring_fits(&t->p, 8), 0);
    ns_dring_release(&t->c);
    assert_int_equal(ns_dring_fits(&t->p, 64), 1);
    assert_int_equal(t->p.cons, 64);
    assert_int_equal(ns_dring_fits(&t->p, 72), 0);
    put(t, 4, 56, 4);                           /* wraps onto the first record's space */
    ns_dring_publish(&t->p);
    take(t, 1, 56, 1);
    take(t, 2, 56, 2);
    take(t, 3, 56, 3);
    take(t, 4, 56, 4);
}

/* The consumer index is read only when the space last seen is too small. */
static void test_fits_rereads_only_when_needed(void **state)
{
    struct pair *t = *state;

    put(t, 1, 56, 1);
    ns_dring_publish(&t->p);
    take(t, 1, 56, 1);
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, 64);

    /* 192 octets free as last seen: enough, cons_idx not read. */
    assert_int_equal(ns_dring_fits(&t->p, 192), 1);
    assert_int_equal(t->p.cons, 0);
    t->cons_idx = 65;                           /* nonsense, but not looked at */
    assert_int_equal(ns_dring_fits(&t->p, 8), 1);
    assert_int_equal(t->p.cons, 0);
    /* Not enough: read, and the nonsense found. */
    assert_int_equal(ns_dring_fits(&t->p, 200), -1);
    assert_int_equal(t->p.cons, 0);
    t->cons_idx = 64;
    assert_int_equal(ns_dring_fits(&t->p, 200), 1);
    assert_int_equal(t->p.cons, 64);
}

/* Fill the ring so that ns_dring_fits has to read the consumer index. */
static void fill(struct pair *t)
{
    for (unsigned k = 0; k < R / 64; k++)
        put(t, (uint16_t)k, 56, k);
    assert_int_equal(t->p.prod - t->p.cons, R);
}

static void test_fits_cons_unaligned(void **state)
{
    struct pair *t = *state;

    fill(t);
    for (uint32_t bad = 1; bad < 8; bad++) {
        t->cons_idx = 64 + bad;
        assert_int_equal(ns_dring_fits(&t->p, 8), -1);
        assert_int_equal(t->p.cons, 0);
    }
}

static void test_fits_cons_ahead_of_prod(void **state)
{
    struct pair *t = *state;

    fill(t);
    t->cons_idx = R + 8;
    assert_int_equal(ns_dring_fits(&t->p, 8), -1);
    t->cons_idx = 0x80000000u;
    assert_int_equal(ns_dring_fits(&t->p, 8), -1);
    assert_int_equal(t->p.cons, 0);
    t->cons_idx = R;                            /* all given back: fine */
    assert_int_equal(ns_dring_fits(&t->p, R), 1);
}

static void test_fits_cons_more_than_a_ring_behind(void **state)
{
    struct pair *t = *state;

    fill(t);
    t->cons_idx = (uint32_t)-8;                 /* prod - cons == R + 8 */
    assert_int_equal(ns_dring_fits(&t->p, 8), -1);
    assert_int_equal(t->p.cons, 0);
}

/* ---- a hostile producer ---- */

static void test_take_prod_unaligned(void **state)
{
    struct pair *t = *state;

    put(t, 1, 8, 1);                            /* 16 octets */
    for (uint32_t bad = 1; bad < 8; bad++) {
        t->prod_idx = 16 + bad;
        refused(t, 1, 8, "multiple of 8");
        assert_int_equal(t->c.prod, 0);
    }
    t->prod_idx = 16;
    take(t, 1, 8, 1);
}

static void test_take_prod_more_than_a_ring_ahead(void **state)
{
    struct pair *t = *state;

    put(t, 1, 8, 1);
    t->prod_idx = R + 8;
    refused(t, 1, 8, "more than a ring ahead");
    t->prod_idx = (uint32_t)-8;                 /* behind the consumer */
    refused(t, 1, 8, "more than a ring ahead");
    assert_int_equal(t->c.prod, 0);
    t->prod_idx = R;                            /* a full ring: allowed */
    take(t, 1, 8, 1);
}

/* A record in the ring, but the producer index does not cover it. */
static void test_take_missing_record(void **state)
{
    struct pair *t = *state;

    put(t, 1, 8, 1);                            /* written, not published */
    refused(t, 1, 8, "no data ring record");
    refused(t, 1, NS_DRING_ANY_LEN, "no data ring record");
    ns_dring_publish(&t->p);
    take(t, 1, 8, 1);
    refused(t, 2, 8, "no data ring record");    /* the next one is not there */
}

static void test_take_reserved_nonzero(void **state)
{
    struct pair *t = *state;

    put(t, 1, 8, 1);
    ns_dring_publish(&t->p);
    /* Flags (octets 4-5) other than the whole-record bit, and reserved (6-7). */
    for (uint32_t b = 4; b < 8; b++) {
        t->data[b] = 0x02;
        refused(t, 1, 8, "reserved");
        refused(t, 1, NS_DRING_ANY_LEN, "reserved");
        t->data[b] = 0;
    }
    /* A whole record where a flagged packet's is due. */
    t->data[4] = XEN_NETIF_DATA_REC_WHOLE;
    refused(t, 1, 8, "whole record");
    refused(t, 1, NS_DRING_ANY_LEN, "whole record");
    t->data[4] = 0;
    take(t, 1, 8, 1);
}

static void test_take_wrong_id(void **state)
{
    struct pair *t = *state;

    put(t, 0x0100, 8, 1);
    ns_dring_publish(&t->p);
    refused(t, 0x0101, 8, "another id");
    refused(t, 0x0000, 8, "another id");        /* the low octet matches */
    refused(t, 0x0101, NS_DRING_ANY_LEN, "another id");
    take(t, 0x0100, 8, 1);
}

static void test_take_wrong_len(void **state)
{
    struct pair *t = *state;

    put(t, 1, 20, 1);                           /* 32 octets */
    ns_dring_publish(&t->p);
    refused(t, 1, 21, "wrong length");          /* same record size */
    refused(t, 1, 24, "wrong length");
    refused(t, 1, 19, "wrong length");
    refused(t, 1, 0, "wrong length");
    refused(t, 1, 20 + 0x10000u + 1, "wrong length");
    take(t, 1, 20, 1);
}

/* A header whose record would end beyond the producer index. */
static void test_take_runs_past_prod(void **state)
{
    struct pair *t = *state;
    uint8_t out[100];
    const char *why = NULL;

    raw_record(t, 0, 100, 1, 0, 1);             /* 112 octets */
    t->prod_idx = 8;                            /* just the header */
    refused(t, 1, 100, "runs past");
    t->prod_idx = 104;                          /* one word short */
    refused(t, 1, 100, "runs past");
    refused(t, 1, NS_DRING_ANY_LEN, "runs past");
    t->prod_idx = 112;
    assert_int_equal(ns_dring_take(&t->c, 1, 100, out, &why), 100);

    /* A length longer than the ring itself (an end that allows long heads). */
    start_at(t, 0);
    t->c.max_len = 65535;
    raw_record(t, 0, 1000, 2, 0, 2);
    t->prod_idx = R;
    refused(t, 2, 1000, "runs past");
    raw_record(t, 0, 65535, 2, 0, 2);
    refused(t, 2, NS_DRING_ANY_LEN, "runs past");
}

/* A refused take leaves the record where it was; the right take then gets it. */
static void test_refused_take_keeps_position(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;
    uint8_t out[MAX_LEN];

    put(t, 1, 10, 1);
    put(t, 2, 33, 2);
    ns_dring_publish(&t->p);
    take(t, 1, 10, 1);
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, 24);
    assert_int_equal(ns_dring_take(&t->c, 3, 33, out, &why), -1);
    assert_int_equal(ns_dring_take(&t->c, 2, 34, out, &why), -1);
    assert_int_equal(t->c.cons, 24);
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, 24);
    take(t, 2, 33, 2);
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, 24 + 48);
}

/* The producer index is read only when what was last read does not cover the record. */
static void test_take_rereads_prod_only_when_needed(void **state)
{
    struct pair *t = *state;

    put(t, 1, 8, 1);
    put(t, 2, 8, 2);
    ns_dring_publish(&t->p);
    take(t, 1, 8, 1);
    assert_int_equal(t->c.prod, 32);
    t->prod_idx = 33;                           /* nonsense, not looked at yet */
    take(t, 2, 8, 2);
    put(t, 3, 8, 3);
    refused(t, 3, 8, "multiple of 8");          /* now it is */
    ns_dring_publish(&t->p);
    take(t, 3, 8, 3);
}

/* ---- dropped packets and taking without copying ---- */

static void test_take_any_len(void **state)
{
    struct pair *t = *state;
    uint8_t *out = malloc(MAX_LEN);
    const char *why = NULL;

    assert_non_null(out);
    put(t, 1, MAX_LEN, 1);
    put(t, 2, 0, 2);
    put(t, 3, 77, 3);
    ns_dring_publish(&t->p);
    assert_int_equal(ns_dring_take(&t->c, 1, NS_DRING_ANY_LEN, out, &why), MAX_LEN);
    for (uint32_t i = 0; i < MAX_LEN; i++)
        assert_int_equal(out[i], pattern(1, i));
    assert_int_equal(ns_dring_take(&t->c, 2, NS_DRING_ANY_LEN, out, &why), 0);
    assert_int_equal(ns_dring_take(&t->c, 3, NS_DRING_ANY_LEN, out, &why), 77);
    for (uint32_t i = 0; i < 77; i++)
        assert_int_equal(out[i], pattern(3, i));
    assert_int_equal(t->c.cons, ns_dring_rec_size(MAX_LEN) + 8 + ns_dring_rec_size(77));
    free(out);
}

static void test_take_any_len_too_long(void **state)
{
    struct pair *t = *state;

    raw_record(t, 0, MAX_LEN + 1, 1, 0, 1);     /* 144 octets: in the ring, too long */
    t->prod_idx = ns_dring_rec_size(MAX_LEN + 1);
    refused(t, 1, NS_DRING_ANY_LEN, "wrong length");
    raw_record(t, 0, 0xFFFF, 1, 0, 1);
    refused(t, 1, NS_DRING_ANY_LEN, "wrong length");
}

/* out == NULL: the record is consumed, nothing copied. */
static void test_take_without_copy(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    put(t, 1, 40, 1);
    put(t, 2, 40, 2);
    put(t, 3, 9, 3);
    ns_dring_publish(&t->p);
    assert_int_equal(ns_dring_take(&t->c, 1, 40, NULL, &why), 40);
    assert_int_equal(t->c.cons, 48);
    assert_int_equal(ns_dring_take(&t->c, 2, NS_DRING_ANY_LEN, NULL, &why), 40);
    take(t, 3, 9, 3);
    /* A refused take without a buffer is refused the same way. */
    assert_int_equal(ns_dring_take(&t->c, 4, 8, NULL, &why), -1);
    assert_int_equal(t->c.cons, 48 + 48 + 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rec_size),
        cmocka_unit_test_setup_teardown(test_record_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_padding_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_header_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_wraps_32_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_header_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fits_full_then_released, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fits_rereads_only_when_needed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fits_cons_unaligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fits_cons_ahead_of_prod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fits_cons_more_than_a_ring_behind, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_take_prod_unaligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_prod_more_than_a_ring_ahead, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_take_missing_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_reserved_nonzero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_wrong_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_wrong_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_runs_past_prod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_take_keeps_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_rereads_prod_only_when_needed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_take_any_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_any_len_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_without_copy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, NULL);
}
