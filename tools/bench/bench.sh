#!/bin/bash
# make bench: the paravirtual path alone, on a simulated host.  The
# frontend generates guest-TX packets and the backend drops them once
# gathered (and the reverse for guest RX): no TAP, no network stack.
# Modes: copy (grant copy, plain netif), map (grant map, plain netif, TX),
# slots (staging through slots: netstage-front --data-ring-order 0), ring
# (staging through the data ring with whole records: netstage-front's
# default); and, in the same run, netstage-rawring: the same packets
# through a plain shared-memory ring between two processes, the machine's
# limit.  The summary line's "staging" is the frontend's default, the ring.
# Latency: "rr" rows keep one 64-byte frame in flight (the frontend sends
# the next when the backend has echoed the last back): the Mpps column is
# then millions of transactions per second; "rr0" is the same with
# busy-polling off on both ends (every transaction waits for two events).
# Runs are interleaved (every configuration once per round) and repeated;
# the table gives medians, and ratios are medians of per-round ratios.
#
#   tools/bench/bench.sh [--long] [--json] [--only REGEX]    (or: netstage bench ...)
#     short (default): 64-byte packets, 1 queue, 0.6 s per run, 3 rounds
#     --long: 64, 256 and 1500 bytes, 1 and 2 queues, 3 s per run, 5 rounds
#     --only: run the configurations whose "DIR MODE BYTES QUEUES" line
#             matches the extended regular expression (e.g. 'ring|raw')
# Needs root (network namespaces).  The programs come from $BUILD/bin, or
# from $NETSTAGE_BIN and $NETSTAGE_RAWRING (set by `netstage bench`).
set -euo pipefail
BUILD=${BUILD:-build/release}
LONG=0 JSON=0 ONLY=
usage() { # usage [STATUS]: to stdout when asked for (status 0), else to stderr
    local out=2
    [ "${1:-2}" = 0 ] && out=1
    echo "usage: netstage bench [--long] [--json] [--only REGEX]" >&$out
    exit "${1:-2}"
}
while [ $# -gt 0 ]; do
    case "$1" in
    -h|--help) usage 0 ;;
    --long) LONG=1 ;;
    --json) JSON=1 ;;
    --only) [ $# -ge 2 ] || usage; ONLY=$2; shift ;;
    *) usage ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "netstage bench: needs root (it creates network namespaces)" >&2; exit 1; }
. "$(dirname "${BASH_SOURCE[0]}")/../lib/simnet.sh"
RAWRING=${NETSTAGE_RAWRING:-$SIMNET_BIN/netstage-rawring}
trap 'simnet_down' EXIT
trap 'exit 130' INT TERM

if [ $LONG = 1 ]; then SIZES="64 256 1500"; QUEUES="1 2"; SECS=3; ROUNDS=5
else SIZES="64"; QUEUES="1"; SECS=0.6; ROUNDS=3; fi

# One configuration per line: DIR MODE SIZE QUEUES.
configs() {
    local s q
    for s in $SIZES; do for q in $QUEUES; do
        echo "tx copy $s $q"; echo "tx map $s $q"; echo "tx slots $s $q"; echo "tx ring $s $q"
        echo "rx copy $s $q"; echo "rx slots $s $q"; echo "rx ring $s $q"
        [ "$q" = 1 ] && echo "raw raw $s 1"
    done; done
    echo "rr copy 64 1"; echo "rr ring 64 1"; echo "rr0 copy 64 1"; echo "rr0 ring 64 1"
}

# Sum of a counter over a role's queues, from `netstage stat --json`.
counters() {
    "$SIMNET_BIN/netstage" stat --json | tr '{},' '\n\n\n' | awk '
        index($0, "\"role\":") == 1 { role = substr($0, 9, length($0) - 9) }
        { split($0, kv, ":"); k = kv[1]; gsub(/"/, "", k) }
        k ~ /^(tx_packets|rx_packets|notify_sent|grant_copy_ops|grant_map_ops)$/ { s[role " " k] += kv[2] }
        END { for (x in s) print x, s[x] }'
}
get() { awk -v k="$2" '$1 " " $2 == k { print $3 }' <<<"$1"; }

# measure DIR MODE SIZE QUEUES -> "Mpps notify/pkt ops/pkt"
measure() {
    local dir=$1 mode=$2 size=$3 nq=$4 back=(--bench) front=(--bench --queues "$nq") c0 c1 t0 t1 pk n o
    if [ "$dir" = raw ]; then
        read -r pk t0 < <("$RAWRING" "$size" "$SECS")
        awk -v p="$pk" -v t="$t0" 'BEGIN { printf "%.4f 0 0\n", p / t / 1e6 }'
        return
    fi
    case "$mode" in
    ring) ;;
    slots) front+=(--data-ring-order 0) ;;
    *) back+=(--no-staging) ;;
    esac
    [ "$mode" = map ] && back+=(--remainder map)
    case "$dir" in
    tx) front+=(--bench-tx-size "$size") ;;
    rx) back+=(--bench-rx-size "$size") ;;
    rr*) back+=(--bench-echo); front+=(--bench-tx-size "$size" --bench-rr) ;;
    esac
    if [ "$dir" = rr0 ]; then back+=(--busy-poll-us 0); front+=(--busy-poll-us 0); fi
    simnet_back "${back[@]}"
    simnet_front g1 "${front[@]}"
    simnet_wait_connected g1 >/dev/null || { echo "0 0 0"; simnet_stop >/dev/null || true; return; }
    sleep 0.2 # past the connection's start
    c0=$(counters); t0=$(date +%s.%N)
    sleep "$SECS"
    c1=$(counters); t1=$(date +%s.%N)
    simnet_stop >/dev/null || true
    # Packets that made it through: the backend's sink for TX, the frontend's otherwise.
    if [ "$dir" = tx ]; then pk=$(( $(get "$c1" "back tx_packets") - $(get "$c0" "back tx_packets") ))
    else pk=$(( $(get "$c1" "front rx_packets") - $(get "$c0" "front rx_packets") )); fi
    n=$(( $(get "$c1" "back notify_sent") + $(get "$c1" "front notify_sent") -
          $(get "$c0" "back notify_sent") - $(get "$c0" "front notify_sent") ))
    o=$(( n + $(get "$c1" "back grant_copy_ops") + $(get "$c1" "back grant_map_ops") -
          $(get "$c0" "back grant_copy_ops") - $(get "$c0" "back grant_map_ops") ))
    awk -v p="$pk" -v a="$t0" -v b="$t1" -v n="$n" -v o="$o" \
        'BEGIN { if (p <= 0) { print "0 0 0"; exit } printf "%.4f %.5f %.5f\n", p / (b - a) / 1e6, n / p, o / p }'
}

