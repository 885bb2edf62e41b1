/* A minimal, scriptable netif frontend for tests (see rawfront.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tests/sim/rawfront.h"
#include "tests/sim/simtest.h"

#define RF_XS_RETRIES 16
#define RF_BE_WAIT_MS 10000       /* the backend's InitWait, at prepare */

static long rf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void rf_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ---- xenstore ------------------------------------------------------------ */

static char *rf_xs_read(struct xs_handle *xs, const char *path)
{
    unsigned len;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    return v;
}

static int rf_read_state(struct xs_handle *xs, const char *dir)
{
    char path[160];
    char *v, *end;
    long st;

    snprintf(path, sizeof(path), "%s/state", dir);
    v = rf_xs_read(xs, path);
    if (!v)
        return -1;
    st = strtol(v, &end, 10);
    if (end == v || *end)
        st = -1;
    free(v);
    return (int)st;
}

static int rf_wait_state(struct xs_handle *xs, const char *dir, unsigned mask, int timeout_ms)
{
    long deadline = rf_now_ms() + timeout_ms;

    for (;;) {
        int st = rf_read_state(xs, dir);

        if (st >= 0 && st < 32 && (mask & (1u << st)))
            return st;
        if (rf_now_ms() > deadline)
            return -1;
        rf_sleep_ms(5);
    }
}

static bool rf_xs_write(struct xs_handle *xs, xs_transaction_t t, const char *dir,
                        const char *key, const char *value)
{
    char path[192];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_write(xs, t, path, value, strlen(value));
}

static void rf_xs_rm(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key)
{
    char path[192];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    xs_rm(xs, t, path);
}

static bool rf_xs_printf(struct xs_handle *xs, xs_transaction_t t, const char *dir,
                         const char *key, unsigned v)
{
    char buf[16];

    snprintf(buf, sizeof(buf), "%u", v);
    return rf_xs_write(xs, t, dir, key, buf);
}

/* ---- guest side ------------------------------------------------------------ */

static int rf_grant(struct rawfront *rf, struct rf_grant *g, unsigned count, bool writable)
{
    if (count == 0 || count > RF_SLOTS)
        return -1;
    g->pages = xengntshr_share_pages(rf->xgs, rf->cfg.be_domid, (int)count, g->refs, writable);
    if (!g->pages)
        return -1;
    g->count = count;
    memset(g->pages, 0, (size_t)count * RF_PAGE);
    return 0;
}

static void rf_ungrant(struct rawfront *rf, struct rf_grant *g)
{
    if (g->pages)
        xengntshr_unshare(rf->xgs, g->pages, g->count);
    g->pages = NULL;
    g->count = 0;
}

static unsigned rf_slot_pages(unsigned len)
{
    unsigned per_page = RF_PAGE / len;
    return (RF_SLOTS + per_page - 1) / per_page;
}

/* The well-formed list of one direction (4.2). */
static void rf_build_list(const struct rf_grant *pages, unsigned len, unsigned base,
                          struct xen_netif_data_slot *list)
{
    unsigned per_page = RF_PAGE / len, k;

    for (k = 0; k < RF_SLOTS; k++) {
        list[k].id = (uint16_t)(base + k);
        list[k].offset = (uint16_t)((k % per_page) * len);
        list[k].gref = pages->refs[k / per_page];
    }
}

/*
 * The data ring (8.2): the interface page writable, the in ring (first
 * half) writable, the out ring (second half) read-only, all zeroed, and
 * the well-formed ring_order and ref[] for the interface page.
 */
static int rf_grant_dring(struct rawfront *rf, struct rf_refs *refs, struct rf_dring_intf *dring)
{
    unsigned order = rf->cfg.dring_order, half, i;

    memset(dring, 0, sizeof(*dring));
    if (order < XEN_NETIF_DATA_RING_ORDER_MIN || order > RF_DRING_ORDER_MAX)
        return -1;
    half = 1u << (order - 1);
    if (rf_grant(rf, &rf->dring_intf, 1, true) < 0 || rf_grant(rf, &rf->dring_in, half, true) < 0 ||
        rf_grant(rf, &rf->dring_out, half, false) < 0)
        return -1;
    dring->ring_order = order;
    for (i = 0; i < half; i++) {
        dring->ref[i] = rf->dring_in.refs[i];
        dring->ref[half + i] = rf->dring_out.refs[i];
    }
    refs->dring_intf = rf->dring_intf.refs[0];
    refs->nr_dring_pages = 2 * half;
    memcpy(refs->dring_pages, dring->ref, sizeof(uint32_t) * 2 * half);
    return 0;
}

int rf_prepare(struct rawfront *rf, const struct rf_config *cfg, struct rf_refs *refs,
               struct xen_netif_data_slot *tx_list, struct xen_netif_data_slot *rx_list,
               struct rf_dring_intf *dring)
{
    const char *domid = getenv(XENSIM_ENV_DOMID);
    xenevtchn_port_or_error_t p;
    char path[160];
    char *be;
    unsigned i;

