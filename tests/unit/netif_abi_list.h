/*
 * The list of ABI facts compared by test_netif_abi.
 *
 * Two translation units expand NETIF_ABI_LIST: netif_abi_system.c against
 * Xen's own <xen/io/netif.h> and netif_abi_ours.c against
 * xen/include/public/io/netif.h.  Both get exactly the same names, and the
 * same way of evaluating them, because the list and the entry macros live
 * here.  Each unit defines only the two things that differ before
 * expanding the list:
 *
 *   NETIF_ABI_RING_ENTRIES(n)  number of entries in the one-page ring n
 *                              (Xen: __CONST_RING_SIZE; ours: the length
 *                              of the explicit ring[] array)
 *   NETIF_ABI_DATA_INTF_T      the data ring interface page structure
 *                              (Xen: struct pvcalls_data_intf; ours:
 *                              struct xen_netif_data_intf)
 *
 * Entry kinds used in the list:
 *
 *   ABI_TYPE(T)             size and signedness of a scalar type
 *   ABI_SIZE(T)             sizeof a structure, union or typedef
 *   ABI_FIELD(T, f)         offset and size of member f (f may be a path
 *                           such as u.gso.size)
 *   ABI_SCALAR(T, f)        ABI_FIELD plus the signedness of the member
 *   ABI_OFFSET(T, f)        offset only (for members whose size differs on
 *                           purpose, e.g. the ring[] of a shared ring)
 *   ABI_RING(n)             entries of ring n
 *   ABI_CONST(C)            value, size and signedness of a macro constant
 *   ABI_DATA_INTF(f)        offset and size of a member of the data ring
 *                           interface page
 *   ABI_DATA_INTF_OFFSET(f) offset only, same pairing
 *
 * Every entry stringifies its arguments itself, before any expansion, so
 * a constant's entry is named after the macro, not its value.  Adding a
 * name here adds it to both sides.  `make check-headers` also verifies
 * that every macro Xen's netif.h defines has an ABI_CONST entry.
 */
#ifndef NETSTAGE_TESTS_NETIF_ABI_LIST_H
#define NETSTAGE_TESTS_NETIF_ABI_LIST_H

#include <stddef.h>
#include <stdint.h>

enum netif_abi_kind {
    NETIF_ABI_LAYOUT,     /* sizes, offsets, signedness of types/members */
    NETIF_ABI_RING,       /* ring geometry */
    NETIF_ABI_CONST,      /* macro constants */
    NETIF_ABI_DATA_INTF,  /* data ring interface page vs PVCalls */
};

struct netif_abi_entry {
    enum netif_abi_kind kind;
    const char *name;
    long long value;
};

/* Signedness of a type or expression, as 0/1, without -Wtype-limits noise. */
#define NETIF_ABI_TYPE_SIGNED(T) ((T)-1 < (T)1 ? 1 : 0)
#define NETIF_ABI_EXPR_UNSIGNED(e) (((e) * 0 - 1) > 0 ? 1 : 0)
#define NETIF_ABI_MEMBER(T, f) (((T *)0)->f)

#define NETIF_ABI_E(kind, name, value) { kind, name, (long long)(value) },

#define ABI_TYPE(T)                                                          \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "sizeof(" #T ")", sizeof(T))               \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "signed(" #T ")", NETIF_ABI_TYPE_SIGNED(T))
#define ABI_SIZE(T)                                                          \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "sizeof(" #T ")", sizeof(T))
#define ABI_OFFSET(T, f)                                                     \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "offsetof(" #T ", " #f ")", offsetof(T, f))
#define ABI_FIELD(T, f)                                                      \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "offsetof(" #T ", " #f ")", offsetof(T, f)) \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "sizeof(" #T "::" #f ")",                  \
                sizeof(NETIF_ABI_MEMBER(T, f)))
#define ABI_SCALAR(T, f)                                                     \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "offsetof(" #T ", " #f ")", offsetof(T, f)) \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "sizeof(" #T "::" #f ")",                  \
                sizeof(NETIF_ABI_MEMBER(T, f)))                              \
    NETIF_ABI_E(NETIF_ABI_LAYOUT, "signed(" #T "::" #f ")",                  \
                NETIF_ABI_TYPE_SIGNED(__typeof__(NETIF_ABI_MEMBER(T, f))))
