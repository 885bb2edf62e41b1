#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the harness's PV guests (a busybox initramfs).  The kernel
# command line, set by the domain config, says what to run:
#   netstage.front=netstage   netstage-front drives the vifs (TAP eth0)
#   netstage.front=linux      the stock xen-netfront module does
#   netstage.ip=A.B.C.D       the address given to eth0
# The guest then answers pings, echoes TCP on port 5000, pings dom0 once
# and prints its findings as "@@GUEST ..." lines on its console, which
# xenconsoled writes to a file dom0 reads.  dom0 may restart netstage-front
# with other options through data/front-args.  It never powers itself off:
# dom0 destroys it, as a test of its own.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^netstage\.$1=//p" | tail -1; }
FRONT=$(arg front)
IP=$(arg ip)
echo "@@GUEST boot front=$FRONT ip=$IP"

insmod /lib/modules/xen-evtchn.ko
insmod /lib/modules/xen-gntdev.ko
# netstage-front grants about 600 pages per queue; the module's default
# limit (1024 pages for the whole guest) would allow one queue only.
insmod /lib/modules/xen-gntalloc.ko limit=16384
insmod /lib/modules/tun.ko
case $FRONT in
linux)
    insmod /lib/modules/xen-netfront.ko ;;
netstage)
    mkdir -p /var/log
    /etc/init.d/netstage-front start ;;
*)
    echo "@@GUEST error: netstage.front must be netstage or linux" ;;
esac

socat TCP-LISTEN:5000,reuseaddr,fork SYSTEM:cat &

# A vif may come and go (xl network-detach / network-attach, with a new
# device id and so a new ethN): give each ethN its address when it appears
# without one, and report the first ping through it.
pinged=""
while :; do
    for dev in /sys/class/net/eth*; do
        [ -e "$dev" ] || continue
        dev=${dev##*/}
        ip -4 addr show dev "$dev" | grep -q inet && continue
        ip link set lo up
        ip addr add "$IP/24" dev "$dev"
        ip link set "$dev" up
        echo "@@GUEST $dev up ip=$IP uptime=$(cut -d' ' -f1 /proc/uptime)"
        pinged=""
    done
    if [ -z "$pinged" ] && ip -4 addr | grep -q "inet $IP/"; then
        if ping -c 3 -W 3 10.78.0.1 >/tmp/ping.out 2>&1; then
            echo "@@GUEST ping dom0 ok"
        else
            echo "@@GUEST ping dom0 failed"; cat /tmp/ping.out
        fi
        pinged=1
    fi
    # dom0 restarts netstage-front with other options (the benchmark) by
    # writing them to this key.
    args=$(xenstore-read data/front-args 2>/dev/null || true)
    if [ -n "$args" ] && [ "$args" != "${cur_args:-}" ] && [ "$FRONT" = netstage ]; then
        /etc/init.d/netstage-front stop
        echo "NETSTAGE_FRONT_ARGS=\"$args\"" >/etc/default/netstage-front
        /etc/init.d/netstage-front start
        cur_args=$args
        echo "@@GUEST netstage-front restarted with $args"
    fi
    # dom0 asks for the frontend's log and counters by writing this key.
    if [ "$(xenstore-read data/report 2>/dev/null)" = 1 ]; then
        xenstore-write data/report 0
        echo "@@GUEST report"
        [ "$FRONT" = netstage ] && { netstage stat; tail -20 /var/log/netstage-front.log; }
        echo "@@GUEST report end"
    fi
    sleep 1
done
