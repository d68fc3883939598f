/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "macro.h"
#include "signature.h"
#include "vec.h"

/* Feature smoothing: the vertical over 0.3 s (a repetition's top lasts about a second). The rate is low-passed
 * at 0.1 s (sway is below 2 Hz; the gyroscope's white noise is not) and high-passed at 1 s; its variance over 1 s. */
#define BODY_TAU_S 0.3f
#define RATE_FAST_TAU_S 0.1f
#define RATE_TAU_S 1.0f
#define SWAY_TAU_S 1.0f
/* Steps for this long are a walk, on one's feet: the height is standing height again. (The step detector may
 * fire once in a sit-down.) */
#define WALK_RESET_S 2.0f

/* Height: the integration is bounded, so that an error in one movement cannot run away. */
#define HEIGHT_MIN_M (-1.5f)
#define HEIGHT_MAX_M 0.5f
#define VELOCITY_MAX_MPS 3.0f
/* A movement episode: the vertical acceleration above this starts one; this long below it ends it. */
#define HEIGHT_QUIET_ACC 0.2f
#define HEIGHT_QUIET_S 0.5f
#define HEIGHT_REST_MPS 0.1f
#define HEIGHT_QUIET_MAX_S 2.0f
#define HEIGHT_EPISODE_MAX_S 10.0f
/* On one's feet: within this of standing height. */
#define ON_FEET_M 0.15f

/* Upright: the body's vertical within 35° of the earth's. */
#define UPRIGHT_COS 0.819f
/* Face down or up, or on the side: within about 40° of it. */
#define LYING_COS 0.75f

/* Sway of a pelvis balanced on the feet or the knees, against one resting on a seat: people standing sway by a
 * few tenths of a degree at 0.1-1 Hz, sitting by less, and more slowly. On one leg, several times as much. */
#define SWAY_BALANCE_DPS 0.4f
#define SWAY_ONE_LEG_DPS 1.5f
/* Above this the wearer is moving, not holding a position. */
#define SWAY_HOLD_MAX_DPS 20.0f
#define SWAY_STILL_MAX_DPS 8.0f

/* Holds: a loss this short keeps the side's time (an adjustment, a wobble); a longer one starts it again. A
 * loss of at least SWITCH_MIN_S after a side is done is the switch to the other side. */
#define HOLD_GRACE_S 5.0
#define SWITCH_MIN_S 1.0

/* Repetitions: the rocking angle away from its baseline that makes a repetition's top, the angle that brings it
 * back, and how long the top may last. The baseline follows the resting angle slowly. */
#define REP_BASELINE_TAU_S 20.0f
#define REP_SETTLE_S 0.5
#define REP_SETTLED_DEG 2.0f
#define REP_TOP_MIN_S 0.3
#define REP_TOP_MAX_S 8.0

static float lowpass_factor(float dt, float tau) {
        if (!(dt > 0.0f))
                return 0.0f;
        return dt >= tau ? 1.0f : dt / tau;
}

void stretch_sense_init(StretchSense *s) {
        *s = (StretchSense){ .body = { 1.0f, 0.0f, 0.0f } };
}

void stretch_sense_set_height(StretchSense *s, bool valid, float height_m) {
        s->height_external = true;
        s->height_valid = valid && isfinite(height_m);
        s->height_m = s->height_valid ? height_m : 0.0f;
        s->height_now_m = s->height_m;
        if (s->height_valid && height_m >= -ON_FEET_M)
                s->on_feet_seen = true;
}

void stretch_sense_mark(StretchSense *s) {
        s->on_feet_seen = s->height_valid && s->height_now_m >= -ON_FEET_M;
}

float stretch_sense_sway_dps(const StretchSense *s) {
        return sqrtf(s->sway_var) * DEG_PER_RAD;
}

