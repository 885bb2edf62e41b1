/*
 * test_back_hostile.c - netstage-back against a hostile frontend
 * (docs/netif-staging.md sections 4 to 8, "Backend policy for bad input").
 *
 * This process is Domain-0 on a fresh simulated host, in a network
 * namespace of its own (the backend's TAPs vif<domid>.<devid> live there,
 * next to a bridge br0 that stays down, so the TAPs are isolated).  It runs
 * netstage-back --run-hotplug as a child and plays three frontends with
 * rawfront (tests/sim/rawfront.h), each a forked child of a guest domain:
 *
 *   hostile vif 0   the attacker, connected afresh by every test
 *   hostile vif 1   a well-behaved sibling on the same guest (staging on)
 *   good    vif 0   a well-behaved vif of a second guest (plain netif)
 *
 * After every attack both well-behaved vifs must still pass traffic: a
 * valid packet gets NETIF_RSP_OKAY and arrives, byte for byte, on its TAP
 * (seen with an AF_PACKET socket).  Tier a (drop) must answer every data
 * request with NETIF_RSP_ERROR and every extra with NETIF_RSP_NULL, deliver
 * nothing and leave the vif Connected; tier b (fatal) must write an `error`
 * node, go to Closing and release every mapping of the vif; connect-time
 * errors likewise, with nothing left mapped; a guest destroyed in the middle
 * of traffic must leave nothing mapped in the backend.
 *
 * Data ring mode (section 8): the hostile vif gives a ring of its own
 * (rawfront grants it, the test writes the records and out_prod); a broken
 * out ring is tier b and must also set in_error and out_error in the
 * interface page.  With whole records (8.7) the test also plays the
 * event indices of the interface page as a frontend does (it notifies
 * only when the backend asked) and checks the ones the backend writes.
 * The last case restarts the backend with --data-ring-max-order 0, after
 * the others.
 *
 * Every wait is bounded.  A check that fails prints what was expected, what
 * happened and the tail of the backend's log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <xenstore.h>

#include "common/stats.h"
#include "tests/sim/rawfront.h"
#include "tests/sim/simkid.h"
#include "tests/sim/simtest.h"

#define BINARY_MAX_SECONDS 285   /* run-tests.sh allows 300 */
#define LONG_KID_SECONDS   280   /* the two well-behaved frontends live for the whole run */
#define T_STATE   10000          /* ms: a state change the backend must make */
#define T_RSP     5000           /* ms: responses that must come */
#define T_QUIET   200            /* ms: proof that nothing (more) comes */
#define SLOT_LEN_MAX 2048        /* what the backend is started with */
#define ETH_TEST  0x88b5         /* local experimental ethertype */
#define JUNK      0xee           /* bytes the backend must not read or write */
#define BAD_GREF  30000u         /* never granted */

#define ST(s) (1u << (s))

static struct xs_handle *xs;
static pid_t back_pid;
static char run_dir[PATH_MAX], back_log[PATH_MAX + 16];
static uint32_t hostile_dom, good_dom;
static struct rfk *sib, *good, *hf;     /* hostile vif 1, good vif 0, hostile vif 0 */
static struct xensim_domain_usage hostile_base;
static uint32_t idle_maps_hostile, idle_maps_good;   /* xenstored's map of each xenstore page */
static uint32_t marker_seq = 0x1000;

/* ---- reporting ------------------------------------------------------------ */

static void dump_back_log(unsigned lines)
{
    FILE *f = fopen(back_log, "r");
    static char ring[64][512];
    unsigned n = 0, i;

    if (!f)
        return;
    while (fgets(ring[n % 64], sizeof(ring[0]), f))
        n++;
    fclose(f);
    if (lines > 64)
        lines = 64;
    fprintf(stderr, "  --- last lines of the backend log (%s):\n", back_log);
    for (i = n > lines ? n - lines : 0; i < n; i++)
        fprintf(stderr, "  | %s", ring[i % 64]);
}

static void report(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n%s:%d: check failed: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    dump_back_log(25);
}

#define CHECK(cond, ...)                                                 \
    do {                                                                 \
        if (!(cond)) {                                                   \
            report(__FILE__, __LINE__, #cond, __VA_ARGS__);              \
            fail();                                                      \
        }                                                                \
    } while (0)

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ---- the network namespace ------------------------------------------------ */

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc;

    if (fd < 0)
        return -1;
    rc = ioctl(fd, req, ifr);
    close(fd);
    return rc;
}

static int link_up(const char *name)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ifreq_ioctl(SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    ifr.ifr_flags |= IFF_UP;
    return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

static int set_mtu(const char *name, int mtu)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_mtu = mtu;
    return ifreq_ioctl(SIOCSIFMTU, &ifr);
}

static void write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd >= 0) {
        if (write(fd, s, strlen(s)) < 0)
            fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        close(fd);
    }
}

/*
 * A namespace of our own: the backend's TAPs, and br0 for vif-bridge to put
 * them on.  br0 stays down, so nothing is forwarded between the vifs, and
 * without IPv6 the kernel sends nothing of its own on them.
 */
