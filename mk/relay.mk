# The guest xenstore relay (xensim/relay/): lets several libxenstore
# clients in one simulated guest share that domain's xenstore ring.
# xs_relay.o calls xenevtchn_*: whoever links it provides them (xensim-domain
# links the simulator's own; the relay unit test defines its own over pipes).
RELAY_OBJS := $(BUILD)/xensim/relay/xs_mux.o $(BUILD)/xensim/relay/xs_relay.o

$(BUILD)/tests/unit/test_xs_mux: $(BUILD)/xensim/relay/xs_mux.o
$(BUILD)/tests/unit/test_xs_relay: $(RELAY_OBJS)
