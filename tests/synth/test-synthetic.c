/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Engine-level accuracy tests on synthetic data, through the public API only, and self-checks of the
 * generator.
 *
 * The engine tests define the target: they generate scenarios at several rates, with seeded random mountings
 * and every MEMS error switched on, feed them to psoas_engine_feed(), and compare what the engine says with
 * the generator's ground truth. Every run prints its figures to stderr, and a test fails only after all its
 * runs have printed, so one failure shows the whole table.
 *
 * `test-synthetic --markdown` runs no test: it prints the tilt accuracy table for BENCHMARKS.md (the RMS error
 * by motion type, for every rate and mounting of the engine tests, with and without the gyroscope).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "psoas/psoas.h"
#include "synth.h"
#include "test-util.h"

#define DEG (M_PI / 180.0)
#define SETTLE_S 3.0 /* the engine gets this long after each change of posture */
#define TILT_RMS_MAX_DEG 1.5 /* over still or slow samples, lying excluded */

/* ---------------------------------------------------------------------------------------------------------- */
/* Helpers */

static double vec_dot(const double a[3], const double b[3]) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double vec_norm(const double a[3]) {
        return sqrt(vec_dot(a, a));
}

static double vec_angle_deg(const double a[3], const double b[3]) {
        double c = vec_dot(a, b) / (vec_norm(a) * vec_norm(b));
        return acos(fmax(-1.0, fmin(1.0, c))) / DEG;
}

/* ret = R(q)·v */
static void quat_rotate(const double q[4], const double v[3], double ret[3]) {
        double w = q[0], x = q[1], y = q[2], z = q[3];
        double m[3][3] = {
                { 1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y) },
                { 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x) },
                { 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y) },
        };
        for (size_t i = 0; i < 3; i++)
                ret[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
}

static void quat_mul(const double a[4], const double b[4], double ret[4]) {
        double r[4] = {
                a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
                a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
                a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
                a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
        };
        memcpy(ret, r, sizeof(r));
}

/* The angle between two orientations, degrees. */
static double quat_angle_deg(const double a[4], const double b[4]) {
        double d = fabs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
        return 2.0 * acos(fmin(1.0, d)) / DEG;
}

static double cpu_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static SynthScenario *scenario_named(const char *name, uint64_t seed) {
        SynthScenario *s = NULL;
        ASSERT_EQ(synth_scenario_named(name, seed, &s), 0);
        return s;
}

static Synth *synth_make(
        const SynthScenario *s, double rate_hz, uint64_t seed, const char *mount, unsigned errors) {
        SynthOptions o;
        Synth *g = NULL;

        synth_options_init(&o);
        o.rate_hz = rate_hz;
        o.seed = seed;
        o.errors = errors;
        ASSERT_EQ(synth_mount_lookup(mount, seed, o.q_sp), 0);
        ASSERT_EQ(synth_new(s, &o, &g), 0);
        return g;
}

/* Start and end (scenario seconds) of the nth (0-based) segment of a type; false when there is none. */
static bool segment_find(
        const SynthScenario *s, SynthSegmentType type, unsigned nth, double *ret_start, double *ret_end) {
        double t = 0;
        for (size_t i = 0; i < synth_scenario_n_segments(s); i++) {
                const SynthSegment *seg = synth_scenario_segment(s, i);
                if (seg->type == type && nth-- == 0) {
                        *ret_start = t;
                        *ret_end = t + seg->duration_s;
                        return true;
                }
                t += seg->duration_s;
        }
        return false;
}

