/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "macro.h"
#include "posture-internal.h"
#include "vec.h"

/* Motion detector time constants and thresholds (m/s², rad/s). The wearer counts as still when the
 * accelerometer's and gyroscope's short-term fluctuations are small: quiet standing sways well below these. */
#define MOTION_LP_TAU_S 0.3f
#define MOTION_VAR_TAU_S 0.15f
#define STILL_ACC_RMS 0.35f
#define STILL_GYRO_RMS 0.15f
/* At rest the gyroscope reads its bias: its fluctuation within VQF's rest threshold (2°/s) for REST_MIN_S
 * (posture.h). */
#define REST_GYRO_RMS (2.0f * RAD_PER_DEG)

/* Steps: peaks of the (4 Hz) vertical acceleration, at a walking cadence. */
#define VERT_LP_TAU_S 0.04f
#define STEP_PEAK 1.0f
#define STEP_REARM (-0.3f)
#define STEP_MIN_INTERVAL_US 250000
#define STEP_MAX_INTERVAL_US 1300000
#define WALK_END_US 1500000
#define STEP_REGULARITY 1.6f
#define STEPS_FROM_FEET 3
#define STEPS_FROM_SEAT 4
#define WALK_ONSET_RMS 1.5f
#define WALK_ONSET_S 0.4f

/* A transition episode ends after this much stillness, or is judged anyway after a long fidget. */
#define EPISODE_END_STILL_S 0.1f
#define EPISODE_MAX_US 8000000
/* An episode that decided nothing stays open this long: a smooth stand-up from an upright seat can pause
 * between its lean and its rise long enough to look still, and its two halves are one movement. Only with a
 * gyroscope: without one the height is a hint at best, and a quick decision matters more. */
#define EPISODE_MERGE_S 1.0f
/* Steps for less than this before a rest are a turn towards a seat (or a shuffle), not a walk: the episode after
 * them is measured from the rest before them. */
#define SHORT_WALK_US 6000000
/* Standing still within this of the calibrated vertical is a rest to measure the next movement's turn from. */
#define REST_UPRIGHT_DEG 20.0f

/* Orientation thresholds in degrees from the calibrated vertical. */
/* Reclined sitting reaches 60° from standing; lying on the back or side is 80° or more. */
#define LYING_ENTER_DEG 70.0f
#define LYING_LEAVE_DEG 55.0f
/* Lying curled on the side rolls the pelvis by 60-90° only, which is less than a reclined seat turns it back.
 * Nobody sits or stands rolled sideways by 45°, so once the forward direction tells sideways from backwards,
 * that is lying. Before, the angle alone must do (HAPT's sitters recline by up to 60°). */
#define LYING_ROLL_ENTER_DEG 45.0f
#define LYING_ROLL_LEAVE_DEG 35.0f
#define LYING_DWELL_S 1.0f
#define SITTING_DEVIATION_DEG 30.0f /* before the forward direction is known */
#define SITTING_DWELL_S 1.0f
/* Risen from lying: no further back than this (or turned forwards), within the second of the standing vertical
 * in any direction, with the pelvis raised by the third since the wearer sat up (past the fourth), is standing.
 * An upright sitter on the edge of a bed meets the first two; a wearer who got up also meets the third: sitting
 * up leaves the pelvis about where it lay, standing up raises it by some 40 cm, and 15 cm is between them with
 * room for the error of a height measured right after a 90° turn. The height is measured from the moment the
 * pelvis is past RISEN_UPRIGHT_DEG, so that the turn of sitting up does not drown it; without a gyroscope it is
 * not measured at all. Without the forward direction an upright sitter cannot be told from a
 * stander, and sitting is the likelier. */
#define RISEN_STANDING_DEG 2.5f
#define RISEN_STANDING_DEVIATION_DEG 6.0f
#define RISEN_MIN_RISE_M 0.15f
#define RISEN_UPRIGHT_DEG 35.0f
/* After a gap in the samples, with no transition seen. */
#define GAP_SITTING_POSTERIOR_DEG 10.0f
#define GAP_SITTING_DEVIATION_DEG 12.0f

/* Learning the forward direction: still sitting, rotated at least this much from the standing vertical. */
#define FORWARD_MIN_DEG 8.0f
#define FORWARD_MAX_DEG 60.0f
#define FORWARD_LEARN_S 4.0f
#define FORWARD_CONSISTENCY 0.8f

