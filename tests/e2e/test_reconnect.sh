#!/bin/bash
# Either end going away and coming back, on one simulated host per case:
# the survivor must notice, release what it held, and connect again when
# the peer returns; traffic (ping and a checked transfer) must flow after.
#   backend_restart    netstage-back stopped with SIGTERM and started again
#   backend_killed     netstage-back SIGKILLed (its xenstore state stays
#                      Connected) and started again
#   frontend_killed    netstage-front SIGKILLed in the middle of a transfer,
#                      then started again (it closes the stale connection
#                      the backend still holds, then connects)
#   guest_destroyed    a guest destroyed while another guest's vif on the
#                      same backend passes traffic: its vif goes, the other
#                      keeps working
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

BYTES=$((4 * 1024 * 1024))

# The pid simnet started last, and forgetting one we stop ourselves.
last_pid() { echo "${SIMNET_PIDS[${#SIMNET_PIDS[@]} - 1]}"; }
forget_pid() {
    local keep=() p
    for p in "${SIMNET_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    SIMNET_PIDS=("${keep[@]}")
}
stop_pid() { # stop_pid PID SIGNAL: bounded wait for it to go
    kill "-$2" "$1" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    { wait "$1"; } 2>/dev/null    # no "Killed" job notice
    forget_pid "$1"
}

traffic() { # traffic GUEST ADDR: ping both ways and a checked transfer each way
    simnet_ping "$1" 10.77.0.1 || e2e_fail "ping $1 -> dom0"
    simnet_ping d0 "10.77.0.$2" || e2e_fail "ping dom0 -> $1"
    simnet_transfer "$1" d0 10.77.0.1 $BYTES || e2e_fail "transfer $1 -> dom0"
    simnet_transfer d0 "$1" "10.77.0.$2" $BYTES || e2e_fail "transfer dom0 -> $1"
}

host_with_guest() { # host_with_guest: host, g1, both daemons, traffic once
    simnet_up || { e2e_fail "the simulated host did not start"; return 1; }
    simnet_guest g1 --vifs 1 --mac 00:16:3e:4e:53:01 || { e2e_fail "guest g1 not created"; return 1; }
    simnet_back
    BACK_PID=$(last_pid)
    simnet_front g1
    FRONT_PID=$(last_pid)
    simnet_wait_connected g1 || { e2e_fail "vif of g1 did not connect"; return 1; }
    simnet_addr g1 2 || { e2e_fail "cannot configure g1's eth0"; return 1; }
    traffic g1 2
}

restart_backend() { # restart_backend SIGNAL
    host_with_guest || return 1
    stop_pid "$BACK_PID" "$1"
    simnet_back
    simnet_wait_connected g1 || { e2e_fail "no reconnection after the backend came back"; return 1; }
    traffic g1 2
    [ "$E2E_CASE_FAILED" = 0 ]
}

frontend_killed() {
    local sp domid st
    host_with_guest || return 1
    domid=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
    # A transfer in flight when the frontend dies.
    head -c $((64 * 1024 * 1024)) /dev/zero |
        ip netns exec "$(simnet_ns d0)" timeout 20 socat -u STDIN TCP:10.77.0.2:5301,retry=0 \
        >/dev/null 2>&1 &
    sp=$!
    ip netns exec "$(simnet_ns g1)" timeout 20 socat -u TCP-LISTEN:5301,reuseaddr /dev/null \
        >/dev/null 2>&1 &
    sleep 0.3
    stop_pid "$FRONT_PID" KILL
    # The domain lives on, so nothing tells the backend yet: its vif stays
    # Connected until the next frontend closes the old connection.
    kill -0 "$BACK_PID" 2>/dev/null || e2e_fail "netstage-back died with the frontend"
    st=$(simnet_xs read "/local/domain/0/backend/vif/$domid/0/state" 2>/dev/null)
    e2e_info "backend state after the frontend died: $st"
    kill "$sp" 2>/dev/null; { wait "$sp"; } 2>/dev/null
    simnet_front g1
    simnet_wait_connected g1 || { e2e_fail "no reconnection after the frontend came back"; return 1; }
    ip -n "$(simnet_ns g1)" addr flush dev eth0 2>/dev/null
    simnet_addr g1 2 || { e2e_fail "cannot configure g1's new eth0"; return 1; }
    traffic g1 2
    [ "$E2E_CASE_FAILED" = 0 ]
}

guest_destroyed() {
    local d1 i
    host_with_guest || return 1
    simnet_guest g2 --vifs 1 --mac 00:16:3e:4e:53:02 || { e2e_fail "guest g2 not created"; return 1; }
    simnet_front g2
    simnet_wait_connected g2 || { e2e_fail "vif of g2 did not connect"; return 1; }
    simnet_addr g2 3 || { e2e_fail "cannot configure g2's eth0"; return 1; }
    d1=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
    forget_pid "$FRONT_PID"      # it dies with its domain
    simnet_sim destroy g1 >/dev/null || e2e_fail "sim destroy g1"
    for i in $(seq 1 50); do
        ip -n "$(simnet_ns d0)" link show "vif$d1.0" >/dev/null 2>&1 || break
        sleep 0.1
    done
    ip -n "$(simnet_ns d0)" link show "vif$d1.0" >/dev/null 2>&1 &&
        e2e_fail "vif$d1.0 still exists after its guest was destroyed"
    kill -0 "$BACK_PID" 2>/dev/null || e2e_fail "netstage-back died with the guest"
    traffic g2 3
    [ "$E2E_CASE_FAILED" = 0 ]
}


e2e_case backend_restart e2e_with_teardown restart_backend TERM </dev/null
e2e_case backend_killed e2e_with_teardown restart_backend KILL </dev/null
e2e_case frontend_killed e2e_with_teardown frontend_killed </dev/null
e2e_case guest_destroyed e2e_with_teardown guest_destroyed </dev/null
e2e_summary
