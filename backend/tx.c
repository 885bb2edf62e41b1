/*
 * Guest transmit, backend side: one batch takes packets off the TX ring
 * (tx_parse), gathers their bytes into private memory (staged heads by
 * memcpy out of their slots or data ring records, the rest with one
 * grant-copy call for the whole batch, or grant map), writes them to the
 * TAP and answers every request.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "common/prefetch.h"
#include "common/ring.h"

#define TX_BATCH 32
#define TX_SEGS (TX_BATCH * XEN_NETIF_NR_SLOTS_MIN)

struct tx_batch {
    unsigned nr_pkts, nr_segs;
    size_t used;                          /* arena bytes taken */
    struct tx_packet pkt[TX_BATCH];
    uint8_t *buf[TX_BATCH];
    int16_t status[TX_BATCH];             /* NETIF_RSP_OKAY or _ERROR */
    uint16_t seg_pkt[TX_SEGS];            /* which packet a segment fills */
    xengnttab_grant_copy_segment_t seg[TX_SEGS];
};

bool back_tx_pending(struct back_queue *q)
{
    return ns_ring_load(&q->tx->req_prod) != q->tx_req_cons ||
           (q->tx_dring.whole && ns_dring_has_records(&q->tx_dring));
}

bool back_tx_arm(struct back_queue *q)
{
    bool work = ns_ring_arm(&q->tx->req_event, &q->tx->req_prod, q->tx_req_cons + 1) !=
                q->tx_req_cons;

    /* Both are armed: whole records come without requests. */
    if (q->tx_dring.whole && ns_dring_arm_records(&q->tx_dring))
        work = true;
    return work;
}

static const uint8_t *data_slot(const struct back_queue *q, uint32_t id)
{
    return XEN_NETIF_DATA_ID_IS_TX(id) ? q->tx_slots.slot[id]
                                       : q->rx_slots.slot[id - XEN_NETIF_DATA_ID_RX_BASE];
}

/* Grant map mode: map the packet's granted fragments, copy out, unmap. */
static int gather_by_map(struct back_queue *q, const struct tx_packet *pkt, uint8_t *buf)
{
    uint32_t refs[TX_MAX_FRAGS];
    unsigned idx[TX_MAX_FRAGS];
    unsigned n = 0, k;
    uint8_t *pages;

    for (k = 0; k < pkt->nr_frags; k++) {
        const struct tx_frag *f = &pkt->frag[k];

        if (!(f->flags & NETTXF_staging_buffer) && f->start + f->len > pkt->head) {
            refs[n] = f->gref;
            idx[n++] = k;
        }
    }
    if (n == 0)
        return 0;
    pages = xengnttab_map_domain_grant_refs(q->xgt, n, q->domid, refs, PROT_READ);
    NS_STAT_INC(q->stats->grant_map_ops);
    if (!pages)
        return -1;
    for (k = 0; k < n; k++) {
        const struct tx_frag *f = &pkt->frag[idx[k]];
        uint32_t lo = f->start > pkt->head ? f->start : pkt->head;

        memcpy(buf + lo, pages + (size_t)k * 4096 + f->offset + (lo - f->start),
               f->start + f->len - lo);
    }
    xengnttab_unmap(q->xgt, pages, n);
    return 0;
}

/* Plan the packet's bytes: memcpy what is in slots, queue grant copies for the rest. */
static int gather(struct back_queue *q, struct tx_batch *b, unsigned p)
{
    const struct tx_packet *pkt = &b->pkt[p];
    uint8_t *buf = b->buf[p];
    unsigned k;

    if (pkt->head && !pkt->ring) /* a record's head was taken with the packet */
        memcpy(buf, q->tx_slots.slot[pkt->slot_id[0]], pkt->head);
    for (k = 0; k < pkt->nr_frags; k++) {
        const struct tx_frag *f = &pkt->frag[k];
        uint32_t lo = f->start > pkt->head ? f->start : pkt->head;
        uint32_t hi = f->start + f->len;
        xengnttab_grant_copy_segment_t *s;

        if (lo >= hi)
            continue; /* wholly below h (or empty): never accessed */
        if (f->flags & NETTXF_staging_buffer) {
            memcpy(buf + lo, data_slot(q, f->gref) + f->offset + (lo - f->start), hi - lo);
            continue;
        }
        if (q->vif->be->opts.remainder_map)
            continue; /* gather_by_map below */
        s = &b->seg[b->nr_segs];
        b->seg_pkt[b->nr_segs++] = (uint16_t)p;
        memset(s, 0, sizeof(*s));
        s->source.foreign.ref = f->gref;
        s->source.foreign.domid = (uint16_t)q->domid;
        s->source.foreign.offset = (uint16_t)(f->offset + (lo - f->start));
        s->dest.virt = buf + lo;
        s->len = (uint16_t)(hi - lo);
        s->flags = GNTCOPY_source_gref;
    }
    if (q->vif->be->opts.remainder_map && gather_by_map(q, pkt, buf) < 0)
        return -1;
    return 0;
}

