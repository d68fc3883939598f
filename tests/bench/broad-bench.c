/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inclination accuracy on BROAD (Laidig, Caruso, Cereatti, Seel, "BROAD: a Benchmark for Robust Inertial
 * Orientation Estimation", Data 6(7):72, 2021; CC BY 4.0): real IMU recordings with the sensor's true orientation
 * from optical motion capture. Every trial is streamed through libpsoas sample by sample as the daemon would, and
 * the engine's orientation quaternion is compared with the truth by BROAD's own measure.
 *
 *   broad-bench [--no-gyro] [--max-mean DEG] [--max-trial DEG] [--markdown] FILE.csv[.gz]...
 *   broad-bench --help | --version
 *
 * FILE: columns t,ax,ay,az,gx,gy,gz,qw,qx,qy,qz,moving (seconds, m/s², rad/s, the true sensor-to-earth
 * quaternion with earth z up, 1 in the scored movement phases), as in BROAD's development half (tools/bench
 * --broad-dir) or the cut trial under tests/data/broad. The inclination error is the part of the orientation error that is not a rotation
 * about the vertical: with e = q ⊗ r* (estimate q, truth r), 2·acos(√(e_w² + e_z²)). A trial's figure is its RMS
 * over the samples with moving = 1 and a finite truth; the benchmark's is the mean over trials.
 *
 * Prints one row per trial beside VQF's figure for it (6-axis, default parameters, measured on this machine and
 * given in the data's README), the means by group (rotation, translation, disturbed; slow, fast) and over all.
 * --max-mean and --max-trial make it exit 1 when the mean or any trial is above that many degrees: the
 * regression guard the test suite runs on the cut trial.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"
#include "psoas/psoas.h"

/* VQF 6D with its default parameters on the development trials, as measured on this machine (data README). */
static const struct {
        const char *prefix;
        double vqf_deg;
} vqf_figures[] = {
        { "01_", 0.60 },
        { "03_", 0.42 },
        { "05_", 0.35 },
        { "06_", 0.80 },
        { "08_", 1.76 },
        { "10_", 0.30 },
        { "12_", 0.25 },
        { "15_", 0.47 },
        { "24_", 0.61 },
        { "26_", 0.56 },
        { "28_", 1.21 },
        { "30_", 1.25 },
        { "32_", 0.56 },
        { "34_", 0.65 },
        { "36_", 0.88 },
};

enum {
        GROUP_ROTATION,
        GROUP_TRANSLATION,
        GROUP_DISTURBED,
        GROUP_SLOW,
        GROUP_FAST,
        N_GROUPS
};
static const char *const group_names[N_GROUPS] = { "rotation", "translation", "disturbed", "slow", "fast" };

typedef struct Trial {
        char name[128];
        double rmse_deg, max_deg;
        double vqf_deg; /* NAN when the trial is not one of the development half */
        unsigned long scored, samples;
} Trial;

static const char *base_name(const char *path) {
        const char *slash = strrchr(path, '/');
        return slash ? slash + 1 : path;
}

static double vqf_figure(const char *name) {
        for (size_t i = 0; i < sizeof(vqf_figures) / sizeof(vqf_figures[0]); i++)
                if (strncmp(name, vqf_figures[i].prefix, strlen(vqf_figures[i].prefix)) == 0)
                        return vqf_figures[i].vqf_deg;
        return NAN;
}

static bool in_group(const char *name, int group) {
        switch (group) {
        case GROUP_ROTATION:
                return strstr(name, "undisturbed") && strstr(name, "rotation");
        case GROUP_TRANSLATION:
                return strstr(name, "undisturbed") && strstr(name, "translation");
        case GROUP_DISTURBED:
                return strstr(name, "_disturbed") != NULL;
        case GROUP_SLOW:
                return strstr(name, "_slow_") != NULL;
        case GROUP_FAST:
                return strstr(name, "_fast_") != NULL;
        }
        return false;
}

