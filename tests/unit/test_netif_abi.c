/*
 * test_netif_abi: xen/include/public/io/netif.h against Xen's netif.h.
 *
 * netif_abi_system.c and netif_abi_ours.c expand the same list
 * (netif_abi_list.h) against the two headers; here the two tables are
 * compared entry by entry, and every difference is printed by name.  A
 * second group of tests checks facts of the staging extension that have
 * no counterpart in Xen's header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xen/include/public/io/netif.h"
#include "tests/unit/netif_abi_list.h"

static const char *kind_name(enum netif_abi_kind kind)
{
    switch (kind) {
    case NETIF_ABI_LAYOUT:    return "layout";
    case NETIF_ABI_RING:      return "ring";
    case NETIF_ABI_CONST:     return "constant";
    case NETIF_ABI_DATA_INTF: return "data-intf";
    }
    return "?";
}

/* Compares the entries of one kind; returns how many differ. */
static unsigned int compare_kind(enum netif_abi_kind kind)
{
    unsigned int checked = 0, bad = 0;
    size_t i;

    assert_int_equal(netif_abi_ours_count, netif_abi_system_count);
    for (i = 0; i < netif_abi_ours_count; i++) {
        const struct netif_abi_entry *o = &netif_abi_ours[i];
        const struct netif_abi_entry *s = &netif_abi_system[i];

        if (o->kind != kind)
            continue;
        checked++;
        if (o->value != s->value) {
            print_error("ABI mismatch (%s) %s: ours %lld, Xen %lld\n",
                        kind_name(kind), o->name, o->value, s->value);
            bad++;
        }
    }
    print_message("%u %s facts compared, %u differ\n", checked,
                  kind_name(kind), bad);
    assert_true(checked > 0);
    return bad;
}

static long long system_value(const char *name)
{
    size_t i;

    for (i = 0; i < netif_abi_system_count; i++)
        if (strcmp(netif_abi_system[i].name, name) == 0)
            return netif_abi_system[i].value;
    fail_msg("no entry named %s in the system table", name);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Standard ABI: ours against Xen's                                        */
/* ---------------------------------------------------------------------- */

static void test_tables_line_up(void **state)
{
    size_t i;

    (void)state;
    assert_int_equal(netif_abi_ours_count, netif_abi_system_count);
    for (i = 0; i < netif_abi_ours_count; i++) {
        assert_string_equal(netif_abi_ours[i].name, netif_abi_system[i].name);
        assert_int_equal(netif_abi_ours[i].kind, netif_abi_system[i].kind);
    }
}

static void test_struct_layout(void **state)
{
    (void)state;
    assert_int_equal(compare_kind(NETIF_ABI_LAYOUT), 0);
}

static void test_ring_geometry(void **state)
{
    (void)state;
    assert_int_equal(compare_kind(NETIF_ABI_RING), 0);

    /* Our named sizes agree with Xen's computation, and the explicit
     * shared-ring structures fit in one page. */
    assert_int_equal(NETIF_TX_RING_SIZE, system_value("ring entries(netif_tx)"));
    assert_int_equal(NETIF_RX_RING_SIZE, system_value("ring entries(netif_rx)"));
    assert_int_equal(NETIF_CTRL_RING_SIZE,
                     system_value("ring entries(xen_netif_ctrl)"));
    assert_true(sizeof(netif_tx_sring_t) <= 4096);
    assert_true(sizeof(netif_rx_sring_t) <= 4096);
    assert_true(sizeof(xen_netif_ctrl_sring_t) <= 4096);
    assert_int_equal(offsetof(netif_tx_sring_t, ring), 64);
    assert_int_equal(sizeof(netif_tx_sring_t), 64 + 256 * 12);
    assert_int_equal(sizeof(netif_rx_sring_t), 64 + 256 * 8);
    assert_int_equal(sizeof(xen_netif_ctrl_sring_t), 64 + 128 * 16);
}

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(compare_kind(NETIF_ABI_CONST), 0);
}

static void test_data_intf_is_pvcalls_layout(void **state)
{
    (void)state;
    assert_int_equal(compare_kind(NETIF_ABI_DATA_INTF), 0);
}

