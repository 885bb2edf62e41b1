# shellcheck shell=bash
# Helpers of the real-Xen scenarios (sourced by scenarios.sh in dom0).
# Every wait is bounded.
DOM0_IP=10.78.0.1
CON=/var/log/xen/console
BACK_LOG=/var/log/netstage-back.log   # the init script's
BACK_PID=""
failed=0

now() { cut -d' ' -f1 /proc/uptime; }
note() { echo "@@XT   $*"; }

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
    local limit=$1 i=0
    shift
    until "$@"; do
        i=$((i + 1))
        [ "$i" -ge $((limit * 2)) ] && return 1
        sleep 0.5
    done
}

# netstage-back runs from the SysV script `make install` wrote.
start_back() {
    /etc/init.d/netstage-back start || return 1
    BACK_PID=$(cat /run/netstage-back.pid)
    note "netstage-back started by its init script, pid $BACK_PID"
}

stop_back() {
    [ -n "$BACK_PID" ] || return 0
    /etc/init.d/netstage-back stop
    BACK_PID=""
}

# Grant mappings netstage-back holds (each is a /dev/xen/gntdev mapping).
gntdev_maps() { grep -c gntdev "/proc/$BACK_PID/maps" || true; }

back_alive() { [ -n "$BACK_PID" ] && kill -0 "$BACK_PID" 2>/dev/null; }

# guest NAME FRONT IP [VIF_EXTRA]: create a PV guest from a config made
# here, the way an operator writes one.
guest() {
    local name=$1 front=$2 ip=$3 extra=${4:-}
    cat >"/tmp/$name.cfg" <<CFG
name = "$name"
type = "pv"
kernel = "/boot/vmlinux.gz"
ramdisk = "/boot/domu.cpio.gz"
cmdline = "console=hvc0 rdinit=/init netstage.front=$front netstage.ip=$ip"
memory = 256
vcpus = 1
vif = [ 'mac=00:16:3e:4e:53:${ip##*.},bridge=xenbr0$extra' ]
on_poweroff = "destroy"
on_crash = "destroy"
CFG
    rm -f "$CON/guest-$name.log"
    timeout 300 xl create "/tmp/$name.cfg" || return 1
    GUEST_ID=$(xl domid "$name")
    note "guest $name is domain $GUEST_ID (front $front)"
}

console_has() { grep -q "$2" "$CON/guest-$1.log" 2>/dev/null; }
console_count() { grep -c "$2" "$CON/guest-$1.log" 2>/dev/null || true; }

# The guest answers pings once its vif carries an address.
guest_reachable() { ping -c 1 -W 2 "$1" >/dev/null 2>&1; }

# echo_check IP BYTES: send random bytes to the guest's echo service and
# compare what comes back (both directions through the vif).
echo_check() {
    local ip=$1 bytes=$2 t0 rc
    head -c "$bytes" /dev/urandom >/tmp/payload
    t0=$(now)
    timeout 300 socat -t 120 "TCP:$ip:5000,connect-timeout=10" - </tmp/payload >/tmp/echoed
    rc=$?
    if [ "$rc" = 0 ] && cmp -s /tmp/payload /tmp/echoed; then
        note "echo of $bytes bytes via $ip verified in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }') s"
        return 0
    fi
    note "echo of $bytes bytes via $ip: socat rc=$rc, got $(stat -c %s /tmp/echoed) bytes"
    return 1
}

# traffic NAME IP: pings both ways and a checked transfer.
traffic() {
    wait_for 90 guest_reachable "$2" || { WHY="guest $2 unreachable"; return 1; }
    ping -c 5 -i 0.3 -W 2 "$2" | tail -2
    wait_for 60 console_has "$1" "@@GUEST ping dom0" || { WHY="guest did not ping dom0"; return 1; }
    console_has "$1" "@@GUEST ping dom0 ok" || { WHY="guest's ping to dom0 failed"; return 1; }
    echo_check "$2" $((4 * 1024 * 1024)) || { WHY="echo transfer failed"; return 1; }
}

# guest_with_traffic NAME FRONT IP: create it, pass traffic, print the keys.
guest_with_traffic() {
    guest "$1" "$2" "$3" || { WHY="xl create failed"; return 1; }
    traffic "$1" "$3" || return 1
    show_keys "$GUEST_ID"
}

# The directory of DOMID's vif 0 that holds queue 0's keys (queue-0/, or
# the vif's own with one queue).
fe_queue0() {
    local d=/local/domain/$1/device/vif/0
    if xenstore-read "$d/queue-0/tx-ring-ref" >/dev/null 2>&1; then echo "$d/queue-0"; else echo "$d"; fi
}

# The frontend of DOMID's vif 0 shared staging memory on queue 0: a slot
# list (tx-data-ref) or a data ring (data-ring-ref).
fe_shares_staging() {
    local d
    d=$(fe_queue0 "$1")
    xenstore-read "$d/tx-data-ref" >/dev/null 2>&1 || xenstore-read "$d/data-ring-ref" >/dev/null 2>&1
}

# counter JSON NAME: a counter summed over the queues of `netstage stat --json`.
counter() { grep -o "\"$2\":[0-9]*" <<<"$1" | awk -F: '{ s += $2 } END { print s + 0 }'; }

show_keys() {
    local d=$1 devid=${2:-0}
    echo "----- backend /local/domain/0/backend/vif/$d/$devid"
    xenstore-ls "/local/domain/0/backend/vif/$d/$devid" 2>&1
    echo "----- frontend /local/domain/$d/device/vif/$devid"
    xenstore-ls "/local/domain/$d/device/vif/$devid" 2>&1
}

guest_report() {
    local name=$1 d
    d=$(xl domid "$name" 2>/dev/null) || return 0
    xenstore-write "/local/domain/$d/data/report" 1
    wait_for 10 console_has "$name" "@@GUEST report end"
}

destroy() { xl destroy "$1" 2>/dev/null; wait_for 30 bash -c "! xl domid $1 >/dev/null 2>&1"; }

# scenario N NAME FUNCTION
scenario() {
    local n=$1 name=$2 fn=$3 t0
    WHY="" GUEST_NAME=""
    t0=$(now)
    echo "@@XT begin $n $name"
    if "$fn"; then
        echo "@@XT PASS $n $name ($(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }') s)"
    else
        echo "@@XT FAIL $n $name: ${WHY:-see above}"
        failed=$((failed + 1))
        if [ -n "$GUEST_NAME" ]; then
            guest_report "$GUEST_NAME"
            echo "----- console of $GUEST_NAME"; cat "$CON/guest-$GUEST_NAME.log"
        fi
        echo "----- netstage-back log (tail)"; tail -40 "$BACK_LOG"
        echo "----- xl list"; xl list
    fi
    [ -n "$GUEST_NAME" ] && destroy "$GUEST_NAME"
    return 0
}

setup_bridge() {
    ip link add name xenbr0 type bridge stp_state 0 forward_delay 0
    ip addr add "$DOM0_IP/24" dev xenbr0
    ip link set xenbr0 up
    mkdir -p /run/netstage
}
