# libFuzzer targets for code that parses what a peer sends (clang).
#   make fuzz                 run each target for FUZZ_SECONDS
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -Wall -Wextra -Werror -I. -D_GNU_SOURCE
FUZZ_TARGETS := $(BUILD)/fuzz/fuzz_xs_mux

$(BUILD)/fuzz/fuzz_xs_mux: tests/fuzz/fuzz_xs_mux.c xensim/relay/xs_mux.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	    corpus=build/fuzz-corpus/$$(basename $$t); mkdir -p $$corpus; \
	    echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	    $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$corpus || exit 1; \
	done

.PHONY: fuzz