static int netns_setup(void)
{
    int fd;

    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
        return -1;
    }
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    if (link_up("lo") < 0) {
        fprintf(stderr, "cannot bring lo up: %s\n", strerror(errno));
        return -1;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ioctl(fd, SIOCBRADDBR, "br0") < 0) {
        fprintf(stderr, "cannot create bridge br0: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- the CLI and the backend ---------------------------------------------- */

static const char *cli(void)
{
    const char *c = getenv("NETSTAGE");
    return c ? c : "netstage";
}

/* Run argv with stdout into out; its exit status. */
static int run_cli(char *const argv[], char *out, size_t out_len)
{
    int p[2];
    pid_t pid;
    size_t got = 0;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(p[1], 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    while (out && got + 1 < out_len && (n = read(p[0], out + got, out_len - 1 - got)) > 0)
        got += (size_t)n;
    if (out)
        out[got] = '\0';
    close(p[0]);
    return simkid_reap_pid(pid, 30000);
}

static int create_guest(const char *name, unsigned nvifs, uint32_t *domid)
{
    char n[8], out[64], *end;
    unsigned long v;
    char *argv[] = { (char *)cli(), "sim", "create", "--host", (char *)simtest_host(),
                     (char *)name, "--vifs", n, "--bridge", "br0", NULL };

    snprintf(n, sizeof(n), "%u", nvifs);
    if (run_cli(argv, out, sizeof(out)) != 0)
        return -1;
    out[strcspn(out, "\n")] = '\0';
    v = strtoul(out, &end, 10);
    if (end == out || *end)
        return -1;
    *domid = (uint32_t)v;
    return 0;
}

static pid_t destroy_guest_async(const char *name)
{
    char *argv[] = { (char *)cli(), "sim", "destroy", "--host", (char *)simtest_host(),
                     (char *)name, NULL };
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* netstage-back, with one more option (and its value) when opt is not NULL. */
static int start_backend(const char *opt, const char *val)
{
    char bin[PATH_MAX], dir[PATH_MAX];

    snprintf(dir, sizeof(dir), "%s", cli());
    snprintf(bin, sizeof(bin), "%s/netstage-back", dirname(dir));
    if (getenv("NETSTAGE_HOSTILE_BACK"))       /* another build of the backend */
        snprintf(bin, sizeof(bin), "%s", getenv("NETSTAGE_HOSTILE_BACK"));
    if (!run_dir[0]) {          /* a restarted backend keeps the directory and the log */
        snprintf(run_dir, sizeof(run_dir), "/tmp/netstage-hostile.XXXXXX");
        if (!mkdtemp(run_dir))
            return -1;
    }
    snprintf(back_log, sizeof(back_log), "%s/back.log", run_dir);
    fflush(NULL);
    back_pid = fork();
    if (back_pid < 0)
        return -1;
    if (back_pid == 0) {
        /* It inherits LD_PRELOAD, XENSIM_* and XENSTORED_PATH from `sim exec`. */
        int fd = open(back_log, O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("NETSTAGE_RUN_DIR", run_dir, 1);
        execl(bin, bin, "--run-hotplug", "--slot-len-max", "2048", "--verbose", opt, val,
              (char *)NULL);
        _exit(127);
    }
    return 0;
}

static bool backend_alive(void)
{
    int st;
    return back_pid > 0 && waitpid(back_pid, &st, WNOHANG) == 0;
}

/* SIGTERM and reap: its exit status (or -1 when it had to be killed). */
static int stop_backend(void)
{
    int st;

    if (back_pid <= 0)
        return -1;
    kill(back_pid, SIGTERM);          /* our own child, by pid */
    st = simkid_reap_pid(back_pid, 30000);
    back_pid = 0;
    return st;
}

/* ---- xenstore and the simulator ------------------------------------------- */

static char *be_read(uint32_t domid, uint32_t devid, const char *key)
{
    char path[160];
    unsigned len;

    rf_be_path(path, sizeof(path), domid, devid, key);
    return xs_read(xs, XBT_NULL, path, &len);
}

static bool be_has(uint32_t domid, uint32_t devid, const char *key, const char *want)
{
    char *v = be_read(domid, devid, key);
    bool ok = v && (!want || !strcmp(v, want));

    free(v);
    return ok;
}

static struct xensim_domain_usage usage_of(uint32_t domid)
{
    struct xensim_domain_usage u;

    memset(&u, 0xff, sizeof(u));
    if (xensim_domain_usage(simtest_host(), domid, &u) < 0)
        memset(&u, 0xff, sizeof(u));
    return u;
}

static bool domain_listed(uint32_t domid)
{
    static struct xensim_domain_info doms[XENSIM_MAX_DOMAINS];
    int n = xensim_domain_list(simtest_host(), doms, XENSIM_MAX_DOMAINS);

    for (int i = 0; i < n; i++)
        if (doms[i].domid == domid)
            return true;
    return n < 0;
}

static bool back_stats(const struct rfk *f, struct ns_stats_file *out)
{
    char path[PATH_MAX + 64], err[256];

    snprintf(path, sizeof(path), "%s/back-vif%u.%u.stats", run_dir, f->domid, f->devid);
    return ns_stats_snapshot(path, out, err, sizeof(err)) == 0;
}

static struct ns_queue_stats q0_stats(const struct rfk *f)
{
    static struct ns_stats_file s;
    struct ns_queue_stats q;

    memset(&q, 0, sizeof(q));
    if (back_stats(f, &s))
        q = s.q[0];
    return q;
}

/* ---- TAP capture and injection --------------------------------------------- */

struct cap {
    int fd, ifindex;
};

static int cap_open(struct cap *c, uint32_t domid, uint32_t devid)
{
    struct sockaddr_ll sll;
    char name[IFNAMSIZ];
    int big = 8 << 20;

    snprintf(name, sizeof(name), "vif%u.%u", domid, devid);
    c->ifindex = (int)if_nametoindex(name);
    if (c->ifindex == 0)
        return -1;
    c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (c->fd < 0)
        return -1;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = c->ifindex;
    if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        close(c->fd);
        return -1;
    }
    return 0;
}

static void cap_close(struct cap *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static uint32_t frame_marker(const uint8_t *b, size_t len)
{
    if (len < 18 || b[12] != (ETH_TEST >> 8) || b[13] != (ETH_TEST & 0xff))
        return 0;
    return (uint32_t)b[14] << 24 | (uint32_t)b[15] << 16 | (uint32_t)b[16] << 8 | b[17];
}

/* The next frame the guest sent, whatever it is: its length, or -1. */
static int cap_any(struct cap *c, uint8_t *buf, size_t max, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;

    for (;;) {
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(c->fd, buf, max, MSG_TRUNC, (struct sockaddr *)&from, &fl);

        if (n >= 0) {
            if (from.sll_pkttype != PACKET_OUTGOING)
                return (int)n;
            continue;
        }
        if (errno != EAGAIN && errno != EINTR)
            return -1;
        long left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        poll(&p, 1, (int)left);
    }
}

/* The next frame the guest sent with this marker: its length, or -1. */
static int cap_next(struct cap *c, uint32_t marker, uint8_t *buf, size_t max, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;

    for (;;) {
        long left = deadline - now_ms();
        int n = cap_any(c, buf, max, left > 0 ? (int)left : 0);

        if (n < 0 || frame_marker(buf, (size_t)n) == marker)
            return n;
    }
}

/* Any frame from the guest with this marker within timeout_ms? */
static bool cap_seen(struct cap *c, uint32_t marker, int timeout_ms)
{
    static uint8_t buf[70000];
    return cap_next(c, marker, buf, sizeof(buf), timeout_ms) >= 0;
}

/* Send a frame to the guest: out of its TAP, into the backend. */
static int cap_send(struct cap *c, const uint8_t *frame, size_t len)
{
    struct sockaddr_ll to;

    memset(&to, 0, sizeof(to));
    to.sll_family = AF_PACKET;
    to.sll_ifindex = c->ifindex;
    to.sll_halen = 6;
    memcpy(to.sll_addr, frame, 6);
    return sendto(c->fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len ? 0
                                                                                           : -1;
}

/* ---- frames and requests ----------------------------------------------------- */

/* A test frame: Ethernet header, the marker, then a pattern. */
static void make_frame(uint8_t *b, uint32_t len, uint32_t marker)
{
    static const uint8_t dst[6] = { 0x02, 0x4e, 0x53, 0, 0, 1 };
    static const uint8_t src[6] = { 0x02, 0x4e, 0x53, 0, 0, 2 };

    for (uint32_t i = 0; i < len; i++)
        b[i] = (uint8_t)(marker * 29u + i * 7u + (i >> 8) * 13u);
    if (len >= 14) {
        memcpy(b, dst, 6);
        memcpy(b + 6, src, 6);
        b[12] = ETH_TEST >> 8;
        b[13] = ETH_TEST & 0xff;
    }
    if (len >= 18) {
        b[14] = (uint8_t)(marker >> 24);
        b[15] = (uint8_t)(marker >> 16);
        b[16] = (uint8_t)(marker >> 8);
        b[17] = (uint8_t)marker;
    }
}

static union netif_tx_sring_entry R(uint32_t gref, uint16_t offset, uint16_t flags, uint16_t id,
                                    uint16_t size)
{
    union netif_tx_sring_entry e;

    memset(&e, 0, sizeof(e));
    e.req = (struct netif_tx_request){ .gref = gref, .offset = offset, .flags = flags, .id = id,
                                       .size = size };
    return e;
}

static union netif_tx_sring_entry X(uint8_t type, uint8_t flags, uint16_t gso_size,
                                    uint8_t gso_type)
{
    union netif_tx_sring_entry e;
    struct netif_extra_info x;

    memset(&e, 0, sizeof(e));
    memset(&x, 0, sizeof(x));
    x.type = type;
    x.flags = flags;
    if (type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD || type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL) {
        static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x42 };
        memcpy(x.u.mcast.addr, mc, 6);
    } else {
        x.u.gso.size = gso_size;
        x.u.gso.type = gso_type;
    }
    memcpy(&e, &x, sizeof(x));
    return e;
}

static bool entry_is_extra(const union netif_tx_sring_entry *e, unsigned n, unsigned i)
{
    /* Extras follow a request with NETTXF_extra_info, chained by FLAG_MORE. */
    bool in_extras = false;

    for (unsigned k = 0; k <= i && k < n; k++) {
        if (in_extras) {
            struct netif_extra_info x;
            memcpy(&x, &e[k], sizeof(x));
            if (k == i)
                return true;
            in_extras = (x.flags & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
        } else {
            if (k == i)
                return false;
            in_extras = (e[k].req.flags & NETTXF_extra_info) != 0;
        }
    }
    return false;
}

static uint32_t pool(const struct rfk *f, unsigned i)
{
    return f->shm->refs.tx_pool[i % RF_POOL_PAGES];
}

static uint16_t take_ids(struct rfk *f, unsigned n)
{
    uint16_t id = f->next_id;

    if (id + n > NETIF_TX_RING_SIZE)
        id = 0;
    f->next_id = (uint16_t)((id + n) % NETIF_TX_RING_SIZE);
    return id;
}

/* Where one fragment's bytes are. */
enum { FR_POOL, FR_GREF, FR_DATA };
struct frag {
    int kind;           /* FR_POOL: TX pool page v; FR_GREF: grant v as is; FR_DATA: data id v */
    uint32_t v;
    uint16_t offset, len;
    uint16_t flags;     /* added to the request's flags */
};

/*
 * Lay out a frame as a frontend does (6.1, 6.4) and build its requests:
 * the head [0, h) in the TX slot of the first id, every other byte in its
 * fragment's page (or data slot) at its usual position.  Bytes below h in
 * granted pages are JUNK: the backend must not read them.
 */
static unsigned lay_out(struct rfk *f, const uint8_t *frame, uint32_t total, uint16_t first_id,
                        const struct frag *fr, unsigned nfr, union netif_tx_sring_entry *e)
{
    unsigned L = f->shm->cfg.tx_len;
    uint32_t h = fr[0].kind == FR_DATA || !L ? 0 : (total < L ? total : L);
    static uint8_t tmp[RF_PAGE];
    uint32_t start = 0;

    if (h)
        CHECK(rfk_fill(f, RF_TX_SLOT, first_id, 0, frame, h) == 0, "fill TX slot %u", first_id);
    for (unsigned k = 0; k < nfr; k++) {
        const struct frag *x = &fr[k];
        uint32_t len = x->len, gref = x->v;
        uint16_t flags = x->flags;

        for (uint32_t p = start; p < start + len; p++)
            tmp[p - start] = p >= h ? frame[p] : JUNK;
        if (x->kind == FR_POOL) {
            gref = pool(f, x->v);
            if (len)
                CHECK(rfk_fill(f, RF_TX_POOL, x->v % RF_POOL_PAGES, x->offset, tmp, len) == 0,
                      "fill pool page %u", x->v);
        } else if (x->kind == FR_DATA) {
            flags |= NETTXF_staging_buffer;
            if (len)
                CHECK(rfk_fill(f, x->v < 256 ? RF_TX_SLOT : RF_RX_SLOT, x->v % 256, x->offset, tmp,
                               len) == 0, "fill data slot %u", x->v);
        }
        if (k + 1 < nfr)
            flags |= NETTXF_more_data;
        e[k] = R(gref, x->offset, flags, (uint16_t)(first_id + k), (uint16_t)(k ? len : total));
        start += len;
    }
    return nfr;
}

static const char *status_name(int s)
{
    switch (s) {
    case NETIF_RSP_OKAY: return "OKAY";
    case NETIF_RSP_ERROR: return "ERROR";
    case NETIF_RSP_NULL: return "NULL";
    case NETIF_RSP_DROPPED: return "DROPPED";
    default: return "?";
    }
}

/*
 * Push n entries, collect n responses and check them: data requests get
 * their id and `data_status`, extras NETIF_RSP_NULL.  Nothing more may be
 * answered.
 */
static void push_expect(struct rfk *f, const union netif_tx_sring_entry *e, unsigned n,
                        int data_status)
{
    unsigned got;

    CHECK(rfk_tx_push(f, e, n, n) == 0, "push %u requests", n);
    got = rfk_tx_collect(f, n, T_RSP);
    CHECK(got == n, "vif%u.%u: %u responses to %u requests within %d ms", f->domid, f->devid, got,
          n, T_RSP);
    for (unsigned i = 0; i < n; i++) {
        const struct netif_tx_response *r = &f->shm->tx_rsp[i];
        bool extra = entry_is_extra(e, n, i);
        int want = extra ? NETIF_RSP_NULL : data_status;

        CHECK(r->status == want,
              "vif%u.%u: response %u (%s, id %u) has status %d (%s), expected %s",
              f->domid, f->devid, i, extra ? "extra" : "request", e[i].req.id, r->status,
              status_name(r->status), status_name(want));
        if (!extra)
            CHECK(r->id == e[i].req.id, "response %u has id %u, expected %u", i, r->id,
                  e[i].req.id);
    }
    CHECK(f->shm->tx_rsp_prod == f->shm->tx_rsp_cons,
          "the backend produced %u responses more than there were requests",
          f->shm->tx_rsp_prod - f->shm->tx_rsp_cons);
}

/* Send a frame laid out over fr[] and check it arrives on the TAP intact. */
static void send_frame_ok(struct rfk *f, uint32_t total, const struct frag *fr, unsigned nfr)
{
    static uint8_t frame[70000], got[70000];
    union netif_tx_sring_entry e[64];
    uint32_t marker = ++marker_seq;
    struct cap c;
    int n;

    CHECK(cap_open(&c, f->domid, f->devid) == 0, "cannot capture on vif%u.%u", f->domid, f->devid);
    make_frame(frame, total, marker);
    lay_out(f, frame, total, take_ids(f, nfr), fr, nfr, e);
    push_expect(f, e, nfr, NETIF_RSP_OKAY);
    n = cap_next(&c, marker, got, sizeof(got), T_RSP);
    cap_close(&c);
    CHECK(n >= 0, "vif%u.%u: the %u-byte frame (marker %#x) answered OKAY never reached the TAP",
          f->domid, f->devid, total, marker);
    CHECK((uint32_t)n == total, "vif%u.%u: frame of %d bytes arrived, sent %u", f->domid, f->devid,
          n, total);
    for (uint32_t i = 0; i < total; i++)
        CHECK(got[i] == frame[i], "vif%u.%u: frame byte %u is %#x, expected %#x%s", f->domid,
              f->devid, i, got[i], frame[i],
              got[i] == JUNK ? " (a byte the backend must not read)" : "");
}

/* A plain valid frame in one or two fragments of pool pages. */
static void send_ok(struct rfk *f, uint32_t total)
{
    uint16_t pg = (uint16_t)(f->next_id % 16);

    if (total <= RF_PAGE) {
        struct frag fr[1] = { { FR_POOL, pg, 0, (uint16_t)total, 0 } };
        send_frame_ok(f, total, fr, 1);
    } else {
        struct frag fr[2] = { { FR_POOL, pg, 0, (uint16_t)(total - 1000), 0 },
                              { FR_POOL, pg + 16u, 0, 1000, 0 } };
        send_frame_ok(f, total, fr, 2);
    }
}

/* Fill the head slot of id with a marked frame, so a transmission would show. */
static uint32_t mark_head(struct rfk *f, uint16_t id, uint32_t len)
{
    static uint8_t frame[RF_PAGE];
    uint32_t marker = ++marker_seq;
    unsigned L = f->shm->cfg.tx_len;

    make_frame(frame, len < RF_PAGE ? len : RF_PAGE, marker);
    if (L && id < 256)
        CHECK(rfk_fill(f, RF_TX_SLOT, id, 0, frame, L < len ? L : len) == 0, "fill slot %u", id);
    for (unsigned i = 0; i < RF_POOL_PAGES; i += 8)
        rfk_fill(f, RF_TX_POOL, i, 0, frame, len < RF_PAGE ? len : RF_PAGE);
    return marker;
}

/* ---- state checks ------------------------------------------------------------ */

static void expect_alive(struct rfk *f)
{
    static struct ns_stats_file s;
    int st = rf_be_state(xs, f->domid, f->devid);
    char *err = be_read(f->domid, f->devid, "error");

    CHECK(st == 4, "vif%u.%u: backend state %d, expected 4 (Connected); error node: %s", f->domid,
          f->devid, st, err ? err : "(none)");
    CHECK(!err, "vif%u.%u: error node \"%s\" on a vif that must stay Connected", f->domid,
          f->devid, err);
    CHECK(back_stats(f, &s), "no stats file for vif%u.%u", f->domid, f->devid);
    CHECK(s.connected == 1, "vif%u.%u: stats say not connected (state \"%s\")", f->domid,
          f->devid, s.state);
}

static void expect_bystanders(void)
{
    expect_alive(sib);
    send_ok(sib, 200);    /* staged entirely */
    send_ok(sib, 1500);   /* head in the slot, the rest by grant copy */
    expect_alive(good);
    send_ok(good, 600);
    CHECK(backend_alive(), "netstage-back has died");
}

/* Nothing of f's connection is mapped, copied or bound by the backend. */
static void expect_released(struct rfk *f, const char *when)
{
    uint32_t refs[RF_SLOTS * 2 + 2 * RF_POOL_PAGES + 16];
    unsigned n = rfk_all_refs(f, refs, sizeof(refs) / sizeof(refs[0]));
    struct xensim_port_status ps;

    for (unsigned i = 0; i < n; i++) {
        struct xensim_grant_state gs;

        CHECK(xensim_grant_query(simtest_host(), f->domid, refs[i], &gs) == 0,
              "cannot query grant %u of d%u", refs[i], f->domid);
        CHECK(gs.in_use == 0, "%s: grant %u of d%u (vif %u, #%u of its %u grants) is still in use "
              "%u time(s)", when, refs[i], f->domid, f->devid, i, n, gs.in_use);
    }
    for (unsigned i = 0; i < 2; i++) {
        uint32_t port = i ? f->shm->refs.rx_port : f->shm->refs.tx_port;

        CHECK(xensim_evtchn_status(simtest_host(), f->domid, port, &ps) == 0,
              "cannot query port %u of d%u", port, f->domid);
        CHECK(ps.state != XENSIM_PORT_INTERDOMAIN,
              "%s: port %u of d%u is still bound to d%u port %u", when, port, f->domid,
              ps.remote_domid, ps.remote_port);
    }
    if (f == hf) {
        struct xensim_domain_usage u = usage_of(f->domid);

        CHECK(u.foreign_maps == hostile_base.foreign_maps,
              "%s: d%u has %u of its pages mapped by others, %u before this vif connected", when,
              f->domid, u.foreign_maps, hostile_base.foreign_maps);
    }
}

/* A fatal error (7, tier b): error node, Closing, everything released. */
static void expect_fatal(struct rfk *f, const char *keyword, bool datapath)
{
    int st = rf_wait_be_state(xs, f->domid, f->devid, ST(5) | ST(6), T_STATE);
    char *err = be_read(f->domid, f->devid, "error");
    struct ns_queue_stats q = q0_stats(f);

    CHECK(st == 5, "vif%u.%u: backend state %d (now %d) within %d ms, expected 5 (Closing) after "
          "a fatal error; error node: %s", f->domid, f->devid, st,
          rf_be_state(xs, f->domid, f->devid), T_STATE, err ? err : "(none)");
    CHECK(err && *err, "vif%u.%u: Closing without an error node", f->domid, f->devid);
    CHECK(strstr(err, keyword), "vif%u.%u: error node \"%s\" does not mention \"%s\"", f->domid,
          f->devid, err, keyword);
    free(err);
    expect_released(f, "after the fatal error");
    if (datapath)
        CHECK(q.errors[NS_ERROR_PEER_FATAL] >= 1, "peer_fatal counter is %llu",
              (unsigned long long)q.errors[NS_ERROR_PEER_FATAL]);
}

/* After a fatal error the rings are dead: a valid packet is not answered. */
static void expect_no_service(struct rfk *f)
{
    union netif_tx_sring_entry e = R(pool(f, 0), 0, 0, 77, 100);
    unsigned got;

    CHECK(rfk_tx_push(f, &e, 1, 1) == 0, "push");
    got = rfk_tx_collect(f, 1, T_QUIET);
    CHECK(got == 0, "a disabled vif answered a request (status %d)", f->shm->tx_rsp[0].status);
}

/* Until the backend serves the vif and its hotplug step has run. */
static int wait_hotplugged(uint32_t domid, uint32_t devid)
{
    long deadline = now_ms() + 30000;

    while (now_ms() < deadline) {
        if (rf_be_state(xs, domid, devid) == 2 &&
            be_has(domid, devid, "hotplug-status", "connected"))
            return 0;
        sleep_ms(10);
    }
    fprintf(stderr, "vif%u.%u: backend state %d, hotplug-status not connected\n", domid, devid,
            rf_be_state(xs, domid, devid));
    return -1;
}

/* ---- the hostile vif's connection --------------------------------------------- */

static struct rf_config cfg_of(uint32_t devid, uint16_t tx_len, uint16_t rx_len)
{
    struct rf_config c;

    memset(&c, 0, sizeof(c));
    c.devid = devid;
    c.tx_len = tx_len;
    c.rx_len = rx_len;
    return c;
}

static void connect_ok(struct rfk *f, const struct rf_config *cfg)
{
    int rc, st;
    char *err;

    rc = rfk_prepare(f, cfg);
    CHECK(rc == 0, "rawfront prepare failed at step %d (backend state %d)", rc,
          rf_be_state(xs, f->domid, cfg->devid));
    CHECK(rfk_commit(f) == 0, "rawfront commit failed");
    st = rf_wait_be_state(xs, f->domid, cfg->devid, ST(4) | ST(5) | ST(6), T_STATE);
    err = be_read(f->domid, cfg->devid, "error");
    CHECK(st == 4, "vif%u.%u did not connect (backend state %d, error: %s)", f->domid, cfg->devid,
          st, err ? err : "(none)");
    free(err);
}

/* Close as a frontend does and check the backend let go of everything. */
static void hostile_finish(void)
{
    int st = rfk_close(hf, T_STATE);

    CHECK(st == 6 || st == 2, "close: backend state %d, expected 6 (Closed)", st);
    expect_released(hf, "after close");
}

static int hostile_setup(void **state)
{
    (void)state;
    if (!backend_alive())
        return -1;
    hostile_base = usage_of(hostile_dom);
    hf = rfk_spawn(hostile_dom, KID_MAX_SECONDS);
    return hf ? 0 : -1;
}

static int hostile_teardown(void **state)
{
    (void)state;
    if (hf) {
        rfk_close(hf, T_STATE);
        rfk_quit(hf);
        hf = NULL;
    }
    return 0;
}

static void connect_staged(uint16_t tx_len, uint16_t rx_len)
{
    struct rf_config c = cfg_of(0, tx_len, rx_len);
    connect_ok(hf, &c);
}

/* ---- tier a: drop the packet, keep the vif ------------------------------------- */

/*
 * The packet in e[] must be dropped: every data request answered with
 * NETIF_RSP_ERROR, extras with NETIF_RSP_NULL, nothing transmitted (marker),
 * the vif still Connected and still passing traffic.
 */
static void expect_drop(const union netif_tx_sring_entry *e, unsigned n, uint32_t marker)
{
    struct ns_queue_stats before = q0_stats(hf), after;
    uint64_t drops_before = before.drops[NS_DROP_MALFORMED] + before.drops[NS_DROP_GRANT_FAILED];
    struct cap c;

    CHECK(cap_open(&c, hf->domid, 0) == 0, "capture on the hostile vif");
    push_expect(hf, e, n, NETIF_RSP_ERROR);
    CHECK(!marker || !cap_seen(&c, marker, T_QUIET), "a dropped packet reached the TAP");
    cap_close(&c);
    after = q0_stats(hf);
    CHECK(after.drops[NS_DROP_MALFORMED] + after.drops[NS_DROP_GRANT_FAILED] > drops_before,
          "the drop was not counted");
    expect_alive(hf);
}

static void test_a_follow_on_sizes_exceed_total(void **state)
{
    union netif_tx_sring_entry e[4];
    uint32_t m;

    (void)state;
    connect_staged(256, 256);
    /* Fragment 1 would be 100 - 150 < 0; the GSO extra is answered NULL. */
    m = mark_head(hf, 10, 100);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data | NETTXF_extra_info, 10, 100);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
    e[2] = R(pool(hf, 1), 0, 0, 11, 150);
    expect_drop(e, 3, m);
    /* Two follow-ons, each smaller than the total, together larger. */
    m = mark_head(hf, 12, 100);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 12, 100);
    e[1] = R(pool(hf, 1), 0, NETTXF_more_data, 13, 60);
    e[2] = R(pool(hf, 2), 0, 0, 14, 50);
    expect_drop(e, 3, m);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

static void test_a_total_below_ethernet_header(void **state)
{
    union netif_tx_sring_entry e[1];

    (void)state;
    connect_staged(256, 256);
    mark_head(hf, 20, 13);
    e[0] = R(pool(hf, 0), 0, 0, 20, 13);
    expect_drop(e, 1, 0);
    /* size 0 without a multicast extra */
    e[0] = R(pool(hf, 0), 0, 0, 21, 0);
    expect_drop(e, 1, 0);
    /* 14 octets (just a header) is a frame. */
    mark_head(hf, 22, 14);
    e[0] = R(0, 0, 0, 22, 14);
    push_expect(hf, e, 1, NETIF_RSP_OKAY);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

/* n data requests of `each` octets, the first carrying the total. */
static unsigned chain(struct rfk *f, union netif_tx_sring_entry *e, uint16_t first_id, unsigned n,
                      uint16_t each)
{
    for (unsigned k = 0; k < n; k++)
        e[k] = R(pool(f, k), 0, k + 1 < n ? NETTXF_more_data : 0, (uint16_t)(first_id + k),
                 (uint16_t)(k ? each : each * n));
    return n;
}

static void test_a_19_and_20_data_requests(void **state)
{
    union netif_tx_sring_entry e[24];
    uint32_t m;

    (void)state;
    connect_staged(256, 256);
    /* More than XEN_NETIF_NR_SLOTS_MIN (18), fewer than F = 20 follow-ons. */
    m = mark_head(hf, 30, 19 * 50);
    expect_drop(e, chain(hf, e, 30, 19, 50), m);
    m = mark_head(hf, 60, 20 * 50);
    expect_drop(e, chain(hf, e, 60, 20, 50), m);
    send_ok(hf, 1000);
    expect_bystanders();
    hostile_finish();
}

static void test_a_staging_buffer_bad_data_id(void **state)
{
    union netif_tx_sring_entry e[2];
    uint32_t m;

    (void)state;
    connect_staged(256, 256);
    m = mark_head(hf, 40, 100);
    e[0] = R(XEN_NETIF_DATA_ID_COUNT, 0, NETTXF_staging_buffer, 40, 100);   /* 512 */
    expect_drop(e, 1, m);
    e[0] = R(0xffffffffu, 0, NETTXF_staging_buffer, 41, 100);
    expect_drop(e, 1, m);
    /* On a follow-on. */
    m = mark_head(hf, 42, 400);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 42, 400);
    e[1] = R(1000, 0, NETTXF_staging_buffer, 43, 100);
    expect_drop(e, 2, m);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

static void test_a_staging_buffer_unnegotiated_direction(void **state)
{
    union netif_tx_sring_entry e[2];
    uint32_t m;

    (void)state;
    /* TX staged, RX not: RX data ids name nothing. */
    connect_staged(256, 0);
    m = mark_head(hf, 50, 100);
    e[0] = R(XEN_NETIF_DATA_ID_RX(3), 0, NETTXF_staging_buffer, 50, 100);
    expect_drop(e, 1, m);
    /* Even for a zero-length fragment, which would read nothing. */
    m = mark_head(hf, 53, 100);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 53, 100);
    e[1] = R(XEN_NETIF_DATA_ID_RX(3), 0, NETTXF_staging_buffer, 54, 0);
    expect_drop(e, 2, m);
    /* The negotiated direction works: TX slot 7 as the whole fragment. */
    {
        struct frag fr[1] = { { FR_DATA, 7, 0, 100, 0 } };
        send_frame_ok(hf, 100, fr, 1);
    }
    hostile_finish();

    /* No staging at all: the flag has no meaning on the queue. */
    connect_staged(0, 0);
    m = mark_head(hf, 51, 100);
    e[0] = R(3, 0, NETTXF_staging_buffer, 51, 100);
    expect_drop(e, 1, m);
    e[0] = R(XEN_NETIF_DATA_ID_RX(3), 0, NETTXF_staging_buffer, 52, 100);
    expect_drop(e, 1, m);
    m = mark_head(hf, 55, 100);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 55, 100);
    e[1] = R(3, 0, NETTXF_staging_buffer, 56, 0);
    expect_drop(e, 2, m);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

static void test_a_staging_buffer_beyond_slot(void **state)
{
    union netif_tx_sring_entry e[2];
    uint32_t m;

    (void)state;
    connect_staged(256, 256);
    m = mark_head(hf, 60, 100);
    e[0] = R(5, 200, NETTXF_staging_buffer, 60, 100);                  /* 300 > 256 */
    expect_drop(e, 1, m);
    e[0] = R(XEN_NETIF_DATA_ID_RX(5), 0, NETTXF_staging_buffer, 61, 257);
    expect_drop(e, 1, m);
    e[0] = R(XEN_NETIF_DATA_ID_RX(5), 256, NETTXF_staging_buffer, 62, 14);
    expect_drop(e, 1, m);
    /* On a follow-on: 150 + 200 > 256. */
    m = mark_head(hf, 63, 500);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 63, 500);
    e[1] = R(9, 150, NETTXF_staging_buffer, 64, 200);
    expect_drop(e, 2, m);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

static void test_a_unknown_flag_bits(void **state)
{
    union netif_tx_sring_entry e[2];
    uint32_t m;

    (void)state;
    connect_staged(256, 256);
    m = mark_head(hf, 70, 100);
    e[0] = R(pool(hf, 0), 0, 1u << 6, 70, 100);
    expect_drop(e, 1, m);
    e[0] = R(pool(hf, 0), 0, 1u << 15, 71, 100);
    expect_drop(e, 1, m);
    /* NETTXF_data_ring on a queue without data ring mode. */
    e[0] = R(pool(hf, 0), 0, 1u << 5, 72, 100);
    expect_drop(e, 1, m);
    /* On a follow-on. */
    m = mark_head(hf, 73, 300);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 73, 300);
    e[1] = R(pool(hf, 1), 0, 1u << 7, 74, 100);
    expect_drop(e, 2, m);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

static void test_a_grant_copy_fails(void **state)
{
    static uint8_t frame[2000], got[2000];
    union netif_tx_sring_entry e[3];
    struct cap c;
    uint32_t m;
    int n;

    (void)state;
    connect_staged(256, 256);
    /* Bytes 256..999 must come from a grant that does not exist. */
    m = mark_head(hf, 80, 1000);
    e[0] = R(BAD_GREF, 0, 0, 80, 1000);
    expect_drop(e, 1, m);
    e[0] = R(0, 0, 0, 81, 1000);                                /* a reserved ref */
    expect_drop(e, 1, m);
    /* In a follow-on: [400, 1000) from a bad grant. */
    m = mark_head(hf, 82, 1000);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 82, 1000);
    e[1] = R(BAD_GREF + 1, 0, 0, 83, 600);
    expect_drop(e, 2, m);

    /* One bad packet does not spoil a good one in the same batch. */
    m = mark_head(hf, 84, 1000);
    e[0] = R(BAD_GREF, 0, 0, 84, 1000);
    {
        uint32_t good_marker = ++marker_seq;
        struct frag fr[1] = { { FR_POOL, 5, 0, 1000, 0 } };

        make_frame(frame, 1000, good_marker);
        lay_out(hf, frame, 1000, 85, fr, 1, &e[1]);
        CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
        CHECK(rfk_tx_push(hf, e, 2, 2) == 0, "push");
        CHECK(rfk_tx_collect(hf, 2, T_RSP) == 2, "two responses");
        CHECK(hf->shm->tx_rsp[0].id == 84 && hf->shm->tx_rsp[0].status == NETIF_RSP_ERROR,
              "bad packet: id %u status %d, expected 84 ERROR", hf->shm->tx_rsp[0].id,
              hf->shm->tx_rsp[0].status);
        CHECK(hf->shm->tx_rsp[1].id == 85 && hf->shm->tx_rsp[1].status == NETIF_RSP_OKAY,
              "good packet after it: id %u status %d, expected 85 OKAY", hf->shm->tx_rsp[1].id,
              hf->shm->tx_rsp[1].status);
        n = cap_next(&c, good_marker, got, sizeof(got), T_RSP);
        CHECK(n == 1000 && !memcmp(got, frame, 1000), "the good packet arrived as %d bytes", n);
        CHECK(!cap_seen(&c, m, T_QUIET), "the bad packet reached the TAP");
        cap_close(&c);
    }
    expect_alive(hf);
    send_ok(hf, 300);
    expect_bystanders();
    hostile_finish();
}

/* ---- tier b: fatal errors -------------------------------------------------------- */

/* After connecting: push the attack, then fatal, released, no more service, others fine. */
static void fatal_after(const union netif_tx_sring_entry *e, unsigned n, uint32_t prod_delta,
                        const char *keyword)
{
    CHECK(rfk_tx_push(hf, e, n, prod_delta) == 0, "push");
    expect_fatal(hf, keyword, true);
    expect_no_service(hf);
    expect_bystanders();
    hostile_finish();
}

static void test_b_tx_req_prod_ahead_of_ring(void **state)
{
    (void)state;
    connect_staged(256, 256);
    /* Nothing written, req_prod 257 ahead of req_cons. */
    fatal_after(NULL, 0, NETIF_TX_RING_SIZE + 1, "req_prod");
}

static void test_b_tx_req_prod_far_ahead(void **state)
{
    (void)state;
    connect_staged(0, 0);
    fatal_after(NULL, 0, 0x80000000u, "req_prod");
}

static void test_b_rx_req_prod_ahead_of_ring(void **state)
{
    (void)state;
    connect_staged(256, 256);
    CHECK(rfk_rx_post(hf, NULL, 0, NETIF_RX_RING_SIZE + 44) == 0, "post");
    expect_fatal(hf, "req_prod", true);
    expect_no_service(hf);
    expect_bystanders();
    hostile_finish();
}

static void test_b_tx_id_256_on_staged_queue(void **state)
{
    union netif_tx_sring_entry e[1];

    (void)state;
    connect_staged(256, 0);
    e[0] = R(pool(hf, 0), 0, 0, 256, 100);
    fatal_after(e, 1, 1, "id");
}

static void test_b_tx_follow_on_id_300_on_staged_queue(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(64, 0);
    e[0] = R(0, 0, NETTXF_more_data, 5, 400);
    e[1] = R(pool(hf, 1), 0, 0, 300, 100);
    fatal_after(e, 2, 2, "id");
}

static void test_b_rx_id_256_on_staged_queue(void **state)
{
    static uint8_t frame[300];
    struct netif_rx_request r;
    struct cap c;

    (void)state;
    connect_staged(0, 256);
    r = (struct netif_rx_request){ .id = 256, .gref = hf->shm->refs.rx_pool[0] };
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    make_frame(frame, sizeof(frame), ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, frame, sizeof(frame)) == 0, "inject a frame: %s", strerror(errno));
    cap_close(&c);
    expect_fatal(hf, "id", true);
    expect_bystanders();
    hostile_finish();
}

static void test_b_21_data_requests(void **state)
{
    union netif_tx_sring_entry e[24];

    (void)state;
    connect_staged(256, 256);
    /* 20 follow-ons = F: fatal (7, tier b: "F or more follow-on requests"),
     * not a drop (that is for more than 18 data requests but fewer than F
     * follow-ons). */
    mark_head(hf, 100, 21 * 40);
    chain(hf, e, 100, 21, 40);
    CHECK(rfk_tx_push(hf, e, 21, 21) == 0, "push");
    if (rf_wait_be_state(xs, hf->domid, 0, ST(5) | ST(6), T_STATE) < 0) {
        unsigned got = rfk_tx_collect(hf, 21, T_QUIET);

        CHECK(false, "BACKEND BUG: a packet of 21 data requests (20 follow-ons, F = 20) must "
              "disable the vif (docs/netif-staging.md 7, tier b: \"F or more follow-on requests "
              "in one packet\"); the backend stayed in state %d, wrote no error node and "
              "answered %u of the 21 requests, the first with %s (a tier-a drop)",
              rf_be_state(xs, hf->domid, 0), got,
              got ? status_name(hf->shm->tx_rsp[0].status) : "-");
    }
    expect_fatal(hf, "follow-on", true);
    expect_no_service(hf);
    expect_bystanders();
    hostile_finish();
}

static void test_b_22_data_requests(void **state)
{
    union netif_tx_sring_entry e[24];

    (void)state;
    connect_staged(256, 256);
    fatal_after(e, chain(hf, e, 100, 22, 40), 22, "follow-on");
}

static void test_b_fragment_crosses_page(void **state)
{
    union netif_tx_sring_entry e[1];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 4000, 0, 7, 200);
    fatal_after(e, 1, 1, "4096");
}

static void test_b_fragment_below_head_crosses_page(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(256, 256);
    /* Fragment 1 is [0, 100), wholly below h = 256 and never read, but
     * offset + length > 4096 is checked for every fragment (6.1). */
    e[0] = R(0, 4050, NETTXF_more_data, 8, 300);
    e[1] = R(pool(hf, 1), 0, 0, 9, 200);
    fatal_after(e, 2, 2, "4096");
}

static void test_b_packet_runs_past_req_prod(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 10, 300);
    e[1] = R(pool(hf, 1), 0, 0, 11, 100);
    /* Both written, only the first published. */
    fatal_after(e, 2, 1, "past");
}

static void test_b_extra_runs_past_req_prod(void **state)
{
    union netif_tx_sring_entry e[1];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 0, NETTXF_extra_info, 12, 300);
    fatal_after(e, 1, 1, "past");
}

