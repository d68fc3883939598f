/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth-stretch.h"
#include "synth.h"

#define DEG (M_PI / 180.0)
#define SEGMENTS_MAX 96

typedef struct Pose {
        double pitch, roll, spin, yaw; /* degrees */
        double x, z; /* metres: forward along the walk, height relative to standing */
} Pose;

typedef enum Sway {
        SWAY_STILL, /* a plank: held, barely moving */
        SWAY_SEATED,
        SWAY_STANDING, /* balancing on the feet or the knees */
        SWAY_ONE_LEG,
        SWAY_LYING,
        _SWAY_MAX,
} Sway;

typedef struct Segment {
        double t0, dur;
        Pose target;
        double trans_s; /* blends from the previous pose to target over this long */
        double hump_pitch; /* added to the pitch in the middle of the blend (leaning forward to sit) */
        Sway sway;
        unsigned reps; /* after the blend: repetitions of delta */
        double period;
        Pose delta;
        bool alternate; /* every other repetition goes the other way */
        double walk_speed; /* > 0: walking */
} Segment;

struct SynthStretch {
        Segment seg[SEGMENTS_MAX];
        size_t n;
        double rate_hz;
        size_t i, n_samples;
        uint64_t rng;

        double sway_scale;
        double sway_ph[3][2];
        double sway_fj[3][2]; /* where in its band each sinusoid's frequency falls, 0..1 */
        double R_sp[3][3];
        double gyro_bias[3], accel_offset[3];

        double start_s, done_s;
        float forward[3];
};

static const char *const variant_names[_SYNTH_STRETCH_VARIANT_MAX] = {
        [SYNTH_STRETCH_RIGHT] = "right",
        [SYNTH_STRETCH_ARCHED] = "arched",
        [SYNTH_STRETCH_STANDING] = "standing",
        [SYNTH_STRETCH_SITTING] = "sitting",
        [SYNTH_STRETCH_WALKING] = "walking",
};

const char *synth_stretch_variant_to_string(SynthStretchVariant v) {
        return (unsigned)v < _SYNTH_STRETCH_VARIANT_MAX ? variant_names[v] : NULL;
}

