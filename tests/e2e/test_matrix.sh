#!/bin/bash
# End-to-end matrix: netstage-back and netstage-front on a fresh simulated
# host for each combination of their datapath options, with ping both ways,
# a byte-checked 4 MiB TCP transfer each way, and the counters of both ends
# (`netstage stat --json`) checked against what the options should give.
#
# Dimensions (40 combinations in all):
#   B  backend staging   on | off (--no-staging)
#   F  frontend staging  on | off (--no-staging)
#   Q  queues            1 | 2    (frontend --queues; the backend offers 2)
#   E  event channels    single (frontend --single-event-channel) | split
#   R  remainder         copy | map (backend --remainder map)
#   D  staging kind      ring (the frontend's default data ring) | slots
#                        (frontend --data-ring-order 0); only with staging
#                        on, since without it neither is used
#
# Staging is negotiated only when both ends want it, so B x F gives one
# "staging on" case and three ways of it being off, each taken by a
# different end.  The covering set (19 combinations, about 3 s each):
#
#   * all four B x F combinations x {1 queue, single, copy} and
#     {2 queues, split, map}: every value of Q, E and R with staging on and
#     with each way of it being off (rows 1-8);
#   * three more (Q, E, R) triples, each with staging on and once with
#     staging off, chosen so that every pair of values of Q, E and R occurs
#     together at least once with staging on and once with staging off
#     (rows 1-8 only pair 1q with single and copy, 2q with split and map):
#       1q single map   pairs (1q, map), (single, map)
#       2q single copy  pairs (2q, single), (2q, copy)
#       1q split copy   pairs (1q, split), (split, copy)
#   * every staging-on row once with the data ring and once with slots,
#     so each of them meets every value of Q, E and R.
#
# E2E_MATRIX=full runs all 32 combinations instead.
#
# Counters checked for each combination, on both ends unless said:
#   state connected; the queue count, split or single event channels and
#   the remainder mode as asked; slot lengths 256 on every queue when both
#   ends stage (the head length on a data ring), 0 otherwise; the data
#   ring order (5) on every queue with D = ring, 0 otherwise; tx_staged and rx_staged > 0 when both stage,
#   and == 0 (with their byte counts) on every queue otherwise; the bytes of
#   both transfers counted each way; no drops for malformed packets, failed
#   grants, oversize packets or offloads and no errors; on the backend in
#   map mode more grant maps than the staging areas it maps at connect
#   (a slot area per direction, or a data ring's interface page and its
#   two halves) (packets past the slot were mapped; with staging,
#   fallback_beyond_slot > 0 shows there were such packets), and in copy
#   mode no more maps than those areas.
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

BYTES=$((4 * 1024 * 1024))
SLOT=256       # the frontend's default slot length (the backend accepts up to 4096)
ORDER=$("$SIMNET_BIN/netstage-front" --help |   # its default data ring order
    sed -n 's/.*default \([0-9][0-9]*\); 0: always slots.*/\1/p')

# B F Q E R D
COVERING="
on  on  1 single copy ring
on  on  1 single copy slots
on  off 1 single copy ring
off on  1 single copy ring
off off 1 single copy ring
on  on  2 split  map  ring
on  on  2 split  map  slots
on  off 2 split  map  ring
off on  2 split  map  ring
off off 2 split  map  ring
on  on  1 single map  ring
on  on  1 single map  slots
off on  1 single map  ring
on  on  2 single copy ring
on  on  2 single copy slots
on  off 2 single copy ring
on  on  1 split  copy ring
on  on  1 split  copy slots
off off 1 split  copy ring
"

full_matrix() {
    local b f q e r d
    for b in on off; do for f in on off; do for q in 1 2; do
        for e in single split; do for r in copy map; do
            for d in ring slots; do
                [ "$d" = slots ] && { [ "$b" = off ] || [ "$f" = off ]; } && continue
                echo "$b $f $q $e $r $d"
            done
        done; done
    done; done; done
}