static void test_b_extra_type_none(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 0, NETTXF_extra_info, 13, 300);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_NONE, 0, 0, 0);
    fatal_after(e, 2, 2, "extra");
}

static void test_b_extra_type_max(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 0, NETTXF_extra_info, 14, 300);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_MAX, 0, 0, 0);
    fatal_after(e, 2, 2, "extra");
}

static void test_b_extra_type_255_after_valid_extra(void **state)
{
    union netif_tx_sring_entry e[3];

    (void)state;
    connect_staged(0, 0);
    e[0] = R(pool(hf, 0), 0, NETTXF_extra_info, 15, 300);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_FLAG_MORE, 0, 0);
    e[2] = X(255, 0, 0, 0);
    fatal_after(e, 3, 3, "extra");
}

static void test_b_gso_size_zero(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 0, NETTXF_extra_info | NETTXF_csum_blank, 16, 300);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
    fatal_after(e, 2, 2, "GSO");
}

static void test_b_gso_unknown_type(void **state)
{
    union netif_tx_sring_entry e[2];

    (void)state;
    connect_staged(256, 256);
    e[0] = R(pool(hf, 0), 0, NETTXF_extra_info | NETTXF_csum_blank, 17, 300);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, 7);
    fatal_after(e, 2, 2, "GSO");
}

/* ---- valid edge cases ---------------------------------------------------------------- */

static void test_ok_zero_length_fragments(void **state)
{
    (void)state;
    connect_staged(256, 256);
    {
        /* A zero-length fragment in the middle, with a grant that is never used. */
        struct frag fr[3] = { { FR_POOL, 1, 0, 60, 0 }, { FR_GREF, 0, 0, 0, 0 },
                              { FR_POOL, 2, 0, 240, 0 } };
        send_frame_ok(hf, 300, fr, 3);
    }
    {
        /* Zero-length first fragment: the follow-on carries everything. */
        struct frag fr[2] = { { FR_POOL, 3, 0, 0, 0 }, { FR_POOL, 4, 100, 300, 0 } };
        send_frame_ok(hf, 300, fr, 2);
    }
    {
        /* Zero-length above h with a bogus grant: consumes a request, never accessed. */
        struct frag fr[3] = { { FR_POOL, 5, 0, 400, 0 }, { FR_GREF, BAD_GREF, 0, 0, 0 },
                              { FR_POOL, 6, 0, 200, 0 } };
        send_frame_ok(hf, 600, fr, 3);
    }
    hostile_finish();
    /* Unstaged, too. */
    connect_staged(0, 0);
    {
        struct frag fr[3] = { { FR_POOL, 1, 0, 60, 0 }, { FR_POOL, 2, 4096, 0, 0 },
                              { FR_POOL, 3, 0, 240, 0 } };
        send_frame_ok(hf, 300, fr, 3);
    }
    hostile_finish();
}

static void test_ok_18_data_requests(void **state)
{
    struct frag fr[18];

    (void)state;
    for (unsigned k = 0; k < 18; k++)
        fr[k] = (struct frag){ FR_POOL, k, (uint16_t)(k * 100), 57, 0 };
    connect_staged(256, 256);
    send_frame_ok(hf, 18 * 57, fr, 18);
    hostile_finish();
    connect_staged(0, 0);
    send_frame_ok(hf, 18 * 57, fr, 18);
    hostile_finish();
}

/* Frames of exactly L and L + 1 octets, both ways, and a short one (6.1, 6.2). */
static void test_ok_frames_of_L_and_L_plus_1(void **state)
{
    unsigned L = (unsigned)(uintptr_t)*state;
    static uint8_t frame[RF_PAGE + 8], buf[RF_PAGE];
    struct ns_queue_stats s0, s1;

    connect_staged((uint16_t)L, (uint16_t)L);
    /* TX, L octets: all in the slot, the grant is never touched. */
    s0 = q0_stats(hf);
    {
        struct frag fr[1] = { { FR_GREF, 0, 0, (uint16_t)L, 0 } };
        send_frame_ok(hf, L, fr, 1);
    }
    s1 = q0_stats(hf);
    CHECK(s1.tx_staged == s0.tx_staged + 1, "tx_staged %llu -> %llu",
          (unsigned long long)s0.tx_staged, (unsigned long long)s1.tx_staged);
    CHECK(s1.grant_copy_segs == s0.grant_copy_segs,
          "a frame of L octets cost %llu grant-copy segments",
          (unsigned long long)(s1.grant_copy_segs - s0.grant_copy_segs));
    /* TX, L + 1 octets: one octet from the page, at offset L. */
    {
        struct frag fr[1] = { { FR_POOL, 3, 0, (uint16_t)(L + 1), 0 } };
        send_frame_ok(hf, L + 1, fr, 1);
    }
    s0 = q0_stats(hf);
    CHECK(s0.grant_copy_segs == s1.grant_copy_segs + 1, "%llu grant-copy segments for L + 1",
          (unsigned long long)(s0.grant_copy_segs - s1.grant_copy_segs));

    /* RX: L, L + 1 and 60 octets, one posted buffer each.  The backend
     * writes [0, h) to the slot and nothing else there, and only [h, len)
     * to the page (6.2). */
    for (unsigned round = 0; round < 3; round++) {
        uint32_t len = round == 2 ? 60 : L + round, h = len < L ? len : L;
        uint16_t id = (uint16_t)(20 + round);
        uint16_t page = (uint16_t)(10 + round);
        struct netif_rx_request r = { .id = id, .gref = hf->shm->refs.rx_pool[page] };
        const struct netif_rx_response *rsp = &hf->shm->rx_rsp[0];
        struct cap c;

        memset(buf, JUNK, sizeof(buf));
        CHECK(rfk_fill(hf, RF_RX_POOL, page, 0, buf, RF_PAGE) == 0, "junk the RX page");
        CHECK(rfk_fill(hf, RF_RX_SLOT, id, 0, buf, L) == 0, "junk the RX slot");
        CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
        make_frame(frame, len, ++marker_seq);
        CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
        CHECK(cap_send(&c, frame, len) == 0, "inject %u octets: %s", len, strerror(errno));
        cap_close(&c);
        CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response for a %u-octet frame", len);
        CHECK(rsp->id == id && rsp->status == (int16_t)len && !(rsp->flags & NETRXF_more_data),
              "RX response id %u status %d flags %#x, expected id %u status %u", rsp->id,
              rsp->status, rsp->flags, id, len);
        CHECK(rfk_read(hf, RF_RX_SLOT, id, 0, buf, L) == 0, "read the RX slot");
        CHECK(!memcmp(buf, frame, h), "RX slot %u does not hold the frame's first %u octets", id,
              h);
        for (uint32_t p = h; p < L; p++)
            CHECK(buf[p] == JUNK, "RX slot %u octet %u written (%#x) beyond h = %u", id, p,
                  buf[p], h);
        CHECK(rfk_read(hf, RF_RX_POOL, page, 0, buf, RF_PAGE) == 0, "read the RX page");
        for (uint32_t p = 0; p < len + 64 && rsp->offset + p < RF_PAGE; p++) {
            uint32_t at = rsp->offset + p;
            uint8_t want = p >= h && p < len ? frame[p] : JUNK;

            CHECK(buf[at] == want, "RX page octet %u (packet octet %u of %u, h = %u) is %#x, "
                  "expected %#x%s", at, p, len, h, buf[at], want,
                  p < h ? ": staged octets must not be written to the granted buffer" : "");
        }
    }
    hostile_finish();
}

static void test_ok_spec_example_1514_in_three(void **state)
{
    (void)state;
    connect_staged(256, 256);
    {
        /* 6.1: fragments 1 and 2 lie below h and are never accessed. */
        struct frag fr[3] = { { FR_GREF, 0, 0, 100, 0 }, { FR_GREF, 0, 0, 100, 0 },
                              { FR_POOL, 5, 0, 1314, 0 } };
        send_frame_ok(hf, 1514, fr, 3);
    }
    {
        /* A head split over fragments of 10, 20 and 30 octets, the rest in one page. */
        struct frag fr[4] = { { FR_GREF, BAD_GREF, 0, 10, 0 }, { FR_GREF, BAD_GREF, 0, 20, 0 },
                              { FR_GREF, BAD_GREF, 0, 30, 0 }, { FR_POOL, 6, 96, 1000, 0 } };
        send_frame_ok(hf, 1060, fr, 4);
    }
    hostile_finish();
}

static void test_ok_staging_buffer_forwarding(void **state)
{
    struct ns_queue_stats s0, s1;

    (void)state;
    connect_staged(256, 256);
    s0 = q0_stats(hf);
    {
        /* 6.4's example: a 98-byte frame straight out of RX slot 256 + 7. */
        struct frag fr[1] = { { FR_DATA, XEN_NETIF_DATA_ID_RX(7), 0, 98, 0 } };
        send_frame_ok(hf, 98, fr, 1);
    }
    s1 = q0_stats(hf);
    CHECK(s1.staging_buffer_tx == s0.staging_buffer_tx + 1, "staging_buffer_tx not counted");
    CHECK(s1.grant_copy_segs == s0.grant_copy_segs, "a slot-to-slot frame used grant copy");
    {
        /* On a follow-on: head in the TX slot, [256, 400) from TX slot 9 at 56.. */
        struct frag fr[2] = { { FR_POOL, 6, 0, 200, 0 }, { FR_DATA, 9, 0, 200, 0 } };
        send_frame_ok(hf, 400, fr, 2);
    }
    {
        /* Mixed: a page, then RX slot 3 at an offset. */
        struct frag fr[3] = { { FR_POOL, 7, 0, 300, 0 },
                              { FR_DATA, XEN_NETIF_DATA_ID_RX(3), 50, 150, 0 },
                              { FR_POOL, 8, 0, 500, 0 } };
        send_frame_ok(hf, 950, fr, 3);
    }
    hostile_finish();
}

/* A full ring of packets: req_prod exactly one ring ahead is legal. */
static void test_ok_full_ring(void **state)
{
    static union netif_tx_sring_entry e[NETIF_TX_RING_SIZE];
    static uint8_t frame[64], got[2048];
    uint32_t base = marker_seq + 1;
    struct ns_queue_stats s0, s1;
    struct cap c;

    (void)state;
    connect_staged(64, 64);
    for (unsigned i = 0; i < NETIF_TX_RING_SIZE; i++) {
        make_frame(frame, 60, base + i);
        CHECK(rfk_fill(hf, RF_TX_SLOT, i, 0, frame, 60) == 0, "fill slot %u", i);
        e[i] = R(0, 0, 0, (uint16_t)i, 60);
    }
    marker_seq += NETIF_TX_RING_SIZE;
    s0 = q0_stats(hf);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
    push_expect(hf, e, NETIF_TX_RING_SIZE, NETIF_RSP_OKAY);
    for (unsigned i = 0; i < NETIF_TX_RING_SIZE; i++) {
        int n = cap_next(&c, base + i, got, sizeof(got), T_RSP);

        make_frame(frame, 60, base + i);
        CHECK(n == 60 && !memcmp(got, frame, 60), "frame %u of the full ring: %d octets", i, n);
    }
    cap_close(&c);
    s1 = q0_stats(hf);
    CHECK(s1.tx_packets == s0.tx_packets + NETIF_TX_RING_SIZE, "tx_packets +%llu",
          (unsigned long long)(s1.tx_packets - s0.tx_packets));
    expect_alive(hf);
    hostile_finish();
}

