/*
 * Connecting a frontend vif: read the backend's offers, grant the rings,
 * buffer pools and staging slots (or data ring), allocate event channels,
 * and write every key in one transaction (docs/netif-staging.md section 5,
 * steps 2-3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xs_util.h"
#include "frontend/frontend.h"

static int grant_pages(struct front_queue *q, struct front_grant *g, unsigned count, bool writable)
{
    g->pages = xengntshr_share_pages(q->xgs, q->be_domid, (int)count, g->refs, writable);
    if (!g->pages)
        return -1;
    g->count = count;
    /* Nothing of ours may leak to the backend through a fresh grant. */
    memset(g->pages, 0, (size_t)count * FRONT_PAGE);
    return 0;
}

static void ungrant(struct front_queue *q, struct front_grant *g)
{
    /* The grants are ended by the driver; pages still mapped by the backend
     * are kept by it until unmapped, never handed back to us for reuse. */
    if (g->pages)
        xengntshr_unshare(q->xgs, g->pages, g->count);
    g->pages = NULL;
    g->count = 0;
}

/* One direction's slots: data pages, then the list naming them (4.2). */
static int slots_setup(struct front_queue *q, struct front_slots *s, unsigned len, bool rx)
{
    unsigned per_page = FRONT_PAGE / len;
    unsigned pages = (FRONT_IDS + per_page - 1) / per_page;
    unsigned base = rx ? XEN_NETIF_DATA_ID_RX_BASE : XEN_NETIF_DATA_ID_TX_BASE;
    struct xen_netif_data_slot *list;
    unsigned k;

    if (grant_pages(q, &s->data, pages, rx) < 0 || grant_pages(q, &s->list, 1, false) < 0)
        return -1;
    list = (struct xen_netif_data_slot *)s->list.pages;
    for (k = 0; k < FRONT_IDS; k++) {
        list[k].id = (uint16_t)(base + k);
        list[k].offset = (uint16_t)((k % per_page) * len);
        list[k].gref = s->data.refs[k / per_page];
        s->slot[k] = s->data.pages + (size_t)(k / per_page) * FRONT_PAGE + list[k].offset;
    }
    s->len = (uint16_t)len;
    return 0;
}

/*
 * The data ring (8.2): the interface page, then the in ring writable and
 * the out ring read-only, named in ref[] in that order; heads of up to
 * len octets each way (at most half a ring).
 */
static int dring_setup(struct front_queue *q, unsigned order, unsigned len, bool whole)
{
    struct front_data_ring *d = &q->dring;
    unsigned half = 1U << (order - 1), i;
    uint32_t bytes = (uint32_t)XEN_NETIF_DATA_RING_BYTES(order);
    struct xen_netif_data_intf *intf;

    if (grant_pages(q, &d->intf, 1, true) < 0 || grant_pages(q, &d->in, half, true) < 0 ||
        grant_pages(q, &d->out, half, false) < 0)
        return -1;
    intf = (struct xen_netif_data_intf *)d->intf.pages;
    intf->ring_order = order;
    for (i = 0; i < half; i++) {
        intf->ref[i] = d->in.refs[i];
        intf->ref[half + i] = d->out.refs[i];
    }
    if (len > bytes / 2)
        len = bytes / 2;
    d->order = order;
    ns_dring_init(&q->tx_dring, d->out.pages, bytes, (uint16_t)len, &intf->out_prod,
                  &intf->out_cons);
    ns_dring_init(&q->rx_dring, d->in.pages, bytes, (uint16_t)len, &intf->in_prod,
                  &intf->in_cons);
    if (whole) {
        ns_dring_use_whole(&q->tx_dring, &intf->out_cons_event, &intf->out_prod_event);
        ns_dring_use_whole(&q->rx_dring, &intf->in_prod_event, &intf->in_cons_event);
    }
    return 0;
}

