/*
 * netstage config check|apply DOMAIN.cfg: netstage's per-vif settings from
 * an xl domain config (read with libxlutil, xl's own parser) into the
 * backend directory of each of the domain's vifs, where netstage-back reads
 * them (backend/vif_opts.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxlutil.h>

#include "common/xs_util.h"
#include "tools/netstage/cli.h"
#include "tools/netstage/vif_settings.h"

static const char config_usage[] =
    "usage: netstage config check DOMAIN.cfg\n"
    "       netstage config apply DOMAIN.cfg\n"
    "\n"
    "Read netstage's per-vif settings from an xl domain config:\n"
    "\n"
    "    vif          = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]\n"
    "    netstage_vif = [ 'staging=on,slot-len-max=512,queues=1' ]\n"
    "\n"
    "The Nth netstage_vif entry belongs to the Nth vif.  Options: staging=on|off,\n"
    "slot-len-max=64..4096 (a power of two), queues=1..16 (at most netstage-back's\n"
    "--queues).  An option left out keeps netstage-back's default.\n"
    "\n"
    "check  only parses and prints the settings.\n"
    "apply  writes them into the backend directory of each vif of the running\n"
    "       domain named in the file, for netstage-back.  They are read before\n"
    "       the frontend connects, so create the domain paused:\n"
    "         xl create -p DOMAIN.cfg && netstage config apply DOMAIN.cfg && xl unpause NAME\n"
    "       A vif already connected gets them at its next connection.\n";

#define MAX_VIFS 64

struct vif_entry {
    unsigned devid;
    struct vif_settings s;
};

/* The line of a list entry, for messages: the first line at or after the
 * setting's own line that contains the entry's text. */
static unsigned entry_line(const char *path, const char *setting, const char *item)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    unsigned n = 0, found = 0;
    bool in_setting = false;
    size_t klen = strlen(setting);

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        const char *p = line;

        n++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!in_setting && !strncmp(p, setting, klen) &&
            (p[klen] == ' ' || p[klen] == '=' || p[klen] == '\t')) {
            in_setting = true;
            found = n;
        }
        if (in_setting && strstr(line, item)) {
            found = n;
            break;
        }
    }
    fclose(f);
    return found;
}

/* 0 with entries filled, or the exit status after an error message. */
static int read_config(const char *path, char *name, size_t namelen, struct vif_entry *v,
                       unsigned *nr)
{
    XLU_Config *cfg = xlu_cfg_init(stderr, path);
    XLU_ConfigList *vifs = NULL, *ns = NULL;
    int nr_vifs = 0, nr_ns = 0, rc = 1;
    const char *dom;

    if (!cfg)
        return cli_fail("%s: cannot set up the config parser", path);
    if (xlu_cfg_readfile(cfg, path)) {
        /* libxlutil has printed file:line and the syntax error. */
        xlu_cfg_destroy(cfg);
        return cli_fail("%s: not a valid xl domain config", path);
    }
    if (xlu_cfg_get_string(cfg, "name", &dom, 1)) {
        cli_fail("%s: the domain config has no name", path);
        goto out;
    }
    snprintf(name, namelen, "%s", dom);
    if (xlu_cfg_get_list(cfg, VIF_SETTINGS_KEY, &ns, &nr_ns, 1)) {
        printf("%s: no %s setting: nothing to do\n", path, VIF_SETTINGS_KEY);
        *nr = 0;
        rc = 0;
        goto out;
    }
    xlu_cfg_get_list(cfg, "vif", &vifs, &nr_vifs, 1);
    if (nr_ns > nr_vifs) {
        cli_fail("%s:%u: %s has %d entries but vif has %d", path,
                 entry_line(path, VIF_SETTINGS_KEY, VIF_SETTINGS_KEY), VIF_SETTINGS_KEY, nr_ns,
                 nr_vifs);
        goto out;
    }
    if (nr_ns > MAX_VIFS) {
        cli_fail("%s: more than %d vifs", path, MAX_VIFS);
        goto out;
    }
    for (int i = 0; i < nr_ns; i++) {
        const char *item = xlu_cfg_get_listitem(ns, i);
        const char *vif = xlu_cfg_get_listitem(vifs, i);
        char err[160];

        if (!item) {
            cli_fail("%s:%u: %s[%d] is not a string", path,
                     entry_line(path, VIF_SETTINGS_KEY, VIF_SETTINGS_KEY), VIF_SETTINGS_KEY, i);
            goto out;
        }
        if (vif_settings_parse(item, &v[i].s, err, sizeof(err)) < 0) {
            cli_fail("%s:%u: %s[%d]: %s", path, entry_line(path, VIF_SETTINGS_KEY, item),
                     VIF_SETTINGS_KEY, i, err);
            goto out;
        }
        if (!vif || vif_spec_devid(vif, (unsigned)i, &v[i].devid) < 0) {
            cli_fail("%s:%u: vif[%d] has a bad devid", path, entry_line(path, "vif", vif ? vif : "vif"),
                     i);
            goto out;
        }
    }
    *nr = (unsigned)nr_ns;
    rc = 0;
out:
    xlu_cfg_destroy(cfg);
    return rc;
}

static void print_settings(const char *name, const struct vif_entry *v)
{
    printf("%s vif devid %u: staging %s, slot-len-max %s%.0u, queues %s%.0u\n", name, v->devid,
           v->s.staging == 2 ? "on" : v->s.staging == 1 ? "off" : "default",
           v->s.slot_len_max ? "" : "default", v->s.slot_len_max, v->s.queues ? "" : "default",
           v->s.queues);
}

