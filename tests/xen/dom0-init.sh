#!/bin/sh
# PID 1 of the harness's dom0 (the whole root runs from RAM; no systemd).
# Mounts, loads the Xen modules (not xen-netback: netstage-back is dom0's
# network backend until a scenario loads it), starts Debian's xencommons
# (xenstored, xenconsoled), runs the scenarios and powers the machine off.
# The host reads the serial log: "@@XT ..." lines are the results.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /var/log/xen/console /var/lib/xen /tmp
hostname dom0
ip link set lo up
echo "@@XT dom0 up t=$(cut -d' ' -f1 /proc/uptime)"

modprobe -a xenfs xen-privcmd xen-evtchn xen-gntdev xen-gntalloc bridge tun
/etc/init.d/xen start
echo "@@XT xencommons up t=$(cut -d' ' -f1 /proc/uptime)"
xl info | grep -E '^(xen_version|nr_cpus|total_memory|free_memory|xen_caps)'

bash /etc/netstage-xen/scenarios.sh
echo "@@XT done rc=$? t=$(cut -d' ' -f1 /proc/uptime)"
sync
# Under Xen, dom0's power-off turns the machine off: QEMU exits.
busybox poweroff -f
sleep 30
busybox reboot -f
