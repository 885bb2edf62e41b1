/*
 * Guest transmit, frontend side: frames read from the guest's TAP go onto
 * the TX ring.  On a staged queue the id of a frame's first request is
 * taken before the frame is read, and the TAP read puts the head (up to L)
 * straight into that id's slot: no copy of our own.  Every other byte goes
 * into the page of the request whose fragment covers it, at the place it
 * would have without staging (docs/netif-staging.md 6.1).  With a data
 * ring the head is read straight into the ring's next record instead,
 * when the record fits without wrapping, and the record is sealed with the
 * id of the frame's first request (8.4).  Completed ids are reaped lazily.
 */
#include <string.h>
#include <sys/uio.h>

#include "common/prefetch.h"
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

/*
 * Counters of one call, added to the shared ones once at its end: each
 * shared update is a load and a store on the stats page, worth batching
 * when a small packet costs a few dozen instructions.
 */
struct tx_tally {
    uint64_t packets, bytes, staged, staged_bytes, beyond_slot, not_negotiated, ring_full;
};

static void tally_flush(struct front_queue *q, const struct tx_tally *t)
{
    struct ns_queue_stats *st = q->stats;

    if (!t->packets)
        return;
    NS_STAT_ADD(st->tx_packets, t->packets);
    NS_STAT_ADD(st->tx_bytes, t->bytes);
    NS_STAT_ADD(st->tx_staged, t->staged);
    NS_STAT_ADD(st->tx_staged_bytes, t->staged_bytes);
    NS_STAT_ADD(st->fallback[NS_FALLBACK_BEYOND_SLOT], t->beyond_slot);
    NS_STAT_ADD(st->fallback[NS_FALLBACK_NOT_NEGOTIATED], t->not_negotiated);
    NS_STAT_ADD(st->fallback[NS_FALLBACK_RING_FULL], t->ring_full);
}

/*
 * Free ids are a stack: the slot reused is the one the backend read last
 * (taking the oldest instead measured about 25 % slower with 64-byte
 * frames).  An id is marked busy only when its request goes on the ring,
 * so the backend cannot complete the id held for the next frame's head.
 */
static uint16_t pop_id(struct front_queue *q)
{
    return q->tx_free[--q->tx_nfree];
}

/*
 * Take TX responses: free their ids.  The backend is checked, not trusted.
 * The indices are kept in locals, written back before any return.
 */
static void reap(struct front_queue *q)
{
    const union netif_tx_sring_entry *ring = q->tx->ring;
    uint32_t prod = ns_ring_load(&q->tx->rsp_prod), cons = q->tx_rsp_cons;
    unsigned nfree = q->tx_nfree;

    if (prod - cons > q->tx_req_prod - cons) {
        front_queue_fatal(q, "tx rsp_prod %u is beyond our requests", prod);
        return;
    }
    while (cons != prod) {
        struct netif_tx_response rsp;

        memcpy(&rsp, &ring[cons++ & (NETIF_TX_RING_SIZE - 1)].rsp, sizeof(rsp));
        if (rsp.status == NETIF_RSP_NULL)
            continue;
        if (rsp.id >= FRONT_IDS || !q->tx_busy[rsp.id]) {
            front_queue_fatal(q, "tx response for id %u, which is not in flight", rsp.id);
            break;
        }
        q->tx_busy[rsp.id] = false;
        q->tx_free[nfree++] = rsp.id;
        if (rsp.status != NETIF_RSP_OKAY)
            NS_STAT_INC(q->stats->drops[NS_DROP_MALFORMED]);
    }
    q->tx_rsp_cons = cons;
    q->tx_nfree = nfree;
}

bool front_tx_room(struct front_queue *q)
{
    /* With whole records, space in the data ring comes back without responses. */
    return ns_ring_load(&q->tx->rsp_prod) != q->tx_rsp_cons ||
           (q->tx_dring.whole && ns_dring_room_moved(&q->tx_dring));
}

bool front_tx_blocked(const struct front_queue *q)
{
    return q->tx_pending_len ||
           (q->tx_slots.len && q->tx_head_id == FRONT_NO_ID && q->tx_nfree == 0);
}

bool front_tx_arm(struct front_queue *q)
{
    bool room;

    /* Completions only matter while a frame (or the next read) waits for them. */
    if (!front_tx_blocked(q))
        return false;
    room = ns_ring_arm(&q->tx->rsp_event, &q->tx->rsp_prod, q->tx_rsp_cons + 1) !=
           q->tx_rsp_cons;
    /* Both are armed: the frame may wait for ids or for data ring space. */
    if (q->tx_dring.whole && ns_dring_arm_room(&q->tx_dring))
        room = true;
    return room;
}

