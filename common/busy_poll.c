/* Adaptive busy-poll window (see busy_poll.h). */
#include <sched.h>

#include "common/busy_poll.h"
#include "common/log.h"

/* A wakeup sooner than this after sleeping means traffic is dense. */
#define QUICK_WAKEUP_NS 50000u
#define MIN_WINDOW_NS 1000u

/* Tell the CPU we are spinning (saves power, yields to a hyperthread sibling). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void ns_busy_poll_init(struct ns_busy_poll *bp, unsigned max_us)
{
    bp->max_ns = max_us > 1000000u ? 1000000000u : max_us * 1000u;
    bp->window_ns = bp->max_ns;
    bp->slept_at_ns = 0;
}

bool ns_busy_poll_spin(struct ns_busy_poll *bp, bool (*ready)(void *), void *arg)
{
    uint64_t deadline;
    unsigned spins = 0;

    if (bp->window_ns == 0)
        return false;
    deadline = ns_now_ns() + bp->window_ns;
    for (;;) {
        if (ready(arg)) {
            bp->window_ns = bp->max_ns;
            return true;
        }
        /* Read the clock every 64 checks: the check itself is a few loads.
         * Then also let another thread on this core run (the peer we wait
         * for, when there are more busy threads than cores): with none
         * waiting, sched_yield returns at once. */
        if ((++spins & 63) == 0) {
            if (ns_now_ns() >= deadline)
                break;
            sched_yield();
        }
        cpu_relax();
    }
    bp->window_ns /= 2;
    if (bp->window_ns < MIN_WINDOW_NS)
        bp->window_ns = 0;
    return false;
}

void ns_busy_poll_worked(struct ns_busy_poll *bp, unsigned done)
{
    if (done >= NS_BUSY_POLL_DENSE)
        bp->window_ns = bp->max_ns;
}

void ns_busy_poll_sleeping(struct ns_busy_poll *bp)
{
    if (bp->max_ns)
        bp->slept_at_ns = ns_now_ns();
}

void ns_busy_poll_woke(struct ns_busy_poll *bp)
{
    if (bp->max_ns == 0)
        return;
    /* Reopen fully: growing step by step while each failed spin halves
     * the window can leave it stuck near zero under steady traffic. */
    if (ns_now_ns() - bp->slept_at_ns < QUICK_WAKEUP_NS)
        bp->window_ns = bp->max_ns;
}
