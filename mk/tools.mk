# The netstage command-line tool.
NETSTAGE_CLI_SRCS := tools/netstage/main.c tools/netstage/sim_cmd.c tools/netstage/sim_toolstack.c \
                     tools/netstage/stat_cmd.c tools/netstage/stat_table.c \
                     tools/netstage/stat_json.c tools/netstage/config_cmd.c \
                     tools/netstage/bench_cmd.c \
                     tools/netstage/vif_settings.c common/stats.c common/xs_util.c

$(BUILD)/bin/netstage: $(NETSTAGE_CLI_SRCS:%.c=$(BUILD)/%.o) $(XENSIM_API_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XS_LIBS) $(XLU_LIBS)

PROGRAMS += $(BUILD)/bin/netstage

# The stats test also runs the CLI (order-only: not linked in).
$(BUILD)/tests/unit/test_stats: $(BUILD)/common/stats.o | $(BUILD)/bin/netstage

$(BUILD)/tests/unit/test_vif_settings: $(BUILD)/tools/netstage/vif_settings.o
