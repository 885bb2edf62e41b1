#!/bin/bash
# End-to-end frame sizes: frames of exact sizes through the vif both ways,
# checked byte for byte by framecheck (AF_PACKET, ethertype 0x88b5), and
# GSO packets from a TCP transfer with offloads.
#
# Three set-ups, one simulated host each (netstage-front --slot-len 256,
# 2 queues):
#   staged_copy   staging on, bytes past the slot by grant copy (default)
#   staged_map    staging on, netstage-back --remainder map
#   unstaged      netstage-front --no-staging
#
# In each, both ways (guest g1's eth0 <-> dom0's br0; frames go to the
# broadcast address, which the bridge floods to the vif and delivers to
# br0), 200 frames (E2E_FRAMES) of:
#   60    the shortest Ethernet frame (no FCS)
#   256   exactly the slot: all of it staged, no grant operation at all
#   257   one byte past the slot: the head staged, one byte by grant copy/map
#   1514  a full 1500-byte MTU frame
# framecheck checks every frame's length and every byte and counts losses,
# duplicates and damaged frames (any of them fails the case).  Both ends'
# counters are compared before and after each batch: packets, staged
# packets and staged bytes (min(size, 256) each) or, unstaged, none and
# fallback_not_negotiated, and fallback_beyond_slot; and the backend's
# grant operations for the bytes past the slot (none at all for a frame
# that fits in the slot; a grant map per packet for guest transmit in map
# mode, grant copy segments otherwise).  IPv6 is off
# in the namespaces so that nothing else crosses the vif meanwhile.
#
# GSO: an 8 MiB TCP transfer each way.  The data direction's average
# packet size on the backend (bytes / packets counted during the transfer)
# must exceed 4096: with every packet at most 4096 bytes the average could
# not.  framecheck sniffs the interface the receiving daemon writes into
# (dom0's vif, or the guest's eth0) and must see frames longer than 4096
# bytes; the longest is shown.
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

FC=$(cd "$BUILD/tests/e2e" && pwd)/framecheck
FRAMES=${E2E_FRAMES:-200}
SLOT=256
GSO_BYTES=$((8 * 1024 * 1024))
GROUP_UP=0
DOMID=""
GROUP=""

