/*
 * Standalone compile check of xen/include/public/io/netif.h.
 *
 * Built by `make check-headers` as ISO C89, C99, C11 and C++ with
 * -pedantic -Werror.  It includes nothing but the header under test, so a
 * missing include or a C99-only construct in the header fails the build.
 * The array typedefs below are compile-time assertions that also work in
 * C89 (an array of negative size is an error); they make sure the layout
 * does not change with the language mode.
 */
#define XEN_NETIF_DEFINE_TOEPLITZ
#include "xen/include/public/io/netif.h"

#define NETIF_CHECK(name, cond) typedef char netif_check_##name[(cond) ? 1 : -1]

NETIF_CHECK(tx_request, sizeof(struct netif_tx_request) == 12);
NETIF_CHECK(tx_response, sizeof(netif_tx_response_t) == 4);
NETIF_CHECK(rx_request, sizeof(netif_rx_request_t) == 8);
NETIF_CHECK(rx_response, sizeof(struct netif_rx_response) == 8);
NETIF_CHECK(extra_info, sizeof(netif_extra_info_t) == 8);
NETIF_CHECK(ctrl_request, sizeof(struct xen_netif_ctrl_request) == 16);
NETIF_CHECK(ctrl_response, sizeof(struct xen_netif_ctrl_response) == 12);
NETIF_CHECK(gref, sizeof(struct xen_netif_gref) == 8);
NETIF_CHECK(tx_sring, sizeof(netif_tx_sring_t) == 64 + 256 * 12);
NETIF_CHECK(rx_sring, sizeof(netif_rx_sring_t) == 64 + 256 * 8);
NETIF_CHECK(ctrl_sring, sizeof(xen_netif_ctrl_sring_t) == 64 + 128 * 16);
NETIF_CHECK(data_slot, sizeof(struct xen_netif_data_slot) == 8);
NETIF_CHECK(data_ring_rec, sizeof(struct xen_netif_data_ring_rec) == 8);
NETIF_CHECK(data_intf, sizeof(struct xen_netif_data_intf) == 132 + 512 * 4);

int main(void);

int main(void)
{
    static const uint8_t key[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    netif_tx_request_t req;
    struct xen_netif_data_slot slot;

    req.gref = 8;
    req.offset = 0;
    req.flags = (uint16_t)(NETTXF_more_data | NETTXF_staging_buffer);
    req.id = 0;
    req.size = 60;
    slot.id = (uint16_t)XEN_NETIF_DATA_ID_RX(req.id);
    slot.offset = 0;
    slot.gref = req.gref;

    return (int)((xen_netif_toeplitz_hash(key, sizeof(key), key, 4) +
                  slot.id + req.flags) & 0);
}
