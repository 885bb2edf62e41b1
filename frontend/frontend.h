/*
 * netstage-front: the netif frontend.
 *
 * One process serves every vif under device/vif of its domain.  The main
 * thread runs each vif's handshake (vif.c, connect.c); each connected queue
 * has a datapath thread (queue.c, tx.c, rx.c).  Buffers are granted once
 * per connection and reused: every TX request id owns one read-only page,
 * every RX request id one writable page, and with staging every id owns a
 * slot as well (slot = id), or packet heads go through a data ring.
 */
#ifndef NETSTAGE_FRONTEND_H
#define NETSTAGE_FRONTEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "common/data_ring.h"
#include "common/dp_loop.h"
#include "common/fatal.h"
#include "common/log.h"
#include "common/pktio.h"
#include "common/offload.h"
#include "common/stats.h"
#include "common/tap.h"
#include "common/tap_ctl.h"
#include "xen/include/public/io/netif.h"

#define FRONT_PAGE 4096u
#define FRONT_IDS 256u                 /* ids per direction = ring size = slots */
#define FRONT_NO_ID 0xffffu
#define FRONT_FRAME_MAX (XEN_NETIF_NR_SLOTS_MIN * FRONT_PAGE)
/* 2^5 pages per queue (64 KiB each way): the order `make bench` found fast
 * for 64..1500-byte packets; the backend may cap it (netif-staging.md 8.1). */
#define FRONT_DATA_RING_ORDER_DEFAULT 5u

struct front_opts {
    unsigned queues;                   /* wanted; capped by multi-queue-max-queues */
    bool staging;                      /* use staging when the backend offers it */
    unsigned slot_len;                 /* wanted L; capped by staging-slot-len-max */
    unsigned data_ring_order;          /* wanted data ring order; 0: slots (capped by the
                                        * backend's staging-data-ring-max-order; slots
                                        * too when the backend offers no ring) */
    bool whole_records;                /* whole records on a data ring when offered (8.7) */
    bool split;                        /* split event channels when offered */
    unsigned busy_poll_us;
    const char *ifname;                /* printf pattern with the devid, e.g. "eth%u" */
    unsigned domid;                    /* our own domain */
    bool bench;                        /* no TAPs: guest RX goes to a sink ... */
    unsigned bench_tx_len;             /* ... and guest TX frames of this size are generated */
    bool bench_rr;                     /* ... one at a time, each after the last came back */
};

/* Granted memory of one kind: count pages shared in one call. */
struct front_grant {
    uint8_t *pages;
    unsigned count;
    uint32_t refs[FRONT_IDS];
};

/* Staging slots of one direction. */
struct front_slots {
    uint16_t len;                      /* 0 = not staged */
    struct front_grant list;           /* one page: the data list */
    struct front_grant data;           /* the slot pages */
    uint8_t *slot[FRONT_IDS];
};

/* A queue's data ring (section 8): granted pages and the two directions. */
struct front_data_ring {
    unsigned order;                    /* 0: the queue uses slots (or no staging) */
    struct front_grant intf;           /* the interface page */
    struct front_grant in, out;        /* the in ring (writable), the out ring (read-only) */
};

struct front_vif;

struct front_queue {
    struct front_vif *vif;
    unsigned index;
    uint32_t be_domid;

    xengntshr_handle *xgs;
    xenevtchn_handle *xce;
    evtchn_port_t tx_port, rx_port;    /* local ports; equal with one channel */

    struct front_grant tx_ring, rx_ring;
    netif_tx_sring_t *tx;
    netif_rx_sring_t *rx;
    uint32_t tx_req_prod, tx_rsp_cons;
    uint32_t rx_req_prod, rx_rsp_cons;

    struct front_grant tx_pool, rx_pool;   /* page per id */
    struct front_slots tx_slots, rx_slots;
    struct front_data_ring dring;
    struct ns_dring tx_dring;              /* we produce TX heads (max_len 0: not used) */
    struct ns_dring rx_dring;              /* we consume RX heads */
    bool tx_head_in_ring;                  /* the frame read last has its head at the ring's
                                            * next record (not yet committed) */

    uint16_t tx_free[FRONT_IDS];           /* free TX ids (stack) */
    unsigned tx_nfree;
    bool tx_busy[FRONT_IDS];
    uint16_t rx_posted[NETIF_RX_RING_SIZE]; /* id posted at each ring position */

    struct ns_pktio io;              /* the TAP queue, or the benchmark's generator/sink */
    struct ns_dp dp;                       /* the thread running this queue */

    uint8_t *frame;                        /* RX assembly / TX staging buffer */
    uint8_t *tx_frame;                     /* the TAP frame being sent (past the head if staged) */
    uint16_t tx_head_id;                   /* id held for the next frame's head, or FRONT_NO_ID */
    uint32_t tx_pending_len;
    struct ns_pkt_meta tx_pending_meta;

    struct ns_queue_stats *stats;
    struct ns_ratelimit rl;
};

extern const struct ns_dp_ops front_queue_ops;

enum front_phase {
    FRONT_IDLE,          /* waiting for the backend's InitWait */
    FRONT_WAIT_BACKEND,  /* our keys are written, Connected; waiting for the backend */
    FRONT_CONNECTED,     /* datapath running */
    FRONT_CLOSED,        /* disconnected; will ask for a new connection */
};

struct front {
    struct front_opts opts;
    struct xs_handle *xs;
    int wake_fd;
    struct front_vif *vifs;
};

struct front_vif {
    struct front *fe;
    struct front_vif *next;
    uint32_t devid, be_domid;
    char fe_dir[64];
    char be_dir[96];
    char be_token[112];
    char name[16];                     /* stats name: vif<our domid>.<devid> */
    enum front_phase phase;
    bool seen;
    struct tap_dev tap;
    unsigned nr_queues;
    bool split;
    struct front_queue *queues;
    struct ns_stats_file *stats;
    struct ns_fatal fatal;             /* raised by a datapath thread */
};

/* vif.c */
void front_scan(struct front *fe);
void front_handle_fatal(struct front *fe);
void front_shutdown(struct front *fe);

/* connect.c */
int front_connect(struct front_vif *vif, char *why, size_t whylen);
int front_start(struct front_vif *vif);
void front_disconnect(struct front_vif *vif);

/* queue.c */
/* From the datapath: drop the connection (first reason wins), counted on the queue. */
#define front_queue_fatal(q, ...)                                                 \
    (NS_STAT_INC((q)->stats->errors[NS_ERROR_PEER_FATAL]),                      \
     ns_fatal_raise(&(q)->vif->fatal, (q)->vif->fe->wake_fd, (q)->index, __VA_ARGS__))

/* tx.c and rx.c */
unsigned front_tx_work(struct front_queue *q);
unsigned front_rx_work(struct front_queue *q);
bool front_rx_pending(struct front_queue *q);
bool front_tx_room(struct front_queue *q);
/* A frame waits for ring room or ids, or no id is free to read the next one's head into. */
bool front_tx_blocked(const struct front_queue *q);
bool front_rx_arm(struct front_queue *q);
bool front_tx_arm(struct front_queue *q);
void front_rx_post_all(struct front_queue *q);

#endif
