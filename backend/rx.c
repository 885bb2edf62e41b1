/*
 * Guest receive, backend side: frames read from the TAP are laid out over
 * the frontend's posted buffers one page per request, as without staging;
 * the head goes into the RX slot of the first request (or a data ring
 * record) by memcpy, the rest by one grant-copy call per batch; responses
 * go into the ring positions of the requests they consume
 * (docs/netif-staging.md 6.2, 8.5).
 */
#include <string.h>

#include "backend/backend.h"
#include "common/prefetch.h"
#include "common/ring.h"

#define PAGE_BYTES 4096u
#define RX_SEGS (BACK_RX_BATCH * 4)
#define RX_MAX_SLOTS (XEN_NETIF_NR_SLOTS_MIN + 1)

struct rx_pkt {
    uint32_t len;
    uint32_t first;                       /* ring index of the first request */
    unsigned nr_slots;                    /* requests consumed, the GSO extra's included */
    uint16_t id[RX_MAX_SLOTS];
    struct ns_pkt_meta meta;
    uint16_t head;
    bool ring;                            /* the head went into a data ring record */
    int16_t error;                        /* 0 or NETIF_RSP_ERROR */
};

struct rx_batch {
    unsigned nr_pkts, nr_segs;
    struct rx_pkt pkt[BACK_RX_BATCH];
    uint16_t seg_pkt[RX_SEGS];
    xengnttab_grant_copy_segment_t seg[RX_SEGS];
};

static unsigned slots_needed(const struct rx_frame *f)
{
    unsigned data = f->len ? (f->len + PAGE_BYTES - 1) / PAGE_BYTES : 1;
    return data + (f->meta.gso_size ? 1 : 0);
}

/*
 * The requests a frame consumes: none for a whole record (8.7), which is
 * a small frame on a queue whose in ring takes them.
 */
static unsigned requests_needed(const struct back_queue *q, const struct rx_frame *f)
{
    if (q->rx_dring.whole && f->len <= q->rx_dring.max_len && !f->meta.gso_size)
        return 0;
    return slots_needed(f);
}

bool back_rx_ready(struct back_queue *q)
{
    if (!q->pending.len)
        return false;
    if (q->pending_wants_room)
        return ns_dring_room_moved(&q->rx_dring);
    return ns_ring_load(&q->rx->req_prod) - q->rx_req_cons >= requests_needed(q, &q->pending);
}

bool back_rx_arm(struct back_queue *q)
{
    uint32_t want;

    if (!q->pending.len)
        return false;
    /* Whole records: the frontend gives in-ring space back without requests. */
    if (q->pending_wants_room)
        return ns_dring_arm_room(&q->rx_dring);
    want = q->rx_req_cons + requests_needed(q, &q->pending);
    return ns_ring_arm(&q->rx->req_event, &q->rx->req_prod, want) - q->rx_req_cons >=
           requests_needed(q, &q->pending);
}

/*
 * What a read (ns_pktio_read's result r, len octets at buf, header vh)
 * gives: 1 a frame to send, f set; 0 nothing to read; -1 dropped (counted).
 * Inline: a call costs a small frame's run a sixth of its instructions.
 */
static inline __attribute__((always_inline)) int
judge_read(struct back_queue *q, int r, size_t len, const struct virtio_net_hdr *vh, uint8_t *buf,
           struct rx_frame *f)
{
    if (r <= 0) {
        if (r < 0)
            NS_STAT_INC(q->stats->errors[NS_ERROR_TAP_IO]);
        return 0;
    }
    if (len < 14 || len > BACK_FRAME_MAX) {
        NS_STAT_INC(q->stats->drops[NS_DROP_TOO_BIG]);
        return -1;
    }
    f->len = (uint32_t)len;
    f->data = buf;
    if (offload_meta_from_vnet(vh, &f->meta) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_OFFLOAD]);
        return -1;
    }
    if (f->len > PAGE_BYTES && !q->vif->fe_sg) {
        NS_STAT_INC(q->stats->drops[NS_DROP_TOO_BIG]);
        return -1;
    }
    return 1;
}