/* Lying, the pelvis is about where a seat puts it: rising from lying to sitting leaves it there. */
#define LYING_HEIGHT_M (-0.45f)
void posture_classifier_init(PostureClassifier *p) {
        memset(p, 0, sizeof(*p));
        p->posture = PSOAS_POSTURE_UNKNOWN;
        posture_classifier_set_tuning(p, &posture_tuning_default);
        /* A sensor is put on standing, as a rule, and the height counts from there. Handling it before (turning
         * it over in the hand) moves it through large turns, which the height leaves out. */
        p->height_known = true;
}

void posture_classifier_set_tuning(PostureClassifier *p, const PostureTuning *tuning) {
        p->tuning = *tuning;
        /* Asked on most samples: the angle's sine and cosine once, not an arctangent each time. */
        p->sit_posterior_cos = cosf(tuning->sit_posterior_deg * RAD_PER_DEG);
        p->sit_posterior_sin = sinf(tuning->sit_posterior_deg * RAD_PER_DEG);
}

void posture_classifier_reset_motion(PostureClassifier *p) {
        uint32_t steps_walked = p->motion.steps_walked;

        memset(&p->motion, 0, sizeof(p->motion));
        /* A count, not motion: whoever reads it by differences must not see it jump back. */
        p->motion.steps_walked = steps_walked;
        memset(&p->episode, 0, sizeof(p->episode));
        vec3_copy(p->episode.rest_up, p->up0);
        /* Whatever happened during the gap was not seen: judge the posture afresh from the orientation. */
        p->after_gap = true;
        p->height_known = false;
        p->walk_up_known = false;
        posture_review_forget(p);
}

void posture_classifier_set_calibration(
        PostureClassifier *p, const float up0[3], bool forward_known, const float forward[3]) {
        vec3_copy(p->up0, up0);
        p->calibrated = true;
        p->forward_known = forward_known;
        if (forward_known) {
                vec3_copy(p->forward, forward);
                vec3_cross(p->up0, p->forward, p->left);
        }
        p->posture = PSOAS_POSTURE_STANDING; /* calibration happens standing */
        vec3_copy(p->episode.rest_up, up0);
        p->confidence = 0.8f;
        p->sitting_angle_s = p->lying_angle_s = 0.0f;
        memset(p->forward_sum, 0, sizeof(p->forward_sum));
        p->forward_weight = p->forward_s = 0.0f;
        p->height_known = true;
        p->height_m = 0.0f;
        posture_review_forget(p);
}

static inline float smoothing(float dt, float tau) {
        return dt / (tau + dt);
}

/* Walking has a cadence; the jolts of sitting down, rising or fidgeting do not. True when the last n steps
 * came at a steady rhythm. */
static bool steps_regular(const MotionDetector *m, unsigned n) {
        if (m->n_steps < n)
                return false;
        int64_t shortest = INT64_MAX, longest = 0;
        for (unsigned i = ELEMENTSOF(m->steps_us) - n + 1; i < ELEMENTSOF(m->steps_us); i++) {
                int64_t interval = m->steps_us[i] - m->steps_us[i - 1];
                shortest = MIN(shortest, interval);
                longest = MAX(longest, interval);
        }
        return (float)longest <= STEP_REGULARITY * (float)shortest;
}

static void motion_detect_steps(MotionDetector *m, int64_t t_us) {
        if (m->armed && m->vert_lp > STEP_PEAK) {
                m->armed = false;
                if (m->n_steps > 0 && t_us - m->last_step_us < STEP_MIN_INTERVAL_US)
                        return;
                if (m->n_steps > 0 && t_us - m->last_step_us > STEP_MAX_INTERVAL_US)
                        m->n_steps = 0; /* too slow for walking: start counting again */
                memmove(m->steps_us, m->steps_us + 1, sizeof(m->steps_us) - sizeof(m->steps_us[0]));
                m->steps_us[ELEMENTSOF(m->steps_us) - 1] = t_us;
                if (m->n_steps < ELEMENTSOF(m->steps_us))
                        m->n_steps++;
                m->last_step_us = t_us;
                /* Someone already on their feet starts walking within three steps; from a seat it takes a
                 * fourth, because rising and settling jolt the pelvis too. */
                if (m->walking)
                        m->steps_walked++;
                else if (steps_regular(m, STEPS_FROM_SEAT) ||
                        (steps_regular(m, STEPS_FROM_FEET) && m->on_feet)) {
                        m->walking = true;
                        /* The steps that showed it was a walk were steps of it. */
                        m->steps_walked += m->n_steps;
                }
        } else if (!m->armed && m->vert_lp < STEP_REARM)
                m->armed = true;

        if (m->n_steps > 0 && t_us - m->last_step_us > WALK_END_US) {
                m->walking = false;
                m->n_steps = 0;
        }
}

/* lp += a (x - lp) for a 3-vector; returns |x - lp|² after the step. Each component is read and written once:
 * written through the pointers, every store could alias x and force the next component to be loaded again. */
