/*
 * Connecting a vif: read the frontend's keys once, validate them, map the
 * rings and staging slots, bind the event channels (section 5, step 4).
 * Any failure leaves nothing mapped or bound and gives the reason.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "common/xs_util.h"

#define GREF_MAX 0xffffffffUL
#define PORT_MAX 0xfffffUL

static int read_key(struct back_vif *vif, const char *dir, const char *key, unsigned long min,
                    unsigned long max, unsigned long *out, char *why, size_t whylen)
{
    int rc = xsu_read_ulong(vif->be->xs, XBT_NULL, dir, key, min, max, out);

    if (rc == -ENOENT)
        snprintf(why, whylen, "%s/%s is missing", dir, key);
    else if (rc < 0)
        snprintf(why, whylen, "%s/%s is not a number in %lu..%lu", dir, key, min, max);
    return rc;
}

/* Offloads the TAP may hand us for the guest: only what the frontend accepts. */
static void set_rx_offloads(struct back_vif *vif)
{
    struct xs_handle *xs = vif->be->xs;
    const char *d = vif->fe_dir;
    bool csum = !xsu_read_feature(xs, XBT_NULL, d, "feature-no-csum-offload") &&
                xsu_read_feature(xs, XBT_NULL, d, "feature-ipv6-csum-offload");
    unsigned flags = 0;

    vif->fe_sg = xsu_read_feature(xs, XBT_NULL, d, "feature-sg");
    if (csum) {
        flags |= TUN_F_CSUM;
        if (vif->fe_sg && xsu_read_feature(xs, XBT_NULL, d, "feature-gso-tcpv4"))
            flags |= TUN_F_TSO4;
        if (vif->fe_sg && xsu_read_feature(xs, XBT_NULL, d, "feature-gso-tcpv6"))
            flags |= TUN_F_TSO6;
    }
    /* Offloads belong to the device, not to a queue; no TAP in benchmark mode. */
    if (vif->tap.fd[0] >= 0 && ioctl(vif->tap.fd[0], TUNSETOFFLOAD, flags) < 0)
        ns_log(NS_LOG_WARN, "%s: TUNSETOFFLOAD %#x: %s", vif->name, flags, strerror(errno));
}

/* One direction's staging keys: both or neither (rule 4.1.1). */
static int setup_direction(struct back_queue *q, const char *dir, bool rx, char *why,
                           size_t whylen)
{
    struct back_vif *vif = q->vif;
    const char *ref_key = rx ? XEN_NETIF_STAGING_KEY_RX_DATA_REF : XEN_NETIF_STAGING_KEY_TX_DATA_REF;
    const char *len_key = rx ? XEN_NETIF_STAGING_KEY_RX_DATA_LEN : XEN_NETIF_STAGING_KEY_TX_DATA_LEN;
    struct back_slots *s = rx ? &q->rx_slots : &q->tx_slots;
    unsigned long ref, len;
    int rr = xsu_read_ulong(vif->be->xs, XBT_NULL, dir, ref_key, 0, GREF_MAX, &ref);
    int lr = xsu_read_ulong(vif->be->xs, XBT_NULL, dir, len_key, 0, 0xffff, &len);

    if (rr == -ENOENT && lr == -ENOENT)
        return 0;
    if (rr < 0 || lr < 0) {
        snprintf(why, whylen, "%s/%s and %s must both be valid or both absent", dir, ref_key,
                 len_key);
        return -1;
    }
    if (!XEN_NETIF_STAGING_LEN_VALID(len) || len > vif->opts.slot_len_max) {
        snprintf(why, whylen, "%s/%s = %lu: not a power of two in 64..%u", dir, len_key, len,
                 vif->opts.slot_len_max);
        return -1;
    }
    return back_slots_setup(q, s, (uint32_t)ref, (unsigned)len, rx, why, whylen);
}

static int bind_port(struct back_queue *q, const char *dir, const char *key, evtchn_port_t *out,
                     char *why, size_t whylen)
{
    unsigned long remote;
    xenevtchn_port_or_error_t p;

    if (read_key(q->vif, dir, key, 1, PORT_MAX, &remote, why, whylen) < 0)
        return -1;
    p = xenevtchn_bind_interdomain(q->xce, q->domid, (evtchn_port_t)remote);
    if (p < 0) {
        snprintf(why, whylen, "%s/%s = %lu: cannot bind the event channel: %s", dir, key,
                 remote, strerror(errno));
        return -1;
    }
    *out = (evtchn_port_t)p;
    return 0;
}

