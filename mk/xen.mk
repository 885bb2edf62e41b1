# make test-xen [XEN_SCENARIOS="1 4"]: the scenarios on real Xen under QEMU
# (tests/xen/run.sh); all six by default.
test-xen: all
	@BUILD=$(BUILD) XEN_SCENARIOS="$(XEN_SCENARIOS)" tests/xen/run.sh

.PHONY: test-xen
