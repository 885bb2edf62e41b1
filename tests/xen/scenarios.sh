#!/bin/bash
# The real-Xen scenarios, run by dom0's /init after xencommons is up.
# Each prints "@@XT PASS <n> <name>" or "@@XT FAIL <n> <name>: <why>"; on
# failure the guest's console and the backend's log follow.
set -u
. /etc/netstage-xen/lib.sh

# 1. netstage on both ends with their defaults: staging negotiated and
# used, through the data ring with whole records (netstage-front's default).
both_netstage() {
    local json d k v
    GUEST_NAME=s1
    guest_with_traffic s1 netstage 10.78.0.11 || return 1
    netstage-vif-show "$GUEST_ID" 0 | tee /tmp/show.out
    grep -q "backend .*: 4 Connected, hotplug connected" /tmp/show.out ||
        { WHY="netstage-vif-show does not show a connected backend"; return 1; }
    grep -Eq "^  queue-0 .*, ring [0-9]+, whole .*, ring [0-9]+, whole" /tmp/show.out ||
        { WHY="netstage-vif-show does not show queue-0's data ring with whole records"; return 1; }
    for k in feature-staging-slots feature-staging-data-ring feature-staging-data-ring-whole; do
        [ "$(xenstore-read "/local/domain/0/backend/vif/$GUEST_ID/0/$k" 2>/dev/null)" = 1 ] ||
            { WHY="backend did not offer $k"; return 1; }
    done
    fe_shares_staging "$GUEST_ID" || { WHY="frontend did not share staging memory"; return 1; }
    d=$(fe_queue0 "$GUEST_ID")
    xenstore-read "$d/data-ring-ref" >/dev/null 2>&1 || { WHY="frontend shared no data ring"; return 1; }
    for k in tx-data-ring-whole rx-data-ring-whole; do
        v=$(xenstore-read "$d/$k" 2>/dev/null)
        [ "$v" = 1 ] || { WHY="frontend's $d/$k is '$v', expected 1"; return 1; }
    done
    json=$(netstage stat --json "vif$GUEST_ID.0")
    netstage stat "vif$GUEST_ID.0"
    note "backend staged: tx $(counter "$json" tx_staged), rx $(counter "$json" rx_staged)"
    [ "$(counter "$json" tx_staged)" -gt 0 ] && [ "$(counter "$json" rx_staged)" -gt 0 ] ||
        { WHY="no packet went through the data ring"; return 1; }
    guest_report s1
}

# 2. netstage-back with the stock Linux xen-netfront: plain netif.
back_with_linux_front() {
    local json
    GUEST_NAME=s2
    guest_with_traffic s2 linux 10.78.0.12 || return 1
    ! fe_shares_staging "$GUEST_ID" || { WHY="xen-netfront cannot have written staging keys"; return 1; }
    json=$(netstage stat --json "vif$GUEST_ID.0")
    netstage stat "vif$GUEST_ID.0"
    [ "$(counter "$json" tx_packets)" -gt 0 ] && [ "$(counter "$json" rx_packets)" -gt 0 ] ||
        { WHY="backend counted no packets"; return 1; }
    [ "$(counter "$json" tx_staged)" = 0 ] || { WHY="staged packets without staging"; return 1; }
}

# 3. The stock Linux xen-netback with netstage-front: the frontend falls back.
linux_back_with_front() {
    GUEST_NAME=s3
    stop_back
    modprobe xen-netback || { WHY="cannot load xen-netback"; return 1; }
    guest_with_traffic s3 netstage 10.78.0.13 || return 1
    ! fe_shares_staging "$GUEST_ID" || { WHY="frontend offered staging to a backend without it"; return 1; }
    guest_report s3
}

after_linux_back() {
    rmmod xen-netback 2>/dev/null
    start_back
}

