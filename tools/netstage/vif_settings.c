/* Parsing of netstage_vif entries (vif_settings.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/netstage/vif_settings.h"

static int parse_unsigned(const char *s, unsigned long max, unsigned *out)
{
    char *end;
    unsigned long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int set_option(const char *key, const char *value, struct vif_settings *out, char *err,
                      size_t errlen)
{
    unsigned v;

    if (!strcmp(key, "staging")) {
        if (!strcmp(value, "on") || !strcmp(value, "1"))
            out->staging = 2;
        else if (!strcmp(value, "off") || !strcmp(value, "0"))
            out->staging = 1;
        else
            goto bad;
        return 0;
    }
    if (!strcmp(key, "slot-len-max")) {
        if (parse_unsigned(value, 4096, &v) < 0 || v < 64 || (v & (v - 1)))
            goto bad;
        out->slot_len_max = v;
        return 0;
    }
    if (!strcmp(key, "queues")) {
        if (parse_unsigned(value, VIF_SETTINGS_MAX_QUEUES, &v) < 0 || v == 0)
            goto bad;
        out->queues = v;
        return 0;
    }
    snprintf(err, errlen, "unknown option '%s' (known: staging, slot-len-max, queues)", key);
    return -1;
bad:
    snprintf(err, errlen, "bad value '%s' for %s (%s)", value, key,
             !strcmp(key, "staging") ? "on or off"
             : !strcmp(key, "queues") ? "1..16"
                                      : "a power of two in 64..4096");
    return -1;
}

int vif_settings_parse(const char *spec, struct vif_settings *out, char *err, size_t errlen)
{
    char *copy = strdup(spec), *save = NULL, *opt;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (opt = strtok_r(copy, ",", &save); opt && rc == 0; opt = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(opt, '=');

        while (*opt == ' ')
            opt++;
        if (!*opt)
            continue;
        if (!eq) {
            snprintf(err, errlen, "option '%s' has no value (write key=value)", opt);
            rc = -1;
            break;
        }
        *eq = '\0';
        rc = set_option(opt, eq + 1, out, err, errlen);
    }
    free(copy);
    return rc;
}

int vif_spec_devid(const char *vif_spec, unsigned index, unsigned *devid)
{
    const char *p = vif_spec;

    *devid = index;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        while (*p == ' ' && len) {
            p++;
            len--;
        }
        if (len > 6 && !strncmp(p, "devid=", 6)) {
            char num[16];

            if (len - 6 >= sizeof(num))
                return -1;
            memcpy(num, p + 6, len - 6);
            num[len - 6] = '\0';
            return parse_unsigned(num, 0xffff, devid);
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}
