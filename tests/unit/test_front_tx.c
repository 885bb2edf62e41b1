/*
 * test_front_tx.c - the frontend's guest-TX path (frontend/tx.c) against a
 * backend played by the test on a private ring: frames from the benchmark
 * generator land in their slots and on the ring, and responses are
 * checked, not trusted.  In particular the id held for the next frame's
 * head (taken before the read, not yet on the ring) is not in flight: a
 * response naming it disables the vif instead of freeing an id that is
 * still in use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "frontend/frontend.h"

#define SLOT_LEN 256u

struct rig {
    struct front fe;
    struct front_vif vif;
    struct front_queue q;
    struct ns_queue_stats stats;
    uint8_t *slot_mem;
};

static int setup(void **state)
{
    struct rig *r = calloc(1, sizeof(*r));
    unsigned i;

    if (!r)
        return -1;
    r->fe.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    r->vif.fe = &r->fe;
    r->q.vif = &r->vif;
    r->q.stats = &r->stats;
    r->q.tx = aligned_alloc(4096, 4096);
    r->q.tx_frame = malloc(FRONT_FRAME_MAX);
    r->slot_mem = calloc(FRONT_IDS, SLOT_LEN);
    if (r->fe.wake_fd < 0 || !r->q.tx || !r->q.tx_frame || !r->slot_mem)
        return -1;
    memset(r->q.tx, 0, 4096);
    r->q.tx_slots.len = SLOT_LEN;
    for (i = 0; i < FRONT_IDS; i++) {
        r->q.tx_slots.slot[i] = r->slot_mem + (size_t)i * SLOT_LEN;
        r->q.tx_pool.refs[i] = 1000 + i;
        r->q.tx_free[i] = (uint16_t)(FRONT_IDS - 1 - i); /* as connect.c: id 0 on top */
    }
    r->q.tx_nfree = FRONT_IDS;
    r->q.tx_head_id = FRONT_NO_ID;
    r->q.io.fd = -1;
    r->q.io.gen_len = 64;
    r->q.io.ping_pong = true; /* one frame, then the generator waits for it to come back */
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct rig *r = *state;

    close(r->fe.wake_fd);
    free(r->q.tx);
    free(r->q.tx_frame);
    free(r->slot_mem);
    free(r);
    return 0;
}

/* The backend's side: answer ring position pos with id and status, and publish. */
static void respond(struct rig *r, uint32_t pos, uint16_t id, int16_t status)
{
    r->q.tx->ring[pos & (NETIF_TX_RING_SIZE - 1)].rsp =
        (struct netif_tx_response){ .id = id, .status = status };
    __atomic_store_n(&r->q.tx->rsp_prod, pos + 1, __ATOMIC_RELEASE);
}

/* One frame goes out: the request names its slot, which holds the frame. */
static uint16_t send_one(struct rig *r)
{
    struct netif_tx_request req;

    assert_int_equal(front_tx_work(&r->q), 1);
    assert_int_equal(__atomic_load_n(&r->q.tx->req_prod, __ATOMIC_ACQUIRE), 1);
    memcpy(&req, &r->q.tx->ring[0].req, sizeof(req));
    assert_int_equal(req.size, 64);
    assert_int_equal(req.flags, 0);
    assert_int_equal(req.gref, 1000u + req.id);
    /* The generated frame's Ethernet header, read straight into the slot. */
    assert_int_equal(r->q.tx_slots.slot[req.id][12], 0x88);
    assert_int_equal(r->q.tx_slots.slot[req.id][13], 0xb5);
    return req.id;
}

static void test_frame_into_slot(void **state)
{
    struct rig *r = *state;
    uint16_t id = send_one(r);

    assert_false(ns_fatal_pending(&r->vif.fatal));
    assert_int_equal(r->stats.tx_packets, 1);
    assert_int_equal(r->stats.tx_staged, 1);
    assert_int_equal(r->stats.tx_staged_bytes, 64);
    /* The read that found no frame still holds the next head's id. */
    assert_int_not_equal(r->q.tx_head_id, FRONT_NO_ID);
    assert_int_not_equal(r->q.tx_head_id, id);
    /* A correct response frees the id; the next frame may go. */
    respond(r, 0, id, NETIF_RSP_OKAY);
    r->q.io.returned = r->q.io.sent;
    assert_int_equal(front_tx_work(&r->q), 1);
    assert_false(ns_fatal_pending(&r->vif.fatal));
}

static void test_response_for_held_head_id(void **state)
{
    struct rig *r = *state;

    send_one(r);
    assert_int_not_equal(r->q.tx_head_id, FRONT_NO_ID);
    /* The backend answers position 0 with the id we hold but never sent. */
    respond(r, 0, r->q.tx_head_id, NETIF_RSP_OKAY);
    front_tx_work(&r->q);
    assert_true(ns_fatal_pending(&r->vif.fatal));
    assert_int_equal(r->stats.errors[NS_ERROR_PEER_FATAL], 1);
}

static void test_response_for_unknown_id(void **state)
{
    struct rig *r = *state;

    send_one(r);
    respond(r, 0, FRONT_IDS, NETIF_RSP_OKAY);
    front_tx_work(&r->q);
    assert_true(ns_fatal_pending(&r->vif.fatal));
}

static void test_rsp_prod_beyond_requests(void **state)
{
    struct rig *r = *state;
    uint16_t id = send_one(r);

    respond(r, 1, id, NETIF_RSP_OKAY); /* rsp_prod 2, one request out */
    front_tx_work(&r->q);
    assert_true(ns_fatal_pending(&r->vif.fatal));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frame_into_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_for_held_head_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_for_unknown_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rsp_prod_beyond_requests, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
