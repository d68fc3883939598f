/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The posture classifier alone (lib/posture.c), fed an orientation chosen by the test instead of the fusion's:
 * the motion detector, the angles, and the decisions that follow from the orientation and the steps. Whole
 * recordings through the engine are tests/synth's and the HAPT tests'.
 */
#include <stdint.h>

#include "macro.h"
#include "posture.h"
#include "test-util.h"
#include "vec.h"

#define RATE_HZ 100
#define DT (1.0f / RATE_HZ)
#define PERIOD_US (US_PER_SEC / RATE_HZ)
#define G 9.81f

typedef struct Rig {
        PostureClassifier p;
        Fusion fusion;
        int64_t t_us;
        bool has_gyro;
        /* false: the accelerometer keeps reading the standing vertical whatever the orientation, so that the
         * motion detector sees no movement and no transition is measured: only the orientation can decide. */
        bool acc_follows_up;
} Rig;

static void rig_init(Rig *r, bool has_gyro) {
        *r = (Rig){ .has_gyro = has_gyro, .acc_follows_up = true };
        posture_classifier_init(&r->p);
        fusion_init(&r->fusion, has_gyro);
        r->fusion.gravity = G;
}

/* The body's vertical turned by deg from +z towards +x: the pelvis rotated backwards when +x is forward. */
static void up_turned(float deg, float ret[3]) {
        ret[0] = sinf(deg * RAD_PER_DEG);
        ret[1] = 0.0f;
        ret[2] = cosf(deg * RAD_PER_DEG);
}

/* One sample at rest in orientation up, plus shake (m/s² along x) and vertical (the vertical acceleration). */
static bool rig_step(Rig *r, const float up[3], float shake, float vertical) {
        const float gyro[3] = { 0.0f, 0.0f, 0.0f };
        const float standing[3] = { 0.0f, 0.0f, 1.0f };
        float acc[3];

        vec3_copy(acc, r->acc_follows_up ? up : standing);
        vec3_scale(acc, G);
        acc[0] += shake;
        vec3_copy(r->fusion.up, up);
        posture_classifier_update_motion(&r->p, r->t_us, DT, acc, r->has_gyro ? gyro : NULL, vertical);
        bool learned = posture_classifier_update(&r->p, r->t_us, DT, &r->fusion, vertical);
        r->t_us += PERIOD_US;
        return learned;
}

/* Holds still in orientation up for seconds; returns how many samples said forward was learned. */
static unsigned rig_hold(Rig *r, const float up[3], float seconds) {
        unsigned learned = 0;

        for (int i = 0; i < (int)(seconds * RATE_HZ + 0.5f); i++)
                learned += rig_step(r, up, 0.0f, 0.0f);
        return learned;
}

/* Turns from one backward angle to another within seconds, then holds still there for a second. */
static void rig_turn(Rig *r, float from_deg, float to_deg, float seconds) {
        float up[3];
        int n = (int)(seconds * RATE_HZ + 0.5f);

        for (int i = 1; i <= n; i++) {
                up_turned(from_deg + (to_deg - from_deg) * (float)i / (float)n, up);
                rig_step(r, up, 0.0f, 0.0f);
        }
        rig_hold(r, up, 1.0f);
}

static void rig_calibrate(Rig *r, bool with_forward) {
        const float up0[3] = { 0.0f, 0.0f, 1.0f }, forward[3] = { 1.0f, 0.0f, 0.0f };

        rig_hold(r, up0, 1.0f);
        posture_classifier_set_calibration(&r->p, up0, with_forward, forward);
}

TEST(uncalibrated_is_unknown) {
        Rig r;
        float up[3];

        rig_init(&r, true);
        up_turned(0.0f, up);
        rig_hold(&r, up, 2.0f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_UNKNOWN);
        ASSERT_NEAR(r.p.confidence, 0.0, 0.0);
        ASSERT_NEAR(posture_classifier_tilt(&r.p, up), 0.0, 0.0);
        ASSERT_NEAR(posture_classifier_deviation(&r.p, up), 0.0, 0.0);
}

/* Calibration happens standing, and standing still stays standing. */
TEST(calibrated_standing_stays) {
        Rig r;
        float up[3];

        rig_init(&r, true);
        rig_calibrate(&r, true);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING);
        up_turned(5.0f, up); /* a slouch, far from any threshold */
        rig_hold(&r, up, 10.0f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING);
}