/* Read one frame into buf; as judge_read. */
static int read_frame(struct back_queue *q, uint8_t *buf, struct rx_frame *f)
{
    struct virtio_net_hdr vh;
    struct iovec frame = { buf, BACK_FRAME_MAX };
    size_t len;
    int r = ns_pktio_read(&q->io, &vh, &frame, 1, &len);

    return judge_read(q, r, len, &vh, buf, f);
}

/*
 * The posted request at ring index idx (below the req_prod that was
 * checked), copied from the ring the first time it is asked for, and in
 * order, so every position is read once per posting whoever asks first:
 * the prefetch before a batch or the placing of a frame.
 */
static const struct netif_rx_request *rx_request(struct back_queue *q, uint32_t idx)
{
    while ((int32_t)(idx - q->rx_req_copied) >= 0) {
        uint32_t pos = q->rx_req_copied++ & (NETIF_RX_RING_SIZE - 1);

        memcpy(&q->rx_req[pos], &q->rx->ring[pos].req, sizeof(q->rx_req[pos]));
    }
    return &q->rx_req[idx & (NETIF_RX_RING_SIZE - 1)];
}

/*
 * Whether the data ring takes a head of len octets now: 1 yes, 0 no room
 * (the packet goes as plain netif), -1 the frontend broke the ring.
 */
static int ring_room(struct back_queue *q, uint32_t len)
{
    int r = ns_dring_fits(&q->rx_dring, ns_dring_rec_size(len));

    if (r < 0)
        back_dring_fatal(q, "data ring in_cons is not a multiple of 8 behind in_prod %u "
                         "by a ring or less", q->rx_dring.prod);
    return r;
}

/* The staged head length of frame f: in a slot, a data ring record, or 0. */
static int head_for(struct back_queue *q, const struct rx_frame *f, bool *ring)
{
    uint32_t max = q->rx_dring.max_len ? q->rx_dring.max_len : q->rx_slots.len;
    uint32_t h = f->len < max ? f->len : max;
    int r;

    *ring = false;
    if (!q->rx_dring.max_len)
        return (int)h;
    r = ring_room(q, h);
    if (r < 0)
        return -1;
    *ring = r == 1;
    return r == 1 ? (int)h : 0;
}

/* Consume the requests for frame f, stage its head and plan its grant copies. */
static int place(struct back_queue *q, struct rx_batch *b, const struct rx_frame *f)
{
    struct rx_pkt *pkt = &b->pkt[b->nr_pkts];
    unsigned need = slots_needed(f), s, frag = 0;
    int head = head_for(q, f, &pkt->ring);

    if (head < 0)
        return -1;
    pkt->len = f->len;
    pkt->meta = f->meta;
    pkt->first = q->rx_req_cons;
    pkt->nr_slots = need;
    pkt->error = 0;
    pkt->head = (uint16_t)head;
    for (s = 0; s < need; s++) {
        struct netif_rx_request req = *rx_request(q, q->rx_req_cons + s);
        uint32_t start, end, lo;
        xengnttab_grant_copy_segment_t *seg;

        if (q->rx_slots.len && req.id >= XEN_NETIF_DATA_RX_SLOTS) {
            back_queue_fatal(q, "rx request id %u on a staged queue", req.id);
            return -1;
        }
        pkt->id[s] = req.id;
        if (s == 1 && f->meta.gso_size)
            continue; /* this request's position carries the GSO extra */
        start = frag * PAGE_BYTES;
        end = start + PAGE_BYTES < f->len ? start + PAGE_BYTES : f->len;
        frag++;
        lo = start > pkt->head ? start : pkt->head;
        if (lo >= end)
            continue; /* below h: the granted page is not written */
        seg = &b->seg[b->nr_segs];
        b->seg_pkt[b->nr_segs++] = (uint16_t)b->nr_pkts;
        memset(seg, 0, sizeof(*seg));
        seg->source.virt = f->data + lo;
        seg->dest.foreign.ref = req.gref;
        seg->dest.foreign.domid = (uint16_t)q->domid;
        seg->dest.foreign.offset = (uint16_t)(lo - start);
        seg->len = (uint16_t)(end - lo);
        seg->flags = GNTCOPY_dest_gref;
    }
    /* Records go in the order of the packets' first responses. */
    if (pkt->ring)
        ns_dring_put(&q->rx_dring, pkt->id[0], f->data, pkt->head);
    else if (pkt->head)
        memcpy(q->rx_slots.slot[pkt->id[0]], f->data, pkt->head);
    q->rx_req_cons += need;
    b->nr_pkts++;
    return 0;
}

