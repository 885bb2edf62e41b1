# Test binaries: each tests/<layer>/test_*.c is one cmocka program.
# A fragment that needs more objects in a test adds them as prerequisites
# without a recipe, e.g.
#   $(BUILD)/tests/unit/test_foo: $(BUILD)/common/foo.o
TEST_SRCS := $(wildcard tests/unit/test_*.c tests/sim/test_*.c)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA)

# Simulator tests link Debian's real Xen libraries: the simulator is put in
# front of them at launch (LD_PRELOAD by `netstage sim exec`), never linked
# in, so they exercise the same switch the drivers use.
# They link the simulator's own API (xensim.h: create domains, inspect grants)
# the way the launcher does, and simkid (guest programs as forked children).
$(BUILD)/tests/sim/%: $(BUILD)/tests/sim/%.o $(BUILD)/tests/sim/simtest.o \
                      $(BUILD)/tests/sim/simkid.o $(XENSIM_API_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA) $(XEN_LIBS)

TEST_BINS += $(patsubst %.c,$(BUILD)/%,$(TEST_SRCS))
