/*
 * The xenbus handshake of every vif, on the main thread.
 *
 * Level-triggered: any watch event rescans backend/vif and moves each vif
 * one step towards what its frontend's state asks for (docs/netif-staging.md
 * section 5, Linux netback's order).  Every step is idempotent, so our own
 * writes firing our own watches are harmless.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "common/xs_util.h"

/* Linux netback's vif MAC: the guest's own address must not be used on the bridge port. */
static const uint8_t bridge_port_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

static void rm_key(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key)
{
    char path[160];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    xs_rm(xs, t, path);
}

static int features_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
    const struct back_vif *vif = arg;
    const struct back_vif_opts *o = &vif->opts;
    const char *d = vif->be_dir;
    int bad = 0;

    if (xsu_dir_present(xs, t, d) < 0)
        return -1;

    bad |= xsu_printf(xs, t, d, "feature-sg", "1");
    bad |= xsu_printf(xs, t, d, "feature-gso-tcpv4", "1");
    bad |= xsu_printf(xs, t, d, "feature-gso-tcpv6", "1");
    bad |= xsu_printf(xs, t, d, "feature-ipv6-csum-offload", "1");
    bad |= xsu_printf(xs, t, d, "feature-rx-copy", "1");
    bad |= xsu_printf(xs, t, d, "feature-rx-flip", "0");
    bad |= xsu_printf(xs, t, d, "feature-rx-notify", "1");
    bad |= xsu_printf(xs, t, d, "feature-split-event-channels", "1");
    bad |= xsu_printf(xs, t, d, "multi-queue-max-queues", "%u", o->max_queues);
    if (o->staging) {
        bad |= xsu_printf(xs, t, d, XEN_NETIF_STAGING_KEY_FEATURE_SLOTS, "1");
        bad |= xsu_printf(xs, t, d, XEN_NETIF_STAGING_KEY_SLOT_LEN_MAX, "%u", o->slot_len_max);
    } else {
        /* A backend restarted without staging must not look as if it offered it. */
        rm_key(xs, t, d, XEN_NETIF_STAGING_KEY_FEATURE_SLOTS);
        rm_key(xs, t, d, XEN_NETIF_STAGING_KEY_SLOT_LEN_MAX);
    }
    if (o->staging && vif->be->opts.data_ring_max_order) {
        bad |= xsu_printf(xs, t, d, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING, "1");
        bad |= xsu_printf(xs, t, d, XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER, "%u",
                          vif->be->opts.data_ring_max_order);
        bad |= xsu_printf(xs, t, d, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE, "1");
    } else {
        rm_key(xs, t, d, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING);
        rm_key(xs, t, d, XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER);
        rm_key(xs, t, d, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE);
    }
    return bad ? -1 : 0;
}

static int write_features(struct back_vif *vif)
{
    return xsu_transact(vif->be->xs, features_body, vif);
}

static void set_state(struct back_vif *vif, enum ns_xenbus_state st)
{
    if (xsu_write_state(vif->be->xs, vif->be_dir, st) < 0 && errno != ENOENT)
        ns_log(NS_LOG_ERR, "%s: cannot write %s/state: %s", vif->name, vif->be_dir,
               strerror(errno));
}

static void remove_error_node(struct back_vif *vif)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/error", vif->be_dir);
    xs_rm(vif->be->xs, XBT_NULL, path);
}

/* Disable the vif: error node, datapath down, Closing (section 7, tier b). */
static void vif_fail(struct back_vif *vif, const char *reason)
{
    ns_log(NS_LOG_ERR, "%s: vif disabled: %s", vif->name, reason);
    xsu_printf_present(vif->be->xs, vif->be_dir, "error", "%s", reason);
    back_disconnect(vif);
    ns_stats_set_state(vif->stats, "disabled");
    set_state(vif, NS_XB_CLOSING);
    vif->phase = BACK_CLOSING;
}

