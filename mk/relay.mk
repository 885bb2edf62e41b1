# The guest xenstore relay (xensim/relay/): lets several libxenstore
# clients in one simulated guest share that domain's xenstore ring.
# xs_relay.o calls xenevtchn_*: link the simulator's definitions (as
# xensim-domain does) or RELAY_LIBS.
RELAY_OBJS := $(BUILD)/xensim/relay/xs_mux.o $(BUILD)/xensim/relay/xs_relay.o
RELAY_LIBS  = $(shell $(PKG) --libs xenevtchn 2>/dev/null)

$(BUILD)/tests/unit/test_xs_mux: $(BUILD)/xensim/relay/xs_mux.o
$(BUILD)/tests/unit/test_xs_relay: $(RELAY_OBJS)