/* With whole records (8.7), a frame wholly a head and without GSO is one record alone. */
static inline bool goes_whole(const struct front_queue *q, uint32_t len,
                              const struct ns_pkt_meta *m)
{
    return q->tx_dring.whole && len <= q->tx_dring.max_len && !m->gso_size;
}

/*
 * Room for the frame: ids, ring entries, and on a data ring queue room for
 * its record.  A full data ring holds only records of requests in flight,
 * and the backend gives their space back before it answers them, so the
 * frame waits for TX responses (plain netif would cost a grant copy each);
 * with whole records, for the backend's event on out_cons (front_tx_arm).
 * An impossible out_cons is left for send_ringed to report.
 */
static bool fits(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m)
{
    unsigned need = slots_for(len, m);
    uint32_t used = q->tx_req_prod - q->tx_rsp_cons;
    unsigned ids = q->tx_nfree + (q->tx_head_id != FRONT_NO_ID);
    uint32_t head = len < q->tx_dring.max_len ? len : q->tx_dring.max_len;

    if (goes_whole(q, len, m)) /* a record and nothing else */
        return q->tx_head_in_ring || ns_dring_fits(&q->tx_dring, ns_dring_rec_size(len)) != 0;
    if (ids < frags_for(len) || NETIF_TX_RING_SIZE - used < need)
        return false;
    return !head || q->tx_head_in_ring ||
           ns_dring_fits(&q->tx_dring, ns_dring_rec_size(head)) != 0;
}

/*
 * A frame wholly in its slot or record, without GSO: one request, nothing
 * to copy.  This is the small-packet path staging grants exist for, so it
 * is kept apart from the general case below, and inlined into its two
 * callers (as a call it saved and restored registers worth a third of it).
 */
static inline __attribute__((always_inline)) void
enqueue_small(struct front_queue *q, uint16_t id, uint16_t ring_flag, uint32_t len,
              const struct ns_pkt_meta *m, struct tx_tally *t)
{
    struct netif_tx_request req = { .gref = q->tx_pool.refs[id], .offset = 0,
                                    .flags = (uint16_t)(offload_tx_flags(m) | ring_flag),
                                    .id = id, .size = (uint16_t)len };

    q->tx_busy[id] = true;
    q->tx->ring[q->tx_req_prod++ & (NETIF_TX_RING_SIZE - 1)].req = req;
    t->packets++;
    t->bytes += len;
    t->staged++;
    t->staged_bytes += len;
}

/*
 * Put the read frame on the ring (room checked by the caller): its first
 * head octets are staged already, in the slot of head_id or in the record
 * that ring_flag announces (head_id is then the record's id); bytes from
 * the head on are at the same offsets in buf.
 */
