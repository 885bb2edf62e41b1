/*
 * Guest transmit, frontend side: frames read from the guest's TAP go onto
 * the TX ring.  The head (up to L) is written into the slot of the first
 * request's id; every other byte goes into the page of the request whose
 * fragment covers it, at the place it would have without staging
 * (docs/netif-staging.md 6.1).  Completed ids are reaped lazily.
 */
#include <string.h>

#include "common/ring.h"
#include "frontend/frontend.h"

static unsigned frags_for(uint32_t len)
{
    return len ? (len + FRONT_PAGE - 1) / FRONT_PAGE : 1;
}

static unsigned slots_for(uint32_t len, const struct ns_pkt_meta *m)
{
    return frags_for(len) + (m->gso_size ? 1 : 0);
}

/* Take TX responses: free their ids.  The backend is checked, not trusted. */
static void reap(struct front_queue *q)
{
    uint32_t prod = ns_ring_load(&q->tx->rsp_prod);

    if (prod - q->tx_rsp_cons > q->tx_req_prod - q->tx_rsp_cons) {
        front_queue_fatal(q, "tx rsp_prod %u is beyond our requests", prod);
        return;
    }
    while (q->tx_rsp_cons != prod) {
        struct netif_tx_response rsp;

        memcpy(&rsp, &q->tx->ring[q->tx_rsp_cons++ & (NETIF_TX_RING_SIZE - 1)].rsp,
               sizeof(rsp));
        if (rsp.status == NETIF_RSP_NULL)
            continue;
        if (rsp.id >= FRONT_IDS || !q->tx_busy[rsp.id]) {
            front_queue_fatal(q, "tx response for id %u, which is not in flight", rsp.id);
            return;
        }
        q->tx_busy[rsp.id] = false;
        q->tx_free[q->tx_nfree++] = rsp.id;
        if (rsp.status != NETIF_RSP_OKAY)
            NS_STAT_INC(q->stats->drops[NS_DROP_MALFORMED]);
    }
}

bool front_tx_room(struct front_queue *q)
{
    return ns_ring_load(&q->tx->rsp_prod) != q->tx_rsp_cons;
}

bool front_tx_arm(struct front_queue *q)
{
    /* Completions only matter while a frame waits for ids or ring room. */
    if (!q->tx_pending_len)
        return false;
    return ns_ring_arm(&q->tx->rsp_event, &q->tx->rsp_prod, q->tx_rsp_cons + 1) !=
           q->tx_rsp_cons;
}

static bool fits(const struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m)
{
    unsigned need = slots_for(len, m);
    uint32_t used = q->tx_req_prod - q->tx_rsp_cons;

    return q->tx_nfree >= frags_for(len) && NETIF_TX_RING_SIZE - used >= need;
}

/* Put one frame on the ring (room checked by the caller). */
static void enqueue(struct front_queue *q, const uint8_t *buf, uint32_t len,
                    const struct ns_pkt_meta *m)
{
    unsigned nfrags = frags_for(len), k;
    uint32_t head = q->tx_slots.len ? (len < q->tx_slots.len ? len : q->tx_slots.len) : 0;

    for (k = 0; k < nfrags; k++) {
        uint16_t id = q->tx_free[--q->tx_nfree];
        uint32_t start = k * FRONT_PAGE;
        uint32_t end = start + FRONT_PAGE < len ? start + FRONT_PAGE : len;
        uint32_t lo = start > head ? start : head;
        struct netif_tx_request req = { .gref = q->tx_pool.refs[id], .offset = 0, .id = id };

        q->tx_busy[id] = true;
        if (k == 0) {
            if (head)
                memcpy(q->tx_slots.slot[id], buf, head);
            req.size = (uint16_t)len;
            req.flags = offload_tx_flags(m);
            if (m->gso_size)
                req.flags |= NETTXF_extra_info;
        } else {
            req.size = (uint16_t)(end - start);
        }
        if (lo < end)
            memcpy(q->tx_pool.pages + (size_t)id * FRONT_PAGE + (lo - start), buf + lo, end - lo);
        if (k + 1 < nfrags)
            req.flags |= NETTXF_more_data;
        q->tx->ring[q->tx_req_prod++ & (NETIF_TX_RING_SIZE - 1)].req = req;
        if (k == 0 && m->gso_size) {
            struct netif_extra_info x;

            offload_gso_extra(m, &x);
            memcpy(&q->tx->ring[q->tx_req_prod++ & (NETIF_TX_RING_SIZE - 1)], &x, sizeof(x));
        }
    }
    NS_STAT_INC(q->stats->tx_packets);
    NS_STAT_ADD(q->stats->tx_bytes, len);
    if (head) {
        NS_STAT_INC(q->stats->tx_staged);
        NS_STAT_ADD(q->stats->tx_staged_bytes, head);
        if (len > head)
            NS_STAT_INC(q->stats->fallback[NS_FALLBACK_BEYOND_SLOT]);
    } else {
        NS_STAT_INC(q->stats->fallback[NS_FALLBACK_NOT_NEGOTIATED]);
    }
}

/* Read one frame from the TAP (or the generator): 1 got one, 0 nothing, -1 dropped. */
static int read_frame(struct front_queue *q, uint32_t *len, struct ns_pkt_meta *m)
{
    struct virtio_net_hdr vh;
    size_t n;
    int r = ns_pktio_read(&q->io, &vh, q->tx_frame, FRONT_FRAME_MAX, &n);

    if (r <= 0) {
        if (r < 0)
            NS_STAT_INC(q->stats->errors[NS_ERROR_TAP_IO]);
        return 0;
    }
    if (n < 14 || n > XEN_NETIF_MAX_TX_SIZE) {
        NS_STAT_INC(q->stats->drops[NS_DROP_TOO_BIG]);
        return -1;
    }
    if (offload_meta_from_vnet(&vh, m) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_OFFLOAD]);
        return -1;
    }
    *len = (uint32_t)n;
    return 1;
}

unsigned front_tx_work(struct front_queue *q)
{
    uint32_t old_prod = q->tx_req_prod;
    unsigned sent = 0, reads = 0;

    reap(q);
    if (ns_fatal_pending(&q->vif->fatal))
        return 0;
    /* Bounded: one ring's worth of frames per call. */
    while (reads < NETIF_TX_RING_SIZE) {
        uint32_t len = q->tx_pending_len;
        struct ns_pkt_meta m = q->tx_pending_meta;

        if (!len) {
            int r;

            reads++;
            r = read_frame(q, &len, &m);
            if (r == 0)
                break;
            if (r < 0)
                continue;
        }
        if (!fits(q, len, &m)) {
            q->tx_pending_len = len; /* the frame stays in tx_frame */
            q->tx_pending_meta = m;
            break;
        }
        q->tx_pending_len = 0;
        enqueue(q, q->tx_frame, len, &m);
        sent++;
    }
    if (q->tx_req_prod != old_prod &&
        ns_ring_publish(&q->tx->req_prod, &q->tx->req_event, q->tx_req_prod))
        ns_dp_notify(&q->dp, q->tx_port);
    return sent;
}
