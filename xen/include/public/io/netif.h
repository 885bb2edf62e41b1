/*
 * xen/include/public/io/netif.h -- netstage wire ABI.
 *
 * What this header is
 * ===================
 *
 * The shared-memory and xenstore interface between a Xen network frontend
 * (netstage-front, Linux xen-netfront, ...) and a network backend
 * (netstage-back, Linux xen-netback, ...).  It has three parts:
 *
 *   1. The standard netif protocol.  Every structure, field name and
 *      constant value below is byte-for-byte the one of Xen 4.17's public
 *      io/netif.h, so either netstage driver can talk to the stock Linux
 *      driver on the other side.  tests/unit/test_netif_abi.c compiles this
 *      header and the system one side by side and compares every size,
 *      offset and value.  The shared ring pages, which Xen generates with
 *      DEFINE_RING_TYPES() from io/ring.h, are spelled out here as explicit
 *      structures with the same names and the same layout.
 *
 *   2. The "staging grants" extension (netstage's own): per queue, the
 *      frontend grants once a set of fixed buffer slots; packet heads travel
 *      through those slots by memcpy instead of one grant operation per
 *      packet.
 *
 *   3. The data ring mode of that extension (a PVCalls-style byte ring that
 *      carries packet heads instead of fixed slots).
 *
 * docs/netif-staging.md is the AUTHORITATIVE specification of parts 2 and
 * 3.  The comments here summarise it; where they disagree, the document
 * wins and this header is the one to fix.
 *
 * Conventions
 * -----------
 *  - Every multi-octet field is in the native byte order of the machine
 *    (frontend and backend run on the same host); on x86 that is little
 *    endian.  Octet diagrams number octets from the start of the structure.
 *  - "Page" means a 4096-octet grant (XEN_NETIF_STAGING_PAGE_SIZE), the
 *    unit in which Xen grants memory, whatever the page size of either OS.
 *  - xenstore values are decimal strings unless stated otherwise.
 *  - In the examples, domain 5 is the guest running the frontend, domain 0
 *    runs the backend and the device is vif 0:
 *        frontend directory  /local/domain/5/device/vif/0/
 *        backend directory   /local/domain/0/backend/vif/5/0/
 *
 * Self-contained: needs only <stdint.h>; compiles as ISO C89, C99, C11 and
 * C++ (make check-headers).
 */

#ifndef NETSTAGE_XEN_PUBLIC_IO_NETIF_H
#define NETSTAGE_XEN_PUBLIC_IO_NETIF_H

#include <stdint.h>

/*
 * A grant reference: the index of an entry in the granting domain's grant
 * table (same type as Xen's public grant_table.h).  References 0 to 7
 * (XEN_NETIF_STAGING_NR_RESERVED_GREFS) are reserved by Xen for the
 * toolstack (console, xenstore, ...).
 */
#ifndef NETSTAGE_GRANT_REF_T
#define NETSTAGE_GRANT_REF_T
typedef uint32_t grant_ref_t;
#endif

/*
 * ==========================================================================
 * Part 1: the standard netif protocol
 * ==========================================================================
 */

/*
 * Slots per packet
 * ----------------
 * Historically each side assumed the peer's kernel had the same maximum
 * number of fragments per packet.  There is no negotiation of that number;
 * instead every backend must accept a packet that spans up to this many TX
 * request slots (the figure comes from old Linux kernels and is what
 * frontends in the field send).  A backend may refuse larger packets.
 */
#define XEN_NETIF_NR_SLOTS_MIN 18

