/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The posture engine on the wearers and movements it used to get wrong, generated with ground truth: walking
 * straight into a chair, sitting up from lying with the pelvis as upright as standing, a high stool and a
 * half-height seat with an upright pelvis, squats, bends and jumps, lying curled on the side.
 *
 * Each case runs a scenario over several seeds, rates and random mountings with every MEMS error on, through the
 * public API only, and checks what the issue asks of every decision: it recovers. For every segment with a
 * posture (standing, sitting, walking, lying), the engine's posture must match the truth from at most
 * RECOVER_S after the segment begins to its end; the day's sitting time after the engine's own revisions must
 * be within RECOVER_S per sitting segment of the truth; and a squat, bend or jump must not add more than
 * MOVEMENT_SIT_MAX_S of sitting. Every run prints its figures to stderr before any case fails.
 *
 * `test-failure-classes --markdown [--no-gyro]` runs no test: it prints the table for BENCHMARKS.md (the worst
 * recovery and sitting-time error per class over a wider matrix of seeds).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>

#include "psoas/psoas.h"
#include "synth.h"
#include "test-util.h"

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#define RECOVER_S 60.0
#define MOVEMENT_SIT_MAX_S 2.0

/* ---------------------------------------------------------------------------------------------------------- */
/* Scenarios: each begins with still standing, which the engine calibrates on. */

typedef struct Builder {
        SynthScenario *s;
        int r;
} Builder;

static void add(Builder *b, SynthSegmentType type, double duration_s, double param) {
        if (b->r >= 0)
                b->r = synth_scenario_add(b->s, type, duration_s, param);
}

static void sit_bout(Builder *b, SynthSeat seat, double duration_s) {
        add(b, SYNTH_SIT_DOWN, 0, seat);
        add(b, SYNTH_SIT, duration_s, 0);
        add(b, SYNTH_STAND_UP, 0, seat);
}

/* Walking up to a chair and sitting down in the last step, with no pause standing: first before the engine has
 * seen any sitting (the wearer's forward direction unknown), then again after. */
static void build_walk_into_chair(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_STAND, 20, 3);
        add(b, SYNTH_WALK, 30, 0);
        sit_bout(b, SYNTH_SEAT_CHAIR, 300);
        add(b, SYNTH_STAND, 90, 3);
        add(b, SYNTH_WALK, 20, 0);
        sit_bout(b, SYNTH_SEAT_CHAIR, 300);
        add(b, SYNTH_STAND, 90, 3);
}

/* Sitting up from lying (on a bed's or a sofa's edge) with the pelvis as upright as standing, before and after
 * the engine has seen a chair. */
static void build_sit_up_upright(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_WALK, 20, 0);
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_SUPINE);
        add(b, SYNTH_LIE, 90, 0);
        add(b, SYNTH_SIT_UP, 0, 0);
        add(b, SYNTH_SIT, 300, 0);
        add(b, SYNTH_STAND_UP, 0, SYNTH_SEAT_CHAIR);
        add(b, SYNTH_STAND, 90, 3);
        sit_bout(b, SYNTH_SEAT_CHAIR, 120);
        add(b, SYNTH_STAND, 30, 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_SUPINE);
        add(b, SYNTH_LIE, 60, 0);
        add(b, SYNTH_SIT_UP, 0, -3);
        add(b, SYNTH_SIT, 300, 0);
        add(b, SYNTH_STAND_UP, 0, SYNTH_SEAT_CHAIR);
        add(b, SYNTH_STAND, 90, 3);
}

/* A high stool and a half-height seat, the pelvis within 5° of standing on both. */
static void build_upright_seats(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_STAND, 30, 3);
        sit_bout(b, SYNTH_SEAT_STOOL, 300);
        add(b, SYNTH_STAND, 90, 3);
        sit_bout(b, SYNTH_SEAT_LOW, 300);
        add(b, SYNTH_STAND, 90, 3);
        add(b, SYNTH_WALK, 20, 0);
        add(b, SYNTH_STAND, 10, 0);
        sit_bout(b, SYNTH_SEAT_STOOL, 200);
        add(b, SYNTH_STAND, 90, 3);
        sit_bout(b, SYNTH_SEAT_LOW, 200);
        add(b, SYNTH_STAND, 90, 3);
}

/* Squatting to pick something up, bending forward from the hips, jumping: none of them is sitting. First before
 * any sitting, then after a bout has taught the engine the wearer's forward direction. */