static inline float lowpass_deviation2(float lp[3], const float x[3], float a) {
        float x0 = x[0], x1 = x[1], x2 = x[2];
        float l0 = lp[0] + a * (x0 - lp[0]), l1 = lp[1] + a * (x1 - lp[1]), l2 = lp[2] + a * (x2 - lp[2]);
        lp[0] = l0;
        lp[1] = l1;
        lp[2] = l2;
        float d0 = x0 - l0, d1 = x1 - l1, d2 = x2 - l2;
        return d0 * d0 + d1 * d1 + d2 * d2;
}

void posture_classifier_update_motion(PostureClassifier *p, int64_t t_us, float dt, const float acc[3],
        const float *gyro, float vertical_acc) {
        MotionDetector *m = &p->motion;

        if (!m->initialized) {
                vec3_copy(m->acc_lp, acc);
                if (gyro)
                        vec3_copy(m->gyro_lp, gyro);
                m->initialized = true;
                return;
        }

        if (dt != m->factors_dt) {
                m->factors_dt = dt;
                m->lp_factor = smoothing(dt, MOTION_LP_TAU_S);
                m->var_factor = smoothing(dt, MOTION_VAR_TAU_S);
                m->vert_factor = smoothing(dt, VERT_LP_TAU_S);
        }
        float a_lp = m->lp_factor, a_var = m->var_factor;
        m->acc_var += a_var * (lowpass_deviation2(m->acc_lp, acc, a_lp) - m->acc_var);
        m->has_gyro = gyro;
        if (gyro)
                m->gyro_var += a_var * (lowpass_deviation2(m->gyro_lp, gyro, a_lp) - m->gyro_var);

        bool still = m->acc_var < STILL_ACC_RMS * STILL_ACC_RMS &&
                (!gyro || m->gyro_var < STILL_GYRO_RMS * STILL_GYRO_RMS);
        if (still) {
                m->still_s += dt;
        } else {
                m->still_s = 0.0f;
        }
        if (still && gyro && m->gyro_var < REST_GYRO_RMS * REST_GYRO_RMS)
                m->rest_s += dt;
        else
                m->rest_s = 0.0f;

        m->vert_lp += m->vert_factor * (vertical_acc - m->vert_lp);
        motion_detect_steps(m, t_us);
}

bool posture_classifier_still(const PostureClassifier *p) {
        return p->motion.initialized && p->motion.still_s > 0.0f;
}

float posture_classifier_energy(const PostureClassifier *p) {
        return sqrtf(p->motion.acc_var);
}

float posture_classifier_tilt(const PostureClassifier *p, const float up[3]) {
        if (!p->calibrated || !p->forward_known)
                return 0.0f;
        return fast_atan2f(-vec3_dot(up, p->forward), vec3_dot(up, p->up0)) * DEG_PER_RAD;
}

float posture_classifier_deviation(const PostureClassifier *p, const float up[3]) {
        if (!p->calibrated)
                return 0.0f;
        return vec3_angle(up, p->up0) * DEG_PER_RAD;
}

float posture_posterior_tilt(const PostureClassifier *p, const float up[3]) {
        return fast_atan2f(vec3_dot(up, p->forward), vec3_dot(up, p->up0)) * DEG_PER_RAD;
}

/* Forgets the evidence so far: the episode's rotation and vertical motion count from here. */
static void episode_restart(TransitionEpisode *e, int64_t t_us, const float up[3], float gravity) {
        e->vert_min = e->vert_max = 0.0f;
        e->vert_min_us = e->vert_max_us = t_us;
        e->n_bins = 0;
        e->bin_dv = e->bin_s = e->binned_s = 0.0f;
        e->gravity_start = gravity;
        e->early = TRANSITION_NONE;
        e->rise = 0.0f;
        e->v0 = 0.0f;
        e->step_bin = 0;
        vec3_copy(e->up_start, up);
        vec3_copy(e->gravity_up, up);
}

/* Walking: the evidence keeps the bins since the step before the last. Between two steps the pelvis bobs up and
 * down once and ends where it began, so its mean vertical velocity over that interval is zero: that sets the
 * velocity the bins start with, which a heel strike does not leave at zero. */