#define ABI_RING(n)                                                          \
    NETIF_ABI_E(NETIF_ABI_RING, "ring entries(" #n ")",                     \
                NETIF_ABI_RING_ENTRIES(n))
#define ABI_CONST(C)                                                         \
    NETIF_ABI_E(NETIF_ABI_CONST, #C, (C))                                    \
    NETIF_ABI_E(NETIF_ABI_CONST, "sizeof(" #C ")", sizeof(C))                \
    NETIF_ABI_E(NETIF_ABI_CONST, "unsigned(" #C ")", NETIF_ABI_EXPR_UNSIGNED(C))
#define ABI_DATA_INTF(f)                                                     \
    NETIF_ABI_E(NETIF_ABI_DATA_INTF, "offsetof(data_intf, " #f ")",         \
                offsetof(NETIF_ABI_DATA_INTF_T, f))                         \
    NETIF_ABI_E(NETIF_ABI_DATA_INTF, "sizeof(data_intf::" #f ")",           \
                sizeof(NETIF_ABI_MEMBER(NETIF_ABI_DATA_INTF_T, f)))
#define ABI_DATA_INTF_OFFSET(f)                                              \
    NETIF_ABI_E(NETIF_ABI_DATA_INTF, "offsetof(data_intf, " #f ")",         \
                offsetof(NETIF_ABI_DATA_INTF_T, f))

/* The header and entry array of one shared ring type. */
#define NETIF_ABI_SRING(n)                                                   \
    ABI_SCALAR(struct n##_sring, req_prod)                                   \
    ABI_SCALAR(struct n##_sring, req_event)                                  \
    ABI_SCALAR(struct n##_sring, rsp_prod)                                   \
    ABI_SCALAR(struct n##_sring, rsp_event)                                  \
    ABI_FIELD(struct n##_sring, pvt)                                         \
    ABI_SCALAR(struct n##_sring, pvt.netif.smartpoll_active)                 \
    ABI_SCALAR(struct n##_sring, pvt.tapif_user.msg)                         \
    ABI_FIELD(struct n##_sring, pvt.pvt_pad)                                 \
    ABI_FIELD(struct n##_sring, __pad)                                       \
    ABI_OFFSET(struct n##_sring, ring)                                       \
    ABI_SIZE(union n##_sring_entry)                                          \
    ABI_FIELD(union n##_sring_entry, req)                                    \
    ABI_FIELD(union n##_sring_entry, rsp)                                    \
    ABI_OFFSET(n##_sring_t, ring)                                            \
    ABI_RING(n)

#define NETIF_ABI_LIST                                                       \
    /* ---- types ---- */                                                    \
    ABI_TYPE(grant_ref_t)                                                    \
    /* ---- TX ---- */                                                       \
    ABI_SIZE(struct netif_tx_request)                                        \
    ABI_SIZE(netif_tx_request_t)                                             \
    ABI_SCALAR(struct netif_tx_request, gref)                                \
    ABI_SCALAR(struct netif_tx_request, offset)                              \
    ABI_SCALAR(struct netif_tx_request, flags)                               \
    ABI_SCALAR(struct netif_tx_request, id)                                  \
    ABI_SCALAR(struct netif_tx_request, size)                                \
    ABI_SIZE(struct netif_tx_response)                                       \
    ABI_SIZE(netif_tx_response_t)                                            \
    ABI_SCALAR(struct netif_tx_response, id)                                 \
    ABI_SCALAR(struct netif_tx_response, status)                             \
    /* ---- RX ---- */                                                       \
    ABI_SIZE(struct netif_rx_request)                                        \
    ABI_SIZE(netif_rx_request_t)                                             \
    ABI_SCALAR(struct netif_rx_request, id)                                  \
    ABI_SCALAR(struct netif_rx_request, pad)                                 \
    ABI_SCALAR(struct netif_rx_request, gref)                                \
    ABI_SIZE(struct netif_rx_response)                                       \
    ABI_SIZE(netif_rx_response_t)                                            \
    ABI_SCALAR(struct netif_rx_response, id)                                 \
    ABI_SCALAR(struct netif_rx_response, offset)                             \
    ABI_SCALAR(struct netif_rx_response, flags)                              \
    ABI_SCALAR(struct netif_rx_response, status)                             \
    /* ---- extra info ---- */                                               \
    ABI_SIZE(struct netif_extra_info)                                        \
    ABI_SIZE(netif_extra_info_t)                                             \
    ABI_SCALAR(struct netif_extra_info, type)                                \
    ABI_SCALAR(struct netif_extra_info, flags)                               \
    ABI_FIELD(struct netif_extra_info, u)                                    \
    ABI_FIELD(struct netif_extra_info, u.gso)                                \
    ABI_SCALAR(struct netif_extra_info, u.gso.size)                          \
    ABI_SCALAR(struct netif_extra_info, u.gso.type)                          \
    ABI_SCALAR(struct netif_extra_info, u.gso.pad)                           \
    ABI_SCALAR(struct netif_extra_info, u.gso.features)                      \
    ABI_FIELD(struct netif_extra_info, u.mcast)                              \
    ABI_FIELD(struct netif_extra_info, u.mcast.addr)                         \
    ABI_FIELD(struct netif_extra_info, u.hash)                               \
    ABI_SCALAR(struct netif_extra_info, u.hash.type)                         \
    ABI_SCALAR(struct netif_extra_info, u.hash.algorithm)                    \
    ABI_FIELD(struct netif_extra_info, u.hash.value)                         \
    ABI_FIELD(struct netif_extra_info, u.pad)                                \
    /* ---- control ring messages ---- */                                    \
    ABI_SIZE(struct xen_netif_ctrl_request)                                  \
    ABI_SCALAR(struct xen_netif_ctrl_request, id)                            \
    ABI_SCALAR(struct xen_netif_ctrl_request, type)                          \
    ABI_FIELD(struct xen_netif_ctrl_request, data)                           \
    ABI_SCALAR(struct xen_netif_ctrl_request, data[0])                       \
    ABI_SCALAR(struct xen_netif_ctrl_request, data[2])                       \
    ABI_SIZE(struct xen_netif_ctrl_response)                                 \
    ABI_SCALAR(struct xen_netif_ctrl_response, id)                           \
    ABI_SCALAR(struct xen_netif_ctrl_response, type)                         \
    ABI_SCALAR(struct xen_netif_ctrl_response, status)                       \
    ABI_SCALAR(struct xen_netif_ctrl_response, data)                         \
    ABI_SIZE(struct xen_netif_gref)                                          \
    ABI_SCALAR(struct xen_netif_gref, ref)                                   \
    ABI_SCALAR(struct xen_netif_gref, flags)                                 \
    ABI_SCALAR(struct xen_netif_gref, status)                                \
    /* ---- shared rings ---- */                                             \
    NETIF_ABI_SRING(netif_tx)                                                \
    NETIF_ABI_SRING(netif_rx)                                                \
    NETIF_ABI_SRING(xen_netif_ctrl)                                          \
    /* ---- constants: general ---- */                                       \
    ABI_CONST(XEN_NETIF_NR_SLOTS_MIN)                                        \
    ABI_CONST(XEN_NETIF_MAX_TX_SIZE)                                         \
    /* ---- constants: hashing ---- */                                       \
    ABI_CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV4)                                \
    ABI_CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV4)                                 \
    ABI_CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)                            \
    ABI_CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)                             \
    ABI_CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV6)                                \
    ABI_CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV6)                                 \
    ABI_CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)                            \
    ABI_CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)                             \
    ABI_CONST(XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)                            \
    ABI_CONST(XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)                        \
    /* ---- constants: control messages ---- */                              \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_INVALID)                                   \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS)                            \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS)                            \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_KEY)                              \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE)                     \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE)                     \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING)                          \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM)                        \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE)                     \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING)                          \
    ABI_CONST(XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING)                          \
    ABI_CONST(XEN_NETIF_CTRL_STATUS_SUCCESS)                                 \
    ABI_CONST(XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED)                           \
    ABI_CONST(XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER)                       \
    ABI_CONST(XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW)                         \
    ABI_CONST(_XEN_NETIF_CTRLF_GREF_readonly)                                \
    ABI_CONST(XEN_NETIF_CTRLF_GREF_readonly)                                 \
    /* ---- constants: TX flags ---- */                                      \
    ABI_CONST(_NETTXF_csum_blank)                                            \
    ABI_CONST(NETTXF_csum_blank)                                             \
    ABI_CONST(_NETTXF_data_validated)                                        \
    ABI_CONST(NETTXF_data_validated)                                         \
    ABI_CONST(_NETTXF_more_data)                                             \
    ABI_CONST(NETTXF_more_data)                                              \
    ABI_CONST(_NETTXF_extra_info)                                            \
    ABI_CONST(NETTXF_extra_info)                                             \
    /* ---- constants: extra info ---- */                                    \
    ABI_CONST(XEN_NETIF_EXTRA_TYPE_NONE)                                     \
    ABI_CONST(XEN_NETIF_EXTRA_TYPE_GSO)                                      \
    ABI_CONST(XEN_NETIF_EXTRA_TYPE_MCAST_ADD)                                \
    ABI_CONST(XEN_NETIF_EXTRA_TYPE_MCAST_DEL)                                \
    ABI_CONST(XEN_NETIF_EXTRA_TYPE_HASH)                                     \
    ABI_CONST(XEN_NETIF_EXTRA_TYPE_MAX)                                      \
    ABI_CONST(_XEN_NETIF_EXTRA_FLAG_MORE)                                    \
    ABI_CONST(XEN_NETIF_EXTRA_FLAG_MORE)                                     \
    ABI_CONST(XEN_NETIF_GSO_TYPE_NONE)                                       \
    ABI_CONST(XEN_NETIF_GSO_TYPE_TCPV4)                                      \
    ABI_CONST(XEN_NETIF_GSO_TYPE_TCPV6)                                      \
    /* ---- constants: RX flags ---- */                                      \
    ABI_CONST(_NETRXF_data_validated)                                        \
    ABI_CONST(NETRXF_data_validated)                                         \
    ABI_CONST(_NETRXF_csum_blank)                                            \
    ABI_CONST(NETRXF_csum_blank)                                             \
    ABI_CONST(_NETRXF_more_data)                                             \
    ABI_CONST(NETRXF_more_data)                                              \
    ABI_CONST(_NETRXF_extra_info)                                            \
    ABI_CONST(NETRXF_extra_info)                                             \
    ABI_CONST(_NETRXF_gso_prefix)                                            \
    ABI_CONST(NETRXF_gso_prefix)                                             \
    /* ---- constants: response status ---- */                               \
    ABI_CONST(NETIF_RSP_DROPPED)                                             \
    ABI_CONST(NETIF_RSP_ERROR)                                               \
    ABI_CONST(NETIF_RSP_OKAY)                                                \
    ABI_CONST(NETIF_RSP_NULL)                                                \
    /* ---- data ring interface page vs PVCalls (our event indices sit in   \
     * its padding, so the padding itself is not compared: the offsets of   \
     * the fields after it are) ---- */                                     \
    ABI_DATA_INTF(in_cons)                                                   \
    ABI_DATA_INTF(in_prod)                                                   \
    ABI_DATA_INTF(in_error)                                                  \
    ABI_DATA_INTF(out_cons)                                                  \
    ABI_DATA_INTF(out_prod)                                                  \
    ABI_DATA_INTF(out_error)                                                 \
    ABI_DATA_INTF(ring_order)                                                \
    ABI_DATA_INTF_OFFSET(ref)                                                \
    ABI_DATA_INTF(ref[0])

/* Tables built by the two helper units. */
extern const struct netif_abi_entry netif_abi_ours[];
extern const size_t netif_abi_ours_count;
extern const struct netif_abi_entry netif_abi_system[];
extern const size_t netif_abi_system_count;

/* Each side's Toeplitz implementation (ours: our header; system: Xen's). */
uint32_t netif_abi_ours_toeplitz(const uint8_t *key, unsigned int keylen,
                                 const uint8_t *buf, unsigned int buflen);
uint32_t netif_abi_system_toeplitz(const uint8_t *key, unsigned int keylen,
                                   const uint8_t *buf, unsigned int buflen);

#endif /* NETSTAGE_TESTS_NETIF_ABI_LIST_H */
