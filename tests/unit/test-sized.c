/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/sized.h: the rule psoas.h states for its sized structs, through the public functions. A caller built
 * against an older psoas.h passes a smaller size: what it has is read or filled, nothing past it is touched, and
 * the fields it lacks take their defaults. A caller built against a newer psoas.h passes a larger size: the bytes
 * this library does not know must be zero going in, and are zeroed coming out.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "psoas/psoas.h"
#include "test-util.h"

#define CANARY 0xa5
#define PERIOD_US 10000

/* A struct of a newer psoas.h: ours, then fields this library does not know. */
struct future_config {
        struct psoas_config config;
        uint32_t future[4];
};

struct future_event {
        struct psoas_event event;
        uint64_t future[2];
};

struct future_sample {
        struct psoas_sample sample;
        uint64_t future;
};

struct future_stretch {
        struct psoas_stretch stretch;
        uint64_t future;
};

static bool all_bytes(const void *p, size_t n, uint8_t value) {
        for (size_t i = 0; i < n; i++)
                if (((const uint8_t *)p)[i] != value)
                        return false;
        return true;
}

/* An engine that has seen a second and a half of standing still, calibrated on its first second, with some
 * events queued. */
static struct psoas_engine *engine_with_samples(void) {
        struct psoas_config config;
        struct psoas_engine *e = NULL;

        ASSERT_EQ(psoas_config_init(PSOAS_SIZED(&config)), 0);
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_EQ(psoas_engine_calibrate_window(e, 0, 1000000), 0);
        for (int64_t t = 0; t <= 1500000; t += PERIOD_US) {
                struct psoas_sample s = { .size = sizeof(s), .t_us = t, .accel = { 0.0f, 0.0f, 9.81f } };

                ASSERT_EQ(psoas_engine_feed(e, &s), 0);
        }
        return e;
}

TEST(config_init_fills_an_older_smaller_struct_only_as_far_as_it_goes) {
        size_t old_size = offsetof(struct psoas_config, tilt_alert_deg);
        struct psoas_config config;

        memset(&config, CANARY, sizeof(config));
        config.size = (uint32_t)old_size;
        ASSERT_EQ(psoas_config_init(&config), 0);
        ASSERT_EQ(config.size, old_size);
        ASSERT_TRUE(config.use_gyro);
        ASSERT_NEAR(config.sitting_alert_s, 1800.0, 0.0);
        ASSERT_NEAR(config.sitting_repeat_s, 600.0, 0.0);
        ASSERT_TRUE(all_bytes((const uint8_t *)&config + old_size, sizeof(config) - old_size, CANARY));
}

TEST(an_older_smaller_config_gets_the_defaults_of_what_it_lacks) {
        size_t old_size = offsetof(struct psoas_config, tilt_alert_deg);
        struct psoas_engine *e = NULL;
        struct psoas_config config;
        const char *field = NULL;

        /* What lies past the old size is not the caller's: garbage there (NaN) must not be read. */
        memset(&config, 0xff, sizeof(config));
        config.size = (uint32_t)old_size;
        ASSERT_EQ(psoas_config_init(&config), 0);
        config.sitting_alert_s = 120.0f;
        ASSERT_EQ(psoas_config_validate(&config, &field), 0);
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_EQ(psoas_engine_set_config(e, &config), 0);
        psoas_engine_free(e);

        /* Within the old size, a bad value is still found. */
        config.sitting_repeat_s = 1.0f;
        ASSERT_EQ(psoas_config_validate(&config, &field), -ERANGE);
        ASSERT_STREQ(field, "sitting_repeat_s");
}

TEST(a_larger_config_is_read_when_the_unknown_fields_are_zero) {
        struct future_config big;
        struct psoas_engine *e = NULL;
        const char *field = NULL;

        memset(&big, CANARY, sizeof(big));
        big.config.size = sizeof(big);
        ASSERT_EQ(psoas_config_init(&big.config), 0);
        ASSERT_EQ(big.config.size, sizeof(big));
        ASSERT_TRUE(all_bytes(big.future, sizeof(big.future), 0)); /* zeroed: at their defaults */
        ASSERT_EQ(psoas_config_validate(&big.config, &field), 0);
        ASSERT_EQ(psoas_engine_new(&big.config, &e), 0);

        big.future[2] = 1; /* a setting this library cannot honour */
        ASSERT_EQ(psoas_config_validate(&big.config, &field), -E2BIG);
        ASSERT_STREQ(field, "size");
        ASSERT_EQ(psoas_engine_set_config(e, &big.config), -E2BIG);
        psoas_engine_free(e);
        e = NULL;
        ASSERT_EQ(psoas_engine_new(&big.config, &e), -E2BIG);
        ASSERT_TRUE(e == NULL);
}