static void episode_step(TransitionEpisode *e, int64_t t_us, const float up[3], float gravity) {
        if (e->n_bins == 0 || e->step_bin == 0 || e->step_bin > e->n_bins) {
                episode_restart(e, t_us, up, gravity);
                e->step_bin = 1; /* the next step keeps everything from here */
                return;
        }
        unsigned drop = e->step_bin - 1;
        if (drop > 0) {
                unsigned keep = e->n_bins - drop;
                float bin_s = e->binned_s / (float)e->n_bins;
                memmove(e->bins, e->bins + drop, keep * sizeof(e->bins[0]));
                memmove(e->bin_angle, e->bin_angle + drop, keep * sizeof(e->bin_angle[0]));
                memmove(e->bin_rest_angle, e->bin_rest_angle + drop, keep * sizeof(e->bin_rest_angle[0]));
                e->n_bins = keep;
                e->binned_s = bin_s * (float)keep;
        }
        e->step_bin = e->n_bins + 1;
        vec3_copy(e->up_start, up);
}

/* The start velocity from the first step interval of the bins (see episode_step()). */
static void episode_step_velocity(TransitionEpisode *e) {
        unsigned n = e->step_bin > 0 ? e->step_bin - 1 : 0;
        if (n < 2 || n > e->n_bins)
                return;
        float v = 0.0f, sum = 0.0f;
        for (unsigned i = 0; i < n; i++) {
                v += e->bins[i];
                sum += v;
        }
        e->v0 = -sum / (float)n;
}

/* The wearer keeps moving for a second or two after sitting down or standing up (settling, shifting the feet),
 * but the pelvis has turned by then. A turn this large that has come to rest decides before the movement is
 * over: backwards (forwards) by EARLY_ROTATION_DEG once the forward direction is known, else away from (back
 * towards) the standing vertical by EARLY_DEVIATION_DEG. "At rest" allows a drift of 5 % of the turn: after a
 * 50° turn out of a reclined seat the pelvis keeps settling by a degree or two. The whole movement's judgement at
 * its end confirms the decision or takes it back. */
#define EARLY_ROTATION_DEG 10.0f
#define EARLY_DEVIATION_DEG 15.0f
#define EARLY_SETTLED_DEG 1.0f
#define EARLY_SETTLED_BINS 10 /* 0.2 s */
#define EARLY_SETTLED_FRACTION 0.05f

static TransitionKind episode_early(PostureClassifier *p, TransitionEpisode *e, const float up[3]) {
        /* Rising from lying is judged once the movement is over. So is a movement that follows a walk without a
         * rest: its turn counts from where the walk ended, which is no rest to measure from. Someone who pauses
         * at a landing or a door shuffles, turns and leans before walking on, and a lean back of 10° that
         * settles for a moment looks like a sit-down; the whole movement's evidence, its height and its braking
         * included, tells them apart. */
        if (e->early != TRANSITION_NONE || p->risen_pending || e->after_walk ||
                e->n_bins <= EARLY_SETTLED_BINS)
                return TRANSITION_NONE;
        /* Not while the steps of a walk may be starting: the pelvis sways with them. */
        if (p->motion.n_steps > 0)
                return TRANSITION_NONE;
        float lo = INFINITY, hi = -INFINITY;
        for (unsigned i = e->n_bins - EARLY_SETTLED_BINS; i < e->n_bins; i++) {
                lo = MIN(lo, e->bin_angle[i]);
                hi = MAX(hi, e->bin_angle[i]);
        }
        float rotation, threshold;
        if (p->forward_known) {
                rotation = posture_posterior_tilt(p, up) - posture_posterior_tilt(p, e->up_start);
                threshold = EARLY_ROTATION_DEG;
        } else {
                rotation =
                        posture_classifier_deviation(p, up) - posture_classifier_deviation(p, e->up_start);
                threshold = EARLY_DEVIATION_DEG;
        }
        if (hi - lo >= MAX(EARLY_SETTLED_DEG, EARLY_SETTLED_FRACTION * fabsf(rotation)) * RAD_PER_DEG)
                return TRANSITION_NONE;
        if (p->posture == PSOAS_POSTURE_STANDING && rotation >= threshold)
                e->early = TRANSITION_DOWN;
        else if (p->posture == PSOAS_POSTURE_SITTING && rotation <= -threshold)
                e->early = TRANSITION_UP;
        return e->early;
}

static void episode_bin(TransitionEpisode *e, const MotionDetector *m, int64_t t_us, float dt,
        float vertical_acc, const float up[3]) {
        e->bin_dv += vertical_acc * dt;
        e->bin_s += dt;
        if (e->bin_s >= EPISODE_BIN_S) {
                if (e->n_bins < EPISODE_BINS) {
                        e->binned_s += e->bin_s;
                        e->bins[e->n_bins] = e->bin_dv;
                        e->bin_angle[e->n_bins] = vec3_angle(up, e->up_start);
                        e->bin_rest_angle[e->n_bins] = vec3_angle(up, e->gravity_up);
                        e->n_bins++;
                }
                e->bin_dv = e->bin_s = 0.0f;
        }
        if (m->vert_lp < e->vert_min) {
                e->vert_min = m->vert_lp;
                e->vert_min_us = t_us;
        }
        if (m->vert_lp > e->vert_max) {
                e->vert_max = m->vert_lp;
                e->vert_max_us = t_us;
        }
}

