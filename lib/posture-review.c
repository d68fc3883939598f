/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pelvis's height relative to standing, from each movement's vertical displacement, and the review: every
 * standing or sitting decision stays open to what the pelvis does after it, and is revised (back to when it was
 * wrong) when that contradicts it for long enough.
 */
#include <math.h>

#include "macro.h"
#include "posture-internal.h"
#include "vec.h"

/* The review's numbers, chosen by leave-one-subject-out on HAPT users 1-20 (BENCHMARKS.md, "Posture"): each
 * user's held-out score used values chosen on the other 19; these are the values chosen on all 20, the same as
 * the folds chose for most users. The heights sit between standing (0) and the highest seat a person perches on
 * (a bar stool lowers the pelvis by about 0.2 m), the angle between standing sway and a slumped sitter's turn. */
const PostureTuning posture_tuning_default = {
        .review_s = 20.0f,
        .sit_height_m = 0.15f,
        .stand_height_m = 0.10f,
        .sit_posterior_deg = 12.0f,
};

/* A contradiction that begins this soon after the decision it contradicts shows the decision was wrong from
 * the start (a squat read as sitting down is contradicted as soon as the wearer is back up): the revision then
 * goes back to the decision. Later, it goes back to when the contradiction began. */
#define REVIEW_BACKDATE_US 10000000
/* Sitting shorter than QUICK_SIT_US is watched this long after it ends, while the movement up is measured. */
#define QUICK_WATCH_US 5000000
/* The evidence moves slowly next to a 20 s review: looked at ten times a second. */
#define REVIEW_STEP_S 0.1f
/* A movement whose vertical displacement is smaller than this is a fidget, and leaves the height alone: the
 * small errors of many fidgets would otherwise add up over a long bout. */
#define HEIGHT_STEP_MIN_M 0.12f
/* Back up by this share of the last way down counts as most of the way up. */
#define UNDO_FRACTION 0.5f

void posture_review_forget(PostureClassifier *p) {
        p->contradicted_by = PSOAS_POSTURE_UNKNOWN;
        p->contradiction_s = 0.0f;
}

/* A movement turned this far from where it began (lying down, rising from lying) says little about the height:
 * its vertical displacement depends on |g| along axes that turned by 90°. The posture it ends in sets the height
 * instead. */
#define HEIGHT_TURN_MAX_RAD (60.0f * RAD_PER_DEG)

/* The height changes by a movement's vertical displacement, measured between the rests around it, and the
 * movement is remembered as the last move up or down. */
void posture_height_update(PostureClassifier *p, int64_t t_us) {
        const TransitionEpisode *e = &p->episode;
        if (!e->ended || !p->vertical_valid || e->n_bins == 0 || fabsf(e->rise) < HEIGHT_STEP_MIN_M)
                return;
        float turn = 0.0f;
        for (unsigned i = 0; i < e->n_bins; i++)
                turn = MAX(turn, e->bin_rest_angle[i]);
        if (turn > HEIGHT_TURN_MAX_RAD)
                return;
        p->height_m = CLAMP(p->height_m + e->rise, HEIGHT_MIN_M, HEIGHT_MAX_M);
        p->last_move = e->rise > 0.0f ? 1 : -1;
        p->last_move_us = t_us;
        p->last_move_m = e->rise;
        if (e->rise < 0.0f)
                p->last_down_m = -e->rise;
}

static bool height_measured(const PostureClassifier *p) {
        return p->height_known && p->vertical_valid;
}

bool posture_at_standing_height(const PostureClassifier *p) {
        return height_measured(p) && p->height_m >= -p->tuning.stand_height_m;
}

/* The last movement was down, and the pelvis has stayed below the band of standing height since. */
static bool down_since(const PostureClassifier *p, int64_t since_us) {
        return height_measured(p) && p->last_move < 0 && p->last_move_us >= since_us &&
                p->height_m < -p->tuning.stand_height_m;
}

/* The last movement, since since_us, was up, and undid most of the last one down: two measured movements carry
 * two errors, so "back at standing height" asks too much of them. */
static bool most_of_the_way_up_since(const PostureClassifier *p, int64_t since_us) {
        return height_measured(p) && p->last_move > 0 && p->last_move_us >= since_us &&
                p->last_move_m >= UNDO_FRACTION * p->last_down_m;
}

/* What the pelvis has shown since the posture was decided: sitting when it came down by a seat's height, or is
 * held turned back as sitting turns it without having come up; standing when it came up to standing height and
 * is not turned back. A decision is contradicted only by what happened after it: a sit-down whose height was
 * not measured (hidden in the jolts of the movement) leaves the height as it was, and that is no evidence of
 * standing. UNKNOWN when the evidence is missing or mixed. */
