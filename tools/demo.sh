#!/bin/bash
# The main job until the datapath lands: bring up a simulated Xen host, create
# a guest the way libxl does, show the xenstore tree both sides see (with
# permissions), prove the guest's view is confined, and tear it all down.
set -euo pipefail
BUILD=${BUILD:-build/release}
NETSTAGE="$BUILD/bin/netstage"
HOST=$(mktemp -d /dev/shm/netstage-demo.XXXXXX)
rmdir "$HOST"            # `sim up` creates it and owns it
cleanup() { "$NETSTAGE" sim down --host "$HOST" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
sim() { "$NETSTAGE" sim "$1" --host "$HOST" "${@:2}"; }

step "netstage sim up: hypervisor daemon + Debian's xenstored + dom0"
sim up
step "netstage sim create demo-guest --vifs 1 (as libxl would)"
domid=$(sim create demo-guest --vifs 1)
echo "created demo-guest as domain $domid"
sim list
step "dom0's view: xenstore-ls -fp /local/domain (keys and permissions)"
sim exec Domain-0 -- xenstore-ls -fp /local/domain
step "the guest's view through its xenstore ring"
echo "guest reads its relative 'domid':  $(sim exec demo-guest -- xenstore-read domid)"
echo "guest reads its vif's backend:     $(sim exec demo-guest -- xenstore-read device/vif/0/backend)"
if sim exec demo-guest -- xenstore-write /local/domain/0/name evil 2>/dev/null; then
    echo "ERROR: the guest could write dom0's name" >&2
    exit 1
fi
echo "guest writing /local/domain/0/name: refused (EACCES), as on Xen"
step "netstage sim destroy demo-guest"
sim destroy demo-guest
sim list
step "netstage sim down"
sim down
trap - EXIT
