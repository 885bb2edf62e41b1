/*
 * test_vif_settings.c - netstage_vif entries of xl domain configs and the
 * device ids of vif entries (tools/netstage/vif_settings.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tools/netstage/vif_settings.h"

static void parses_every_option(void **state)
{
    struct vif_settings s;
    char err[160];

    (void)state;
    assert_int_equal(vif_settings_parse("staging=on,slot-len-max=512,queues=3", &s, err,
                                        sizeof(err)), 0);
    assert_int_equal(s.staging, 2);
    assert_int_equal(s.slot_len_max, 512);
    assert_int_equal(s.queues, 3);
    assert_int_equal(vif_settings_parse("staging=off", &s, err, sizeof(err)), 0);
    assert_int_equal(s.staging, 1);
    assert_int_equal(s.slot_len_max, 0);
    assert_int_equal(s.queues, 0);
    assert_int_equal(vif_settings_parse("staging=1, queues=16", &s, err, sizeof(err)), 0);
    assert_int_equal(s.staging, 2);
    assert_int_equal(s.queues, 16);
}

static void empty_entry_sets_nothing(void **state)
{
    struct vif_settings s;
    char err[160];

    (void)state;
    assert_int_equal(vif_settings_parse("", &s, err, sizeof(err)), 0);
    assert_int_equal(s.staging + s.slot_len_max + s.queues, 0);
    assert_int_equal(vif_settings_parse(",,", &s, err, sizeof(err)), 0);
}

static void refuse(const char *spec, const char *expect)
{
    struct vif_settings s;
    char err[160] = "";

    assert_int_equal(vif_settings_parse(spec, &s, err, sizeof(err)), -1);
    if (!strstr(err, expect))
        fail_msg("'%s': message '%s' lacks '%s'", spec, err, expect);
}

static void refuses_bad_input(void **state)
{
    (void)state;
    refuse("staging=maybe", "bad value 'maybe' for staging");
    refuse("queus=1", "unknown option 'queus'");
    refuse("staging", "option 'staging' has no value");
    refuse("slot-len-max=100", "bad value '100'");      /* not a power of two */
    refuse("slot-len-max=32", "bad value '32'");        /* below 64 */
    refuse("slot-len-max=8192", "bad value '8192'");    /* above 4096 */
    refuse("slot-len-max=", "bad value ''");
    refuse("queues=0", "bad value '0' for queues");
    refuse("queues=17", "bad value '17'");
    refuse("queues=-1", "bad value '-1'");
    refuse("queues=1x", "bad value '1x'");
    refuse("queues=99999999999999999999", "bad value");
}

static void devid_from_vif_spec(void **state)
{
    unsigned d;

    (void)state;
    assert_int_equal(vif_spec_devid("mac=00:16:3e:00:00:01,bridge=xenbr0", 3, &d), 0);
    assert_int_equal(d, 3);
    assert_int_equal(vif_spec_devid("bridge=xenbr0, devid=7", 0, &d), 0);
    assert_int_equal(d, 7);
    assert_int_equal(vif_spec_devid("devid=", 0, &d), 0);   /* not devid=N: index */
    assert_int_equal(d, 0);
    assert_int_equal(vif_spec_devid("devid=x", 0, &d), -1);
    assert_int_equal(vif_spec_devid("devid=65536", 0, &d), -1);
    assert_int_equal(vif_spec_devid("", 2, &d), 0);
    assert_int_equal(d, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_option),
        cmocka_unit_test(empty_entry_sets_nothing),
        cmocka_unit_test(refuses_bad_input),
        cmocka_unit_test(devid_from_vif_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