static void build_squat_bend_jump(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        for (int round = 0; round < 2; round++) {
                if (round == 1) {
                        sit_bout(b, SYNTH_SEAT_CHAIR, 120);
                        add(b, SYNTH_STAND, 90, 3);
                }
                add(b, SYNTH_STAND, 70, 3);
                add(b, SYNTH_SQUAT, 0, 0);
                add(b, SYNTH_STAND, 70, 3);
                add(b, SYNTH_BEND, 0, 0);
                add(b, SYNTH_STAND, 70, 3);
                add(b, SYNTH_JUMP, 0, 0);
                add(b, SYNTH_STAND, 70, 3);
                add(b, SYNTH_SQUAT, 0, 3);
                add(b, SYNTH_STAND, 70, 3);
                add(b, SYNTH_WALK, 15, 0);
                add(b, SYNTH_BEND, 0, 4);
                add(b, SYNTH_STAND, 70, 3);
                add(b, SYNTH_JUMP, 0, 0);
                add(b, SYNTH_JUMP, 0, 0);
                add(b, SYNTH_JUMP, 0, 0);
                add(b, SYNTH_STAND, 70, 3);
        }
}

/* Lying curled on the side, the pelvis rolled 60..90°, on both sides and turning over, after the first sitting
 * of the day: before the engine has seen the wearer sit, it cannot tell a roll to the side from a turn back, and
 * a roll under 70° reads as a reclined seat (BENCHMARKS.md says so). */
static void build_side_lying(Builder *b) {
        add(b, SYNTH_STAND, 10, 0);
        add(b, SYNTH_STAND, 20, 3);
        sit_bout(b, SYNTH_SEAT_CHAIR, 120);
        add(b, SYNTH_STAND, 30, 3);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_RIGHT_CURLED);
        add(b, SYNTH_LIE, 90, 0);
        add(b, SYNTH_GET_UP, 0, 0);
        add(b, SYNTH_STAND, 60, 3);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_LEFT_CURLED);
        add(b, SYNTH_LIE, 90, 0);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_RIGHT_CURLED);
        add(b, SYNTH_LIE, 90, 0);
        add(b, SYNTH_GET_UP, 0, 0);
        add(b, SYNTH_STAND, 60, 3);
        add(b, SYNTH_WALK, 20, 0);
        add(b, SYNTH_STAND, 10, 3);
        add(b, SYNTH_LIE_DOWN, 0, SYNTH_LIE_LEFT_CURLED);
        add(b, SYNTH_LIE, 90, 0);
        add(b, SYNTH_GET_UP, 0, 0);
        add(b, SYNTH_STAND, 60, 3);
}

typedef struct FailureClass {
        const char *name;
        void (*build)(Builder *b);
} FailureClass;

static const FailureClass classes[] = {
        { "walk into a chair", build_walk_into_chair },
        { "sit up from lying, upright", build_sit_up_upright },
        { "stool and half-height seat", build_upright_seats },
        { "squat, bend, jump", build_squat_bend_jump },
        { "lying curled on the side", build_side_lying },
};

/* ---------------------------------------------------------------------------------------------------------- */
/* A run */

typedef struct RunResult {
        double worst_recovery_s; /* over the segments with a posture */
        double worst_recovery_at; /* the segment's start */
        const char *worst_recovery_type;
        double sitting_true_s, sitting_seen_s; /* sitting segments, and the engine's day total */
        unsigned sitting_segments;
        unsigned movements; /* squats, bends, jumps */
        /* The most sitting any squat, bend or jump left in the record once the engine's revisions are applied,
         * from its start to 10 s after its end. */
        double movement_sit_max_s;
        int calibrate_r;
        bool calibrated;
} RunResult;

/* The segment being scored: from its start, the last sample the engine got wrong. */
typedef struct Tracking {
        size_t segment;
        double start_s;
        double last_wrong_s; /* < start_s: none */
        SynthSegmentType type;
        bool scored;
} Tracking;

static void tracking_close(const Tracking *k, RunResult *res) {
        if (!k->scored)
                return;
        double recovery = k->last_wrong_s < k->start_s ? 0.0 : k->last_wrong_s - k->start_s;
        if (recovery > res->worst_recovery_s || !res->worst_recovery_type) {
                res->worst_recovery_s = recovery;
                res->worst_recovery_at = k->start_s;
                res->worst_recovery_type = synth_segment_type_to_string(k->type);
        }
}