/* Known answers from the published RSS verification vectors (Microsoft's
 * "Verifying the RSS hash calculation"), default 40-octet key. */
static const uint8_t rss_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
    0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
    0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static void test_toeplitz(void **state)
{
    /* source 66.9.149.187:2794, destination 161.142.100.80:1766 */
    static const uint8_t v4tcp[12] = {
        66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6,
    };
    uint8_t key[64], buf[64];
    unsigned int round;

    (void)state;
    assert_int_equal(netif_abi_ours_toeplitz(rss_key, 40, v4tcp, 8), 0x323e8fc2);
    assert_int_equal(netif_abi_ours_toeplitz(rss_key, 40, v4tcp, 12), 0x51ccc178);
    assert_int_equal(netif_abi_system_toeplitz(rss_key, 40, v4tcp, 12), 0x51ccc178);

    /* Ours agrees with Xen's on arbitrary keys, including keys shorter
     * than 4 octets and inputs that run past the end of the key. */
    srand(4242);
    for (round = 0; round < 2000; round++) {
        unsigned int keylen = (unsigned int)rand() % 65;
        unsigned int buflen = (unsigned int)rand() % 65;
        unsigned int i;

        for (i = 0; i < sizeof(key); i++) {
            key[i] = (uint8_t)rand();
            buf[i] = (uint8_t)rand();
        }
        assert_int_equal(netif_abi_ours_toeplitz(key, keylen, buf, buflen),
                         netif_abi_system_toeplitz(key, keylen, buf, buflen));
    }
}

/* ---------------------------------------------------------------------- */
/* Staging extension facts                                                 */
/* ---------------------------------------------------------------------- */

static void test_staging_data_list(void **state)
{
    unsigned int len;

    (void)state;
    assert_int_equal(sizeof(struct xen_netif_data_slot), 8);
    assert_int_equal(offsetof(struct xen_netif_data_slot, id), 0);
    assert_int_equal(offsetof(struct xen_netif_data_slot, offset), 2);
    assert_int_equal(offsetof(struct xen_netif_data_slot, gref), 4);
    assert_int_equal(sizeof(((struct xen_netif_data_slot *)0)->gref), 4);

    /* 512 entries per page; one list of 256 per direction; ids 0..511. */
    assert_int_equal(XEN_NETIF_DATA_LIST_ENTRIES_PER_PAGE, 512);
    assert_int_equal(XEN_NETIF_STAGING_PAGE_SIZE /
                     sizeof(struct xen_netif_data_slot), 512);
    assert_int_equal(XEN_NETIF_DATA_TX_SLOTS, 256);
    assert_int_equal(XEN_NETIF_DATA_RX_SLOTS, 256);
    assert_int_equal(XEN_NETIF_DATA_TX_SLOTS, system_value("ring entries(netif_tx)"));
    assert_int_equal(XEN_NETIF_DATA_RX_SLOTS, system_value("ring entries(netif_rx)"));
    assert_int_equal(XEN_NETIF_DATA_ID_TX_BASE, 0);
    assert_int_equal(XEN_NETIF_DATA_ID_RX_BASE, 256);
    assert_int_equal(XEN_NETIF_DATA_ID_COUNT, 512);
    assert_true(XEN_NETIF_DATA_TX_SLOTS * sizeof(struct xen_netif_data_slot)
                <= XEN_NETIF_STAGING_PAGE_SIZE);
    assert_int_equal(XEN_NETIF_DATA_ID_TX(255), 255);
    assert_int_equal(XEN_NETIF_DATA_ID_RX(0), 256);
    assert_int_equal(XEN_NETIF_DATA_ID_RX(255), 511);
    assert_true(XEN_NETIF_DATA_ID_IS_TX(255));
    assert_false(XEN_NETIF_DATA_ID_IS_TX(256));
    /* A data id fits the 32-bit gref field and the 16-bit id field. */
    assert_true(XEN_NETIF_DATA_ID_COUNT - 1 <= UINT16_MAX);
    assert_int_equal(XEN_NETIF_STAGING_NR_RESERVED_GREFS, 8);

    /* Slot lengths: powers of two from 64 to 4096, never straddling a
     * page, 256 slots in at most 256 pages. */
    assert_int_equal(XEN_NETIF_STAGING_LEN_MIN, 64);
    assert_int_equal(XEN_NETIF_STAGING_LEN_MAX, 4096);
    for (len = 0; len <= 8192; len++) {
        int pow2 = len != 0 && (len & (len - 1)) == 0;
        int expect = pow2 && len >= 64 && len <= 4096;

        assert_int_equal(!!XEN_NETIF_STAGING_LEN_VALID(len), expect);
        if (expect) {
            unsigned int per_page = XEN_NETIF_STAGING_SLOTS_PER_PAGE(len);

            assert_int_equal(per_page * len, XEN_NETIF_STAGING_PAGE_SIZE);
            assert_true((256 + per_page - 1) / per_page <= 256);
        }
    }
    assert_int_equal(XEN_NETIF_STAGING_SLOTS_PER_PAGE(256), 16);
}

