/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The synthetic IMU. See synth.h for the conventions.
 *
 * Every segment's pose (pitch, roll, yaw) and linear acceleration is a pure function of the time within the
 * segment and of parameters drawn once per segment when the generator is created. Things that happen from
 * time to time (fidgets, slow tilt changes, turns) live in fixed-length slots whose parameters come from
 * hashing the slot number, so evaluating any instant needs no history. Each segment starts from the pose
 * where the previous one ended, and everything that moves is shaped with minimum-jerk profiles or windowed
 * sinusoids, so orientation and angular rate are continuous across segments.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define DEG (M_PI / 180.0)
#define DIFF_H 1e-4 /* seconds, for the numerical derivative of the orientation */
#define STILL_RATE_DPS 20.0

/* ---------------------------------------------------------------------------------------------------------- */
/* Random numbers: splitmix64 to seed and hash, xoshiro256** for streams, Box-Muller for Gaussians. */

typedef struct Rng {
        uint64_t s[4];
        bool has_spare;
        double spare;
} Rng;

static uint64_t splitmix64(uint64_t *x) {
        uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/* An independent seed for one purpose ("stream") of a seed. */
static uint64_t seed_derive(uint64_t seed, uint64_t stream) {
        uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
        splitmix64(&x);
        return splitmix64(&x);
}

static void rng_seed(Rng *r, uint64_t seed) {
        uint64_t x = seed;
        for (size_t i = 0; i < 4; i++)
                r->s[i] = splitmix64(&x);
        r->has_spare = false;
        r->spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k) {
        return (x << k) | (x >> (64 - k));
}

static uint64_t rng_u64(Rng *r) {
        uint64_t *s = r->s;
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
}

/* [0, 1) */
static double rng_uniform(Rng *r) {
        return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

static double rng_range(Rng *r, double lo, double hi) {
        return lo + (hi - lo) * rng_uniform(r);
}

static double rng_gauss(Rng *r) {
        if (r->has_spare) {
                r->has_spare = false;
                return r->spare;
        }
        double u1 = 1.0 - rng_uniform(r); /* (0, 1] */
        double u2 = rng_uniform(r);
        double m = sqrt(-2.0 * log(u1));
        double s = sin(2.0 * M_PI * u2), c = cos(2.0 * M_PI * u2);
        r->spare = m * s;
        r->has_spare = true;
        return m * c;
}

/* A uniform number in [0, 1) that depends only on its arguments. */
static double hash01(uint64_t seed, uint64_t a, uint64_t b) {
        uint64_t x = seed + a * 0x9e3779b97f4a7c15ULL + b * 0xc2b2ae3d27d4eb4fULL;
        splitmix64(&x);
        return (double)(splitmix64(&x) >> 11) * 0x1.0p-53;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Shapes */

/* Minimum-jerk 0 -> 1 for x in [0, 1], clamped outside, and its first and second derivatives in x. */
static inline double mj(double x) {
        if (x <= 0.0)
                return 0.0;
        if (x >= 1.0)
                return 1.0;
        return x * x * x * (10.0 + x * (-15.0 + 6.0 * x));
}

static inline double mj_d(double x) {
        if (x <= 0.0 || x >= 1.0)
                return 0.0;
        double y = x * (1.0 - x);
        return 30.0 * y * y;
}

static inline double mj_dd(double x) {
        if (x <= 0.0 || x >= 1.0)
                return 0.0;
        return 60.0 * x * (1.0 - x) * (1.0 - 2.0 * x);
}

/* The second derivative, at time t in [0, T], of the quintic that goes from position p0, velocity v0 and
 * acceleration a0 at 0 to p1, v1, a1 at T: the smoothest path between two states of motion (the jump's legs). */
static double quintic_accel(
        double p0, double v0, double a0, double p1, double v1, double a1, double T, double t) {
        double s = fmin(1.0, fmax(0.0, t / T));
        double d = p1 - p0, V0 = v0 * T, V1 = v1 * T, A0 = a0 * T * T, A1 = a1 * T * T;
        double c2 = 0.5 * A0;
        double c3 = 10.0 * d - 6.0 * V0 - 4.0 * V1 - 0.5 * (3.0 * A0 - A1);
        double c4 = -15.0 * d + 8.0 * V0 + 7.0 * V1 + 0.5 * (3.0 * A0 - 2.0 * A1);
        double c5 = 6.0 * d - 3.0 * V0 - 3.0 * V1 - 0.5 * (A0 - A1);
        return (2.0 * c2 + s * (6.0 * c3 + s * (12.0 * c4 + s * 20.0 * c5))) / (T * T);
}

/* Acceleration of a minimum-jerk move of `distance` between times a and b, at time t. */
static inline double mj_accel(double distance, double a, double b, double t) {
        double d = b - a;
        return distance * mj_dd((t - a) / d) / (d * d);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Quaternions and rotations (double) */

static void quat_mul(const double a[4], const double b[4], double ret[4]) {
        double w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
        double x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
        double y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
        double z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
        ret[0] = w;
        ret[1] = x;
        ret[2] = y;
        ret[3] = z;
}

/* q = qz(yaw)·qy(pitch)·qx(roll) */
static void quat_from_euler(double pitch, double roll, double yaw, double ret[4]) {
        double cy = cos(0.5 * yaw), sy = sin(0.5 * yaw);
        double cp = cos(0.5 * pitch), sp = sin(0.5 * pitch);
        double cr = cos(0.5 * roll), sr = sin(0.5 * roll);
        ret[0] = cr * cp * cy + sr * sp * sy;
        ret[1] = sr * cp * cy - cr * sp * sy;
        ret[2] = cr * sp * cy + sr * cp * sy;
        ret[3] = cr * cp * sy - sr * sp * cy;
}

/* Rotation matrix of a unit quaternion: rotates vectors of its frame into the reference frame. */
static void quat_to_matrix(const double q[4], double m[3][3]) {
        double w = q[0], x = q[1], y = q[2], z = q[3];
        m[0][0] = 1 - 2 * (y * y + z * z);
        m[0][1] = 2 * (x * y - w * z);
        m[0][2] = 2 * (x * z + w * y);
        m[1][0] = 2 * (x * y + w * z);
        m[1][1] = 1 - 2 * (x * x + z * z);
        m[1][2] = 2 * (y * z - w * x);
        m[2][0] = 2 * (x * z - w * y);
        m[2][1] = 2 * (y * z + w * x);
        m[2][2] = 1 - 2 * (x * x + y * y);
}

/* Quaternion of a rotation matrix (Shepperd's method). */
static void quat_from_matrix(const double m[3][3], double ret[4]) {
        double tr = m[0][0] + m[1][1] + m[2][2];
        double q[4];
        if (tr > 0) {
                double s = 2.0 * sqrt(1.0 + tr);
                q[0] = 0.25 * s;
                q[1] = (m[2][1] - m[1][2]) / s;
                q[2] = (m[0][2] - m[2][0]) / s;
                q[3] = (m[1][0] - m[0][1]) / s;
        } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
                double s = 2.0 * sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]);
                q[0] = (m[2][1] - m[1][2]) / s;
                q[1] = 0.25 * s;
                q[2] = (m[0][1] + m[1][0]) / s;
                q[3] = (m[0][2] + m[2][0]) / s;
        } else if (m[1][1] > m[2][2]) {
                double s = 2.0 * sqrt(1.0 + m[1][1] - m[0][0] - m[2][2]);
                q[0] = (m[0][2] - m[2][0]) / s;
                q[1] = (m[0][1] + m[1][0]) / s;
                q[2] = 0.25 * s;
                q[3] = (m[1][2] + m[2][1]) / s;
        } else {
                double s = 2.0 * sqrt(1.0 + m[2][2] - m[0][0] - m[1][1]);
                q[0] = (m[1][0] - m[0][1]) / s;
                q[1] = (m[0][2] + m[2][0]) / s;
                q[2] = (m[1][2] + m[2][1]) / s;
                q[3] = 0.25 * s;
        }
        double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        double sign = q[0] < 0 ? -1.0 : 1.0;
        for (size_t i = 0; i < 4; i++)
                ret[i] = sign * q[i] / n;
}

/* ret = m^T·v */
static inline void mat_t_mul(const double m[3][3], const double v[3], double ret[3]) {
        double x = m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2];
        double y = m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2];
        double z = m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2];
        ret[0] = x;
        ret[1] = y;
        ret[2] = z;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Segment types */

static const char *const segment_type_names[_SYNTH_SEGMENT_TYPE_MAX] = {
        [SYNTH_STAND] = "stand",
        [SYNTH_STAND_TILTED] = "stand_tilted",
        [SYNTH_SIT_DOWN] = "sit_down",
        [SYNTH_SIT] = "sit",
        [SYNTH_STAND_UP] = "stand_up",
        [SYNTH_WALK] = "walk",
        [SYNTH_LIE_DOWN] = "lie_down",
        [SYNTH_LIE] = "lie",
        [SYNTH_GET_UP] = "get_up",
        [SYNTH_SQUAT] = "squat",
        [SYNTH_BEND] = "bend",
        [SYNTH_JUMP] = "jump",
        [SYNTH_SIT_UP] = "sit_up",
        [SYNTH_OFF] = "off",
};