static int queue_setup(struct front_queue *q, unsigned slot_len, unsigned ring_order, bool whole)
{
    struct front_vif *vif = q->vif;
    xenevtchn_port_or_error_t p;
    unsigned i;

    q->xgs = xengntshr_open(NULL, 0);
    q->xce = xenevtchn_open(NULL, 0);
    q->frame = malloc(FRONT_FRAME_MAX);
    q->tx_frame = malloc(FRONT_FRAME_MAX);
    if (ns_dp_init(&q->dp, &front_queue_ops, q, vif->fe->opts.busy_poll_us) < 0 || !q->xgs ||
        !q->xce || !q->frame || !q->tx_frame)
        return -1;
    if (grant_pages(q, &q->tx_ring, 1, true) < 0 || grant_pages(q, &q->rx_ring, 1, true) < 0 ||
        grant_pages(q, &q->tx_pool, FRONT_IDS, false) < 0 || grant_pages(q, &q->rx_pool, FRONT_IDS, true) < 0)
        return -1;
    q->tx = (netif_tx_sring_t *)q->tx_ring.pages;
    q->rx = (netif_rx_sring_t *)q->rx_ring.pages;
    /* A fresh shared ring: indices 0, event indices 1 (Xen's SHARED_RING_INIT). */
    q->tx->req_event = q->tx->rsp_event = 1;
    q->rx->req_event = q->rx->rsp_event = 1;
    if (ring_order) {
        if (dring_setup(q, ring_order, slot_len, whole) < 0)
            return -1;
    } else if (slot_len && (slots_setup(q, &q->tx_slots, slot_len, false) < 0 ||
                            slots_setup(q, &q->rx_slots, slot_len, true) < 0)) {
        return -1;
    }
    p = xenevtchn_bind_unbound_port(q->xce, q->be_domid);
    if (p < 0)
        return -1;
    q->tx_port = q->rx_port = (evtchn_port_t)p;
    if (vif->split) {
        p = xenevtchn_bind_unbound_port(q->xce, q->be_domid);
        if (p < 0)
            return -1;
        q->rx_port = (evtchn_port_t)p;
    }
    for (i = 0; i < FRONT_IDS; i++)
        q->tx_free[i] = (uint16_t)(FRONT_IDS - 1 - i);
    q->tx_nfree = FRONT_IDS;
    q->tx_head_id = FRONT_NO_ID;
    front_rx_post_all(q);
    q->dp.xce = q->xce;
    q->io.fd = vif->tap.fd[q->index];
    q->io.gen_len = vif->fe->opts.bench_tx_len;
    q->io.ping_pong = vif->fe->opts.bench_rr;
    q->dp.tap_fd = q->io.fd;
    q->dp.stats = q->stats;
    vif->stats->info[q->index] = (struct ns_queue_info){
        .tx_slot_len = ring_order ? q->tx_dring.max_len : q->tx_slots.len,
        .rx_slot_len = ring_order ? q->rx_dring.max_len : q->rx_slots.len,
        .split_evtchn = vif->split, .data_ring_order = (uint8_t)ring_order,
    };
    return 0;
}

static void queue_release(struct front_queue *q)
{
    ns_dp_destroy(&q->dp);
    if (q->xce) {
        if (q->tx_port)
            xenevtchn_unbind(q->xce, q->tx_port);
        if (q->rx_port && q->rx_port != q->tx_port)
            xenevtchn_unbind(q->xce, q->rx_port);
        xenevtchn_close(q->xce);
    }
    if (q->xgs) {
        ungrant(q, &q->tx_slots.list);
        ungrant(q, &q->tx_slots.data);
        ungrant(q, &q->rx_slots.list);
        ungrant(q, &q->rx_slots.data);
        ungrant(q, &q->dring.intf);
        ungrant(q, &q->dring.in);
        ungrant(q, &q->dring.out);
        ungrant(q, &q->tx_pool);
        ungrant(q, &q->rx_pool);
        ungrant(q, &q->tx_ring);
        ungrant(q, &q->rx_ring);
        xengntshr_close(q->xgs);
    }
    free(q->frame);
    free(q->tx_frame);
}

static void rm_key(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    xs_rm(xs, t, path);
}

static int write_queue_keys(struct xs_handle *xs, xs_transaction_t t, const struct front_queue *q,
                            const char *dir)
{
    static const char *const staging_keys[] = {
        XEN_NETIF_STAGING_KEY_TX_DATA_REF, XEN_NETIF_STAGING_KEY_TX_DATA_LEN,
        XEN_NETIF_STAGING_KEY_RX_DATA_REF, XEN_NETIF_STAGING_KEY_RX_DATA_LEN,
        XEN_NETIF_STAGING_KEY_DATA_RING_REF, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE,
        XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE,
    };
    int bad = 0;
    unsigned i;

    bad |= xsu_printf(xs, t, dir, "tx-ring-ref", "%u", q->tx_ring.refs[0]);
    bad |= xsu_printf(xs, t, dir, "rx-ring-ref", "%u", q->rx_ring.refs[0]);
    if (q->vif->split) {
        rm_key(xs, t, dir, "event-channel");
        bad |= xsu_printf(xs, t, dir, "event-channel-tx", "%u", q->tx_port);
        bad |= xsu_printf(xs, t, dir, "event-channel-rx", "%u", q->rx_port);
    } else {
        rm_key(xs, t, dir, "event-channel-tx");
        rm_key(xs, t, dir, "event-channel-rx");
        bad |= xsu_printf(xs, t, dir, "event-channel", "%u", q->tx_port);
    }
    /* Stale staging keys of an earlier connection go (rule 4.1.5). */
    for (i = 0; i < sizeof(staging_keys) / sizeof(staging_keys[0]); i++)
        rm_key(xs, t, dir, staging_keys[i]);
    if (q->tx_slots.len) {
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_TX_DATA_REF, "%u",
                          q->tx_slots.list.refs[0]);
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, "%u", q->tx_slots.len);
    }
    if (q->rx_slots.len) {
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_RX_DATA_REF, "%u",
                          q->rx_slots.list.refs[0]);
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_RX_DATA_LEN, "%u", q->rx_slots.len);
    }
    if (q->dring.order) {
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_DATA_RING_REF, "%u",
                          q->dring.intf.refs[0]);
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, "%u",
                          q->tx_dring.max_len);
        bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_RX_DATA_LEN, "%u",
                          q->rx_dring.max_len);
        if (q->tx_dring.whole)
            bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, "1");
        if (q->rx_dring.whole)
            bad |= xsu_printf(xs, t, dir, XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE, "1");
    }
    return bad;
}

