/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The org.psoas.Posture1 interface (data/org.psoas.Posture1.xml is the reference; a test compares it with what
 * this file exports). Handlers validate their arguments, then act, then reply.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "build-config.h"
#include "bus-internal.h"
#include "bus-message.h"
#include "config.h"
#include "day-record.h"
#include "duration.h"
#include "log-journal.h"
#include "manager.h"
#include "time-util.h"

static const sd_bus_error_map posture_errors[] = {
        SD_BUS_ERROR_MAP(ERROR_NOT_STILL, EAGAIN),
        SD_BUS_ERROR_MAP(ERROR_NO_SENSOR, ENODEV),
        SD_BUS_ERROR_MAP(ERROR_BUSY, EBUSY),
        SD_BUS_ERROR_MAP(ERROR_NO_HAPTICS, ENXIO),
        SD_BUS_ERROR_MAP(ERROR_NOT_CALIBRATED, ENODATA),
        SD_BUS_ERROR_MAP_END,
};

/* ------------------------------------------------------------------------------------------------------- */
/* Access */

/* On the system bus, changing state is for root and the access group (the bus policy says the same; this is the
 * second lock). On a user bus everyone who can reach it is the user. Returns 1 when allowed, 0 with *error set. */
int bus_check_access(Manager *m, sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const gid_t *gids = NULL;
        uid_t euid;
        gid_t egid;
        int n, r;

        if (m->options.user_bus)
                return 1;

        /* AUGMENT: dbus-daemon vouches for the uid, the groups come from /proc/PID (which is why the unit
         * cannot use ProtectProc=invisible). */
        r = sd_bus_query_sender_creds(msg,
                SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS |
                        SD_BUS_CREDS_AUGMENT,
                &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0)
                return r;
        if (euid == 0)
                return 1;

        if (m->access_gid_valid) {
                if (sd_bus_creds_get_egid(creds, &egid) >= 0 && egid == m->access_gid)
                        return 1;
                n = sd_bus_creds_get_supplementary_gids(creds, &gids);
                for (int i = 0; i < n; i++)
                        if (gids[i] == m->access_gid)
                                return 1;
        }

        sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                "Only root and members of group '%s' may change psoasd's state.",
                m->config->access_group ?: "psoas");
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Properties */

static int property_get_posture(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(
                reply, "s", psoas_posture_to_string(PSOAS_ENGINE_STATE(m->engine)->posture));
}

static int property_get_tilt(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "d", PSOAS_ENGINE_STATE(m->engine)->tilt_deg);
}

static int property_get_inclination(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "d", PSOAS_ENGINE_STATE(m->engine)->inclination_deg);
}

static int property_get_calibrated(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", (int)PSOAS_ENGINE_STATE(m->engine)->calibrated);
}

static int property_get_inhibited(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", (int)PSOAS_ENGINE_STATE(m->engine)->inhibited);
}

static int property_get_sitting_since(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", manager_sitting_since(userdata));
}

static int property_get_last_break(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", manager_last_break(userdata));
}

static int property_get_snoozed_until(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", manager_snoozed_until(userdata));
}

static int property_get_sensor_state(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", sensor_state_to_string(m->sensor.state));
}

static int property_get_sensor(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", m->sensor.description ?: "");
}

static int property_get_sensor_error(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", m->sensor.error ?: "");
}

static int property_get_sitting_today(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "t", manager_sitting_today_s(m));
}