static void enqueue(struct front_queue *q, const uint8_t *buf, uint32_t len,
                    const struct ns_pkt_meta *m, uint32_t head, uint16_t head_id,
                    uint16_t ring_flag, struct tx_tally *t)
{
    unsigned nfrags = frags_for(len), k;

    for (k = 0; k < nfrags; k++) {
        uint16_t id;
        uint32_t start = k * FRONT_PAGE;
        uint32_t end = start + FRONT_PAGE < len ? start + FRONT_PAGE : len;
        uint32_t lo = start > head ? start : head;
        struct netif_tx_request req;

        id = k == 0 && head_id != FRONT_NO_ID ? head_id : pop_id(q);
        q->tx_busy[id] = true;
        req = (struct netif_tx_request){ .gref = q->tx_pool.refs[id], .offset = 0, .id = id };
        if (k == 0) {
            req.size = (uint16_t)len;
            req.flags = (uint16_t)(offload_tx_flags(m) | ring_flag);
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
    t->packets++;
    t->bytes += len;
    if (head) {
        t->staged++;
        t->staged_bytes += head;
        t->beyond_slot += len > head;
    } else if (q->tx_dring.max_len) {
        t->ring_full++;
    } else {
        t->not_negotiated++;
    }
}

/* The slot-mode (or unstaged) frame: its head is in the slot of the id held for it. */
static void send_slotted(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m,
                         struct tx_tally *t)
{
    uint16_t id = q->tx_head_id; /* taken before the read (staged queues) */
    uint32_t slot_len = q->tx_slots.len;

    q->tx_head_id = FRONT_NO_ID;
    if (len <= slot_len && !m->gso_size)
        enqueue_small(q, id, 0, len, m, t);
    else
        enqueue(q, q->tx_frame, len, m, len < slot_len ? len : slot_len, id, 0, t);
}

/* The backend's out_cons is impossible (ns_dring_fits said -1): it broke the ring. */
static void bad_out_cons(struct front_queue *q)
{
    front_queue_fatal(q, "data ring out_cons is not a multiple of 8 behind out_prod %u by a "
                      "ring or less", q->tx_dring.prod);
}

/*
 * A small frame on a whole-record ring, one at a time (where ring_burst
 * stopped: the ring near full or about to wrap): sealed as a whole record
 * where it was read, or copied in from tx_frame (wrapping if it must).
 * Never plain netif, and no request: the consumer's cheap path stays the
 * only one.  fits() saw room for the record.  -1: the backend broke the
 * ring.
 */
static int send_whole(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m,
                      struct tx_tally *t)
{
    struct ns_dring *r = &q->tx_dring;
    uint16_t flags = offload_rec_flags(m);

    if (q->tx_head_in_ring) {
        ns_dring_commit_whole(r, flags, (uint16_t)len);
    } else {
        if (ns_dring_fits(r, ns_dring_rec_size(len)) != 1) {
            bad_out_cons(q);
            return -1;
        }
        ns_dring_put_whole(r, flags, q->tx_frame, (uint16_t)len);
    }
    q->tx_head_in_ring = false;
    t->packets++;
    t->bytes += len;
    t->staged++;
    t->staged_bytes += len;
    return 0;
}

/*
 * The data ring frame: its head goes into a record sealed with the id of
 * its first request, unless the ring has no room, when it goes as plain
 * netif (8.4).  -1: the backend broke the ring (the vif is being closed).
 */
static int send_ringed(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m,
                       struct tx_tally *t)
{
    struct ns_dring *r = &q->tx_dring;
    uint32_t head = len < r->max_len ? len : r->max_len;
    uint16_t id;
    int fit = 1;

    if (goes_whole(q, len, m))
        return send_whole(q, len, m, t);
    id = pop_id(q);
    if (q->tx_head_in_ring) {
        ns_dring_commit(r, id, (uint16_t)head); /* read there, room checked before the read */
    } else {
        fit = ns_dring_fits(r, ns_dring_rec_size(head));
        if (fit < 0) {
            bad_out_cons(q);
            return -1;
        }
        if (fit)
            ns_dring_put(r, id, q->tx_frame, (uint16_t)head);
    }
    q->tx_head_in_ring = false;
    if (fit && len == head && !m->gso_size)
        enqueue_small(q, id, NETTXF_data_ring, len, m, t);
    else
        enqueue(q, q->tx_frame, len, m, fit ? head : 0, id, fit ? NETTXF_data_ring : 0, t);
    return 0;
}

/*
 * Where the next frame's head is read to on a data ring queue: the next
 * record, when a record of the longest head fits there without wrapping;
 * otherwise the frame buffer, and send_ringed copies the head into the
 * ring if there is room then.  0 head octets: the whole frame goes to the
 * buffer.  -1: the backend broke the ring.
 */
static int ring_head_target(struct front_queue *q, uint8_t **to, uint32_t *head_room)
{
    struct ns_dring *r = &q->tx_dring;
    int fit = ns_dring_fits(r, ns_dring_rec_size(r->max_len));
    uint32_t contiguous;

    q->tx_head_in_ring = false;
    *head_room = 0;
    if (fit < 0) {
        bad_out_cons(q);
        return -1;
    }
    if (fit) {
        *to = ns_dring_next_head(r, &contiguous);
        if (contiguous >= r->max_len) {
            q->tx_head_in_ring = true;
            *head_room = r->max_len;
        }
    }
    return 0;
}

/*
 * What a read (ns_pktio_read's result r, n octets, header vh) gives: 1 a
 * frame to send, its length and metadata set; 0 nothing; -1 dropped.
 */
static inline int judge_read(struct front_queue *q, int r, size_t n,
                             const struct virtio_net_hdr *vh, uint32_t *len,
                             struct ns_pkt_meta *m)
{
    if (r <= 0) {
        if (r < 0)
            NS_STAT_INC(q->stats->errors[NS_ERROR_TAP_IO]);
        return 0;
    }
    if (n < 14 || n > XEN_NETIF_MAX_TX_SIZE) {
        NS_STAT_INC(q->stats->drops[NS_DROP_TOO_BIG]);
        return -1;
    }
    if (offload_meta_from_vnet(vh, m) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_OFFLOAD]);
        return -1;
    }
    *len = (uint32_t)n;
    return 1;
}

