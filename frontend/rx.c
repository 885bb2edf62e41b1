/*
 * Guest receive, frontend side: every RX id owns a granted page (and, with
 * staging, a slot); all 256 are kept posted.  A packet's responses are
 * collected, checked against what we posted at those ring positions, its
 * head copied out of the slot of the first request's id (or out of the
 * packet's data ring record) and the rest out of the pages, and the frame
 * written to the guest's TAP (docs/netif-staging.md 6.2, 8.5).  Each
 * consumed id is posted again at once.
 */
#include <errno.h>
#include <string.h>

#include "common/prefetch.h"
#include "common/ring.h"
#include "frontend/frontend.h"
#include "frontend/rx_parse.h"

#define RING_MASK (NETIF_RX_RING_SIZE - 1)

static void post(struct front_queue *q, uint16_t id)
{
    struct netif_rx_request req = { .id = id, .gref = q->rx_pool.refs[id] };

    q->rx_posted[q->rx_req_prod & RING_MASK] = id;
    q->rx->ring[q->rx_req_prod++ & RING_MASK].req = req;
}

void front_rx_post_all(struct front_queue *q)
{
    unsigned id;

    for (id = 0; id < FRONT_IDS; id++)
        post(q, (uint16_t)id);
    ns_ring_publish(&q->rx->req_prod, &q->rx->req_event, q->rx_req_prod);
}

bool front_rx_pending(struct front_queue *q)
{
    return ns_ring_load(&q->rx->rsp_prod) != q->rx_rsp_cons ||
           (q->rx_dring.whole && ns_dring_has_records(&q->rx_dring));
}

bool front_rx_arm(struct front_queue *q)
{
    bool work = ns_ring_arm(&q->rx->rsp_event, &q->rx->rsp_prod, q->rx_rsp_cons + 1) !=
                q->rx_rsp_cons;

    /* Both are armed: whole records come without responses. */
    if (q->rx_dring.whole && ns_dring_arm_records(&q->rx_dring))
        work = true;
    return work;
}

/*
 * Copy the checked packet into q->frame: the head from the slot (or the
 * record, taken already: head octets of it are in q->frame), the rest
 * from the pages.
 */
static void assemble(struct front_queue *q, const struct rx_packet *pkt, uint32_t ring_head)
{
    uint32_t head = q->rx_slots.len ? (pkt->total < q->rx_slots.len ? pkt->total : q->rx_slots.len)
                                    : ring_head;
    uint32_t start = 0;
    unsigned k;

    if (head && q->rx_slots.len)
        memcpy(q->frame, q->rx_slots.slot[pkt->frag[0].id], head);
    for (k = 0; k < pkt->nr_frags; k++) {
        const struct rx_frag *f = &pkt->frag[k];
        uint32_t end = start + f->len;
        uint32_t lo = start > head ? start : head;

        if (lo < end)
            memcpy(q->frame + lo,
                   q->rx_pool.pages + (size_t)f->id * FRONT_PAGE + f->offset + (lo - start),
                   end - lo);
        start = end;
    }
    NS_STAT_INC(q->stats->rx_packets);
    NS_STAT_ADD(q->stats->rx_bytes, pkt->total);
    if (head) {
        NS_STAT_INC(q->stats->rx_staged);
        NS_STAT_ADD(q->stats->rx_staged_bytes, head);
        if (pkt->total > head)
            NS_STAT_INC(q->stats->fallback[NS_FALLBACK_BEYOND_SLOT]);
    } else {
        NS_STAT_INC(q->stats->fallback[q->rx_dring.max_len ? NS_FALLBACK_RING_FULL
                                                           : NS_FALLBACK_NOT_NEGOTIATED]);
    }
}

/*
 * Take the record of a packet flagged for the data ring, in ring order:
 * its head into q->frame when the packet is delivered, otherwise only
 * consumed.  Returns the head length, or -1 when the backend broke the
 * ring (the device is being closed).
 */
static int take_record(struct front_queue *q, const struct rx_packet *pkt, bool deliver)
{
    uint32_t max = q->rx_dring.max_len;
    const char *why;
    int n;

    if (!max) {
        front_queue_fatal(q, "rx response flagged for a data ring the queue does not have");
        return -1;
    }
    n = ns_dring_take(&q->rx_dring, pkt->frag[0].id,
                      deliver ? (pkt->total < max ? pkt->total : max) : NS_DRING_ANY_LEN,
                      deliver ? q->frame : NULL, &why);
    if (n < 0)
        front_queue_fatal(q, "%s", why);
    return n;
}

/* Write q->frame to the TAP (or the sink); a failure is counted. */
static void write_frame(struct front_queue *q, const struct virtio_net_hdr *vh, uint32_t len)
{
    if (ns_pktio_write(&q->io, vh, q->frame, len) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_TAP]);
        if (errno != EAGAIN && errno != ENOBUFS && errno != EIO)
            NS_STAT_INC(q->stats->errors[NS_ERROR_TAP_IO]);
    }
}