static void account(struct back_queue *q, const struct tx_packet *pkt)
{
    struct ns_queue_stats *st = q->stats;

    if (pkt->head) {
        NS_STAT_INC(st->tx_staged);
        NS_STAT_ADD(st->tx_staged_bytes, pkt->head);
    }
    if (pkt->frag[0].flags & NETTXF_staging_buffer)
        NS_STAT_INC(st->staging_buffer_tx);
    else if (q->tx_dring.max_len && !pkt->ring)
        NS_STAT_INC(st->fallback[NS_FALLBACK_RING_FULL]);
    else if (!q->tx_slots.len && !q->tx_dring.max_len)
        NS_STAT_INC(st->fallback[NS_FALLBACK_NOT_NEGOTIATED]);
    if ((q->tx_slots.len || pkt->ring) && pkt->total > pkt->head &&
        !(pkt->frag[0].flags & NETTXF_staging_buffer))
        NS_STAT_INC(st->fallback[NS_FALLBACK_BEYOND_SLOT]);
}

/*
 * The frame header that says what meta says; false (counted and logged)
 * when netif offload flags ask for what a frame header cannot express.
 */
static bool frame_header(struct back_queue *q, const struct ns_pkt_meta *meta, const uint8_t *buf,
                         uint32_t len, struct virtio_net_hdr *vh)
{
    if (offload_vnet_from_meta(meta, buf, len, len, vh) == 0)
        return true;
    NS_STAT_INC(q->stats->drops[NS_DROP_OFFLOAD]);
    ns_log_limited(&q->rl, NS_LOG_WARN, "%s: tx packet with offload flags we cannot "
                   "express dropped", q->vif->name);
    return false;
}

/* Hand one gathered frame to the TAP (or the sink); true if it went. */
static bool send_frame(struct back_queue *q, const struct virtio_net_hdr *vh, uint8_t *buf,
                       uint32_t len)
{
    if (ns_pktio_write(&q->io, vh, buf, len) == 0)
        return true;
    NS_STAT_INC(q->stats->drops[NS_DROP_TAP]);
    if (errno != EAGAIN && errno != ENOBUFS)
        NS_STAT_INC(q->stats->errors[NS_ERROR_TAP_IO]);
    return false;
}

static void transmit(struct back_queue *q, struct tx_batch *b, unsigned p)
{
    const struct tx_packet *pkt = &b->pkt[p];
    struct virtio_net_hdr vh;

    if (!frame_header(q, &pkt->meta, b->buf[p], pkt->total, &vh) ||
        !send_frame(q, &vh, b->buf[p], pkt->total))
        return;
    NS_STAT_INC(q->stats->tx_packets);
    NS_STAT_ADD(q->stats->tx_bytes, pkt->total);
    account(q, pkt);
}

/*
 * The small staged packets of one call, counted here and added to the
 * shared counters once: each shared update is a load and a store on the
 * stats page, a tenth of a small packet's cost when done per packet.
 */
struct tx_tally {
    uint64_t packets, bytes;
};

/*
 * Send one small frame: its header is all zero unless the frame carries a
 * checksum flag (most small frames do not).  True if it went.
 */
static inline bool send_small(struct back_queue *q, uint8_t *frame, uint32_t len,
                              const struct ns_pkt_meta *csum)
{
    struct virtio_net_hdr vh = { 0 };

    if ((csum->csum_blank || csum->data_validated) && !frame_header(q, csum, frame, len, &vh))
        return false;
    return send_frame(q, &vh, frame, len);
}

/* ns_dring_whole_run's context for guest TX: the queue, the frame, what was sent. */
struct whole_sink {
    struct back_queue *q;
    uint8_t *frame;
    uint64_t packets, bytes;
};