static int enter_initwait(struct back_vif *vif)
{
    back_vif_opts_read(vif, &vif->opts);
    if (write_features(vif) < 0) {
        ns_log(NS_LOG_ERR, "%s: cannot write the feature keys to %s: %s", vif->name,
               vif->be_dir, strerror(errno));
        return -1;
    }
    remove_error_node(vif);
    set_state(vif, NS_XB_INITWAIT);
    ns_stats_set_state(vif->stats, "initwait");
    vif->phase = BACK_INITWAIT;
    return 0;
}

/* Settings changed before the frontend connected: advertise them instead. */
static void refresh_opts(struct back_vif *vif)
{
    struct back_vif_opts now;

    back_vif_opts_read(vif, &now);
    if (back_vif_opts_equal(&now, &vif->opts))
        return;
    vif->opts = now;
    if (write_features(vif) < 0)
        ns_log(NS_LOG_ERR, "%s: cannot rewrite the feature keys: %s", vif->name, strerror(errno));
    else
        ns_log(NS_LOG_INFO, "%s: settings from the toolstack: staging %s, slot length up to %u, "
               "%u queue(s)", vif->name, now.staging ? "on" : "off", now.slot_len_max,
               now.max_queues);
}

static bool hotplug_connected(struct back_vif *vif)
{
    char path[128];
    char *v;
    bool ok;

    snprintf(path, sizeof(path), "%s/hotplug-status", vif->be_dir);
    v = xsu_read(vif->be->xs, XBT_NULL, path);
    ok = v && !strcmp(v, "connected");
    free(v);
    return ok;
}

/* The toolstack's "online" key; a directory without one (made by hand) is online. */
static bool vif_online(struct back_vif *vif)
{
    unsigned long online;

    return xsu_read_ulong(vif->be->xs, XBT_NULL, vif->be_dir, "online", 0, 1, &online) < 0 ||
           online == 1;
}

static void vif_step(struct back_vif *vif)
{
    int fe = xsu_read_state(vif->be->xs, vif->fe_dir);
    bool fe_wants_connect = fe == NS_XB_INITIALISED || fe == NS_XB_CONNECTED;
    char why[200];

    switch (vif->phase) {
    case BACK_INITWAIT:
        if (!fe_wants_connect) {
            refresh_opts(vif);
            return;
        }
        if (back_connect(vif, why, sizeof(why)) < 0) {
            vif_fail(vif, why);
            return;
        }
        vif->phase = BACK_CONNECTING;
        ns_stats_set_state(vif->stats, "wait hotplug");
        /* The hotplug script may already have run. */
        __attribute__((fallthrough));
    case BACK_CONNECTING:
        if (!fe_wants_connect) {
            back_disconnect(vif);
            set_state(vif, NS_XB_CLOSING);
            vif->phase = BACK_CLOSING;
            break;
        }
        if (!hotplug_connected(vif))
            return;
        if (back_start(vif) < 0) {
            vif_fail(vif, "cannot start the datapath threads");
            return;
        }
        set_state(vif, NS_XB_CONNECTED);
        ns_stats_set_state(vif->stats, "connected");
        vif->phase = BACK_CONNECTED;
        ns_log(NS_LOG_INFO, "%s: connected, %u queue(s)", vif->name, vif->nr_queues);
        return;
    case BACK_CONNECTED:
        if (fe_wants_connect)
            return;
        ns_log(NS_LOG_INFO, "%s: frontend is %s, disconnecting", vif->name,
               ns_xb_state_name(fe));
        back_disconnect(vif);
        ns_stats_set_state(vif->stats, "closing");
        set_state(vif, NS_XB_CLOSING);
        vif->phase = BACK_CLOSING;
        break;
    case BACK_CLOSING:
    case BACK_CLOSED:
        break;
    }

    /* Closing and Closed: follow the frontend down and back up. */
    if (vif->phase == BACK_CLOSING &&
        (fe < 0 || fe == NS_XB_CLOSED || fe == NS_XB_INITIALISING || fe == NS_XB_UNKNOWN)) {
        set_state(vif, NS_XB_CLOSED);
        ns_stats_set_state(vif->stats, "closed");
        vif->phase = BACK_CLOSED;
    }
    /* online = 0: the toolstack is removing the vif (xl network-detach) and
     * waits for Closed; only an online vif goes back to InitWait. */
    if (vif->phase == BACK_CLOSED && (fe == NS_XB_INITIALISING || fe == NS_XB_INITWAIT) &&
        vif_online(vif))
        enter_initwait(vif);
}

