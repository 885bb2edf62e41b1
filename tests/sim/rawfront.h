/*
 * rawfront: a minimal netif frontend for tests.  It does exactly what the
 * test says, including what a frontend must not do, so that a backend can
 * be fed any request, any key and any data list (docs/netif-staging.md).
 *
 * Guest side (in a child joined to the guest domain, see simkid.h):
 *   rf_prepare()  waits for the backend's InitWait, grants the TX/RX rings,
 *                 a TX pool (read-only) and an RX pool (writable) of
 *                 RF_POOL_PAGES pages each, optionally the staging lists and
 *                 slot pages (TX read-only, RX writable) and a few spare
 *                 pages, and allocates the event channel(s).  It builds
 *                 well-formed data lists, which the test may still edit.
 *   rf_commit()   writes the lists into their pages and the keys of vif N in
 *                 one transaction (stale keys removed, then the test's key
 *                 overrides applied), then switches to cfg.fe_state.
 *   rf_tx_push() / rf_rx_post() put raw entries on a ring and move req_prod
 *                 by any amount; rf_tx_collect() / rf_rx_collect() read the
 *                 responses within a bounded time.
 *   rf_close()    Closing, then Closed once the backend follows.
 *
 * Data ring mode (docs/netif-staging.md section 8): with cfg.dring_order,
 * rf_prepare() also grants an interface page (writable) and 2^order data
 * pages, the in ring writable and the out ring read-only, each half one
 * contiguous mapping on the guest side; it builds the interface page's
 * ring_order and ref[] (struct rf_dring_intf), which the test may edit
 * like the lists, and rf_commit() writes them into the page with the
 * data-ring-ref, tx-data-len and rx-data-len keys (and, with
 * cfg.dring_tx_whole / dring_rx_whole, tx-data-ring-whole /
 * rx-data-ring-whole = "1": whole records, 8.7).  The test writes records
 * and indices itself through the RF_DRING_* areas; rf_event() lets it see
 * the events the backend sends (the event indices of whole records).
 *
 * Parent side (the test, as Domain-0): struct rfk runs rf_kid_body() in a
 * simkid child and drives it through a block of shared memory (the
 * arguments and results of one command) and simkid's command pipe.
 */
#ifndef NETSTAGE_RAWFRONT_H
#define NETSTAGE_RAWFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "tests/sim/simkid.h"
#include "xen/include/public/io/netif.h"

#define RF_PAGE         4096u
#define RF_POOL_PAGES   32u      /* TX pool and RX pool pages */
#define RF_EXTRA_PAGES  4u       /* spare read-only pages for the test */
#define RF_MAX_OVERRIDES 8u
#define RF_SLOTS        256u     /* slots per direction = ring size */
#define RF_DRING_ORDER_MAX 6u    /* largest data ring rawfront grants: 64 pages */
#define RF_DRING_PAGES_MAX (1u << RF_DRING_ORDER_MAX)

/* A key written (or removed) after the normal ones, in the same transaction. */
struct rf_key_override {
    char key[48];                /* relative to the vif's frontend directory */
    char value[48];
    bool remove;
};

struct rf_config {
    uint32_t devid;
    uint32_t be_domid;           /* the backend's domain (0) */
    uint16_t tx_len, rx_len;     /* staging slot lengths; 0 = direction not staged */
    bool split;                  /* split event channels */
    bool rx_slots_readonly;      /* a mistake: grant the RX slot pages read-only */
    uint8_t fe_state;            /* state after the keys (0 = Connected) */
    uint8_t dring_order;         /* data ring of 2^order pages; 0 = none */
    uint16_t dring_tx_len, dring_rx_len;   /* tx-/rx-data-len with the ring; 0 = key absent */
    bool dring_tx_whole, dring_rx_whole;   /* tx-/rx-data-ring-whole = "1" with the ring */
    unsigned nr_overrides;
    struct rf_key_override ov[RF_MAX_OVERRIDES];
};

/* What rf_prepare() granted and allocated. */
struct rf_refs {
    uint32_t tx_ring, rx_ring;
    uint32_t tx_pool[RF_POOL_PAGES], rx_pool[RF_POOL_PAGES];
    uint32_t tx_list, rx_list;                    /* valid when the direction is staged */
    uint32_t nr_tx_slot_pages, nr_rx_slot_pages;
    uint32_t tx_slot_pages[RF_SLOTS], rx_slot_pages[RF_SLOTS];
    uint32_t extra[RF_EXTRA_PAGES];
    uint32_t tx_port, rx_port;                    /* the guest's ports (equal unless split) */
    uint32_t dring_intf;                          /* valid when cfg.dring_order */
    uint32_t nr_dring_pages;                      /* in ring, then out ring */
    uint32_t dring_pages[RF_DRING_PAGES_MAX];
};

