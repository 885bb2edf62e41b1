/*
 * xensim-hv: the simulated host's hypervisor.
 *
 * One single-threaded event loop owns all hypervisor state: domains, their
 * event-channel port tables, grant allocation and revocation.  Library
 * handles in the domains' processes are connections (see hv_proto.h); a
 * closed connection is a closed device file, and everything it held is
 * released.  Grant mapping and copying happen inside the processes
 * themselves (mmap, pread, pwrite on the granting domain's memory file); the
 * daemon only sees them through the per-handle mapping records.
 */
#ifndef XENSIM_HV_H
#define XENSIM_HV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "xensim/hv_proto.h"
#include "xensim/simhost.h"
#include "xensim/include/xensim.h"

struct hv_conn {
    struct hv_conn *next;
    int fd;
    uint32_t id;
    uint32_t kind;        /* enum hv_handle_kind, 0 before HELLO */
    uint32_t domid;
    pid_t pid;
    struct sim_records *records;   /* HV_KIND_GNTTAB */
    int upcall_fd;                 /* HV_KIND_EVTCHN: pipe to the handle */
};

enum hv_port_state_internal { /* same values as enum xensim_port_state */
    PORT_FREE = XENSIM_PORT_FREE,
    PORT_UNBOUND = XENSIM_PORT_UNBOUND,
    PORT_INTERDOMAIN = XENSIM_PORT_INTERDOMAIN,
    PORT_VIRQ = XENSIM_PORT_VIRQ,
};

struct hv_port {
    uint8_t state;
    bool pending;
    bool masked;
    uint32_t remote_domid;
    uint32_t remote_port;
    uint32_t virq;
    struct hv_conn *owner;     /* NULL: nobody to deliver to (yet) */
};

enum hv_ref_state { REF_FREE = 0, REF_ACTIVE, REF_DEFERRED, REF_RESERVED };

struct hv_domain {
    uint32_t domid;
    bool dying;
    int mem_fd;
    uint64_t *gnttab;            /* shared grant table, SIM_NR_GRANTS words */
    uint8_t ref_state[SIM_NR_GRANTS];
    uint32_t ref_owner[SIM_NR_GRANTS];   /* conn id of the sharing handle */
    uint32_t nr_deferred;
    uint32_t *free_frames;       /* stack of freed frames */
    uint32_t nr_free_frames;
    uint32_t next_frame;         /* frames never used start here */
    struct hv_port ports[SIM_NR_PORTS];
};

struct hv {
    const char *host;
    const char *lib;             /* libxensim.so, preloaded into xenstored */
    int listen_fd;
    int epfd;
    uint32_t next_conn_id;
    uint32_t next_domid;
    struct hv_conn *conns;
    struct hv_domain *doms[XENSIM_MAX_DOMAINS];
    pid_t xenstored_pid;
    bool stopping;
};

/* hv_domains.c */
struct hv_domain *hv_domain_get(struct hv *hv, uint32_t domid);  /* NULL if absent */
int hv_domain_create(struct hv *hv, uint32_t domid);
void hv_domain_kill(struct hv *hv, uint32_t domid, pid_t spare_pid);
void hv_domains_reap(struct hv *hv);     /* call after hv_grant_retry_deferred */
bool hv_domains_busy(struct hv *hv);   /* anything waiting for a retry */

/* hv_grants.c */
int hv_grant_share(struct hv *hv, struct hv_conn *c, uint32_t remote, uint32_t count,
                   bool writable, uint32_t *refs, uint32_t *frames);
int hv_grant_unshare(struct hv *hv, struct hv_conn *c, const uint32_t *refs, uint32_t count);
void hv_grant_revoke_conn(struct hv *hv, struct hv_conn *c);
void hv_grant_revoke_all(struct hv *hv, struct hv_domain *d);
void hv_grant_retry_deferred(struct hv *hv);
uint32_t hv_grant_in_use(struct hv *hv, uint32_t granter, uint32_t ref);
void hv_grant_usage(struct hv *hv, uint32_t domid, struct xensim_domain_usage *u);

/* hv_evtchn.c */
int hv_evtchn_bind_unbound(struct hv *hv, struct hv_conn *c, uint32_t remote);
int hv_evtchn_bind_interdomain(struct hv *hv, struct hv_conn *c, uint32_t rdom, uint32_t rport);
int hv_evtchn_bind_virq(struct hv *hv, struct hv_conn *c, uint32_t virq);
int hv_evtchn_alloc_unbound(struct hv *hv, uint32_t domid, uint32_t remote);
int hv_evtchn_unbind(struct hv *hv, struct hv_conn *c, uint32_t port);
void hv_evtchn_notify(struct hv *hv, struct hv_conn *c, uint32_t port);
void hv_evtchn_unmask(struct hv *hv, struct hv_conn *c, uint32_t port);
void hv_evtchn_close_conn(struct hv *hv, struct hv_conn *c);
void hv_evtchn_close_domain(struct hv *hv, struct hv_domain *d);
void hv_evtchn_raise_virq(struct hv *hv, uint32_t domid, uint32_t virq);

/* hv_main.c */
void hv_conn_close(struct hv *hv, struct hv_conn *c);

/* hv_toolstack.c: xenstored and the xenstore side of domain lifecycle */
int hv_toolstack_start(struct hv *hv, int ready_fd);
void hv_toolstack_domain_gone(uint32_t domid);
void hv_toolstack_stop(struct hv *hv);

void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
