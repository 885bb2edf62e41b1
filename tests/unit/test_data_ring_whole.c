/*
 * test_data_ring_whole.c - whole records on a staging data ring
 * (common/data_ring.c, docs/netif-staging.md 8.7): a record flagged
 * XEN_NETIF_DATA_REC_WHOLE is a whole packet with no ring request, so the
 * consumer decides what it is from the header alone (ns_dring_peek), and
 * both ends sleep and wake on event indices of their own.
 *
 * Same fixture as test_data_ring.c: each test plays both ends over one
 * ring of exactly R octets (heap, junk-filled, so ASan sees any stray
 * access and an octet that should not be written still holds junk) and a
 * private "interface page": the two indices and the two event indices.
 * The consumer's peer is hostile: every refusal checks that the consumer
 * stays where it was and says why.
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
#define WHOLE XEN_NETIF_DATA_REC_WHOLE
#define BLANK XEN_NETIF_DATA_REC_CSUM_BLANK
#define VALID XEN_NETIF_DATA_REC_DATA_VALIDATED

struct pair {
    uint8_t *data;              /* exactly R octets */
    uint32_t prod_idx;          /* the interface page: written by the producer */
    uint32_t cons_idx;          /* ... and by the consumer */
    uint32_t prod_event;        /* the consumer's event index (at a producer index) */
    uint32_t cons_event;        /* the producer's event index (at a consumer index) */
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
    /* Each end writes its own event index and reads the other's. */
    ns_dring_use_whole(&t->p, &t->cons_event, &t->prod_event);
    ns_dring_use_whole(&t->c, &t->prod_event, &t->cons_event);
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

/* Both ends, their indices as shown, and the page at idx, as if used up to there. */
static void start_at(struct pair *t, uint32_t idx)
{
    t->prod_idx = t->cons_idx = idx;
    t->p.prod = t->p.cons = t->p.shown = idx;
    t->c.prod = t->c.cons = t->c.shown = idx;
}

static uint8_t pattern(unsigned seed, uint32_t i)
{
    return (uint8_t)(seed * 31u + i * 7u + 1u);
}

/* The ring octet at free-running index idx. */
static uint8_t *at(struct pair *t, uint32_t idx)
{
    return &t->data[idx & MASK];
}

/*
 * Producer: a whole record of len pattern octets written in place at
 * ns_dring_next_head (the wrapped part at the ring's start, as a caller
 * reading a frame into the ring would), then committed.
 */
static void put_whole(struct pair *t, uint16_t csum, uint16_t len, unsigned seed)
{
    uint32_t contiguous, i;
    uint8_t *head;

    assert_int_equal(ns_dring_fits(&t->p, ns_dring_rec_size(len)), 1);
    head = ns_dring_next_head(&t->p, &contiguous);
    for (i = 0; i < len; i++) {
        if (i < contiguous)
            head[i] = pattern(seed, i);
        else
            t->data[i - contiguous] = pattern(seed, i);
    }
    ns_dring_commit_whole(&t->p, csum, len);
}

/* Producer: a flagged packet's record. */
static void put_flagged(struct pair *t, uint16_t id, uint16_t len, unsigned seed)
{
    uint8_t src[MAX_LEN];

    for (uint32_t i = 0; i < len; i++)
        src[i] = pattern(seed, i);
    assert_int_equal(ns_dring_fits(&t->p, ns_dring_rec_size(len)), 1);
    ns_dring_put(&t->p, id, src, len);
}

/* A header written by hand at index idx (the hostile producer). */
static void raw_header(struct pair *t, uint32_t idx, uint16_t len, uint16_t id, uint16_t flags,
                       uint16_t reserved)
{
    struct xen_netif_data_ring_rec h = { .len = len, .id = id, .flags = flags,
                                         .reserved = reserved };

    memcpy(at(t, idx), &h, sizeof(h));
}

/* Consumer: peek, see a whole record, take it into exactly len octets, check everything. */
static void take_whole(struct pair *t, uint16_t csum, uint16_t len, unsigned seed)
{
    uint8_t *out = malloc(len ? len : 1);
    uint32_t cons = t->c.cons;
    const char *why = NULL;
    uint16_t got_csum = 0xFFFF;
    int got;

    assert_non_null(out);
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_true(ns_dring_held_whole(&t->c));
    got = ns_dring_take_whole(&t->c, out, &got_csum, &why);
    if (got < 0)
        print_error("take_whole refused: %s\n", why ? why : "no reason");
    assert_int_equal(got, len);
    assert_int_equal(got_csum, csum);
    for (uint32_t i = 0; i < len; i++)
        assert_int_equal(out[i], pattern(seed, i));
    assert_int_equal(t->c.cons, cons + ns_dring_rec_size(len));
    assert_false(t->c.have_hdr);        /* the next peek reads the next header */
    free(out);
}