/* Send the frame of a whole record taken into s->frame (len octets, its checksum flags). */
static inline void send_whole(void *ctx, uint32_t len, uint16_t flags)
{
    struct whole_sink *s = ctx;
    struct ns_pkt_meta csum = { 0 };

    if (len < 14) { /* below the Ethernet minimum, as tx_parse judges a request */
        NS_STAT_INC(s->q->stats->drops[NS_DROP_MALFORMED]);
        return;
    }
    if (flags)
        offload_meta_from_rec_flags(flags, &csum);
    if (send_small(s->q, s->frame, len, &csum)) {
        s->packets++;
        s->bytes += len;
    }
}

/*
 * The next whole record, one at a time (where the run stopped): 1 taken
 * and sent (or dropped, counted), 0 the next record is not whole (or
 * there is none), -1 it broke the ring (the vif is being disabled).
 */
static int take_whole(struct whole_sink *s)
{
    const char *why;
    uint16_t flags;
    int len = ns_dring_take_next_whole(&s->q->tx_dring, s->frame, &flags, &why);

    if (len == NS_DRING_NOT_WHOLE)
        return 0;
    if (len < 0) {
        back_dring_fatal(s->q, "%s", why);
        return -1;
    }
    send_whole(s, (uint32_t)len, flags);
    return 1;
}

/*
 * The run of small staged packets (tx_is_small_staged) at req_cons, and
 * with whole records (8.7) of the whole records in the data ring, in the
 * ring's order, at most budget of them, each sent at once, the whole of
 * it copied out of its slot or record first: the guest may rewrite them
 * at any time, and what we send is our copy.  The arena is free because
 * the caller batches nothing before the run.  The ring indices are kept
 * in locals for the run: every copy into the arena may alias anything, so
 * fields of q would be loaded again after each.  Returns the packets
 * taken; when the run stops at a request that is not small, *next is our
 * one copy of it and *stopped is set.  -1: a record broke the data ring
 * (the vif is being disabled).
 */
static int tx_small_run(struct back_queue *q, uint32_t prod, unsigned budget,
                        const struct tx_parse_cfg *cfg, struct tx_tally *t,
                        struct netif_tx_request *next, bool *stopped)
{
    union netif_tx_sring_entry *ring = q->tx->ring;
    struct ns_dring *dring = q->tx_dring.max_len ? &q->tx_dring : NULL;
    bool whole = q->tx_dring.whole;
    uint32_t cons = q->tx_req_cons, rsp_prod = q->tx_rsp_prod;
    const struct tx_parse_cfg small_cfg = *cfg;
    struct whole_sink sent = { .q = q, .frame = q->arena };
    uint8_t *frame = q->arena;
    unsigned n = 0;
    int rc = 0;

    for (; n < budget; n++) {
        struct netif_tx_request req;
        struct ns_pkt_meta csum = { 0 };
        const char *why;

        if (whole) {
            n += ns_dring_whole_run(&q->tx_dring, frame, budget - n, send_whole, &sent);
            if (n == budget)
                break;
            rc = take_whole(&sent);
            if (rc < 0)
                break;
            if (rc > 0)
                continue;
        }
        if (cons == prod)
            break;
        /* The one read of this request: every decision below is on the copy. */
        memcpy(&req, &ring[cons & (NETIF_TX_RING_SIZE - 1)].req, sizeof(req));
        if (!tx_is_small_staged(&req, &small_cfg)) {
            *next = req;
            *stopped = true;
            break;
        }
        if (!dring) {
            memcpy(frame, q->tx_slots.slot[req.id], req.size);
        } else if (ns_dring_take(dring, req.id, req.size, frame, &why) < 0) {
            back_dring_fatal(q, "%s", why);
            rc = -1;
            break;
        }
        if (req.flags & TX_CSUM_FLAGS)
            offload_meta_from_tx_flags(req.flags, &csum);
        if (send_small(q, frame, req.size, &csum)) {
            sent.packets++;
            sent.bytes += req.size;
        }
        ring[rsp_prod++ & (NETIF_TX_RING_SIZE - 1)].rsp =
            (struct netif_tx_response){ .id = req.id, .status = NETIF_RSP_OKAY };
        cons++;
    }
    q->tx_req_cons = cons;
    q->tx_rsp_prod = rsp_prod;
    t->packets += sent.packets;
    t->bytes += sent.bytes;
    return rc < 0 ? rc : (int)n;
}

