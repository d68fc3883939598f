/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Judging a movement once it has ended: sitting down, standing up, or neither, from its vertical displacement,
 * its turn and the order of its jolts.
 */
#include <math.h>

#include "macro.h"
#include "posture-internal.h"
#include "vec.h"

/* The vertical acceleration of sitting down or standing up: both extremes must reach this. */
#define TRANSITION_VERT_MIN 0.6f
/* Below this (m/s², 4 Hz low-passed) the pelvis was in free fall: a jump or a hop, not a sit-down. */
#define FLIGHT_VERT 5.0f
/* The vertical displacement over the episode. It starts and ends at rest, so the integrated velocity must
 * return to zero. Two errors would break that. An accelerometer whose offset differs along different axes reads
 * a different |g| once the pelvis has rotated: that step is measured at the end (gravity_end, at rest) and
 * removed in proportion to how far the rotation had got from the rest the gravity was learned at (which is
 * before the episode's start when the evidence was restarted in the middle of a movement). What remains (tilt
 * error while turning) is removed as a linear trend of the velocity before integrating again. */
static float episode_rise(const TransitionEpisode *e, float v0, float gravity_end) {
        if (e->n_bins < 2)
                return 0.0f;
        float step = gravity_end - e->gravity_start;
        /* Below 50 Hz a bin holds one sample period, longer than EPISODE_BIN_S. */
        float bin_s = e->binned_s / (float)e->n_bins;
        float angle_end = e->bin_rest_angle[e->n_bins - 1];
        float v_end = v0;
        float corrected[EPISODE_BINS];
        for (unsigned i = 0; i < e->n_bins; i++) {
                float progress = angle_end > 0.05f ? CLAMP(e->bin_rest_angle[i] / angle_end, 0.0f, 1.0f)
                                                   : (float)(i + 1) / (float)e->n_bins;
                corrected[i] = e->bins[i] - step * progress * bin_s;
                v_end += corrected[i];
        }
        float v = v0, h = 0.0f;
        for (unsigned i = 0; i < e->n_bins; i++) {
                v += corrected[i];
                h += (v - v_end * (float)(i + 1) / (float)e->n_bins) * bin_s;
        }
        return h;
}

/* Sitting down lowers the pelvis, usually turns it away from the standing vertical, and brakes at the end (the
 * vertical acceleration's minimum comes before its maximum); standing up does the opposite. Each cue alone
 * fails for some people (an upright sitter barely rotates; a slow, careful sitter hardly brakes), so they
 * vote, each scaled by what a clear case shows: 40 cm of height, 5° of rotation. */
#define VOTE_RISE_M 0.4f
#define VOTE_ROTATION_DEG 5.0f
#define SIGNIFICANT_RISE_M 0.15f
#define SIGNIFICANT_ROTATION_DEG 10.0f
#define VOTE_ORDER 0.5f
#define NO_GYRO_MAX_RISE_M 0.2f
#define VOTE_DECIDES 1.0f

TransitionKind posture_episode_judge(
        const PostureClassifier *p, TransitionEpisode *e, const float up[3], float gravity_end) {
        /* After steps the start velocity is an estimate, from a single step that may not be a clean one: the
         * height counts only as far as it holds with the velocity taken as zero too. */
        float rise = episode_rise(e, e->v0, gravity_end);
        if (e->v0 != 0.0f) {
                float rise_still = episode_rise(e, 0.0f, gravity_end);
                rise = rise * rise_still <= 0.0f ? 0.0f
                                                 : (fabsf(rise) < fabsf(rise_still) ? rise : rise_still);
        }
        e->rise = rise;
        /* Without a gyroscope the vertical is the low-passed accelerometer, which lags every turn: the height
         * integrated from it can be off by a metre. A hint then, never enough to decide alone. */
        if (!p->vertical_valid)
                rise = CLAMP(rise, -NO_GYRO_MAX_RISE_M, NO_GYRO_MAX_RISE_M);
        /* A landing brakes too, but nobody leaves the ground to sit down: after a flight (the pelvis falling
         * freely) braking is no sign of a sit-down. */
        bool braked = e->vert_max >= TRANSITION_VERT_MIN && e->vert_min <= -TRANSITION_VERT_MIN &&
                e->vert_min > -FLIGHT_VERT;
        /* Once the forward direction is known only a backward turn counts: a lean sideways or forwards is no
         * sign of sitting down. */
        float rotation = p->forward_known
                ? posture_posterior_tilt(p, up) - posture_posterior_tilt(p, e->up_start)
                : posture_classifier_deviation(p, up) - posture_classifier_deviation(p, e->up_start);
        /* After a walk, with a gyroscope, the pelvis's turn counts from the standing vertical, not from where the
         * walk ended: climbing stairs leans the pelvis forward, and standing upright at the top is no turn
         * backwards. (Without a gyroscope the vertical lags every step, and where the walk ended is the better
         * reference for the lagging estimate.) */
        if (e->after_walk && p->forward_known && p->vertical_valid)
                rotation = posture_posterior_tilt(p, up);

        /* A step down a stair brakes like sitting down: after a walk, braking alone is no sign of a transition. */
        bool braked_counts = braked && !e->after_walk;
        if (!braked_counts && fabsf(rise) < SIGNIFICANT_RISE_M && fabsf(rotation) < SIGNIFICANT_ROTATION_DEG)
                return TRANSITION_NONE; /* a fidget, not a change of posture */

        float vote = -rise / VOTE_RISE_M + rotation / VOTE_ROTATION_DEG;
        if (braked)
                vote += e->vert_min_us < e->vert_max_us ? VOTE_ORDER : -VOTE_ORDER;

        if (vote > VOTE_DECIDES)
                return TRANSITION_DOWN;
        if (vote < -VOTE_DECIDES)
                return TRANSITION_UP;
        return TRANSITION_NONE;
}