simnet_up >/dev/null
simnet_guest g1 --vifs 1 >/dev/null
RESULTS=$(mktemp)
for round in $(seq 1 $ROUNDS); do
    while read -r dir mode size nq; do
        echo "$round $dir $mode $size $nq $(measure "$dir" "$mode" "$size" "$nq")" >>"$RESULTS"
        [ $JSON = 1 ] || printf '.' >&2
    done < <(configs | grep -E -- "${ONLY:-.}")
done
[ $JSON = 1 ] || echo >&2

# Medians per configuration, and per-round ratios against copy and raw.
awk -v json=$JSON -v rounds=$ROUNDS -v only="$ONLY" '
function median(arr, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
    return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{
    key = $2 " " $3 " " $4 " " $5; r = $1
    mpps[key, r] = $6; notif[key, r] = $7; ops[key, r] = $8
    if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
}
END {
    for (i = 1; i <= nk; i++) {
        split(order[i], f, " "); dir = f[1]; mode = f[2]; size = f[3]; q = f[4]
        base = dir " copy " size " " q; raw = "raw raw " size " 1"
        for (r = 1; r <= rounds; r++) {
            a[r] = mpps[order[i], r]; b[r] = notif[order[i], r]; c[r] = ops[order[i], r]
            rc[r] = (mpps[base, r] > 0) ? mpps[order[i], r] / mpps[base, r] : 0
            rr[r] = (mpps[raw, r] > 0) ? mpps[order[i], r] / mpps[raw, r] : 0
        }
        M[order[i]] = median(a, rounds); N[order[i]] = median(b, rounds); O[order[i]] = median(c, rounds)
        RC[order[i]] = median(rc, rounds); RR[order[i]] = median(rr, rounds)
    }
    if (!json) {
        printf "%-4s %-8s %5s %2s %9s %9s %9s %11s %10s\n", "dir", "mode", "bytes", "q", "Mpps", "x copy", "of raw", "notify/pkt", "ops/pkt"
        for (i = 1; i <= nk; i++) {
            split(order[i], f, " ")
            printf "%-4s %-8s %5s %2s %9.3f %9s %9s %11s %10s\n", f[1], f[2], f[3], f[4], M[order[i]],
                (f[1] == "raw" ? "-" : sprintf("%.2f", RC[order[i]])),
                (f[1] ~ /^rr/ ? "-" : sprintf("%.3f", RR[order[i]])),
                (f[1] == "raw" ? "-" : sprintf("%.4f", N[order[i]])),
                (f[1] == "raw" ? "-" : sprintf("%.4f", O[order[i]]))
        }
    } else {
        printf "{\"rounds\":%d,\"results\":[", rounds
        for (i = 1; i <= nk; i++) {
            split(order[i], f, " ")
            printf "%s{\"dir\":\"%s\",\"mode\":\"%s\",\"bytes\":%s,\"queues\":%s,\"mpps\":%.4f,\"ratio_copy\":%.4f,\"fraction_raw\":%.4f,\"notify_per_pkt\":%.5f,\"ops_per_pkt\":%.5f}",
                (i > 1 ? "," : ""), f[1], f[2], f[3], f[4], M[order[i]], RC[order[i]], RR[order[i]], N[order[i]], O[order[i]]
        }
    }
    tx = "tx ring 64 1"; rx = "rx ring 64 1"
    np = (N[tx] > N[rx]) ? N[tx] : N[rx]
    if (only != "") { # a subset: the summary would compare configurations not run
        if (json) print "]}"
        exit
    }
    if (json)
        printf "],\"summary\":{\"tx64_staging_copy\":%.4f,\"rx64_staging_copy\":%.4f,\"tx64_staging_raw\":%.4f,\"notify_per_pkt\":%.5f}}\n",
            RC[tx], RC[rx], RR[tx], np
    else
        printf "\nbench summary: tx64 staging/copy=%.2f rx64 staging/copy=%.2f tx64 staging/raw=%.3f notify/pkt=%.4f\n",
            RC[tx], RC[rx], RR[tx], np
}' "$RESULTS"
rm -f "$RESULTS"