/*
 * A frame that fits in one RX slot (or data ring record), without GSO: its
 * one request is answered at once, with no batch entry and no grant copy.
 * Its response goes in its own ring position, so it needs no ordering
 * with the batch's other frames, whose responses are written after their
 * copy.  With whole records (8.7) the frame is one whole record instead
 * and consumes no request.  The caller checked the data ring's room.
 */
static int place_small(struct back_queue *q, const struct rx_frame *f, uint64_t *bytes)
{
    union netif_rx_sring_entry *e = &q->rx->ring[q->rx_req_cons & (NETIF_RX_RING_SIZE - 1)];
    struct netif_rx_request req;
    uint16_t flags = offload_rx_flags(&f->meta);

    if (q->rx_dring.whole) { /* the whole frame is the record: no request is consumed */
        ns_dring_put_whole(&q->rx_dring, offload_rec_flags(&f->meta), f->data, (uint16_t)f->len);
        *bytes += f->len;
        return 0;
    }
    req = *rx_request(q, q->rx_req_cons);
    if (q->rx_dring.max_len) {
        ns_dring_put(&q->rx_dring, req.id, f->data, (uint16_t)f->len);
        flags |= NETRXF_data_ring;
    } else if (req.id >= XEN_NETIF_DATA_RX_SLOTS) {
        back_queue_fatal(q, "rx request id %u on a staged queue", req.id);
        return -1;
    } else {
        memcpy(q->rx_slots.slot[req.id], f->data, f->len);
    }
    e->rsp = (struct netif_rx_response){ .id = req.id, .offset = 0, .flags = flags,
                                         .status = (int16_t)f->len };
    q->rx_req_cons++;
    *bytes += f->len;
    return 0;
}

/*
 * Frames for a data ring queue while each is small (wholly a head, no
 * GSO), the case the ring exists for: each is read straight into the next
 * record, which is sealed and answered at once in the position of the
 * request it consumes, with no copy of our own.  Runs while requests are
 * posted and a record of the longest head fits without wrapping, for at
 * most budget reads (dropped frames included).  The first frame that is not small is moved into
 * the arena whole, as read_frame would have read it, and handed back in
 * *next (return value 1); its head is copied back out of the record
 * space, which the frontend could have written meanwhile, but those
 * octets only ever go to the frontend's own packet.  With whole records
 * (8.7) each frame is sealed as a whole record and consumes no request.
 * Returns -1 if the frontend broke the ring, else 1 as said or 0;
 * *taken, *bytes: the frames answered; *idle: nothing more to read.
 */
