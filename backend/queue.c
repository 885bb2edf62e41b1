/*
 * A backend queue's thread (common/dp_loop.c runs it) and the way its
 * datapath asks the main thread to disable the vif.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"

void back_queue_fatal(struct back_queue *q, const char *fmt, ...)
{
    struct back_vif *vif = q->vif;
    int expected = 0;
    uint64_t one = 1;
    va_list ap;
    int n;

    NS_STAT_INC(q->stats->errors[NS_ERROR_PEER_FATAL]);
    /* The first reason wins; later ones (other queues) are dropped. */
    if (!__atomic_compare_exchange_n(&vif->fatal, &expected, 1, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return;
    n = snprintf(vif->fatal_reason, sizeof(vif->fatal_reason), "queue %u: ", q->index);
    va_start(ap, fmt);
    vsnprintf(vif->fatal_reason + n, sizeof(vif->fatal_reason) - (size_t)n, fmt, ap);
    va_end(ap);
    /* Release: the reason is complete before the main thread sees 2. */
    __atomic_store_n(&vif->fatal, 2, __ATOMIC_RELEASE);
    if (write(vif->be->wake_fd, &one, sizeof(one)) < 0)
        ns_log(NS_LOG_ERR, "%s: cannot wake the main thread: %s", vif->name, strerror(errno));
}

static unsigned queue_work(void *arg)
{
    struct back_queue *q = arg;
    unsigned done = back_tx_work(q);

    if (__atomic_load_n(&q->vif->fatal, __ATOMIC_ACQUIRE))
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
    return __atomic_load_n(&q->vif->fatal, __ATOMIC_ACQUIRE) != 0;
}

const struct ns_dp_ops back_queue_ops = {
    .work = queue_work,
    .ready = queue_ready,
    .arm = queue_arm,
    .want_tap = queue_want_tap,
    .disabled = queue_disabled,
};