/*
 * A whole record the consumer must refuse: peek holds it, take_whole
 * gives -1 and a reason mentioning reason_part, copies nothing, and the
 * consumer (its index and the one it shows) stays where it was.
 */
static void whole_refused(struct pair *t, const char *reason_part)
{
    uint8_t out[MAX_LEN + 8];
    uint32_t cons = t->c.cons, cons_idx = t->cons_idx;
    const char *why = NULL;
    uint16_t csum = 0xFFFF;

    memset(out, JUNK, sizeof(out));
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_true(ns_dring_held_whole(&t->c));
    assert_int_equal(ns_dring_take_whole(&t->c, out, &csum, &why), -1);
    assert_non_null(why);
    if (!strstr(why, reason_part))
        print_error("reason \"%s\", expected one about \"%s\"\n", why, reason_part);
    assert_non_null(strstr(why, reason_part));
    assert_int_equal(t->c.cons, cons);
    assert_int_equal(t->cons_idx, cons_idx);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], JUNK);
}

/* ---- round trips ---- */

/* Layout on the ring (header fields, zero padding), then each record back in order. */
static void test_whole_round_trip(void **state)
{
    struct pair *t = *state;
    struct xen_netif_data_ring_rec h;

    put_whole(t, BLANK, 13, 1);                 /* 8 + 16 */
    put_whole(t, VALID, 0, 2);                  /* 8: a header only */
    put_whole(t, BLANK | VALID, MAX_LEN, 3);    /* 8 + 128 */
    memcpy(&h, at(t, 0), sizeof(h));
    assert_int_equal(h.len, 13);
    assert_int_equal(h.id, 0);
    assert_int_equal(h.flags, WHOLE | BLANK);
    assert_int_equal(h.reserved, 0);
    for (uint32_t i = 8 + 13; i < 24; i++)
        assert_int_equal(t->data[i], 0);       /* padding zeroed, not left junk */
    memcpy(&h, at(t, 24), sizeof(h));
    assert_int_equal(h.flags, WHOLE | VALID);
    assert_int_equal(t->data[24 + 8 + 136], JUNK); /* nothing written past the last */
    ns_dring_publish(&t->p);
    assert_int_equal(t->prod_idx, 24 + 8 + 136);

    take_whole(t, BLANK, 13, 1);
    take_whole(t, VALID, 0, 2);
    take_whole(t, BLANK | VALID, MAX_LEN, 3);
    ns_dring_release(&t->c);
    assert_int_equal(t->cons_idx, 24 + 8 + 136);
}

/* A record whose head runs past the ring's end: the slow path's wrapped copy. */
static void test_whole_wraps(void **state)
{
    struct pair *t = *state;

    start_at(t, 0xFFFFFF00u + R - 16);         /* header at R-16, 8 octets before the end */
    put_whole(t, VALID, 37, 4);                 /* 8 + 40: ends at offset 32 */
    put_whole(t, BLANK, 5, 5);
    assert_int_equal(t->data[0 + 29], 0);      /* wrapped padding */
    assert_int_equal(t->data[31], 0);
    assert_int_equal(t->data[32 + 8 + 5], 0);
    assert_int_equal(t->data[32 + 16], JUNK);
    ns_dring_publish(&t->p);
    take_whole(t, VALID, 37, 4);
    take_whole(t, BLANK, 5, 5);
    assert_int_equal(t->c.cons, 0xFFFFFF00u + R - 16 + 48 + 16); /* across 2^32 */
}

/* ---- peek ---- */

static void test_peek_empty_then_published(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    assert_int_equal(ns_dring_peek(&t->c, &why), 0);
    assert_false(t->c.have_hdr);
    put_whole(t, 0, 8, 6);
    /* Written but not published: the consumer must not see it. */
    assert_int_equal(ns_dring_peek(&t->c, &why), 0);
    ns_dring_publish(&t->p);
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_int_equal(t->c.prod, 16);
    assert_int_equal(t->c.hdr.len, 8);
    take_whole(t, 0, 8, 6);
    assert_int_equal(ns_dring_peek(&t->c, &why), 0);
}