static int queue_setup(struct back_queue *q, const char *dir, char *why, size_t whylen)
{
    struct back_vif *vif = q->vif;
    unsigned long tx_ref, rx_ref, probe;

    q->xgt = xengnttab_open(NULL, 0);
    q->xce = xenevtchn_open(NULL, 0);
    q->arena = malloc(BACK_ARENA_BYTES + BACK_FRAME_MAX);
    if (ns_dp_init(&q->dp, &back_queue_ops, q, vif->be->opts.busy_poll_us) < 0 || !q->xgt ||
        !q->xce || !q->arena) {
        snprintf(why, whylen, "queue %u: out of resources (grant/event handles): %s", q->index,
                 strerror(errno));
        return -1;
    }
    q->pending.data = q->arena + BACK_ARENA_BYTES;
    if (read_key(vif, dir, "tx-ring-ref", 0, GREF_MAX, &tx_ref, why, whylen) < 0 ||
        read_key(vif, dir, "rx-ring-ref", 0, GREF_MAX, &rx_ref, why, whylen) < 0)
        return -1;
    q->tx = xengnttab_map_grant_ref(q->xgt, q->domid, (uint32_t)tx_ref, PROT_READ | PROT_WRITE);
    q->rx = xengnttab_map_grant_ref(q->xgt, q->domid, (uint32_t)rx_ref, PROT_READ | PROT_WRITE);
    if (!q->tx || !q->rx) {
        snprintf(why, whylen, "%s: cannot map the rings (tx-ring-ref %lu, rx-ring-ref %lu)",
                 dir, tx_ref, rx_ref);
        return -1;
    }
    /* A data ring (section 8) or data lists (section 4), not both. */
    if (back_dring_setup(q, dir, why, whylen) < 0)
        return -1;
    if (vif->opts.staging && !q->dring.order) {
        if (setup_direction(q, dir, false, why, whylen) < 0 ||
            setup_direction(q, dir, true, why, whylen) < 0)
            return -1;
        if (!back_slots_disjoint(&q->tx_slots, &q->rx_slots)) {
            snprintf(why, whylen, "%s: a grant reference is in both data lists", dir);
            return -1;
        }
    }
    /* Split channels are used when the frontend wrote event-channel-tx. */
    vif->split = xsu_read_ulong(vif->be->xs, XBT_NULL, dir, "event-channel-tx", 0, PORT_MAX,
                                &probe) != -ENOENT;
    if (vif->split) {
        if (bind_port(q, dir, "event-channel-tx", &q->tx_port, why, whylen) < 0 ||
            bind_port(q, dir, "event-channel-rx", &q->rx_port, why, whylen) < 0)
            return -1;
    } else {
        if (bind_port(q, dir, "event-channel", &q->tx_port, why, whylen) < 0)
            return -1;
        q->rx_port = q->tx_port;
    }
    q->dp.xce = q->xce;
    q->io.fd = vif->tap.fd[q->index];
    q->io.gen_len = vif->be->opts.bench_rx_len;
    q->io.echo = vif->be->opts.bench_echo;
    if (q->io.echo && ns_pktio_echo_init(&q->io) < 0) {
        snprintf(why, whylen, "queue %u: out of memory", q->index);
        return -1;
    }
    q->dp.tap_fd = q->io.fd;
    q->dp.stats = q->stats;
    vif->stats->info[q->index] = (struct ns_queue_info){
        .tx_slot_len = q->dring.order ? q->tx_dring.max_len : q->tx_slots.len,
        .rx_slot_len = q->dring.order ? q->rx_dring.max_len : q->rx_slots.len,
        .split_evtchn = vif->split, .data_ring_order = (uint8_t)q->dring.order,
    };
    return 0;
}

static void queue_release(struct back_queue *q)
{
    ns_dp_destroy(&q->dp);
    if (q->xce) {
        if (q->tx_port)
            xenevtchn_unbind(q->xce, q->tx_port);
        if (q->rx_port && q->rx_port != q->tx_port)
            xenevtchn_unbind(q->xce, q->rx_port);
        xenevtchn_close(q->xce);
    }
    if (q->xgt) {
        back_slots_release(q, &q->tx_slots);
        back_slots_release(q, &q->rx_slots);
        back_dring_release(q);
        if (q->tx)
            xengnttab_unmap(q->xgt, q->tx, 1);
        if (q->rx)
            xengnttab_unmap(q->xgt, q->rx, 1);
        xengnttab_close(q->xgt);
    }
    ns_pktio_release(&q->io);
    free(q->arena);
}

int back_connect(struct back_vif *vif, char *why, size_t whylen)
{
    unsigned long nr = 1, rx_copy;
    unsigned i;
    int rc;

    rc = xsu_read_ulong(vif->be->xs, XBT_NULL, vif->fe_dir, "multi-queue-num-queues", 1,
                        vif->opts.max_queues, &nr);
    if (rc == -EINVAL) {
        snprintf(why, whylen, "%s/multi-queue-num-queues is not a number in 1..%u",
                 vif->fe_dir, vif->opts.max_queues);
        return -1;
    }
    if (xsu_read_ulong(vif->be->xs, XBT_NULL, vif->fe_dir, "request-rx-copy", 0, 1, &rx_copy) < 0 ||
        rx_copy != 1) {
        snprintf(why, whylen, "%s/request-rx-copy is not 1 (receive by page flipping is not supported)",
                 vif->fe_dir);
        return -1;
    }
    set_rx_offloads(vif);
    vif->queues = calloc(nr, sizeof(*vif->queues));
    if (!vif->queues) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    vif->nr_queues = (unsigned)nr;
    memset(vif->stats->q, 0, sizeof(vif->stats->q));
    memset(vif->stats->info, 0, sizeof(vif->stats->info));
    vif->stats->nr_queues = (uint32_t)nr;
    for (i = 0; i < nr; i++) {
        struct back_queue *q = &vif->queues[i];
        char dir[128];

        q->vif = vif;
        q->index = i;
        q->domid = vif->domid;
        q->stats = &vif->stats->q[i];
        if (nr == 1)
            snprintf(dir, sizeof(dir), "%s", vif->fe_dir);
        else
            snprintf(dir, sizeof(dir), "%s/queue-%u", vif->fe_dir, i);
        if (queue_setup(q, dir, why, whylen) < 0) {
            vif->nr_queues = i + 1; /* release only what was set up */
            back_disconnect(vif);
            return -1;
        }
    }
    for (i = 0; i < vif->tap.nr_queues; i++)
        tap_queue_enable(&vif->tap, i, i < nr);
    return 0;
}

int back_start(struct back_vif *vif)
{
    unsigned i;

    for (i = 0; i < vif->nr_queues; i++)
        if (ns_dp_start(&vif->queues[i].dp) < 0)
            return -1;
    vif->stats->connected = 1;
    return 0;
}

void back_disconnect(struct back_vif *vif)
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