static const char *posture_name(enum psoas_posture p) {
        const char *s = psoas_posture_to_string(p);
        return s ? s : "(invalid)";
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Running the engine over a scenario and scoring it */

typedef SynthScenario *(*ScenarioBuild)(uint64_t seed);

typedef struct RunConfig {
        const char *label;
        const char *scenario; /* a named scenario, or */
        ScenarioBuild build; /* a custom one */
        double rate_hz;
        uint64_t seed;
        const char *mount;
        unsigned errors;
        double jitter;
        bool no_gyro; /* samples without a gyroscope (has_gyro = false) */
        bool use_gyro_off; /* config.use_gyro = false */
        bool forward_known; /* config.forward_known with the true forward */
        double gap_start_s; /* with gap_s > 0: drop the samples in [gap_start_s, gap_start_s + gap_s) */
        double gap_s;
} RunConfig;

static RunConfig run_config(const char *scenario, double rate_hz, uint64_t seed) {
        return (RunConfig){
                .scenario = scenario,
                .rate_hz = rate_hz,
                .seed = seed,
                .mount = "random",
                .errors = SYNTH_ERR_ALL,
        };
}

typedef struct Interval {
        double start, end;
        enum psoas_posture got, want;
        SynthSegmentType type;
} Interval;

#define MAX_INTERVALS 8

typedef struct RunResult {
        int calibrate_r;
        bool calibrated;
        double calibrated_at;
        int calibration_failed; /* 1 + reason, 0 when it did not fail */
        double cal_up_err_deg;
        double forward_at; /* when state.forward_known was first seen, or -1 */
        bool first_sit_seen, first_sit_done, forward_by_first_sit_end;

        double tilt_sum_sq;
        size_t tilt_n, tilt_eligible;
        double tilt_max, tilt_max_at;
        /* The same by the segment's motion type. */
        double tilt_type_sum_sq[_SYNTH_SEGMENT_TYPE_MAX];
        size_t tilt_type_n[_SYNTH_SEGMENT_TYPE_MAX];

        size_t posture_n, posture_wrong;
        Interval wrong[MAX_INTERVALS];
        size_t n_intervals;
        bool in_wrong;

        size_t fed, feed_errors;
        int first_feed_error;
        double first_feed_error_at;
        uint64_t events_dropped;
        bool calibrated_after_gap;
} RunResult;

static SynthScenario *run_scenario(const RunConfig *c) {
        if (c->build)
                return c->build(c->seed);
        return scenario_named(c->scenario, c->seed);
}

static struct psoas_engine *engine_for(const RunConfig *c, const Synth *g) {
        struct psoas_config config;
        struct psoas_engine *e = NULL;

        psoas_config_init(PSOAS_SIZED(&config));
        if (c->use_gyro_off)
                config.use_gyro = false;
        if (c->forward_known) {
                double f[3];
                synth_forward(g, f);
                config.forward_known = true;
                for (size_t i = 0; i < 3; i++)
                        config.forward[i] = (float)f[i];
        }
        ASSERT_EQ(psoas_config_validate(&config, NULL), 0);
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_TRUE(e);
        return e;
}

static void drain_events(struct psoas_engine *e, const SynthTruth *tr, RunResult *res) {
        struct psoas_event ev;
        while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                switch (ev.type) {
                case PSOAS_EVENT_CALIBRATED:
                        if (!res->calibrated) {
                                res->calibrated = true;
                                res->calibrated_at = tr->t_s;
                        }
                        break;
                case PSOAS_EVENT_CALIBRATION_FAILED:
                        if (!res->calibration_failed)
                                res->calibration_failed = 1 + (int)ev.calibration_failed.reason;
                        break;
                default:
                        break;
                }
}

static void posture_score(RunResult *res, const SynthTruth *tr, enum psoas_posture got) {
        res->posture_n++;
        if (got == tr->posture) {
                res->in_wrong = false;
                return;
        }
        res->posture_wrong++;
        if (res->in_wrong && res->n_intervals > 0 && res->wrong[res->n_intervals - 1].got == got) {
                res->wrong[res->n_intervals - 1].end = tr->t_s;
                return;
        }
        res->in_wrong = true;
        if (res->n_intervals < MAX_INTERVALS)
                res->wrong[res->n_intervals++] = (Interval){
                        .start = tr->t_s,
                        .end = tr->t_s,
                        .got = got,
                        .want = tr->posture,
                        .type = tr->type,
                };
}

/* The samples the accuracy figures cover. */
static bool posture_checked(const SynthTruth *tr) {
        return !tr->transition && tr->settled_s >= SETTLE_S;
}

static bool tilt_checked(const SynthTruth *tr) {
        return posture_checked(tr) && tr->still_or_slow && tr->posture != PSOAS_POSTURE_LYING;
}

static void run(const RunConfig *c, RunResult *res) {
        SynthScenario *s = run_scenario(c);
        SynthOptions o;
        Synth *g = NULL;
        struct psoas_engine *e;
        struct psoas_sample sample;
        SynthTruth tr;

        *res = (RunResult){ .forward_at = -1, .calibrated_at = -1 };

        synth_options_init(&o);
        o.rate_hz = c->rate_hz;
        o.seed = c->seed;
        o.errors = c->errors;
        o.jitter = c->jitter;
        ASSERT_EQ(synth_mount_lookup(c->mount, c->seed, o.q_sp), 0);
        ASSERT_EQ(synth_new(s, &o, &g), 0);
        e = engine_for(c, g);

        /* The scenario starts with still neutral standing: calibrate from the first sample. */
        res->calibrate_r = psoas_engine_calibrate(e);

        double gap_end = c->gap_start_s + c->gap_s;
        while (synth_next(g, &sample, &tr) > 0) {
                if (c->gap_s > 0 && tr.t_s >= c->gap_start_s && tr.t_s < gap_end)
                        continue;
                if (c->no_gyro) {
                        sample.has_gyro = false;
                        memset(sample.gyro, 0, sizeof(sample.gyro));
                }

                int r = psoas_engine_feed(e, &sample);
                if (r != 0) {
                        if (res->feed_errors++ == 0) {
                                res->first_feed_error = r;
                                res->first_feed_error_at = tr.t_s;
                        }
                        continue;
                }
                res->fed++;
                drain_events(e, &tr, res);

                const struct psoas_state *st = PSOAS_ENGINE_STATE(e);
                if (st->forward_known && res->forward_at < 0)
                        res->forward_at = tr.t_s;
                if (tr.type == SYNTH_SIT)
                        res->first_sit_seen = true;
                else if (res->first_sit_seen && !res->first_sit_done) {
                        res->first_sit_done = true;
                        res->forward_by_first_sit_end = st->forward_known;
                }
                if (c->gap_s > 0 && tr.t_s >= gap_end && tr.t_s < gap_end + SETTLE_S) {
                        res->calibrated_after_gap = st->calibrated;
                        continue;
                }
                if (!st->calibrated)
                        continue;

                if (posture_checked(&tr))
                        posture_score(res, &tr, st->posture);
                else
                        res->in_wrong = false;

                if (tilt_checked(&tr)) {
                        res->tilt_eligible++;
                        if (st->forward_known) {
                                double err = st->tilt_deg - tr.tilt_deg;
                                res->tilt_sum_sq += err * err;
                                res->tilt_n++;
                                res->tilt_type_sum_sq[tr.type] += err * err;
                                res->tilt_type_n[tr.type]++;
                                if (fabs(err) > res->tilt_max) {
                                        res->tilt_max = fabs(err);
                                        res->tilt_max_at = tr.t_s;
                                }
                        }
                }
        }

        struct psoas_calibration cal;
        if (psoas_engine_get_calibration(e, PSOAS_SIZED(&cal)) == 0) {
                double up[3], cal_up[3] = { cal.up[0], cal.up[1], cal.up[2] };
                synth_up(g, up);
                res->cal_up_err_deg = vec_angle_deg(up, cal_up);
        } else
                res->cal_up_err_deg = NAN;
        res->events_dropped = PSOAS_ENGINE_STATE(e)->events_dropped;

        psoas_engine_free(e);
        synth_free(g);
        synth_scenario_free(s);
}

static double run_tilt_rms(const RunResult *r) {
        return r->tilt_n > 0 ? sqrt(r->tilt_sum_sq / r->tilt_n) : NAN;
}

static void run_print(const RunConfig *c, const RunResult *r) {
        fprintf(stderr,
                "  %-10s %-8s %6.1f Hz seed %-3" PRIu64
                " %-16s%s%s%s: tilt RMS %.3f° max %.2f° (t=%.1f s) over "
                "%zu/%zu samples; posture wrong %zu/%zu; calibrated %s at %.2f s (up off by %.2f°); forward "
                "known at %.1f s\n",
                c->label ? c->label : "", c->scenario ? c->scenario : "custom", c->rate_hz, c->seed,
                c->mount, c->no_gyro ? " no-gyro" : "", c->use_gyro_off ? " use_gyro=false" : "",
                c->forward_known ? " forward-known" : "", run_tilt_rms(r), r->tilt_max, r->tilt_max_at,
                r->tilt_n, r->tilt_eligible, r->posture_wrong, r->posture_n, r->calibrated ? "yes" : "NO",
                r->calibrated_at, r->cal_up_err_deg, r->forward_at);
        for (size_t i = 0; i < r->n_intervals; i++)
                fprintf(stderr, "      wrong posture %.2f..%.2f s in %s: %s, want %s\n", r->wrong[i].start,
                        r->wrong[i].end, synth_segment_type_to_string(r->wrong[i].type),
                        posture_name(r->wrong[i].got), posture_name(r->wrong[i].want));
        if (r->feed_errors > 0)
                fprintf(stderr, "      %zu samples refused, the first at %.3f s with %s\n", r->feed_errors,
                        r->first_feed_error_at, strerror(-r->first_feed_error));
}

/* Checks; each prints why it failed and returns false. */
static bool check_calibration(const RunResult *r) {
        bool ok = true;
        if (r->calibrate_r != 0) {
                fprintf(stderr, "      FAIL: psoas_engine_calibrate() returned %d\n", r->calibrate_r);
                ok = false;
        }
        if (!r->calibrated || r->calibration_failed) {
                fprintf(stderr, "      FAIL: calibration did not succeed (failed with reason %d)\n",
                        r->calibration_failed - 1);
                ok = false;
        }
        if (r->feed_errors > 0) {
                fprintf(stderr, "      FAIL: good samples refused\n");
                ok = false;
        }
        return ok;
}

static bool check_tilt(const RunResult *r, bool learned) {
        bool ok = check_calibration(r);
        if (learned && !r->forward_by_first_sit_end) {
                fprintf(stderr,
                        "      FAIL: the forward direction was not learned by the end of the first sit\n");
                ok = false;
        }
        if (r->tilt_n < r->tilt_eligible / 2 || r->tilt_n == 0) {
                fprintf(stderr, "      FAIL: tilt scored on only %zu of %zu samples (forward unknown)\n",
                        r->tilt_n, r->tilt_eligible);
                ok = false;
        }
        if (!(run_tilt_rms(r) <= TILT_RMS_MAX_DEG)) {
                fprintf(stderr, "      FAIL: tilt RMS %.3f° > %.1f°\n", run_tilt_rms(r), TILT_RMS_MAX_DEG);
                ok = false;
        }
        return ok;
}

static bool check_posture(const RunResult *r) {
        bool ok = check_calibration(r);
        if (r->posture_n == 0 || r->posture_wrong > 0) {
                fprintf(stderr, "      FAIL: posture wrong on %zu of %zu samples\n", r->posture_wrong,
                        r->posture_n);
                ok = false;
        }
        return ok;
}

enum {
        CHECK_CALIBRATION = 1 << 0,
        CHECK_TILT = 1 << 1,
        CHECK_TILT_LEARNED = 1 << 2,
        CHECK_POSTURE = 1 << 3,
};

static bool run_and_check(const RunConfig *c, unsigned checks) {
        RunResult r;
        bool ok = true;

        run(c, &r);
        run_print(c, &r);
        if (checks & CHECK_CALIBRATION)
                ok = check_calibration(&r) && ok;
        if (checks & (CHECK_TILT | CHECK_TILT_LEARNED))
                ok = check_tilt(&r, checks & CHECK_TILT_LEARNED) && ok;
        if (checks & CHECK_POSTURE)
                ok = check_posture(&r) && ok;
        return ok;
}

/* The standard matrix: 50, 100 and 200 Hz, two seeded random mountings each (seeds also pick the motion and
 * the sensor errors), and two named mountings. */
static const struct {
        double rate_hz;
        uint64_t seed;
        const char *mount;
        /* Without a gyroscope the engine is known to miss this run's target: those runs are in
         * engine_known_miss (an expected failure in meson), not in the matrix, so the matrix guards everything
         * else and a fix shows up as a pass. (With the gyroscope it has been met since the posture review.) */
        bool known_miss_accel_only;
} matrix[] = {
        { 50, 11, "random", true },
        { 50, 12, "random" },
        { 100, 13, "random" },
        { 100, 14, "random" },
        { 200, 15, "random" },
        { 200, 16, "random" },
        { 100, 17, "sacrum-flat" },
        { 100, 18, "belt-front-x-up" },
};

static void run_matrix(const RunConfig *base, unsigned checks) {
        bool ok = true;
        for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
                if (matrix[i].known_miss_accel_only && (base->no_gyro || base->use_gyro_off))
                        continue;
                RunConfig c = *base;
                c.rate_hz = matrix[i].rate_hz;
                c.seed = matrix[i].seed;
                c.mount = matrix[i].mount;
                ok = run_and_check(&c, checks) && ok;
        }
        if (!ok)
                TEST_FAIL("some runs missed the target (see above)");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Generator self-checks */

TEST(synth_rest_accel) {
        SynthScenario *s = scenario_named("test", 1);

        for (uint64_t seed = 1; seed <= 20; seed++) {
                /* Error-free: |a| = g at rest, pointing along the body's up. */
                Synth *g = synth_make(s, 100, seed, "random", 0);
                struct psoas_sample smp;
                SynthTruth tr;
                double up[3], worst_mag = 0, worst_dir = 0;

                synth_up(g, up);
                while (synth_next(g, &smp, &tr) > 0 && tr.t_s < 10.0) {
                        double a[3] = { smp.accel[0], smp.accel[1], smp.accel[2] };
                        worst_mag = fmax(worst_mag, fabs(vec_norm(a) - SYNTH_GRAVITY));
                        worst_dir = fmax(worst_dir, vec_angle_deg(a, up));
                }
                ASSERT_LE(worst_mag, 0.03); /* postural sway accelerates by at most 0.02 m/s² */
                ASSERT_LE(worst_dir, 1.0); /* sway of a few tenths of a degree */
                synth_free(g);

                /* With errors: the mean over 5 s is (1 + scale)·f + offset, up to noise, and |a| is
                 * g ± offset ± scale. */
                SynthErrors err;
                double sum[3] = {}, sum_true[3] = {};
                size_t n = 0;
                g = synth_make(s, 100, seed, "random", SYNTH_ERR_ALL);
                synth_get_errors(g, &err);
                ASSERT_LE(vec_norm(err.accel_offset), 0.05 * SYNTH_GRAVITY + 1e-9);
                for (size_t i = 0; i < 3; i++) {
                        ASSERT_LE(fabs(err.accel_scale[i]), 0.03 + 1e-12);
                        ASSERT_LE(fabs(err.gyro_bias[i]), 3.0 * DEG + 1e-12);
                }
                while (synth_next(g, &smp, &tr) > 0 && tr.t_s < 5.0) {
                        for (size_t i = 0; i < 3; i++) {
                                sum[i] += smp.accel[i];
                                sum_true[i] += tr.accel[i];
                        }
                        n++;
                }
                double mean[3], expect[3];
                for (size_t i = 0; i < 3; i++) {
                        mean[i] = sum[i] / n;
                        expect[i] = (1.0 + err.accel_scale[i]) * sum_true[i] / n + err.accel_offset[i];
                        ASSERT_NEAR(mean[i], expect[i], 0.01); /* 0.02 / sqrt(500) ≈ 0.001 */
                }
                ASSERT_LE(fabs(vec_norm(mean) - SYNTH_GRAVITY),
                        vec_norm(err.accel_offset) + 0.03 * SYNTH_GRAVITY);
                synth_free(g);
        }
        synth_scenario_free(s);
}

/* Integrate the gyro (error-free, as the samples carry it) and compare with the true orientation. */
static double gyro_integration_error(const SynthScenario *s, double rate_hz, uint64_t seed) {
        Synth *g = synth_make(s, rate_hz, seed, "random", 0);
        struct psoas_sample smp;
        SynthTruth tr;
        double q[4], w_prev[3], t_prev = 0, worst = 0;
        bool first = true;

        while (synth_next(g, &smp, &tr) > 0) {
                double w[3] = { smp.gyro[0], smp.gyro[1], smp.gyro[2] };
                if (first) {
                        memcpy(q, tr.q_se, sizeof(q));
                        first = false;
                } else {
                        /* trapezoidal rate over the step, rotation vector to quaternion */
                        double dt = tr.t_s - t_prev, v[3], dq[4];
                        for (size_t i = 0; i < 3; i++)
                                v[i] = 0.5 * (w[i] + w_prev[i]) * dt;
                        double a = vec_norm(v);
                        dq[0] = cos(0.5 * a);
                        for (size_t i = 0; i < 3; i++)
                                dq[i + 1] = a > 0 ? sin(0.5 * a) * v[i] / a : 0.0;
                        quat_mul(q, dq, q);
                        double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
                        for (size_t i = 0; i < 4; i++)
                                q[i] /= n;
                }
                worst = fmax(worst, quat_angle_deg(q, tr.q_se));
                memcpy(w_prev, w, sizeof(w));
                t_prev = tr.t_s;
        }
        synth_free(g);
        return worst;
}

TEST(synth_gyro_integrates) {
        SynthScenario *s = scenario_named("test", 3);
        const struct { double rate_hz, max_deg; } cases[] = { { 1000, 0.1 }, { 200, 0.5 }, { 100, 2.0 } };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                for (uint64_t seed = 1; seed <= 2; seed++) {
                        double e = gyro_integration_error(s, cases[i].rate_hz, seed);
                        fprintf(stderr,
                                "  %6.1f Hz seed %" PRIu64
                                ": integrated gyro within %.4f° of the truth over %.0f s\n",
                                cases[i].rate_hz, seed, e, synth_scenario_duration(s));
                        ASSERT_LE(e, cases[i].max_deg);
                }
        synth_scenario_free(s);
}

TEST(synth_truth_tilt) {
        SynthScenario *s = scenario_named("test", 5);

        for (uint64_t seed = 1; seed <= 5; seed++) {
                Synth *g = synth_make(s, 100, seed, "random", 0);
                struct psoas_sample smp;
                SynthTruth tr;
                double fwd[3], up[3], worst_q = 0, worst_acc = 0;
                size_t n_sit = 0, n_still = 0;

                synth_forward(g, fwd);
                synth_up(g, up);
                while (synth_next(g, &smp, &tr) > 0) {
                        /* tilt is the depression of the forward axis: sin(tilt) = -(R_se·forward)_z */
                        double f_e[3];
                        quat_rotate(tr.q_se, fwd, f_e);
                        worst_q = fmax(worst_q, fabs(-f_e[2] - sin(tr.tilt_deg * DEG)));
                        ASSERT_NEAR(tr.tilt_deg, tr.pitch_deg, 1e-12);

                        /* still: the error-free accelerometer gives it in the sagittal plane */
                        if (tr.still_or_slow && tr.posture != PSOAS_POSTURE_LYING) {
                                double a[3] = { smp.accel[0], smp.accel[1], smp.accel[2] };
                                double t = atan2(-vec_dot(a, fwd), vec_dot(a, up)) / DEG;
                                worst_acc = fmax(worst_acc, fabs(t - tr.tilt_deg));
                                n_still++;
                        }

                        /* postures */
                        if (tr.type == SYNTH_SIT) {
                                ASSERT_TRUE(tr.tilt_deg <= -8.0 && tr.tilt_deg >= -42.0);
                                n_sit++;
                        }
                        if (tr.type == SYNTH_STAND && tr.segment == 0)
                                ASSERT_LE(fabs(tr.tilt_deg), 1.0);
                        if (tr.type == SYNTH_STAND_TILTED && tr.segment_t_s > 4.0)
                                ASSERT_NEAR(tr.tilt_deg, 12.0, 1.0);
                        if (tr.type == SYNTH_LIE && tr.segment_t_s > 1.0)
                                ASSERT_TRUE(fabs(tr.tilt_deg + 90.0) < 8.0 ||
                                        fabs(fabs(tr.roll_deg) - 90.0) < 8.0);
                        if (tr.type == SYNTH_WALK || tr.transition)
                                ASSERT_TRUE(!tr.still_or_slow);
                        if (tr.still_or_slow)
                                ASSERT_TRUE(tr.rate_dps < 20.0);
                        ASSERT_EQ(tr.transition, tr.posture == PSOAS_POSTURE_UNKNOWN);
                }
                fprintf(stderr,
                        "  seed %" PRIu64 ": sin(tilt) vs quaternion %.2g, vs error-free accel when still "
                        "%.3f° (%zu samples)\n",
                        seed, worst_q, worst_acc, n_still);
                ASSERT_LE(worst_q, 1e-9);
                ASSERT_LE(worst_acc, 0.3);
                ASSERT_TRUE(n_sit > 0);
                synth_free(g);
        }
        synth_scenario_free(s);
}

static bool sample_equal(const struct psoas_sample *a, const struct psoas_sample *b) {
        return a->t_us == b->t_us && a->has_gyro == b->has_gyro &&
                memcmp(a->accel, b->accel, sizeof(a->accel)) == 0 &&
                memcmp(a->gyro, b->gyro, sizeof(a->gyro)) == 0;
}

static bool truth_motion_equal(const SynthTruth *a, const SynthTruth *b) {
        return a->t_s == b->t_s && a->segment == b->segment && a->posture == b->posture &&
                a->tilt_deg == b->tilt_deg && memcmp(a->q_se, b->q_se, sizeof(a->q_se)) == 0 &&
                memcmp(a->accel, b->accel, sizeof(a->accel)) == 0 &&
                memcmp(a->gyro, b->gyro, sizeof(a->gyro)) == 0 && a->still_or_slow == b->still_or_slow &&
                a->settled_s == b->settled_s;
}

TEST(synth_deterministic) {
        SynthScenario *s = scenario_named("test", 7);
        Synth *a = synth_make(s, 100, 9, "random", SYNTH_ERR_ALL);
        Synth *b = synth_make(s, 100, 9, "random", SYNTH_ERR_ALL);
        Synth *c = synth_make(s, 100, 10, "random", SYNTH_ERR_ALL);
        Synth *ideal = synth_make(s, 100, 9, "random", 0);
        Synth *fast = synth_make(s, 200, 9, "random", SYNTH_ERR_ALL);
        struct psoas_sample sa, sb, sc, si, sf;
        SynthTruth ta, tb, tc, ti, tf;
        size_t n = 0, differ = 0;

        /* Same seed, same samples; another seed, other samples; the motion does not depend on the errors or
         * the rate. */
        while (synth_next(a, &sa, &ta) > 0) {
                ASSERT_EQ(synth_next(b, &sb, &tb), 1);
                ASSERT_EQ(synth_next(c, &sc, &tc), 1);
                ASSERT_EQ(synth_next(ideal, &si, &ti), 1);
                ASSERT_EQ(synth_next(fast, &sf, &tf), 1);
                ASSERT_TRUE(sample_equal(&sa, &sb));
                ASSERT_TRUE(truth_motion_equal(&ta, &tb));
                ASSERT_TRUE(truth_motion_equal(&ta, &ti));
                (void)synth_next(fast, &sf, &tf); /* the 200 Hz stream may have one sample less than 2n */
                if (!sample_equal(&sa, &sc))
                        differ++;
                n++;
        }
        ASSERT_EQ(synth_next(b, &sb, &tb), 0);
        ASSERT_TRUE(differ > n * 9 / 10);

        /* Rewinding gives the same samples again; so does the 200 Hz stream at every other sample. */
        synth_rewind(a);
        synth_rewind(fast);
        while (synth_next(a, &sa, &ta) > 0) {
                ASSERT_EQ(synth_next(fast, &sf, &tf), 1);
                ASSERT_EQ(sf.t_us, sa.t_us);
                ASSERT_TRUE(memcmp(tf.q_se, ta.q_se, sizeof(ta.q_se)) == 0);
                ASSERT_TRUE(tf.tilt_deg == ta.tilt_deg);
                (void)synth_next(fast, &sf, &tf);
        }
        synth_rewind(a);
        synth_rewind(b);
        while (synth_next(a, &sa, &ta) > 0) {
                ASSERT_EQ(synth_next(b, &sb, &tb), 1);
                ASSERT_TRUE(sample_equal(&sa, &sb));
        }

        /* Named scenarios are the same for a seed, and differ between seeds. */
        SynthScenario *d1 = scenario_named("day", 1), *d2 = scenario_named("day", 1),
                      *d3 = scenario_named("day", 2);
        ASSERT_EQ(synth_scenario_n_segments(d1), synth_scenario_n_segments(d2));
        for (size_t i = 0; i < synth_scenario_n_segments(d1); i++)
                ASSERT_TRUE(memcmp(synth_scenario_segment(d1, i), synth_scenario_segment(d2, i),
                                    sizeof(SynthSegment)) == 0);
        bool same = synth_scenario_n_segments(d1) == synth_scenario_n_segments(d3);
        for (size_t i = 0; same && i < synth_scenario_n_segments(d1); i++)
                same = synth_scenario_segment(d1, i)->duration_s ==
                        synth_scenario_segment(d3, i)->duration_s;
        ASSERT_TRUE(!same);

        synth_scenario_free(d1);
        synth_scenario_free(d2);
        synth_scenario_free(d3);
        synth_free(a);
        synth_free(b);
        synth_free(c);
        synth_free(ideal);
        synth_free(fast);
        synth_scenario_free(s);
}

TEST(synth_mounts) {
        SynthScenario *s = scenario_named("test", 1);
        double q[4];

        for (size_t i = 0; synth_mount_names[i]; i++) {
                ASSERT_EQ(synth_mount_lookup(synth_mount_names[i], 1, q), 0);
                ASSERT_NEAR(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3], 1.0, 1e-12);

                /* at neutral standing, error-free, the accelerometer reads g along the body's up */
                Synth *g = synth_make(s, 100, 1, synth_mount_names[i], 0);
                struct psoas_sample smp;
                double up[3], fwd[3];
                synth_up(g, up);
                synth_forward(g, fwd);
                ASSERT_NEAR(vec_norm(up), 1.0, 1e-12);
                ASSERT_NEAR(vec_norm(fwd), 1.0, 1e-12);
                ASSERT_NEAR(vec_dot(up, fwd), 0.0, 1e-12);
                ASSERT_EQ(synth_next(g, &smp, NULL), 1);
                for (size_t k = 0; k < 3; k++)
                        ASSERT_NEAR(smp.accel[k], SYNTH_GRAVITY * up[k], 0.05);
                synth_free(g);
        }

        /* belt-front-x-up: x up, z forward */
        Synth *g = synth_make(s, 100, 1, "belt-front-x-up", 0);
        double up[3], fwd[3];
        synth_up(g, up);
        synth_forward(g, fwd);
        ASSERT_NEAR(up[0], 1.0, 1e-12);
        ASSERT_NEAR(fwd[2], 1.0, 1e-12);
        synth_free(g);

        /* random: different per seed, deterministic for one */
        double q1[4], q2[4], q3[4];
        ASSERT_EQ(synth_mount_lookup("random", 1, q1), 0);
        ASSERT_EQ(synth_mount_lookup("random", 1, q2), 0);
        ASSERT_EQ(synth_mount_lookup("random", 2, q3), 0);
        ASSERT_TRUE(memcmp(q1, q2, sizeof(q1)) == 0);
        ASSERT_TRUE(quat_angle_deg(q1, q3) > 1.0);
        ASSERT_EQ(synth_mount_lookup("nonsense", 1, q1), -ENOENT);
        synth_scenario_free(s);
}

