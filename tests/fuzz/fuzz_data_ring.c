/*
 * libFuzzer target: the staging data ring (common/data_ring.c,
 * docs/netif-staging.md section 8), with whole records (8.7).  The peer
 * owns every octet of the ring and its own index: the input is the ring's
 * contents, the indices the peer writes, and a sequence of operations of
 * our end on them.
 *
 * Input (missing bytes are zero):
 *   byte  0     bits 0-2: R = 64 << (bits % 7), 64..4096; bit 7: max_len
 *               as given, else max_len % (R + 1)
 *   bytes 1-2   max_len (little endian)
 *   bytes 3-6   the consumer's starting index (rounded down to 8)
 *   bytes 7-10  the producer end's starting index (rounded down to 8)
 *   byte  11    number of operations, at most MAX_OPS
 *   then 8 bytes per operation o[0..7], kind o[0] % 9:
 *     0 take: id o[1..2], want o[3..4], o[5] bit 0: NS_DRING_ANY_LEN,
 *       bit 1: out == NULL
 *     1 the peer's producer index: o[5] bit 0: o[1..4] as is, else our
 *       consumer index + (int16_t)o[1..2]; bit 1: rounded down to 8;
 *       bit 2 (overriding both): our producer end's index (so what it
 *       wrote is published to the consumer end)
 *     2 release
 *     3 the peer writes a header at our consumer index: len o[1..2]
 *       (o[5] bit 0: % (max_len + 1)), id o[3..4] (o[5] bit 4: 0),
 *       reserved o[5] if o[5] bit 1, else 0; flags o[6..7] as is if
 *       o[5] bit 3, else o[6] & 7 (only the defined flags); o[5] bit 2:
 *       producer index = the record's end
 *     4 the peer's consumer index (for our producer end): o[5] bit 0:
 *       o[1..4] as is, else our producer end's cached consumer index +
 *       o[1..2]; bit 1: rounded down to 8
 *     5 our producer end writes a record: len o[1..2] % (max_len + 1),
 *       id o[3..4], o[5] bit 0: in place at ns_dring_next_head (when it
 *       does not wrap), else ns_dring_put
 *     6 peek
 *     7 take a whole record: peek (as 6), then, only if the header held
 *       is a whole record's (the contract of ns_dring_take_whole),
 *       ns_dring_take_whole into a buffer of max_len octets
 *     8 our producer end writes a whole record: len o[1..2] % (max_len
 *       + 1), checksum flags o[3] bits 1-2 (CSUM_BLANK, DATA_VALIDATED),
 *       o[5] bit 0: in place at ns_dring_next_head (when it does not
 *       wrap) and ns_dring_commit_whole, else ns_dring_put_whole
 *     9 ns_dring_try_whole (the consumers' run) into a buffer of max_len
 *       octets
 *   then the ring's R octets.
 *
 * The ring is a heap allocation of exactly R octets, and each take's
 * buffer exactly as long as the caller promises (want, or max_len), so
 * any access outside them is an AddressSanitizer error.  The target keeps
 * its own copy of the header the consumer holds, made by the peek
 * operation from the ring before the call.  Invariants,
 * __builtin_trap() when violated:
 *   - the consumer holds a header exactly when the model says so, and
 *     the held header is the copy made when it was peeked, whatever was
 *     written to the ring since;
 *   - peek never moves the consumer index, nor writes the interface; with
 *     a header held it returns 1 and does not read the producer index;
 *     otherwise it reads the producer index again only when the last one
 *     accepted is the consumer index, accepting it when valid (else -1
 *     and a reason), and returns 1 (holding the header then at the
 *     consumer index) exactly when the producer index it ends with is
 *     past the consumer index, else 0;
 *   - take succeeds exactly when the header judged (the held copy when a
 *     header is held, else the one at the consumer index) has flags == 0,
 *     reserved == 0, the id asked for and the length asked for (at most
 *     max_len with NS_DRING_ANY_LEN), and the record lies within either
 *     the producer index the consumer last accepted or the one now in
 *     the interface, if that one is valid (a multiple of 8, at most R
 *     ahead of the consumer); refusing a judged header that has the
 *     whole-record flag, it says so ("whole record");
 *   - a successful take returns the header's len (never more than
 *     max_len with NS_DRING_ANY_LEN), copies the ring octets after the
 *     header (wrapped), advances the consumer by REC_SIZE(len) and drops
 *     any held header;
 *   - take_whole succeeds exactly when the held header has the whole
 *     flag, id 0, reserved 0, no flag outside WHOLE | CSUM_BLANK |
 *     DATA_VALIDATED, len <= max_len, and the record lies within the
 *     producer index last accepted or the valid one now in the
 *     interface; a successful one returns len, copies the ring octets
 *     after the header (wrapped), gives the header's checksum flags,
 *     advances the consumer by REC_SIZE(len) and drops the held header;
 *   - try_whole reads neither index of the interface; with a header held,
 *     or none within the producer index last accepted, it returns
 *     NS_DRING_SLOW and changes nothing; otherwise it takes the record at
 *     the consumer index exactly when its header (copied before the call)
 *     is {len <= max_len, 0, WHOLE | checksum flags, 0} and the record
 *     lies within that producer index without wrapping, as take_whole
 *     would, and else holds that header and returns NS_DRING_SLOW;
 *   - a refused take or take_whole gives a reason and leaves the consumer
 *     index and any held header alone;
 *   - the consumer index stays a multiple of 8 and never passes the last
 *     producer index accepted, which is one it was given and valid;
 *   - fits returns -1 exactly when it had to read the peer's consumer
 *     index and that was impossible, 1 exactly when the record fits; the
 *     producer's record lands where section 8.3 says, padding zero, its
 *     header {len, id, 0, 0}, or for a whole record {len, 0, WHOLE |
 *     the checksum flags, 0}.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/data_ring.h"

#define HDR 12
#define OP_BYTES 8
#define MAX_OPS 64

#define check(c)                \
    do {                        \
        if (!(c))               \
            __builtin_trap();   \
    } while (0)

struct fz {
    uint8_t *data;
    uint32_t size, mask;
    uint16_t max_len;
    /* The consumer end, reading what the peer writes. */
    struct ns_dring c;
    uint32_t c_prod_idx, c_cons_idx;
    /* Whether it holds a header, and our copy of the ring's made when it was peeked. */
    bool held;
    struct xen_netif_data_ring_rec held_hdr;
    /* Our producer end, over the same octets, with the peer's consumer index. */
    struct ns_dring p;
    uint32_t p_prod_idx, p_cons_idx;
};

