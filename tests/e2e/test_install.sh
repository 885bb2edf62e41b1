#!/bin/bash
# make install into a scratch prefix, as an operator would run it:
#   layout          every file in place; the programs run from there
#                   (netstage sim finds the simulator in ../lib/netstage,
#                   netstage bench its script and the raw ring there)
#   init_scripts    both SysV scripts parse, name their daemon and report
#                   "not running" with status 3; an /etc/default file the
#                   operator edited survives a reinstall
#   systemd_units   both units pass systemd-analyze verify, pointing at the
#                   installed programs (skipped, and said so, without systemd)
#   man_pages       every page formats without a groff warning
set -u
BUILD=${BUILD:-build/release}
. tests/e2e/lib.sh

DEST=$(mktemp -d /tmp/netstage-install.XXXXXX)
trap 'rm -rf "$DEST"; e2e_bg_kill; simnet_down' EXIT
P=$DEST/usr
ETC=$DEST/etc

install_into() {
    make -s --no-print-directory install BUILD="$BUILD" PREFIX="$P" SYSCONFDIR="$ETC" >/dev/null
}

layout() {
    local f
    install_into || { e2e_fail "make install failed"; return 1; }
    for f in bin/netstage bin/netstage-back bin/netstage-front bin/netstage-vif-show \
             bin/netstage-vif-create bin/netstage-vif-remove lib/netstage/libxensim.so \
             lib/netstage/xensim-hv lib/netstage/xensim-domain lib/netstage/netstage-rawring \
             lib/netstage/bench/bench.sh lib/netstage/lib/simnet.sh \
             lib/systemd/system/netstage-back.service lib/systemd/system/netstage-front.service \
             share/netstage/modprobe-netstage-back.conf share/netstage/modprobe-netstage-front.conf \
             share/man/man1/netstage.1 share/man/man8/netstage-back.8 \
             share/man/man8/netstage-front.8 share/man/man8/netstage-vif-show.8 \
             share/man/man8/netstage-vif-create.8 share/man/man8/netstage-vif-remove.8; do
        [ -e "$P/$f" ] || e2e_fail "missing $f"
    done
    for f in init.d/netstage-back init.d/netstage-front default/netstage-back default/netstage-front; do
        [ -e "$ETC/$f" ] || e2e_fail "missing /etc/$f"
    done
    "$P/bin/netstage-back" --help | grep -q "usage: netstage-back" || e2e_fail "netstage-back --help"
    "$P/bin/netstage-front" --help | grep -q "usage: netstage-front" || e2e_fail "netstage-front --help"
    "$P/bin/netstage" config --help | grep -q "netstage_vif" || e2e_fail "netstage config --help"
    # The installed tool finds the installed simulator.
    "$P/bin/netstage" sim up --host "$DEST/host" >/dev/null 2>&1 || e2e_fail "installed netstage sim up"
    "$P/bin/netstage" sim down --host "$DEST/host" >/dev/null 2>&1 || e2e_fail "installed netstage sim down"
    # The installed benchmark runs from anywhere: here its shortest configuration.
    (cd / && "$P/bin/netstage" bench --only '^raw') | grep -Eq '^raw +raw +64 +1 +[0-9.]+' ||
        e2e_fail "installed netstage bench --only '^raw' printed no raw-ring rate"
    [ "$E2E_CASE_FAILED" = 0 ]
}

init_scripts() {
    local d out rc
    for d in netstage-back netstage-front; do
        sh -n "$ETC/init.d/$d" || e2e_fail "$d: not valid sh"
        grep -q "^DAEMON=$P/bin/$d\$" "$ETC/init.d/$d" || e2e_fail "$d: DAEMON is not the installed program"
        grep -q "^# Provides: *$d\$" "$ETC/init.d/$d" || e2e_fail "$d: LSB header"
        out=$("$ETC/init.d/$d" status)
        rc=$?
        [ "$rc" = 3 ] && [ "$out" = "$d is not running" ] || e2e_fail "$d status: '$out' ($rc)"
    done
    grep -q '^# X-Start-Before: *xendomains$' "$ETC/init.d/netstage-back" ||
        e2e_fail "netstage-back does not start before xendomains"
    echo 'NETSTAGE_BACK_ARGS="--queues 4"' >"$ETC/default/netstage-back"
    install_into || e2e_fail "reinstall failed"
    grep -q -- '--queues 4' "$ETC/default/netstage-back" || e2e_fail "reinstall overwrote /etc/default/netstage-back"
    [ "$E2E_CASE_FAILED" = 0 ]
}

systemd_units() {
    local u
    if ! command -v systemd-analyze >/dev/null; then
        e2e_info "skipped: systemd-analyze is not installed"
        return 0
    fi
    for u in netstage-back netstage-front; do
        grep -q "^ExecStart=$P/bin/$u \\\$" "$P/lib/systemd/system/$u.service" ||
            e2e_fail "$u.service does not start the installed program"
        MANPATH=$P/share/man systemd-analyze verify "$P/lib/systemd/system/$u.service" 2>"$DEST/verify.err" ||
            { sed 's/^/    | /' "$DEST/verify.err"; e2e_fail "$u.service does not verify"; }
        # Units naming units this machine lacks (xen.service) are not errors.
        if grep -v "xen.*\.service\|sysinit.target" "$DEST/verify.err" | grep -q .; then
            sed 's/^/    | /' "$DEST/verify.err"
            e2e_fail "$u.service: systemd-analyze complained"
        fi
    done
    [ "$E2E_CASE_FAILED" = 0 ]
}

man_pages() {
    local m err
    for m in "$P"/share/man/man*/*; do
        grep -q '^\.so ' "$m" && continue
        err=$(groff -man -ww -z "$m" 2>&1)
        [ -z "$err" ] || e2e_fail "$(basename "$m"): $err"
    done
    [ "$E2E_CASE_FAILED" = 0 ]
}

e2e_case layout layout </dev/null
e2e_case init_scripts init_scripts </dev/null
e2e_case systemd_units systemd_units </dev/null
e2e_case man_pages man_pages </dev/null
e2e_summary