/* splitmix64: the generator's own, so that results do not depend on the C library. */
static uint64_t rng_next(uint64_t *s) {
        uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s, double lo, double hi) {
        return lo + (hi - lo) * (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static double rng_gauss(uint64_t *s) {
        double u = rng_uniform(s, 1e-12, 1.0), v = rng_uniform(s, 0.0, 1.0);
        return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* C2-smooth step from 0 to 1 over [0, 1]. */
static double smoother(double s) {
        if (s <= 0)
                return 0;
        if (s >= 1)
                return 1;
        return s * s * s * (s * (6 * s - 15) + 10);
}

/* Its integral, continued linearly: the distance covered while speeding up to 1 over a unit of time. */
static double smoother_integral(double u) {
        if (u <= 0)
                return 0;
        if (u >= 1)
                return u - 0.5;
        return u * u * u * u * (u * (u - 3) + 2.5);
}

static Segment *add(SynthStretch *g, double dur, Pose target, double trans_s, Sway sway) {
        if (g->n >= SEGMENTS_MAX)
                abort(); /* a scene longer than the table: a bug in the scenes below */
        Segment *s = &g->seg[g->n];
        *s = (Segment){
                .t0 = g->n > 0 ? g->seg[g->n - 1].t0 + g->seg[g->n - 1].dur : 0,
                .dur = dur,
                .target = target,
                .trans_s = trans_s,
                .sway = sway,
        };
        if (g->n > 0 && s->target.x == 0)
                s->target.x = g->seg[g->n - 1].target.x;
        g->n++;
        return s;
}

static double seg_end(const SynthStretch *g) {
        return g->n > 0 ? g->seg[g->n - 1].t0 + g->seg[g->n - 1].dur : 0;
}

static Pose pose_of(double pitch, double roll, double spin, double z) {
        return (Pose){ .pitch = pitch, .roll = roll, .spin = spin, .z = z };
}

static Pose last_pose(const SynthStretch *g) {
        return g->seg[g->n - 1].target;
}

static void walk(SynthStretch *g, double dur) {
        Pose p = last_pose(g);
        double speed = rng_uniform(&g->rng, 1.1, 1.4);
        p.pitch = 0;
        p.roll = 0;
        p.z = 0;
        p.x += speed * (dur - 1.0);
        Segment *s = add(g, dur, p, 1.0, SWAY_STANDING);
        s->walk_speed = speed;
        s->target.x = p.x;
}

static void sit_down(SynthStretch *g, double sit_pitch) {
        Segment *s = add(g, rng_uniform(&g->rng, 1.4, 1.8), pose_of(sit_pitch, 0, 0, -0.45), 0, SWAY_SEATED);
        s->trans_s = s->dur;
        s->hump_pitch = 30;
}

static void stand_up(SynthStretch *g) {
        Segment *s = add(g, rng_uniform(&g->rng, 1.4, 1.8), pose_of(0, 0, 0, 0), 0, SWAY_STANDING);
        s->trans_s = s->dur;
        s->hump_pitch = 30;
}

static void stand(SynthStretch *g, double dur, double pitch) {
        add(g, dur, pose_of(pitch, 0, 0, 0), 1.0, SWAY_STANDING);
}

/* From standing down to lying on the floor, by way of kneeling and sitting on it. */
static void get_down(SynthStretch *g, Pose lying) {
        add(g, 2.5, pose_of(0, 0, 0, -0.5), 2.0, SWAY_STANDING);
        add(g, 3.0, pose_of(-60, 0, 0, -0.75), 2.5, SWAY_SEATED);
        add(g, 4.0, lying, 3.0, SWAY_LYING);
}

static void get_up(SynthStretch *g) {
        add(g, 3.0, pose_of(-60, 0, 0, -0.75), 2.5, SWAY_SEATED);
        add(g, 3.0, pose_of(0, 0, 0, -0.5), 2.5, SWAY_STANDING);
        add(g, 10.0, pose_of(0, 0, 0, 0), 2.0, SWAY_STANDING);
}

/* A hold on each side, with a switch between: back to pose "between", then into the position again. Marks when
 * the last side has been held for hold_s. */
static void holds(
        SynthStretch *g, Pose pos, Pose between, Sway sway, uint32_t hold_s, unsigned sides, bool mark) {
        for (unsigned side = 0; side < sides; side++) {
                double trans = rng_uniform(&g->rng, 1.5, 2.5);
                /* People hold within the range, a few seconds over the minimum. */
                double dur = trans + hold_s + rng_uniform(&g->rng, 3.0, 8.0);
                add(g, dur, pos, trans, sway);
                if (mark && side + 1 == sides)
                        g->done_s = g->seg[g->n - 1].t0 + 0.5 * trans + hold_s; /* in position halfway */
                if (side + 1 < sides)
                        add(g, rng_uniform(&g->rng, 3.0, 5.0), between, 1.5, SWAY_STANDING);
        }
}

/* Repetitions from pos, each rocking by delta; marks when the last one came down. */
static Segment *reps(
        SynthStretch *g, Pose pos, Pose delta, unsigned n, bool alternate, Sway sway, bool mark) {
        double period = rng_uniform(&g->rng, 3.0, 4.0);
        double trans = 2.0;
        Segment *s = add(g, trans + period * n + 2.0, pos, trans, sway);
        s->reps = n;
        s->period = period;
        s->delta = delta;
        s->alternate = alternate;
        if (mark)
                g->done_s = s->t0 + trans + period * (n - 1) + 0.8 * period;
        return s;
}

static void scene(SynthStretch *g, enum psoas_stretch_check check, SynthStretchVariant variant,
        uint32_t hold_s, uint32_t nreps, bool per_side) {
        unsigned sides = per_side ? 2 : 1;
        double tuck = -rng_uniform(&g->rng, 6, 12); /* a tucked pelvis, posterior of neutral */
        double sit_pitch = -rng_uniform(&g->rng, 15, 30);
        bool right = variant == SYNTH_STRETCH_RIGHT;
        double sign = right ? 1 : -1; /* arched: the tuck the other way */
        Pose standing = pose_of(0, 0, 0, 0);

        /* The prelude: standing still for the calibration, then a sitting bout that the alert ends. */
        add(g, 12.0, standing, 0, SWAY_STANDING);
        sit_down(g, sit_pitch);
        add(g, SYNTH_STRETCH_SITTING_ALERT_S + 20.0, pose_of(sit_pitch, 0, 0, -0.45), 1.0, SWAY_SEATED);
        g->start_s = seg_end(g);

        switch (variant) {
        case SYNTH_STRETCH_STANDING:
                stand_up(g);
                stand(g, 150, 0);
                g->done_s = -1;
                return;
        case SYNTH_STRETCH_SITTING:
                stand_up(g);
                stand(g, 5, 0);
                sit_down(g, sit_pitch);
                add(g, 150, pose_of(sit_pitch, 0, 0, -0.45), 1.0, SWAY_SEATED);
                g->done_s = -1;
                return;
        case SYNTH_STRETCH_WALKING:
                stand_up(g);
                stand(g, 3, 0);
                walk(g, check == PSOAS_CHECK_WALKING ? 30 : 150);
                stand(g, 10, 0);
                g->done_s = -1;
                return;
        default:
                break;
        }

        switch (check) {
        case PSOAS_CHECK_SEATED_HINGE: {
                /* Seated, ankle over knee, leaning forward from the hips; wrong: rounding the back, which rolls
                 * the pelvis back. Sitting upright between sides. */
                double hinge = right ? rng_uniform(&g->rng, 15, 25) : -rng_uniform(&g->rng, 30, 40);
                add(g, 4.0, pose_of(-8, 0, 0, -0.45), 1.5, SWAY_SEATED);
                holds(g, pose_of(hinge, 0, 0, -0.45), pose_of(-8, 0, 0, -0.45), SWAY_SEATED, hold_s, sides,
                        right);
                stand_up(g);
                stand(g, 10, 0);
                return;
        }
        default:
                break;
        }

        stand_up(g);
        stand(g, 4, 0);

        switch (check) {
        case PSOAS_CHECK_STANDING_TUCK:
                /* Split stance, pelvis a little lower, tucked; between sides, feet together again. */
                holds(g, pose_of(sign * tuck, 0, 0, -0.08), standing, SWAY_STANDING, hold_s, sides, right);
                stand(g, 10, 0);
                break;
        case PSOAS_CHECK_ONE_LEG_TUCK:
                holds(g, pose_of(sign * tuck * 0.8, 0, 0, 0), standing, SWAY_ONE_LEG, hold_s, sides, right);
                stand(g, 10, 0);
                break;
        case PSOAS_CHECK_KNEELING_TUCK: {
                /* Down onto one knee (the pelvis ~0.5 m lower), tucked; between sides, half up and down
                 * again on the other knee. */
                double z = -rng_uniform(&g->rng, 0.45, 0.55);
                holds(g, pose_of(sign * tuck, 0, 0, z), pose_of(0, 0, 0, z + 0.25), SWAY_STANDING, hold_s,
                        sides, right);
                add(g, 8.0, standing, 2.0, SWAY_STANDING);
                break;
        }
        case PSOAS_CHECK_STANDING_HINGE: {
                /* Heel up on a step, hinging forward with a straight back; wrong: rounding the back with the
                 * pelvis upright and rolled back a little. */
                double hinge = right ? rng_uniform(&g->rng, 28, 45) : -rng_uniform(&g->rng, 3, 8);
                holds(g, pose_of(hinge, 0, 0, -0.1), standing, SWAY_STANDING, hold_s, sides, right);
                stand(g, 10, 0);
                break;
        }
        case PSOAS_CHECK_PRONE_HOLD: {
                /* Forearms and toes; wrong: the hips sagging, the lower back arched. */
                Pose plank = pose_of(right ? rng_uniform(&g->rng, 84, 94) : rng_uniform(&g->rng, 108, 115),
                        0, 0, -rng_uniform(&g->rng, 0.6, 0.7));
                get_down(g, pose_of(90, 0, 0, -0.35)); /* on all fours first */
                holds(g, plank, pose_of(90, 0, 0, -0.35), SWAY_STILL, hold_s, 1, right);
                add(g, 3.0, pose_of(90, 0, 0, -0.35), 2.0, SWAY_STANDING);
                get_up(g);
                break;
        }
        case PSOAS_CHECK_BRIDGE_REPS: {
                /* Lying on the back, knees bent; each repetition lifts the hips ~0.15 m and turns the pelvis
                 * back 20-30° (wrong: lifting by arching the back, the pelvis turning forward). */
                Pose supine = pose_of(-90, 0, 0, -0.8);
                Pose delta = right ? pose_of(-rng_uniform(&g->rng, 20, 30), 0, 0, 0.15)
                                   : pose_of(rng_uniform(&g->rng, 4, 8), 0, 0, 0.12);
                get_down(g, supine);
                reps(g, supine, delta, nreps, false, SWAY_LYING, right);
                get_up(g);
                break;
        }
        case PSOAS_CHECK_SIDE_LYING_REPS: {
                /* On the right side, then the left; each repetition lifts the top knee, which rocks the pelvis
                 * back by 4-7° about its long axis (wrong: rolling the whole pelvis back, ~35°). */
                for (unsigned side = 0; side < 2; side++) {
                        double roll = side == 0 ? 90 : -90;
                        double back = (right ? rng_uniform(&g->rng, 4, 7) : rng_uniform(&g->rng, 30, 40)) *
                                (side == 0 ? 1 : -1);
                        Pose lying = pose_of(0, roll, 0, -0.8);
                        if (side == 0)
                                get_down(g, lying);
                        else
                                add(g, 4.0, lying, 3.0, SWAY_LYING);
                        reps(g, lying, pose_of(0, 0, back, 0), nreps, false, SWAY_LYING, right && side == 1);
                }
                get_up(g);
                break;
        }
        case PSOAS_CHECK_ALL_FOURS_ALTERNATING: {
                /* On all fours; each lift rocks the pelvis 3-5° towards one side, alternately (wrong: the
                 * lower back sagging, the pelvis anterior). */
                Pose fours = pose_of(right ? 90 : rng_uniform(&g->rng, 108, 115), 0, 0, -0.35);
                get_down(g, fours);
                reps(g, fours, pose_of(0, 0, rng_uniform(&g->rng, 3, 5), 0), 2 * nreps, true, SWAY_STANDING,
                        right);
                get_up(g);
                break;
        }
        case PSOAS_CHECK_WALKING:
                /* The walking break done right; "arched" walks too, slouching. */
                walk(g, hold_s + rng_uniform(&g->rng, 10, 20));
                if (right)
                        g->done_s = g->seg[g->n - 1].t0 + hold_s + 1.0;
                stand(g, 10, 0);
                break;
        default:
                break;
        }
}

static void sway_amp(Sway s, double ret[3][2]) {
        static const double amp[_SWAY_MAX][3][2] = {
                [SWAY_STILL] = { { 0.08, 0.05 }, { 0.08, 0.05 }, { 0.05, 0.03 } },
                [SWAY_SEATED] = { { 0.6, 0.12 }, { 0.4, 0.08 }, { 0.8, 0.15 } },
                [SWAY_STANDING] = { { 0.3, 0.12 }, { 0.25, 0.1 }, { 0.4, 0.15 } },
                [SWAY_ONE_LEG] = { { 0.8, 0.4 }, { 1.2, 0.6 }, { 0.8, 0.3 } },
                [SWAY_LYING] = { { 0.3, 0.05 }, { 0.1, 0.05 }, { 0.1, 0.05 } },
        };
        memcpy(ret, amp[s], sizeof(amp[s]));
}

static void sway_band(Sway s, unsigned j, double *ret_lo, double *ret_hi) {
        static const double band[_SWAY_MAX][2][2] = {
                [SWAY_STILL] = { { 0.1, 0.3 }, { 0.4, 0.9 } },
                [SWAY_SEATED] = { { 0.01, 0.03 }, { 0.1, 0.3 } },
                [SWAY_STANDING] = { { 0.1, 0.3 }, { 0.4, 0.9 } },
                [SWAY_ONE_LEG] = { { 0.3, 0.6 }, { 0.8, 1.5 } },
                [SWAY_LYING] = { { 0.2, 0.3 }, { 0.005, 0.01 } },
        };
        *ret_lo = band[s][j][0];
        *ret_hi = band[s][j][1];
}

/* The sway's angles (degrees) at time t for a sway kind. */
static void sway_at(const SynthStretch *g, Sway s, double t, double ret[3]) {
        double amp[3][2];
        sway_amp(s, amp);
        for (unsigned i = 0; i < 3; i++) {
                ret[i] = 0;
                for (unsigned j = 0; j < 2; j++) {
                        double lo, hi;
                        sway_band(s, j, &lo, &hi);
                        double f = lo + (hi - lo) * g->sway_fj[i][j];
                        ret[i] += g->sway_scale * amp[i][j] * sin(2 * M_PI * f * t + g->sway_ph[i][j]);
                }
        }
}

static size_t find_segment(const SynthStretch *g, double t) {
        size_t k = 0;
        while (k + 1 < g->n && t >= g->seg[k + 1].t0)
                k++;
        return k;
}

/* The pose and the position at time t: pitch, roll, spin, yaw in radians; position in metres (earth frame). */
static void pose_at(const SynthStretch *g, double t, double ret_ang[4], double ret_pos[3]) {
        size_t k = find_segment(g, t);
        const Segment *s = &g->seg[k];
        Pose prev = k > 0 ? g->seg[k - 1].target : s->target;
        Sway prev_sway = k > 0 ? g->seg[k - 1].sway : s->sway;
        double tau = t - s->t0;
        double b = s->trans_s > 0 ? smoother(tau / s->trans_s) : 1.0;

        double ang[4] = {
                prev.pitch + (s->target.pitch - prev.pitch) * b,
                prev.roll + (s->target.roll - prev.roll) * b,
                prev.spin + (s->target.spin - prev.spin) * b,
                prev.yaw + (s->target.yaw - prev.yaw) * b,
        };
        double pos[3] = { prev.x + (s->target.x - prev.x) * b, 0, prev.z + (s->target.z - prev.z) * b };
        if (s->trans_s > 0 && tau < s->trans_s)
                ang[0] += s->hump_pitch * sin(M_PI * tau / s->trans_s);

        if (s->reps > 0 && tau >= s->trans_s) {
                double r = (tau - s->trans_s) / s->period;
                unsigned idx = (unsigned)r;
                if (idx < s->reps) {
                        double ph = r - idx;
                        /* Up over 25% of the period, held 30%, down over 25%, resting 20%. */
                        double f = ph < 0.25 ? smoother(ph / 0.25)
                                : ph < 0.55  ? 1.0
                                             : smoother((0.8 - ph) / 0.25);
                        double sign = s->alternate && (idx % 2) ? -1.0 : 1.0;
                        ang[0] += f * s->delta.pitch;
                        ang[1] += f * s->delta.roll;
                        ang[2] += sign * f * s->delta.spin;
                        pos[2] += f * s->delta.z;
                }
        }

        if (s->walk_speed > 0) {
                /* Speeding up over the first second, slowing down over the last; the bounce and the rocking
                 * of the steps fade in and out with it. */
                double env = smoother(tau) * smoother(s->dur - tau);
                double w = 2 * M_PI * 1.8 * tau; /* 1.8 steps a second */
                pos[0] = prev.x +
                        s->walk_speed * (smoother_integral(tau) - smoother_integral(tau - (s->dur - 1.0)));
                pos[2] += env * 0.025 * sin(w);
                ang[0] += env * 1.5 * sin(w + 0.5);
                ang[1] += env * 3.0 * sin(0.5 * w);
                ang[3] += env * 4.0 * sin(0.5 * w + 1.0);
        }

        /* Sway, blended between the kinds like the pose. */
        double sa[3], sb[3];
        sway_at(g, s->sway, t, sa);
        sway_at(g, prev_sway, t, sb);
        ang[0] += sb[0] + (sa[0] - sb[0]) * b;
        ang[1] += sb[1] + (sa[1] - sb[1]) * b;
        ang[3] += sb[2] + (sa[2] - sb[2]) * b;

        for (unsigned i = 0; i < 4; i++)
                ret_ang[i] = ang[i] * DEG;
        memcpy(ret_pos, pos, sizeof(pos));
}

static void mat_mul(const double a[3][3], const double b[3][3], double ret[3][3]) {
        for (unsigned i = 0; i < 3; i++)
                for (unsigned j = 0; j < 3; j++)
                        ret[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
}

static void rot_x(double a, double ret[3][3]) {
        double c = cos(a), s = sin(a);
        double r[3][3] = { { 1, 0, 0 }, { 0, c, -s }, { 0, s, c } };
        memcpy(ret, r, sizeof(r));
}

static void rot_y(double a, double ret[3][3]) {
        double c = cos(a), s = sin(a);
        double r[3][3] = { { c, 0, s }, { 0, 1, 0 }, { -s, 0, c } };
        memcpy(ret, r, sizeof(r));
}

static void rot_z(double a, double ret[3][3]) {
        double c = cos(a), s = sin(a);
        double r[3][3] = { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } };
        memcpy(ret, r, sizeof(r));
}

/* Sensor to earth at time t, and the position. */
static void sensor_at(const SynthStretch *g, double t, double ret_R[3][3], double ret_pos[3]) {
        double ang[4], a[3][3], b[3][3], c[3][3];
        pose_at(g, t, ang, ret_pos);
        rot_z(ang[3], a);
        rot_y(ang[0], b);
        mat_mul(a, b, c);
        rot_x(ang[1], a);
        mat_mul(c, a, b);
        rot_z(ang[2], a);
        mat_mul(b, a, c);
        mat_mul(c, g->R_sp, ret_R);
}

static void quat_to_matrix(const double q[4], double ret[3][3]) {
        double w = q[0], x = q[1], y = q[2], z = q[3];
        double r[3][3] = {
                { 1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y) },
                { 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x) },
                { 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y) },
        };
        memcpy(ret, r, sizeof(r));
}

