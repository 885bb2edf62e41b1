/*
 * A frontend queue's thread (common/dp_loop.c runs it) and the way its
 * datapath asks the main thread to drop the connection.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "frontend/frontend.h"

void front_queue_fatal(struct front_queue *q, const char *fmt, ...)
{
    struct front_vif *vif = q->vif;
    int expected = 0;
    uint64_t one = 1;
    va_list ap;
    int n;

    NS_STAT_INC(q->stats->errors[NS_ERROR_PEER_FATAL]);
    if (!__atomic_compare_exchange_n(&vif->fatal, &expected, 1, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return;
    n = snprintf(vif->fatal_reason, sizeof(vif->fatal_reason), "queue %u: ", q->index);
    va_start(ap, fmt);
    vsnprintf(vif->fatal_reason + n, sizeof(vif->fatal_reason) - (size_t)n, fmt, ap);
    va_end(ap);
    /* Release: the reason is complete before the main thread sees 2. */
    __atomic_store_n(&vif->fatal, 2, __ATOMIC_RELEASE);
    if (write(vif->fe->wake_fd, &one, sizeof(one)) < 0)
        ns_log(NS_LOG_ERR, "%s: cannot wake the main thread: %s", vif->name, strerror(errno));
}

static unsigned queue_work(void *arg)
{
    struct front_queue *q = arg;
    unsigned done = front_rx_work(q);

    if (__atomic_load_n(&q->vif->fatal, __ATOMIC_ACQUIRE))
        return done;
    return done + front_tx_work(q);
}

static bool queue_ready(void *arg)
{
    struct front_queue *q = arg;
    return front_rx_pending(q) || (q->tx_pending_len && front_tx_room(q));
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
    return q->tx_pending_len == 0;
}

static bool queue_disabled(void *arg)
{
    const struct front_queue *q = arg;
    return __atomic_load_n(&q->vif->fatal, __ATOMIC_ACQUIRE) != 0;
}

const struct ns_dp_ops front_queue_ops = {
    .work = queue_work,
    .ready = queue_ready,
    .arm = queue_arm,
    .want_tap = queue_want_tap,
    .disabled = queue_disabled,
};
