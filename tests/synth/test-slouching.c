/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The slouch alert end to end through the engine, on synthetic sitters (libpsoas(3), SLOUCH): the upright
 * sitting reference captured while sitting, a sitter slumped back by N degrees alerted after slouch_alert_s,
 * an upright or barely slumped sitter never, and never while standing, walking or lying.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "psoas/psoas.h"
#include "synth.h"
#include "test-util.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define RATE_HZ 50.0
#define CAPTURE_AT_S 10.0 /* into the upright sit */

static const struct {
        uint64_t seed;
        const char *mount;
} wearers[] = {
        { 1, "belt-front-x-up" },
        { 2, "belt-back" },
        { 3, "belt-left" },
        { 4, "random" },
        { 5, "sacrum-flat" },
};

typedef struct Run {
        bool reference; /* CALIBRATED with calibrated.sitting */
        int refused; /* 1 + the reason of the first CALIBRATION_FAILED, 0 for none */
        unsigned slouch_alerts;
        double first_slouch_s; /* scenario seconds */
        SynthSegmentType first_slouch_type;
        double first_slouch_segment_t_s;
        double slouch_deg_max; /* state.slouch_deg's largest value sitting, past a sit segment's first 5 s */
} Run;

/* Standing (the calibration), a walk (the forward direction is learned), a sit-down, 30 s upright (the
 * reference), then what tail adds. */
static SynthScenario *scenario_begin(uint64_t seed) {
        SynthScenario *s = NULL;

        ASSERT_EQ(synth_scenario_new(seed, &s), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 20, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_WALK, 40, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 10, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT_DOWN, 0, SYNTH_SEAT_CHAIR), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 30, 0), 0);
        return s;
}

/* Runs the scenario; the sitting reference is asked for CAPTURE_AT_S into the first sit segment (or, with
 * capture_standing, into the first standing segment after the walk). */
static void run(SynthScenario *s, uint64_t seed, const char *mount, bool capture_standing, Run *ret) {
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        SynthOptions o;
        Synth *g = NULL;
        struct psoas_sample smp;
        struct psoas_event ev;
        SynthTruth tr;
        bool asked = false;

        *ret = (Run){};
        synth_options_init(&o);
        o.rate_hz = RATE_HZ;
        o.seed = seed;
        ASSERT_EQ(synth_mount_lookup(mount, seed, o.q_sp), 0);
        ASSERT_EQ(synth_new(s, &o, &g), 0);
        psoas_config_init(PSOAS_SIZED(&config));
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_EQ(psoas_engine_calibrate_sitting(e), -ENODATA);
        ASSERT_EQ(psoas_engine_calibrate(e), 0);

        while (synth_next(g, &smp, &tr) > 0) {
                ASSERT_EQ(psoas_engine_feed(e, &smp), 0);
                bool at = capture_standing ? tr.type == SYNTH_STAND && tr.segment > 1
                                           : tr.type == SYNTH_SIT && tr.segment == 4;
                if (!asked && at && tr.segment_t_s >= (capture_standing ? 5.0 : CAPTURE_AT_S)) {
                        ASSERT_EQ(psoas_engine_calibrate_sitting(e), 0);
                        ASSERT_EQ(psoas_engine_calibrate_sitting(e), -EBUSY);
                        /* One calibration at a time, of either kind. */
                        ASSERT_EQ(psoas_engine_calibrate(e), -EBUSY);
                        ASSERT_EQ(psoas_engine_calibrate_window(e, smp.t_us, smp.t_us + 5000000), -EBUSY);
                        asked = true;
                }
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0) {
                        if (ev.type == PSOAS_EVENT_CALIBRATED && ev.calibrated.sitting)
                                ret->reference = true;
                        if (ev.type == PSOAS_EVENT_CALIBRATION_FAILED && !ret->refused)
                                ret->refused = 1 + (int)ev.calibration_failed.reason;
                        if (ev.type == PSOAS_EVENT_ALERT && ev.alert.kind == PSOAS_ALERT_SLOUCH) {
                                if (ret->slouch_alerts++ == 0) {
                                        ret->first_slouch_s = tr.t_s;
                                        ret->first_slouch_type = tr.type;
                                        ret->first_slouch_segment_t_s = tr.segment_t_s;
                                }
                        }
                }
                if (tr.type == SYNTH_SIT && tr.segment_t_s > 5) {
                        const struct psoas_state *st = PSOAS_ENGINE_STATE(e);
                        if (st->posture == PSOAS_POSTURE_SITTING && st->slouch_deg > ret->slouch_deg_max)
                                ret->slouch_deg_max = st->slouch_deg;
                }
        }
        ASSERT_TRUE(asked);
        psoas_engine_free(e);
        synth_free(g);
}

/* A sitter slumped back by N degrees, for ten minutes, is told after slouch_alert_s (180 s) of it: counted
 * from the start of the slump, give or take the seconds it takes to slump. */