static void test_ok_ids_unrestricted_when_unstaged(void **state)
{
    static uint8_t frame[200];
    union netif_tx_sring_entry e[1];
    struct netif_rx_request r;
    struct cap c;
    uint32_t m;

    (void)state;
    /* TX not staged: TX ids are the standard protocol's. */
    connect_staged(0, 256);
    m = ++marker_seq;
    make_frame(frame, 200, m);
    CHECK(rfk_fill(hf, RF_TX_POOL, 2, 0, frame, 200) == 0, "fill");
    e[0] = R(pool(hf, 2), 0, 0, 300, 200);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
    push_expect(hf, e, 1, NETIF_RSP_OKAY);
    CHECK(cap_seen(&c, m, T_RSP), "the frame with TX id 300 did not arrive");
    cap_close(&c);
    expect_alive(hf);
    hostile_finish();

    /* RX not staged: RX ids likewise. */
    connect_staged(256, 0);
    r = (struct netif_rx_request){ .id = 4000, .gref = hf->shm->refs.rx_pool[1] };
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    make_frame(frame, 200, ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, frame, 200) == 0, "inject");
    cap_close(&c);
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response");
    CHECK(hf->shm->rx_rsp[0].id == 4000 && hf->shm->rx_rsp[0].status == 200,
          "RX response id %u status %d", hf->shm->rx_rsp[0].id, hf->shm->rx_rsp[0].status);
    expect_alive(hf);
    hostile_finish();
}

static void test_ok_multicast_only_request(void **state)
{
    union netif_tx_sring_entry e[2];
    uint32_t m;

    (void)state;
    connect_staged(256, 256);
    m = mark_head(hf, 95, 100);
    /* 6.1: size 0 with a multicast extra; h = 0, nothing is transmitted. */
    e[0] = R(0, 0, NETTXF_extra_info, 95, 0);
    e[1] = X(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0, 0, 0);
    {
        struct cap c;
        CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
        push_expect(hf, e, 2, NETIF_RSP_OKAY);
        CHECK(!cap_seen(&c, m, T_QUIET), "a multicast-only request put a frame on the TAP");
        cap_close(&c);
    }
    expect_alive(hf);
    send_ok(hf, 300);
    hostile_finish();
}

static void test_ok_rx_frame_over_two_pages(void **state)
{
    static uint8_t frame[5000], buf[RF_PAGE];
    struct netif_rx_request r[2];
    const struct netif_rx_response *rsp = hf->shm->rx_rsp;
    struct cap c;
    char name[IFNAMSIZ];

    (void)state;
    connect_staged(256, 256);
    snprintf(name, sizeof(name), "vif%u.0", hostile_dom);
    CHECK(set_mtu(name, 9000) == 0, "MTU 9000 on %s: %s", name, strerror(errno));
    for (unsigned i = 0; i < 2; i++) {
        memset(buf, JUNK, sizeof(buf));
        CHECK(rfk_fill(hf, RF_RX_POOL, 20 + i, 0, buf, RF_PAGE) == 0, "junk");
        r[i] = (struct netif_rx_request){ .id = (uint16_t)(200 + i),
                                          .gref = hf->shm->refs.rx_pool[20 + i] };
    }
    CHECK(rfk_rx_post(hf, r, 2, 2) == 0, "post");
    make_frame(frame, sizeof(frame), ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, frame, sizeof(frame)) == 0, "inject 5000 octets: %s", strerror(errno));
    cap_close(&c);
    CHECK(rfk_rx_collect(hf, 2, T_RSP) == 2, "two RX responses for a 5000-octet frame");
    CHECK(rsp[0].id == 200 && rsp[0].status == 4096 && (rsp[0].flags & NETRXF_more_data),
          "first response id %u status %d flags %#x", rsp[0].id, rsp[0].status, rsp[0].flags);
    CHECK(rsp[1].id == 201 && rsp[1].status == 904 && !(rsp[1].flags & NETRXF_more_data),
          "second response id %u status %d flags %#x", rsp[1].id, rsp[1].status, rsp[1].flags);
    CHECK(rfk_read(hf, RF_RX_SLOT, 200, 0, buf, 256) == 0 && !memcmp(buf, frame, 256),
          "the head is not in RX slot 200");
    CHECK(rfk_read(hf, RF_RX_POOL, 20, 0, buf, RF_PAGE) == 0, "read");
    for (unsigned p = 0; p < 256; p++)
        CHECK(buf[rsp[0].offset + p] == JUNK, "staged octet %u was written to the page", p);
    CHECK(!memcmp(buf + rsp[0].offset + 256, frame + 256, RF_PAGE - 256 - rsp[0].offset),
          "page 1 does not hold octets 256..4095");
    CHECK(rfk_read(hf, RF_RX_POOL, 21, 0, buf, RF_PAGE) == 0, "read");
    CHECK(!memcmp(buf + rsp[1].offset, frame + 4096, 904), "page 2 does not hold octets 4096..");
    hostile_finish();
}

/* RX: a posted buffer whose grant does not exist is answered with an error (tier a). */
static void test_a_rx_bad_grant(void **state)
{
    static uint8_t frame[1000];
    struct netif_rx_request r[1];
    struct cap c;

    (void)state;
    connect_staged(256, 256);
    r[0] = (struct netif_rx_request){ .id = 7, .gref = BAD_GREF };
    CHECK(rfk_rx_post(hf, r, 1, 1) == 0, "post");
    make_frame(frame, sizeof(frame), ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, frame, sizeof(frame)) == 0, "inject");
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response");
    CHECK(hf->shm->rx_rsp[0].id == 7 && hf->shm->rx_rsp[0].status == NETIF_RSP_ERROR,
          "RX response id %u status %d, expected id 7 ERROR", hf->shm->rx_rsp[0].id,
          hf->shm->rx_rsp[0].status);
    expect_alive(hf);
    /* The next buffer is good. */
    r[0] = (struct netif_rx_request){ .id = 8, .gref = hf->shm->refs.rx_pool[2] };
    CHECK(rfk_rx_post(hf, r, 1, 1) == 0, "post");
    make_frame(frame, sizeof(frame), ++marker_seq);
    CHECK(cap_send(&c, frame, sizeof(frame)) == 0, "inject");
    cap_close(&c);
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response");
    CHECK(hf->shm->rx_rsp[0].id == 8 && hf->shm->rx_rsp[0].status == 1000,
          "RX response id %u status %d", hf->shm->rx_rsp[0].id, hf->shm->rx_rsp[0].status);
    expect_bystanders();
    hostile_finish();
}

/* Two in-flight requests with one id: the frontend's bug, not a crash (7). */
static void test_ok_duplicate_ids_survive(void **state)
{
    union netif_tx_sring_entry e[2];
    unsigned got;

    (void)state;
    connect_staged(256, 256);
    mark_head(hf, 5, 300);
    e[0] = R(pool(hf, 0), 0, 0, 5, 300);
    e[1] = R(pool(hf, 1), 0, 0, 5, 300);
    CHECK(rfk_tx_push(hf, e, 2, 2) == 0, "push");
    got = rfk_tx_collect(hf, 2, T_RSP);
    CHECK(got == 2, "%u responses to two requests with the same id", got);
    expect_alive(hf);
    send_ok(hf, 300);
    hostile_finish();
}

static void test_ok_split_event_channels(void **state)
{
    struct rf_config cfg = cfg_of(0, 256, 256);
    static uint8_t frame[700];
    struct netif_rx_request r = { 0 };
    struct cap c;

    (void)state;
    cfg.split = true;
    connect_ok(hf, &cfg);
    send_ok(hf, 700);
    r.id = 3;
    r.gref = hf->shm->refs.rx_pool[3];
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    make_frame(frame, sizeof(frame), ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, frame, sizeof(frame)) == 0, "inject");
    cap_close(&c);
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1 && hf->shm->rx_rsp[0].status == 700,
          "RX over split channels: status %d", hf->shm->rx_rsp[0].status);
    hostile_finish();
}

/* ---- connect time: bad staging keys and lists (4.1, 4.2, 5 step 4) ------------ */

struct bad_connect {
    uint16_t tx_len, rx_len;
    bool rx_readonly;
    void (*mutate)(struct rf_shm *s);
    const char *keyword;
};

static void ov_set(struct rf_shm *s, const char *key, const char *value)
{
    struct rf_key_override *o = &s->cfg.ov[s->cfg.nr_overrides++];

    snprintf(o->key, sizeof(o->key), "%s", key);
    snprintf(o->value, sizeof(o->value), "%s", value);
    o->remove = false;
}

static void ov_rm(struct rf_shm *s, const char *key)
{
    struct rf_key_override *o = &s->cfg.ov[s->cfg.nr_overrides++];

    snprintf(o->key, sizeof(o->key), "%s", key);
    o->remove = true;
}

static void m_tx_ref_without_len(struct rf_shm *s) { ov_rm(s, "tx-data-len"); }
static void m_rx_len_without_ref(struct rf_shm *s) { ov_rm(s, "rx-data-ref"); }
static void m_tx_len_100(struct rf_shm *s) { ov_set(s, "tx-data-len", "100"); }
static void m_rx_len_hex(struct rf_shm *s) { ov_set(s, "rx-data-len", "0x100"); }
static void m_tx_len_space(struct rf_shm *s) { ov_set(s, "tx-data-len", " 256"); }
static void m_tx_len_plus(struct rf_shm *s) { ov_set(s, "tx-data-len", "+256"); }
static void m_tx_len_empty(struct rf_shm *s) { ov_set(s, "tx-data-len", ""); }
static void m_rx_len_32(struct rf_shm *s) { ov_set(s, "rx-data-len", "32"); }
static void m_tx_list_wrong_id(struct rf_shm *s) { s->tx_list[5].id = 6; }
static void m_rx_list_tx_id(struct rf_shm *s) { s->rx_list[0].id = 0; }
static void m_tx_list_dup(struct rf_shm *s) { s->tx_list[1].offset = s->tx_list[0].offset; }
static void m_rx_list_dup_far(struct rf_shm *s)
{
    s->rx_list[200].gref = s->rx_list[3].gref;
    s->rx_list[200].offset = s->rx_list[3].offset;
}
/* Ref 1 is the guest's xenstore page, granted to dom0 for real, and it
 * replaces a whole slot page (16 slots of 256): only the rule can refuse it. */
static void m_tx_list_reserved(struct rf_shm *s)
{
    for (unsigned k = 0; k < 16; k++)
        s->tx_list[k].gref = 1;
}
static void m_rx_list_gref0(struct rf_shm *s) { s->rx_list[255].gref = 0; }
static void m_tx_too_many_pages(struct rf_shm *s) { s->tx_list[255].gref = s->refs.extra[0]; }
static void m_tx_offset_misaligned(struct rf_shm *s) { s->tx_list[3].offset += 8; }
static void m_rx_offset_beyond_page(struct rf_shm *s) { s->rx_list[3].offset = 4096; }
static void m_tx_list_ref_reserved(struct rf_shm *s) { ov_set(s, "tx-data-ref", "1"); }
static void m_tx_list_ref_ungranted(struct rf_shm *s) { ov_set(s, "tx-data-ref", "30000"); }
static void m_slot_page_in_both_lists(struct rf_shm *s)
{
    for (unsigned k = 0; k < 16; k++)
        s->tx_list[k].gref = s->refs.rx_slot_pages[0];
}
static void m_slot_page_is_list(struct rf_shm *s)
{
    for (unsigned k = 0; k < 16; k++)
        s->tx_list[k].gref = s->refs.tx_list;
}
static void m_rx_list_is_tx_list(struct rf_shm *s)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", s->refs.tx_list);
    ov_set(s, "rx-data-ref", v);
}

static const struct bad_connect bad_connects[] = {
    { 256, 256, false, m_tx_ref_without_len, "tx-data" },
    { 256, 256, false, m_rx_len_without_ref, "rx-data" },
    { 256, 256, false, m_tx_len_100, "tx-data-len" },
    { 256, 256, false, m_rx_len_hex, "rx-data" },
    { 256, 256, false, m_tx_len_space, "tx-data" },
    { 256, 256, false, m_tx_len_plus, "tx-data" },
    { 256, 256, false, m_tx_len_empty, "tx-data" },
    { 256, 256, false, m_rx_len_32, "rx-data-len" },
    { 4096, 0, false, NULL, "tx-data-len" },               /* > staging-slot-len-max 2048 */
    { 256, 256, false, m_tx_list_wrong_id, "list" },
    { 256, 256, false, m_rx_list_tx_id, "list" },
    { 256, 256, false, m_tx_list_dup, "list" },
    { 256, 256, false, m_rx_list_dup_far, "list" },
    { 256, 256, false, m_tx_list_reserved, "list" },
    { 256, 256, false, m_rx_list_gref0, "list" },
    { 256, 256, false, m_tx_too_many_pages, "list" },
    { 256, 256, false, m_tx_offset_misaligned, "list" },
    { 256, 256, false, m_rx_offset_beyond_page, "list" },
    { 256, 256, false, m_tx_list_ref_reserved, "tx-data-ref" },
    { 256, 256, false, m_tx_list_ref_ungranted, "tx-data-ref" },
    { 256, 256, false, m_slot_page_in_both_lists, "list" },
    { 256, 256, false, m_slot_page_is_list, "list" },
    { 256, 256, false, m_rx_list_is_tx_list, "list" },
    { 256, 256, true, NULL, "rx" },                         /* RX slot pages read-only */
};

static void test_connect_bad(void **state)
{
    const struct bad_connect *b = *state;
    struct rf_config cfg = cfg_of(0, b->tx_len, b->rx_len);
    int rc;

    cfg.rx_slots_readonly = b->rx_readonly;
    rc = rfk_prepare(hf, &cfg);
    CHECK(rc == 0, "rawfront prepare failed at step %d", rc);
    if (b->mutate)
        b->mutate(hf->shm);
    CHECK(rfk_commit(hf) == 0, "rawfront commit failed");
    expect_fatal(hf, b->keyword, false);
    expect_bystanders();
    hostile_finish();
    /* And the vif recovers: a good connection right after. */
    connect_staged(256, 256);
    send_ok(hf, 700);
    hostile_finish();
}

/* ---- data ring mode (section 8) ------------------------------------------------------ */

#define INTF_OFF(field) ((uint32_t)offsetof(struct xen_netif_data_intf, field))

/* The hostile vif's out ring as the test last published it (its out_prod). */
static uint32_t ring_out_prod;

static struct rf_config cfg_ring(uint8_t order, uint16_t tx_len, uint16_t rx_len)
{
    struct rf_config c = cfg_of(0, 0, 0);

    c.dring_order = order;
    c.dring_tx_len = tx_len;
    c.dring_rx_len = rx_len;
    return c;
}

/* With tx_whole / rx_whole, also tx-data-ring-whole / rx-data-ring-whole = "1" (8.7). */
static void connect_ring_whole(uint8_t order, uint16_t tx_len, uint16_t rx_len, bool tx_whole,
                               bool rx_whole)
{
    struct rf_config c = cfg_ring(order, tx_len, rx_len);
    static struct ns_stats_file s;

    c.dring_tx_whole = tx_whole;
    c.dring_rx_whole = rx_whole;
    connect_ok(hf, &c);
    ring_out_prod = 0;
    CHECK(back_stats(hf, &s), "no stats file for the hostile vif");
    CHECK(s.info[0].data_ring_order == order, "connected, but the stats say data ring order %u, "
          "expected %u", s.info[0].data_ring_order, order);
}

static void connect_ring(uint8_t order, uint16_t tx_len, uint16_t rx_len)
{
    connect_ring_whole(order, tx_len, rx_len, false, false);
}

/* R: the octets of one direction of the hostile vif's ring. */
static uint32_t ring_size(const struct rfk *f)
{
    return (uint32_t)XEN_NETIF_DATA_RING_BYTES(f->shm->cfg.dring_order);
}

static uint32_t intf_get(struct rfk *f, uint32_t off)
{
    uint32_t v = 0xdeadbeefu;

    CHECK(rfk_read(f, RF_DRING_INTF, 0, off, &v, sizeof(v)) == 0,
          "read the interface page at %#x", off);
    return v;
}

static void intf_set(struct rfk *f, uint32_t off, uint32_t v)
{
    CHECK(rfk_fill(f, RF_DRING_INTF, 0, off, &v, sizeof(v)) == 0,
          "write the interface page at %#x", off);
}

/* Octets into a data ring from free-running index `at` on, wrapping at its end. */
static void ring_write(struct rfk *f, enum rf_area_kind ring, uint32_t at, const void *src,
                       uint32_t n)
{
    uint32_t size = ring_size(f);
    const uint8_t *p = src;

    while (n) {
        uint32_t pos = at & (size - 1), chunk = size - pos < n ? size - pos : n;

        if (chunk > RF_PAGE)
            chunk = RF_PAGE;
        CHECK(rfk_fill(f, ring, 0, pos, p, chunk) == 0, "write %u octets at ring offset %u",
              chunk, pos);
        at += chunk;
        p += chunk;
        n -= chunk;
    }
}

static void ring_read(struct rfk *f, enum rf_area_kind ring, uint32_t at, void *dst, uint32_t n)
{
    uint32_t size = ring_size(f);
    uint8_t *p = dst;

    while (n) {
        uint32_t pos = at & (size - 1), chunk = size - pos < n ? size - pos : n;

        if (chunk > RF_PAGE)
            chunk = RF_PAGE;
        CHECK(rfk_read(f, ring, 0, pos, p, chunk) == 0, "read %u octets at ring offset %u",
              chunk, pos);
        at += chunk;
        p += chunk;
        n -= chunk;
    }
}

/*
 * A record in the out ring at index `at` (8.3): the header {hdr_len, id,
 * flags, reserved} (flags in the low half of flags_reserved, reserved in
 * the high half), the n octets of head, zero padding to a multiple of 8.
 * The header may lie (hdr_len != n, flags or reserved != 0).  Not
 * published; returns the index after the record.
 */
static uint32_t out_record(struct rfk *f, uint32_t at, uint16_t hdr_len, uint16_t id,
                           uint32_t flags_reserved, const uint8_t *head, uint32_t n)
{
    static uint8_t buf[XEN_NETIF_DATA_RING_LEN_MAX + 16];
    struct xen_netif_data_ring_rec h = { .len = hdr_len, .id = id,
                                         .flags = (uint16_t)flags_reserved,
                                         .reserved = (uint16_t)(flags_reserved >> 16) };
    uint32_t rec = XEN_NETIF_DATA_RING_REC_SIZE(n);

    memset(buf, 0, rec);
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), head, n);
    ring_write(f, RF_DRING_OUT, at, buf, rec);
    return at + rec;
}

static void publish_out_prod(struct rfk *f, uint32_t v)
{
    intf_set(f, INTF_OFF(out_prod), v);
}

/*
 * A frame sent as a frontend does in ring mode (8.4): h = min(total,
 * tx-data-len) octets as a well-formed record at ring_out_prod (not yet
 * published), octets [h, total) in TX pool page pg at their offsets (6.1),
 * JUNK below h; the request in *e, flagged NETTXF_data_ring.  A frame
 * wholly in its record names gref 0, which must never be touched.
 */
