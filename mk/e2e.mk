# End-to-end tests (tests/e2e/): bash scripts that start a simulated host
# with network namespaces (tools/lib/simnet.sh), run netstage-back and
# netstage-front on it and push real traffic through them.
#
# The scripts are listed in TEST_BINS as they are (source files, not built):
# tests/run-tests.sh runs every *.sh entry with bash, from the repository
# root, with BUILD in the environment.  They have no rule, so make takes
# them as existing sources; `all` still builds everything they run first,
# framecheck included (a PROGRAM, so it is built before any test runs).
E2E_SCRIPTS := $(wildcard tests/e2e/test_*.sh)

# Exact-size frames sent and checked with AF_PACKET (tests/e2e/test_frames.sh).
$(BUILD)/tests/e2e/framecheck: $(BUILD)/tests/e2e/framecheck.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

PROGRAMS  += $(BUILD)/tests/e2e/framecheck
TEST_BINS += $(E2E_SCRIPTS)