/*
 * Xenstore: keys of the standard protocol
 * =======================================
 *
 * Written by the toolstack before either driver runs
 * --------------------------------------------------
 *   Frontend directory:
 *     /local/domain/5/device/vif/0/backend     = "/local/domain/0/backend/vif/5/0"
 *     /local/domain/5/device/vif/0/backend-id  = "0"
 *     /local/domain/5/device/vif/0/handle      = "0"
 *     /local/domain/5/device/vif/0/mac         = "00:16:3e:12:34:56"
 *     /local/domain/5/device/vif/0/mtu         = "1500"
 *         optional; read-only for the guest.  Absent means 1500.  It only
 *         tells the frontend that larger payloads are allowed; a frontend
 *         may ignore it.
 *     /local/domain/5/device/vif/0/trusted     = "1"
 *         optional; "0" tells the frontend not to trust the backend and to
 *         protect itself (bounce buffers, zeroed pages, strict checks).
 *     /local/domain/5/device/vif/0/state       = "1"   (XenbusStateInitialising)
 *   Backend directory:
 *     /local/domain/0/backend/vif/5/0/frontend    = "/local/domain/5/device/vif/0"
 *     /local/domain/0/backend/vif/5/0/frontend-id = "5"
 *     /local/domain/0/backend/vif/5/0/online      = "1"
 *     /local/domain/0/backend/vif/5/0/state       = "1"
 *     /local/domain/0/backend/vif/5/0/handle      = "0"
 *     /local/domain/0/backend/vif/5/0/mac         = "00:16:3e:12:34:56"
 *     /local/domain/0/backend/vif/5/0/script      = "/etc/xen/scripts/vif-bridge"
 *     /local/domain/0/backend/vif/5/0/bridge      = "xenbr0"
 *     /local/domain/0/backend/vif/5/0/type        = "vif"
 *     /local/domain/0/backend/vif/5/0/hotplug-status = ""
 *         set to "connected" by the hotplug script; a backend should not
 *         report Connected before that.
 *     optional: vifname, ip, gatewaydev, mtu, vlan,
 *         rate = "<bytes>,<microseconds>" (credit-based rate limit).
 *
 * Written by the backend (features; before it leaves Initialising)
 * -----------------------------------------------------------------
 *   Boolean keys are "0" or "1"; an absent key means "0" unless stated.
 *     /local/domain/0/backend/vif/5/0/feature-sg          = "1"
 *         accepts packets made of several fragments (NETTXF_more_data).
 *     /local/domain/0/backend/vif/5/0/feature-gso-tcpv4   = "1"
 *     /local/domain/0/backend/vif/5/0/feature-gso-tcpv6   = "1"
 *         accepts large TCP packets with a XEN_NETIF_EXTRA_TYPE_GSO extra.
 *         Neither side may assume GSO capability without these keys.
 *     /local/domain/0/backend/vif/5/0/feature-ipv6-csum-offload = "1"
 *     /local/domain/0/backend/vif/5/0/feature-rx-copy     = "1"
 *         receive buffers are filled by grant copy (the only mode in use).
 *     /local/domain/0/backend/vif/5/0/feature-rx-flip     = "0"
 *         page flipping; obsolete, always "0".
 *     /local/domain/0/backend/vif/5/0/feature-multicast-control = "1"
 *     /local/domain/0/backend/vif/5/0/feature-dynamic-multicast-control = "1"
 *         the backend can filter multicast (see request-multicast-control).
 *     /local/domain/0/backend/vif/5/0/feature-split-event-channels = "1"
 *         the frontend may use one event channel per direction.
 *     /local/domain/0/backend/vif/5/0/multi-queue-max-queues = "4"
 *         most queues the frontend may ask for.
 *     /local/domain/0/backend/vif/5/0/feature-ctrl-ring  = "1"
 *         the backend serves a control ring (see below).
 *   Written by the backend at any time:
 *     /local/domain/0/backend/vif/5/0/carrier = "1"
 *         link state: "0" down, "1" up; absent means up.
 *
 * Written by the frontend (before it goes Connected)
 * --------------------------------------------------
 *   With one queue (multi-queue-num-queues absent or "1") the per-queue
 *   keys sit at the top of the frontend directory:
 *     /local/domain/5/device/vif/0/tx-ring-ref      = "<gref of TX ring page>"
 *     /local/domain/5/device/vif/0/rx-ring-ref      = "<gref of RX ring page>"
 *     /local/domain/5/device/vif/0/event-channel    = "<port>"
 *   or, instead of event-channel, when the backend offers split channels:
 *     /local/domain/5/device/vif/0/event-channel-tx = "<port>"
 *     /local/domain/5/device/vif/0/event-channel-rx = "<port>"
 *   With N > 1 queues the per-queue keys are written ONLY under queue-<n>
 *   (n = 0 .. N-1), never at the top:
 *     /local/domain/5/device/vif/0/multi-queue-num-queues = "2"
 *     /local/domain/5/device/vif/0/queue-0/tx-ring-ref      = "<gref>"
 *     /local/domain/5/device/vif/0/queue-0/rx-ring-ref      = "<gref>"
 *     /local/domain/5/device/vif/0/queue-0/event-channel-tx = "<port>"
 *     /local/domain/5/device/vif/0/queue-0/event-channel-rx = "<port>"
 *     /local/domain/5/device/vif/0/queue-1/tx-ring-ref      = "<gref>"
 *     ... and so on for queue-1.
 *   N must be at least 1 and at most multi-queue-max-queues.  A backend may
 *   refuse to connect when the queue directories do not match N.  Which
 *   queue carries a packet is the sender's choice; the receiver accepts
 *   packets on every queue.
 *   Device-wide frontend keys:
 *     /local/domain/5/device/vif/0/request-rx-copy   = "1"   (required)
 *     /local/domain/5/device/vif/0/feature-rx-notify = "1"
 *         the frontend kicks the backend when it posts RX requests; without
 *         it the backend has to poll.
 *     /local/domain/5/device/vif/0/feature-sg        = "1"
 *     /local/domain/5/device/vif/0/feature-gso-tcpv4 = "1"
 *     /local/domain/5/device/vif/0/feature-gso-tcpv6 = "1"
 *     /local/domain/5/device/vif/0/feature-ipv6-csum-offload = "1"
 *         IPv6 checksum offload; absent means off.
 *     /local/domain/5/device/vif/0/feature-no-csum-offload   = "0"
 *         "1" turns IPv4 TCP/UDP checksum offload off; absent means on.
 *     /local/domain/5/device/vif/0/request-multicast-control = "1"
 *         the backend should drop multicast not in the filter list (the
 *         list is edited with MCAST_ADD/MCAST_DEL extras).  Sampled once
 *         when the frontend goes Connected, unless the backend offers
 *         feature-dynamic-multicast-control, in which case it is watched.
 *     /local/domain/5/device/vif/0/ctrl-ring-ref      = "<gref>"
 *     /local/domain/5/device/vif/0/event-channel-ctrl = "<port>"
 *         the optional control ring (only if feature-ctrl-ring is "1").
 *   Linux also knows feature-xdp-headroom/xdp-headroom and an XDP extra
 *   type.  They are not part of Xen's public ABI and not of this header.
 *
 * Notifications: after queuing requests or responses, a side notifies the
 * peer only if the peer's req_event/rsp_event index lies inside the range
 * just published.
 */

/*
 * Control ring: hash types
 * ========================
 *
 * Notation: P[a..b] is the octets a to b (inclusive) of an IP packet
 * without options; "+" concatenates.  Each type is a bit number _X and a
 * mask X = 1 << _X; masks are OR-ed in SET_HASH_FLAGS, a bit number is
 * carried by the hash extra.
 *
 * IPV4:      input = P[12..15] + P[16..19]                   (8 octets)
 * IPV4_TCP:  input = P[12..15] + P[16..19] + P[20..21] + P[22..23]
 *                    (addresses, then source and destination port; 12)
 * IPV6:      input = P[8..23] + P[24..39]                    (32 octets)
 * IPV6_TCP:  input = P[8..23] + P[24..39] + P[40..41] + P[42..43]  (36)
 *
 * When several types are enabled the most specific one that matches a
 * packet is used (IPV4_TCP for TCP over IPv4, IPV4 for the rest).
 */
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV4     0
#define XEN_NETIF_CTRL_HASH_TYPE_IPV4      (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP 1
#define XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP  (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV6     2
#define XEN_NETIF_CTRL_HASH_TYPE_IPV6      (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP 3
#define XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP  (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

