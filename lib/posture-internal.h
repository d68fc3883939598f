/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What lib/posture.c (the classifier: motion, transitions, orientation), lib/transition.c (judging a movement)
 * and lib/posture-review.c (the pelvis's height and the second look at each decision) share. */

#include <stdbool.h>
#include <stdint.h>

#include "posture.h"

/* Sitting that ends this soon, back at standing height, was a squat or a bend: people hold those for seconds,
 * and a sit this short is no sitting time anyone needs counted. */
#define QUICK_SIT_US 10000000
/* The height relative to standing stays within these: no seat is lower, nobody stands higher. */
#define HEIGHT_MIN_M (-1.0f)
#define HEIGHT_MAX_M 0.1f
/* Backwards rotation nobody stands with: sitting, whatever the transition looked like. */
#define SITTING_POSTERIOR_DEG 25.0f

/* How far the pelvis is turned back from the standing vertical, in degrees (forward known). */
float posture_posterior_tilt(const PostureClassifier *p, const float up[3]);
/* The movement e ended: sitting down, standing up, or neither (transition.c). */
TransitionKind posture_episode_judge(
        const PostureClassifier *p, TransitionEpisode *e, const float up[3], float gravity_end);

/* Forgets a contradiction under way. */
void posture_review_forget(PostureClassifier *p);
/* After a movement ends: the height changes by its vertical displacement. */
void posture_height_update(PostureClassifier *p, int64_t t_us);
/* The height is measured, and within the band of standing height. */
bool posture_at_standing_height(const PostureClassifier *p);
/* The second look at a decision: *next is the posture decided for this sample, revised when the evidence
 * since contradicts it for long enough (posture-review.c). */
void posture_review(
        PostureClassifier *p, int64_t t_us, float dt, const float up[3], enum psoas_posture *next);
