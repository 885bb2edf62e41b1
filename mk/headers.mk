# The wire header and its checks.
#
#   make check-headers   compile xen/include/public/io/netif.h on its own
#                        as ISO C89, C99, C11 and C++ (-pedantic -Werror),
#                        and check that it covers every macro of Xen's
#                        netif.h (the values are compared by the ABI test)
#
# The ABI test (tests/unit/test_netif_abi.c) links two helper objects that
# describe our header and Xen's from one list; see netif_abi_list.h.

NETIF_H          := xen/include/public/io/netif.h
NETIF_H_CHECK    := tests/headers/netif_standalone.c
NETIF_H_SYSTEM   ?= /usr/include/xen/io/netif.h
NETIF_H_STRICT   := -Wall -Wextra -Werror
NETIF_H_OUT      := $(BUILD)/headers

$(NETIF_H_OUT)/netif-c89.o: $(NETIF_H_CHECK) $(NETIF_H)
	@mkdir -p $(dir $@)
	$(CC) -ansi -pedantic $(NETIF_H_STRICT) -I. -c -o $@ $<

$(NETIF_H_OUT)/netif-c99.o: $(NETIF_H_CHECK) $(NETIF_H)
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -pedantic $(NETIF_H_STRICT) -I. -c -o $@ $<

$(NETIF_H_OUT)/netif-c11.o: $(NETIF_H_CHECK) $(NETIF_H)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -pedantic $(NETIF_H_STRICT) -I. -c -o $@ $<

$(NETIF_H_OUT)/netif-cxx.o: $(NETIF_H_CHECK) $(NETIF_H)
	@mkdir -p $(dir $@)
	$(CXX) -x c++ -pedantic $(NETIF_H_STRICT) -I. -c -o $@ $<

$(NETIF_H_OUT)/netif-coverage.ok: tests/headers/netif_coverage.sh $(NETIF_H) \
                                  tests/unit/netif_abi_list.h
	@mkdir -p $(dir $@)
	tests/headers/netif_coverage.sh $(NETIF_H_SYSTEM) $(NETIF_H) \
	    tests/unit/netif_abi_list.h "$(CC)"
	@touch $@

check-headers: $(addprefix $(NETIF_H_OUT)/,netif-c89.o netif-c99.o netif-c11.o \
                                           netif-cxx.o netif-coverage.ok)
	@echo "check-headers: $(NETIF_H) compiles as C89, C99, C11 and C++"

# The ABI comparison test: our header and Xen's, described by the same list.
$(BUILD)/tests/unit/test_netif_abi: $(BUILD)/tests/unit/netif_abi_ours.o \
                                    $(BUILD)/tests/unit/netif_abi_system.o