/*
 * Control ring: hash algorithms
 * =============================
 *
 * NONE: no hashing; the backend spreads packets over queues as it likes.
 *
 * TOEPLITZ: keyed hash.  Read the key and the input as bit strings, most
 * significant bit of octet 0 first, key bits past the end of the key being
 * zero.  For every input bit i (counting from 0) that is set, XOR key bits
 * i .. i+31 (as a 32-bit number, bit i the most significant) into the
 * result, which starts at 0.
 *
 * Define XEN_NETIF_DEFINE_TOEPLITZ before including this header to get
 * xen_netif_toeplitz_hash(), a straightforward implementation of that rule
 * (same name and signature as Xen's).
 */
#define XEN_NETIF_CTRL_HASH_ALGORITHM_NONE     0
#define XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ 1

#ifdef XEN_NETIF_DEFINE_TOEPLITZ
static uint32_t xen_netif_toeplitz_hash(const uint8_t *key,
                                        unsigned int keylen,
                                        const uint8_t *buf,
                                        unsigned int buflen)
{
    /* window = key bits [i, i + 32) for the input bit i being looked at */
    uint32_t window = 0;
    uint32_t result = 0;
    unsigned int n, bit;

    for (n = 0; n < 4; n++)
        window = (window << 8) | (n < keylen ? (uint32_t)key[n] : (uint32_t)0);

    for (n = 0; n < buflen; n++) {
        /* the key octet whose bits slide into the window during octet n */
        uint32_t feed = (keylen > 4 && n < keylen - 4) ?
                        (uint32_t)key[n + 4] : (uint32_t)0;
        uint32_t in = buf[n];

        for (bit = 0; bit < 8; bit++) {
            if (in & 0x80u)
                result ^= window;
            window = (uint32_t)(window << 1) | ((feed >> 7) & 1u);
            feed <<= 1;
            in <<= 1;
        }
    }
    return result;
}
#endif /* XEN_NETIF_DEFINE_TOEPLITZ */

/*
 * Control ring
 * ============
 *
 * Some settings (the hash key, the hash-to-queue table, the gref mapping
 * lists) are too large for xenstore quotas, so they travel over a
 * dedicated ring with fixed-size messages, one response per request.
 * Responses may come back in any order; the id matches them up.
 *
 *   backend offers:  /local/domain/0/backend/vif/5/0/feature-ctrl-ring = "1"
 *   frontend sets:   /local/domain/5/device/vif/0/ctrl-ring-ref      = "<gref>"
 *                    /local/domain/5/device/vif/0/event-channel-ctrl = "<port>"
 * (both frontend keys before the frontend goes Connected).  The control
 * ring only runs once both ends are Connected.
 *
 * Request (struct xen_netif_ctrl_request), 16 octets
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | id        | type      | data[0]               |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x08 | data[1]               | data[2]               |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   id      chosen by the frontend, copied into the response
 *   type    XEN_NETIF_CTRL_TYPE_*
 *   data    arguments, by type (unused words are 0)
 */
struct xen_netif_ctrl_request {
    uint16_t id;
    uint16_t type;
    uint32_t data[3];
};

/* Values of xen_netif_ctrl_request.type (see "Control messages" below). */
#define XEN_NETIF_CTRL_TYPE_INVALID               0
#define XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS        1
#define XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS        2
#define XEN_NETIF_CTRL_TYPE_SET_HASH_KEY          3
#define XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE 4
#define XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE 5
#define XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING      6
#define XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM    7
#define XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE 8
#define XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING      9
#define XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING      10

/*
 * Response (struct xen_netif_ctrl_response), 12 octets
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | id        | type      | status                |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x08 | data                  |
 *        +-----+-----+-----+-----+
 *
 *   id      the request's id
 *   type    the request's type
 *   status  XEN_NETIF_CTRL_STATUS_*
 *   data    result, by type and status (0 when there is none)
 */
struct xen_netif_ctrl_response {
    uint16_t id;
    uint16_t type;
    uint32_t status;
    uint32_t data;
};

/* Values of xen_netif_ctrl_response.status. */
#define XEN_NETIF_CTRL_STATUS_SUCCESS           0
#define XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED     1
#define XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER 2
#define XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW   3

/*
 * Gref mapping list entry (struct xen_netif_gref), 8 octets
 *
 * Used by the ADD/DEL_GREF_MAPPING messages: a frontend asks the backend to
 * keep a set of its grants mapped for the life of the connection (upstream
 * Xen's later revision of staging grants, "Rev 4").  A list page holds up
 * to 512 entries from offset 0.
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | ref                   | flags     | status    |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   ref     (in)  grant reference to map or unmap
 *   flags   (in)  XEN_NETIF_CTRLF_GREF_*
 *   status  (out) XEN_NETIF_CTRL_STATUS_*, written by the backend for DEL;
 *                 the frontend need not clear it beforehand
 */
struct xen_netif_gref {
    grant_ref_t ref;
    uint16_t flags;
    uint16_t status;
};

/* xen_netif_gref.flags: the grant is read-only; map it read-only. */
#define _XEN_NETIF_CTRLF_GREF_readonly 0
#define XEN_NETIF_CTRLF_GREF_readonly  (1U << _XEN_NETIF_CTRLF_GREF_readonly)

