/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Posture classification from the fused orientation and the motion it sees.
 *
 * Orientation alone cannot tell sitting from standing for everyone: a belt-worn sensor rotates backwards by
 * 20-45° for a slumped sitter but by only a few degrees for someone who sits upright, less than two standing
 * postures of the same person may differ. So the classifier also watches the transitions: sitting down
 * accelerates the pelvis downwards first and brakes it at the end (the vertical acceleration's minimum comes
 * before its maximum); standing up does the opposite. The posture holds between transitions, unless the
 * orientation is unambiguous (lying, or a large backward rotation), or the wearer walks.
 *
 * Timing matters as much as the verdict: people keep shifting for a second or two after they sit down or stand
 * up, so a transition whose turn has come to rest is decided before the movement is over, and confirmed or taken
 * back when it is. A sit-down hidden in the last steps of a walk (turning to the chair) is judged against the
 * rest before the steps. Rising from lying reads as sitting at once, and as standing only if the movement ends
 * upright with the pelvis raised.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fusion.h"
#include "psoas/psoas.h"

/* Time-based smoothing of the motion, so that every rate from 12.5 to 1000 Hz behaves the same. */
typedef struct MotionDetector {
        bool initialized;
        bool has_gyro; /* the last sample had a gyroscope reading */
        float acc_lp[3];
        float acc_var;
        float gyro_lp[3];
        float gyro_var;
        float still_s; /* how long the wearer has been still */
        float rest_s; /* how long the sensor has been at rest: still, and the gyroscope quieter still */
        /* The smoothing factors for the last sample interval: samples mostly come at a steady rate, so they
         * are computed again only when the interval changes. */
        float factors_dt;
        float lp_factor, var_factor, vert_factor;

        /* Step detection on the vertical acceleration. */
        float vert_lp;
        bool armed; /* went below zero since the last step */
        int64_t steps_us[4];
        unsigned n_steps;
        int64_t last_step_us;
        bool walking;
        bool on_feet; /* the classifier's posture is standing or walking: fewer steps make a walk */
        /* Steps counted in walks since the start: each step while walking, and the steps that made a walk
         * one when it was recognised. Wraps, which a difference of two counts does not mind. */
        uint32_t steps_walked;
} MotionDetector;

typedef enum TransitionKind {
        TRANSITION_NONE,
        TRANSITION_DOWN, /* sitting down */
        TRANSITION_UP, /* standing up */
} TransitionKind;

/* A movement between two rests: the evidence for a postural transition. */
#define EPISODE_BIN_S 0.02f
#define EPISODE_BINS 400 /* 8 s of 20 ms bins */

typedef struct TransitionEpisode {
        bool active;
        int64_t start_us;
        float up_start[3]; /* the vertical the rotation is measured from */
        /* Vertical velocity increments in 20 ms bins, to integrate once the movement is over. */
        float bins[EPISODE_BINS];
        float bin_angle[EPISODE_BINS]; /* rotation from the start, radians, at the end of each bin */
        unsigned n_bins;
        float bin_rest_angle[EPISODE_BINS]; /* rotation from gravity_up */
        float gravity_start; /* |a| at rest before the movement */
        float gravity_up[3]; /* the vertical at that rest */
        float still_up[3]; /* the vertical at the last still sample */
        float still_gravity; /* |a| (low-passed) there */
        float bin_dv;
        float bin_s;
        float binned_s; /* the duration of the bins so far */
        float vert_min, vert_max;
        int64_t vert_min_us, vert_max_us;
        TransitionKind early; /* decided before the movement ended */
        float rise; /* the last judged episode's vertical displacement, metres */

        float rest_up[3]; /* the vertical at the last rest standing (up0 until there is one) */
        bool walked; /* steps since the last episode: the next one starts even at rest */
        int64_t walk_start_us;
        bool after_walk; /* this episode began where a real walk ended, not at a rest: no early decision */
        /* While walking, the evidence is gathered from the last step on: a wearer who walks straight into a
         * chair sits down in the walk's last second, before the walk is seen to end. */
        int64_t step_us; /* the last step */
        unsigned step_bin; /* 1 + the bin the last step fell in, 0 before any */
        float v0; /* the vertical velocity at the first bin (m/s): 0 from a rest, estimated after steps */
        bool ended; /* this sample ended the episode: rise holds its vertical displacement */
        bool in_tail; /* ended without a decision, kept open for a moment in case the movement goes on */
        float tail_s;
} TransitionEpisode;

/* The numbers the posture's second look (the review) and the height it keeps are decided with. They are fitted
 * by leave-one-subject-out on HAPT (tests/bench/hapt-bench --loso), where the defaults come from; the benchmark
 * sets other values through posture_classifier_set_tuning(). */
typedef struct PostureTuning {
        float review_s; /* how long the evidence must contradict the posture before it is revised */
        float sit_height_m; /* this far below standing height is a seat */
        float stand_height_m; /* within this of standing height is on one's feet */
        float sit_posterior_deg; /* held this far back of standing, with no sign of standing height: seated */
} PostureTuning;

