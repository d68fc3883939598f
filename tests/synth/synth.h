/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A synthetic pelvis-worn IMU with ground truth, for engine-level tests, benchmarks and sample recordings.
 *
 * Conventions
 *
 *   Earth frame: z up, x and y horizontal (yaw is arbitrary; the scenario starts at yaw 0).
 *   Pelvis frame: x forward (anterior), y left, z up, at neutral standing.
 *   Pelvis orientation: R_pe = Rz(yaw)·Ry(pitch)·Rx(roll), rotating pelvis-frame vectors into the earth
 *     frame. Positive pitch is an anterior tilt: the rotation about +y takes the forward axis downward.
 *     Supine lying is pitch -90°, lying on the right side roll +90° (left axis up), on the left side -90°.
 *   Ground-truth tilt: pitch relative to neutral standing, in degrees; neutral standing is pitch 0 in every
 *     scenario, so tilt_deg == pitch. Sitting is a posterior tilt (negative).
 *   Mounting: R_sp has the sensor's axes, expressed in the pelvis frame, as its columns (it rotates
 *     sensor-frame vectors into the pelvis frame). Sensor orientation R_se = R_pe·R_sp.
 *   Accelerometer: specific force in m/s² in the sensor frame, f = R_se^T·(a_lin + [0, 0, g]), g = 9.80665,
 *     so it reads +g along the axis pointing up at rest.
 *   Gyroscope: body angular rate in the sensor frame, rad/s, right-handed: ω = 2·q*·dq/dt, differentiating
 *     the analytic orientation numerically (central difference, h = 0.1 ms).
 *   Quaternions are w, x, y, z.
 *
 * A scenario is a list of segments; the generator turns it into samples at a given rate. The motion is a
 * pure function of the seed, the scenario and time, so the same seed gives the same motion at every rate,
 * with or without MEMS errors and jitter; sensor noise and drift come from their own streams. Everything is
 * deterministic for a seed (own PRNG, no libc rand()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psoas/psoas.h"

#define SYNTH_GRAVITY 9.80665

typedef enum SynthSegmentType {
        SYNTH_STAND, /* upright; param: amplitude in degrees of slow tilt changes (0: neutral, sway only) */
        SYNTH_STAND_TILTED, /* upright, holding an anterior tilt of param degrees */
        SYNTH_SIT_DOWN, /* transition, 1.5..2.5 s: lean anteriorly, descend, end seated; param: enum SynthSeat */
        /* posterior tilt with slow variations and occasional fidgets; param: degrees slumped back (posterior)
         * from the bout's upright sit, -40..40 (negative: leaning forward, as to reach for something; 0:
         * upright, and after a slumped or leaning sit, back to the upright sit) */
        SYNTH_SIT,
        /* transition, 1.5..2.5 s: lean anteriorly, rise, end at neutral; param: enum SynthSeat, but after a
         * sit-down the rise is what that sit-down lowered */
        SYNTH_STAND_UP,
        SYNTH_WALK, /* 1.6..2.0 steps/s at ~1.3 m/s, with turns */
        SYNTH_LIE_DOWN, /* transition, 3..5 s; param: enum SynthLie */
        SYNTH_LIE, /* lying still, breathing, occasional shifts */
        SYNTH_GET_UP, /* transition, 3..5 s, from lying to neutral standing */
        /* Brief movements on one's feet, from standing back to standing (their truth is a transition):
         * squat: down 0.40..0.55 m with an anterior lean of 15..35°, hold param s at the bottom (0: 0.5..2 s),
         *   back up; 1.6..2.6 s plus the hold;
         * bend: hinge forward at the hips by 50..80° (the pelvis comes down 5..12 cm and goes back), hold
         *   param s (0: 0.5..3 s), back up; 1.6..2.4 s plus the hold;
         * jump: a countermovement jump of param m (0: 0.08..0.20 m): dip, push off, fly (free fall), land and
         *   absorb; 1.1..1.5 s plus the flight. */
        SYNTH_SQUAT,
        SYNTH_BEND,
        SYNTH_JUMP,
        /* transition, 2.5..4 s, from lying to sitting (on a bed's or a sofa's edge) with the pelvis's pitch at
         * param degrees (0: as upright as standing; sitting is negative, -40..10) */
        SYNTH_SIT_UP,
        /* the sensor off the body, lying flat on a desk: handled for up to 3 s from where it was, then perfectly
         * still (its noise and drift only); its truth is posture unknown, not worn */
        SYNTH_OFF,
        _SYNTH_SEGMENT_TYPE_MAX,
} SynthSegmentType;

typedef enum SynthLie {
        SYNTH_LIE_SUPINE = 0, /* pitch -90° */
        SYNTH_LIE_RIGHT = 1, /* roll +90° */
        SYNTH_LIE_LEFT = 2, /* roll -90° */
        SYNTH_LIE_RANDOM = 3, /* one of the above, per seed */
        /* On the side with the hips and knees bent, the pelvis rolled 60..90° and pitched -5..25°, as many
         * side sleepers lie: less than the 90° a straight side-lying gives. */
        SYNTH_LIE_RIGHT_CURLED = 4,
        SYNTH_LIE_LEFT_CURLED = 5,
} SynthLie;

/* What a sit-down lands on, and a stand-up rises from. */
typedef enum SynthSeat {
        SYNTH_SEAT_CHAIR = 0, /* the pelvis comes down 0.40..0.50 m and turns back 15..35° */
        SYNTH_SEAT_STOOL =
                1, /* a high stool: down 0.18..0.28 m, the pelvis as upright as standing (-5..2°) */
        SYNTH_SEAT_LOW = 2, /* a half-height seat: down 0.55..0.65 m, the pelvis upright (-5..2°) */
} SynthSeat;

/* "stand", "stand_tilted", "sit_down", ...; NULL when out of range. */
const char *synth_segment_type_to_string(SynthSegmentType type);
/* The segment type (>= 0) or -EINVAL. */
int synth_segment_type_from_string(const char *s);

typedef struct SynthSegment {
        SynthSegmentType type;
        double duration_s;
        double param;
} SynthSegment;

/* ---------------------------------------------------------------------------------------------------------- */
/* Scenarios */

typedef struct SynthScenario SynthScenario;

/* An empty scenario. The seed randomises what synth_scenario_add() leaves open: transition durations. */
int synth_scenario_new(uint64_t seed, SynthScenario **ret);
SynthScenario *synth_scenario_free(SynthScenario *s);
/* Appends a segment. duration_s <= 0 picks a seeded duration for transitions (1.5..2.5 s for sitting down
 * and standing up, 3..5 s for lying down and getting up) and is -EINVAL for the others. */
int synth_scenario_add(SynthScenario *s, SynthSegmentType type, double duration_s, double param);
size_t synth_scenario_n_segments(const SynthScenario *s);
const SynthSegment *synth_scenario_segment(const SynthScenario *s, size_t i);
double synth_scenario_duration(const SynthScenario *s);

/* Named scenarios, all starting with at least 10 s of still neutral standing:
 *   "test"    a compact sequence of every segment type (~6 min)
 *   "morning" about two hours at a desk
 *   "day"     exactly 24 h of an office day, night included
 *   "daemon"  about an hour for psoasd's tests and the demo: 5 min of standing, a 31 min bout, a break
 *   "seated"  3 min: 10 s standing, a 20 s walk straight into a chair, 60 s seated, 30 s standing, a squat
 *             held 3 s (about 126 s in), 70 s standing
 *   "slouch"  6 min: 10 s standing, a 20 s walk, 10 s standing, a sit-down (42 s in), 60 s sitting upright,
 *             180 s slumped back by 20° (from about 102 s), 60 s upright, 30 s standing
 *   "off"     about 1 h 56 min: 10 s standing, a 30 s walk, a 20 min sitting bout, 30 s standing, the sensor
 *             off the body for an hour (from about 1274 s), 60 s standing, a 60 s walk, a 30 min sitting bout
 *             (from about 4996 s), 60 s standing
 * -ENOENT for an unknown name. */
int synth_scenario_named(const char *name, uint64_t seed, SynthScenario **ret);
extern const char *const synth_scenario_names[]; /* NULL-terminated */

/* ---------------------------------------------------------------------------------------------------------- */
/* Mountings */

/* Named mountings, NULL-terminated: "identity", "belt-front-x-up", "belt-front-y-up", "belt-back",
 * "belt-left", "belt-right", "sacrum-flat", "upside-down". */
extern const char *const synth_mount_names[];
/* The mounting quaternion q_sp for a name, or a uniformly random rotation for "random" (from seed).
 * -ENOENT for an unknown name. */
int synth_mount_lookup(const char *name, uint64_t seed, double ret_q[4]);

/* ---------------------------------------------------------------------------------------------------------- */
/* MEMS errors */

enum {
        SYNTH_ERR_ACCEL_NOISE = 1 << 0,
        SYNTH_ERR_ACCEL_OFFSET = 1 << 1,
        SYNTH_ERR_ACCEL_SCALE = 1 << 2,
        SYNTH_ERR_GYRO_BIAS = 1 << 3,
        SYNTH_ERR_GYRO_DRIFT = 1 << 4,
        SYNTH_ERR_GYRO_NOISE = 1 << 5,
        SYNTH_ERR_ALL = (1 << 6) - 1,
};

/* The error magnitudes (set by synth_options_init(), change as needed) ... */
typedef struct SynthErrorModel {
        double accel_noise; /* white noise rms per axis, m/s² (0.02) */
        double accel_offset_max; /* offset: random direction, magnitude uniform up to this, m/s² (50 mg) */
        double accel_scale_sd; /* per-axis scale error standard deviation (0.01), clamped to 3 sd */
        double gyro_bias_max; /* per-axis bias uniform in ±this, rad/s (3 °/s) */
        double gyro_drift_sd; /* drift: Gauss-Markov process, stationary sd per axis, rad/s (0.15 °/s) */
        double gyro_drift_tau_s; /* and correlation time (600 s) */
        double gyro_noise; /* white noise rms per axis, rad/s (0.005) */
} SynthErrorModel;

/* ... and the values drawn for a seed (sensor frame). */
typedef struct SynthErrors {
        double accel_offset[3]; /* m/s² */
        double accel_scale[3]; /* multiplier - 1 */
        double gyro_bias[3]; /* rad/s, constant part; the drift adds to it */
} SynthErrors;

/* ---------------------------------------------------------------------------------------------------------- */
/* The generator */

typedef struct SynthOptions {
        double rate_hz; /* 12.5..1000 (100) */
        uint64_t seed; /* motion details, mounting "random", errors, noise (1) */
        int64_t start_us; /* timestamp of the first sample (0) */
        double duration_s; /* stop after this many seconds; <= 0: the whole scenario (0) */
        double q_sp[4]; /* mounting, see synth_mount_lookup() (identity) */
        unsigned errors; /* SYNTH_ERR_* flags (SYNTH_ERR_ALL) */
        SynthErrorModel model;
        double jitter; /* timestamp jitter, uniform in ±jitter periods; 0..0.45 (0) */
} SynthOptions;

void synth_options_init(SynthOptions *o);

typedef struct SynthTruth {
        double t_s; /* since the start of the scenario (the sample's own, jittered, time) */
        size_t segment;
        SynthSegmentType type;
        double segment_t_s; /* since the segment began */
        double segment_left_s; /* until it ends */

        /* The segment's posture, PSOAS_POSTURE_UNKNOWN during transitions (sit_down, stand_up, lie_down,
         * get_up), which also set transition. */
        enum psoas_posture posture;
        bool transition;
        /* Seconds since the current posture began: since the end of the last transition, or since the start
         * of a segment whose posture differs from the previous one (standing -> walking), or since the start
         * of the scenario. During a transition, since the transition began. */
        double settled_s;
        /* Not walking, not in a transition, and the true angular rate below 20 °/s. */
        bool still_or_slow;
        /* On the body: false in an "off" segment. */
        bool worn;
        /* Steps taken since the start: the heel strikes of every walk so far, those in full enough stride to
         * be steps (synth.c, STEP_MIN_ENVELOPE). */
        unsigned steps;

        double tilt_deg; /* anterior pelvic tilt relative to neutral standing */
        double pitch_deg, roll_deg, yaw_deg;
        double rate_dps; /* |ω| */

        double q_se[4]; /* sensor orientation: sensor frame -> earth frame */
        double accel[3]; /* error-free specific force, sensor frame, m/s² */
        double gyro[3]; /* error-free angular rate, sensor frame, rad/s */
        double lin_accel[3]; /* linear acceleration of the pelvis, earth frame, m/s² */
        double gyro_error[3]; /* the gyro's bias + drift now (sensor frame, rad/s), without white noise */
        double accel_offset[3]; /* the accelerometer's offset (sensor frame, m/s²) */
} SynthTruth;

typedef struct Synth Synth;

/* -EINVAL for options out of range or an empty scenario. The scenario is copied. */
int synth_new(const SynthScenario *scenario, const SynthOptions *options, Synth **ret);
Synth *synth_free(Synth *g);

/* The next sample and (when ret_truth is not NULL) its truth: 1, or 0 at the end. The sample always carries
 * a gyro (has_gyro = true); clear it for accelerometer-only use. */
int synth_next(Synth *g, struct psoas_sample *ret_sample, SynthTruth *ret_truth);
/* Back to the first sample: the same samples again, bit for bit. */
void synth_rewind(Synth *g);

size_t synth_n_samples(const Synth *g);
double synth_duration(const Synth *g);
/* The wearer's forward and the body's up (pelvis x and z at neutral) in the sensor frame:
 * R_sp^T·e_x and R_sp^T·e_z. */
void synth_forward(const Synth *g, double ret[3]);
void synth_up(const Synth *g, double ret[3]);
/* The errors drawn for this seed (all zero for those not enabled). */
void synth_get_errors(const Synth *g, SynthErrors *ret);
/* "standing", "sitting", "walking", "lying", or "transition" for the truth's posture. */
const char *synth_truth_posture_name(const SynthTruth *truth);
