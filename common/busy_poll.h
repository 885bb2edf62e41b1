/*
 * Adaptive busy-polling before a datapath thread re-arms notifications and
 * sleeps (the "backend too fast" problem: when the peer produces at about
 * our speed, every batch ends in a notification and a wakeup unless we wait
 * a little for the next one).
 *
 * The window reopens to its ceiling when spinning finds work, a wakeup
 * comes soon after we went to sleep, or one call finds a batch of work
 * waiting, and halves each time a spin finds nothing, down to zero, so an
 * idle host does not burn a CPU.  A spinning thread yields its core now
 * and then, for when more threads are busy than there are cores.
 */
#ifndef NETSTAGE_COMMON_BUSY_POLL_H
#define NETSTAGE_COMMON_BUSY_POLL_H

#include <stdbool.h>
#include <stdint.h>

struct ns_busy_poll {
    uint32_t max_ns;        /* ceiling; 0 = busy polling off */
    uint32_t window_ns;     /* current window */
    uint64_t slept_at_ns;   /* when the thread went to sleep */
};

void ns_busy_poll_init(struct ns_busy_poll *bp, unsigned max_us);

/*
 * Spin for up to the current window while ready(arg) is false.  Returns
 * true if work appeared (the window is restored to its ceiling).
 */
bool ns_busy_poll_spin(struct ns_busy_poll *bp, bool (*ready)(void *), void *arg);

/*
 * After each call of the queue's work: a call that handled NS_BUSY_POLL_DENSE
 * packets or more means the traffic is dense, however long the wakeup
 * before it took (an event channel slower than the quick-wakeup mark, as
 * the simulator's is, would otherwise leave the window shut under full
 * load, every batch then ending in a sleep and a notification).
 */
#define NS_BUSY_POLL_DENSE 16u
void ns_busy_poll_worked(struct ns_busy_poll *bp, unsigned done);

/* Bracket the sleep so quick wakeups can re-open a closed window. */
void ns_busy_poll_sleeping(struct ns_busy_poll *bp);
void ns_busy_poll_woke(struct ns_busy_poll *bp);

#endif
