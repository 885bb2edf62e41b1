# make install [PREFIX=/usr/local] [DESTDIR=]: what a Xen operator deploys.
# The daemons and the netstage tool go to $(PREFIX)/bin; the simulator, which
# `netstage sim` looks for in ../lib/netstage, goes there.
PREFIX  ?= /usr/local
DESTDIR ?=

INSTALL_BIN := netstage netstage-back netstage-front
INSTALL_SIM := xensim/libxensim.so xensim/xensim-hv xensim/xensim-domain

install: $(addprefix $(BUILD)/bin/,$(INSTALL_BIN)) $(addprefix $(BUILD)/,$(INSTALL_SIM))
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/netstage
	install -m 0755 $(addprefix $(BUILD)/bin/,$(INSTALL_BIN)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(addprefix $(BUILD)/,$(INSTALL_SIM)) $(DESTDIR)$(PREFIX)/lib/netstage/

.PHONY: install
