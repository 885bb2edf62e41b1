/*
 * The toolstack's xenstore work when a simulated guest is created: the
 * domain's home, and per vif the frontend and backend directories with the
 * keys and permissions libxl writes (see
 * shared/reference/xen-without-hypervisor.md and netif-protocol-facts.md §3.1).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tools/netstage/cli.h"

struct kv {
    const char *key;
    char value[128];
};

static bool write_dir(struct xs_handle *xs, xs_transaction_t t, const char *dir,
                      struct xs_permissions *perms, unsigned nr_perms,
                      const struct kv *kvs, unsigned n)
{
    char path[256];
    if (!xs_mkdir(xs, t, dir) || !xs_set_permissions(xs, t, dir, perms, nr_perms))
        return false;
    for (unsigned i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, kvs[i].key);
        if (!xs_write(xs, t, path, kvs[i].value, strlen(kvs[i].value)) ||
            !xs_set_permissions(xs, t, path, perms, nr_perms))
            return false;
    }
    return true;
}

static bool write_vif(struct xs_handle *xs, xs_transaction_t t, uint32_t domid, unsigned devid,
                      const struct sim_vif_spec *vif)
{
    char fe[128], be[128];
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", domid, devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", domid, devid);
    /* Frontend: the guest owns it, the backend domain may read it. */
    struct xs_permissions fe_perms[] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
    /* Backend: dom0 owns it, the guest may read it. */
    struct xs_permissions be_perms[] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
    struct kv fe_kv[] = {
        { "backend", "" }, { "backend-id", "0" }, { "state", "1" }, { "handle", "" },
        { "mac", "" }, { "trusted", "1" },
    };
    snprintf(fe_kv[0].value, sizeof(fe_kv[0].value), "%s", be);
    snprintf(fe_kv[3].value, sizeof(fe_kv[3].value), "%u", devid);
    snprintf(fe_kv[4].value, sizeof(fe_kv[4].value), "%s", vif->mac);
    struct kv be_kv[] = {
        { "frontend", "" }, { "frontend-id", "" }, { "online", "1" }, { "state", "1" },
        { "script", "/etc/xen/scripts/vif-bridge" }, { "mac", "" }, { "bridge", "" },
        { "handle", "" }, { "type", "vif" }, { "hotplug-status", "" },
    };
    snprintf(be_kv[0].value, sizeof(be_kv[0].value), "%s", fe);
    snprintf(be_kv[1].value, sizeof(be_kv[1].value), "%u", domid);
    snprintf(be_kv[5].value, sizeof(be_kv[5].value), "%s", vif->mac);
    snprintf(be_kv[6].value, sizeof(be_kv[6].value), "%s", vif->bridge);
    snprintf(be_kv[7].value, sizeof(be_kv[7].value), "%u", devid);
    return write_dir(xs, t, fe, fe_perms, 2, fe_kv, sizeof(fe_kv) / sizeof(fe_kv[0])) &&
           write_dir(xs, t, be, be_perms, 2, be_kv, sizeof(be_kv) / sizeof(be_kv[0]));
}

static bool write_all(struct xs_handle *xs, xs_transaction_t t, uint32_t domid, const char *name,
                      const struct sim_vif_spec *vifs, unsigned nr_vifs)
{
    char home[64], dir[128];
    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    /* The home is dom0's, readable by the guest; the directories a guest
     * writes in are its own, as libxl sets them up. */
    struct xs_permissions ro[] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
    struct xs_permissions rw[] = { { domid, XS_PERM_NONE } };
    struct kv home_kv[] = { { "name", "" }, { "domid", "" } };
    snprintf(home_kv[0].value, sizeof(home_kv[0].value), "%s", name);
    snprintf(home_kv[1].value, sizeof(home_kv[1].value), "%u", domid);
    if (!write_dir(xs, t, home, ro, 1 + 1, home_kv, 2))
        return false;
    static const char *const guest_dirs[] = { "device", "data", "control", "drivers", "attr" };
    for (unsigned i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++) {
        snprintf(dir, sizeof(dir), "%s/%s", home, guest_dirs[i]);
        if (!write_dir(xs, t, dir, rw, 1, NULL, 0))
            return false;
    }
    snprintf(dir, sizeof(dir), "%s/device/vif", home);
    if (nr_vifs && !write_dir(xs, t, dir, rw, 1, NULL, 0))
        return false;
    for (unsigned i = 0; i < nr_vifs; i++)
        if (!write_vif(xs, t, domid, i, &vifs[i]))
            return false;
    return true;
}

int sim_write_domain_tree(struct xs_handle *xs, uint32_t domid, const char *name,
                          const struct sim_vif_spec *vifs, unsigned nr_vifs)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL)
            return -1;
        bool ok = write_all(xs, t, domid, name, vifs, nr_vifs);
        if (xs_transaction_end(xs, t, !ok) && ok)
            return 0;
        if (ok && errno != EAGAIN)
            return -1;
        if (!ok)
            return -1;
    }
    return -1;
}
