/*
 * Messages between libxensim (in each simulated domain's processes) and the
 * host's hypervisor daemon, xensim-hv.
 *
 * Every library handle (gnttab, gntshr, evtchn, control) is one
 * SOCK_SEQPACKET connection to $XENSIM_HOST/hv.sock, the way a Xen handle is
 * one open of a /dev/xen device: when the process dies the kernel closes the
 * connection and the daemon releases everything the handle held.
 *
 * A request is one message: struct hv_msg, then op-specific payload.  Every
 * op except NOTIFY and UNMASK gets one reply with the same op and rc set.
 */
#ifndef XENSIM_HV_PROTO_H
#define XENSIM_HV_PROTO_H

#include <stdint.h>

#define HV_SOCKET_NAME "hv.sock"

enum hv_handle_kind {
    HV_KIND_CONTROL = 1,   /* toolstack, inspection */
    HV_KIND_GNTTAB  = 2,   /* passes its mapping-record memfd */
    HV_KIND_GNTSHR  = 3,
    HV_KIND_EVTCHN  = 4,   /* passes the write end of its upcall pipe */
    HV_KIND_ANCHOR  = 5,   /* a domain's kernel: the domain dies with it */
    HV_KIND_MEMBER  = 6,   /* one per process: the domain's death kills it */
};

enum hv_op {
    HV_OP_HELLO = 1,            /* a0 kind, a1 domid */
    HV_OP_EVTCHN_BIND_UNBOUND,  /* a0 remote domid -> a0 port */
    HV_OP_EVTCHN_BIND_INTERDOMAIN, /* a0 remote domid, a1 remote port -> a0 port */
    HV_OP_EVTCHN_BIND_VIRQ,     /* a0 virq -> a0 port */
    HV_OP_EVTCHN_UNBIND,        /* a0 port */
    HV_OP_EVTCHN_NOTIFY,        /* a0 port; no reply */
    HV_OP_EVTCHN_UNMASK,        /* a0 port; no reply */
    HV_OP_EVTCHN_STATUS,        /* a0 domid, a1 port -> a0 state, a1 rdom, a2 rport */
    HV_OP_GNTSHR_SHARE,         /* a0 remote domid, a1 count, a2 writable -> u32 refs[], u32 frames[] */
    HV_OP_GNTSHR_UNSHARE,       /* a1 count, u32 refs[] */
    HV_OP_GRANT_QUERY,          /* a0 granter, a1 ref -> a0 flags, a1 domid, a2 in_use */
    HV_OP_DOMAIN_CREATE,        /* -> a0 domid */
    HV_OP_DOMAIN_DESTROY,       /* a0 domid */
    HV_OP_DOMAIN_LIST,          /* a0 first domid, a1 max -> a0 count, struct hv_dominfo[] */
    HV_OP_DOMAIN_USAGE,         /* a0 domid -> a0..a5 as struct xensim_domain_usage */
    HV_OP_HOST_SHUTDOWN,
};

struct hv_msg {
    uint32_t op;
    int32_t  rc;          /* reply: 0 or a negative errno */
    uint32_t a[6];
};

struct hv_dominfo {
    uint32_t domid;
    uint32_t dying;
};

/* Largest single request or reply; SHARE of this many pages fits. */
#define HV_MAX_SHARE_PAGES 1024
#define HV_MSG_MAX (sizeof(struct hv_msg) + 2 * 4 * HV_MAX_SHARE_PAGES)

#endif
