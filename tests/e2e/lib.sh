# shellcheck shell=bash
# Shared by the end-to-end tests (tests/e2e/test_*.sh), which run from the
# repository root with BUILD set (tests/run-tests.sh does both).  On top of
# tools/lib/simnet.sh:
#
#   e2e_case NAME FUNC [ARGS...]   one test case: "[ RUN      ] NAME", FUNC,
#                                  then "[       OK ] NAME" or "[  FAILED  ] NAME"
#   e2e_fail MESSAGE               inside a case: say why it fails (returns 1)
#   e2e_info MESSAGE               inside a case: an indented note
#   e2e_is_num STRING              true for a non-negative decimal integer
#   e2e_teardown                   stop the daemons, fail the case on an
#                                  unclean exit or a sanitizer report in their
#                                  logs, print the logs if this case or an
#                                  earlier one on the same host failed,
#                                  remove the host
#   e2e_summary                    cmocka's closing lines; its status is the
#                                  script's
#   e2e_with_teardown FUNC [ARGS]  FUNC, then e2e_teardown; fails if either does
#   e2e_refused PATTERN CMD...     inside a case: CMD must fail and say PATTERN
#                                  on stderr
#   e2e_stat VIF                   `netstage stat --json VIF` as lines
#                                  "ROLE QUEUE KEY VALUE" (QUEUE is q0, q1...,
#                                  or "-" for the vif's own fields)
#   e2e_get STAT ROLE QUEUE KEY    one value of such a snapshot ("" if absent)
#   e2e_sum STAT ROLE KEY          a counter summed over the queues
#   e2e_queues STAT ROLE           the queue names (q0 q1 ...)
#
# Cleanup is always done: an EXIT trap and INT/TERM traps call simnet_down.

. tools/lib/simnet.sh

E2E_PASSED=0
E2E_FAILED=()
E2E_CASE_FAILED=0
E2E_HOST_FAILED=0      # a case failed on the current host: print its logs at teardown
E2E_BG_PIDS=()
# What a sanitizer prints when it finds something (ASan, LSan, UBSan).
E2E_SAN_RE='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# Run on our own, a sanitized build needs the sanitizer runtimes loaded before
# the preloaded libxensim, as tests/run-tests.sh arranges under SANITIZE=1.
if [ -z "${XENSIM_PRELOAD_EXTRA+x}" ] && ldd "$BUILD/bin/netstage-back" 2>/dev/null | grep -q libasan; then
    XENSIM_PRELOAD_EXTRA="$(${CC:-gcc} -print-file-name=libasan.so) $(${CC:-gcc} -print-file-name=libubsan.so)"
    export XENSIM_PRELOAD_EXTRA
fi

e2e_now() { date +%s.%N; }
e2e_since() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.2f", b - a }'; }

e2e_info() { echo "    $*"; }

e2e_is_num() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

e2e_fail() {
    E2E_CASE_FAILED=1
    echo "    FAIL: $*"
    return 1
}

e2e_bg_kill() { # end the background helpers a case started (by PID)
    local pid
    for pid in "${E2E_BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    E2E_BG_PIDS=()
}

