/*
 * What a backend queue's thread (common/dp_loop.c) calls: one TX and one RX
 * batch, whether the shared indices show work, re-arming the event
 * indices, and whether the vif is being taken down (common/fatal.h).
 */

#include "backend/backend.h"

static unsigned queue_work(void *arg)
{
    struct back_queue *q = arg;
    unsigned done = back_tx_work(q);

    if (ns_fatal_pending(&q->vif->fatal))
        return done;
    return done + back_rx_work(q);
}

static bool queue_ready(void *arg)
{
    struct back_queue *q = arg;
    return back_tx_pending(q) || back_rx_ready(q);
}

static bool queue_arm(void *arg)
{
    struct back_queue *q = arg;
    /* Both are armed before sleeping: no short-circuit. */
    bool tx = back_tx_arm(q);
    bool rx = back_rx_arm(q);
    return tx || rx;
}

static bool queue_want_tap(void *arg)
{
    const struct back_queue *q = arg;
    return q->pending.len == 0;
}

static bool queue_disabled(void *arg)
{
    const struct back_queue *q = arg;
    return ns_fatal_pending(&q->vif->fatal);
}

const struct ns_dp_ops back_queue_ops = {
    .work = queue_work,
    .ready = queue_ready,
    .arm = queue_arm,
    .want_tap = queue_want_tap,
    .disabled = queue_disabled,
};
