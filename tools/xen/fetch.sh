#!/bin/bash
# Fetch the Xen hypervisor and the Debian kernel as files (apt-get download,
# dpkg -x): nothing is installed on this machine's /boot.
#
#   $XEN_LAB/boot/xen          multiboot hypervisor image (QEMU -kernel)
#   $XEN_LAB/boot/vmlinux      the kernel as a plain ELF, for dom0
#   $XEN_LAB/boot/vmlinux.gz   the same, gzip'd, for guests: libxc inflates
#                              gzip in seconds where xz costs ~6 s under TCG
#   $XEN_LAB/kmod/             the module trees the images use
. "$(dirname "$0")/lab.sh"
need_root
t0=$(now)
mkdir -p "$XEN_LAB/debs" "$XEN_LAB/boot"
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in $HOST_PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing host packages:$missing"
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } 2>&1 |
        hide_hosts >"$XEN_LAB/host-apt.log"
fi

kernel_pkg() { apt-cache depends "$KERNEL_META" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
KPKG=$(kernel_pkg)
if [ -z "$KPKG" ]; then
    apt-get update -qq 2>&1 | hide_hosts >/dev/null
    KPKG=$(kernel_pkg)
fi
[ -n "$KPKG" ] || { echo "cannot resolve $KERNEL_META to a kernel package" >&2; exit 1; }
KVER=${KPKG#linux-image-}

if [ -s "$XEN_LAB/boot/stamp" ] && [ "$(cat "$XEN_LAB/boot/stamp")" = "$KPKG $XEN_HV_PKG" ]; then
    say "fetch: cached ($KPKG)"
    exit 0
fi
( cd "$XEN_LAB/debs" && rm -f ./*.deb &&
  apt-get download -q "$XEN_HV_PKG" "$KPKG" 2>&1 | hide_hosts >"$XEN_LAB/download.log" )

x="$XEN_LAB/x"
rm -rf "$x" "$XEN_LAB/kmod"
mkdir -p "$x"
dpkg -x "$XEN_LAB"/debs/"$XEN_HV_PKG"_*.deb "$x"
m="./lib/modules/$KVER"
pats=("./boot/*" "$m/modules.*")
for p in $KMOD_PATHS; do
    case $p in *.ko) pats+=("$m/kernel/$p") ;; *) pats+=("$m/kernel/$p/*") ;; esac
done
dpkg-deb --fsys-tarfile "$XEN_LAB"/debs/"$KPKG"_*.deb | tar -x -C "$x" --wildcards "${pats[@]}"
mv "$x/lib/modules/$KVER" "$XEN_LAB/kmod"
echo "$KVER" >"$XEN_LAB/kmod/kver"

gzip -dc "$x"/boot/xen-4.17-amd64.gz >"$XEN_LAB/boot/xen"
# The bzImage carries the kernel as xz: cut from the xz magic and inflate.
bz="$x/boot/vmlinuz-$KVER"
off=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$bz" | head -1 | cut -d: -f1)
tail -c +$((off + 1)) "$bz" | xz -dc --single-stream >"$XEN_LAB/boot/vmlinux" 2>/dev/null || true
file "$XEN_LAB/boot/vmlinux" | grep -q 'ELF 64-bit' || { echo "no ELF kernel in $bz" >&2; exit 1; }
gzip -6 -c "$XEN_LAB/boot/vmlinux" >"$XEN_LAB/boot/vmlinux.gz"
rm -rf "$x"
echo "$KPKG $XEN_HV_PKG" >"$XEN_LAB/boot/stamp"
say "fetch: $KPKG and $XEN_HV_PKG in $(since "$t0") s"