/* Goertzel power of x at frequency f. */
static double tone_power(const double *x, size_t n, double rate_hz, double f) {
        double w = 2.0 * M_PI * f / rate_hz, c = 2.0 * cos(w), s1 = 0, s2 = 0;
        for (size_t i = 0; i < n; i++) {
                double s0 = x[i] + c * s1 - s2;
                s2 = s1;
                s1 = s0;
        }
        return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static double dominant_frequency(const double *x, size_t n, double rate_hz, double lo, double hi) {
        double best = 0, best_f = 0;
        for (double f = lo; f <= hi; f += 0.01) {
                double p = tone_power(x, n, rate_hz, f);
                if (p > best) {
                        best = p;
                        best_f = f;
                }
        }
        return best_f;
}

/* What one segment did, integrated from the error-free truth. */
typedef struct SegmentMotion {
        double v[3], z; /* velocity and height change, integrating the linear acceleration from rest */
        double speed_sum; /* walking: horizontal speed summed over the samples in full stride */
        double max_pitch, peak_az, peak_rate, end_tilt;
        size_t n; /* samples in full stride */
        double az[1 << 16], roll[1 << 16], pitch[1 << 16];
} SegmentMotion;

static void segment_motion_check(
        uint64_t seed, const SynthSegment *sg, const SegmentMotion *m, double rate) {
        double speed = sqrt(m->v[0] * m->v[0] + m->v[1] * m->v[1]);

        if (sg->type == SYNTH_WALK) {
                double f_step = dominant_frequency(m->az, m->n, rate, 1.0, 3.0);
                double f_roll = dominant_frequency(m->roll, m->n, rate, 0.5, 1.5);
                double f_pitch = dominant_frequency(m->pitch, m->n, rate, 1.0, 3.0);
                double mean_speed = m->speed_sum / m->n;

                fprintf(stderr,
                        "  seed %" PRIu64 " walk: mean speed %.2f m/s, final %.3f m/s, step %.2f Hz (pitch "
                        "%.2f Hz), roll %.2f Hz, peak vertical %.1f m/s², peak rate %.0f °/s\n",
                        seed, mean_speed, speed, f_step, f_pitch, f_roll, m->peak_az, m->peak_rate);
                ASSERT_TRUE(mean_speed >= 1.2 && mean_speed <= 1.4);
                ASSERT_LE(speed, 0.05);
                ASSERT_TRUE(f_step >= 1.58 && f_step <= 2.02);
                ASSERT_NEAR(f_pitch, f_step, 0.03);
                ASSERT_NEAR(f_roll, f_step / 2, 0.03);
                ASSERT_TRUE(m->peak_az >= 3.0 && m->peak_az <= 10.0);
        }

        if (sg->type == SYNTH_SIT_DOWN || sg->type == SYNTH_STAND_UP) {
                fprintf(stderr,
                        "  seed %" PRIu64 " %s: %.2f s, height %+.3f m, lean %.1f°, ends at %.1f°, final "
                        "speed %.3f m/s\n",
                        seed, synth_segment_type_to_string(sg->type), sg->duration_s, m->z, m->max_pitch,
                        m->end_tilt, fabs(m->v[2]));
                ASSERT_TRUE(sg->duration_s >= 1.5 && sg->duration_s <= 2.5);
                ASSERT_TRUE(fabs(m->z) >= 0.39 && fabs(m->z) <= 0.51);
                ASSERT_TRUE((m->z < 0) == (sg->type == SYNTH_SIT_DOWN));
                ASSERT_TRUE(m->max_pitch >= 9.9 && m->max_pitch <= 15.1);
                ASSERT_LE(fabs(m->v[2]), 0.02);
                ASSERT_LE(speed, 0.02);
                if (sg->type == SYNTH_SIT_DOWN)
                        ASSERT_TRUE(m->end_tilt <= -14.9 && m->end_tilt >= -35.1);
                else
                        ASSERT_NEAR(m->end_tilt, 0.0, 0.01);
        }
}

/* Walking, sitting down and standing up move as specified: integrate the linear acceleration, and look at the
 * frequencies. */
TEST(synth_motion) {
        const double rate = 100;
        SynthScenario *s = scenario_named("test", 2);
        static SegmentMotion m;

        for (uint64_t seed = 1; seed <= 4; seed++) {
                Synth *g = synth_make(s, rate, seed, "random", 0);
                SynthTruth tr;
                size_t seg = SIZE_MAX;
                int more;

                do {
                        more = synth_next(g, NULL, &tr);
                        if (!more || tr.segment != seg) {
                                if (seg != SIZE_MAX)
                                        segment_motion_check(seed, synth_scenario_segment(s, seg), &m, rate);
                                memset(&m, 0, sizeof(m));
                                m.max_pitch = -1e9;
                                seg = tr.segment;
                                if (!more)
                                        break;
                        }
                        for (size_t i = 0; i < 3; i++)
                                m.v[i] += tr.lin_accel[i] / rate;
                        m.z += m.v[2] / rate;
                        m.max_pitch = fmax(m.max_pitch, tr.tilt_deg);
                        m.peak_rate = fmax(m.peak_rate, tr.rate_dps);
                        m.end_tilt = tr.tilt_deg;
                        if (tr.type == SYNTH_WALK && tr.segment_t_s > 2.0 && tr.segment_left_s > 1.5 &&
                                m.n < sizeof(m.az) / sizeof(m.az[0])) {
                                m.az[m.n] = tr.lin_accel[2];
                                m.roll[m.n] = tr.roll_deg;
                                m.pitch[m.n] = tr.pitch_deg;
                                m.peak_az = fmax(m.peak_az, fabs(tr.lin_accel[2]));
                                m.speed_sum += sqrt(m.v[0] * m.v[0] + m.v[1] * m.v[1]);
                                m.n++;
                        }
                } while (more);
                synth_free(g);
        }
        synth_scenario_free(s);
}

TEST(synth_timestamps) {
        SynthScenario *s = scenario_named("test", 1);
        const double rates[] = { 12.5, 25, 50, 100, 200, 400, 1000 };

        for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
                for (int jitter = 0; jitter <= 1; jitter++) {
                        SynthOptions o;
                        Synth *g;
                        struct psoas_sample smp;
                        int64_t prev = 0;
                        size_t k = 0;
                        double period_us = 1e6 / rates[i];

                        synth_options_init(&o);
                        o.rate_hz = rates[i];
                        o.start_us = 1000000000;
                        o.jitter = jitter ? 0.1 : 0;
                        ASSERT_EQ(synth_new(s, &o, &g), 0);
                        ASSERT_EQ(synth_n_samples(g),
                                (size_t)ceil(synth_scenario_duration(s) * rates[i] - 1e-6));
                        while (synth_next(g, &smp, NULL) > 0) {
                                double nominal = o.start_us + k * period_us;
                                if (jitter) {
                                        ASSERT_LE(fabs(smp.t_us - nominal), 0.1 * period_us + 1);
                                        if (k > 0)
                                                ASSERT_TRUE(smp.t_us > prev);
                                } else
                                        ASSERT_EQ(smp.t_us, llround(nominal));
                                prev = smp.t_us;
                                k++;
                        }
                        ASSERT_EQ(k, synth_n_samples(g));
                        synth_free(g);
                }
        synth_scenario_free(s);

        /* The named scenarios: start with >= 10 s of still neutral standing; the day is exactly 24 h. */
        for (size_t i = 0; synth_scenario_names[i]; i++) {
                s = scenario_named(synth_scenario_names[i], 3);
                const SynthSegment *first = synth_scenario_segment(s, 0);
                ASSERT_EQ(first->type, SYNTH_STAND);
                ASSERT_TRUE(first->param == 0 && first->duration_s >= 10.0);
                fprintf(stderr, "  %s: %zu segments, %.1f s\n", synth_scenario_names[i],
                        synth_scenario_n_segments(s), synth_scenario_duration(s));
                if (strcmp(synth_scenario_names[i], "day") == 0) {
                        SynthOptions o;
                        Synth *g;
                        ASSERT_TRUE(synth_scenario_duration(s) == 86400.0);
                        synth_options_init(&o);
                        ASSERT_EQ(synth_new(s, &o, &g), 0);
                        ASSERT_EQ(synth_n_samples(g), 8640000);
                        synth_free(g);
                }
                if (strcmp(synth_scenario_names[i], "morning") == 0)
                        ASSERT_TRUE(synth_scenario_duration(s) > 100 * 60 &&
                                synth_scenario_duration(s) < 140 * 60);
                synth_scenario_free(s);
        }
}

TEST(synth_speed) {
        SynthScenario *s = scenario_named("day", 1);
        Synth *g = synth_make(s, 100, 1, "random", SYNTH_ERR_ALL);
        struct psoas_sample smp;
        SynthTruth tr;
        double t0 = cpu_seconds(), sum = 0;
        size_t n = 0;

        while (synth_next(g, &smp, &tr) > 0) {
                sum += smp.accel[2];
                n++;
        }
        double dt = cpu_seconds() - t0;
        fprintf(stderr, "  24 h at 100 Hz: %zu samples with truth in %.2f s of CPU (%.1f M samples/s)\n", n,
                dt, n / dt / 1e6);
        ASSERT_EQ(n, 8640000);
        ASSERT_TRUE(isfinite(sum));
        /* A guard against the generator becoming unusably slow, not a benchmark. AddressSanitizer makes it about
         * 5.5× slower (5.9 s against 32.9 s measured): one bound for both left the plain build 5× of slack and the
         * ASan build none. */
#if defined(__SANITIZE_ADDRESS__)
        ASSERT_LE(dt, 60.0);
#else
        ASSERT_LE(dt, 15.0);
#endif
        synth_free(g);
        synth_scenario_free(s);
}

/* A reference accelerometer-only estimator that knows the true forward direction: the calibrated up from the
 * mean of the first 3 s, tilt = atan2(-a·forward, a·up) of the low-passed accelerometer. Scored like the
 * engine, it shows what the sensor errors alone cost, i.e. that the engine's target is reachable. */
static double reference_tilt_rms(const char *scenario, double rate_hz, uint64_t seed, const char *mount) {
        SynthScenario *s = scenario_named(scenario, seed);
        Synth *g = synth_make(s, rate_hz, seed, mount, SYNTH_ERR_ALL);
        struct psoas_sample smp;
        SynthTruth tr;
        double cal[3] = {}, lp[3] = {}, up[3], fwd[3], sum_sq = 0, alpha = 1.0 - exp(-1.0 / (rate_hz * 0.3));
        size_t n_cal = 0, n = 0;

        synth_forward(g, fwd);
        while (synth_next(g, &smp, &tr) > 0) {
                for (size_t i = 0; i < 3; i++)
                        lp[i] += alpha * (smp.accel[i] - lp[i]);
                if (tr.t_s < 3.0) {
                        for (size_t i = 0; i < 3; i++) {
                                cal[i] += smp.accel[i];
                                lp[i] = cal[i] / (n_cal + 1);
                        }
                        n_cal++;
                        continue;
                }
                if (n_cal > 0) {
                        /* up = the calibration mean; forward made perpendicular to it */
                        double nu = vec_norm(cal);
                        for (size_t i = 0; i < 3; i++)
                                up[i] = cal[i] / nu;
                        double d = vec_dot(fwd, up);
                        for (size_t i = 0; i < 3; i++)
                                fwd[i] -= d * up[i];
                        double nf = vec_norm(fwd);
                        for (size_t i = 0; i < 3; i++)
                                fwd[i] /= nf;
                        n_cal = 0;
                }
                if (!tilt_checked(&tr))
                        continue;
                double t = atan2(-vec_dot(lp, fwd), vec_dot(lp, up)) / DEG;
                sum_sq += (t - tr.tilt_deg) * (t - tr.tilt_deg);
                n++;
        }
        synth_free(g);
        synth_scenario_free(s);
        return sqrt(sum_sq / n);
}

TEST(synth_reference_tilt) {
        /* every scenario, rate and seed the engine tests use */
        const struct {
                const char *scenario;
                double rate_hz;
                uint64_t seed;
                const char *mount;
        } extra[] = {
                { "test", 12.5, 21, "random" },
                { "test", 12.5, 22, "random" },
                { "test", 12.5, 23, "random" },
                { "test", 1000, 24, "random" },
                { "test", 1000, 25, "random" },
                { "test", 100, 51, "random" },
                { "morning", 100, 31, "random" },
                { "morning", 50, 32, "random" },
        };
        size_t n_matrix = sizeof(matrix) / sizeof(matrix[0]), n_extra = sizeof(extra) / sizeof(extra[0]);
        double worst = 0;

        for (size_t i = 0; i < n_matrix + n_extra; i++) {
                const char *scenario = i < n_matrix ? "test" : extra[i - n_matrix].scenario;
                double rate_hz = i < n_matrix ? matrix[i].rate_hz : extra[i - n_matrix].rate_hz;
                uint64_t seed = i < n_matrix ? matrix[i].seed : extra[i - n_matrix].seed;
                const char *mount = i < n_matrix ? matrix[i].mount : extra[i - n_matrix].mount;
                double rms = reference_tilt_rms(scenario, rate_hz, seed, mount);

                fprintf(stderr,
                        "  %-8s %6.1f Hz seed %-3" PRIu64
                        " %-16s: reference accelerometer-only tilt RMS %.3f°\n",
                        scenario, rate_hz, seed, mount, rms);
                worst = fmax(worst, rms);
        }
        /* The sensor errors leave room under the engine's 1.5°. The floor comes mostly from the accelerometer's
         * offset along the body's vertical, which calibration cannot see: 46 mg of it (seed 21) costs ~1.5° in
         * a 30° posterior sit. Over 500 seeds, 4 exceed 1.0° and none 1.5°. */
        ASSERT_LE(worst, 1.2);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Engine: calibration, tilt, posture */

TEST(engine_calibration) {
        RunConfig c = run_config("test", 100, 1);
        bool ok = true;

        for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
                RunResult r;
                c.rate_hz = matrix[i].rate_hz;
                c.seed = matrix[i].seed;
                c.mount = matrix[i].mount;
                run(&c, &r);
                run_print(&c, &r);
                ok = check_calibration(&r) && ok;
                /* within the 10 s of still standing the scenarios start with */
                if (!(r.calibrated_at >= 0 && r.calibrated_at <= 10.0)) {
                        fprintf(stderr, "      FAIL: calibrated at %.2f s, not within the first 10 s\n",
                                r.calibrated_at);
                        ok = false;
                }
                /* the body's up, up to what a 50 mg accelerometer offset hides (2.9°) */
                if (!(r.cal_up_err_deg <= 3.5)) {
                        fprintf(stderr, "      FAIL: calibrated up %.2f° from the truth\n",
                                r.cal_up_err_deg);
                        ok = false;
                }
        }
        if (!ok)
                TEST_FAIL("calibration failed in some runs (see above)");
}

TEST(engine_tilt_learned_forward) {
        RunConfig c = run_config("test", 100, 1);
        run_matrix(&c, CHECK_TILT_LEARNED);
}

TEST(engine_tilt_known_forward) {
        RunConfig c = run_config("test", 100, 1);
        c.forward_known = true;
        run_matrix(&c, CHECK_TILT);
}

TEST(engine_posture) {
        RunConfig c = run_config("test", 100, 1);
        run_matrix(&c, CHECK_POSTURE);
}

TEST(engine_accel_only) {
        RunConfig c = run_config("test", 100, 1);
        c.no_gyro = true;
        run_matrix(&c, CHECK_TILT_LEARNED | CHECK_POSTURE);
}

TEST(engine_use_gyro_off) {
        RunConfig c = run_config("test", 100, 1);
        c.use_gyro_off = true;
        run_matrix(&c, CHECK_TILT_LEARNED | CHECK_POSTURE);
}

TEST(engine_jitter) {
        RunConfig c = run_config("test", 100, 1);
        c.jitter = 0.1;
        run_matrix(&c, CHECK_TILT_LEARNED | CHECK_POSTURE);
}

TEST(engine_rate_12_5_hz) {
        bool ok = true;
        for (uint64_t seed = 21; seed <= 23; seed++) {
                RunConfig c = run_config("test", 12.5, seed);
                ok = run_and_check(&c, CHECK_TILT_LEARNED | CHECK_POSTURE) && ok;
                c.no_gyro = true;
                ok = run_and_check(&c, CHECK_TILT_LEARNED | CHECK_POSTURE) && ok;
        }
        if (!ok)
                TEST_FAIL("some runs missed the target (see above)");
}

TEST(engine_rate_1000_hz) {
        bool ok = true;
        for (uint64_t seed = 24; seed <= 25; seed++) {
                RunConfig c = run_config("test", 1000, seed);
                ok = run_and_check(&c, CHECK_TILT_LEARNED | CHECK_POSTURE) && ok;
        }
        if (!ok)
                TEST_FAIL("some runs missed the target (see above)");
}

TEST(engine_morning) {
        bool ok = true;
        RunConfig c = run_config("morning", 100, 31);
        ok = run_and_check(&c, CHECK_TILT_LEARNED | CHECK_POSTURE) && ok;
        c = run_config("morning", 50, 32);
        c.no_gyro = true;
        ok = run_and_check(&c, CHECK_TILT_LEARNED | CHECK_POSTURE) && ok;
        if (!ok)
                TEST_FAIL("some runs missed the target (see above)");
}

/* The runs the engine is known to miss (a shallow sit-down, 17° back from a stand 5° forward, at 50 Hz is not
 * recognised as sitting). Registered with should_fail: it passes the day the engine gets them right. */
TEST(engine_known_miss) {
        bool ok = true;
        for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
                if (!matrix[i].known_miss_accel_only)
                        continue;
                RunConfig c = run_config("test", matrix[i].rate_hz, matrix[i].seed);
                c.mount = matrix[i].mount;
                c.no_gyro = true;
                ok = run_and_check(&c, CHECK_TILT_LEARNED | CHECK_POSTURE) && ok;
        }
        if (!ok)
                TEST_FAIL("the known misses are still missed");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Engine: gyroscope bias */

static SynthScenario *scenario_bias(uint64_t seed) {
        SynthScenario *s = NULL;
        ASSERT_EQ(synth_scenario_new(seed, &s), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 75, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT_DOWN, 0, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_SIT, 90, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND_UP, 0, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 70, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_WALK, 60, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 70, 0), 0);
        return s;
}

