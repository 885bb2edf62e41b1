#!/bin/bash
# End-to-end TCP throughput through the TAPs (the demo's setup): iperf3
# from the guest to dom0 and back, with staging and with plain netif,
# interleaved over rounds; prints the medians in Gbit/s and their ratio.
#   tools/bench/tcp.sh [ROUNDS] [SECONDS]     (default 3 rounds of 3 s)
set -euo pipefail
BUILD=${BUILD:-build/release}
ROUNDS=${1:-3} SECS=${2:-3}
. tools/lib/simnet.sh
trap 'simnet_down' EXIT
trap 'exit 130' INT TERM

rate() { # rate FROM TO ADDR -> bits per second
    ip netns exec "$(simnet_ns "$2")" timeout $((SECS + 10)) iperf3 -s -1 >/dev/null 2>&1 &
    local srv=$! r
    sleep 0.5
    r=$(ip netns exec "$(simnet_ns "$1")" timeout $((SECS + 10)) iperf3 -c "$3" -t "$SECS" -J |
        sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -1)
    wait "$srv" || true
    echo "${r:-0}"
}

simnet_up >/dev/null
simnet_guest g1 --vifs 1 --mac 00:16:3e:4e:53:01 >/dev/null
out=$(mktemp)
for round in $(seq 1 "$ROUNDS"); do
    for mode in staging plain; do
        back=(); [ $mode = plain ] && back=(--no-staging)
        simnet_back "${back[@]}"
        simnet_front g1
        simnet_wait_connected g1 >/dev/null
        ip -n "$(simnet_ns g1)" addr flush dev eth0
        simnet_addr g1 2
        simnet_ping g1 10.77.0.1 || true
        echo "$round $mode tx $(rate g1 d0 10.77.0.1)" >>"$out"
        echo "$round $mode rx $(rate d0 g1 10.77.0.2)" >>"$out"
        simnet_stop >/dev/null || true
    done
done
awk -v rounds="$ROUNDS" '
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ v[$2, $3, $1] = $4 }
END {
    for (d = 1; d <= 2; d++) {
        dir = d == 1 ? "tx" : "rx"
        for (r = 1; r <= rounds; r++) { s[r] = v["staging", dir, r]; p[r] = v["plain", dir, r]; q[r] = p[r] > 0 ? s[r] / p[r] : 0 }
        printf "tcp %s (%s): staging %.2f Gbit/s, plain %.2f Gbit/s, staging/plain %.2f\n", dir,
            dir == "tx" ? "guest to dom0" : "dom0 to guest", median(s, rounds) / 1e9, median(p, rounds) / 1e9, median(q, rounds)
    }
}' "$out"
rm -f "$out"
