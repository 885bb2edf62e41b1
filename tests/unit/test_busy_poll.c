/*
 * test_busy_poll.c - the adaptive busy-poll window (common/busy_poll.c):
 * it halves on every spin that finds nothing, down to zero, and reopens to
 * its ceiling when a spin finds work, a wakeup comes quickly, or one call
 * of the queue's work finds a batch waiting.  Only the window's state is
 * checked, never how long a spin took.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/busy_poll.h"
#include "common/log.h"

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static bool at_once(void *arg)
{
    unsigned *calls = arg;
    (*calls)++;
    return true;
}

/* Spin until the window has closed; returns the failed spins it took. */
static unsigned close_window(struct ns_busy_poll *bp)
{
    unsigned spins = 0;

    while (bp->window_ns && spins < 64) {
        assert_false(ns_busy_poll_spin(bp, never, NULL));
        spins++;
    }
    assert_int_equal(bp->window_ns, 0);
    return spins;
}

static void test_off_never_spins(void **state)
{
    struct ns_busy_poll bp;
    unsigned calls = 0;

    (void)state;
    ns_busy_poll_init(&bp, 0);
    assert_false(ns_busy_poll_spin(&bp, at_once, &calls));
    assert_int_equal(calls, 0);
    ns_busy_poll_woke(&bp);
    ns_busy_poll_worked(&bp, 1000);
    assert_int_equal(bp.window_ns, 0);
}

static void test_failed_spins_halve_to_zero(void **state)
{
    struct ns_busy_poll bp;

    (void)state;
    ns_busy_poll_init(&bp, 8);
    assert_int_equal(bp.window_ns, 8000);
    assert_false(ns_busy_poll_spin(&bp, never, NULL));
    assert_int_equal(bp.window_ns, 4000);
    assert_false(ns_busy_poll_spin(&bp, never, NULL));
    assert_int_equal(bp.window_ns, 2000);
    assert_false(ns_busy_poll_spin(&bp, never, NULL));
    assert_int_equal(bp.window_ns, 1000);
    /* Below the smallest window it closes: a closed window does not spin. */
    assert_false(ns_busy_poll_spin(&bp, never, NULL));
    assert_int_equal(bp.window_ns, 0);
    assert_false(ns_busy_poll_spin(&bp, never, NULL));
}

static void test_found_work_reopens(void **state)
{
    struct ns_busy_poll bp;
    unsigned calls = 0;

    (void)state;
    ns_busy_poll_init(&bp, 8);
    assert_false(ns_busy_poll_spin(&bp, never, NULL));
    assert_int_equal(bp.window_ns, 4000);
    assert_true(ns_busy_poll_spin(&bp, at_once, &calls));
    assert_int_equal(calls, 1);
    assert_int_equal(bp.window_ns, 8000);
}

static void test_dense_work_reopens(void **state)
{
    struct ns_busy_poll bp;

    (void)state;
    ns_busy_poll_init(&bp, 8);
    close_window(&bp);
    ns_busy_poll_worked(&bp, NS_BUSY_POLL_DENSE - 1);
    assert_int_equal(bp.window_ns, 0);
    ns_busy_poll_worked(&bp, 0);
    assert_int_equal(bp.window_ns, 0);
    ns_busy_poll_worked(&bp, NS_BUSY_POLL_DENSE);
    assert_int_equal(bp.window_ns, 8000);
}

static void test_quick_wakeup_reopens_slow_one_does_not(void **state)
{
    struct ns_busy_poll bp;

    (void)state;
    ns_busy_poll_init(&bp, 8);
    close_window(&bp);
    /* Asleep for a second: the traffic is sparse, the window stays shut. */
    ns_busy_poll_sleeping(&bp);
    bp.slept_at_ns -= 1000000000u;
    ns_busy_poll_woke(&bp);
    assert_int_equal(bp.window_ns, 0);
    /* Woken at once. */
    ns_busy_poll_sleeping(&bp);
    ns_busy_poll_woke(&bp);
    assert_int_equal(bp.window_ns, 8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_never_spins),
        cmocka_unit_test(test_failed_spins_halve_to_zero),
        cmocka_unit_test(test_found_work_reopens),
        cmocka_unit_test(test_dense_work_reopens),
        cmocka_unit_test(test_quick_wakeup_reopens_slow_one_does_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