/* An impossible producer index is refused by peek, not taken as records. */
static void test_peek_bad_prod(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    t->prod_idx = 12;
    assert_int_equal(ns_dring_peek(&t->c, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "multiple of 8"));
    why = NULL;
    t->prod_idx = R + 8;
    assert_int_equal(ns_dring_peek(&t->c, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "more than a ring ahead"));
    assert_false(t->c.have_hdr);
    assert_int_equal(t->c.prod, 0);
}

/*
 * The header is read once: the producer rewriting it after the peek (to a
 * header every check would refuse) changes neither a second peek nor the
 * take.
 */
static void test_peek_holds_copy(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    put_whole(t, BLANK, 16, 7);
    ns_dring_publish(&t->p);
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    raw_header(t, 0, 200, 5, WHOLE | 8, 1);
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_int_equal(t->c.hdr.len, 16);
    assert_int_equal(t->c.hdr.id, 0);
    take_whole(t, BLANK, 16, 7);
}

/* ---- take_whole refusals ---- */

static void test_whole_nonzero_id(void **state)
{
    struct pair *t = *state;

    put_whole(t, 0, 16, 8);
    raw_header(t, 0, 16, 3, WHOLE, 0);
    ns_dring_publish(&t->p);
    whole_refused(t, "nonzero id");
}

static void test_whole_reserved(void **state)
{
    struct pair *t = *state;

    put_whole(t, 0, 16, 8);
    raw_header(t, 0, 16, 0, WHOLE, 0x100);
    ns_dring_publish(&t->p);
    whole_refused(t, "reserved");
}

/* Bit 3 is no flag yet: a producer setting it means something we do not know. */
static void test_whole_unknown_flag(void **state)
{
    struct pair *t = *state;

    put_whole(t, 0, 16, 8);
    raw_header(t, 0, 16, 0, WHOLE | BLANK | (1u << 3), 0);
    ns_dring_publish(&t->p);
    whole_refused(t, "unknown flags");
}

static void test_whole_too_long(void **state)
{
    struct pair *t = *state;

    /* 129 octets: fits in the ring, over -data-len. */
    raw_header(t, 0, MAX_LEN + 1, 0, WHOLE, 0);
    t->prod_idx = ns_dring_rec_size(MAX_LEN + 1);
    whole_refused(t, "longer than");
    /* A length the ring could not hold at all: refused before any copy. */
    t->c.have_hdr = false;
    raw_header(t, 0, 0xFFFF, 0, WHOLE, 0);
    whole_refused(t, "longer than");
}

/*
 * The header is published but the rest of the record is not: refused
 * (the producer index is a promise for the whole record), and the held
 * header is still the one taken once the index covers it.
 */
static void test_whole_past_prod(void **state)
{
    struct pair *t = *state;

    put_whole(t, VALID, 40, 9);                 /* 48 octets */
    t->prod_idx = 24;
    whole_refused(t, "runs past the producer index");
    assert_true(t->c.have_hdr);
    ns_dring_publish(&t->p);
    take_whole(t, VALID, 40, 9);
}

/* ---- flagged records on a whole-record ring ---- */

/* After a peek of a flagged header, ns_dring_take decides on the held copy. */
static void test_flagged_take_after_peek(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;
    uint8_t out[20];

    put_flagged(t, 7, 20, 10);
    ns_dring_publish(&t->p);
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_false(ns_dring_held_whole(&t->c));
    raw_header(t, 0, 20, 9, 0, 0);              /* rewritten after the peek */
    assert_int_equal(ns_dring_take(&t->c, 7, 20, out, &why), 20);
    for (uint32_t i = 0; i < 20; i++)
        assert_int_equal(out[i], pattern(10, i));
    assert_int_equal(t->c.cons, 32);
    assert_false(t->c.have_hdr);
}

/* A flagged request whose record is a whole one: refused, peeked or not. */
static void test_flagged_take_refuses_whole(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;
    uint8_t out[16];

    put_whole(t, 0, 16, 11);
    ns_dring_publish(&t->p);
    /* No header held: the slow path, which reads the producer index ... */
    assert_int_equal(ns_dring_take(&t->c, 0, 16, out, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "whole record where a flagged packet's record was due"));
    assert_int_equal(t->c.cons, 0);
    assert_int_equal(t->c.prod, 24);
    /* ... and now the record is within it: the inline path. */
    why = NULL;
    assert_int_equal(ns_dring_take(&t->c, 0, 16, out, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "whole record where"));
    /* Held header. */
    why = NULL;
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_int_equal(ns_dring_take(&t->c, 0, 16, out, &why), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "whole record where"));
    assert_int_equal(t->c.cons, 0);
    /* Still there and still whole. */
    take_whole(t, 0, 16, 11);
}

