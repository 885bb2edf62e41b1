#!/bin/bash
# Per-vif settings from an xl domain config (netstage config check|apply):
#   slot_len_and_queues  netstage_vif slot-len-max=128,queues=1 applied while
#                        the backend waits in InitWait: it re-advertises, the
#                        frontend connects with one queue of 128-byte slots
#   staging_off          staging=off for one vif: no staging offered or used
#   config_errors        a misspelt option is named with file and line; a bad
#                        value, more entries than vifs and an unknown domain
#                        are refused; nothing is written
#   hostile_backend_key  the guest points its vif's "backend" key at another
#                        guest's backend directory, at dom0's own tree, at a
#                        non-canonical spelling of its own and at a backend
#                        in its own domain: apply refuses each, writes nowhere
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

CFG_DIR=$(mktemp -d /tmp/netstage-config.XXXXXX)
trap 'rm -rf "$CFG_DIR"; e2e_bg_kill; simnet_down' EXIT

write_cfg() { # write_cfg NAME NETSTAGE_VIF_ENTRY: an xl config for guest NAME
    cat >"$CFG_DIR/$1.cfg" <<CFG
name = "$1"
type = "pv"
memory = 256
vif = [ 'mac=00:16:3e:4e:53:01,bridge=br0' ]
netstage_vif = [ '$2' ]
CFG
}

be_key() { simnet_xs read "/local/domain/0/backend/vif/$DOMID/0/$1" 2>/dev/null; }

# A host with guest g1 and the backend waiting for its frontend.
host_in_initwait() {
    simnet_up || { e2e_fail "the simulated host did not start"; return 1; }
    simnet_guest g1 --vifs 1 --mac 00:16:3e:4e:53:01 || { e2e_fail "guest g1 not created"; return 1; }
    DOMID=$(simnet_sim list | awk '$1 == "g1" { print $2 }')
    simnet_back --queues 2
    for _ in $(seq 1 100); do [ "$(be_key state)" = 2 ] && break; sleep 0.05; done
    [ "$(be_key state)" = 2 ] || { e2e_fail "backend did not reach InitWait"; return 1; }
}

apply() { simnet_sim exec Domain-0 -- "$SIMNET_BIN/netstage" config apply "$CFG_DIR/$1.cfg"; }

connect_and_pass_traffic() {
    simnet_front g1
    simnet_wait_connected g1 || { e2e_fail "vif of g1 did not connect"; return 1; }
    simnet_addr g1 2 || { e2e_fail "cannot configure g1's eth0"; return 1; }
    simnet_ping g1 10.77.0.1 || e2e_fail "ping g1 -> dom0"
    simnet_transfer d0 g1 10.77.0.2 $((1024 * 1024)) || e2e_fail "transfer dom0 -> g1"
    simnet_transfer g1 d0 10.77.0.1 $((1024 * 1024)) || e2e_fail "transfer g1 -> dom0"
}

slot_len_and_queues() {
    local st
    host_in_initwait || return 1
    write_cfg g1 'slot-len-max=128,queues=1'
    apply g1 || e2e_fail "apply failed"
    for _ in $(seq 1 100); do [ "$(be_key staging-slot-len-max)" = 128 ] && break; sleep 0.05; done
    [ "$(be_key staging-slot-len-max)" = 128 ] || e2e_fail "staging-slot-len-max is '$(be_key staging-slot-len-max)'"
    [ "$(be_key multi-queue-max-queues)" = 1 ] || e2e_fail "multi-queue-max-queues is '$(be_key multi-queue-max-queues)'"
    connect_and_pass_traffic || return 1
    st=$(e2e_stat "vif$DOMID.0")
    [ "$(e2e_queues "$st" back)" = q0 ] || e2e_fail "back queues: $(e2e_queues "$st" back)"
    [ "$(e2e_get "$st" back q0 tx_slot_len)" = 128 ] || e2e_fail "tx slot $(e2e_get "$st" back q0 tx_slot_len)"
    [ "$(e2e_sum "$st" back tx_staged)" -gt 0 ] || e2e_fail "nothing staged"
    [ "$E2E_CASE_FAILED" = 0 ]
}

