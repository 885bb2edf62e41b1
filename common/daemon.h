/* Pieces of the two daemons' main loops. */
#ifndef NETSTAGE_COMMON_DAEMON_H
#define NETSTAGE_COMMON_DAEMON_H

#include <stdbool.h>
#include <xenstore.h>

/*
 * Block SIGINT and SIGTERM (before any thread starts, so only the returned
 * signalfd sees them) and ignore SIGPIPE.  The fd, or -1.
 */
int ns_daemon_signal_fd(void);

/*
 * Take up to a bounded number of queued watch events (the caller rescans
 * once for all of them).  True if more may be queued: poll again without
 * sleeping, since xs_fileno need not stay readable.
 */
bool ns_daemon_drain_watches(struct xs_handle *xs);

/* Parse a decimal option value in [min, max]; prints the error itself. */
int ns_daemon_parse_uint(const char *prog, const char *opt, const char *arg, unsigned min,
                         unsigned max, unsigned *out);

/*
 * The main loop: sleep on xenstore watches, the datapath threads' wake
 * eventfd and the signalfd; call on_wake when a thread asked for the main
 * thread, on_watch (once for any number of events) when xenstore changed.
 * Returns on SIGINT/SIGTERM.
 */
void ns_daemon_loop(struct xs_handle *xs, int wake_fd, int signal_fd,
                    void (*on_watch)(void *), void (*on_wake)(void *), void *arg);

/* Our domain id from the "domid" node of our home directory, else 0. */
unsigned ns_daemon_own_domid(struct xs_handle *xs);

#endif