static void test_staging_flags(void **state)
{
    /* Standard bits as Xen defines them (not as we do). */
    long long tx_std = system_value("NETTXF_csum_blank") |
                       system_value("NETTXF_data_validated") |
                       system_value("NETTXF_more_data") |
                       system_value("NETTXF_extra_info");
    long long rx_std = system_value("NETRXF_data_validated") |
                       system_value("NETRXF_csum_blank") |
                       system_value("NETRXF_more_data") |
                       system_value("NETRXF_extra_info") |
                       system_value("NETRXF_gso_prefix");

    (void)state;
    assert_int_equal(_NETTXF_staging_buffer, 4);
    assert_int_equal(NETTXF_staging_buffer, 16);
    assert_int_equal(_NETTXF_data_ring, 5);
    assert_int_equal(NETTXF_data_ring, 32);
    assert_int_equal(_NETRXF_data_ring, 5);
    assert_int_equal(NETRXF_data_ring, 32);

    assert_int_equal(NETTXF_staging_buffer & tx_std, 0);
    assert_int_equal(NETTXF_data_ring & tx_std, 0);
    assert_int_equal(NETTXF_staging_buffer & NETTXF_data_ring, 0);
    assert_int_equal(NETRXF_data_ring & rx_std, 0);
    /* flags fields are 16 bits wide */
    assert_true((NETTXF_staging_buffer | NETTXF_data_ring) <= UINT16_MAX);
    assert_true(NETRXF_data_ring <= UINT16_MAX);
}

static void test_staging_keys(void **state)
{
    (void)state;
    assert_string_equal(XEN_NETIF_STAGING_KEY_FEATURE_SLOTS, "feature-staging-slots");
    assert_string_equal(XEN_NETIF_STAGING_KEY_SLOT_LEN_MAX, "staging-slot-len-max");
    assert_string_equal(XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING,
                        "feature-staging-data-ring");
    assert_string_equal(XEN_NETIF_STAGING_KEY_DATA_RING_MAX_ORDER,
                        "staging-data-ring-max-order");
    assert_string_equal(XEN_NETIF_STAGING_KEY_TX_DATA_REF, "tx-data-ref");
    assert_string_equal(XEN_NETIF_STAGING_KEY_TX_DATA_LEN, "tx-data-len");
    assert_string_equal(XEN_NETIF_STAGING_KEY_RX_DATA_REF, "rx-data-ref");
    assert_string_equal(XEN_NETIF_STAGING_KEY_RX_DATA_LEN, "rx-data-len");
    assert_string_equal(XEN_NETIF_STAGING_KEY_DATA_RING_REF, "data-ring-ref");
    assert_string_equal(XEN_NETIF_STAGING_KEY_FEATURE_DATA_RING_WHOLE,
                        "feature-staging-data-ring-whole");
    assert_string_equal(XEN_NETIF_STAGING_KEY_TX_DATA_RING_WHOLE, "tx-data-ring-whole");
    assert_string_equal(XEN_NETIF_STAGING_KEY_RX_DATA_RING_WHOLE, "rx-data-ring-whole");
}

