/*
 * The xenbus handshake of every frontend vif, on the main thread.
 *
 * Level-triggered like the backend's (backend/vif.c): any watch event
 * rescans device/vif and moves each vif a step towards the backend's state.
 * We connect on the backend's InitWait, start on its Connected, tear down
 * when it leaves Connected, and ask for a new connection (Initialising)
 * once both ends are Closed, so a restarted backend is picked up again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xs_util.h"
#include "frontend/frontend.h"

/* Largest GSO frame the guest stack may build: a netif packet is < 64 KiB. */
#define FRONT_GSO_MAX_SIZE 62000

static void set_state(struct front_vif *vif, enum ns_xenbus_state st)
{
    int cur = xsu_read_state(vif->fe->xs, vif->fe_dir);

    /* Write only changes: our own write fires our watch. */
    if (cur == (int)st)
        return;
    if (xsu_write_state(vif->fe->xs, vif->fe_dir, st) < 0 && errno != ENOENT)
        ns_log(NS_LOG_ERR, "%s: cannot write %s/state: %s", vif->name, vif->fe_dir,
               strerror(errno));
}

static void go_closed(struct front_vif *vif, const char *why)
{
    if (vif->queues)
        ns_log(NS_LOG_INFO, "%s: disconnecting: %s", vif->name, why);
    front_disconnect(vif);
    set_state(vif, NS_XB_CLOSED);
    ns_stats_set_state(vif->stats, "closed");
    vif->phase = FRONT_CLOSED;
}

static void try_connect(struct front_vif *vif)
{
    char why[200];

    if (front_connect(vif, why, sizeof(why)) < 0) {
        ns_log(NS_LOG_ERR, "%s: cannot connect: %s", vif->name, why);
        go_closed(vif, why);
        return;
    }
    set_state(vif, NS_XB_CONNECTED);
    ns_stats_set_state(vif->stats, "wait backend");
    vif->phase = FRONT_WAIT_BACKEND;
}

static void vif_step(struct front_vif *vif)
{
    int be = xsu_read_state(vif->fe->xs, vif->be_dir);

    switch (vif->phase) {
    case FRONT_IDLE:
        if (be == NS_XB_INITWAIT)
            try_connect(vif);
        else if (be == NS_XB_CONNECTED || be == NS_XB_CLOSED)
            go_closed(vif, "backend is not waiting for a new frontend");
        break;
    case FRONT_WAIT_BACKEND:
        if (be == NS_XB_CONNECTED) {
            if (front_start(vif) < 0) {
                go_closed(vif, "cannot start the datapath threads");
                break;
            }
            ns_stats_set_state(vif->stats, "connected");
            vif->phase = FRONT_CONNECTED;
            ns_log(NS_LOG_INFO, "%s: connected", vif->name);
        } else if (be != NS_XB_INITWAIT && be != NS_XB_INITIALISED) {
            go_closed(vif, "backend went away while connecting");
        }
        break;
    case FRONT_CONNECTED:
        if (be == NS_XB_CONNECTED)
            break;
        go_closed(vif, be == NS_XB_INITWAIT ? "backend restarted" : "backend is closing");
        if (be == NS_XB_INITWAIT)
            try_connect(vif);
        break;
    case FRONT_CLOSED:
        if (be == NS_XB_INITWAIT)
            try_connect(vif);
        else if (be == NS_XB_CLOSED)
            set_state(vif, NS_XB_INITIALISING); /* ask the backend for a new connection */
        break;
    }
}

