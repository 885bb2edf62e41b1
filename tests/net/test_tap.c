/*
 * test_tap.c - common/tap.c against the running kernel.
 *
 * The test process moves itself into a network namespace (and a mount
 * namespace with its own sysfs, so /sys/class/net shows that namespace's
 * devices) before any test runs: it never sees or touches the host's
 * interfaces, and everything it creates goes away with it.  Without
 * /dev/net/tun or the privilege to do that the kernel tests are skipped;
 * the MAC parser tests need neither.
 *
 * The datapath tests join three TAPs to a bridge: a frame written with a
 * virtio_net_hdr (made by offload_vnet_from_meta) into one comes out of an
 * offloading TAP as the same checksum-partial or GSO frame, and out of a
 * non-offloading one checksummed and segmented by the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <cmocka.h>

#include "common/offload.h"
#include "common/tap.h"

#define VNET_LEN sizeof(struct virtio_net_hdr)
#define BUF_MAX (VNET_LEN + 65536)
#define WAIT_MS 2000
#define MAX_FRAMES_READ 256       /* noise tolerated before giving up */

static bool have_kernel;          /* namespaces made, /dev/net/tun usable */

static void require_kernel(void)
{
    if (!have_kernel)
        skip();
}

/* --- namespace and interface helpers ------------------------------------ */

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd >= 0) {
        ssize_t n = write(fd, text, strlen(text));

        (void)n;                  /* best effort: only quiets IPv6 chatter */
        close(fd);
    }
}

static int enter_namespaces(void **state)
{
    (void)state;
    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
        fprintf(stderr, "no usable /dev/net/tun: kernel tests skipped\n");
        return 0;
    }
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
        fprintf(stderr, "unshare: %s: kernel tests skipped\n", strerror(errno));
        return 0;
    }
    /* Our mounts must not propagate back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        fprintf(stderr, "mount: %s\n", strerror(errno));
        return -1;
    }
    /* Without IPv6 the new interfaces send no router solicitations or MLD
     * reports for the readers to wade through. */
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    have_kernel = true;
    return 0;
}

static int sock_ioctl(unsigned long req, void *arg)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc;

    assert_true(s >= 0);
    rc = ioctl(s, req, arg);
    close(s);
    return rc;
}

static struct ifreq get_ifreq(const char *name, unsigned long req)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    assert_int_equal(sock_ioctl(req, &ifr), 0);
    return ifr;
}

static bool path_exists(const char *fmt, const char *name)
{
    char path[128];
    struct stat st;

    snprintf(path, sizeof(path), fmt, name);
    return stat(path, &st) == 0;
}

static void open_tap(struct tap_dev *t, const char *name, unsigned queues, bool offloads)
{
    char err[128] = "";

    if (tap_open(t, name, queues, offloads, err, sizeof(err)) != 0)
        fail_msg("tap_open %s: %s", name, err);
    assert_string_equal(t->name, name);
    assert_int_equal(t->nr_queues, queues);
}

/* --- the MAC parser ------------------------------------------------------ */

