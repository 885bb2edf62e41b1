#!/bin/bash
# Runs every test binary given on the command line and ends with the line
# "N passed, M failed" (N and M count cmocka test cases).
#
# Binaries under tests/sim/ need a simulated Xen host: each gets a fresh
# host of its own (so runs never share state) and runs as Domain-0 on it.
# Scripts (*.sh, the end-to-end tests under tests/e2e/) run with bash from
# the repository root with BUILD in the environment; they make their own
# hosts and print cmocka's summary lines.
set -u
BUILD=$1; shift
NETSTAGE="$BUILD/bin/netstage"
export NETSTAGE   # simulator tests create guests with it
passed=0
failed=0
failed_bins=()

if [ "${SANITIZE:-0}" = 1 ]; then
    # An LD_PRELOADed, sanitized libxensim needs the sanitizer runtimes
    # loaded before it; the launcher puts these first.
    XENSIM_PRELOAD_EXTRA="$(${CC:-gcc} -print-file-name=libasan.so) $(${CC:-gcc} -print-file-name=libubsan.so)"
    export XENSIM_PRELOAD_EXTRA
fi

run_one() {
    local bin=$1 out rc host
    case "$bin" in
    *.sh)
        # --foreground: Ctrl-C reaches the script, whose traps clean up.
        out=$(BUILD="$BUILD" timeout --foreground 900 bash "$bin" 2>&1)
        rc=$?
        ;;
    */sim/*)
        host=$(mktemp -d /dev/shm/netstage-test.XXXXXX)
        if ! "$NETSTAGE" sim up --host "$host" >"$host.up.log" 2>&1; then
            cat "$host.up.log"
            rm -rf "$host" "$host.up.log"
            echo "[  FAILED  ] 1 test(s), listed below:"
            return 1
        fi
        out=$(timeout 300 "$NETSTAGE" sim exec --host "$host" Domain-0 -- "$bin" 2>&1)
        rc=$?
        "$NETSTAGE" sim down --host "$host" >/dev/null 2>&1 || { echo "sim down failed for $host"; rc=1; }
        rm -rf "$host" "$host.up.log"
        ;;
    *)
        out=$(timeout 300 "$bin" 2>&1)
        rc=$?
        ;;
    esac
    printf '%s\n' "$out"
    return $rc
}

for bin in "$@"; do
    echo "=== $bin"
    out=$(run_one "$bin")
    rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' | awk '{s+=$1} END {print s+0}')
    # A binary that crashed or exited non-zero without reporting a failure
    # still counts as one failure.
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "no test ran in $bin"; fi
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -eq 0 ] || failed_bins+=("$bin")
done

for b in "${failed_bins[@]}"; do echo "FAILED: $b"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