/* Whole, flagged, whole: the consumer tells them apart by the peeked header. */
static void test_mixed_sequence(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;
    uint8_t out[30];

    put_whole(t, BLANK, 3, 12);
    put_flagged(t, 4, 30, 13);
    put_whole(t, VALID, 60, 14);
    ns_dring_publish(&t->p);
    take_whole(t, BLANK, 3, 12);
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_false(ns_dring_held_whole(&t->c));
    assert_int_equal(t->c.hdr.id, 4);
    assert_int_equal(ns_dring_take(&t->c, 4, 30, out, &why), 30);
    for (uint32_t i = 0; i < 30; i++)
        assert_int_equal(out[i], pattern(13, i));
    take_whole(t, VALID, 60, 14);
    assert_int_equal(ns_dring_peek(&t->c, &why), 0);
    assert_int_equal(t->c.cons, 16 + 40 + 72);
}

/* The same sequence through ns_dring_take_next_whole, the consumers' one call. */
static void test_take_next_whole(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;
    uint8_t out[MAX_LEN];
    uint16_t csum = 0xffff;

    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), NS_DRING_NOT_WHOLE);
    put_whole(t, BLANK, 3, 12);
    put_flagged(t, 4, 30, 13);
    put_whole(t, VALID, 60, 14);
    ns_dring_publish(&t->p);
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), 3);
    assert_int_equal(csum, BLANK);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(out[i], pattern(12, i));
    /* A netif packet's head: not taken, and held for that packet's take. */
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), NS_DRING_NOT_WHOLE);
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), NS_DRING_NOT_WHOLE);
    assert_true(t->c.have_hdr);
    assert_int_equal(t->c.cons, 16);
    assert_int_equal(ns_dring_take(&t->c, 4, 30, out, &why), 30);
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), 60);
    assert_int_equal(csum, VALID);
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), NS_DRING_NOT_WHOLE);
    /* A producer index that is not a multiple of 8: the ring is broken. */
    t->prod_idx = t->c.cons + 4;
    why = NULL;
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), -1);
    assert_non_null(why);
}

/* ---- ns_dring_try_whole: the consumers' run ---- */

/* Consumer: try_whole takes the whole record of len pattern octets and its checksum flags. */
static void try_took(struct pair *t, uint16_t csum, uint16_t len, unsigned seed)
{
    uint8_t out[MAX_LEN];
    uint32_t cons = t->c.cons;
    uint16_t got_csum = 0xFFFF;

    assert_int_equal(ns_dring_try_whole(&t->c, out, &got_csum), len);
    assert_int_equal(got_csum, csum);
    for (uint32_t i = 0; i < len; i++)
        assert_int_equal(out[i], pattern(seed, i));
    assert_int_equal(t->c.cons, cons + ns_dring_rec_size(len));
    assert_false(t->c.have_hdr);
}

/*
 * Consumer: try_whole leaves the next record to the general path: nothing
 * copied or taken, and the header held iff it read one (held).
 */
static void try_left(struct pair *t, bool held)
{
    uint8_t out[MAX_LEN];
    uint32_t cons = t->c.cons;
    uint16_t csum = 0xFFFF;

    memset(out, JUNK, sizeof(out));
    assert_int_equal(ns_dring_try_whole(&t->c, out, &csum), NS_DRING_SLOW);
    assert_int_equal(t->c.cons, cons);
    assert_int_equal(t->c.have_hdr, held);
    assert_int_equal(csum, 0xFFFF);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], JUNK);
}

/* Whole records in a run, a netif packet's head among them, and the ring's end. */
static void test_try_whole_run(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;
    uint8_t out[MAX_LEN];
    uint16_t csum = 0xFFFF;

    put_whole(t, BLANK, 3, 21);
    put_whole(t, VALID, MAX_LEN, 22);
    put_flagged(t, 5, 20, 23);
    put_whole(t, 0, 60, 24);                    /* 16 + 136 + 32 + 72: the ring, full */
    ns_dring_publish(&t->p);
    /* Only the general path reads the producer index: nothing is known yet. */
    try_left(t, false);
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), 3);
    try_took(t, VALID, MAX_LEN, 22);
    /* A netif packet's head: read once and held for that packet's take. */
    try_left(t, true);
    try_left(t, true);
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), NS_DRING_NOT_WHOLE);
    assert_int_equal(ns_dring_take(&t->c, 5, 20, out, &why), 20);
    try_took(t, 0, 60, 24);
    try_left(t, false);                         /* the ring is used up */
    assert_int_equal(t->c.cons, R);
    /* A record that wraps goes the general way, which takes it. */
    ns_dring_release(&t->c);
    start_at(t, R + 200);
    put_whole(t, BLANK, 60, 25);                /* 200 + 72 > 256 */
    ns_dring_publish(&t->p);
    try_left(t, false);                         /* the producer index is not read yet */
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    try_left(t, true);                          /* known now, and wrapping */
    assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), 60);
    for (uint32_t i = 0; i < 60; i++)
        assert_int_equal(out[i], pattern(25, i));
}