static void ring_frame(struct rfk *f, const uint8_t *frame, uint32_t total, uint16_t id,
                       unsigned pg, union netif_tx_sring_entry *e)
{
    static uint8_t tmp[RF_PAGE];
    uint32_t L = f->shm->cfg.dring_tx_len, h = total < L ? total : L;

    ring_out_prod = out_record(f, ring_out_prod, (uint16_t)h, id, 0, frame, h);
    if (total > h) {
        CHECK(total <= RF_PAGE, "ring_frame: %u octets do not fit a pool page", total);
        memset(tmp, JUNK, h);
        memcpy(tmp + h, frame + h, total - h);
        CHECK(rfk_fill(f, RF_TX_POOL, pg % RF_POOL_PAGES, 0, tmp, total) == 0, "fill pool %u",
              pg);
        *e = R(pool(f, pg), 0, NETTXF_data_ring, id, (uint16_t)total);
    } else {
        *e = R(0, 0, NETTXF_data_ring, id, (uint16_t)total);
    }
}

/* The backend gave back every record published, and reports no error. */
static void expect_ring_drained(struct rfk *f)
{
    uint32_t cons = intf_get(f, INTF_OFF(out_cons));
    uint32_t in_err = intf_get(f, INTF_OFF(in_error)), out_err = intf_get(f, INTF_OFF(out_error));

    CHECK(cons == ring_out_prod, "out_cons is %u after every record up to %u was answered",
          cons, ring_out_prod);
    CHECK(in_err == 0 && out_err == 0, "in_error %u, out_error %u on a working ring", in_err,
          out_err);
}

/* Frames of the given sizes in one push, each through the ring; all must arrive intact. */
static void ring_send_ok_n(struct rfk *f, const uint32_t *sizes, unsigned n)
{
    static uint8_t frames[16][RF_PAGE], got[RF_PAGE];
    union netif_tx_sring_entry e[16];
    uint32_t markers[16];
    uint16_t id = take_ids(f, n);
    struct cap c;

    CHECK(n <= 16, "ring_send_ok_n: %u frames", n);
    for (unsigned i = 0; i < n; i++) {
        markers[i] = ++marker_seq;
        make_frame(frames[i], sizes[i], markers[i]);
        ring_frame(f, frames[i], sizes[i], (uint16_t)(id + i), i, &e[i]);
    }
    publish_out_prod(f, ring_out_prod);
    CHECK(cap_open(&c, f->domid, f->devid) == 0, "capture on vif%u.%u", f->domid, f->devid);
    push_expect(f, e, n, NETIF_RSP_OKAY);
    for (unsigned i = 0; i < n; i++) {
        int len = cap_next(&c, markers[i], got, sizeof(got), T_RSP);

        CHECK(len == (int)sizes[i], "data ring frame %u of %u octets (marker %#x) arrived as %d "
              "octets", i, sizes[i], markers[i], len);
        for (uint32_t k = 0; k < sizes[i]; k++)
            CHECK(got[k] == frames[i][k], "data ring frame %u octet %u is %#x, expected %#x%s",
                  i, k, got[k], frames[i][k],
                  got[k] == JUNK ? " (a pool octet below h: must come from the record)" : "");
    }
    cap_close(&c);
    expect_ring_drained(f);
}

static void ring_send_ok(struct rfk *f, uint32_t total)
{
    ring_send_ok_n(f, &total, 1);
}

/* Data ring mode on TX (8.4): records, wrap-around, fallback packets, a full ring. */
static void test_ok_data_ring_tx(void **state)
{
    static const uint32_t mix[4] = { 200, 1000, 64, 1500 };
    struct ns_queue_stats s0, s1;
    char *v;

    (void)state;
    v = be_read(hostile_dom, 0, XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER);
    CHECK(be_has(hostile_dom, 0, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING, "1") && v &&
          !strcmp(v, "6"), "the backend does not offer a data ring of order up to 6 (%s = %s)",
          XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER, v ? v : "(none)");
    free(v);
    connect_ring(1, 256, 256);
    /* A frame wholly in its record: no grant operation at all. */
    s0 = q0_stats(hf);
    ring_send_ok(hf, 200);
    s1 = q0_stats(hf);
    CHECK(s1.tx_staged == s0.tx_staged + 1 && s1.tx_staged_bytes == s0.tx_staged_bytes + 200,
          "tx_staged %llu -> %llu, bytes +%llu for a 200-octet record",
          (unsigned long long)s0.tx_staged, (unsigned long long)s1.tx_staged,
          (unsigned long long)(s1.tx_staged_bytes - s0.tx_staged_bytes));
    CHECK(s1.grant_copy_segs == s0.grant_copy_segs, "a frame wholly in its record cost %llu "
          "grant-copy segments", (unsigned long long)(s1.grant_copy_segs - s0.grant_copy_segs));
    /* Head of 256 in the record, [256, 1000) by one grant copy; pool octets below h are JUNK. */
    ring_send_ok(hf, 1000);
    s0 = q0_stats(hf);
    CHECK(s0.tx_staged == s1.tx_staged + 1 && s0.tx_staged_bytes == s1.tx_staged_bytes + 256,
          "tx_staged +%llu, bytes +%llu for a 1000-octet frame with h = 256",
          (unsigned long long)(s0.tx_staged - s1.tx_staged),
          (unsigned long long)(s0.tx_staged_bytes - s1.tx_staged_bytes));
    CHECK(s0.grant_copy_segs == s1.grant_copy_segs + 1, "%llu grant-copy segments for octets "
          "[256, 1000)", (unsigned long long)(s0.grant_copy_segs - s1.grant_copy_segs));
    /* Batches of mixed sizes, around the 4096-octet ring several times: records
     * straddle its end (header before it, head octets after). */
    for (unsigned round = 0; round < 12; round++)
        ring_send_ok_n(hf, mix, 4);
    CHECK(ring_out_prod > 2 * ring_size(hf), "the test did not wrap the ring (%u)", ring_out_prod);
    /* A plain packet between flagged ones (the fallback, 8.4): records follow
     * the flagged packets' order. */
    {
        static uint8_t fa[300], fb[700], fc[120], got[RF_PAGE];
        union netif_tx_sring_entry e[3];
        uint32_t ma = ++marker_seq, mb = ++marker_seq, mc = ++marker_seq;
        uint16_t id = take_ids(hf, 3);
        struct frag fr[1] = { { FR_POOL, 9, 0, sizeof(fb), 0 } };
        struct cap c;

        make_frame(fa, sizeof(fa), ma);
        make_frame(fb, sizeof(fb), mb);
        make_frame(fc, sizeof(fc), mc);
        ring_frame(hf, fa, sizeof(fa), id, 4, &e[0]);
        lay_out(hf, fb, sizeof(fb), (uint16_t)(id + 1), fr, 1, &e[1]);   /* no slots: all granted */
        ring_frame(hf, fc, sizeof(fc), (uint16_t)(id + 2), 5, &e[2]);
        publish_out_prod(hf, ring_out_prod);
        s0 = q0_stats(hf);
        CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
        push_expect(hf, e, 3, NETIF_RSP_OKAY);
        CHECK(cap_next(&c, ma, got, sizeof(got), T_RSP) == (int)sizeof(fa) &&
              !memcmp(got, fa, sizeof(fa)), "flagged frame 1 of 3 did not arrive intact");
        CHECK(cap_next(&c, mb, got, sizeof(got), T_RSP) == (int)sizeof(fb) &&
              !memcmp(got, fb, sizeof(fb)), "the plain frame between them did not arrive intact");
        CHECK(cap_next(&c, mc, got, sizeof(got), T_RSP) == (int)sizeof(fc) &&
              !memcmp(got, fc, sizeof(fc)), "flagged frame 3 of 3 did not arrive intact");
        cap_close(&c);
        s1 = q0_stats(hf);
        CHECK(s1.fallback[NS_FALLBACK_RING_FULL] == s0.fallback[NS_FALLBACK_RING_FULL] + 1,
              "fallback_ring_full +%llu for one plain packet on a data ring queue",
              (unsigned long long)(s1.fallback[NS_FALLBACK_RING_FULL] -
                                   s0.fallback[NS_FALLBACK_RING_FULL]));
        expect_ring_drained(hf);
    }
    /* A full ring: out_prod exactly R ahead of out_cons is legal (8.2),
     * 16 records of 8 + 248 octets. */
    {
        uint32_t sizes[16];

        CHECK(intf_get(hf, INTF_OFF(out_cons)) == ring_out_prod, "the ring is not empty");
        for (unsigned i = 0; i < 16; i++)
            sizes[i] = 248;
        ring_send_ok_n(hf, sizes, 16);
    }
    expect_alive(hf);
    hostile_finish();

    /* tx-data-len exactly half the ring (8.1): a 2048-octet record, then a
     * frame of 2100 with its last 52 octets by grant copy. */
    connect_ring(1, 2048, 0);
    ring_send_ok(hf, 2048);
    ring_send_ok(hf, 2100);
    ring_send_ok(hf, 18);
    hostile_finish();

    /* The largest order offered, 64 pages, and a length that is no power of two. */
    connect_ring(6, 1500, 64);
    ring_send_ok(hf, 1500);
    ring_send_ok(hf, 1501);
    expect_bystanders();
    hostile_finish();
}

/* Data ring mode on RX (8.5): the in ring is the first half of ref[]. */
static void test_ok_data_ring_rx(void **state)
{
    static uint8_t frame[300], buf[RF_PAGE];
    struct netif_rx_request r;
    struct xen_netif_data_ring_rec h;
    const struct netif_rx_response *rsp = &hf->shm->rx_rsp[0];
    struct cap c;

    (void)state;
    connect_ring(1, 256, 256);
    /* 300 octets: h = 256 in a record, [256, 300) in the posted page. */
    memset(buf, JUNK, sizeof(buf));
    CHECK(rfk_fill(hf, RF_RX_POOL, 4, 0, buf, RF_PAGE) == 0, "junk the RX page");
    r = (struct netif_rx_request){ .id = 9, .gref = hf->shm->refs.rx_pool[4] };
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    make_frame(frame, 300, ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, frame, 300) == 0, "inject: %s", strerror(errno));
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response for a 300-octet frame");
    CHECK(rsp->id == 9 && rsp->status == 300 && (rsp->flags & NETRXF_data_ring) &&
          !(rsp->flags & NETRXF_more_data), "RX response id %u status %d flags %#x, expected id 9 "
          "status 300 with NETRXF_data_ring", rsp->id, rsp->status, rsp->flags);
    CHECK(intf_get(hf, INTF_OFF(in_prod)) == 8 + 256, "in_prod %u, expected 264",
          intf_get(hf, INTF_OFF(in_prod)));
    ring_read(hf, RF_DRING_IN, 0, &h, sizeof(h));
    CHECK(h.len == 256 && h.id == 9 && h.reserved == 0, "RX record {len %u, id %u, reserved %u}, "
          "expected {256, 9, 0}", h.len, h.id, h.reserved);
    ring_read(hf, RF_DRING_IN, 8, buf, 256);
    CHECK(!memcmp(buf, frame, 256), "the RX record does not hold the frame's first 256 octets");
    CHECK(rfk_read(hf, RF_RX_POOL, 4, 0, buf, RF_PAGE) == 0, "read the RX page");
    for (uint32_t p = 0; p < 320; p++) {
        uint8_t want = p >= 256 && p < 300 ? frame[p] : JUNK;

        CHECK(buf[rsp->offset + p] == want, "RX page octet %u is %#x, expected %#x", p,
              buf[rsp->offset + p], want);
    }
    /* 100 octets: the whole frame in the next record, the page untouched. */
    intf_set(hf, INTF_OFF(in_cons), 8 + 256);
    r = (struct netif_rx_request){ .id = 10, .gref = hf->shm->refs.rx_pool[5] };
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    make_frame(frame, 100, ++marker_seq);
    CHECK(cap_send(&c, frame, 100) == 0, "inject: %s", strerror(errno));
    cap_close(&c);
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response for a 100-octet frame");
    CHECK(rsp->id == 10 && rsp->status == 100 && (rsp->flags & NETRXF_data_ring),
          "RX response id %u status %d flags %#x", rsp->id, rsp->status, rsp->flags);
    ring_read(hf, RF_DRING_IN, 264, &h, sizeof(h));
    CHECK(h.len == 100 && h.id == 10 && h.reserved == 0, "RX record {len %u, id %u, reserved %u}, "
          "expected {100, 10, 0}", h.len, h.id, h.reserved);
    ring_read(hf, RF_DRING_IN, 272, buf, 104);
    CHECK(!memcmp(buf, frame, 100) && !buf[100] && !buf[101] && !buf[102] && !buf[103],
          "the second RX record does not hold the frame and zero padding");
    CHECK(intf_get(hf, INTF_OFF(in_prod)) == 264 + 112, "in_prod %u, expected 376",
          intf_get(hf, INTF_OFF(in_prod)));
    expect_alive(hf);
    hostile_finish();
}

/* ---- data ring, tier b: a broken out ring disables the vif (8.6) ---------------------- */

/* One packet of an attack: a marked frame, its head h, its request. */
struct ring_pkt {
    uint8_t frame[RF_PAGE];
    uint32_t total, h, marker, at;     /* at: the out ring index of its record */
    uint16_t id;
    bool whole;                        /* a whole record (8.7): no request, e unused */
    union netif_tx_sring_entry e;
};

/*
 * Connect with a ring of order 1 and tx-data-len 256, prove it works with
 * one valid flagged frame (unless !warm), then lay out the next packet
 * without writing its record: `big` selects a frame wholly in its record
 * (the backend's small-packet path) or one of 1000 octets, h = 256 (the
 * parsed path, the rest by grant copy).
 */
static void ring_attack_begin(bool big, bool warm, struct ring_pkt *p)
{
    uint32_t L = 256;

    connect_ring(1, (uint16_t)L, 256);
    if (warm)
        ring_send_ok(hf, big ? 700 : 100);
    p->whole = false;
    p->total = big ? 1000 : 200;
    p->h = p->total < L ? p->total : L;
    p->marker = ++marker_seq;
    p->id = take_ids(hf, 1);
    p->at = ring_out_prod;
    make_frame(p->frame, p->total, p->marker);
    if (big) {
        static uint8_t tmp[RF_PAGE];

        memset(tmp, JUNK, p->h);
        memcpy(tmp + p->h, p->frame + p->h, p->total - p->h);
        CHECK(rfk_fill(hf, RF_TX_POOL, 2, 0, tmp, p->total) == 0, "fill pool 2");
        p->e = R(pool(hf, 2), 0, NETTXF_data_ring, p->id, (uint16_t)p->total);
    } else {
        p->e = R(0, 0, NETTXF_data_ring, p->id, (uint16_t)p->total);
    }
}

/*
 * Push the packet (a whole record: only notify): the vif must be disabled
 * with a reason naming the rule, in_error and out_error set, the packet
 * not transmitted, the rings dead, everything released, the other vifs
 * unaffected.
 */
static void ring_attack_end(const struct ring_pkt *p, const char *keyword)
{
    uint32_t in_err, out_err;
    unsigned n = p->whole ? 0 : 1;
    struct cap c;

    CHECK(cap_open(&c, hf->domid, 0) == 0, "capture on the hostile vif");
    CHECK(rfk_tx_push(hf, &p->e, n, n) == 0, "push");
    expect_fatal(hf, keyword, true);
    CHECK(!cap_seen(&c, p->marker, T_QUIET), "the packet of a broken data ring reached the TAP");
    cap_close(&c);
    in_err = intf_get(hf, INTF_OFF(in_error));
    out_err = intf_get(hf, INTF_OFF(out_error));
    CHECK(in_err != 0 && out_err != 0, "the vif was disabled for its data ring, but in_error = "
          "%u and out_error = %u (8.6: both nonzero before disabling)", in_err, out_err);
    expect_no_service(hf);
    expect_bystanders();
    hostile_finish();
}

/* A flagged request whose record is written but not published: out_prod not advanced. */
static void test_b_ring_record_not_published(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        out_record(hf, p.at, (uint16_t)p.h, p.id, 0, p.frame, p.h);
        ring_attack_end(&p, "no data ring record");
    }
}

/* A flagged request with nothing in the ring at all, on a fresh ring (out_prod 0). */
static void test_b_ring_no_record_on_fresh_ring(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, false, &p);
        ring_attack_end(&p, "no data ring record");
    }
}

/* The record names another request's id. */
static void test_b_ring_record_wrong_id(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        publish_out_prod(hf, out_record(hf, p.at, (uint16_t)p.h, (uint16_t)(p.id + 1), 0, p.frame,
                                        p.h));
        ring_attack_end(&p, "another id");
    }
}

/* len other than min(size, tx-data-len): shorter, or the whole frame past h. */
static void test_b_ring_record_wrong_len(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        /* A consistent record (its octets and padding there), only too short. */
        publish_out_prod(hf, out_record(hf, p.at, (uint16_t)(p.h - 8), p.id, 0, p.frame,
                                        p.h - 8));
        ring_attack_end(&p, "wrong length");
    }
    {
        struct ring_pkt p;

        /* 1000 octets in the record while tx-data-len is 256. */
        ring_attack_begin(true, true, &p);
        publish_out_prod(hf, out_record(hf, p.at, (uint16_t)p.total, p.id, 0, p.frame, p.total));
        ring_attack_end(&p, "wrong length");
    }
}

static void test_b_ring_record_reserved_nonzero(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        /* A flag that is not the whole-record bit, or the reserved half. */
        publish_out_prod(hf, out_record(hf, p.at, (uint16_t)p.h, p.id, big ? 0x80000000u : 2,
                                        p.frame, p.h));
        ring_attack_end(&p, "reserved");
    }
}

/* out_prod covers the record and 4 octets more: not a multiple of 8. */
static void test_b_ring_out_prod_misaligned(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;
        uint32_t end;

        ring_attack_begin(big, true, &p);
        end = out_record(hf, p.at, (uint16_t)p.h, p.id, 0, p.frame, p.h);
        publish_out_prod(hf, big ? end - 4 : end + 4);
        ring_attack_end(&p, "multiple of 8");
    }
}

/* out_prod more than R ahead of out_cons, with a valid record in place. */
static void test_b_ring_out_prod_beyond_ring(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        out_record(hf, p.at, (uint16_t)p.h, p.id, 0, p.frame, p.h);
        /* R + 8: aligned, and the record is there; 2^31: far away. */
        publish_out_prod(hf, big ? p.at + 0x80000000u : p.at + ring_size(hf) + 8);
        ring_attack_end(&p, "more than a ring ahead");
    }
}

/* Only the header published: the record runs past out_prod (8.4: REC_SIZE(len) <= prod - cons). */
static void test_b_ring_record_past_out_prod(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        out_record(hf, p.at, (uint16_t)p.h, p.id, 0, p.frame, p.h);
        publish_out_prod(hf, p.at + 8);
        ring_attack_end(&p, "past the producer index");
    }
}

