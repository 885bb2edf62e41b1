#!/bin/bash
# Build the two boot images of the Xen harness from Debian packages and the
# netstage build in $BUILD (default build/release):
#
#   $XEN_LAB/dom0.cpio      dom0's whole root, run from RAM: debootstrap
#                           minbase + $DOM0_PKGS, the Xen modules, netstage
#                           installed by `make install`, tests/xen/ as /init
#                           and its scenario scripts, the guest kernel and
#                           the guest image
#   $XEN_LAB/domu.cpio.gz   a guest's initramfs: busybox, the xen and tun
#                           modules, netstage-front, socat and xenstore-*
#                           with the shared libraries they link (taken from
#                           dom0's root, i.e. Debian's own)
#
# The debootstrap and the package install are cached (keyed by $DOM0_PKGS);
# the rest is rebuilt every run (a few seconds).  FRESH=1 drops the cache.
. "$(dirname "$0")/lab.sh"
need_root
t0=$(now)
BUILD=${BUILD:-build/release}
KVER=$(cat "$XEN_LAB/kmod/kver")
BASE="$XEN_LAB/rootfs-base"
PKGS="$XEN_LAB/rootfs-pkgs"
R="$XEN_LAB/dom0-root"
U="$XEN_LAB/domu-root"
export DEBIAN_FRONTEND=noninteractive

[ "${FRESH:-0}" = 1 ] && rm -rf "$BASE" "$PKGS" "$PKGS.stamp"
if [ ! -x "$BASE/bin/sh" ]; then
    m=$(apt_mirror)
    [ -n "$m" ] || { echo "no Debian archive found in /etc/apt/sources.list.d" >&2; exit 1; }
    rm -rf "$BASE"
    say "debootstrap minbase bookworm"
    debootstrap --variant=minbase bookworm "$BASE" "$m" 2>&1 | hide_hosts >"$XEN_LAB/debootstrap.log" ||
        { tail -20 "$XEN_LAB/debootstrap.log" >&2; exit 1; }
    # Nothing in the image names the archive.
    rm -rf "$BASE"/var/lib/apt/lists/* "$BASE"/var/cache/apt/* "$BASE/etc/apt/sources.list" \
           "$BASE/var/log/bootstrap.log"
fi

if [ "$(cat "$PKGS.stamp" 2>/dev/null)" != "$DOM0_PKGS" ]; then
    say "dom0 packages: $DOM0_PKGS"
    rm -rf "$PKGS" "$PKGS.stamp"
    cp -a "$BASE" "$PKGS"
    cp /etc/apt/sources.list.d/*.sources "$PKGS/etc/apt/sources.list.d/"
    # No service may start inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$PKGS/usr/sbin/policy-rc.d"
    chmod +x "$PKGS/usr/sbin/policy-rc.d"
    chroot "$PKGS" sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $DOM0_PKGS" \
        2>&1 | hide_hosts >"$XEN_LAB/dom0-apt.log" || { tail -20 "$XEN_LAB/dom0-apt.log" >&2; exit 1; }
    rm -f "$PKGS/usr/sbin/policy-rc.d" "$PKGS"/etc/apt/sources.list.d/*.sources
    # Trim what a RAM root does not need (python3 serves only pygrub).
    rm -rf "$PKGS"/var/cache/apt/* "$PKGS"/var/lib/apt/lists/* "$PKGS"/usr/share/doc/* \
           "$PKGS"/usr/share/man/* "$PKGS"/usr/share/info/* "$PKGS"/usr/share/locale/* \
           "$PKGS"/usr/lib/udev/hwdb.d "$PKGS"/usr/lib/xen-4.17/boot "$PKGS"/usr/lib/python3* \
           "$PKGS"/usr/bin/python3* "$PKGS"/usr/lib/x86_64-linux-gnu/gconv "$PKGS"/var/log/apt/*
    echo "$DOM0_PKGS" >"$PKGS.stamp"
fi

rm -rf "$R" "$U"
cp -a "$PKGS" "$R"

# Kernel modules, with depmod so modprobe resolves bridge -> stp -> llc.
mkdir -p "$R/usr/lib/modules/$KVER"
cp -a "$XEN_LAB/kmod/." "$R/usr/lib/modules/$KVER/"
chroot "$R" depmod "$KVER"

# netstage, installed the way an operator installs it.
make -s --no-print-directory -C "$TOP" install BUILD="$BUILD" DESTDIR="$R" PREFIX=/usr/local >/dev/null

# The test scripts: /init, the scenarios and the guest configurations.
install -m 0755 "$TOP/tests/xen/dom0-init.sh" "$R/init"
mkdir -p "$R/etc/netstage-xen"
cp "$TOP"/tests/xen/scenarios.sh "$TOP"/tests/xen/lib.sh "$TOP"/tests/xen/*.cfg "$R/etc/netstage-xen/"
mkdir -p "$R/boot" "$R/var/log/xen/console" "$R/var/lib/xen"
cp "$XEN_LAB/boot/vmlinux.gz" "$R/boot/"
echo dom0 >"$R/etc/hostname"
# xenconsoled keeps every guest's console in /var/log/xen/console/guest-NAME.log.
echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' >>"$R/etc/default/xen"

# The guest: busybox, modules (none of them has dependencies), programs.
mkdir -p "$U/bin" "$U/lib/modules" "$U/etc"
cp "$R/bin/busybox" "$U/bin/"
for m in drivers/net/xen-netfront.ko drivers/net/tun.ko drivers/xen/xen-evtchn.ko \
         drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko; do
    cp "$XEN_LAB/kmod/kernel/$m" "$U/lib/modules/"
done
mkdir -p "$U/usr/local/bin" "$U/etc/init.d" "$U/etc/default"
for b in /usr/local/bin/netstage-front /usr/local/bin/netstage /usr/bin/socat \
         /usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls; do
    case $b in /usr/local/*) cp "$R$b" "$U$b" ;; *) cp "$R$b" "$U/bin/" ;; esac
    chroot "$R" ldd "$b" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' |
    while read -r lib; do
        mkdir -p "$U$(dirname "$lib")"
        cp -L "$R$lib" "$U$lib"
    done
done
# The daemons start from the SysV scripts `make install` wrote.
cp "$R/etc/init.d/netstage-front" "$U/etc/init.d/"
echo 'NETSTAGE_FRONT_ARGS="--verbose"' >"$U/etc/default/netstage-front"
echo 'NETSTAGE_BACK_ARGS="--verbose"' >"$R/etc/default/netstage-back"
install -m 0755 "$TOP/tests/xen/domu-init.sh" "$U/init"
( cd "$U" && find . | cpio -o -H newc --quiet | gzip -6 ) >"$R/boot/domu.cpio.gz"

( cd "$R" && find . | cpio -o -H newc --quiet ) >"$XEN_LAB/dom0.cpio"
say "images: dom0 $(du -h "$XEN_LAB/dom0.cpio" | cut -f1), guest $(du -h "$R/boot/domu.cpio.gz" | cut -f1), $(since "$t0") s"