static enum psoas_posture posture_evidence(const PostureClassifier *p, const float up[3]) {
        bool came_down = down_since(p, p->changed_us);
        /* Up to standing height, or most of the way back up from the last seat. */
        bool came_up = most_of_the_way_up_since(p, p->changed_us) ||
                (posture_at_standing_height(p) && p->last_move > 0 && p->last_move_us >= p->changed_us);
        if (came_down)
                return PSOAS_POSTURE_SITTING;
        /* Turned back by at least the angle: as posterior_at_least(), with the angle's cosine and sine. */
        float along_forward = vec3_dot(up, p->forward);
        bool back = p->forward_known && along_forward >= 0.0f &&
                along_forward * p->sit_posterior_cos - vec3_dot(up, p->up0) * p->sit_posterior_sin >= 0.0f;
        if (back && !came_up)
                return PSOAS_POSTURE_SITTING;
        if (came_up && !back)
                return PSOAS_POSTURE_STANDING;
        return PSOAS_POSTURE_UNKNOWN;
}

static void revise(
        PostureClassifier *p, enum psoas_posture *next, enum psoas_posture posture, int64_t since_us) {
        *next = posture;
        /* The evidence said standing height: what is left of the height is the measurements' error. */
        if (posture == PSOAS_POSTURE_STANDING)
                p->height_m = 0.0f;
        p->confidence = 0.7f;
        p->risen_pending = false;
        p->revised = true;
        p->revised_since_us = since_us;
        p->changed_us = since_us;
        p->quick_until_us = 0;
        posture_review_forget(p);
}

/* The second look at a decision: standing and sitting stay open to the evidence. Walking and lying need none
 * (the steps and the orientation are their own evidence). A movement pauses the count; steps end it. */
void posture_review(
        PostureClassifier *p, int64_t t_us, float dt, const float up[3], enum psoas_posture *next) {
        p->revised = false;

        /* Down from one's feet and back up to the height the wearer stood at (or most of the way back up: two
         * measured movements carry two errors) within seconds is a squat or a bend, not a sit or a lie-down:
         * it never was. Watched for a few seconds after the posture ends, while
         * the movement up is still being measured. */
        bool off_feet = p->posture == PSOAS_POSTURE_SITTING || p->posture == PSOAS_POSTURE_LYING;
        if (*next != p->posture && off_feet && p->off_feet_us != 0 && t_us - p->off_feet_us < QUICK_SIT_US) {
                p->quick_until_us = t_us + QUICK_WATCH_US;
                p->quick_since_us = p->off_feet_us;
                p->quick_from = p->posture;
        }
        if (p->quick_until_us != 0) {
                if (t_us > p->quick_until_us || *next == PSOAS_POSTURE_LYING)
                        p->quick_until_us = 0;
                else if (!p->episode.active && *next != PSOAS_POSTURE_WALKING &&
                        ((height_measured(p) &&
                                 p->height_m >= p->feet_height_m - p->tuning.stand_height_m) ||
                                most_of_the_way_up_since(p, p->quick_since_us))) {
                        p->revised_from = p->quick_from;
                        revise(p, next, PSOAS_POSTURE_STANDING, p->quick_since_us);
                        return;
                }
        }

        if (*next != PSOAS_POSTURE_STANDING && *next != PSOAS_POSTURE_SITTING) {
                posture_review_forget(p);
                return;
        }
        if (p->motion.n_steps > 0 || p->risen_pending) {
                posture_review_forget(p);
                return;
        }
        if (p->episode.active)
                return;
        /* The evidence moves slowly next to a 20 s review: looked at ten times a second, not on every sample. */
        p->review_wait_s += dt;
        if (p->review_wait_s < REVIEW_STEP_S)
                return;
        dt = p->review_wait_s;
        p->review_wait_s = 0.0f;

        enum psoas_posture says = posture_evidence(p, up);
        if (says == PSOAS_POSTURE_UNKNOWN || says == *next) {
                posture_review_forget(p);
                return;
        }
        if (says != p->contradicted_by) {
                p->contradicted_by = says;
                p->contradiction_us = t_us;
                p->contradiction_s = 0.0f;
        }
        p->contradiction_s += dt;
        if (p->contradiction_s < p->tuning.review_s)
                return;

        int64_t since = p->contradiction_us;
        if (since - p->changed_us <= REVIEW_BACKDATE_US)
                since = p->changed_us;
        p->revised_from = *next;
        revise(p, next, says, since);
}

bool posture_classifier_not_standing(const PostureClassifier *p, const float up[3]) {
        if (p->calibrated && (p->posture == PSOAS_POSTURE_SITTING || p->posture == PSOAS_POSTURE_LYING))
                return true;
        /* Turned away from how the pelvis was carried in the last walk by as much as sitting turns it back. */
        if (p->walk_up_known && vec3_dot(up, p->walk_up) <= cosf(SITTING_POSTERIOR_DEG * RAD_PER_DEG))
                return true;
        /* Came down and has not come back up, whenever that was. */
        return down_since(p, INT64_MIN);
}
