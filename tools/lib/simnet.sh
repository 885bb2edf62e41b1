# shellcheck shell=bash
# A simulated Xen host with real networking, for the demo and the
# end-to-end tests: dom0 and each guest get a network namespace of their
# own; netstage-back runs in dom0's with its TAPs on bridge br0, and
# netstage-front in each guest's.
#
# Source it, set BUILD (default build/release) or NETSTAGE_BIN (the
# directory holding netstage, netstage-back and netstage-front), then:
#   simnet_up                      host + dom0 namespace + br0 (10.77.0.1/24)
#   simnet_guest NAME [create options]   guest domain + its namespace
#   simnet_back [netstage-back options]
#   simnet_front NAME [netstage-front options]
#   simnet_wait_connected NAME [DEVID]
#   simnet_addr NAME N             give the guest's eth0 the address 10.77.0.N
#   simnet_ping NS ADDR            NS is "d0" or a guest name
#   simnet_transfer FROM TO ADDR BYTES   TCP transfer, compared byte for byte
#   simnet_logs                    print the daemons' logs
#   simnet_stop                    stop the daemons (1 if one did not exit cleanly), keep the logs
#   simnet_down                    stop everything started here, by PID
# Everything is bounded in time; simnet_down is safe to call twice.

BUILD=${BUILD:-build/release}
SIMNET_BIN=${NETSTAGE_BIN:-$(cd "$BUILD/bin" && pwd)}
SIMNET_HOST=""
SIMNET_TAG=""
SIMNET_LOGS=""
SIMNET_PIDS=()
SIMNET_NETNS=()

simnet_ns() { # simnet_ns NAME -> the namespace of dom0 ("d0") or a guest
    echo "${SIMNET_TAG}-$1"
}

simnet_sim() {
    "$SIMNET_BIN/netstage" sim "$1" --host "$SIMNET_HOST" "${@:2}"
}

simnet_up() {
    SIMNET_HOST=$(mktemp -d /dev/shm/netstage-net.XXXXXX)
    rmdir "$SIMNET_HOST"     # `sim up` creates it and owns it
    SIMNET_TAG="ns$(basename "$SIMNET_HOST" | cut -d. -f2)"
    SIMNET_LOGS="$SIMNET_HOST.logs"
    mkdir -p "$SIMNET_LOGS"
    export NETSTAGE_RUN_DIR="$SIMNET_HOST/run"
    simnet_sim up >/dev/null || return 1
    ip netns add "$(simnet_ns d0)" || return 1
    SIMNET_NETNS+=("$(simnet_ns d0)")
    ip -n "$(simnet_ns d0)" link set lo up
    ip -n "$(simnet_ns d0)" link add br0 type bridge
    ip -n "$(simnet_ns d0)" link set br0 up
    ip -n "$(simnet_ns d0)" addr add 10.77.0.1/24 dev br0
}

simnet_guest() {
    local name=$1; shift
    simnet_sim create "$name" --bridge br0 "$@" >/dev/null || return 1
    ip netns add "$(simnet_ns "$name")" || return 1
    SIMNET_NETNS+=("$(simnet_ns "$name")")
    ip -n "$(simnet_ns "$name")" link set lo up
}

simnet_back() {
    ip netns exec "$(simnet_ns d0)" "$SIMNET_BIN/netstage" sim exec --host "$SIMNET_HOST" \
        Domain-0 -- "$SIMNET_BIN/netstage-back" --run-hotplug "$@" \
        >>"$SIMNET_LOGS/back.log" 2>&1 &
    SIMNET_PIDS+=($!)
}

simnet_front() {
    local name=$1; shift
    ip netns exec "$(simnet_ns "$name")" "$SIMNET_BIN/netstage" sim exec --host "$SIMNET_HOST" \
        "$name" -- "$SIMNET_BIN/netstage-front" "$@" >>"$SIMNET_LOGS/front-$name.log" 2>&1 &
    SIMNET_PIDS+=($!)
}