/* What rf_commit() writes into the data ring's interface page. */
struct rf_dring_intf {
    uint32_t ring_order;
    uint32_t ref[1u << XEN_NETIF_DATA_RING_ORDER_MAX];
};

/* Memory the guest side can fill or read (rf_area). */
enum rf_area_kind {
    RF_TX_SLOT,        /* index = TX slot 0..255 (default list layout) */
    RF_RX_SLOT,        /* index = RX slot 0..255, i.e. data id 256 + index */
    RF_TX_POOL,        /* index < RF_POOL_PAGES */
    RF_RX_POOL,
    RF_EXTRA,          /* index < RF_EXTRA_PAGES */
    RF_DRING_INTF,     /* index 0: the interface page (struct xen_netif_data_intf) */
    RF_DRING_IN,       /* index 0: the in ring, XEN_NETIF_DATA_RING_BYTES(order) octets */
    RF_DRING_OUT,      /* index 0: the out ring, likewise */
};

/* ---- guest side -------------------------------------------------------- */

struct rf_grant {
    uint8_t *pages;
    unsigned count;
    uint32_t refs[RF_SLOTS];
};

struct rawfront {
    struct rf_config cfg;
    struct xs_handle *xs;
    xengntshr_handle *xgs;
    xenevtchn_handle *xce;
    char fe_dir[96], be_dir[96];
    struct rf_grant tx_ring, rx_ring, tx_pool, rx_pool, tx_list, rx_list, tx_slots, rx_slots,
        extra, dring_intf, dring_in, dring_out;
    netif_tx_sring_t *tx;
    netif_rx_sring_t *rx;
    uint32_t tx_req_prod, tx_rsp_cons, rx_req_prod, rx_rsp_cons;
    evtchn_port_t tx_port, rx_port;
    bool prepared;
};

/* 0, or a step number > 0 saying what failed. */
int rf_prepare(struct rawfront *rf, const struct rf_config *cfg, struct rf_refs *refs,
               struct xen_netif_data_slot *tx_list, struct xen_netif_data_slot *rx_list,
               struct rf_dring_intf *dring);
int rf_commit(struct rawfront *rf, const struct xen_netif_data_slot *tx_list,
              const struct xen_netif_data_slot *rx_list, const struct rf_dring_intf *dring);
/* The bytes of an area and their size; NULL if there is no such area. */
uint8_t *rf_area(struct rawfront *rf, enum rf_area_kind kind, uint32_t index, uint32_t *size);
/* Write n entries from req_prod on, then move req_prod by prod_delta and notify. */
int rf_tx_push(struct rawfront *rf, const union netif_tx_sring_entry *e, unsigned n,
               uint32_t prod_delta);
int rf_rx_post(struct rawfront *rf, const struct netif_rx_request *r, unsigned n,
               uint32_t prod_delta);
/* Up to n responses within timeout_ms; the number read. */
unsigned rf_tx_collect(struct rawfront *rf, struct netif_tx_response *out, unsigned n,
                       int timeout_ms);
unsigned rf_rx_collect(struct rawfront *rf, struct netif_rx_response *out, unsigned n,
                       int timeout_ms);
/* Whether an event came within timeout_ms (0: only one pending now); taken and unmasked. */
bool rf_event(struct rawfront *rf, int timeout_ms);
int rf_write_state(struct rawfront *rf, int state);
int rf_backend_state(struct rawfront *rf);
/* Closing, then Closed when the backend is Closing/Closed (or never left
 * InitWait); the backend's last state seen, or -1. */
int rf_close(struct rawfront *rf, int timeout_ms);
/* Unbind, ungrant and close everything. */
void rf_release(struct rawfront *rf);

/* ---- the shared block between the test and its rawfront child -------- */

enum rf_cmd {
    RF_CMD_PREPARE = 0x52460001u,
    RF_CMD_COMMIT,
    RF_CMD_FILL,       /* area, index, offset, len, data */
    RF_CMD_READ,       /* area, index, offset, len -> data */
    RF_CMD_TX_PUSH,    /* n entries of tx[], prod_delta */
    RF_CMD_TX_COLLECT, /* n, timeout_ms -> got, tx_rsp[] */
    RF_CMD_RX_POST,    /* n entries of rxreq[], prod_delta */
    RF_CMD_RX_COLLECT, /* n, timeout_ms -> got, rx_rsp[] */
    RF_CMD_STATE,      /* n = the state to write */
    RF_CMD_CLOSE,      /* timeout_ms -> result = backend state */
    RF_CMD_RELEASE,    /* ungrant everything (after a close) */
    RF_CMD_FLOOD,      /* traffic until the next command or timeout_ms (acknowledged first) */
    RF_CMD_EVENT,      /* timeout_ms -> got = 1 if an event came (rf_event) */
};

