/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libpsoas costs per sample, on a synthetic office day at 100 Hz (tests/synth, scenario "day": commute,
 * desk work with breaks, evening, a night in bed), generated into memory before anything is timed.
 *
 *   engine-bench [--hours H] [--runs N] [--markdown] [--callgrind]
 *   engine-bench --help | --version
 *
 * Each run times, one after the other on the same samples:
 *   fusion    the orientation filter alone (lib/fusion.c), with the motion flags (moving, still, at rest) the engine would give it
 *   engine    the whole engine as the daemon drives it: psoas_engine_feed() and every event popped after each
 *             sample, PSOAS_ENGINE_STATE() once per batch of ten samples (one wake-up per 100 ms)
 *   no-gyro   the same, from the accelerometer alone
 *   baseline  a textbook complementary filter, written below: the gravity direction integrated from the
 *             gyroscope and pulled towards the low-passed accelerometer, and a sagittal tilt from it
 * and prints the median ns/sample over the runs (process CPU time, so that being descheduled on a shared
 * machine does not count; caches shared with other processes still do) and the ratios to the baseline.
 *
 * Instructions per sample do not depend on the machine's load, so they are what before/after comparisons
 * should rely on. --callgrind runs this program once more under `valgrind --tool=callgrind --instr-atstart=no`
 * (found in PATH), which instruments only the timed loops (CALLGRIND_START/STOP_INSTRUMENTATION) and dumps
 * each stage's count apart; it reads the dumps back and prints instructions per sample. By hand:
 *
 *   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=cg.out engine-bench --hours 2 --runs 1
 *
 * writes cg.out.1 .. cg.out.4, one per stage in the order above, whose "totals:" line divided by the sample
 * count printed gives the same figure. --markdown prints the tables for BENCHMARKS.md (no heading), with the
 * instruction counts when valgrind is installed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define HAVE_CALLGRIND 0
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include "cli.h"
#include "fusion.h"
#include "posture.h"
#include "psoas/psoas.h"
#include "synth.h"

#define RATE_HZ 100.0
#define SEED 1
#define BATCH 10
#define DEFAULT_RUNS 5
/* Under callgrind the engine runs some 50 times slower: two hours of the day (720 000 samples: standing,
 * walking, a commute and desk work) keep it near a minute. The count is exact, the same on every run. */
#define CALLGRIND_HOURS 2.0

typedef enum Stage {
        STAGE_FUSION,
        STAGE_ENGINE,
        STAGE_ENGINE_NO_GYRO,
        STAGE_BASELINE,
        _STAGE_MAX,
} Stage;

static const char *const stage_names[_STAGE_MAX] = {
        [STAGE_FUSION] = "orientation filter alone (lib/fusion.c)",
        [STAGE_ENGINE] = "whole engine, accelerometer + gyroscope",
        [STAGE_ENGINE_NO_GYRO] = "whole engine, accelerometer only",
        [STAGE_BASELINE] = "complementary filter (baseline)",
};

typedef struct Input {
        struct psoas_sample *samples; /* with has_gyro set; cleared for the accelerometer-only run */
        FusionMotion *motion; /* what the engine's motion detector says before each fusion update */
        size_t n;
        float up[3], forward[3]; /* the truth, for the baseline's tilt */
} Input;

/* ---------------------------------------------------------------------------------------------------------- */
/* The baseline: the textbook complementary filter on the gravity direction. */

/* Weight of the gyroscope's prediction per sample at 100 Hz (0.98: a time constant of half a second) and the
 * accelerometer's low-pass smoothing factor. */
#define BASELINE_GYRO_WEIGHT 0.98f
#define BASELINE_ACC_SMOOTHING 0.2f

typedef struct Baseline {
        bool initialized;
        float acc_lp[3];
        float g[3]; /* earth up in the sensor frame (unit) */
} Baseline;