static void deliver(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m)
{
    struct virtio_net_hdr vh;

    if (offload_vnet_from_meta(m, q->frame, len, len, &vh) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_OFFLOAD]);
        return;
    }
    write_frame(q, &vh, len);
}

/* Deliver a small frame in q->frame: its header is all zero unless it carries a checksum flag. */
static inline void deliver_small(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m)
{
    static const struct virtio_net_hdr zero;

    if (m->csum_blank || m->data_validated)
        deliver(q, len, m);
    else
        write_frame(q, &zero, len);
}

/* ns_dring_whole_run's context for guest RX: the queue, what was delivered. */
struct whole_sink {
    struct front_queue *q;
    uint64_t packets, bytes;
};

/* Deliver the frame of a whole record taken into q->frame (len octets, its checksum flags). */
static inline void deliver_whole(void *ctx, uint32_t len, uint16_t flags)
{
    struct whole_sink *s = ctx;
    struct ns_pkt_meta csum = { 0 };

    if (len < 14) { /* below the Ethernet minimum, as rx_parse judges a response */
        NS_STAT_INC(s->q->stats->drops[NS_DROP_MALFORMED]);
        return;
    }
    if (flags)
        offload_meta_from_rec_flags(flags, &csum);
    deliver_small(s->q, len, &csum);
    s->packets++;
    s->bytes += len;
}

/*
 * The next whole record, one at a time (where the run stopped): 1 taken
 * and delivered (or dropped, counted), 0 the next record is not whole (or
 * there is none), -1 it broke the ring (the device is being closed).
 */
static int take_whole(struct whole_sink *s)
{
    const char *why;
    uint16_t flags;
    int len = ns_dring_take_next_whole(&s->q->rx_dring, s->q->frame, &flags, &why);

    if (len == NS_DRING_NOT_WHOLE)
        return 0;
    if (len < 0) {
        front_queue_fatal(s->q, "%s", why);
        return -1;
    }
    deliver_whole(s, (uint32_t)len, flags);
    return 1;
}

/*
 * The run of small staged packets (rx_is_small_staged) at rsp_cons, and
 * with whole records (8.7) of the whole records in the data ring, in the
 * ring's order, at most budget of them: each copied out of its slot or
 * record (the backend may rewrite them at any time, and what we deliver
 * is our copy) and delivered, a response's id posted again at once.  The
 * ring indices are kept in locals for the run: every copy may alias
 * anything, so fields of q would be loaded again after each.  Returns 1
 * when the run stopped at a response that is not small, our one copy of
 * it in *next; 0 when the responses (and whole records) or the budget ran
 * out; -1 when a record broke the data ring (the device is being
 * closed).  *packets, *bytes: what was delivered.
 */
static int small_run(struct front_queue *q, uint32_t prod, unsigned budget, unsigned *done,
                     uint64_t *packets, uint64_t *bytes, struct netif_rx_response *next)
{
    union netif_rx_sring_entry *ring = q->rx->ring;
    struct ns_dring *dring = q->rx_dring.max_len ? &q->rx_dring : NULL;
    uint16_t head_max = dring ? q->rx_dring.max_len : q->rx_slots.len;
    uint32_t cons = q->rx_rsp_cons, req_prod = q->rx_req_prod;
    struct whole_sink delivered = { .q = q };
    uint8_t *frame = q->frame;
    bool whole = q->rx_dring.whole;
    unsigned n = 0;
    int rc = 0;

    for (; n < budget; n++) {
        struct ns_pkt_meta csum = { 0 };
        struct netif_rx_response rsp;
        const char *why;
        uint16_t id;
        uint32_t len;

        if (whole) {
            int w;

            n += ns_dring_whole_run(&q->rx_dring, frame, budget - n, deliver_whole, &delivered);
            if (n == budget)
                break;
            w = take_whole(&delivered);

            if (w < 0) {
                rc = -1;
                break;
            }
            if (w > 0)
                continue;
            /* a flagged record (or none) is next: its response's turn */
        }
        if (cons == prod)
            break;
        id = q->rx_posted[cons & RING_MASK];
        /* The one read of this response: every decision below is on the copy. */
        memcpy(&rsp, &ring[cons & RING_MASK].rsp, sizeof(rsp));
        if (!rx_is_small_staged(&rsp, id, head_max, dring != NULL)) {
            *next = rsp;
            rc = 1;
            break;
        }
        len = (uint32_t)rsp.status;
        if (!dring) {
            memcpy(frame, q->rx_slots.slot[id], len);
        } else if (ns_dring_take(dring, id, len, frame, &why) < 0) {
            front_queue_fatal(q, "%s", why);
            rc = -1;
            break;
        }
        delivered.packets++;
        delivered.bytes += len;
        if (rsp.flags & (NETRXF_csum_blank | NETRXF_data_validated))
            offload_meta_from_rx_flags(rsp.flags, &csum);
        deliver_small(q, len, &csum);
        /* The id is free again: post it at the next request position. */
        q->rx_posted[req_prod & RING_MASK] = id;
        ring[req_prod++ & RING_MASK].req =
            (struct netif_rx_request){ .id = id, .gref = q->rx_pool.refs[id] };
        cons++;
    }
    q->rx_rsp_cons = cons;
    q->rx_req_prod = req_prod;
    *done += n;
    *packets += delivered.packets;
    *bytes += delivered.bytes;
    return rc;
}