static void run(const FailureClass *fc, uint64_t seed, double rate_hz, bool no_gyro, RunResult *res) {
        Builder b = { .r = 0 };
        SynthOptions o;
        Synth *g = NULL;
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_sample sample;
        struct psoas_event ev;
        SynthTruth tr;

        *res = (RunResult){ .worst_recovery_at = -1 };
        ASSERT_EQ(synth_scenario_new(seed, &b.s), 0);
        fc->build(&b);
        ASSERT_EQ(b.r, 0);
        for (size_t i = 0; i < synth_scenario_n_segments(b.s); i++) {
                const SynthSegment *seg = synth_scenario_segment(b.s, i);
                if (seg->type == SYNTH_SIT) {
                        res->sitting_true_s += seg->duration_s;
                        res->sitting_segments++;
                } else if (seg->type == SYNTH_SQUAT || seg->type == SYNTH_BEND || seg->type == SYNTH_JUMP)
                        res->movements++;
        }

        synth_options_init(&o);
        o.rate_hz = rate_hz;
        o.seed = seed;
        ASSERT_EQ(synth_mount_lookup("random", seed, o.q_sp), 0);
        ASSERT_EQ(synth_new(b.s, &o, &g), 0);
        psoas_config_init(PSOAS_SIZED(&config));
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        res->calibrate_r = psoas_engine_calibrate(e);

        /* The record as the day keeps it: whether each sample was sitting, revisions applied. */
        size_t n_samples = synth_n_samples(g), n = 0;
        int64_t *times = calloc(n_samples, sizeof(int64_t));
        bool *sat = calloc(n_samples, sizeof(bool));
        ASSERT_TRUE(times && sat);

        Tracking k = { .segment = SIZE_MAX };
        while (synth_next(g, &sample, &tr) > 0) {
                if (no_gyro) {
                        sample.has_gyro = false;
                        memset(sample.gyro, 0, sizeof(sample.gyro));
                }
                ASSERT_EQ(psoas_engine_feed(e, &sample), 0);
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                        if (ev.type == PSOAS_EVENT_CALIBRATED)
                                res->calibrated = true;
                        else if (ev.type == PSOAS_EVENT_POSTURE_CHANGED && ev.posture.revised)
                                for (size_t i = n; i > 0 && times[i - 1] >= ev.posture.since_us; i--)
                                        sat[i - 1] = ev.posture.posture == PSOAS_POSTURE_SITTING;
                const struct psoas_state *st = PSOAS_ENGINE_STATE(e);
                times[n] = sample.t_us;
                sat[n] = st->posture == PSOAS_POSTURE_SITTING;
                n++;

                if (tr.segment != k.segment) {
                        tracking_close(&k, res);
                        k = (Tracking){
                                .segment = tr.segment,
                                .start_s = tr.t_s,
                                .last_wrong_s = -1,
                                .type = tr.type,
                                /* the calibration's own segment is not scored: the engine knows nothing yet */
                                .scored = !tr.transition && tr.segment > 0,
                        };
                }
                if (k.scored && st->posture != tr.posture)
                        k.last_wrong_s = tr.t_s;
        }
        tracking_close(&k, res);

        res->sitting_seen_s = PSOAS_ENGINE_DAY_STATS(e)->sitting_s;

        double t = 0;
        for (size_t i = 0; i < synth_scenario_n_segments(b.s); i++) {
                const SynthSegment *seg = synth_scenario_segment(b.s, i);
                if (seg->type == SYNTH_SQUAT || seg->type == SYNTH_BEND || seg->type == SYNTH_JUMP) {
                        int64_t from = llround(t * 1e6), to = llround((t + seg->duration_s + 10.0) * 1e6);
                        double sitting = 0;
                        for (size_t j = 1; j < n; j++)
                                if (times[j] > from && times[j] <= to && sat[j - 1])
                                        sitting += (double)(times[j] - times[j - 1]) / 1e6;
                        res->movement_sit_max_s = fmax(res->movement_sit_max_s, sitting);
                }
                t += seg->duration_s;
        }
        free(times);
        free(sat);

        psoas_engine_free(e);
        synth_free(g);
        synth_scenario_free(b.s);
}

static double sitting_limit_s(const RunResult *r) {
        return r->sitting_segments * RECOVER_S + r->movements * MOVEMENT_SIT_MAX_S;
}