int synth_stretch_new(enum psoas_stretch_check check, SynthStretchVariant variant, uint32_t hold_s,
        uint32_t nreps, bool per_side, double rate_hz, uint64_t seed, SynthStretch **ret) {
        SynthStretch *g;
        double q[4];

        if (!ret || !(rate_hz >= 12.5 && rate_hz <= 1000) || (unsigned)variant >= _SYNTH_STRETCH_VARIANT_MAX)
                return -EINVAL;
        if (check <= PSOAS_CHECK_FLOOR || check >= _PSOAS_CHECK_MAX)
                return -EINVAL;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->rate_hz = rate_hz;
        g->rng = seed * 0x2545F4914F6CDD1DULL + 0x16C2;
        g->sway_scale = rng_uniform(&g->rng, 0.7, 1.3);
        for (unsigned i = 0; i < 3; i++)
                for (unsigned j = 0; j < 2; j++) {
                        g->sway_ph[i][j] = rng_uniform(&g->rng, 0, 2 * M_PI);
                        g->sway_fj[i][j] = rng_uniform(&g->rng, 0, 1);
                }
        for (unsigned i = 0; i < 3; i++) {
                g->gyro_bias[i] = rng_uniform(&g->rng, -4, 4) * DEG;
                g->accel_offset[i] = rng_uniform(&g->rng, -0.03, 0.03);
        }
        (void)synth_mount_lookup("random", seed, q);
        quat_to_matrix(q, g->R_sp);
        /* The pelvis's forward (x) in the sensor frame: R_sp^T e_x. */
        for (unsigned i = 0; i < 3; i++)
                g->forward[i] = (float)g->R_sp[0][i];

        g->done_s = -1;
        scene(g, check, variant, hold_s, nreps, per_side);
        g->n_samples = (size_t)(seg_end(g) * rate_hz);
        *ret = g;
        return 0;
}