static int ring_run(struct back_queue *q, uint32_t prod, unsigned budget, unsigned *taken,
                    uint64_t *bytes, bool *idle, struct rx_frame *next)
{
    struct ns_dring *r = &q->rx_dring;
    uint16_t max_len = r->max_len;
    uint32_t max_rec = ns_dring_rec_size(max_len);
    union netif_rx_sring_entry *ring = q->rx->ring;
    uint32_t cons = q->rx_req_cons, room;
    unsigned n = 0, reads = 0;
    bool whole = r->whole;
    struct iovec frame[2];
    struct ns_dring d;
    int rc = 0, fit = ns_dring_fits(r, max_rec);

    /* Room is judged once (in_cons read again if short), as the frontend's TX run does. */
    if (fit < 0) {
        back_dring_fatal(q, "data ring in_cons is not a multiple of 8 behind in_prod %u "
                         "by a ring or less", r->prod);
        return -1;
    }
    /* The run works on a copy of the ring's state, written back at its end:
     * its address never leaves this function, so the compiler keeps it in
     * registers across the frame copies that may alias anything. */
    d = *r;
    room = d.size - (d.prod - d.cons);
    if (!whole && budget > prod - cons)
        budget = prod - cons; /* one posted request per frame */
    /* The rest of a frame longer than the head goes to the arena, after it. */
    frame[1] = (struct iovec){ q->arena + max_len, BACK_FRAME_MAX - max_len };
    while (reads < budget && room >= max_rec) {
        struct virtio_net_hdr vh;
        struct netif_rx_request req;
        struct rx_frame f;
        uint32_t contiguous;
        uint8_t *head = ns_dring_next_head(&d, &contiguous);
        uint16_t rec_flags = 0, rx_flags = 0;
        size_t len;
        int got;

        if (contiguous < max_len)
            break;
        frame[0] = (struct iovec){ head, max_len };
        reads++;
        got = ns_pktio_read(&q->io, &vh, frame, 2, &len);
        /* Most frames are small and carry no offload: nothing more to judge
         * (judge_read would say the same).  Others take the general way. */
        if (got <= 0 || len < 14 || len > max_len || vh.flags ||
            vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            got = judge_read(q, got, len, &vh, q->arena, &f);
            if (got == 0) {
                *idle = true;
                break;
            }
            if (got < 0)
                continue;
            if (f.len > max_len || f.meta.gso_size) {
                memcpy(q->arena, head, max_len);
                *next = f;
                rc = 1;
                break;
            }
            rec_flags = offload_rec_flags(&f.meta);
            rx_flags = offload_rx_flags(&f.meta);
        }
        *bytes += len;
        n++;
        room -= ns_dring_rec_size((uint32_t)len);
        if (whole) {
            ns_dring_commit_whole(&d, rec_flags, (uint16_t)len);
            continue;
        }
        req = *rx_request(q, cons);
        ns_dring_commit(&d, req.id, (uint16_t)len);
        ring[cons++ & (NETIF_RX_RING_SIZE - 1)].rsp = (struct netif_rx_response){
            .id = req.id, .offset = 0, .flags = (uint16_t)(rx_flags | NETRXF_data_ring),
            .status = (int16_t)len };
    }
    *r = d;
    q->rx_req_cons = cons;
    *taken += n;
    return rc;
}

static void respond(struct back_queue *q, const struct rx_batch *b)
{
    unsigned p, s;

    for (p = 0; p < b->nr_pkts; p++) {
        const struct rx_pkt *pkt = &b->pkt[p];
        uint32_t left = pkt->len;
        unsigned frag = 0;

        for (s = 0; s < pkt->nr_slots; s++) {
            union netif_rx_sring_entry *e =
                &q->rx->ring[(pkt->first + s) & (NETIF_RX_RING_SIZE - 1)];
            struct netif_rx_response rsp = { .id = pkt->id[s] };
            uint32_t len;

            if (s == 1 && pkt->meta.gso_size) {
                struct netif_extra_info x;

                offload_gso_extra(&pkt->meta, &x);
                memcpy(e, &x, sizeof(x));
                continue;
            }
            len = left < PAGE_BYTES ? left : PAGE_BYTES;
            left -= len;
            if (frag == 0) {
                rsp.flags = offload_rx_flags(&pkt->meta);
                if (pkt->meta.gso_size)
                    rsp.flags |= NETRXF_extra_info;
                if (pkt->ring)
                    rsp.flags |= NETRXF_data_ring;
            }
            if (left)
                rsp.flags |= NETRXF_more_data;
            rsp.status = pkt->error ? pkt->error : (int16_t)len;
            e->rsp = rsp;
            frag++;
        }
    }
}

