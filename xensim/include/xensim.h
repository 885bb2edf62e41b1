/*
 * xensim: the simulated Xen host's own API.
 *
 * The drivers never include this file: they call libxengnttab, libxenevtchn
 * and libxenstore, and the simulator stands in for the first two when a
 * program is launched with `netstage sim exec`.  This header is for the
 * simulator's launcher, its guest "kernel" and the tests, which need to do
 * what a toolstack or hypervisor debugger does: create and destroy domains,
 * and look at grant and event-channel state.
 *
 * Every call talks to the host's hypervisor daemon (xensim-hv) found through
 * the XENSIM_HOST environment variable or the host directory given.
 * Calls return 0 (or a count) on success and -1 with errno on failure.
 */
#ifndef XENSIM_H
#define XENSIM_H

#include <stdint.h>
#include <stddef.h>

#define XENSIM_ENV_HOST   "XENSIM_HOST"    /* host directory */
#define XENSIM_ENV_DOMID  "XENSIM_DOMID"   /* this process's domain */
#define XENSIM_MAX_DOMAINS 1024

struct xensim_domain_info {
    uint32_t domid;
    uint8_t  dying;     /* dead, resources still referenced by peers */
};

/* Toolstack side (dom0 only). */
int xensim_domain_create(const char *host, uint32_t *domid_out);
int xensim_domain_destroy(const char *host, uint32_t domid);
int xensim_domain_list(const char *host, struct xensim_domain_info *out, size_t max);
int xensim_host_shutdown(const char *host);

/* Guest kernel side: this domain's xenstore page (frame 0 of its memory). */
void *xensim_xenstore_page_map(const char *host, uint32_t domid);
void xensim_xenstore_page_unmap(void *page);

/*
 * Make this process a member of the domain in $XENSIM_DOMID, so that the
 * domain's death kills it.  libxensim does this by itself when a program
 * starts and in the child of every fork; call it again after changing
 * XENSIM_DOMID in a running process.
 */
int xensim_process_join(void);

/* Inspection, as a hypervisor debugger would see it. */
struct xensim_grant_state {
    uint16_t flags;      /* GTF_* of the entry (0 when not granted) */
    uint16_t domid;      /* domain the entry grants to */
    uint32_t in_use;     /* maps + copies holding it right now */
};
int xensim_grant_query(const char *host, uint32_t granter, uint32_t ref,
                       struct xensim_grant_state *out);

struct xensim_domain_usage {
    uint32_t grants_active;   /* entries this domain has granted */
    uint32_t grants_deferred; /* revoked while in use, waiting for release */
    uint32_t maps_held;       /* grants of other domains this domain has mapped */
    uint32_t foreign_maps;    /* mappings others hold of this domain's grants */
    uint32_t ports_bound;     /* event channels not free */
    uint32_t handles;         /* open gnttab/gntshr/evtchn handles */
};
int xensim_domain_usage(const char *host, uint32_t domid, struct xensim_domain_usage *out);

enum xensim_port_state {
    XENSIM_PORT_FREE = 0,
    XENSIM_PORT_UNBOUND = 1,
    XENSIM_PORT_INTERDOMAIN = 2,
    XENSIM_PORT_VIRQ = 3,
};
struct xensim_port_status {
    uint32_t state;          /* enum xensim_port_state */
    uint32_t remote_domid;   /* UNBOUND: who may bind; INTERDOMAIN: peer */
    uint32_t remote_port;    /* INTERDOMAIN only */
};
int xensim_evtchn_status(const char *host, uint32_t domid, uint32_t port,
                         struct xensim_port_status *out);

#endif