/*
 * Control messages
 * ================
 * For each type: request words, then the response status values and data.
 * NOT_SUPPORTED is always a possible status (the backend does not
 * implement the message).
 *
 * SET_HASH_ALGORITHM (7)
 *   data[0] = XEN_NETIF_CTRL_HASH_ALGORITHM_*; data[1] = data[2] = 0.
 *   INVALID_PARAMETER: unknown algorithm.  SUCCESS.
 *   Selecting NONE switches hashing off (the default).
 *
 * GET_HASH_FLAGS (1)
 *   no arguments.
 *   SUCCESS: data = mask of XEN_NETIF_CTRL_HASH_TYPE_* the backend can
 *   compute.  Needs an algorithm to have been selected first.
 *
 * SET_HASH_FLAGS (2)
 *   data[0] = mask of XEN_NETIF_CTRL_HASH_TYPE_* to compute.
 *   INVALID_PARAMETER: a bit is unknown or unsupported.  SUCCESS (data 0).
 *   Needs an algorithm first; a mask of 0 switches hashing off.
 *
 * SET_HASH_KEY (3)
 *   data[0] = gref of a page holding the key from offset 0,
 *   data[1] = key length in octets.
 *   INVALID_PARAMETER: bad length.  BUFFER_OVERFLOW: longer than the
 *   backend supports.  SUCCESS (data 0).
 *   Missing key octets count as zero; a new key replaces the old one; a
 *   length of 0 clears the key (every hash is then 0).  The grant may be
 *   read-only and must stay valid until the response has been read.
 *
 * GET_HASH_MAPPING_SIZE (4)
 *   no arguments.
 *   SUCCESS: data = largest mapping table (in entries) the backend takes,
 *   or 0 if it only steers by hash modulo the number of queues.
 *
 * SET_HASH_MAPPING_SIZE (5)
 *   data[0] = number of entries of the mapping table (0 = use modulo).
 *   INVALID_PARAMETER: bad size.  SUCCESS (data 0).
 *   The previous table is discarded; the new one starts all zero.
 *
 * SET_HASH_MAPPING (6)
 *   data[0] = gref of a page holding part of the table from offset 0,
 *   data[1] = number of entries in that part,
 *   data[2] = index, in entries, of the part's first entry in the table.
 *   INVALID_PARAMETER: bad size or an entry names a queue >=
 *   multi-queue-num-queues.  BUFFER_OVERFLOW: part exceeds the table.
 *   SUCCESS (data 0).
 *   Each entry is a uint32_t queue number; the backend steers a packet
 *   with hash H to queue table[H mod table size].  Parts outside the given
 *   range keep their contents.  The grant may be read-only and must stay
 *   valid until the response has been read.
 *
 * GET_GREF_MAPPING_SIZE (8)
 *   data[0] = queue index (0 with a single queue).
 *   INVALID_PARAMETER: no such queue.
 *   SUCCESS: data = the MAXIMUM number of grants the backend keeps mapped
 *   for that queue, 0 if none.  (One known implementation returns the
 *   number still free instead; netstage follows the maximum reading, see
 *   docs/netif-staging.md.)
 *
 * ADD_GREF_MAPPING (9)
 *   data[0] = queue index,
 *   data[1] = gref of a page holding a list of struct xen_netif_gref from
 *             offset 0, granted read/write,
 *   data[2] = number of entries in the list (at most 512).
 *   INVALID_PARAMETER: failed.  SUCCESS.
 *   All or nothing: per-entry status is not used, and on failure the
 *   backend keeps none of the entries mapped.  (One known implementation
 *   reports success when only some were mapped; netstage follows the
 *   all-or-nothing reading.)
 *
 * DEL_GREF_MAPPING (10)
 *   same request words as ADD.
 *   INVALID_PARAMETER: failed.  SUCCESS: data = number of entries unmapped.
 *   Per entry the backend writes status: SUCCESS if it was mapped by an
 *   earlier ADD and is now unmapped, INVALID_PARAMETER otherwise.
 */

/*
 * Guest transmit (frontend -> backend)
 * ====================================
 *
 * A packet is a chain of ring slots:
 *
 *   request 1        flags NETTXF_*, size = TOTAL packet length
 *   [extra 1..M]     present if request 1 has NETTXF_extra_info; each
 *                    extra with XEN_NETIF_EXTRA_FLAG_MORE is followed by
 *                    another extra
 *   [request 2..N]   present while the previous REQUEST (not extra) has
 *                    NETTXF_more_data; size = that fragment's length
 *
 * The length of fragment 1 is therefore size(request 1) minus the sizes of
 * requests 2..N.  No fragment may cross its page: offset + length <= 4096.
 * Every slot, extras included, gets a response (NETIF_RSP_NULL for
 * extras).
 *
 * TX request (struct netif_tx_request), 12 octets
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | gref                  | offset    | flags     |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x08 | id        | size      |
 *        +-----+-----+-----+-----+
 *
 *   gref    grant of the page holding the fragment (or, with
 *           NETTXF_staging_buffer, a staging data id; see part 2)
 *   offset  where the fragment starts in that page
 *   flags   NETTXF_*
 *   id      chosen by the frontend, copied into the response
 *   size    total packet length (request 1) or fragment length (others)
 */

/* The protocol checksum is left blank for the receiver to fill in. */
#define _NETTXF_csum_blank     (0)
#define NETTXF_csum_blank      (1U << _NETTXF_csum_blank)
/* The payload's protocol checksum has already been checked. */
#define _NETTXF_data_validated (1)
#define NETTXF_data_validated  (1U << _NETTXF_data_validated)
/* Another fragment of this packet follows. */
#define _NETTXF_more_data      (2)
#define NETTXF_more_data       (1U << _NETTXF_more_data)
/* One or more extra-info slots follow this request. */
#define _NETTXF_extra_info     (3)
#define NETTXF_extra_info      (1U << _NETTXF_extra_info)
/* Bits 4 and 5 are taken by the staging extension (part 2). */

/* size is 16 bits wide: no packet may be longer than this. */
#define XEN_NETIF_MAX_TX_SIZE 0xFFFF

struct netif_tx_request {
    grant_ref_t gref;
    uint16_t offset;
    uint16_t flags;
    uint16_t id;
    uint16_t size;
};
typedef struct netif_tx_request netif_tx_request_t;

/*
 * TX response (struct netif_tx_response), 4 octets in a 12-octet slot
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | id        | status    | (unused)              |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x08 | (unused)              |
 *        +-----+-----+-----+-----+
 *
 *   id      the request's id
 *   status  NETIF_RSP_*
 */
struct netif_tx_response {
    uint16_t id;
    int16_t status;
};
typedef struct netif_tx_response netif_tx_response_t;