TEST(an_unset_size_is_refused) {
        struct psoas_config config = {};
        struct psoas_engine *e = NULL;
        struct psoas_state state = {};
        struct psoas_event ev = {};
        const char *field = NULL;

        ASSERT_EQ(psoas_config_init(&config), -EINVAL);
        ASSERT_EQ(psoas_config_validate(&config, &field), -EINVAL);
        ASSERT_STREQ(field, "size");
        ASSERT_EQ(psoas_engine_new(&config, &e), -EINVAL);

        e = engine_with_samples();
        ASSERT_EQ(psoas_engine_get_state(e, &state), -EINVAL);
        /* An unset size loses no event: the next pop, sized, gets it. */
        ASSERT_EQ(psoas_engine_pop_event(e, &ev), -EINVAL);
        ASSERT_EQ(psoas_engine_pop_event(e, PSOAS_SIZED(&ev)), 1);
        ASSERT_EQ(ev.size, sizeof(ev));
        psoas_engine_free(e);
}

TEST(state_and_events_fill_an_older_smaller_struct_only_as_far_as_it_goes) {
        struct psoas_engine *e = engine_with_samples();
        size_t state_size = offsetof(struct psoas_state, calibrated);
        size_t event_size = offsetof(struct psoas_event, t_us);
        struct psoas_state state;
        struct psoas_event ev;

        memset(&state, CANARY, sizeof(state));
        state.size = (uint32_t)state_size;
        ASSERT_EQ(psoas_engine_get_state(e, &state), 0);
        ASSERT_EQ(state.size, state_size);
        ASSERT_EQ(state.t_us, 1500000);
        ASSERT_TRUE(all_bytes((const uint8_t *)&state + state_size, sizeof(state) - state_size, CANARY));
        /* The same state as a whole struct gets it. */
        ASSERT_EQ(PSOAS_ENGINE_STATE(e)->t_us, 1500000);
        ASSERT_EQ(PSOAS_ENGINE_STATE(e)->samples_accepted, 151);

        memset(&ev, CANARY, sizeof(ev));
        ev.size = (uint32_t)event_size;
        ASSERT_EQ(psoas_engine_pop_event(e, &ev), 1);
        ASSERT_TRUE((unsigned)ev.type < _PSOAS_EVENT_TYPE_MAX);
        ASSERT_TRUE(all_bytes((const uint8_t *)&ev + event_size, sizeof(ev) - event_size, CANARY));
        psoas_engine_free(e);
}

TEST(a_larger_struct_is_filled_and_its_unknown_fields_zeroed) {
        struct psoas_engine *e = engine_with_samples();
        struct psoas_calibration cal;
        struct future_event big;

        memset(&big, CANARY, sizeof(big));
        big.event.size = sizeof(big);
        ASSERT_EQ(psoas_engine_pop_event(e, &big.event), 1);
        ASSERT_EQ(big.event.size, sizeof(big));
        ASSERT_TRUE(big.event.t_us >= 0 && big.event.t_us <= 1500000);
        ASSERT_TRUE(all_bytes(big.future, sizeof(big.future), 0));

        /* A calibration read back and given again, as psoasd saves and restores it. */
        ASSERT_EQ(psoas_engine_get_calibration(e, PSOAS_SIZED(&cal)), 0);
        ASSERT_NEAR(cal.up[2], 1.0, 1e-3);
        ASSERT_EQ(psoas_engine_set_calibration(e, &cal), 0);
        psoas_engine_free(e);
}

TEST(a_catalog_is_walked_by_its_entries_size) {
        size_t n_default;
        const struct psoas_stretch *def = psoas_stretch_default_catalog(&n_default);
        struct future_stretch big[2] = {};
        struct psoas_engine *e = engine_with_samples();
        const struct psoas_stretch *got;
        size_t n;

        ASSERT_TRUE(n_default >= 2);
        for (size_t i = 0; i < n_default; i++) {
                ASSERT_EQ(psoas_stretch_at(def, i)->size, sizeof(struct psoas_stretch));
                ASSERT_TRUE(PSOAS_HAS_FIELD(psoas_stretch_at(def, i), check));
        }

        /* Entries of a newer psoas.h, larger than ours. */
        for (size_t i = 0; i < 2; i++) {
                big[i].stretch = *psoas_stretch_at(def, i);
                big[i].stretch.size = sizeof(big[i]);
        }
        ASSERT_EQ(psoas_engine_set_catalog(e, &big[0].stretch, 2), 0);
        got = psoas_engine_get_catalog(e, &n);
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(psoas_stretch_at(got, 1)->id, psoas_stretch_at(def, 1)->id);
        ASSERT_EQ(psoas_engine_report_stretch(e, psoas_stretch_at(def, 1)->id), 0);

        /* An unknown field set, or entries of two sizes: refused, and the catalog stays. */
        big[1].future = 1;
        ASSERT_EQ(psoas_engine_set_catalog(e, &big[0].stretch, 2), -EINVAL);
        big[1].future = 0;
        big[1].stretch.size = sizeof(struct psoas_stretch);
        ASSERT_EQ(psoas_engine_set_catalog(e, &big[0].stretch, 2), -EINVAL);
        ASSERT_TRUE(psoas_engine_get_catalog(e, &n) == &big[0].stretch);
        psoas_engine_free(e);
}

