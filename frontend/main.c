/*
 * netstage-front: options, then the main loop: watch events drive each
 * vif's handshake (vif.c); datapath threads wake us through an eventfd when
 * the backend broke the protocol; SIGINT/SIGTERM close every vif.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/daemon.h"
#include "common/xs_util.h"
#include "frontend/frontend.h"

#define PROG "netstage-front"

static void usage(FILE *out)
{
    fputs("usage: netstage-front [OPTIONS]\n"
          "\n"
          "Serve every vif under device/vif of this domain: an Ethernet interface (TAP)\n"
          "per vif, connected to its backend with the netif protocol, using staging\n"
          "grants when the backend offers them.\n"
          "\n"
          "  --queues N             queues wanted (1..8, default 2; capped by the backend)\n"
          "  --no-staging           never use staging grants\n"
          "  --slot-len L           staging slot length wanted (power of two, 64..4096,\n"
          "                         default 256; capped by the backend)\n"
          "  --data-ring-order N    send packets through a data ring of 2^N pages per\n"
          "                         queue when the backend offers one, slots otherwise\n"
          "                         (0..9, default 5; 0: always slots; capped by the\n"
          "                         backend); the heads are up to --slot-len octets\n"
          "  --no-whole-records     on a data ring, put every packet on the netif ring\n"
          "                         too (default: a small packet is one whole record,\n"
          "                         with no ring request, when the backend offers it)\n"
          "  --single-event-channel one event channel per queue even if split is offered\n"
          "  --busy-poll-us N       busy-poll ceiling before sleeping, microseconds\n"
          "                         (default 50; 0 disables; adaptive below the ceiling)\n"
          "  --ifname PATTERN       interface name, %u is the devid (default eth%u)\n"
          "  --domid N              our own domain id (default: the \"domid\" node)\n"
          "  --bench                benchmark mode (`make bench`): no TAPs; guest RX is\n"
          "                         dropped once assembled, guest TX is generated\n"
          "  --bench-tx-size N      with --bench: transmit N-byte frames as fast as the\n"
          "                         ring allows (14..9018; default 0, none)\n"
          "  --bench-rr             with --bench-tx-size: one frame in flight, the next\n"
          "                         sent when it comes back (with netstage-back --bench-echo)\n"
          "  --verbose              log every handshake step\n"
          "  --help                 this text\n"
          "\n"
          "Statistics: `netstage stat` (files in $NETSTAGE_RUN_DIR, default /run/netstage).\n",
          out);
}

/* Exactly one "%u" and nothing else printf would interpret. */
static bool valid_ifname_pattern(const char *p)
{
    const char *pc = strchr(p, '%');

    return pc && pc[1] == 'u' && !strchr(pc + 2, '%') && strlen(p) + 3 < 16;
}

