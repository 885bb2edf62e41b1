# Settings and helpers of the real-Xen harness (sourced by tools/xen/*.sh).
#
# Xen 4.17, a PV dom0 and PV guests boot under qemu-system-x86_64 with
# software emulation (TCG): this machine has no usable hardware
# virtualization.  Everything large lives in $XEN_LAB, outside the checkout,
# and is reused between runs.
set -eu
set -o pipefail

XEN_LAB=${XEN_LAB:-/var/tmp/netstage-xen}
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

XEN_HV_PKG=xen-hypervisor-4.17-amd64
KERNEL_META=linux-image-amd64
# Host tools the harness needs.
HOST_PKGS="qemu-system-x86 debootstrap busybox-static cpio xz-utils file"
# dom0's root: debootstrap minbase plus these.  xen-utils-4.17 brings xl,
# xenstored, the hotplug scripts and the libxen* netstage links against.
DOM0_PKGS="xen-utils-4.17 xenstore-utils iproute2 iputils-ping kmod procps busybox-static socat"
# Kernel module folders and files (below kernel/) copied out of the kernel
# package: the full tree is ~390 MB.
KMOD_PATHS="drivers/xen drivers/net/xen-netback drivers/net/xen-netfront.ko
 drivers/net/tun.ko net/bridge net/802 net/llc drivers/block/loop.ko"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '[xen %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The Debian archive this machine already uses, read from its apt sources at
# run time: no archive host name is written into the repository.
apt_mirror() {
    awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
}

# apt and debootstrap print archive URLs; logs kept by the harness get the
# host names replaced.
hide_hosts() {
    local args=() h
    for h in $(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' \
                   /etc/apt/sources.list.d/*.sources 2>/dev/null |
               sed -E 's#^[a-z]+://([^/]+).*#\1#' | sort -u); do
        args+=(-e "s#${h//./[.]}#ARCHIVE#g")
    done
    if [ ${#args[@]} -gt 0 ]; then sed "${args[@]}"; else cat; fi
}

need_root() {
    [ "$(id -u)" = 0 ] || { echo "the Xen harness needs root (debootstrap, chroot)" >&2; exit 1; }
}
