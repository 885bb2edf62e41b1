# make test-xen: the scenarios on real Xen under QEMU (tests/xen/run.sh).
test-xen: all
	@BUILD=$(BUILD) tests/xen/run.sh

.PHONY: test-xen
