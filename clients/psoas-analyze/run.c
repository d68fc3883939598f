/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Feeding the recording to the engine, sample by sample, and writing what comes of it. */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "analyze.h"
#include "calendar.h"
#include "format-number.h"
#include "log.h"
#include "macro.h"
#include "reader-thread.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(ReaderThread *, reader_thread_free);

/* ------------------------------------------------------------------------------------------------------- */
/* Running */

static void context_warn_rejected(Context *c, const CsvRecord *rec) {
        c->rejected_warnings++;
        if (c->rejected_warnings <= REJECT_WARNINGS_MAX)
                fprintf(stderr,
                        "%s:%lu: warning: the engine rejected this sample (beyond 16 g or 35 rad/s)%s\n",
                        csv_reader_name(c->reader), rec->line,
                        c->rejected_warnings == REJECT_WARNINGS_MAX ? "; not saying so again" : "");
}

/* What the first sample settles: the gyro, the wall clock, the calibration window. Returns an exit status. */
static int context_start(Context *c, const CsvRecord *first) {
        int r = 0;

        c->first_t_us = first->t_us;
        c->has_gyro = csv_reader_has_gyro(c->reader) && !c->no_gyro;

        /* Without --start, a recording that says when it was made (psoasd --record's "# psoas start:" line)
         * gives the wall clock. */
        CsvStart start;
        if (!c->has_start && csv_reader_start(c->reader, &start)) {
                c->start_local_us = start.local_us + (first->t_us - start.t_us);
                c->has_start = true;
        }
        if (c->has_start)
                psoas_engine_set_clock(c->engine, first->t_us, c->start_local_us);

        switch (c->calibrate) {
        case CALIBRATE_NONE:
                return EX_OK;
        case CALIBRATE_WINDOW:
                r = psoas_engine_calibrate_window(c->engine, c->calibrate_start_us, c->calibrate_end_us);
                break;
        case CALIBRATE_FIRST:
                r = psoas_engine_calibrate_window(
                        c->engine, first->t_us, first->t_us + c->calibrate_first_us);
                break;
        case CALIBRATE_AUTO:
                r = psoas_engine_calibrate(c->engine);
                break;
        }
        if (r < 0) {
                log_error("the engine refused the calibration: %s", strerror(-r));
                return EX_USAGE;
        }
        c->calibration = CALIBRATION_PENDING;
        return EX_OK;
}

static void context_check_day(Context *c, int64_t t_us) {
        int32_t day = (int32_t)calendar_day_of_local_us(psoas_engine_local_time(c->engine, t_us));

        if (c->has_day && day == c->day)
                return;
        /* Feeding this sample will start a new day in the engine and reset its totals: keep the old day's. */
        if (c->has_day)
                day_stats_add(&c->finished, PSOAS_ENGINE_DAY_STATS(c->engine));
        c->has_day = true;
        c->day = day;
        c->n_days++;
}

/* Without a wall clock the record's dates and times are the recording's own time taken as local time: the
 * first day is 1970-01-01 for a recording that starts at t = 0. Worth a word, not a refusal. */
static void context_warn_clock(const Context *c) {
        if (!c->has_start && (c->output == OUTPUT_TIMELINE || c->output == OUTPUT_BOUTS))
                log_error(
                        "warning: no wall clock (--start, or a '# psoas start:' line in the recording): the "
                        "dates and times are the recording's own seconds, from 1970-01-01 00:00");
}

static void context_warn_calibration(const Context *c) {
        char buf[256];

        if (c->calibration == CALIBRATION_FAILED || c->calibration == CALIBRATION_PENDING)
                log_error("warning: calibration %s", calibration_words(c, buf, sizeof(buf)));
        else if (c->calibration == CALIBRATION_NOT_REQUESTED)
                /* The engine classifies postures relative to the calibrated neutral: without one, the whole
                 * recording is "unknown", which looks like a broken engine unless we say why. */
                log_error("warning: no calibration requested, and postures and tilt need one "
                          "(--calibrate, --calibrate-first or --calibrate-auto)");
}