TEST(engine_gyro_bias) {
        bool ok = true;

        for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
                RunConfig c = run_config(NULL, matrix[i].rate_hz, matrix[i].seed);
                c.build = scenario_bias;
                c.mount = matrix[i].mount;
                SynthScenario *s = scenario_bias(c.seed);
                Synth *g = synth_make(s, c.rate_hz, c.seed, c.mount, SYNTH_ERR_ALL);
                struct psoas_engine *e = engine_for(&c, g);
                struct psoas_sample smp;
                SynthTruth tr;
                RunResult res = {};
                double worst = 0;
                size_t checks = 0;

                ASSERT_EQ(psoas_engine_calibrate(e), 0);
                fprintf(stderr, "  %6.1f Hz seed %-3" PRIu64 " %-16s:", c.rate_hz, c.seed, c.mount);
                while (synth_next(g, &smp, &tr) > 0) {
                        ASSERT_EQ(psoas_engine_feed(e, &smp), 0);
                        drain_events(e, &tr, &res);
                        /* at the last sample of each still segment of a minute or more */
                        if (tr.transition || tr.type == SYNTH_WALK ||
                                tr.segment_left_s > 1.0 / c.rate_hz + 1e-9 || tr.segment_t_s < 60.0)
                                continue;
                        const struct psoas_state *st = PSOAS_ENGINE_STATE(e);
                        double err = 0;
                        for (size_t k = 0; k < 3; k++)
                                err = fmax(err, fabs(st->gyro_bias[k] - tr.gyro_error[k]));
                        fprintf(stderr, " %s@%.0fs %.3f°/s (true |b| %.2f°/s)",
                                synth_segment_type_to_string(tr.type), tr.t_s, err / DEG,
                                vec_norm(tr.gyro_error) / DEG);
                        worst = fmax(worst, err);
                        checks++;
                }
                fprintf(stderr, "\n");
                ASSERT_EQ(checks, 4);
                if (!res.calibrated || worst > 0.5 * DEG) {
                        fprintf(stderr, "      FAIL: %s, worst bias error %.3f°/s > 0.5°/s\n",
                                res.calibrated ? "calibrated" : "not calibrated", worst / DEG);
                        ok = false;
                }
                psoas_engine_free(e);
                synth_free(g);
                synth_scenario_free(s);
        }
        if (!ok)
                TEST_FAIL("the gyro bias estimate missed the target (see above)");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Engine: determinism and robustness */