static inline TransitionKind episode_update(
        PostureClassifier *p, int64_t t_us, float dt, float vertical_acc, const float up[3], float gravity) {
        TransitionEpisode *e = &p->episode;
        const MotionDetector *m = &p->motion;

        e->ended = false;
        if (m->walking) {
                /* Steps hide a transition: someone who walks to a chair turns and sits down in their last
                 * steps. The episode after the walk starts from where the pelvis was at rest before it. */
                if (!e->walked)
                        e->walk_start_us = t_us;
                e->walked = true;
                e->active = false;
                e->in_tail = false;
                /* The evidence counts from the step before the last (episode_step()). */
                if (m->last_step_us != e->step_us) {
                        e->step_us = m->last_step_us;
                        episode_step(e, t_us, up, gravity);
                }
                episode_bin(e, m, t_us, dt, vertical_acc, up);
                return TRANSITION_NONE;
        }
        if (m->still_s > 0.0f) {
                vec3_copy(e->still_up, up);
                e->still_gravity = vec3_norm(m->acc_lp);
        }
        /* A rest bent forward (picking something up) is no standing posture to measure a turn from. */
        if (m->still_s > 0.0f && !e->walked && p->posture == PSOAS_POSTURE_STANDING &&
                (!p->calibrated || vec3_dot(up, p->up0) >= cosf(REST_UPRIGHT_DEG * RAD_PER_DEG)))
                vec3_copy(e->rest_up, up);
        /* A movement that decided nothing is kept open for a moment (EPISODE_MERGE_S); its height counts once
         * the moment has passed. */
        if (!e->active && e->in_tail) {
                e->tail_s += dt;
                if (m->still_s > 0.0f || e->walked) {
                        if (e->tail_s < EPISODE_MERGE_S && !e->walked) {
                                episode_bin(e, m, t_us, dt, vertical_acc, up);
                                return TRANSITION_NONE;
                        }
                        e->in_tail = false;
                        e->ended = true;
                        if (!e->walked)
                                return TRANSITION_NONE;
                } else {
                        e->in_tail = false;
                        e->active = true;
                }
        }
        /* After a walk the episode starts at once, even at rest: the steps may have hidden a sit-down. */
        if (!e->active) {
                if (m->still_s > 0.0f && !e->walked)
                        return TRANSITION_NONE;
                e->active = true;
                /* After steps, the episode goes on from the last one: the sit-down may have begun before the
                 * walk was seen to end. (Without a gyroscope the height of those steps means nothing.) */
                if (e->walked && e->n_bins > 0 && p->vertical_valid) {
                        e->start_us = e->step_us;
                        episode_step_velocity(e);
                } else {
                        e->start_us = t_us;
                        /* |g| as measured at the rest just before, which the rest after is compared with:
                         * the orientation filter's learned value may lag it. (Without a gyroscope the
                         * vertical acceleration comes from the accelerometer's low-pass, and so does the
                         * filter's value.) */
                        episode_restart(e, t_us, up,
                                e->still_gravity > 0.0f && p->vertical_valid ? e->still_gravity : gravity);
                }
                /* A few steps are a turn to sit down, or towards something; after a real walk the rest
                 * before it says nothing. Standing, the turn counts from the last rest standing too: the
                 * movement may have begun before the wearer was ever still (a calibration that ended as
                 * they sat down). */
                bool short_walk = e->walked && t_us - e->walk_start_us < SHORT_WALK_US;
                if (short_walk || (!e->walked && p->posture == PSOAS_POSTURE_STANDING))
                        vec3_copy(e->up_start, e->rest_up);
                e->after_walk = e->walked && !short_walk;
                e->walked = false;
        }
        episode_bin(e, m, t_us, dt, vertical_acc, up);
        if (m->still_s >= EPISODE_END_STILL_S || t_us - e->start_us > EPISODE_MAX_US) {
                e->active = false;
                TransitionKind kind = posture_episode_judge(p, e, up, vec3_norm(m->acc_lp));
                /* An early decision the whole movement does not confirm was a lean, not a transition. */
                if (kind == TRANSITION_NONE && e->early == TRANSITION_DOWN)
                        kind = TRANSITION_UP;
                else if (kind == TRANSITION_NONE && e->early == TRANSITION_UP)
                        kind = TRANSITION_DOWN;
                if (kind == TRANSITION_NONE && p->vertical_valid && t_us - e->start_us <= EPISODE_MAX_US) {
                        e->in_tail = true;
                        e->tail_s = 0.0f;
                } else
                        e->ended = true;
                return kind;
        }
        return episode_early(p, e, up);
}

