#!/bin/bash
# The real-Xen scenarios, run by dom0's /init after xencommons is up.
# Each prints "@@XT PASS <n> <name>" or "@@XT FAIL <n> <name>: <why>"; on
# failure the guest's console and the backend's log follow.
set -u
. /etc/netstage-xen/lib.sh

# 1. netstage on both ends: staging negotiated and used.
both_netstage() {
    local json
    GUEST_NAME=s1
    guest s1 netstage 10.78.0.11 || { WHY="xl create failed"; return 1; }
    traffic s1 10.78.0.11 || return 1
    show_keys "$GUEST_ID"
    xenstore-read "/local/domain/0/backend/vif/$GUEST_ID/0/feature-staging-slots" >/dev/null ||
        { WHY="backend did not offer staging"; return 1; }
    xenstore-read "/local/domain/$GUEST_ID/device/vif/0/queue-0/tx-data-ref" >/dev/null ||
        { WHY="frontend did not share a staging list"; return 1; }
    json=$(netstage stat --json "vif$GUEST_ID.0")
    netstage stat "vif$GUEST_ID.0"
    note "backend staged: tx $(counter "$json" tx_staged), rx $(counter "$json" rx_staged)"
    [ "$(counter "$json" tx_staged)" -gt 0 ] && [ "$(counter "$json" rx_staged)" -gt 0 ] ||
        { WHY="no packet went through the staging slots"; return 1; }
    guest_report s1
}

# 2. netstage-back with the stock Linux xen-netfront: plain netif.
back_with_linux_front() {
    local json
    GUEST_NAME=s2
    guest s2 linux 10.78.0.12 || { WHY="xl create failed"; return 1; }
    traffic s2 10.78.0.12 || return 1
    show_keys "$GUEST_ID"
    if xenstore-read "/local/domain/$GUEST_ID/device/vif/0/queue-0/tx-data-ref" >/dev/null 2>&1; then
        WHY="xen-netfront cannot have written staging keys"; return 1
    fi
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
    guest s3 netstage 10.78.0.13 || { WHY="xl create failed"; return 1; }
    traffic s3 10.78.0.13 || return 1
    show_keys "$GUEST_ID"
    if xenstore-read "/local/domain/$GUEST_ID/device/vif/0/queue-0/tx-data-ref" >/dev/null 2>&1; then
        WHY="frontend offered staging to a backend without it"; return 1
    fi
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

setup_bridge
start_back
scenario 1 netstage-both-ends both_netstage
scenario 2 netstage-back-linux-netfront back_with_linux_front
scenario 3 linux-netback-netstage-front linux_back_with_front
after_linux_back
scenario 4 xl-config-settings xl_config_settings
scenario 5 destroy-detach-attach destroy_and_hotplug
stop_back
echo "@@XT summary failed=$failed"
[ "$failed" = 0 ]