/*
 * Flags the ring does not make valid are tier a (7, 8.6): NETTXF_data_ring
 * on a queue whose data ring carries no TX heads (no tx-data-len) or on a
 * follow-on request, and NETTXF_staging_buffer in data ring mode.  Each
 * packet is dropped, the vif stays, and ring frames after them still go
 * (no record was taken for them).
 */
static void test_a_ring_unusable_flags(void **state)
{
    union netif_tx_sring_entry e[2];
    uint32_t m;

    (void)state;
    connect_ring(1, 0, 256);
    m = mark_head(hf, 30, 100);
    e[0] = R(pool(hf, 0), 0, NETTXF_data_ring, 30, 100);
    expect_drop(e, 1, m);
    expect_ring_drained(hf);
    send_ok(hf, 300);
    hostile_finish();

    connect_ring(1, 256, 256);
    ring_send_ok(hf, 100);
    m = mark_head(hf, 40, 600);
    e[0] = R(pool(hf, 0), 0, NETTXF_more_data, 40, 600);
    e[1] = R(pool(hf, 8), 0, NETTXF_data_ring, 41, 300);
    expect_drop(e, 2, m);
    e[0] = R(3, 0, NETTXF_staging_buffer, 42, 100);
    expect_drop(e, 1, 0);
    e[0] = R(XEN_NETIF_DATA_ID_RX(3), 0, NETTXF_staging_buffer, 43, 100);
    expect_drop(e, 1, 0);
    ring_send_ok(hf, 300);
    ring_send_ok(hf, 1000);
    expect_bystanders();
    hostile_finish();
}

/*
 * The in ring (8.5, 8.6): the backend rereads in_cons only when a record
 * does not fit.  A valid in_cons that leaves no room sends the frame as
 * plain netif (fallback_ring_full); one that is not a multiple of 8
 * disables the vif with in_error and out_error set.
 */
static void test_b_ring_in_cons_misaligned(void **state)
{
    static uint8_t frames[16][300], buf[RF_PAGE];
    struct netif_rx_request r[16];
    const struct netif_rx_response *rsp = hf->shm->rx_rsp;

    (void)state;
    for (int bad = 0; bad < 2; bad++) {
        struct ns_queue_stats s0, s1;
        struct cap c;

        connect_ring(1, 0, 256);
        for (unsigned i = 0; i < 16; i++)
            r[i] = (struct netif_rx_request){ .id = (uint16_t)i,
                                              .gref = hf->shm->refs.rx_pool[i] };
        CHECK(rfk_rx_post(hf, r, 16, 16) == 0, "post");
        if (bad)
            intf_set(hf, INTF_OFF(in_cons), 4);
        s0 = q0_stats(hf);
        /* Records of 8 + 256: fifteen fill 3960 of the 4096 octets. */
        CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
        for (unsigned i = 0; i < 16; i++) {
            make_frame(frames[i], 300, ++marker_seq);
            CHECK(cap_send(&c, frames[i], 300) == 0, "inject: %s", strerror(errno));
        }
        cap_close(&c);
        if (bad) {
            uint32_t in_err, out_err;

            expect_fatal(hf, "in_cons", true);
            in_err = intf_get(hf, INTF_OFF(in_error));
            out_err = intf_get(hf, INTF_OFF(out_error));
            CHECK(in_err != 0 && out_err != 0, "the vif was disabled for its data ring, but "
                  "in_error = %u and out_error = %u", in_err, out_err);
            expect_bystanders();
            hostile_finish();
            break;
        }
        CHECK(rfk_rx_collect(hf, 16, T_RSP) == 16, "%u RX responses to 16 frames",
              hf->shm->got);
        for (unsigned i = 0; i < 16; i++)
            CHECK(rsp[i].id == i && rsp[i].status == 300 &&
                  !(rsp[i].flags & NETRXF_data_ring) == (i == 15),
                  "RX response %u: id %u status %d flags %#x; expected the data ring flag on "
                  "the first 15 only", i, rsp[i].id, rsp[i].status, rsp[i].flags);
        CHECK(rfk_read(hf, RF_RX_POOL, 15, 0, buf, RF_PAGE) == 0, "read");
        CHECK(!memcmp(buf + rsp[15].offset, frames[15], 300),
              "the frame that found the ring full is not whole in its page");
        s1 = q0_stats(hf);
        CHECK(s1.fallback[NS_FALLBACK_RING_FULL] == s0.fallback[NS_FALLBACK_RING_FULL] + 1,
              "fallback_ring_full +%llu",
              (unsigned long long)(s1.fallback[NS_FALLBACK_RING_FULL] -
                                   s0.fallback[NS_FALLBACK_RING_FULL]));
        CHECK(intf_get(hf, INTF_OFF(in_prod)) == 15 * 264, "in_prod %u, expected %u",
              intf_get(hf, INTF_OFF(in_prod)), 15 * 264);
        expect_alive(hf);
        hostile_finish();
    }
}

/* ---- data ring, whole records (8.7): small packets without ring requests -------------- */

/* Moving an index from old to new passes the event index ev (ev in (old, new]). */
static bool event_due(uint32_t ev, uint32_t old, uint32_t new_idx)
{
    return new_idx - ev < new_idx - old;
}

/*
 * Until the backend, idle on index idx (its out_cons, or the in_cons it
 * waits on), has asked for an event at the next record: the event index
 * at interface page offset `off` in (idx, idx + 8], which any record or
 * release passes.
 */
static void wait_armed(struct rfk *f, uint32_t off, uint32_t idx, const char *what)
{
    long deadline = now_ms() + T_RSP;
    uint32_t ev;

    for (;;) {
        ev = intf_get(f, off);
        if (ev - idx - 1 < 8 || now_ms() > deadline)
            break;
        sleep_ms(1);
    }
    CHECK(ev - idx - 1 < 8, "the backend waits with %s at %u, but its event index (offset %#x) "
          "is %u, not in (%u, %u]: it would sleep through the next record", what, idx, off, ev,
          idx, idx + 8);
}

/* An event on the TX (or only) channel, moving no index. */
static void tx_kick(struct rfk *f)
{
    CHECK(rfk_tx_push(f, NULL, 0, 0) == 0, "notify the backend");
}

/* A whole record (8.7) of n octets with these checksum flags at ring_out_prod, not published. */
static void whole_rec(struct rfk *f, uint16_t csum_flags, const uint8_t *frame, uint32_t n)
{
    ring_out_prod = out_record(f, ring_out_prod, (uint16_t)n, 0,
                               XEN_NETIF_DATA_REC_WHOLE | csum_flags, frame, n);
}

/*
 * Publish the out ring up to ring_out_prod as a frontend with whole
 * records does (8.7): out_prod, then an event if it passes the backend's
 * out_prod_event.  The backend is idle with the ring drained, so it must
 * have asked for one at the next record.
 */
static void publish_whole(struct rfk *f)
{
    uint32_t old = intf_get(f, INTF_OFF(out_cons));

    wait_armed(f, INTF_OFF(out_prod_event), old, "out_cons");
    publish_out_prod(f, ring_out_prod);
    if (event_due(intf_get(f, INTF_OFF(out_prod_event)), old, ring_out_prod))
        tx_kick(f);
}

/* Whole records carry no response: the backend gives their space back by itself. */
static void wait_ring_drained(struct rfk *f)
{
    long deadline = now_ms() + T_RSP;

    while (intf_get(f, INTF_OFF(out_cons)) != ring_out_prod && now_ms() < deadline)
        sleep_ms(1);
    expect_ring_drained(f);
}

/*
 * The frames must reach the TAP in this order, byte for byte, with nothing
 * before or between them; those below 14 octets must not arrive at all.
 */
static void cap_expect_seq(struct cap *c, uint8_t (*frames)[RF_PAGE], const uint32_t *sizes,
                           unsigned n)
{
    static uint8_t got[70000];

    for (unsigned i = 0; i < n; i++) {
        int len;

        if (sizes[i] < 14)
            continue;
        len = cap_any(c, got, sizeof(got), T_RSP);
        CHECK(len >= 0, "frame %u of %u (%u octets, marker %#x) never reached the TAP", i, n,
              sizes[i], frame_marker(frames[i], sizes[i]));
        CHECK(len == (int)sizes[i] && !memcmp(got, frames[i], sizes[i]),
              "frame %u of %u: %d octets (marker %#x) arrived where %u octets (marker %#x) were "
              "due%s", i, n, len, frame_marker(got, (size_t)len), sizes[i],
              frame_marker(frames[i], sizes[i]),
              len == (int)sizes[i] ? ", with other octets" : "");
    }
}

/*
 * Whole records of the given sizes (csum[i] their checksum flags; none
 * when csum is NULL), published at once: the frames arrive intact and in
 * order, those below 14 octets not at all, and with quiet_ms nothing more
 * within that time; the backend gives the ring back and answers nothing
 * on the TX ring.
 */
static void whole_send_n(struct rfk *f, const uint32_t *sizes, const uint16_t *csum, unsigned n,
                         int quiet_ms)
{
    static uint8_t frames[16][RF_PAGE], got[70000];
    uint32_t rsp;
    struct cap c;
    int len;

    CHECK(n <= 16, "whole_send_n: %u frames", n);
    for (unsigned i = 0; i < n; i++) {
        make_frame(frames[i], sizes[i], ++marker_seq);
        whole_rec(f, csum ? csum[i] : 0, frames[i], sizes[i]);
    }
    rsp = f->shm->tx_rsp_prod;
    CHECK(cap_open(&c, f->domid, f->devid) == 0, "capture on vif%u.%u", f->domid, f->devid);
    publish_whole(f);
    cap_expect_seq(&c, frames, sizes, n);
    len = quiet_ms ? cap_any(&c, got, sizeof(got), quiet_ms) : -1;
    cap_close(&c);
    CHECK(len < 0, "a frame of %d octets (marker %#x) reached the TAP after the %u whole "
          "records%s", len, frame_marker(got, (size_t)len), n,
          len >= 0 && len < 14 ? ": a record below the Ethernet minimum was sent" : "");
    wait_ring_drained(f);
    CHECK(f->shm->tx_rsp_prod == rsp, "TX rsp_prod %u -> %u for whole records, which have no "
          "request", rsp, f->shm->tx_rsp_prod);
}

static void whole_send_ok(struct rfk *f, uint32_t total)
{
    whole_send_n(f, &total, NULL, 1, 0);
}

/*
 * Whole records on TX (8.7): small frames as records with no request, in
 * the out ring's order with a flagged packet's record; around the ring and
 * a full ring; the backend asks for an event at the next record
 * (out_prod_event) and sends one when its release passes out_cons_event.
 */
static void test_ok_data_ring_whole_tx(void **state)
{
    static const uint32_t mix[4] = { 200, 18, 256, 100 };
    static const uint16_t mix_csum[4] = { 0, 0, 0, XEN_NETIF_DATA_REC_DATA_VALIDATED };
    uint32_t sizes[16];

    (void)state;
    CHECK(be_has(hostile_dom, 0, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE, "1"),
          "the backend does not offer %s = 1", XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE);
    connect_ring_whole(1, 256, 256, true, false);
    whole_send_ok(hf, 100);
    /* Records A and B whole (B data validated), C a flagged packet's (1000
     * octets, h = 256, the rest granted), D and E whole (E of tx-data-len);
     * then C's request.  Frames in record order, one response. */
    {
        static uint8_t fr[5][RF_PAGE];
        static const uint32_t sz[5] = { 100, 60, 1000, 18, 256 };
        union netif_tx_sring_entry e;
        uint16_t id = take_ids(hf, 1);
        struct ns_queue_stats s0, s1;
        uint32_t rsp;
        struct cap c;

        for (unsigned i = 0; i < 5; i++)
            make_frame(fr[i], sz[i], ++marker_seq);
        whole_rec(hf, 0, fr[0], sz[0]);
        whole_rec(hf, XEN_NETIF_DATA_REC_DATA_VALIDATED, fr[1], sz[1]);
        ring_frame(hf, fr[2], sz[2], id, 3, &e);
        whole_rec(hf, 0, fr[3], sz[3]);
        whole_rec(hf, 0, fr[4], sz[4]);
        s0 = q0_stats(hf);
        rsp = hf->shm->tx_rsp_prod;
        CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
        publish_out_prod(hf, ring_out_prod);
        push_expect(hf, &e, 1, NETIF_RSP_OKAY);
        cap_expect_seq(&c, fr, sz, 5);
        cap_close(&c);
        wait_ring_drained(hf);
        CHECK(hf->shm->tx_rsp_prod == rsp + 1, "TX rsp_prod moved by %u for one request among "
              "four whole records", hf->shm->tx_rsp_prod - rsp);
        s1 = q0_stats(hf);
        CHECK(s1.tx_packets == s0.tx_packets + 5, "tx_packets +%llu for five frames",
              (unsigned long long)(s1.tx_packets - s0.tx_packets));
    }
    /* Around the 4096-octet ring more than twice: records straddle its end. */
    for (unsigned round = 0; round < 16; round++)
        whole_send_n(hf, mix, mix_csum, 4, 0);
    CHECK(ring_out_prod > 2 * ring_size(hf), "the test did not wrap the ring (%u)", ring_out_prod);
    /* A full ring: out_prod R ahead of out_cons, 16 records of 8 + 248 octets. */
    for (unsigned i = 0; i < 16; i++)
        sizes[i] = 248;
    whole_send_n(hf, sizes, NULL, 16, 0);
    /* A frontend waiting for space asks for an event at out_cons_event. */
    {
        uint32_t want = ring_out_prod + 1;
        unsigned drained = 0;

        while (drained < 100 && rfk_event(hf, 0))
            drained++;
        intf_set(hf, INTF_OFF(out_cons_event), want);
        sizes[0] = 120;
        sizes[1] = 64;
        whole_send_n(hf, sizes, NULL, 2, 0);
        CHECK(rfk_event(hf, T_RSP) == 1, "out_cons passed out_cons_event %u (now %u), but the "
              "backend sent no event: a frontend waiting for space would hang", want,
              ring_out_prod);
    }
    expect_alive(hf);
    expect_bystanders();
    hostile_finish();
}

/* Whole records below the Ethernet minimum (13 octets, none) are dropped and counted (tier a). */
static void test_a_ring_whole_short(void **state)
{
    static const uint32_t first[3] = { 13, 0, 100 }, last[2] = { 100, 13 };
    struct ns_queue_stats s0, s1;

    (void)state;
    connect_ring_whole(1, 256, 256, true, false);
    whole_send_ok(hf, 100);
    s0 = q0_stats(hf);
    whole_send_n(hf, first, NULL, 3, 0);
    s1 = q0_stats(hf);
    CHECK(s1.drops[NS_DROP_MALFORMED] == s0.drops[NS_DROP_MALFORMED] + 2 &&
          s1.tx_packets == s0.tx_packets + 1, "drops malformed +%llu, tx_packets +%llu for whole "
          "records of 13, 0 and 100 octets; expected +2 and +1",
          (unsigned long long)(s1.drops[NS_DROP_MALFORMED] - s0.drops[NS_DROP_MALFORMED]),
          (unsigned long long)(s1.tx_packets - s0.tx_packets));
    /* Last of a batch: nothing after the valid frame. */
    whole_send_n(hf, last, NULL, 2, T_QUIET);
    s0 = q0_stats(hf);
    CHECK(s0.drops[NS_DROP_MALFORMED] == s1.drops[NS_DROP_MALFORMED] + 1,
          "drops malformed +%llu for a whole record of 13 octets",
          (unsigned long long)(s0.drops[NS_DROP_MALFORMED] - s1.drops[NS_DROP_MALFORMED]));
    expect_alive(hf);
    whole_send_ok(hf, 60);
    ring_send_ok(hf, 700);
    expect_bystanders();
    hostile_finish();
}

/*
 * Connect with whole records on TX (tx-data-len 256) and prove they work;
 * then a marked frame of `total` octets as the next whole record's, at
 * p->at (not written).  With `wrap` the ring is first filled to 24 octets
 * before its end, so that record straddles it.
 */
static void whole_attack_begin(bool wrap, uint32_t total, struct ring_pkt *p)
{
    uint32_t sizes[16];
    unsigned n = 1;

    connect_ring_whole(1, 256, 256, true, false);
    sizes[0] = 100;
    if (wrap)
        for (; n < 16; n++)
            sizes[n] = 256;                 /* 112 + 15 * 264 = R - 24 */
    whole_send_n(hf, sizes, NULL, n, 0);
    CHECK(!wrap || ring_out_prod == ring_size(hf) - 24, "out_prod %u, expected %u", ring_out_prod,
          ring_size(hf) - 24);
    p->whole = true;
    p->total = p->h = total;
    p->marker = ++marker_seq;
    p->id = 0;
    p->at = ring_out_prod;
    make_frame(p->frame, total, p->marker);
}

static void test_b_ring_whole_nonzero_id(void **state)
{
    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        struct ring_pkt p;

        whole_attack_begin(wrap, 100, &p);
        publish_out_prod(hf, out_record(hf, p.at, 100, wrap ? 0xffff : 1, XEN_NETIF_DATA_REC_WHOLE,
                                        p.frame, 100));
        ring_attack_end(&p, "nonzero id");
    }
}

static void test_b_ring_whole_reserved_nonzero(void **state)
{
    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        struct ring_pkt p;

        whole_attack_begin(wrap, 100, &p);
        publish_out_prod(hf, out_record(hf, p.at, 100, 0, XEN_NETIF_DATA_REC_WHOLE |
                                        (wrap ? 0x80000000u : 0x10000u), p.frame, 100));
        ring_attack_end(&p, "unknown flags or reserved");
    }
}

/* Flag bits besides WHOLE, CSUM_BLANK and DATA_VALIDATED: bit 3, bit 15. */
static void test_b_ring_whole_unknown_flag(void **state)
{
    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        struct ring_pkt p;

        whole_attack_begin(wrap, 100, &p);
        publish_out_prod(hf, out_record(hf, p.at, 100, 0, XEN_NETIF_DATA_REC_WHOLE |
                                        XEN_NETIF_DATA_REC_DATA_VALIDATED |
                                        (wrap ? 0x8000u : 0x8u), p.frame, 100));
        ring_attack_end(&p, "unknown flags or reserved");
    }
}

/* len > tx-data-len: 257 octets all there, or a header saying 65535 over 300. */
static void test_b_ring_whole_longer_than_tx_len(void **state)
{
    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        struct ring_pkt p;

        whole_attack_begin(wrap, wrap ? 300 : 257, &p);
        publish_out_prod(hf, out_record(hf, p.at, wrap ? 0xffff : 257, 0, XEN_NETIF_DATA_REC_WHOLE,
                                        p.frame, p.total));
        ring_attack_end(&p, "longer than");
    }
}

