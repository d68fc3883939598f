/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "describe.h"

uint64_t describe_now_us(const Properties *p) {
        return psoas_clock_now(&p->clock);
}

uint64_t describe_bout_seconds(const Properties *p) {
        uint64_t now = describe_now_us(p);

        /* On psoasd's clock the bout began before now, but it may be up to a batch of samples ahead. */
        if (p->sitting_since_us == 0 || p->sitting_since_us >= now)
                return 0;
        return (now - p->sitting_since_us) / USEC_PER_SEC;
}

bool sensor_is_live(const Properties *p) {
        return streq_ptr(p->sensor_state, "streaming") || streq_ptr(p->sensor_state, "replay");
}

uint64_t describe_sitting_today_s(const Properties *p) {
        uint64_t now = describe_now_us(p);

        /* SittingToday grows with psoasd's clock while sitting: counted on from when it was read, so that it
         * agrees with the bout, which is counted from its start to now. */
        if (streq_ptr(p->posture, "sitting") && p->sitting_today_clock_us > 0 &&
                now > p->sitting_today_clock_us)
                return p->sitting_today_s + (now - p->sitting_today_clock_us) / USEC_PER_SEC;
        return p->sitting_today_s;
}

char *describe_sensor(char *buf, size_t size, const Properties *p) {
        const char *state = p->sensor_state ?: "unknown";
        const char *sensor = !isempty(p->sensor) ? p->sensor : NULL;

        if (sensor_is_live(p)) {
                const char *what = streq(state, "replay") ? "replaying a recording" : "streaming";

                if (p->sample_rate_hz > 0)
                        snprintf(buf, size, "%s at %.0f Hz%s%s%s", what, p->sample_rate_hz,
                                sensor ? " (" : "", sensor ?: "", sensor ? ")" : "");
                else
                        snprintf(buf, size, "%s%s%s%s", what, sensor ? " (" : "", sensor ?: "",
                                sensor ? ")" : "");
        } else if (streq(state, "ended")) {
                char end[CLOCK_MAX];

                /* psoasd's clock stopped at the recording's last sample. */
                snprintf(buf, size, "the recording ended at %s%s%s%s",
                        format_clock(end, sizeof(end), describe_now_us(p), describe_now_us(p)),
                        sensor ? " (" : "", sensor ?: "", sensor ? ")" : "");
        } else if (streq(state, "absent"))
                snprintf(buf, size, "no sensor found; psoasd keeps looking");
        else if (streq(state, "starting"))
                snprintf(buf, size, "starting%s%s%s", sensor ? " (" : "", sensor ?: "", sensor ? ")" : "");
        else if (streq(state, "stalled"))
                snprintf(buf, size, "stalled: no samples for a while, being reopened%s%s%s",
                        sensor ? " (" : "", sensor ?: "", sensor ? ")" : "");
        else if (streq(state, "stuck"))
                snprintf(buf, size, "stuck: it repeats one sample, which is ignored%s%s%s",
                        sensor ? " (" : "", sensor ?: "", sensor ? ")" : "");
        else if (streq(state, "rate-mismatch"))
                snprintf(buf, size, "streaming at the wrong rate%s%s%s", sensor ? " (" : "", sensor ?: "",
                        sensor ? ")" : "");
        else if (streq(state, "garbage"))
                snprintf(buf, size, "sending invalid samples%s%s%s", sensor ? " (" : "", sensor ?: "",
                        sensor ? ")" : "");
        else if (streq(state, "error") && !isempty(p->sensor_error))
                snprintf(buf, size, "failed: %s", p->sensor_error);
        else if (streq(state, "error"))
                snprintf(buf, size, "failed: psoasd cannot use it; its log says why");
        else
                snprintf(buf, size, "%s", state);
        return buf;
}

char *describe_alerts(char *buf, size_t size, const Properties *p) {
        char until[CLOCK_MAX];

        if (p->snoozed_until_us > 0 && p->inhibited)
                snprintf(buf, size, "snoozed until %s, and held back by an inhibitor",
                        format_clock(until, sizeof(until), p->snoozed_until_us, describe_now_us(p)));
        else if (p->snoozed_until_us > 0)
                snprintf(buf, size, "snoozed until %s",
                        format_clock(until, sizeof(until), p->snoozed_until_us, describe_now_us(p)));
        else if (p->inhibited)
                snprintf(buf, size, "held back by an inhibitor");
        else
                snprintf(buf, size, "on");
        return buf;
}

char *describe_posture(char *buf, size_t size, const Properties *p) {
        char tilt[DEGREES_MAX];

        if (!p->calibrated)
                snprintf(buf, size, "not calibrated");
        else
                snprintf(buf, size, "%s, tilt %s", p->posture ?: "unknown",
                        format_degrees(tilt, sizeof(tilt), p->tilt_deg));
        return buf;
}

json_object *properties_to_json(const Properties *p) {
        _cleanup_(json_object_put_nullp) json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (json_add(o, "posture", json_object_new_string(p->posture ?: "")) < 0 ||
                json_add(o, "tilt", json_new_double(p->tilt_deg)) < 0 ||
                json_add(o, "inclination", json_new_double(p->inclination_deg)) < 0 ||
                json_add(o, "calibrated", json_object_new_boolean(p->calibrated)) < 0 ||
                json_add(o, "sitting_since_us", json_object_new_uint64(p->sitting_since_us)) < 0 ||
                json_add(o, "sitting_bout_seconds", json_object_new_uint64(describe_bout_seconds(p))) < 0 ||
                json_add(o, "sitting_today_seconds", json_object_new_uint64(describe_sitting_today_s(p))) <
                        0 ||
                json_add(o, "last_break_us", json_object_new_uint64(p->last_break_us)) < 0 ||
                json_add(o, "sensor_state", json_object_new_string(p->sensor_state ?: "")) < 0 ||
                json_add(o, "sensor", json_object_new_string(p->sensor ?: "")) < 0 ||
                json_add(o, "sensor_error", json_object_new_string(p->sensor_error ?: "")) < 0 ||
                json_add(o, "clock_us", json_object_new_uint64(describe_now_us(p))) < 0 ||
                json_add(o, "sample_rate", json_new_double(p->sample_rate_hz)) < 0 ||
                json_add(o, "snoozed_until_us", json_object_new_uint64(p->snoozed_until_us)) < 0 ||
                json_add(o, "inhibited", json_object_new_boolean(p->inhibited)) < 0 ||
                json_add(o, "haptics", json_object_new_string(p->haptics ?: "absent")) < 0 ||
                json_add(o, "version", json_object_new_string(p->version ?: "")) < 0)
                return NULL;
        return TAKE_PTR(o);
}