staging_off() {
    local st
    host_in_initwait || return 1
    write_cfg g1 'staging=off'
    apply g1 || e2e_fail "apply failed"
    for _ in $(seq 1 100); do [ -z "$(be_key feature-staging-slots)" ] && break; sleep 0.05; done
    [ -z "$(be_key feature-staging-slots)" ] || e2e_fail "feature-staging-slots still offered"
    [ "$(be_key netstage-staging)" = 0 ] || e2e_fail "netstage-staging is '$(be_key netstage-staging)'"
    connect_and_pass_traffic || return 1
    st=$(e2e_stat "vif$DOMID.0")
    [ "$(e2e_sum "$st" back tx_packets)" -gt 0 ] || e2e_fail "no packets counted"
    [ "$(e2e_sum "$st" back tx_staged)" = 0 ] || e2e_fail "packets staged with staging off"
    [ "$E2E_CASE_FAILED" = 0 ]
}


config_errors() {
    local cli="$SIMNET_BIN/netstage"
    host_in_initwait || return 1
    write_cfg g1 'staging=on,queus=1'
    e2e_refused "g1.cfg:5: netstage_vif\[0\]: unknown option 'queus'" "$cli" config check "$CFG_DIR/g1.cfg"
    write_cfg g1 'slot-len-max=100'
    e2e_refused "bad value '100' for slot-len-max" "$cli" config check "$CFG_DIR/g1.cfg"
    write_cfg g1 'queues=1'
    sed -i "s/^netstage_vif.*/netstage_vif = [ 'queues=1', 'queues=2' ]/" "$CFG_DIR/g1.cfg"
    e2e_refused "netstage_vif has 2 entries but vif has 1" "$cli" config check "$CFG_DIR/g1.cfg"
    printf 'name = "g1"\nvif = [ oops\n' >"$CFG_DIR/g1.cfg"
    e2e_refused "not a valid xl domain config" "$cli" config check "$CFG_DIR/g1.cfg"
    write_cfg nosuch 'queues=1'
    e2e_refused "no running domain is named 'nosuch'" apply nosuch
    [ -z "$(be_key netstage-queues)" ] || e2e_fail "a refused config wrote netstage-queues"
    [ "$E2E_CASE_FAILED" = 0 ]
}


hostile_backend_key() {
    local d2 target
    host_in_initwait || return 1
    simnet_guest g2 --vifs 1 --mac 00:16:3e:4e:53:02 || { e2e_fail "guest g2 not created"; return 1; }
    d2=$(simnet_sim list | awk '$1 == "g2" { print $2 }')
    write_cfg g1 'queues=1'
    for target in "/local/domain/0/backend/vif/$d2/0" /local/domain/0/netstage-evil \
                  "/local/domain/0/backend/vif/$DOMID/00" \
                  "/local/domain/$DOMID/backend/vif/$DOMID/0"; do
        simnet_sim exec g1 -- xenstore-write device/vif/0/backend "$target" ||
            { e2e_fail "g1 cannot write its frontend directory"; return 1; }
        e2e_refused "nothing written" apply g1
        [ -z "$(simnet_xs read "$target/netstage-queues" 2>/dev/null)" ] ||
            e2e_fail "apply wrote into $target on the guest's word"
    done
    [ -z "$(be_key netstage-queues)" ] || e2e_fail "apply wrote into g1's real backend directory"
    [ "$E2E_CASE_FAILED" = 0 ]
}

e2e_case slot_len_and_queues e2e_with_teardown slot_len_and_queues </dev/null
e2e_case staging_off e2e_with_teardown staging_off </dev/null
e2e_case config_errors e2e_with_teardown config_errors </dev/null
e2e_case hostile_backend_key e2e_with_teardown hostile_backend_key </dev/null
e2e_summary
