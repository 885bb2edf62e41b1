# The two drivers.  They link Debian's Xen libraries; on a machine without
# Xen the simulator is put in front of them at launch (netstage sim exec).
COMMON_DP_OBJS := $(addprefix $(BUILD)/common/,log.o xs_util.o busy_poll.o dp_loop.o stats.o daemon.o fatal.o pktio.o \
                  tap_ctl.o prefetch.o data_ring.o) \
                  $(COMMON_NET_OBJS)

BACK_SRCS  := $(wildcard backend/*.c)
FRONT_SRCS := $(wildcard frontend/*.c)

$(BUILD)/bin/netstage-back: $(BACK_SRCS:%.c=$(BUILD)/%.o) $(COMMON_DP_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XEN_LIBS)

$(BUILD)/bin/netstage-front: $(FRONT_SRCS:%.c=$(BUILD)/%.o) $(COMMON_DP_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XEN_LIBS)

PROGRAMS += $(BUILD)/bin/netstage-back $(BUILD)/bin/netstage-front

# rx_parse reads what a backend put on the RX ring.
$(BUILD)/fuzz/fuzz_rx_parse: tests/fuzz/fuzz_rx_parse.c frontend/rx_parse.c common/offload.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_rx_parse
fuzz: $(BUILD)/fuzz/fuzz_rx_parse

# staging_list_check reads the data list a frontend shares at connect.
$(BUILD)/fuzz/fuzz_staging_list: tests/fuzz/fuzz_staging_list.c backend/staging_list.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_staging_list
fuzz: $(BUILD)/fuzz/fuzz_staging_list

# The benchmark's physical limit: a plain shared-memory ring (make bench).
$(BUILD)/bin/netstage-rawring: $(BUILD)/tools/bench/rawring.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

PROGRAMS += $(BUILD)/bin/netstage-rawring