static int property_get_haptics(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", haptics_state_to_string(m->wearable.state));
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

/* The interface's revision: 2 added GetStretches(), the stretch safety properties and arguments, StretchProgress
 * and StretchMissed; 3 the steps in GetDay(); 4 CalibrateSitting() and the slouch alert, and the record of a day:
 * GetDay()'s not_worn_seconds, hours and bouts, and GetTimeline() (data/org.psoas.Posture1.xml). */
#define BUS_REVISION 4u
/* How GetDay() names the bout in progress, where a finished one says how it ended. */
#define BOUT_ONGOING "ongoing"

static int property_get_revision(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", BUS_REVISION);
}

static int property_get_stretch_red_flags(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", psoas_stretch_red_flags());
}

/* ------------------------------------------------------------------------------------------------------- */
/* Methods */

/* How many bytes of s to quote in an error message, at most max, without cutting a UTF-8 character: sd-bus
 * refuses to send a message that is not valid UTF-8, and the caller would get no reply at all. */
static int quote_length(const char *s, size_t max) {
        size_t n = strnlen(s, max);

        /* s[n] exists (it may be the NUL). While it continues a character, that character would be cut. */
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
        return (int)n;
}

/* Calibrate() and CalibrateSitting(): the engine decides, and bus_calibrate_reply() answers. */
static int calibration_method(sd_bus_message *msg, Manager *m, bool sitting, sd_bus_error *error) {
        int r;

        CHECK_ACCESS(m, msg, error);

        r = sitting ? manager_calibrate_sitting(m, msg) : manager_calibrate(m, msg);
        if (r == -ENODATA)
                return sd_bus_error_set(error, ERROR_NOT_CALIBRATED,
                        "The upright sitting reference is measured from the standing calibration: calibrate "
                        "standing first (Calibrate(), psoasctl calibrate).");
        if (r == -EBUSY)
                return sd_bus_error_set(error, ERROR_BUSY, "A calibration is already in progress.");
        if (r == -ENODEV)
                return sd_bus_error_setf(error, ERROR_NO_SENSOR,
                        "No sensor is streaming (sensor state: %s).",
                        sensor_state_to_string(m->sensor.state));
        if (r < 0)
                return r;
        /* The reply comes from bus_calibrate_reply() when the engine has decided. */
        return 1;
}

static int method_calibrate(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return calibration_method(msg, userdata, false, error);
}

static int method_calibrate_sitting(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return calibration_method(msg, userdata, true, error);
}

void bus_calibrate_reply(Manager *m, int error, enum psoas_calibration_error reason, double neutral) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (error == 0)
                r = sd_bus_reply_method_return(m->calibrate_call, "d", neutral);
        else {
                if (error == -EAGAIN && reason == PSOAS_CALIBRATION_NOT_STANDING)
                        /* Said as the engine says it, so that psoasctl can pass it on word for word. */
                        sd_bus_error_set(&e, ERROR_NOT_STANDING, psoas_calibration_error_to_string(reason));
                else if (error == -EAGAIN && reason == PSOAS_CALIBRATION_NOT_SITTING)
                        sd_bus_error_set(&e, ERROR_NOT_SITTING, psoas_calibration_error_to_string(reason));
                else if (error == -EAGAIN && m->calibrate_sitting && reason == PSOAS_CALIBRATION_MOVING)
                        /* The engine's sentence asks the wearer to stand. */
                        sd_bus_error_set(&e, ERROR_NOT_STILL,
                                "Sitting reference refused: you moved: sit upright on your sit bones and "
                                "hold "
                                "still for a few seconds.");
                else if (error == -EAGAIN)
                        sd_bus_error_setf(&e, ERROR_NOT_STILL, "Calibration refused: %s.",
                                psoas_calibration_error_to_string(reason));
                else if (error == -ETIMEDOUT)
                        sd_bus_error_set(&e, ERROR_NO_SENSOR, "Calibration abandoned: no samples arrived.");
                else
                        sd_bus_error_set(&e, ERROR_NO_SENSOR, "Calibration abandoned: the sensor stopped.");
                r = sd_bus_reply_method_error(m->calibrate_call, &e);
        }
        if (r < 0)
                log_debug_errno(
                        r, "Could not reply to %s(): %m", sd_bus_message_get_member(m->calibrate_call));
}

/* A snooze that starts, ends, or moves by a minute or more is worth a journal line; a client repeating the same
 * Snooze() (each call moving the end by the time between calls) gets a debug line per call instead, so that it
 * cannot fill the journal at the rate the bus throttle allows. */
static int snooze_log_level(uint64_t before_us, uint64_t after_us) {
        const uint64_t minute_us = 60u * 1000000u;

        if ((before_us == 0) != (after_us == 0))
                return LOG_INFO;
        if (after_us >= before_us + minute_us || before_us >= after_us + minute_us)
                return LOG_INFO;
        return LOG_DEBUG;
}

