/*
 * libFuzzer target: rx_parse (frontend/rx_parse.c), which reads the
 * responses a backend put on the RX ring.  The input's first four bytes
 * give the consumer index (low byte, so wrap-around is reached) and how
 * far the producer is ahead; the next 256 bytes are the ids we "posted"
 * at each position (mostly matching, so the parser gets past the id
 * check); the rest fills the ring.
 * Invariants besides memory safety: a packet never spans more positions
 * than were published, OK means 14 <= total <= 18 pages, each fragment
 * inside its page, and ids equal to what was posted; and the datapath's
 * shortcut (rx_is_small_staged) accepts only what rx_parse accepts, with
 * the one-slot result it relies on, and with a data ring only responses
 * that rx_parse marks as owning a record.
 */
#include <stdint.h>
#include <string.h>

#include "frontend/rx_parse.h"

#define RING_BYTES (NETIF_RX_RING_SIZE * sizeof(union netif_rx_sring_entry))

static const uint16_t slot_lens[4] = { 0, 64, 256, 4096 };

static void check_small(const union netif_rx_sring_entry *ring, const uint16_t *posted,
                        uint32_t cons, uint16_t slot_len, bool dring, enum rx_verdict v,
                        const struct rx_packet *pkt)
{
    const struct netif_rx_response *first = &ring[cons & (NETIF_RX_RING_SIZE - 1)].rsp;

    if (!rx_is_small_staged(first, posted[cons & (NETIF_RX_RING_SIZE - 1)], slot_len, dring))
        return;
    if (pkt->ring != dring)
        __builtin_trap();
    if (v != RX_OK || pkt->nr_slots != 1 || pkt->nr_frags != 1 ||
        pkt->total != (uint32_t)first->status || pkt->total > slot_len ||
        pkt->frag[0].id != first->id || pkt->meta.gso_size != 0 ||
        pkt->meta.csum_blank != ((first->flags & NETRXF_csum_blank) != 0) ||
        pkt->meta.data_validated != ((first->flags & NETRXF_data_validated) != 0))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    union netif_rx_sring_entry ring[NETIF_RX_RING_SIZE];
    uint16_t posted[NETIF_RX_RING_SIZE];
    struct rx_packet pkt;
    uint32_t cons, prod;
    enum rx_verdict v;
    unsigned i, k;

    if (size < 4 + NETIF_RX_RING_SIZE)
        return 0;
    cons = 0xffffff00u + data[0];
    prod = cons + 1 + (data[1] % NETIF_RX_RING_SIZE);
    for (i = 0; i < NETIF_RX_RING_SIZE; i++)
        posted[i] = data[4 + i] < 0xf0 ? (uint16_t)i : data[4 + i];
    memset(ring, 0, sizeof(ring));
    size -= 4 + NETIF_RX_RING_SIZE;
    memcpy(ring, data + 4 + NETIF_RX_RING_SIZE, size < RING_BYTES ? size : RING_BYTES);
    /* Make ids match their positions unless the input asks otherwise. */
    if (data[2] & 1)
        for (i = 0; i < NETIF_RX_RING_SIZE; i++)
            ring[i].rsp.id = posted[i];

    v = rx_parse(ring, posted, cons, prod, &pkt);
    check_small(ring, posted, cons, slot_lens[data[3] & 3], (data[3] & 4) != 0, v, &pkt);
    if (v == RX_INCOMPLETE)
        return 0;
    if (v != RX_FATAL && (pkt.nr_slots == 0 || pkt.nr_slots > prod - cons))
        __builtin_trap();
    if (v != RX_OK)
        return 0;
    if (pkt.total < 14 || pkt.total > RX_PARSE_MAX_BYTES || pkt.nr_frags == 0 ||
        pkt.nr_frags > RX_PARSE_MAX_FRAGS)
        __builtin_trap();
    for (k = 0; k < pkt.nr_frags; k++)
        if ((uint32_t)pkt.frag[k].offset + pkt.frag[k].len > 4096u)
            __builtin_trap();
    if (pkt.frag[0].id != posted[cons & (NETIF_RX_RING_SIZE - 1)])
        __builtin_trap();
    return 0;
}
