/*
 * xs_wire.h - the xenstore wire protocol, as netstage's relay sees it.
 *
 * Our own spelling of an ABI fixed by Xen: message type numbers, the
 * message header and the shared ring page a guest uses to talk to
 * xenstored.  Every name carries the xsw_/XSW_ prefix so this header can
 * sit next to <xen/io/xs_wire.h> in one translation unit;
 * tests/unit/test_xs_wire.c checks each value and offset against it.
 *
 * Message framing (both on the unix socket and on the ring):
 *
 *   0        4        8        12       16
 *   +--------+--------+--------+--------+---------------------------+
 *   |  type  | req_id | tx_id  |  len   | payload, len <= 4096 bytes |
 *   +--------+--------+--------+--------+---------------------------+
 *
 * All four header fields are host-endian uint32.  req_id is echoed in the
 * reply; tx_id is 0 outside a transaction.  Payloads are usually one or
 * more NUL-terminated strings.  Errors come back as type XSW_ERROR with the
 * errno name as payload, e.g. "ENOENT\0".  Watch events are unsolicited
 * XSW_WATCH_EVENT messages carrying "path\0token\0".
 */
#ifndef NETSTAGE_XS_WIRE_H
#define NETSTAGE_XS_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Message types.  The numbers are the ABI; 20 is retired and unused. */
enum xsw_type {
    XSW_CONTROL              = 0,
    XSW_DEBUG                = 0,  /* older name of XSW_CONTROL */
    XSW_DIRECTORY            = 1,
    XSW_READ                 = 2,
    XSW_GET_PERMS            = 3,
    XSW_WATCH                = 4,
    XSW_UNWATCH              = 5,
    XSW_TRANSACTION_START    = 6,
    XSW_TRANSACTION_END      = 7,
    XSW_INTRODUCE            = 8,
    XSW_RELEASE              = 9,
    XSW_GET_DOMAIN_PATH      = 10,
    XSW_WRITE                = 11,
    XSW_MKDIR                = 12,
    XSW_RM                   = 13,
    XSW_SET_PERMS            = 14,
    XSW_WATCH_EVENT          = 15,
    XSW_ERROR                = 16,
    XSW_IS_DOMAIN_INTRODUCED = 17,
    XSW_RESUME               = 18,
    XSW_SET_TARGET           = 19,
    XSW_RESET_WATCHES        = 21,
    XSW_DIRECTORY_PART       = 22,
    XSW_TYPE_COUNT           = 23,      /* one past the last type */
    XSW_INVALID              = 0xffff   /* never a valid type */
};

/* The 16-byte header in front of every message. */
struct xsw_msg_hdr {
    uint32_t type;    /* enum xsw_type */
    uint32_t req_id;  /* chosen by the requester, echoed in the reply */
    uint32_t tx_id;   /* transaction id, 0 for none */
    uint32_t len;     /* payload bytes that follow, <= XSW_PAYLOAD_MAX */
};

#define XSW_HDR_SIZE        16u
#define XSW_PAYLOAD_MAX     4096u
#define XSW_MSG_MAX         (XSW_HDR_SIZE + XSW_PAYLOAD_MAX)

/* Path length limits enforced by xenstored (errors, not violations). */
#define XSW_ABS_PATH_MAX    3072u
#define XSW_REL_PATH_MAX    2048u

/*
 * The xenstore ring page (one 4096-byte page per guest):
 *
 *   offset    size  field
 *   0         1024  req[]            guest -> xenstored byte stream
 *   1024      1024  rsp[]            xenstored -> guest byte stream
 *   2048      4     req_cons         advanced by xenstored
 *   2052      4     req_prod         advanced by the guest
 *   2056      4     rsp_cons         advanced by the guest
 *   2060      4     rsp_prod         advanced by xenstored
 *   2064      4     server_features  XSW_FEATURE_* bits, set by xenstored
 *   2068      4     connection       XSW_CONNECTED / XSW_RECONNECT
 *   2072      4     error            XSW_ERROR_*, set by xenstored
 *
 * Indexes run freely over 32 bits; a byte lives at XSW_RING_MASK(index).
 * prod - cons (unsigned) is the number of bytes in flight and can never
 * exceed XSW_RING_SIZE on a sane ring.
 */
#define XSW_RING_SIZE       1024u
#define XSW_RING_MASK(idx)  ((idx) & (XSW_RING_SIZE - 1u))

struct xsw_ring_page {
    char     req[XSW_RING_SIZE];
    char     rsp[XSW_RING_SIZE];
    uint32_t req_cons;
    uint32_t req_prod;
    uint32_t rsp_cons;
    uint32_t rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
};

/* server_features bits */
#define XSW_FEATURE_RECONNECTION  1u
#define XSW_FEATURE_ERROR         2u

/* connection values */
#define XSW_CONNECTED             0u
#define XSW_RECONNECT             1u

/* error values */
#define XSW_ERROR_NONE            0u
#define XSW_ERROR_COMM            1u
#define XSW_ERROR_RINGIDX         2u
#define XSW_ERROR_PROTO           3u

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct xsw_msg_hdr) == XSW_HDR_SIZE,
               "xenstore message header is 16 bytes");
_Static_assert(offsetof(struct xsw_ring_page, req_cons) == 2048,
               "ring indexes follow the two 1024-byte rings");
_Static_assert(offsetof(struct xsw_ring_page, error) == 2072,
               "error is the last field of the ring page");
#endif

#endif /* NETSTAGE_XS_WIRE_H */
