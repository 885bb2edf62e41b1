/* Fatal peer errors, from datapath threads to the main thread (see fatal.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fatal.h"
#include "common/log.h"

void ns_fatal_raise(struct ns_fatal *f, int wake_fd, unsigned queue, const char *fmt, ...)
{
    int expected = 0;
    uint64_t one = 1;
    va_list ap;
    int n;

    /* Acquire: claiming the slot happens before we write the reason. */
    if (!__atomic_compare_exchange_n(&f->state, &expected, 1, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return;
    n = snprintf(f->reason, sizeof(f->reason), "queue %u: ", queue);
    va_start(ap, fmt);
    vsnprintf(f->reason + n, sizeof(f->reason) - (size_t)n, fmt, ap);
    va_end(ap);
    /* Release: the reason is complete before the main thread can see 2. */
    __atomic_store_n(&f->state, 2, __ATOMIC_RELEASE);
    if (write(wake_fd, &one, sizeof(one)) < 0)
        ns_log(NS_LOG_ERR, "cannot wake the main thread: %s", strerror(errno));
}

bool ns_fatal_pending(const struct ns_fatal *f)
{
    return __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != 0;
}

bool ns_fatal_raised(const struct ns_fatal *f)
{
    /* Acquire: pairs with the release in ns_fatal_raise, so the reason is whole. */
    return __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) == 2;
}

void ns_fatal_clear(struct ns_fatal *f)
{
    __atomic_store_n(&f->state, 0, __ATOMIC_RELEASE);
}