static bool forward_learn(PostureClassifier *p, int64_t t_us, float dt, const float up[3]) {
        if (p->forward_known)
                return false;
        /* Each sitting is learned from on its own, and only once it has outlasted a squat: the forward lean of
         * a squat held for a few seconds, taken for sitting, would teach the wrong direction for good. */
        if (p->posture != PSOAS_POSTURE_SITTING) {
                memset(p->forward_sum, 0, sizeof(p->forward_sum));
                p->forward_weight = p->forward_s = 0.0f;
                return false;
        }
        if (!posture_classifier_still(p))
                return false;
        float deviation = posture_classifier_deviation(p, up);
        if (deviation < FORWARD_MIN_DEG || deviation > FORWARD_MAX_DEG)
                return false;

        float perp[3];
        vec3_copy(perp, up);
        vec3_axpy(perp, -vec3_dot(up, p->up0), p->up0);
        vec3_axpy(p->forward_sum, dt, perp);
        p->forward_weight += vec3_norm(perp) * dt;
        p->forward_s += dt;
        if (p->forward_s < FORWARD_LEARN_S || t_us - p->changed_us < QUICK_SIT_US)
                return false;
        if (vec3_norm(p->forward_sum) < FORWARD_CONSISTENCY * p->forward_weight)
                return false; /* the backward rotations disagree: keep watching */

        /* Sitting rotates the pelvis backwards, which turns "up" towards the wearer's front. */
        vec3_copy(p->forward, p->forward_sum);
        vec3_axpy(p->forward, -vec3_dot(p->forward, p->up0), p->up0);
        vec3_normalize(p->forward);
        p->forward_known = true;
        vec3_cross(p->up0, p->forward, p->left);
        return true;
}

/* On most samples the angles from the standing vertical are only compared with thresholds, which needs no
 * arctangent. For unit vectors, the angle from the calibrated vertical is at least t exactly when its cosine
 * (up · up0) is at most cos t. The backward turn, atan2(up · forward, up · up0), is at least t (0 < t < 90°)
 * exactly when that point lies on the far side of the ray at angle t, in the upper half plane. The constants
 * fold at compile time. */
static inline bool deviation_at_least(float along_up0, float deg) {
        return along_up0 <= cosf(deg * RAD_PER_DEG);
}

static inline bool posterior_at_least(float along_up0, float along_forward, float deg) {
        return along_forward >= 0.0f &&
                along_forward * cosf(deg * RAD_PER_DEG) - along_up0 * sinf(deg * RAD_PER_DEG) >= 0.0f;
}

/* How the pelvis is carried while walking: the vertical averaged over the last few seconds of steps. A walker is
 * upright, whether or not a calibration says what upright is. */
#define WALK_UP_TAU_S 2.0f

static inline void walk_up_follow(PostureClassifier *p, float dt, const float up[3]) {
        if (!p->motion.walking || !p->vertical_valid)
                return;
        if (!p->walk_up_known) {
                vec3_copy(p->walk_up, up);
                p->walk_up_known = true;
                return;
        }
        vec3_axpy(p->walk_up, dt / (WALK_UP_TAU_S + dt), up);
        vec3_axpy(p->walk_up, -dt / (WALK_UP_TAU_S + dt), p->walk_up);
        vec3_normalize(p->walk_up);
}