    if (rf->prepared || rf->xs || rf->xgs || rf->xce)
        rf_release(rf);
    memset(rf, 0, sizeof(*rf));
    rf->cfg = *cfg;
    if ((cfg->tx_len && cfg->tx_len > RF_PAGE) || (cfg->rx_len && cfg->rx_len > RF_PAGE))
        return 1;
    rf->xs = xs_open(0);
    if (!rf->xs || !domid)
        return 2;
    snprintf(rf->fe_dir, sizeof(rf->fe_dir), "/local/domain/%s/device/vif/%u", domid,
             cfg->devid);
    snprintf(path, sizeof(path), "%s/backend", rf->fe_dir);
    be = rf_xs_read(rf->xs, path);
    if (!be)
        return 3;
    snprintf(rf->be_dir, sizeof(rf->be_dir), "%s", be);
    free(be);
    rf->prepared = true;
    if (rf_read_state(rf->xs, rf->fe_dir) != 1 && rf_write_state(rf, 1) < 0)
        return 4;
    /* As a frontend does: the backend's features are there at InitWait. */
    if (rf_wait_state(rf->xs, rf->be_dir, 1u << 2, RF_BE_WAIT_MS) < 0)
        return 5;

    rf->xgs = xengntshr_open(NULL, 0);
    rf->xce = xenevtchn_open(NULL, 0);
    if (!rf->xgs || !rf->xce)
        return 6;
    if (rf_grant(rf, &rf->tx_ring, 1, true) < 0 || rf_grant(rf, &rf->rx_ring, 1, true) < 0)
        return 7;
    rf->tx = (netif_tx_sring_t *)rf->tx_ring.pages;
    rf->rx = (netif_rx_sring_t *)rf->rx_ring.pages;
    rf->tx->req_event = rf->tx->rsp_event = 1;
    rf->rx->req_event = rf->rx->rsp_event = 1;
    if (rf_grant(rf, &rf->tx_pool, RF_POOL_PAGES, false) < 0 ||
        rf_grant(rf, &rf->rx_pool, RF_POOL_PAGES, true) < 0)
        return 8;
    if (cfg->tx_len && (rf_grant(rf, &rf->tx_slots, rf_slot_pages(cfg->tx_len), false) < 0 ||
                        rf_grant(rf, &rf->tx_list, 1, false) < 0))
        return 9;
    if (cfg->rx_len && (rf_grant(rf, &rf->rx_slots, rf_slot_pages(cfg->rx_len),
                                 !cfg->rx_slots_readonly) < 0 ||
                        rf_grant(rf, &rf->rx_list, 1, false) < 0))
        return 10;
    if (rf_grant(rf, &rf->extra, RF_EXTRA_PAGES, false) < 0)
        return 11;
    p = xenevtchn_bind_unbound_port(rf->xce, cfg->be_domid);
    if (p < 0)
        return 12;
    rf->tx_port = rf->rx_port = (evtchn_port_t)p;
    if (cfg->split) {
        p = xenevtchn_bind_unbound_port(rf->xce, cfg->be_domid);
        if (p < 0)
            return 13;
        rf->rx_port = (evtchn_port_t)p;
    }

    memset(refs, 0, sizeof(*refs));
    refs->tx_ring = rf->tx_ring.refs[0];
    refs->rx_ring = rf->rx_ring.refs[0];
    for (i = 0; i < RF_POOL_PAGES; i++) {
        refs->tx_pool[i] = rf->tx_pool.refs[i];
        refs->rx_pool[i] = rf->rx_pool.refs[i];
    }
    memset(tx_list, 0, RF_SLOTS * sizeof(*tx_list));
    memset(rx_list, 0, RF_SLOTS * sizeof(*rx_list));
    if (cfg->tx_len) {
        refs->tx_list = rf->tx_list.refs[0];
        refs->nr_tx_slot_pages = rf->tx_slots.count;
        memcpy(refs->tx_slot_pages, rf->tx_slots.refs, sizeof(uint32_t) * rf->tx_slots.count);
        rf_build_list(&rf->tx_slots, cfg->tx_len, XEN_NETIF_DATA_ID_TX_BASE, tx_list);
    }
    if (cfg->rx_len) {
        refs->rx_list = rf->rx_list.refs[0];
        refs->nr_rx_slot_pages = rf->rx_slots.count;
        memcpy(refs->rx_slot_pages, rf->rx_slots.refs, sizeof(uint32_t) * rf->rx_slots.count);
        rf_build_list(&rf->rx_slots, cfg->rx_len, XEN_NETIF_DATA_ID_RX_BASE, rx_list);
    }
    for (i = 0; i < RF_EXTRA_PAGES; i++)
        refs->extra[i] = rf->extra.refs[i];
    refs->tx_port = rf->tx_port;
    refs->rx_port = rf->rx_port;
    memset(dring, 0, sizeof(*dring));
    if (cfg->dring_order && rf_grant_dring(rf, refs, dring) < 0)
        return 14;
    return 0;
}