/* Only the header published, or all but the last 8 octets (across the ring's end). */
static void test_b_ring_whole_past_out_prod(void **state)
{
    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        struct ring_pkt p;
        uint32_t end;

        whole_attack_begin(wrap, 100, &p);
        end = out_record(hf, p.at, 100, 0, XEN_NETIF_DATA_REC_WHOLE, p.frame, 100);
        publish_out_prod(hf, wrap ? end - 8 : p.at + 8);
        ring_attack_end(&p, "past the producer index");
    }
}

/*
 * With whole records, a flagged request still needs its record: none
 * published, or only a whole record (which goes) before it.
 */
static void test_b_ring_whole_mode_no_record(void **state)
{
    (void)state;
    for (int w = 0; w < 2; w++) {
        static uint8_t fw[120];
        struct ring_pkt p;

        whole_attack_begin(false, 200, &p);
        p.whole = false;
        p.id = take_ids(hf, 1);
        p.e = R(0, 0, NETTXF_data_ring, p.id, 200);
        if (w) {
            make_frame(fw, sizeof(fw), ++marker_seq);
            whole_rec(hf, 0, fw, sizeof(fw));
            publish_out_prod(hf, ring_out_prod);
        }
        ring_attack_end(&p, "no data ring record");
    }
}

/* Without tx-data-ring-whole, a whole record where a flagged packet's record is due. */
static void test_b_ring_whole_record_unnegotiated(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        struct ring_pkt p;

        ring_attack_begin(big, true, &p);
        publish_out_prod(hf, out_record(hf, p.at, (uint16_t)p.h, 0, XEN_NETIF_DATA_REC_WHOLE,
                                        p.frame, p.h));
        ring_attack_end(&p, "whole record where a flagged packet's record was due");
    }
}

/* CPU time netstage-back has used so far, in ms (all its threads). */
static long back_cpu_ms(void)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)back_pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/*
 * With whole records, a flagged packet's record published before its
 * request (8.4 orders them so): the backend waits for the request asleep,
 * not spinning on the record it has seen.
 */
static void test_ok_ring_whole_record_before_request(void **state)
{
    static uint8_t frame[200], got[RF_PAGE];
    union netif_tx_sring_entry e;
    uint32_t m = ++marker_seq;
    uint16_t id;
    long c0, c1;
    struct cap c;

    (void)state;
    connect_ring_whole(1, 256, 256, true, false);
    whole_send_ok(hf, 100);
    make_frame(frame, sizeof(frame), m);
    id = take_ids(hf, 1);
    ring_frame(hf, frame, sizeof(frame), id, 0, &e);
    publish_whole(hf);
    sleep_ms(T_QUIET);
    c0 = back_cpu_ms();
    sleep_ms(1000);
    c1 = back_cpu_ms();
    CHECK(c0 >= 0 && c1 >= 0, "cannot read the CPU time of netstage-back");
    CHECK(c1 - c0 < 300, "netstage-back used %ld ms of CPU in 1000 ms while its out ring held a "
          "flagged packet's record and the request was not yet published: it spins", c1 - c0);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "capture");
    push_expect(hf, &e, 1, NETIF_RSP_OKAY);
    CHECK(cap_next(&c, m, got, sizeof(got), T_RSP) == (int)sizeof(frame) &&
          !memcmp(got, frame, sizeof(frame)), "the flagged frame did not arrive intact");
    cap_close(&c);
    expect_ring_drained(hf);
    expect_alive(hf);
    hostile_finish();
}

/* Until in_prod is want (at most T_RSP): its last value. */
static uint32_t wait_in_prod(struct rfk *f, uint32_t want)
{
    long deadline = now_ms() + T_RSP;
    uint32_t v;

    while ((v = intf_get(f, INTF_OFF(in_prod))) != want && now_ms() < deadline)
        sleep_ms(1);
    return v;
}

/* The in-ring record at index `at` is a whole record of frame's n octets, zero-padded. */
static void expect_in_whole(struct rfk *f, uint32_t at, const uint8_t *frame, uint32_t n)
{
    static uint8_t buf[RF_PAGE];
    struct xen_netif_data_ring_rec h;
    uint32_t rec = XEN_NETIF_DATA_RING_REC_SIZE(n);

    ring_read(f, RF_DRING_IN, at, &h, sizeof(h));
    CHECK(h.len == n && h.id == 0 && h.flags == XEN_NETIF_DATA_REC_WHOLE && h.reserved == 0,
          "in-ring record at %u: {len %u, id %u, flags %#x, reserved %u}, expected a whole "
          "record {%u, 0, %#x, 0}", at, h.len, h.id, h.flags, h.reserved, n,
          XEN_NETIF_DATA_REC_WHOLE);
    ring_read(f, RF_DRING_IN, at + 8, buf, rec - 8);
    CHECK(!memcmp(buf, frame, n), "the whole record at %u does not hold the frame", at);
    for (uint32_t k = n; k < rec - 8; k++)
        CHECK(buf[k] == 0, "padding octet %u of the whole record at %u is %#x", k - n, at, buf[k]);
}

/*
 * Whole records on RX (8.7): a small frame is one whole record in the in
 * ring and consumes no request (an event if in_prod passes
 * in_prod_event); a larger one still takes its request with a flagged
 * record; with the in ring full the backend waits for space (asking at
 * in_cons_event) instead of falling back to plain netif.
 */
static void test_ok_data_ring_whole_rx(void **state)
{
    static uint8_t small[100], big[300], fill[17][248], buf[RF_PAGE];
    const struct netif_rx_response *rsp = &hf->shm->rx_rsp[0];
    struct xen_netif_data_ring_rec h;
    struct netif_rx_request r;
    uint32_t v, cons, full;
    unsigned drained = 0;
    struct cap c;

    (void)state;
    connect_ring_whole(1, 256, 256, false, true);
    memset(buf, JUNK, sizeof(buf));
    CHECK(rfk_fill(hf, RF_RX_POOL, 4, 0, buf, RF_PAGE) == 0, "junk the RX page");
    r = (struct netif_rx_request){ .id = 9, .gref = hf->shm->refs.rx_pool[4] };
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    while (drained < 100 && rfk_event(hf, 0))
        drained++;
    intf_set(hf, INTF_OFF(in_prod_event), 1);
    /* 100 octets: a whole record at 0, and an event. */
    make_frame(small, sizeof(small), ++marker_seq);
    CHECK(cap_open(&c, hf->domid, 0) == 0, "open the TAP");
    CHECK(cap_send(&c, small, sizeof(small)) == 0, "inject: %s", strerror(errno));
    v = wait_in_prod(hf, 112);
    CHECK(v == 112, "in_prod %u after a 100-octet frame, expected 112 (one whole record)", v);
    expect_in_whole(hf, 0, small, sizeof(small));
    CHECK(hf->shm->rx_rsp_prod == 0, "RX rsp_prod %u after a whole record, expected 0",
          hf->shm->rx_rsp_prod);
    CHECK(rfk_event(hf, T_RSP) == 1, "in_prod passed in_prod_event 1, but the backend sent no "
          "event");
    CHECK(rfk_read(hf, RF_RX_POOL, 4, 0, buf, RF_PAGE) == 0, "read the RX page");
    for (uint32_t p = 0; p < RF_PAGE; p++)
        CHECK(buf[p] == JUNK, "RX page octet %u is %#x after a whole record: the posted page "
              "was written", p, buf[p]);
    /* 300 octets: request 9 is still there for it: a flagged record and a response. */
    make_frame(big, sizeof(big), ++marker_seq);
    CHECK(cap_send(&c, big, sizeof(big)) == 0, "inject: %s", strerror(errno));
    CHECK(rfk_rx_collect(hf, 1, T_RSP) == 1, "no RX response for a 300-octet frame (request 9 "
          "should still be posted after the whole record)");
    CHECK(rsp->id == 9 && rsp->status == 300 && (rsp->flags & NETRXF_data_ring) &&
          !(rsp->flags & NETRXF_more_data), "RX response id %u status %d flags %#x, expected "
          "id 9 status 300 with NETRXF_data_ring", rsp->id, rsp->status, rsp->flags);
    v = intf_get(hf, INTF_OFF(in_prod));
    CHECK(v == 112 + 264, "in_prod %u, expected %u", v, 112 + 264);
    ring_read(hf, RF_DRING_IN, 112, &h, sizeof(h));
    CHECK(h.len == 256 && h.id == 9 && h.flags == 0 && h.reserved == 0, "RX record {len %u, id "
          "%u, flags %#x, reserved %u}, expected {256, 9, 0, 0}", h.len, h.id, h.flags,
          h.reserved);
    ring_read(hf, RF_DRING_IN, 120, buf, 256);
    CHECK(!memcmp(buf, big, 256), "the flagged record does not hold the frame's first 256 octets");
    CHECK(rfk_read(hf, RF_RX_POOL, 4, 0, buf, RF_PAGE) == 0, "read the RX page");
    CHECK((uint32_t)rsp->offset + 300 <= RF_PAGE && !memcmp(buf + rsp->offset + 256, big + 256, 44),
          "octets [256, 300) are not in the posted page at offset %u", rsp->offset);
    /* 16 whole records of 8 + 248 fill the ring; the 17th frame waits, a request posted or not. */
    cons = 112 + 264;
    full = cons + ring_size(hf);
    intf_set(hf, INTF_OFF(in_cons), cons);
    r = (struct netif_rx_request){ .id = 11, .gref = hf->shm->refs.rx_pool[5] };
    CHECK(rfk_rx_post(hf, &r, 1, 1) == 0, "post");
    for (unsigned i = 0; i < 17; i++) {
        make_frame(fill[i], sizeof(fill[i]), ++marker_seq);
        CHECK(cap_send(&c, fill[i], sizeof(fill[i])) == 0, "inject: %s", strerror(errno));
    }
    v = wait_in_prod(hf, full);
    CHECK(v == full, "in_prod %u, expected %u: 16 whole records of 256 octets after in_cons %u",
          v, full, cons);
    sleep_ms(T_QUIET);
    v = intf_get(hf, INTF_OFF(in_prod));
    CHECK(v == full && hf->shm->rx_rsp_prod == 1, "in_prod %u, RX rsp_prod %u with the in ring "
          "full: the 17th frame did not wait (8.7), it went past the ring", v,
          hf->shm->rx_rsp_prod);
    wait_armed(hf, INTF_OFF(in_cons_event), cons, "in_cons");
    for (unsigned i = 0; i < 16; i++)
        expect_in_whole(hf, cons + 256 * i, fill[i], sizeof(fill[i]));
    intf_set(hf, INTF_OFF(in_cons), full);
    if (event_due(intf_get(hf, INTF_OFF(in_cons_event)), cons, full))
        CHECK(rfk_rx_post(hf, NULL, 0, 0) == 0, "notify");
    v = wait_in_prod(hf, full + 256);
    CHECK(v == full + 256, "in_prod %u, expected %u once in_cons gave the ring back", v,
          full + 256);
    expect_in_whole(hf, full, fill[16], sizeof(fill[16]));
    CHECK(hf->shm->rx_rsp_prod == 1, "RX rsp_prod %u: a whole record took request 11",
          hf->shm->rx_rsp_prod);
    cap_close(&c);
    expect_alive(hf);
    expect_bystanders();
    hostile_finish();
}

/* ---- data ring, connect time (8.1, 8.2): refused with a reason, never mapped --------- */

struct bad_ring_connect {
    const char *name;
    uint8_t order;
    uint16_t tx_len, rx_len;
    void (*mutate)(struct rf_shm *s);
    const char *keyword;
};

static void m_ring_order_0(struct rf_shm *s) { s->dring.ring_order = 0; }
static void m_ring_order_7(struct rf_shm *s) { s->dring.ring_order = 7; }
static void m_ring_order_10(struct rf_shm *s) { s->dring.ring_order = 10; }
static void m_ring_order_huge(struct rf_shm *s) { s->dring.ring_order = 0x80000001u; }
static void m_ring_ref_repeat(struct rf_shm *s) { s->dring.ref[1] = s->dring.ref[0]; }
/* Order 2: an out-ring page that is also an in-ring page, three entries apart. */
static void m_ring_ref_repeat_far(struct rf_shm *s) { s->dring.ref[3] = s->dring.ref[0]; }
/* Ref 1 is the guest's xenstore page, a real grant to dom0: only the rule refuses it. */
static void m_ring_ref_1(struct rf_shm *s) { s->dring.ref[1] = 1; }
static void m_ring_ref_7(struct rf_shm *s) { s->dring.ref[0] = 7; }
static void m_ring_ref_intf(struct rf_shm *s) { s->dring.ref[0] = s->refs.dring_intf; }
static void m_ring_ref_intf_out(struct rf_shm *s) { s->dring.ref[1] = s->refs.dring_intf; }
static void m_ring_ref_ungranted(struct rf_shm *s) { s->dring.ref[1] = BAD_GREF; }
/* A read-only grant (a spare page) as an in-ring page, which the backend must write. */
static void m_ring_in_page_readonly(struct rf_shm *s) { s->dring.ref[0] = s->refs.extra[0]; }
static void m_ring_with_tx_data_ref(struct rf_shm *s)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", s->refs.extra[0]);
    ov_set(s, XEN_NETIF_STAGING_KEY_TX_DATA_REF, v);
}
static void m_ring_with_rx_data_ref(struct rf_shm *s)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", s->refs.extra[1]);
    ov_set(s, XEN_NETIF_STAGING_KEY_RX_DATA_REF, v);
}
static void m_ring_intf_ref_7(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_DATA_RING_REF, "7");
}
static void m_ring_intf_ungranted(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_DATA_RING_REF, "30000");
}
/* The interface page granted read-only (a spare page). */
static void m_ring_intf_readonly(struct rf_shm *s)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", s->refs.extra[2]);
    ov_set(s, XEN_NETIF_STAGING_KEY_DATA_RING_REF, v);
}
static void m_ring_tx_len_65536(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, "65536");
}
static void m_ring_tx_len_hex(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_TX_DATA_LEN, "0x100");
}

static void m_ring_tx_whole_2(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, "2");
}
static void m_ring_rx_whole_0(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE, "0");
}
static void m_ring_tx_whole_yes(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, "yes");
}
static void m_ring_tx_whole_1(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, "1");
}
static void m_ring_rx_whole_1(struct rf_shm *s)
{
    ov_set(s, XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE, "1");
}

static const struct bad_ring_connect bad_ring_connects[] = {
    { "data ring: ring_order 0", 1, 256, 256, m_ring_order_0, "data ring order 0 " },
    { "data ring: ring_order 7 > staging-data-ring-max-order 6", 1, 256, 256, m_ring_order_7,
      "data ring order 7 " },
    { "data ring: ring_order 10 > 9", 1, 256, 256, m_ring_order_10, "data ring order 10 " },
    { "data ring: ring_order 2^31 + 1", 1, 256, 256, m_ring_order_huge,
      "data ring order 2147483649 " },
    { "data ring: ref[1] repeats ref[0]", 1, 256, 256, m_ring_ref_repeat, "are both" },
    { "data ring: ref[3] repeats ref[0] (order 2)", 2, 256, 256, m_ring_ref_repeat_far,
      "are both" },
    { "data ring: ref[1] is 1 (reserved, a real grant to dom0)", 1, 256, 256, m_ring_ref_1,
      "reserved grant reference" },
    { "data ring: ref[0] is 7 (reserved)", 1, 256, 256, m_ring_ref_7, "reserved grant reference" },
    { "data ring: ref[0] is the interface page", 1, 256, 256, m_ring_ref_intf,
      "is the interface page" },
    { "data ring: ref[1] (out ring) is the interface page", 1, 256, 256, m_ring_ref_intf_out,
      "is the interface page" },
    { "data ring: ref[1] never granted", 1, 256, 256, m_ring_ref_ungranted,
      "pages of the data ring" },
    { "data ring: an in-ring page granted read-only", 1, 256, 256, m_ring_in_page_readonly,
      "pages of the data ring" },
    { "data ring: data-ring-ref with tx-data-ref", 1, 256, 256, m_ring_with_tx_data_ref,
      "together with a data list" },
    { "data ring: data-ring-ref with rx-data-ref", 1, 256, 256, m_ring_with_rx_data_ref,
      "together with a data list" },
    { "data ring: data-ring-ref is 7 (reserved)", 1, 256, 256, m_ring_intf_ref_7,
      "not a usable grant reference" },
    { "data ring: data-ring-ref never granted", 1, 256, 256, m_ring_intf_ungranted,
      "cannot map the interface page" },
    { "data ring: interface page granted read-only", 1, 256, 256, m_ring_intf_readonly,
      "cannot map the interface page" },
    { "data ring: neither tx-data-len nor rx-data-len", 1, 0, 0, NULL, "neither" },
    { "data ring: tx-data-len 2056 > half of a 4096-octet ring", 1, 2056, 256, NULL,
      "tx-data-len: not a length" },
    { "data ring: rx-data-len 4104 > half of an 8192-octet ring", 2, 0, 4104, NULL,
      "rx-data-len: not a length" },
    { "data ring: tx-data-len 63", 1, 63, 0, NULL, "tx-data-len: not a length" },
    { "data ring: tx-data-len 65536 (half of the order-6 ring, > 65535)", 6, 256, 0,
      m_ring_tx_len_65536, "tx-data-len: not a length" },
    { "data ring: tx-data-len \"0x100\"", 1, 256, 0, m_ring_tx_len_hex,
      "tx-data-len: not a length" },
    { "data ring: tx-data-ring-whole \"2\"", 1, 256, 256, m_ring_tx_whole_2,
      "tx-data-ring-whole: not \"1\"" },
    { "data ring: rx-data-ring-whole \"0\"", 1, 256, 256, m_ring_rx_whole_0,
      "rx-data-ring-whole: not \"1\"" },
    { "data ring: tx-data-ring-whole \"yes\"", 1, 256, 256, m_ring_tx_whole_yes,
      "tx-data-ring-whole: not \"1\"" },
    { "data ring: tx-data-ring-whole without tx-data-len", 1, 0, 256, m_ring_tx_whole_1,
      "tx-data-ring-whole: whole records for a direction without the ring" },
    { "data ring: rx-data-ring-whole without rx-data-len", 1, 256, 0, m_ring_rx_whole_1,
      "rx-data-ring-whole: whole records for a direction without the ring" },
};

static void test_ring_connect_bad(void **state)
{
    const struct bad_ring_connect *b = *state;
    struct rf_config cfg = cfg_ring(b->order, b->tx_len, b->rx_len);
    int rc;

    rc = rfk_prepare(hf, &cfg);
    CHECK(rc == 0, "rawfront prepare failed at step %d", rc);
    if (b->mutate)
        b->mutate(hf->shm);
    CHECK(rfk_commit(hf) == 0, "rawfront commit failed");
    expect_fatal(hf, b->keyword, false);
    expect_bystanders();
    hostile_finish();
    /* And the vif recovers: a good data ring right after. */
    connect_ring(1, 256, 256);
    ring_send_ok(hf, 300);
    hostile_finish();
}

