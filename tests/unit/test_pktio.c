/*
 * test_pktio.c - the benchmark's frame source and sink (common/pktio.c):
 * frames laid out over the pieces a caller gives (a staging slot, then
 * the rest of a frame buffer), the capacity limit, the request/response
 * pacing and the echo.  The TAP side of ns_pktio_read is covered by the
 * e2e frame tests, which send every frame size through real TAPs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/pktio.h"

#define JUNK 0xA5

/* The generator's frame: its Ethernet header, then zeroes. */
static void check_generated(const uint8_t *frame, size_t len)
{
    static const uint8_t header[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0x02, 0x4e, 0x53, 0x00, 0x00, 0x01, 0x88, 0xb5 };

    assert_true(len >= sizeof(header));
    assert_memory_equal(frame, header, sizeof(header));
    for (size_t i = sizeof(header); i < len; i++)
        assert_int_equal(frame[i], 0);
}

/* Read one generated frame of len bytes over a head piece of head_cap bytes and a rest. */
static void read_split(uint32_t len, size_t head_cap)
{
    struct ns_pktio io = { .fd = -1, .gen_len = len };
    uint8_t head[64], rest[256], whole[320];
    struct iovec frame[2] = { { head, head_cap }, { rest, sizeof(rest) } };
    struct virtio_net_hdr vh;
    size_t got = 0;

    memset(head, JUNK, sizeof(head));
    memset(rest, JUNK, sizeof(rest));
    memset(&vh, JUNK, sizeof(vh));
    assert_int_equal(ns_pktio_read(&io, &vh, frame, 2, &got), 1);
    assert_int_equal(got, len);
    assert_int_equal(vh.flags, 0);
    assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    /* The head piece holds the first head_cap bytes, the rest follow on. */
    memcpy(whole, head, head_cap);
    memcpy(whole + head_cap, rest, len > head_cap ? len - head_cap : 0);
    check_generated(whole, len);
    /* Nothing written past the frame. */
    for (size_t i = len; i < head_cap; i++)
        assert_int_equal(head[i], JUNK);
    for (size_t i = len > head_cap ? len - head_cap : 0; i < sizeof(rest); i++)
        assert_int_equal(rest[i], JUNK);
    assert_int_equal(io.sent, 1);
}

static void test_generator_layout(void **state)
{
    (void)state;
    read_split(60, 64);   /* all in the head piece */
    read_split(64, 64);   /* exactly fills it */
    read_split(65, 64);   /* one byte beyond */
    read_split(300, 64);  /* mostly in the rest */
    read_split(100, 14);  /* the head piece holds only the Ethernet header */
}

static void test_generator_capacity(void **state)
{
    struct ns_pktio io = { .fd = -1, .gen_len = 100 };
    uint8_t a[40], b[59];
    struct iovec frame[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    struct virtio_net_hdr vh;
    size_t got = 0;

    (void)state;
    /* 99 bytes of room for a 100-byte frame: nothing is generated. */
    assert_int_equal(ns_pktio_read(&io, &vh, frame, 2, &got), 0);
    assert_int_equal(io.sent, 0);
    io.gen_len = 0;
    assert_int_equal(ns_pktio_read(&io, &vh, frame, 2, &got), 0);
}

static void test_ping_pong(void **state)
{
    struct ns_pktio io = { .fd = -1, .gen_len = 64, .ping_pong = true };
    uint8_t buf[64];
    struct iovec frame = { buf, sizeof(buf) };
    struct virtio_net_hdr vh;
    size_t got = 0;

    (void)state;
    assert_int_equal(ns_pktio_read(&io, &vh, &frame, 1, &got), 1);
    /* One in flight: the next frame waits until one has come back. */
    assert_int_equal(ns_pktio_read(&io, &vh, &frame, 1, &got), 0);
    memset(&vh, 0, sizeof(vh));
    assert_int_equal(ns_pktio_write(&io, &vh, buf, got), 0);
    assert_int_equal(ns_pktio_read(&io, &vh, &frame, 1, &got), 1);
    assert_int_equal(io.sent, 2);
    assert_int_equal(io.returned, 1);
}

static void test_echo(void **state)
{
    struct ns_pktio io = { .fd = -1, .echo = true };
    uint8_t in[100], head[32], rest[128];
    struct iovec frame[2] = { { head, sizeof(head) }, { rest, sizeof(rest) } };
    struct virtio_net_hdr vh = { 0 };
    size_t got = 0;
    unsigned i;

    (void)state;
    assert_int_equal(ns_pktio_echo_init(&io), 0);
    assert_int_equal(ns_pktio_read(&io, &vh, frame, 2, &got), 0);
    for (i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(ns_pktio_write(&io, &vh, in, sizeof(in)), 0);
    assert_int_equal(ns_pktio_read(&io, &vh, frame, 2, &got), 1);
    assert_int_equal(got, sizeof(in));
    /* The echoed frame comes back over both pieces, in order. */
    assert_memory_equal(head, in, sizeof(head));
    assert_memory_equal(rest, in + sizeof(head), sizeof(in) - sizeof(head));
    assert_int_equal(ns_pktio_read(&io, &vh, frame, 2, &got), 0);
    ns_pktio_release(&io);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_layout),
        cmocka_unit_test(test_generator_capacity),
        cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_echo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