static bool rf_write_keys(struct rawfront *rf, xs_transaction_t t)
{
    static const char *const stale[] = {
        "multi-queue-num-queues", "event-channel", "event-channel-tx", "event-channel-rx",
        XEN_NETIF_STAGING_KEY_TX_DATA_REF, XEN_NETIF_STAGING_KEY_TX_DATA_LEN,
        XEN_NETIF_STAGING_KEY_RX_DATA_REF, XEN_NETIF_STAGING_KEY_RX_DATA_LEN,
        XEN_NETIF_STAGING_KEY_DATA_RING_REF, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE,
        XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE,
    };
    struct xs_handle *xs = rf->xs;
    const char *d = rf->fe_dir;
    bool ok = true;
    unsigned i;

    for (i = 0; i < 8; i++) {
        char q[16];

        snprintf(q, sizeof(q), "queue-%u", i);
        rf_xs_rm(xs, t, d, q);
    }
    for (i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
        rf_xs_rm(xs, t, d, stale[i]);
    ok &= rf_xs_printf(xs, t, d, "tx-ring-ref", rf->tx_ring.refs[0]);
    ok &= rf_xs_printf(xs, t, d, "rx-ring-ref", rf->rx_ring.refs[0]);
    if (rf->cfg.split) {
        ok &= rf_xs_printf(xs, t, d, "event-channel-tx", rf->tx_port);
        ok &= rf_xs_printf(xs, t, d, "event-channel-rx", rf->rx_port);
    } else {
        ok &= rf_xs_printf(xs, t, d, "event-channel", rf->tx_port);
    }
    ok &= rf_xs_write(xs, t, d, "request-rx-copy", "1");
    ok &= rf_xs_write(xs, t, d, "feature-rx-notify", "1");
    ok &= rf_xs_write(xs, t, d, "feature-sg", "1");
    if (rf->cfg.tx_len) {
        ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_TX_DATA_REF, rf->tx_list.refs[0]);
        ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, rf->cfg.tx_len);
    }
    if (rf->cfg.rx_len) {
        ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_RX_DATA_REF, rf->rx_list.refs[0]);
        ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_RX_DATA_LEN, rf->cfg.rx_len);
    }
    if (rf->cfg.dring_order) {
        ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_DATA_RING_REF, rf->dring_intf.refs[0]);
        if (rf->cfg.dring_tx_len)
            ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, rf->cfg.dring_tx_len);
        if (rf->cfg.dring_rx_len)
            ok &= rf_xs_printf(xs, t, d, XEN_NETIF_STAGING_KEY_RX_DATA_LEN, rf->cfg.dring_rx_len);
        if (rf->cfg.dring_tx_whole)
            ok &= rf_xs_write(xs, t, d, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, "1");
        if (rf->cfg.dring_rx_whole)
            ok &= rf_xs_write(xs, t, d, XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE, "1");
    }
    for (i = 0; i < rf->cfg.nr_overrides && i < RF_MAX_OVERRIDES; i++) {
        const struct rf_key_override *o = &rf->cfg.ov[i];

        if (o->remove)
            rf_xs_rm(xs, t, d, o->key);
        else
            ok &= rf_xs_write(xs, t, d, o->key, o->value);
    }
    return ok;
}

