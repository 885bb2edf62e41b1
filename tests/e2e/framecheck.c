/*
 * framecheck - exact-size Ethernet frames through a network path, for the
 * end-to-end tests (tests/e2e/test_frames.sh).
 *
 *   framecheck send IFACE --size S [--size2 S2] --count N [--run R] [--dst MAC] [--gap-us U]
 *   framecheck recv IFACE --size S [--size2 S2] --count N [--run R] [--timeout-ms T]
 *                   [--ready FILE] [--in-order]
 *   framecheck sniff IFACE [--timeout-ms T] [--ready FILE]
 *
 * send writes N frames of exactly S bytes (Ethernet header included, no
 * FCS) out of IFACE with AF_PACKET: destination MAC (default broadcast),
 * IFACE's own MAC as source, ethertype 0x88b5 (IEEE local experimental),
 * then a header (magic "NSFC", run id, sequence number, size) and a
 * pattern that depends on the run, the sequence number and the offset.
 * With --size2, the frames of odd sequence numbers are S2 bytes instead.
 *
 * recv listens on IFACE for ethertype 0x88b5 and checks every frame of the
 * run: its length is exactly S, its header and every payload byte are as
 * sent; it counts good frames, bad ones, duplicates and losses, and with
 * --in-order the frames that arrive after one with a higher sequence
 * number (reordered: a failure too).  It stops
 * when all N arrived (then lingers briefly to catch duplicates) or at the
 * timeout.  It creates FILE (--ready) once its socket is bound, so the
 * sender can start.  Exit status 0 only if all N arrived intact, once.
 *
 * sniff watches every frame IFACE receives (not the ones it sends) until
 * SIGTERM or SIGINT or the timeout, and prints the number of frames, how many were longer than
 * 4096 bytes and the longest: a GSO packet shows up as one long frame.
 *
 * Receiving sockets get a 32 MiB buffer; frames the kernel still dropped
 * for lack of room in it are reported ("dropped by our socket"): those are
 * the checker's losses, not the path's.
 *
 * Output: one line "framecheck: ..." with the figures; problems on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define FC_ETHERTYPE 0x88b5
#define FC_MAGIC 0x4e534643u          /* "NSFC" */
#define FC_HDR 30                     /* Ethernet 14 + magic, run, seq, size */
#define FC_MAX_SIZE 9216
#define FC_MAX_COUNT 1000000
#define SNIFF_BUF (256 * 1024)
#define LINGER_MS 150
#define MAX_REPORTS 5                 /* bad frames described on stderr */
#define RCVBUF (32 * 1024 * 1024)

struct opts {
    const char *mode, *ifname, *ready;
    unsigned size, size2, count, gap_us;
    bool in_order;
    uint32_t run;
    unsigned timeout_ms;
    uint8_t dst[ETH_ALEN];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: framecheck send IFACE --size S [--size2 S2] --count N [--run R] [--dst MAC] "
            "[--gap-us U]\n"
            "       framecheck recv IFACE --size S [--size2 S2] --count N [--run R] "
            "[--timeout-ms T] [--ready FILE] [--in-order]\n"
            "       framecheck sniff IFACE [--timeout-ms T] [--ready FILE]\n");
    exit(2);
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static unsigned parse_num(const char *opt, const char *s, unsigned long max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 0);
    if (errno || end == s || *end || v > max) {
        fprintf(stderr, "framecheck: %s %s: expected a number up to %lu\n", opt, s, max);
        exit(2);
    }
    return (unsigned)v;
}

static void parse_mac(const char *s, uint8_t *mac)
{
    unsigned b[ETH_ALEN];
    char tail;
    int i;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6) {
        fprintf(stderr, "framecheck: --dst %s: not a MAC address\n", s);
        exit(2);
    }
    for (i = 0; i < ETH_ALEN; i++) {
        if (b[i] > 0xff) {
            fprintf(stderr, "framecheck: --dst %s: not a MAC address\n", s);
            exit(2);
        }
        mac[i] = (uint8_t)b[i];
    }
}

static void parse(int argc, char **argv, struct opts *o)
{
    int i;

    if (argc < 3)
        usage();
    memset(o, 0, sizeof(*o));
    o->mode = argv[1];
    o->ifname = argv[2];
    o->gap_us = 200;
    o->timeout_ms = 5000;
    o->run = (uint32_t)getpid();
    memset(o->dst, 0xff, sizeof(o->dst));
    for (i = 3; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "--in-order")) {
            o->in_order = true;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        if (!strcmp(a, "--size"))
            o->size = parse_num(a, argv[++i], FC_MAX_SIZE);
        else if (!strcmp(a, "--size2"))
            o->size2 = parse_num(a, argv[++i], FC_MAX_SIZE);
        else if (!strcmp(a, "--count"))
            o->count = parse_num(a, argv[++i], FC_MAX_COUNT);
        else if (!strcmp(a, "--run"))
            o->run = parse_num(a, argv[++i], UINT32_MAX);
        else if (!strcmp(a, "--gap-us"))
            o->gap_us = parse_num(a, argv[++i], 1000000);
        else if (!strcmp(a, "--timeout-ms"))
            o->timeout_ms = parse_num(a, argv[++i], 600000);
        else if (!strcmp(a, "--ready"))
            o->ready = argv[++i];
        else if (!strcmp(a, "--dst"))
            parse_mac(argv[++i], o->dst);
        else
            usage();
    }
    if (strcmp(o->mode, "sniff") &&
        (o->size < FC_HDR || o->count == 0 || (o->size2 && o->size2 < FC_HDR))) {
        fprintf(stderr, "framecheck: --size (at least %u) and --count (at least 1) are needed\n",
                FC_HDR);
        exit(2);
    }
}