static int method_snooze(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t before_us;
        uint32_t seconds;
        int r, level;

        r = sd_bus_message_read(msg, "u", &seconds);
        if (r < 0)
                return r;
        if (seconds > SNOOZE_MAX_S)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                        "Snooze for %" PRIu32 " s is out of range: 1 to %u s, or 0 to cancel.", seconds,
                        SNOOZE_MAX_S);
        CHECK_ACCESS(m, msg, error);

        before_us = manager_snoozed_until(m);
        r = manager_snooze(m, seconds);
        if (r < 0)
                return r;
        level = snooze_log_level(before_us, manager_snoozed_until(m));
        if (seconds > 0) {
                char d[DURATION_TEXT_MAX];

                log_full(level, "Alerts snoozed for %s by %s.", duration_format(d, sizeof(d), seconds),
                        sd_bus_message_get_sender(msg) ?: "?");
        } else
                log_full(level, "Snooze cancelled by %s.", sd_bus_message_get_sender(msg) ?: "?");
        return sd_bus_reply_method_return(msg, NULL);
}

/* One stretch as a dictionary: what GetStretches() returns, and the details StretchPrompt carries. */
int bus_append_stretch_details(sd_bus_message *reply, const struct psoas_stretch *s) {
        static const char *const place_names[] = { "desk", "floor" };
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}", "id", "s", s->id, "title", "s", s->title,
                "muscles", "s", s->muscles, "instructions", "s", s->instructions, "safety", "s", s->safety);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}", "hold_min_seconds", "u", s->hold_min_s,
                "hold_max_seconds", "u", s->hold_max_s, "repetitions_min", "u", s->reps_min,
                "repetitions_max", "u", s->reps_max, "per_side", "b", (int)s->per_side);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}", "check", "s", psoas_stretch_check_to_string(s->check),
                "verifiable", "b", (int)psoas_stretch_has_signature(s));
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "places");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(place_names); i++)
                if (s->places & (1u << i))
                        r = sd_bus_message_append(reply, "s", place_names[i]);
        if (r < 0)
                return r;
        /* The array, the variant, the entry and the dictionary. */
        return bus_message_close_containers(reply, 4);
}

/* The catalog as a reply: an array of element, each stretch appended by append. */
static int reply_with_catalog(sd_bus_message *msg, Manager *m, const char *element,
        int (*append)(sd_bus_message *reply, const struct psoas_stretch *s)) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const struct psoas_stretch *catalog;
        size_t n;
        int r;

        catalog = psoas_engine_get_catalog(m->engine, &n);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', element);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = append(reply, psoas_stretch_at(catalog, i));
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* One stretch as ListStretches() (revision 1) gives it. */
static int append_stretch_summary(sd_bus_message *reply, const struct psoas_stretch *s) {
        return sd_bus_message_append(reply, "(ssssuu)", s->id, s->title, s->muscles, s->instructions,
                stretch_hold_seconds(s), stretch_repetitions(s));
}

static int method_list_stretches(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return reply_with_catalog(msg, userdata, "(ssssuu)", append_stretch_summary);
}

static int method_get_stretches(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return reply_with_catalog(msg, userdata, "a{sv}", bus_append_stretch_details);
}

static int method_complete_stretch(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *id;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        /* Validated before acting: the id must name a stretch in the catalog. */
        {
                const struct psoas_stretch *catalog;
                size_t n;
                bool found = false;

                catalog = psoas_engine_get_catalog(m->engine, &n);
                for (size_t i = 0; i < n && !found; i++)
                        found = streq(psoas_stretch_at(catalog, i)->id, id);
                if (!found)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                "Unknown stretch '%.*s'; ListStretches() gives the ids.",
                                quote_length(id, 64), id);
        }
        CHECK_ACCESS(m, msg, error);

        r = manager_complete_stretch(m, id);
        if (r < 0)
                return r;
        log_info("Stretch '%s' reported done by %s.", id, sd_bus_message_get_sender(msg) ?: "?");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_test_haptics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        int pattern, r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        pattern = haptic_pattern_from_string(name);
        if (pattern < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                        "Unknown pattern '%.*s': expected sitting, tilt, slouch, calibration-done or "
                        "calibration-refused.",
                        quote_length(name, 64), name);
        CHECK_ACCESS(m, msg, error);

        r = manager_test_haptics(m, pattern);
        if (r == -ENODEV)
                return sd_bus_error_set(error, ERROR_NO_HAPTICS,
                        "No vibration motor: the configuration has no gpio section.");
        if (r == -ENOENT)
                return sd_bus_error_set(error, ERROR_NO_HAPTICS,
                        "No vibration motor: the gpio section names a button but no motor_line.");
        if (r == -EIO)
                return sd_bus_error_setf(error, ERROR_NO_HAPTICS, "The vibration motor cannot be used: %s.",
                        m->wearable.error ?: "its GPIO lines failed; the journal says why");
        if (r < 0)
                return r;
        log_info("Playing the %s pattern for %s.", name, sd_bus_message_get_sender(msg) ?: "?");
        return sd_bus_reply_method_return(msg, NULL);
}

