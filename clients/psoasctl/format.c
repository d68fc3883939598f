/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "format.h"
#include "log.h"
#include "macro.h"

bool output_utf8(void) {
        static int cached = -1;

        if (cached < 0)
                cached = streq(nl_langinfo(CODESET), "UTF-8");
        return cached;
}

char *format_duration(char *buf, size_t size, uint64_t seconds) {
        return duration_format(buf, size, seconds);
}

char *format_hours_minutes(char *buf, size_t size, uint64_t seconds) {
        /* Rounded down, as every duration (common/duration.h). */
        uint64_t minutes = seconds / 60;

        snprintf(buf, size, "%llu:%02u", (unsigned long long)(minutes / 60), (unsigned)(minutes % 60));
        return buf;
}

char *format_clock(char *buf, size_t size, uint64_t realtime_us, uint64_t now_us) {
        time_t t = (time_t)(realtime_us / UINT64_C(1000000)), now = (time_t)(now_us / UINT64_C(1000000));
        struct tm tm, today;

        if (!localtime_r(&t, &tm) || !localtime_r(&now, &today)) {
                snprintf(buf, size, "?");
                return buf;
        }
        if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
                strftime(buf, size, "%H:%M", &tm);
        else
                strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
        return buf;
}

char *format_degrees(char *buf, size_t size, double degrees) {
        long rounded = lround(degrees);

        /* No "-0": a tilt that rounds to nothing reads 0. */
        if (rounded == 0)
                snprintf(buf, size, "0%s", output_utf8() ? "°" : " deg");
        else
                snprintf(buf, size, "%+ld%s", rounded, output_utf8() ? "°" : " deg");
        return buf;
}

json_object *json_new_double(double value) {
        if (!isfinite(value))
                return json_object_new_null();
        return json_object_new_double(value);
}

int json_add(json_object *object, const char *key, json_object *value) {
        if (!value)
                return -ENOMEM;
        /* json_object_object_add() takes the value's reference even when it fails. */
        return json_object_object_add(object, key, value) < 0 ? -ENOMEM : 0;
}

int json_print(json_object *value, bool pretty) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
        const char *text;

        if (pretty && isatty(STDOUT_FILENO))
                flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
        text = json_object_to_json_string_ext(value, flags);
        if (!text)
                return -ENOMEM;
        if (puts(text) < 0 || fflush(stdout) != 0)
                return -errno;
        return 0;
}

int json_print_built(json_object *value, bool pretty) {
        _cleanup_(json_object_put_nullp) json_object *o = value;

        if (!o)
                return log_oom();
        return json_print(o, pretty);
}

void print_wrapped(FILE *f, const char *text, unsigned indent, unsigned width) {
        const char *p = text;

        while (*p) {
                const char *line_end = p, *q = p;
                unsigned column = indent;

                /* Take words while they fit; a word longer than the line goes on a line of its own. */
                while (*q) {
                        const char *word_end = q;

                        while (*word_end && *word_end != ' ')
                                word_end++;
                        if (line_end != p && column + (unsigned)(word_end - q) > width)
                                break;
                        column += (unsigned)(word_end - q) + 1;
                        line_end = word_end;
                        q = word_end;
                        while (*q == ' ')
                                q++;
                }
                fprintf(f, "%*s%.*s\n", (int)indent, "", (int)(line_end - p), p);
                p = line_end;
                while (*p == ' ')
                        p++;
        }
}