static void run_print(const FailureClass *fc, uint64_t seed, double rate_hz, const RunResult *r) {
        fprintf(stderr,
                "  %-28s seed %2" PRIu64 " %5.1f Hz: worst recovery %5.1f s (%s at %.0f s); sitting %.0f s, "
                "truth %.0f s (limit ±%.0f s); a movement left %.1f s of sitting\n",
                fc->name, seed, rate_hz, r->worst_recovery_s,
                r->worst_recovery_type ? r->worst_recovery_type : "-", r->worst_recovery_at,
                r->sitting_seen_s, r->sitting_true_s, sitting_limit_s(r), r->movement_sit_max_s);
}

static bool run_ok(const RunResult *r) {
        bool ok = true;
        if (r->calibrate_r != 0 || !r->calibrated) {
                fprintf(stderr, "      FAIL: calibration (%d)\n", r->calibrate_r);
                ok = false;
        }
        if (r->worst_recovery_s > RECOVER_S) {
                fprintf(stderr,
                        "      FAIL: a %s segment was wrong %.1f s after it began (at most %.0f s)\n",
                        r->worst_recovery_type, r->worst_recovery_s, RECOVER_S);
                ok = false;
        }
        if (r->movement_sit_max_s > MOVEMENT_SIT_MAX_S) {
                fprintf(stderr,
                        "      FAIL: a squat, bend or jump left %.1f s of sitting in the record (at most "
                        "%.0f s)\n",
                        r->movement_sit_max_s, MOVEMENT_SIT_MAX_S);
                ok = false;
        }
        if (fabs(r->sitting_seen_s - r->sitting_true_s) > sitting_limit_s(r)) {
                fprintf(stderr, "      FAIL: sitting %.1f s against %.1f s\n", r->sitting_seen_s,
                        r->sitting_true_s);
                ok = false;
        }
        return ok;
}

static const double rates[] = { 50.0, 100.0 };
#define SEEDS 4

static bool class_runs(size_t index, uint64_t first, uint64_t last, bool no_gyro) {
        const FailureClass *fc = &classes[index];
        bool ok = true;
        for (uint64_t seed = first; seed <= last; seed++)
                for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
                        RunResult r;
                        run(fc, seed, rates[i], no_gyro, &r);
                        run_print(fc, seed, rates[i], &r);
                        ok = run_ok(&r) && ok;
                }
        return ok;
}

static void class_check(size_t index) {
        ASSERT_TRUE(class_runs(index, 100 * index + 1, 100 * index + SEEDS, false));
}

TEST(walk_into_chair) {
        class_check(0);
}

TEST(sit_up_upright) {
        class_check(1);
}

TEST(upright_seats) {
        class_check(2);
}

TEST(squat_bend_jump) {
        class_check(3);
}

TEST(side_lying) {
        class_check(4);
}

/* The table for BENCHMARKS.md: per class, over seeds 1..20 at 50 Hz and 100 Hz, the worst recovery, the runs over
 * RECOVER_S, and the worst sitting-time error (movements: the worst sitting added). */
static int failure_markdown(bool no_gyro) {
        printf("| case | runs | worst recovery | runs recovering after %.0f s | worst sitting-time error | "
               "runs over the limit | most sitting a squat, bend or jump left |\n",
                RECOVER_S);
        printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (size_t c = 0; c < ELEMENTSOF(classes); c++) {
                double worst = 0, worst_err = 0, movement = 0;
                unsigned runs = 0, late = 0, over = 0;
                for (uint64_t seed = 1; seed <= 20; seed++)
                        for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
                                RunResult r;
                                run(&classes[c], 1000 + 100 * c + seed, rates[i], no_gyro, &r);
                                runs++;
                                worst = fmax(worst, r.worst_recovery_s);
                                late += r.worst_recovery_s > RECOVER_S;
                                double err = fabs(r.sitting_seen_s - r.sitting_true_s);
                                worst_err = fmax(worst_err, err);
                                over += err > sitting_limit_s(&r);
                                movement = fmax(movement, r.movement_sit_max_s);
                        }
                char moved[32] = "–";
                if (classes[c].build == build_squat_bend_jump)
                        snprintf(moved, sizeof(moved), "%.1f s", movement);
                printf("| %s | %u | %.1f s | %u | %.1f s | %u | %s |\n", classes[c].name, runs, worst, late,
                        worst_err, over, moved);
                fflush(stdout);
        }
        return EXIT_SUCCESS;
}

