/*
 * libFuzzer target: tx_parse (backend/tx_parse.c), the backend's parse of
 * the TX requests a guest writes on its ring.
 *
 * Input: HDR config bytes, then the ring (256 entries of 12 octets, 3072
 * bytes; missing bytes are zero, extra bytes ignored).
 *   bytes 0-3  cons (little endian; any value, so indices wrap)
 *   bytes 4-5  prod - cons, taken modulo 257 (the caller has already
 *              refused a producer more than one ring ahead)
 *   byte  6    bits 0-1: L_tx, bits 2-3: L_rx, each from {0, 64, 256, 4096}
 *   byte  7    F = 19 + (byte % 46): 19..64
 *
 * Invariants (docs/netif-staging.md 6.1, 6.4, 7), __builtin_trap() when
 * violated:
 *   - OK/DROP: 1 <= nr_slots <= prod - cons; the consumed slots are the
 *     packet's (the first request, its extras, then data requests of which
 *     only the last lacks NETTXF_more_data), as the ring says; fewer than F
 *     follow-ons; nr_frags <= F + 1 in any case.
 *   - OK: fragments tile [0, total); head <= total, head <= L_tx, and is
 *     what 6.1/6.3 say; total >= 14 unless multicast-only; at most 18 data
 *     requests; a granted fragment stays in its page; a staging-buffer
 *     fragment names a data id < 512 of a staged direction and fits its L;
 *     no flag outside bits 0-4; ids < 256 when TX is staged.
 *   - OK/DROP: the result depends only on the consumed slots: the same
 *     parse over a ring whose other slots are scrambled gives the same
 *     answer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/tx_parse.h"

#define HDR 8
#define RING_BYTES (NETIF_TX_RING_SIZE * sizeof(union netif_tx_sring_entry))
#define MASK (NETIF_TX_RING_SIZE - 1)
#define KNOWN_FLAGS (NETTXF_csum_blank | NETTXF_data_validated | NETTXF_more_data | \
                     NETTXF_extra_info | NETTXF_staging_buffer)

#define check(c)                \
    do {                        \
        if (!(c))               \
            __builtin_trap();   \
    } while (0)

static const uint16_t lens[4] = { 0, 64, 256, 4096 };

static struct netif_tx_request ring_req(const union netif_tx_sring_entry *ring, uint32_t idx)
{
    struct netif_tx_request q;

    memcpy(&q, &ring[idx & MASK], sizeof(q));
    return q;
}

static bool same_result(const struct tx_packet *a, const struct tx_packet *b)
{
    if (a->verdict != b->verdict || a->nr_slots != b->nr_slots || a->nr_frags != b->nr_frags ||
        a->total != b->total || a->head != b->head || a->mcast_only != b->mcast_only ||
        a->meta.csum_blank != b->meta.csum_blank ||
        a->meta.data_validated != b->meta.data_validated ||
        a->meta.gso_size != b->meta.gso_size || a->meta.gso_type != b->meta.gso_type)
        return false;
    for (unsigned k = 0; k < a->nr_slots; k++)
        if (a->slot_id[k] != b->slot_id[k] || a->slot_is_extra[k] != b->slot_is_extra[k])
            return false;
    for (unsigned k = 0; k < a->nr_frags; k++) {
        const struct tx_frag *x = &a->frag[k], *y = &b->frag[k];
        if (x->gref != y->gref || x->offset != y->offset || x->flags != y->flags ||
            x->len != y->len || x->start != y->start)
            return false;
    }
    return true;
}

/* The consumed slots are exactly one packet, laid out as the ring says. */
static void check_slots(const union netif_tx_sring_entry *ring, uint32_t cons,
                        const struct tx_parse_cfg *cfg, const struct tx_packet *p)
{
    struct netif_tx_request first = ring_req(ring, cons);
    unsigned k = 1, frag = 1, nr_extras = 0;
    struct netif_extra_info gso = { .type = 0 };
    bool have_gso = false;

    check(!p->slot_is_extra[0] && p->slot_id[0] == first.id);
    check(p->total == first.size);
    check(p->frag[0].gref == first.gref && p->frag[0].offset == first.offset &&
          p->frag[0].flags == first.flags);
    if (first.flags & NETTXF_extra_info) {
        bool more = true;

        while (more) {
            struct netif_extra_info x;

            check(k < p->nr_slots && p->slot_is_extra[k]);
            memcpy(&x, &ring[(cons + k) & MASK], sizeof(x));
            check(x.type != XEN_NETIF_EXTRA_TYPE_NONE && x.type < XEN_NETIF_EXTRA_TYPE_MAX);
            if (x.type == XEN_NETIF_EXTRA_TYPE_GSO) {
                check(x.u.gso.size != 0);
                gso = x; /* a repeated GSO extra: the last one counts */
                have_gso = true;
            }
            more = (x.flags & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
            nr_extras++;
            k++;
        }
    }
    check(nr_extras <= TX_MAX_EXTRAS);
    if (have_gso)
        check(p->meta.gso_size == gso.u.gso.size && p->meta.gso_type == gso.u.gso.type);
    else
        check(p->meta.gso_size == 0 && p->meta.gso_type == 0);
    check(p->meta.csum_blank == !!(first.flags & NETTXF_csum_blank));
    bool more = (first.flags & NETTXF_more_data) != 0;
    for (; k < p->nr_slots; k++, frag++) {
        struct netif_tx_request q = ring_req(ring, cons + k);

        check(more && !p->slot_is_extra[k] && p->slot_id[k] == q.id);
        check(frag < p->nr_frags);
        check(p->frag[frag].gref == q.gref && p->frag[frag].offset == q.offset &&
              p->frag[frag].flags == q.flags && p->frag[frag].len == q.size);
        if (cfg->tx_slot_len)
            check(q.id < XEN_NETIF_DATA_TX_SLOTS);
        more = (q.flags & NETTXF_more_data) != 0;
    }
    check(!more);
    check(frag == p->nr_frags);
    check(p->nr_slots == p->nr_frags + nr_extras);
    if (cfg->tx_slot_len)
        check(first.id < XEN_NETIF_DATA_TX_SLOTS);
}

static void check_ok(const struct tx_parse_cfg *cfg, const struct tx_packet *p)
{
    uint32_t start = 0;

    check(p->why == NULL);
    for (unsigned k = 0; k < p->nr_frags; k++) {
        const struct tx_frag *f = &p->frag[k];

        check(f->start == start);
        start += f->len;
        check((f->flags & ~(KNOWN_FLAGS | (k == 0 && p->ring ? NETTXF_data_ring : 0))) == 0);
        if (f->flags & NETTXF_staging_buffer) {
            unsigned L;

            check(f->gref < XEN_NETIF_DATA_ID_COUNT);
            L = XEN_NETIF_DATA_ID_IS_TX(f->gref) ? cfg->tx_slot_len : cfg->rx_slot_len;
            check(L != 0 && (unsigned)f->offset + f->len <= L);
        } else {
            check((unsigned)f->offset + f->len <= 4096);
        }
    }
    check(start == p->total);
    check(p->head <= p->total && p->head <= (p->ring ? cfg->tx_ring_len : cfg->tx_slot_len));
    if (p->mcast_only) {
        check(p->total == 0 && p->nr_frags == 1 && p->head == 0);
    } else {
        check(p->total >= 14);
        check(p->nr_frags <= XEN_NETIF_NR_SLOTS_MIN);
        if (p->ring)
            check(p->head == (p->total < cfg->tx_ring_len ? p->total : cfg->tx_ring_len));
        else if (cfg->tx_slot_len == 0 || (p->frag[0].flags & NETTXF_staging_buffer))
            check(p->head == 0);
        else
            check(p->head == (p->total < cfg->tx_slot_len ? p->total : cfg->tx_slot_len));
    }
}

/*
 * The datapath's shortcut (tx_is_small_staged) must only ever accept what
 * tx_parse accepts, and mean exactly what it says: one slot, the whole
 * packet in the slot, the request's checksum flags as the only metadata.
 */
static void check_small(const union netif_tx_sring_entry *ring, uint32_t cons, uint32_t prod,
                        const struct tx_parse_cfg *cfg, const struct tx_packet *p)
{
    struct netif_tx_request first;

    if (prod == cons)
        return;
    memcpy(&first, &ring[cons & MASK], sizeof(first));
    if (!tx_is_small_staged(&first, cfg))
        return;
    check(p->verdict == TX_OK && p->nr_slots == 1 && p->nr_frags == 1 && !p->mcast_only);
    check(p->total == first.size && p->head == first.size && p->slot_id[0] == first.id);
    check(p->ring == (cfg->tx_ring_len != 0));
    check(p->meta.gso_size == 0 &&
          p->meta.csum_blank == ((first.flags & NETTXF_csum_blank) != 0) &&
          p->meta.data_validated == ((first.flags & NETTXF_data_validated) != 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    union netif_tx_sring_entry *ring, *other;
    struct tx_parse_cfg cfg;
    struct tx_packet p, again;
    uint32_t cons, prod, dist;
    size_t n;

    if (size < HDR)
        return 0;
    cons = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
           (uint32_t)data[3] << 24;
    dist = ((uint32_t)data[4] | (uint32_t)data[5] << 8) % (NETIF_TX_RING_SIZE + 1);
    prod = cons + dist;
    cfg.tx_slot_len = lens[data[6] & 3];
    cfg.rx_slot_len = lens[(data[6] >> 2) & 3];
    cfg.tx_ring_len = 0;
    if (data[6] & 0x10) { /* a data ring queue: no slots, heads of up to 64..2047 octets */
        cfg.tx_slot_len = cfg.rx_slot_len = 0;
        cfg.tx_ring_len = (uint16_t)(64 + ((data[6] >> 5) * 283));
    }
    cfg.fatal_slots = 19 + data[7] % (TX_FATAL_SLOTS_MAX - 18);

    /* Exactly one ring, on the heap: any read outside it is caught. */
    ring = calloc(NETIF_TX_RING_SIZE, sizeof(*ring));
    other = malloc(RING_BYTES);
    if (!ring || !other)
        abort();
    n = size - HDR < RING_BYTES ? size - HDR : RING_BYTES;
    memcpy(ring, data + HDR, n);

    tx_parse(ring, cons, prod, &cfg, &p);
    check(p.verdict == TX_OK || p.verdict == TX_DROP || p.verdict == TX_FATAL);
    /* A record is owned exactly by a flagged first request on a ring queue, whatever the verdict. */
    if (p.verdict != TX_FATAL)
        check(p.ring == (cfg.tx_ring_len && (ring_req(ring, cons).flags & NETTXF_data_ring)));
    check_small(ring, cons, prod, &cfg, &p);
    check(p.nr_frags <= cfg.fatal_slots + 1 && p.nr_frags <= TX_MAX_FRAGS);
    check(p.nr_slots <= TX_MAX_FRAGS + TX_MAX_EXTRAS);
    if (p.verdict == TX_FATAL) {
        check(p.why != NULL);
        goto out;
    }
    check(p.nr_slots >= 1 && p.nr_slots <= dist);
    check(p.nr_frags >= 1 && p.nr_frags - 1 < cfg.fatal_slots);
    check_slots(ring, cons, &cfg, &p);
    if (p.verdict == TX_OK)
        check_ok(&cfg, &p);
    else
        check(p.why != NULL);

    /* Scramble every slot outside the packet: nothing may change. */
    memcpy(other, ring, RING_BYTES);
    for (uint32_t i = p.nr_slots; i < NETIF_TX_RING_SIZE; i++)
        for (size_t b = 0; b < sizeof(*other); b++)
            ((uint8_t *)&other[(cons + i) & MASK])[b] ^= (uint8_t)(0x5A + i + b);
    tx_parse(other, cons, prod, &cfg, &again);
    check(same_result(&p, &again));

out:
    free(other);
    free(ring);
    return 0;
}
