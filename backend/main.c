/*
 * netstage-back: options, then the main loop: xenstore watch events drive
 * the handshake of every vif (vif.c); datapath threads wake us through an
 * eventfd when a frontend must be disabled; SIGINT/SIGTERM close every vif.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "backend/backend.h"
#include "common/daemon.h"
#include "common/xs_util.h"

#define PROG "netstage-back"

static void usage(FILE *out)
{
    fputs("usage: netstage-back [OPTIONS]\n"
          "\n"
          "Serve every vif under /local/domain/<DOMID>/backend/vif: a TAP named\n"
          "vif<domid>.<devid> per vif, the netif protocol with staging grants.\n"
          "\n"
          "  --queues N            multi-queue-max-queues offered (1..8, default 2)\n"
          "  --no-staging          do not offer staging grants (plain netif)\n"
          "  --slot-len-max L      largest staging slot length accepted\n"
          "                        (power of two, 64..4096, default 4096)\n"
          "  --data-ring-max-order N  largest staging data ring offered, 2^N pages\n"
          "                        (1..9, default 6; 0: offer slots only)\n"
          "  --remainder copy|map  bytes past the slot: grant copy (default) or grant map\n"
          "  --busy-poll-us N      busy-poll ceiling before sleeping, microseconds\n"
          "                        (default 50; 0 disables; adaptive below the ceiling)\n"
          "  --fatal-slots F       follow-on requests that disable a vif (19..64, default 20)\n"
          "  --run-hotplug         run each vif's hotplug script (\"script\" key) ourselves,\n"
          "                        for hosts where no toolstack runs it\n"
          "  --domid N             our own domain id (default: the \"domid\" node, else 0)\n"
          "  --bench               benchmark mode (`make bench`): no TAPs; guest TX is\n"
          "                        dropped once gathered, guest RX is generated\n"
          "  --bench-rx-size N     with --bench: generate N-byte frames for the guest\n"
          "                        (14..9018; default 0, none)\n"
          "  --bench-echo          with --bench: send every guest TX frame back to the guest\n"
          "                        (the request/response benchmark)\n"
          "  --verbose             log every handshake step\n"
          "  --help                this text\n"
          "\n"
          "The keys netstage-staging, netstage-slot-len-max and netstage-queues in a vif's\n"
          "backend directory override --no-staging, --slot-len-max and --queues (at most)\n"
          "for that vif until its frontend connects (`netstage config apply`).\n"
          "Statistics: `netstage stat` (files in $NETSTAGE_RUN_DIR, default /run/netstage).\n",
          out);
}

static int parse_options(int argc, char **argv, struct back_opts *o, bool *verbose)
{
    static const struct option longopts[] = {
        { "queues", required_argument, NULL, 'q' },
        { "no-staging", no_argument, NULL, 'S' },
        { "slot-len-max", required_argument, NULL, 'L' },
        { "data-ring-max-order", required_argument, NULL, 'O' },
        { "remainder", required_argument, NULL, 'r' },
        { "busy-poll-us", required_argument, NULL, 'b' },
        { "fatal-slots", required_argument, NULL, 'F' },
        { "run-hotplug", no_argument, NULL, 'H' },
        { "domid", required_argument, NULL, 'd' },
        { "bench", no_argument, NULL, 'B' },
        { "bench-rx-size", required_argument, NULL, 'R' },
        { "bench-echo", no_argument, NULL, 'E' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    *o = (struct back_opts){ .max_queues = 2, .staging = true, .slot_len_max = 4096,
                             .data_ring_max_order = 6, .busy_poll_us = 50, .fatal_slots = 20, .domid = ~0u };
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'q':
            if (ns_daemon_parse_uint(PROG, "queues", optarg, 1, TAP_MAX_QUEUES, &o->max_queues) < 0)
                return -1;
            break;
        case 'S':
            o->staging = false;
            break;
        case 'L':
            if (ns_daemon_parse_uint(PROG, "slot-len-max", optarg, 64, 4096, &o->slot_len_max) < 0)
                return -1;
            if (!XEN_NETIF_STAGING_LEN_VALID(o->slot_len_max)) {
                fprintf(stderr, "netstage-back: --slot-len-max %s: not a power of two\n",
                        optarg);
                return -1;
            }
            break;
        case 'O':
            if (ns_daemon_parse_uint(PROG, "data-ring-max-order", optarg, 0,
                                     XEN_NETIF_DATA_RING_ORDER_MAX, &o->data_ring_max_order) < 0)
                return -1;
            break;
        case 'r':
            if (strcmp(optarg, "copy") && strcmp(optarg, "map")) {
                fprintf(stderr, "netstage-back: --remainder %s: expected copy or map\n", optarg);
                return -1;
            }
            o->remainder_map = !strcmp(optarg, "map");
            break;
        case 'b':
            if (ns_daemon_parse_uint(PROG, "busy-poll-us", optarg, 0, 1000000, &o->busy_poll_us) < 0)
                return -1;
            break;
        case 'F':
            if (ns_daemon_parse_uint(PROG, "fatal-slots", optarg, XEN_NETIF_NR_SLOTS_MIN + 1,
                               TX_FATAL_SLOTS_MAX, &o->fatal_slots) < 0)
                return -1;
            break;
        case 'H':
            o->run_hotplug = true;
            break;
        case 'd':
            if (ns_daemon_parse_uint(PROG, "domid", optarg, 0, 0x7fef, &o->domid) < 0)
                return -1;
            break;
        case 'B':
            o->bench = true;
            break;
        case 'E':
            o->bench_echo = true;
            break;
        case 'R':
            if (ns_daemon_parse_uint(PROG, "bench-rx-size", optarg, 14, NS_PKTIO_GEN_MAX,
                                     &o->bench_rx_len) < 0)
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
    if ((o->bench_rx_len || o->bench_echo) && !o->bench) {
        fprintf(stderr, PROG ": --bench-rx-size and --bench-echo need --bench\n");
        return -1;
    }
    if (o->bench_rx_len && o->bench_echo) {
        fprintf(stderr, PROG ": --bench-rx-size and --bench-echo exclude each other\n");
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
    back_scan(arg);
}

static void on_wake(void *arg)
{
    back_handle_fatal(arg);
}

int main(int argc, char **argv)
{
    struct back be = { 0 };
    bool verbose = false;
    char root[64];
    int sfd;

    if (parse_options(argc, argv, &be.opts, &verbose) < 0)
        return 2;
    ns_log_init(PROG, verbose ? NS_LOG_DEBUG : NS_LOG_INFO);
    sfd = ns_daemon_signal_fd();
    be.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    be.xs = xs_open(0);
    if (sfd < 0 || be.wake_fd < 0 || !be.xs) {
        ns_log(NS_LOG_ERR, "cannot start: %s%s", strerror(errno),
               be.xs ? "" : " (is xenstored running, and are we in the backend domain?)");
        return 1;
    }
    if (be.opts.domid == ~0u)
        be.opts.domid = ns_daemon_own_domid(be.xs);
    snprintf(root, sizeof(root), "/local/domain/%u/backend/vif", be.opts.domid);
    if (!xs_watch(be.xs, root, "backend")) {
        ns_log(NS_LOG_ERR, "cannot watch %s: %s", root, strerror(errno));
        return 1;
    }
    ns_log(NS_LOG_INFO, "serving %s (staging %s, %u queue(s) max, remainder by grant %s)", root,
           be.opts.staging ? "offered" : "off", be.opts.max_queues,
           be.opts.remainder_map ? "map" : "copy");

    ns_daemon_loop(be.xs, be.wake_fd, sfd, on_watch, on_wake, &be);
    ns_log(NS_LOG_INFO, "shutting down");
    back_shutdown(&be);
    xs_close(be.xs);
    return 0;
}