/* The guest's interface for the vif, with the MAC address the toolstack gave it. */
static int open_tap(struct front_vif *vif, const char *tapname)
{
    struct front *fe = vif->fe;
    char path[96], err[160];
    uint8_t mac[6];
    char *macstr;

    if (tap_open(&vif->tap, tapname, fe->opts.queues, true, err, sizeof(err)) < 0) {
        ns_log(NS_LOG_ERR, "%s: %s", vif->name, err);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/mac", vif->fe_dir);
    macstr = xsu_read(fe->xs, XBT_NULL, path);
    if (!macstr || tap_parse_mac(macstr, mac) < 0 || tap_set_mac(tapname, mac) < 0)
        ns_log(NS_LOG_WARN, "%s: %s = %s: not a usable MAC address; keeping a random one",
               vif->name, path, macstr ? macstr : "(missing)");
    free(macstr);
    if (tap_set_gso_max_size(tapname, FRONT_GSO_MAX_SIZE) < 0 || tap_set_up(tapname, true) < 0)
        ns_log(NS_LOG_WARN, "%s: cannot configure %s: %s", vif->name, tapname, strerror(errno));
    return 0;
}

static struct front_vif *vif_create(struct front *fe, uint32_t devid)
{
    struct front_vif *vif = calloc(1, sizeof(*vif));
    unsigned long be_domid;
    char path[96], tapname[16], expect[96];
    char *be;

    if (!vif)
        return NULL;
    vif->fe = fe;
    vif->devid = devid;
    snprintf(vif->fe_dir, sizeof(vif->fe_dir), "device/vif/%u", devid);
    snprintf(vif->name, sizeof(vif->name), "vif%u.%u", fe->opts.domid, devid);
    if (xsu_read_ulong(fe->xs, XBT_NULL, vif->fe_dir, "backend-id", 0, 0x7fef, &be_domid) < 0) {
        ns_log(NS_LOG_ERR, "%s: %s/backend-id is missing or invalid", vif->name, vif->fe_dir);
        free(vif);
        return NULL;
    }
    vif->be_domid = (uint32_t)be_domid;
    snprintf(path, sizeof(path), "%s/backend", vif->fe_dir);
    be = xsu_read(fe->xs, XBT_NULL, path);
    snprintf(expect, sizeof(expect), "/local/domain/%u/backend/vif/%u/%u", vif->be_domid,
             fe->opts.domid, devid);
    if (!be || strcmp(be, expect)) {
        ns_log(NS_LOG_ERR, "%s: %s is %s, expected %s", vif->name, path, be ? be : "missing",
               expect);
        free(be);
        free(vif);
        return NULL;
    }
    free(be);
    memcpy(vif->be_dir, expect, sizeof(vif->be_dir));
    snprintf(vif->be_token, sizeof(vif->be_token), "%s/state", vif->be_dir);

    snprintf(tapname, sizeof(tapname), fe->opts.ifname, devid);
    if (fe->opts.bench) {
        /* Benchmark: frames come from a generator and go to a sink, no TAP. */
        for (unsigned i = 0; i < TAP_MAX_QUEUES; i++)
            vif->tap.fd[i] = -1;
        vif->tap.nr_queues = fe->opts.queues;
    } else if (open_tap(vif, tapname) < 0) {
        free(vif);
        return NULL;
    }
    vif->stats = ns_stats_create("front", vif->name, vif->be_domid, devid);
    if (!vif->stats) {
        ns_log(NS_LOG_ERR, "%s: cannot create its stats file in %s: %s", vif->name,
               ns_run_dir(), strerror(errno));
        tap_close(&vif->tap);
        free(vif);
        return NULL;
    }
    if (!xs_watch(fe->xs, vif->be_token, "be"))
        ns_log(NS_LOG_WARN, "%s: cannot watch %s", vif->name, vif->be_token);
    vif->phase = FRONT_IDLE;
    ns_log(NS_LOG_INFO, "%s: interface %s for %s", vif->name, tapname, vif->fe_dir);
    return vif;
}

static void vif_destroy(struct front_vif *vif)
{
    front_disconnect(vif);
    xs_unwatch(vif->fe->xs, vif->be_token, "be");
    tap_close(&vif->tap);
    ns_stats_destroy(vif->stats, "front", vif->name);
    ns_log(NS_LOG_INFO, "%s: removed", vif->name);
    free(vif);
}

void front_scan(struct front *fe)
{
    struct front_vif **pp, *v;
    unsigned n, i;
    char **devs;

    for (v = fe->vifs; v; v = v->next)
        v->seen = false;
    devs = xs_directory(fe->xs, XBT_NULL, "device/vif", &n);
    for (i = 0; devs && i < n; i++) {
        unsigned long devid;

        if (xsu_parse_ulong(devs[i], 0xffff, &devid) < 0)
            continue;
        for (v = fe->vifs; v && v->devid != devid; v = v->next)
            ;
        if (!v) {
            v = vif_create(fe, (uint32_t)devid);
            if (!v)
                continue;
            v->next = fe->vifs;
            fe->vifs = v;
        }
        v->seen = true;
    }
    free(devs);
    for (pp = &fe->vifs; (v = *pp);) {
        if (!v->seen) {
            *pp = v->next;
            vif_destroy(v);
            continue;
        }
        vif_step(v);
        pp = &v->next;
    }
}

void front_handle_fatal(struct front *fe)
{
    struct front_vif *v;

    for (v = fe->vifs; v; v = v->next) {
        if (!ns_fatal_raised(&v->fatal))
            continue;
        ns_log(NS_LOG_ERR, "%s: backend broke the protocol: %s", v->name, v->fatal.reason);
        go_closed(v, v->fatal.reason);
        ns_fatal_clear(&v->fatal);
    }
}

void front_shutdown(struct front *fe)
{
    while (fe->vifs) {
        struct front_vif *v = fe->vifs;

        fe->vifs = v->next;
        go_closed(v, "shutting down");
        vif_destroy(v);
    }
}