static int keys_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
    const struct front_vif *vif = arg;
    const char *d = vif->fe_dir;
    char qdir[96];
    int bad = 0;
    unsigned i;

    if (xsu_dir_present(xs, t, d) < 0)
        return -1; /* the toolstack removed the vif */
    /* Keys of an earlier connection with another queue count go. */
    for (i = 0; i < TAP_MAX_QUEUES; i++) {
        snprintf(qdir, sizeof(qdir), "%s/queue-%u", d, i);
        if (vif->nr_queues == 1 || i >= vif->nr_queues)
            xs_rm(xs, t, qdir);
    }
    if (vif->nr_queues == 1) {
        rm_key(xs, t, d, "multi-queue-num-queues");
        bad |= write_queue_keys(xs, t, &vif->queues[0], d);
    } else {
        static const char *const top[] = { "tx-ring-ref", "rx-ring-ref", "event-channel",
                                           "event-channel-tx", "event-channel-rx",
                                           XEN_NETIF_STAGING_KEY_TX_DATA_REF,
                                           XEN_NETIF_STAGING_KEY_TX_DATA_LEN,
                                           XEN_NETIF_STAGING_KEY_RX_DATA_REF,
                                           XEN_NETIF_STAGING_KEY_RX_DATA_LEN,
                                           XEN_NETIF_STAGING_KEY_DATA_RING_REF,
                                           XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE,
                                           XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE };
        for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
            rm_key(xs, t, d, top[i]);
        bad |= xsu_printf(xs, t, d, "multi-queue-num-queues", "%u", vif->nr_queues);
        for (i = 0; i < vif->nr_queues; i++) {
            snprintf(qdir, sizeof(qdir), "%s/queue-%u", d, i);
            bad |= write_queue_keys(xs, t, &vif->queues[i], qdir);
        }
    }
    bad |= xsu_printf(xs, t, d, "request-rx-copy", "1");
    bad |= xsu_printf(xs, t, d, "feature-rx-notify", "1");
    bad |= xsu_printf(xs, t, d, "feature-sg", "1");
    bad |= xsu_printf(xs, t, d, "feature-gso-tcpv4", "1");
    bad |= xsu_printf(xs, t, d, "feature-gso-tcpv6", "1");
    bad |= xsu_printf(xs, t, d, "feature-ipv6-csum-offload", "1");
    return bad ? -1 : 0;
}

static int write_keys(struct front_vif *vif)
{
    return xsu_transact(vif->fe->xs, keys_body, vif);
}

/* The slot length both sides accept, or 0 when staging is not used. */
static unsigned staging_len(struct front_vif *vif)
{
    const struct front_opts *o = &vif->fe->opts;
    unsigned long max;

    if (!o->staging ||
        !xsu_read_feature(vif->fe->xs, XBT_NULL, vif->be_dir, XEN_NETIF_STAGING_KEY_FEATURE_SLOTS))
        return 0;
    if (xsu_read_ulong(vif->fe->xs, XBT_NULL, vif->be_dir, XEN_NETIF_STAGING_KEY_SLOT_LEN_MAX,
                       XEN_NETIF_STAGING_LEN_MIN, XEN_NETIF_STAGING_LEN_MAX, &max) < 0 ||
        !XEN_NETIF_STAGING_LEN_VALID(max)) {
        ns_log(NS_LOG_WARN, "%s: backend offers staging with an invalid %s; not using it",
               vif->name, XEN_NETIF_STAGING_KEY_SLOT_LEN_MAX);
        return 0;
    }
    return o->slot_len < max ? o->slot_len : (unsigned)max;
}