/*
 * Take the record of a packet flagged for the data ring, in ring order: its
 * head into buf when the packet will be sent, otherwise only consumed (a
 * dropped packet's record may have any length up to tx-data-len).
 */
static int take_record(struct back_queue *q, const struct tx_packet *pkt, uint8_t *buf)
{
    bool keep = pkt->verdict == TX_OK && !pkt->mcast_only;
    const char *why;

    if (ns_dring_take(&q->tx_dring, pkt->slot_id[0], keep ? pkt->head : NS_DRING_ANY_LEN,
                      keep ? buf : NULL, &why) < 0) {
        back_dring_fatal(q, "%s", why);
        return -1;
    }
    return 0;
}

/*
 * With whole records, while a batch is open: whether the next packet is a
 * request's rather than a whole record's.  A broken ring says no: the
 * run after the batch reports it.
 */
static bool request_next(struct back_queue *q, uint32_t prod)
{
    const char *why;
    int got;

    if (q->tx_req_cons == prod)
        return false;
    got = ns_dring_peek(&q->tx_dring, &why);
    return got == 0 || (got > 0 && !ns_dring_held_whole(&q->tx_dring));
}

static void tally_flush(struct back_queue *q, const struct tx_tally *t)
{
    if (!t->packets)
        return;
    NS_STAT_ADD(q->stats->tx_packets, t->packets);
    NS_STAT_ADD(q->stats->tx_bytes, t->bytes);
    NS_STAT_ADD(q->stats->tx_staged, t->packets);
    NS_STAT_ADD(q->stats->tx_staged_bytes, t->bytes);
}

static void respond(struct back_queue *q, const struct tx_batch *b)
{
    uint32_t prod = q->tx_rsp_prod;
    unsigned p, s;

    for (p = 0; p < b->nr_pkts; p++) {
        const struct tx_packet *pkt = &b->pkt[p];

        for (s = 0; s < pkt->nr_slots; s++) {
            struct netif_tx_response rsp = {
                .id = pkt->slot_id[s],
                .status = pkt->slot_is_extra[s] ? NETIF_RSP_NULL : b->status[p],
            };
            q->tx->ring[prod++ & (NETIF_TX_RING_SIZE - 1)].rsp = rsp;
        }
    }
    q->tx_rsp_prod = prod;
}

/* Grant-copy the batch's remainders in one call; a failed segment fails its packet. */
static void copy_remainders(struct back_queue *q, struct tx_batch *b)
{
    int rc = xengnttab_grant_copy(q->xgt, b->nr_segs, b->seg);
    unsigned s, p;

    NS_STAT_INC(q->stats->grant_copy_ops);
    NS_STAT_ADD(q->stats->grant_copy_segs, b->nr_segs);
    for (s = 0; s < b->nr_segs; s++) {
        p = b->seg_pkt[s];
        if ((rc < 0 || b->seg[s].status != GNTST_okay) && b->status[p] == NETIF_RSP_OKAY) {
            b->status[p] = NETIF_RSP_ERROR;
            NS_STAT_INC(q->stats->drops[NS_DROP_GRANT_FAILED]);
            ns_log_limited(&q->rl, NS_LOG_WARN, "%s: tx grant copy failed (status %d)",
                           q->vif->name, rc < 0 ? rc : b->seg[s].status);
        }
    }
}

/*
 * Before the batch, ask to own the requests' lines, where the responses
 * will be written (see common/prefetch.h).  Prefetching the slots too
 * would mean reading the ids a second time; it measured no gain.
 */
static void prefetch_batch(const struct back_queue *q, uint32_t prod)
{
    uint32_t i, n = prod - q->tx_req_cons;

    if (n > TX_BATCH)
        n = TX_BATCH;
    for (i = 0; i < n; i += 64 / sizeof(union netif_tx_sring_entry))
        ns_prefetch_write(&q->tx->ring[(q->tx_req_cons + i) & (NETIF_TX_RING_SIZE - 1)]);
}

