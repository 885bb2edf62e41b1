/*
 * How a datapath thread asks the main thread to take a vif down.
 *
 * The thread records the first reason (later ones, from other queues, are
 * dropped), marks the vif and wakes the main thread through an eventfd;
 * from then on it touches nothing the peer shares.  The main thread, which
 * owns xenstore, takes the reason and tears the vif down.
 */
#ifndef NETSTAGE_COMMON_FATAL_H
#define NETSTAGE_COMMON_FATAL_H

#include <stdbool.h>

struct ns_fatal {
    int state;              /* 0 clear, 1 reason being written, 2 raised */
    char reason[160];
};

/* From a datapath thread: raise with "queue N: <reason>" and wake wake_fd. */
void ns_fatal_raise(struct ns_fatal *f, int wake_fd, unsigned queue, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Anything raised (or being raised)?  The datapath stops at once on true. */
bool ns_fatal_pending(const struct ns_fatal *f);

/* From the main thread: true if raised (the reason is complete). */
bool ns_fatal_raised(const struct ns_fatal *f);

/* From the main thread, after the vif is torn down: clear for the next connection. */
void ns_fatal_clear(struct ns_fatal *f);

#endif