extern const PostureTuning posture_tuning_default;

typedef struct PostureClassifier {
        MotionDetector motion;
        TransitionEpisode episode;

        bool vertical_valid; /* the fusion follows a 90° turn (gyroscope): risen from lying, the height counts */
        bool calibrated;
        float up0[3]; /* the body's vertical at neutral standing, sensor frame */
        bool forward_known;
        float forward[3]; /* the wearer's forward, perpendicular to up0 */
        float left[3]; /* up0 × forward */

        enum psoas_posture posture;
        float confidence;
        float sitting_angle_s; /* how long the orientation alone has said "sitting" */
        float lying_angle_s;
        float walk_onset_s; /* on one's feet, moving hard, with a step in it */
        bool risen_pending; /* risen from lying: sitting until the movement ends, then judged */
        bool risen_upright; /* and has sat up: the episode measures the height from there */
        bool after_gap; /* the samples had a gap: judge the posture from the orientation once still */

        /* Learning the forward direction from sitting. */
        float forward_sum[3];
        float forward_weight;
        float forward_s;

        /* The pelvis's height relative to standing, metres: the sum of the vertical displacements of the
         * movements since the wearer was last known to be at standing height (walking, calibration), each
         * measured between two rests. Not known without a gyroscope (the vertical then lags every turn), nor
         * after a gap. */
        bool height_known;
        float height_m;
        int last_move; /* the last movement of a seat's height: 1 up, -1 down, 0 none */
        int64_t last_move_us; /* when it ended */
        float last_move_m; /* its vertical displacement */
        float last_down_m; /* how far the last movement down lowered the pelvis */
        float feet_height_m; /* the height the wearer last stood still at */
        bool walk_up_known;
        float walk_up[3]; /* the vertical, sensor frame, as carried in the last walk (gyroscope only) */

        /* The review: every decision stays open to what the pelvis shows afterwards. When the held evidence
         * (height, orientation) contradicts the posture for tuning.review_s, the posture is revised from when
         * the contradiction began, or from the decision itself when the contradiction began right after it. */
        PostureTuning tuning;
        float sit_posterior_cos, sit_posterior_sin;
        int64_t changed_us; /* when the posture last changed */
        int64_t off_feet_us; /* when the wearer last left standing or walking for sitting or lying, 0 when on
                              * their feet */
        /* Off one's feet for seconds only: until quick_until_us, back at standing height revises it away (from
         * quick_since_us). */
        int64_t quick_until_us;
        int64_t quick_since_us;
        enum psoas_posture quick_from;
        enum psoas_posture
                contradicted_by; /* what the evidence says, UNKNOWN when it agrees or says nothing */
        int64_t contradiction_us;
        float contradiction_s;
        float review_wait_s; /* since the evidence was last looked at */
        /* Set by the update that revised the posture, cleared by the next: the posture holds since this time. */
        bool revised;
        int64_t revised_since_us;
        enum psoas_posture revised_from; /* what the record said since then */
} PostureClassifier;

void posture_classifier_init(PostureClassifier *p);
void posture_classifier_set_tuning(PostureClassifier *p, const PostureTuning *tuning);
/* Forget the motion history (after a gap); the posture stays. */
void posture_classifier_reset_motion(PostureClassifier *p);
void posture_classifier_set_calibration(
        PostureClassifier *p, const float up0[3], bool forward_known, const float forward[3]);

/* Motion features first (the fusion needs "still"), then the posture once the fusion has run. */
void posture_classifier_update_motion(PostureClassifier *p, int64_t t_us, float dt, const float acc[3],
        const float *gyro, float vertical_acc);
bool posture_classifier_still(const PostureClassifier *p);
/* Still, or at rest long enough for the orientation filter to learn the gyroscope's bias (inline: it is asked
 * on every sample). */
#define REST_MIN_S 1.5f
static inline FusionMotion posture_classifier_motion(const PostureClassifier *p) {
        if (!p->motion.initialized)
                return FUSION_MOVING;
        if (p->motion.rest_s >= REST_MIN_S)
                return FUSION_AT_REST;
        return p->motion.still_s > 0.0f ? FUSION_STILL : FUSION_MOVING;
}
float posture_classifier_energy(const PostureClassifier *p);

/* Returns true when the forward direction was learned by this sample. A posture revised by the review sets
 * p->revised and p->revised_since_us for this sample. */
bool posture_classifier_update(
        PostureClassifier *p, int64_t t_us, float dt, const Fusion *fusion, float vertical_acc);

/* Anterior tilt and the angle from the calibrated vertical, in degrees, for an up vector in the sensor frame. */
float posture_classifier_tilt(const PostureClassifier *p, const float up[3]);
float posture_classifier_deviation(const PostureClassifier *p, const float up[3]);

/* What the evidence says about the wearer before a calibration: true when the posture is sitting or lying, when
 * the pelvis came down and has not come back up (the last movement was down, and the height is below the band
 * of standing height), or when it is turned from how it was carried in the last walk by as much as sitting
 * turns it. */
bool posture_classifier_not_standing(const PostureClassifier *p, const float up[3]);