#define DIFF(f)                                                                                             \
        do {                                                                                                \
                if (memcmp(&a->f, &b->f, sizeof(a->f)) != 0)                                                \
                        return #f;                                                                          \
        } while (0)

/* What an engine says of itself: its state and today's statistics. */
typedef struct EngineView {
        struct psoas_state state;
        struct psoas_day_stats today;
} EngineView;

static EngineView engine_view(const struct psoas_engine *e) {
        EngineView v = { .state.size = sizeof(v.state), .today.size = sizeof(v.today) };

        ASSERT_EQ(psoas_engine_get_state(e, &v.state), 0);
        ASSERT_EQ(psoas_engine_get_day_stats(e, &v.today), 0);
        return v;
}

/* The first field that differs bitwise, or NULL. */
static const char *state_diff(const EngineView *a, const EngineView *b, bool ignore_rejected) {
        DIFF(state.t_us);
        DIFF(state.posture);
        DIFF(state.confidence);
        DIFF(state.calibrated);
        DIFF(state.calibrating);
        DIFF(state.forward_known);
        DIFF(state.tilt_deg);
        DIFF(state.inclination_deg);
        DIFF(state.quat);
        DIFF(state.gyro_bias);
        DIFF(state.in_bout);
        if (a->state.in_bout)
                DIFF(state.bout_start_us);
        DIFF(state.has_last_break);
        if (a->state.has_last_break)
                DIFF(state.last_break_us);
        DIFF(state.snoozed_until_us);
        DIFF(state.inhibited);
        DIFF(today.day);
        DIFF(today.sitting_s);
        DIFF(today.standing_s);
        DIFF(today.walking_s);
        DIFF(today.lying_s);
        DIFF(today.unknown_s);
        DIFF(today.sitting_bouts);
        DIFF(today.longest_bout_s);
        DIFF(today.alerts);
        DIFF(today.breaks);
        DIFF(today.stretches_verified);
        DIFF(today.stretches_self_reported);
        DIFF(today.tilt_sum_deg_s);
        DIFF(today.tilt_s);
        DIFF(today.high_tilt_s);
        DIFF(today.tilt_hist_s);
        DIFF(state.samples_accepted);
        if (!ignore_rejected)
                DIFF(state.samples_rejected);
        DIFF(state.events_dropped);
        return NULL;
}