static int context_finish_output(Context *c) {
        const struct psoas_state *state = PSOAS_ENGINE_STATE(c->engine);
        struct psoas_day_stats total = c->finished;

        day_stats_add(&total, PSOAS_ENGINE_DAY_STATS(c->engine));

        switch (c->output) {
        case OUTPUT_SUMMARY:
                if (c->json)
                        summary_write_json(c, state, &total);
                else
                        summary_write_text(c, state, &total);
                break;
        case OUTPUT_EVENTS:
                if (c->json)
                        writer_puts(c->out, c->n_events_written > 0 ? "\n]\n" : "]\n");
                break;
        case OUTPUT_ROW:
                if (c->json)
                        summary_write_json(c, state, &total);
                else
                        summary_write_row(c, state, &total);
                break;
        case OUTPUT_TIMELINE:
        case OUTPUT_BOUTS:
                record_output_finish(c);
                break;
        case OUTPUT_SAMPLES:
                break;
        }
        return writer_flush(c->out);
}

/* A calibration on a seated wearer would swap sitting and standing for the whole recording: stop, keep what
 * was written, and say which window it was. */
static int context_refuse_calibration(Context *c) {
        char a[32], b[32];

        (void)writer_flush(c->out);
        switch (c->calibrate) {
        case CALIBRATE_WINDOW:
                format_fixed(a, us_to_s(c->calibrate_start_us), 3)[0] = '\0';
                format_fixed(b, us_to_s(c->calibrate_end_us), 3)[0] = '\0';
                log_error("%s: --calibrate %s,%s refused: %s; choose a window in which the wearer stands",
                        csv_reader_name(c->reader), a, b,
                        calibration_error_words(PSOAS_CALIBRATION_NOT_STANDING));
                break;
        case CALIBRATE_FIRST:
                format_fixed(a, us_to_s(c->calibrate_first_us), 3)[0] = '\0';
                log_error("%s: --calibrate-first %s refused: %s; choose a window in which the wearer stands",
                        csv_reader_name(c->reader), a,
                        calibration_error_words(PSOAS_CALIBRATION_NOT_STANDING));
                break;
        default:
                log_error("%s: calibration refused at %.3f s: %s", csv_reader_name(c->reader),
                        us_to_s(c->calibration_t_us),
                        calibration_error_words(PSOAS_CALIBRATION_NOT_STANDING));
                break;
        }
        return EX_DATAERR;
}

/* Feeds one record to the engine and writes what comes of it. Returns an exit status. */
static int context_feed(Context *c, const CsvRecord *rec) {
        struct psoas_sample sample;
        int r;

        if (c->n_samples == 0) {
                r = context_start(c, rec);
                if (r != EX_OK)
                        return r;
        }
        if (c->has_start)
                context_check_day(c, rec->t_us);

        sample = (struct psoas_sample){
                .size = sizeof(struct psoas_sample),
                .t_us = rec->t_us,
                .accel = { rec->accel[0], rec->accel[1], rec->accel[2] },
                .gyro = { rec->gyro[0], rec->gyro[1], rec->gyro[2] },
                .has_gyro = c->has_gyro,
        };
        r = psoas_engine_feed(c->engine, &sample);
        if (r == -EINVAL)
                context_warn_rejected(c, rec);
        else if (r < 0) {
                /* The reader already guarantees increasing time and finite values. */
                (void)writer_flush(c->out);
                log_error("%s:%lu: the engine failed on this sample: %s", csv_reader_name(c->reader),
                        rec->line, strerror(-r));
                return EX_SOFTWARE;
        }
        c->n_samples++;
        c->last_t_us = rec->t_us;

        context_drain_events(c);
        if (c->output == OUTPUT_SAMPLES)
                sample_write(c, rec->t_us, PSOAS_ENGINE_STATE(c->engine));
        else if (c->output == OUTPUT_TIMELINE || c->output == OUTPUT_BOUTS)
                context_drain_record(c);
        if (c->calibration == CALIBRATION_FAILED && c->calibration_error == PSOAS_CALIBRATION_NOT_STANDING)
                return context_refuse_calibration(c);
        return EX_OK;
}