simnet_xs() { # simnet_xs CMD ARGS... : a xenstore-* command as dom0
    simnet_sim exec Domain-0 -- "xenstore-$1" "${@:2}"
}

simnet_wait_connected() {
    local name=$1 devid=${2:-0} domid i be fe
    domid=$(simnet_sim list | awk -v n="$name" '$1 == n { print $2 }')
    for i in $(seq 1 500); do # 10 s and the reads' own time
        be=$(simnet_xs read "/local/domain/0/backend/vif/$domid/$devid/state" 2>/dev/null)
        fe=$(simnet_xs read "/local/domain/$domid/device/vif/$devid/state" 2>/dev/null)
        [ "$be" = 4 ] && [ "$fe" = 4 ] && return 0
        sleep 0.02
    done
    echo "simnet: vif $devid of $name did not connect (backend state '$be', frontend '$fe')" >&2
    return 1
}

simnet_addr() {
    local ns
    ns=$(simnet_ns "$1")
    ip -n "$ns" addr add "10.77.0.$2/24" dev eth0 && ip -n "$ns" link set eth0 up
}

simnet_ping() {
    ip netns exec "$(simnet_ns "$1")" ping -q -c 3 -i 0.2 -W 2 "$2" >/dev/null
}

simnet_transfer() {
    local from=$1 to=$2 addr=$3 bytes=$4 src dst port=5201 sp rc=0
    src="$SIMNET_HOST/xfer.src"
    dst="$SIMNET_HOST/xfer.dst"
    head -c "$bytes" /dev/urandom >"$src"
    rm -f "$dst"
    ip netns exec "$(simnet_ns "$to")" timeout 60 socat -u \
        "TCP-LISTEN:$port,reuseaddr" "CREATE:$dst" &
    sp=$!
    # The listener needs a moment; retry the connect instead of guessing,
    # but only while it listens: once it has exited (one connection, or its
    # timeout) another attempt could only wait out its own timeout.
    for _ in $(seq 1 50); do
        kill -0 "$sp" 2>/dev/null || break
        ip netns exec "$(simnet_ns "$from")" timeout 60 socat -u "FILE:$src" \
            "TCP:$addr:$port,retry=0" 2>/dev/null && break
        sleep 0.1
    done
    wait "$sp" || rc=1
    if [ "$rc" = 0 ] && cmp -s "$src" "$dst"; then
        rm -f "$src" "$dst"
        return 0
    fi
    echo "simnet: transfer of $bytes bytes $from -> $to ($addr) failed or corrupted" >&2
    rm -f "$src" "$dst"
    return 1
}

simnet_logs() {
    local f
    for f in "$SIMNET_LOGS"/*.log; do
        [ -e "$f" ] && { echo "--- $(basename "$f")"; cat "$f"; }
    done
}

simnet_down() {
    local pid ns i
    for pid in "${SIMNET_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SIMNET_PIDS[@]}"; do
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SIMNET_PIDS=()
    if [ -n "$SIMNET_HOST" ]; then simnet_sim down >/dev/null 2>&1 || true; fi
    for ns in "${SIMNET_NETNS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    SIMNET_NETNS=()
    rm -rf "$SIMNET_HOST" "$SIMNET_LOGS"
    SIMNET_HOST=""
}

simnet_stop() { # stop the daemons by PID but keep the host and the logs (then simnet_down)
    local pid st rc=0
    for pid in "${SIMNET_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SIMNET_PIDS[@]}"; do
        for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
        if kill -9 "$pid" 2>/dev/null; then
            echo "simnet: pid $pid did not exit on SIGTERM within 5 s" >&2
            rc=1
        fi
        wait "$pid" 2>/dev/null
        st=$?
        if [ "$st" != 0 ]; then
            echo "simnet: pid $pid exited with status $st" >&2
            rc=1
        fi
    done
    SIMNET_PIDS=()
    return $rc
}