/*
 * Each hostile header after a good record: try_whole leaves it, held,
 * and the general path refuses that same copy with the right reason.
 */
static void test_try_whole_refusals(void **state)
{
    static const struct {
        uint16_t len, id, flags, reserved;
        uint32_t published;                     /* octets of it the producer index covers */
        const char *reason;
    } bad[] = {
        { 8, 1, WHOLE, 0, 16, "nonzero id" },
        { 8, 0, WHOLE, 1, 16, "reserved" },
        { 8, 0, WHOLE | 0x8, 0, 16, "unknown flags" },
        { MAX_LEN + 1, 0, WHOLE, 0, 8 + MAX_LEN + 8, "longer than" },
        { 60, 0, WHOLE, 0, 8, "past the producer index" },
    };
    struct pair *t = *state;

    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        uint8_t out[MAX_LEN];
        const char *why = NULL;
        uint16_t csum;

        memset(t->data, JUNK, R);
        start_at(t, 0);
        t->c.have_hdr = false;
        put_whole(t, 0, 8, 26);
        raw_header(t, 16, bad[k].len, bad[k].id, bad[k].flags, bad[k].reserved);
        t->prod_idx = 16 + bad[k].published;
        assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), 8);
        try_left(t, true);
        /* The producer mends the header: the held copy is what is judged. */
        raw_header(t, 16, 8, 0, WHOLE, 0);
        assert_int_equal(ns_dring_take_next_whole(&t->c, out, &csum, &why), -1);
        assert_non_null(why);
        if (!strstr(why, bad[k].reason))
            print_error("case %zu: reason \"%s\", expected \"%s\"\n", k, why, bad[k].reason);
        assert_non_null(strstr(why, bad[k].reason));
        assert_int_equal(t->c.cons, 16);
    }
}

/* ---- events ---- */

/* ev in (old, new], free-running: including across 2^32. */
static void test_event_due(void **state)
{
    (void)state;
    assert_true(ns_dring_event_due(1, 0, 16));
    assert_true(ns_dring_event_due(16, 0, 16));
    assert_false(ns_dring_event_due(17, 0, 16));
    assert_false(ns_dring_event_due(0, 0, 16));        /* ev == old: already passed */
    assert_false(ns_dring_event_due(8, 8, 8));         /* no move */
    assert_false(ns_dring_event_due(0xFFFFFFF0u, 0, 16)); /* far behind */
    assert_true(ns_dring_event_due(0, 0xFFFFFFF8u, 8));
    assert_true(ns_dring_event_due(0xFFFFFFF9u, 0xFFFFFFF8u, 8));
    assert_true(ns_dring_event_due(8, 0xFFFFFFF8u, 8));
    assert_false(ns_dring_event_due(0xFFFFFFF8u, 0xFFFFFFF8u, 8));
    assert_false(ns_dring_event_due(9, 0xFFFFFFF8u, 8));
}

/* publish signals only a consumer that armed, and only once per arming. */
static void test_publish_event(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    put_whole(t, 0, 8, 15);
    assert_false(ns_dring_publish(&t->p));      /* nobody asked */
    take_whole(t, 0, 8, 15);
    assert_false(ns_dring_arm_records(&t->c));  /* empty: sleep */
    assert_int_equal(t->prod_event, 16 + 1);
    put_whole(t, 0, 8, 16);
    assert_true(ns_dring_publish(&t->p));
    put_whole(t, 0, 8, 17);
    assert_false(ns_dring_publish(&t->p));      /* not armed again */
    assert_false(ns_dring_publish(&t->p));      /* nothing new */
    take_whole(t, 0, 8, 16);
    take_whole(t, 0, 8, 17);
    assert_int_equal(ns_dring_peek(&t->c, &why), 0);
    assert_false(ns_dring_arm_records(&t->c));
    assert_false(ns_dring_publish(&t->p));      /* armed, but no new records */
    put_whole(t, 0, 8, 18);
    assert_true(ns_dring_publish(&t->p));
}

