/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Accuracy on the HAPT recordings (waist-worn smartphone IMU, 50 Hz, sample-level labels): every recording is
 * streamed through libpsoas sample by sample as the daemon would, calibrated on its first labelled standing
 * segment, and the engine's posture at each sample is compared with the label.
 *
 *   hapt-bench [--no-gyro] [--min-balanced PCT] [--max-over-limit N] [--per-recording] [--only EXP]
 *              [--users FIRST-LAST] DIR
 *
 * Prints recall per class (sitting, standing, walking = labels 1-3, lying), balanced accuracy, the sitting-time
 * error of each recording (transitions and unlabelled samples excluded) and the decision latency after each
 * postural transition. --min-balanced PCT and --max-over-limit N make it exit 1 when balanced accuracy is
 * below PCT or more than N recordings have a sitting-time error over 3 %: the regression guard the test suite
 * runs. --only EXP scores one recording and prints its labelled segments beside the engine's posture changes,
 * for diagnosing a miss. --users FIRST-LAST scores only those users' recordings: to report figures on users
 * that were not used for tuning apart from those that were.
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

#include "psoas/psoas.h"

#define RATE_HZ 50
#define G 9.80665
#define MAX_LABELS 2048
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

typedef struct Label {
        int exp, user, activity;
        long first, last; /* 1-based, inclusive */
} Label;

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

static double percentile(double *v, size_t n, double p) {
        if (n == 0)
                return NAN;
        qsort(v, n, sizeof(double), compare_double);
        size_t i = (size_t)floor(p / 100.0 * (double)(n - 1) + 0.5);
        return v[i];
}

static void usage(FILE *f, const char *program) {
        fprintf(f,
                "usage: %s [--no-gyro] [--min-balanced PCT] [--max-over-limit N] [--per-recording] [--only "
                "EXP] [--users FIRST-LAST] HAPT_DIR\n",
                program);
}

