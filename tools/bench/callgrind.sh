#!/bin/bash
# Instructions per packet, by mode: one daemon (the backend unless --front)
# runs under callgrind (valgrind) in benchmark mode for a few seconds while
# the other drives it at full speed; its instruction count is divided by
# the packets it handled.  User-space instructions only: the kernel's work
# inside the simulator's grant copies and notifications is not counted.
#   tools/bench/callgrind.sh [--front] [SECONDS]     (default 6)
# Prints one line per mode and keeps the callgrind files in
# $BUILD/callgrind/ (back-MODE.out, front-MODE.out) for callgrind_annotate.
set -euo pipefail
BUILD=${BUILD:-build/release}
ROLE=back
if [ "${1:-}" = --front ]; then ROLE=front; shift; fi
SECS=${1:-6}
command -v valgrind >/dev/null || { echo "$0: valgrind is not installed" >&2; exit 1; }
. tools/lib/simnet.sh
trap 'simnet_down' EXIT
trap 'exit 130' INT TERM
outdir="$BUILD/callgrind"
mkdir -p "$outdir"

count() { # count ROLE KEY: a counter summed over the role's queues
    "$SIMNET_BIN/netstage" stat --json | tr '{},' '\n\n\n' |
        awk -v r="\"role\":\"$1\"" -v k="\"$2\":" '
            index($0, "\"role\":") == 1 { on = ($0 == r) }
            on && index($0, k) == 1 { split($0, a, ":"); s += a[2] }
            END { print s + 0 }'
}

profile() { # profile NAME "BACK OPTIONS" "FRONT OPTIONS"
    local out="$outdir/$ROLE-$1.out" pk ir
    local grind=(valgrind --tool=callgrind --callgrind-out-file="$out")
    if [ $ROLE = back ]; then
        ip netns exec "$(simnet_ns d0)" "$SIMNET_BIN/netstage" sim exec --host "$SIMNET_HOST" \
            Domain-0 -- "${grind[@]}" "$SIMNET_BIN/netstage-back" $2 >>"$SIMNET_LOGS/back.log" 2>&1 &
        SIMNET_PIDS+=($!)
        simnet_front g1 $3
    else
        simnet_back $2
        ip netns exec "$(simnet_ns g1)" "$SIMNET_BIN/netstage" sim exec --host "$SIMNET_HOST" \
            g1 -- "${grind[@]}" "$SIMNET_BIN/netstage-front" $3 >>"$SIMNET_LOGS/front-g1.log" 2>&1 &
        SIMNET_PIDS+=($!)
    fi
    simnet_wait_connected g1 >/dev/null || { echo "$1: did not connect" >&2; simnet_stop || true; return; }
    sleep "$SECS"
    pk=$(( $(count back tx_packets) + $(count front rx_packets) ))
    simnet_stop >/dev/null || true
    ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(/,/, "", $1); print $1 }')
    awk -v n="$1" -v p="$pk" -v i="${ir:-0}" \
        'BEGIN { printf "%-12s %10d packets %14d instructions %6.0f per packet\n", n, p, i, p ? i / p : 0 }'
}

simnet_up >/dev/null
simnet_guest g1 --vifs 1 >/dev/null
profile tx-copy "--bench --no-staging" "--bench --bench-tx-size 64 --queues 1"
profile tx-slots "--bench" "--bench --bench-tx-size 64 --queues 1 --data-ring-order 0"
profile rx-copy "--bench --no-staging --bench-rx-size 64" "--bench --queues 1"
profile rx-slots "--bench --bench-rx-size 64" "--bench --queues 1 --data-ring-order 0"
profile tx-ring "--bench" "--bench --bench-tx-size 64 --queues 1"
profile rx-ring "--bench --bench-rx-size 64" "--bench --queues 1"
