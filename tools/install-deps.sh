#!/bin/sh
# Install the Debian packages netstage builds, tests and runs with.
# Idempotent: quiet and quick when everything is already there.
set -eu
PACKAGES="gcc g++ clang make pkg-config libxen-dev xen-utils-4.17 xenstore-utils libcmocka-dev iproute2 procps iputils-ping socat iperf3 groff-base"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "netstage: installing Debian packages:$missing"
$SUDO apt-get update -qq
# xen-utils' post-install complains that there is no hypervisor; that is expected here.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