/*
 * Extra info (struct netif_extra_info), 8 octets
 * ==============================================
 *
 * Occupies a slot of its own after request 1 (TX) or response 1 (RX) when
 * that has NET{T,R}XF_extra_info, or after an extra with
 * XEN_NETIF_EXTRA_FLAG_MORE.  It has to fit an RX response, hence 8
 * octets; in a TX slot the last 4 octets are unused.  An extra overlays
 * the id field, so it carries no id: on RX, the frontend relies on the
 * extra occupying the ring slot of the request that was consumed for it.
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 |type |flags| depends on type                   |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 * type GSO (u.gso):
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 |type |flags| size      |gtype| pad | features  |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   size      segment payload size (the TCP MSS); must not be 0
 *   gtype     XEN_NETIF_GSO_TYPE_* (field u.gso.type)
 *   features  extra segmentation features (none defined)
 *
 * type MCAST_ADD / MCAST_DEL (u.mcast), in a dummy TX packet; addr is
 * the 6-octet Ethernet multicast address to add to / remove from the
 * backend's filter list:
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 |type |flags| addr                              |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 * type HASH (u.hash): a backend that implements Toeplitz accepts it on TX;
 * a frontend that enabled hashing accepts it on RX.
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 |type |flags|htype| alg | value (LSB first)     |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   htype     a _XEN_NETIF_CTRL_HASH_TYPE_* bit NUMBER
 *   alg       XEN_NETIF_CTRL_HASH_ALGORITHM_*
 *   value     the 32-bit hash
 */
#define XEN_NETIF_EXTRA_TYPE_NONE      (0)  /* invalid, never sent */
#define XEN_NETIF_EXTRA_TYPE_GSO       (1)  /* payload in u.gso */
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD (2)  /* payload in u.mcast */
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL (3)  /* payload in u.mcast */
#define XEN_NETIF_EXTRA_TYPE_HASH      (4)  /* payload in u.hash */
#define XEN_NETIF_EXTRA_TYPE_MAX       (5)  /* types are < this */

/* Another extra slot follows this one. */
#define _XEN_NETIF_EXTRA_FLAG_MORE (0)
#define XEN_NETIF_EXTRA_FLAG_MORE  (1U << _XEN_NETIF_EXTRA_FLAG_MORE)

/* u.gso.type values */
#define XEN_NETIF_GSO_TYPE_NONE  (0)
#define XEN_NETIF_GSO_TYPE_TCPV4 (1)
#define XEN_NETIF_GSO_TYPE_TCPV6 (2)

struct netif_extra_info {
    uint8_t type;
    uint8_t flags;
    union {
        struct {
            uint16_t size;
            uint8_t type;
            uint8_t pad;
            uint16_t features;
        } gso;
        struct {
            uint8_t addr[6];
        } mcast;
        struct {
            uint8_t type;
            uint8_t algorithm;
            uint8_t value[4];
        } hash;
        uint16_t pad[3];
    } u;
};
typedef struct netif_extra_info netif_extra_info_t;

/*
 * Guest receive (backend -> frontend)
 * ===================================
 *
 * The frontend posts empty buffers (RX requests, one page each); the
 * backend fills them by grant copy and answers with a chain:
 *
 *   response 1       flags NETRXF_*, status = length of fragment 1
 *   [extra 1..M]     if response 1 has NETRXF_extra_info (chained by
 *                    XEN_NETIF_EXTRA_FLAG_MORE)
 *   [response 2..N]  while the previous response has NETRXF_more_data;
 *                    status = that fragment's length
 *
 * Unlike TX, the packet length is the SUM of the statuses.  Every response
 * (extras included) goes into the ring slot of the request it consumes:
 * Linux netfront ignores the response id and relies on this.
 *
 * RX request (struct netif_rx_request), 8 octets
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | id        | pad       | gref                  |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   id      chosen by the frontend, copied into the response
 *   gref    writable grant of the page to receive into
 */
struct netif_rx_request {
    uint16_t id;
    uint16_t pad;
    grant_ref_t gref;
};
typedef struct netif_rx_request netif_rx_request_t;

/* The payload's protocol checksum has already been checked. */
#define _NETRXF_data_validated (0)
#define NETRXF_data_validated  (1U << _NETRXF_data_validated)
/* The protocol checksum is blank (not computed). */
#define _NETRXF_csum_blank     (1)
#define NETRXF_csum_blank      (1U << _NETRXF_csum_blank)
/* Another fragment of this packet follows. */
#define _NETRXF_more_data      (2)
#define NETRXF_more_data       (1U << _NETRXF_more_data)
/* One or more extra-info slots follow this response. */
#define _NETRXF_extra_info     (3)
#define NETRXF_extra_info      (1U << _NETRXF_extra_info)
/* Old GSO prefix scheme; kept only so the bit stays taken. */
#define _NETRXF_gso_prefix     (4)
#define NETRXF_gso_prefix      (1U << _NETRXF_gso_prefix)
/* Bit 5 is taken by the staging extension (part 3). */
/*
 * NOTE: csum_blank and data_validated are bits 0/1 on TX but 1/0 on RX.
 */

/*
 * RX response (struct netif_rx_response), 8 octets
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | id        | offset    | flags     | status    |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   id      the request's id
 *   offset  where the data starts in the posted page
 *   flags   NETRXF_*
 *   status  > 0 (or 0): octets in this fragment; < 0: NETIF_RSP_*
 */
struct netif_rx_response {
    uint16_t id;
    uint16_t offset;
    uint16_t flags;
    int16_t status;
};
typedef struct netif_rx_response netif_rx_response_t;

/*
 * Response status values (TX status, RX status when negative).
 */
#define NETIF_RSP_DROPPED (-2)
#define NETIF_RSP_ERROR   (-1)
#define NETIF_RSP_OKAY    (0)
/* Answer to a slot that held no data of its own (an extra-info slot). */
#define NETIF_RSP_NULL    (1)

