#!/bin/bash
# End-to-end data ring mode (docs/netif-staging.md section 8): packet heads
# go through a circular byte ring per direction instead of staging slots.
# netstage-back offers it by default, and netstage-front uses a ring of
# order 5 unless told otherwise (--data-ring-order N; 0 for slots).  One
# simulated host per group, IPv6 off in the
# namespaces so that nothing but the test's own traffic crosses the vif.
# The head length H is read from the frontend's tx-data-len, never assumed.
#
# Frame batches (framecheck, tests/e2e/framecheck.c: exact sizes, every
# byte checked, losses and duplicates counted) are also checked against
# both ends' counters: each packet went either through the ring (staged,
# min(size, H) octets) or, when the ring had no room, as plain netif
# (fallback_ring_full), and both ends count the same; guest TX never goes
# plain (the frontend waits for room rather than pay a grant copy); only
# frames longer than H count fallback_beyond_slot; the backend's grant
# copy segments are one per frame longer than H plus one per plain frame,
# so a frame wholly in its record costs no grant operation; nothing is
# grant-mapped.  A group ends with no peer-fatal error, no malformed drop
# and no warning or error in either daemon's log.
#
#   default_*      netstage-front with no ring option, 1 queue
#     keys           a ring of the default order (5, read from its --help)
#                    with whole records both ways, as ring_keys below says
#     traffic        ping and a transfer each way
#   ring_*         --data-ring-order 3 (16 KiB each way), 1 queue
#     setup          the vif connects
#     keys           the backend offers feature-staging-data-ring = 1,
#                    staging-data-ring-max-order = its default (6, as its
#                    --help says) and feature-staging-data-ring-whole = 1;
#                    the frontend's vif directory has data-ring-ref (a
#                    grant ref >= 8), tx-data-ring-whole and
#                    rx-data-ring-whole = 1 (absent on slot queues),
#                    tx-data-len and rx-data-len, no tx-data-ref or
#                    rx-data-ref (8.1 forbids them with a ring) and no
#                    queue-0/; `netstage stat --json` shows data_ring_order
#                    3 and slot lengths H on both ends, the text stat
#                    "tx data ring H, rx data ring H (ring order 3)": both
#                    ends agree on what was negotiated
#     ping           ping both ways: every packet staged on both ends, no
#                    grant copy at all, nothing falls back
#     frames_*       200 frames of 60, H (a full record), H+1 (one byte by
#                    grant copy) and 1514 bytes each way, 200 us apart
#     transfer       an 8 MiB checked TCP transfer (GSO) each way: heads
#                    staged, the rest by grant copy
#   two_queues_*   --data-ring-order 3, 2 queues
#     keys           the ring keys are in queue-0/ and queue-1/ (a ring of
#                    its own each), none at the vif's top level;
#                    data_ring_order 3 on every queue of both ends
#     traffic        ping and a transfer each way
#   small_ring_*   --data-ring-order 1: 4 KiB each way, 15 records of H = 256
#     burst_*        500 back-to-back 1514-byte frames each way, all intact:
#                    guest TX waits for room (all staged), guest RX falls
#                    back to plain netif when the ring is full
#     transfer       8 MiB each way through the small ring
#     fallback_seen  the backend's fallback_ring_full grew over the group:
#                    the full-ring path really ran
#                  (with --no-whole-records: the ring carries heads only)
#   whole_small_ring_*  the same ring with whole records (8.7, the default):
#                    the keys say tx-data-ring-whole = rx-data-ring-whole = 1
#     burst_*        as above, but guest RX waits for room too
#     mixed          500 back-to-back frames alternating 60 and 1514 bytes
#                    each way, all intact and in the order sent
#     transfer       8 MiB each way
#     no_fallback    fallback_ring_full did not grow: nothing went plain
#   long_heads_*   --data-ring-order 1 --slot-len 4096: heads are capped at
#                  half the ring (8.1), so tx-data-len = rx-data-len = 2048
#     keys           the cap, in xenstore and in stat
#     frames         200 1514-byte frames each way, wholly in their records:
#                    no grant copy for a staged frame, nothing beyond the head
#     transfer       8 MiB each way with records of up to 2 KiB in a 4 KiB ring
#   not_offered_*  netstage-back --data-ring-max-order 0, the frontend asks
#                  for order 3
#     keys           no ring offered; the frontend uses slots: tx-data-ref
#                    and rx-data-ref, no data-ring-ref, data_ring_order 0
#     traffic        ping and a transfer each way
#   capped_*       netstage-back --data-ring-max-order 2, the frontend asks
#                  for 5
#     keys           the ring is of the backend's maximum order, 2
#     traffic        ping and a transfer each way
#   reconnect_*    the frontend (ring of order 3) stopped with SIGTERM (it
#                  must exit 0) and started again
#     to_slots       with --data-ring-order 0: data-ring-ref is removed,
#                    the slot keys written, data_ring_order 0 on both ends
#                    (the backend let the ring go), traffic passes
#     to_ring        with --data-ring-order 2: the slot keys are removed, a
#                    fresh ring of order 2 is used, traffic passes
#   killed_*       --data-ring-order 3
#     restart        the frontend SIGKILLed while a stream into the guest
#                    has the backend writing RX records into its ring; the
#                    backend lives on and, when a frontend with a ring of
#                    order 1 comes, lets the dead one's ring go and maps
#                    the new one: keys, stat and traffic as above (the
#                    only warnings allowed are the backend's failed copies
#                    into the dead frontend's revoked grants)
#
# Every wait is bounded: simnet_wait_connected, framecheck's timeouts, a
# ping before each transfer (a dead path fails in seconds) and the
# transfer's own 60 s timeout.  lib.sh stops the daemons and removes
# the hosts, namespaces and files on every exit.  About a minute in all.
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