static void account(struct back_queue *q, const struct rx_pkt *pkt)
{
    struct ns_queue_stats *st = q->stats;

    if (pkt->error)
        return;
    NS_STAT_INC(st->rx_packets);
    NS_STAT_ADD(st->rx_bytes, pkt->len);
    if (pkt->head) {
        NS_STAT_INC(st->rx_staged);
        NS_STAT_ADD(st->rx_staged_bytes, pkt->head);
        if (pkt->len > pkt->head)
            NS_STAT_INC(st->fallback[NS_FALLBACK_BEYOND_SLOT]);
    } else if (q->rx_dring.max_len) {
        NS_STAT_INC(st->fallback[NS_FALLBACK_RING_FULL]);
    } else {
        NS_STAT_INC(st->fallback[NS_FALLBACK_NOT_NEGOTIATED]);
    }
}

static void copy_batch(struct back_queue *q, struct rx_batch *b)
{
    unsigned s;
    int rc;

    if (!b->nr_segs)
        return;
    rc = xengnttab_grant_copy(q->xgt, b->nr_segs, b->seg);
    NS_STAT_INC(q->stats->grant_copy_ops);
    NS_STAT_ADD(q->stats->grant_copy_segs, b->nr_segs);
    for (s = 0; s < b->nr_segs; s++) {
        struct rx_pkt *pkt = &b->pkt[b->seg_pkt[s]];

        if ((rc < 0 || b->seg[s].status != GNTST_okay) && !pkt->error) {
            pkt->error = NETIF_RSP_ERROR;
            NS_STAT_INC(q->stats->drops[NS_DROP_GRANT_FAILED]);
            ns_log_limited(&q->rl, NS_LOG_WARN, "%s: rx grant copy failed (status %d)",
                           q->vif->name, rc < 0 ? rc : b->seg[s].status);
        }
    }
}

/*
 * Before the batch, ask to own the lines it will write (see
 * common/prefetch.h): the posted requests' lines, where the responses go,
 * and the RX slots those requests name.  The requests are taken here
 * through rx_request, so the ids used are the copies the frames will be
 * placed by; an id out of range is left for place() to refuse.
 */
static void prefetch_batch(struct back_queue *q, uint32_t prod)
{
    uint32_t i, n = prod - q->rx_req_cons;

    if (n > BACK_RX_BATCH)
        n = BACK_RX_BATCH;
    for (i = 0; i < n; i += 64 / sizeof(union netif_rx_sring_entry))
        ns_prefetch_write(&q->rx->ring[(q->rx_req_cons + i) & (NETIF_RX_RING_SIZE - 1)]);
    if (!q->rx_slots.len)
        return;
    for (i = 0; i < n; i++) {
        uint16_t id = rx_request(q, q->rx_req_cons + i)->id;

        if (id < XEN_NETIF_DATA_RX_SLOTS)
            ns_prefetch_write(q->rx_slots.slot[id]);
    }
}