static uint64_t seconds_u64(double s) {
        return duration_whole_seconds(s);
}

/* The day a GetDay() or GetTimeline() argument names: "" is today; days to come are refused. */
static int read_day_argument(Manager *m, sd_bus_message *msg, int32_t *ret_day, sd_bus_error *error) {
        const char *date;
        int32_t day;
        int r;

        r = sd_bus_message_read(msg, "s", &date);
        if (r < 0)
                return r;
        if (isempty(date))
                day = manager_today(m);
        else if (day_from_string(date, &day) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                        "Invalid date '%.*s': expected YYYY-MM-DD or \"\" for today.",
                        quote_length(date, 32), date);
        else if (day > manager_today(m))
                return sd_bus_error_setf(
                        error, SD_BUS_ERROR_INVALID_ARGS, "The date %s is in the future.", date);
        *ret_day = day;
        return 0;
}

static int read_day_record(Manager *m, int32_t day, DayRecord **ret, sd_bus_error *error) {
        char date[DAY_NAME_LENGTH + 1];
        int r;

        r = manager_get_record(m, day, ret);
        if (r < 0) {
                day_to_string(day, date);
                return sd_bus_error_set_errnof(error, r, "Cannot read the record of %s: %m", date);
        }
        return 0;
}

/* The start of GetDay()'s and GetTimeline()'s reply: the day asked for, its record, and the reply with its array of
 * contents open. */