static bool put(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
                unsigned value, bool set)
{
    char path[256];

    if (!set) {
        snprintf(path, sizeof(path), "%s/%s", dir, key);
        return xs_rm(xs, t, path) || errno == ENOENT;
    }
    return xsu_printf(xs, t, dir, key, "%u", value) == 0;
}

struct apply_ctx {
    const char *be_dir;
    const struct vif_settings *s;
};

/* Every key set or removed, so a re-apply is exact. */
static int apply_body(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
    const struct apply_ctx *c = arg;
    const struct vif_settings *s = c->s;

    if (xsu_dir_present(xs, t, c->be_dir) < 0)
        return -1;
    return put(xs, t, c->be_dir, "netstage-staging", s->staging == 2, s->staging != 0) &&
                   put(xs, t, c->be_dir, "netstage-slot-len-max", s->slot_len_max,
                       s->slot_len_max) &&
                   put(xs, t, c->be_dir, "netstage-queues", s->queues, s->queues)
               ? 0
               : -1;
}

static int apply_vif(struct xs_handle *xs, const char *be_dir, const struct vif_settings *s)
{
    struct apply_ctx c = { be_dir, s };

    return xsu_transact(xs, apply_body, &c);
}

/*
 * The guest owns its frontend directory, "backend" key included: before
 * dom0 writes anywhere on its word, the path must be a vif backend
 * directory for this very vif, /local/domain/B/backend/vif/DOMID/DEVID,
 * whose "frontend" key (written by the toolstack into the backend's
 * domain) points back at the vif.
 */
static int check_backend_dir(struct xs_handle *xs, const char *be_dir, uint32_t domid,
                             unsigned devid, char *why, size_t whylen)
{
    unsigned b, d, v, len;
    char expect[128], path[300];
    char *fe;
    bool ok = sscanf(be_dir, "/local/domain/%u/backend/vif/%u/%u", &b, &d, &v) == 3 &&
              d == domid && v == devid && b != domid; /* not a "backend" in the guest itself */

    /* Printed back from the numbers and compared, so "+0", "00" or a tail cannot pass. */
    if (ok) {
        snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%u", b, d, v);
        ok = !strcmp(path, be_dir);
    }
    if (!ok) {
        snprintf(why, whylen, "its backend path \"%.100s\" is not a vif backend directory of "
                 "this vif", be_dir);
        return -1;
    }
    snprintf(expect, sizeof(expect), "/local/domain/%u/device/vif/%u", domid, devid);
    snprintf(path, sizeof(path), "%s/frontend", be_dir);
    fe = xs_read(xs, XBT_NULL, path, &len);
    if (!fe || strcmp(fe, expect)) {
        snprintf(why, whylen, "%.100s/frontend does not name %.60s", be_dir, expect);
        free(fe);
        return -1;
    }
    free(fe);
    return 0;
}

static int apply(const char *path, const char *name, const struct vif_entry *v, unsigned nr)
{
    struct xs_handle *xs = xs_open(0);
    uint32_t domid;
    int rc = 0;

    if (!xs)
        return cli_fail("cannot open xenstore: %s (run in dom0, as root)", strerror(errno));
    if (sim_domid_by_name(xs, name, &domid) < 0) {
        xs_close(xs);
        return cli_fail("%s: no running domain is named '%s' (create it first: xl create -p %s)",
                        path, name, path);
    }
    for (unsigned i = 0; i < nr; i++) {
        char fe_path[128], st_path[300], why[200];
        char *be_dir, *state;
        unsigned len;

        snprintf(fe_path, sizeof(fe_path), "/local/domain/%u/device/vif/%u/backend", domid,
                 v[i].devid);
        be_dir = xs_read(xs, XBT_NULL, fe_path, &len);
        if (!be_dir) {
            rc = cli_fail("%s (domain %u) has no vif with devid %u", name, domid, v[i].devid);
            continue;
        }
        if (check_backend_dir(xs, be_dir, domid, v[i].devid, why, sizeof(why)) < 0) {
            rc = cli_fail("%s (domain %u) vif %u: %s; nothing written", name, domid, v[i].devid,
                          why);
            free(be_dir);
            continue;
        }
        if (apply_vif(xs, be_dir, &v[i].s) < 0) {
            rc = cli_fail("cannot write the settings into %s: %s", be_dir, strerror(errno));
            free(be_dir);
            continue;
        }
        print_settings(name, &v[i]);
        printf("  written to %s\n", be_dir);
        snprintf(st_path, sizeof(st_path), "%s/state", be_dir);
        state = xs_read(xs, XBT_NULL, st_path, &len);
        if (state && !strcmp(state, "4"))
            printf("  the vif is connected: the settings apply at its next connection\n");
        free(state);
        free(be_dir);
    }
    xs_close(xs);
    return rc;
}

int cmd_config(int argc, char **argv)
{
    struct vif_entry v[MAX_VIFS];
    char name[128];
    unsigned nr = 0;
    int rc;

    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(config_usage, stdout);
        return 0;
    }
    if (argc != 3 || (strcmp(argv[1], "check") && strcmp(argv[1], "apply"))) {
        fputs(config_usage, stderr);
        return 2;
    }
    rc = read_config(argv[2], name, sizeof(name), v, &nr);
    if (rc)
        return rc;
    if (!strcmp(argv[1], "check")) {
        for (unsigned i = 0; i < nr; i++)
            print_settings(name, &v[i]);
        return 0;
    }
    return nr ? apply(argv[2], name, v, nr) : 0;
}