/*
 * Shared ring pages
 * =================
 *
 * Each ring is one granted page: a 64-octet header, then as many entries
 * as fit, rounded down to a power of two.  An entry is the union of the
 * request and the response structure; a response overwrites the request
 * it answers (RX: in the same slot; TX and control: in whatever slot the
 * backend's response producer is at).
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | req_prod              | req_event             |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x08 | rsp_prod              | rsp_event             |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x10 | pvt                   | __pad[0..3]           |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x18 | __pad[4..43]  (zero)                          |
 *    ..  |                                               |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x40 | ring[0], ring[1], ... ring[SIZE - 1]          |
 *    ..  |                                               |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   req_prod   requests produced (frontend writes)
 *   req_event  the backend wants a kick when req_prod passes this
 *   rsp_prod   responses produced (backend writes)
 *   rsp_event  the frontend wants a kick when rsp_prod passes this
 *   pvt        4 octets of ring-private use; zero for netif
 *
 * Indices are free-running 32-bit counters; entry = index & (SIZE - 1).
 * The frontend initialises the header (producers 0, events 1, padding 0).
 *
 *   ring   entry size   entries that fit   SIZE
 *   tx     12           336                256
 *   rx      8           504                256
 *   ctrl   16           252                128
 *
 * Names follow what Xen's DEFINE_RING_TYPES() generates; the front and
 * back private ring structures and the RING_* macros are not part of this
 * header.  Unlike Xen's variable-length form, ring[] has its real size
 * here, so sizeof(netif_tx_sring_t) is the used part of the page.
 */
#define NETIF_TX_RING_SIZE   256
#define NETIF_RX_RING_SIZE   256
#define NETIF_CTRL_RING_SIZE 128

union netif_tx_sring_entry {
    struct netif_tx_request req;
    struct netif_tx_response rsp;
};

struct netif_tx_sring {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    union {
        struct {
            uint8_t smartpoll_active;
        } netif;
        struct {
            uint8_t msg;
        } tapif_user;
        uint8_t pvt_pad[4];
    } pvt;
    uint8_t __pad[44];
    union netif_tx_sring_entry ring[NETIF_TX_RING_SIZE];
};
typedef struct netif_tx_sring netif_tx_sring_t;

union netif_rx_sring_entry {
    struct netif_rx_request req;
    struct netif_rx_response rsp;
};

struct netif_rx_sring {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    union {
        struct {
            uint8_t smartpoll_active;
        } netif;
        struct {
            uint8_t msg;
        } tapif_user;
        uint8_t pvt_pad[4];
    } pvt;
    uint8_t __pad[44];
    union netif_rx_sring_entry ring[NETIF_RX_RING_SIZE];
};
typedef struct netif_rx_sring netif_rx_sring_t;

union xen_netif_ctrl_sring_entry {
    struct xen_netif_ctrl_request req;
    struct xen_netif_ctrl_response rsp;
};

struct xen_netif_ctrl_sring {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    union {
        struct {
            uint8_t smartpoll_active;
        } netif;
        struct {
            uint8_t msg;
        } tapif_user;
        uint8_t pvt_pad[4];
    } pvt;
    uint8_t __pad[44];
    union xen_netif_ctrl_sring_entry ring[NETIF_CTRL_RING_SIZE];
};
typedef struct xen_netif_ctrl_sring xen_netif_ctrl_sring_t;

/*
 * ==========================================================================
 * Part 2: staging grants (netstage extension) -- slot mode
 * ==========================================================================
 *
 * Summary of docs/netif-staging.md, which is authoritative.  The key names
 * below are netstage's own choice (they follow the 2016 RFC thread, whose
 * names could not be confirmed in any published Xen or Linux source).
 *
 * Idea: per queue and per direction, the frontend grants once a list of
 * 256 buffer slots of L octets.  The first h = min(packet length, L)
 * octets of every packet ("the head") travel through the slot that the
 * first request's id selects, by plain memcpy on both sides; only octets
 * at packet offsets >= h use grant copy or grant map as in the standard
 * protocol.
 *
 * Datapath in one paragraph (docs/netif-staging.md section 6):
 *  - TX: requests, sizes and offsets are exactly as without staging
 *    (request 1 carries the total).  Octets [0, h) are taken from TX slot
 *    <id of request 1>; every other octet from the fragment covering it,
 *    at its usual place.  A fragment wholly below h is never accessed (its
 *    gref may be 0); offset + length <= 4096 is still checked for all.
 *  - RX: the backend lays the packet out over the posted requests as
 *    without staging, but writes octets [0, h) into RX slot
 *    256 + <id of the packet's first RX request> instead of the granted
 *    buffer.  Statuses count all octets of their fragment, staged ones
 *    included; responses keep their ring positions.
 *  - Both sides copy a head out of a slot once, into private memory,
 *    before parsing it.
 *
 * Xenstore
 * --------
 * Backend (device-wide, with its other features):
 *   /local/domain/0/backend/vif/5/0/feature-staging-slots       = "1"
 *   /local/domain/0/backend/vif/5/0/staging-slot-len-max        = "4096"
 *       largest slot length accepted: a power of two, 64 .. 4096.
 *   /local/domain/0/backend/vif/5/0/feature-staging-data-ring   = "1"
 *   /local/domain/0/backend/vif/5/0/staging-data-ring-max-order = "4"
 *       data ring mode (part 3): largest ring order, 1 .. 9.
 *
 * Frontend, per queue, in the same place as that queue's tx-ring-ref:
 *   one queue:
 *     /local/domain/5/device/vif/0/tx-data-ref = "<gref of TX data list>"
 *     /local/domain/5/device/vif/0/tx-data-len = "256"
 *     /local/domain/5/device/vif/0/rx-data-ref = "<gref of RX data list>"
 *     /local/domain/5/device/vif/0/rx-data-len = "256"
 *   two queues:
 *     /local/domain/5/device/vif/0/queue-0/tx-data-ref = "<gref>"
 *     /local/domain/5/device/vif/0/queue-0/tx-data-len = "256"
 *     /local/domain/5/device/vif/0/queue-0/rx-data-ref = "<gref>"
 *     /local/domain/5/device/vif/0/queue-0/rx-data-len = "256"
 *     /local/domain/5/device/vif/0/queue-1/tx-data-ref = "<gref>"
 *     ... and so on for queue-1.
 *   Each direction is optional on its own, but its -ref and -len come
 *   together.  Lengths are powers of two, XEN_NETIF_STAGING_LEN_MIN ..
 *   XEN_NETIF_STAGING_LEN_MAX, and at most staging-slot-len-max.  Written
 *   in the transaction that writes the ring references, before the
 *   frontend goes Connected; never changed while Connected.
 */