static struct back_vif *vif_create(struct back *be, uint32_t domid, uint32_t devid)
{
    struct back_vif *vif = calloc(1, sizeof(*vif));
    char path[128], err[160];
    char *fe;
    size_t n;

    if (!vif)
        return NULL;
    vif->be = be;
    vif->domid = domid;
    vif->devid = devid;
    for (n = 0; n < TAP_MAX_QUEUES; n++)
        vif->tap.fd[n] = -1;
    snprintf(vif->be_dir, sizeof(vif->be_dir), "/local/domain/%u/backend/vif/%u/%u",
             be->opts.domid, domid, devid);
    snprintf(vif->name, sizeof(vif->name), "vif%u.%u", domid, devid);
    snprintf(path, sizeof(path), "%s/frontend", vif->be_dir);
    fe = xsu_read(be->xs, XBT_NULL, path);
    /* The toolstack writes the frontend path; still, it must be the guest's own. */
    snprintf(vif->fe_dir, sizeof(vif->fe_dir), "/local/domain/%u/device/vif/%u", domid, devid);
    if (!fe || strcmp(fe, vif->fe_dir)) {
        ns_log(NS_LOG_ERR, "%s: %s/frontend is %s%s%s, expected %s; not serving it", vif->name,
               vif->be_dir, fe ? "\"" : "", fe ? fe : "missing", fe ? "\"" : "", vif->fe_dir);
        free(fe);
        free(vif);
        return NULL;
    }
    free(fe);
    snprintf(vif->fe_token, sizeof(vif->fe_token), "%s/state", vif->fe_dir);

    if (be->opts.bench) {
        /* Benchmark: frames go to a sink and come from a generator, no TAP. */
        vif->tap.nr_queues = be->opts.max_queues;
    } else if (tap_open(&vif->tap, vif->name, be->opts.max_queues, true, err, sizeof(err)) < 0) {
        ns_log(NS_LOG_ERR, "%s: %s", vif->name, err);
        xsu_printf_present(be->xs, vif->be_dir, "error", "cannot create the TAP device");
        free(vif);
        return NULL;
    } else if (tap_set_mac(vif->name, bridge_port_mac) < 0 || tap_set_up(vif->name, true) < 0) {
        ns_log(NS_LOG_WARN, "%s: cannot set the MAC address or bring the TAP up: %s",
               vif->name, strerror(errno));
    }
    vif->stats = ns_stats_create("back", vif->name, domid, devid);
    if (!vif->stats) {
        ns_log(NS_LOG_ERR, "%s: cannot create its stats file in %s: %s", vif->name,
               ns_run_dir(), strerror(errno));
        tap_close(&vif->tap);
        free(vif);
        return NULL;
    }
    vif->stats->remainder_map = be->opts.remainder_map;
    if (!xs_watch(be->xs, vif->fe_token, "fe"))
        ns_log(NS_LOG_WARN, "%s: cannot watch %s", vif->name, vif->fe_token);
    if (enter_initwait(vif) < 0) {
        vif->phase = BACK_CLOSED;
    } else if (be->opts.bench) {
        /* Nothing to attach: ready, as a vif without a script. */
        xsu_printf_present(be->xs, vif->be_dir, "hotplug-status", "connected");
    } else if (be->opts.run_hotplug && back_run_hotplug(vif, "online") < 0) {
        ns_log(NS_LOG_ERR, "%s: the hotplug script failed; the vif will not connect",
               vif->name);
    }
    ns_log(NS_LOG_INFO, "%s: serving %s", vif->name, vif->be_dir);
    return vif;
}