/* --trace CLASS SEED RATE: the truth's segments beside the engine's posture changes, for diagnosing a miss. */
static int failure_trace(size_t index, uint64_t seed, double rate_hz, bool no_gyro) {
        Builder b = { .r = 0 };
        SynthOptions o;
        Synth *g = NULL;
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_sample sample;
        struct psoas_event ev;
        SynthTruth tr;
        size_t segment = SIZE_MAX;

        if (index >= ELEMENTSOF(classes))
                return EXIT_FAILURE;
        ASSERT_EQ(synth_scenario_new(seed, &b.s), 0);
        classes[index].build(&b);
        synth_options_init(&o);
        o.rate_hz = rate_hz;
        o.seed = seed;
        if (getenv("SYNTH_ERRORS"))
                o.errors = (unsigned)strtoul(getenv("SYNTH_ERRORS"), NULL, 0);
        ASSERT_EQ(synth_mount_lookup("random", seed, o.q_sp), 0);
        ASSERT_EQ(synth_new(b.s, &o, &g), 0);
        psoas_config_init(PSOAS_SIZED(&config));
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_EQ(psoas_engine_calibrate(e), 0);
        while (synth_next(g, &sample, &tr) > 0) {
                if (no_gyro)
                        sample.has_gyro = false;
                ASSERT_EQ(psoas_engine_feed(e, &sample), 0);
                if (tr.segment != segment) {
                        segment = tr.segment;
                        printf("%8.2f  truth %s (pitch %.1f°, roll %.1f°)\n", tr.t_s,
                                synth_segment_type_to_string(tr.type), tr.pitch_deg, tr.roll_deg);
                }
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0) {
                        if (ev.type == PSOAS_EVENT_POSTURE_CHANGED)
                                printf("%8.2f      engine %s -> %s%s%.2f\n", tr.t_s,
                                        psoas_posture_to_string(ev.posture.previous),
                                        psoas_posture_to_string(ev.posture.posture),
                                        ev.posture.revised ? " (revised since " : "",
                                        ev.posture.revised
                                                ? (double)(ev.posture.since_us - sample.t_us) / 1e6 + tr.t_s
                                                : 0.0);
                        else if (ev.type != PSOAS_EVENT_ALERT && ev.type != PSOAS_EVENT_STRETCH_PROMPT)
                                printf("%8.2f      %s%s\n", tr.t_s, psoas_event_type_to_string(ev.type),
                                        ev.type == PSOAS_EVENT_BOUT_ENDED && ev.bout.withdrawn
                                                ? " (withdrawn)"
                                                : "");
                }
        }
        printf("sitting %.1f s\n", PSOAS_ENGINE_DAY_STATS(e)->sitting_s);
        psoas_engine_free(e);
        synth_free(g);
        synth_scenario_free(b.s);
        return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Calibration: refused when the wearer is seated, accepted once they stand again */

/* Runs a scenario without calibrating, asks for a calibration at calibrate_at_s, and returns the result: 1 + the
 * calibration error, or 0 when it never came. */
static int calibration_result(SynthScenario *s, uint64_t seed, double rate_hz, double calibrate_at_s) {
        SynthOptions o;
        Synth *g = NULL;
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_sample sample;
        struct psoas_event ev;
        SynthTruth tr;
        int result = 0;
        bool asked = false;

        synth_options_init(&o);
        o.rate_hz = rate_hz;
        o.seed = seed;
        ASSERT_EQ(synth_mount_lookup("random", seed, o.q_sp), 0);
        ASSERT_EQ(synth_new(s, &o, &g), 0);
        psoas_config_init(PSOAS_SIZED(&config));
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        while (synth_next(g, &sample, &tr) > 0 && result == 0) {
                if (!asked && tr.t_s >= calibrate_at_s) {
                        ASSERT_EQ(psoas_engine_calibrate(e), 0);
                        asked = true;
                }
                ASSERT_EQ(psoas_engine_feed(e, &sample), 0);
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                        if (ev.type == PSOAS_EVENT_CALIBRATED)
                                result = 1 + PSOAS_CALIBRATION_OK;
                        else if (ev.type == PSOAS_EVENT_CALIBRATION_FAILED)
                                result = 1 + (int)ev.calibration_failed.reason;
        }
        psoas_engine_free(e);
        synth_free(g);
        return result;
}