unsigned back_rx_work(struct back_queue *q)
{
    struct rx_batch *b = (struct rx_batch *)(q->arena + BACK_ARENA_BYTES - sizeof(struct rx_batch));
    size_t data_room = BACK_ARENA_BYTES - sizeof(struct rx_batch), used = 0;
    uint32_t prod = ns_ring_load(&q->rx->req_prod);
    uint32_t small_max = q->rx_dring.max_len ? q->rx_dring.max_len : q->rx_slots.len;
    struct rx_frame stash = { 0 };
    bool run_ok = q->rx_dring.max_len != 0, wait_room, notify = false;
    unsigned reads = 0, small = 0, p;
    int room;
    uint64_t small_bytes = 0;

    if (prod - q->rx_req_cons > NETIF_RX_RING_SIZE) {
        back_queue_fatal(q, "rx req_prod %u is more than a ring ahead of req_cons %u", prod,
                         q->rx_req_cons);
        return 0;
    }
    prefetch_batch(q, prod);
    b->nr_pkts = b->nr_segs = 0;
    /* Bounded: at most two TAP reads per batch slot, dropped frames included. */
    while (b->nr_pkts + small < BACK_RX_BATCH && reads < 2 * BACK_RX_BATCH) {
        struct rx_frame f;
        bool from_pending = q->pending.len != 0;

        if (from_pending) {
            f = q->pending;
        } else if (run_ok && b->nr_pkts == 0) {
            /* Only while nothing is batched: records keep the order of the responses. */
            bool idle = false;
            int run = ring_run(q, prod, BACK_RX_BATCH - small, &small, &small_bytes, &idle, &f);

            if (run < 0)
                return 0;
            reads++;
            if (idle)
                break;
            if (run == 0) {
                run_ok = false; /* what stopped it is read one frame at a time below */
                continue;
            }
            /* f: the frame that was not small, in the arena */
        } else {
            int r;

            run_ok = q->rx_dring.max_len != 0; /* the frame after this one may start a run */

            if (used + BACK_FRAME_MAX > data_room || b->nr_segs + 20 > RX_SEGS)
                break;
            reads++;
            r = read_frame(q, q->arena + used, &f);
            if (r == 0)
                break;
            if (r < 0)
                continue;
        }
        wait_room = false;
        if (q->rx_dring.whole) {
            /* Every frame has a record, in order: none goes as plain netif
             * past the records before it, so a full ring means waiting. */
            room = ring_room(q, f.len < small_max ? f.len : small_max);
            if (room < 0)
                return 0;
            wait_room = room == 0;
        }
        if (wait_room || prod - q->rx_req_cons < requests_needed(q, &f)) {
            if (!from_pending)
                stash = f; /* moved to the pending buffer once the batch is copied */
            q->pending_wants_room = wait_room;
            break;
        }
        if (f.len <= small_max && !f.meta.gso_size &&
            (room = q->rx_dring.max_len ? ring_room(q, f.len) : 1) != 0) {
            if (room < 0 || place_small(q, &f, &small_bytes) < 0)
                return 0;
            small++;
            if (from_pending)
                q->pending.len = 0;
            continue; /* its bytes are in the slot: the arena space is free again */
        }
        if (place(q, b, &f) < 0)
            return 0;
        if (from_pending)
            q->pending.len = 0; /* its bytes stay put until the copy below */
        else
            used += (f.len + 63u) & ~(size_t)63u;
    }
    copy_batch(q, b);
    if (b->nr_pkts)
        respond(q, b);
    /* The records first: a response flagged for one is published after it. */
    if (q->rx_dring.max_len && (b->nr_pkts || small))
        notify = ns_dring_publish(&q->rx_dring);
    /* Responses sit at the positions of the requests: rsp_prod follows req_cons. */
    if ((b->nr_pkts || small) &&
        ns_ring_publish(&q->rx->rsp_prod, &q->rx->rsp_event, q->rx_req_cons))
        notify = true;
    if (notify) /* one event for both: the frontend looks at both */
        ns_dp_notify(&q->dp, q->rx_port);
    for (p = 0; p < b->nr_pkts; p++)
        account(q, &b->pkt[p]);
    if (small) {
        NS_STAT_ADD(q->stats->rx_packets, small);
        NS_STAT_ADD(q->stats->rx_bytes, small_bytes);
        NS_STAT_ADD(q->stats->rx_staged, small);
        NS_STAT_ADD(q->stats->rx_staged_bytes, small_bytes);
    }
    if (stash.len) {
        memcpy(q->pending.data, stash.data, stash.len);
        q->pending.len = stash.len;
        q->pending.meta = stash.meta;
    }
    return b->nr_pkts + small;
}
