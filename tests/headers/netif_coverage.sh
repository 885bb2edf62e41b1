#!/bin/sh
# Checks that xen/include/public/io/netif.h covers Xen's netif.h: every
# macro Xen's header defines must also be defined by ours and be compared
# by the ABI test (an ABI_CONST entry in tests/unit/netif_abi_list.h).
# Values are compared by the ABI test itself; this only guards coverage,
# so a macro added to a future Xen header cannot be silently missed.
#
# usage: netif_coverage.sh <system netif.h> <our netif.h> <abi list> <cc>
set -eu
sys=$1 ours=$2 list=$3 cc=$4

if [ ! -r "$sys" ]; then
    echo "netif coverage: $sys not found (install libxen-dev: make deps)" >&2
    exit 1
fi

# Macros defined by our header (after preprocessing, so conditionals count).
ours_macros=$(printf '#include "%s"\n' "$ours" | $cc -dM -E -x c - |
              sed -n 's/^#define \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p')

# Macros Xen's netif.h defines in its own text (its include guard aside).
sys_macros=$(sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$sys" |
             grep -v '^__XEN_PUBLIC_IO_NETIF_H__$' | sort -u)

missing=0 total=0
for m in $sys_macros; do
    total=$((total + 1))
    if ! printf '%s\n' "$ours_macros" | grep -qx "$m"; then
        echo "netif coverage: $m is defined by $sys but not by $ours" >&2
        missing=$((missing + 1))
    fi
    if ! grep -q "ABI_CONST($m)" "$list"; then
        echo "netif coverage: $m is not compared by $list" >&2
        missing=$((missing + 1))
    fi
done
if [ "$total" -eq 0 ]; then
    echo "netif coverage: found no macros in $sys" >&2
    exit 1
fi
if [ "$missing" -ne 0 ]; then
    echo "netif coverage: $missing problem(s)" >&2
    exit 1
fi
echo "netif coverage: all $total macros of $sys are defined and compared"