const char *synth_segment_type_to_string(SynthSegmentType type) {
        if ((unsigned)type >= _SYNTH_SEGMENT_TYPE_MAX)
                return NULL;
        return segment_type_names[type];
}

int synth_segment_type_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < _SYNTH_SEGMENT_TYPE_MAX; i++)
                if (strcmp(s, segment_type_names[i]) == 0)
                        return i;
        return -EINVAL;
}

static bool type_is_transition(SynthSegmentType type) {
        return type == SYNTH_SIT_DOWN || type == SYNTH_STAND_UP || type == SYNTH_LIE_DOWN ||
                type == SYNTH_GET_UP || type == SYNTH_SQUAT || type == SYNTH_BEND || type == SYNTH_JUMP ||
                type == SYNTH_SIT_UP;
}

static enum psoas_posture type_posture(SynthSegmentType type) {
        switch (type) {
        case SYNTH_STAND:
        case SYNTH_STAND_TILTED:
                return PSOAS_POSTURE_STANDING;
        case SYNTH_SIT:
                return PSOAS_POSTURE_SITTING;
        case SYNTH_WALK:
                return PSOAS_POSTURE_WALKING;
        case SYNTH_LIE:
                return PSOAS_POSTURE_LYING;
        default:
                return PSOAS_POSTURE_UNKNOWN;
        }
}

/* The time in the air of a jump of height_m: up and down at g. */
static double jump_flight_s(double height_m) {
        return 2.0 * sqrt(2.0 * height_m / SYNTH_GRAVITY);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Scenarios. Durations are kept in whole milliseconds so that totals are exact. */

struct SynthScenario {
        Rng rng;
        SynthSegment *segments;
        size_t n, allocated;
        int64_t total_ms;
};

int synth_scenario_new(uint64_t seed, SynthScenario **ret) {
        SynthScenario *s;

        if (!ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        rng_seed(&s->rng, seed_derive(seed, 1));
        *ret = s;
        return 0;
}

SynthScenario *synth_scenario_free(SynthScenario *s) {
        if (!s)
                return NULL;
        free(s->segments);
        free(s);
        return NULL;
}

int synth_scenario_add(SynthScenario *s, SynthSegmentType type, double duration_s, double param) {
        if (!s || (unsigned)type >= _SYNTH_SEGMENT_TYPE_MAX || !isfinite(duration_s) || !isfinite(param))
                return -EINVAL;
        if (duration_s <= 0) {
                if (type == SYNTH_SIT_DOWN || type == SYNTH_STAND_UP)
                        duration_s = rng_range(&s->rng, 1.5, 2.5);
                else if (type == SYNTH_LIE_DOWN || type == SYNTH_GET_UP)
                        duration_s = rng_range(&s->rng, 3.0, 5.0);
                else if (type == SYNTH_SIT_UP)
                        duration_s = rng_range(&s->rng, 2.5, 4.0);
                else if (type == SYNTH_SQUAT)
                        duration_s = (param > 0 ? param : rng_range(&s->rng, 0.5, 2.0)) +
                                rng_range(&s->rng, 1.6, 2.6);
                else if (type == SYNTH_BEND)
                        duration_s = (param > 0 ? param : rng_range(&s->rng, 0.5, 3.0)) +
                                rng_range(&s->rng, 1.6, 2.4);
                else if (type == SYNTH_JUMP)
                        duration_s = jump_flight_s(param > 0 ? param : 0.2) + rng_range(&s->rng, 1.1, 1.5);
                else
                        return -EINVAL;
        }
        if (duration_s > 7 * 86400.0)
                return -ERANGE;
        switch (type) {
        case SYNTH_STAND:
                if (param < 0 || param > 20)
                        return -ERANGE;
                break;
        case SYNTH_STAND_TILTED:
                if (param < -30 || param > 30)
                        return -ERANGE;
                break;
        case SYNTH_LIE_DOWN:
                if (param != SYNTH_LIE_SUPINE && param != SYNTH_LIE_RIGHT && param != SYNTH_LIE_LEFT &&
                        param != SYNTH_LIE_RANDOM && param != SYNTH_LIE_RIGHT_CURLED &&
                        param != SYNTH_LIE_LEFT_CURLED)
                        return -ERANGE;
                break;
        case SYNTH_SIT_DOWN:
        case SYNTH_STAND_UP:
                if (param != SYNTH_SEAT_CHAIR && param != SYNTH_SEAT_STOOL && param != SYNTH_SEAT_LOW)
                        return -ERANGE;
                break;
        case SYNTH_SIT_UP:
                if (param < -40 || param > 10)
                        return -ERANGE;
                break;
        case SYNTH_SIT:
                if (param < -40 || param > 40)
                        return -ERANGE;
                break;
        case SYNTH_SQUAT:
        case SYNTH_BEND:
                /* the hold, and at least 1.2 s to go down and come back */
                if (param < 0 || param > 60 || duration_s < param + 1.2)
                        return -ERANGE;
                break;
        case SYNTH_JUMP:
                if (param < 0 || param > 0.6 || duration_s < jump_flight_s(param > 0 ? param : 0.2) + 0.8)
                        return -ERANGE;
                break;
        default:
                break;
        }

        int64_t ms = llround(duration_s * 1000.0);
        if (ms < 1)
                return -ERANGE;

        if (s->n == s->allocated) {
                size_t n = s->allocated ? 2 * s->allocated : 32;
                SynthSegment *p = realloc(s->segments, n * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                s->segments = p;
                s->allocated = n;
        }
        s->segments[s->n++] = (SynthSegment){ .type = type, .duration_s = ms / 1000.0, .param = param };
        s->total_ms += ms;
        return 0;
}

size_t synth_scenario_n_segments(const SynthScenario *s) {
        return s ? s->n : 0;
}

const SynthSegment *synth_scenario_segment(const SynthScenario *s, size_t i) {
        if (!s || i >= s->n)
                return NULL;
        return &s->segments[i];
}

double synth_scenario_duration(const SynthScenario *s) {
        return s ? s->total_ms / 1000.0 : 0.0;
}

/* Builds a scenario, remembering the first error. */
typedef struct Builder {
        SynthScenario *s;
        int r;
} Builder;

static void add(Builder *b, SynthSegmentType type, double duration_s, double param) {
        if (b->r < 0)
                return;
        b->r = synth_scenario_add(b->s, type, duration_s, param);
}

/* duration_s ± fraction, per seed */
static double vary(Builder *b, double duration_s, double fraction) {
        return duration_s * rng_range(&b->s->rng, 1.0 - fraction, 1.0 + fraction);
}

static void sit_bout(Builder *b, double duration_s) {
        add(b, SYNTH_SIT_DOWN, 0, 0);
        add(b, SYNTH_SIT, duration_s, 0);
        add(b, SYNTH_STAND_UP, 0, 0);
}

static void build_test(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_STAND, 20, 8);
        sit_bout(b, 60);
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_WALK, 30, 0);
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_STAND_TILTED, 20, 12);
        add(b, SYNTH_STAND, 10, 0);
        sit_bout(b, 40);
        add(b, SYNTH_WALK, 20, 0);
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_SUPINE);
        add(b, SYNTH_LIE, 30, 0);
        add(b, SYNTH_GET_UP, 0, 0);
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_RIGHT);
        add(b, SYNTH_LIE, 20, 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_LEFT);
        add(b, SYNTH_LIE, 20, 0);
        add(b, SYNTH_GET_UP, 0, 0);
        add(b, SYNTH_STAND, 10, 0);
        sit_bout(b, 20);
        add(b, SYNTH_STAND, 10, 0);
}

static void build_morning(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        sit_bout(b, vary(b, 35 * 60, 0.1));
        add(b, SYNTH_STAND, vary(b, 2 * 60, 0.1), 3);
        add(b, SYNTH_WALK, vary(b, 3 * 60, 0.1), 0);
        add(b, SYNTH_STAND_TILTED, vary(b, 3 * 60, 0.1), 12);
        add(b, SYNTH_STAND, vary(b, 60, 0.1), 5);
        sit_bout(b, vary(b, 40 * 60, 0.1));
        add(b, SYNTH_STAND, vary(b, 60, 0.1), 0);
        add(b, SYNTH_WALK, vary(b, 5 * 60, 0.1), 0);
        add(b, SYNTH_STAND, vary(b, 4 * 60, 0.1), 8);
        sit_bout(b, vary(b, 25 * 60, 0.1));
        add(b, SYNTH_WALK, vary(b, 2 * 60, 0.1), 0);
        add(b, SYNTH_STAND, vary(b, 60, 0.1), 0);
}

/* For the daemon's tests and the demo: five minutes of standing first, so that a client has time to ask for a
 * calibration even when the recording is replayed fast, then one long bout with an alert, a break, a walk and a
 * tilted stand. */
static void build_daemon(Builder *b) {
        add(b, SYNTH_STAND, 300, 0);
        sit_bout(b, 31 * 60);
        add(b, SYNTH_STAND, 120, 3);
        add(b, SYNTH_WALK, 180, 0);
        add(b, SYNTH_STAND_TILTED, 180, 12);
        add(b, SYNTH_STAND, 60, 3);
        sit_bout(b, 10 * 60);
        add(b, SYNTH_WALK, 60, 0);
        add(b, SYNTH_STAND, 30, 0);
}

