/*
 * xs_mux.h - share one xenstore connection among many clients.
 *
 * The pure bookkeeping half of the guest xenstore relay: no sockets, no
 * ring, no clock.  The I/O loop (xs_relay.c) feeds it whole messages and
 * it answers through two callbacks: a message to put on the ring, or a
 * message for one client.  Everything a client may name is checked here;
 * nothing from a client or from the ring can make it abort.
 *
 * What it does to the traffic:
 *
 *  - req_id: every request forwarded to the ring gets a relay-wide unique
 *    req_id; the reply is routed back by it and the client's own req_id is
 *    put back.  Replies come back in request order on one connection, but
 *    routing does not rely on that.
 *
 *  - tx_id: a transaction id belongs to the client whose
 *    TRANSACTION_START returned it.  Any request with a non-zero tx_id the
 *    client does not own is answered locally with XS_ERROR "ENOENT" (what
 *    xenstored says for an unknown transaction, and what Linux's
 *    xenbus_dev_frontend says).  TRANSACTION_END must carry "T" or "F"
 *    (else local "EINVAL"); any reply to a forwarded TRANSACTION_END
 *    releases the id, because xenstored consumes the transaction
 *    whether the commit succeeds or not.
 *
 *  - watches: in XS_WATCH / XS_UNWATCH ("path\0token\0") the token becomes
 *    "<client id in decimal>/<token>".  A watch event is delivered only to
 *    the client named by that prefix, and only if that client holds (or
 *    is registering) a watch with that token; its token is restored.
 *    Anything else is dropped.
 *
 *  - disconnect: xs_mux_client_drop() sends TRANSACTION_END "F" for each
 *    open transaction and XS_UNWATCH for each watch (unless the client
 *    already had one in flight for it); the replies are swallowed.  Replies
 *    to the dropped client's requests still in flight are swallowed too;
 *    if one of them created a transaction or a watch, it is undone then.
 *
 *  - refused locally (XS_ERROR reply, nothing sent to the ring):
 *      EINVAL  type XS_WATCH_EVENT, XS_ERROR, XS_RESET_WATCHES (it would
 *              remove every client's watches) or an unknown type; a
 *              WATCH/UNWATCH payload that is not exactly two strings;
 *              TRANSACTION_END without "T"/"F"
 *      ENOENT  tx_id not owned by this client
 *      E2BIG   the rewritten WATCH/UNWATCH would exceed 4096 bytes, or the
 *              client already has max_watches watches
 *      ENOSPC  the client already has max_transactions transactions
 *      EBUSY   the client has max_inflight requests in flight, or all
 *              clients together have max_clients * max_inflight
 *      ENOMEM  out of memory
 *    A local error may overtake replies still in flight for the same
 *    client (libxenstore waits for each reply, so it never sees this).
 *
 * Callbacks must not call back into the mux.
 */
#ifndef NETSTAGE_XS_MUX_H
#define NETSTAGE_XS_MUX_H

#include <stdint.h>

#include "xensim/relay/xs_wire.h"

#define XS_MUX_DEFAULT_INFLIGHT      64u
#define XS_MUX_DEFAULT_TRANSACTIONS  32u
#define XS_MUX_DEFAULT_WATCHES       128u
#define XS_MUX_MAX_CLIENTS           4096u   /* hard upper bound */
#define XS_MUX_MAX_PER_CLIENT        65536u  /* bound on each per-client limit */

struct xs_mux_limits {
    unsigned max_clients;       /* 1 .. XS_MUX_MAX_CLIENTS */
    unsigned max_inflight;      /* requests in flight per client */
    unsigned max_transactions;  /* open transactions per client */
    unsigned max_watches;       /* watches per client */
};

struct xs_mux_sink {
    /* Queue one message for the ring. */
    void (*to_ring)(void *ctx, const struct xsw_msg_hdr *hdr,
                    const void *payload);
    /* Queue one message for client `id`.  If the client cannot take it,
     * the callee marks the client and drops it after the mux call. */
    void (*to_client)(void *ctx, uint32_t id, const struct xsw_msg_hdr *hdr,
                      const void *payload);
    void *ctx;
};

struct xs_mux_stats {
    uint64_t forwarded;       /* client requests sent to the ring */
    uint64_t local_errors;    /* client requests answered locally */
    uint64_t replies;         /* ring replies delivered to a client */
    uint64_t events;          /* watch events delivered to a client */
    uint64_t cleanups;        /* requests generated for dropped clients */
    uint64_t swallowed;       /* ring replies nobody gets */
    uint64_t dropped_events;  /* events with a bad or unknown token */
    uint64_t unknown_replies; /* replies whose req_id is not in flight */
    uint64_t bad_replies;     /* malformed replies (then the client gets EIO) */
};

struct xs_mux;

/* Fill *lim with the defaults above and the given client count. */
void xs_mux_default_limits(struct xs_mux_limits *lim, unsigned max_clients);

/* NULL + errno (EINVAL for bad limits, ENOMEM). The sink is copied. */
struct xs_mux *xs_mux_create(const struct xs_mux_limits *lim,
                             const struct xs_mux_sink *sink);
void xs_mux_destroy(struct xs_mux *mux);

/* New client; *id is non-zero and not reused while anything refers to it.
 * -1 + ENOSPC when the table is full. */
int xs_mux_client_add(struct xs_mux *mux, uint32_t *id);

/* Forget a client, sending its cleanup requests.  -1 + ENOENT if unknown. */
int xs_mux_client_drop(struct xs_mux *mux, uint32_t id);

/*
 * One whole request from a client: `payload` holds hdr->len bytes.
 * 0: forwarded, or answered with a local XS_ERROR.
 * -1 + EMSGSIZE: hdr->len > XSW_PAYLOAD_MAX; the stream cannot be trusted,
 *    drop the client.   -1 + ENOENT: unknown client.
 */
int xs_mux_client_request(struct xs_mux *mux, uint32_t id,
                          const struct xsw_msg_hdr *hdr, const void *payload);

/* One whole message read from the ring (payload holds hdr->len bytes,
 * hdr->len <= XSW_PAYLOAD_MAX, else it is counted bad and ignored). */
void xs_mux_ring_message(struct xs_mux *mux, const struct xsw_msg_hdr *hdr,
                         const void *payload);

const struct xs_mux_stats *xs_mux_get_stats(const struct xs_mux *mux);
unsigned xs_mux_client_count(const struct xs_mux *mux);
/* Requests sent to the ring whose reply has not come back yet. */
unsigned xs_mux_in_flight(const struct xs_mux *mux);

#endif /* NETSTAGE_XS_MUX_H */