/* The length of frame seq. */
static unsigned size_of(const struct opts *o, uint32_t seq)
{
    return o->size2 && (seq & 1) ? o->size2 : o->size;
}

/* The byte at offset i (>= FC_HDR) of frame seq of a run. */
static uint8_t pattern(uint32_t run, uint32_t seq, unsigned i)
{
    return (uint8_t)(run * 7u + seq * 131u + i * 29u + (i >> 8) * 3u);
}

static void put32(uint8_t *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return ntohl(v);
}

static int open_socket(const char *ifname, uint16_t proto, int *ifindex, uint8_t *mac)
{
    struct sockaddr_ll sll;
    struct ifreq ifr;
    int fd, rcvbuf = RCVBUF;

    *ifindex = (int)if_nametoindex(ifname);
    if (*ifindex == 0) {
        fprintf(stderr, "framecheck: %s: %s\n", ifname, strerror(errno));
        return -1;
    }
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
    if (fd < 0) {
        fprintf(stderr, "framecheck: AF_PACKET socket: %s\n", strerror(errno));
        return -1;
    }
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(proto);
    sll.sll_ifindex = *ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        fprintf(stderr, "framecheck: bind to %s: %s\n", ifname, strerror(errno));
        close(fd);
        return -1;
    }
    /* A receiving socket holds a burst of 64 KiB frames without dropping
     * (SO_RCVBUFFORCE needs CAP_NET_ADMIN; else the sysctl's ceiling). */
    if (proto && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (mac) {
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
            fprintf(stderr, "framecheck: MAC address of %s: %s\n", ifname, strerror(errno));
            close(fd);
            return -1;
        }
        memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
    }
    return fd;
}

/* Frames the kernel dropped because our socket's buffer was full. */
static unsigned socket_drops(int fd)
{
    struct tpacket_stats st;
    socklen_t len = sizeof(st);

    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
        return 0;
    return st.tp_drops;
}

static int ready(const char *path)
{
    int fd;

    if (!path)
        return 0;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "framecheck: %s: %s\n", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

static int do_send(const struct opts *o)
{
    uint8_t frame[FC_MAX_SIZE];
    struct sockaddr_ll to;
    unsigned seq, i, size, retries = 0;
    int fd, ifindex;

    /* Protocol 0: a sending socket receives nothing. */
    fd = open_socket(o->ifname, 0, &ifindex, frame + ETH_ALEN);
    if (fd < 0)
        return 1;
    memcpy(frame, o->dst, ETH_ALEN);
    frame[12] = FC_ETHERTYPE >> 8;
    frame[13] = FC_ETHERTYPE & 0xff;
    memset(&to, 0, sizeof(to));
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex;
    to.sll_halen = ETH_ALEN;
    memcpy(to.sll_addr, o->dst, ETH_ALEN);
    for (seq = 0; seq < o->count; seq++) {
        put32(frame + 14, FC_MAGIC);
        put32(frame + 18, o->run);
        put32(frame + 22, seq);
        size = size_of(o, seq);
        put32(frame + 26, size);
        for (i = FC_HDR; i < size; i++)
            frame[i] = pattern(o->run, seq, i);
        for (;;) {
            ssize_t n = sendto(fd, frame, size, 0, (struct sockaddr *)&to, sizeof(to));

            if (n == (ssize_t)size)
                break;
            if (n < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) &&
                retries < 10000) {
                retries++;
                usleep(1000);
                continue;
            }
            fprintf(stderr, "framecheck: send frame %u of %u bytes on %s: %s\n", seq, size,
                    o->ifname, n < 0 ? strerror(errno) : "short write");
            close(fd);
            return 1;
        }
        if (o->gap_us)
            usleep(o->gap_us);
    }
    close(fd);
    printf("framecheck: sent %u frames of %u bytes on %s (run %u, %u retries)\n", o->count,
           o->size, o->ifname, o->run, retries);
    return 0;
}

/* Check one received frame of our run; returns NULL if good, else why. */
static const char *check_frame(const struct opts *o, const uint8_t *f, size_t len, uint32_t *seq)
{
    unsigned i, size;

    *seq = get32(f + 22);
    if (*seq >= o->count)
        return "sequence number out of range";
    size = size_of(o, *seq);
    if (len != size)
        return "wrong length";
    if (get32(f + 26) != size)
        return "size field differs";
    for (i = FC_HDR; i < size; i++)
        if (f[i] != pattern(o->run, *seq, i))
            return "payload differs";
    return NULL;
}

