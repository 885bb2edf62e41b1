/*
 * Guest receive, frontend side: every RX id owns a granted page (and, with
 * staging, a slot); all 256 are kept posted.  A packet's responses are
 * collected, checked against what we posted at those ring positions, its
 * head copied out of the slot of the first request's id and the rest out
 * of the pages, and the frame written to the guest's TAP
 * (docs/netif-staging.md 6.2).  Each consumed id is posted again at once.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "common/ring.h"
#include "frontend/frontend.h"

#define RX_MAX_SLOTS (XEN_NETIF_NR_SLOTS_MIN + 1)
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
    return ns_ring_load(&q->rx->rsp_prod) != q->rx_rsp_cons;
}

bool front_rx_arm(struct front_queue *q)
{
    return ns_ring_arm(&q->rx->rsp_event, &q->rx->rsp_prod, q->rx_rsp_cons + 1) !=
           q->rx_rsp_cons;
}

struct rx_frag {
    uint16_t id, offset;
    int16_t status;
};

/*
 * Collect one packet's responses starting at rx_rsp_cons.  Returns the
 * slots it spans, 0 if it is not wholly published yet, -1 if the backend
 * broke the protocol (reason in *why).
 */
static int collect(struct front_queue *q, uint32_t prod, struct rx_frag *frag, unsigned *nfrags,
                   struct ns_pkt_meta *meta, const char **why)
{
    uint32_t pos = q->rx_rsp_cons;
    unsigned n = 0, slots = 0;
    bool more = true, first = true;

    memset(meta, 0, sizeof(*meta));
    while (more) {
        struct netif_rx_response rsp;

        if (pos + slots == prod)
            return 0;
        if (n == RX_MAX_SLOTS || slots == RX_MAX_SLOTS + 1) {
            *why = "packet longer than 18 fragments";
            return -1;
        }
        memcpy(&rsp, &q->rx->ring[(pos + slots) & RING_MASK].rsp, sizeof(rsp));
        if (rsp.id != q->rx_posted[(pos + slots) & RING_MASK]) {
            *why = "response id differs from the request at its position";
            return -1;
        }
        frag[n++] = (struct rx_frag){ .id = rsp.id, .offset = rsp.offset, .status = rsp.status };
        slots++;
        more = (rsp.flags & NETRXF_more_data) != 0;
        if (first) {
            offload_meta_from_rx_flags(rsp.flags, meta);
            first = false;
            if (rsp.flags & NETRXF_extra_info) {
                struct netif_extra_info x;

                if (pos + slots == prod)
                    return 0;
                memcpy(&x, &q->rx->ring[(pos + slots) & RING_MASK], sizeof(x));
                slots++;
                if (x.type == XEN_NETIF_EXTRA_TYPE_GSO &&
                    offload_meta_from_gso_extra(&x, meta) < 0) {
                    *why = "invalid GSO extra";
                    return -1;
                }
                if (x.flags & XEN_NETIF_EXTRA_FLAG_MORE) {
                    *why = "chained extra info on receive";
                    return -1;
                }
            }
        }
    }
    *nfrags = n;
    return (int)slots;
}

/* Copy the packet into q->frame; its length, or -1 (drop) with *why. */
static int32_t assemble(struct front_queue *q, const struct rx_frag *frag, unsigned n,
                        const char **why)
{
    uint32_t total = 0, head, start = 0;
    unsigned k;

    for (k = 0; k < n; k++) {
        if (frag[k].status < 0) {
            *why = "backend reported an error for the packet";
            return -1;
        }
        if ((uint32_t)frag[k].offset + (uint32_t)frag[k].status > FRONT_PAGE) {
            *why = "fragment crosses its page";
            return -1;
        }
        total += (uint32_t)frag[k].status;
    }
    if (total < 14 || total > FRONT_FRAME_MAX) {
        *why = total < 14 ? "packet shorter than an Ethernet header"
                          : "packet longer than 18 pages";
        return -1;
    }
    head = q->rx_slots.len ? (total < q->rx_slots.len ? total : q->rx_slots.len) : 0;
    if (head)
        memcpy(q->frame, q->rx_slots.slot[frag[0].id], head);
    for (k = 0; k < n; k++) {
        uint32_t end = start + (uint32_t)frag[k].status;
        uint32_t lo = start > head ? start : head;

        if (lo < end)
            memcpy(q->frame + lo,
                   q->rx_pool.pages + (size_t)frag[k].id * FRONT_PAGE + frag[k].offset +
                       (lo - start),
                   end - lo);
        start = end;
    }
    NS_STAT_INC(q->stats->rx_packets);
    NS_STAT_ADD(q->stats->rx_bytes, total);
    if (head) {
        NS_STAT_INC(q->stats->rx_staged);
        NS_STAT_ADD(q->stats->rx_staged_bytes, head);
        if (total > head)
            NS_STAT_INC(q->stats->fallback[NS_FALLBACK_BEYOND_SLOT]);
    } else {
        NS_STAT_INC(q->stats->fallback[NS_FALLBACK_NOT_NEGOTIATED]);
    }
    return (int32_t)total;
}

static void deliver(struct front_queue *q, uint32_t len, const struct ns_pkt_meta *m)
{
    struct virtio_net_hdr vh;
    struct iovec iov[2];

    if (offload_vnet_from_meta(m, q->frame, len, len, &vh) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_OFFLOAD]);
        return;
    }
    iov[0] = (struct iovec){ .iov_base = &vh, .iov_len = sizeof(vh) };
    iov[1] = (struct iovec){ .iov_base = q->frame, .iov_len = len };
    if (writev(q->tap_fd, iov, 2) < 0) {
        NS_STAT_INC(q->stats->drops[NS_DROP_TAP]);
        if (errno != EAGAIN && errno != ENOBUFS && errno != EIO)
            NS_STAT_INC(q->stats->errors[NS_ERROR_TAP_IO]);
    }
}

unsigned front_rx_work(struct front_queue *q)
{
    uint32_t prod = ns_ring_load(&q->rx->rsp_prod);
    unsigned done = 0;

    if (prod - q->rx_rsp_cons > q->rx_req_prod - q->rx_rsp_cons) {
        front_queue_fatal(q, "rx rsp_prod %u is beyond our requests", prod);
        return 0;
    }
    while (q->rx_rsp_cons != prod && done < NETIF_RX_RING_SIZE) {
        struct rx_frag frag[RX_MAX_SLOTS];
        struct ns_pkt_meta meta;
        const char *why = NULL;
        unsigned nfrags = 0, s;
        int slots = collect(q, prod, frag, &nfrags, &meta, &why);
        int32_t len;

        if (slots == 0)
            break;
        if (slots < 0) {
            front_queue_fatal(q, "%s", why);
            return done;
        }
        len = assemble(q, frag, nfrags, &why);
        if (len < 0) {
            NS_STAT_INC(q->stats->drops[NS_DROP_MALFORMED]);
            ns_log_limited(&q->rl, NS_LOG_WARN, "%s: rx packet dropped: %s", q->vif->name, why);
        } else {
            deliver(q, (uint32_t)len, &meta);
        }
        /* Every position of the packet frees the id we posted there. */
        for (s = 0; s < (unsigned)slots; s++)
            post(q, q->rx_posted[(q->rx_rsp_cons + s) & RING_MASK]);
        q->rx_rsp_cons += (uint32_t)slots;
        done++;
    }
    if (done && ns_ring_publish(&q->rx->req_prod, &q->rx->req_event, q->rx_req_prod))
        ns_dp_notify(&q->dp, q->rx_port);
    return done;
}