static uint16_t le16(const uint8_t *b)
{
    return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static bool valid_prod(const struct fz *f, uint32_t prod, uint32_t cons)
{
    return (prod & (XEN_NETIF_DATA_RING_ALIGN - 1)) == 0 && prod - cons <= f->size;
}

static bool same_hdr(const struct xen_netif_data_ring_rec *a,
                     const struct xen_netif_data_ring_rec *b)
{
    return a->len == b->len && a->id == b->id && a->flags == b->flags &&
           a->reserved == b->reserved;
}

static void check_consumer(const struct fz *f)
{
    check((f->c.cons & 7) == 0);
    check((f->c.prod & 7) == 0);
    check(f->c.prod - f->c.cons <= f->size);
    /* A held header is the copy made at peek time, whatever the ring says now. */
    check(f->c.have_hdr == f->held);
    if (f->held)
        check(same_hdr(&f->c.hdr, &f->held_hdr));
    check(ns_dring_held_whole(&f->c) == (f->held && (f->held_hdr.flags & XEN_NETIF_DATA_REC_WHOLE)));
}

static struct xen_netif_data_ring_rec header_at(const struct fz *f, uint32_t idx)
{
    struct xen_netif_data_ring_rec h;

    memcpy(&h, f->data + (idx & f->mask), sizeof(h));
    return h;
}

static void op_take(struct fz *f, const uint8_t *o)
{
    uint16_t id = le16(o + 1);
    uint32_t want = (o[5] & 1) ? NS_DRING_ANY_LEN : le16(o + 3);
    uint32_t cap = want == NS_DRING_ANY_LEN ? f->max_len : want;
    uint32_t old_cons = f->c.cons, before = f->c.prod, now = f->c_prod_idx;
    uint32_t cons_idx = f->c_cons_idx, rec;
    /* The header judged: the held copy if there is one, else the ring's. */
    struct xen_netif_data_ring_rec h = f->held ? f->held_hdr : header_at(f, old_cons);
    bool hdr_ok, covered, readable;
    uint8_t *out = NULL;
    const char *why = NULL;
    int got;

    if (!(o[5] & 2)) {
        out = malloc(cap ? cap : 1);
        check(out != NULL);
    }
    rec = ns_dring_rec_size(h.len);
    hdr_ok = h.flags == 0 && h.reserved == 0 && h.id == id &&
             (want == NS_DRING_ANY_LEN ? h.len <= f->max_len : h.len == want);
    covered = before - old_cons >= rec ||
              (valid_prod(f, now, old_cons) && now - old_cons >= rec);
    readable = f->held || before != old_cons ||
               (valid_prod(f, now, old_cons) && now != old_cons);

    got = ns_dring_take(&f->c, id, want, out, &why);

    check(f->c_cons_idx == cons_idx);
    check(f->c.prod == before || f->c.prod == now);
    if (f->c.prod != before)
        check(valid_prod(f, now, old_cons));
    check((got >= 0) == (hdr_ok && covered));
    if (got < 0) {
        check(got == -1 && why != NULL);
        check(f->c.cons == old_cons);
        /* A readable whole record's header is refused for what it is. */
        if (readable && (h.flags & XEN_NETIF_DATA_REC_WHOLE))
            check(strstr(why, "whole record") != NULL);
    } else {
        check((uint32_t)got == h.len);
        if (want == NS_DRING_ANY_LEN)
            check((uint32_t)got <= f->max_len);
        else
            check((uint32_t)got == want);
        check(f->c.cons == old_cons + rec);
        check(f->c.prod - old_cons >= rec);
        if (out)
            for (uint32_t i = 0; i < (uint32_t)got; i++)
                check(out[i] == f->data[(old_cons + 8 + i) & f->mask]);
        f->held = false;
    }
    check_consumer(f);
    free(out);
}

static void op_prod_idx(struct fz *f, const uint8_t *o)
{
    uint32_t v = (o[5] & 1) ? le32(o + 1) : f->c.cons + (uint32_t)(int32_t)(int16_t)le16(o + 1);

    if (o[5] & 2)
        v &= ~7u;
    if (o[5] & 4)
        v = f->p.prod;
    f->c_prod_idx = v;
}

/* Peek, checked; returns what ns_dring_peek did. */
static int op_peek(struct fz *f)
{
    uint32_t old_cons = f->c.cons, before = f->c.prod, now = f->c_prod_idx;
    uint32_t cons_idx = f->c_cons_idx;
    /* Our copy of the header, made before the call (which writes no ring octet). */
    struct xen_netif_data_ring_rec h = header_at(f, old_cons);
    bool was_held = f->held;
    const char *why = NULL;
    int got = ns_dring_peek(&f->c, &why);

    check(f->c.cons == old_cons);
    check(f->c_cons_idx == cons_idx);
    check(got >= -1 && got <= 1);
    if (was_held) {
        /* Nothing read: the held copy stands. */
        check(got == 1);
        check(f->c.prod == before);
    } else if (before != old_cons) {
        /* A header within the producer index last accepted: no refill. */
        check(got == 1);
        check(f->c.prod == before);
        f->held = true;
        f->held_hdr = h;
    } else if (!valid_prod(f, now, old_cons)) {
        check(got == -1 && why != NULL);
        check(f->c.prod == before);
    } else {
        check(f->c.prod == now);
        check(got == (now != old_cons));
        if (got == 1) {
            f->held = true;
            f->held_hdr = h;
        }
    }
    check((got == 1) == f->held);
    check_consumer(f);
    return got;
}

static void op_take_whole(struct fz *f)
{
    uint32_t old_cons, before, now, cons_idx, rec;
    struct xen_netif_data_ring_rec h;
    uint16_t csum = 0xffff;
    bool hdr_ok, covered;
    const char *why = NULL;
    uint8_t *out;
    int got;

    if (op_peek(f) != 1 || !ns_dring_held_whole(&f->c))
        return;
    old_cons = f->c.cons;
    before = f->c.prod;
    now = f->c_prod_idx;
    cons_idx = f->c_cons_idx;
    h = f->held_hdr; /* judged: the copy made at peek time */
    rec = ns_dring_rec_size(h.len);
    hdr_ok = h.id == 0 && h.reserved == 0 &&
             !(h.flags & ~(XEN_NETIF_DATA_REC_WHOLE | XEN_NETIF_DATA_REC_CSUM_BLANK |
                           XEN_NETIF_DATA_REC_DATA_VALIDATED)) &&
             h.len <= f->max_len;
    covered = before - old_cons >= rec ||
              (valid_prod(f, now, old_cons) && now - old_cons >= rec);
    /* The caller's frame: exactly max_len octets. */
    out = malloc(f->max_len ? f->max_len : 1);
    check(out != NULL);

    got = ns_dring_take_whole(&f->c, out, &csum, &why);

    check(f->c_cons_idx == cons_idx);
    check(f->c.prod == before || f->c.prod == now);
    if (f->c.prod != before)
        check(valid_prod(f, now, old_cons));
    check((got >= 0) == (hdr_ok && covered));
    if (got < 0) {
        check(got == -1 && why != NULL);
        check(f->c.cons == old_cons);
    } else {
        check((uint32_t)got == h.len && (uint32_t)got <= f->max_len);
        check(csum == (h.flags & (XEN_NETIF_DATA_REC_CSUM_BLANK |
                                  XEN_NETIF_DATA_REC_DATA_VALIDATED)));
        check(f->c.cons == old_cons + rec);
        check(f->c.prod - old_cons >= rec);
        for (uint32_t i = 0; i < (uint32_t)got; i++)
            check(out[i] == f->data[(old_cons + 8 + i) & f->mask]);
        f->held = false;
    }
    check_consumer(f);
    free(out);
}

static void op_try_whole(struct fz *f)
{
    uint32_t old_cons = f->c.cons, before = f->c.prod;
    uint32_t prod_idx = f->c_prod_idx, cons_idx = f->c_cons_idx;
    uint32_t pos = old_cons & f->mask, rec;
    /* Our copy of the header, made before the call (which writes no ring octet). */
    struct xen_netif_data_ring_rec h = header_at(f, old_cons);
    bool was_held = f->held, fast;
    uint16_t csum = 0xffff;
    uint8_t *out;
    int got;

    rec = ns_dring_rec_size(h.len);
    fast = h.id == 0 && h.reserved == 0 &&
           (h.flags & ~(XEN_NETIF_DATA_REC_CSUM_BLANK | XEN_NETIF_DATA_REC_DATA_VALIDATED)) ==
               XEN_NETIF_DATA_REC_WHOLE &&
           h.len <= f->max_len && before - old_cons >= rec && f->size - pos >= rec;
    /* The caller's frame: exactly max_len octets. */
    out = malloc(f->max_len ? f->max_len : 1);
    check(out != NULL);

    got = ns_dring_try_whole(&f->c, out, &csum);

    check(f->c_prod_idx == prod_idx && f->c_cons_idx == cons_idx);
    check(f->c.prod == before);
    if (was_held || before - old_cons < 8) {
        check(got == NS_DRING_SLOW && f->c.cons == old_cons && csum == 0xffff);
    } else if (!fast) {
        check(got == NS_DRING_SLOW && f->c.cons == old_cons && csum == 0xffff);
        f->held = true;
        f->held_hdr = h;
    } else {
        check(got == h.len);
        check(csum == (h.flags & (XEN_NETIF_DATA_REC_CSUM_BLANK |
                                  XEN_NETIF_DATA_REC_DATA_VALIDATED)));
        check(f->c.cons == old_cons + rec);
        for (uint32_t i = 0; i < (uint32_t)got; i++)
            check(out[i] == f->data[(old_cons + 8 + i) & f->mask]);
    }
    check_consumer(f);
    free(out);
}

static void op_release(struct fz *f)
{
    ns_dring_release(&f->c);
    check(f->c_cons_idx == f->c.cons);
}

static void op_header(struct fz *f, const uint8_t *o)
{
    struct xen_netif_data_ring_rec h = {
        .len = (o[5] & 1) ? (uint16_t)(le16(o + 1) % ((uint32_t)f->max_len + 1)) : le16(o + 1),
        .id = (o[5] & 16) ? 0 : le16(o + 3),
        .flags = (o[5] & 8) ? le16(o + 6) : (uint16_t)(o[6] & 7),
        .reserved = (o[5] & 2) ? o[5] : 0,
    };

    memcpy(f->data + (f->c.cons & f->mask), &h, sizeof(h));
    if (o[5] & 4)
        f->c_prod_idx = f->c.cons + ns_dring_rec_size(h.len);
}

static void op_cons_idx(struct fz *f, const uint8_t *o)
{
    uint32_t v = (o[5] & 1) ? le32(o + 1) : f->p.cons + le16(o + 1);

    if (o[5] & 2)
        v &= ~7u;
    f->p_cons_idx = v;
}

static uint8_t pattern(uint16_t id, uint32_t i)
{
    return (uint8_t)(id ^ (i * 13u) ^ (i >> 8));
}

/*
 * Our producer end asks for room for a record of rec octets (checked);
 * returns whether it fits, and then where its head goes (checked).
 */
static uint8_t *producer_room(struct fz *f, uint32_t rec, uint32_t *contiguous)
{
    uint32_t old_prod = f->p.prod, old_cons = f->p.cons, seen = f->p_cons_idx, start;
    int expect, fits;
    uint8_t *head;

    if (f->size - (old_prod - old_cons) >= rec)
        expect = 1;
    else if ((seen & 7) || old_prod - seen > f->size)
        expect = -1;
    else
        expect = f->size - (old_prod - seen) >= rec;
    fits = ns_dring_fits(&f->p, rec);
    check(fits == expect);
    if (f->size - (old_prod - old_cons) >= rec || fits < 0)
        check(f->p.cons == old_cons);
    else
        check(f->p.cons == seen);
    check(f->p.prod == old_prod);
    check(f->p.prod - f->p.cons <= f->size);
    if (fits != 1)
        return NULL;

    start = (old_prod + 8) & f->mask;
    head = ns_dring_next_head(&f->p, contiguous);
    check(head == f->data + start);
    {
        uint32_t to_end = f->size - start, space = f->size - (old_prod - f->p.cons) - 8;

        check(*contiguous == (to_end < space ? to_end : space));
    }
    return head;
}

/* The record our producer end wrote at old_prod: header, head octets, zero padding; publish. */
static void producer_check(struct fz *f, uint32_t old_prod, uint16_t len, uint16_t id,
                           uint16_t flags, uint16_t seed)
{
    uint32_t rec = ns_dring_rec_size(len), i;
    struct xen_netif_data_ring_rec h;

    check(f->p.prod == old_prod + rec);
    h = header_at(f, old_prod);
    check(h.len == len && h.id == id && h.flags == flags && h.reserved == 0);
    for (i = 0; i < len; i++)
        check(f->data[(old_prod + 8 + i) & f->mask] == pattern(seed, i));
    for (; i < rec - 8; i++)
        check(f->data[(old_prod + 8 + i) & f->mask] == 0);
    ns_dring_publish(&f->p);
    check(f->p_prod_idx == f->p.prod);
}

/*
 * Our producer end writes a record of len octets, in place or by put: a
 * flagged packet's (id from the input, flags 0) or, with whole, a whole
 * record (id 0, WHOLE and the input's checksum flags).
 */
static void op_put(struct fz *f, const uint8_t *o, bool whole)
{
    uint16_t len = (uint16_t)(le16(o + 1) % ((uint32_t)f->max_len + 1));
    uint16_t id = whole ? 0 : le16(o + 3);
    uint16_t csum = whole ? (uint16_t)(o[3] & NS_DRING_REC_CSUM_FLAGS) : 0;
    uint16_t seed = whole ? (uint16_t)(len ^ 0x5a5a) : id;
    uint32_t old_prod = f->p.prod, contiguous = 0, i;
    uint8_t *head = producer_room(f, ns_dring_rec_size(len), &contiguous);

    if (!head)
        return;
    if ((o[5] & 1) && len <= contiguous) {
        for (i = 0; i < len; i++)
            head[i] = pattern(seed, i);
        if (whole)
            ns_dring_commit_whole(&f->p, csum, len);
        else
            ns_dring_commit(&f->p, id, len);
    } else {
        uint8_t *src = malloc(len ? len : 1);

        check(src != NULL);
        for (i = 0; i < len; i++)
            src[i] = pattern(seed, i);
        if (whole)
            ns_dring_put_whole(&f->p, csum, src, len);
        else
            ns_dring_put(&f->p, id, src, len);
        free(src);
    }
    producer_check(f, old_prod, len, id,
                   whole ? (uint16_t)(XEN_NETIF_DATA_REC_WHOLE | csum) : 0, seed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    uint32_t c_start, p_start;
    size_t nops, k, ring_at, n;

    if (size < HDR)
        return 0;
    f.size = 64u << ((data[0] & 7) % 7);
    f.mask = f.size - 1;
    f.max_len = (data[0] & 0x80) ? le16(data + 1)
                                 : (uint16_t)(le16(data + 1) % (f.size + 1));
    c_start = le32(data + 3) & ~7u;
    p_start = le32(data + 7) & ~7u;
    nops = data[11] < MAX_OPS ? data[11] : MAX_OPS;
    if (nops > (size - HDR) / OP_BYTES)
        nops = (size - HDR) / OP_BYTES;

    /* Exactly R octets on the heap: any access outside is caught. */
    f.data = calloc(1, f.size);
    check(f.data != NULL);
    ring_at = HDR + nops * OP_BYTES;
    n = size - ring_at < f.size ? size - ring_at : f.size;
    memcpy(f.data, data + ring_at, n);

    ns_dring_init(&f.c, f.data, f.size, f.max_len, &f.c_prod_idx, &f.c_cons_idx);
    f.c.prod = f.c.cons = f.c_prod_idx = f.c_cons_idx = c_start;
    f.held = false;
    ns_dring_init(&f.p, f.data, f.size, f.max_len, &f.p_prod_idx, &f.p_cons_idx);
    f.p.prod = f.p.cons = f.p_prod_idx = f.p_cons_idx = p_start;

    for (k = 0; k < nops; k++) {
        const uint8_t *o = data + HDR + k * OP_BYTES;

        switch (o[0] % 10) {
        case 0: op_take(&f, o); break;
        case 1: op_prod_idx(&f, o); break;
        case 2: op_release(&f); break;
        case 3: op_header(&f, o); break;
        case 4: op_cons_idx(&f, o); break;
        case 5: op_put(&f, o, false); break;
        case 6: op_peek(&f); break;
        case 7: op_take_whole(&f); break;
        case 8: op_put(&f, o, true); break;
        default: op_try_whole(&f); break;
        }
        check_consumer(&f);
    }
    free(f.data);
    return 0;
}