#define XEN_NETIF_STAGING_KEY_FEATURE_SLOTS      "feature-staging-slots"
#define XEN_NETIF_STAGING_KEY_SLOT_LEN_MAX       "staging-slot-len-max"
#define XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING  "feature-staging-data-ring"
#define XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER "staging-data-ring-max-order"
#define XEN_NETIF_STAGING_KEY_TX_DATA_REF        "tx-data-ref"
#define XEN_NETIF_STAGING_KEY_TX_DATA_LEN        "tx-data-len"
#define XEN_NETIF_STAGING_KEY_RX_DATA_REF        "rx-data-ref"
#define XEN_NETIF_STAGING_KEY_RX_DATA_LEN        "rx-data-len"
#define XEN_NETIF_STAGING_KEY_DATA_RING_REF      "data-ring-ref"
/*
 * Whole records (docs/netif-staging.md 8.7): the backend writes
 * feature-staging-data-ring-whole = "1" next to feature-staging-data-ring;
 * a frontend that uses them writes, per queue, beside data-ring-ref,
 * tx-data-ring-whole = "1" (it may put whole records in the out ring)
 * and/or rx-data-ring-whole = "1" (the backend may put them in the in ring).
 */
#define XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE "feature-staging-data-ring-whole"
#define XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE "tx-data-ring-whole"
#define XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE "rx-data-ring-whole"

/* The grant unit; slots and list pages are carved out of 4096-octet pages. */
#define XEN_NETIF_STAGING_PAGE_SIZE 4096

/* Slot length L (tx-data-len, rx-data-len) in slot mode: a power of two. */
#define XEN_NETIF_STAGING_LEN_MIN 64
#define XEN_NETIF_STAGING_LEN_MAX 4096

/* Nonzero if l is a valid slot-mode length (evaluates l several times). */
#define XEN_NETIF_STAGING_LEN_VALID(l)                                   \
    ((l) >= XEN_NETIF_STAGING_LEN_MIN && (l) <= XEN_NETIF_STAGING_LEN_MAX \
     && ((l) & ((l) - 1)) == 0)

/* Slots of length l that fit one page. */
#define XEN_NETIF_STAGING_SLOTS_PER_PAGE(l) (XEN_NETIF_STAGING_PAGE_SIZE / (l))

/* Grant references below this are reserved; never valid in a data list. */
#define XEN_NETIF_STAGING_NR_RESERVED_GREFS 8

/*
 * Data ids
 * --------
 * Slots are named by data ids, global across the two lists of a queue:
 * ids 0 .. 255 are the TX slots, ids 256 .. 511 the RX slots.  A TX
 * request with id i (i < 256) uses TX slot i; an RX request with id j
 * (j < 256) uses RX slot 256 + j.  On a queue with slot-mode staging in a
 * direction, a request id >= 256 in that direction is fatal for the vif.
 */
#define XEN_NETIF_DATA_TX_SLOTS    NETIF_TX_RING_SIZE                /* 256 */
#define XEN_NETIF_DATA_RX_SLOTS    NETIF_RX_RING_SIZE                /* 256 */
#define XEN_NETIF_DATA_ID_TX_BASE  0
#define XEN_NETIF_DATA_ID_RX_BASE  XEN_NETIF_DATA_TX_SLOTS           /* 256 */
#define XEN_NETIF_DATA_ID_COUNT    (XEN_NETIF_DATA_TX_SLOTS + XEN_NETIF_DATA_RX_SLOTS)
#define XEN_NETIF_DATA_ID_TX(req_id) (XEN_NETIF_DATA_ID_TX_BASE + (req_id))
#define XEN_NETIF_DATA_ID_RX(req_id) (XEN_NETIF_DATA_ID_RX_BASE + (req_id))
#define XEN_NETIF_DATA_ID_IS_TX(d)   ((d) < XEN_NETIF_DATA_ID_RX_BASE)

/*
 * Data list entry (struct xen_netif_data_slot), 8 octets
 *
 * tx-data-ref and rx-data-ref each name one page (granted read-only)
 * whose first 256 entries describe the slots of that direction; the
 * rest of the page is zero.  Entry k of the TX list has id k, entry k of
 * the RX list has id 256 + k.
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | id        | offset    | gref                  |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   id      data id; must equal the entry's position (+ 256 for RX)
 *   offset  octet offset of the slot in its page; a multiple of L, and
 *           offset + L <= 4096, so a slot never straddles pages
 *   gref    grant of the slot's page (>= 8): read-only for TX slots,
 *           writable for RX slots.  Up to 4096 / L slots share a page and
 *           so a gref; a list names at most 256 * L / 4096 distinct grefs
 *           (pages are fully used), no (gref, offset) pair twice, and no
 *           gref of the other list or of a list page.
 *
 * The backend grant-copies the list once into private memory, checks
 * every entry, and maps each distinct slot page once for the connection;
 * a bad list fails the connection.  The frontend zeroes list and slot
 * pages before granting them.
 *
 * Example, L = 256 (16 slots per page, 16 pages per direction):
 *   TX list: {0, 0x000, g0} {1, 0x100, g0} ... {15, 0xf00, g0}
 *            {16, 0x000, g1} ... {255, 0xf00, g15}
 *   RX list: {256, 0x000, g16} ... {511, 0xf00, g31}
 */
#define XEN_NETIF_DATA_LIST_ENTRIES_PER_PAGE \
    (XEN_NETIF_STAGING_PAGE_SIZE / 8)                                   /* 512 */

struct xen_netif_data_slot {
    uint16_t id;
    uint16_t offset;
    grant_ref_t gref;
};

/*
 * TX flag: the request's gref field holds a DATA ID (0 .. 511, of this
 * queue) instead of a grant reference, and the fragment's octets are at
 * [offset, offset + fragment length) of that slot, which must fit in the
 * slot.  Lets a frontend forward a packet straight out of an RX slot.  On
 * request 1 it also means the packet has no staged head (h = 0).  Only
 * valid on a queue that negotiated staging for the direction of the named
 * slot; otherwise the packet is dropped with NETIF_RSP_ERROR.
 */
