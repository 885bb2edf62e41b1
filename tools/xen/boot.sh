#!/bin/bash
# Boot Xen + dom0 from the harness images under QEMU (TCG) without a
# console: the serial line (Xen's com1, dom0's hvc0 through Xen) goes to LOG,
# each line prefixed with seconds since QEMU started.  QEMU has no network
# device: dom0 and its guests only talk to each other.
#
# usage: boot.sh LOG [TIMEOUT_S]     exit status: QEMU's (124 on timeout)
#
# The settings that make a PV dom0 boot under TCG: -cpu qemu64 (with
# -cpu max the dom0 kernel faults in Xen at its first instructions),
# bootscrub=false and 2 GiB keep QEMU's memory near 1.6 GB, and dom0 gets
# the plain ELF kernel.
. "$(dirname "$0")/lab.sh"
LOG=$1
TIMEOUT=${2:-1500}
CPUS=${XEN_CPUS:-2}

xen_cmd="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=$CPUS \
loglvl=all guest_loglvl=all console_timestamps=boot bootscrub=false"
dom0_cmd="console=hvc0 earlyprintk=xen rdinit=/init ${XEN_DOM0_ARGS:-}"

t0=${EPOCHREALTIME/./}
set +e
timeout --kill-after=10 "$TIMEOUT" \
qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64 -smp "$CPUS" -m 2048 \
    -machine pc -nodefaults -vga none -display none -nic none -no-reboot \
    -monitor none -serial stdio \
    -kernel "$XEN_LAB/boot/xen" -append "$xen_cmd" \
    -initrd "$XEN_LAB/boot/vmlinux $dom0_cmd,$XEN_LAB/dom0.cpio" </dev/null 2>&1 |
while IFS= read -r line; do
    d=$(( (${EPOCHREALTIME/./} - t0) / 100000 ))
    printf '%5d.%d %s\n' $((d / 10)) $((d % 10)) "${line%$'\r'}"
done >"$LOG"
rc=${PIPESTATUS[0]}
say "QEMU exited with $rc after $(( (${EPOCHREALTIME/./} - t0) / 1000000 )) s"
exit "$rc"
