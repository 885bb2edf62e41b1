#!/bin/bash
# The xenstore scripts of tools/xenstore, on a simulated host:
#   create_show_remove  a guest without vifs gets one from netstage-vif-create
#                       (libxl's layout and permissions); both daemons connect
#                       and pass traffic; netstage-vif-show shows both ends
#                       and the staging keys; netstage-vif-remove closes it
#                       and the backend releases the vif
#   forced_removal      a connected vif removed at once (--force: frontend
#                       then backend directory, as libxl does when a guest
#                       dies), three times: the drivers, still reacting to
#                       the frontend's removal, must not write the backend
#                       directory back
#   guest_backend_key   a guest pointing its vif's "backend" key at another
#                       guest's backend directory: remove (run as dom0) still
#                       removes only its own vif, and show flags the key
#   refuses             a second create of the same vif, a missing domain and
#                       bad arguments are refused
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

XS_TOOLS=$PWD/tools/xenstore
as_dom0() { simnet_sim exec Domain-0 -- "$@"; }
# A node's permissions as xenstore-ls -p prints them.  Debian's xenstore-ls
# leaks what xs_get_permissions returns: under SANITIZE=1 the preloaded
# LeakSanitizer would fail it, so leak checking is off for that tool only.
xs_perms() { ASAN_OPTIONS=detect_leaks=0 simnet_xs ls -p "$1"; }

host_with_bare_guest() {
    simnet_up || { e2e_fail "the simulated host did not start"; return 1; }
    simnet_guest g1 --vifs 0 || { e2e_fail "guest g1 not created"; return 1; }
    DOMID=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
}

create_show_remove() {
    local out i
    host_with_bare_guest || return 1
    simnet_back
    simnet_front g1
    as_dom0 "$XS_TOOLS/netstage-vif-create" "$DOMID" 0 --mac 00:16:3e:4e:53:07 --bridge br0 \
        >/dev/null || { e2e_fail "create failed"; return 1; }
    [ "$(simnet_xs read "/local/domain/$DOMID/device/vif/0/mac")" = 00:16:3e:4e:53:07 ] ||
        e2e_fail "frontend mac not written"
    xs_perms "/local/domain/$DOMID/device/vif/0" | grep -q "n$DOMID,r0" ||
        e2e_fail "frontend directory is not the guest's, readable by dom0"
    xs_perms "/local/domain/0/backend/vif/$DOMID/0" | grep -q "n0,r$DOMID" ||
        e2e_fail "backend directory is not dom0's, readable by the guest"
    simnet_wait_connected g1 || { e2e_fail "vif did not connect"; return 1; }
    simnet_addr g1 2 || { e2e_fail "cannot configure g1's eth0"; return 1; }
    simnet_ping g1 10.77.0.1 || e2e_fail "ping g1 -> dom0"
    simnet_transfer d0 g1 10.77.0.2 $((1024 * 1024)) || e2e_fail "transfer dom0 -> g1"

    out=$(as_dom0 "$XS_TOOLS/netstage-vif-show" "$DOMID" 0)
    sed 's/^/    | /' <<<"$out"
    grep -q "frontend /local/domain/$DOMID/device/vif/0: 4 Connected" <<<"$out" ||
        e2e_fail "show: frontend not Connected"
    grep -q "backend  /local/domain/0/backend/vif/$DOMID/0: 4 Connected, hotplug connected" <<<"$out" ||
        e2e_fail "show: backend not Connected"
    # The frontend's default: a data ring with whole records both ways.
    grep -Eq "^  queue-0 .* 256 B, ring [0-9]+, whole +256 B, ring [0-9]+, whole$" <<<"$out" ||
        e2e_fail "show: queue-0's data ring with whole records missing"
    grep -Eq "^  staging slots +1 +slot length up to 4096" <<<"$out" || e2e_fail "show: staging offer missing"
    grep -Eq "^  staging data ring +1 +order up to [0-9]" <<<"$out" || e2e_fail "show: data ring offer missing"
    grep -Eq "^  data ring whole records +1" <<<"$out" || e2e_fail "show: whole record offer missing"

    REMOVE_ERR=$(as_dom0 "$XS_TOOLS/netstage-vif-remove" "$DOMID" 0 2>&1 >/dev/null) ||
        e2e_fail "remove failed: $REMOVE_ERR"
    for i in $(seq 1 50); do
        ip -n "$(simnet_ns d0)" link show "vif$DOMID.0" >/dev/null 2>&1 || break
        sleep 0.1
    done
    ip -n "$(simnet_ns d0)" link show "vif$DOMID.0" >/dev/null 2>&1 && e2e_fail "vif$DOMID.0 remains"
    simnet_xs read "/local/domain/0/backend/vif/$DOMID/0/state" >/dev/null 2>&1 &&
        e2e_fail "backend directory remains"
    for i in $(seq 1 50); do
        grep -q "vif$DOMID.0: removed" "$SIMNET_LOGS/back.log" && break
        sleep 0.1
    done
    grep -q "vif$DOMID.0: removed" "$SIMNET_LOGS/back.log" || e2e_fail "backend did not release the vif"
    grep -q "did not close" <<<"$REMOVE_ERR" && e2e_fail "the backend did not reach Closed for the toolstack"
    [ "$E2E_CASE_FAILED" = 0 ]
}


