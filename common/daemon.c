/* Main-loop helpers shared by netstage-back and netstage-front. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <pthread.h>

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