/* The data ring order both sides accept, or 0 for slots (or no staging). */
static unsigned ring_order(struct front_vif *vif)
{
    const struct front_opts *o = &vif->fe->opts;
    unsigned long max;

    if (!o->staging || !o->data_ring_order ||
        !xsu_read_feature(vif->fe->xs, XBT_NULL, vif->be_dir,
                          XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING))
        return 0;
    if (xsu_read_ulong(vif->fe->xs, XBT_NULL, vif->be_dir,
                       XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER, XEN_NETIF_DATA_RING_ORDER_MIN,
                       XEN_NETIF_DATA_RING_ORDER_MAX, &max) < 0) {
        ns_log(NS_LOG_WARN, "%s: backend offers a data ring with an invalid %s; using slots",
               vif->name, XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER);
        return 0;
    }
    return o->data_ring_order < max ? o->data_ring_order : (unsigned)max;
}

int front_connect(struct front_vif *vif, char *why, size_t whylen)
{
    struct xs_handle *xs = vif->fe->xs;
    unsigned long maxq = 1;
    unsigned slot_len, order, i;
    bool whole;

    if (xsu_read_ulong(xs, XBT_NULL, vif->be_dir, "multi-queue-max-queues", 1, 1024, &maxq) ==
        -EINVAL)
        maxq = 1;
    vif->nr_queues = vif->fe->opts.queues < maxq ? vif->fe->opts.queues : (unsigned)maxq;
    if (vif->nr_queues > vif->tap.nr_queues)
        vif->nr_queues = vif->tap.nr_queues;
    vif->split = vif->fe->opts.split &&
                 xsu_read_feature(xs, XBT_NULL, vif->be_dir, "feature-split-event-channels");
    slot_len = staging_len(vif);
    order = ring_order(vif);
    if (order && !slot_len)
        slot_len = vif->fe->opts.slot_len; /* a ring without slots: heads of the wanted length */
    whole = order && vif->fe->opts.whole_records &&
            xsu_read_feature(xs, XBT_NULL, vif->be_dir,
                             XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE);
    vif->queues = calloc(vif->nr_queues, sizeof(*vif->queues));
    if (!vif->queues) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    memset(vif->stats->q, 0, sizeof(vif->stats->q));
    memset(vif->stats->info, 0, sizeof(vif->stats->info));
    vif->stats->nr_queues = vif->nr_queues;
    for (i = 0; i < vif->nr_queues; i++) {
        struct front_queue *q = &vif->queues[i];

        q->vif = vif;
        q->index = i;
        q->be_domid = vif->be_domid;
        q->stats = &vif->stats->q[i];
        q->dp.stop_fd = -1;
        if (queue_setup(q, slot_len, order, whole) < 0) {
            snprintf(why, whylen, "queue %u: cannot grant buffers or allocate event channels: %s",
                     i, strerror(errno));
            vif->nr_queues = i + 1; /* release only what was set up */
            front_disconnect(vif);
            return -1;
        }
    }
    for (i = 0; i < vif->tap.nr_queues; i++)
        tap_queue_enable(&vif->tap, i, i < vif->nr_queues);
    if (write_keys(vif) < 0) {
        snprintf(why, whylen, "cannot write the ring keys to %s: %s", vif->fe_dir,
                 strerror(errno));
        front_disconnect(vif);
        return -1;
    }
    if (order)
        ns_log(NS_LOG_INFO, "%s: %u queue(s), %s event channel(s), staging by data ring "
               "(order %u, heads up to %u octets%s)", vif->name, vif->nr_queues,
               vif->split ? "split" : "single", order, vif->queues[0].tx_dring.max_len,
               whole ? ", whole records" : "");
    else
        ns_log(NS_LOG_INFO, "%s: %u queue(s), %s event channel(s), staging %s", vif->name,
               vif->nr_queues, vif->split ? "split" : "single", slot_len ? "slots" : "off");
    return 0;
}

int front_start(struct front_vif *vif)
{
    unsigned i;

    for (i = 0; i < vif->nr_queues; i++)
        if (ns_dp_start(&vif->queues[i].dp) < 0)
            return -1;
    vif->stats->connected = 1;
    return 0;
}

void front_disconnect(struct front_vif *vif)
{
    unsigned i;

    if (!vif->queues)
        return;
    for (i = 0; i < vif->nr_queues; i++)
        ns_dp_stop(&vif->queues[i].dp);
    for (i = 0; i < vif->nr_queues; i++)
        queue_release(&vif->queues[i]);
    free(vif->queues);
    vif->queues = NULL;
    vif->nr_queues = 0;
    vif->stats->connected = 0;
}
