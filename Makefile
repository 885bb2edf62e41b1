# netstage top-level build.
#   make                 build everything (warnings are errors)
#   make test            build and run every test; ends with "N passed, M failed"
#   make test SANITIZE=1 the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-headers   compile the wire header as C89, C99, C11 and C++
#   make deps            install the Debian packages the project needs
#   make demo            the main job: a simulated Xen host with a guest
#   make bench           the paravirtual path's packet rates (BENCH_ARGS=--long, --json)
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

CC       ?= gcc
CXX      ?= g++
PKG      ?= pkg-config
SANITIZE ?= 0

ifeq ($(SANITIZE),1)
BUILD      ?= build/san
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD      ?= build/release
SAN_FLAGS  :=
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -I. -pthread -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS) -pthread

XEN_LIBS   = $(shell $(PKG) --libs xengnttab xenevtchn xenstore xencontrol 2>/dev/null)
XS_LIBS    = $(shell $(PKG) --libs xenstore 2>/dev/null)
XLU_LIBS   = $(shell $(PKG) --libs xlutil 2>/dev/null)
CMOCKA     = $(shell $(PKG) --libs cmocka 2>/dev/null)

# Every makefile fragment adds its programs to these lists.
PROGRAMS  :=
LIBRARIES :=
TEST_BINS :=

include mk/xensim.mk
include mk/tools.mk
include $(wildcard mk/headers.mk)
include mk/tests.mk
include mk/fuzz.mk
include mk/common_net.mk
include mk/drivers.mk
include mk/sim_hostile.mk
include mk/drivers_tests.mk
include mk/e2e.mk
include mk/install.mk
include mk/xen.mk

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

all: $(LIBRARIES) $(PROGRAMS) $(TEST_BINS)

test: all check-headers
	@SANITIZE=$(SANITIZE) CC="$(CC)" tests/run-tests.sh $(BUILD) $(TEST_BINS)

deps:
	@tools/install-deps.sh

demo: all
	@BUILD=$(BUILD) tools/demo.sh

bench: all
	@BUILD=$(BUILD) tools/bench/bench.sh $(BENCH_ARGS)

clean:
	rm -rf build

.PHONY: all test deps demo bench clean check-headers

-include $(shell find build -name '*.d' 2>/dev/null)
