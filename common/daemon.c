/* Main-loop helpers shared by netstage-back and netstage-front. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/xs_util.h"

#define WATCH_DRAIN_MAX 1024

int ns_daemon_signal_fd(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_CLOEXEC);
}

bool ns_daemon_drain_watches(struct xs_handle *xs)
{
    unsigned n;

    /* Bounded so a peer rewriting a watched node in a loop cannot hold us. */
    for (n = 0; n < WATCH_DRAIN_MAX; n++) {
        char **ev = xs_check_watch(xs);

        if (!ev)
            return false;
        free(ev);
    }
    return true;
}

int ns_daemon_parse_uint(const char *prog, const char *opt, const char *arg, unsigned min,
                         unsigned max, unsigned *out)
{
    unsigned long v;

    if (xsu_parse_ulong(arg, max, &v) < 0 || v < min) {
        fprintf(stderr, "%s: --%s %s: expected a number in %u..%u\n", prog, opt, arg, min, max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

unsigned ns_daemon_own_domid(struct xs_handle *xs)
{
    unsigned long v;
    char *s = xsu_read(xs, XBT_NULL, "domid");
    unsigned id = s && xsu_parse_ulong(s, 0x7fef, &v) == 0 ? (unsigned)v : 0;

    free(s);
    return id;
}

void ns_daemon_loop(struct xs_handle *xs, int wake_fd, int signal_fd,
                    void (*on_watch)(void *), void (*on_wake)(void *), void *arg)
{
    bool more_events = false;

    for (;;) {
        struct pollfd pfd[3] = {
            { .fd = xs_fileno(xs), .events = POLLIN },
            { .fd = wake_fd, .events = POLLIN },
            { .fd = signal_fd, .events = POLLIN },
        };
        uint64_t v;

        if (poll(pfd, 3, more_events ? 0 : -1) < 0 && errno != EINTR)
            return;
        if (pfd[2].revents)
            return;
        if (pfd[1].revents && read(wake_fd, &v, sizeof(v)) == sizeof(v))
            on_wake(arg);
        if (pfd[0].revents || more_events) {
            more_events = ns_daemon_drain_watches(xs);
            on_watch(arg);
        }
    }
}