SynthStretch *synth_stretch_free(SynthStretch *g) {
        free(g);
        return NULL;
}

double synth_stretch_duration(const SynthStretch *g) {
        return seg_end(g);
}

double synth_stretch_start_s(const SynthStretch *g) {
        return g->start_s;
}

double synth_stretch_done_s(const SynthStretch *g) {
        return g->done_s;
}

void synth_stretch_forward(const SynthStretch *g, float ret[3]) {
        memcpy(ret, g->forward, sizeof(g->forward));
}

int synth_stretch_next(SynthStretch *g, struct psoas_sample *ret) {
        const double h = 1e-3;
        double R[3][3], Rp[3][3], Rm[3][3], p[3], pp[3], pm[3];

        if (g->i >= g->n_samples)
                return 0;
        double t = (double)g->i / g->rate_hz;
        g->i++;

        sensor_at(g, t, R, p);
        sensor_at(g, t + h, Rp, pp);
        sensor_at(g, t - h, Rm, pm);

        /* Specific force in the sensor frame: R^T (a + g z). */
        double a[3];
        for (unsigned i = 0; i < 3; i++)
                a[i] = (pp[i] - 2 * p[i] + pm[i]) / (h * h);
        a[2] += SYNTH_GRAVITY;

        /* Angular rate: the skew matrix R^T dR/dt. */
        double S[3][3] = { { 0 } };
        for (unsigned i = 0; i < 3; i++)
                for (unsigned j = 0; j < 3; j++)
                        for (unsigned k = 0; k < 3; k++)
                                S[i][j] += R[k][i] * (Rp[k][j] - Rm[k][j]) / (2 * h);
        double w[3] = { S[2][1], S[0][2], S[1][0] };

        struct psoas_sample s = { .size = sizeof(s), .t_us = (int64_t)llround(t * 1e6), .has_gyro = true };
        for (unsigned i = 0; i < 3; i++) {
                double f = R[0][i] * a[0] + R[1][i] * a[1] + R[2][i] * a[2];
                s.accel[i] = (float)(f + g->accel_offset[i] + 0.02 * rng_gauss(&g->rng));
                s.gyro[i] = (float)(w[i] + g->gyro_bias[i] + 0.005 * rng_gauss(&g->rng));
        }
        *ret = s;
        return 1;
}
