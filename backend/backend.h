/*
 * netstage-back: the netif backend.
 *
 * One process serves every vif under backend/vif of its domain.  The main
 * thread runs the xenbus handshake of every vif (vif.c, connect.c); each
 * connected queue has a thread of its own running the datapath (queue.c,
 * tx.c, rx.c).  The datapath never writes xenstore: when the frontend
 * breaks a fatal rule it records the reason and wakes the main thread,
 * which disables the vif.
 */
#ifndef NETSTAGE_BACKEND_H
#define NETSTAGE_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "backend/staging_list.h"
#include "backend/tx_parse.h"
#include "common/data_ring.h"
#include "common/dp_loop.h"
#include "common/fatal.h"
#include "common/log.h"
#include "common/pktio.h"
#include "common/stats.h"
#include "common/tap.h"
#include "common/tap_ctl.h"
#include "xen/include/public/io/netif.h"

struct back_opts {
    unsigned max_queues;      /* multi-queue-max-queues */
    bool staging;             /* offer feature-staging-slots */
    unsigned slot_len_max;    /* staging-slot-len-max */
    unsigned data_ring_max_order; /* staging-data-ring-max-order offered; 0: not offered */
    bool remainder_map;       /* bytes past the slot by grant map instead of copy */
    unsigned busy_poll_us;    /* busy-poll budget ceiling; 0 = never spin */
    unsigned fatal_slots;     /* F */
    bool run_hotplug;         /* run the vif's hotplug script ourselves */
    unsigned domid;           /* our own domain (where backend/vif lives) */
    bool bench;               /* no TAPs: guest TX goes to a sink ... */
    unsigned bench_rx_len;    /* ... and guest RX frames of this size are generated (0: none) */
    bool bench_echo;          /* ... or every guest TX frame comes back as guest RX */
};

/* What the toolstack may set per vif (vif_opts.c); the daemon's options are the defaults. */
struct back_vif_opts {
    bool staging;
    unsigned slot_len_max;
    unsigned max_queues;      /* at most the daemon's: its TAPs have that many queues */
};
#define BACK_KEY_STAGING      "netstage-staging"
#define BACK_KEY_SLOT_LEN_MAX "netstage-slot-len-max"
#define BACK_KEY_QUEUES       "netstage-queues"

/* The staging slots of one direction of a queue, mapped for the connection. */
struct back_slots {
    uint16_t len;                         /* L; 0 = direction not staged */
    uint8_t *slot[XEN_NETIF_DATA_TX_SLOTS];
    void *map_base;                       /* every distinct slot page, mapped in one call */
    struct slot_pages pages;              /* their grants, in mapping order */
    uint32_t list_ref;
};

/* A queue's staging data ring (section 8), mapped for the connection. */
struct back_data_ring {
    unsigned order;                       /* 0: the queue has none */
    uint32_t ref;                         /* data-ring-ref */
    struct xen_netif_data_intf *intf;     /* the interface page, writable */
    uint8_t *in_pages;                    /* the in ring (our RX heads), writable */
    uint8_t *out_pages;                   /* the out ring (guest TX heads), read-only */
};

/* A frame read from the TAP that waits for enough RX requests. */
struct rx_frame {
    uint32_t len;
    struct ns_pkt_meta meta;
    uint8_t *data;
};

#define BACK_RX_BATCH 64
#define BACK_ARENA_BYTES (512u * 1024u)
#define BACK_FRAME_MAX (XEN_NETIF_NR_SLOTS_MIN * 4096u)

struct back_vif;

struct back_queue {
    struct back_vif *vif;
    unsigned index;
    uint32_t domid;                  /* the frontend */

    netif_tx_sring_t *tx;
    netif_rx_sring_t *rx;
    uint32_t tx_req_cons, tx_rsp_prod;
    uint32_t rx_req_cons;             /* RX responses go at request positions */
    /* RX requests copied from the ring (each position once per posting):
     * those before rx_req_copied, at their positions. */
    struct netif_rx_request rx_req[NETIF_RX_RING_SIZE];
    uint32_t rx_req_copied;

    xengnttab_handle *xgt;
    xenevtchn_handle *xce;
    evtchn_port_t tx_port, rx_port;  /* equal with a single channel */

    struct back_slots tx_slots, rx_slots;
    struct back_data_ring dring;
    struct ns_dring tx_dring;        /* we consume guest TX heads (max_len 0: TX not on the ring) */
    struct ns_dring rx_dring;        /* we produce guest RX heads (likewise) */
    struct ns_pktio io;              /* the TAP queue, or the benchmark's generator/sink */
    struct ns_dp dp;                 /* the thread running this queue */

