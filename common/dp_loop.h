/*
 * The datapath thread shared by both drivers: run batches until there is
 * no work, busy-poll a bounded, adaptive window, re-arm the event indices,
 * then sleep on the event channel, the TAP and a stop eventfd.
 */
#ifndef NETSTAGE_COMMON_DP_LOOP_H
#define NETSTAGE_COMMON_DP_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <xenevtchn.h>

#include "common/busy_poll.h"
#include "common/stats.h"

struct ns_dp_ops {
    unsigned (*work)(void *q);        /* one TX and one RX batch; packets handled */
    bool (*ready)(void *q);           /* shared indices show work (no side effects) */
    bool (*arm)(void *q);             /* set event indices; true if work arrived meanwhile */
    bool (*want_tap)(void *q);        /* may the TAP be read now? */
    bool (*disabled)(void *q);        /* the vif is being disabled: touch nothing shared */
};

struct ns_dp {
    const struct ns_dp_ops *ops;
    void *q;
    xenevtchn_handle *xce;
    int tap_fd;                       /* -1: no TAP (benchmark generator/sink) */
    int stop_fd;                      /* eventfd written by ns_dp_stop */
    struct ns_busy_poll poll;
    struct ns_queue_stats *stats;
    pthread_t thread;
    bool running;
};

/* Create the stop eventfd; 0 or -1. */
int ns_dp_init(struct ns_dp *dp, const struct ns_dp_ops *ops, void *q, unsigned busy_poll_us);
int ns_dp_start(struct ns_dp *dp);
/* Stop and join the thread (if running); close the eventfd. */
void ns_dp_stop(struct ns_dp *dp);
void ns_dp_destroy(struct ns_dp *dp);

/* Send an event, counting it. */
void ns_dp_notify(struct ns_dp *dp, evtchn_port_t port);

#endif