TEST(slumped_sitter_alerted_after_configured_time) {
        static const double slumps[] = { 15, 25 };

        for (size_t w = 0; w < ELEMENTSOF(wearers); w++)
                for (size_t k = 0; k < ELEMENTSOF(slumps); k++) {
                        SynthScenario *s = scenario_begin(wearers[w].seed);
                        Run r;

                        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 600, slumps[k]), 0);
                        run(s, wearers[w].seed, wearers[w].mount, false, &r);
                        fprintf(stderr,
                                "seed %" PRIu64 " %-16s slumped %2.0f°: reference %d, %u alerts, first %.1f "
                                "s into the slump\n",
                                wearers[w].seed, wearers[w].mount, slumps[k], r.reference, r.slouch_alerts,
                                r.first_slouch_segment_t_s);
                        ASSERT_TRUE(r.reference);
                        ASSERT_EQ(r.refused, 0);
                        ASSERT_TRUE(r.slouch_alerts >= 1);
                        ASSERT_EQ(r.first_slouch_type, SYNTH_SIT);
                        ASSERT_GE(r.first_slouch_segment_t_s, 180.0);
                        ASSERT_LE(r.first_slouch_segment_t_s, 190.0);
                        /* again every 180 s while it lasts: at 360 and 540 s */
                        ASSERT_EQ(r.slouch_alerts, 3);
                        synth_scenario_free(s);
                }
}

/* Sitting upright for an hour, or slumped by less than the threshold (4° of 10°), never alerts. */
TEST(upright_sitter_never_alerted) {
        static const double slumps[] = { 0, 4 };

        for (size_t w = 0; w < ELEMENTSOF(wearers); w++)
                for (size_t k = 0; k < ELEMENTSOF(slumps); k++) {
                        SynthScenario *s = scenario_begin(wearers[w].seed);
                        Run r;

                        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 3600, slumps[k]), 0);
                        run(s, wearers[w].seed, wearers[w].mount, false, &r);
                        fprintf(stderr,
                                "seed %" PRIu64 " %-16s slumped %.0f°: %u alerts, at most %.1f° behind\n",
                                wearers[w].seed, wearers[w].mount, slumps[k], r.slouch_alerts,
                                r.slouch_deg_max);
                        ASSERT_TRUE(r.slouch_deg_max < 10);
                        ASSERT_TRUE(r.reference);
                        ASSERT_EQ(r.slouch_alerts, 0);
                        synth_scenario_free(s);
                }
}

/* Standing, walking, lying on the back and curled on the side, and the sensor taken off and left on the desk:
 * none of it is a slouch while sitting, and none alerts. Standing tilted back as far
 * as a slump would be behind the sitting reference is not sitting. */
TEST(never_standing_walking_lying) {
        for (size_t w = 0; w < ELEMENTSOF(wearers); w++) {
                SynthScenario *s = scenario_begin(wearers[w].seed);
                Run r;

                ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND_UP, 0, SYNTH_SEAT_CHAIR), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND_TILTED, 900, -20), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_WALK, 600, 0), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 10, 0), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_LIE_DOWN, 0, SYNTH_LIE_SUPINE), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_LIE, 1800, 0), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_LIE_DOWN, 0, SYNTH_LIE_RIGHT_CURLED), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_LIE, 900, 0), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_GET_UP, 0, 0), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 60, 0), 0);
                /* Taken off and left on the desk: not worn, no posture, whatever the sensor's tilt. */
                ASSERT_EQ(synth_scenario_add(s, SYNTH_OFF, 1800, 0), 0);
                run(s, wearers[w].seed, wearers[w].mount, false, &r);
                fprintf(stderr, "seed %" PRIu64 " %-16s: %u alerts\n", wearers[w].seed, wearers[w].mount,
                        r.slouch_alerts);
                ASSERT_TRUE(r.reference);
                ASSERT_EQ(r.slouch_alerts, 0);
                synth_scenario_free(s);
        }
}

/* Asked while standing, the capture is refused (NOT_SITTING) and no slump is ever alerted. */
TEST(reference_refused_standing) {
        SynthScenario *s = scenario_begin(1);
        Run r;

        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 600, 25), 0);
        run(s, 1, "belt-front-x-up", true, &r);
        ASSERT_TRUE(!r.reference);
        ASSERT_EQ(r.refused, 1 + (int)PSOAS_CALIBRATION_NOT_SITTING);
        ASSERT_EQ(r.slouch_alerts, 0);
        synth_scenario_free(s);
}

/* A slump cut by a reach forward of a few seconds every minute still alerts on time: a fidget is not sitting
 * up. Sitting up for a minute halfway restarts the count. */
TEST(reach_forward_is_not_sitting_up) {
        SynthScenario *s = scenario_begin(2);
        double slump_start = synth_scenario_duration(s);
        Run r;

        for (int i = 0; i < 4; i++) {
                ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 55, 20), 0);
                ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 5, -15), 0);
        }
        run(s, 2, "belt-back", false, &r);
        fprintf(stderr, "%u alerts, the first %.1f s after the slump began\n", r.slouch_alerts,
                r.first_slouch_s - slump_start);
        ASSERT_TRUE(r.reference);
        ASSERT_EQ(r.slouch_alerts, 1);
        ASSERT_GE(r.first_slouch_s - slump_start, 180.0);
        ASSERT_LE(r.first_slouch_s - slump_start, 190.0 + 5.0);
        synth_scenario_free(s);

        s = scenario_begin(2);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 120, 20), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 60, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 170, 20), 0);
        run(s, 2, "belt-back", false, &r);
        ASSERT_TRUE(r.reference);
        ASSERT_EQ(r.slouch_alerts, 0);
        synth_scenario_free(s);
}

TEST_MAIN
