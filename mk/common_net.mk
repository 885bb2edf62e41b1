# The drivers' shared network edge (common/): TAP devices and the offload
# conversions between netif and virtio_net_hdr.  Included after mk/fuzz.mk:
# it adds to FUZZ_TARGETS, which that fragment sets.
COMMON_NET_OBJS := $(BUILD)/common/tap.o $(BUILD)/common/offload.o

$(BUILD)/tests/unit/test_offload: $(BUILD)/common/offload.o

# Tests that need the kernel's network stack (root; each makes a network
# namespace of its own).  They run directly, like unit tests.
NET_TEST_SRCS := $(wildcard tests/net/test_*.c)

$(BUILD)/tests/net/%: $(BUILD)/tests/net/%.o $(COMMON_NET_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA)

TEST_BINS += $(patsubst %.c,$(BUILD)/%,$(NET_TEST_SRCS))

# The header parse in offload_vnet_from_meta reads what a guest sent.
$(BUILD)/fuzz/fuzz_offload: tests/fuzz/fuzz_offload.c common/offload.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_offload
fuzz: $(BUILD)/fuzz/fuzz_offload
