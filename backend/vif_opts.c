/*
 * Per-vif settings from the toolstack.
 *
 * dom0 (the owner of the backend directory; the guest may only read it)
 * can override the daemon's defaults for one vif with netstage-* keys in
 * the vif's backend directory, written by `netstage config apply` from the
 * guest's xl config.  They are read whenever the vif enters InitWait and
 * again on every change while the frontend has not connected yet, so
 * `xl create -p` + apply + `xl unpause` gives the guest the settings from
 * its first connection.  A bad value is logged and the default kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "common/xs_util.h"

static void read_key(struct back_vif *vif, const char *key, unsigned long min,
                     unsigned long max, unsigned *value)
{
    unsigned long v;
    int rc = xsu_read_ulong(vif->be->xs, XBT_NULL, vif->be_dir, key, min, max, &v);

    if (rc == 0)
        *value = (unsigned)v;
    else if (rc != -ENOENT)
        ns_log_limited(&vif->opts_rl, NS_LOG_ERR, "%s: %s/%s is not a number in %lu..%lu; using %u",
                       vif->name, vif->be_dir, key, min, max, *value);
}

void back_vif_opts_read(struct back_vif *vif, struct back_vif_opts *out)
{
    const struct back_opts *d = &vif->be->opts;
    unsigned staging = d->staging, len = d->slot_len_max, queues = d->max_queues;

    read_key(vif, BACK_KEY_STAGING, 0, 1, &staging);
    read_key(vif, BACK_KEY_SLOT_LEN_MAX, XEN_NETIF_STAGING_LEN_MIN,
             XEN_NETIF_STAGING_LEN_MAX, &len);
    /* The TAP was opened with the daemon's queue count: more cannot be served. */
    read_key(vif, BACK_KEY_QUEUES, 1, d->max_queues, &queues);
    if (!XEN_NETIF_STAGING_LEN_VALID(len)) {
        ns_log_limited(&vif->opts_rl, NS_LOG_ERR, "%s: %s/%s = %u is not a power of two; using %u",
                       vif->name, vif->be_dir, BACK_KEY_SLOT_LEN_MAX, len, d->slot_len_max);
        len = d->slot_len_max;
    }
    out->staging = staging;
    out->slot_len_max = len;
    out->max_queues = queues;
}

bool back_vif_opts_equal(const struct back_vif_opts *a, const struct back_vif_opts *b)
{
    return a->staging == b->staging && a->slot_len_max == b->slot_len_max &&
           a->max_queues == b->max_queues;
}
