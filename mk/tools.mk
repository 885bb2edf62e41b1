# The netstage command-line tool.
NETSTAGE_CLI_SRCS := tools/netstage/main.c tools/netstage/sim_cmd.c tools/netstage/sim_toolstack.c

$(BUILD)/bin/netstage: $(NETSTAGE_CLI_SRCS:%.c=$(BUILD)/%.o) $(XENSIM_API_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XS_LIBS)

PROGRAMS += $(BUILD)/bin/netstage
