#!/bin/bash
# make test-xen: netstage on the real Xen 4.17 hypervisor, booted under QEMU.
# Fetches Debian's hypervisor and kernel, builds the dom0 and guest images
# (cached in $XEN_LAB), boots once, lets dom0 run tests/xen/scenarios.sh
# and reads the results off the serial log.  Exit 0 only when every
# expected scenario printed PASS.  XEN_SCENARIOS="1 4" runs only those.
. "$(dirname "$0")/../../tools/xen/lab.sh"
need_root
BUILD=${BUILD:-build/release}
EXPECTED=${XEN_SCENARIOS:-1 2 3 4 5 6 7}
LOG="$XEN_LAB/serial.log"
t0=$(now)

"$TOP/tools/xen/fetch.sh"
BUILD=$BUILD "$TOP/tools/xen/images.sh"
say "booting Xen (serial log: $LOG)"
# QEMU splits -initrd at commas: the list goes as 1:2:3.
set +e
XEN_DOM0_ARGS="netstage.scenarios=${EXPECTED// /:}" \
    "$TOP/tools/xen/boot.sh" "$LOG" "${XEN_TIMEOUT:-1800}"
rc=$?
set -e

grep -E '@@XT (PASS|FAIL|done|summary|bench-xen)' "$LOG" | cut -c8- || true
bad=0
for n in $EXPECTED; do
    if ! grep -q "@@XT PASS $n " "$LOG"; then
        say "scenario $n did not pass"
        bad=1
    fi
done
if [ "$bad" != 0 ] || [ "$rc" != 0 ] || ! grep -q '@@XT done' "$LOG"; then
    say "FAILED (QEMU status $rc); the serial log follows"
    cat "$LOG"
    exit 1
fi
say "all scenarios passed in $(since "$t0") s"