int main(int argc, char **argv) {
        bool use_gyro = true, check = false, per_recording = false;
        int only = 0, max_over_limit = 0, first_user = 1, last_user = INT_MAX;
        double min_balanced = TARGET_BALANCED_ACCURACY;
        static const struct option options[] = {
                { "no-gyro", no_argument, NULL, 'n' },
                { "min-balanced", required_argument, NULL, 'b' },
                { "max-over-limit", required_argument, NULL, 'm' },
                { "per-recording", no_argument, NULL, 'p' },
                { "only", required_argument, NULL, 'o' },
                { "users", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'n':
                        use_gyro = false;
                        break;
                case 'b':
                        check = true;
                        min_balanced = atof(optarg) / 100.0;
                        break;
                case 'm':
                        check = true;
                        max_over_limit = atoi(optarg);
                        break;
                case 'p':
                        per_recording = true;
                        break;
                case 'o':
                        only = atoi(optarg);
                        break;
                case 'u':
                        if (sscanf(optarg, "%d-%d", &first_user, &last_user) != 2 ||
                                first_user > last_user) {
                                fprintf(stderr,
                                        "--users wants a range of user numbers such as 11-20, not '%s'\n",
                                        optarg);
                                return 64;
                        }
                        break;
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
        const char *dir = argv[optind];

        char path[4096];
        snprintf(path, sizeof(path), "%s/labels.txt", dir);
        FILE *lf = fopen(path, "re");
        if (!lf) {
                fprintf(stderr, "%s: %s (the HAPT data set is not there)\n", path, strerror(errno));
                return 77;
        }
        static Label labels[MAX_LABELS];
        size_t n_labels = 0;
        while (n_labels < MAX_LABELS &&
                fscanf(lf, "%d %d %d %ld %ld", &labels[n_labels].exp, &labels[n_labels].user,
                        &labels[n_labels].activity, &labels[n_labels].first, &labels[n_labels].last) == 5)
                n_labels++;
        fclose(lf);

        unsigned long long confusion[N_CLASSES][N_CLASSES + 1] = { { 0 } };
        double worst_sitting_error = 0.0;
        unsigned recordings = 0, over_limit = 0;
        static double latencies[MAX_LABELS];
        size_t n_latencies = 0;
        unsigned never_decided = 0;

        if (per_recording)
                printf("%-10s %8s %8s %8s %8s  %9s %9s %7s\n", "recording", "sitting", "standing", "walking",
                        "lying", "sit true", "sit seen", "error");

        for (size_t i = 0; i < n_labels;) {
                int exp = labels[i].exp, user = labels[i].user;
                size_t first_label = i;
                while (i < n_labels && labels[i].exp == exp)
                        i++;
                size_t end_label = i;
                if ((only > 0 && exp != only) || user < first_user || user > last_user)
                        continue;
                if (only > 0)
                        for (size_t k = first_label; k < end_label; k++)
                                printf("label %2d %8.2f-%8.2f\n", labels[k].activity,
                                        (labels[k].first - 1) / 50.0, (labels[k].last - 1) / 50.0);

                double *acc = NULL, *gyro = NULL;
                snprintf(path, sizeof(path), "%s/acc_exp%02d_user%02d.txt.gz", dir, exp, user);
                long n = read_triples(path, &acc);
                snprintf(path, sizeof(path), "%s/gyro_exp%02d_user%02d.txt.gz", dir, exp, user);
                long ng = read_triples(path, &gyro);
                if (n <= 0 || ng != n) {
                        fprintf(stderr, "exp %02d: cannot read the recordings\n", exp);
                        return 1;
                }

                /* Per-sample truth: class, or CLASS_NONE for transitions and unlabelled samples. */
                signed char *truth = malloc((size_t)n);
                memset(truth, CLASS_NONE, (size_t)n);
                long cal_first = -1, cal_last = -1;
                for (size_t k = first_label; k < end_label; k++) {
                        int cls = activity_class(labels[k].activity);
                        for (long s = labels[k].first; s <= labels[k].last && s <= n; s++)
                                truth[s - 1] = (signed char)cls;
                        if (cls == CLASS_STANDING && cal_first < 0) {
                                cal_first = labels[k].first - 1;
                                cal_last = labels[k].last - 1;
                        }
                }

                struct psoas_config config;
                psoas_config_init(&config);
                config.use_gyro = use_gyro;
                struct psoas_engine *engine = NULL;
                if (psoas_engine_new(&config, &engine) < 0)
                        return 1;
                const int64_t period_us = 1000000 / RATE_HZ;
                if (cal_first >= 0)
                        psoas_engine_calibrate_window(engine, cal_first * period_us, cal_last * period_us);
                else
                        psoas_engine_calibrate(engine); /* no standing segment: the first stillness */

                /* Decision latency: for each transition label followed by a posture label, the time from the
                 * end of the transition to the first sample the engine agrees with the posture. */
                long pending_from = -1;
                enum psoas_posture last_posture = PSOAS_POSTURE_UNKNOWN;
                int pending_class = CLASS_NONE;
                size_t next_label = first_label;
                unsigned long long rec_conf[N_CLASSES][N_CLASSES + 1] = { { 0 } };

                for (long s = 0; s < n; s++) {
                        struct psoas_sample sample = { .t_us = s * period_us, .has_gyro = true };
                        for (int k = 0; k < 3; k++) {
                                sample.accel[k] = (float)(acc[3 * s + k] * G);
                                sample.gyro[k] = (float)gyro[3 * s + k];
                        }
                        psoas_engine_feed(engine, &sample);
                        struct psoas_event ev;
                        while (psoas_engine_pop_event(engine, &ev) > 0)
                                if (ev.type == PSOAS_EVENT_CALIBRATION_FAILED)
                                        fprintf(stderr, "exp%02d: calibration failed: %s\n", exp,
                                                psoas_calibration_error_to_string(
                                                        ev.calibration_failed.reason));
                        const struct psoas_state *st = psoas_engine_get_state(engine);
                        int seen = posture_class(st->posture);
                        if (only > 0 && s > 0 && st->posture != last_posture)
                                printf("  %8.2f posture %s\n", s / 50.0,
                                        psoas_posture_to_string(st->posture));
                        last_posture = st->posture;

                        while (next_label < end_label && labels[next_label].last - 1 < s)
                                next_label++;
                        if (next_label < end_label && labels[next_label].first - 1 == s &&
                                next_label > first_label &&
                                activity_class(labels[next_label - 1].activity) == CLASS_NONE &&
                                activity_class(labels[next_label].activity) != CLASS_NONE) {
                                if (pending_from >= 0)
                                        never_decided++;
                                pending_from = labels[next_label - 1].last; /* first sample after it */
                                pending_class = activity_class(labels[next_label].activity);
                        }
                        if (pending_from >= 0 && seen == pending_class) {
                                latencies[n_latencies++] = (double)(s - pending_from) / RATE_HZ;
                                pending_from = -1;
                        } else if (pending_from >= 0 && truth[s] != pending_class &&
                                truth[s] != CLASS_NONE) {
                                never_decided++;
                                pending_from = -1;
                        }

                        if (truth[s] == CLASS_NONE || !st->calibrated)
                                continue;
                        rec_conf[(int)truth[s]][seen == CLASS_NONE ? N_CLASSES : seen]++;
                }
                if (pending_from >= 0)
                        never_decided++;

                unsigned long long sit_true = 0, sit_seen = 0;
                for (int t = 0; t < N_CLASSES; t++)
                        for (int p = 0; p <= N_CLASSES; p++) {
                                confusion[t][p] += rec_conf[t][p];
                                if (t == CLASS_SITTING)
                                        sit_true += rec_conf[t][p];
                                if (p == CLASS_SITTING)
                                        sit_seen += rec_conf[t][p];
                        }
                double err =
                        sit_true > 0 ? fabs((double)sit_seen - (double)sit_true) / (double)sit_true : 0.0;
                if (err > worst_sitting_error)
                        worst_sitting_error = err;
                if (err > MAX_SITTING_ERROR)
                        over_limit++;
                recordings++;

                if (per_recording) {
                        printf("exp%02d/u%02d ", exp, user);
                        for (int t = 0; t < N_CLASSES; t++) {
                                unsigned long long tot = 0;
                                for (int p = 0; p <= N_CLASSES; p++)
                                        tot += rec_conf[t][p];
                                if (tot)
                                        printf(" %7.1f%%", 100.0 * (double)rec_conf[t][t] / (double)tot);
                                else
                                        printf(" %8s", "-");
                        }
                        printf("  %8.1fs %8.1fs %6.1f%%\n", (double)sit_true / RATE_HZ,
                                (double)sit_seen / RATE_HZ, 100.0 * err);
                }

                psoas_engine_free(engine);
                free(truth);
                free(acc);
                free(gyro);
        }

        printf("\nHAPT, %u recordings, %s\n", recordings,
                use_gyro ? "accelerometer + gyroscope" : "accelerometer only");
        if (last_user < INT_MAX)
                printf("users %d to %d only\n", first_user, last_user);
        printf("%-9s %8s   confusion (rows: label; columns: engine)\n", "class", "recall");
        printf("%-9s %8s  ", "", "");
        for (int p = 0; p < N_CLASSES; p++)
                printf(" %9s", class_names[p]);
        printf(" %9s\n", "unknown");
        double balanced = 0.0;
        for (int t = 0; t < N_CLASSES; t++) {
                unsigned long long tot = 0;
                for (int p = 0; p <= N_CLASSES; p++)
                        tot += confusion[t][p];
                double recall = tot ? (double)confusion[t][t] / (double)tot : 0.0;
                balanced += recall / N_CLASSES;
                printf("%-9s %7.2f%%  ", class_names[t], 100.0 * recall);
                for (int p = 0; p <= N_CLASSES; p++)
                        printf(" %9llu", confusion[t][p]);
                printf("\n");
        }
        printf("balanced accuracy: %.2f%% (target %.0f%%)\n", 100.0 * balanced,
                100.0 * TARGET_BALANCED_ACCURACY);
        printf("sitting-time error: worst %.1f%%, recordings over %.0f%%: %u of %u\n",
                100.0 * worst_sitting_error, 100.0 * MAX_SITTING_ERROR, over_limit, recordings);
        double lat_copy[MAX_LABELS];
        memcpy(lat_copy, latencies, n_latencies * sizeof(double));
        printf("decision latency after transitions: median %.2f s, p90 %.2f s, max %.2f s (%zu transitions, "
               "%u "
               "never decided)\n",
                percentile(lat_copy, n_latencies, 50), percentile(lat_copy, n_latencies, 90),
                percentile(lat_copy, n_latencies, 100), n_latencies, never_decided);

        if (check && (balanced < min_balanced || (int)over_limit > max_over_limit)) {
                fprintf(stderr,
                        "FAIL: balanced accuracy %.2f%% (floor %.2f%%), %u recordings with sitting-time "
                        "error over %.0f%% (at most %d allowed)\n",
                        100.0 * balanced, 100.0 * min_balanced, over_limit, 100.0 * MAX_SITTING_ERROR,
                        max_over_limit);
                return 1;
        }
        return 0;
}
