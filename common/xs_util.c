/* Strict xenstore reads and small writes (see xs_util.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xs_util.h"

const char *ns_xb_state_name(int state)
{
    static const char *const names[] = { "Unknown",   "Initialising", "InitWait",
                                         "Initialised", "Connected",  "Closing",
                                         "Closed",    "Reconfiguring", "Reconfigured" };
    if (state < 0 || state > NS_XB_RECONFIGURED)
        return "invalid";
    return names[state];
}

int xsu_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        unsigned long d = (unsigned long)(*s - '0');

        if (*s < '0' || *s > '9')
            return -1;
        /* v * 10 + d <= max, without overflow; d > max first, or max - d wraps. */
        if (d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

char *xsu_read(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
    unsigned int len;
    char *v = xs_read(xs, t, path, &len);
    char *s;

    if (!v)
        return NULL;
    /* libxenstore NUL-terminates, but a value may itself contain NULs. */
    s = strndup(v, len);
    free(v);
    return s;
}

int xsu_read_ulong(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
                   unsigned long min, unsigned long max, unsigned long *out)
{
    char path[256];
    char *v;
    unsigned long n;
    int rc;

    if (snprintf(path, sizeof(path), "%s/%s", dir, key) >= (int)sizeof(path))
        return -EINVAL;
    v = xsu_read(xs, t, path);
    if (!v)
        return -ENOENT;
    rc = xsu_parse_ulong(v, max, &n);
    free(v);
    if (rc < 0 || n < min)
        return -EINVAL;
    *out = n;
    return 0;
}

bool xsu_read_feature(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key)
{
    unsigned long v;
    return xsu_read_ulong(xs, t, dir, key, 0, 1, &v) == 0 && v == 1;
}

/* Format a value to write; 0, or -1 with EINVAL when it does not fit. */
static int format_value(char *value, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(value, size, fmt, ap);

    if (n < 0 || (size_t)n >= size) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static int write_value(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
                       const char *value)
{
    char path[256];

    if (snprintf(path, sizeof(path), "%s/%s", dir, key) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return xs_write(xs, t, path, value, (unsigned)strlen(value)) ? 0 : -1;
}

int xsu_printf(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
               const char *fmt, ...)
{
    char value[256];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = format_value(value, sizeof(value), fmt, ap);
    va_end(ap);
    return rc < 0 ? -1 : write_value(xs, t, dir, key, value);
}

int xsu_read_state(struct xs_handle *xs, const char *dir)
{
    unsigned long v;

    if (xsu_read_ulong(xs, XBT_NULL, dir, "state", 0, NS_XB_RECONFIGURED, &v) < 0)
        return -1;
    return (int)v;
}

#define XSU_TRANSACTION_RETRIES 16

struct present_write {
    const char *dir, *key, *value;
};

int xsu_dir_present(struct xs_handle *xs, xs_transaction_t t, const char *dir)
{
    unsigned len;
    char *cur = xs_read(xs, t, dir, &len);

    if (!cur) {
        errno = ENOENT;
        return -1;
    }
    free(cur);
    return 0;
}

static int present_write_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
    const struct present_write *w = arg;

    if (xsu_dir_present(xs, t, w->dir) < 0)
        return -1;
    return write_value(xs, t, w->dir, w->key, w->value);
}

int xsu_printf_present(struct xs_handle *xs, const char *dir, const char *key, const char *fmt,
                       ...)
{
    char value[256];
    struct present_write w = { dir, key, value };
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = format_value(value, sizeof(value), fmt, ap);
    va_end(ap);
    return rc < 0 ? -1 : xsu_transact(xs, present_write_body, &w);
}

int xsu_write_state(struct xs_handle *xs, const char *dir, enum ns_xenbus_state state)
{
    return xsu_printf_present(xs, dir, "state", "%d", (int)state);
}

int xsu_transact(struct xs_handle *xs, int (*body)(struct xs_handle *, xs_transaction_t, void *),
                 void *arg)
{
    int tries;

    for (tries = 0; tries < XSU_TRANSACTION_RETRIES; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);

        if (t == XBT_NULL)
            return -1;
        if (body(xs, t, arg) < 0) {
            int saved = errno;

            xs_transaction_end(xs, t, true);
            errno = saved;
            return -1;
        }
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return -1;
    }
    return -1;
}