static const char *event_diff(const struct psoas_event *a, const struct psoas_event *b) {
        DIFF(type);
        DIFF(t_us);
        switch (a->type) {
        case PSOAS_EVENT_POSTURE_CHANGED:
                DIFF(posture.posture);
                DIFF(posture.previous);
                break;
        case PSOAS_EVENT_CALIBRATED:
                DIFF(calibrated.neutral_inclination_deg);
                break;
        case PSOAS_EVENT_CALIBRATION_FAILED:
                DIFF(calibration_failed.reason);
                break;
        case PSOAS_EVENT_BOUT_STARTED:
        case PSOAS_EVENT_BOUT_ENDED:
                DIFF(bout.start_us);
                DIFF(bout.duration_s);
                DIFF(bout.is_break);
                break;
        case PSOAS_EVENT_ALERT:
                DIFF(alert.kind);
                DIFF(alert.level);
                DIFF(alert.duration_s);
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                DIFF(prompt.stretch);
                DIFF(prompt.cause);
                break;
        case PSOAS_EVENT_STRETCH_DONE:
                DIFF(stretch.stretch);
                DIFF(stretch.result);
                break;
        case PSOAS_EVENT_DAY_CHANGED:
                DIFF(day.previous);
                DIFF(day.current);
                break;
        default:
                break;
        }
        return NULL;
}