/* The height changes in movement episodes: from the first sample whose vertical acceleration stands out to half
 * a second of quiet at rest. An episode starts and ends at rest, so its velocity must come back to zero: what it does not
 * is drift (an accelerometer offset, tilt error), taken as growing linearly and removed from the displacement.
 * Between episodes the height holds. (Zeroing the velocity whenever the motion detector sees the wearer still would
 * lose slow, smooth movements such as kneeling down, which it calls still.) */
static void sense_height(StretchSense *s, float dt, const float *rate, float vertical_acc, bool walking) {
        if (s->height_external)
                return;
        if (!rate || !isfinite(vertical_acc)) {
                /* Without a gyroscope the vertical acceleration is not known. */
                s->height_valid = false;
                s->episode = false;
                return;
        }
        s->height_valid = true;
        s->walk_s = walking ? s->walk_s + dt : 0.0f;
        if (s->walk_s >= WALK_RESET_S) {
                s->height_m = 0.0f;
                s->episode = false;
                return;
        }

        bool quiet = fabsf(vertical_acc) < HEIGHT_QUIET_ACC;
        s->quiet_s = quiet ? s->quiet_s + dt : 0.0f;
        if (!s->episode) {
                if (quiet)
                        return;
                s->episode = true;
                s->velocity_mps = 0.0f;
                s->episode_m = 0.0f;
                s->episode_s = 0.0f;
        }
        s->velocity_mps = CLAMP(s->velocity_mps + vertical_acc * dt, -VELOCITY_MAX_MPS, VELOCITY_MAX_MPS);
        s->episode_m += s->velocity_mps * dt;
        s->episode_s += dt;
        /* The acceleration of a slow movement passes through zero in its middle, for a while: its velocity
         * says it has not ended. After a long quiet the velocity left is drift. */
        if ((s->quiet_s >= HEIGHT_QUIET_S && fabsf(s->velocity_mps) < HEIGHT_REST_MPS) ||
                s->quiet_s >= HEIGHT_QUIET_MAX_S || s->episode_s >= HEIGHT_EPISODE_MAX_S) {
                float displacement = s->episode_m - 0.5f * s->velocity_mps * s->episode_s;
                s->height_m = CLAMP(s->height_m + displacement, HEIGHT_MIN_M, HEIGHT_MAX_M);
                s->episode = false;
                s->velocity_mps = 0.0f;
        }
}

/* The height now: during an episode, what it has moved so far. */
static float sense_height_now(const StretchSense *s) {
        if (!s->episode)
                return s->height_m;
        return CLAMP(s->height_m + s->episode_m, HEIGHT_MIN_M, HEIGHT_MAX_M);
}

void stretch_sense_update(StretchSense *s, float dt, const float up[3], const float *up0,
        const float *forward, const float *rate, float vertical_acc, bool walking) {
        s->walking = walking;
        s->has_gyro = rate != NULL;
        sense_height(s, dt, rate, vertical_acc, walking);
        s->height_now_m = s->height_external ? s->height_m : sense_height_now(s);
        if (s->height_valid && s->height_now_m >= -ON_FEET_M)
                s->on_feet_seen = true;

        if (rate) {
                float kf = lowpass_factor(dt, RATE_FAST_TAU_S), k = lowpass_factor(dt, RATE_TAU_S),
                      hp2 = 0.0f;
                for (unsigned i = 0; i < 3; i++) {
                        s->rate_fast[i] += kf * (rate[i] - s->rate_fast[i]);
                        s->rate_lp[i] += k * (s->rate_fast[i] - s->rate_lp[i]);
                        float hp = s->rate_fast[i] - s->rate_lp[i];
                        hp2 += hp * hp;
                }
                s->sway_var += lowpass_factor(dt, SWAY_TAU_S) * (hp2 - s->sway_var);
        } else
                s->sway_var = 0.0f;

        if (!up0 || !forward) {
                s->valid = false;
                return;
        }
        float left[3];
        vec3_cross(up0, forward, left);
        float body[3] = { vec3_dot(up, up0), vec3_dot(up, forward), vec3_dot(up, left) };
        float k = s->valid ? lowpass_factor(dt, BODY_TAU_S) : 1.0f;
        for (unsigned i = 0; i < 3; i++)
                s->body[i] += k * (body[i] - s->body[i]);
        vec3_normalize(s->body);
        s->valid = true;
        s->pitch_deg = fast_atan2f(-s->body[1], s->body[0]) * DEG_PER_RAD;
        s->roll_deg = fast_atan2f(s->body[2], s->body[0]) * DEG_PER_RAD;
}

