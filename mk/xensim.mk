# The simulator: libxensim.so (the Xen library stand-in, preloaded into
# programs at launch), xensim-hv (the hypervisor daemon) and xensim-domain
# (a simulated guest's kernel).
include mk/relay.mk

XENSIM_LIB_SRCS := xensim/simhost.c xensim/lib/sim_conn.c xensim/lib/sim_domview.c \
                   xensim/lib/sim_gnttab.c xensim/lib/sim_gntshr.c xensim/lib/sim_evtchn.c \
                   xensim/lib/sim_ctrl.c xensim/lib/sim_procxen.c xensim/lib/sim_api.c \
                   xensim/lib/sim_member.c
# The simulator's own API, linked into its launcher and guest kernel.
XENSIM_API_OBJS := $(addprefix $(BUILD)/,xensim/simhost.o xensim/lib/sim_conn.o \
                   xensim/lib/sim_api.o)
XENSIM_HV_SRCS := xensim/hv/hv_main.c xensim/hv/hv_domains.c xensim/hv/hv_grants.c \
                  xensim/hv/hv_evtchn.c xensim/hv/hv_toolstack.c xensim/simhost.c

$(BUILD)/xensim/libxensim.so: $(XENSIM_LIB_SRCS:%.c=$(BUILD)/pic/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libxensim.so -Wl,-z,defs -o $@ $^ -ldl

# Only the API in xensim.h and the Xen library functions are exported.
$(BUILD)/pic/xensim/%.o: ALL_CFLAGS += -fvisibility=hidden

$(BUILD)/xensim/xensim-hv: $(XENSIM_HV_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XS_LIBS)

# The guest kernel links the simulation statically: it is part of it.
$(BUILD)/xensim/xensim-domain: $(BUILD)/xensim/domain/xensim_domain.o $(RELAY_OBJS) \
		$(XENSIM_API_OBJS) $(BUILD)/xensim/lib/sim_evtchn.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

LIBRARIES += $(BUILD)/xensim/libxensim.so
PROGRAMS  += $(BUILD)/xensim/xensim-hv $(BUILD)/xensim/xensim-domain