no_ipv6() { # no_ipv6 NS: no IPv6 in a namespace (now, and for interfaces made later)
    ip netns exec "$(simnet_ns "$1")" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

setup() { # setup GROUP [back options] -- [front options]
    local back=() front=() side=back a
    GROUP=$1; shift
    for a in "$@"; do
        if [ "$a" = -- ]; then side=front; continue; fi
        if [ $side = back ]; then back+=("$a"); else front+=("$a"); fi
    done
    e2e_info "netstage-back ${back[*]} / netstage-front ${front[*]}"
    simnet_up || { e2e_fail "the simulated host did not start"; return 1; }
    no_ipv6 d0
    simnet_guest g1 --vifs 1 --mac 00:16:3e:4e:53:01 || { e2e_fail "guest g1 not created"; return 1; }
    no_ipv6 g1
    DOMID=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
    simnet_back "${back[@]}"
    simnet_front g1 "${front[@]}"
    simnet_wait_connected g1 || { e2e_fail "vif $DOMID.0 did not connect"; return 1; }
    simnet_addr g1 2 || { e2e_fail "cannot configure the guest's eth0"; return 1; }
    GROUP_UP=1
}

need_host() {
    [ "$GROUP_UP" = 1 ] || e2e_fail "no host: the set-up of $GROUP failed"
}

delta() { # delta BEFORE AFTER ROLE COUNTER: the counter's growth, summed over the queues
    echo $(($(e2e_sum "$2" "$3" "$4") - $(e2e_sum "$1" "$3" "$4")))
}

expect() { # expect WHAT VALUE OP BOUND (OP: -eq -ge -gt)
    e2e_is_num "$2" && test "$2" "$3" "$4" && return 0
    e2e_fail "$1 is '$2', expected $3 $4"
}

# One batch of frames; DIR is g2d (guest eth0 -> dom0 br0, the guest's TX)
# or d2g (dom0 br0 -> guest eth0, the guest's RX).
frames() { # frames SIZE DIR
    local size=$1 dir=$2 sns sif rns rif p before after out ready pid rc role head
    local run=$((RANDOM * 32768 + RANDOM))
    need_host || return 1
    if [ "$dir" = g2d ]; then
        sns=g1 sif=eth0 rns=d0 rif=br0 p=tx
    else
        sns=d0 sif=br0 rns=g1 rif=eth0 p=rx
    fi
    out="$SIMNET_HOST.fc.out"
    ready="$SIMNET_HOST.fc.ready"
    rm -f "$out" "$ready"
    before=$(e2e_stat "vif$DOMID.0")
    ip netns exec "$(simnet_ns "$rns")" timeout 30 "$FC" recv "$rif" --size "$size" \
        --count "$FRAMES" --run "$run" --timeout-ms 10000 \
        --ready "$ready" >"$out" 2>&1 &
    pid=$!
    E2E_BG_PIDS+=("$pid")
    for _ in $(seq 1 100); do [ -e "$ready" ] && break; sleep 0.05; done
    [ -e "$ready" ] || e2e_fail "framecheck recv on $rif did not start"
    ip netns exec "$(simnet_ns "$sns")" timeout 30 "$FC" send "$sif" --size "$size" \
        --count "$FRAMES" --run "$run" 2>&1 | sed 's/^/    /'
    [ "${PIPESTATUS[0]}" = 0 ] || e2e_fail "framecheck send on $sif"
    wait "$pid"
    rc=$?
    E2E_BG_PIDS=()
    sed 's/^/    /' "$out"
    rm -f "$out" "$ready"
    [ $rc = 0 ] || e2e_fail "frames of $size bytes lost or damaged on the way $sns -> $rns"
    after=$(e2e_stat "vif$DOMID.0")
    head=$((size < SLOT ? size : SLOT))
    for role in back front; do
        expect "$role ${p}_packets growth" "$(delta "$before" "$after" $role ${p}_packets)" -ge "$FRAMES"
        if [ "$GROUP" = unstaged ]; then
            expect "$role ${p}_staged growth" "$(delta "$before" "$after" $role ${p}_staged)" -eq 0
            expect "$role fallback_not_negotiated growth" \
                "$(delta "$before" "$after" $role fallback_not_negotiated)" -ge "$FRAMES"
            continue
        fi
        expect "$role ${p}_staged growth" "$(delta "$before" "$after" $role ${p}_staged)" -ge "$FRAMES"
        expect "$role ${p}_staged_bytes growth" \
            "$(delta "$before" "$after" $role ${p}_staged_bytes)" -ge $((FRAMES * head))
        if [ "$size" -le $SLOT ]; then
            expect "$role fallback_beyond_slot growth" \
                "$(delta "$before" "$after" $role fallback_beyond_slot)" -eq 0
        else
            expect "$role fallback_beyond_slot growth" \
                "$(delta "$before" "$after" $role fallback_beyond_slot)" -ge "$FRAMES"
        fi
    done
    [ "$GROUP" = unstaged ] && return $E2E_CASE_FAILED
    if [ "$size" -le $SLOT ]; then
        expect "back grant_copy_segs growth" "$(delta "$before" "$after" back grant_copy_segs)" -eq 0
        expect "back grant_map_ops growth" "$(delta "$before" "$after" back grant_map_ops)" -eq 0
    elif [ "$GROUP" = staged_map ] && [ $p = tx ]; then
        expect "back grant_map_ops growth" "$(delta "$before" "$after" back grant_map_ops)" -ge "$FRAMES"
        expect "back grant_copy_segs growth" "$(delta "$before" "$after" back grant_copy_segs)" -eq 0
    else
        expect "back grant_copy_segs growth" "$(delta "$before" "$after" back grant_copy_segs)" -ge "$FRAMES"
        expect "back grant_map_ops growth" "$(delta "$before" "$after" back grant_map_ops)" -eq 0
    fi
    return $E2E_CASE_FAILED
}

gso() { # gso DIR
    local dir=$1 from to addr sns sif p before after out ready pid db dp
    need_host || return 1
    if [ "$dir" = g2d ]; then
        from=g1 to=d0 addr=10.77.0.1 sns=d0 sif=vif$DOMID.0 p=tx
    else
        from=d0 to=g1 addr=10.77.0.2 sns=g1 sif=eth0 p=rx
    fi
    out="$SIMNET_HOST.sniff.out"
    ready="$SIMNET_HOST.sniff.ready"
    rm -f "$out" "$ready"
    ip netns exec "$(simnet_ns "$sns")" timeout 60 "$FC" sniff "$sif" --timeout-ms 50000 \
        --ready "$ready" >"$out" 2>&1 &
    pid=$!
    E2E_BG_PIDS+=("$pid")
    for _ in $(seq 1 100); do [ -e "$ready" ] && break; sleep 0.05; done
    [ -e "$ready" ] || e2e_fail "framecheck sniff on $sif did not start"
    before=$(e2e_stat "vif$DOMID.0")
    simnet_transfer $from $to $addr $GSO_BYTES || e2e_fail "transfer $from -> $to"
    after=$(e2e_stat "vif$DOMID.0")
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    E2E_BG_PIDS=()
    sed 's/^/    /' "$out"
    db=$(delta "$before" "$after" back ${p}_bytes)
    dp=$(delta "$before" "$after" back ${p}_packets)
    e2e_info "back: $dp ${p} packets, $db bytes during the transfer" \
        "(average $((dp > 0 ? db / dp : 0)))"
    expect "back ${p}_bytes growth" "$db" -ge $GSO_BYTES
    if [ "$dp" -eq 0 ] || [ $((db / dp)) -le 4096 ]; then
        e2e_fail "back: average ${p} packet of $((dp > 0 ? db / dp : 0)) bytes: no GSO packet"
    fi
    grep -q ' [1-9][0-9]* longer than 4096 bytes' "$out" ||
        e2e_fail "no frame longer than 4096 bytes seen on $sif"
    rm -f "$out" "$ready"
    return $E2E_CASE_FAILED
}

teardown() {
    local rc=0
    e2e_teardown || rc=1
    GROUP_UP=0
    return $rc
}

group() { # group NAME [back options] -- [front options]
    local name=$1 size dir
    e2e_case "${name}_setup" setup "$@"
    for size in 60 256 257 1514; do
        for dir in g2d d2g; do
            e2e_case "${name}_${size}_bytes_$( [ $dir = g2d ] && echo guest_to_dom0 || echo dom0_to_guest)" \
                frames "$size" "$dir"
        done
    done
    e2e_case "${name}_gso_guest_to_dom0" gso g2d
    e2e_case "${name}_gso_dom0_to_guest" gso d2g
    e2e_case "${name}_clean_exit" teardown
}

[ -x "$FC" ] || { echo "e2e: $FC is missing (make)"; exit 1; }
group staged_copy -- --slot-len $SLOT </dev/null
group staged_map --remainder map -- --slot-len $SLOT </dev/null
group unstaged -- --no-staging --slot-len $SLOT </dev/null
e2e_summary