static double builder_total(Builder *b) {
        return synth_scenario_duration(b->s);
}

/* From 07:00: getting ready, commute, a working day with breaks, lunch, commute, evening, night. */
static void build_day(Builder *b) {
        Rng *rng = &b->s->rng;

        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_STAND, vary(b, 3 * 60, 0.3), 5);
        add(b, SYNTH_WALK, vary(b, 60, 0.3), 0);
        sit_bout(b, vary(b, 20 * 60, 0.2));
        add(b, SYNTH_STAND, vary(b, 10 * 60, 0.3), 8);
        add(b, SYNTH_WALK, vary(b, 12 * 60, 0.2), 0);
        add(b, SYNTH_STAND, vary(b, 5 * 60, 0.5), 3);
        sit_bout(b, vary(b, 25 * 60, 0.2));
        add(b, SYNTH_WALK, vary(b, 8 * 60, 0.2), 0);

        for (int half = 0; half < 2; half++) {
                /* Four hours of desk work, until about 12:30 and then 17:30. */
                double end = builder_total(b) + 4 * 3600 - 20 * 60;
                while (builder_total(b) < end && b->r >= 0) {
                        add(b, SYNTH_STAND, rng_range(rng, 20, 90), 0);
                        sit_bout(b, rng_range(rng, 25, 75) * 60);
                        double u = rng_uniform(rng);
                        if (u < 0.3) {
                                add(b, SYNTH_STAND_TILTED, rng_range(rng, 2, 6) * 60, rng_range(rng, 8, 15));
                        } else if (u < 0.8) {
                                add(b, SYNTH_STAND, rng_range(rng, 1, 4) * 60, 3);
                                add(b, SYNTH_WALK, rng_range(rng, 1, 5) * 60, 0);
                        } else
                                add(b, SYNTH_STAND, rng_range(rng, 2, 8) * 60, 6);
                }
                if (half == 0) {
                        /* lunch */
                        add(b, SYNTH_WALK, vary(b, 5 * 60, 0.3), 0);
                        add(b, SYNTH_STAND, vary(b, 4 * 60, 0.3), 3);
                        sit_bout(b, vary(b, 30 * 60, 0.2));
                        add(b, SYNTH_WALK, vary(b, 5 * 60, 0.3), 0);
                }
        }

        /* Commute home, cooking, dinner, couch, a nap on the couch, bed. */
        add(b, SYNTH_WALK, vary(b, 8 * 60, 0.2), 0);
        add(b, SYNTH_STAND, vary(b, 5 * 60, 0.5), 3);
        sit_bout(b, vary(b, 25 * 60, 0.2));
        add(b, SYNTH_WALK, vary(b, 12 * 60, 0.2), 0);
        add(b, SYNTH_STAND, vary(b, 30 * 60, 0.2), 8);
        sit_bout(b, vary(b, 30 * 60, 0.2));
        add(b, SYNTH_STAND, vary(b, 5 * 60, 0.5), 3);
        add(b, SYNTH_SIT_DOWN, 0, 0);
        add(b, SYNTH_SIT, vary(b, 90 * 60, 0.2), 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_SUPINE);
        add(b, SYNTH_LIE, vary(b, 20 * 60, 0.3), 0);
        add(b, SYNTH_GET_UP, 0, 0);
        add(b, SYNTH_STAND, vary(b, 5 * 60, 0.3), 0);
        add(b, SYNTH_WALK, vary(b, 60, 0.3), 0);
        add(b, SYNTH_STAND, vary(b, 5 * 60, 0.3), 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_RANDOM);

        /* Sleep until 07:00, turning over now and then; the last stretch takes whatever is left. */
        for (;;) {
                if (b->r < 0)
                        return;
                double left = 86400.0 - builder_total(b);
                if (left < 3 * 3600) {
                        add(b, SYNTH_LIE, left, 0);
                        return;
                }
                add(b, SYNTH_LIE, rng_range(rng, 40, 120) * 60, 0);
                add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_RANDOM);
        }
}

/* For calibration refused while seated and a squat that is no sitting: a wearer walks in, sits down straight
 * away, stands up, squats for 3 s to pick something up, and stands on. */
static void build_seated(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_WALK, 20, 0);
        sit_bout(b, 60);
        add(b, SYNTH_STAND, 30, 3);
        add(b, SYNTH_SQUAT, 0, 3);
        add(b, SYNTH_STAND, 70, 3);
}

/* For the slouch alert end to end: calibrated standing, a walk, a minute sitting upright (the sitting
 * reference), three minutes slumped back by 20°, a minute upright again, standing. */
static void build_slouch(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_WALK, 20, 0);
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_SIT_DOWN, 2, SYNTH_SEAT_CHAIR);
        add(b, SYNTH_SIT, 60, 0);
        add(b, SYNTH_SIT, 180, 20);
        add(b, SYNTH_SIT, 60, 0);
        add(b, SYNTH_STAND_UP, 2, SYNTH_SEAT_CHAIR);
        add(b, SYNTH_STAND, 30, 0);
}

/* For wear time end to end: a sitting bout, the sensor taken off and left on a desk for an hour, put back on, a
 * walk and a half-hour bout (the tests cut a gap into it). */
static void build_off(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_WALK, 30, 0);
        sit_bout(b, 20 * 60);
        add(b, SYNTH_STAND, 30, 0);
        add(b, SYNTH_OFF, 3600, 0);
        add(b, SYNTH_STAND, 60, 0);
        add(b, SYNTH_WALK, 60, 0);
        sit_bout(b, 30 * 60);
        add(b, SYNTH_STAND, 60, 2);
}

const char *const synth_scenario_names[] = { "test", "morning", "day", "daemon", "seated", "slouch", "off",
        NULL };

