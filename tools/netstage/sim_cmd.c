/*
 * netstage sim: run a simulated Xen host (see xensim/ and
 * docs/architecture.md).
 *
 *   netstage sim up       [--host DIR]            start hypervisor + xenstored
 *   netstage sim create   [--host DIR] NAME [--vifs N] [--bridge BR]
 *   netstage sim list     [--host DIR]
 *   netstage sim exec     [--host DIR] NAME -- CMD [ARG...]
 *   netstage sim destroy  [--host DIR] NAME
 *   netstage sim down     [--host DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/netstage/cli.h"
#include "xensim/include/xensim.h"
#include "xensim/simhost.h"

#define MAX_VIFS 8

static const char sim_usage[] =
    "usage: netstage sim SUBCOMMAND [--host DIR] ...\n"
    "\n"
    "A simulated Xen host: a hypervisor daemon standing in for Xen's grant tables\n"
    "and event channels, Debian's real xenstored on top of it, and guest domains\n"
    "that are ordinary processes.  Programs run in a domain with `sim exec` use the\n"
    "stock libxengnttab/libxenevtchn/libxenstore API and get the simulation.\n"
    "\n"
    "  up                          start a host (hypervisor, xenstored, dom0)\n"
    "  create NAME [--vifs N] [--bridge BR] [--mac MAC]\n"
    "                              create a guest with N vifs (default 1), as libxl does\n"
    "  list                        list the host's domains\n"
    "  exec NAME -- CMD [ARG...]   run CMD as domain NAME (Domain-0 for dom0)\n"
    "  destroy NAME                destroy a guest and release everything it held\n"
    "  down                        stop the host and remove its directory\n"
    "\n"
    "--host DIR selects the host directory (default $XENSIM_HOST, else "
    SIM_DEFAULT_HOST ").\n"
    "Several hosts can run side by side in different directories.\n";

const char *sim_host_dir(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv(XENSIM_ENV_HOST);
    return env && *env ? env : SIM_DEFAULT_HOST;
}

int cli_find_near_self(char *buf, size_t len, const char *const *rel, size_t nrel,
                       const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    for (size_t i = 0; i < nrel; i++) {
        int m = snprintf(buf, len, "%s/%s/%s", exe, rel[i], name);
        if (m > 0 && (size_t)m < len && access(buf, R_OK) == 0)
            return 0;
    }
    errno = ENOENT;
    return -1;
}

int sim_tool_path(char *buf, size_t len, const char *name)
{
    /* Build tree: <build>/bin/netstage -> <build>/xensim/NAME.
     * Installed:  <prefix>/bin/netstage  -> <prefix>/lib/netstage/NAME. */
    static const char *const rel[] = { "../xensim", "../lib/netstage" };
    return cli_find_near_self(buf, len, rel, sizeof(rel) / sizeof(rel[0]), name);
}

struct xs_handle *sim_xs_open(const char *host)
{
    char sock[PATH_MAX];
    if (sim_path(sock, sizeof(sock), host, "xenstored/socket") < 0)
        return NULL;
    setenv("XENSTORED_PATH", sock, 1);
    return xs_open(0);
}

int sim_domid_by_name(struct xs_handle *xs, const char *name, uint32_t *domid)
{
    if (!strcmp(name, "Domain-0")) {
        *domid = 0;
        return 0;
    }
    unsigned int n = 0;
    char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
    int rc = -1;
    for (unsigned int i = 0; ids && i < n && rc < 0; i++) {
        char path[128];
        unsigned int len;
        snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
        char *v = xs_read(xs, XBT_NULL, path, &len);
        if (v && !strcmp(v, name) && sim_parse_u32(ids[i], SIM_MAX_DOMID, domid) == 0)
            rc = 0;
        free(v);
    }
    free(ids);
    return rc;
}

