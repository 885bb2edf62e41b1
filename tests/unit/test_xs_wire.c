/*
 * test_xs_wire.c - our xs_wire.h against Xen's <xen/io/xs_wire.h>.
 * Ours is prefixed xsw_/XSW_, so both fit in this one file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <xen/io/xs_wire.h>

#include "xensim/relay/xs_wire.h"

static void test_message_types(void **state)
{
    (void)state;
    assert_int_equal(XSW_CONTROL, XS_CONTROL);
    assert_int_equal(XSW_DEBUG, XS_DEBUG);
    assert_int_equal(XSW_DIRECTORY, XS_DIRECTORY);
    assert_int_equal(XSW_READ, XS_READ);
    assert_int_equal(XSW_GET_PERMS, XS_GET_PERMS);
    assert_int_equal(XSW_WATCH, XS_WATCH);
    assert_int_equal(XSW_UNWATCH, XS_UNWATCH);
    assert_int_equal(XSW_TRANSACTION_START, XS_TRANSACTION_START);
    assert_int_equal(XSW_TRANSACTION_END, XS_TRANSACTION_END);
    assert_int_equal(XSW_INTRODUCE, XS_INTRODUCE);
    assert_int_equal(XSW_RELEASE, XS_RELEASE);
    assert_int_equal(XSW_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH);
    assert_int_equal(XSW_WRITE, XS_WRITE);
    assert_int_equal(XSW_MKDIR, XS_MKDIR);
    assert_int_equal(XSW_RM, XS_RM);
    assert_int_equal(XSW_SET_PERMS, XS_SET_PERMS);
    assert_int_equal(XSW_WATCH_EVENT, XS_WATCH_EVENT);
    assert_int_equal(XSW_ERROR, XS_ERROR);
    assert_int_equal(XSW_IS_DOMAIN_INTRODUCED, XS_IS_DOMAIN_INTRODUCED);
    assert_int_equal(XSW_RESUME, XS_RESUME);
    assert_int_equal(XSW_SET_TARGET, XS_SET_TARGET);
    assert_int_equal(XSW_RESET_WATCHES, XS_RESET_WATCHES);
    assert_int_equal(XSW_DIRECTORY_PART, XS_DIRECTORY_PART);
    assert_int_equal(XSW_TYPE_COUNT, XS_TYPE_COUNT);
    assert_int_equal(XSW_INVALID, XS_INVALID);
}

static void test_header_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct xsw_msg_hdr), sizeof(struct xsd_sockmsg));
    assert_int_equal(XSW_HDR_SIZE, sizeof(struct xsd_sockmsg));
    assert_int_equal(offsetof(struct xsw_msg_hdr, type),
                     offsetof(struct xsd_sockmsg, type));
    assert_int_equal(offsetof(struct xsw_msg_hdr, req_id),
                     offsetof(struct xsd_sockmsg, req_id));
    assert_int_equal(offsetof(struct xsw_msg_hdr, tx_id),
                     offsetof(struct xsd_sockmsg, tx_id));
    assert_int_equal(offsetof(struct xsw_msg_hdr, len),
                     offsetof(struct xsd_sockmsg, len));
    assert_int_equal(XSW_PAYLOAD_MAX, XENSTORE_PAYLOAD_MAX);
    assert_int_equal(XSW_ABS_PATH_MAX, XENSTORE_ABS_PATH_MAX);
    assert_int_equal(XSW_REL_PATH_MAX, XENSTORE_REL_PATH_MAX);
}

#define SAME_OFFSET(field) \
    assert_int_equal(offsetof(struct xsw_ring_page, field), \
                     offsetof(struct xenstore_domain_interface, field))

static void test_ring_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(struct xsw_ring_page),
                     sizeof(struct xenstore_domain_interface));
    SAME_OFFSET(req);
    SAME_OFFSET(rsp);
    SAME_OFFSET(req_cons);
    SAME_OFFSET(req_prod);
    SAME_OFFSET(rsp_cons);
    SAME_OFFSET(rsp_prod);
    SAME_OFFSET(server_features);
    SAME_OFFSET(connection);
    SAME_OFFSET(error);
    assert_int_equal(offsetof(struct xsw_ring_page, rsp), 1024);
    assert_int_equal(offsetof(struct xsw_ring_page, req_cons), 2048);
    assert_true(sizeof(struct xsw_ring_page) <= 4096);
    assert_int_equal(XSW_RING_SIZE, XENSTORE_RING_SIZE);
}

static void test_ring_masking(void **state)
{
    static const uint32_t idx[] = { 0, 1, 1023, 1024, 1025, 4095,
                                    0x7fffffffu, 0xfffffc00u, 0xffffffffu };
    (void)state;
    for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
        assert_int_equal(XSW_RING_MASK(idx[i]), MASK_XENSTORE_IDX(idx[i]));
    /* Free-running indexes: distance survives the 32-bit wrap. */
    assert_int_equal((uint32_t)(5u - 0xfffffffbu), 10u);
}

static void test_ring_constants(void **state)
{
    (void)state;
    assert_int_equal(XSW_FEATURE_RECONNECTION,
                     XENSTORE_SERVER_FEATURE_RECONNECTION);
    assert_int_equal(XSW_FEATURE_ERROR, XENSTORE_SERVER_FEATURE_ERROR);
    assert_int_equal(XSW_CONNECTED, XENSTORE_CONNECTED);
    assert_int_equal(XSW_RECONNECT, XENSTORE_RECONNECT);
    assert_int_equal(XSW_ERROR_NONE, XENSTORE_ERROR_NONE);
    assert_int_equal(XSW_ERROR_COMM, XENSTORE_ERROR_COMM);
    assert_int_equal(XSW_ERROR_RINGIDX, XENSTORE_ERROR_RINGIDX);
    assert_int_equal(XSW_ERROR_PROTO, XENSTORE_ERROR_PROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_types),
        cmocka_unit_test(test_header_layout),
        cmocka_unit_test(test_ring_layout),
        cmocka_unit_test(test_ring_masking),
        cmocka_unit_test(test_ring_constants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
