/*
 * What a frontend queue's thread (common/dp_loop.c) calls: one TX and one RX
 * batch, whether the shared indices show work, re-arming the event
 * indices, and whether the vif is being taken down (common/fatal.h).
 */

#include "frontend/frontend.h"

static unsigned queue_work(void *arg)
{
    struct front_queue *q = arg;
    unsigned done = front_rx_work(q);

    if (ns_fatal_pending(&q->vif->fatal))
        return done;
    return done + front_tx_work(q);
}

static bool queue_ready(void *arg)
{
    struct front_queue *q = arg;
    return front_rx_pending(q) || (front_tx_blocked(q) && front_tx_room(q));
}

static bool queue_arm(void *arg)
{
    struct front_queue *q = arg;
    /* Both are armed before sleeping: no short-circuit. */
    bool rx = front_rx_arm(q);
    bool tx = front_tx_arm(q);
    return rx || tx;
}

static bool queue_want_tap(void *arg)
{
    const struct front_queue *q = arg;
    return !front_tx_blocked(q);
}

static bool queue_disabled(void *arg)
{
    const struct front_queue *q = arg;
    return ns_fatal_pending(&q->vif->fatal);
}

const struct ns_dp_ops front_queue_ops = {
    .work = queue_work,
    .ready = queue_ready,
    .arm = queue_arm,
    .want_tap = queue_want_tap,
    .disabled = queue_disabled,
};
