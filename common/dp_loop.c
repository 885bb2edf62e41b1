/* The datapath thread of one queue (see dp_loop.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/dp_loop.h"
#include "common/log.h"

void ns_dp_notify(struct ns_dp *dp, evtchn_port_t port)
{
    if (xenevtchn_notify(dp->xce, port) < 0)
        NS_STAT_INC(dp->stats->errors[NS_ERROR_EVTCHN]);
    else
        NS_STAT_INC(dp->stats->notify_sent);
}

static bool dp_ready(void *arg)
{
    struct ns_dp *dp = arg;
    return dp->ops->ready(dp->q);
}

static void take_event(struct ns_dp *dp)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending(dp->xce);

    if (port < 0)
        return;
    NS_STAT_INC(dp->stats->notify_recv);
    if (xenevtchn_unmask(dp->xce, (evtchn_port_t)port) < 0)
        NS_STAT_INC(dp->stats->errors[NS_ERROR_EVTCHN]);
}

static void *dp_main(void *arg)
{
    struct ns_dp *dp = arg;
    const struct ns_dp_ops *ops = dp->ops;
    bool woke = false;

    for (;;) {
        struct pollfd pfd[3];
        bool live = !ops->disabled(dp->q);
        nfds_t n = 0;

        if (live) {
            unsigned done = ops->work(dp->q);

            ns_busy_poll_worked(&dp->poll, done);
            if (woke && done == 0)
                NS_STAT_INC(dp->stats->spurious_wakeups);
            woke = false;
            if (done)
                continue;
            if (ns_busy_poll_spin(&dp->poll, dp_ready, dp)) {
                NS_STAT_INC(dp->stats->busy_poll_hits);
                continue;
            }
            if (ops->arm(dp->q))
                continue;
            live = !ops->disabled(dp->q);
        }
        pfd[n++] = (struct pollfd){ .fd = dp->stop_fd, .events = POLLIN };
        if (live) {
            pfd[n++] = (struct pollfd){ .fd = xenevtchn_fd(dp->xce), .events = POLLIN };
            if (dp->tap_fd >= 0 && ops->want_tap(dp->q))
                pfd[n++] = (struct pollfd){ .fd = dp->tap_fd, .events = POLLIN };
        }
        ns_busy_poll_sleeping(&dp->poll);
        if (poll(pfd, n, -1) < 0 && errno != EINTR)
            break;
        ns_busy_poll_woke(&dp->poll);
        if (pfd[0].revents)
            break;
        if (n > 1 && (pfd[1].revents & POLLIN))
            take_event(dp);
        woke = true;
    }
    return NULL;
}

int ns_dp_init(struct ns_dp *dp, const struct ns_dp_ops *ops, void *q, unsigned busy_poll_us)
{
    dp->ops = ops;
    dp->q = q;
    dp->running = false;
    ns_busy_poll_init(&dp->poll, busy_poll_us);
    dp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return dp->stop_fd < 0 ? -1 : 0;
}

int ns_dp_start(struct ns_dp *dp)
{
    int rc = pthread_create(&dp->thread, NULL, dp_main, dp);

    if (rc) {
        errno = rc;
        return -1;
    }
    dp->running = true;
    return 0;
}

void ns_dp_stop(struct ns_dp *dp)
{
    uint64_t one = 1;

    if (!dp->running)
        return;
    if (write(dp->stop_fd, &one, sizeof(one)) < 0)
        ns_log(NS_LOG_ERR, "cannot stop a datapath thread: %s", strerror(errno));
    pthread_join(dp->thread, NULL);
    dp->running = false;
}

void ns_dp_destroy(struct ns_dp *dp)
{
    ns_dp_stop(dp);
    if (dp->stop_fd >= 0)
        close(dp->stop_fd);
    dp->stop_fd = -1;
}