/* arm_records reports records already there (published, or held) instead of sleeping. */
static void test_arm_records_already_there(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    put_whole(t, 0, 8, 19);
    ns_dring_publish(&t->p);
    assert_true(ns_dring_arm_records(&t->c));   /* without a peek: reads the index */
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    t->prod_idx = 0;                            /* only the held header says so now */
    assert_true(ns_dring_arm_records(&t->c));
}

/*
 * release signals only a producer that armed; arm_room reports a release
 * that happened before it (so the producer does not sleep through it).
 */
static void test_release_event(void **state)
{
    struct pair *t = *state;

    put_whole(t, 0, 8, 20);
    put_whole(t, 0, 8, 21);
    ns_dring_publish(&t->p);
    take_whole(t, 0, 8, 20);
    assert_false(ns_dring_release(&t->c));      /* nobody asked */
    assert_true(ns_dring_arm_room(&t->p));      /* released already: 16 != 0 */
    assert_int_equal(ns_dring_fits_reread(&t->p, 8), 1);  /* producer catches up */
    assert_int_equal(t->p.cons, 16);
    assert_false(ns_dring_arm_room(&t->p));     /* now nothing new: sleep */
    assert_int_equal(t->cons_event, 16 + 1);
    take_whole(t, 0, 8, 21);
    assert_true(ns_dring_release(&t->c));
    assert_false(ns_dring_release(&t->c));      /* no move */
}

/* has_records and room_moved only look: no index read into the end, no event written. */
static void test_queries_no_side_effects(void **state)
{
    struct pair *t = *state;

    t->prod_event = t->cons_event = 0x55;
    assert_false(ns_dring_has_records(&t->c));
    assert_false(ns_dring_room_moved(&t->p));
    put_whole(t, 0, 8, 22);
    assert_false(ns_dring_has_records(&t->c));  /* not published */
    ns_dring_publish(&t->p);
    assert_true(ns_dring_has_records(&t->c));
    assert_true(ns_dring_has_records(&t->c));
    assert_int_equal(t->c.prod, 0);
    assert_false(t->c.have_hdr);
    take_whole(t, 0, 8, 22);
    assert_false(ns_dring_room_moved(&t->p));   /* taken but not released */
    ns_dring_release(&t->c);
    assert_true(ns_dring_room_moved(&t->p));
    assert_true(ns_dring_room_moved(&t->p));
    assert_int_equal(t->p.cons, 0);
    assert_int_equal(t->prod_event, 0x55);
    assert_int_equal(t->cons_event, 0x55);
}

/*
 * A held header that is not whole waits for its netif packet: it is not a
 * record to act on, or a consumer would spin on it until that packet came
 * (a peer that never sends it would keep the consumer's core busy).
 */
static void test_held_flagged_is_not_work(void **state)
{
    struct pair *t = *state;
    const char *why = NULL;

    put_flagged(t, 7, 8, 3);
    ns_dring_publish(&t->p);
    assert_true(ns_dring_has_records(&t->c));   /* published, not yet looked at */
    assert_int_equal(ns_dring_peek(&t->c, &why), 1);
    assert_false(ns_dring_held_whole(&t->c));
    assert_false(ns_dring_has_records(&t->c));
    assert_false(ns_dring_arm_records(&t->c));
    put_whole(t, 0, 8, 4);                       /* more records behind it change nothing */
    ns_dring_publish(&t->p);
    assert_false(ns_dring_has_records(&t->c));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_whole_round_trip),
        T(test_held_flagged_is_not_work),
        T(test_take_next_whole),
        T(test_whole_wraps),
        T(test_peek_empty_then_published),
        T(test_peek_bad_prod),
        T(test_peek_holds_copy),
        T(test_whole_nonzero_id),
        T(test_whole_reserved),
        T(test_whole_unknown_flag),
        T(test_whole_too_long),
        T(test_whole_past_prod),
        T(test_flagged_take_after_peek),
        T(test_flagged_take_refuses_whole),
        T(test_mixed_sequence),
        T(test_try_whole_run),
        T(test_try_whole_refusals),
        cmocka_unit_test(test_event_due),
        T(test_publish_event),
        T(test_arm_records_already_there),
        T(test_release_event),
        T(test_queries_no_side_effects),
    };
    return cmocka_run_group_tests(tests, 0, NULL);
}