/* The inclination error between two sensor-to-earth quaternions, in radians. */
static double inclination_error(const double q[4], const double r[4]) {
        /* e = q ⊗ r*: only its w and z parts are needed. */
        double ew = q[0] * r[0] + q[1] * r[1] + q[2] * r[2] + q[3] * r[3];
        double ez = -q[0] * r[3] - q[1] * r[2] + q[2] * r[1] + q[3] * r[0];
        double c = sqrt(ew * ew + ez * ez);
        if (c > 1.0)
                c = 1.0;
        return 2.0 * acos(c);
}

static int run_trial(const char *path, bool use_gyro, Trial *ret) {
        gzFile f = gzopen(path, "rb");
        if (!f)
                return -errno;
        struct psoas_config config;
        psoas_config_init(PSOAS_SIZED(&config));
        config.use_gyro = use_gyro;
        struct psoas_engine *engine = NULL;
        int r = psoas_engine_new(&config, &engine);
        if (r < 0) {
                gzclose(f);
                return r;
        }

        char line[512];
        unsigned long lineno = 0;
        double sum2 = 0.0, max = 0.0;
        memset(ret, 0, sizeof(*ret));
        snprintf(ret->name, sizeof(ret->name), "%s", base_name(path));
        char *dot = strstr(ret->name, ".csv");
        if (dot)
                *dot = '\0';
        ret->vqf_deg = vqf_figure(ret->name);

        while (gzgets(f, line, sizeof(line))) {
                lineno++;
                if (lineno == 1)
                        continue; /* the header */
                double v[12];
                char *p = line, *end;
                int n = 0;
                for (; n < 12; n++) {
                        v[n] = strtod(p, &end);
                        if (end == p)
                                break;
                        p = *end == ',' ? end + 1 : end;
                }
                if (n != 12) {
                        fprintf(stderr, "%s:%lu: expected 12 numbers\n", path, lineno);
                        r = -EINVAL;
                        break;
                }
                struct psoas_sample s = {
                        .size = sizeof(s),
                        .t_us = (int64_t)llround(v[0] * 1e6),
                        .accel = { (float)v[1], (float)v[2], (float)v[3] },
                        .gyro = { (float)v[4], (float)v[5], (float)v[6] },
                        .has_gyro = use_gyro,
                };
                if (psoas_engine_feed(engine, &s) < 0)
                        continue;
                ret->samples++;
                if (v[11] != 1.0 || !isfinite(v[7]))
                        continue;
                const struct psoas_state *st = PSOAS_ENGINE_STATE(engine);
                double q[4] = { st->quat[0], st->quat[1], st->quat[2], st->quat[3] };
                double e = inclination_error(q, &v[7]);
                sum2 += e * e;
                if (e > max)
                        max = e;
                ret->scored++;
        }
        gzclose(f);
        psoas_engine_free(engine);
        if (r < 0)
                return r;
        if (ret->scored == 0) {
                fprintf(stderr, "%s: no scored samples\n", path);
                return -ENODATA;
        }
        ret->rmse_deg = sqrt(sum2 / (double)ret->scored) * 180.0 / M_PI;
        ret->max_deg = max * 180.0 / M_PI;
        return 0;
}

