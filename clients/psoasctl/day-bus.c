/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "day-bus.h"

int day_read_hours(sd_bus_message *m, void *field) {
        DayHour *hours = field;
        unsigned n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(uuuuuuuu)");
        if (r < 0)
                return r;
        for (;;) {
                DayHour h;

                r = sd_bus_message_read(m, "(uuuuuuuu)", &h.sitting_s, &h.standing_s, &h.walking_s,
                        &h.lying_s, &h.unknown_s, &h.not_worn_s, &h.no_data_s, &h.steps);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (n >= 24)
                        return -EBADMSG; /* exactly 24, one per hour */
                hours[n++] = h;
        }
        if (n != 24)
                return -EBADMSG;
        return sd_bus_message_exit_container(m);
}

int64_t realtime_to_local_us(int64_t realtime_us) {
        time_t t = (time_t)floor_div(realtime_us, (int64_t)USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return realtime_us;
        return realtime_us + (int64_t)tm.tm_gmtoff * (int64_t)USEC_PER_SEC;
}

static void copy_word(char *dest, size_t size, const char *s) {
        snprintf(dest, size, "%s", s);
}

int day_read_bouts(sd_bus_message *m, void *field) {
        DayRecord *d = field;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sxxsuu)");
        if (r < 0)
                return r;
        for (;;) {
                const char *posture, *ended_by;
                int64_t start, end;
                uint32_t walking_s, steps;
                DayBout *b;

                r = sd_bus_message_read(
                        m, "(sxxsuu)", &posture, &start, &end, &ended_by, &walking_s, &steps);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                b = reallocarray(d->bouts, d->n_bouts + 1, sizeof(DayBout));
                if (!b)
                        return -ENOMEM;
                d->bouts = b;
                b = &d->bouts[d->n_bouts++];
                *b = (DayBout){
                        .start_local_us = realtime_to_local_us(start),
                        .end_local_us = realtime_to_local_us(end),
                        .walking_s = walking_s,
                        .steps = steps,
                };
                copy_word(b->posture, sizeof(b->posture), posture);
                copy_word(b->ended_by, sizeof(b->ended_by), ended_by);
        }
        return sd_bus_message_exit_container(m);
}

static int read_timeline(sd_bus_message *m, DayRecord *d) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(qqqqqqqqdd)");
        if (r < 0)
                return r;
        for (;;) {
                uint16_t minute, sitting, standing, walking, lying, unknown, not_worn, steps;
                double tilt_standing, tilt_sitting;
                RecordMinute *p;

                r = sd_bus_message_read(m, "(qqqqqqqqdd)", &minute, &sitting, &standing, &walking, &lying,
                        &unknown, &not_worn, &steps, &tilt_standing, &tilt_sitting);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                /* In order, within the day, and no more than 60 s counted. */
                if (minute >= DAY_MINUTES ||
                        (d->n_minutes > 0 && minute <= d->minutes[d->n_minutes - 1].minute) ||
                        sitting + standing + walking + lying + unknown + not_worn > 60)
                        return -EBADMSG;
                p = reallocarray(d->minutes, d->n_minutes + 1, sizeof(RecordMinute));
                if (!p)
                        return -ENOMEM;
                d->minutes = p;
                d->minutes[d->n_minutes++] = (RecordMinute){
                        .day = d->day,
                        .minute = minute,
                        .sitting_s = sitting,
                        .standing_s = standing,
                        .walking_s = walking,
                        .lying_s = lying,
                        .unknown_s = unknown,
                        .not_worn_s = not_worn,
                        .steps = steps,
                        .tilt_standing_deg = tilt_standing,
                        .tilt_sitting_deg = tilt_sitting,
                };
        }
        return sd_bus_message_exit_container(m);
}

int bus_get_timeline(sd_bus *bus, const Context *c, const char *date, DayRecord *d) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char what[64];
        int r;

        snprintf(what, sizeof(what), "cannot read the timeline of %s", date);
        r = day_from_string(date, &d->day);
        if (r < 0) {
                log_error("%s: psoasd gave '%s', which is not a YYYY-MM-DD date", what, date);
                return r;
        }
        r = sd_bus_call_method(bus, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, PSOAS_INTERFACE, "GetTimeline",
                &error, &reply, "s", date);
        if (r < 0) {
                if (sd_bus_error_has_names(
                            &error, SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                        log_error("%s: psoasd is older than interface revision 4 and keeps no per-minute "
                                  "record; update psoasd",
                                what);
                        return -EOPNOTSUPP;
                }
                return bus_log_error(c, what, &error, r);
        }
        r = read_timeline(reply, d);
        if (r < 0) {
                log_error("%s: unexpected reply from psoasd: %s", what, strerror(-r));
                return r;
        }
        return 0;
}