/* Pull "--host DIR" out of argv (anywhere before "--"); returns new argc. */
static int take_host(int argc, char **argv, const char **host)
{
    int out = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (!strcmp(argv[i], "--host") && i + 1 < argc) {
            *host = argv[++i];
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;                /* exec needs the shortened list terminated */
    return out;
}

static int hv_pid(const char *host, pid_t *pid)
{
    char path[PATH_MAX], buf[32];
    uint32_t v;
    if (sim_path(path, sizeof(path), host, "hv.pid") < 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (sim_parse_u32(buf, INT32_MAX, &v) < 0)
        return -1;
    *pid = (pid_t)v;
    return 0;
}

static int host_running(const char *host)
{
    pid_t pid;
    return hv_pid(host, &pid) == 0 && kill(pid, 0) == 0;
}

/* A daemon keeps only stdin/out/err and keep_fd: an inherited pipe would
 * hold up whoever waits for its end (a shell's $(...), a test harness). */
static void close_inherited_fds(int keep_fd)
{
    for (int fd = 3; fd < 1024; fd++)
        if (fd != keep_fd)
            close(fd);
}

static int sim_up(const char *host)
{
    char hv_bin[PATH_MAX], lib[PATH_MAX], path[PATH_MAX];
    if (host_running(host))
        return cli_fail("a simulated host is already running in %s", host);
    if (sim_tool_path(hv_bin, sizeof(hv_bin), "xensim-hv") < 0 ||
        sim_tool_path(lib, sizeof(lib), "libxensim.so") < 0)
        return cli_fail("cannot find xensim-hv and libxensim.so next to this program");
    if (access("/usr/lib/xen-4.17/bin/xenstored", X_OK) != 0 && !getenv("XENSIM_XENSTORED"))
        return cli_fail("xenstored not found: install xen-utils-4.17 (run `make deps`)");
    if (mkdir(host, 0700) < 0 && errno != EEXIST)
        return cli_fail("cannot create %s: %s", host, strerror(errno));
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return cli_fail("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        return cli_fail("fork: %s", strerror(errno));
    if (pid == 0) {
        char fdarg[16];
        setsid();
        close(ready[0]);
        fcntl(ready[1], F_SETFD, 0);
        snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
        if (sim_path(path, sizeof(path), host, "hv.log") == 0) {
            int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (log >= 0) {
                dup2(log, 1);
                dup2(log, 2);
            }
        }
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        close_inherited_fds(ready[1]);
        execl(hv_bin, hv_bin, host, lib, fdarg, (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    char pidbuf[32];
    int n = snprintf(pidbuf, sizeof(pidbuf), "%d\n", (int)pid);
    int pfd = -1;
    if (sim_path(path, sizeof(path), host, "hv.pid") == 0)
        pfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (pfd < 0 || write(pfd, pidbuf, (size_t)n) != n)
        return cli_fail("cannot write %s", path);
    close(pfd);
    struct pollfd p = { .fd = ready[0], .events = POLLIN };
    char ok = 0;
    if (poll(&p, 1, 15000) != 1 || read(ready[0], &ok, 1) != 1 || ok != 1) {
        kill(pid, SIGKILL);
        return cli_fail("the simulated host did not come up; see %s/hv.log and "
                        "%s/xenstored.log", host, host);
    }
    close(ready[0]);
    printf("simulated Xen host up in %s (hypervisor pid %d)\n", host, (int)pid);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int sim_down(const char *host)
{
    pid_t pid;
    char marker[PATH_MAX];
    if (hv_pid(host, &pid) < 0)
        return cli_fail("no simulated host in %s", host);
    if (kill(pid, 0) == 0) {
        if (xensim_host_shutdown(host) < 0)
            kill(pid, SIGKILL);
        for (int i = 0; i < 500 && kill(pid, 0) == 0; i++) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            waitpid(pid, NULL, WNOHANG);
        }
        if (kill(pid, 0) == 0)
            kill(pid, SIGKILL);
    }
    /* Only a directory that holds a host's pid file is removed. */
    if (sim_path(marker, sizeof(marker), host, "hv.pid") == 0 && access(marker, F_OK) == 0 &&
        nftw(host, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        return cli_fail("cannot remove %s: %s", host, strerror(errno));
    printf("simulated Xen host in %s stopped\n", host);
    return 0;
}

/* Start the guest's kernel and return its xenstore event-channel port. */
static int start_guest_kernel(const char *host, uint32_t domid, int *port_out)
{
    char bin[PATH_MAX], lib[PATH_MAX], log[PATH_MAX];
    int rep[2];
    if (sim_tool_path(bin, sizeof(bin), "xensim-domain") < 0 ||
        sim_tool_path(lib, sizeof(lib), "libxensim.so") < 0 ||
        sim_path(log, sizeof(log), host, "dom%u.log", domid) < 0 || pipe2(rep, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char fdarg[16], id[16];
        setsid();
        close(rep[0]);
        fcntl(rep[1], F_SETFD, 0);
        snprintf(fdarg, sizeof(fdarg), "%d", rep[1]);
        snprintf(id, sizeof(id), "%u", domid);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        close_inherited_fds(rep[1]);
        setenv(XENSIM_ENV_HOST, host, 1);
        setenv(XENSIM_ENV_DOMID, id, 1);
        execl(bin, bin, fdarg, (char *)NULL);
        _exit(127);
    }
    close(rep[1]);
    char buf[16] = { 0 };
    struct pollfd p = { .fd = rep[0], .events = POLLIN };
    ssize_t n = poll(&p, 1, 10000) == 1 ? read(rep[0], buf, sizeof(buf) - 1) : -1;
    close(rep[0]);
    uint32_t port;
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (n <= 0 || sim_parse_u32(buf, SIM_NR_PORTS - 1, &port) < 0) {
        errno = EIO;
        return -1;
    }
    *port_out = (int)port;
    return 0;
}

static int sim_create(const char *host, int argc, char **argv)
{
    const char *name = NULL, *bridge = "xenbr0", *mac = NULL;
    uint32_t nr_vifs = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--vifs") && i + 1 < argc) {
            if (sim_parse_u32(argv[++i], MAX_VIFS, &nr_vifs) < 0)
                return cli_fail("--vifs takes a number from 0 to %d", MAX_VIFS);
        } else if (!strcmp(argv[i], "--bridge") && i + 1 < argc) {
            bridge = argv[++i];
        } else if (!strcmp(argv[i], "--mac") && i + 1 < argc) {
            mac = argv[++i];
        } else if (argv[i][0] != '-' && !name) {
            name = argv[i];
        } else {
            return cli_fail("sim create: unexpected argument '%s'", argv[i]);
        }
    }
    if (!name || !*name || strlen(name) > 64 || strchr(name, '/'))
        return cli_fail("sim create: give the guest a NAME (up to 64 characters, no '/')");
    if (strlen(bridge) >= sizeof(((struct sim_vif_spec *)0)->bridge))
        return cli_fail("sim create: bridge name too long");
    unsigned int m[6];
    if (mac && (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6 ||
                strlen(mac) != 17))
        return cli_fail("sim create: --mac wants aa:bb:cc:dd:ee:ff, not '%s'", mac);

    struct xs_handle *xs = sim_xs_open(host);
    if (!xs)
        return cli_fail("no simulated host in %s (run `netstage sim up`)", host);
    uint32_t existing, domid;
    if (sim_domid_by_name(xs, name, &existing) == 0)
        return cli_fail("a domain named '%s' already exists (domid %u)", name, existing);
    if (xensim_domain_create(host, &domid) < 0)
        return cli_fail("cannot create a domain: %s", strerror(errno));
    int port;
    if (start_guest_kernel(host, domid, &port) < 0) {
        xensim_domain_destroy(host, domid);
        return cli_fail("d%u: the guest kernel did not start; see %s/dom%u.log", domid, host,
                        domid);
    }
    if (!xs_introduce_domain(xs, domid, SIM_FRAME_XENSTORE, (unsigned int)port)) {
        xensim_domain_destroy(host, domid);
        return cli_fail("d%u: xenstored refused to introduce it: %s", domid, strerror(errno));
    }
    struct sim_vif_spec vifs[MAX_VIFS];
    for (uint32_t i = 0; i < nr_vifs; i++) {
        /* Xen's OUI, then the domid and devid: unique on this host. */
        if (mac && i == 0)
            snprintf(vifs[i].mac, sizeof(vifs[i].mac), "%s", mac);
        else
            snprintf(vifs[i].mac, sizeof(vifs[i].mac), "00:16:3e:%02x:%02x:%02x",
                     (domid >> 8) & 0xffu, domid & 0xffu, i & 0xffu);
        snprintf(vifs[i].bridge, sizeof(vifs[i].bridge), "%s", bridge);
    }
    if (sim_write_domain_tree(xs, domid, name, vifs, nr_vifs) < 0) {
        xensim_domain_destroy(host, domid);
        return cli_fail("d%u: cannot write its xenstore tree: %s", domid, strerror(errno));
    }
    xs_close(xs);
    printf("%u\n", domid);
    return 0;
}

static int sim_list(const char *host)
{
    struct xensim_domain_info doms[XENSIM_MAX_DOMAINS];
    struct xs_handle *xs = sim_xs_open(host);
    int n = xs ? xensim_domain_list(host, doms, XENSIM_MAX_DOMAINS) : -1;
    if (n < 0)
        return cli_fail("no simulated host in %s", host);
    printf("%-24s %5s  %s\n", "Name", "ID", "State");
    for (int i = 0; i < n; i++) {
        char path[64];
        unsigned int len;
        snprintf(path, sizeof(path), "/local/domain/%u/name", doms[i].domid);
        char *name = xs_read(xs, XBT_NULL, path, &len);
        printf("%-24s %5u  %s\n", name ? name : "(none)", doms[i].domid,
               doms[i].dying ? "dying" : "running");
        free(name);
    }
    xs_close(xs);
    return 0;
}

static int sim_exec(const char *host, int argc, char **argv)
{
    char lib[PATH_MAX], sock[PATH_MAX], preload[3 * PATH_MAX], id[16];
    if (argc < 4 || strcmp(argv[2], "--"))
        return cli_fail("usage: netstage sim exec NAME -- CMD [ARG...]");
    struct xs_handle *xs = sim_xs_open(host);
    uint32_t domid;
    if (!xs)
        return cli_fail("no simulated host in %s", host);
    if (sim_domid_by_name(xs, argv[1], &domid) < 0)
        return cli_fail("no domain named '%s' on %s", argv[1], host);
    xs_close(xs);
    if (sim_tool_path(lib, sizeof(lib), "libxensim.so") < 0)
        return cli_fail("cannot find libxensim.so next to this program");
    if (domid == 0)
        sim_path(sock, sizeof(sock), host, "xenstored/socket");
    else
        sim_path(sock, sizeof(sock), host, "dom%u/xenstore.sock", domid);
    /* The one switch between Xen and the simulation: put libxensim in front
     * of Debian's libxengnttab/libxenevtchn (sanitizer runtimes first when
     * the library is a sanitized build). */
    const char *extra = getenv("XENSIM_PRELOAD_EXTRA");
    const char *old = getenv("LD_PRELOAD");
    snprintf(preload, sizeof(preload), "%s%s%s%s%s", extra ? extra : "", extra ? " " : "", lib,
             old ? " " : "", old ? old : "");
    snprintf(id, sizeof(id), "%u", domid);
    setenv("LD_PRELOAD", preload, 1);
    setenv(XENSIM_ENV_HOST, host, 1);
    setenv(XENSIM_ENV_DOMID, id, 1);
    setenv("XENSTORED_PATH", sock, 1);
    /* The host's daemons publish their counters in the host directory
     * unless told otherwise: `netstage stat --run-dir HOST/run` reads them. */
    if (!getenv("NETSTAGE_RUN_DIR")) {
        char run[PATH_MAX];

        sim_path(run, sizeof(run), host, "run");
        setenv("NETSTAGE_RUN_DIR", run, 1);
    }
    execvp(argv[3], argv + 3);
    return cli_fail("cannot run %s: %s", argv[3], strerror(errno));
}

static int sim_destroy(const char *host, const char *name)
{
    struct xs_handle *xs = sim_xs_open(host);
    uint32_t domid;
    if (!xs)
        return cli_fail("no simulated host in %s", host);
    if (sim_domid_by_name(xs, name, &domid) < 0 || domid == 0)
        return cli_fail("no guest named '%s' on %s", name, host);
    xs_close(xs);
    if (xensim_domain_destroy(host, domid) < 0)
        return cli_fail("cannot destroy d%u: %s", domid, strerror(errno));
    /* Like xl destroy, return once the domain is gone, or say what holds it. */
    for (int i = 0; i < 500; i++) {
        struct xensim_domain_info doms[XENSIM_MAX_DOMAINS];
        int n = xensim_domain_list(host, doms, XENSIM_MAX_DOMAINS), found = 0;
        for (int j = 0; j < n; j++)
            found |= doms[j].domid == domid;
        if (n >= 0 && !found)
            return 0;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    struct xensim_domain_usage u;
    if (xensim_domain_usage(host, domid, &u) == 0)
        fprintf(stderr, "netstage: d%u is dying but %u of its pages are still mapped by "
                "other domains\n", domid, u.foreign_maps);
    return 1;
}

int cmd_sim(int argc, char **argv)
{
    const char *host_opt = NULL;
    argc = take_host(argc, argv, &host_opt);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(sim_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *host = sim_host_dir(host_opt);
    const char *sub = argv[1];
    if (!strcmp(sub, "up"))
        return sim_up(host);
    if (!strcmp(sub, "down"))
        return sim_down(host);
    if (!strcmp(sub, "create"))
        return sim_create(host, argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return sim_list(host);
    if (!strcmp(sub, "exec"))
        return sim_exec(host, argc - 1, argv + 1);
    if (!strcmp(sub, "destroy") && argc == 3)
        return sim_destroy(host, argv[2]);
    fprintf(stderr, "netstage sim: unknown or incomplete subcommand '%s'\n", sub);
    fputs(sim_usage, stderr);
    return 2;
}