static int day_reply_begin(Manager *m, sd_bus_message *msg, const char *contents, int32_t *ret_day,
        DayRecord **ret_record, sd_bus_message **ret_reply, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = read_day_argument(m, msg, ret_day, error);
        if (r < 0)
                return r;
        r = read_day_record(m, *ret_day, ret_record, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', contents);
        if (r < 0)
                return r;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

static int append_hours(sd_bus_message *reply, Manager *m, const DayRecord *record) {
        RecordHour hours[DAY_HOURS];
        int r;

        day_record_hours(record, manager_day_elapsed_s(m, record->day), hours);
        r = bus_message_open_dict_array(reply, "hours", "(uuuuuuuu)");
        if (r < 0)
                return r;
        for (size_t h = 0; h < DAY_HOURS; h++) {
                r = sd_bus_message_append(reply, "(uuuuuuuu)", hours[h].sitting_s, hours[h].standing_s,
                        hours[h].walking_s, hours[h].lying_s, hours[h].unknown_s, hours[h].not_worn_s,
                        hours[h].no_data_s, hours[h].steps);
                if (r < 0)
                        return r;
        }
        return bus_message_close_containers(reply, 3);
}

static int append_bouts(sd_bus_message *reply, const DayRecord *record) {
        int r;

        r = bus_message_open_dict_array(reply, "bouts", "(sxxsuu)");
        if (r < 0)
                return r;
        /* The bout in progress is the latest to start: last. */
        for (size_t i = 0; i < record->n_bouts; i++) {
                const RecordBout *b = &record->bouts[i];

                r = sd_bus_message_append(reply, "(sxxsuu)", psoas_posture_to_string(b->posture),
                        b->start_realtime_us, b->end_realtime_us,
                        b->ongoing ? BOUT_ONGOING : psoas_bout_end_to_string(b->ended_by), b->walking_s,
                        b->steps);
                if (r < 0)
                        return r;
        }
        return bus_message_close_containers(reply, 3);
}

static int method_get_day(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(day_record_freep) DayRecord *record = NULL;
        Manager *m = userdata;
        struct psoas_day_stats stats;
        char date_buf[DAY_NAME_LENGTH + 1];
        int32_t day;
        int r;

        r = day_reply_begin(m, msg, "{sv}", &day, &record, &reply, error);
        if (r < 0)
                return r;
        day_to_string(day, date_buf);
        r = manager_get_day(m, day, &stats);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot read the statistics for %s: %m", date_buf);
        r = sd_bus_message_append(reply,
                "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}", "date", "s",
                date_buf, "sitting_seconds", "t", seconds_u64(stats.sitting_s), "standing_seconds", "t",
                seconds_u64(stats.standing_s), "walking_seconds", "t", seconds_u64(stats.walking_s),
                "lying_seconds", "t", seconds_u64(stats.lying_s), "sitting_bouts", "u", stats.sitting_bouts,
                "longest_bout_seconds", "t", seconds_u64(stats.longest_bout_s), "alerts", "u", stats.alerts,
                "breaks", "u", stats.breaks, "stretches_verified", "u", stats.stretches_verified,
                "stretches_self_reported", "u", stats.stretches_self_reported, "tilt_mean", "d",
                psoas_day_stats_tilt_mean(&stats), "tilt_p90", "d",
                psoas_day_stats_tilt_percentile(&stats, 90), "high_tilt_seconds", "t",
                seconds_u64(stats.high_tilt_s), "steps", "u", stats.steps, "no_data_seconds", "t",
                manager_day_no_data_s(m, &stats), "not_worn_seconds", "t", seconds_u64(stats.not_worn_s));
        if (r < 0)
                return r;
        r = append_hours(reply, m, record);
        if (r < 0)
                return r;
        r = append_bouts(reply, record);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static double tilt_or_nan(float tilt) {
        return isnan(tilt) ? NAN : (double)tilt;
}

static int method_get_timeline(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(day_record_freep) DayRecord *record = NULL;
        Manager *m = userdata;
        int32_t day;
        int r;

        r = day_reply_begin(m, msg, "(qqqqqqqqdd)", &day, &record, &reply, error);
        if (r < 0)
                return r;
        for (uint16_t i = 0; i < DAY_MINUTES; i++) {
                const struct psoas_minute *mn = &record->minutes[i];

                if (!record->has_minute[i])
                        continue;
                r = sd_bus_message_append(reply, "(qqqqqqqqdd)", i, mn->sitting_s, mn->standing_s,
                        mn->walking_s, mn->lying_s, mn->unknown_s, mn->not_worn_s, mn->steps,
                        tilt_or_nan(mn->tilt_standing_deg), tilt_or_nan(mn->tilt_sitting_deg));
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The vtable */

static const sd_bus_vtable posture_vtable[] = {
        SD_BUS_VTABLE_START(0),

        SD_BUS_PROPERTY("Posture", "s", property_get_posture, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Tilt", "d", property_get_tilt, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(
                "Inclination", "d", property_get_inclination, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Calibrated", "b", property_get_calibrated, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(
                "SittingSince", "t", property_get_sitting_since, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Changes every second while sitting: computed when read, never signalled (EmitsChangedSignal=false). */
        SD_BUS_PROPERTY("SittingToday", "t", property_get_sitting_today, 0, 0),
        SD_BUS_PROPERTY("LastBreak", "t", property_get_last_break, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(
                "SensorState", "s", property_get_sensor_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sensor", "s", property_get_sensor, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(
                "SensorError", "s", property_get_sensor_error, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SampleRate", "d", NULL, offsetof(Manager, sensor.sample_rate),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(
                "SnoozedUntil", "t", property_get_snoozed_until, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Inhibited", "b", property_get_inhibited, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Haptics", "s", property_get_haptics, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Revision", "u", property_get_revision, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY(
                "StretchRedFlags", "s", property_get_stretch_red_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ClockAnchor", "t", NULL, offsetof(Manager, clock.shown.anchor_us),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClockAnchorWall", "t", NULL, offsetof(Manager, clock.shown.anchor_wall_us),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClockSpeed", "d", NULL, offsetof(Manager, clock.shown.speed),
                SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_METHOD_WITH_ARGS("Calibrate", SD_BUS_NO_ARGS, SD_BUS_RESULT("d", neutral_inclination),
                method_calibrate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CalibrateSitting", SD_BUS_NO_ARGS,
                SD_BUS_RESULT("d", sitting_reference_inclination), method_calibrate_sitting,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Snooze", SD_BUS_ARGS("u", seconds), SD_BUS_NO_RESULT, method_snooze,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Inhibit", SD_BUS_ARGS("s", app_id, "s", reason), SD_BUS_RESULT("u", cookie),
                method_inhibit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Uninhibit", SD_BUS_ARGS("u", cookie), SD_BUS_NO_RESULT, method_uninhibit,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ClaimLive", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_claim_live,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReleaseLive", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_release_live,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListStretches", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssssuu)", stretches),
                method_list_stretches, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetStretches", SD_BUS_NO_ARGS, SD_BUS_RESULT("aa{sv}", stretches),
                method_get_stretches, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CompleteStretch", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
                method_complete_stretch, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetDay", SD_BUS_ARGS("s", date), SD_BUS_RESULT("a{sv}", stats),
                method_get_day, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetTimeline", SD_BUS_ARGS("s", date),
                SD_BUS_RESULT("a(qqqqqqqqdd)", minutes), method_get_timeline, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TestHaptics", SD_BUS_ARGS("s", pattern), SD_BUS_NO_RESULT,
                method_test_haptics, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS("Alert", SD_BUS_ARGS("s", kind, "s", message, "u", level), 0),
        SD_BUS_SIGNAL_WITH_ARGS("StretchPrompt",
                SD_BUS_ARGS("s", id, "s", title, "s", instructions, "u", hold_seconds, "u", repetitions, "s",
                        safety, "a{sv}", details),
                0),
        SD_BUS_SIGNAL_WITH_ARGS("StretchVerified", SD_BUS_ARGS("s", id), 0),
        SD_BUS_SIGNAL_WITH_ARGS("StretchProgress",
                SD_BUS_ARGS("s", id, "u", side, "u", seconds, "u", repetitions, "u", goal), 0),
        SD_BUS_SIGNAL_WITH_ARGS("StretchMissed", SD_BUS_ARGS("s", id, "as", seen, "s", message), 0),
        SD_BUS_SIGNAL_WITH_ARGS("BreakTaken", SD_BUS_ARGS("t", seconds), 0),

        SD_BUS_VTABLE_END,
};

/* ------------------------------------------------------------------------------------------------------- */
/* Throttling */

/* Every call to our object costs its sender a token (daemon/throttle.h). A client out of tokens gets
 * LimitsExceeded at once, before any handler runs, for as little work as a reply; its flood is logged once. */
static int on_incoming_message(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *sender;

        if (!sd_bus_message_is_method_call(msg, NULL, NULL) ||
                !streq_ptr(sd_bus_message_get_path(msg), BUS_PATH))
                return 0;

        sender = sd_bus_message_get_sender(msg);
        switch (throttle_take(m->throttle, sender, time_now_us(CLOCK_MONOTONIC))) {
        case THROTTLE_ALLOW:
                return 0;
        case THROTTLE_DENY_FIRST:
                log_id(LOG_WARNING, MESSAGE_ID_CLIENT_THROTTLED, 0,
                        "Throttling %s: more than %.0f calls a second (bursts of %.0f); refusing its calls "
                        "until it slows down.",
                        sender ?: "a peer", THROTTLE_DEFAULT_RATE_PER_S, THROTTLE_DEFAULT_BURST);
                break;
        case THROTTLE_DENY:
                break;
        }
        (void)sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_LIMITS_EXCEEDED,
                "Too many calls from %s: at most %.0f a second; try again later.",
                sender ?: "this connection", THROTTLE_DEFAULT_RATE_PER_S);
        return 1;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Setup */

int bus_posture_register(Manager *m) {
        int r;

        r = sd_bus_error_add_map(posture_errors);
        if (r < 0)
                return log_error_errno(r, "Cannot register the D-Bus error names: %m");

        r = m->options.user_bus ? sd_bus_open_user(&m->bus) : sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(
                        r, "Cannot connect to the %s bus: %m", m->options.user_bus ? "user" : "system");

        r = sd_bus_add_filter(m->bus, NULL, on_incoming_message, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the bus for floods: %m");

        r = sd_bus_add_object_vtable(m->bus, NULL, BUS_PATH, BUS_INTERFACE, posture_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Cannot register the D-Bus object: %m");

        r = bus_changes_attach(m);
        if (r < 0)
                return log_error_errno(r, "Cannot schedule property changes: %m");

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus to the event loop: %m");
        /* Losing the bus ends the daemon; systemd restarts it. */
        (void)sd_bus_set_exit_on_disconnect(m->bus, true);

        r = sd_bus_request_name(m->bus, BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another psoasd already owns %s on this bus.", BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Cannot own %s on the %s bus: %m", BUS_NAME,
                        m->options.user_bus ? "user" : "system");
        return 0;
}
