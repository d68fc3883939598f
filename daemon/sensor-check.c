/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor-check.h"
#include "time-util.h"

/* Stuck: at least this many identical samples, besides the 2 s, so that a slow source is judged on enough. */
#define STUCK_MIN_SAMPLES 10
/* Clearing stuck: over a window of at least 0.5 s and 10 pairs of consecutive samples, at least half the pairs
 * differ. A coarse accelerometer at rest repeats a sample now and then; a frozen one never changes, or changes
 * once in a while when its driver glitches. */
#define STUCK_CLEAR_USEC ((int64_t)USEC_PER_SEC / 2)
#define STUCK_CLEAR_MIN_PAIRS 10

/* Rate: judged over windows of 2 s, of timestamps or of arrival times. Arrival windows run from one batch to a
 * later one, so that regular batches (a few a second) are counted whole. A silence longer than RATE_GAP_USEC
 * between two timestamps is a stall, not a slow rate: the window starts over. */
#define RATE_WINDOW_USEC (2 * (int64_t)USEC_PER_SEC)
#define RATE_ARRIVAL_WINDOW_USEC (2 * (int64_t)USEC_PER_SEC)
#define RATE_GAP_USEC (3 * (int64_t)USEC_PER_SEC / 2)
#define RATE_MIN_SAMPLES 4

/* Garbage: 1 s windows of arrival time with at least this many samples; a window that cannot gather them in
 * 10 s is dropped (the stall timer has something to say about such a sensor). */
#define GARBAGE_WINDOW_USEC ((int64_t)USEC_PER_SEC)
#define GARBAGE_MIN_SAMPLES 10
#define GARBAGE_WINDOW_MAX_USEC (10 * (int64_t)USEC_PER_SEC)

struct SensorCheck {
        SensorCheckOptions options;
        unsigned faults;

        /* Stuck: the last valid sample and the run of identical ones it ends. */
        bool have_last;
        struct psoas_sample last;
        int64_t run_start_us;
        uint64_t run_length;
        int64_t stuck_for_us; /* how long the run was when stuck was raised, for describe() */
        bool clear_window_open; /* while stuck: the window that may clear it */
        int64_t clear_start_us;
        uint64_t clear_pairs, clear_changes;

        /* Rate. */
        bool rate_window_open;
        int64_t rate_start_us; /* sample time, or arrival time without hardware timestamps */
        int64_t rate_last_us;
        uint64_t rate_count;
        bool rate_warmed_up;
        double measured_rate;
        double measured_span_s;

        /* Garbage. */
        bool garbage_window_open;
        uint64_t garbage_start_us;
        uint64_t garbage_total, garbage_invalid;
        uint64_t judged_total, judged_invalid; /* the last window judged, for describe() */
};

