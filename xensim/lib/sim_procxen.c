/*
 * libxensim: xenstored opens /proc/xen/xsd_port (dom0's xenstore event
 * channel) and /proc/xen/xsd_kva (dom0's xenstore page).  In a simulated
 * dom0 those two opens go to the host directory instead; nothing else is
 * touched.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xensim/lib/sim_lib.h"

static const char *redirect(const char *path, char *buf, size_t len)
{
    static const char prefix[] = "/proc/xen/";
    const char *host;
    if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return path;
    const char *name = path + sizeof(prefix) - 1;
    if (strcmp(name, "xsd_port") != 0 && strcmp(name, "xsd_kva") != 0)
        return path;
    host = sim_env_host();
    if (!host || sim_path(buf, len, host, "procxen/%s", name) < 0)
        return path;
    return buf;
}

typedef int (*open_fn)(const char *, int, ...);
typedef FILE *(*fopen_fn)(const char *, const char *);

static int open_common(const char *sym, const char *path, int flags, mode_t mode)
{
    char buf[512];
    open_fn real = (open_fn)dlsym(RTLD_NEXT, sym);
    return real(redirect(path, buf, sizeof(buf)), flags, mode);
}

SIM_EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_common("open", path, flags, mode);
}

SIM_EXPORT int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_common("open64", path, flags, mode);
}

SIM_EXPORT FILE *fopen(const char *path, const char *mode)
{
    char buf[512];
    fopen_fn real = (fopen_fn)dlsym(RTLD_NEXT, "fopen");
    return real(redirect(path, buf, sizeof(buf)), mode);
}