bool signature_exists(enum psoas_stretch_check check) {
        return check > PSOAS_CHECK_FLOOR && check < _PSOAS_CHECK_MAX;
}

bool signature_counts_reps(enum psoas_stretch_check check) {
        return check == PSOAS_CHECK_BRIDGE_REPS || check == PSOAS_CHECK_SIDE_LYING_REPS ||
                check == PSOAS_CHECK_ALL_FOURS_ALTERNATING;
}

static bool in_range(float x, float lo, float hi) {
        return x >= lo && x <= hi; /* NaN fails */
}

static bool height_in(const StretchSense *s, float lo, float hi) {
        return s->height_valid && in_range(s->height_now_m, lo, hi);
}

/* Standing or kneeling with the pelvis tucked under, posterior of the standing neutral by 4-20° (an arched,
 * anterior pelvis fails), not leaning to the side. */
static bool upright_tucked(const StretchSense *s, float min_tuck_deg) {
        return s->body[0] >= UPRIGHT_COS && in_range(s->pitch_deg, -20.0f, -min_tuck_deg) &&
                fabsf(s->roll_deg) <= 15.0f;
}

/* Face down, horizontal: on all fours or in a plank, the pelvis neither sagging (anterior, an arched lower back)
 * nor piked. */
static bool face_down_level(const StretchSense *s) {
        return -s->body[1] >= LYING_COS && in_range(s->pitch_deg, 70.0f, 100.0f);
}

bool signature_holds(enum psoas_stretch_check check, const StretchSense *s) {
        float sway = stretch_sense_sway_dps(s);

        if (!s->valid)
                return false;
        if (check == PSOAS_CHECK_WALKING)
                return s->walking;
        if (s->walking)
                return false;

        switch (check) {
        case PSOAS_CHECK_STANDING_TUCK:
                /* A split stance lowers the pelvis a little. */
                return upright_tucked(s, 4.0f) && height_in(s, -0.25f, 0.2f) && sway <= SWAY_HOLD_MAX_DPS;
        case PSOAS_CHECK_ONE_LEG_TUCK:
                /* Holding one ankle behind: standing height, tucked, and the sway of balancing on one leg. */
                return upright_tucked(s, 3.0f) && height_in(s, -0.2f, 0.2f) && s->has_gyro &&
                        sway >= SWAY_ONE_LEG_DPS && sway <= SWAY_HOLD_MAX_DPS;
        case PSOAS_CHECK_KNEELING_TUCK:
                /* Came down from the feet to kneeling height, balancing on the knee (a chair would hold the
                 * pelvis still), near upright and tucked. */
                return upright_tucked(s, 4.0f) && s->on_feet_seen && height_in(s, -0.85f, -0.3f) &&
                        s->has_gyro && sway >= SWAY_BALANCE_DPS && sway <= SWAY_HOLD_MAX_DPS;
        case PSOAS_CHECK_STANDING_HINGE:
                /* Hinged forward from the hips with a straight back: the pelvis turns anteriorly with the
                 * trunk, far more than a tilted stance, at about standing height. */
                return in_range(s->pitch_deg, 20.0f, 70.0f) && fabsf(s->body[2]) <= 0.34f &&
                        height_in(s, -0.4f, 0.15f) && sway <= SWAY_HOLD_MAX_DPS;
        case PSOAS_CHECK_SEATED_HINGE:
                /* Seated, leaning forward from the hips with a straight back: the pelvis anterior of the
                 * standing neutral, where sitting (and slumping forward) rolls it back. */
                return in_range(s->pitch_deg, 5.0f, 50.0f) && fabsf(s->body[2]) <= 0.34f &&
                        height_in(s, -0.75f, -0.25f) && sway <= SWAY_HOLD_MAX_DPS;
        case PSOAS_CHECK_PRONE_HOLD:
                /* Forearms and toes: face down, level (neither sagging nor piked), still. Lying face down and
                 * still looks the same to a pelvis sensor: the height after getting down to the floor is not
                 * known well enough to tell them apart. */
                return face_down_level(s) && fabsf(s->body[2]) <= 0.26f && s->has_gyro &&
                        sway <= SWAY_STILL_MAX_DPS;
        case PSOAS_CHECK_BRIDGE_REPS:
                /* Lying on the back, or bridging (the pelvis turned back past it): sitting up on the floor turns
                 * it the other way. */
                return s->body[1] >= 0.6f && fabsf(s->body[2]) <= 0.5f && -s->body[0] >= -0.26f;
        case PSOAS_CHECK_SIDE_LYING_REPS:
                return fabsf(s->body[2]) >= LYING_COS;
        case PSOAS_CHECK_ALL_FOURS_ALTERNATING:
                return face_down_level(s) && fabsf(s->body[2]) <= 0.34f;
        default:
                return false;
        }
}