e2e_teardown() {
    local rc=0 f
    e2e_bg_kill
    [ -n "$SIMNET_HOST" ] || return 0
    if ! simnet_stop; then
        e2e_fail "a daemon did not exit cleanly (status above)" || true
        rc=1
    fi
    for f in "$SIMNET_LOGS"/*.log; do
        [ -e "$f" ] || continue
        if grep -qE "$E2E_SAN_RE" "$f"; then
            e2e_fail "sanitizer report in $(basename "$f")" || true
            rc=1
        fi
    done
    if [ "$E2E_CASE_FAILED" = 1 ] || [ "$E2E_HOST_FAILED" = 1 ]; then
        echo "    --- daemons' logs"
        simnet_logs 2>&1 | sed 's/^/    | /'
    fi
    simnet_down
    E2E_HOST_FAILED=0
    return $rc
}

e2e_case() {
    local name=$1 func=$2 t0
    shift 2
    E2E_CASE_FAILED=0
    t0=$(e2e_now)
    echo "[ RUN      ] $name"
    "$func" "$@" || E2E_CASE_FAILED=1
    e2e_info "($(e2e_since "$t0") s)"
    if [ "$E2E_CASE_FAILED" = 0 ]; then
        echo "[       OK ] $name"
        E2E_PASSED=$((E2E_PASSED + 1))
    else
        echo "[  FAILED  ] $name"
        E2E_FAILED+=("$name")
        [ -z "$SIMNET_HOST" ] || E2E_HOST_FAILED=1
    fi
}

e2e_summary() {
    local n
    echo "[==========] $((E2E_PASSED + ${#E2E_FAILED[@]})) test(s) run."
    echo "[  PASSED  ] $E2E_PASSED test(s)."
    if [ "${#E2E_FAILED[@]}" -gt 0 ]; then
        echo "[  FAILED  ] ${#E2E_FAILED[@]} test(s), listed below:"
        for n in "${E2E_FAILED[@]}"; do echo "[  FAILED  ] $n"; done
        return 1
    fi
    return 0
}

e2e_with_teardown() {
    local rc=0
    "$@" || rc=1
    e2e_teardown || rc=1
    return $rc
}

e2e_refused() {
    local pattern=$1 err
    shift
    if err=$("$@" 2>&1 >/dev/null); then
        e2e_fail "accepted: $*"
        return 1
    fi
    grep -q -- "$pattern" <<<"$err" || e2e_fail "message '$err' lacks '$pattern'"
}

e2e_interrupted() {
    echo "e2e: interrupted; cleaning up" >&2
    e2e_bg_kill
    simnet_down
    exit 130
}

trap 'e2e_bg_kill; simnet_down' EXIT
trap e2e_interrupted INT TERM

# The JSON of `netstage stat --json` (one line, fixed shape: see
# tools/netstage/stat_json.c) flattened without jq: strings hold no quotes
# or braces we rely on, numbers and booleans are bare words.
e2e_stat() {
    "$SIMNET_BIN/netstage" stat --json "$1" | awk '
    function pairs(text, role, q,    kv, k, v, c) {
        while (match(text, /"[a-z_]+":("[^"]*"|[a-z0-9]+)/)) {
            kv = substr(text, RSTART, RLENGTH)
            text = substr(text, RSTART + RLENGTH)
            c = index(kv, ":")
            k = substr(kv, 2, c - 3)
            v = substr(kv, c + 1)
            gsub(/"/, "", v)
            print role, q, k, v
        }
    }
    {
        nv = split($0, vifs, /\{"role":/)
        for (i = 2; i <= nv; i++) {
            v = vifs[i]
            match(v, /^"[^"]*"/)
            role = substr(v, 2, RLENGTH - 2)
            at = index(v, "\"queues\":[")
            pairs(substr(v, 1, at - 1), role, "-")
            nq = split(substr(v, at + 10), qs, /\{"tx_slot_len":/)
            for (j = 2; j <= nq; j++)
                pairs("\"tx_slot_len\":" qs[j], role, "q" (j - 2))
        }
    }'
}

e2e_get() {
    printf '%s\n' "$1" | awk -v r="$2" -v q="$3" -v k="$4" \
        '$1 == r && $2 == q && $3 == k { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }'
}

e2e_sum() {
    printf '%s\n' "$1" | awk -v r="$2" -v k="$3" \
        '$1 == r && $2 != "-" && $3 == k { s += $4 } END { printf "%.0f\n", s }'
}

e2e_queues() {
    printf '%s\n' "$1" | awk -v r="$2" '$1 == r && $2 != "-" && !seen[$2]++ { print $2 }'
}