static int parse_options(int argc, char **argv, struct front_opts *o, bool *verbose)
{
    static const struct option longopts[] = {
        { "queues", required_argument, NULL, 'q' },
        { "no-staging", no_argument, NULL, 'S' },
        { "slot-len", required_argument, NULL, 'L' },
        { "data-ring-order", required_argument, NULL, 'O' },
        { "no-whole-records", no_argument, NULL, 'W' },
        { "single-event-channel", no_argument, NULL, '1' },
        { "busy-poll-us", required_argument, NULL, 'b' },
        { "ifname", required_argument, NULL, 'i' },
        { "domid", required_argument, NULL, 'd' },
        { "bench", no_argument, NULL, 'B' },
        { "bench-tx-size", required_argument, NULL, 'T' },
        { "bench-rr", no_argument, NULL, 'P' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    *o = (struct front_opts){ .queues = 2, .staging = true, .data_ring_order = FRONT_DATA_RING_ORDER_DEFAULT,
                              .whole_records = true, .slot_len = 256, .split = true,
                              .busy_poll_us = 50, .ifname = "eth%u", .domid = ~0u };
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'q':
            if (ns_daemon_parse_uint(PROG, "queues", optarg, 1, TAP_MAX_QUEUES, &o->queues) < 0)
                return -1;
            break;
        case 'S':
            o->staging = false;
            break;
        case 'L':
            if (ns_daemon_parse_uint(PROG, "slot-len", optarg, 64, 4096, &o->slot_len) < 0)
                return -1;
            if (!XEN_NETIF_STAGING_LEN_VALID(o->slot_len)) {
                fprintf(stderr, PROG ": --slot-len %s: not a power of two\n", optarg);
                return -1;
            }
            break;
        case '1':
            o->split = false;
            break;
        case 'b':
            if (ns_daemon_parse_uint(PROG, "busy-poll-us", optarg, 0, 1000000, &o->busy_poll_us) < 0)
                return -1;
            break;
        case 'i':
            if (!valid_ifname_pattern(optarg)) {
                fprintf(stderr, PROG ": --ifname %s: needs exactly one %%u and at most 12 "
                        "other characters\n", optarg);
                return -1;
            }
            o->ifname = optarg;
            break;
        case 'd':
            if (ns_daemon_parse_uint(PROG, "domid", optarg, 0, 0x7fef, &o->domid) < 0)
                return -1;
            break;
        case 'O':
            if (ns_daemon_parse_uint(PROG, "data-ring-order", optarg, 0,
                                     XEN_NETIF_DATA_RING_ORDER_MAX, &o->data_ring_order) < 0)
                return -1;
            break;
        case 'W':
            o->whole_records = false;
            break;
        case 'B':
            o->bench = true;
            break;
        case 'P':
            o->bench_rr = true;
            break;
        case 'T':
            if (ns_daemon_parse_uint(PROG, "bench-tx-size", optarg, 14, NS_PKTIO_GEN_MAX,
                                     &o->bench_tx_len) < 0)
                return -1;
            break;
        case 'v':
            *verbose = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (o->bench_tx_len && !o->bench) {
        fprintf(stderr, PROG ": --bench-tx-size needs --bench\n");
        return -1;
    }
    if (o->bench_rr && !o->bench_tx_len) {
        fprintf(stderr, PROG ": --bench-rr needs --bench-tx-size\n");
        return -1;
    }
    if (optind != argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

static void on_watch(void *arg)
{
    front_scan(arg);
}

static void on_wake(void *arg)
{
    front_handle_fatal(arg);
}

int main(int argc, char **argv)
{
    struct front fe = { 0 };
    bool verbose = false;
    int sfd;

    if (parse_options(argc, argv, &fe.opts, &verbose) < 0)
        return 2;
    ns_log_init(PROG, verbose ? NS_LOG_DEBUG : NS_LOG_INFO);
    sfd = ns_daemon_signal_fd();
    fe.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    fe.xs = xs_open(0);
    if (sfd < 0 || fe.wake_fd < 0 || !fe.xs) {
        ns_log(NS_LOG_ERR, "cannot start: %s%s", strerror(errno),
               fe.xs ? "" : " (is xenstore reachable from this domain?)");
        return 1;
    }
    if (fe.opts.domid == ~0u)
        fe.opts.domid = ns_daemon_own_domid(fe.xs);
    if (!xs_watch(fe.xs, "device/vif", "device")) {
        ns_log(NS_LOG_ERR, "cannot watch device/vif: %s", strerror(errno));
        return 1;
    }
    ns_log(NS_LOG_INFO, "domain %u: serving device/vif (staging %s, %u queue(s) wanted)",
           fe.opts.domid, fe.opts.staging ? "wanted" : "off", fe.opts.queues);

    ns_daemon_loop(fe.xs, fe.wake_fd, sfd, on_watch, on_wake, &fe);
    ns_log(NS_LOG_INFO, "shutting down");
    front_shutdown(&fe);
    xs_close(fe.xs);
    return 0;
}