FC=$(cd "$BUILD/tests/e2e" && pwd)/framecheck
FRAMES=${E2E_FRAMES:-200}
BURST=${E2E_BURST:-500}
BYTES=$((8 * 1024 * 1024))
GROUP_UP=0
GROUP=""
DOMID=""
FRONT_PID=""
HEAD=""
FALLBACK0=""
LOG_ALLOWED=""     # warnings a group expects in the daemons' logs (an ERE)
# netstage-back's default --data-ring-max-order, as its --help states it.
DEFAULT_MAX=$("$SIMNET_BIN/netstage-back" --help |
    sed -n 's/.*default \([0-9][0-9]*\); 0: offer slots only.*/\1/p')
FRONT_DEFAULT=$("$SIMNET_BIN/netstage-front" --help |
    sed -n 's/.*default \([0-9][0-9]*\); 0: always slots.*/\1/p')

no_ipv6() { # no_ipv6 NS: no IPv6 in a namespace (now, and for interfaces made later)
    ip netns exec "$(simnet_ns "$1")" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

last_pid() { echo "${SIMNET_PIDS[${#SIMNET_PIDS[@]} - 1]}"; }

be_dir() { echo "/local/domain/0/backend/vif/$DOMID/0"; }
fe_dir() { echo "/local/domain/$DOMID/device/vif/0"; }
xs_get() { simnet_xs read "$1" 2>/dev/null; }
xs_has() { simnet_xs read "$1" >/dev/null 2>&1; }

# The frontend's queue directories: the vif's own, or queue-0/ queue-1/ ...
queue_dirs() {
    local n i
    n=$(xs_get "$(fe_dir)/multi-queue-num-queues")
    if [ -z "$n" ]; then
        fe_dir
        return
    fi
    for ((i = 0; i < n; i++)); do echo "$(fe_dir)/queue-$i"; done
}

setup() { # setup GROUP [back options] -- [front options]
    local back=() front=() side=back a
    GROUP=$1
    shift
    WHOLE=1
    for a in "$@"; do
        if [ "$a" = -- ]; then side=front; continue; fi
        if [ $side = back ]; then back+=("$a"); else front+=("$a"); fi
        [ "$a" = --no-whole-records ] && WHOLE=0
    done
    e2e_info "netstage-back ${back[*]} / netstage-front ${front[*]}"
    simnet_up || { e2e_fail "the simulated host did not start"; return 1; }
    no_ipv6 d0
    simnet_guest g1 --vifs 1 --mac 00:16:3e:4e:53:01 || { e2e_fail "guest g1 not created"; return 1; }
    no_ipv6 g1
    DOMID=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
    simnet_back "${back[@]}"
    start_front "${front[@]}" || return 1
    GROUP_UP=1
}

mac_of() { ip -n "$(simnet_ns "$1")" -br link show "$2" | awk '{ print $3 }'; }

# No ARP across the vif during the frame batches: each side knows the other.
static_neighbours() {
    local gmac bmac
    gmac=$(mac_of g1 eth0)
    bmac=$(mac_of d0 br0)
    [ -n "$gmac" ] && [ -n "$bmac" ] || return 1
    ip -n "$(simnet_ns d0)" neigh replace 10.77.0.2 lladdr "$gmac" dev br0 nud permanent &&
        ip -n "$(simnet_ns g1)" neigh replace 10.77.0.1 lladdr "$bmac" dev eth0 nud permanent
}

start_front() { # start_front [front options]: connect and configure eth0, learn H
    local old st ok=0
    # A frontend killed without a word leaves its Connected state and its
    # stats behind: wait for the new one's own word (its pid, connected).
    old=$(e2e_get "$(snap 2>/dev/null)" front - pid)
    simnet_front g1 "$@"
    FRONT_PID=$(last_pid)
    for _ in $(seq 1 100); do
        st=$(snap 2>/dev/null)
        [ "$(e2e_get "$st" front - connected)" = true ] &&
            [ "$(e2e_get "$st" front - pid)" != "$old" ] && { ok=1; break; }
        sleep 0.1
    done
    [ "$ok" = 1 ] || { e2e_fail "netstage-front did not connect within 10 s"; return 1; }
    simnet_wait_connected g1 || { e2e_fail "vif $DOMID.0 did not connect"; return 1; }
    simnet_addr g1 2 || { e2e_fail "cannot configure the guest's eth0"; return 1; }
    static_neighbours || { e2e_fail "cannot set static neighbour entries"; return 1; }
    HEAD=$(xs_get "$(queue_dirs | head -n 1)/tx-data-len")
    e2e_is_num "$HEAD" || { e2e_fail "no tx-data-len in $(queue_dirs | head -n 1)"; return 1; }
    e2e_info "head length $HEAD"
}

forget_pid() {
    local keep=() p
    for p in "${SIMNET_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    SIMNET_PIDS=("${keep[@]}")
}

# Stop the frontend with SIGTERM (it must exit 0) and wait until the
# vif is no longer connected on the frontend's side.
stop_front() {
    local st i
    kill -TERM "$FRONT_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$FRONT_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$FRONT_PID" 2>/dev/null; then
        e2e_fail "netstage-front did not exit on SIGTERM within 5 s"
        kill -KILL "$FRONT_PID" 2>/dev/null
    fi
    wait "$FRONT_PID" 2>/dev/null
    st=$?
    [ "$st" = 0 ] || e2e_fail "netstage-front exited with status $st"
    forget_pid "$FRONT_PID"
    for i in $(seq 1 50); do
        [ "$(xs_get "$(fe_dir)/state")" != 4 ] && break
        sleep 0.1
    done
    [ "$(xs_get "$(fe_dir)/state")" != 4 ] || e2e_fail "frontend state still Connected after it exited"
}

need_host() {
    [ "$GROUP_UP" = 1 ] || e2e_fail "no host: the set-up of $GROUP failed"
}

delta() { # delta BEFORE AFTER ROLE COUNTER: the counter's growth, summed over the queues
    echo $(($(e2e_sum "$2" "$3" "$4") - $(e2e_sum "$1" "$3" "$4")))
}

expect() { # expect WHAT VALUE OP BOUND (OP: -eq -ge -gt -le)
    e2e_is_num "$2" && test "$2" "$3" "$4" && return 0
    e2e_fail "$1 is '$2', expected $3 $4"
}

between() { # between WHAT VALUE LOW HIGH
    e2e_is_num "$2" && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0
    if [ "$3" = "$4" ]; then e2e_fail "$1 is '$2', expected $3"; else e2e_fail "$1 is '$2', expected $3..$4"; fi
}

snap() { e2e_stat "vif$DOMID.0"; }

# ---- checks on the negotiation ----

# check_offer MAX: the backend offers a ring of up to order MAX (0: none).
check_offer() {
    local max=$1 feat ord whole
    feat=$(xs_get "$(be_dir)/feature-staging-data-ring")
    ord=$(xs_get "$(be_dir)/staging-data-ring-max-order")
    whole=$(xs_get "$(be_dir)/feature-staging-data-ring-whole")
    if [ "$max" = 0 ]; then
        [ -z "$feat" ] || e2e_fail "feature-staging-data-ring is '$feat' with no ring offered"
        [ -z "$ord" ] || e2e_fail "staging-data-ring-max-order is '$ord' with no ring offered"
        [ -z "$whole" ] || e2e_fail "feature-staging-data-ring-whole is '$whole' with no ring offered"
    else
        [ "$feat" = 1 ] || e2e_fail "backend's feature-staging-data-ring is '$feat'"
        [ "$ord" = "$max" ] || e2e_fail "backend's staging-data-ring-max-order is '$ord', expected $max"
        [ "$whole" = 1 ] || e2e_fail "backend's feature-staging-data-ring-whole is '$whole'"
    fi
}

# check_queue_keys DIR MODE: MODE ring or slots; the keys of one queue directory.
check_queue_keys() {
    local d=$1 mode=$2 ref k v
    for k in tx-data-len rx-data-len; do
        v=$(xs_get "$d/$k")
        [ "$v" = "$HEAD" ] || e2e_fail "$d/$k is '$v', expected the head length $HEAD"
    done
    if [ "$mode" = ring ]; then
        ref=$(xs_get "$d/data-ring-ref")
        { e2e_is_num "$ref" && [ "$ref" -ge 8 ]; } || e2e_fail "$d/data-ring-ref is '$ref'"
        for k in tx-data-ref rx-data-ref; do
            xs_has "$d/$k" && e2e_fail "$d/$k = '$(xs_get "$d/$k")' on a data ring queue"
        done
        for k in tx-data-ring-whole rx-data-ring-whole; do
            v=$(xs_get "$d/$k")
            if [ "$WHOLE" = 1 ]; then
                [ "$v" = 1 ] || e2e_fail "$d/$k is '$v', expected 1 (whole records)"
            else
                [ -z "$v" ] || e2e_fail "$d/$k is '$v' with --no-whole-records"
            fi
        done
    else
        for k in tx-data-ring-whole rx-data-ring-whole; do
            xs_has "$d/$k" && e2e_fail "$d/$k = '$(xs_get "$d/$k")' on a slot queue"
        done
        xs_has "$d/data-ring-ref" && e2e_fail "$d/data-ring-ref = '$(xs_get "$d/data-ring-ref")' on a slot queue"
        for k in tx-data-ref rx-data-ref; do
            v=$(xs_get "$d/$k")
            { e2e_is_num "$v" && [ "$v" -ge 8 ]; } || e2e_fail "$d/$k is '$v' on a slot queue"
        done
    fi
    return 0
}

# check_keys MODE NQUEUES: every queue directory and the vif's top level.
check_keys() {
    local mode=$1 nq=$2 d k dirs n
    dirs=$(queue_dirs)
    n=$(printf '%s\n' "$dirs" | wc -l)
    [ "$n" = "$nq" ] || e2e_fail "$n queue directories in $(fe_dir), expected $nq"
    for d in $dirs; do check_queue_keys "$d" "$mode"; done
    if [ "$nq" = 1 ]; then
        xs_has "$(fe_dir)/queue-0/tx-ring-ref" && e2e_fail "a queue-0/ directory with one queue"
    else
        for k in data-ring-ref tx-data-ref rx-data-ref tx-data-len rx-data-len; do
            xs_has "$(fe_dir)/$k" && e2e_fail "$(fe_dir)/$k present with $nq queues"
        done
    fi
    return 0
}

# check_stat ORDER NQUEUES: both ends, every queue: the ring order, the head length.
check_stat() {
    local order=$1 nq=$2 st role q n v text want
    st=$(snap)
    for role in back front; do
        n=$(e2e_queues "$st" $role | wc -l)
        [ "$n" = "$nq" ] || e2e_fail "$role: $n queue(s) in stat, expected $nq"
        for q in $(e2e_queues "$st" $role); do
            v=$(e2e_get "$st" $role "$q" data_ring_order)
            [ "$v" = "$order" ] || e2e_fail "$role $q data_ring_order is '$v', expected $order"
            v=$(e2e_get "$st" $role "$q" tx_slot_len)
            [ "$v" = "$HEAD" ] || e2e_fail "$role $q tx_slot_len is '$v', expected $HEAD"
            v=$(e2e_get "$st" $role "$q" rx_slot_len)
            [ "$v" = "$HEAD" ] || e2e_fail "$role $q rx_slot_len is '$v', expected $HEAD"
        done
    done
    text=$("$SIMNET_BIN/netstage" stat "vif$DOMID.0")
    if [ "$order" = 0 ]; then
        if grep -q 'ring order' <<<"$text"; then e2e_fail "text stat mentions a ring order:"; fi
    else
        want="tx data ring $HEAD, rx data ring $HEAD (ring order $order)"
        n=$(grep -cF "$want" <<<"$text")
        [ "$n" = $((2 * nq)) ] || e2e_fail "text stat has '$want' on $n line(s), expected $((2 * nq))"
    fi
    [ "$E2E_CASE_FAILED" = 0 ] || printf '%s\n' "$text" | sed 's/^/    | /'
    return 0
}

# ---- traffic ----

# ping_both: pings both ways; with SMALL=1 also the counters of small staged
# frames (everything staged, no grant copy, no fallback).
ping_both() {
    local small=${1:-0} before after role
    before=$(snap)
    simnet_ping g1 10.77.0.1 || e2e_fail "ping g1 -> dom0"
    simnet_ping d0 10.77.0.2 || e2e_fail "ping dom0 -> g1"
    after=$(snap)
    [ "$small" = 1 ] || return 0
    for role in back front; do
        # 3 echo requests and 3 replies each way: 6 packets each direction.
        expect "$role tx_staged growth" "$(delta "$before" "$after" $role tx_staged)" -ge 6
        expect "$role rx_staged growth" "$(delta "$before" "$after" $role rx_staged)" -ge 6
        expect "$role tx_packets - tx_staged growth" \
            $(($(delta "$before" "$after" $role tx_packets) - $(delta "$before" "$after" $role tx_staged))) -eq 0
        expect "$role rx_packets - rx_staged growth" \
            $(($(delta "$before" "$after" $role rx_packets) - $(delta "$before" "$after" $role rx_staged))) -eq 0
        expect "$role fallback_ring_full growth" "$(delta "$before" "$after" $role fallback_ring_full)" -eq 0
        expect "$role fallback_beyond_slot growth" "$(delta "$before" "$after" $role fallback_beyond_slot)" -eq 0
    done
    expect "back grant_copy_ops growth" "$(delta "$before" "$after" back grant_copy_ops)" -eq 0
    expect "back grant_copy_segs growth" "$(delta "$before" "$after" back grant_copy_segs)" -eq 0
    return 0
}

# transfer DIR: 8 MiB each way, cmp-checked; heads staged, the rest by grant copy.
transfer() {
    local dir=$1 from to addr p before after role
    if [ "$dir" = g2d ]; then from=g1 to=d0 addr=10.77.0.1 p=tx; else from=d0 to=g1 addr=10.77.0.2 p=rx; fi
    # A dead path fails here in seconds rather than in the transfer's 60.
    simnet_ping $from $addr || { e2e_fail "no ping $from -> $addr: no transfer tried"; return 0; }
    before=$(snap)
    simnet_transfer $from $to $addr $BYTES || e2e_fail "transfer $from -> $to"
    after=$(snap)
    for role in back front; do
        expect "$role ${p}_bytes growth" "$(delta "$before" "$after" $role ${p}_bytes)" -ge $BYTES
        expect "$role ${p}_staged growth" "$(delta "$before" "$after" $role ${p}_staged)" -gt 0
    done
    if [ "$HEAD" -lt 1514 ]; then
        # Every data packet is longer than the head.
        expect "back fallback_beyond_slot growth" \
            "$(delta "$before" "$after" back fallback_beyond_slot)" -gt 0
        expect "back grant_copy_ops growth" "$(delta "$before" "$after" back grant_copy_ops)" -gt 0
    fi
    return 0
}

traffic() { # ping and a transfer each way
    need_host || return 1
    ping_both
    transfer g2d
    transfer d2g
    [ "$E2E_CASE_FAILED" = 0 ]
}

# fc_batch SIZE DIR [GAP_US] [COUNT]: COUNT frames of SIZE bytes checked by
# framecheck; DIR g2d (guest TX) or d2g (guest RX).  Leaves the counters'
# snapshots in FR_BEFORE and FR_AFTER.
fc_batch() { # fc_batch SIZE DIR [GAP] [COUNT] [SIZE2: odd frames' size, in order]
    local size=$1 dir=$2 gap=${3:-200} count=${4:-$FRAMES} sns sif rns rif out ready pid rc
    local run=$((RANDOM * 32768 + RANDOM)) mixed=()
    [ -n "${5:-}" ] && mixed=(--size2 "$5")
    if [ "$dir" = g2d ]; then sns=g1 sif=eth0 rns=d0 rif=br0; else sns=d0 sif=br0 rns=g1 rif=eth0; fi
    out="$SIMNET_HOST.fc.out"
    ready="$SIMNET_HOST.fc.ready"
    rm -f "$out" "$ready"
    FR_BEFORE=$(snap)
    ip netns exec "$(simnet_ns "$rns")" timeout 40 "$FC" recv "$rif" --size "$size" \
        "${mixed[@]}" ${5:+--in-order} --count "$count" --run "$run" --timeout-ms 20000 \
        --ready "$ready" >"$out" 2>&1 &
    pid=$!
    E2E_BG_PIDS+=("$pid")
    for _ in $(seq 1 100); do [ -e "$ready" ] && break; sleep 0.05; done
    [ -e "$ready" ] || e2e_fail "framecheck recv on $rif did not start"
    ip netns exec "$(simnet_ns "$sns")" timeout 40 "$FC" send "$sif" --size "$size" \
        "${mixed[@]}" --count "$count" --run "$run" --gap-us "$gap" 2>&1 | sed 's/^/    /'
    [ "${PIPESTATUS[0]}" = 0 ] || e2e_fail "framecheck send on $sif"
    wait "$pid"
    rc=$?
    E2E_BG_PIDS=()
    sed 's/^/    /' "$out"
    rm -f "$out" "$ready"
    [ $rc = 0 ] || e2e_fail "frames of $size bytes lost or damaged on the way $sns -> $rns"
    FR_AFTER=$(snap)
}

# check_frames SIZE DIR COUNT: the counters over FR_BEFORE..FR_AFTER.
# Each packet went either through the ring (staged, min(SIZE, H) octets)
# or, when the ring had no room, as plain netif (fallback_ring_full), and
# both ends count the same.  Guest TX never goes plain: the frontend waits
# for room.  Only a frame longer than H counts fallback_beyond_slot; the
# backend grant-copies one segment per frame longer than H (SIZE <= 4096)
# and one per plain frame, nothing for a frame wholly in its record, and
# maps nothing.  Every figure is exact up to the packets that were not
# framecheck's (EXTRA: the packet count beyond COUNT, shown when nonzero;
# the static neighbour entries leave none in practice).
check_frames() {
    local size=$1 dir=$2 count=$3 p role pk st full sb bs head extra mine segs
    local back_pk=0 back_st=0 back_full=0 front_st=0 front_full=0
    [ "$dir" = g2d ] && p=tx || p=rx
    head=$((size < HEAD ? size : HEAD))
    for role in back front; do
        pk=$(delta "$FR_BEFORE" "$FR_AFTER" $role ${p}_packets)
        st=$(delta "$FR_BEFORE" "$FR_AFTER" $role ${p}_staged)
        full=$(delta "$FR_BEFORE" "$FR_AFTER" $role fallback_ring_full)
        sb=$(delta "$FR_BEFORE" "$FR_AFTER" $role ${p}_staged_bytes)
        bs=$(delta "$FR_BEFORE" "$FR_AFTER" $role fallback_beyond_slot)
        e2e_info "$role: $pk ${p} packets, $st staged ($sb octets), $full plain (ring full)," \
            "$bs beyond the head"
        if [ $role = back ]; then back_pk=$pk back_st=$st back_full=$full; else front_st=$st front_full=$full; fi
        expect "$role ${p}_packets growth" "$pk" -ge "$count" || continue
        extra=$((pk - count))
        [ "$extra" = 0 ] || e2e_info "$role: $extra ${p} packet(s) besides framecheck's"
        if [ "$dir" = g2d ]; then
            expect "$role tx_staged growth" "$st" -eq "$pk"
            expect "$role fallback_ring_full growth" "$full" -eq 0
        else
            expect "$role rx_staged growth" "$st" -gt 0
            expect "$role rx_staged + fallback_ring_full growth" $((st + full)) -eq "$pk"
        fi
        # Of the staged packets, at least st - extra are ours, each with head octets.
        mine=$((st > extra ? st - extra : 0))
        between "$role ${p}_staged_bytes growth" "$sb" $((mine * head)) $((mine * head + extra * HEAD))
        if [ "$size" -gt "$HEAD" ]; then
            between "$role fallback_beyond_slot growth" "$bs" "$mine" $((st + extra))
        else
            between "$role fallback_beyond_slot growth" "$bs" 0 "$extra"
        fi
    done
    [ "$back_st" = "$front_st" ] ||
        e2e_fail "${p}_staged grew by $back_st on the backend but $front_st on the frontend"
    [ "$back_full" = "$front_full" ] ||
        e2e_fail "fallback_ring_full grew by $back_full on the backend but $front_full on the frontend"
    segs=$(delta "$FR_BEFORE" "$FR_AFTER" back grant_copy_segs)
    extra=$((back_pk > count ? back_pk - count : 0))
    if [ "$size" -gt "$HEAD" ]; then
        between "back grant_copy_segs growth" "$segs" "$count" $((count + extra))
    else
        between "back grant_copy_segs growth" "$segs" \
            $((back_full > extra ? back_full - extra : 0)) $((back_full + extra))
    fi
    expect "back grant_map_ops growth" "$(delta "$FR_BEFORE" "$FR_AFTER" back grant_map_ops)" -eq 0
}

# frames SIZE DIR: frames 200 us apart (framecheck's default).
frames() {
    need_host || return 1
    fc_batch "$1" "$2"
    check_frames "$1" "$2" "$FRAMES"
    [ "$E2E_CASE_FAILED" = 0 ]
}

# burst DIR: back-to-back full-size frames, to fill a small ring.
burst() {
    need_host || return 1
    fc_batch 1514 "$1" 0 "$BURST"
    check_frames 1514 "$1" "$BURST"
    [ "$E2E_CASE_FAILED" = 0 ]
}

# Back-to-back frames alternating 60 and 1514 bytes each way, received in
# the order sent: whole records and the records of ring packets interleave
# in the ring, and a full ring is waited for on both sides.
mixed_sizes() {
    local dir
    need_host || return 1
    for dir in g2d d2g; do
        fc_batch 60 "$dir" 0 "$BURST" 1514
    done
    [ "$E2E_CASE_FAILED" = 0 ]
}
# ---- the cases ----

keys() { # keys MODE ORDER NQUEUES OFFERED_MAX
    need_host || return 1
    check_offer "$4"
    check_keys "$1" "$3"
    check_stat "$2" "$3"
    [ "$E2E_CASE_FAILED" = 0 ]
}

two_queues_keys() {
    local r0 r1
    keys ring 3 2 "$DEFAULT_MAX" || return 1
    r0=$(xs_get "$(fe_dir)/queue-0/data-ring-ref")
    r1=$(xs_get "$(fe_dir)/queue-1/data-ring-ref")
    [ "$r0" != "$r1" ] || e2e_fail "both queues name data-ring-ref $r0"
    [ "$E2E_CASE_FAILED" = 0 ]
}

ping_small() {
    need_host || return 1
    ping_both 1
    [ "$E2E_CASE_FAILED" = 0 ]
}

transfers() {
    need_host || return 1
    transfer g2d
    transfer d2g
    [ "$E2E_CASE_FAILED" = 0 ]
}

long_heads_frames() {
    local dir
    need_host || return 1
    [ "$HEAD" -ge 1514 ] || { e2e_fail "head length $HEAD: a 1514-byte frame does not fit"; return 1; }
    for dir in g2d d2g; do
        fc_batch 1514 "$dir"
        check_frames 1514 "$dir" "$FRAMES"
    done
    [ "$E2E_CASE_FAILED" = 0 ]
}

long_heads_keys() {
    local ring_bytes=$((1 << (1 + 11)))
    keys ring 1 1 "$DEFAULT_MAX" || return 1
    # The frontend asked for 4096-octet heads; the spec caps them at R/2.
    [ "$HEAD" = $((ring_bytes / 2)) ] || e2e_fail "head length $HEAD, expected R/2 = $((ring_bytes / 2))"
    [ "$E2E_CASE_FAILED" = 0 ]
}

small_ring_keys() {
    need_host || return 1
    FALLBACK0=$(e2e_sum "$(snap)" back fallback_ring_full)
    keys ring 1 1 "$DEFAULT_MAX"
}

# small_ring_fallback OP: the backend's fallback_ring_full growth over the
# group compared with OP 0 (-gt: the full-ring path ran; -eq: with whole
# records a full ring is waited for, never bypassed).
small_ring_fallback() {
    local now
    need_host || return 1
    e2e_is_num "$FALLBACK0" || { e2e_fail "no starting count (small_ring_keys did not run)"; return 1; }
    now=$(e2e_sum "$(snap)" back fallback_ring_full)
    e2e_info "backend fallback_ring_full grew by $((now - FALLBACK0)) over the group"
    expect "back fallback_ring_full growth over the group" $((now - FALLBACK0)) "$1" 0
    [ "$E2E_CASE_FAILED" = 0 ]
}

reconnect() { # reconnect MODE ORDER [front options]
    local mode=$1 order=$2
    shift 2
    need_host || return 1
    stop_front
    start_front --queues 1 "$@" || return 1
    check_keys "$mode" 1
    check_stat "$order" 1
    ping_both
    transfer g2d
    transfer d2g
    [ "$E2E_CASE_FAILED" = 0 ]
}

# The frontend SIGKILLed while the backend writes RX records into its ring
# (a stream into the guest), then a frontend with a ring of another order.
killed_restart() {
    local back_pid=${SIMNET_PIDS[0]} before
    need_host || return 1
    ip netns exec "$(simnet_ns g1)" timeout 20 socat -u TCP-LISTEN:5301,reuseaddr /dev/null \
        >/dev/null 2>&1 &
    E2E_BG_PIDS+=($!)
    head -c $((1024 * 1024 * 1024)) /dev/zero |
        ip netns exec "$(simnet_ns d0)" timeout 20 socat -u STDIN \
            TCP:10.77.0.2:5301,retry=50,interval=0.05 >/dev/null 2>&1 &
    E2E_BG_PIDS+=($!)
    sleep 0.5
    before=$(snap)
    e2e_info "stream into the guest: $(e2e_sum "$before" back rx_staged) packets staged so far"
    expect "back rx_staged before the kill" "$(e2e_sum "$before" back rx_staged)" -gt 0
    kill -KILL "$FRONT_PID" 2>/dev/null
    { wait "$FRONT_PID"; } 2>/dev/null
    forget_pid "$FRONT_PID"
    e2e_bg_kill
    kill -0 "$back_pid" 2>/dev/null || { e2e_fail "netstage-back died with the frontend"; return 1; }
    start_front --queues 1 --data-ring-order 1 || return 1
    check_keys ring 1
    check_stat 1 1
    ping_both
    transfer g2d
    transfer d2g
    [ "$E2E_CASE_FAILED" = 0 ]
}

# At the end of a group: neither end declared the other broken or dropped
# a malformed packet, and neither daemon logged a warning or an error.
teardown() {
    local rc=0 st role c
    if [ "$GROUP_UP" = 1 ]; then
        st=$(snap)
        for role in back front; do
            for c in error_peer_fatal drop_malformed; do
                expect "$role $c" "$(e2e_sum "$st" $role $c)" -eq 0
            done
        done
        if grep -hE ': (warning|error): ' "$SIMNET_LOGS"/*.log | grep -vE "${LOG_ALLOWED:-^$}"; then
            e2e_fail "a daemon logged the warnings or errors above"
        fi
    fi
    [ "$E2E_CASE_FAILED" = 0 ] || rc=1
    e2e_teardown || rc=1
    GROUP_UP=0
    LOG_ALLOWED=""
    return $rc
}

[ -x "$FC" ] || { echo "e2e: $FC is missing (make)"; exit 1; }
e2e_is_num "$DEFAULT_MAX" || { echo "e2e: no default ring order in netstage-back --help"; exit 1; }
e2e_is_num "$FRONT_DEFAULT" || { echo "e2e: no default ring order in netstage-front --help"; exit 1; }

e2e_case default_setup setup default -- --queues 1 </dev/null
e2e_case default_keys keys ring "$FRONT_DEFAULT" 1 "$DEFAULT_MAX" </dev/null
e2e_case default_traffic traffic </dev/null
e2e_case default_clean_exit teardown </dev/null

e2e_case ring_setup setup ring -- --queues 1 --data-ring-order 3 </dev/null
e2e_case ring_keys keys ring 3 1 "$DEFAULT_MAX" </dev/null
e2e_case ring_ping ping_small </dev/null
for size in 60 H H+1 1514; do
    case $size in H) s=$HEAD ;; H+1) s=$((HEAD + 1)) ;; *) s=$size ;; esac
    e2e_case "ring_frames_${size}_guest_to_dom0" frames "$s" g2d </dev/null
    e2e_case "ring_frames_${size}_dom0_to_guest" frames "$s" d2g </dev/null
done
e2e_case ring_transfer transfers </dev/null
e2e_case ring_clean_exit teardown </dev/null

e2e_case two_queues_setup setup two_queues -- --queues 2 --data-ring-order 3 </dev/null
e2e_case two_queues_keys two_queues_keys </dev/null
e2e_case two_queues_traffic traffic </dev/null
e2e_case two_queues_clean_exit teardown </dev/null

e2e_case small_ring_setup setup small_ring -- --queues 1 --data-ring-order 1 \
    --no-whole-records </dev/null
e2e_case small_ring_keys small_ring_keys </dev/null
e2e_case small_ring_burst_guest_to_dom0 burst g2d </dev/null
e2e_case small_ring_burst_dom0_to_guest burst d2g </dev/null
e2e_case small_ring_transfer transfers </dev/null
e2e_case small_ring_fallback_seen small_ring_fallback -gt </dev/null
e2e_case small_ring_clean_exit teardown </dev/null

e2e_case whole_small_ring_setup setup whole_small_ring -- --queues 1 --data-ring-order 1 </dev/null
e2e_case whole_small_ring_keys small_ring_keys </dev/null
e2e_case whole_small_ring_burst_guest_to_dom0 burst g2d </dev/null
e2e_case whole_small_ring_burst_dom0_to_guest burst d2g </dev/null
e2e_case whole_small_ring_mixed mixed_sizes </dev/null
e2e_case whole_small_ring_transfer transfers </dev/null
e2e_case whole_small_ring_no_fallback small_ring_fallback -eq </dev/null
e2e_case whole_small_ring_clean_exit teardown </dev/null

e2e_case long_heads_setup setup long_heads -- --queues 1 --data-ring-order 1 --slot-len 4096 </dev/null
e2e_case long_heads_keys long_heads_keys </dev/null
e2e_case long_heads_frames long_heads_frames </dev/null
e2e_case long_heads_transfer transfers </dev/null
e2e_case long_heads_clean_exit teardown </dev/null

e2e_case not_offered_setup setup not_offered --data-ring-max-order 0 -- --queues 1 --data-ring-order 3 </dev/null
e2e_case not_offered_keys keys slots 0 1 0 </dev/null
e2e_case not_offered_traffic traffic </dev/null
e2e_case not_offered_clean_exit teardown </dev/null

e2e_case capped_setup setup capped --data-ring-max-order 2 -- --queues 1 --data-ring-order 5 </dev/null
e2e_case capped_keys keys ring 2 1 2 </dev/null
e2e_case capped_traffic traffic </dev/null
e2e_case capped_clean_exit teardown </dev/null

e2e_case reconnect_setup setup reconnect -- --queues 1 --data-ring-order 3 </dev/null
e2e_case reconnect_ring_keys keys ring 3 1 "$DEFAULT_MAX" </dev/null
e2e_case reconnect_to_slots reconnect slots 0 --data-ring-order 0 </dev/null
e2e_case reconnect_to_ring reconnect ring 2 --data-ring-order 2 </dev/null
e2e_case reconnect_clean_exit teardown </dev/null

e2e_case killed_setup setup killed -- --queues 1 --data-ring-order 3 </dev/null
# The backend's copies into the dead frontend's revoked grants fail, and say so.
LOG_ALLOWED='rx grant copy failed'
e2e_case killed_restart killed_restart </dev/null
e2e_case killed_clean_exit teardown </dev/null
e2e_summary