TEST(tilt_and_deviation) {
        Rig r;
        float up[3];

        rig_init(&r, true);
        rig_calibrate(&r, false);
        up_turned(20.0f, up);
        ASSERT_NEAR(posture_classifier_deviation(&r.p, up), 20.0, 0.01);
        ASSERT_NEAR(posture_classifier_tilt(&r.p, up), 0.0, 0.0); /* no forward yet: no sign to give */

        rig_calibrate(&r, true);
        ASSERT_NEAR(posture_classifier_tilt(&r.p, up), -20.0, 0.01); /* turned back: posterior */
        up_turned(-15.0f, up);
        ASSERT_NEAR(posture_classifier_tilt(&r.p, up), 15.0, 0.01);
        ASSERT_NEAR(posture_classifier_deviation(&r.p, up), 15.0, 0.01);
}

/* Still at once with a steady sensor; at rest (the fusion may learn the gyroscope's bias) after REST_MIN_S, and
 * only with a gyroscope; shaking is movement. */
TEST(still_rest_and_movement) {
        for (int with_gyro = 0; with_gyro <= 1; with_gyro++) {
                Rig r;
                float up[3];

                rig_init(&r, with_gyro);
                up_turned(0.0f, up);
                ASSERT_EQ(posture_classifier_motion(&r.p), FUSION_MOVING); /* nothing seen yet */
                rig_hold(&r, up, 0.05f);
                ASSERT_TRUE(posture_classifier_still(&r.p));
                ASSERT_EQ(posture_classifier_motion(&r.p), FUSION_STILL);
                ASSERT_LE(posture_classifier_energy(&r.p), 1e-3);
                rig_hold(&r, up, REST_MIN_S + 0.1f);
                ASSERT_EQ(posture_classifier_motion(&r.p), with_gyro ? FUSION_AT_REST : FUSION_STILL);

                for (int i = 0; i < RATE_HZ; i++)
                        rig_step(&r, up, i % 10 < 5 ? 3.0f : -3.0f, 0.0f); /* ±3 m/s² at 10 Hz */
                ASSERT_TRUE(!posture_classifier_still(&r.p));
                ASSERT_EQ(posture_classifier_motion(&r.p), FUSION_MOVING);
                ASSERT_GE(posture_classifier_energy(&r.p), 1.0);
        }
}

/* Turned 90° and held: lying after a second, not before. Coming back up reads as sitting at once. */
TEST(lying_and_getting_up) {
        Rig r;
        float up[3], flat[3];

        rig_init(&r, true);
        rig_calibrate(&r, true);
        up_turned(0.0f, up);
        up_turned(90.0f, flat);
        rig_hold(&r, flat, 0.8f);
        ASSERT_TRUE(r.p.posture != PSOAS_POSTURE_LYING);
        rig_hold(&r, flat, 0.4f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_LYING);
        rig_hold(&r, flat, 5.0f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_LYING);

        rig_step(&r, up, 0.0f, 0.0f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_SITTING);
}

/* A backward turn nobody stands with is sitting after a second, whatever the movement looked like (here: none);
 * a smaller one is not. Before forward is known, the angle in any direction counts, against a larger threshold. */
TEST(sitting_from_the_orientation) {
        /* Without the forward direction a turn cannot be told from a bend forward: with a gyroscope, at the
         * height the wearer stood at (no movement down was measured), it is no sign of sitting; without one
         * the height is not known and the angle decides. */
        static const struct {
                bool forward, gyro;
                float deg;
                enum psoas_posture expect;
        } cases[] = {
                { true, true, 20.0f, PSOAS_POSTURE_STANDING },
                { true, true, 30.0f, PSOAS_POSTURE_SITTING },
                { true, true, -30.0f, PSOAS_POSTURE_STANDING }, /* turned forwards: leaning, not sitting */
                { false, true, 35.0f, PSOAS_POSTURE_STANDING },
                { false, false, 25.0f, PSOAS_POSTURE_STANDING },
                { false, false, 35.0f, PSOAS_POSTURE_SITTING },
                { false, false, -35.0f, PSOAS_POSTURE_SITTING },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Rig r;
                float up[3];

                rig_init(&r, cases[i].gyro);
                rig_calibrate(&r, cases[i].forward);
                r.acc_follows_up = false;
                up_turned(cases[i].deg, up);
                rig_hold(&r, up, 0.5f);
                ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING); /* not yet: the dwell is a second */
                rig_hold(&r, up, 3.0f);
                fprintf(stderr, "  forward %s, %s, %+.0f°: %s\n", cases[i].forward ? "known" : "unknown",
                        cases[i].gyro ? "gyroscope" : "no gyroscope", (double)cases[i].deg,
                        psoas_posture_to_string(r.p.posture));
                ASSERT_EQ(r.p.posture, cases[i].expect);
        }
}