/* Responses one call prefetches for (see common/prefetch.h). */
#define RX_PREFETCH 64u

/*
 * Before the responses are taken, ask for what they will need: the slots
 * of the ids we posted at their positions (our own record, so no peer
 * value is involved), and ownership of the lines where those ids will be
 * posted again.  The backend wrote both last.
 */
static void prefetch_responses(const struct front_queue *q, uint32_t prod)
{
    uint32_t i, n = prod - q->rx_rsp_cons;

    if (n > RX_PREFETCH)
        n = RX_PREFETCH;
    if (q->rx_slots.len)
        for (i = 0; i < n; i++)
            ns_prefetch_read(q->rx_slots.slot[q->rx_posted[(q->rx_rsp_cons + i) & RING_MASK]]);
    for (i = 0; i < n; i += 64 / sizeof(union netif_rx_sring_entry))
        ns_prefetch_write(&q->rx->ring[(q->rx_req_prod + i) & RING_MASK]);
}

unsigned front_rx_work(struct front_queue *q)
{
    uint32_t prod = ns_ring_load(&q->rx->rsp_prod);
    uint64_t small_packets = 0, small_bytes = 0;
    uint32_t ring_cons = q->rx_dring.cons;
    bool staged = q->rx_dring.max_len || q->rx_slots.len; /* else no packet is small */
    unsigned done = 0;
    bool fatal = false;

    if (prod - q->rx_rsp_cons > q->rx_req_prod - q->rx_rsp_cons) {
        front_queue_fatal(q, "rx rsp_prod %u is beyond our requests", prod);
        return 0;
    }
    prefetch_responses(q, prod);
    while ((q->rx_rsp_cons != prod || q->rx_dring.whole) && done < NETIF_RX_RING_SIZE) {
        struct netif_rx_response first;
        struct rx_packet pkt;
        enum rx_verdict v;
        unsigned s;
        int head, run;

        if (staged) {
            run = small_run(q, prod, NETIF_RX_RING_SIZE - done, &done, &small_packets,
                            &small_bytes, &first);
            if (run < 0) {
                fatal = true;
                break;
            }
            if (run == 0)
                break; /* the responses or the budget ran out */
            /* first: the run's copy of the response it stopped at */
        } else {
            /* The one read of this response: every decision below is on the copy. */
            memcpy(&first, &q->rx->ring[q->rx_rsp_cons & RING_MASK].rsp, sizeof(first));
        }
        v = rx_parse_copied(&first, q->rx->ring, q->rx_posted, q->rx_rsp_cons, prod, &pkt);
        if (v == RX_INCOMPLETE)
            break;
        if (v == RX_FATAL) {
            front_queue_fatal(q, "%s", pkt.why);
            fatal = true;
            break;
        }
        head = pkt.ring ? take_record(q, &pkt, v == RX_OK) : 0;
        if (head < 0) {
            fatal = true;
            break;
        }
        if (v == RX_DROP) {
            NS_STAT_INC(q->stats->drops[NS_DROP_MALFORMED]);
            ns_log_limited(&q->rl, NS_LOG_WARN, "%s: rx packet dropped: %s", q->vif->name,
                           pkt.why);
        } else {
            assemble(q, &pkt, (uint32_t)head);
            deliver(q, pkt.total, &pkt.meta);
        }
        /* Every position of the packet frees the id we posted there. */
        for (s = 0; s < pkt.nr_slots; s++)
            post(q, q->rx_posted[(q->rx_rsp_cons + s) & RING_MASK]);
        q->rx_rsp_cons += pkt.nr_slots;
        done++;
    }
    if (small_packets) {
        NS_STAT_ADD(q->stats->rx_packets, small_packets);
        NS_STAT_ADD(q->stats->rx_bytes, small_bytes);
        NS_STAT_ADD(q->stats->rx_staged, small_packets);
        NS_STAT_ADD(q->stats->rx_staged_bytes, small_bytes);
    }
    if (fatal)
        return done;
    /* Once per call: the records are copied.  With whole records the
     * backend may be waiting for this space: no request will tell it. */
    if (q->rx_dring.cons != ring_cons && ns_dring_release(&q->rx_dring))
        ns_dp_notify(&q->dp, q->rx_port);
    if (done && ns_ring_publish(&q->rx->req_prod, &q->rx->req_event, q->rx_req_prod))
        ns_dp_notify(&q->dp, q->rx_port);
    return done;
}