# 4. A guest from an xl config whose netstage_vif settings reach the
# backend through `netstage config apply` before the frontend starts.
xl_config_settings() {
    local cfg=/etc/netstage-xen/s4.cfg d json
    GUEST_NAME=s4
    rm -f "$CON/guest-s4.log"
    sed 's/queues=1/queus=1/' "$cfg" >/tmp/typo.cfg
    if netstage config check /tmp/typo.cfg 2>/tmp/typo.err ||
       ! grep -q "typo.cfg:11: netstage_vif\[0\]: unknown option 'queus'" /tmp/typo.err; then
        cat /tmp/typo.err; WHY="a misspelt option was not reported with file and line"; return 1
    fi
    timeout 300 xl create -p "$cfg" || { WHY="xl create -p failed"; return 1; }
    netstage config apply "$cfg" || { WHY="netstage config apply failed"; return 1; }
    d=$(xl domid s4)
    wait_for 10 bash -c "[ \"\$(xenstore-read /local/domain/0/backend/vif/$d/0/staging-slot-len-max)\" = 128 ]" ||
        { WHY="backend did not advertise the configured slot length"; return 1; }
    xl unpause s4
    GUEST_ID=$d
    traffic s4 10.78.0.14 || return 1
    show_keys "$d"
    ip link show master xenbr0 | grep -q "vif$d.0" || { WHY="vif$d.0 is not on xenbr0"; return 1; }
    [ "$(xenstore-read "/local/domain/$d/device/vif/0/queue-0/tx-data-len" 2>/dev/null ||
         xenstore-read "/local/domain/$d/device/vif/0/tx-data-len")" = 128 ] ||
        { WHY="frontend did not use 128-byte slots"; return 1; }
    json=$(netstage stat --json "vif$d.0")
    netstage stat "vif$d.0"
    [ "$(grep -o '"tx_slot_len"' <<<"$json" | wc -l)" = 1 ] || { WHY="not one queue"; return 1; }
    [ "$(counter "$json" tx_staged)" -gt 0 ] || { WHY="nothing staged"; return 1; }
}

# 5. Guests destroyed mid-transfer; vifs detached and attached live.
destroy_and_hotplug() {
    local d xfer n maps
    maps=$(gntdev_maps)
    GUEST_NAME=s5a
    guest s5a netstage 10.78.0.15 || { WHY="xl create failed"; return 1; }
    wait_for 90 guest_reachable 10.78.0.15 || { WHY="s5a unreachable"; return 1; }
    d=$GUEST_ID
    head -c $((64 * 1024 * 1024)) /dev/zero |
        timeout 120 socat -t 5 TCP:10.78.0.15:5000,connect-timeout=10 - >/dev/null 2>&1 &
    xfer=$!
    sleep 3
    xl destroy s5a || { WHY="xl destroy failed"; return 1; }
    note "s5a destroyed mid-transfer"
    # The sender would retransmit to the dead guest until its timeout.
    kill "$xfer" 2>/dev/null
    wait "$xfer"
    wait_for 30 bash -c "! xenstore-read /local/domain/0/backend/vif/$d >/dev/null 2>&1" ||
        { WHY="backend directory of the destroyed guest remains"; return 1; }
    wait_for 30 bash -c "! ip link show vif$d.0 >/dev/null 2>&1" ||
        { WHY="vif$d.0 remains after the guest died"; return 1; }
    back_alive || { WHY="netstage-back died with the guest"; return 1; }
    [ "$(gntdev_maps)" = "$maps" ] ||
        { WHY="netstage-back holds $(gntdev_maps) grant mappings, $maps before the guest"; return 1; }

    GUEST_NAME=s5b
    guest s5b netstage 10.78.0.15 || { WHY="xl create of the next guest failed"; return 1; }
    traffic s5b 10.78.0.15 || return 1

    xl network-detach s5b 0 || { WHY="xl network-detach failed"; return 1; }
    wait_for 30 bash -c "[ -z \"\$(xl network-list s5b | tail -n +2)\" ]" ||
        { WHY="vif still listed after network-detach"; return 1; }
    n=$(console_count s5b "@@GUEST eth")
    xl network-attach s5b mac=00:16:3e:4e:53:16 bridge=xenbr0 ||
        { WHY="xl network-attach failed"; return 1; }
    xl network-list s5b
    wait_for 90 bash -c "[ \$(grep -c '@@GUEST eth' $CON/guest-s5b.log) -gt $n ]" ||
        { WHY="no interface appeared in the guest after network-attach"; return 1; }
    wait_for 30 guest_reachable 10.78.0.15 || { WHY="unreachable after network-attach"; return 1; }
    echo_check 10.78.0.15 $((4 * 1024 * 1024)) || { WHY="transfer after network-attach failed"; return 1; }
    back_alive || { WHY="netstage-back died"; return 1; }
}