static float baseline_update(Baseline *b, float dt, const float acc[3], const float gyro[3],
        const float up0[3], const float forward[3]) {
        if (!b->initialized) {
                memcpy(b->acc_lp, acc, sizeof(b->acc_lp));
                memcpy(b->g, acc, sizeof(b->g));
                b->initialized = true;
        }
        for (unsigned i = 0; i < 3; i++)
                b->acc_lp[i] += BASELINE_ACC_SMOOTHING * (acc[i] - b->acc_lp[i]);
        float a_norm = sqrtf(
                b->acc_lp[0] * b->acc_lp[0] + b->acc_lp[1] * b->acc_lp[1] + b->acc_lp[2] * b->acc_lp[2]);

        /* A direction fixed in the earth frame turns the other way round in the sensor frame: ġ = g × ω. */
        float p[3] = {
                b->g[0] + dt * (b->g[1] * gyro[2] - b->g[2] * gyro[1]),
                b->g[1] + dt * (b->g[2] * gyro[0] - b->g[0] * gyro[2]),
                b->g[2] + dt * (b->g[0] * gyro[1] - b->g[1] * gyro[0]),
        };
        for (unsigned i = 0; i < 3; i++)
                p[i] = BASELINE_GYRO_WEIGHT * p[i] + (1.0f - BASELINE_GYRO_WEIGHT) * b->acc_lp[i] / a_norm;
        float n = 1.0f / sqrtf(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        for (unsigned i = 0; i < 3; i++)
                b->g[i] = p[i] * n;

        /* Anterior tilt: the gravity direction turns towards the wearer's back. */
        float along_forward = b->g[0] * forward[0] + b->g[1] * forward[1] + b->g[2] * forward[2];
        float along_up = b->g[0] * up0[0] + b->g[1] * up0[1] + b->g[2] * up0[2];
        return atan2f(-along_forward, along_up) * (float)(180.0 / M_PI);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The input */

static float sample_dt(const struct psoas_sample *v, size_t k) {
        return k > 0 ? (float)(v[k].t_us - v[k - 1].t_us) / 1e6f : 0.0f;
}

static int input_make(double hours, Input *ret) {
        SynthScenario *scenario = NULL;
        SynthOptions o;
        Synth *g = NULL;
        Input in = {};
        int r;

        r = synth_scenario_named("day", SEED, &scenario);
        if (r < 0)
                return r;
        synth_options_init(&o);
        o.rate_hz = RATE_HZ;
        o.seed = SEED;
        o.duration_s = hours * 3600.0;
        r = synth_mount_lookup("random", SEED, o.q_sp);
        if (r >= 0)
                r = synth_new(scenario, &o, &g);
        synth_scenario_free(scenario);
        if (r < 0)
                return r;

        in.n = synth_n_samples(g);
        in.samples = calloc(in.n, sizeof(*in.samples));
        in.motion = calloc(in.n, sizeof(*in.motion));
        if (!in.samples || !in.motion) {
                free(in.samples);
                free(in.motion);
                synth_free(g);
                return -ENOMEM;
        }
        for (size_t k = 0; k < in.n && synth_next(g, &in.samples[k], NULL) > 0; k++)
                ;
        double up[3], forward[3];
        synth_up(g, up);
        synth_forward(g, forward);
        for (unsigned i = 0; i < 3; i++) {
                in.up[i] = (float)up[i];
                in.forward[i] = (float)forward[i];
        }
        synth_free(g);

        /* The motion the fusion gets from the motion detector, in the engine's order: the motion first (with
         * the vertical acceleration of the fusion's previous estimate), then the fusion. */
        PostureClassifier p;
        Fusion f;
        posture_classifier_init(&p);
        fusion_init(&f, true);
        for (size_t k = 0; k < in.n; k++) {
                const struct psoas_sample *s = &in.samples[k];
                float dt = sample_dt(in.samples, k);
                float vertical = f.initialized ? fusion_vertical_acceleration(&f, s->accel) : 0.0f;
                posture_classifier_update_motion(&p, s->t_us, dt, s->accel, s->gyro, vertical);
                in.motion[k] = posture_classifier_motion(&p);
                fusion_update(&f, dt, s->accel, s->gyro, in.motion[k]);
        }

        *ret = in;
        return 0;
}

static void input_done(Input *in) {
        free(in->samples);
        free(in->motion);
}

/* The engine ignores the gyroscope's values in samples without has_gyro. */
static void input_set_gyro(Input *in, bool has_gyro) {
        for (size_t k = 0; k < in->n; k++)
                in->samples[k].has_gyro = has_gyro;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The stages. Each returns a checksum of its outputs, printed, so that no work can be optimised away. */

static double run_fusion(const Input *in) {
        Fusion f;
        double sum = 0.0;

        fusion_init(&f, true);
        for (size_t k = 0; k < in->n; k++) {
                const struct psoas_sample *s = &in->samples[k];
                fusion_update(&f, sample_dt(in->samples, k), s->accel, s->gyro, in->motion[k]);
                sum += f.up[2];
        }
        return sum;
}

static double run_engine(const struct psoas_sample *samples, size_t n) {
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_event ev;
        double sum = 0.0;

        psoas_config_init(PSOAS_SIZED(&config));
        if (psoas_engine_new(&config, &e) < 0)
                return NAN;
        /* The day starts at 07:00 local time, standing still: calibrate there, as a wearer would. */
        psoas_engine_set_clock(e, samples[0].t_us, 20000LL * 86400 * 1000000 + 7LL * 3600 * 1000000);
        (void)psoas_engine_calibrate(e);

        for (size_t k = 0; k < n; k++) {
                if (psoas_engine_feed(e, &samples[k]) < 0)
                        sum += 1e9;
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                        sum += (double)ev.type;
                if (k % BATCH == BATCH - 1) {
                        const struct psoas_state *st = PSOAS_ENGINE_STATE(e);
                        sum += (double)st->posture + (double)st->tilt_deg;
                }
        }
        psoas_engine_free(e);
        return sum;
}

static double run_baseline(const Input *in) {
        Baseline b = {};
        double sum = 0.0;

        for (size_t k = 0; k < in->n; k++) {
                const struct psoas_sample *s = &in->samples[k];
                sum += baseline_update(
                        &b, sample_dt(in->samples, k), s->accel, s->gyro, in->up, in->forward);
        }
        return sum;
}

static double cpu_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run_stage(const Input *in, Stage stage) {
        switch (stage) {
        case STAGE_FUSION:
                return run_fusion(in);
        case STAGE_ENGINE:
        case STAGE_ENGINE_NO_GYRO:
                return run_engine(in->samples, in->n);
        case STAGE_BASELINE:
                return run_baseline(in);
        default:
                return NAN;
        }
}

/* Runs one stage; its time (process CPU seconds) in *ret_seconds when not NULL. Under valgrind, only the stage
 * itself is instrumented, and its count is dumped apart. */
static double stage_measure(Input *in, Stage stage, double *ret_seconds) {
        if (stage == STAGE_ENGINE_NO_GYRO)
                input_set_gyro(in, false);
        CALLGRIND_START_INSTRUMENTATION;
        CALLGRIND_ZERO_STATS;
        double t0 = cpu_seconds();
        double sum = run_stage(in, stage);
        double t1 = cpu_seconds();
        CALLGRIND_DUMP_STATS_AT(stage_names[stage]);
        CALLGRIND_STOP_INSTRUMENTATION;
        if (stage == STAGE_ENGINE_NO_GYRO)
                input_set_gyro(in, true);
        if (ret_seconds)
                *ret_seconds = t1 - t0;
        return sum;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Instruction counts: this program again, under callgrind. */

/* Reads the "totals:" (or, failing that, "summary:") count of a callgrind dump; -1 when there is none. */
static long long callgrind_dump_total(const char *path) {
        FILE *f = fopen(path, "re");
        char line[512];
        long long total = -1;

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                long long v;
                if (sscanf(line, "totals: %lld", &v) == 1)
                        total = v;
                else if (total < 0 && sscanf(line, "summary: %lld", &v) == 1)
                        total = v;
        }
        fclose(f);
        return total;
}

/* Fills ret_per_sample[stage]; returns 0, or a negative errno when valgrind is missing or failed. */
static int callgrind_measure(double hours, double ret_per_sample[_STAGE_MAX]) {
        char dir[] = "/tmp/engine-bench-XXXXXX";
        char out[64], hours_arg[32], self[4096];
        int status, r = 0;

        ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (len < 0)
                return -errno;
        self[len] = '\0';
        if (!mkdtemp(dir))
                return -errno;
        snprintf(out, sizeof(out), "--callgrind-out-file=%s/cg.out", dir);
        snprintf(hours_arg, sizeof(hours_arg), "%g", hours);

        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* Only the child's report matters: keep valgrind's own chatter out of the output. */
                if (!freopen("/dev/null", "we", stdout) || !freopen("/dev/null", "we", stderr))
                        _exit(127);
                execlp("valgrind", "valgrind", "--tool=callgrind", "--instr-atstart=no", out, self,
                        "--hours", hours_arg, "--runs", "1", (char *)NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                r = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;

        size_t n = (size_t)(hours * 3600.0 * RATE_HZ);
        for (unsigned i = 0; i < _STAGE_MAX + 2; i++) {
                char path[128];
                snprintf(path, sizeof(path), "%s/cg.out.%u", dir, i);
                if (r == 0 && i >= 1 && i <= _STAGE_MAX) {
                        long long total = callgrind_dump_total(path);
                        if (total < 0)
                                r = -EIO;
                        else
                                ret_per_sample[i - 1] = (double)total / (double)n;
                }
                (void)unlink(path);
        }
        snprintf(out, sizeof(out), "%s/cg.out", dir);
        (void)unlink(out);
        (void)rmdir(dir);
        return r;
}

/* ---------------------------------------------------------------------------------------------------------- */

static void usage(FILE *f, const char *program) {
        fprintf(f,
                "usage: %s [--hours H] [--runs N] [--markdown] [--callgrind]\n       %s --help | "
                "--version\n",
                program, program);
}

int main(int argc, char **argv) {
        double hours = 24.0;
        unsigned runs = DEFAULT_RUNS;
        bool markdown = false, callgrind = false;
        static const struct option options[] = {
                { "hours", required_argument, NULL, 'H' },
                { "runs", required_argument, NULL, 'r' },
                { "markdown", no_argument, NULL, 'm' },
                { "callgrind", no_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'H':
                        hours = atof(optarg);
                        if (!(hours >= 0.01 && hours <= 24.0)) {
                                fprintf(stderr,
                                        "--hours wants a number of hours from 0.01 to 24, not '%s'\n",
                                        optarg);
                                return 64;
                        }
                        break;
                case 'r':
                        runs = (unsigned)atoi(optarg);
                        if (runs < 1 || runs > 100) {
                                fprintf(stderr, "--runs wants a count from 1 to 100, not '%s'\n", optarg);
                                return 64;
                        }
                        break;
                case 'm':
                        markdown = true;
                        break;
                case 'c':
                        callgrind = true;
                        break;
                case 'V':
                        cli_print_version("engine-bench");
                        return 0;
                case 'h':
                        usage(stdout, argv[0]);
                        return 0;
                default:
                        return 64;
                }
        }
        if (optind != argc) {
                usage(stderr, argv[0]);
                return 64;
        }

        Input in;
        r = input_make(hours, &in);
        if (r < 0) {
                fprintf(stderr, "Cannot generate the synthetic day: %s\n", strerror(-r));
                return 1;
        }

        /* Under valgrind: one run, each stage counted on its own. */
        if (RUNNING_ON_VALGRIND) {
                for (Stage s = 0; s < _STAGE_MAX; s++) {
                        double sum = stage_measure(&in, s, NULL);
                        printf("%s: %zu samples, checksum %.6g\n", stage_names[s], in.n, sum);
                }
                input_done(&in);
                return 0;
        }

        /* The stages take turns within each run, so that a change in the machine's load hits them alike. */
        double ns[_STAGE_MAX][100], median[_STAGE_MAX], checksum[_STAGE_MAX];
        for (unsigned k = 0; k < runs; k++)
                for (Stage s = 0; s < _STAGE_MAX; s++) {
                        double seconds;
                        checksum[s] = stage_measure(&in, s, &seconds);
                        ns[s][k] = seconds * 1e9 / (double)in.n;
                }
        for (Stage s = 0; s < _STAGE_MAX; s++) {
                qsort(ns[s], runs, sizeof(double), compare_double);
                median[s] = ns[s][runs / 2];
        }

        double insn[_STAGE_MAX] = {};
        bool have_insn = false;
        double cg_hours = hours < CALLGRIND_HOURS ? hours : CALLGRIND_HOURS;
        if ((callgrind || markdown) && HAVE_CALLGRIND) {
                r = callgrind_measure(cg_hours, insn);
                if (r < 0 && callgrind) {
                        fprintf(stderr, "Cannot count instructions under valgrind --tool=callgrind: %s\n",
                                strerror(-r));
                        input_done(&in);
                        return 1;
                }
                have_insn = r >= 0;
        } else if (callgrind) {
                fprintf(stderr, "Built without <valgrind/callgrind.h>: cannot count instructions.\n");
                input_done(&in);
                return 1;
        }

        const double base = median[STAGE_BASELINE];
        if (markdown) {
                printf("| stage | ns/sample | instructions/sample | time × baseline | instructions × "
                       "baseline |\n");
                printf("| --- | ---: | ---: | ---: | ---: |\n");
                for (Stage s = 0; s < _STAGE_MAX; s++) {
                        printf("| %s | %.1f |", stage_names[s], median[s]);
                        if (have_insn)
                                printf(" %.0f |", insn[s]);
                        else
                                printf(" – |");
                        printf(" %.2f |", median[s] / base);
                        if (have_insn)
                                printf(" %.2f |\n", insn[s] / insn[STAGE_BASELINE]);
                        else
                                printf(" – |\n");
                }
                printf("\n| workload | samples | timing | instructions counted over |\n");
                printf("| --- | ---: | --- | --- |\n");
                printf("| synthetic office day (tests/synth scenario \"day\", seed %d, random mounting, "
                       "every "
                       "sensor error), %.0f Hz | %zu | median of %u runs, process CPU time | ",
                        SEED, RATE_HZ, in.n, runs);
                if (have_insn)
                        printf("the first %g h (%zu samples), callgrind |\n", cg_hours,
                                (size_t)(cg_hours * 3600.0 * RATE_HZ));
                else
                        printf("– (valgrind not found) |\n");
        } else {
                printf("%zu samples (%.2f h at %.0f Hz), median of %u runs\n", in.n, hours, RATE_HZ, runs);
                for (Stage s = 0; s < _STAGE_MAX; s++) {
                        printf("%-42s %7.1f ns/sample (min %.1f, max %.1f)", stage_names[s], median[s],
                                ns[s][0], ns[s][runs - 1]);
                        if (have_insn)
                                printf("  %7.0f instructions/sample", insn[s]);
                        printf("  checksum %.6g\n", checksum[s]);
                }
                printf("engine/baseline %.2f, fusion/baseline %.2f (time)\n", median[STAGE_ENGINE] / base,
                        median[STAGE_FUSION] / base);
                if (have_insn)
                        printf("engine/baseline %.2f, fusion/baseline %.2f (instructions, first %g h)\n",
                                insn[STAGE_ENGINE] / insn[STAGE_BASELINE],
                                insn[STAGE_FUSION] / insn[STAGE_BASELINE], cg_hours);
        }
        input_done(&in);
        return 0;
}