int synth_scenario_named(const char *name, uint64_t seed, SynthScenario **ret) {
        Builder b = {};
        int r;

        if (!name || !ret)
                return -EINVAL;

        r = synth_scenario_new(seed, &b.s);
        if (r < 0)
                return r;

        if (strcmp(name, "test") == 0)
                build_test(&b);
        else if (strcmp(name, "seated") == 0)
                build_seated(&b);
        else if (strcmp(name, "morning") == 0)
                build_morning(&b);
        else if (strcmp(name, "day") == 0)
                build_day(&b);
        else if (strcmp(name, "daemon") == 0)
                build_daemon(&b);
        else if (strcmp(name, "slouch") == 0)
                build_slouch(&b);
        else if (strcmp(name, "off") == 0)
                build_off(&b);
        else
                b.r = -ENOENT;

        if (b.r < 0) {
                synth_scenario_free(b.s);
                return b.r;
        }
        *ret = b.s;
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Mountings */

typedef struct MountPreset {
        const char *name;
        double x[3], z[3]; /* the sensor's x and z axes in the pelvis frame; y = z × x */
} MountPreset;

#define SACRUM_DEG 35.0

static const MountPreset mount_presets[] = {
        { "identity", { 1, 0, 0 }, { 0, 0, 1 } },
        /* on the front of the belt, x up, z out of the body (forward) */
        { "belt-front-x-up", { 0, 0, 1 }, { 1, 0, 0 } },
        /* on the front of the belt, y up (x to the left), z forward */
        { "belt-front-y-up", { 0, 1, 0 }, { 1, 0, 0 } },
        /* on the back of the belt, x up, z backwards */
        { "belt-back", { 0, 0, 1 }, { -1, 0, 0 } },
        /* on the hips, x up, z out to the side */
        { "belt-left", { 0, 0, 1 }, { 0, 1, 0 } },
        { "belt-right", { 0, 0, 1 }, { 0, -1, 0 } },
        /* flat on the sacrum: x along the sacrum pointing up (and forward, the sacrum is inclined by ~35°
         * from vertical), z out of the skin (backwards and up) */
        { "sacrum-flat", { 0.573576436351046, 0, 0.819152044288992 },
                { -0.819152044288992, 0, 0.573576436351046 } },
        /* the front of the belt, clipped on upside down */
        { "upside-down", { 0, 0, -1 }, { 1, 0, 0 } },
};

const char *const synth_mount_names[] = {
        "identity",
        "belt-front-x-up",
        "belt-front-y-up",
        "belt-back",
        "belt-left",
        "belt-right",
        "sacrum-flat",
        "upside-down",
        NULL,
};

int synth_mount_lookup(const char *name, uint64_t seed, double ret_q[4]) {
        if (!name || !ret_q)
                return -EINVAL;

        if (strcmp(name, "random") == 0) {
                Rng rng;
                double q[4], n = 0;

                rng_seed(&rng, seed_derive(seed, 2));
                do {
                        n = 0;
                        for (size_t i = 0; i < 4; i++) {
                                q[i] = rng_gauss(&rng);
                                n += q[i] * q[i];
                        }
                } while (n < 1e-6);
                n = sqrt(n);
                for (size_t i = 0; i < 4; i++)
                        ret_q[i] = q[i] / n;
                return 0;
        }

        for (size_t i = 0; i < sizeof(mount_presets) / sizeof(mount_presets[0]); i++) {
                const MountPreset *p = &mount_presets[i];
                double m[3][3];

                if (strcmp(name, p->name) != 0)
                        continue;
                /* columns: x, y = z × x, z */
                double y[3] = {
                        p->z[1] * p->x[2] - p->z[2] * p->x[1],
                        p->z[2] * p->x[0] - p->z[0] * p->x[2],
                        p->z[0] * p->x[1] - p->z[1] * p->x[0],
                };
                for (size_t r = 0; r < 3; r++) {
                        m[r][0] = p->x[r];
                        m[r][1] = y[r];
                        m[r][2] = p->z[r];
                }
                quat_from_matrix(m, ret_q);
                return 0;
        }
        return -ENOENT;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Segment plans */

typedef struct Pose {
        double pitch, roll, yaw; /* radians */
} Pose;

typedef struct Plan {
        SynthSegmentType type;
        double t0, dur;
        double settle_ref; /* scenario time the current posture began */
        enum psoas_posture posture;
        bool transition;
        uint64_t seed;

        Pose p0; /* where the previous segment ended */
        Pose p1; /* static: the pose held; transitions and walking: the pose reached */

        /* Static segments: the time to move from p0 to p1; sway (pitch, roll, yaw, two sinusoids each);
         * shifts (slot length, range of their durations, amplitudes); translational sway (forward, left). */
        double blend_s;
        double sway_amp[3][2], sway_w[3][2], sway_ph[3][2];
        double slot_s, slot_dmin, slot_dmax, slot_amp[3];
        double tr_amp[2], tr_w[2], tr_ph[2];

        /* Transitions: the anterior lean reached first; getting up, the sitting tilt passed through (rad);
         * the vertical displacement (m, up positive) between times rise_a and rise_b, and the horizontal one
         * along the heading over the same window. */
        double lean, sit_pitch;
        double rise, rise_a, rise_b;
        double shift;

        /* Squat and bend: down over [0, go_down], held, up over the last go_up seconds. Jump: the push-off
         * leg (prep), the flight, the landing leg (land); take-off and touch-down at take_off_z above
         * standing, at take_off_v. */
        double hold, go_down, go_up;
        /* How far the last sit-down lowered the pelvis (m), carried through the sitting: standing up from the
         * same seat raises it by as much. 0 when unknown. */
        double seat_drop;
        /* The pitch of the bout's upright sit (rad), carried through the sitting; and how far a sit segment
         * slumps back from it (rad, its param; negative: leaning forward). */
        double sit_upright, slump;
        double prep, flight, land, take_off_z, take_off_v;

        /* walking */
        double w_step, speed, ramp_in, ramp_out;
        double amp_ap, amp_ml, amp_z, amp_imp, imp_mean, imp_phase;
        double amp_pitch, amp_roll, amp_yaw;
        double ph_ap, ph_ml, ph_z, ph_pitch, ph_roll, ph_yaw;
        double turn_amp;
} Plan;

static double window(const Plan *p, double tau) {
        double r = fmin(1.0, p->dur / 3.0);
        return mj(tau / r) * mj((p->dur - tau) / r);
}

/* Shifts that happen once per slot of slot_s seconds: in slot k, at a time drawn for k, the offset moves
 * from its value for slot k-1 (zero before slot 0) to the one drawn for slot k. Slots that would end within
 * half a second of the segment's end keep the last offset, so that nothing is cut short. */
static double slot_offset_value(const Plan *p, int64_t k, size_t axis) {
        if (k < 0)
                return 0.0;
        return p->slot_amp[axis] * (2.0 * hash01(p->seed, (uint64_t)k, 2 + axis) - 1.0);
}

static void slot_shift(const Plan *p, double tau, double ret[3]) {
        ret[0] = ret[1] = ret[2] = 0;
        if (p->slot_s <= 0)
                return;

        int64_t k_last = (int64_t)floor((p->dur - 0.5) / p->slot_s); /* slots [0, k_last) have a shift */
        int64_t k = (int64_t)floor(tau / p->slot_s);
        if (k < 0)
                return;
        if (k >= k_last) {
                for (size_t i = 0; i < 3; i++)
                        ret[i] = slot_offset_value(p, k_last - 1, i);
                return;
        }

        double d = p->slot_dmin + (p->slot_dmax - p->slot_dmin) * hash01(p->seed, (uint64_t)k, 0);
        double tk = k * p->slot_s + (p->slot_s - d) * hash01(p->seed, (uint64_t)k, 1);
        double s = mj((tau - tk) / d);
        for (size_t i = 0; i < 3; i++) {
                double a = slot_offset_value(p, k - 1, i), b = slot_offset_value(p, k, i);
                ret[i] = a + (b - a) * s;
        }
}

/* Walking: heading relative to the start, and its rate. Time is cut in slots of TURN_SLOT_S; in most slots
 * the walker turns to a heading drawn for the slot, in the others keeps the previous one. Turns begin at
 * least 2 s into the walk and end at least 1 s before its end. */
#define TURN_SLOT_S 15.0

static double turn_target(const Plan *p, int64_t k) {
        /* slots without a turn keep the heading of the last one with */
        while (k >= 0 && hash01(p->seed, (uint64_t)k, 9) < 0.3)
                k--;
        if (k < 0)
                return 0.0;
        return p->turn_amp * (2.0 * hash01(p->seed, (uint64_t)k, 7) - 1.0);
}

static void walk_heading(const Plan *p, double tau, double *ret_heading, double *ret_rate) {
        int64_t k_last = (int64_t)floor((p->dur - 1.0) / TURN_SLOT_S); /* slots [0, k_last) may turn */
        int64_t k = (int64_t)floor(tau / TURN_SLOT_S);

        *ret_rate = 0;
        if (k < 0 || k_last <= 0) {
                *ret_heading = 0;
                return;
        }
        if (k >= k_last) {
                *ret_heading = turn_target(p, k_last - 1);
                return;
        }
        double a = turn_target(p, k - 1), b = turn_target(p, k);
        double d = 0.8 + fabs(b - a) / (120.0 * DEG);
        double lo = k * TURN_SLOT_S + (k == 0 ? 2.0 : 0.5), hi = (k + 1) * TURN_SLOT_S - 0.5 - d;
        double tk = lo + fmax(0.0, hi - lo) * hash01(p->seed, (uint64_t)k, 8);
        double u = (tau - tk) / d;
        *ret_heading = a + (b - a) * mj(u);
        *ret_rate = (b - a) * mj_d(u) / d;
}

/* Walking envelope (0 at rest, 1 in full stride) and its first and second time derivatives. */
static double walk_envelope(const Plan *p, double tau, double *ret_d, double *ret_dd) {
        double x = tau / p->ramp_in, y = (p->dur - tau) / p->ramp_out;
        double a = mj(x), b = mj(y);
        if (ret_d) {
                double da = mj_d(x) / p->ramp_in, db = -mj_d(y) / p->ramp_out;
                double dda = mj_dd(x) / (p->ramp_in * p->ramp_in),
                       ddb = mj_dd(y) / (p->ramp_out * p->ramp_out);
                *ret_d = da * b + a * db;
                *ret_dd = dda * b + 2.0 * da * db + a * ddb;
        }
        return a * b;
}

static double lerp(double a, double b, double s) {
        return a + (b - a) * s;
}

static void plan_pose(const Plan *p, double tau, Pose *ret) {
        double T = p->dur;

        switch (p->type) {
        case SYNTH_STAND:
        case SYNTH_STAND_TILTED:
        case SYNTH_SIT:
        case SYNTH_LIE:
        case SYNTH_OFF: {
                double s = p->blend_s > 0 ? mj(tau / p->blend_s) : 1.0;
                double w = window(p, tau), sh[3], sw[3];

                slot_shift(p, tau, sh);
                for (size_t i = 0; i < 3; i++)
                        sw[i] = w *
                                (p->sway_amp[i][0] * sin(p->sway_w[i][0] * tau + p->sway_ph[i][0]) +
                                        p->sway_amp[i][1] * sin(p->sway_w[i][1] * tau + p->sway_ph[i][1]));
                ret->pitch = lerp(p->p0.pitch, p->p1.pitch, s) + sh[0] + sw[0];
                ret->roll = lerp(p->p0.roll, p->p1.roll, s) + sh[1] + sw[1];
                ret->yaw = lerp(p->p0.yaw, p->p1.yaw, s) + sh[2] + sw[2];
                return;
        }

        case SYNTH_SIT_DOWN:
                ret->pitch = p->p0.pitch + (p->lean - p->p0.pitch) * mj(tau / (0.4 * T)) +
                        (p->p1.pitch - p->lean) * mj((tau - 0.45 * T) / (0.55 * T));
                ret->roll = lerp(p->p0.roll, p->p1.roll, mj(tau / T));
                ret->yaw = lerp(p->p0.yaw, p->p1.yaw, mj(tau / T));
                return;

        case SYNTH_STAND_UP:
                ret->pitch = p->p0.pitch + (p->lean - p->p0.pitch) * mj(tau / (0.45 * T)) +
                        (p->p1.pitch - p->lean) * mj((tau - 0.5 * T) / (0.5 * T));
                ret->roll = lerp(p->p0.roll, p->p1.roll, mj(tau / T));
                ret->yaw = lerp(p->p0.yaw, p->p1.yaw, mj(tau / T));
                return;

        case SYNTH_LIE_DOWN: {
                double s = mj((tau - 0.1 * T) / (0.9 * T));
                ret->pitch = lerp(p->p0.pitch, p->p1.pitch, s);
                ret->roll = lerp(p->p0.roll, p->p1.roll, s);
                ret->yaw = lerp(p->p0.yaw, p->p1.yaw, mj(tau / T));
                return;
        }

        case SYNTH_GET_UP:
                /* sit up (on the edge of the bed), then stand up: lean anteriorly, rise, back to neutral */
                ret->pitch = p->p0.pitch + (p->sit_pitch - p->p0.pitch) * mj(tau / (0.5 * T)) +
                        (p->lean - p->sit_pitch) * mj((tau - 0.5 * T) / (0.25 * T)) +
                        (p->p1.pitch - p->lean) * mj((tau - 0.75 * T) / (0.25 * T));
                ret->roll = lerp(p->p0.roll, p->p1.roll, mj(tau / (0.5 * T)));
                ret->yaw = lerp(p->p0.yaw, p->p1.yaw, mj(tau / (0.5 * T)));
                return;

        case SYNTH_SQUAT:
        case SYNTH_BEND: {
                double s = mj(tau / p->go_down) - mj((tau - (T - p->go_up)) / p->go_up);
                ret->pitch = p->p0.pitch + (p->lean - p->p0.pitch) * s;
                ret->roll = p->p0.roll;
                ret->yaw = p->p0.yaw;
                return;
        }

        case SYNTH_JUMP: {
                /* lean into the dip and the landing, upright in the air */
                double a = tau, b = tau - p->prep - p->flight;
                double s = mj(a / (0.5 * p->prep)) - mj((a - 0.6 * p->prep) / (0.4 * p->prep)) +
                        mj(b / (0.3 * p->land)) - mj((b - 0.4 * p->land) / (0.6 * p->land));
                ret->pitch = p->p0.pitch + p->lean * s;
                ret->roll = p->p0.roll;
                ret->yaw = p->p0.yaw;
                return;
        }

        case SYNTH_SIT_UP:
                ret->pitch = lerp(p->p0.pitch, p->p1.pitch, mj(tau / T));
                ret->roll = lerp(p->p0.roll, p->p1.roll, mj(tau / (0.8 * T)));
                ret->yaw = lerp(p->p0.yaw, p->p1.yaw, mj(tau / T));
                return;

        case SYNTH_WALK: {
                double e = walk_envelope(p, tau, NULL, NULL), s = mj(tau / p->ramp_in), heading, rate;

                walk_heading(p, tau, &heading, &rate);
                ret->pitch = lerp(p->p0.pitch, p->p1.pitch, s) +
                        e * p->amp_pitch * sin(p->w_step * tau + p->ph_pitch);
                ret->roll = lerp(p->p0.roll, p->p1.roll, s) +
                        e * p->amp_roll * sin(0.5 * p->w_step * tau + p->ph_roll);
                ret->yaw = p->p0.yaw + heading + e * p->amp_yaw * sin(0.5 * p->w_step * tau + p->ph_yaw);
                return;
        }

        default:
                ret->pitch = ret->roll = ret->yaw = 0;
                return;
        }
}

/* Linear acceleration of the pelvis in the earth frame. */
static void plan_accel(const Plan *p, double tau, const Pose *pose, double ret[3]) {
        double fwd = 0, left = 0, up = 0, heading = pose->yaw;

        switch (p->type) {
        case SYNTH_STAND:
        case SYNTH_STAND_TILTED:
        case SYNTH_SIT:
        case SYNTH_LIE:
        case SYNTH_OFF: {
                double w = window(p, tau);
                fwd = w * p->tr_amp[0] * sin(p->tr_w[0] * tau + p->tr_ph[0]);
                left = w * p->tr_amp[1] * sin(p->tr_w[1] * tau + p->tr_ph[1]);
                break;
        }

        case SYNTH_SIT_DOWN:
        case SYNTH_STAND_UP:
        case SYNTH_LIE_DOWN:
        case SYNTH_GET_UP:
        case SYNTH_SIT_UP:
                heading = p->p0.yaw;
                up = mj_accel(p->rise, p->rise_a, p->rise_b, tau);
                fwd = mj_accel(p->shift, p->rise_a, p->rise_b, tau);
                break;

        case SYNTH_SQUAT:
        case SYNTH_BEND: {
                /* down and back by the same distances: the hips go back as they come down */
                double up_from = p->dur - p->go_up;
                heading = p->p0.yaw;
                up = mj_accel(-p->rise, 0.0, p->go_down, tau) + mj_accel(p->rise, up_from, p->dur, tau);
                fwd = mj_accel(-p->shift, 0.0, p->go_down, tau) + mj_accel(p->shift, up_from, p->dur, tau);
                break;
        }

        case SYNTH_JUMP: {
                double g = SYNTH_GRAVITY, z = p->take_off_z, v = p->take_off_v;
                heading = p->p0.yaw;
                if (tau < p->prep)
                        up = quintic_accel(0.0, 0.0, 0.0, z, v, -g, p->prep, tau);
                else if (tau < p->prep + p->flight)
                        up = -g;
                else
                        up = quintic_accel(z, -v, -g, 0.0, 0.0, 0.0, p->land, tau - p->prep - p->flight);
                break;
        }

        case SYNTH_WALK: {
                double de, dde, e = walk_envelope(p, tau, &de, &dde), turn, turn_rate;
                double ws = p->w_step, wr = 0.5 * ws, f = ws / (2.0 * M_PI);
                double s_ap = sin(ws * tau + p->ph_ap), c_ap = cos(ws * tau + p->ph_ap);
                double s_ml = sin(wr * tau + p->ph_ml), c_ml = cos(wr * tau + p->ph_ml);
                double s_z = sin(ws * tau + p->ph_z), c_z = cos(ws * tau + p->ph_z);

                walk_heading(p, tau, &turn, &turn_rate);
                heading = p->p0.yaw + turn;

                /* Velocity in the heading frame: forward v + u_ap, left u_ml, where the gait's fluctuations
                 * u_ap = -e·A_ap/ω·cos(ωt), u_ml = -e·A_ml/ω_r·cos(ω_r t) vanish with the envelope, so that
                 * the walker starts and ends at rest. The acceleration is their exact derivative, turns
                 * included. */
                double v = p->speed * e;
                double u_ap = -e * p->amp_ap / ws * c_ap, u_ml = -e * p->amp_ml / wr * c_ml;
                double du_ap = e * p->amp_ap * s_ap - de * p->amp_ap / ws * c_ap;
                double du_ml = e * p->amp_ml * s_ml - de * p->amp_ml / wr * c_ml;
                fwd = p->speed * de + du_ap - u_ml * turn_rate;
                left = du_ml + (v + u_ap) * turn_rate;

                /* Vertical: the centre of mass bobbing at the step frequency, z = e·A_z·sin(ωt), plus a
                 * heel-strike impact of 40 ms per step (a half sine), with its mean removed. */
                double x = f * tau + p->imp_phase;
                double since = (x - floor(x)) / f, imp = 0;
                if (since < 0.04)
                        imp = p->amp_imp * sin(M_PI * since / 0.04);
                up = p->amp_z * (dde * s_z + 2.0 * de * ws * c_z - e * ws * ws * s_z) +
                        e * (imp - p->imp_mean);
                break;
        }

        default:
                break;
        }

        double c = cos(heading), s = sin(heading);
        ret[0] = c * fwd - s * left;
        ret[1] = s * fwd + c * left;
        ret[2] = up;
}

static void plan_sway(Plan *p, Rng *rng, const double amp_deg[3][2], const double f_hz[3][2][2]) {
        for (size_t i = 0; i < 3; i++)
                for (size_t j = 0; j < 2; j++) {
                        p->sway_amp[i][j] = amp_deg[i][j] * DEG * rng_range(rng, 0.7, 1.3);
                        p->sway_w[i][j] = 2.0 * M_PI * rng_range(rng, f_hz[i][j][0], f_hz[i][j][1]);
                        p->sway_ph[i][j] = rng_range(rng, 0, 2.0 * M_PI);
                }
}

static void plan_blend(Plan *p) {
        double d = fmax(fabs(p->p1.pitch - p->p0.pitch), fabs(p->p1.roll - p->p0.roll)) / DEG;
        /* a min-jerk move peaks at 1.875 × the mean rate: keep the peak near 8 °/s */
        p->blend_s = d < 1e-9 ? 0.0 : fmax(1.0, 1.875 * d / 8.0);
        p->blend_s = fmin(p->blend_s, p->dur);
}

/* previous: the plan before this one, or NULL */
static void plan_segment(
        Plan *p, const SynthSegment *seg, const Plan *previous, uint64_t seed, size_t index) {
        Rng rng;
        SynthSegmentType prev_type = previous ? previous->type : SYNTH_STAND;

        rng_seed(&rng, seed_derive(seed, 1000 + index));
        p->type = seg->type;
        p->dur = seg->duration_s;
        p->seed = rng_u64(&rng);
        p->posture = type_posture(seg->type);
        p->transition = type_is_transition(seg->type);
        p->p1 = p->p0;
        p->seat_drop = previous && previous->posture != PSOAS_POSTURE_WALKING ? previous->seat_drop : 0.0;
        p->sit_upright = previous ? previous->sit_upright : 0.0;

        switch (seg->type) {
        case SYNTH_STAND:
        case SYNTH_STAND_TILTED: {
                static const double amp[3][2] = { { 0.3, 0.12 }, { 0.25, 0.1 }, { 0.4, 0.15 } };
                static const double f[3][2][2] = {
                        { { 0.1, 0.3 }, { 0.4, 0.9 } },
                        { { 0.1, 0.3 }, { 0.4, 0.9 } },
                        { { 0.05, 0.2 }, { 0.3, 0.6 } },
                };
                plan_sway(p, &rng, amp, f);
                p->p1.pitch = seg->type == SYNTH_STAND_TILTED ? seg->param * DEG : 0.0;
                p->p1.roll = 0.0;
                if (seg->type == SYNTH_STAND && seg->param > 0) {
                        p->slot_s = 10.0;
                        p->slot_dmin = 3.0;
                        p->slot_dmax = 5.0;
                        p->slot_amp[0] = seg->param * DEG;
                        p->slot_amp[1] = 0.2 * seg->param * DEG;
                        p->slot_amp[2] = 0.5 * seg->param * DEG;
                }
                for (size_t i = 0; i < 2; i++) {
                        p->tr_amp[i] = rng_range(&rng, 0.005, 0.02);
                        p->tr_w[i] = 2.0 * M_PI * rng_range(&rng, 0.1, 0.4);
                        p->tr_ph[i] = rng_range(&rng, 0, 2.0 * M_PI);
                }
                plan_blend(p);
                /* Put back on: the sensor is brought from the desk to the belt in a few seconds. */
                if (prev_type == SYNTH_OFF)
                        p->blend_s = fmin(p->blend_s, 3.0);
                break;
        }

        case SYNTH_SIT: {
                static const double amp[3][2] = { { 1.5, 0.15 }, { 1.0, 0.1 }, { 2.0, 0.2 } };
                static const double f[3][2][2] = {
                        { { 0.005, 0.02 }, { 0.1, 0.3 } },
                        { { 0.005, 0.02 }, { 0.1, 0.3 } },
                        { { 0.005, 0.02 }, { 0.1, 0.3 } },
                };
                plan_sway(p, &rng, amp, f);
                if (prev_type != SYNTH_SIT_DOWN && prev_type != SYNTH_SIT && prev_type != SYNTH_SIT_UP) {
                        p->p1.pitch = -rng_range(&rng, 15, 35) * DEG;
                        p->p1.roll = 0;
                        p->sit_upright = p->p1.pitch;
                }
                /* Slumped back from the upright sit, or back up after a slump; otherwise the pitch the segment
                 * before left, as ever. */
                p->slump = seg->param * DEG;
                if (p->slump != 0 || (prev_type == SYNTH_SIT && previous->slump != 0))
                        p->p1.pitch = p->sit_upright - p->slump;
                /* fidgets: weight shifts, swivelling the chair */
                p->slot_s = rng_range(&rng, 40, 60);
                p->slot_dmin = 0.5;
                p->slot_dmax = 1.0;
                p->slot_amp[0] = 3.0 * DEG;
                p->slot_amp[1] = 2.0 * DEG;
                p->slot_amp[2] = 12.0 * DEG;
                for (size_t i = 0; i < 2; i++) {
                        p->tr_amp[i] = rng_range(&rng, 0.002, 0.01);
                        p->tr_w[i] = 2.0 * M_PI * rng_range(&rng, 0.1, 0.4);
                        p->tr_ph[i] = rng_range(&rng, 0, 2.0 * M_PI);
                }
                plan_blend(p);
                break;
        }

        case SYNTH_LIE: {
                /* breathing, and a slow drift */
                static const double amp[3][2] = { { 0.3, 0.5 }, { 0.1, 0.5 }, { 0.1, 0.5 } };
                static const double f[3][2][2] = {
                        { { 0.2, 0.3 }, { 0.002, 0.01 } },
                        { { 0.2, 0.3 }, { 0.002, 0.01 } },
                        { { 0.2, 0.3 }, { 0.002, 0.01 } },
                };
                plan_sway(p, &rng, amp, f);
                if (prev_type != SYNTH_LIE_DOWN && prev_type != SYNTH_LIE) {
                        p->p1.pitch = -90.0 * DEG;
                        p->p1.roll = 0;
                }
                p->slot_s = rng_range(&rng, 100, 200);
                p->slot_dmin = 1.0;
                p->slot_dmax = 2.0;
                p->slot_amp[0] = 4.0 * DEG;
                p->slot_amp[1] = 4.0 * DEG;
                p->slot_amp[2] = 5.0 * DEG;
                plan_blend(p);
                break;
        }

        case SYNTH_OFF:
                /* Taken off and laid flat, face up: no sway, no shifts, no breathing. */
                p->p1.pitch = -90.0 * DEG;
                p->p1.roll = 0;
                p->blend_s = fmin(3.0, p->dur);
                break;

        case SYNTH_SIT_DOWN:
                p->lean = rng_range(&rng, 10, 15) * DEG;
                p->p1.pitch = -rng_range(&rng, 15, 35) * DEG;
                p->p1.roll = rng_range(&rng, -2, 2) * DEG;
                p->p1.yaw = p->p0.yaw + rng_range(&rng, -10, 10) * DEG;
                p->rise = -rng_range(&rng, 0.40, 0.50);
                if (seg->param == SYNTH_SEAT_STOOL || seg->param == SYNTH_SEAT_LOW) {
                        p->p1.pitch = rng_range(&rng, -5, 2) * DEG;
                        p->rise = seg->param == SYNTH_SEAT_STOOL ? -rng_range(&rng, 0.18, 0.28)
                                                                 : -rng_range(&rng, 0.55, 0.65);
                }
                p->seat_drop = -p->rise;
                p->sit_upright = p->p1.pitch;
                p->shift = -rng_range(&rng, 0.08, 0.15);
                p->rise_a = 0.2 * p->dur;
                p->rise_b = 0.95 * p->dur;
                break;

        case SYNTH_STAND_UP:
                p->lean = rng_range(&rng, 10, 15) * DEG;
                p->p1.pitch = 0;
                p->p1.roll = 0;
                p->p1.yaw = p->p0.yaw + rng_range(&rng, -10, 10) * DEG;
                p->rise = rng_range(&rng, 0.40, 0.50);
                if (seg->param == SYNTH_SEAT_STOOL)
                        p->rise = rng_range(&rng, 0.18, 0.28);
                else if (seg->param == SYNTH_SEAT_LOW)
                        p->rise = rng_range(&rng, 0.55, 0.65);
                /* from the seat the wearer sat down on: as far up as they came down */
                if (p->seat_drop > 0)
                        p->rise = p->seat_drop;
                p->seat_drop = 0;
                p->shift = rng_range(&rng, 0.08, 0.15);
                p->rise_a = 0.3 * p->dur;
                p->rise_b = p->dur;
                break;

        case SYNTH_LIE_DOWN: {
                int kind = (int)seg->param;
                if (kind == SYNTH_LIE_RANDOM)
                        kind = (int)floor(rng_uniform(&rng) * 3.0);
                if (kind == SYNTH_LIE_SUPINE) {
                        p->p1.pitch = -90.0 * DEG;
                        p->p1.roll = rng_range(&rng, -3, 3) * DEG;
                } else if (kind == SYNTH_LIE_RIGHT_CURLED || kind == SYNTH_LIE_LEFT_CURLED) {
                        p->p1.pitch = rng_range(&rng, -5, 25) * DEG;
                        p->p1.roll = (kind == SYNTH_LIE_RIGHT_CURLED ? 1.0 : -1.0) *
                                rng_range(&rng, 60, 90) * DEG;
                } else {
                        p->p1.pitch = rng_range(&rng, -10, 10) * DEG;
                        p->p1.roll = (kind == SYNTH_LIE_RIGHT ? 90.0 : -90.0) * DEG;
                }
                p->p1.yaw = p->p0.yaw + rng_range(&rng, -20, 20) * DEG;
                if (previous && previous->posture == PSOAS_POSTURE_LYING)
                        p->rise = 0;
                else if (previous && previous->posture == PSOAS_POSTURE_SITTING)
                        p->rise = -rng_range(&rng, 0.05, 0.15);
                else
                        p->rise = -rng_range(&rng, 0.40, 0.50);
                p->rise_a = 0;
                p->rise_b = 0.6 * p->dur;
                break;
        }

        case SYNTH_GET_UP:
                p->sit_pitch = -rng_range(&rng, 15, 25) * DEG;
                p->lean = rng_range(&rng, 10, 15) * DEG;
                p->p1.pitch = 0;
                p->p1.roll = 0;
                p->p1.yaw = p->p0.yaw + rng_range(&rng, -20, 20) * DEG;
                p->rise = rng_range(&rng, 0.40, 0.50);
                p->shift = rng_range(&rng, 0.05, 0.15);
                p->rise_a = 0.6 * p->dur;
                p->rise_b = p->dur;
                break;

        case SYNTH_SQUAT:
        case SYNTH_BEND: {
                bool squat = seg->type == SYNTH_SQUAT;
                p->hold = seg->param > 0 ? seg->param
                                         : (squat ? rng_range(&rng, 0.5, 2.0) : rng_range(&rng, 0.5, 3.0));
                p->hold = fmin(p->hold, p->dur - 1.2);
                p->go_down = 0.45 * (p->dur - p->hold);
                p->go_up = p->dur - p->hold - p->go_down;
                p->lean = (squat ? rng_range(&rng, 15, 35) : rng_range(&rng, 50, 80)) * DEG;
                p->rise = squat ? rng_range(&rng, 0.40, 0.55) : rng_range(&rng, 0.05, 0.12);
                p->shift = squat ? rng_range(&rng, 0.10, 0.20) : rng_range(&rng, 0.08, 0.15);
                break;
        }

        case SYNTH_JUMP: {
                double h = seg->param > 0 ? seg->param : rng_range(&rng, 0.08, 0.20);
                p->take_off_z = rng_range(&rng, 0.03, 0.06);
                p->take_off_v = sqrt(2.0 * SYNTH_GRAVITY * h);
                p->flight = 2.0 * p->take_off_v / SYNTH_GRAVITY;
                p->prep = 0.55 * (p->dur - p->flight);
                p->land = p->dur - p->flight - p->prep;
                p->lean = rng_range(&rng, 5, 15) * DEG;
                break;
        }

        case SYNTH_SIT_UP:
                p->p1.pitch = seg->param * DEG;
                p->sit_upright = p->p1.pitch;
                p->p1.roll = 0;
                p->p1.yaw = p->p0.yaw + rng_range(&rng, -30, 30) * DEG;
                p->rise = rng_range(&rng, 0.0, 0.08);
                p->shift = rng_range(&rng, 0.05, 0.15);
                p->rise_a = 0.2 * p->dur;
                p->rise_b = p->dur;
                break;

        case SYNTH_WALK: {
                double f = rng_range(&rng, 1.6, 2.0);
                p->w_step = 2.0 * M_PI * f;
                p->speed = rng_range(&rng, 1.2, 1.4);
                p->ramp_in = fmin(1.5, p->dur / 3.0);
                p->ramp_out = fmin(1.0, p->dur / 3.0);
                p->amp_ap = rng_range(&rng, 1.5, 2.0);
                p->amp_ml = rng_range(&rng, 0.8, 1.2);
                p->amp_z = rng_range(&rng, 0.02, 0.03);
                p->amp_imp = rng_range(&rng, 0.3, 0.5) * SYNTH_GRAVITY;
                p->imp_mean = p->amp_imp * 0.04 * (2.0 / M_PI) * f;
                p->imp_phase = 0.3;
                p->amp_pitch = rng_range(&rng, 1.5, 2.5) * DEG;
                p->amp_roll = rng_range(&rng, 3.5, 4.5) * DEG;
                p->amp_yaw = rng_range(&rng, 4.0, 6.0) * DEG;
                p->ph_ap = rng_range(&rng, 0, 2.0 * M_PI);
                p->ph_ml = rng_range(&rng, 0, 2.0 * M_PI);
                p->ph_z = 0;
                p->ph_pitch = rng_range(&rng, 0, 2.0 * M_PI);
                p->ph_roll = rng_range(&rng, 0, 2.0 * M_PI);
                p->ph_yaw = rng_range(&rng, 0, 2.0 * M_PI);
                p->turn_amp = 90.0 * DEG;
                p->p1.pitch = rng_range(&rng, 0, 3) * DEG;
                p->p1.roll = 0;
                break;
        }

        default:
                break;
        }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The generator */

struct Synth {
        SynthOptions opt;
        Plan *plans;
        size_t n_plans;
        double duration;
        size_t n_samples;

        double q_sp[4];
        double r_sp[3][3]; /* sensor -> pelvis */
        SynthErrors err;
        double drift0[3];
        double drift_a, drift_b;

        /* running state, reset by synth_rewind() */
        size_t k;
        size_t cur;
        unsigned steps; /* heel strikes so far (SynthTruth.steps) */
        size_t steps_plan; /* the walk whose phase steps_phase is, +1 (0: none yet) */
        double steps_phase;
        double drift[3];
        Rng noise;
        Rng jitter;
};

void synth_options_init(SynthOptions *o) {
        *o = (SynthOptions){
                .rate_hz = 100.0,
                .seed = 1,
                .start_us = 0,
                .duration_s = 0,
                .q_sp = { 1, 0, 0, 0 },
                .errors = SYNTH_ERR_ALL,
                .model = {
                        .accel_noise = 0.02,
                        .accel_offset_max = 0.050 * SYNTH_GRAVITY,
                        .accel_scale_sd = 0.01,
                        .gyro_bias_max = 3.0 * DEG,
                        .gyro_drift_sd = 0.15 * DEG,
                        .gyro_drift_tau_s = 600.0,
                        .gyro_noise = 0.005,
                },
                .jitter = 0,
        };
}

static bool model_valid(const SynthErrorModel *m) {
        const double v[] = { m->accel_noise, m->accel_offset_max, m->accel_scale_sd, m->gyro_bias_max,
                m->gyro_drift_sd, m->gyro_noise };
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
                if (!isfinite(v[i]) || v[i] < 0)
                        return false;
        return isfinite(m->gyro_drift_tau_s) && m->gyro_drift_tau_s > 0;
}

Synth *synth_free(Synth *g) {
        if (!g)
                return NULL;
        free(g->plans);
        free(g);
        return NULL;
}

int synth_new(const SynthScenario *scenario, const SynthOptions *options, Synth **ret) {
        Synth *g;
        double n;

        if (!scenario || !options || !ret || scenario->n == 0)
                return -EINVAL;
        if (!(options->rate_hz >= 12.5 && options->rate_hz <= 1000.0))
                return -EINVAL;
        if (!(options->jitter >= 0 && options->jitter <= 0.45))
                return -EINVAL;
        if (!isfinite(options->duration_s) || !model_valid(&options->model))
                return -EINVAL;
        n = 0;
        for (size_t i = 0; i < 4; i++) {
                if (!isfinite(options->q_sp[i]))
                        return -EINVAL;
                n += options->q_sp[i] * options->q_sp[i];
        }
        if (n < 1e-12)
                return -EINVAL;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->opt = *options;
        n = sqrt(n);
        for (size_t i = 0; i < 4; i++)
                g->q_sp[i] = options->q_sp[i] / n;
        quat_to_matrix(g->q_sp, g->r_sp);

        g->plans = calloc(scenario->n, sizeof(Plan));
        if (!g->plans)
                return synth_free(g), -ENOMEM;
        g->n_plans = scenario->n;

        int64_t t_ms = 0;
        double settle_ref = 0;
        for (size_t i = 0; i < scenario->n; i++) {
                Plan *p = &g->plans[i], *prev = i > 0 ? &g->plans[i - 1] : NULL;

                if (prev)
                        plan_pose(prev, prev->dur, &p->p0);
                p->t0 = t_ms / 1000.0;
                plan_segment(p, &scenario->segments[i], prev, options->seed, i);
                t_ms += llround(scenario->segments[i].duration_s * 1000.0);

                if (!prev || p->transition || prev->transition || prev->posture != p->posture)
                        settle_ref = p->t0;
                p->settle_ref = settle_ref;
        }
        g->duration = t_ms / 1000.0;
        if (options->duration_s > 0 && options->duration_s < g->duration)
                g->duration = options->duration_s;
        g->n_samples = (size_t)ceil(g->duration * options->rate_hz - 1e-6);

        /* Errors: all drawn, whichever are enabled, so that switching one does not change the others. */
        Rng rng;
        const SynthErrorModel *m = &options->model;
        double dir[3], norm = 0, mag;
        rng_seed(&rng, seed_derive(options->seed, 3));
        do {
                norm = 0;
                for (size_t i = 0; i < 3; i++) {
                        dir[i] = rng_gauss(&rng);
                        norm += dir[i] * dir[i];
                }
        } while (norm < 1e-6);
        norm = sqrt(norm);
        mag = rng_uniform(&rng) * m->accel_offset_max;
        for (size_t i = 0; i < 3; i++) {
                g->err.accel_offset[i] = mag * dir[i] / norm;
                g->err.accel_scale[i] = fmax(-3.0, fmin(3.0, rng_gauss(&rng))) * m->accel_scale_sd;
                g->err.gyro_bias[i] = rng_range(&rng, -1.0, 1.0) * m->gyro_bias_max;
                g->drift0[i] = rng_gauss(&rng) * m->gyro_drift_sd;
        }
        if (!(options->errors & SYNTH_ERR_ACCEL_OFFSET))
                memset(g->err.accel_offset, 0, sizeof(g->err.accel_offset));
        if (!(options->errors & SYNTH_ERR_ACCEL_SCALE))
                memset(g->err.accel_scale, 0, sizeof(g->err.accel_scale));
        if (!(options->errors & SYNTH_ERR_GYRO_BIAS))
                memset(g->err.gyro_bias, 0, sizeof(g->err.gyro_bias));
        if (!(options->errors & SYNTH_ERR_GYRO_DRIFT))
                memset(g->drift0, 0, sizeof(g->drift0));
        g->drift_a = exp(-1.0 / (options->rate_hz * m->gyro_drift_tau_s));
        g->drift_b = m->gyro_drift_sd * sqrt(1.0 - g->drift_a * g->drift_a);

        synth_rewind(g);
        *ret = g;
        return 0;
}

void synth_rewind(Synth *g) {
        g->k = 0;
        g->cur = 0;
        g->steps = 0;
        g->steps_plan = 0;
        memcpy(g->drift, g->drift0, sizeof(g->drift));
        rng_seed(&g->noise, seed_derive(g->opt.seed, 4));
        rng_seed(&g->jitter, seed_derive(g->opt.seed, 5));
}

size_t synth_n_samples(const Synth *g) {
        return g->n_samples;
}

double synth_duration(const Synth *g) {
        return g->duration;
}

void synth_forward(const Synth *g, double ret[3]) {
        /* R_sp^T·e_x: the first row of R_sp */
        for (size_t i = 0; i < 3; i++)
                ret[i] = g->r_sp[0][i];
}

void synth_up(const Synth *g, double ret[3]) {
        for (size_t i = 0; i < 3; i++)
                ret[i] = g->r_sp[2][i];
}

void synth_get_errors(const Synth *g, SynthErrors *ret) {
        *ret = g->err;
}

const char *synth_truth_posture_name(const SynthTruth *truth) {
        if (!truth->worn)
                return "not-worn";
        if (truth->transition)
                return "transition";
        switch (truth->posture) {
        case PSOAS_POSTURE_STANDING:
                return "standing";
        case PSOAS_POSTURE_SITTING:
                return "sitting";
        case PSOAS_POSTURE_WALKING:
                return "walking";
        case PSOAS_POSTURE_LYING:
                return "lying";
        default:
                return "unknown";
        }
}

static void pose_quat(const Plan *p, double tau, Pose *ret_pose, double ret_q[4]) {
        plan_pose(p, tau, ret_pose);
        quat_from_euler(ret_pose->pitch, ret_pose->roll, ret_pose->yaw, ret_q);
}

/* The heel strikes of a walk come once per cycle of its impact phase (plan_accel()). One counts as a step when
 * the walker is at least half way into full stride: the first and last, in the ramps of the envelope, are too
 * faint for anyone to call them steps, or for a step counter to be asked to see them. */
#define STEP_MIN_ENVELOPE 0.5

static void count_steps(Synth *g, const Plan *p, double tau) {
        double de, dde, phase = p->w_step / (2.0 * M_PI) * tau + p->imp_phase;

        if (g->steps_plan == g->cur + 1 && floor(phase) > floor(g->steps_phase) &&
                walk_envelope(p, tau, &de, &dde) >= STEP_MIN_ENVELOPE)
                g->steps += (unsigned)(floor(phase) - floor(g->steps_phase));
        g->steps_plan = g->cur + 1;
        g->steps_phase = phase;
}

int synth_next(Synth *g, struct psoas_sample *ret_sample, SynthTruth *ret_truth) {
        const SynthErrorModel *m = &g->opt.model;
        unsigned errors = g->opt.errors;

        if (g->k >= g->n_samples)
                return 0;

        /* Time: nominal k/rate, optionally jittered, rounded to the microsecond; the motion is evaluated at
         * exactly the time the sample carries. */
        double t_nominal = (double)g->k / g->opt.rate_hz;
        if (g->opt.jitter > 0 && g->k > 0)
                t_nominal += (2.0 * rng_uniform(&g->jitter) - 1.0) * g->opt.jitter / g->opt.rate_hz;
        int64_t dt_us = llround(t_nominal * 1e6);
        double t = dt_us / 1e6;

        while (g->cur + 1 < g->n_plans && t >= g->plans[g->cur + 1].t0)
                g->cur++;
        const Plan *p = &g->plans[g->cur];
        double tau = t - p->t0;

        if (p->type == SYNTH_WALK)
                count_steps(g, p, tau);

        /* Orientation and its derivative: ω_pelvis = 2·vec(q*·dq/dt), central difference. */
        Pose pose, pose_m, pose_p;
        double q[4], qm[4], qp[4], dq[4];
        pose_quat(p, tau, &pose, q);
        pose_quat(p, tau - DIFF_H, &pose_m, qm);
        pose_quat(p, tau + DIFF_H, &pose_p, qp);
        double sm = qm[0] * q[0] + qm[1] * q[1] + qm[2] * q[2] + qm[3] * q[3] < 0 ? -1.0 : 1.0;
        double sp = qp[0] * q[0] + qp[1] * q[1] + qp[2] * q[2] + qp[3] * q[3] < 0 ? -1.0 : 1.0;
        for (size_t i = 0; i < 4; i++)
                dq[i] = (sp * qp[i] - sm * qm[i]) / (2.0 * DIFF_H);
        double w_p[3] = {
                2.0 * (q[0] * dq[1] - dq[0] * q[1] - (q[2] * dq[3] - q[3] * dq[2])),
                2.0 * (q[0] * dq[2] - dq[0] * q[2] - (q[3] * dq[1] - q[1] * dq[3])),
                2.0 * (q[0] * dq[3] - dq[0] * q[3] - (q[1] * dq[2] - q[2] * dq[1])),
        };
        double gyro[3];
        mat_t_mul(g->r_sp, w_p, gyro);

        /* Specific force */
        double a_lin[3], r_pe[3][3], f_e[3], f_p[3], accel[3];
        plan_accel(p, tau, &pose, a_lin);
        f_e[0] = a_lin[0];
        f_e[1] = a_lin[1];
        f_e[2] = a_lin[2] + SYNTH_GRAVITY;
        quat_to_matrix(q, r_pe);
        mat_t_mul(r_pe, f_e, f_p);
        mat_t_mul(g->r_sp, f_p, accel);

        /* MEMS errors */
        double a_meas[3], g_meas[3];
        for (size_t i = 0; i < 3; i++) {
                a_meas[i] = (1.0 + g->err.accel_scale[i]) * accel[i] + g->err.accel_offset[i];
                g_meas[i] = gyro[i] + g->err.gyro_bias[i] + g->drift[i];
        }
        if (errors & SYNTH_ERR_ACCEL_NOISE)
                for (size_t i = 0; i < 3; i++)
                        a_meas[i] += m->accel_noise * rng_gauss(&g->noise);
        if (errors & SYNTH_ERR_GYRO_NOISE)
                for (size_t i = 0; i < 3; i++)
                        g_meas[i] += m->gyro_noise * rng_gauss(&g->noise);

        if (ret_sample) {
                *ret_sample = (struct psoas_sample){ .size = sizeof(struct psoas_sample),
                        .t_us = g->opt.start_us + dt_us,
                        .has_gyro = true };
                for (size_t i = 0; i < 3; i++) {
                        ret_sample->accel[i] = (float)a_meas[i];
                        ret_sample->gyro[i] = (float)g_meas[i];
                }
        }

        if (ret_truth) {
                SynthTruth *tr = ret_truth;
                double rate = sqrt(gyro[0] * gyro[0] + gyro[1] * gyro[1] + gyro[2] * gyro[2]) / DEG;

                tr->t_s = t;
                tr->segment = g->cur;
                tr->steps = g->steps;
                tr->type = p->type;
                tr->segment_t_s = tau;
                tr->segment_left_s = p->dur - tau;
                tr->posture = p->posture;
                tr->transition = p->transition;
                tr->worn = p->type != SYNTH_OFF;
                tr->settled_s = t - p->settle_ref;
                tr->rate_dps = rate;
                tr->still_or_slow = !p->transition && p->type != SYNTH_WALK && rate < STILL_RATE_DPS;
                tr->pitch_deg = pose.pitch / DEG;
                tr->roll_deg = pose.roll / DEG;
                tr->yaw_deg = pose.yaw / DEG;
                tr->tilt_deg = tr->pitch_deg;
                quat_mul(q, g->q_sp, tr->q_se);
                for (size_t i = 0; i < 3; i++) {
                        tr->accel[i] = accel[i];
                        tr->gyro[i] = gyro[i];
                        tr->lin_accel[i] = a_lin[i];
                        tr->gyro_error[i] = g->err.gyro_bias[i] + g->drift[i];
                        tr->accel_offset[i] = g->err.accel_offset[i];
                }
        }

        /* the drift moves on for the next sample */
        if (errors & SYNTH_ERR_GYRO_DRIFT)
                for (size_t i = 0; i < 3; i++)
                        g->drift[i] = g->drift_a * g->drift[i] + g->drift_b * rng_gauss(&g->noise);

        g->k++;
        return 1;
}
