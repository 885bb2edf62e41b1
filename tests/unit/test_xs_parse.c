/*
 * xsu_parse_ulong (common/xs_util.c): every number a peer writes into
 * xenstore passes through it, with the largest value the key allows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/xs_util.h"

static void accepted(const char *s, unsigned long max, unsigned long want)
{
    unsigned long v = 12345;

    assert_int_equal(xsu_parse_ulong(s, max, &v), 0);
    assert_int_equal(v, want);
}

static void refused(const char *s, unsigned long max)
{
    unsigned long v = 12345;

    assert_int_equal(xsu_parse_ulong(s, max, &v), -1);
    assert_int_equal(v, 12345); /* untouched */
}

static void test_within_max(void **state)
{
    (void)state;
    accepted("0", 1, 0);
    accepted("1", 1, 1);
    accepted("8", 8, 8);
    accepted("255", 255, 255);
    accepted("4294967295", 0xffffffffUL, 0xffffffffUL);
}

/* A single digit above a maximum under 9: max - digit must not wrap into a pass. */
static void test_digit_above_small_max(void **state)
{
    (void)state;
    for (char d = '2'; d <= '9'; d++) {
        char s[3] = { d, 0, 0 };

        refused(s, 1);
        s[1] = '0';
        refused(s, 1);
    }
    refused("9", 8);
    refused("12", 1);
    refused("19", 1);
    refused("3", 2);
}

static void test_above_max(void **state)
{
    (void)state;
    refused("256", 255);
    refused("4294967296", 0xffffffffUL);
    refused("99999999999999999999999", ~0UL);
}

static void test_not_numbers(void **state)
{
    (void)state;
    refused("", 10);
    refused("-1", 10);
    refused("1 ", 10);
    refused(" 1", 10);
    refused("0x1", 10);
    refused("1a", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_max),
        cmocka_unit_test(test_digit_above_small_max),
        cmocka_unit_test(test_above_max),
        cmocka_unit_test(test_not_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
