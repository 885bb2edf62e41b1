/*
 * ABI facts of Xen's own netif.h (Debian libxen-dev, Xen 4.17), the
 * reference that xen/include/public/io/netif.h must match.
 *
 * Xen's header pulls in io/ring.h and grant_table.h itself; it compiles
 * cleanly under the project's warning flags as long as <stddef.h> and
 * <stdint.h> come first.  The ring barrier macros are not needed because
 * no RING_* macro that uses them is expanded here.  pvcalls.h is included
 * for the data ring interface page comparison (its flex-ring helpers need
 * <string.h>).  XEN_NETIF_DEFINE_TOEPLITZ exposes Xen's reference hash.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XEN_NETIF_DEFINE_TOEPLITZ
#include <xen/io/netif.h>
#include <xen/io/pvcalls.h>

#include "tests/unit/netif_abi_list.h"

/* Entries in a ring of one 4096-octet page, as Xen's own macro counts. */
#define NETIF_ABI_RING_ENTRIES(n) __CONST_RING_SIZE(n, 4096)
#define NETIF_ABI_DATA_INTF_T struct pvcalls_data_intf

const struct netif_abi_entry netif_abi_system[] = {
    NETIF_ABI_LIST
};
const size_t netif_abi_system_count =
    sizeof(netif_abi_system) / sizeof(netif_abi_system[0]);

uint32_t netif_abi_system_toeplitz(const uint8_t *key, unsigned int keylen,
                                   const uint8_t *buf, unsigned int buflen)
{
    return xen_netif_toeplitz_hash(key, keylen, buf, buflen);
}