#undef DIFF

/* Pops the events of a and b and compares them. */
static void events_compare(struct psoas_engine *a, struct psoas_engine *b, size_t sample, size_t *ret_n) {
        struct psoas_event ea, eb;
        for (;;) {
                int ra = psoas_engine_pop_event(a, PSOAS_SIZED(&ea)),
                    rb = psoas_engine_pop_event(b, PSOAS_SIZED(&eb));
                if (ra != rb)
                        TEST_FAIL("sample %zu: one engine has an event the other has not (%d vs %d)", sample,
                                ra, rb);
                if (ra <= 0)
                        return;
                const char *d = event_diff(&ea, &eb);
                if (d)
                        TEST_FAIL("sample %zu: event %s differs in %s", sample,
                                psoas_event_type_to_string(ea.type), d);
                (*ret_n)++;
        }
}

static struct psoas_sample *samples_make(
        const char *scenario, double rate_hz, uint64_t seed, bool gyro, size_t *ret_n, Synth **ret_g) {
        SynthScenario *s = scenario_named(scenario, seed);
        Synth *g = synth_make(s, rate_hz, seed, "random", SYNTH_ERR_ALL);
        size_t n = synth_n_samples(g), k = 0;
        struct psoas_sample *v = calloc(n, sizeof(*v));

        ASSERT_TRUE(v);
        while (k < n && synth_next(g, &v[k], NULL) > 0) {
                if (!gyro) {
                        v[k].has_gyro = false;
                        memset(v[k].gyro, 0, sizeof(v[k].gyro));
                }
                k++;
        }
        ASSERT_EQ(k, n);
        synth_scenario_free(s);
        *ret_n = n;
        *ret_g = g;
        return v;
}

TEST(engine_replay_invariance) {
        for (int gyro = 1; gyro >= 0; gyro--) {
                Synth *g;
                size_t n, n_events = 0;
                struct psoas_sample *v = samples_make("test", 100, 41, gyro, &n, &g);
                RunConfig c = run_config("test", 100, 41);
                struct psoas_engine *a = engine_for(&c, g), *b = NULL;
                struct psoas_config config;

                /* b lives in caller memory that starts out full of garbage, and is fed slowly, interleaved
                 * with reads; nothing about it may differ from a. */
                psoas_config_init(PSOAS_SIZED(&config));
                size_t size = (psoas_engine_size() + 15) & ~(size_t)15;
                void *mem = aligned_alloc(16, size);
                ASSERT_TRUE(mem);
                memset(mem, 0xa5, size);
                ASSERT_EQ(psoas_engine_init(mem, size, &config, &b), 0);
                ASSERT_EQ(psoas_engine_calibrate(a), 0);
                ASSERT_EQ(psoas_engine_calibrate(b), 0);

                for (size_t k = 0; k < n; k++) {
                        ASSERT_EQ(psoas_engine_feed(a, &v[k]), 0);
                        if (k % 4000 == 0) {
                                struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
                                nanosleep(&ts, NULL);
                                struct psoas_event ev;
                                (void)PSOAS_ENGINE_STATE(b);
                                if (k == 0)
                                        ASSERT_EQ(psoas_engine_pop_event(b, PSOAS_SIZED(&ev)), 0);
                        }
                        ASSERT_EQ(psoas_engine_feed(b, &v[k]), 0);
                        events_compare(a, b, k, &n_events);
                        EngineView view_a = engine_view(a), view_b = engine_view(b);
                        const char *d = state_diff(&view_a, &view_b, false);
                        if (d)
                                TEST_FAIL("sample %zu (t=%.3f s): %s differs between identical replays", k,
                                        v[k].t_us / 1e6, d);
                }
                fprintf(stderr, "  %s: %zu samples, %zu events, bit-identical\n",
                        gyro ? "accel+gyro" : "accel only", n, n_events);
                psoas_engine_free(a);
                free(mem); /* b lives in it: the caller's memory, not freed by the engine */
                free(v);
                synth_free(g);
        }
}

TEST(engine_rejects_bad_samples) {
        Synth *g;
        size_t n, n_events = 0, injected = 0;
        struct psoas_sample *v = samples_make("test", 100, 42, true, &n, &g);
        RunConfig c = run_config("test", 100, 42);
        struct psoas_engine *a = engine_for(&c, g), *b = engine_for(&c, g);

        /* a gets the clean stream, b the same with bad samples mixed in: they must stay identical but for
         * the rejection counter, and each bad sample must change nothing in b. */
        ASSERT_EQ(psoas_engine_calibrate(a), 0);
        ASSERT_EQ(psoas_engine_calibrate(b), 0);
        for (size_t k = 0; k < n; k++) {
                if (k > 0 && k % 251 == 0) {
                        struct psoas_sample bad = v[k];
                        int expect = -EINVAL;
                        switch (injected % 10) {
                        case 0: /* duplicate timestamp */
                                bad.t_us = v[k - 1].t_us;
                                expect = -ESTALE;
                                break;
                        case 1: /* out of order by a microsecond */
                                bad.t_us = v[k - 1].t_us - 1;
                                expect = -ESTALE;
                                break;
                        case 2: /* a second back */
                                bad.t_us = v[k - 1].t_us - 1000000;
                                expect = -ESTALE;
                                break;
                        case 3: /* an exact repeat of the previous sample */
                                bad = v[k - 1];
                                expect = -ESTALE;
                                break;
                        case 4:
                                bad.accel[0] = NAN;
                                break;
                        case 5:
                                bad.accel[2] = INFINITY;
                                break;
                        case 6:
                                bad.gyro[1] = NAN;
                                break;
                        case 7:
                                bad.gyro[2] = -INFINITY;
                                break;
                        case 8: /* |a| > 16 g */
                                bad.accel[1] = 20.0f * (float)SYNTH_GRAVITY;
                                break;
                        case 9: /* |ω| > 35 rad/s */
                                bad.gyro[0] = 40.0f;
                                break;
                        }
                        EngineView before = engine_view(b);
                        int r = psoas_engine_feed(b, &bad);
                        if (r != expect)
                                TEST_FAIL("bad sample kind %zu at %.3f s: feed returned %d, want %d",
                                        injected % 10, v[k].t_us / 1e6, r, expect);
                        EngineView after = engine_view(b);
                        const char *d = state_diff(&before, &after, true);
                        if (d)
                                TEST_FAIL("bad sample kind %zu at %.3f s changed %s", injected % 10,
                                        v[k].t_us / 1e6, d);
                        ASSERT_EQ(after.state.samples_rejected, before.state.samples_rejected + 1);
                        struct psoas_event ev;
                        ASSERT_EQ(psoas_engine_pop_event(b, PSOAS_SIZED(&ev)), 0);
                        injected++;
                }
                ASSERT_EQ(psoas_engine_feed(a, &v[k]), 0);
                ASSERT_EQ(psoas_engine_feed(b, &v[k]), 0);
                events_compare(a, b, k, &n_events);
                EngineView view_a = engine_view(a), view_b = engine_view(b);
                const char *d = state_diff(&view_a, &view_b, true);
                if (d)
                        TEST_FAIL("sample %zu (t=%.3f s): %s differs after bad samples were refused", k,
                                v[k].t_us / 1e6, d);
        }
        ASSERT_EQ(PSOAS_ENGINE_STATE(b)->samples_rejected, injected);
        ASSERT_EQ(PSOAS_ENGINE_STATE(a)->samples_rejected, 0);
        fprintf(stderr, "  %zu bad samples refused among %zu good ones; %zu events identical\n", injected, n,
                n_events);

        psoas_engine_free(a);
        psoas_engine_free(b);
        free(v);
        synth_free(g);
}