static int do_recv(const struct opts *o)
{
    static uint8_t buf[SNIFF_BUF];
    uint8_t *seen = calloc(o->count, 1);
    unsigned good = 0, bad = 0, dup = 0, foreign = 0, reports = 0, reordered = 0, sockdrops;
    uint32_t highest = 0;
    uint64_t deadline, linger_end = 0;
    int fd, ifindex;

    if (!seen)
        return 1;
    fd = open_socket(o->ifname, FC_ETHERTYPE, &ifindex, NULL);
    if (fd < 0 || ready(o->ready) < 0) {
        free(seen);
        return 1;
    }
    deadline = now_ms() + o->timeout_ms;
    for (;;) {
        uint64_t now = now_ms(), end = linger_end ? linger_end : deadline;
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof(from);
        const char *why;
        uint32_t seq;
        ssize_t n;
        int rc;

        if (now >= end)
            break;
        rc = poll(&pfd, 1, (int)(end - now));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            fprintf(stderr, "framecheck: poll: %s\n", strerror(errno));
            break;
        }
        if (rc == 0)
            continue;
        n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from,
                     &fromlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            fprintf(stderr, "framecheck: recv: %s\n", strerror(errno));
            break;
        }
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;
        /* Another run's frames (or anything not ours) are not counted. */
        if (n < FC_HDR || get32(buf + 14) != FC_MAGIC || get32(buf + 18) != o->run) {
            foreign++;
            continue;
        }
        why = check_frame(o, buf, (size_t)n, &seq);
        if (why) {
            bad++;
            if (reports++ < MAX_REPORTS)
                fprintf(stderr, "framecheck: %s: frame %u: %s (%zd bytes, expected %u)\n",
                        o->ifname, seq, why, n, seq < o->count ? size_of(o, seq) : o->size);
            continue;
        }
        if (seen[seq]) {
            dup++;
            continue;
        }
        if (good && seq < highest && reordered++ < MAX_REPORTS && o->in_order)
            fprintf(stderr, "framecheck: %s: frame %u after frame %u\n", o->ifname, seq, highest);
        if (seq > highest)
            highest = seq;
        seen[seq] = 1;
        if (++good == o->count && !linger_end)
            linger_end = now_ms() + LINGER_MS;
    }
    sockdrops = socket_drops(fd);
    close(fd);
    if (good < o->count) {
        unsigned k, shown = 0;

        fprintf(stderr, "framecheck: %s: missing frames:", o->ifname);
        for (k = 0; k < o->count && shown < 20; k++)
            if (!seen[k]) {
                fprintf(stderr, " %u", k);
                shown++;
            }
        fprintf(stderr, "%s\n", o->count - good > shown ? " ..." : "");
    }
    free(seen);
    printf("framecheck: received on %s, %u bytes: %u/%u good, %u lost, %u bad, %u duplicate, "
           "%u reordered, %u foreign, %u dropped by our socket\n", o->ifname, o->size, good,
           o->count, o->count - good, bad, dup, reordered, foreign, sockdrops);
    return good == o->count && bad == 0 && dup == 0 && (!o->in_order || reordered == 0) ? 0 : 1;
}

static int do_sniff(const struct opts *o)
{
    static uint8_t buf[SNIFF_BUF];
    unsigned frames = 0, big = 0, sockdrops;
    size_t longest = 0;
    uint64_t deadline;
    struct sigaction sa;
    int fd, ifindex;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;       /* no SA_RESTART: poll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fd = open_socket(o->ifname, ETH_P_ALL, &ifindex, NULL);
    if (fd < 0 || ready(o->ready) < 0)
        return 1;
    deadline = now_ms() + o->timeout_ms;
    while (!stop) {
        uint64_t now = now_ms();
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof(from);
        ssize_t n;
        int rc;

        if (now >= deadline)
            break;
        rc = poll(&pfd, 1, (int)(deadline - now));
        if (rc <= 0) {
            if (rc < 0 && errno != EINTR) {
                fprintf(stderr, "framecheck: poll: %s\n", strerror(errno));
                break;
            }
            continue;
        }
        n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from,
                     &fromlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            fprintf(stderr, "framecheck: recv: %s\n", strerror(errno));
            break;
        }
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;
        frames++;
        if (n > 4096)
            big++;
        if ((size_t)n > longest)
            longest = (size_t)n;
    }
    sockdrops = socket_drops(fd);
    close(fd);
    printf("framecheck: sniffed on %s: %u frames, %u longer than 4096 bytes, longest %zu, "
           "%u dropped by our socket\n", o->ifname, frames, big, longest, sockdrops);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;

    parse(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(o.mode, "send"))
        return do_send(&o);
    if (!strcmp(o.mode, "recv"))
        return do_recv(&o);
    if (!strcmp(o.mode, "sniff"))
        return do_sniff(&o);
    usage();
    return 2;
}
