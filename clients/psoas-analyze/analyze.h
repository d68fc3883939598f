/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoas-analyze: runs the psoas engine over a recording and says what it would have seen and done.
 *
 * The engine takes all its timing from the samples, so this gives exactly what psoasd would have given live.
 * Output is streamed: on bad input, whatever was written before the bad line stays written, the message goes to
 * stderr, and the exit status says the run failed. Exit statuses follow sysexits.h.
 *
 * The program by concern: main.c starts it, options.c reads the command line, run.c feeds the recording to the
 * engine, events.c writes the events and samples it gives, record.c the timeline or bouts, summary.c the
 * summary at the end.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv-units.h"
#include "csv.h"
#include "engine-keys.h"
#include "psoas/psoas.h"
#include "record-format.h"
#include "time-util.h"
#include "writer.h"

/* Warnings about samples the engine rejects, before we stop repeating them. */
#define REJECT_WARNINGS_MAX 5

typedef enum OutputMode {
        OUTPUT_SUMMARY,
        OUTPUT_SAMPLES,
        OUTPUT_EVENTS,
        /* The record: one row per minute with data, or per bout (common/record-format.h). */
        OUTPUT_TIMELINE,
        OUTPUT_BOUTS,
        /* The summary as one CSV row without a header (or, with --json, the summary object): what each file of
         * a cohort (cohort.c) gives. */
        OUTPUT_ROW,
} OutputMode;

typedef enum CalibrateMode {
        CALIBRATE_NONE,
        CALIBRATE_WINDOW, /* --calibrate START,END */
        CALIBRATE_FIRST, /* --calibrate-first SECONDS */
        CALIBRATE_AUTO, /* --calibrate-auto: wait for stillness, as the daemon does */
} CalibrateMode;

typedef enum CalibrationStatus {
        CALIBRATION_NOT_REQUESTED,
        CALIBRATION_PENDING,
        CALIBRATION_OK,
        CALIBRATION_FAILED,
} CalibrationStatus;

typedef struct Context {
        /* Options */
        const char *input;
        /* More than one FILE: a cohort (cohort.c), analysed --jobs at a time. */
        char **inputs;
        size_t n_inputs;
        unsigned jobs;
        OutputMode output;
        bool json;
        bool quat;
        bool no_gyro;
        CsvUnits units; /* --units: what the file's columns are in */
        CalibrateMode calibrate;
        int64_t calibrate_start_us, calibrate_end_us; /* CALIBRATE_WINDOW */
        int64_t calibrate_first_us; /* CALIBRATE_FIRST */
        bool has_start;
        int64_t start_local_us; /* --start: local wall time of the first sample, as µs since the epoch */
        struct psoas_config config;
        /* Which option set which engine field, to say what is wrong in the option's terms when
         * psoas_config_validate() names the field: in its unit when it is one of engine_keys[]. */
        struct {
                const char *field, *option, *arg;
                const EngineKey *key;
        } bindings[16];
        size_t n_bindings;

        /* Run */
        struct psoas_engine *engine;
        CsvReader *reader;
        Writer *out;
        RecordWriter record; /* OUTPUT_TIMELINE, OUTPUT_BOUTS */
        const struct psoas_stretch *catalog;
        size_t n_catalog;
        /* --stretch: the one stretch prompted, a copy of the default catalog's entry. */
        const char *only_stretch;
        struct psoas_stretch only_catalog[1];
        bool floor_exercises; /* --floor-exercises */
        /* Posture names for the samples output, zero-padded so that a fixed-size copy inlines. */
        char posture_names[_PSOAS_POSTURE_MAX][16];
        size_t posture_name_lengths[_PSOAS_POSTURE_MAX];

        uint64_t n_samples;
        int64_t first_t_us, last_t_us;
        bool has_gyro;
        unsigned rejected_warnings;
        unsigned n_events_written;

        /* Days finished before the current one (only with --start, when there are day boundaries). */
        bool has_day;
        int32_t day;
        unsigned n_days;
        struct psoas_day_stats finished;

        /* Counted from the events */
        uint64_t n_posture_changes;
        uint64_t n_alerts[_PSOAS_ALERT_KIND_MAX];
        uint64_t n_prompts;
        bool forward_learned;
        CalibrationStatus calibration;
        enum psoas_calibration_error calibration_error;
        int64_t calibration_t_us;
        float neutral_inclination_deg;
} Context;

static inline double us_to_s(int64_t us) {
        return (double)us / (double)USEC_PER_SEC;
}

/* options.c: returns 1 to run, 0 to exit successfully (--help, --version), or -EINVAL after saying what is
 * wrong. */
int parse_argv(Context *c, int argc, char **argv);

/* run.c: returns an exit status. */
int context_run(Context *c);

/* events.c */
/* "2 h 05 min", "12 min 30 s", "42 s", "0.4 s", rounded down to the unit shown. */
const char *format_duration(char *buf, size_t size, double s);
const char *posture_name(enum psoas_posture p);
const char *calibration_error_code(enum psoas_calibration_error e);
const char *calibration_error_words(enum psoas_calibration_error e);
/* Writes (and counts) the events the engine has queued. */
void context_drain_events(Context *c);
void samples_write_header(Context *c);
void sample_write(Context *c, int64_t t_us, const struct psoas_state *state);

/* record.c: the timeline or the bouts the engine has settled, written (OUTPUT_TIMELINE, OUTPUT_BOUTS). */
void record_output_begin(Context *c);
void context_drain_record(Context *c);
/* At the end of the data: everything settled, written, and the JSON array closed. */
void record_output_finish(Context *c);

/* summary.c */
void day_stats_add(struct psoas_day_stats *sum, const struct psoas_day_stats *d);
const char *calibration_words(const Context *c, char *buf, size_t size);
void summary_write_text(Context *c, const struct psoas_state *state, const struct psoas_day_stats *total);
void summary_write_json(Context *c, const struct psoas_state *state, const struct psoas_day_stats *total);
/* A cohort's CSV: the header, and a row per file (its columns after input and status). */
extern const char summary_row_header[];
void summary_write_row(Context *c, const struct psoas_state *state, const struct psoas_day_stats *total);

/* cohort.c: every input analysed as if alone, c->jobs at a time; one row (or object) per input, in order. Returns
 * an exit status: 0, or the first failed input's. */
int cohort_run(Context *c);
#define COHORT_JOBS_MAX 256