static void test_data_ring_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct xen_netif_data_ring_rec), 8);
    assert_int_equal(offsetof(struct xen_netif_data_ring_rec, len), 0);
    assert_int_equal(offsetof(struct xen_netif_data_ring_rec, id), 2);
    assert_int_equal(offsetof(struct xen_netif_data_ring_rec, flags), 4);
    assert_int_equal(offsetof(struct xen_netif_data_ring_rec, reserved), 6);
    assert_int_equal(XEN_NETIF_DATA_REC_WHOLE, 1);
    assert_int_equal(XEN_NETIF_DATA_REC_CSUM_BLANK, 2);
    assert_int_equal(XEN_NETIF_DATA_REC_DATA_VALIDATED, 4);
    assert_int_equal(XEN_NETIF_DATA_RING_ALIGN, 8);
    assert_int_equal(XEN_NETIF_DATA_RING_REC_SIZE(0), 8);
    assert_int_equal(XEN_NETIF_DATA_RING_REC_SIZE(1), 16);
    assert_int_equal(XEN_NETIF_DATA_RING_REC_SIZE(8), 16);
    assert_int_equal(XEN_NETIF_DATA_RING_REC_SIZE(9), 24);
    assert_int_equal(XEN_NETIF_DATA_RING_REC_SIZE(65535), 8 + 65536);

    /* Interface page: PVCalls offsets (also compared against pvcalls.h
     * above) and the largest ref[] still fits in the page. */
    assert_int_equal(offsetof(struct xen_netif_data_intf, in_cons), 0);
    assert_int_equal(offsetof(struct xen_netif_data_intf, in_prod), 4);
    assert_int_equal(offsetof(struct xen_netif_data_intf, in_error), 8);
    assert_int_equal(offsetof(struct xen_netif_data_intf, out_cons), 64);
    assert_int_equal(offsetof(struct xen_netif_data_intf, out_prod), 68);
    assert_int_equal(offsetof(struct xen_netif_data_intf, out_error), 72);
    /* The whole-record event indices, in PVCalls' padding. */
    assert_int_equal(offsetof(struct xen_netif_data_intf, in_prod_event), 12);
    assert_int_equal(offsetof(struct xen_netif_data_intf, in_cons_event), 16);
    assert_int_equal(offsetof(struct xen_netif_data_intf, out_prod_event), 76);
    assert_int_equal(offsetof(struct xen_netif_data_intf, out_cons_event), 80);
    assert_int_equal(offsetof(struct xen_netif_data_intf, ring_order), 128);
    assert_int_equal(offsetof(struct xen_netif_data_intf, ref), 132);
    assert_int_equal(sizeof(((struct xen_netif_data_intf *)0)->ref) /
                     sizeof(grant_ref_t), 1u << XEN_NETIF_DATA_RING_ORDER_MAX);
    assert_true(sizeof(struct xen_netif_data_intf) <= XEN_NETIF_STAGING_PAGE_SIZE);

    /* Orders and per-direction sizes (same as Xen's flex rings). */
    assert_int_equal(XEN_NETIF_DATA_RING_ORDER_MIN, 1);
    assert_int_equal(XEN_NETIF_DATA_RING_ORDER_MAX, 9);
    assert_int_equal(XEN_NETIF_DATA_RING_BYTES(1), 4096);
    assert_int_equal(XEN_NETIF_DATA_RING_BYTES(4), 32768);
    assert_int_equal(XEN_NETIF_DATA_RING_BYTES(9), 1024 * 1024);
    assert_int_equal(XEN_NETIF_DATA_RING_LEN_MAX, 65535);
    /* A maximal record fits half of the largest ring's direction. */
    assert_true(XEN_NETIF_DATA_RING_REC_SIZE(XEN_NETIF_DATA_RING_LEN_MAX) <=
                XEN_NETIF_DATA_RING_BYTES(XEN_NETIF_DATA_RING_ORDER_MAX) / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_line_up),
        cmocka_unit_test(test_struct_layout),
        cmocka_unit_test(test_ring_geometry),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_data_intf_is_pvcalls_layout),
        cmocka_unit_test(test_toeplitz),
        cmocka_unit_test(test_staging_data_list),
        cmocka_unit_test(test_staging_flags),
        cmocka_unit_test(test_staging_keys),
        cmocka_unit_test(test_data_ring_layout),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