/*
 * Free a vif.  The offline hotplug step runs only while its backend
 * directory exists (daemon shutdown): once the toolstack has removed it,
 * the TAP's disappearance detaches it, and a script writing its status
 * would recreate the directory.
 */
static void vif_destroy(struct back_vif *vif, bool dir_present)
{
    struct back *be = vif->be;

    back_disconnect(vif);
    if (be->opts.run_hotplug && dir_present)
        back_run_hotplug(vif, "offline");
    xs_unwatch(be->xs, vif->fe_token, "fe");
    tap_close(&vif->tap);
    ns_stats_destroy(vif->stats, "back", vif->name);
    ns_log(NS_LOG_INFO, "%s: removed", vif->name);
    free(vif);
}

static struct back_vif *vif_find(struct back *be, uint32_t domid, uint32_t devid)
{
    struct back_vif *v;

    for (v = be->vifs; v; v = v->next)
        if (v->domid == domid && v->devid == devid)
            return v;
    return NULL;
}

static void scan_domain(struct back *be, const char *root, const char *dom)
{
    unsigned long domid, devid;
    unsigned n, i;
    char path[128];
    char **devs;

    if (xsu_parse_ulong(dom, 0x7fef, &domid) < 0)
        return;
    snprintf(path, sizeof(path), "%s/%s", root, dom);
    devs = xs_directory(be->xs, XBT_NULL, path, &n);
    for (i = 0; devs && i < n; i++) {
        struct back_vif *vif;

        if (xsu_parse_ulong(devs[i], 0xffff, &devid) < 0)
            continue;
        vif = vif_find(be, (uint32_t)domid, (uint32_t)devid);
        if (!vif) {
            vif = vif_create(be, (uint32_t)domid, (uint32_t)devid);
            if (!vif)
                continue;
            vif->next = be->vifs;
            be->vifs = vif;
        }
        vif->seen = true;
    }
    free(devs);
}

void back_scan(struct back *be)
{
    struct back_vif **pp, *v;
    char root[64];
    unsigned n, i;
    char **doms;

    snprintf(root, sizeof(root), "/local/domain/%u/backend/vif", be->opts.domid);
    for (v = be->vifs; v; v = v->next)
        v->seen = false;
    doms = xs_directory(be->xs, XBT_NULL, root, &n);
    for (i = 0; doms && i < n; i++)
        scan_domain(be, root, doms[i]);
    free(doms);

    for (pp = &be->vifs; (v = *pp);) {
        char state_path[128];
        char *st;

        /* A backend directory without a state node is being torn down by the toolstack. */
        snprintf(state_path, sizeof(state_path), "%s/state", v->be_dir);
        st = v->seen ? xsu_read(be->xs, XBT_NULL, state_path) : NULL;
        if (!st) {
            *pp = v->next;
            vif_destroy(v, false);
            continue;
        }
        free(st);
        vif_step(v);
        pp = &v->next;
    }
}

void back_handle_fatal(struct back *be)
{
    struct back_vif *v;

    for (v = be->vifs; v; v = v->next) {
        if (!ns_fatal_raised(&v->fatal))
            continue;
        vif_fail(v, v->fatal.reason);
        ns_fatal_clear(&v->fatal);
    }
}

void back_shutdown(struct back *be)
{
    while (be->vifs) {
        struct back_vif *v = be->vifs;

        be->vifs = v->next;
        if (v->phase != BACK_CLOSED)
            set_state(v, NS_XB_CLOSED);
        vif_destroy(v, true);
    }
}