/*
 * Read one frame from the TAP (or the generator): 1 got one, 0 nothing (or
 * no id free for its head), -1 dropped.  On a staged queue the first L
 * bytes land in the slot of tx_head_id, taken here if not yet held, and
 * the rest in tx_frame at the same offsets.
 */
static int read_frame(struct front_queue *q, uint32_t *len, struct ns_pkt_meta *m)
{
    uint32_t slot_len = q->tx_slots.len;
    struct iovec frame[NS_PKTIO_FRAME_IOV];
    struct virtio_net_hdr vh;
    unsigned nframe = 0;
    uint8_t *head_to;
    size_t n;
    int r;

    if (slot_len) {
        if (q->tx_head_id == FRONT_NO_ID) {
            if (!q->tx_nfree)
                return 0; /* every id is in flight; the frame waits in the TAP */
            q->tx_head_id = pop_id(q);
        }
        frame[nframe++] = (struct iovec){ q->tx_slots.slot[q->tx_head_id], slot_len };
    } else if (q->tx_dring.max_len) {
        if (ring_head_target(q, &head_to, &slot_len) < 0)
            return 0;
        if (slot_len)
            frame[nframe++] = (struct iovec){ head_to, slot_len };
    }
    frame[nframe++] = (struct iovec){ q->tx_frame + slot_len, FRONT_FRAME_MAX - slot_len };
    r = ns_pktio_read(&q->io, &vh, frame, nframe, &n);
    return judge_read(q, r, n, &vh, len, m);
}

/*
 * Frames on a data ring queue while each is small (wholly a head, no
 * GSO), the case the ring exists for: each is read straight into the next
 * record, which is sealed and put on the ring with one request, or, with
 * whole records (8.7), sealed as the whole packet with no request at all.
 * The room in ids and ring entries is worked out once for the run, not
 * per frame as in the general path.  The run stops where a record of the longest head
 * would not fit or would wrap, after budget reads, and at the first frame
 * that is not small, which is left pending with its head in the ring, as
 * read_frame would leave it.  Returns the reads made; *idle: the TAP (or
 * generator) had nothing more.
 */
static unsigned ring_burst(struct front_queue *q, unsigned budget, struct tx_tally *t,
                           bool *idle)
{
    struct ns_dring *r = &q->tx_dring;
    union netif_tx_sring_entry *ring = q->tx->ring;
    uint16_t max_len = r->max_len;
    uint32_t max_rec = ns_dring_rec_size(max_len);
    uint32_t req_prod = q->tx_req_prod;
    uint32_t entries = NETIF_TX_RING_SIZE - (req_prod - q->tx_rsp_cons);
    uint8_t *rest = q->tx_frame + max_len;
    unsigned nfree = q->tx_nfree, n = nfree, reads = 0;
    uint64_t sent = 0, bytes = 0;
    bool whole = r->whole;
    struct iovec frame[2];
    struct ns_dring d;
    uint32_t room;

    if (whole)
        n = budget; /* no ids or ring entries are used */
    if (n > entries && !whole)
        n = entries;
    if (n > budget)
        n = budget;
    /* Room is judged once (out_cons read again if short); none, or an
     * impossible out_cons, is left for the general path. */
    if (ns_dring_fits(r, max_rec) != 1)
        return 0;
    /* The run works on a copy of the ring's state, written back at its
     * end: its address never leaves this function, so the compiler keeps
     * it in registers across the frame copies that may alias anything. */
    d = *r;
    room = d.size - (d.prod - d.cons);
    frame[1] = (struct iovec){ rest, FRONT_FRAME_MAX - max_len };
    while (reads < n && room >= max_rec) {
        uint32_t contiguous, len;
        uint8_t *head = ns_dring_next_head(&d, &contiguous);
        struct virtio_net_hdr vh;
        uint16_t id, rec_flags = 0, tx_flags = 0;
        size_t got;
        int rc;

        if (contiguous < max_len)
            break;
        frame[0] = (struct iovec){ head, max_len };
        reads++;
        rc = ns_pktio_read(&q->io, &vh, frame, 2, &got);
        len = (uint32_t)got;
        /* Most frames are small and carry no offload: nothing more to judge
         * (judge_read would say the same).  Others take the general way. */
        if (rc <= 0 || got < 14 || got > max_len || vh.flags ||
            vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            struct ns_pkt_meta m;

            rc = judge_read(q, rc, got, &vh, &len, &m);
            if (rc == 0) {
                *idle = true;
                break;
            }
            if (rc < 0)
                continue;
            if (len > max_len || m.gso_size) {
                q->tx_head_in_ring = true;
                q->tx_pending_len = len;
                q->tx_pending_meta = m;
                break;
            }
            rec_flags = offload_rec_flags(&m);
            tx_flags = offload_tx_flags(&m);
        }
        room -= ns_dring_rec_size(len);
        sent++;
        bytes += len;
        if (whole) {
            ns_dring_commit_whole(&d, rec_flags, (uint16_t)len);
            continue;
        }
        id = q->tx_free[--nfree];
        ns_dring_commit(&d, id, (uint16_t)len);
        q->tx_busy[id] = true;
        ring[req_prod++ & (NETIF_TX_RING_SIZE - 1)].req = (struct netif_tx_request){
            .gref = q->tx_pool.refs[id], .offset = 0,
            .flags = (uint16_t)(tx_flags | NETTXF_data_ring), .id = id, .size = (uint16_t)len };
    }
    *r = d;
    q->tx_nfree = nfree;
    q->tx_req_prod = req_prod;
    t->packets += sent;
    t->bytes += bytes;
    t->staged += sent;
    t->staged_bytes += bytes;
    return reads;
}