/* The angle a repetition rocks the pelvis by, in degrees. Bridge: the pelvis rotating posteriorly past supine
 * as the hips rise. Clamshell: rolling back from side-lying as the knee lifts. Bird-dog: rolling to one side
 * or the other as a leg lifts. */
static float rep_angle(enum psoas_stretch_check check, const StretchSense *s) {
        const float *b = s->body;
        switch (check) {
        case PSOAS_CHECK_BRIDGE_REPS:
                return atan2f(-b[0], b[1]) * DEG_PER_RAD;
        case PSOAS_CHECK_SIDE_LYING_REPS:
                return atan2f(b[1], fabsf(b[2])) * DEG_PER_RAD;
        case PSOAS_CHECK_ALL_FOURS_ALTERNATING:
                return atan2f(b[2], -b[1]) * DEG_PER_RAD;
        default:
                return 0.0f;
        }
}

/* Degrees above the baseline that make a top, bring a repetition back down, and are too much (the whole pelvis
 * rolled over: not the exercise). */
static void rep_thresholds(enum psoas_stretch_check check, float *ret_up, float *ret_down, float *ret_max) {
        switch (check) {
        case PSOAS_CHECK_BRIDGE_REPS:
                *ret_up = 12.0f;
                *ret_down = 7.0f;
                *ret_max = 50.0f;
                break;
        default:
                *ret_up = 2.5f;
                *ret_down = 1.0f;
                *ret_max = 20.0f;
                break;
        }
}

void signature_tracker_init(SignatureTracker *t, const struct psoas_stretch *stretch) {
        *t = (SignatureTracker){
                .check = stretch->check,
                .per_side = stretch->per_side,
                .hold_s = stretch->hold_min_s,
                .reps = stretch->reps_min,
        };
}

uint32_t signature_tracker_side(const SignatureTracker *t) {
        return t->per_side ? t->side + 1 : 0;
}

static bool tracker_complete(const SignatureTracker *t) {
        if (signature_counts_reps(t->check))
                return t->count[0] >= t->reps && (!t->per_side || t->count[1] >= t->reps);
        return t->side_done[0] && (!t->per_side || t->side_done[1]);
}