bool posture_classifier_update(
        PostureClassifier *p, int64_t t_us, float dt, const Fusion *fusion, float vertical_acc) {
        const float *up = fusion->up;

        p->vertical_valid = fusion->use_gyro && p->motion.has_gyro;
        if (!p->calibrated) {
                /* No posture yet, but the height is followed: a calibration must not take a seated wearer
                 * for a standing one. */
                p->posture = PSOAS_POSTURE_UNKNOWN;
                p->confidence = 0.0f;
                episode_update(p, t_us, dt, vertical_acc, up, fusion->gravity);
                posture_height_update(p, t_us);
                if (p->motion.walking && p->vertical_valid) {
                        p->height_known = true;
                        p->height_m = 0.0f;
                }
                walk_up_follow(p, dt, up);
                return false;
        }

        float along_up0 = vec3_dot(up, p->up0);
        float along_forward = p->forward_known ? vec3_dot(up, p->forward) : 0.0f;
        /* Without a gyroscope the fused vertical is the accelerometer low-passed over 0.8 s while moving, which
         * lags a lie-down by a second. The lying test waits a second anyway: it looks at the motion detector's
         * 0.3 s low-pass instead. */
        float lying_along_up0 = along_up0;
        if (!p->vertical_valid) {
                float n = vec3_norm(p->motion.acc_lp);
                if (n > 0.0f)
                        lying_along_up0 = vec3_dot(p->motion.acc_lp, p->up0) / n;
        }
        walk_up_follow(p, dt, up);
        p->motion.on_feet = p->posture == PSOAS_POSTURE_STANDING || p->posture == PSOAS_POSTURE_WALKING;
        TransitionKind transition = episode_update(p, t_us, dt, vertical_acc, up, fusion->gravity);
        posture_height_update(p, t_us);
        enum psoas_posture next = p->posture;
        bool risen = p->risen_pending;

        bool lying = p->posture == PSOAS_POSTURE_LYING;
        bool lying_angle;
        if (p->forward_known) {
                /* Sideways: the vertical's component along the wearer's left, from either frame's vertical. */
                float n = 1.0f;
                if (!p->vertical_valid)
                        n = MAX(vec3_norm(p->motion.acc_lp), 1e-3f);
                const float *v = p->vertical_valid ? up : p->motion.acc_lp;
                float sideways = fabsf(vec3_dot(v, p->left)) / n;
                lying_angle = lying ? deviation_at_least(lying_along_up0, LYING_LEAVE_DEG) ||
                                sideways >= sinf(LYING_ROLL_LEAVE_DEG * RAD_PER_DEG)
                                    : deviation_at_least(lying_along_up0, LYING_ENTER_DEG) ||
                                sideways >= sinf(LYING_ROLL_ENTER_DEG * RAD_PER_DEG);
        } else
                lying_angle = lying ? deviation_at_least(lying_along_up0, LYING_LEAVE_DEG)
                                    : deviation_at_least(lying_along_up0, LYING_ENTER_DEG);
        if (lying_angle)
                p->lying_angle_s += dt;
        else
                p->lying_angle_s = 0.0f;

        /* Without the forward direction the angle cannot tell a backward turn from a forward bend: at
         * standing height it is no sign of sitting. */
        bool sitting_angle = p->forward_known
                ? posterior_at_least(along_up0, along_forward, SITTING_POSTERIOR_DEG)
                : deviation_at_least(along_up0, SITTING_DEVIATION_DEG) && !posture_at_standing_height(p);
        if (sitting_angle && p->lying_angle_s == 0.0f)
                p->sitting_angle_s += dt;
        else
                p->sitting_angle_s = 0.0f;

        /* Someone standing who starts moving hard with a step in it is walking: say so at once rather than
         * after the cadence is confirmed. Should it turn out to be sitting down, the episode's judgement
         * follows. */
        if (p->motion.on_feet && posture_classifier_energy(p) >= WALK_ONSET_RMS && p->motion.n_steps > 0 &&
                t_us - p->motion.last_step_us < STEP_MAX_INTERVAL_US)
                p->walk_onset_s += dt;
        else
                p->walk_onset_s = 0.0f;

        if (p->lying_angle_s >= LYING_DWELL_S ||
                (p->posture == PSOAS_POSTURE_LYING && p->lying_angle_s > 0.0f)) {
                next = PSOAS_POSTURE_LYING;
                p->confidence = 0.95f;
        } else if ((p->motion.walking || p->walk_onset_s >= WALK_ONSET_S) &&
                p->posture != PSOAS_POSTURE_LYING) {
                next = PSOAS_POSTURE_WALKING;
                p->confidence = 0.9f;
        } else if (p->posture == PSOAS_POSTURE_LYING || p->risen_pending) {
                /* Risen from lying. The pelvis turns by 90° on the way, and sitting up (on the edge of the bed,
                 * the sofa) is what most people do first: sitting at once, while the movement goes on. Once it
                 * is over, back at the standing vertical with the pelvis raised is standing; anything else is
                 * sitting, which walking or a later stand-up corrects. */
                if (p->posture == PSOAS_POSTURE_LYING) {
                        p->risen_pending = true;
                        p->risen_upright = false;
                        /* Only what happens from here tells getting up from sitting up. The |g| the fusion
                         * knows was learned lying still: the step in it counts from there. */
                        episode_restart(&p->episode, t_us, up, fusion->gravity);
                        vec3_copy(p->episode.gravity_up, p->episode.still_up);
                }
                next = PSOAS_POSTURE_SITTING;
                p->confidence = 0.6f;
                float deviation = posture_classifier_deviation(p, up);
                float posterior = -posture_classifier_tilt(p, up);
                /* Sat up: the height counts from here. */
                if (!p->risen_upright && deviation < RISEN_UPRIGHT_DEG && p->episode.active) {
                        p->risen_upright = true;
                        episode_restart(&p->episode, t_us, up, fusion->gravity);
                        vec3_copy(p->episode.gravity_up, p->episode.still_up);
                }
                /* The whole movement's height decides (see EPISODE_MERGE_S). */
                if (!p->episode.active && !p->episode.in_tail) {
                        bool upright = p->forward_known && posterior < RISEN_STANDING_DEG &&
                                deviation < RISEN_STANDING_DEVIATION_DEG &&
                                (!p->vertical_valid || p->episode.rise >= RISEN_MIN_RISE_M);
                        if (upright)
                                next = PSOAS_POSTURE_STANDING;
                        p->risen_pending = false;
                        /* The height measured since the wearer sat up, from a seat's height: evidence for the
                         * review when the orientation alone could not decide. */
                        if (p->vertical_valid && p->risen_upright && p->quick_until_us == 0) {
                                p->height_known = true;
                                p->height_m =
                                        CLAMP(LYING_HEIGHT_M + p->episode.rise, HEIGHT_MIN_M, HEIGHT_MAX_M);
                                if (p->episode.rise >= p->tuning.sit_height_m) {
                                        p->last_move = 1;
                                        p->last_move_us = t_us;
                                }
                        }
                }
        } else if (p->sitting_angle_s >= SITTING_DWELL_S) {
                next = PSOAS_POSTURE_SITTING;
                p->confidence = 0.95f;
        } else if (transition == TRANSITION_DOWN) {
                next = PSOAS_POSTURE_SITTING;
                p->confidence = 0.75f;
        } else if (transition == TRANSITION_UP) {
                next = PSOAS_POSTURE_STANDING;
                p->confidence = 0.75f;
        } else if (p->posture == PSOAS_POSTURE_WALKING || p->posture == PSOAS_POSTURE_UNKNOWN) {
                /* Walking stopped: the wearer is on their feet. */
                next = PSOAS_POSTURE_STANDING;
                p->confidence = 0.8f;
        }
        if (p->after_gap && posture_classifier_still(p) && next != PSOAS_POSTURE_LYING &&
                next != PSOAS_POSTURE_WALKING) {
                /* No transition to go by: only the orientation. Upright counts as standing unless the pelvis is
                 * turned back as far as sitting turns it. */
                bool sitting = p->forward_known
                        ? posterior_at_least(along_up0, along_forward, GAP_SITTING_POSTERIOR_DEG)
                        : deviation_at_least(along_up0, GAP_SITTING_DEVIATION_DEG);
                next = sitting ? PSOAS_POSTURE_SITTING : PSOAS_POSTURE_STANDING;
                p->confidence = 0.6f;
                p->after_gap = false;
        } else if (next == PSOAS_POSTURE_LYING || next == PSOAS_POSTURE_WALKING)
                p->after_gap = false;
        if (next != PSOAS_POSTURE_SITTING)
                p->risen_pending = false;
        /* Anchors: walking is at standing height; lying down and rising from lying turn the pelvis too far to
         * measure the height, so the posture they end in sets it (a bed, a sofa are at a seat's height). */
        posture_review(p, t_us, dt, up, &next);
        if (next == PSOAS_POSTURE_STANDING && p->posture == PSOAS_POSTURE_STANDING &&
                posture_classifier_still(p) && !p->episode.active)
                p->feet_height_m = p->height_m;
        if (p->vertical_valid && !p->revised) {
                bool anchored = true;
                if (next == PSOAS_POSTURE_WALKING || (risen && next == PSOAS_POSTURE_STANDING))
                        p->height_m = 0.0f;
                else if (p->posture == PSOAS_POSTURE_LYING && next != PSOAS_POSTURE_LYING &&
                        p->quick_until_us == 0)
                        p->height_m = next == PSOAS_POSTURE_STANDING ? 0.0f : LYING_HEIGHT_M;
                else
                        anchored = false;
                p->height_known |= anchored;
        }
        if (next != p->posture && !p->revised) {
                bool on_feet = p->posture == PSOAS_POSTURE_STANDING || p->posture == PSOAS_POSTURE_WALKING;
                if (next == PSOAS_POSTURE_STANDING || next == PSOAS_POSTURE_WALKING)
                        p->off_feet_us = 0;
                else if (on_feet)
                        p->off_feet_us = t_us;
                p->changed_us = t_us;
        } else if (p->revised)
                p->off_feet_us = 0;
        p->posture = next;

        return forward_learn(p, t_us, dt, up);
}