forced_removal() {
    local round i be
    host_with_bare_guest || return 1
    simnet_back
    simnet_front g1
    be=/local/domain/0/backend/vif/$DOMID/0
    for round in 1 2 3; do
        as_dom0 "$XS_TOOLS/netstage-vif-create" "$DOMID" 0 --bridge br0 >/dev/null ||
            { e2e_fail "create failed (round $round)"; return 1; }
        simnet_wait_connected g1 || { e2e_fail "vif did not connect (round $round)"; return 1; }
        as_dom0 "$XS_TOOLS/netstage-vif-remove" "$DOMID" 0 --force >/dev/null ||
            e2e_fail "forced remove failed"
        for i in $(seq 1 50); do
            ip -n "$(simnet_ns d0)" link show "vif$DOMID.0" >/dev/null 2>&1 || break
            sleep 0.1
        done
        sleep 0.5
        if simnet_xs ls "$be" >/dev/null 2>&1; then
            e2e_fail "round $round: $be was written back after its removal: $(simnet_xs ls "$be" | tr '\n' ' ')"
            return 1
        fi
        ip -n "$(simnet_ns d0)" link show "vif$DOMID.0" >/dev/null 2>&1 &&
            { e2e_fail "round $round: vif$DOMID.0 remains"; return 1; }
    done
    [ "$E2E_CASE_FAILED" = 0 ]
}

guest_backend_key() {
    local d2 be2 out
    host_with_bare_guest || return 1
    simnet_guest g2 --vifs 1 --mac 00:16:3e:4e:53:02 || { e2e_fail "guest g2 not created"; return 1; }
    d2=$(simnet_sim list | awk '$1 == "g2" { print $2 }')
    be2=/local/domain/0/backend/vif/$d2/0
    as_dom0 "$XS_TOOLS/netstage-vif-create" "$DOMID" 0 --bridge br0 >/dev/null || e2e_fail "create failed"
    simnet_sim exec g1 -- xenstore-write device/vif/0/backend "$be2" ||
        { e2e_fail "g1 cannot write its frontend directory"; return 1; }
    out=$(as_dom0 "$XS_TOOLS/netstage-vif-show" "$DOMID" 0)
    grep -q "warning: the frontend's backend key says $be2" <<<"$out" || e2e_fail "show did not flag the key"
    grep -q "backend  /local/domain/0/backend/vif/$DOMID/0:" <<<"$out" || e2e_fail "show followed the key"
    as_dom0 "$XS_TOOLS/netstage-vif-remove" "$DOMID" 0 --force >/dev/null || e2e_fail "remove failed"
    simnet_xs read "$be2/frontend" >/dev/null 2>&1 || e2e_fail "removing g1's vif removed g2's backend directory"
    simnet_xs read "/local/domain/0/backend/vif/$DOMID/0/frontend" >/dev/null 2>&1 &&
        e2e_fail "g1's own backend directory remains"
    [ "$E2E_CASE_FAILED" = 0 ]
}

refuses() {
    host_with_bare_guest || return 1
    as_dom0 "$XS_TOOLS/netstage-vif-create" "$DOMID" 0 --bridge br0 >/dev/null || e2e_fail "create failed"
    e2e_refused "vif $DOMID.0 exists" as_dom0 "$XS_TOOLS/netstage-vif-create" "$DOMID" 0
    e2e_refused "no domain 77" as_dom0 "$XS_TOOLS/netstage-vif-create" 77 0
    e2e_refused "'x' is not a number" as_dom0 "$XS_TOOLS/netstage-vif-create" x 0
    e2e_refused "has no frontend or backend directory" as_dom0 "$XS_TOOLS/netstage-vif-remove" "$DOMID" 5
    as_dom0 "$XS_TOOLS/netstage-vif-remove" "$DOMID" 0 --force >/dev/null || e2e_fail "forced remove failed"
    [ "$E2E_CASE_FAILED" = 0 ]
}


e2e_case create_show_remove e2e_with_teardown create_show_remove </dev/null
e2e_case forced_removal e2e_with_teardown forced_removal </dev/null
e2e_case guest_backend_key e2e_with_teardown guest_backend_key </dev/null
e2e_case refuses e2e_with_teardown refuses </dev/null
e2e_summary