static void tracker_hold(SignatureTracker *t, bool holds, double dt) {
        if (holds) {
                t->lost_s = 0;
                t->held_s[t->side] += dt;
                t->seen_s += dt;
                /* Summing per-sample intervals leaves rounding error: 100 Hz for 30 s is a hair under 30. */
                if (t->held_s[t->side] + 1e-6 >= (double)t->hold_s)
                        t->side_done[t->side] = true;
                return;
        }

        t->lost_s += dt;
        if (t->side_done[t->side]) {
                if (t->per_side && t->side == 0 && t->lost_s >= SWITCH_MIN_S)
                        t->side = 1;
        } else if (t->lost_s > HOLD_GRACE_S)
                t->held_s[t->side] = 0;
}

static void tracker_reps(SignatureTracker *t, const StretchSense *s, bool in_position, double dt) {
        float up, down, max;

        if (!in_position) {
                t->in_position = false;
                t->phase = 0;
                t->spoiled = false;
                t->position_s = 0;
                t->baseline_set = false;
                return;
        }

        /* Side-lying: the side is the one the pelvis lies on; a bird-dog's is the way it rocks. */
        if (t->check == PSOAS_CHECK_SIDE_LYING_REPS) {
                uint32_t side = s->body[2] > 0 ? 0 : 1;
                if (t->in_position && side != t->side) {
                        t->phase = 0;
                        t->baseline_set = false;
                        t->position_s = 0;
                }
                t->side = side;
        }
        if (!t->in_position)
                t->baseline_set = false;
        t->in_position = true;
        t->position_s += dt;
        t->seen_s += dt;

        /* The baseline starts once the pelvis has settled in the position: getting into it is no repetition. */
        float a = rep_angle(t->check, s);
        if (!t->baseline_set) {
                if (fabsf(a - t->baseline_deg) > REP_SETTLED_DEG) {
                        t->baseline_deg = a;
                        t->position_s = 0;
                }
                if (t->position_s < REP_SETTLE_S)
                        return;
                t->baseline_set = true;
        }
        float d = a - t->baseline_deg;
        rep_thresholds(t->check, &up, &down, &max);
        bool two_sided = t->check == PSOAS_CHECK_ALL_FOURS_ALTERNATING;

        if (t->phase == 0) {
                /* The baseline is the resting angle between repetitions: it follows the angle down at once
                 * (one-sided exercises), and creeps only while the pelvis rests near it, never with a rise. */
                if (!two_sided && d < 0)
                        t->baseline_deg = a;
                else if (fabsf(d) < down)
                        t->baseline_deg += lowpass_factor((float)dt, REP_BASELINE_TAU_S) * d;
                if (d >= up && d <= max)
                        t->phase = 1;
                else if (two_sided && -d >= up && -d <= max)
                        t->phase = -1;
                t->phase_s = 0;
                return;
        }

        t->phase_s += dt;
        float excursion = (float)(t->phase > 0 ? 1 : -1) * d;
        if (t->phase_s > REP_TOP_MAX_S) {
                /* Stayed there: a new resting position, not a repetition. Start again from here. */
                t->phase = 0;
                t->baseline_deg = a;
                return;
        }
        if (excursion > max)
                /* Rolled right over (the hips rolling back in a clamshell): this one does not count, whatever
                 * it passes through on the way back down. */
                t->spoiled = true;
        if (excursion <= down) {
                if (t->phase_s >= REP_TOP_MIN_S && !t->spoiled) {
                        uint32_t side = t->side;
                        if (two_sided)
                                side = t->phase > 0 ? 0 : 1;
                        if (t->check == PSOAS_CHECK_BRIDGE_REPS)
                                side = 0;
                        t->count[side]++;
                        t->side = side;
                }
                t->phase = 0;
                t->spoiled = false;
        }
}

bool signature_tracker_update(SignatureTracker *t, const StretchSense *s, double dt, bool blocked) {
        if (!signature_exists(t->check))
                return false;
        if (!(dt > 0))
                dt = 0;
        bool holds = !blocked && signature_holds(t->check, s);

        if (signature_counts_reps(t->check))
                tracker_reps(t, s, holds, dt);
        else
                tracker_hold(t, holds, dt);
        return tracker_complete(t);
}