# 6. The benchmark's ratios with real hypercalls: netstage-back --bench in
# dom0, netstage-front --bench in the guest, interleaved runs of grant copy
# (netstage-back --no-staging), slots (--data-ring-max-order 0: no ring
# offered) and the data ring (the defaults).  Under software emulation only
# the ratios mean anything.
bench_ratios() {
    local dir mode r rates n=0
    GUEST_NAME=s6
    rm -f /tmp/bench.txt
    # xl create needs a backend to answer; the benchmark's take over after.
    guest s6 netstage 10.78.0.16 || { WHY="xl create failed"; return 1; }
    wait_for 90 console_has s6 "Starting netstage-front" ||
        { WHY="netstage-front did not start in s6"; return 1; }
    stop_back
    for dir in tx rx; do
        if [ "$dir" = tx ]; then
            xenstore-write -- "/local/domain/$GUEST_ID/data/front-args" "--bench --queues 1 --bench-tx-size 64"
        else
            xenstore-write -- "/local/domain/$GUEST_ID/data/front-args" "--bench --queues 1"
        fi
        n=$((n + 1))
        wait_for 30 bash -c "[ \$(grep -c '@@GUEST netstage-front restarted' $CON/guest-s6.log) -ge $n ]" ||
            { WHY="the guest did not restart netstage-front in benchmark mode"; return 1; }
        for r in 1 2 3; do
            for mode in copy slots ring; do
                bench_run "$dir" "$mode" || return 1
                echo "$dir $mode $r $BENCH_PPS" >>/tmp/bench.txt
                note "bench $dir 64 B $mode round $r: $BENCH_PPS packets/s (staged $BENCH_STAGED)"
            done
        done
    done
    for dir in tx rx; do for mode in slots ring; do
        rates=$(awk -v d="$dir" -v m="$mode" '$1 == d && $2 == "copy" { c[$3] = $4 } $1 == d && $2 == m { s[$3] = $4 }
            END { for (r in c) if (c[r] > 0) print s[r] / c[r] }' /tmp/bench.txt | sort -g | sed -n 2p)
        note "bench $dir 64 B $mode/copy (median of 3 per-round ratios): $rates"
        echo "@@XT bench-xen ${dir}64 $mode/copy=$rates"
    done; done
    start_back
}

# 7. Staging slots on real Xen: the guest's netstage-front restarted with
# --data-ring-order 0 against the running netstage-back; slot lists
# negotiated (no data ring, no whole records), and traffic both ways
# (pings, a checked transfer) staged through the slots.
slots() {
    local json d k
    GUEST_NAME=s7
    guest s7 netstage 10.78.0.17 || { WHY="xl create failed"; return 1; }
    wait_for 90 console_has s7 "Starting netstage-front" ||
        { WHY="netstage-front did not start in s7"; return 1; }
    xenstore-write -- "/local/domain/$GUEST_ID/data/front-args" "--data-ring-order 0"
    wait_for 30 console_has s7 "@@GUEST netstage-front restarted" ||
        { WHY="the guest did not restart netstage-front on slots"; return 1; }
    traffic s7 10.78.0.17 || return 1
    show_keys "$GUEST_ID"
    d=$(fe_queue0 "$GUEST_ID")
    for k in tx-data-ref rx-data-ref; do
        xenstore-read "$d/$k" >/dev/null 2>&1 || { WHY="frontend shared no $k"; return 1; }
    done
    for k in data-ring-ref tx-data-ring-whole rx-data-ring-whole; do
        ! xenstore-read "$d/$k" >/dev/null 2>&1 || { WHY="frontend wrote $d/$k on slots"; return 1; }
    done
    json=$(netstage stat --json "vif$GUEST_ID.0")
    netstage stat "vif$GUEST_ID.0"
    grep -q '"data_ring_order":0' <<<"$json" || { WHY="stat shows a data ring"; return 1; }
    note "backend staged: tx $(counter "$json" tx_staged), rx $(counter "$json" rx_staged)"
    [ "$(counter "$json" tx_staged)" -gt 0 ] && [ "$(counter "$json" rx_staged)" -gt 0 ] ||
        { WHY="no packet went through the staging slots"; return 1; }
    guest_report s7
}

# bench_run DIR MODE: one measured run; sets BENCH_PPS and BENCH_STAGED.
bench_run() {
    local args=(--bench --queues 1) pid json0 json1 key=tx_packets staged=tx_staged
    [ "$2" = copy ] && args+=(--no-staging)
    [ "$2" = slots ] && args+=(--data-ring-max-order 0)
    if [ "$1" = rx ]; then args+=(--bench-rx-size 64); key=rx_packets; staged=rx_staged; fi
    netstage-back "${args[@]}" >>/var/log/netstage-bench.log 2>&1 &
    pid=$!
    wait_for 60 bash -c "netstage stat --json vif$GUEST_ID.0 2>/dev/null | grep -q '\"role\":\"back\".*\"connected\":true'" ||
        { WHY="bench backend ($*) did not connect"; kill "$pid"; wait "$pid"; return 1; }
    sleep 2
    json0=$(netstage stat --json "vif$GUEST_ID.0")
    sleep 5
    json1=$(netstage stat --json "vif$GUEST_ID.0")
    kill "$pid"
    wait "$pid"
    BENCH_PPS=$(( ($(counter "$json1" $key) - $(counter "$json0" $key)) / 5 ))
    BENCH_STAGED=$(( $(counter "$json1" $staged) - $(counter "$json0" $staged) ))
    [ "$BENCH_PPS" -gt 0 ] || { WHY="no packets in the $* run"; return 1; }
    if [ "$2" = copy ] && [ "$BENCH_STAGED" != 0 ]; then WHY="copy run staged packets"; return 1; fi
    if [ "$2" != copy ] && [ "$BENCH_STAGED" = 0 ]; then WHY="$2 run staged nothing"; return 1; fi
    if [ "$2" = ring ] && grep -q '"data_ring_order":0' <<<"$json1"; then WHY="ring run used slots"; return 1; fi
    if [ "$2" = slots ] && ! grep -q '"data_ring_order":0' <<<"$json1"; then WHY="slots run used a ring"; return 1; fi
}

# Which scenarios to run: netstage.scenarios=1:4 on dom0's command line
# (make test-xen XEN_SCENARIOS="1 4"); all by default.
ONLY=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^netstage\.scenarios=//p' | tr ':' ' ')
run() { # run N NAME FUNCTION
    case " ${ONLY:-$1} " in *" $1 "*) scenario "$@" ;; esac
}

setup_bridge
start_back
run 1 netstage-both-ends both_netstage
run 2 netstage-back-linux-netfront back_with_linux_front
run 3 linux-netback-netstage-front linux_back_with_front
[ -n "$BACK_PID" ] || after_linux_back
run 4 xl-config-settings xl_config_settings
run 5 destroy-detach-attach destroy_and_hotplug
run 6 bench-ratios bench_ratios
run 7 staging-slots slots
stop_back
echo "@@XT summary failed=$failed"
[ "$failed" = 0 ]