static void test_parse_mac(void **state)
{
    static const char *const bad[] = {
        "", "00:16:3e:12:34", "00:16:3e:12:34:5", "00:16:3e:12:34:567",
        "00:16:3e:12:34:56:", "00:16:3e:12:34:56:78", "00-16-3e-12-34-56",
        "0:16:3e:12:34:56", " 00:16:3e:12:34:56", "00:16:3e:12:34:56 ",
        "00:16:3g:12:34:56", "00::16:3e:12:34:5", "0x:16:3e:12:34:56",
        "00:16:3e:12:34:56\n", ":00:16:3e:12:34:5",
    };
    uint8_t mac[6];

    (void)state;
    assert_int_equal(tap_parse_mac("00:16:3e:12:34:56", mac), 0);
    assert_memory_equal(mac, "\x00\x16\x3e\x12\x34\x56", 6);
    assert_int_equal(tap_parse_mac("FE:ff:0A:bC:09:90", mac), 0);
    assert_memory_equal(mac, "\xfe\xff\x0a\xbc\x09\x90", 6);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (tap_parse_mac(bad[i], mac) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(tap_parse_mac(NULL, mac), -1);
}

/* --- opening ------------------------------------------------------------- */

static void check_queue_fd(int fd, const char *name, bool multi)
{
    struct ifreq ifr;
    int hdr_len = 0;
    uint8_t buf[64];

    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    memset(&ifr, 0, sizeof(ifr));
    assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
    assert_string_equal(ifr.ifr_name, name);
    assert_int_equal(ifr.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_VNET_HDR),
                     IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
    assert_int_equal((ifr.ifr_flags & IFF_MULTI_QUEUE) != 0, multi);
    assert_int_equal(ioctl(fd, TUNGETVNETHDRSZ, &hdr_len), 0);
    assert_int_equal(hdr_len, VNET_LEN);
    /* Down and quiet: a read finds nothing and does not wait. */
    assert_int_equal(read(fd, buf, sizeof(buf)), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_open_one_queue(void **state)
{
    struct tap_dev t;

    (void)state;
    require_kernel();
    open_tap(&t, "nst1q", 1, true);
    check_queue_fd(t.fd[0], "nst1q", false);
    for (unsigned q = 1; q < TAP_MAX_QUEUES; q++)
        assert_int_equal(t.fd[q], -1);
    assert_true(path_exists("/sys/class/net/%s/queues/rx-0", t.name));
    assert_false(path_exists("/sys/class/net/%s/queues/rx-1", t.name));

    /* Not persistent: the last close removes it. */
    tap_close(&t);
    assert_int_equal(t.nr_queues, 0);
    assert_int_equal(t.fd[0], -1);
    assert_int_equal(if_nametoindex("nst1q"), 0);
}

static void test_open_two_queues(void **state)
{
    struct tap_dev t;

    (void)state;
    require_kernel();
    open_tap(&t, "nst2q", 2, false);
    assert_true(t.fd[0] >= 0 && t.fd[1] >= 0 && t.fd[0] != t.fd[1]);
    check_queue_fd(t.fd[0], "nst2q", true);
    check_queue_fd(t.fd[1], "nst2q", true);
    assert_int_equal(t.fd[2], -1);
    assert_true(path_exists("/sys/class/net/%s/queues/rx-1", t.name));
    assert_false(path_exists("/sys/class/net/%s/queues/rx-2", t.name));
    tap_close(&t);
    assert_int_equal(if_nametoindex("nst2q"), 0);

    open_tap(&t, "nst8q", TAP_MAX_QUEUES, true);
    assert_true(path_exists("/sys/class/net/%s/queues/rx-7", t.name));
    tap_close(&t);
}

static void test_open_errors(void **state)
{
    struct tap_dev t, single;
    char err[128];

    (void)state;
    require_kernel();
    assert_int_equal(tap_open(&t, "nst-name-too-long", 1, true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nst-name-too-long"));
    assert_int_equal(tap_open(&t, "nstq", 0, true, err, sizeof(err)), -1);
    assert_int_equal(tap_open(&t, "nstq", TAP_MAX_QUEUES + 1, true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nstq"));
    assert_int_equal(if_nametoindex("nstq"), 0);

    /* A single-queue TAP cannot take a multi-queue attach: the second
     * open fails at TUNSETIFF and leaves nothing open. */
    open_tap(&single, "nstsq", 1, true);
    err[0] = '\0';
    assert_int_equal(tap_open(&t, "nstsq", 2, true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nstsq"));
    assert_non_null(strstr(err, "TUNSETIFF"));
    for (unsigned q = 0; q < TAP_MAX_QUEUES; q++)
        assert_int_equal(t.fd[q], -1);
    assert_int_equal(t.nr_queues, 0);
    /* No room for a message is fine too. */
    assert_int_equal(tap_open(&t, "nstsq", 2, true, NULL, 0), -1);
    tap_close(&single);
}

static void test_settings(void **state)
{
    static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };
    static const uint8_t multicast[6] = { 0x01, 0x16, 0x3e, 0x12, 0x34, 0x56 };
    struct tap_dev t;
    struct ifreq ifr;

    (void)state;
    require_kernel();
    open_tap(&t, "nstset", 2, true);

    assert_int_equal(tap_set_mac("nstset", mac), 0);
    ifr = get_ifreq("nstset", SIOCGIFHWADDR);
    assert_memory_equal(ifr.ifr_hwaddr.sa_data, mac, 6);
    errno = 0;
    assert_int_equal(tap_set_mac("nstset", multicast), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);

    assert_int_equal(tap_set_mtu("nstset", 9000), 0);
    assert_int_equal(get_ifreq("nstset", SIOCGIFMTU).ifr_mtu, 9000);
    assert_int_equal(tap_set_mtu("nstset", 1500), 0);
    assert_int_equal(get_ifreq("nstset", SIOCGIFMTU).ifr_mtu, 1500);
    assert_int_equal(tap_set_mtu("nstset", 0x80000000u), -1);
    assert_int_equal(errno, EINVAL);

    assert_int_equal(tap_set_up("nstset", true), 0);
    assert_true(get_ifreq("nstset", SIOCGIFFLAGS).ifr_flags & IFF_UP);
    assert_int_equal(tap_set_up("nstset", false), 0);
    assert_false(get_ifreq("nstset", SIOCGIFFLAGS).ifr_flags & IFF_UP);

    assert_int_equal(tap_set_up("nst-absent", true), -1);
    assert_int_equal(errno, ENODEV);
    assert_int_equal(tap_set_mtu("nst-name-too-long", 1500), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    tap_close(&t);
}

/* --- frames -------------------------------------------------------------- */

struct frame {
    uint8_t b[16384];
    size_t len;
    size_t l3, l4, payload_off;
    bool v6;
};

static uint32_t sum_bytes(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)s;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xFFFF);
}

/* Pseudo-header sum for a TCP segment of l4_len bytes. */
static uint32_t pseudo_sum(const struct frame *f, const uint8_t *ip, size_t l4_len)
{
    if (f->v6)
        return sum_bytes(ip + 8, 32, 0) + (uint32_t)l4_len + 6;
    return sum_bytes(ip + 12, 8, 0) + (uint32_t)l4_len + 6;
}

#define TEST_SPORT 40001
#define TEST_DPORT 5001
#define TEST_SEQ 0x10000000u

/* An Ethernet (optionally 802.1Q tagged) + IPv4/IPv6 + TCP frame as a
 * guest hands it over with a blank checksum: the TCP checksum field holds
 * the pseudo-header sum. */
static void build_tcp(struct frame *f, bool v6, bool vlan, size_t payload)
{
    static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };
    uint8_t *ip, *th;
    size_t l4_len = 20 + payload;

    memset(f, 0, sizeof(*f));
    f->v6 = v6;
    memcpy(f->b, macs, sizeof(macs));
    f->l3 = 14;
    if (vlan) {
        put16(f->b + 12, 0x8100);
        put16(f->b + 14, 100);
        f->l3 += 4;
    }
    put16(f->b + f->l3 - 2, v6 ? 0x86DD : 0x0800);
    ip = f->b + f->l3;
    if (v6) {
        ip[0] = 0x60;
        put16(ip + 4, (unsigned)l4_len);
        ip[6] = 6;
        ip[7] = 64;
        memcpy(ip + 8, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
        memcpy(ip + 24, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
        f->l4 = f->l3 + 40;
    } else {
        ip[0] = 0x45;
        put16(ip + 2, (unsigned)(20 + l4_len));
        put16(ip + 4, 0x1234);
        put16(ip + 6, 0x4000);
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
        put16(ip + 10, (unsigned)(uint16_t)~fold(sum_bytes(ip, 20, 0)));
        f->l4 = f->l3 + 20;
    }
    th = f->b + f->l4;
    put16(th, TEST_SPORT);
    put16(th + 2, TEST_DPORT);
    put32(th + 4, TEST_SEQ);
    put32(th + 8, 1);
    th[12] = 5 << 4;
    th[13] = 0x10;                                       /* ACK */
    put16(th + 14, 65535);
    f->payload_off = f->l4 + 20;
    for (size_t i = 0; i < payload; i++)
        f->b[f->payload_off + i] = (uint8_t)(i * 7 + 3);
    f->len = f->payload_off + payload;
    put16(th + 16, fold(pseudo_sum(f, ip, l4_len)));
}

static void write_frame(int fd, const struct ns_pkt_meta *m, const struct frame *f)
{
    struct virtio_net_hdr h;
    struct iovec iov[2];

    assert_int_equal(offload_vnet_from_meta(m, f->b, f->len, f->len, &h), 0);
    iov[0] = (struct iovec){ &h, VNET_LEN };
    iov[1] = (struct iovec){ (void *)f->b, f->len };
    assert_int_equal(writev(fd, iov, 2), (ssize_t)(VNET_LEN + f->len));
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Ours: TCP from our source port, over the IP version f uses. */
static bool is_ours(const struct frame *f, const uint8_t *b, size_t len)
{
    return len >= f->payload_off && get16(b + f->l3 - 2) == (f->v6 ? 0x86DDu : 0x0800u) &&
           b[f->l3 + (f->v6 ? 6 : 9)] == 6 && get16(b + f->l4) == TEST_SPORT;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * The next frame of ours from any queue of t, within wait_ms: its length
 * (the bytes at buf + VNET_LEN, the header at buf), or 0.  Other traffic
 * is read and dropped, up to MAX_FRAMES_READ frames.
 */
static size_t next_ours(const struct tap_dev *t, const struct frame *f, uint8_t *buf, long wait_ms)
{
    struct timespec t0;
    unsigned seen = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (seen < MAX_FRAMES_READ) {
        struct pollfd p[TAP_MAX_QUEUES];
        long left = wait_ms - ms_since(&t0);

        if (left <= 0)
            return 0;
        for (unsigned q = 0; q < t->nr_queues; q++)
            p[q] = (struct pollfd){ .fd = t->fd[q], .events = POLLIN };
        if (poll(p, t->nr_queues, (int)left) <= 0)
            continue;              /* timeout or signal: the clock decides */
        for (unsigned q = 0; q < t->nr_queues; q++) {
            ssize_t n;

            if (!(p[q].revents & POLLIN))
                continue;
            n = read(t->fd[q], buf, BUF_MAX);
            if (n < (ssize_t)VNET_LEN)
                continue;
            seen++;
            if (is_ours(f, buf + VNET_LEN, (size_t)n - VNET_LEN))
                return (size_t)n - VNET_LEN;
        }
    }
    return 0;
}

static uint8_t rx_buf[BUF_MAX];

/* The vnet header read in front of the frame in rx_buf. */
static struct virtio_net_hdr rx_hdr(void)
{
    struct virtio_net_hdr h;

    memcpy(&h, rx_buf, VNET_LEN);
    return h;
}

/* A frame the kernel finished: valid IPv4 header checksum and length, or
 * IPv6 payload length, and a valid TCP checksum.  Returns the TCP payload
 * length. */
static size_t check_complete(const struct frame *f, const uint8_t *b, size_t len)
{
    const uint8_t *ip = b + f->l3;
    size_t l4_len;

    if (f->v6) {
        l4_len = get16(ip + 4);
    } else {
        assert_int_equal(fold(sum_bytes(ip, 20, 0)), 0xFFFF);
        l4_len = get16(ip + 2) - 20u;
    }
    assert_int_equal(f->l4 + l4_len, len);
    assert_int_equal(fold(pseudo_sum(f, ip, l4_len) + sum_bytes(b + f->l4, l4_len, 0)), 0xFFFF);
    return l4_len - 20;
}

/* --- the bridge ---------------------------------------------------------- */

/* w writes; o reads with offloads (two queues); p reads without. */
struct bridge {
    struct tap_dev w, o, p;
};

static struct bridge br;
static char br_name[IFNAMSIZ] = "nstbr";

static bool port_forwarding(const char *port)
{
    char path[96], state[8] = "";
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "/sys/class/net/%s/brport/state", port);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, state, sizeof(state) - 1);
    close(fd);
    return n > 0 && state[0] == '3';           /* BR_STATE_FORWARDING */
}

static int bridge_setup(void **state)
{
    const struct tap_dev *ports[] = { &br.w, &br.o, &br.p };
    struct timespec t0;

    (void)state;
    if (!have_kernel)
        return 0;
    open_tap(&br.w, "nstw", 1, true);
    open_tap(&br.o, "nsto", 2, true);
    open_tap(&br.p, "nstp", 1, false);
    assert_int_equal(sock_ioctl(SIOCBRADDBR, br_name), 0);
    for (unsigned i = 0; i < 3; i++) {
        struct ifreq ifr;

        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", br_name);
        ifr.ifr_ifindex = (int)if_nametoindex(ports[i]->name);
        assert_int_equal(sock_ioctl(SIOCBRADDIF, &ifr), 0);
        assert_int_equal(tap_set_up(ports[i]->name, true), 0);
    }
    assert_int_equal(tap_set_up(br_name, true), 0);
    /* Without STP a port forwards as soon as it is up; wait for it
     * rather than assume it. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < 3; i++)
        while (!port_forwarding(ports[i]->name)) {
            assert_true(ms_since(&t0) < WAIT_MS);
            usleep(1000);
        }
    return 0;
}

static int bridge_teardown(void **state)
{
    (void)state;
    if (!have_kernel)
        return 0;
    tap_close(&br.w);
    tap_close(&br.o);
    tap_close(&br.p);
    tap_set_up(br_name, false);
    return sock_ioctl(SIOCBRDELBR, br_name) == 0 ? 0 : -1;
}

/* A checksum-partial frame crosses as is to the offloading reader and
 * arrives checksummed at the other.  A tagged frame checks that the
 * checksum start counts the tag both ways: the kernel takes the tag off
 * on the way in and puts it back on the way out. */
static void check_csum_partial(bool v6, bool vlan)
{
    static struct frame f;
    const struct ns_pkt_meta csum = { .csum_blank = true, .data_validated = true };
    struct virtio_net_hdr h;
    struct ns_pkt_meta m;
    size_t n;

    build_tcp(&f, v6, vlan, 200);
    write_frame(br.w.fd[0], &csum, &f);

    n = next_ours(&br.o, &f, rx_buf, WAIT_MS);
    assert_int_equal(n, f.len);
    h = rx_hdr();
    assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    assert_int_equal(h.csum_start, f.l4);
    assert_int_equal(h.csum_offset, 16);
    assert_memory_equal(rx_buf + VNET_LEN, f.b, f.len);
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_true(m.csum_blank && m.data_validated);
    assert_int_equal(m.gso_size, 0);

    n = next_ours(&br.p, &f, rx_buf, WAIT_MS);
    assert_int_equal(n, f.len);
    h = rx_hdr();
    assert_int_equal(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
    assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    assert_int_equal(check_complete(&f, rx_buf + VNET_LEN, n), 200);
    assert_memory_equal(rx_buf + VNET_LEN, f.b, f.l4 + 16);
    assert_memory_equal(rx_buf + VNET_LEN + f.l4 + 18, f.b + f.l4 + 18, f.len - f.l4 - 18);
}

static void test_bridge_csum_partial(void **state)
{
    (void)state;
    require_kernel();
    check_csum_partial(false, false);
    check_csum_partial(true, false);
    check_csum_partial(false, true);
    check_csum_partial(true, true);
}

/* A GSO frame crosses whole to the offloading reader and is cut into
 * checksummed segments for the other. */
static void check_gso(bool v6)
{
    static struct frame f;
    const unsigned mss = 1000, payload = 3 * 1000 + 500;
    const struct ns_pkt_meta gso = { true, true, (uint16_t)mss,
                                     v6 ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_TCPV4 };
    struct virtio_net_hdr h;
    struct ns_pkt_meta m;
    size_t n, done = 0;

    build_tcp(&f, v6, false, payload);
    write_frame(br.w.fd[0], &gso, &f);

    n = next_ours(&br.o, &f, rx_buf, WAIT_MS);
    assert_int_equal(n, f.len);
    h = rx_hdr();
    assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(h.gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(h.gso_size, mss);
    assert_int_equal(h.csum_start, f.l4);
    assert_int_equal(h.csum_offset, 16);
    /* The kernel reports its linear part here, at least the headers. */
    assert_true(h.hdr_len >= f.payload_off && h.hdr_len <= f.len);
    assert_memory_equal(rx_buf + VNET_LEN, f.b, f.len);
    assert_int_equal(offload_meta_from_vnet(&h, &m), 0);
    assert_int_equal(m.gso_size, mss);
    assert_int_equal(m.gso_type, gso.gso_type);
    assert_true(m.csum_blank);
    assert_int_equal(next_ours(&br.o, &f, rx_buf, 100), 0);

    for (unsigned seg = 0; seg < 4; seg++) {
        const uint8_t *b = rx_buf + VNET_LEN;
        size_t want = seg < 3 ? mss : 500, got;

        n = next_ours(&br.p, &f, rx_buf, WAIT_MS);
        assert_int_equal(n, f.payload_off + want);
        h = rx_hdr();
        assert_int_equal(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
        assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
        got = check_complete(&f, b, n);
        assert_int_equal(got, want);
        assert_int_equal(get32(b + f.l4 + 4), TEST_SEQ + done);
        assert_memory_equal(b + f.payload_off, f.b + f.payload_off + done, got);
        done += got;
    }
    assert_int_equal(done, payload);
    assert_int_equal(next_ours(&br.p, &f, rx_buf, 100), 0);
}

static void test_bridge_gso(void **state)
{
    (void)state;
    require_kernel();
    check_gso(false);
    check_gso(true);
}

/* Every queue of a multi-queue TAP is a way in: a complete frame written
 * on the second queue of o comes out of w and p unchanged. */
static void test_bridge_second_queue(void **state)
{
    static struct frame f;
    const struct ns_pkt_meta none = { 0 };
    struct virtio_net_hdr zero;
    uint8_t *th;
    size_t n;

    (void)state;
    require_kernel();
    build_tcp(&f, false, false, 100);
    th = f.b + f.l4;
    put16(th + 16, 0);
    put16(th + 16, (unsigned)(uint16_t)~fold(pseudo_sum(&f, f.b + f.l3, 120) +
                                             sum_bytes(th, 120, 0)));
    write_frame(br.o.fd[1], &none, &f);

    memset(&zero, 0, sizeof(zero));
    n = next_ours(&br.w, &f, rx_buf, WAIT_MS);
    assert_int_equal(n, f.len);
    assert_memory_equal(rx_buf, &zero, VNET_LEN);
    assert_memory_equal(rx_buf + VNET_LEN, f.b, f.len);
    n = next_ours(&br.p, &f, rx_buf, WAIT_MS);
    assert_int_equal(n, f.len);
    assert_memory_equal(rx_buf, &zero, VNET_LEN);
    assert_memory_equal(rx_buf + VNET_LEN, f.b, f.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_mac),
        cmocka_unit_test(test_open_one_queue),
        cmocka_unit_test(test_open_two_queues),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_settings),
        cmocka_unit_test_setup_teardown(test_bridge_csum_partial, bridge_setup, bridge_teardown),
        cmocka_unit_test_setup_teardown(test_bridge_gso, bridge_setup, bridge_teardown),
        cmocka_unit_test_setup_teardown(test_bridge_second_queue, bridge_setup, bridge_teardown),
    };
    return cmocka_run_group_tests(tests, enter_namespaces, NULL);
}