/* Requests (and slots) one call asks ownership of ahead (see common/prefetch.h). */
#define TX_PREFETCH 64u
#define ENTRIES_PER_LINE (64 / sizeof(union netif_tx_sring_entry))

/*
 * Before filling them, ask for the lines this call will write: the slots
 * of the ids on top of the free stack (the next taken) and the ring
 * entries from req_prod on, as far as the ring has room (further on the
 * backend still has responses to write).  The backend read all of them
 * last.
 */
static void prefetch_for_write(const struct front_queue *q)
{
    uint32_t room = NETIF_TX_RING_SIZE - (q->tx_req_prod - q->tx_rsp_cons);
    unsigned k, n = q->tx_nfree < TX_PREFETCH ? q->tx_nfree : TX_PREFETCH;
    uint32_t i;

    if (q->tx_slots.len)
        for (k = 1; k <= n; k++)
            ns_prefetch_write(q->tx_slots.slot[q->tx_free[q->tx_nfree - k]]);
    if (room > TX_PREFETCH)
        room = TX_PREFETCH;
    for (i = 0; i < room; i += ENTRIES_PER_LINE)
        ns_prefetch_write(&q->tx->ring[(q->tx_req_prod + i) & (NETIF_TX_RING_SIZE - 1)]);
}

unsigned front_tx_work(struct front_queue *q)
{
    uint32_t old_prod = q->tx_req_prod;
    unsigned reads = 0;
    struct tx_tally tally = { 0 };
    bool notify = false;

    reap(q);
    if (ns_fatal_pending(&q->vif->fatal))
        return 0;
    prefetch_for_write(q);
    /* Bounded: one ring's worth of frames per call. */
    while (reads < NETIF_TX_RING_SIZE) {
        uint32_t len;
        struct ns_pkt_meta m;

        if (q->tx_dring.max_len && !q->tx_pending_len) {
            bool idle = false;

            reads += ring_burst(q, NETIF_TX_RING_SIZE - reads, &tally, &idle);
            if (idle || reads == NETIF_TX_RING_SIZE)
                break;
            /* What stopped the run is taken one frame at a time below. */
        }
        len = q->tx_pending_len;
        m = q->tx_pending_meta;
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
            q->tx_pending_len = len; /* the frame stays where it was read */
            q->tx_pending_meta = m;
            break;
        }
        q->tx_pending_len = 0;
        if (!q->tx_dring.max_len)
            send_slotted(q, len, &m, &tally);
        else if (send_ringed(q, len, &m, &tally) < 0)
            break;
    }
    tally_flush(q, &tally);
    /* The records first: a request flagged for one is published after it. */
    if (q->tx_dring.max_len && q->tx_dring.prod != q->tx_dring.shown)
        notify = ns_dring_publish(&q->tx_dring);
    if (q->tx_req_prod != old_prod &&
        ns_ring_publish(&q->tx->req_prod, &q->tx->req_event, q->tx_req_prod))
        notify = true;
    if (notify) /* one event for both: the backend looks at both */
        ns_dp_notify(&q->dp, q->tx_port);
    return (unsigned)tally.packets; /* the frames sent */
}
