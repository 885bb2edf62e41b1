/*
 * netstage stat [--json] [--run-dir DIR] [VIF]: the counters the daemons
 * publish in the run directory (common/stats.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/netstage/cli.h"
#include "tools/netstage/stat.h"

static const char stat_usage[] =
    "usage: netstage stat [--json] [--run-dir DIR] [VIF]\n"
    "\n"
    "Show the per-queue counters that netstage-back and netstage-front publish for\n"
    "each vif they serve.  VIF selects one interface by name (vif5.0 in dom0, eth0\n"
    "in a guest): every role's file for that name is shown.  Without it, all are.\n"
    "\n"
    "  --json         print one JSON document instead of tables\n"
    "  --run-dir DIR  where the daemons publish (default $NETSTAGE_RUN_DIR,\n"
    "                 else /run/netstage)\n"
    "\n"
    "A file left behind by a daemon that is no longer running is shown as stale.\n"
    "The tables leave out drop, error and fallback counters while they are zero.\n";

struct stat_list {
    struct stat_vif *v;
    size_t n, cap;
};

static int list_add(struct stat_list *l, const struct stat_vif *one)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct stat_vif *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *one;
    return 0;
}

/* Hidden names are files still being built (ns_stats_create). */
static int is_stats_name(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len > 6 && !strcmp(name + len - 6, ".stats");
}

/* Read every stats file in dir whose vif is `vif` (every one when NULL);
 * damaged ones are reported and skipped.  Returns the exit status. */
static int read_run_dir(const char *dir, const char *vif, struct stat_list *l)
{
    DIR *d = opendir(dir);
    if (!d && errno == ENOENT)
        return cli_fail("no netstage daemon has published stats in %s", dir);
    if (!d)
        return cli_fail("cannot read %s: %s", dir, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        char path[PATH_MAX], err[PATH_MAX + 128];
        struct stat_vif one;
        if (!is_stats_name(e->d_name))
            continue;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            fprintf(stderr, "netstage: skipping %s/%s: path too long\n", dir, e->d_name);
            continue;
        }
        if (ns_stats_snapshot(path, &one.s, err, sizeof(err)) < 0) {
            /* Gone since readdir: its daemon stopped cleanly. */
            if (access(path, F_OK) == 0)
                fprintf(stderr, "netstage: skipping %s\n", err);
            continue;
        }
        if (vif && strcmp(one.s.vif, vif))
            continue;
        one.stale = ns_stats_stale(&one.s);
        if (list_add(l, &one) < 0)
            rc = cli_fail("out of memory");
    }
    closedir(d);
    return rc;
}

/* By vif name (vif5.0 before vif10.0), then role (back before front). */
static int by_vif(const void *a, const void *b)
{
    const struct ns_stats_file *x = &((const struct stat_vif *)a)->s;
    const struct ns_stats_file *y = &((const struct stat_vif *)b)->s;
    int c = strverscmp(x->vif, y->vif);
    return c ? c : strcmp(x->role, y->role);
}

int cmd_stat(int argc, char **argv)
{
    const char *dir = NULL, *vif = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(stat_usage, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--run-dir")) {
            if (i + 1 == argc)
                return cli_fail("stat: --run-dir needs a directory");
            dir = argv[++i];
        } else if (argv[i][0] != '-' && !vif) {
            vif = argv[i];
        } else {
            fprintf(stderr, "netstage stat: unexpected argument '%s'\n", argv[i]);
            fputs(stat_usage, stderr);
            return 2;
        }
    }
    if (!dir)
        dir = ns_run_dir();

    struct stat_list l = { 0 };
    int rc = read_run_dir(dir, vif, &l);
    if (rc == 0 && vif && l.n == 0)
        rc = cli_fail("no netstage daemon has published stats for %s in %s", vif, dir);
    if (rc == 0) {
        if (l.n)                     /* qsort's base must not be NULL */
            qsort(l.v, l.n, sizeof(*l.v), by_vif);
        if (json)
            stat_print_json(stdout, l.v, l.n);
        else if (l.n == 0)
            printf("no netstage daemon has published stats in %s\n", dir);
        else
            stat_print_table(stdout, l.v, l.n);
        if (fflush(stdout) == EOF || ferror(stdout))
            rc = cli_fail("cannot write the output: %s", strerror(errno));
    }
    free(l.v);
    return rc;
}