/* Trials with two decimals (the data's README gives VQF's that way), means with three. */
static void print_row(bool markdown, const char *name, double ours, double vqf, int decimals) {
        if (markdown) {
                if (isnan(vqf))
                        printf("| %s | %.*f | — |\n", name, decimals, ours);
                else
                        printf("| %s | %.*f | %.*f |\n", name, decimals, ours, decimals, vqf);
        } else
                printf("%-46s %8.*f %8.*f\n", name, decimals, ours, decimals, vqf);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "no-gyro", no_argument, NULL, 'n' },
                { "max-mean", required_argument, NULL, 'm' },
                { "max-trial", required_argument, NULL, 't' },
                { "markdown", no_argument, NULL, 'M' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        bool use_gyro = true, markdown = false;
        double max_mean = INFINITY, max_trial = INFINITY;
        int c;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'n':
                        use_gyro = false;
                        break;
                case 'm':
                case 't': {
                        char *end;
                        double d = strtod(optarg, &end);
                        if (*end || !(d > 0.0)) {
                                fprintf(stderr, "broad-bench: --%s: not a positive number of degrees: %s\n",
                                        c == 'm' ? "max-mean" : "max-trial", optarg);
                                return 2;
                        }
                        *(c == 'm' ? &max_mean : &max_trial) = d;
                        break;
                }
                case 'M':
                        markdown = true;
                        break;
                case 'V':
                        cli_print_version("broad-bench");
                        return 0;
                case 'h':
                        printf("usage: broad-bench [--no-gyro] [--max-mean DEG] [--max-trial DEG] "
                               "[--markdown] "
                               "FILE.csv[.gz]...\n");
                        return 0;
                default:
                        return 2;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "broad-bench: no trial given (FILE.csv[.gz] with t,ax..gz,qw..qz,moving)\n");
                return 2;
        }

        size_t n = (size_t)(argc - optind);
        Trial *trials = calloc(n, sizeof(Trial));
        if (!trials)
                return 1;
        for (size_t i = 0; i < n; i++) {
                int r = run_trial(argv[optind + (int)i], use_gyro, &trials[i]);
                if (r < 0) {
                        fprintf(stderr, "broad-bench: %s: %s\n", argv[optind + (int)i], strerror(-r));
                        free(trials);
                        return 1;
                }
        }

        if (markdown) {
                printf("| trial | psoas (deg) | VQF 6D (deg) |\n| --- | ---: | ---: |\n");
        } else
                printf("%-46s %8s %8s\n", "trial (inclination RMSE, deg)", "psoas", "VQF");
        double sum = 0.0, vqf_sum = 0.0, worst = 0.0;
        bool vqf_all = true;
        const char *worst_name = "";
        for (size_t i = 0; i < n; i++) {
                print_row(markdown, trials[i].name, trials[i].rmse_deg, trials[i].vqf_deg, 2);
                sum += trials[i].rmse_deg;
                vqf_sum += trials[i].vqf_deg;
                vqf_all = vqf_all && !isnan(trials[i].vqf_deg);
                if (trials[i].rmse_deg > worst) {
                        worst = trials[i].rmse_deg;
                        worst_name = trials[i].name;
                }
        }
        bool groups_ok = true;
        for (int g = 0; g < N_GROUPS; g++) {
                double gs = 0.0, gv = 0.0;
                unsigned gn = 0;
                for (size_t i = 0; i < n; i++)
                        if (in_group(trials[i].name, g)) {
                                gs += trials[i].rmse_deg;
                                gv += trials[i].vqf_deg;
                                gn++;
                        }
                if (gn == 0)
                        continue;
                char label[64];
                snprintf(label, sizeof(label), markdown ? "*mean, %s (%u)*" : "mean, %s (%u)",
                        group_names[g], gn);
                print_row(markdown, label, gs / gn, gv / gn, 3);
                if (!isnan(gv) && gs > gv)
                        groups_ok = false;
        }
        double mean = sum / (double)n;
        char label[64];
        snprintf(label, sizeof(label), markdown ? "**mean of %zu**" : "mean of %zu", n);
        print_row(markdown, label, mean, vqf_all ? vqf_sum / (double)n : NAN, 3);
        if (markdown)
                printf("\nWorst trial: %s, %.2f°.", worst_name, worst);
        else {
                printf("worst trial: %s, %.2f deg\n", worst_name, worst);
                if (vqf_all)
                        printf("every group at or below VQF's: %s\n", groups_ok ? "yes" : "no");
        }
        free(trials);

        if (mean > max_mean) {
                fprintf(stderr, "broad-bench: mean %.3f deg is above %.3f\n", mean, max_mean);
                return 1;
        }
        if (worst > max_trial) {
                fprintf(stderr, "broad-bench: %s: %.3f deg is above %.3f\n", worst_name, worst, max_trial);
                return 1;
        }
        return 0;
}