TEST(engine_gap) {
        SynthScenario *s = scenario_named("test", 51);
        double sit0, sit0_end, sit1, sit1_end, walk0, walk0_end, stand0, stand0_end;
        bool ok = true;

        ASSERT_TRUE(segment_find(s, SYNTH_SIT, 0, &sit0, &sit0_end));
        ASSERT_TRUE(segment_find(s, SYNTH_SIT, 1, &sit1, &sit1_end));
        ASSERT_TRUE(segment_find(s, SYNTH_WALK, 0, &walk0, &walk0_end));
        ASSERT_TRUE(segment_find(s, SYNTH_STAND_TILTED, 0, &stand0, &stand0_end));
        synth_scenario_free(s);

        const struct {
                const char *what;
                double start;
        } gaps[] = {
                { "while sitting", sit0 + 20 },
                { "while walking", walk0 + 8 },
                { "while standing tilted", stand0 + 5 },
                { "across standing up and starting to walk", sit1_end - 5 },
        };
        for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
                for (int gyro = 1; gyro >= 0; gyro--) {
                        RunConfig c = run_config("test", 100, 51);
                        RunResult r;
                        c.label = gaps[i].what;
                        c.no_gyro = !gyro;
                        c.gap_start_s = gaps[i].start;
                        c.gap_s = 10;
                        run(&c, &r);
                        fprintf(stderr, "  10 s gap from %.1f s %s:\n", c.gap_start_s, gaps[i].what);
                        c.label = "";
                        run_print(&c, &r);
                        ok = check_tilt(&r, true) && ok;
                        ok = check_posture(&r) && ok;
                        if (!r.calibrated_after_gap) {
                                fprintf(stderr, "      FAIL: the calibration was lost in the gap\n");
                                ok = false;
                        }
                }
        if (!ok)
                TEST_FAIL("a gap disturbed the engine (see above)");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Engine: calibrating while walking fails */

static SynthScenario *scenario_walk(uint64_t seed) {
        SynthScenario *s = NULL;
        ASSERT_EQ(synth_scenario_new(seed, &s), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 10, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_WALK, 60, 0), 0);
        ASSERT_EQ(synth_scenario_add(s, SYNTH_STAND, 20, 0), 0);
        return s;
}

TEST(engine_calibration_while_walking) {
        bool ok = true;

        for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++)
                for (int gyro = 1; gyro >= 0; gyro--) {
                        RunConfig c = run_config(NULL, matrix[i].rate_hz, matrix[i].seed);
                        c.mount = matrix[i].mount;
                        SynthScenario *s = scenario_walk(c.seed);
                        Synth *g = synth_make(s, c.rate_hz, c.seed, c.mount, SYNTH_ERR_ALL);
                        struct psoas_engine *e = engine_for(&c, g);
                        struct psoas_sample smp;
                        SynthTruth tr;
                        struct psoas_event ev;
                        double called = -1, failed_at = -1, calibrated_at = -1;
                        int reason = -1;

                        while (synth_next(g, &smp, &tr) > 0) {
                                if (!gyro) {
                                        smp.has_gyro = false;
                                        memset(smp.gyro, 0, sizeof(smp.gyro));
                                }
                                if (called < 0 && tr.type == SYNTH_WALK && tr.segment_t_s >= 3.0) {
                                        ASSERT_EQ(psoas_engine_calibrate(e), 0);
                                        called = tr.t_s;
                                }
                                ASSERT_EQ(psoas_engine_feed(e, &smp), 0);
                                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0) {
                                        if (ev.type == PSOAS_EVENT_CALIBRATION_FAILED && failed_at < 0) {
                                                failed_at = tr.t_s;
                                                reason = (int)ev.calibration_failed.reason;
                                        }
                                        if (ev.type == PSOAS_EVENT_CALIBRATED && calibrated_at < 0)
                                                calibrated_at = tr.t_s;
                                }
                                if (tr.type == SYNTH_WALK && PSOAS_ENGINE_STATE(e)->calibrated &&
                                        calibrated_at < 0)
                                        calibrated_at = tr.t_s;
                        }
                        const char *rs = reason >= 0 ? psoas_calibration_error_to_string(reason) : NULL;
                        fprintf(stderr,
                                "  %6.1f Hz seed %-3" PRIu64
                                " %-16s %-10s: calibrate at %.1f s, failed at %.1f s with %d (%s)%s\n",
                                c.rate_hz, c.seed, c.mount, gyro ? "" : "no-gyro", called, failed_at, reason,
                                rs ? rs : "-", calibrated_at >= 0 ? ", but CALIBRATED" : "");
                        /* MOVING, within the 15 s default timeout (and some slack), while still walking */
                        if (reason != PSOAS_CALIBRATION_MOVING || calibrated_at >= 0 ||
                                failed_at - called > 17.0) {
                                fprintf(stderr,
                                        "      FAIL: want CALIBRATION_FAILED (moving) within 17 s\n");
                                ok = false;
                        }
                        psoas_engine_free(e);
                        synth_free(g);
                        synth_scenario_free(s);
                }
        if (!ok)
                TEST_FAIL("calibrating while walking did not fail as it should (see above)");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The tilt table for BENCHMARKS.md */

static void markdown_rms(const RunResult *r, SynthSegmentType type) {
        size_t n = type == _SYNTH_SEGMENT_TYPE_MAX ? r->tilt_n : r->tilt_type_n[type];
        double sum_sq = type == _SYNTH_SEGMENT_TYPE_MAX ? r->tilt_sum_sq : r->tilt_type_sum_sq[type];
        if (n == 0)
                printf(" – |");
        else
                printf(" %.2f° |", sqrt(sum_sq / (double)n));
}

/* One row: the run with the gyroscope, then without; _SYNTH_SEGMENT_TYPE_MAX stands for all types. */
static void markdown_row(const RunConfig *base) {
        static const SynthSegmentType types[] = { SYNTH_STAND, SYNTH_STAND_TILTED, SYNTH_SIT,
                _SYNTH_SEGMENT_TYPE_MAX };

        printf("| %s | %g Hz | %s, seed %" PRIu64 " |", base->scenario, base->rate_hz, base->mount,
                base->seed);
        for (int gyro = 1; gyro >= 0; gyro--) {
                RunConfig c = *base;
                RunResult r;
                c.no_gyro = !gyro;
                run(&c, &r);
                for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                        markdown_rms(&r, types[i]);
        }
        printf("\n");
        fflush(stdout);
}

static int tilt_markdown(void) {
        printf("| scenario | rate | mounting | standing | tilted standing | sitting | all | standing, "
               "accel. "
               "only | tilted standing, accel. only | sitting, accel. only | all, accel. only |\n");
        printf("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
                RunConfig c = run_config("test", matrix[i].rate_hz, matrix[i].seed);
                c.mount = matrix[i].mount;
                markdown_row(&c);
        }
        for (uint64_t seed = 21; seed <= 23; seed++) {
                RunConfig c = run_config("test", 12.5, seed);
                markdown_row(&c);
        }
        for (uint64_t seed = 24; seed <= 25; seed++) {
                RunConfig c = run_config("test", 1000, seed);
                markdown_row(&c);
        }
        RunConfig c = run_config("morning", 100, 31);
        markdown_row(&c);
        return EXIT_SUCCESS;
}

/* Steps are counted in walks only: standing up, sitting down, fidgeting while seated, squatting and jumping jolt
 * the pelvis, and count nothing; a walk's steps are counted within a step or two. */
static unsigned steps_counted(const SynthScenario *sc, uint64_t seed, unsigned *ret_taken) {
        Synth *g = synth_make(sc, 100, seed, "random", SYNTH_ERR_ALL);
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_day_stats today = { .size = sizeof(today) };
        struct psoas_sample smp;
        struct psoas_event ev;
        SynthTruth tr;

        psoas_config_init(PSOAS_SIZED(&config));
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_EQ(psoas_engine_calibrate_window(e, 0, 5000000), 0);
        while (synth_next(g, &smp, &tr) > 0) {
                (void)psoas_engine_feed(e, &smp);
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                        ;
        }
        ASSERT_EQ(psoas_engine_get_day_stats(e, &today), 0);
        *ret_taken = tr.steps;
        psoas_engine_free(e);
        synth_free(g);
        return today.steps;
}

TEST(engine_steps_only_in_walks) {
        for (uint64_t seed = 1; seed <= 3; seed++) {
                SynthScenario *sc = NULL;
                unsigned taken;

                ASSERT_EQ(synth_scenario_new(seed, &sc), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_STAND, 15, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_SIT_DOWN, 0, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_SIT, 120, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_STAND_UP, 0, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_STAND, 20, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_SQUAT, 0, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_STAND, 10, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_JUMP, 0, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_STAND, 10, 0), 0);
                ASSERT_EQ(steps_counted(sc, seed, &taken), 0u);
                ASSERT_EQ(taken, 0u);

                ASSERT_EQ(synth_scenario_add(sc, SYNTH_WALK, 60, 0), 0);
                ASSERT_EQ(synth_scenario_add(sc, SYNTH_STAND, 10, 0), 0);
                unsigned counted = steps_counted(sc, seed, &taken);
                ASSERT_GE(taken, 90u); /* a minute at 1.6 to 2 steps a second, less the ramps */
                ASSERT_LE(abs((int)counted - (int)taken), 3);
                synth_scenario_free(sc);
        }
}

/* TEST_MAIN's main() runs the cases; this one answers --markdown first. */
int test_main(int argc, char **argv);
#define main test_main
TEST_MAIN
#undef main

int main(int argc, char **argv) {
        if (argc == 2 && strcmp(argv[1], "--markdown") == 0)
                return tilt_markdown();
        return test_main(argc, argv);
}
