/*
 * Small, strict helpers over libxenstore for the xenbus handshake.
 *
 * Values written by a peer are untrusted: numbers are decimal digits only,
 * no sign, no spaces, within an explicit range.
 */
#ifndef NETSTAGE_COMMON_XS_UTIL_H
#define NETSTAGE_COMMON_XS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

/* xenbus device states (Xen's enum xenbus_state). */
enum ns_xenbus_state {
    NS_XB_UNKNOWN = 0,
    NS_XB_INITIALISING = 1,
    NS_XB_INITWAIT = 2,
    NS_XB_INITIALISED = 3,
    NS_XB_CONNECTED = 4,
    NS_XB_CLOSING = 5,
    NS_XB_CLOSED = 6,
    NS_XB_RECONFIGURING = 7,
    NS_XB_RECONFIGURED = 8,
};
const char *ns_xb_state_name(int state);

/* Parse a decimal value in [0, max].  0, or -1 for anything else. */
int xsu_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* Read a node into a NUL-terminated malloc'd string; NULL if absent. */
char *xsu_read(struct xs_handle *xs, xs_transaction_t t, const char *path);

/*
 * Read "dir/key" as a number in [min, max]: 0 on success, -ENOENT when the
 * node is absent, -EINVAL when it is malformed or out of range.
 */
int xsu_read_ulong(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
                   unsigned long min, unsigned long max, unsigned long *out);

/* "dir/key" is exactly "1". */
bool xsu_read_feature(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key);

/* Write "dir/key" = printf(fmt, ...).  0 or -1 (errno from libxenstore). */
int xsu_printf(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Run body in a transaction, retried as a whole while xenstored answers
 * EAGAIN (a bounded number of times).  body returns 0 to commit, -1 to
 * abort.  0 when committed, -1 with errno otherwise.
 */
int xsu_transact(struct xs_handle *xs, int (*body)(struct xs_handle *, xs_transaction_t, void *),
                 void *arg);

/* 0 if dir exists, else -1 with errno ENOENT: a transaction body's guard
 * against recreating a removed directory (see xsu_printf_present). */
int xsu_dir_present(struct xs_handle *xs, xs_transaction_t t, const char *dir);

/*
 * Write "dir/key" only while dir exists, in one transaction; -1 with errno
 * ENOENT once it is gone.  A plain write would recreate a directory the
 * toolstack has just removed (libxl removes a vif's directories while its
 * drivers are still reacting to the domain's death).
 */
int xsu_printf_present(struct xs_handle *xs, const char *dir, const char *key, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* The state in "dir/state": a valid state, or -1 if absent or malformed. */
int xsu_read_state(struct xs_handle *xs, const char *dir);
/* Written with xsu_printf_present. */
int xsu_write_state(struct xs_handle *xs, const char *dir, enum ns_xenbus_state state);

#endif