struct rf_shm {
    struct rf_config cfg;
    struct rf_refs refs;
    struct xen_netif_data_slot tx_list[RF_SLOTS], rx_list[RF_SLOTS];
    struct rf_dring_intf dring;     /* built by PREPARE, written by COMMIT */

    /* arguments */
    uint32_t n, prod_delta;
    int32_t timeout_ms;
    uint32_t area, index, offset, len;
    union netif_tx_sring_entry tx[NETIF_TX_RING_SIZE];
    struct netif_rx_request rxreq[NETIF_RX_RING_SIZE];
    uint8_t data[RF_PAGE];

    /* results */
    int32_t result;                 /* 0, a step number, or (CLOSE) a state */
    uint32_t got;
    struct netif_tx_response tx_rsp[NETIF_TX_RING_SIZE];
    struct netif_rx_response rx_rsp[NETIF_RX_RING_SIZE];
    /* ring indices after the command */
    uint32_t tx_req_prod, tx_rsp_prod, tx_rsp_cons;
    uint32_t rx_req_prod, rx_rsp_prod, rx_rsp_cons;

    /* FLOOD progress, updated while it runs (atomics) */
    uint64_t flood_tx_ok, flood_tx_err, flood_rx_ok;
};

/* ---- parent side ------------------------------------------------------- */

struct rfk {
    struct kid *k;
    struct rf_shm *shm;
    uint32_t domid, devid;
    uint16_t next_id;               /* TX ids handed out by the test's helpers */
};

/* A rawfront child as domain domid, living at most alarm_s seconds. */
struct rfk *rfk_spawn(uint32_t domid, unsigned alarm_s);
/* One command: its result (shm->result), or -1000 if the child did not answer. */
int rfk_call(struct rfk *f, uint32_t cmd, int timeout_ms);
int rfk_prepare(struct rfk *f, const struct rf_config *cfg);
int rfk_commit(struct rfk *f);
int rfk_fill(struct rfk *f, enum rf_area_kind kind, uint32_t index, uint32_t offset,
             const void *data, uint32_t len);
int rfk_read(struct rfk *f, enum rf_area_kind kind, uint32_t index, uint32_t offset, void *out,
             uint32_t len);
int rfk_tx_push(struct rfk *f, const union netif_tx_sring_entry *e, unsigned n,
                uint32_t prod_delta);
/* Responses land in f->shm->tx_rsp[]; the number read. */
unsigned rfk_tx_collect(struct rfk *f, unsigned n, int timeout_ms);
int rfk_rx_post(struct rfk *f, const struct netif_rx_request *r, unsigned n, uint32_t prod_delta);
unsigned rfk_rx_collect(struct rfk *f, unsigned n, int timeout_ms);
/* 1 if an event came to f's ports within timeout_ms (0: one pending now), else 0. */
unsigned rfk_event(struct rfk *f, int timeout_ms);
int rfk_state(struct rfk *f, int state);
int rfk_close(struct rfk *f, int timeout_ms);
/* KID_QUIT and reap (exit status), or kill if it does not answer. */
int rfk_quit(struct rfk *f);
/* SIGKILL and reap. */
int rfk_kill(struct rfk *f);
/* Forget a child that died on its own (e.g. with its domain): reap it. */
int rfk_reap(struct rfk *f, int timeout_ms);

/* Every grant reference f's connection uses (rings, pools, lists, slot,
 * spare and data ring pages); returns the count written to out (at most max). */
unsigned rfk_all_refs(const struct rfk *f, uint32_t *out, unsigned max);

/* Dom0 helpers on the backend's xenstore nodes. */
void rf_be_path(char *buf, size_t len, uint32_t domid, uint32_t devid, const char *key);
/* The backend's state, or -1. */
int rf_be_state(struct xs_handle *xs, uint32_t domid, uint32_t devid);
/* Until the backend's state is one of the states in mask (1 << state); the
 * state, or -1 on timeout. */
int rf_wait_be_state(struct xs_handle *xs, uint32_t domid, uint32_t devid, unsigned mask,
                     int timeout_ms);

#endif
