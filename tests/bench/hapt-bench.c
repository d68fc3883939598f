/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Accuracy on the HAPT recordings (waist-worn smartphone IMU, 50 Hz, sample-level labels): every recording is
 * streamed through libpsoas sample by sample as the daemon would, calibrated on its first labelled standing
 * segment, and the engine's posture at each sample is compared with the label.
 *
 *   hapt-bench [--no-gyro] [--min-balanced PCT] [--max-over-limit N] [--per-recording] [--only EXP]
 *              [--users FIRST-LAST] DIR
 *   hapt-bench --markdown [--users FIRST-LAST] DIR
 *   hapt-bench --help | --version
 *
 * Prints recall per class (sitting, standing, walking = labels 1-3, lying), balanced accuracy, the sitting-time
 * error of each recording (transitions and unlabelled samples excluded) and the decision latency after each
 * postural transition. --min-balanced PCT and --max-over-limit N make it exit 1 when balanced accuracy is
 * below PCT or more than N recordings have a sitting-time error over 3 %: the regression guard the test suite
 * runs. --only EXP scores one recording and prints its labelled segments beside the engine's posture changes,
 * for diagnosing a miss. --users FIRST-LAST scores only those users' recordings: to report figures on users
 * that were not used for tuning apart from those that were.
 *
 * --markdown runs both modes (with the gyroscope and from the accelerometer alone) and prints the tables for
 * BENCHMARKS.md, without a heading: the figures against the targets, the same by group of users (1-10 and
 * 11-20, the cross-check that no rule was tuned to one group), and both confusion matrices.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"
#include "engine-internal.h"
#include "psoas/psoas.h"

#define RATE_HZ 50
#define G 9.80665
#define MAX_LABELS 2048
#define MAX_RECORDINGS 64
/* The targets, printed beside the figures. */
#define TARGET_BALANCED_ACCURACY 0.97
#define MAX_SITTING_ERROR 0.03

enum {
        CLASS_SITTING,
        CLASS_STANDING,
        CLASS_WALKING,
        CLASS_LYING,
        N_CLASSES,
        CLASS_NONE = -1
};
static const char *const class_names[N_CLASSES] = { "sitting", "standing", "walking", "lying" };
static const char *const class_labels[N_CLASSES] = { "sitting", "standing", "walking (labels 1–3)",
        "lying" };

typedef struct Label {
        int exp, user, activity;
        long first, last; /* 1-based, inclusive */
} Label;

/* One recording's figures. */
typedef struct RecordingResult {
        unsigned long long confusion[N_CLASSES]
                                    [N_CLASSES + 1]; /* the last column: the engine said unknown */
        unsigned long long sitting_true, sitting_seen; /* samples */
        double latencies[MAX_LABELS];
        size_t n_latencies;
        unsigned never_decided;
} RecordingResult;

/* The figures of a set of recordings. */
typedef struct Score {
        unsigned long long confusion[N_CLASSES][N_CLASSES + 1];
        unsigned recordings, over_limit;
        double worst_error;
        int worst_exp;
        double latencies[MAX_LABELS];
        size_t n_latencies;
        unsigned never_decided;
} Score;

static int activity_class(int activity) {
        switch (activity) {
        case 1:
        case 2:
        case 3:
                return CLASS_WALKING;
        case 4:
                return CLASS_SITTING;
        case 5:
                return CLASS_STANDING;
        case 6:
                return CLASS_LYING;
        default:
                return CLASS_NONE; /* transitions */
        }
}

static int posture_class(enum psoas_posture p) {
        switch (p) {
        case PSOAS_POSTURE_SITTING:
                return CLASS_SITTING;
        case PSOAS_POSTURE_STANDING:
                return CLASS_STANDING;
        case PSOAS_POSTURE_WALKING:
                return CLASS_WALKING;
        case PSOAS_POSTURE_LYING:
                return CLASS_LYING;
        default:
                return CLASS_NONE;
        }
}

