# Tests of the drivers' code on its own (backend/tx_parse.c, common/pktio.c,
# common/busy_poll.c, frontend/tx.c).  Included
# after mk/drivers.mk (and so after mk/fuzz.mk): it adds to FUZZ_TARGETS.
$(BUILD)/tests/unit/test_tx_parse: $(BUILD)/backend/tx_parse.o $(BUILD)/common/offload.o
# Numbers read from xenstore (links libxenstore for the file's other calls).
$(BUILD)/tests/unit/test_xs_parse: $(BUILD)/tests/unit/test_xs_parse.o $(BUILD)/common/xs_util.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA) $(XS_LIBS)
# The benchmark's frame source and sink.
$(BUILD)/tests/unit/test_pktio: $(BUILD)/common/pktio.o
# The queue thread's adaptive busy-poll window (its clock is in log.c).
$(BUILD)/tests/unit/test_busy_poll: $(BUILD)/common/busy_poll.o $(BUILD)/common/log.o
# The frontend's TX path against a backend played by the test (links the
# datapath's real objects, and so Xen's event channel library).
$(BUILD)/tests/unit/test_front_tx: $(BUILD)/tests/unit/test_front_tx.o $(BUILD)/frontend/tx.o \
                                   $(COMMON_DP_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA) $(XEN_LIBS)

# tx_parse reads the TX ring a guest writes.
$(BUILD)/fuzz/fuzz_tx_parse: tests/fuzz/fuzz_tx_parse.c backend/tx_parse.c common/offload.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_tx_parse
fuzz: $(BUILD)/fuzz/fuzz_tx_parse

# The staging data ring's records (common/data_ring.c); its prefetch hints
# read ns_cpu_prefetchw, set in common/prefetch.c.
$(BUILD)/tests/unit/test_data_ring: $(BUILD)/common/data_ring.o $(BUILD)/common/prefetch.o
# Its whole records and event indices (docs/netif-staging.md 8.7).
$(BUILD)/tests/unit/test_data_ring_whole: $(BUILD)/common/data_ring.o $(BUILD)/common/prefetch.o

# The consumer end of a data ring reads records a hostile peer writes.
# The producer's calls are inline in the header, so it is a prerequisite too.
$(BUILD)/fuzz/fuzz_data_ring: tests/fuzz/fuzz_data_ring.c common/data_ring.c common/prefetch.c \
                              common/data_ring.h common/prefetch.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^)

FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_data_ring
fuzz: $(BUILD)/fuzz/fuzz_data_ring