int rf_commit(struct rawfront *rf, const struct xen_netif_data_slot *tx_list,
              const struct xen_netif_data_slot *rx_list, const struct rf_dring_intf *dring)
{
    int tries;

    if (!rf->prepared || !rf->xgs)
        return 1;
    if (rf->tx_list.pages)
        memcpy(rf->tx_list.pages, tx_list, RF_SLOTS * sizeof(*tx_list));
    if (rf->rx_list.pages)
        memcpy(rf->rx_list.pages, rx_list, RF_SLOTS * sizeof(*rx_list));
    if (rf->dring_intf.pages) {
        struct xen_netif_data_intf *in = (struct xen_netif_data_intf *)rf->dring_intf.pages;

        in->ring_order = dring->ring_order;
        memcpy(in->ref, dring->ref, sizeof(in->ref));
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (tries = 0; tries < RF_XS_RETRIES; tries++) {
        xs_transaction_t t = xs_transaction_start(rf->xs);
        bool ok;

        if (t == XBT_NULL)
            return 2;
        ok = rf_write_keys(rf, t);
        if (!ok) {
            xs_transaction_end(rf->xs, t, true);
            return 3;
        }
        if (xs_transaction_end(rf->xs, t, false))
            break;
        if (errno != EAGAIN)
            return 4;
    }
    if (tries == RF_XS_RETRIES)
        return 5;
    return rf_write_state(rf, rf->cfg.fe_state ? rf->cfg.fe_state : 4) < 0 ? 6 : 0;
}

uint8_t *rf_area(struct rawfront *rf, enum rf_area_kind kind, uint32_t index, uint32_t *size)
{
    const struct rf_grant *g;
    unsigned len, per_page;

    switch (kind) {
    case RF_TX_SLOT:
    case RF_RX_SLOT:
        g = kind == RF_TX_SLOT ? &rf->tx_slots : &rf->rx_slots;
        len = kind == RF_TX_SLOT ? rf->cfg.tx_len : rf->cfg.rx_len;
        if (!len || !g->pages || index >= RF_SLOTS)
            return NULL;
        per_page = RF_PAGE / len;
        *size = len;
        return g->pages + (size_t)(index / per_page) * RF_PAGE + (index % per_page) * len;
    case RF_TX_POOL:
        g = &rf->tx_pool;
        break;
    case RF_RX_POOL:
        g = &rf->rx_pool;
        break;
    case RF_EXTRA:
        g = &rf->extra;
        break;
    case RF_DRING_INTF:
        g = &rf->dring_intf;
        break;
    case RF_DRING_IN:
    case RF_DRING_OUT:
        /* One contiguous mapping per half: the whole ring is one area. */
        g = kind == RF_DRING_IN ? &rf->dring_in : &rf->dring_out;
        if (!g->pages || index != 0)
            return NULL;
        *size = g->count * RF_PAGE;
        return g->pages;
    default:
        return NULL;
    }
    if (!g->pages || index >= g->count)
        return NULL;
    *size = RF_PAGE;
    return g->pages + (size_t)index * RF_PAGE;
}

int rf_tx_push(struct rawfront *rf, const union netif_tx_sring_entry *e, unsigned n,
               uint32_t prod_delta)
{
    unsigned i;

    if (!rf->tx)
        return 1;
    for (i = 0; i < n && i < NETIF_TX_RING_SIZE; i++)
        memcpy(&rf->tx->ring[(rf->tx_req_prod + i) & (NETIF_TX_RING_SIZE - 1)], &e[i],
               sizeof(e[i]));
    rf->tx_req_prod += prod_delta;
    __atomic_store_n(&rf->tx->req_prod, rf->tx_req_prod, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    /* Always: a raw frontend does not rely on the backend's req_event. */
    xenevtchn_notify(rf->xce, rf->tx_port);
    return 0;
}

int rf_rx_post(struct rawfront *rf, const struct netif_rx_request *r, unsigned n,
               uint32_t prod_delta)
{
    unsigned i;

    if (!rf->rx)
        return 1;
    for (i = 0; i < n && i < NETIF_RX_RING_SIZE; i++)
        memcpy(&rf->rx->ring[(rf->rx_req_prod + i) & (NETIF_RX_RING_SIZE - 1)].req, &r[i],
               sizeof(r[i]));
    rf->rx_req_prod += prod_delta;
    __atomic_store_n(&rf->rx->req_prod, rf->rx_req_prod, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    xenevtchn_notify(rf->xce, rf->rx_port);
    return 0;
}

/* Wait up to ms for an event on our handle; take and unmask it. */
static void rf_wait_event(struct rawfront *rf, int ms)
{
    struct pollfd p = { .fd = xenevtchn_fd(rf->xce), .events = POLLIN };

    if (ms > 0 && poll(&p, 1, ms) == 1 && (p.revents & POLLIN)) {
        xenevtchn_port_or_error_t port = xenevtchn_pending(rf->xce);

        if (port >= 0)
            xenevtchn_unmask(rf->xce, (evtchn_port_t)port);
    }
}

bool rf_event(struct rawfront *rf, int timeout_ms)
{
    struct pollfd p = { .fd = -1, .events = POLLIN };
    xenevtchn_port_or_error_t port;

    if (!rf->xce)
        return false;
    p.fd = xenevtchn_fd(rf->xce);
    if (poll(&p, 1, timeout_ms > 0 ? timeout_ms : 0) != 1 || !(p.revents & POLLIN))
        return false;
    port = xenevtchn_pending(rf->xce);
    if (port < 0)
        return false;
    xenevtchn_unmask(rf->xce, (evtchn_port_t)port);
    return true;
}

unsigned rf_tx_collect(struct rawfront *rf, struct netif_tx_response *out, unsigned n,
                       int timeout_ms)
{
    long deadline = rf_now_ms() + timeout_ms;
    unsigned got = 0;

    if (!rf->tx)
        return 0;
    for (;;) {
        uint32_t prod = __atomic_load_n(&rf->tx->rsp_prod, __ATOMIC_ACQUIRE);
        long left;

        while (got < n && rf->tx_rsp_cons != prod) {
            memcpy(&out[got++], &rf->tx->ring[rf->tx_rsp_cons & (NETIF_TX_RING_SIZE - 1)].rsp,
                   sizeof(*out));
            rf->tx_rsp_cons++;
        }
        if (got == n)
            break;
        __atomic_store_n(&rf->tx->rsp_event, rf->tx_rsp_cons + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&rf->tx->rsp_prod, __ATOMIC_ACQUIRE) != rf->tx_rsp_cons)
            continue;
        left = deadline - rf_now_ms();
        if (left <= 0)
            break;
        rf_wait_event(rf, left < 10 ? (int)left : 10);
    }
    return got;
}

unsigned rf_rx_collect(struct rawfront *rf, struct netif_rx_response *out, unsigned n,
                       int timeout_ms)
{
    long deadline = rf_now_ms() + timeout_ms;
    unsigned got = 0;

    if (!rf->rx)
        return 0;
    for (;;) {
        uint32_t prod = __atomic_load_n(&rf->rx->rsp_prod, __ATOMIC_ACQUIRE);
        long left;

        while (got < n && rf->rx_rsp_cons != prod) {
            memcpy(&out[got++], &rf->rx->ring[rf->rx_rsp_cons & (NETIF_RX_RING_SIZE - 1)].rsp,
                   sizeof(*out));
            rf->rx_rsp_cons++;
        }
        if (got == n)
            break;
        __atomic_store_n(&rf->rx->rsp_event, rf->rx_rsp_cons + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&rf->rx->rsp_prod, __ATOMIC_ACQUIRE) != rf->rx_rsp_cons)
            continue;
        left = deadline - rf_now_ms();
        if (left <= 0)
            break;
        rf_wait_event(rf, left < 10 ? (int)left : 10);
    }
    return got;
}

int rf_write_state(struct rawfront *rf, int state)
{
    char v[8];

    if (!rf->xs)
        return -1;
    snprintf(v, sizeof(v), "%d", state);
    return rf_xs_write(rf->xs, XBT_NULL, rf->fe_dir, "state", v) ? 0 : -1;
}

int rf_backend_state(struct rawfront *rf)
{
    return rf->xs ? rf_read_state(rf->xs, rf->be_dir) : -1;
}

int rf_close(struct rawfront *rf, int timeout_ms)
{
    int st;

    if (!rf->prepared)
        return rf_backend_state(rf);
    /* A backend that never left InitWait stays there, as netback does. */
    if (rf_write_state(rf, 5) < 0 ||
        rf_wait_state(rf->xs, rf->be_dir, 1u << 2 | 1u << 5 | 1u << 6, timeout_ms) < 0)
        return -1;
    if (rf_write_state(rf, 6) < 0)
        return -1;
    st = rf_wait_state(rf->xs, rf->be_dir, 1u << 2 | 1u << 6, timeout_ms);
    return st;
}

void rf_release(struct rawfront *rf)
{
    if (rf->xce) {
        if (rf->tx_port)
            xenevtchn_unbind(rf->xce, rf->tx_port);
        if (rf->rx_port && rf->rx_port != rf->tx_port)
            xenevtchn_unbind(rf->xce, rf->rx_port);
        xenevtchn_close(rf->xce);
    }
    if (rf->xgs) {
        rf_ungrant(rf, &rf->tx_ring);
        rf_ungrant(rf, &rf->rx_ring);
        rf_ungrant(rf, &rf->tx_pool);
        rf_ungrant(rf, &rf->rx_pool);
        rf_ungrant(rf, &rf->tx_list);
        rf_ungrant(rf, &rf->rx_list);
        rf_ungrant(rf, &rf->tx_slots);
        rf_ungrant(rf, &rf->rx_slots);
        rf_ungrant(rf, &rf->extra);
        rf_ungrant(rf, &rf->dring_intf);
        rf_ungrant(rf, &rf->dring_in);
        rf_ungrant(rf, &rf->dring_out);
        xengntshr_close(rf->xgs);
    }
    if (rf->xs)
        xs_close(rf->xs);
    memset(rf, 0, sizeof(*rf));
}

/* ---- the child --------------------------------------------------------------- */

static struct rf_shm *rf_spawn_shm;     /* read by the child after fork */
static unsigned rf_spawn_alarm;

#define RF_FLOOD_LEN 300u
#define RF_FLOOD_TX_INFLIGHT 32u
#define RF_FLOOD_RX_POSTED 64u

/* Valid traffic until a command arrives or timeout_ms passes. */
static void rf_flood(struct rawfront *rf, struct rf_shm *shm, int cmd_fd)
{
    static const uint8_t hdr[14] = { 0x02, 0x4e, 0x53, 0, 0, 1, 0x02, 0x4e, 0x53, 0, 0, 2,
                                     0x88, 0xb5 };
    union netif_tx_sring_entry e[RF_FLOOD_TX_INFLIGHT];
    struct netif_tx_response trsp[RF_FLOOD_TX_INFLIGHT];
    struct netif_rx_response rrsp[RF_FLOOD_RX_POSTED];
    struct netif_rx_request r[RF_FLOOD_RX_POSTED];
    long deadline = rf_now_ms() + shm->timeout_ms;
    unsigned inflight = 0, i, n;
    uint16_t tx_id = 0, rx_id = 0;
    uint8_t frame[RF_FLOOD_LEN];
    uint32_t size;

    if (!rf->tx)
        return;
    for (i = 0; i < RF_FLOOD_LEN; i++)
        frame[i] = (uint8_t)(i * 3);
    memcpy(frame, hdr, sizeof(hdr));
    for (i = 0; i < RF_POOL_PAGES; i++)
        memcpy(rf_area(rf, RF_TX_POOL, i, &size), frame, RF_FLOOD_LEN);
    for (i = 0; rf->cfg.tx_len && i < RF_SLOTS; i++) {
        uint8_t *s = rf_area(rf, RF_TX_SLOT, i, &size);
        memcpy(s, frame, size < RF_FLOOD_LEN ? size : RF_FLOOD_LEN);
    }
    for (i = 0; i < RF_FLOOD_RX_POSTED; i++, rx_id++)
        r[i] = (struct netif_rx_request){ .id = rx_id,
                                          .gref = rf->rx_pool.refs[rx_id % RF_POOL_PAGES] };
    rf_rx_post(rf, r, RF_FLOOD_RX_POSTED, RF_FLOOD_RX_POSTED);

    while (rf_now_ms() < deadline) {
        struct pollfd p = { .fd = cmd_fd, .events = POLLIN };

        if (poll(&p, 1, 0) != 0)
            break;
        for (n = 0; inflight + n < RF_FLOOD_TX_INFLIGHT; n++, tx_id++) {
            memset(&e[n], 0, sizeof(e[n]));
            e[n].req = (struct netif_tx_request){
                .gref = rf->tx_pool.refs[tx_id % RF_POOL_PAGES], .offset = 0, .flags = 0,
                .id = (uint16_t)(tx_id & (NETIF_TX_RING_SIZE - 1)), .size = RF_FLOOD_LEN };
        }
        if (n) {
            rf_tx_push(rf, e, n, n);
            inflight += n;
        }
        n = rf_tx_collect(rf, trsp, inflight, 0);
        for (i = 0; i < n; i++)
            __atomic_add_fetch(trsp[i].status == NETIF_RSP_OKAY ? &shm->flood_tx_ok
                                                                : &shm->flood_tx_err, 1,
                               __ATOMIC_RELAXED);
        inflight -= n;
        n = rf_rx_collect(rf, rrsp, RF_FLOOD_RX_POSTED, 0);
        for (i = 0; i < n; i++) {
            if (rrsp[i].status > 0 && !(rrsp[i].flags & NETRXF_more_data))
                __atomic_add_fetch(&shm->flood_rx_ok, 1, __ATOMIC_RELAXED);
            r[i] = (struct netif_rx_request){ .id = rx_id,
                                              .gref = rf->rx_pool.refs[rx_id % RF_POOL_PAGES] };
            rx_id++;
        }
        if (n)
            rf_rx_post(rf, r, n, n);
        rf_wait_event(rf, 1);
    }
}

static int rf_dispatch(struct rawfront *rf, struct rf_shm *shm, uint32_t cmd)
{
    uint8_t *a;
    uint32_t size;

    switch (cmd) {
    case RF_CMD_PREPARE:
        return rf_prepare(rf, &shm->cfg, &shm->refs, shm->tx_list, shm->rx_list, &shm->dring);
    case RF_CMD_COMMIT:
        /* The test may edit the lists and the key overrides until now. */
        rf->cfg.nr_overrides = shm->cfg.nr_overrides;
        memcpy(rf->cfg.ov, shm->cfg.ov, sizeof(rf->cfg.ov));
        rf->cfg.fe_state = shm->cfg.fe_state;
        return rf_commit(rf, shm->tx_list, shm->rx_list, &shm->dring);
    case RF_CMD_FILL:
    case RF_CMD_READ:
        a = rf_area(rf, (enum rf_area_kind)shm->area, shm->index, &size);
        if (!a || shm->offset > size || shm->len > size - shm->offset || shm->len > RF_PAGE)
            return 1;
        if (cmd == RF_CMD_FILL)
            memcpy(a + shm->offset, shm->data, shm->len);
        else
            memcpy(shm->data, a + shm->offset, shm->len);
        return 0;
    case RF_CMD_TX_PUSH:
        return rf_tx_push(rf, shm->tx, shm->n, shm->prod_delta);
    case RF_CMD_TX_COLLECT:
        shm->got = rf_tx_collect(rf, shm->tx_rsp,
                                 shm->n < NETIF_TX_RING_SIZE ? shm->n : NETIF_TX_RING_SIZE,
                                 shm->timeout_ms);
        return 0;
    case RF_CMD_RX_POST:
        return rf_rx_post(rf, shm->rxreq, shm->n, shm->prod_delta);
    case RF_CMD_RX_COLLECT:
        shm->got = rf_rx_collect(rf, shm->rx_rsp,
                                 shm->n < NETIF_RX_RING_SIZE ? shm->n : NETIF_RX_RING_SIZE,
                                 shm->timeout_ms);
        return 0;
    case RF_CMD_EVENT:
        shm->got = rf_event(rf, shm->timeout_ms) ? 1 : 0;
        return 0;
    case RF_CMD_STATE:
        return rf_write_state(rf, (int)shm->n) < 0 ? 1 : 0;
    case RF_CMD_CLOSE:
        return rf_close(rf, shm->timeout_ms);
    case RF_CMD_RELEASE:
        rf_release(rf);
        return 0;
    default:
        return 99;
    }
}

static void rf_snapshot(const struct rawfront *rf, struct rf_shm *shm)
{
    shm->tx_req_prod = rf->tx_req_prod;
    shm->tx_rsp_cons = rf->tx_rsp_cons;
    shm->tx_rsp_prod = rf->tx ? __atomic_load_n(&rf->tx->rsp_prod, __ATOMIC_ACQUIRE) : 0;
    shm->rx_req_prod = rf->rx_req_prod;
    shm->rx_rsp_cons = rf->rx_rsp_cons;
    shm->rx_rsp_prod = rf->rx ? __atomic_load_n(&rf->rx->rsp_prod, __ATOMIC_ACQUIRE) : 0;
}

static int rf_kid_body(struct kid_ctx *c)
{
    struct rf_shm *shm = rf_spawn_shm;
    unsigned life = rf_spawn_alarm;
    struct rawfront rf;

    memset(&rf, 0, sizeof(rf));
    alarm(life);                     /* replaces simkid's default limit */
    for (;;) {
        uint32_t cmd;

        /* EOF (the parent died) or silence for our whole life ends us. */
        if (simtest_recv_u32(c->cmd, &cmd, (int)life * 1000) < 0) {
            rf_release(&rf);
            return 1;
        }
        if (cmd == KID_QUIT)
            break;
        if (cmd == RF_CMD_FLOOD) {
            if (kid_report(c, cmd) < 0)
                return 2;
            rf_flood(&rf, shm, c->cmd);
            continue;
        }
        shm->result = rf_dispatch(&rf, shm, cmd);
        rf_snapshot(&rf, shm);
        if (kid_report(c, cmd) < 0)
            return 2;
    }
    rf_release(&rf);
    return 0;
}

/* ---- parent side ----------------------------------------------------------- */

struct rfk *rfk_spawn(uint32_t domid, unsigned alarm_s)
{
    struct rfk *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->shm = mmap(NULL, sizeof(struct rf_shm), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (f->shm == MAP_FAILED) {
        free(f);
        return NULL;
    }
    rf_spawn_shm = f->shm;
    rf_spawn_alarm = alarm_s ? alarm_s : KID_MAX_SECONDS;
    f->k = kid_spawn(domid, rf_kid_body, 0, NULL);
    if (!f->k) {
        munmap(f->shm, sizeof(struct rf_shm));
        free(f);
        return NULL;
    }
    f->domid = domid;
    return f;
}

int rfk_call(struct rfk *f, uint32_t cmd, int timeout_ms)
{
    uint32_t v;

    if (!f || !f->k || kid_send(f->k, cmd) < 0)
        return -1000;
    if (simtest_recv_u32(f->k->ev, &v, timeout_ms) < 0 || v != cmd)
        return -1000;
    return f->shm->result;
}

int rfk_prepare(struct rfk *f, const struct rf_config *cfg)
{
    f->shm->cfg = *cfg;
    f->devid = cfg->devid;
    return rfk_call(f, RF_CMD_PREPARE, RF_BE_WAIT_MS + 10000);
}

int rfk_commit(struct rfk *f)
{
    return rfk_call(f, RF_CMD_COMMIT, 10000);
}

int rfk_fill(struct rfk *f, enum rf_area_kind kind, uint32_t index, uint32_t offset,
             const void *data, uint32_t len)
{
    if (len > RF_PAGE)
        return -1;
    f->shm->area = kind;
    f->shm->index = index;
    f->shm->offset = offset;
    f->shm->len = len;
    memcpy(f->shm->data, data, len);
    return rfk_call(f, RF_CMD_FILL, 5000);
}

int rfk_read(struct rfk *f, enum rf_area_kind kind, uint32_t index, uint32_t offset, void *out,
             uint32_t len)
{
    int rc;

    if (len > RF_PAGE)
        return -1;
    f->shm->area = kind;
    f->shm->index = index;
    f->shm->offset = offset;
    f->shm->len = len;
    rc = rfk_call(f, RF_CMD_READ, 5000);
    if (rc == 0)
        memcpy(out, f->shm->data, len);
    return rc;
}

int rfk_tx_push(struct rfk *f, const union netif_tx_sring_entry *e, unsigned n,
                uint32_t prod_delta)
{
    if (n > NETIF_TX_RING_SIZE)
        return -1;
    if (n)
        memcpy(f->shm->tx, e, n * sizeof(*e));
    f->shm->n = n;
    f->shm->prod_delta = prod_delta;
    return rfk_call(f, RF_CMD_TX_PUSH, 5000);
}

unsigned rfk_tx_collect(struct rfk *f, unsigned n, int timeout_ms)
{
    f->shm->n = n;
    f->shm->timeout_ms = timeout_ms;
    f->shm->got = 0;
    return rfk_call(f, RF_CMD_TX_COLLECT, timeout_ms + 10000) == 0 ? f->shm->got : 0;
}

int rfk_rx_post(struct rfk *f, const struct netif_rx_request *r, unsigned n, uint32_t prod_delta)
{
    if (n > NETIF_RX_RING_SIZE)
        return -1;
    if (n)
        memcpy(f->shm->rxreq, r, n * sizeof(*r));
    f->shm->n = n;
    f->shm->prod_delta = prod_delta;
    return rfk_call(f, RF_CMD_RX_POST, 5000);
}

unsigned rfk_rx_collect(struct rfk *f, unsigned n, int timeout_ms)
{
    f->shm->n = n;
    f->shm->timeout_ms = timeout_ms;
    f->shm->got = 0;
    return rfk_call(f, RF_CMD_RX_COLLECT, timeout_ms + 10000) == 0 ? f->shm->got : 0;
}

unsigned rfk_event(struct rfk *f, int timeout_ms)
{
    f->shm->timeout_ms = timeout_ms;
    f->shm->got = 0;
    return rfk_call(f, RF_CMD_EVENT, timeout_ms + 10000) == 0 ? f->shm->got : 0;
}

int rfk_state(struct rfk *f, int state)
{
    f->shm->n = (uint32_t)state;
    return rfk_call(f, RF_CMD_STATE, 5000);
}

int rfk_close(struct rfk *f, int timeout_ms)
{
    f->shm->timeout_ms = timeout_ms;
    return rfk_call(f, RF_CMD_CLOSE, 2 * timeout_ms + 10000);
}

static void rfk_free(struct rfk *f)
{
    munmap(f->shm, sizeof(struct rf_shm));
    free(f);
}

int rfk_quit(struct rfk *f)
{
    int st;

    if (!f)
        return -1;
    if (kid_send(f->k, KID_QUIT) < 0)
        st = kid_kill(f->k);
    else
        st = kid_reap(f->k, 10000);
    rfk_free(f);
    return st;
}

int rfk_kill(struct rfk *f)
{
    int st;

    if (!f)
        return -1;
    st = kid_kill(f->k);
    rfk_free(f);
    return st;
}

int rfk_reap(struct rfk *f, int timeout_ms)
{
    int st;

    if (!f)
        return -1;
    st = kid_reap(f->k, timeout_ms);
    rfk_free(f);
    return st;
}

unsigned rfk_all_refs(const struct rfk *f, uint32_t *out, unsigned max)
{
    const struct rf_refs *r = &f->shm->refs;
    unsigned n = 0, i;

#define RF_ADD(v) do { if (n < max) out[n++] = (v); } while (0)
    RF_ADD(r->tx_ring);
    RF_ADD(r->rx_ring);
    for (i = 0; i < RF_POOL_PAGES; i++) {
        RF_ADD(r->tx_pool[i]);
        RF_ADD(r->rx_pool[i]);
    }
    if (r->nr_tx_slot_pages)
        RF_ADD(r->tx_list);
    if (r->nr_rx_slot_pages)
        RF_ADD(r->rx_list);
    for (i = 0; i < r->nr_tx_slot_pages && i < RF_SLOTS; i++)
        RF_ADD(r->tx_slot_pages[i]);
    for (i = 0; i < r->nr_rx_slot_pages && i < RF_SLOTS; i++)
        RF_ADD(r->rx_slot_pages[i]);
    for (i = 0; i < RF_EXTRA_PAGES; i++)
        RF_ADD(r->extra[i]);
    if (r->nr_dring_pages)
        RF_ADD(r->dring_intf);
    for (i = 0; i < r->nr_dring_pages && i < RF_DRING_PAGES_MAX; i++)
        RF_ADD(r->dring_pages[i]);
#undef RF_ADD
    return n;
}

void rf_be_path(char *buf, size_t len, uint32_t domid, uint32_t devid, const char *key)
{
    snprintf(buf, len, "/local/domain/0/backend/vif/%u/%u%s%s", domid, devid, key ? "/" : "",
             key ? key : "");
}

int rf_be_state(struct xs_handle *xs, uint32_t domid, uint32_t devid)
{
    char dir[128];

    rf_be_path(dir, sizeof(dir), domid, devid, NULL);
    return rf_read_state(xs, dir);
}

int rf_wait_be_state(struct xs_handle *xs, uint32_t domid, uint32_t devid, unsigned mask,
                     int timeout_ms)
{
    char dir[128];

    rf_be_path(dir, sizeof(dir), domid, devid, NULL);
    return rf_wait_state(xs, dir, mask, timeout_ms);
}
