# tests/sim/test_back_hostile: netstage-back against a hostile frontend.
# It drives frontends with rawfront (tests/sim/rawfront.c) and reads the
# backend's counters with common/stats.c.  Included after mk/drivers.mk.
$(BUILD)/tests/sim/test_back_hostile: $(BUILD)/tests/sim/rawfront.o $(BUILD)/common/stats.o
