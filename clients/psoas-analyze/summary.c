/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The summary at the end of a run, in words or as one JSON object. */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "calendar.h"
#include "duration.h"
#include "format-number.h"
#include "macro.h"

/* ------------------------------------------------------------------------------------------------------- */
/* Summary */

void day_stats_add(struct psoas_day_stats *sum, const struct psoas_day_stats *d) {
        sum->size = sizeof(*sum);
        sum->sitting_s += d->sitting_s;
        sum->standing_s += d->standing_s;
        sum->walking_s += d->walking_s;
        sum->lying_s += d->lying_s;
        sum->unknown_s += d->unknown_s;
        sum->not_worn_s += d->not_worn_s;
        sum->sitting_bouts += d->sitting_bouts;
        sum->longest_bout_s = MAX(sum->longest_bout_s, d->longest_bout_s);
        sum->alerts += d->alerts;
        sum->breaks += d->breaks;
        sum->stretches_verified += d->stretches_verified;
        sum->stretches_self_reported += d->stretches_self_reported;
        sum->tilt_sum_deg_s += d->tilt_sum_deg_s;
        sum->tilt_s += d->tilt_s;
        sum->high_tilt_s += d->high_tilt_s;
        sum->steps += d->steps;
        for (size_t i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                sum->tilt_hist_s[i] += d->tilt_hist_s[i];
}

static const char *calibration_requested(const Context *c) {
        static const char *const names[] = {
                [CALIBRATE_NONE] = "none",
                [CALIBRATE_WINDOW] = "window",
                [CALIBRATE_FIRST] = "first",
                [CALIBRATE_AUTO] = "auto",
        };

        return names[c->calibrate];
}

static const char *calibration_status(const Context *c) {
        static const char *const names[] = {
                [CALIBRATION_NOT_REQUESTED] = "not-requested",
                [CALIBRATION_PENDING] = "not-finished",
                [CALIBRATION_OK] = "ok",
                [CALIBRATION_FAILED] = "failed",
        };

        return names[c->calibration];
}

static const char *forward_status(const Context *c, const struct psoas_state *state) {
        if (c->config.forward_known)
                return "configured";
        if (c->forward_learned || state->forward_known)
                return "learned";
        return "unknown";
}

const char *calibration_words(const Context *c, char *buf, size_t size) {
        char t[32];

        switch (c->calibration) {
        case CALIBRATION_NOT_REQUESTED:
                return "not requested";
        case CALIBRATION_PENDING:
                return c->calibrate == CALIBRATE_AUTO
                        ? "not finished: the recording ended while calibrating"
                        : "not finished: the recording ended inside the window";
        case CALIBRATION_OK:
                format_fixed(t, us_to_s(c->calibration_t_us), 3)[0] = '\0';
                snprintf(buf, size, "done at %s s, neutral inclination %.1f°", t,
                        (double)c->neutral_inclination_deg);
                return buf;
        case CALIBRATION_FAILED:
                format_fixed(t, us_to_s(c->calibration_t_us), 3)[0] = '\0';
                snprintf(buf, size, "failed at %s s: %s", t, calibration_error_words(c->calibration_error));
                return buf;
        }
        return "";
}

#define LABEL "%-20s"

void summary_write_text(Context *c, const struct psoas_state *state, const struct psoas_day_stats *total) {
        Writer *w = c->out;
        double posture_total = total->standing_s + total->sitting_s + total->walking_s + total->lying_s +
                total->unknown_s + total->not_worn_s;
        const struct {
                const char *name;
                double s;
        } postures[] = {
                { "Standing", total->standing_s },
                { "Sitting", total->sitting_s },
                { "Walking", total->walking_s },
                { "Lying", total->lying_s },
                { "Unknown", total->unknown_s },
                { "Not worn", total->not_worn_s },
        };
        char a[64], b[64], buf[256];
        double duration = us_to_s(c->last_t_us - c->first_t_us);

        writer_printf(w, LABEL "%s\n", "Input", csv_reader_name(c->reader));
        writer_printf(w, LABEL "%" PRIu64 " samples over %s", "Samples", c->n_samples,
                format_duration(a, sizeof(a), duration));
        if (c->n_samples > 1 && duration > 0)
                writer_printf(w, " (%.1f Hz)", (double)(c->n_samples - 1) / duration);
        writer_puts(w, "\n");
        if (c->has_start)
                writer_printf(w, LABEL "%s to %s (%u day%s)\n", "Time",
                        calendar_format_local_time(psoas_engine_local_time(c->engine, c->first_t_us), a),
                        calendar_format_local_time(psoas_engine_local_time(c->engine, c->last_t_us), b),
                        c->n_days, c->n_days == 1 ? "" : "s");
        writer_printf(w, LABEL "%s\n", "Gyroscope",
                c->has_gyro                              ? "used"
                        : csv_reader_has_gyro(c->reader) ? "ignored (--no-gyro)"
                                                         : "none in the input");
        writer_printf(w, LABEL "%s\n", "Calibration", calibration_words(c, buf, sizeof(buf)));
        writer_printf(w, LABEL "%s\n", "Forward direction", forward_status(c, state));

        for (size_t i = 0; i < ELEMENTSOF(postures); i++)
                writer_printf(w, LABEL "%-14s %5.1f %%\n", postures[i].name,
                        format_duration(a, sizeof(a), postures[i].s),
                        posture_total > 0 ? 100.0 * postures[i].s / posture_total : 0.0);
        writer_printf(w, LABEL "%" PRIu64 "\n", "Posture changes", c->n_posture_changes);

        writer_printf(w, LABEL "%u", "Sitting bouts", (unsigned)total->sitting_bouts);
        if (total->sitting_bouts > 0)
                writer_printf(w, ", the longest %s", format_duration(a, sizeof(a), total->longest_bout_s));
        writer_puts(w, "\n");
        writer_printf(w, LABEL "%u\n", "Breaks", (unsigned)total->breaks);
        writer_printf(w, LABEL "%u while walking\n", "Steps", (unsigned)total->steps);
        writer_printf(w, LABEL "%" PRIu64 " sitting, %" PRIu64 " tilt", "Alerts",
                c->n_alerts[PSOAS_ALERT_SITTING], c->n_alerts[PSOAS_ALERT_TILT]);
        if (c->n_alerts[PSOAS_ALERT_SITTING_SOON] > 0)
                writer_printf(w, "; %" PRIu64 " heads-up%s before them",
                        c->n_alerts[PSOAS_ALERT_SITTING_SOON],
                        c->n_alerts[PSOAS_ALERT_SITTING_SOON] == 1 ? "" : "s");
        writer_puts(w, "\n");
        writer_printf(w, LABEL "%" PRIu64 "\n", "Stretch prompts", c->n_prompts);
        writer_printf(w, LABEL "%u verified, %u self-reported\n", "Stretches done",
                (unsigned)total->stretches_verified, (unsigned)total->stretches_self_reported);

        if (total->tilt_s > 0)
                writer_printf(w,
                        LABEL "mean %.1f°, median %.1f°, 90th percentile %.1f°; %s at or above %.0f°\n",
                        "Standing tilt", psoas_day_stats_tilt_mean(total),
                        psoas_day_stats_tilt_percentile(total, 50),
                        psoas_day_stats_tilt_percentile(total, 90),
                        format_duration(a, sizeof(a), total->high_tilt_s), (double)c->config.tilt_alert_deg);
        else
                writer_printf(w, LABEL "%s\n", "Standing tilt",
                        state->calibrated ? "none recorded" : "unknown (not calibrated)");

        writer_printf(w, LABEL "%" PRIu64 "\n", "Samples rejected", state->samples_rejected);
        if (state->events_dropped > 0)
                writer_printf(w, LABEL "%" PRIu64 "\n", "Events dropped", state->events_dropped);
}

const char summary_row_header[] =
        "input,status,samples,duration_s,days,gyro,calibration,neutral_inclination_deg,standing_s,sitting_s,"
        "walking_s,lying_s,unknown_s,sitting_bouts,longest_bout_s,breaks,steps,alerts_sitting,alerts_tilt,"
        "tilt_mean_deg,not_worn_s";

void summary_write_row(Context *c, const struct psoas_state *state, const struct psoas_day_stats *total) {
        const double seconds[] = { total->standing_s, total->sitting_s, total->walking_s, total->lying_s,
                total->unknown_s };
        Writer *w = c->out;

        /* The input and status columns are the cohort's (cohort.c). */
        writer_printf(w, "%" PRIu64 ",", c->n_samples);
        writer_json_number(w, us_to_s(c->last_t_us - c->first_t_us), 3);
        writer_printf(w, ",%u,%s,%s,", c->has_start ? c->n_days : 1, c->has_gyro ? "true" : "false",
                calibration_status(c));
        if (c->calibration == CALIBRATION_OK)
                writer_json_number(w, c->neutral_inclination_deg, 2);
        for (size_t i = 0; i < ELEMENTSOF(seconds); i++) {
                writer_puts(w, ",");
                writer_json_number(w, seconds[i], 3);
        }
        writer_printf(w, ",%u,", (unsigned)total->sitting_bouts);
        writer_json_number(w, total->longest_bout_s, 3);
        writer_printf(w, ",%u,%u,%" PRIu64 ",%" PRIu64 ",", (unsigned)total->breaks, (unsigned)total->steps,
                c->n_alerts[PSOAS_ALERT_SITTING], c->n_alerts[PSOAS_ALERT_TILT]);
        if (total->tilt_s > 0)
                writer_json_number(w, psoas_day_stats_tilt_mean(total), 2);
        /* Added last, so that a reader of the columns before it reads them where they were. */
        writer_puts(w, ",");
        writer_json_number(w, total->not_worn_s, 3);
        writer_puts(w, "\n");
        (void)state;
}

void summary_write_json(Context *c, const struct psoas_state *state, const struct psoas_day_stats *total) {
        Writer *w = c->out;

        writer_puts(w, "{\n  \"input\": ");
        writer_json_string(w, csv_reader_name(c->reader));
        writer_printf(w, ",\n  \"samples\": %" PRIu64, c->n_samples);
        writer_puts(w, ",\n  \"first_t\": ");
        writer_json_number(w, us_to_s(c->first_t_us), 6);
        writer_puts(w, ",\n  \"last_t\": ");
        writer_json_number(w, us_to_s(c->last_t_us), 6);
        writer_puts(w, ",\n  \"duration_s\": ");
        writer_json_number(w, us_to_s(c->last_t_us - c->first_t_us), 6);
        writer_printf(w, ",\n  \"days\": %u", c->has_start ? c->n_days : 1);
        writer_printf(w, ",\n  \"gyro\": %s", c->has_gyro ? "true" : "false");

        writer_puts(w, ",\n  \"calibration\": {\"requested\": ");
        writer_json_string(w, calibration_requested(c));
        writer_puts(w, ", \"status\": ");
        writer_json_string(w, calibration_status(c));
        writer_printf(w, ", \"ok\": %s", c->calibration == CALIBRATION_OK ? "true" : "false");
        writer_puts(w, ", \"t\": ");
        if (c->calibration == CALIBRATION_OK || c->calibration == CALIBRATION_FAILED)
                writer_json_number(w, us_to_s(c->calibration_t_us), 6);
        else
                writer_puts(w, "null");
        writer_puts(w, ", \"error\": ");
        if (c->calibration == CALIBRATION_FAILED)
                writer_json_string(w, calibration_error_code(c->calibration_error));
        else
                writer_puts(w, "null");
        writer_puts(w, ", \"message\": ");
        if (c->calibration == CALIBRATION_FAILED)
                writer_json_string(w, calibration_error_words(c->calibration_error));
        else
                writer_puts(w, "null");
        writer_puts(w, ", \"neutral_inclination_deg\": ");
        if (c->calibration == CALIBRATION_OK)
                writer_json_number(w, c->neutral_inclination_deg, 2);
        else
                writer_puts(w, "null");
        writer_puts(w, "}");

        writer_puts(w, ",\n  \"forward\": ");
        writer_json_string(w, forward_status(c, state));

        writer_puts(w, ",\n  \"posture_s\": {\"standing\": ");
        writer_json_number(w, total->standing_s, 3);
        writer_puts(w, ", \"sitting\": ");
        writer_json_number(w, total->sitting_s, 3);
        writer_puts(w, ", \"walking\": ");
        writer_json_number(w, total->walking_s, 3);
        writer_puts(w, ", \"lying\": ");
        writer_json_number(w, total->lying_s, 3);
        writer_puts(w, ", \"unknown\": ");
        writer_json_number(w, total->unknown_s, 3);
        writer_puts(w, ", \"not_worn\": ");
        writer_json_number(w, total->not_worn_s, 3);
        writer_puts(w, "}");
        writer_printf(w, ",\n  \"posture_changes\": %" PRIu64, c->n_posture_changes);

        writer_printf(w,
                ",\n  \"sitting_bouts\": {\"count\": %u, \"longest_s\": ", (unsigned)total->sitting_bouts);
        writer_json_number(w, total->longest_bout_s, 3);
        writer_puts(w, "}");
        writer_printf(w, ",\n  \"breaks\": %u", (unsigned)total->breaks);
        writer_printf(w, ",\n  \"steps\": %u", (unsigned)total->steps);
        writer_printf(w,
                ",\n  \"alerts\": {\"sitting\": %" PRIu64 ", \"tilt\": %" PRIu64 ", \"total\": %" PRIu64
                ", \"sitting_soon\": %" PRIu64 "}",
                c->n_alerts[PSOAS_ALERT_SITTING], c->n_alerts[PSOAS_ALERT_TILT],
                c->n_alerts[PSOAS_ALERT_SITTING] + c->n_alerts[PSOAS_ALERT_TILT],
                c->n_alerts[PSOAS_ALERT_SITTING_SOON]);
        writer_printf(w, ",\n  \"stretch_prompts\": %" PRIu64, c->n_prompts);
        writer_printf(w, ",\n  \"stretches_verified\": %u", (unsigned)total->stretches_verified);
        writer_printf(w, ",\n  \"stretches_self_reported\": %u", (unsigned)total->stretches_self_reported);

        writer_puts(w, ",\n  \"tilt\": ");
        if (total->tilt_s > 0) {
                writer_puts(w, "{\"mean_deg\": ");
                writer_json_number(w, psoas_day_stats_tilt_mean(total), 2);
                writer_puts(w, ", \"median_deg\": ");
                writer_json_number(w, psoas_day_stats_tilt_percentile(total, 50), 2);
                writer_puts(w, ", \"p90_deg\": ");
                writer_json_number(w, psoas_day_stats_tilt_percentile(total, 90), 2);
                writer_puts(w, ", \"standing_s\": ");
                writer_json_number(w, total->tilt_s, 3);
                writer_puts(w, ", \"high_s\": ");
                writer_json_number(w, total->high_tilt_s, 3);
                writer_puts(w, "}");
        } else
                writer_puts(w, "null");

        writer_printf(w, ",\n  \"samples_rejected\": %" PRIu64, state->samples_rejected);
        writer_printf(w, ",\n  \"events_dropped\": %" PRIu64, state->events_dropped);
        writer_puts(w, "\n}\n");
}