    uint8_t *arena;                  /* packet bytes of one batch */
    struct rx_frame pending;         /* at most one frame waits for RX buffers ... */
    bool pending_wants_room;         /* ... or, with whole records, for in-ring space */

    struct ns_queue_stats *stats;
    struct ns_ratelimit rl;
};

extern const struct ns_dp_ops back_queue_ops;

enum back_phase {
    BACK_INITWAIT,       /* features written, TAP up, waiting for the frontend */
    BACK_CONNECTING,     /* queues set up, waiting for hotplug-status */
    BACK_CONNECTED,      /* datapath running */
    BACK_CLOSING,        /* disconnected, waiting for the frontend to close */
    BACK_CLOSED,
};

struct back {
    struct back_opts opts;
    struct xs_handle *xs;
    int wake_fd;                     /* eventfd: a datapath thread needs the main thread */
    struct back_vif *vifs;
};

struct back_vif {
    struct back *be;
    struct back_vif *next;
    uint32_t domid, devid;
    char be_dir[96];
    char fe_dir[96];
    char name[16];
    char fe_token[112];
    enum back_phase phase;
    struct back_vif_opts opts;       /* as last advertised */
    struct ns_ratelimit opts_rl;     /* bad netstage-* keys are logged at this rate */
    bool seen;                       /* still present in the last scan */
    struct tap_dev tap;
    unsigned nr_queues;
    bool split;
    bool fe_sg;                      /* frontend accepts multi-fragment RX packets */
    struct back_queue *queues;
    struct ns_stats_file *stats;
    struct ns_fatal fatal;           /* raised by a datapath thread */
};

/* vif.c: the handshake. */
void back_scan(struct back *be);
void back_handle_fatal(struct back *be);
void back_shutdown(struct back *be);

/* vif_opts.c: the daemon's defaults overridden by the vif's netstage-* keys. */
void back_vif_opts_read(struct back_vif *vif, struct back_vif_opts *out);
bool back_vif_opts_equal(const struct back_vif_opts *a, const struct back_vif_opts *b);

/* connect.c: read the frontend's keys and set up the queues; 0 or -1 with reason. */
int back_connect(struct back_vif *vif, char *why, size_t whylen);
void back_disconnect(struct back_vif *vif);
/* Start every queue's thread once hotplug has finished; 0 or -1. */
int back_start(struct back_vif *vif);

/* staging.c: read, validate and map one direction's data list. */
int back_slots_setup(struct back_queue *q, struct back_slots *s, uint32_t list_ref,
                     unsigned len, bool writable, char *why, size_t whylen);
void back_slots_release(struct back_queue *q, struct back_slots *s);
/* No page of one direction appears in the other or as a list page. */
bool back_slots_disjoint(const struct back_slots *a, const struct back_slots *b);

/* data_ring.c: read, validate and map a queue's data ring, if it has one. */
int back_dring_setup(struct back_queue *q, const char *dir, char *why, size_t whylen);
void back_dring_release(struct back_queue *q);
/* From the datapath: the frontend broke the data ring; tell it why the vif stops. */
#define back_dring_fatal(q, ...)                                                  \
    ((q)->dring.intf->in_error = (q)->dring.intf->out_error = 1,                \
     back_queue_fatal(q, __VA_ARGS__))

/* From the datapath: disable the vif (first reason wins), counted on the queue. */
#define back_queue_fatal(q, ...)                                                  \
    (NS_STAT_INC((q)->stats->errors[NS_ERROR_PEER_FATAL]),                      \
     ns_fatal_raise(&(q)->vif->fatal, (q)->vif->be->wake_fd, (q)->index, __VA_ARGS__))

/* tx.c and rx.c: one batch of work each; return the packets handled. */
unsigned back_tx_work(struct back_queue *q);
unsigned back_rx_work(struct back_queue *q);
/* True when the rings hold work the thread has not taken yet (no side effects). */
bool back_tx_pending(struct back_queue *q);
bool back_rx_ready(struct back_queue *q);
/* Ask the frontend for an event on new requests, then look once more: true if work arrived. */
bool back_tx_arm(struct back_queue *q);
bool back_rx_arm(struct back_queue *q);

/* hotplug.c */
int back_run_hotplug(struct back_vif *vif, const char *command);

#endif