#define _NETTXF_staging_buffer (4)
#define NETTXF_staging_buffer  (1U << _NETTXF_staging_buffer)

/*
 * ==========================================================================
 * Part 3: staging grants -- data ring mode (specified; implemented later)
 * ==========================================================================
 *
 * When the backend offers feature-staging-data-ring, a frontend may give
 * a queue a PVCalls-style byte ring instead of slot lists:
 *
 *   /local/domain/5/device/vif/0/data-ring-ref = "<gref of interface page>"
 *   /local/domain/5/device/vif/0/tx-data-len   = "2048"   (optional)
 *   /local/domain/5/device/vif/0/rx-data-len   = "2048"   (optional)
 *   (under queue-<n>/ with several queues).  data-ring-ref excludes
 *   tx-data-ref and rx-data-ref on the same queue.  A -len key present
 *   means that direction may use the ring: 64 <= len <= 65535 and at most
 *   half of one direction's ring.  A packet sent through the ring has
 *   h = min(total, <direction>-data-len); its head is one record (below),
 *   its other octets follow the slot-mode rules above.
 *
 * The interface page and the in-ring pages are granted writable; the
 * out-ring pages should be granted read-only.  All are zeroed first.
 *
 * Interface page (struct xen_netif_data_intf); same layout as PVCalls'
 * struct pvcalls_data_intf:
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | in_cons               | in_prod               |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x08 | in_error              | in_prod_event         |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x10 | in_cons_event         | pad1 (44 octets)      |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x40 | out_cons              | out_prod              |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x48 | out_error             | out_prod_event        |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x50 | out_cons_event        | pad2 (44 octets)      |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x80 | ring_order            | ref[0]                |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x88 | ref[1] ...  ref[2^ring_order - 1]             |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   in_*       the "in" ring, backend -> frontend (RX heads):
 *              in_prod, in_error written by the backend, in_cons by the
 *              frontend
 *   out_*      the "out" ring, frontend -> backend (TX heads):
 *              out_prod written by the frontend, out_cons and out_error
 *              by the backend
 *   *_error    0, or nonzero once the backend has stopped using the ring
 *   *_event    only on a ring with whole records (8.7), else zero and
 *              unused: *_prod_event written by the ring's consumer, who
 *              wants an event once the producer index passes it;
 *              *_cons_event written by the ring's producer, who wants an
 *              event once the consumer index passes it (PVCalls' padding)
 *   ring_order the frontend's order: 2^ring_order data pages,
 *              1 <= order <= staging-data-ring-max-order <= 9
 *   ref[]      the data pages; mapped contiguously, the first half is the
 *              in ring, the second half the out ring, each
 *              XEN_NETIF_DATA_RING_BYTES(ring_order) octets.  Only the
 *              first 2^ring_order entries of ref[] are meaningful.
 *
 * Indices are free-running 32-bit octet counters, masked by the ring size.
 */
#define XEN_NETIF_DATA_RING_ORDER_MIN 1
#define XEN_NETIF_DATA_RING_ORDER_MAX 9
/* Octets in ONE direction of a data ring of the given order. */
#define XEN_NETIF_DATA_RING_BYTES(order) \
    (1UL << ((order) + 12 - 1))
/* Largest -len value in data ring mode (also bounded by half a ring). */
#define XEN_NETIF_DATA_RING_LEN_MAX 65535

struct xen_netif_data_intf {
    uint32_t in_cons, in_prod, in_error;
    uint32_t in_prod_event, in_cons_event;
    uint8_t pad1[44];
    uint32_t out_cons, out_prod, out_error;
    uint32_t out_prod_event, out_cons_event;
    uint8_t pad2[44];
    uint32_t ring_order;
    grant_ref_t ref[1U << XEN_NETIF_DATA_RING_ORDER_MAX];
};

/*
 * Data ring record header (struct xen_netif_data_ring_rec), 8 octets
 *
 * Each packet head is one record: this header, then len octets, then
 * zero padding up to a multiple of 8.  Records may wrap around the end of
 * the ring (the header never does, since records start 8-aligned).
 *
 *          +0    +1    +2    +3    +4    +5    +6    +7
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *   0x00 | len       | id        | flags     | reserved  |
 *        +-----+-----+-----+-----+-----+-----+-----+-----+
 *
 *   len       octets of packet head that follow (= h of that packet)
 *   id        id of the packet's first TX request / RX request; 0 in a
 *             whole record
 *   flags     0, or in a whole record (8.7) XEN_NETIF_DATA_REC_WHOLE and
 *             the packet's checksum flags below
 *   reserved  must be 0
 */
struct xen_netif_data_ring_rec {
    uint16_t len;
    uint16_t id;
    uint16_t flags;
    uint16_t reserved;
};
/* The record is the whole packet: no ring request or response belongs to it. */
#define XEN_NETIF_DATA_REC_WHOLE          (1U << 0)
/* As NETTXF_csum_blank / NETRXF_csum_blank. */
#define XEN_NETIF_DATA_REC_CSUM_BLANK     (1U << 1)
/* As NETTXF_data_validated / NETRXF_data_validated. */
#define XEN_NETIF_DATA_REC_DATA_VALIDATED (1U << 2)
#define XEN_NETIF_DATA_RING_ALIGN 8
/* Ring octets taken by a record carrying len octets of head. */
#define XEN_NETIF_DATA_RING_REC_SIZE(len) \
    (8U + (((len) + 7U) & ~7U))

/*
 * TX flag (request 1 only): this packet's head is the next record of the
 * out ring.  Without it the packet is plain netif (the fallback when the
 * ring has no room).
 */
#define _NETTXF_data_ring (5)
#define NETTXF_data_ring  (1U << _NETTXF_data_ring)

/*
 * RX flag (response 1 only): this packet's head is the next record of the
 * in ring.
 */
#define _NETRXF_data_ring (5)
#define NETRXF_data_ring  (1U << _NETRXF_data_ring)

#endif /* NETSTAGE_XEN_PUBLIC_IO_NETIF_H */