/* ---- a guest destroyed in the middle of traffic ----------------------------------- */

static void test_guest_destroyed_mid_transfer(void **state)
{
    static uint8_t frame[600];
    struct xensim_domain_usage d0_before = usage_of(0), d0, u;
    struct rf_config cfg = cfg_of(0, 256, 256);
    struct rfk *v;
    uint32_t vd;
    struct cap c;
    char name[IFNAMSIZ], path[PATH_MAX + 64];
    long deadline;
    pid_t destroyer;
    int st = -1, rc;
    struct stat sb;

    (void)state;
    CHECK(create_guest("victim", 1, &vd) == 0, "sim create victim");
    CHECK(rf_wait_be_state(xs, vd, 0, ST(2), T_STATE) == 2, "the backend did not pick up vif%u.0",
          vd);
    v = rfk_spawn(vd, 60);
    CHECK(v, "spawn the victim's frontend");
    connect_ok(v, &cfg);
    u = usage_of(vd);
    CHECK(u.foreign_maps > 0, "the backend maps nothing of the victim (%u)", u.foreign_maps);
    CHECK(cap_open(&c, vd, 0) == 0, "open vif%u.0", vd);

    /* Traffic both ways. */
    v->shm->timeout_ms = 30000;
    CHECK(rfk_call(v, RF_CMD_FLOOD, 5000) != -1000,
          "the victim's frontend did not start its traffic");
    deadline = now_ms() + 15000;
    while (now_ms() < deadline &&
           (__atomic_load_n(&v->shm->flood_tx_ok, __ATOMIC_RELAXED) < 300 ||
            __atomic_load_n(&v->shm->flood_rx_ok, __ATOMIC_RELAXED) < 30)) {
        make_frame(frame, sizeof(frame), 0xf100d000u);
        cap_send(&c, frame, sizeof(frame));
        sleep_ms(1);
    }
    CHECK(v->shm->flood_tx_ok >= 300 && v->shm->flood_rx_ok >= 30,
          "the victim's traffic did not get going: %llu TX OKAY, %llu TX errors, %llu RX",
          (unsigned long long)v->shm->flood_tx_ok, (unsigned long long)v->shm->flood_tx_err,
          (unsigned long long)v->shm->flood_rx_ok);

    /* Destroy it while both directions are busy. */
    destroyer = destroy_guest_async("victim");
    CHECK(destroyer > 0, "fork");
    deadline = now_ms() + 20000;
    while (now_ms() < deadline) {
        pid_t r = waitpid(destroyer, &st, WNOHANG);

        if (r == destroyer)
            break;
        cap_send(&c, frame, sizeof(frame));
        sleep_ms(1);
    }
    cap_close(&c);
    if (now_ms() >= deadline) {
        kill(destroyer, SIGKILL);
        waitpid(destroyer, &st, 0);
        CHECK(false, "`netstage sim destroy victim` did not finish in 20 s");
    }
    rc = rfk_reap(v, 5000);
    (void)rc;
    u = usage_of(vd);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "`netstage sim destroy` failed (status %#x): d%u stays dying with %u of its pages "
          "still mapped", st, vd, u.foreign_maps);
    deadline = now_ms() + T_STATE;
    while (domain_listed(vd) && now_ms() < deadline)
        sleep_ms(10);
    CHECK(!domain_listed(vd), "d%u is still listed", vd);
    deadline = now_ms() + T_STATE;
    do {
        d0 = usage_of(0);
        if (d0.maps_held == d0_before.maps_held)
            break;
        sleep_ms(10);
    } while (now_ms() < deadline);
    CHECK(d0.maps_held == d0_before.maps_held,
          "dom0 holds %u mappings, %u before the victim connected", d0.maps_held,
          d0_before.maps_held);
    snprintf(name, sizeof(name), "vif%u.0", vd);
    snprintf(path, sizeof(path), "%s/back-%s.stats", run_dir, name);
    deadline = now_ms() + T_STATE;
    while ((if_nametoindex(name) || stat(path, &sb) == 0) && now_ms() < deadline)
        sleep_ms(10);
    CHECK(!if_nametoindex(name), "the backend kept %s", name);
    CHECK(stat(path, &sb) < 0, "the backend kept %s", path);
    expect_bystanders();
}

/*
 * When a guest dies the toolstack removes its vifs' backend directories;
 * the backend tears the vif down and must not write any of it back.
 */
static void test_guest_destroyed_backend_dir_stays_gone(void **state)
{
    char name[IFNAMSIZ], bdir[96], keys[512] = "";
    unsigned nk = 0;
    char **list;
    uint32_t vd;
    long deadline;

    (void)state;
    CHECK(create_guest("victim2", 1, &vd) == 0, "sim create victim2");
    CHECK(wait_hotplugged(vd, 0) == 0, "the backend did not pick up vif%u.0", vd);
    CHECK(simtest_destroy_guest("victim2") == 0, "sim destroy victim2");
    snprintf(name, sizeof(name), "vif%u.0", vd);
    deadline = now_ms() + T_STATE;
    while (if_nametoindex(name) && now_ms() < deadline)
        sleep_ms(10);
    CHECK(!if_nametoindex(name), "the backend kept %s", name);
    sleep_ms(T_QUIET);
    snprintf(bdir, sizeof(bdir), "/local/domain/0/backend/vif/%u/0", vd);
    list = xs_directory(xs, XBT_NULL, bdir, &nk);
    for (unsigned i = 0; list && i < nk; i++) {
        char *val = be_read(vd, 0, list[i]);

        snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), " %s=\"%s\"", list[i],
                 val ? val : "");
        free(val);
    }
    free(list);
    CHECK(!list, "BACKEND BUG: %s exists again after the guest was destroyed and the toolstack "
          "removed it; it holds:%s (netstage-back ran the \"offline\" hotplug step for a "
          "directory without a \"script\" key and wrote hotplug-status)", bdir, keys);
    expect_bystanders();
}

/* Last: the backend stops cleanly on SIGTERM and closes every vif. */
static void test_zz_backend_exits_cleanly(void **state)
{
    int st;

    (void)state;
    CHECK(backend_alive(), "netstage-back died during the run");
    st = stop_backend();
    CHECK(st == 0, "netstage-back exited with status %d on SIGTERM", st);
    CHECK(rf_be_state(xs, hostile_dom, 1) == 6 && rf_be_state(xs, good_dom, 0) == 6,
          "backend states after shutdown: %d and %d, expected 6", rf_be_state(xs, hostile_dom, 1),
          rf_be_state(xs, good_dom, 0));
    {
        long deadline = now_ms() + T_STATE;
        struct xensim_domain_usage h, g;

        do {
            h = usage_of(hostile_dom);
            g = usage_of(good_dom);
            if (h.foreign_maps == idle_maps_hostile && g.foreign_maps == idle_maps_good)
                break;
            sleep_ms(10);
        } while (now_ms() < deadline);
        CHECK(h.foreign_maps == idle_maps_hostile && g.foreign_maps == idle_maps_good,
              "%u and %u guest pages mapped %d ms after the backend exited, %u and %u before "
              "it served them", h.foreign_maps, g.foreign_maps, T_STATE, idle_maps_hostile,
              idle_maps_good);
    }
}

/*
 * After the backend has stopped: a backend of its own, started with
 * --data-ring-max-order 0, offers no data ring (8.1), refuses a frontend
 * that gives it one anyway with the reason, and still serves slot mode.
 */
static void test_zzz_data_ring_not_offered(void **state)
{
    struct rf_config cfg = cfg_ring(1, 256, 256);
    int st, rc;

    (void)state;
    if (backend_alive()) {      /* test_zz filtered out */
        st = stop_backend();
        CHECK(st == 0, "netstage-back exited with status %d on SIGTERM", st);
    }
    /* The long-lived frontends are done: Closed, so the new backend waits in InitWait. */
    rfk_close(sib, T_STATE);
    rfk_close(good, T_STATE);
    CHECK(start_backend("--data-ring-max-order", "0") == 0,
          "cannot start netstage-back --data-ring-max-order 0");
    CHECK(wait_hotplugged(hostile_dom, 0) == 0, "netstage-back --data-ring-max-order 0 did not "
          "pick up vif%u.0", hostile_dom);
    CHECK(be_has(hostile_dom, 0, XEN_NETIF_STAGING_KEY_FEATURE_SLOTS, "1"),
          "no %s with --data-ring-max-order 0", XEN_NETIF_STAGING_KEY_FEATURE_SLOTS);
    CHECK(!be_has(hostile_dom, 0, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING, NULL) &&
          !be_has(hostile_dom, 0, XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER, NULL),
          "--data-ring-max-order 0, yet the backend offers a data ring");
    CHECK(!be_has(hostile_dom, 0, XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE, NULL),
          "--data-ring-max-order 0, yet the backend offers whole records (%s)",
          XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE);
    hostile_base = usage_of(hostile_dom);
    hf = rfk_spawn(hostile_dom, KID_MAX_SECONDS);
    CHECK(hf, "spawn the hostile frontend");
    rc = rfk_prepare(hf, &cfg);
    CHECK(rc == 0, "rawfront prepare failed at step %d", rc);
    CHECK(rfk_commit(hf) == 0, "rawfront commit failed");
    expect_fatal(hf, "not offered", false);
    hostile_finish();
    connect_staged(256, 256);
    send_ok(hf, 700);
    hostile_finish();
    CHECK(backend_alive(), "netstage-back --data-ring-max-order 0 has died");
    st = stop_backend();
    CHECK(st == 0, "netstage-back --data-ring-max-order 0 exited with status %d on SIGTERM", st);
}

/* ---- the run ------------------------------------------------------------------------ */

static int connect_long_lived(struct rfk **out, uint32_t domid, const struct rf_config *cfg)
{
    struct rfk *f = rfk_spawn(domid, LONG_KID_SECONDS);
    int rc;

    *out = f;
    if (!f)
        return -1;
    rc = rfk_prepare(f, cfg);
    if (rc == 0)
        rc = rfk_commit(f);
    if (rc == 0 && rf_wait_be_state(xs, domid, cfg->devid, ST(4), T_STATE) == 4)
        return 0;
    fprintf(stderr, "vif%u.%u did not connect (rawfront %d, backend state %d)\n", domid,
            cfg->devid, rc, rf_be_state(xs, domid, cfg->devid));
    return -1;
}

static int group_setup(void **state)
{
    struct rf_config c;
    char name[IFNAMSIZ];

    (void)state;
    xs = xs_open(0);
    if (!xs || start_backend(NULL, NULL) < 0) {
        fprintf(stderr, "cannot open xenstore or start netstage-back\n");
        return -1;
    }
    if (create_guest("hostile", 2, &hostile_dom) < 0 || create_guest("good", 1, &good_dom) < 0) {
        fprintf(stderr, "cannot create the guests\n");
        return -1;
    }
    if (wait_hotplugged(hostile_dom, 0) < 0 || wait_hotplugged(hostile_dom, 1) < 0 ||
        wait_hotplugged(good_dom, 0) < 0) {
        dump_back_log(40);
        return -1;
    }
    idle_maps_hostile = usage_of(hostile_dom).foreign_maps;
    idle_maps_good = usage_of(good_dom).foreign_maps;
    /* Room for RX frames of 2049 and 5000 octets on the attacked vif. */
    snprintf(name, sizeof(name), "vif%u.0", hostile_dom);
    if (set_mtu(name, 9000) < 0) {
        fprintf(stderr, "MTU 9000 on %s: %s\n", name, strerror(errno));
        return -1;
    }
    c = cfg_of(1, 256, 256);
    if (connect_long_lived(&sib, hostile_dom, &c) < 0)
        goto fail;
    c = cfg_of(0, 0, 0);
    if (connect_long_lived(&good, good_dom, &c) < 0)
        goto fail;
    return 0;
fail:
    dump_back_log(40);
    return -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (backend_alive()) {
        int st = stop_backend();
        if (st != 0)
            fprintf(stderr, "netstage-back exited with status %d\n", st);
    }
    if (sib)
        rfk_quit(sib);
    if (good)
        rfk_quit(good);
    sib = good = NULL;
    if (getenv("NETSTAGE_HOSTILE_KEEP_LOG")) {
        fprintf(stderr, "backend log kept in %s\n", back_log);
    } else {
        DIR *d = opendir(run_dir);
        struct dirent *de;

        while (d && (de = readdir(d))) {
            char path[PATH_MAX + 300];

            if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
                continue;
            snprintf(path, sizeof(path), "%s/%s", run_dir, de->d_name);
            unlink(path);
        }
        if (d)
            closedir(d);
        rmdir(run_dir);
    }
    if (xs)
        xs_close(xs);
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, hostile_setup, hostile_teardown)
#define TS(name, f, st) { name, f, hostile_setup, hostile_teardown, (void *)(uintptr_t)(st) }

int main(void)
{
    static const char *const bad_names[] = {
        "connect: tx-data-ref without tx-data-len",
        "connect: rx-data-len without rx-data-ref",
        "connect: tx-data-len 100",
        "connect: rx-data-len \"0x100\"",
        "connect: tx-data-len \" 256\"",
        "connect: tx-data-len \"+256\"",
        "connect: tx-data-len empty",
        "connect: rx-data-len 32",
        "connect: tx-data-len 4096 > staging-slot-len-max 2048",
        "connect: TX list entry with the wrong id",
        "connect: RX list entry with a TX id",
        "connect: TX list duplicate (gref, offset)",
        "connect: RX list duplicate (gref, offset) far apart",
        "connect: TX list names reserved gref 1 (a real grant to dom0)",
        "connect: RX list names gref 0",
        "connect: TX list with too many distinct pages",
        "connect: TX list offset not a multiple of L",
        "connect: RX list offset + L beyond the page",
        "connect: tx-data-ref is reserved gref 1",
        "connect: tx-data-ref was never granted",
        "connect: a slot page in both lists",
        "connect: a slot page is the list page",
        "connect: rx-data-ref is the TX list",
        "connect: RX slot pages granted read-only",
    };
    struct CMUnitTest tests[160];
    size_t n = 0;
    const struct CMUnitTest fixed[] = {
        T(test_a_follow_on_sizes_exceed_total),
        T(test_a_total_below_ethernet_header),
        T(test_a_19_and_20_data_requests),
        T(test_a_staging_buffer_bad_data_id),
        T(test_a_staging_buffer_unnegotiated_direction),
        T(test_a_staging_buffer_beyond_slot),
        T(test_a_unknown_flag_bits),
        T(test_a_grant_copy_fails),
        T(test_a_rx_bad_grant),
        T(test_b_tx_req_prod_ahead_of_ring),
        T(test_b_tx_req_prod_far_ahead),
        T(test_b_rx_req_prod_ahead_of_ring),
        T(test_b_tx_id_256_on_staged_queue),
        T(test_b_tx_follow_on_id_300_on_staged_queue),
        T(test_b_rx_id_256_on_staged_queue),
        T(test_b_21_data_requests),
        T(test_b_22_data_requests),
        T(test_b_fragment_crosses_page),
        T(test_b_fragment_below_head_crosses_page),
        T(test_b_packet_runs_past_req_prod),
        T(test_b_extra_runs_past_req_prod),
        T(test_b_extra_type_none),
        T(test_b_extra_type_max),
        T(test_b_extra_type_255_after_valid_extra),
        T(test_b_gso_size_zero),
        T(test_b_gso_unknown_type),
        T(test_ok_zero_length_fragments),
        T(test_ok_18_data_requests),
        TS("test_ok_frames_of_L_and_L_plus_1 (L = 64)", test_ok_frames_of_L_and_L_plus_1, 64),
        TS("test_ok_frames_of_L_and_L_plus_1 (L = 256)", test_ok_frames_of_L_and_L_plus_1, 256),
        TS("test_ok_frames_of_L_and_L_plus_1 (L = 2048)", test_ok_frames_of_L_and_L_plus_1, 2048),
        T(test_ok_spec_example_1514_in_three),
        T(test_ok_staging_buffer_forwarding),
        T(test_ok_full_ring),
        T(test_ok_ids_unrestricted_when_unstaged),
        T(test_ok_multicast_only_request),
        T(test_ok_rx_frame_over_two_pages),
        T(test_ok_duplicate_ids_survive),
        T(test_ok_split_event_channels),
        T(test_ok_data_ring_tx),
        T(test_ok_data_ring_rx),
        T(test_b_ring_record_not_published),
        T(test_b_ring_no_record_on_fresh_ring),
        T(test_b_ring_record_wrong_id),
        T(test_b_ring_record_wrong_len),
        T(test_b_ring_record_reserved_nonzero),
        T(test_b_ring_out_prod_misaligned),
        T(test_b_ring_out_prod_beyond_ring),
        T(test_b_ring_record_past_out_prod),
        T(test_a_ring_unusable_flags),
        T(test_b_ring_in_cons_misaligned),
        T(test_ok_data_ring_whole_tx),
        T(test_a_ring_whole_short),
        T(test_b_ring_whole_nonzero_id),
        T(test_b_ring_whole_reserved_nonzero),
        T(test_b_ring_whole_unknown_flag),
        T(test_b_ring_whole_longer_than_tx_len),
        T(test_b_ring_whole_past_out_prod),
        T(test_b_ring_whole_mode_no_record),
        T(test_b_ring_whole_record_unnegotiated),
        T(test_ok_ring_whole_record_before_request),
        T(test_ok_data_ring_whole_rx),
    };

    signal(SIGPIPE, SIG_IGN);
    alarm(BINARY_MAX_SECONDS);
    if (netns_setup() < 0)
        return 1;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        tests[n++] = fixed[i];
    for (size_t i = 0; i < sizeof(bad_connects) / sizeof(bad_connects[0]); i++)
        tests[n++] = (struct CMUnitTest)TS(bad_names[i], test_connect_bad, &bad_connects[i]);
    for (size_t i = 0; i < sizeof(bad_ring_connects) / sizeof(bad_ring_connects[0]); i++)
        tests[n++] = (struct CMUnitTest)TS(bad_ring_connects[i].name, test_ring_connect_bad,
                                           &bad_ring_connects[i]);
    tests[n++] = (struct CMUnitTest)T(test_guest_destroyed_mid_transfer);
    tests[n++] = (struct CMUnitTest)T(test_guest_destroyed_backend_dir_stays_gone);
    tests[n++] = (struct CMUnitTest)T(test_zz_backend_exits_cleanly);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_zzz_data_ring_not_offered,
                                                              hostile_teardown);
    if (getenv("NETSTAGE_HOSTILE_FILTER"))     /* e.g. "test_b_*", for debugging */
        cmocka_set_test_filter(getenv("NETSTAGE_HOSTILE_FILTER"));
    return _cmocka_run_group_tests("test_back_hostile", tests, n, group_setup, group_teardown);
}