/* A movement that turns the pelvis back by 20° and comes to rest is a sit-down, although 20° alone is no sitting
 * angle (an upright sitter barely turns); turning forward by as much again is standing up. */
TEST(transitions_from_the_rotation) {
        Rig r;
        float up[3];

        rig_init(&r, true);
        rig_calibrate(&r, true);
        rig_turn(&r, 0.0f, 20.0f, 0.5f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_SITTING);
        ASSERT_LE(r.p.confidence, 0.8); /* from a transition, not from the sitting angle (0.95) */
        up_turned(20.0f, up);
        rig_hold(&r, up, 5.0f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_SITTING);
        rig_turn(&r, 20.0f, 0.0f, 0.5f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING);

        /* A turn of 5° and back is a fidget. */
        rig_turn(&r, 0.0f, 5.0f, 0.5f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING);
        rig_turn(&r, 5.0f, 0.0f, 0.5f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING);
}

/* Steps at a walking cadence make someone standing walk; when they stop, they stand. */
TEST(walking_from_steps) {
        Rig r;
        float up[3];

        rig_init(&r, true);
        rig_calibrate(&r, true);
        up_turned(0.0f, up);
        /* Two steps a second: the vertical acceleration swings ±3 m/s², the sensor shakes with it. */
        for (int i = 0; i < 4 * RATE_HZ; i++) {
                float phase = 2.0f * (float)M_PI * 2.0f * (float)i / RATE_HZ;
                rig_step(&r, up, 2.0f * sinf(phase), 3.0f * sinf(phase));
        }
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_WALKING);
        rig_hold(&r, up, 3.0f);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING);
}

/* After a gap nothing was seen: once still, the orientation alone decides, with a lower threshold. */
TEST(after_a_gap_the_orientation_decides) {
        for (int turned = 0; turned <= 1; turned++) {
                Rig r;
                float up[3];

                rig_init(&r, true);
                rig_calibrate(&r, true);
                up_turned(0.0f, up);
                rig_hold(&r, up, 2.0f);
                posture_classifier_reset_motion(&r.p);
                ASSERT_EQ(r.p.posture, PSOAS_POSTURE_STANDING); /* the posture stays until judged */
                up_turned(turned ? 15.0f : 5.0f, up); /* 15°: under the 25° of sitting, over the gap's 10° */
                rig_hold(&r, up, 0.2f);
                ASSERT_EQ(r.p.posture, turned ? PSOAS_POSTURE_SITTING : PSOAS_POSTURE_STANDING);
                rig_hold(&r, up, 3.0f);
                ASSERT_EQ(r.p.posture, turned ? PSOAS_POSTURE_SITTING : PSOAS_POSTURE_STANDING);
        }
}

/* Sitting still, turned back from the standing vertical: after four seconds of it, in a sitting that has lasted
 * ten (a squat's forward lean must not teach it), the direction of the turn is the wearer's forward. Without a
 * gyroscope, so that the angle alone says sitting. */
TEST(forward_learned_while_sitting) {
        Rig r;
        float up[3];
        const float a = 35.0f * RAD_PER_DEG;
        /* Turned by 35° towards (0.6, 0.8, 0) in the horizontal plane. */
        const float turned[3] = { 0.6f * sinf(a), 0.8f * sinf(a), cosf(a) };

        rig_init(&r, false);
        rig_calibrate(&r, false);
        vec3_copy(up, turned);
        ASSERT_EQ(rig_hold(&r, up, 3.0f), 0);
        ASSERT_EQ(r.p.posture, PSOAS_POSTURE_SITTING);
        ASSERT_TRUE(!r.p.forward_known);
        ASSERT_EQ(rig_hold(&r, up, 6.0f), 0); /* four seconds still, but not ten sitting yet */
        ASSERT_TRUE(!r.p.forward_known);
        ASSERT_EQ(rig_hold(&r, up, 3.0f), 1); /* once, and only once */
        ASSERT_TRUE(r.p.forward_known);
        ASSERT_NEAR(r.p.forward[0], 0.6, 1e-4);
        ASSERT_NEAR(r.p.forward[1], 0.8, 1e-4);
        ASSERT_NEAR(r.p.forward[2], 0.0, 1e-4);
        ASSERT_NEAR(posture_classifier_tilt(&r.p, up), -35.0, 0.01);
}

TEST_MAIN
