# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: what a Xen
# operator deploys, in dom0 and in guests alike (each side starts only its
# own daemon).
#   $(PREFIX)/bin                 netstage, netstage-back, netstage-front and
#                                 the netstage-vif-* xenstore scripts
#   $(PREFIX)/lib/netstage        the simulator (`netstage sim` looks there) and
#                                 the benchmark (`netstage bench`: bench/, lib/,
#                                 netstage-rawring)
#   $(PREFIX)/lib/systemd/system  netstage-back.service, netstage-front.service
#   $(SYSCONFDIR)/init.d          SysV scripts netstage-back, netstage-front
#   $(SYSCONFDIR)/default         their options (kept if present)
#   $(PREFIX)/share/netstage      modprobe.d examples keeping the kernel's
#                                 netback/netfront off the vifs
#   $(PREFIX)/share/man           the manual pages
PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= /etc

INSTALL_BIN := netstage netstage-back netstage-front
INSTALL_SIM := xensim/libxensim.so xensim/xensim-hv xensim/xensim-domain
INSTALL_XS  := netstage-vif-show netstage-vif-create netstage-vif-remove
DEPLOY      := tools/deploy

# Generated from the templates: the daemon's name, its path, its ordering.
define deploy_subst
sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@NAME@|$(1)|g' -e 's|@NAME_VAR@|$(2)|g' \
    -e 's|@REQUIRES@|$(3)|g' -e 's|@BEFORE@|$(4)|g' -e 's|@SUMMARY@|$(5)|g'
endef

install: $(addprefix $(BUILD)/bin/,$(INSTALL_BIN)) $(addprefix $(BUILD)/,$(INSTALL_SIM)) \
         $(BUILD)/bin/netstage-rawring
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/netstage \
	    $(DESTDIR)$(PREFIX)/lib/netstage/bench $(DESTDIR)$(PREFIX)/lib/netstage/lib \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(SYSCONFDIR)/init.d \
	    $(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(PREFIX)/share/netstage \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(addprefix $(BUILD)/bin/,$(INSTALL_BIN)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(addprefix tools/xenstore/,$(INSTALL_XS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(addprefix $(BUILD)/,$(INSTALL_SIM)) $(BUILD)/bin/netstage-rawring \
	    $(DESTDIR)$(PREFIX)/lib/netstage/
	install -m 0755 tools/bench/bench.sh $(DESTDIR)$(PREFIX)/lib/netstage/bench/
	install -m 0644 tools/lib/simnet.sh $(DESTDIR)$(PREFIX)/lib/netstage/lib/
	$(call deploy_subst,netstage-back,NETSTAGE_BACK,xen,xendomains,netstage network backend for Xen guests) \
	    $(DEPLOY)/netstage.init.in >$(DESTDIR)$(SYSCONFDIR)/init.d/netstage-back
	$(call deploy_subst,netstage-front,NETSTAGE_FRONT,,networking,netstage network frontend of a Xen guest) \
	    $(DEPLOY)/netstage.init.in >$(DESTDIR)$(SYSCONFDIR)/init.d/netstage-front
	chmod 0755 $(DESTDIR)$(SYSCONFDIR)/init.d/netstage-back $(DESTDIR)$(SYSCONFDIR)/init.d/netstage-front
	for d in back front; do \
	    $(call deploy_subst) $(DEPLOY)/netstage-$$d.service.in \
	        >$(DESTDIR)$(PREFIX)/lib/systemd/system/netstage-$$d.service; \
	    [ -e $(DESTDIR)$(SYSCONFDIR)/default/netstage-$$d ] || \
	        install -m 0644 $(DEPLOY)/netstage-$$d.default $(DESTDIR)$(SYSCONFDIR)/default/netstage-$$d; \
	    install -m 0644 $(DEPLOY)/modprobe-netstage-$$d.conf $(DESTDIR)$(PREFIX)/share/netstage/; \
	done
	install -m 0644 docs/man/netstage.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/man/netstage-back.8 docs/man/netstage-front.8 docs/man/netstage-vif-show.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/
	for p in netstage-vif-create netstage-vif-remove; do \
	    echo '.so man8/netstage-vif-show.8' >$(DESTDIR)$(PREFIX)/share/man/man8/$$p.8; \
	done

.PHONY: install