TEST(an_older_smaller_stretch_gets_the_defaults_of_what_it_lacks) {
        /* An entry of a psoas.h without the check field: self-report only. */
        size_t old_size = offsetof(struct psoas_stretch, check);
        struct psoas_engine *e = engine_with_samples();
        struct psoas_stretch old;
        const char *field = NULL;

        memset(&old, 0xff, sizeof(old)); /* past the old size: not the caller's */
        memcpy(&old, psoas_stretch_at(psoas_stretch_default_catalog(NULL), 0), old_size);
        old.size = (uint32_t)old_size;
        ASSERT_EQ(psoas_stretch_validate(&old, &field), 0);
        ASSERT_TRUE(!psoas_stretch_has_signature(&old));
        ASSERT_TRUE(psoas_stretch_verify_seconds(&old) > 0);
        ASSERT_EQ(psoas_engine_set_catalog(e, &old, 1), 0);
        ASSERT_EQ(psoas_engine_report_stretch(e, old.id), 0);
        psoas_engine_free(e);
}

TEST(day_statistics_of_any_size) {
        struct psoas_engine *e = engine_with_samples();
        size_t old_size = offsetof(struct psoas_day_stats, tilt_sum_deg_s);
        struct psoas_day_stats stats;

        memset(&stats, CANARY, sizeof(stats));
        stats.size = (uint32_t)old_size;
        ASSERT_EQ(psoas_engine_get_day_stats(e, &stats), 0);
        ASSERT_EQ(stats.day, 0);
        ASSERT_TRUE(stats.standing_s + stats.unknown_s > 1.4);
        ASSERT_TRUE(all_bytes((const uint8_t *)&stats + old_size, sizeof(stats) - old_size, CANARY));
        /* Read back as given: the tilt the old struct lacks counts as none. */
        ASSERT_NEAR(psoas_day_stats_tilt_mean(&stats), 0.0, 0.0);
        stats.size = 0;
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&stats, 50), 0.0, 0.0);
        psoas_engine_free(e);
}

TEST(samples_of_any_size) {
        size_t old_size = offsetof(struct psoas_sample, has_gyro);
        struct psoas_engine *e = engine_with_samples();
        struct future_sample big = {};
        struct psoas_sample old;
        uint64_t rejected = PSOAS_ENGINE_STATE(e)->samples_rejected;

        /* An older sample without has_gyro: what lies past it (a "true" there) is not read. */
        old = (struct psoas_sample){ .size = (uint32_t)old_size, .t_us = 2000000, .accel = { 0, 0, 9.81f } };
        memset((uint8_t *)&old + old_size, 0xff, sizeof(old) - old_size);
        ASSERT_EQ(psoas_engine_feed(e, &old), 0);

        /* A newer one: read when the unknown fields are zero. */
        big.sample = (struct psoas_sample){ .size = sizeof(big), .t_us = 2010000, .accel = { 0, 0, 9.81f } };
        ASSERT_EQ(psoas_engine_feed(e, &big.sample), 0);
        big.sample.t_us = 2020000;
        big.future = 1;
        ASSERT_EQ(psoas_engine_feed(e, &big.sample), -E2BIG);

        /* An unset size is refused and counted, as any rejected sample. */
        old = (struct psoas_sample){ .t_us = 2030000, .accel = { 0, 0, 9.81f } };
        ASSERT_EQ(psoas_engine_feed(e, &old), -EINVAL);
        ASSERT_EQ(PSOAS_ENGINE_STATE(e)->samples_rejected, rejected + 2);
        ASSERT_EQ(PSOAS_ENGINE_STATE(e)->samples_accepted, 153);
        ASSERT_EQ(PSOAS_ENGINE_STATE(e)->t_us, 2010000);
        psoas_engine_free(e);
}

TEST_MAIN