/* Returns an exit status. */
int context_run(Context *c) {
        _cleanup_(reader_thread_freep) ReaderThread *thread = NULL;
        const char *field = NULL;
        int r, k;

        r = psoas_config_validate(&c->config, &field);
        if (r < 0) {
                for (size_t i = 0; i < c->n_bindings; i++)
                        if (field && strcmp(field, c->bindings[i].field) == 0) {
                                double min, max;

                                if (r == -ERANGE && strcmp(field, "sitting_heads_up_s") == 0 &&
                                        psoas_config_range(field, &min, &max) >= 0 &&
                                        c->config.sitting_heads_up_s >= min &&
                                        c->config.sitting_heads_up_s <= max)
                                        /* In its own range (libpsoas's), but not before the alert it announces. */
                                        log_error("--%s %s: must be less than --sitting-alert",
                                                c->bindings[i].option, c->bindings[i].arg);
                                else if (r == -ERANGE && c->bindings[i].key &&
                                        engine_key_range(c->bindings[i].key, &min, &max) >= 0)
                                        log_error("--%s %s: out of range: %g to %g %s",
                                                c->bindings[i].option, c->bindings[i].arg, min, max,
                                                c->bindings[i].key->unit);
                                else
                                        log_error("--%s '%s': %s", c->bindings[i].option, c->bindings[i].arg,
                                                r == -ERANGE ? "out of range" : "invalid");
                                return EX_USAGE;
                        }
                log_error("invalid configuration: %s", field ? field : strerror(-r));
                return EX_USAGE;
        }

        r = csv_reader_open(c->input, &c->reader);
        if (r < 0) {
                log_error("cannot open %s: %s", c->input, strerror(-r));
                return EX_NOINPUT;
        }
        /* A recording in g, °/s or milliseconds is refused, unless --units says so and it is converted. */
        r = csv_reader_set_units(c->reader, &c->units, true);
        if (r < 0) {
                log_error("cannot read %s: %s", c->input, strerror(-r));
                return EX_SOFTWARE;
        }

        r = psoas_engine_new(&c->config, &c->engine);
        if (r < 0) {
                log_error("cannot create the engine: %s", strerror(-r));
                return r == -ENOMEM ? EX_OSERR : EX_SOFTWARE;
        }
        r = psoas_engine_set_places(
                c->engine, PSOAS_PLACE_DESK | (c->floor_exercises ? (uint32_t)PSOAS_PLACE_FLOOR : 0u));
        if (r >= 0 && c->only_stretch)
                r = psoas_engine_set_catalog(c->engine, c->only_catalog, 1);
        if (r < 0) {
                log_error("cannot set up the stretches: %s", strerror(-r));
                return EX_SOFTWARE;
        }
        c->catalog = psoas_engine_get_catalog(c->engine, &c->n_catalog);
        for (int p = 0; p < _PSOAS_POSTURE_MAX; p++) {
                const char *name = posture_name((enum psoas_posture)p);

                c->posture_name_lengths[p] = MIN(strlen(name), sizeof(c->posture_names[p]) - 1);
                memcpy(c->posture_names[p], name, c->posture_name_lengths[p]);
        }

        if (writer_new(STDOUT_FILENO, &c->out) < 0) {
                log_error("out of memory");
                return EX_OSERR;
        }

        if (c->output == OUTPUT_SAMPLES)
                samples_write_header(c);
        else if (c->output == OUTPUT_EVENTS && c->json)
                writer_puts(c->out, "[");
        else if (c->output == OUTPUT_TIMELINE || c->output == OUTPUT_BOUTS)
                record_output_begin(c);

        r = reader_thread_start(c->reader, &thread);
        if (r < 0) {
                log_error("cannot start the reader thread: %s", strerror(-r));
                return EX_OSERR;
        }

        for (;;) {
                const CsvRecord *records;
                size_t n;

                k = reader_thread_next(thread, &records, &n);
                for (size_t i = 0; i < n; i++) {
                        r = context_feed(c, &records[i]);
                        if (r != EX_OK)
                                return r;
                        if (writer_error(c->out) < 0)
                                break;
                }
                if (k <= 0 || writer_error(c->out) < 0)
                        break;
        }
        if (k < 0) {
                /* What came before the bad line was analysed and written: keep it, stop here. */
                (void)writer_flush(c->out);
                if (k == -EBADMSG) {
                        fprintf(stderr, "%s\n", csv_reader_error(c->reader));
                        return EX_DATAERR;
                }
                log_error("cannot read %s: %s", csv_reader_name(c->reader), strerror(-k));
                return EX_IOERR;
        }

        if (writer_error(c->out) == 0 && c->n_samples == 0) {
                (void)writer_flush(c->out);
                fprintf(stderr, "%s: no samples\n", csv_reader_name(c->reader));
                return EX_DATAERR;
        }

        r = context_finish_output(c);
        if (r < 0) {
                log_error("cannot write the output: %s", strerror(-r));
                return EX_IOERR;
        }
        context_warn_clock(c);
        context_warn_calibration(c);
        return EX_OK;
}