int sensor_check_new(SensorCheck **ret) {
        SensorCheck *c;

        if (!ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *ret = c;
        return 0;
}

SensorCheck *sensor_check_free(SensorCheck *c) {
        free(c);
        return NULL;
}

void sensor_check_reset(SensorCheck *c, const SensorCheckOptions *options) {
        if (!c)
                return;
        *c = (SensorCheck){};
        if (options)
                c->options = *options;
        if (!isfinite(c->options.expected_rate_hz) || c->options.expected_rate_hz < 0)
                c->options.expected_rate_hz = 0;
}

unsigned sensor_check_faults(const SensorCheck *c) {
        return c ? c->faults : 0;
}

double sensor_check_measured_rate(const SensorCheck *c) {
        return c ? c->measured_rate : 0;
}

bool sensor_sample_valid(const struct psoas_sample *s) {
        float a2 = 0, g2 = 0;

        for (size_t i = 0; i < 3; i++) {
                if (!isfinite(s->accel[i]) || (s->has_gyro && !isfinite(s->gyro[i])))
                        return false;
                a2 += s->accel[i] * s->accel[i];
                if (s->has_gyro)
                        g2 += s->gyro[i] * s->gyro[i];
        }
        return a2 <= SENSOR_CHECK_ACCEL_MAX_MS2 * SENSOR_CHECK_ACCEL_MAX_MS2 &&
                g2 <= SENSOR_CHECK_GYRO_MAX_RADS * SENSOR_CHECK_GYRO_MAX_RADS;
}

/* Sets or clears fault; adds it to *changed when that is news. */
static void set_fault(SensorCheck *c, SensorFault fault, bool present, unsigned *changed) {
        if (!!(c->faults & fault) == present)
                return;
        c->faults ^= fault;
        *changed |= fault;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Stuck */

/* Bit for bit: -0.0 and 0.0 differ, as do two NaNs with different payloads; a frozen register repeats its
 * exact bits. */
static bool same_sample(const struct psoas_sample *a, const struct psoas_sample *b) {
        return a->has_gyro == b->has_gyro && memcmp(a->accel, b->accel, sizeof(a->accel)) == 0 &&
                (!a->has_gyro || memcmp(a->gyro, b->gyro, sizeof(a->gyro)) == 0);
}

static void stuck_update(SensorCheck *c, const struct psoas_sample *s, unsigned *changed) {
        bool same;

        /* Time going backwards is a new sensor (or a new recording): start over. */
        if (c->have_last && s->t_us < c->last.t_us) {
                c->have_last = false;
                c->clear_window_open = false;
        }
        same = c->have_last && same_sample(s, &c->last);

        if (same)
                c->run_length++;
        else {
                c->run_start_us = s->t_us;
                c->run_length = 1;
        }

        if (!(c->faults & SENSOR_FAULT_STUCK)) {
                if (c->run_length >= STUCK_MIN_SAMPLES &&
                        s->t_us - c->run_start_us >= SENSOR_CHECK_STUCK_USEC) {
                        c->stuck_for_us = s->t_us - c->run_start_us;
                        c->clear_window_open = false;
                        set_fault(c, SENSOR_FAULT_STUCK, true, changed);
                }
        } else if (c->have_last) {
                if (!c->clear_window_open) {
                        c->clear_window_open = true;
                        c->clear_start_us = c->last.t_us;
                        c->clear_pairs = c->clear_changes = 0;
                }
                c->clear_pairs++;
                if (!same)
                        c->clear_changes++;
                if (s->t_us - c->clear_start_us >= STUCK_CLEAR_USEC &&
                        c->clear_pairs >= STUCK_CLEAR_MIN_PAIRS) {
                        if (2 * c->clear_changes >= c->clear_pairs)
                                set_fault(c, SENSOR_FAULT_STUCK, false, changed);
                        c->clear_window_open = false;
                }
        }

        c->last = *s;
        c->have_last = true;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Rate */

static void rate_judge(SensorCheck *c, uint64_t count, int64_t span_us, unsigned *changed) {
        double rate = (double)count * 1e6 / (double)span_us;
        double error = fabs(rate / c->options.expected_rate_hz - 1.0);

        c->measured_rate = rate;
        c->measured_span_s = (double)span_us / 1e6;
        if (!(c->faults & SENSOR_FAULT_RATE) && error > SENSOR_CHECK_RATE_TOLERANCE)
                set_fault(c, SENSOR_FAULT_RATE, true, changed);
        else if ((c->faults & SENSOR_FAULT_RATE) && error <= SENSOR_CHECK_RATE_CLEAR_TOLERANCE)
                set_fault(c, SENSOR_FAULT_RATE, false, changed);
}

/* With hardware timestamps: intervals between sample times. */
static void rate_update_timestamp(SensorCheck *c, int64_t t_us, unsigned *changed) {
        if (!c->rate_window_open || t_us <= c->rate_last_us || t_us - c->rate_last_us > RATE_GAP_USEC) {
                c->rate_window_open = true;
                c->rate_start_us = c->rate_last_us = t_us;
                c->rate_count = 0;
                return;
        }
        c->rate_count++;
        c->rate_last_us = t_us;
        if (t_us - c->rate_start_us >= RATE_WINDOW_USEC && c->rate_count >= RATE_MIN_SAMPLES) {
                rate_judge(c, c->rate_count, t_us - c->rate_start_us, changed);
                c->rate_start_us = t_us;
                c->rate_count = 0;
        }
}

/* Without: samples per second of arrival time. The batch that opens a window came in before it and is not
 * counted; the first window after a reset is not judged either, since it includes what the device buffered while
 * it was being set up. */
static void rate_update_arrival(SensorCheck *c, uint64_t count, uint64_t now_us, unsigned *changed) {
        if (!c->rate_window_open) {
                c->rate_window_open = true;
                c->rate_start_us = (int64_t)now_us;
                c->rate_count = 0;
                return;
        }
        c->rate_count += count;
        if ((int64_t)now_us - c->rate_start_us >= RATE_ARRIVAL_WINDOW_USEC) {
                if (c->rate_warmed_up && c->rate_count >= RATE_MIN_SAMPLES)
                        rate_judge(c, c->rate_count, (int64_t)now_us - c->rate_start_us, changed);
                c->rate_warmed_up = true;
                c->rate_start_us = (int64_t)now_us;
                c->rate_count = 0;
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Garbage */

static void garbage_update(
        SensorCheck *c, uint64_t total, uint64_t invalid, uint64_t now_us, unsigned *changed) {
        if (!c->garbage_window_open) {
                c->garbage_window_open = true;
                c->garbage_start_us = now_us;
                c->garbage_total = c->garbage_invalid = 0;
        }
        c->garbage_total += total;
        c->garbage_invalid += invalid;

        if (now_us - c->garbage_start_us < GARBAGE_WINDOW_USEC)
                return;
        if (c->garbage_total >= GARBAGE_MIN_SAMPLES) {
                double share = (double)c->garbage_invalid / (double)c->garbage_total;

                c->judged_total = c->garbage_total;
                c->judged_invalid = c->garbage_invalid;
                if (!(c->faults & SENSOR_FAULT_GARBAGE) && share >= SENSOR_CHECK_GARBAGE_SHARE)
                        set_fault(c, SENSOR_FAULT_GARBAGE, true, changed);
                else if ((c->faults & SENSOR_FAULT_GARBAGE) && share <= SENSOR_CHECK_GARBAGE_CLEAR_SHARE)
                        set_fault(c, SENSOR_FAULT_GARBAGE, false, changed);
        } else if (now_us - c->garbage_start_us < GARBAGE_WINDOW_MAX_USEC)
                return; /* not enough to say yet */
        c->garbage_window_open = false;
}

/* ------------------------------------------------------------------------------------------------------- */

unsigned sensor_check_feed(
        SensorCheck *c, const struct psoas_sample *samples, size_t n, uint64_t n_dropped, uint64_t now_us) {
        bool timestamp_rate;
        uint64_t invalid = n_dropped;
        unsigned changed = 0;

        if (!c || (n > 0 && !samples))
                return 0;
        timestamp_rate = c->options.expected_rate_hz > 0 && c->options.hardware_timestamps;

        for (size_t i = 0; i < n; i++) {
                const struct psoas_sample *s = &samples[i];

                if (!sensor_sample_valid(s)) {
                        invalid++;
                        continue;
                }
                stuck_update(c, s, &changed);
                if (timestamp_rate)
                        rate_update_timestamp(c, s->t_us, &changed);
        }

        /* Scans the source dropped were samples all the same: they count for the rate, so that a sensor with
         * some saturated scans is not also taken for a slow one. */
        if (timestamp_rate && c->rate_window_open)
                c->rate_count += invalid;
        else if (c->options.expected_rate_hz > 0 && !c->options.hardware_timestamps)
                rate_update_arrival(c, n + n_dropped, now_us, &changed);

        garbage_update(c, n + n_dropped, invalid, now_us, &changed);
        return changed;
}

const char *sensor_check_describe(const SensorCheck *c, SensorFault fault, char *buf, size_t size) {
        if (!buf || size == 0)
                return buf;
        buf[0] = '\0';
        if (!c)
                return buf;

        switch (fault) {
        case SENSOR_FAULT_STUCK:
                snprintf(buf, size,
                        "the same sample (%.4g, %.4g, %.4g m/s²) for %.1f s; a working sensor always shows "
                        "some noise",
                        (double)c->last.accel[0], (double)c->last.accel[1], (double)c->last.accel[2],
                        (double)c->stuck_for_us / 1e6);
                break;
        case SENSOR_FAULT_RATE:
                snprintf(buf, size, "%.1f Hz measured over %.1f s, %.4g Hz expected", c->measured_rate,
                        c->measured_span_s, c->options.expected_rate_hz);
                break;
        case SENSOR_FAULT_GARBAGE:
                snprintf(buf, size,
                        "%llu of %llu samples in the last second were invalid (saturated, undecodable or "
                        "beyond 16 g or 35 rad/s)",
                        (unsigned long long)c->judged_invalid, (unsigned long long)c->judged_total);
                break;
        default:
                break;
        }
        return buf;
}

const char *sensor_fault_to_string(SensorFault fault) {
        switch (fault) {
        case SENSOR_FAULT_STUCK:
                return "stuck";
        case SENSOR_FAULT_RATE:
                return "rate-mismatch";
        case SENSOR_FAULT_GARBAGE:
                return "garbage";
        default:
                return NULL;
        }
}

SensorFault sensor_fault_primary(unsigned mask) {
        /* Garbage explains the others (invalid samples neither vary nor keep time); a stuck sensor makes the
         * data useless, a wrong rate only its timing. */
        if (mask & SENSOR_FAULT_GARBAGE)
                return SENSOR_FAULT_GARBAGE;
        if (mask & SENSOR_FAULT_STUCK)
                return SENSOR_FAULT_STUCK;
        if (mask & SENSOR_FAULT_RATE)
                return SENSOR_FAULT_RATE;
        return 0;
}