/* Reads a gzipped text file of three numbers per line. Returns the number of rows, or -errno. */
static long read_triples(const char *path, double **ret) {
        gzFile f = gzopen(path, "rb");
        if (!f)
                return -errno ? -errno : -ENOENT;
        size_t cap = 1 << 15, n = 0;
        double *v = malloc(cap * 3 * sizeof(double));
        char line[256];
        while (v && gzgets(f, line, sizeof(line))) {
                double x, y, z;
                if (sscanf(line, "%lf %lf %lf", &x, &y, &z) != 3)
                        continue;
                if (n == cap) {
                        cap *= 2;
                        double *nv = realloc(v, cap * 3 * sizeof(double));
                        if (!nv) {
                                free(v);
                                v = NULL;
                                break;
                        }
                        v = nv;
                }
                v[3 * n] = x;
                v[3 * n + 1] = y;
                v[3 * n + 2] = z;
                n++;
        }
        gzclose(f);
        if (!v)
                return -ENOMEM;
        *ret = v;
        return (long)n;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Sorts v in place. */
static double percentile(double *v, size_t n, double p) {
        if (n == 0)
                return NAN;
        qsort(v, n, sizeof(double), compare_double);
        size_t i = (size_t)floor(p / 100.0 * (double)(n - 1) + 0.5);
        return v[i];
}

/* Streams one recording (labels[first..end) are its segments) through a fresh engine. verbose: print the
 * segments and the engine's posture changes (--only). Returns 0 or -errno. */
/* Every recording is read once and kept: --loso runs each of them many times. */
typedef struct Loaded {
        int exp;
        long n;
        double *acc, *gyro;
} Loaded;
static Loaded loaded[MAX_RECORDINGS];
static size_t n_loaded;

static long recording_load(
        const char *dir, int exp, int user, const double **ret_acc, const double **ret_gyro) {
        char path[4096];

        for (size_t i = 0; i < n_loaded; i++)
                if (loaded[i].exp == exp) {
                        *ret_acc = loaded[i].acc;
                        *ret_gyro = loaded[i].gyro;
                        return loaded[i].n;
                }
        if (n_loaded >= MAX_RECORDINGS)
                return -E2BIG;

        double *acc = NULL, *gyro = NULL;
        snprintf(path, sizeof(path), "%s/acc_exp%02d_user%02d.txt.gz", dir, exp, user);
        long n = read_triples(path, &acc);
        snprintf(path, sizeof(path), "%s/gyro_exp%02d_user%02d.txt.gz", dir, exp, user);
        long ng = read_triples(path, &gyro);
        if (n <= 0 || ng != n) {
                fprintf(stderr, "exp %02d: cannot read the recordings in %s\n", exp, dir);
                free(acc);
                free(gyro);
                return n < 0 ? n : -EBADMSG;
        }
        loaded[n_loaded++] = (Loaded){ .exp = exp, .n = n, .acc = acc, .gyro = gyro };
        *ret_acc = acc;
        *ret_gyro = gyro;
        return n;
}

/* tuning: the posture classifier's numbers, NULL for the engine's own. */
static int recording_run(const char *dir, const Label *labels, size_t first, size_t end, bool use_gyro,
        const PostureTuning *tuning, bool verbose, RecordingResult *ret) {
        int exp = labels[first].exp, user = labels[first].user;
        const double *acc = NULL, *gyro = NULL;

        long n = recording_load(dir, exp, user, &acc, &gyro);
        if (n < 0)
                return (int)n;
        if (verbose)
                for (size_t k = first; k < end; k++)
                        printf("label %2d %8.2f-%8.2f\n", labels[k].activity,
                                (double)(labels[k].first - 1) / RATE_HZ,
                                (double)(labels[k].last - 1) / RATE_HZ);

        /* Per-sample truth: class, or CLASS_NONE for transitions and unlabelled samples. The engine's class per
         * sample, with the revisions it makes applied (as the day's record has them), and whether it was
         * calibrated then. */
        signed char *truth = malloc((size_t)n);
        signed char *seen_at = malloc((size_t)n);
        bool *calibrated_at = malloc((size_t)n);
        struct psoas_engine *engine = NULL;
        struct psoas_config config;
        psoas_config_init(PSOAS_SIZED(&config));
        config.use_gyro = use_gyro;
        if (!truth || !seen_at || !calibrated_at || psoas_engine_new(&config, &engine) < 0) {
                free(truth);
                free(seen_at);
                free(calibrated_at);
                return -ENOMEM;
        }
        if (tuning)
                engine_set_posture_tuning(engine, tuning);
        memset(truth, CLASS_NONE, (size_t)n);
        long cal_first = -1, cal_last = -1;
        for (size_t k = first; k < end; k++) {
                int cls = activity_class(labels[k].activity);
                for (long s = labels[k].first; s <= labels[k].last && s <= n; s++)
                        truth[s - 1] = (signed char)cls;
                if (cls == CLASS_STANDING && cal_first < 0) {
                        cal_first = labels[k].first - 1;
                        cal_last = labels[k].last - 1;
                }
        }

        const int64_t period_us = 1000000 / RATE_HZ;
        if (cal_first >= 0)
                psoas_engine_calibrate_window(engine, cal_first * period_us, cal_last * period_us);
        else
                psoas_engine_calibrate(engine); /* no standing segment: the first stillness */

        /* Decision latency: for each transition label followed by a posture label, the time from the end of the
         * transition to the first sample the engine agrees with the posture. */
        *ret = (RecordingResult){};
        long pending_from = -1;
        enum psoas_posture last_posture = PSOAS_POSTURE_UNKNOWN;
        int pending_class = CLASS_NONE;
        size_t next_label = first;

        for (long s = 0; s < n; s++) {
                struct psoas_sample sample = {
                        .size = sizeof(sample), .t_us = s * period_us, .has_gyro = true
                };
                for (int k = 0; k < 3; k++) {
                        sample.accel[k] = (float)(acc[3 * s + k] * G);
                        sample.gyro[k] = (float)gyro[3 * s + k];
                }
                psoas_engine_feed(engine, &sample);
                struct psoas_event ev;
                while (psoas_engine_pop_event(engine, PSOAS_SIZED(&ev)) > 0)
                        if (ev.type == PSOAS_EVENT_CALIBRATION_FAILED && !tuning)
                                fprintf(stderr, "exp%02d: calibration failed: %s\n", exp,
                                        psoas_calibration_error_to_string(ev.calibration_failed.reason));
                        else if (ev.type == PSOAS_EVENT_POSTURE_CHANGED && ev.posture.revised) {
                                if (verbose)
                                        printf("  %8.2f revised: %s since %.2f\n", (double)s / RATE_HZ,
                                                psoas_posture_to_string(ev.posture.posture),
                                                (double)ev.posture.since_us / 1e6);
                                for (long r = ev.posture.since_us > 0
                                                ? (long)(ev.posture.since_us / period_us)
                                                : 0;
                                        r < s; r++)
                                        seen_at[r] = (signed char)posture_class(ev.posture.posture);
                        }
                const struct psoas_state *st = PSOAS_ENGINE_STATE(engine);
                int seen = posture_class(st->posture);
                seen_at[s] = (signed char)seen;
                calibrated_at[s] = st->calibrated;
                if (verbose && s > 0 && st->posture != last_posture)
                        printf("  %8.2f posture %s\n", (double)s / RATE_HZ,
                                psoas_posture_to_string(st->posture));
                last_posture = st->posture;

                while (next_label < end && labels[next_label].last - 1 < s)
                        next_label++;
                if (next_label < end && labels[next_label].first - 1 == s && next_label > first &&
                        activity_class(labels[next_label - 1].activity) == CLASS_NONE &&
                        activity_class(labels[next_label].activity) != CLASS_NONE) {
                        if (pending_from >= 0)
                                ret->never_decided++;
                        pending_from = labels[next_label - 1].last; /* first sample after it */
                        pending_class = activity_class(labels[next_label].activity);
                }
                if (pending_from >= 0 && seen == pending_class) {
                        if (ret->n_latencies < MAX_LABELS)
                                ret->latencies[ret->n_latencies++] = (double)(s - pending_from) / RATE_HZ;
                        pending_from = -1;
                } else if (pending_from >= 0 && truth[s] != pending_class && truth[s] != CLASS_NONE) {
                        ret->never_decided++;
                        pending_from = -1;
                }
        }
        if (pending_from >= 0)
                ret->never_decided++;
        for (long s = 0; s < n; s++)
                if (truth[s] != CLASS_NONE && calibrated_at[s])
                        ret->confusion[(int)truth[s]][seen_at[s] == CLASS_NONE ? N_CLASSES : seen_at[s]]++;

        for (int t = 0; t < N_CLASSES; t++)
                for (int p = 0; p <= N_CLASSES; p++) {
                        if (t == CLASS_SITTING)
                                ret->sitting_true += ret->confusion[t][p];
                        if (p == CLASS_SITTING)
                                ret->sitting_seen += ret->confusion[t][p];
                }

        psoas_engine_free(engine);
        free(truth);
        free(seen_at);
        free(calibrated_at);
        return 0;
}

static double recording_sitting_error(const RecordingResult *r) {
        if (r->sitting_true == 0)
                return 0.0;
        return fabs((double)r->sitting_seen - (double)r->sitting_true) / (double)r->sitting_true;
}

static void score_add(Score *s, int exp, const RecordingResult *r) {
        for (int t = 0; t < N_CLASSES; t++)
                for (int p = 0; p <= N_CLASSES; p++)
                        s->confusion[t][p] += r->confusion[t][p];
        double err = recording_sitting_error(r);
        if (err > s->worst_error || s->recordings == 0) {
                s->worst_error = err;
                s->worst_exp = exp;
        }
        if (err > MAX_SITTING_ERROR)
                s->over_limit++;
        s->recordings++;
        for (size_t i = 0; i < r->n_latencies && s->n_latencies < MAX_LABELS; i++)
                s->latencies[s->n_latencies++] = r->latencies[i];
        s->never_decided += r->never_decided;
}

static double score_recall(const Score *s, int cls) {
        unsigned long long total = 0;
        for (int p = 0; p <= N_CLASSES; p++)
                total += s->confusion[cls][p];
        return total ? (double)s->confusion[cls][cls] / (double)total : 0.0;
}

static double score_balanced(const Score *s) {
        double balanced = 0.0;
        for (int t = 0; t < N_CLASSES; t++)
                balanced += score_recall(s, t) / N_CLASSES;
        return balanced;
}

static double score_latency(const Score *s, double p) {
        double v[MAX_LABELS];
        memcpy(v, s->latencies, s->n_latencies * sizeof(double));
        return percentile(v, s->n_latencies, p);
}

static int labels_read(const char *dir, Label *labels, size_t max, size_t *ret_n) {
        char path[4096];
        size_t n = 0;

        snprintf(path, sizeof(path), "%s/labels.txt", dir);
        FILE *f = fopen(path, "re");
        if (!f) {
                int r = -errno;
                fprintf(stderr, "%s: %s (the HAPT data set is not there)\n", path, strerror(-r));
                return r;
        }
        while (n < max &&
                fscanf(f, "%d %d %d %ld %ld", &labels[n].exp, &labels[n].user, &labels[n].activity,
                        &labels[n].first, &labels[n].last) == 5)
                n++;
        fclose(f);
        *ret_n = n;
        return 0;
}

typedef struct Options {
        const char *dir;
        bool use_gyro, check, per_recording, markdown, loso;
        int only, max_over_limit, first_user, last_user;
        double min_balanced;
} Options;

/* The user groups the markdown tables report apart. */
static const struct { int first, last; } user_groups[] = { { 1, 10 }, { 11, 20 } };
#define N_GROUPS (sizeof(user_groups) / sizeof(user_groups[0]))

/* Scores every selected recording in one mode: all of them in *ret_all, and by user group. */
static int score_mode(const Options *o, const Label *labels, size_t n_labels, bool use_gyro, Score *ret_all,
        Score ret_groups[N_GROUPS]) {
        static RecordingResult rec;
        int r;

        if (o->per_recording)
                printf("%-10s %8s %8s %8s %8s  %9s %9s %7s\n", "recording", "sitting", "standing", "walking",
                        "lying", "sit true", "sit seen", "error");

        for (size_t i = 0; i < n_labels;) {
                int exp = labels[i].exp, user = labels[i].user;
                size_t first = i;
                while (i < n_labels && labels[i].exp == exp)
                        i++;
                if ((o->only > 0 && exp != o->only) || user < o->first_user || user > o->last_user)
                        continue;

                r = recording_run(o->dir, labels, first, i, use_gyro, NULL, o->only > 0, &rec);
                if (r < 0)
                        return r;
                score_add(ret_all, exp, &rec);
                if (ret_groups)
                        for (size_t g = 0; g < N_GROUPS; g++)
                                if (user >= user_groups[g].first && user <= user_groups[g].last)
                                        score_add(&ret_groups[g], exp, &rec);

                if (o->per_recording) {
                        printf("exp%02d/u%02d ", exp, user);
                        for (int t = 0; t < N_CLASSES; t++) {
                                unsigned long long tot = 0;
                                for (int p = 0; p <= N_CLASSES; p++)
                                        tot += rec.confusion[t][p];
                                if (tot)
                                        printf(" %7.1f%%",
                                                100.0 * (double)rec.confusion[t][t] / (double)tot);
                                else
                                        printf(" %8s", "-");
                        }
                        printf("  %8.1fs %8.1fs %6.1f%%\n", (double)rec.sitting_true / RATE_HZ,
                                (double)rec.sitting_seen / RATE_HZ, 100.0 * recording_sitting_error(&rec));
                }
        }
        return 0;
}

static void print_text(const Options *o, const Score *s) {
        printf("\nHAPT, %u recordings, %s\n", s->recordings,
                o->use_gyro ? "accelerometer + gyroscope" : "accelerometer only");
        if (o->last_user < INT_MAX)
                printf("users %d to %d only\n", o->first_user, o->last_user);
        printf("%-9s %8s   confusion (rows: label; columns: engine)\n", "class", "recall");
        printf("%-9s %8s  ", "", "");
        for (int p = 0; p < N_CLASSES; p++)
                printf(" %9s", class_names[p]);
        printf(" %9s\n", "unknown");
        for (int t = 0; t < N_CLASSES; t++) {
                printf("%-9s %7.2f%%  ", class_names[t], 100.0 * score_recall(s, t));
                for (int p = 0; p <= N_CLASSES; p++)
                        printf(" %9llu", s->confusion[t][p]);
                printf("\n");
        }
        printf("balanced accuracy: %.2f%% (target %.0f%%)\n", 100.0 * score_balanced(s),
                100.0 * TARGET_BALANCED_ACCURACY);
        printf("sitting-time error: worst %.1f%%, recordings over %.0f%%: %u of %u\n",
                100.0 * s->worst_error, 100.0 * MAX_SITTING_ERROR, s->over_limit, s->recordings);
        printf("decision latency after transitions: median %.2f s, p90 %.2f s, max %.2f s (%zu transitions, "
               "%u "
               "never decided)\n",
                score_latency(s, 50), score_latency(s, 90), score_latency(s, 100), s->n_latencies,
                s->never_decided);
}

static void print_markdown(const Score all[2], Score groups[2][N_GROUPS]) {
        const char *const mode_names[2] = { "accelerometer + gyroscope", "accelerometer only" };

        printf("| | %s | %s | target |\n", mode_names[0], mode_names[1]);
        printf("| --- | --- | --- | --- |\n");
        for (int t = 0; t < N_CLASSES; t++)
                printf("| recall, %s | %.1f %% | %.1f %% | |\n", class_labels[t],
                        100.0 * score_recall(&all[0], t), 100.0 * score_recall(&all[1], t));
        bool balanced_met = score_balanced(&all[0]) >= TARGET_BALANCED_ACCURACY;
        printf("| **balanced accuracy** | **%.2f %%** | **%.2f %%** | ≥ %.0f %% — %s |\n",
                100.0 * score_balanced(&all[0]), 100.0 * score_balanced(&all[1]),
                100.0 * TARGET_BALANCED_ACCURACY, balanced_met ? "met" : "**not met yet**");
        printf("| recordings with sitting-time error > %.0f %% |", 100.0 * MAX_SITTING_ERROR);
        for (int m = 0; m < 2; m++)
                printf(" %u of %u (worst %.1f %%, exp %02d) |", all[m].over_limit, all[m].recordings,
                        100.0 * all[m].worst_error, all[m].worst_exp);
        printf(" 0 — %s |\n", all[0].over_limit == 0 ? "met with the gyroscope" : "**not met yet**");
        printf("| decision latency after a transition |");
        for (int m = 0; m < 2; m++)
                printf(" median %.2f s, p90 %.1f s |", score_latency(&all[m], 50),
                        score_latency(&all[m], 90));
        printf(" |\n\n");

        printf("| users | recordings | balanced, gyroscope | over %.0f %%, gyroscope | balanced, "
               "accelerometer only "
               "| over %.0f %%, accelerometer only |\n",
                100.0 * MAX_SITTING_ERROR, 100.0 * MAX_SITTING_ERROR);
        printf("| --- | --- | --- | --- | --- | --- |\n");
        for (size_t g = 0; g < N_GROUPS; g++) {
                if (groups[0][g].recordings == 0)
                        continue;
                printf("| %d–%d | %u |", user_groups[g].first, user_groups[g].last, groups[0][g].recordings);
                for (int m = 0; m < 2; m++)
                        printf(" %.2f %% | %u (worst %.1f %%) |", 100.0 * score_balanced(&groups[m][g]),
                                groups[m][g].over_limit, 100.0 * groups[m][g].worst_error);
                printf("\n");
        }

        for (int m = 0; m < 2; m++) {
                printf("\n| label \\ engine (%s) |", mode_names[m]);
                for (int p = 0; p < N_CLASSES; p++)
                        printf(" %s |", class_names[p]);
                printf(" unknown | recall |\n| --- |");
                for (int p = 0; p <= N_CLASSES + 1; p++)
                        printf(" ---: |");
                printf("\n");
                for (int t = 0; t < N_CLASSES; t++) {
                        printf("| %s |", class_names[t]);
                        for (int p = 0; p <= N_CLASSES; p++)
                                printf(" %llu |", all[m].confusion[t][p]);
                        printf(" %.2f %% |\n", 100.0 * score_recall(&all[m], t));
                }
        }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Leave-one-subject-out: the posture review's numbers (PostureTuning) are chosen on 19 users and scored on the
 * 20th, for each user. The grid holds the values physics allows: a seat lowers the pelvis by at least 0.18 m (a
 * bar stool), so the heights stay below that; the angle spans a stander's sway to a slumped sitter's turn; the
 * review takes between 10 s and 45 s, inside the 60 s a missed transition may cost. */
static const float grid_review_s[] = { 10.0f, 20.0f, 30.0f, 45.0f };
static const float grid_sit_height_m[] = { 0.10f, 0.125f, 0.15f };
static const float grid_stand_height_m[] = { 0.05f, 0.075f, 0.10f };
static const float grid_sit_posterior_deg[] = { 8.0f, 12.0f, 16.0f, 20.0f, 25.0f };
#define GRID_N(a) (sizeof(a) / sizeof((a)[0]))
#define N_TUNINGS                                                                                           \
        (GRID_N(grid_review_s) * GRID_N(grid_sit_height_m) * GRID_N(grid_stand_height_m) *                  \
                GRID_N(grid_sit_posterior_deg))

static PostureTuning grid_tuning(size_t k) {
        PostureTuning t;
        t.sit_posterior_deg = grid_sit_posterior_deg[k % GRID_N(grid_sit_posterior_deg)];
        k /= GRID_N(grid_sit_posterior_deg);
        t.stand_height_m = grid_stand_height_m[k % GRID_N(grid_stand_height_m)];
        k /= GRID_N(grid_stand_height_m);
        t.sit_height_m = grid_sit_height_m[k % GRID_N(grid_sit_height_m)];
        k /= GRID_N(grid_sit_height_m);
        t.review_s = grid_review_s[k];
        return t;
}

/* How far a tuning is from the engine's defaults, each number by its grid's span: ties (most folds see no
 * difference between most values) go to the values chosen before any fitting, on physical grounds. */
static double tuning_distance(const PostureTuning *t) {
        const PostureTuning *d = &posture_tuning_default;
        return fabs(t->review_s - d->review_s) / 35.0 + fabs(t->sit_height_m - d->sit_height_m) / 0.05 +
                fabs(t->stand_height_m - d->stand_height_m) / 0.05 +
                fabs(t->sit_posterior_deg - d->sit_posterior_deg) / 17.0;
}

typedef struct Brief {
        unsigned long long confusion[N_CLASSES][N_CLASSES + 1];
        unsigned long long sitting_true, sitting_seen;
} Brief;

typedef struct Fold {
        double balanced;
        unsigned over_limit;
        double distance;
} Fold;

/* Better: fewer recordings over the sitting-time limit, then higher balanced accuracy, then nearer the
 * defaults. */
static bool fold_better(const Fold *a, const Fold *b) {
        if (a->over_limit != b->over_limit)
                return a->over_limit < b->over_limit;
        if (fabs(a->balanced - b->balanced) > 1e-9)
                return a->balanced > b->balanced;
        return a->distance < b->distance;
}

/* The score of tuning k over the recordings whose user is (in_user) or is not (!in_user) user. */
static Fold fold_score(
        Brief *const *briefs, const int *users, size_t n_rec, size_t k, int user, bool in_user, Score *ret) {
        Score s = {};
        for (size_t i = 0; i < n_rec; i++) {
                if ((users[i] == user) != in_user)
                        continue;
                RecordingResult r = {};
                memcpy(r.confusion, briefs[k][i].confusion, sizeof(r.confusion));
                r.sitting_true = briefs[k][i].sitting_true;
                r.sitting_seen = briefs[k][i].sitting_seen;
                score_add(&s, 0, &r);
        }
        PostureTuning t = grid_tuning(k);
        if (ret)
                *ret = s;
        return (Fold){
                .balanced = score_balanced(&s), .over_limit = s.over_limit, .distance = tuning_distance(&t)
        };
}

static size_t fold_choose(Brief *const *briefs, const int *users, size_t n_rec, int held_out) {
        size_t best = 0;
        Fold best_fold = {};
        for (size_t k = 0; k < N_TUNINGS; k++) {
                Fold f = fold_score(briefs, users, n_rec, k, held_out, false, NULL);
                if (k == 0 || fold_better(&f, &best_fold)) {
                        best = k;
                        best_fold = f;
                }
        }
        return best;
}

static void tuning_print(const PostureTuning *t) {
        printf("%.0f s, %.3f m, %.3f m, %.0f°", t->review_s, t->sit_height_m, t->stand_height_m,
                t->sit_posterior_deg);
}

static int loso(const Options *o, const Label *labels, size_t n_labels) {
        static RecordingResult rec;
        size_t firsts[MAX_RECORDINGS], ends[MAX_RECORDINGS];
        int users[MAX_RECORDINGS], exps[MAX_RECORDINGS];
        size_t n_rec = 0;
        int r;

        for (size_t i = 0; i < n_labels && n_rec < MAX_RECORDINGS;) {
                size_t first = i;
                while (i < n_labels && labels[i].exp == labels[first].exp)
                        i++;
                if (labels[first].user < o->first_user || labels[first].user > o->last_user)
                        continue;
                firsts[n_rec] = first;
                ends[n_rec] = i;
                users[n_rec] = labels[first].user;
                exps[n_rec] = labels[first].exp;
                n_rec++;
        }

        Brief *briefs[N_TUNINGS] = {};
        for (size_t k = 0; k < N_TUNINGS; k++) {
                briefs[k] = calloc(n_rec, sizeof(Brief));
                if (!briefs[k])
                        return -ENOMEM;
                PostureTuning t = grid_tuning(k);
                for (size_t i = 0; i < n_rec; i++) {
                        r = recording_run(o->dir, labels, firsts[i], ends[i], o->use_gyro, &t, false, &rec);
                        if (r < 0)
                                return r;
                        memcpy(briefs[k][i].confusion, rec.confusion, sizeof(rec.confusion));
                        briefs[k][i].sitting_true = rec.sitting_true;
                        briefs[k][i].sitting_seen = rec.sitting_seen;
                }
        }

        printf("Leave-one-subject-out on HAPT, %s: for each user, the review's numbers (review time, seat "
               "height, standing band, backward turn) are chosen on the other users from %zu combinations "
               "and "
               "scored on that user's recordings.\n\n",
                o->use_gyro ? "accelerometer + gyroscope" : "accelerometer only", (size_t)N_TUNINGS);
        printf("| held-out user | recordings | chosen on the other users | balanced accuracy | worst "
               "sitting-time error |\n");
        printf("| --- | ---: | --- | ---: | ---: |\n");

        Score held = {};
        double worst_user_balanced = 2.0;
        int worst_user = 0;
        unsigned chose_all = 0;
        size_t all = fold_choose(briefs, users, n_rec, INT_MIN);
        for (int user = o->first_user; user <= o->last_user && user <= 99; user++) {
                bool any = false;
                for (size_t i = 0; i < n_rec; i++)
                        any |= users[i] == user;
                if (!any)
                        continue;
                size_t k = fold_choose(briefs, users, n_rec, user);
                chose_all += k == all;
                Score s;
                fold_score(briefs, users, n_rec, k, user, true, &s);
                for (size_t i = 0; i < n_rec; i++)
                        if (users[i] == user) {
                                RecordingResult rr = {};
                                memcpy(rr.confusion, briefs[k][i].confusion, sizeof(rr.confusion));
                                rr.sitting_true = briefs[k][i].sitting_true;
                                rr.sitting_seen = briefs[k][i].sitting_seen;
                                score_add(&held, exps[i], &rr);
                        }
                PostureTuning t = grid_tuning(k);
                printf("| %d | %u | ", user, s.recordings);
                tuning_print(&t);
                printf(" | %.2f %% | %.1f %% |\n", 100.0 * score_balanced(&s), 100.0 * s.worst_error);
                if (score_balanced(&s) < worst_user_balanced) {
                        worst_user_balanced = score_balanced(&s);
                        worst_user = user;
                }
        }

        /* How much the choice matters on HAPT: the spread over the grid, all users scored together. */
        double lowest = 2.0, highest = -1.0;
        unsigned most_over = 0;
        for (size_t k = 0; k < N_TUNINGS; k++) {
                Fold f = fold_score(briefs, users, n_rec, k, INT_MIN, false, NULL);
                lowest = fmin(lowest, f.balanced);
                highest = fmax(highest, f.balanced);
                most_over = f.over_limit > most_over ? f.over_limit : most_over;
        }

        PostureTuning t_all = grid_tuning(all);
        printf("\n| held out, all users | |\n| --- | --- |\n");
        printf("| balanced accuracy | **%.2f %%** |\n", 100.0 * score_balanced(&held));
        printf("| worst user | user %d, %.2f %% |\n", worst_user, 100.0 * worst_user_balanced);
        printf("| recordings with sitting-time error > %.0f %% | %u of %u (worst %.1f %%, exp %02d) |\n",
                100.0 * MAX_SITTING_ERROR, held.over_limit, held.recordings, 100.0 * held.worst_error,
                held.worst_exp);
        printf("| chosen on all users | ");
        tuning_print(&t_all);
        printf(" (the same in %u of the folds) |\n", chose_all);
        printf("| the engine's defaults | ");
        tuning_print(&posture_tuning_default);
        printf(" |\n");
        printf("| over the whole grid, all users | balanced accuracy %.2f %% to %.2f %%, up to %u "
               "recordings over "
               "%.0f %% |\n",
                100.0 * lowest, 100.0 * highest, most_over, 100.0 * MAX_SITTING_ERROR);

        for (size_t k = 0; k < N_TUNINGS; k++)
                free(briefs[k]);
        return 0;
}

static void usage(FILE *f, const char *program) {
        fprintf(f,
                "usage: %s [--no-gyro] [--min-balanced PCT] [--max-over-limit N] [--per-recording] [--only "
                "EXP] [--users FIRST-LAST] HAPT_DIR\n"
                "       %s --markdown [--users FIRST-LAST] HAPT_DIR\n"
                "       %s --loso [--no-gyro] [--users FIRST-LAST] HAPT_DIR\n"
                "       %s --help | --version\n",
                program, program, program, program);
}

int main(int argc, char **argv) {
        Options o = {
                .use_gyro = true,
                .first_user = 1,
                .last_user = INT_MAX,
                .min_balanced = TARGET_BALANCED_ACCURACY,
        };
        static const struct option options[] = {
                { "no-gyro", no_argument, NULL, 'n' },
                { "min-balanced", required_argument, NULL, 'b' },
                { "max-over-limit", required_argument, NULL, 'm' },
                { "per-recording", no_argument, NULL, 'p' },
                { "only", required_argument, NULL, 'o' },
                { "users", required_argument, NULL, 'u' },
                { "markdown", no_argument, NULL, 'M' },
                { "loso", no_argument, NULL, 'L' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'n':
                        o.use_gyro = false;
                        break;
                case 'b':
                        o.check = true;
                        o.min_balanced = atof(optarg) / 100.0;
                        break;
                case 'm':
                        o.check = true;
                        o.max_over_limit = atoi(optarg);
                        break;
                case 'p':
                        o.per_recording = true;
                        break;
                case 'o':
                        o.only = atoi(optarg);
                        break;
                case 'u':
                        if (sscanf(optarg, "%d-%d", &o.first_user, &o.last_user) != 2 ||
                                o.first_user > o.last_user) {
                                fprintf(stderr,
                                        "--users wants a range of user numbers such as 11-20, not '%s'\n",
                                        optarg);
                                return 64;
                        }
                        break;
                case 'M':
                        o.markdown = true;
                        break;
                case 'L':
                        o.loso = true;
                        break;
                case 'V':
                        cli_print_version("hapt-bench");
                        return 0;
                case 'h':
                        usage(stdout, argv[0]);
                        return 0;
                default:
                        return 64;
                }
        }
        if (optind != argc - 1) {
                usage(stderr, argv[0]);
                return 64;
        }
        if (o.markdown && (o.check || o.per_recording || o.only > 0 || !o.use_gyro)) {
                fprintf(stderr, "--markdown runs both modes over all recordings: it takes only --users\n");
                return 64;
        }
        o.dir = argv[optind];

        static Label labels[MAX_LABELS];
        size_t n_labels;
        r = labels_read(o.dir, labels, MAX_LABELS, &n_labels);
        if (r < 0)
                return 77;

        if (o.loso) {
                if (o.check || o.per_recording || o.only > 0 || o.markdown) {
                        fprintf(stderr, "--loso takes only --no-gyro and --users\n");
                        return 64;
                }
                return loso(&o, labels, n_labels) < 0 ? 1 : 0;
        }

        if (o.markdown) {
                static Score all[2], groups[2][N_GROUPS];
                for (int m = 0; m < 2; m++) {
                        r = score_mode(&o, labels, n_labels, m == 0, &all[m], groups[m]);
                        if (r < 0)
                                return 1;
                }
                print_markdown(all, groups);
                return 0;
        }

        static Score score;
        r = score_mode(&o, labels, n_labels, o.use_gyro, &score, NULL);
        if (r < 0)
                return 1;
        print_text(&o, &score);

        double balanced = score_balanced(&score);
        if (o.check && (balanced < o.min_balanced || (int)score.over_limit > o.max_over_limit)) {
                fprintf(stderr,
                        "FAIL: balanced accuracy %.2f%% (floor %.2f%%), %u recordings with sitting-time "
                        "error over %.0f%% (at most %d allowed)\n",
                        100.0 * balanced, 100.0 * o.min_balanced, score.over_limit,
                        100.0 * MAX_SITTING_ERROR, o.max_over_limit);
                return 1;
        }
        return 0;
}