unsigned back_tx_work(struct back_queue *q)
{
    struct tx_parse_cfg cfg = { .tx_slot_len = q->tx_slots.len, .rx_slot_len = q->rx_slots.len,
                                .tx_ring_len = q->tx_dring.max_len,
                                .fatal_slots = q->vif->be->opts.fatal_slots };
    uint32_t ring_cons = q->tx_dring.cons;
    uint32_t prod = ns_ring_load(&q->tx->req_prod);
    struct tx_batch *b = (struct tx_batch *)(q->arena + BACK_ARENA_BYTES - sizeof(struct tx_batch));
    size_t data_room = BACK_ARENA_BYTES - sizeof(struct tx_batch);
    struct tx_tally tally = { 0 };
    unsigned p, handled = 0;

    if (prod - q->tx_req_cons > NETIF_TX_RING_SIZE) {
        back_queue_fatal(q, "tx req_prod %u is more than a ring ahead of req_cons %u", prod,
                         q->tx_req_cons);
        return 0;
    }
    prefetch_batch(q, prod);
    b->nr_pkts = b->nr_segs = 0;
    b->used = 0;
    /*
     * At most TX_BATCH packets per call, small ones included: the responses
     * are published after each batch, so the frontend refills the ring while
     * we work on the rest (answering a whole ring at once made the two ends
     * take turns instead of working at the same time).
     */
    while ((q->tx_req_cons != prod || q->tx_dring.whole) && handled < TX_BATCH) {
        struct netif_tx_request first;
        struct tx_packet *pkt;

        /* Small packets go at once only while nothing is batched, so frames keep their order. */
        if (b->nr_pkts == 0) {
            bool stopped = false;
            int n = tx_small_run(q, prod, TX_BATCH - handled, &cfg, &tally, &first, &stopped);

            if (n < 0) {
                tally_flush(q, &tally);
                return 0;
            }
            handled += (unsigned)n;
            if (!stopped)
                break; /* the budget, or the requests and whole records, ran out */
            /* first: the run's copy of the request it stopped at */
        } else if (q->tx_dring.whole && !request_next(q, prod)) {
            break; /* a whole record (or nothing) is next: it goes after this batch */
        } else {
            /* The one read of this request: every decision below is on the copy. */
            memcpy(&first, &q->tx->ring[q->tx_req_cons & (NETIF_TX_RING_SIZE - 1)].req,
                   sizeof(first));
        }
        pkt = &b->pkt[b->nr_pkts];
        tx_parse_copied(&first, q->tx->ring, q->tx_req_cons, prod, &cfg, pkt);
        if (pkt->verdict == TX_FATAL) {
            tally_flush(q, &tally);
            back_queue_fatal(q, "%s", pkt->why);
            return 0;
        }
        /* The packet's bytes must fit in what is left of the arena; else next batch. */
        if (b->used + pkt->total > data_room)
            break;
        q->tx_req_cons += pkt->nr_slots;
        p = b->nr_pkts++;
        handled++;
        b->status[p] = NETIF_RSP_OKAY;
        b->buf[p] = q->arena + b->used;
        b->used += (pkt->total + 63u) & ~63u;
        if (pkt->ring && take_record(q, pkt, b->buf[p]) < 0) {
            tally_flush(q, &tally);
            return 0;
        }
        if (pkt->verdict == TX_DROP) {
            NS_STAT_INC(q->stats->drops[NS_DROP_MALFORMED]);
            ns_log_limited(&q->rl, NS_LOG_WARN, "%s: tx packet dropped: %s", q->vif->name,
                           pkt->why);
            b->status[p] = NETIF_RSP_ERROR;
        } else if (!pkt->mcast_only && gather(q, b, p) < 0) {
            NS_STAT_INC(q->stats->drops[NS_DROP_GRANT_FAILED]);
            b->status[p] = NETIF_RSP_ERROR;
        }
    }
    tally_flush(q, &tally);
    if (handled == 0)
        return 0;
    /* Once per batch: the records are copied.  With whole records the
     * frontend may be waiting for this space: no response will tell it. */
    if (q->tx_dring.cons != ring_cons && ns_dring_release(&q->tx_dring))
        ns_dp_notify(&q->dp, q->tx_port);
    if (b->nr_segs)
        copy_remainders(q, b);
    for (p = 0; p < b->nr_pkts; p++)
        if (b->status[p] == NETIF_RSP_OKAY && !b->pkt[p].mcast_only)
            transmit(q, b, p);
    respond(q, b);
    if (ns_ring_publish(&q->tx->rsp_prod, &q->tx->rsp_event, q->tx_rsp_prod))
        ns_dp_notify(&q->dp, q->tx_port);
    return handled;
}
