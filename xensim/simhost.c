/* Host directory paths and environment parsing shared by daemon and library. */
#include "xensim/simhost.h"
#include "xensim/include/xensim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int sim_path(char *buf, size_t len, const char *host, const char *fmt, ...)
{
    int n = snprintf(buf, len, "%s/", host);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0 || (size_t)m >= len - (size_t)n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

const char *sim_env_host(void)
{
    const char *h = getenv(XENSIM_ENV_HOST);
    if (!h || !*h) {
        errno = ENOENT;
        return NULL;
    }
    return h;
}

int sim_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    if (!s || *s < '0' || *s > '9') {
        errno = EINVAL;
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) {
        errno = EINVAL;
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int sim_env_domid(uint32_t *domid)
{
    const char *s = getenv(XENSIM_ENV_DOMID);
    if (!s || !*s) {
        *domid = 0;
        return 0;
    }
    return sim_parse_u32(s, SIM_MAX_DOMID, domid);
}
