/*
 * xs_relay.h - a simulated guest's xenstore device for many clients.
 *
 * Plays the part of the guest kernel's xenbus driver and its
 * /dev/xen/xenbus file: unmodified libxenstore programs in the guest
 * connect to a unix socket (XENSTORED_PATH points at it) and speak the
 * normal xenstore wire protocol; the relay carries their requests over the
 * domain's one xenstore ring page and event channel, so xenstored treats
 * them as that domain, permissions and quotas included.  Request ids,
 * transaction ownership and watch tokens are multiplexed by xs_mux.h,
 * which also lists the errors a client can get from the relay itself.
 *
 * Fixed limits: a client's unsent output may reach XS_RELAY_OUT_MAX
 * bytes, after which it is disconnected; requests waiting for ring space
 * beyond XS_RELAY_QUEUE_SOFT bytes pause reading from clients and
 * accepting new ones.  A client connecting when max_clients are already
 * connected is accepted and closed at once.
 */
#ifndef NETSTAGE_XS_RELAY_H
#define NETSTAGE_XS_RELAY_H

#include <xenevtchn.h>

#define XS_RELAY_OUT_MAX     (256u * 1024u)
#define XS_RELAY_QUEUE_SOFT  (64u * 1024u)

struct xs_relay_config {
    void *ring;               /* the domain's mapped 4096-byte xenstore page */
    xenevtchn_handle *xce;    /* event channel handle */
    evtchn_port_t port;       /* local port, already bound to xenstored's end */
    int listen_fd;            /* bound + listening AF_UNIX SOCK_STREAM socket;
                                 the relay makes it non-blocking */
    int stop_fd;              /* when readable, return 0 */
    unsigned max_clients;     /* 1 .. XS_MUX_MAX_CLIENTS */
};

/*
 * Serve until stop_fd becomes readable (returns 0) or a fatal error
 * (returns -1 with errno): EINVAL bad config, EPROTO the ring broke its
 * rules (index distance above 1024, message longer than 4096, error field
 * set by xenstored), ENOBUFS queue bound exceeded, or the errno of a failed
 * poll/accept/event-channel call.  Logs to stderr.  Closes the client
 * connections it accepted; leaves the ring, the event channel, listen_fd
 * and stop_fd to the caller.
 */
int xs_relay_serve(const struct xs_relay_config *cfg);

#endif /* NETSTAGE_XS_RELAY_H */
