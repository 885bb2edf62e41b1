/*
 * Guest transmit: turn the requests of one packet on the shared TX ring
 * into a private, validated description (docs/netif-staging.md 6.1, 6.4, 7).
 *
 * Each ring slot is copied into private memory exactly once; every decision
 * is taken on the copies.  The function touches nothing but the ring and
 * its outputs, so it is unit-tested and fuzzed on its own.
 */
#ifndef NETSTAGE_BACKEND_TX_PARSE_H
#define NETSTAGE_BACKEND_TX_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/offload.h"
#include "xen/include/public/io/netif.h"

/* The most follow-on requests a backend may be configured to tolerate (F). */
#define TX_FATAL_SLOTS_MAX 64
/* One packet: its data requests (1 + follow-ons) plus at most 4 extras. */
#define TX_MAX_FRAGS (TX_FATAL_SLOTS_MAX + 1)
#define TX_MAX_EXTRAS (XEN_NETIF_EXTRA_TYPE_MAX - 1)
/* The request flags that are only checksum metadata. */
#define TX_CSUM_FLAGS (NETTXF_csum_blank | NETTXF_data_validated)
/* A granted page: no fragment may run past it. */
#define TX_PAGE_BYTES 4096u

struct tx_parse_cfg {
    uint16_t tx_slot_len;   /* 0: TX not staged on this queue */
    uint16_t rx_slot_len;   /* 0: RX not staged (for NETTXF_staging_buffer) */
    uint16_t tx_ring_len;   /* tx-data-len of a data ring; 0: TX heads not on a data ring */
    unsigned fatal_slots;   /* F: this many follow-ons or more is fatal (> 18) */
};

struct tx_frag {
    uint32_t gref;          /* a grant, or a data id with NETTXF_staging_buffer */
    uint16_t offset;
    uint16_t flags;
    uint16_t len;
    uint32_t start;         /* packet offset of the fragment's first byte */
};

enum tx_verdict {
    TX_OK,                  /* transmit it */
    TX_DROP,                /* tier a: answer every data request with an error */
    TX_FATAL,               /* tier b: disable the vif */
};

/* The arrays are defined up to nr_slots and nr_frags only. */
struct tx_packet {
    enum tx_verdict verdict;
    const char *why;            /* reason for DROP/FATAL (static text) */
    unsigned nr_slots;          /* ring slots consumed, extras included */
    uint16_t slot_id[TX_MAX_FRAGS + TX_MAX_EXTRAS];
    bool slot_is_extra[TX_MAX_FRAGS + TX_MAX_EXTRAS];
    unsigned nr_frags;
    struct tx_frag frag[TX_MAX_FRAGS];
    uint32_t total;             /* packet length */
    uint32_t head;              /* h: bytes [0, h) are in the TX slot of slot_id[0], or in
                                 * the packet's data ring record (ring) */
    bool ring;                  /* request 1 has NETTXF_data_ring on a data ring queue: the
                                 * packet owns the next record, whatever the verdict */
    struct ns_pkt_meta meta;
    bool mcast_only;            /* size 0 with a multicast extra: nothing to send */
};

/*
 * Parse the packet starting at ring index cons; prod is the producer value
 * already checked against the ring size.  On TX_OK or TX_DROP, nr_slots
 * slots were consumed.  On TX_FATAL nothing more should be read.
 */
void tx_parse(const union netif_tx_sring_entry *ring, uint32_t cons, uint32_t prod,
              const struct tx_parse_cfg *cfg, struct tx_packet *pkt);

/*
 * tx_parse when the caller has already taken its one copy of ring[cons]
 * (first): the rest of the packet is read from the ring.
 */
void tx_parse_copied(const struct netif_tx_request *first, const union netif_tx_sring_entry *ring,
                     uint32_t cons, uint32_t prod, const struct tx_parse_cfg *cfg,
                     struct tx_packet *pkt);

/*
 * The common small packet, judged on a copied first request: one data
 * request (no follow-ons, no extras, no staging-buffer flag) whose whole
 * length is in its TX slot on a staged queue, or in its record on a data
 * ring queue (the request then has NETTXF_data_ring), and which tx_parse
 * accepts as it is: TX_OK, one slot, head = total = req->size, the
 * request's checksum flags its only metadata.  The datapath then needs nothing from
 * tx_parse.  false says nothing about validity: tx_parse judges the rest.
 */
static inline bool tx_is_small_staged(const struct netif_tx_request *req,
                                      const struct tx_parse_cfg *cfg)
{
    /* Each condition is one tx_parse would otherwise apply: the id rule of
     * staged queues, the page rule, the Ethernet minimum and the slot (or
     * the record: the data ring flag is then required).  Inline: the
     * backend asks it of every small packet. */
    uint16_t ring_flag = cfg->tx_ring_len ? NETTXF_data_ring : 0;
    uint16_t head_max = cfg->tx_ring_len ? cfg->tx_ring_len : cfg->tx_slot_len;

    return (req->flags & ~TX_CSUM_FLAGS) == ring_flag && req->id < XEN_NETIF_DATA_TX_SLOTS &&
           req->size >= 14 && req->size <= head_max &&
           (unsigned)req->offset + req->size <= TX_PAGE_BYTES;
}

#endif
