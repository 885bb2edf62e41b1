/*
 * Per-queue counters of a vif, published in a file so `netstage stat` can
 * read them while the daemon runs.
 *
 * Each queue's counters are written by that queue's thread alone (plain
 * 64-bit stores, relaxed atomics so a concurrent reader never sees a torn
 * value on the platforms we build for) and read by anyone.  Directions are
 * the guest's: "tx" is guest to host, "rx" is host to guest, on both ends.
 */
#ifndef NETSTAGE_COMMON_STATS_H
#define NETSTAGE_COMMON_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_STATS_MAX_QUEUES 8

/* Why a packet (or part of it) did not go through a staging slot. */
enum ns_fallback_reason {
    NS_FALLBACK_NOT_NEGOTIATED, /* the queue has no staging in this direction */
    NS_FALLBACK_BEYOND_SLOT,    /* bytes past the slot length used a grant op */
    NS_FALLBACK_RING_FULL,      /* the data ring had no room: the packet went as plain netif */
    NS_FALLBACK_COUNT
};

/* Why a packet was dropped. */
enum ns_drop_reason {
    NS_DROP_MALFORMED,     /* peer request broke a tier-a rule (bad sizes, flags) */
    NS_DROP_GRANT_FAILED,  /* a grant copy or map of the packet's bytes failed */
    NS_DROP_NO_RX_BUFFERS, /* the peer had not posted enough receive buffers */
    NS_DROP_TOO_BIG,       /* longer than the protocol can carry */
    NS_DROP_OFFLOAD,       /* checksum/GSO metadata we cannot express */
    NS_DROP_TAP,           /* the TAP refused the frame */
    NS_DROP_COUNT
};

/* Fatal peer errors (the vif was disabled), and local failures. */
enum ns_error_reason {
    NS_ERROR_PEER_FATAL,   /* tier-b protocol violation: vif disabled */
    NS_ERROR_TAP_IO,       /* read/write on the TAP failed */
    NS_ERROR_EVTCHN,       /* event channel notify/unmask failed */
    NS_ERROR_COUNT
};

struct ns_queue_stats {
    uint64_t tx_packets, tx_bytes;       /* guest to host */
    uint64_t rx_packets, rx_bytes;       /* host to guest */
    uint64_t tx_staged, rx_staged;       /* packets whose head went through a slot */
    uint64_t tx_staged_bytes, rx_staged_bytes;
    uint64_t staging_buffer_tx;          /* TX packets sent out of a slot (NETTXF_staging_buffer) */
    uint64_t grant_copy_ops;             /* grant-copy calls (batches) */
    uint64_t grant_copy_segs;            /* segments copied */
    uint64_t grant_map_ops;              /* grant-map calls */
    uint64_t fallback[NS_FALLBACK_COUNT];
    uint64_t notify_sent, notify_recv;   /* event channel sends / wakeups with a pending port */
    uint64_t spurious_wakeups;           /* woke up and found no work */
    uint64_t busy_poll_hits;             /* work found while busy-polling */
    uint64_t drops[NS_DROP_COUNT];
    uint64_t errors[NS_ERROR_COUNT];
};

/* What one queue negotiated (written at connect, read by `netstage stat`). */
struct ns_queue_info {
    uint16_t tx_slot_len;                /* head length staged (slot or data ring); 0: TX not staged */
    uint16_t rx_slot_len;                /* likewise for RX */
    uint8_t split_evtchn;
    uint8_t data_ring_order;             /* 0: slots; else heads go through a data ring of this order */
    uint8_t pad[2];
};

#define NS_STATS_MAGIC   0x6e737431u     /* "nst1" */
#define NS_STATS_NAME_MAX 32

/* The file: one header, then NS_STATS_MAX_QUEUES queue records. */
struct ns_stats_file {
    uint32_t magic;
    uint32_t version;                    /* 1 */
    char role[8];                        /* "back" or "front" */
    char vif[NS_STATS_NAME_MAX];         /* interface name, e.g. "vif5.0" */
    uint32_t domid;                      /* the peer (backend: frontend's domid) */
    uint32_t devid;
    uint32_t pid;                        /* the daemon serving the vif */
    uint32_t connected;                  /* 1 while the datapath runs */
    uint32_t nr_queues;
    uint32_t remainder_map;              /* 1: bytes past the slot by grant map, 0: copy */
    char state[32];                      /* short text: "connected", "disabled: ..." */
    struct ns_queue_info info[NS_STATS_MAX_QUEUES];
    struct ns_queue_stats q[NS_STATS_MAX_QUEUES];
};

/* Add to a counter; only the queue's own thread writes it. */
#define NS_STAT_ADD(field, n) \
    __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (uint64_t)(n), \
                     __ATOMIC_RELAXED)
#define NS_STAT_INC(field) NS_STAT_ADD(field, 1)

/*
 * The run directory holding the stats files: $NETSTAGE_RUN_DIR, else
 * /run/netstage.  The string is not to be freed.
 */
const char *ns_run_dir(void);

/*
 * Create (or replace) the stats file "<run dir>/<role>-<vif>.stats", map it
 * and fill the header.  Returns the mapping or NULL with errno set.
 */
struct ns_stats_file *ns_stats_create(const char *role, const char *vif, uint32_t domid,
                                      uint32_t devid);
/* Unmap and remove the file. */
void ns_stats_destroy(struct ns_stats_file *f, const char *role, const char *vif);
/* Set the state text (truncated to fit). */
void ns_stats_set_state(struct ns_stats_file *f, const char *state);

/*
 * Reading (netstage stat).  Map a stats file read-only and copy it into
 * *out: a snapshot, since the daemon keeps writing.  The copy is validated
 * (magic, version, size, nr_queues <= NS_STATS_MAX_QUEUES, NUL-terminated
 * strings).  Returns 0, or -1 with a message naming the file in err.
 */
int ns_stats_snapshot(const char *path, struct ns_stats_file *out, char *err, size_t errlen);
/*
 * True when the daemon that published the snapshot is gone (its pid names no
 * process): the file was left behind by a crash.  A pid reused since by an
 * unrelated process is not caught.
 */
bool ns_stats_stale(const struct ns_stats_file *snap);

/* A counter's stable name (what `netstage stat` and its JSON call it). */
struct ns_counter_desc {
    const char *name;                    /* snake_case, e.g. "tx_packets" */
    size_t offset;                       /* in struct ns_queue_stats */
    bool anomaly;                        /* a drop, error or fallback: zero while all is well */
};
/* Every counter of struct ns_queue_stats, in the struct's order. */
#define NS_NR_COUNTERS (sizeof(struct ns_queue_stats) / sizeof(uint64_t))
extern const struct ns_counter_desc ns_counters[];
uint64_t ns_counter_value(const struct ns_queue_stats *q, const struct ns_counter_desc *d);

#endif