expect_eq() { # expect_eq WHAT GOT WANT
    [ "$2" = "$3" ] || e2e_fail "$1 is '$2', expected '$3'"
}

expect_gt() { # expect_gt WHAT GOT MIN: GOT > MIN
    e2e_is_num "$2" && [ "$2" -gt "$3" ] && return 0
    e2e_fail "$1 is '$2', expected more than $3"
}

expect_le() { # expect_le WHAT GOT MAX
    e2e_is_num "$2" && [ "$2" -le "$3" ] && return 0
    e2e_fail "$1 is '$2', expected at most $3"
}

check_counters() { # check_counters STAT B F Q E R D
    local stat=$1 bs=$2 fs=$3 nq=$4 ev=$5 rem=$6 kind=$7
    local staged=0 split=false slot=0 order=0 role q k v areas=0 maps
    [ "$bs" = on ] && [ "$fs" = on ] && staged=1 && slot=$SLOT
    [ $staged = 1 ] && [ "$kind" = ring ] && order=$ORDER
    [ "$ev" = split ] && split=true
    [ -n "$stat" ] || { e2e_fail "netstage stat --json printed nothing"; return; }
    for role in back front; do
        expect_eq "$role state" "$(e2e_get "$stat" "$role" - state)" connected
        expect_eq "$role queues" "$(e2e_queues "$stat" "$role" | wc -l)" "$nq"
        for q in $(e2e_queues "$stat" "$role"); do
            expect_eq "$role $q split_evtchn" "$(e2e_get "$stat" "$role" "$q" split_evtchn)" $split
            expect_eq "$role $q tx_slot_len" "$(e2e_get "$stat" "$role" "$q" tx_slot_len)" $slot
            expect_eq "$role $q rx_slot_len" "$(e2e_get "$stat" "$role" "$q" rx_slot_len)" $slot
            expect_eq "$role $q data_ring_order" "$(e2e_get "$stat" "$role" "$q" data_ring_order)" $order
            if [ $staged = 0 ]; then
                for k in tx_staged rx_staged tx_staged_bytes rx_staged_bytes; do
                    expect_eq "$role $q $k" "$(e2e_get "$stat" "$role" "$q" $k)" 0
                done
            fi
        done
        if [ $staged = 1 ]; then
            expect_gt "$role tx_staged" "$(e2e_sum "$stat" "$role" tx_staged)" 0
            expect_gt "$role rx_staged" "$(e2e_sum "$stat" "$role" rx_staged)" 0
            expect_eq "$role fallback_not_negotiated" \
                "$(e2e_sum "$stat" "$role" fallback_not_negotiated)" 0
        fi
        expect_gt "$role tx_bytes" "$(e2e_sum "$stat" "$role" tx_bytes)" $BYTES
        expect_gt "$role rx_bytes" "$(e2e_sum "$stat" "$role" rx_bytes)" $BYTES
        for k in drop_malformed drop_grant_failed drop_too_big drop_offload \
                 error_peer_fatal error_tap_io error_evtchn; do
            expect_eq "$role $k" "$(e2e_sum "$stat" "$role" $k)" 0
        done
        # Not failures by themselves (a full ring or TAP queue may drop), but worth seeing.
        for k in drop_no_rx_buffers drop_tap; do
            v=$(e2e_sum "$stat" "$role" $k)
            [ "$v" = 0 ] || e2e_info "note: $role $k = $v"
        done
    done
    expect_eq "back remainder" "$(e2e_get "$stat" back - remainder)" "$rem"
    [ $staged = 0 ] &&
        expect_gt "back fallback_not_negotiated" "$(e2e_sum "$stat" back fallback_not_negotiated)" 0
    # Staging areas the backend maps once at connect: a slot area per
    # direction and queue, or a data ring's interface page and two halves.
    for q in $(e2e_queues "$stat" back); do
        if [ "$(e2e_get "$stat" back "$q" data_ring_order)" != 0 ]; then
            areas=$((areas + 3))
            continue
        fi
        for k in tx_slot_len rx_slot_len; do
            v=$(e2e_get "$stat" back "$q" $k)
            [ "${v:-0}" -gt 0 ] && areas=$((areas + 1))
        done
    done
    maps=$(e2e_sum "$stat" back grant_map_ops)
    if [ "$rem" = map ]; then
        [ $staged = 1 ] &&
            expect_gt "back fallback_beyond_slot" "$(e2e_sum "$stat" back fallback_beyond_slot)" 0
        expect_gt "back grant_map_ops (staging areas: $areas)" "$maps" $areas
    else
        expect_le "back grant_map_ops (staging areas: $areas)" "$maps" $areas
    fi
    e2e_info "back: tx $(e2e_sum "$stat" back tx_packets) pkts, rx $(e2e_sum "$stat" back rx_packets) pkts," \
        "staged tx $(e2e_sum "$stat" back tx_staged) rx $(e2e_sum "$stat" back rx_staged)," \
        "beyond slot $(e2e_sum "$stat" back fallback_beyond_slot), grant copy ops $(e2e_sum "$stat" back grant_copy_ops)," \
        "map ops $maps"
}