TEST(calibration_refused_when_seated) {
        bool ok = true;
        for (uint64_t seed = 501; seed <= 506; seed++)
                for (int seat = SYNTH_SEAT_CHAIR; seat <= SYNTH_SEAT_LOW; seat++) {
                        /* Stood, sat down, and asked to calibrate in the seat; then once back on their feet. */
                        Builder b = { .r = 0 };
                        ASSERT_EQ(synth_scenario_new(seed, &b.s), 0);
                        add(&b, SYNTH_STAND, 15, 0);
                        sit_bout(&b, (SynthSeat)seat, 60);
                        add(&b, SYNTH_STAND, 40, 3);
                        ASSERT_EQ(b.r, 0);
                        double stood_up = synth_scenario_duration(b.s) - 40;
                        int seated = calibration_result(b.s, seed, 100, 40);
                        int standing = calibration_result(b.s, seed, 100, stood_up + 10);
                        const char *s_seated =
                                seated ? psoas_calibration_error_to_string(seated - 1) : "nothing";
                        const char *s_standing =
                                standing ? psoas_calibration_error_to_string(standing - 1) : "nothing";
                        fprintf(stderr, "  seed %" PRIu64 ", seat %d: seated -> %s; standing again -> %s\n",
                                seed, seat, s_seated, s_standing);
                        if (seated != 1 + PSOAS_CALIBRATION_NOT_STANDING ||
                                standing != 1 + PSOAS_CALIBRATION_OK)
                                ok = false;
                        synth_scenario_free(b.s);
                }
        ASSERT_TRUE(ok);
}

TEST(calibration_after_a_walk_and_a_sit) {
        bool ok = true;
        for (uint64_t seed = 511; seed <= 518; seed++) {
                /* Walked in, sat straight down, asked at the desk: refused. */
                Builder b = { .r = 0 };
                ASSERT_EQ(synth_scenario_new(seed, &b.s), 0);
                add(&b, SYNTH_STAND, 5, 0);
                add(&b, SYNTH_WALK, 30, 0);
                sit_bout(&b, SYNTH_SEAT_CHAIR, 60);
                add(&b, SYNTH_STAND, 30, 3);
                ASSERT_EQ(b.r, 0);
                int seated = calibration_result(b.s, seed, 50, 60);
                fprintf(stderr, "  seed %" PRIu64 ": walked in and sat -> %s\n", seed,
                        seated ? psoas_calibration_error_to_string(seated - 1) : "nothing");
                ok = ok && seated == 1 + PSOAS_CALIBRATION_NOT_STANDING;
                synth_scenario_free(b.s);

                /* Walked in and stood, leaning forward over a table: a standing wearer, however they stand. */
                b = (Builder){ .r = 0 };
                ASSERT_EQ(synth_scenario_new(seed, &b.s), 0);
                add(&b, SYNTH_STAND, 5, 0);
                add(&b, SYNTH_WALK, 30, 0);
                add(&b, SYNTH_STAND_TILTED, 60, 15);
                ASSERT_EQ(b.r, 0);
                int standing = calibration_result(b.s, seed, 50, 50);
                fprintf(stderr, "  seed %" PRIu64 ": walked in and stood leaning forward -> %s\n", seed,
                        standing ? psoas_calibration_error_to_string(standing - 1) : "nothing");
                ok = ok && standing == 1 + PSOAS_CALIBRATION_OK;
                synth_scenario_free(b.s);
        }
        ASSERT_TRUE(ok);
}

/* TEST_MAIN's main() runs the cases; this one answers --markdown first. */
int test_main(int argc, char **argv);
#define main test_main
TEST_MAIN
#undef main

int main(int argc, char **argv) {
        if (argc >= 5 && strcmp(argv[1], "--runs") == 0)
                return class_runs(strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
                               strtoull(argv[4], NULL, 10), argc == 6 && strcmp(argv[5], "--no-gyro") == 0)
                        ? EXIT_SUCCESS
                        : EXIT_FAILURE;
        if (argc >= 5 && strcmp(argv[1], "--trace") == 0)
                return failure_trace(strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
                        strtod(argv[4], NULL), argc == 6 && strcmp(argv[5], "--no-gyro") == 0);
        if (argc >= 2 && strcmp(argv[1], "--markdown") == 0)
                return failure_markdown(argc == 3 && strcmp(argv[2], "--no-gyro") == 0);
        return test_main(argc, argv);
}
