/*
 * libFuzzer target: the staging data ring (common/data_ring.c,
 * docs/netif-staging.md section 8).  The peer owns every octet of the ring
 * and its own index: the input is the ring's contents, the indices the
 * peer writes, and a sequence of operations of our end on them.
 *
 * Input (missing bytes are zero):
 *   byte  0     bits 0-2: R = 64 << (bits % 7), 64..4096; bit 7: max_len
 *               as given, else max_len % (R + 1)
 *   bytes 1-2   max_len (little endian)
 *   bytes 3-6   the consumer's starting index (rounded down to 8)
 *   bytes 7-10  the producer end's starting index (rounded down to 8)
 *   byte  11    number of operations, at most MAX_OPS
 *   then 6 bytes per operation o[0..5], kind o[0] % 6:
 *     0 take: id o[1..2], want o[3..4], o[5] bit 0: NS_DRING_ANY_LEN,
 *       bit 1: out == NULL
 *     1 the peer's producer index: o[5] bit 0: o[1..4] as is, else our
 *       consumer index + (int16_t)o[1..2]; bit 1: rounded down to 8
 *     2 release
 *     3 the peer writes a header at our consumer index: len o[1..2]
 *       (o[5] bit 0: % (max_len + 1)), id o[3..4], reserved o[5] if
 *       o[5] bit 1, else 0; o[5] bit 2: producer index = the record's end
 *     4 the peer's consumer index (for our producer end): o[5] bit 0:
 *       o[1..4] as is, else our producer end's cached consumer index +
 *       o[1..2]; bit 1: rounded down to 8
 *     5 our producer end writes a record: len o[1..2] % (max_len + 1),
 *       id o[3..4], o[5] bit 0: in place at ns_dring_next_head (when it
 *       does not wrap), else ns_dring_put
 *   then the ring's R octets.
 *
 * The ring is a heap allocation of exactly R octets, and each take's
 * buffer exactly as long as the caller promises (want, or max_len), so
 * any access outside them is an AddressSanitizer error.  Invariants,
 * __builtin_trap() when violated:
 *   - take succeeds exactly when the header at the consumer index has
 *     reserved == 0, the id asked for and the length asked for (at most
 *     max_len with NS_DRING_ANY_LEN), and the record lies within either
 *     the producer index the consumer last accepted or the one now in
 *     the interface, if that one is valid (a multiple of 8, at most R
 *     ahead of the consumer);
 *   - a successful take returns the header's len (never more than
 *     max_len with NS_DRING_ANY_LEN), copies the ring octets after the
 *     header (wrapped) and advances the consumer by REC_SIZE(len);
 *   - a refused take gives a reason and leaves the consumer index alone;
 *   - the consumer index stays a multiple of 8 and never passes the last
 *     producer index accepted, which is one it was given and valid;
 *   - fits returns -1 exactly when it had to read the peer's consumer
 *     index and that was impossible, 1 exactly when the record fits; the
 *     producer's record lands where section 8.3 says, padding zero.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/data_ring.h"

#define HDR 12
#define OP_BYTES 6
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

static void check_consumer(const struct fz *f)
{
    check((f->c.cons & 7) == 0);
    check((f->c.prod & 7) == 0);
    check(f->c.prod - f->c.cons <= f->size);
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
    struct xen_netif_data_ring_rec h = header_at(f, old_cons);
    bool hdr_ok, covered;
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

    got = ns_dring_take(&f->c, id, want, out, &why);

    check(f->c_cons_idx == cons_idx);
    check(f->c.prod == before || f->c.prod == now);
    if (f->c.prod != before)
        check(valid_prod(f, now, old_cons));
    check_consumer(f);
    check((got >= 0) == (hdr_ok && covered));
    if (got < 0) {
        check(got == -1 && why != NULL);
        check(f->c.cons == old_cons);
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
    }
    free(out);
}

static void op_prod_idx(struct fz *f, const uint8_t *o)
{
    uint32_t v = (o[5] & 1) ? le32(o + 1) : f->c.cons + (uint32_t)(int32_t)(int16_t)le16(o + 1);

    if (o[5] & 2)
        v &= ~7u;
    f->c_prod_idx = v;
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
        .id = le16(o + 3),
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

static void op_put(struct fz *f, const uint8_t *o)
{
    uint16_t len = (uint16_t)(le16(o + 1) % ((uint32_t)f->max_len + 1));
    uint16_t id = le16(o + 3);
    uint32_t rec = ns_dring_rec_size(len), old_prod = f->p.prod, old_cons = f->p.cons;
    uint32_t seen = f->p_cons_idx, contiguous = 0, start, i;
    struct xen_netif_data_ring_rec h;
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
        return;

    start = (old_prod + 8) & f->mask;
    head = ns_dring_next_head(&f->p, &contiguous);
    check(head == f->data + start);
    {
        uint32_t to_end = f->size - start, space = f->size - (old_prod - f->p.cons) - 8;

        check(contiguous == (to_end < space ? to_end : space));
    }
    if ((o[5] & 1) && len <= contiguous) {
        for (i = 0; i < len; i++)
            head[i] = pattern(id, i);
        ns_dring_commit(&f->p, id, len);
    } else {
        uint8_t *src = malloc(len ? len : 1);

        check(src != NULL);
        for (i = 0; i < len; i++)
            src[i] = pattern(id, i);
        ns_dring_put(&f->p, id, src, len);
        free(src);
    }
    check(f->p.prod == old_prod + rec);
    h = header_at(f, old_prod);
    check(h.len == len && h.id == id && h.flags == 0 && h.reserved == 0);
    for (i = 0; i < len; i++)
        check(f->data[(old_prod + 8 + i) & f->mask] == pattern(id, i));
    for (; i < rec - 8; i++)
        check(f->data[(old_prod + 8 + i) & f->mask] == 0);
    ns_dring_publish(&f->p);
    check(f->p_prod_idx == f->p.prod);
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
    ns_dring_init(&f.p, f.data, f.size, f.max_len, &f.p_prod_idx, &f.p_cons_idx);
    f.p.prod = f.p.cons = f.p_prod_idx = f.p_cons_idx = p_start;

    for (k = 0; k < nops; k++) {
        const uint8_t *o = data + HDR + k * OP_BYTES;

        switch (o[0] % 6) {
        case 0: op_take(&f, o); break;
        case 1: op_prod_idx(&f, o); break;
        case 2: op_release(&f); break;
        case 3: op_header(&f, o); break;
        case 4: op_cons_idx(&f, o); break;
        default: op_put(&f, o); break;
        }
        check_consumer(&f);
    }
    free(f.data);
    return 0;
}