combo_run() { # combo_run B F Q E R D
    local bs=$1 fs=$2 nq=$3 ev=$4 rem=$5 back=() front=(--queues "$3") domid t
    [ "$bs" = off ] && back+=(--no-staging)
    [ "$rem" = map ] && back+=(--remainder map)
    [ "$fs" = off ] && front+=(--no-staging)
    [ "$6" = slots ] && front+=(--data-ring-order 0)
    [ "$ev" = single ] && front+=(--single-event-channel)
    e2e_info "netstage-back ${back[*]} / netstage-front ${front[*]}"
    simnet_up || { e2e_fail "the simulated host did not start"; return 1; }
    simnet_guest g1 --vifs 1 --mac 00:16:3e:4e:53:01 || { e2e_fail "guest g1 not created"; return 1; }
    domid=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
    simnet_back "${back[@]}"
    simnet_front g1 "${front[@]}"
    simnet_wait_connected g1 || { e2e_fail "vif $domid.0 did not connect"; return 1; }
    simnet_addr g1 2 || { e2e_fail "cannot configure the guest's eth0"; return 1; }
    simnet_ping g1 10.77.0.1 || e2e_fail "ping g1 -> dom0"
    simnet_ping d0 10.77.0.2 || e2e_fail "ping dom0 -> g1"
    t=$(e2e_now)
    simnet_transfer g1 d0 10.77.0.1 $BYTES || e2e_fail "transfer g1 -> dom0"
    e2e_info "g1 -> dom0: $BYTES bytes in $(e2e_since "$t") s"
    t=$(e2e_now)
    simnet_transfer d0 g1 10.77.0.2 $BYTES || e2e_fail "transfer dom0 -> g1"
    e2e_info "dom0 -> g1: $BYTES bytes in $(e2e_since "$t") s"
    check_counters "$(e2e_stat "vif$domid.0")" "$@"
    [ "$E2E_CASE_FAILED" = 0 ]
}

combo() {
    local rc=0
    combo_run "$@" || rc=1
    e2e_teardown || rc=1
    return $rc
}

if [ "${E2E_MATRIX:-}" = full ]; then rows=$(full_matrix); else rows=$COVERING; fi
e2e_is_num "$ORDER" || { echo "e2e: no default ring order in netstage-front --help"; exit 1; }
while read -r b f q e r d; do
    [ -n "$b" ] || continue
    e2e_case "back_${b}_front_${f}_${q}q_${e}_${r}_${d}" combo "$b" "$f" "$q" "$e" "$r" "$d" </dev/null
done <<<"$rows"
e2e_summary
