/*
 * ABI facts of netstage's xen/include/public/io/netif.h, built from the
 * same list as netif_abi_system.c so the two tables line up entry by
 * entry.  Only our header is included: nothing here may come from Xen's.
 */
#include <stddef.h>
#include <stdint.h>

#define XEN_NETIF_DEFINE_TOEPLITZ
#include "xen/include/public/io/netif.h"

#include "tests/unit/netif_abi_list.h"

#ifdef __XEN_PUBLIC_IO_NETIF_H__
#error "Xen's netif.h leaked into the unit that describes ours"
#endif

/* Our shared rings declare ring[] with its real length: count it. */
#define NETIF_ABI_RING_ENTRIES(n)                                            \
    (sizeof(NETIF_ABI_MEMBER(struct n##_sring, ring)) /                      \
     sizeof(NETIF_ABI_MEMBER(struct n##_sring, ring[0])))
#define NETIF_ABI_DATA_INTF_T struct xen_netif_data_intf

const struct netif_abi_entry netif_abi_ours[] = {
    NETIF_ABI_LIST
};
const size_t netif_abi_ours_count =
    sizeof(netif_abi_ours) / sizeof(netif_abi_ours[0]);

uint32_t netif_abi_ours_toeplitz(const uint8_t *key, unsigned int keylen,
                                 const uint8_t *buf, unsigned int buflen)
{
    return xen_netif_toeplitz_hash(key, keylen, buf, buflen);
}
