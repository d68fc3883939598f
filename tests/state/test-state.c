/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* psoasd's state store: files, their validation, atomic writes, pruning and dates. */

/* For asprintf(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "macro.h"
#include "state.h"
#include "test-util.h"

/* ------------------------------------------------------------------------------------------------------- */
/* A temporary directory per test, removed at exit whether the test passes or fails */

static char test_directory[PATH_MAX];
static char state_directory[PATH_MAX];
static char days_directory[PATH_MAX];

/* snprintf() into a PATH_MAX buffer, failing the test rather than truncating. */
_printf_(2, 3) static void pathf(char buf[static PATH_MAX], const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, PATH_MAX, format, ap);
        va_end(ap);
        if (n < 0 || n >= PATH_MAX)
                TEST_FAIL("path too long: %s", format);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void)st;
        (void)ftw;
        if (type == FTW_DP)
                rmdir(path);
        else
                unlink(path);
        return 0;
}

static void remove_test_directory(void) {
        if (test_directory[0])
                nftw(test_directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_test_directory(void) {
        const char *tmp = getenv("TMPDIR");

        pathf(test_directory, "%s/psoas-state-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(test_directory))
                TEST_FAIL("mkdtemp(%s): %s", test_directory, strerror(errno));
        atexit(remove_test_directory);
        pathf(state_directory, "%s/state", test_directory);
        pathf(days_directory, "%s/state/days", test_directory);
}

/* A fresh store in a fresh directory. */
static StateStore *open_store(uint32_t keep_days) {
        StateStore *s = NULL;

        make_test_directory();
        ASSERT_EQ(state_store_open(state_directory, keep_days, &s), 0);
        ASSERT_TRUE(s);
        return s;
}

static void write_file(const char *path, const void *data, size_t size) {
        FILE *f = fopen(path, "we");

        if (!f)
                TEST_FAIL("fopen(%s): %s", path, strerror(errno));
        ASSERT_EQ(fwrite(data, 1, size, f), size);
        ASSERT_EQ(fclose(f), 0);
}

static void write_string(const char *path, const char *text) {
        write_file(path, text, strlen(text));
}

/* The whole file, NUL-terminated; NULL when it does not exist. */
static char *read_whole_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *data = NULL;
        size_t size = 0;

        if (!f) {
                ASSERT_EQ(errno, ENOENT);
                return NULL;
        }
        for (;;) {
                data = realloc(data, size + 4096 + 1);
                ASSERT_TRUE(data);
                size_t n = fread(data + size, 1, 4096, f);
                size += n;
                if (n < 4096)
                        break;
        }
        ASSERT_EQ(ferror(f), 0);
        fclose(f);
        data[size] = '\0';
        if (ret_size)
                *ret_size = size;
        return data;
}

static bool file_exists(const char *path) {
        struct stat st;

        return lstat(path, &st) == 0;
}

static unsigned count_entries(const char *directory) {
        DIR *d = opendir(directory);
        unsigned n = 0;

        ASSERT_TRUE(d);
        for (struct dirent *de; (de = readdir(d));)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

/* The entries of directory named name.corrupt-<digits>; the last one found goes to ret_path. */
static unsigned find_corrupt_copies(
        const char *directory, const char *name, char ret_path[static PATH_MAX]) {
        size_t prefix = strlen(name) + strlen(".corrupt-");
        DIR *d = opendir(directory);
        unsigned n = 0;

        ASSERT_TRUE(d);
        for (struct dirent *de; (de = readdir(d));) {
                const char *digits = de->d_name + prefix;

                if (strncmp(de->d_name, name, strlen(name)) != 0 ||
                        strncmp(de->d_name + strlen(name), ".corrupt-", strlen(".corrupt-")) != 0)
                        continue;
                ASSERT_TRUE(*digits);
                ASSERT_EQ(strspn(digits, "0123456789"), strlen(digits));
                /* Named after CLOCK_REALTIME in µs: within a minute of now. */
                ASSERT_LE(fabs(strtod(digits, NULL) - (double)time(NULL) * 1e6), 60e6);
                pathf(ret_path, "%s/%s", directory, de->d_name);
                n++;
        }
        closedir(d);
        return n;
}

static int32_t day_of(const char *date) {
        int32_t day;

        ASSERT_EQ(day_from_string(date, &day), 0);
        return day;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Sample data */

/* Every field set, to values whose decimal forms are long or awkward. */
static struct psoas_day_stats sample_stats(int32_t day) {
        struct psoas_day_stats st = {
                .day = day,
                .sitting_s = 30000.0 / 7.0,
                .standing_s = 0.1 + 0.2,
                .walking_s = 1e-300,
                .lying_s = nextafter(90000.0, 0.0),
                .unknown_s = 0.0,
                .sitting_bouts = 17,
                .longest_bout_s = 3600.000000000001,
                .alerts = 4,
                .breaks = 13,
                .stretches_verified = 2,
                .stretches_self_reported = 10000000,
                .tilt_sum_deg_s = -12345.678901234567,
                .tilt_s = DBL_TRUE_MIN,
                .high_tilt_s = 90000.0,
                .steps = 12345,
        };

        for (unsigned i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                st.tilt_hist_s[i] = (float)i / 3.0f + (float)(i % 7) * 1e-7f;
        st.tilt_hist_s[0] = FLT_TRUE_MIN;
        st.tilt_hist_s[1] = 0.0f;
        st.tilt_hist_s[2] = nextafterf(90000.0f, 0.0f);
        return st;
}

static void assert_same_double(double a, double b, const char *what) {
        if (memcmp(&a, &b, sizeof(a)) != 0)
                TEST_FAIL("%s: %.17g != %.17g", what, a, b);
}

static void assert_same_float(float a, float b, const char *what) {
        if (memcmp(&a, &b, sizeof(a)) != 0)
                TEST_FAIL("%s: %.9g != %.9g", what, (double)a, (double)b);
}

static void assert_stats_identical(const struct psoas_day_stats *a, const struct psoas_day_stats *b) {
        ASSERT_EQ(a->day, b->day);
        assert_same_double(a->sitting_s, b->sitting_s, "sitting_s");
        assert_same_double(a->standing_s, b->standing_s, "standing_s");
        assert_same_double(a->walking_s, b->walking_s, "walking_s");
        assert_same_double(a->lying_s, b->lying_s, "lying_s");
        assert_same_double(a->unknown_s, b->unknown_s, "unknown_s");
        ASSERT_EQ(a->sitting_bouts, b->sitting_bouts);
        assert_same_double(a->longest_bout_s, b->longest_bout_s, "longest_bout_s");
        ASSERT_EQ(a->alerts, b->alerts);
        ASSERT_EQ(a->breaks, b->breaks);
        ASSERT_EQ(a->stretches_verified, b->stretches_verified);
        ASSERT_EQ(a->stretches_self_reported, b->stretches_self_reported);
        assert_same_double(a->tilt_sum_deg_s, b->tilt_sum_deg_s, "tilt_sum_deg_s");
        assert_same_double(a->tilt_s, b->tilt_s, "tilt_s");
        assert_same_double(a->high_tilt_s, b->high_tilt_s, "high_tilt_s");
        ASSERT_EQ(a->steps, b->steps);
        for (unsigned i = 0; i < PSOAS_TILT_HIST_BINS; i++) {
                char what[32];

                snprintf(what, sizeof(what), "tilt_hist_s[%u]", i);
                assert_same_float(a->tilt_hist_s[i], b->tilt_hist_s[i], what);
        }
}

static CurrentState sample_current(bool calibrated) {
        CurrentState c = {
                .day = day_of("2026-11-21"),
                .in_bout = true,
                .bout_start_realtime_us = INT64_C(1763712345678901),
                .last_break_realtime_us = INT64_C(1763708745000007),
                .calibrated = calibrated,
        };

        if (calibrated) {
                /* A tilted but orthonormal pair, with digits that do not fit a short decimal. */
                float a = 0.3f;
                c.calibration.up[0] = 0.0f;
                c.calibration.up[1] = sinf(a);
                c.calibration.up[2] = cosf(a);
                c.calibration.forward[0] = 0.0f;
                c.calibration.forward[1] = cosf(a);
                c.calibration.forward[2] = -sinf(a);
                c.calibration.forward_known = true;
                c.calibration.neutral_inclination_deg = 17.18873385f;
        }
        return c;
}

static void assert_current_identical(const CurrentState *a, const CurrentState *b) {
        ASSERT_EQ(a->day, b->day);
        ASSERT_EQ(a->in_bout, b->in_bout);
        ASSERT_EQ(a->bout_start_realtime_us, b->bout_start_realtime_us);
        ASSERT_EQ(a->last_break_realtime_us, b->last_break_realtime_us);
        ASSERT_EQ(a->calibrated, b->calibrated);
        if (!a->calibrated)
                return;
        for (unsigned i = 0; i < 3; i++) {
                assert_same_float(a->calibration.up[i], b->calibration.up[i], "calibration.up");
                assert_same_float(
                        a->calibration.forward[i], b->calibration.forward[i], "calibration.forward");
        }
        ASSERT_EQ(a->calibration.forward_known, b->calibration.forward_known);
        assert_same_float(a->calibration.neutral_inclination_deg, b->calibration.neutral_inclination_deg,
                "calibration.neutral_inclination_deg");
        ASSERT_EQ(a->calibration.sitting_reference_known, b->calibration.sitting_reference_known);
        if (a->calibration.sitting_reference_known)
                assert_same_float(a->calibration.sitting_reference_inclination_deg,
                        b->calibration.sitting_reference_inclination_deg,
                        "calibration.sitting_reference_inclination_deg");
}

/* A valid day document written from the specification (not by state.c), with one member replaced. key is a
 * top-level key, "tilt_histogram.min_deg", "tilt_histogram.bin_deg" or "tilt_histogram.seconds"; value is
 * the JSON text to put there, or NULL to leave the member out. key NULL: the valid document. */
static char *day_document(const char *key, const char *value) {
        static const char *const keys[] = { "version", "date", "sitting_seconds", "standing_seconds",
                "walking_seconds", "lying_seconds", "unknown_seconds", "sitting_bouts",
                "longest_bout_seconds", "alerts", "breaks", "stretches_verified", "stretches_self_reported",
                "tilt_sum_deg_s", "tilt_seconds", "high_tilt_seconds", "steps", "tilt_histogram" };
        static const char *const values[] = { "1", "\"2026-11-21\"", "3600.5", "1200", "600.25", "28800",
                "0", "5", "1800", "2", "4", "1", "0", "-250.5", "1200", "60", "250", NULL };
        static const char *const histogram_keys[] = { "min_deg", "bin_deg", "seconds" };
        char seconds[PSOAS_TILT_HIST_BINS * 8 + 8], *doc = NULL, *p;
        size_t size = 0;
        FILE *f = open_memstream(&doc, &size);
        bool first = true;

        ASSERT_TRUE(f);
        p = seconds;
        *p++ = '[';
        for (unsigned i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                p += sprintf(p, "%s%s", i ? "," : "", i == 90 ? "1199.5" : i == 91 ? "0.5" : "0");
        strcpy(p, "]");

        fputc('{', f);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *v = values[i];

                if (key && strcmp(key, keys[i]) == 0) {
                        if (!value)
                                continue;
                        v = value;
                }
                fprintf(f, "%s\n\"%s\": ", first ? "" : ",", keys[i]);
                first = false;
                if (v) {
                        fputs(v, f);
                        continue;
                }

                /* The histogram object. */
                const char *histogram_values[] = { "-45", "0.5", seconds };
                bool first_member = true;

                fputc('{', f);
                for (size_t j = 0; j < ELEMENTSOF(histogram_keys); j++) {
                        const char *hv = histogram_values[j];

                        if (key && strncmp(key, "tilt_histogram.", 15) == 0 &&
                                strcmp(key + 15, histogram_keys[j]) == 0) {
                                if (!value)
                                        continue;
                                hv = value;
                        }
                        fprintf(f, "%s\"%s\": %s", first_member ? "" : ", ", histogram_keys[j], hv);
                        first_member = false;
                }
                fputc('}', f);
        }
        fputs("\n}\n", f);
        ASSERT_EQ(fclose(f), 0);
        return doc;
}

static char *current_document(const char *key, const char *value) {
        static const char *const keys[] = { "version", "date", "in_bout", "bout_start_realtime_us",
                "last_break_realtime_us", "calibrated", "calibration" };
        static const char *const values[] = { "1", "\"2026-11-21\"", "true", "1763712000000000", "0", "true",
                "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 2.5}" };
        char *doc = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&doc, &size);

        ASSERT_TRUE(f);
        fputc('{', f);
        for (size_t i = 0, n = 0; i < ELEMENTSOF(keys); i++) {
                const char *v = values[i];

                if (key && strcmp(key, keys[i]) == 0) {
                        if (!value)
                                continue;
                        v = value;
                }
                fprintf(f, "%s\"%s\": %s", n++ ? ", " : "", keys[i], v);
        }
        fputs("}", f);
        ASSERT_EQ(fclose(f), 0);
        return doc;
}

/* state_parse_*() on an exact-size heap copy, so that the sanitizers catch a read past the end. */
static int parse_day_exact(const char *json, size_t size, struct psoas_day_stats *ret) {
        char *copy = malloc(size ? size : 1);
        int r;

        ASSERT_TRUE(copy);
        memcpy(copy, json, size);
        r = state_parse_day(copy, size, ret);
        free(copy);
        return r;
}

static int parse_current_exact(const char *json, size_t size, CurrentState *ret) {
        char *copy = malloc(size ? size : 1);
        int r;

        ASSERT_TRUE(copy);
        memcpy(copy, json, size);
        r = state_parse_current(copy, size, ret);
        free(copy);
        return r;
}

static void assert_day_rejected(const char *key, const char *value) {
        struct psoas_day_stats st;
        char *doc = day_document(key, value);
        int r = parse_day_exact(doc, strlen(doc), &st);

        if (r != -EINVAL)
                TEST_FAIL("%s = %s: expected -EINVAL, got %d for\n%s", key, value ? value : "(missing)", r,
                        doc);
        free(doc);
}

static void assert_current_rejected(const char *key, const char *value) {
        CurrentState c;
        char *doc = current_document(key, value);
        int r = parse_current_exact(doc, strlen(doc), &c);

        if (r != -EINVAL)
                TEST_FAIL("%s = %s: expected -EINVAL, got %d for\n%s", key, value ? value : "(missing)", r,
                        doc);
        free(doc);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Round trips */

TEST(day_round_trip) {
        StateStore *s = open_store(90);
        struct psoas_day_stats saved = sample_stats(day_of("2026-11-21")), loaded;

        ASSERT_EQ(state_store_save_day(s, &saved), 0);
        memset(&loaded, 0xa5, sizeof(loaded));
        ASSERT_EQ(state_store_load_day(s, saved.day, &loaded), 0);
        assert_stats_identical(&saved, &loaded);

        /* Saving again replaces the file; the day before has none. */
        saved.alerts = 5;
        saved.sitting_s = 1.0 / 3.0;
        ASSERT_EQ(state_store_save_day(s, &saved), 0);
        ASSERT_EQ(state_store_load_day(s, saved.day, &loaded), 0);
        assert_stats_identical(&saved, &loaded);
        ASSERT_EQ(state_store_load_day(s, saved.day - 1, &loaded), -ENOENT);
        ASSERT_EQ(count_entries(days_directory), 1);

        state_store_free(s);
}

TEST(day_round_trip_zeros_and_limits) {
        StateStore *s = open_store(90);
        struct psoas_day_stats zeros = { .day = 0 }, full = { .day = day_of("9999-12-31") }, loaded;
        char path[PATH_MAX];

        ASSERT_EQ(state_store_save_day(s, &zeros), 0);
        ASSERT_EQ(state_store_load_day(s, 0, &loaded), 0);
        assert_stats_identical(&zeros, &loaded);

        full.sitting_s = full.standing_s = full.walking_s = full.lying_s = full.unknown_s = 90000.0;
        full.longest_bout_s = full.tilt_s = full.high_tilt_s = 90000.0;
        full.sitting_bouts = full.alerts = full.breaks = 10000000;
        full.stretches_verified = full.stretches_self_reported = full.steps = 10000000;
        full.tilt_sum_deg_s = 180.0 * 90000.0;
        for (unsigned i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                full.tilt_hist_s[i] = 90000.0f;
        ASSERT_EQ(state_store_save_day(s, &full), 0);
        ASSERT_EQ(state_store_load_day(s, full.day, &loaded), 0);
        assert_stats_identical(&full, &loaded);

        pathf(path, "%s/1970-01-01.json", days_directory);
        ASSERT_TRUE(file_exists(path));
        pathf(path, "%s/9999-12-31.json", days_directory);
        ASSERT_TRUE(file_exists(path));
        state_store_free(s);
}

TEST(day_file_format) {
        StateStore *s = open_store(90);
        struct psoas_day_stats saved = sample_stats(day_of("2026-11-21"));
        char path[PATH_MAX];
        json_object *root, *v, *histogram, *seconds;
        struct stat st;

        umask(022);
        ASSERT_EQ(state_store_save_day(s, &saved), 0);
        pathf(path, "%s/2026-11-21.json", days_directory);
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_EQ(st.st_mode & 07777, 0644);

        /* Plain JSON any reader takes, with the documented keys. */
        root = json_object_from_file(path);
        ASSERT_TRUE(root);
        ASSERT_TRUE(json_object_object_get_ex(root, "version", &v));
        ASSERT_EQ(json_object_get_int(v), 1);
        ASSERT_TRUE(json_object_object_get_ex(root, "date", &v));
        ASSERT_STREQ(json_object_get_string(v), "2026-11-21");
        ASSERT_TRUE(json_object_object_get_ex(root, "sitting_seconds", &v));
        ASSERT_TRUE(json_object_get_double(v) == saved.sitting_s);
        ASSERT_TRUE(json_object_object_get_ex(root, "stretches_self_reported", &v));
        ASSERT_EQ(json_object_get_int64(v), 10000000);
        ASSERT_TRUE(json_object_object_get_ex(root, "steps", &v));
        ASSERT_EQ(json_object_get_int64(v), 12345);
        ASSERT_TRUE(json_object_object_get_ex(root, "tilt_histogram", &histogram));
        ASSERT_TRUE(json_object_object_get_ex(histogram, "min_deg", &v));
        ASSERT_TRUE(json_object_get_double(v) == -45.0);
        ASSERT_TRUE(json_object_object_get_ex(histogram, "bin_deg", &v));
        ASSERT_TRUE(json_object_get_double(v) == 0.5);
        ASSERT_TRUE(json_object_object_get_ex(histogram, "seconds", &seconds));
        ASSERT_EQ(json_object_array_length(seconds), PSOAS_TILT_HIST_BINS);
        json_object_put(root);

        /* The mode follows the umask. */
        umask(077);
        ASSERT_EQ(state_store_save_day(s, &saved), 0);
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_EQ(st.st_mode & 07777, 0600);
        umask(022);

        state_store_free(s);
}

TEST(current_round_trip_calibrated) {
        StateStore *s = open_store(90);
        CurrentState saved = sample_current(true), loaded;
        char path[PATH_MAX];
        char *text;

        ASSERT_EQ(state_store_save_current(s, &saved), 0);
        memset(&loaded, 0x5a, sizeof(loaded));
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&saved, &loaded);

        pathf(path, "%s/current.json", state_directory);
        text = read_whole_file(path, NULL);
        ASSERT_TRUE(text);
        ASSERT_TRUE(strstr(text, "\"calibration\""));
        ASSERT_TRUE(strstr(text, "\"date\": \"2026-11-21\""));
        free(text);

        /* forward unknown: the engine leaves it at zero, and so may the file. */
        memset(saved.calibration.forward, 0, sizeof(saved.calibration.forward));
        saved.calibration.forward_known = false;
        saved.in_bout = false;
        saved.last_break_realtime_us = 0;
        ASSERT_EQ(state_store_save_current(s, &saved), 0);
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&saved, &loaded);

        state_store_free(s);
}

/* The upright sitting reference (psoasctl calibrate --sitting) is kept with the calibration, bit for bit, and
 * left out until there is one. */
TEST(current_round_trip_sitting_reference) {
        StateStore *s = open_store(90);
        CurrentState saved = sample_current(true), loaded;
        char path[PATH_MAX];
        char *text;

        pathf(path, "%s/current.json", state_directory);
        ASSERT_EQ(state_store_save_current(s, &saved), 0);
        text = read_whole_file(path, NULL);
        ASSERT_TRUE(text);
        ASSERT_TRUE(!strstr(text, "sitting_reference"));
        free(text);
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        ASSERT_TRUE(!loaded.calibration.sitting_reference_known);

        saved.calibration.sitting_reference_known = true;
        saved.calibration.sitting_reference_inclination_deg = -13.31415927f;
        ASSERT_EQ(state_store_save_current(s, &saved), 0);
        memset(&loaded, 0x5a, sizeof(loaded));
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&saved, &loaded);
        text = read_whole_file(path, NULL);
        ASSERT_TRUE(text);
        ASSERT_TRUE(strstr(text, "\"sitting_reference_inclination_deg\": -13.314159"));
        free(text);

        /* Never written out of range. */
        saved.calibration.sitting_reference_inclination_deg = 120.0f;
        ASSERT_EQ(state_store_save_current(s, &saved), -EINVAL);

        state_store_free(s);
}

TEST(current_round_trip_uncalibrated) {
        StateStore *s = open_store(90);
        CurrentState saved = sample_current(false), loaded;
        char path[PATH_MAX];
        char *text;

        ASSERT_EQ(state_store_save_current(s, &saved), 0);
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&saved, &loaded);
        ASSERT_EQ(loaded.calibrated, false);

        pathf(path, "%s/current.json", state_directory);
        text = read_whole_file(path, NULL);
        ASSERT_TRUE(text);
        ASSERT_TRUE(!strstr(text, "calibration\""));
        free(text);

        state_store_free(s);
}

TEST(missing_files) {
        StateStore *s = open_store(90);
        struct psoas_day_stats st;
        CurrentState c;

        ASSERT_EQ(state_store_load_day(s, day_of("2026-11-21"), &st), -ENOENT);
        ASSERT_EQ(state_store_load_current(s, &c), -ENOENT);
        /* Nothing is created by looking. */
        ASSERT_EQ(count_entries(days_directory), 0);
        ASSERT_EQ(count_entries(state_directory), 1);
        state_store_free(s);
}

TEST(fixture_day_written_by_hand) {
        StateStore *s = open_store(90);
        char source[PATH_MAX], target[PATH_MAX];
        struct psoas_day_stats st;
        size_t size;
        char *text;

        pathf(source, "%s/day-2026-03-29.json", STATE_FIXTURE_DIR);
        pathf(target, "%s/2026-03-29.json", days_directory);
        text = read_whole_file(source, &size);
        ASSERT_TRUE(text);
        write_file(target, text, size);
        free(text);

        ASSERT_EQ(state_store_load_day(s, day_of("2026-03-29"), &st), 0);
        ASSERT_EQ(st.day, day_of("2026-03-29"));
        ASSERT_TRUE(st.sitting_s == 30600.0);
        ASSERT_TRUE(st.standing_s == 7200.25);
        ASSERT_TRUE(st.walking_s == 1800.5);
        ASSERT_TRUE(st.lying_s == 27000.0);
        ASSERT_TRUE(st.unknown_s == 0.0);
        ASSERT_TRUE(st.longest_bout_s == 5400.125);
        ASSERT_EQ(st.sitting_bouts, 14);
        ASSERT_EQ(st.alerts, 3);
        ASSERT_EQ(st.breaks, 12);
        ASSERT_EQ(st.stretches_verified, 2);
        ASSERT_EQ(st.stretches_self_reported, 1);
        ASSERT_TRUE(st.tilt_s == 7000.0);
        ASSERT_TRUE(st.high_tilt_s == 600.5);
        ASSERT_TRUE(st.tilt_sum_deg_s == -3500.75);
        /* Written before steps were counted: it has none, and reads as none. */
        ASSERT_EQ(st.steps, 0);
        for (unsigned i = 0; i < PSOAS_TILT_HIST_BINS; i++) {
                float expected = i == 80 ? 1000.0f
                        : i == 81        ? 2000.5f
                        : i == 82        ? 4000.0f
                        : i == 179       ? 0.25f
                                         : 0.0f;
                ASSERT_TRUE(st.tilt_hist_s[i] == expected);
        }
        /* Read, not rewritten nor moved. */
        ASSERT_TRUE(file_exists(target));
        ASSERT_EQ(count_entries(days_directory), 1);
        state_store_free(s);
}

TEST(fixture_current_written_by_hand) {
        StateStore *s = open_store(90);
        char source[PATH_MAX], target[PATH_MAX];
        CurrentState c;
        size_t size;
        char *text;

        pathf(source, "%s/current.json", STATE_FIXTURE_DIR);
        pathf(target, "%s/current.json", state_directory);
        text = read_whole_file(source, &size);
        ASSERT_TRUE(text);
        write_file(target, text, size);
        free(text);

        ASSERT_EQ(state_store_load_current(s, &c), 0);
        ASSERT_EQ(c.day, day_of("2026-03-29"));
        ASSERT_EQ(c.in_bout, true);
        ASSERT_EQ(c.bout_start_realtime_us, INT64_C(1774771200000000));
        ASSERT_EQ(c.last_break_realtime_us, INT64_C(1774767600000000));
        ASSERT_EQ(c.calibrated, true);
        ASSERT_TRUE(
                c.calibration.up[0] == 0.0f && c.calibration.up[1] == 0.6f && c.calibration.up[2] == 0.8f);
        ASSERT_TRUE(c.calibration.forward[0] == 1.0f && c.calibration.forward[1] == 0.0f);
        ASSERT_EQ(c.calibration.forward_known, true);
        ASSERT_TRUE(c.calibration.neutral_inclination_deg == 4.5f);
        state_store_free(s);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Corrupt files are moved aside */

/* Puts data in place of the file for 2026-11-21, loads it and checks that it was moved aside whole, that the
 * load reported it missing, and that saving and loading work afterwards. */
static void check_day_moved_aside(const void *data, size_t size) {
        StateStore *s = open_store(90);
        int32_t day = day_of("2026-11-21");
        struct psoas_day_stats saved = sample_stats(day), loaded;
        char path[PATH_MAX], aside[PATH_MAX];
        size_t aside_size;
        char *aside_data;

        pathf(path, "%s/2026-11-21.json", days_directory);
        write_file(path, data, size);

        ASSERT_EQ(state_store_load_day(s, day, &loaded), -ENOENT);
        ASSERT_TRUE(!file_exists(path));
        ASSERT_EQ(find_corrupt_copies(days_directory, "2026-11-21.json", aside), 1);
        aside_data = read_whole_file(aside, &aside_size);
        ASSERT_TRUE(aside_data);
        ASSERT_EQ(aside_size, size);
        ASSERT_TRUE(memcmp(aside_data, data, size) == 0);
        free(aside_data);

        /* Gone for good: the next load finds nothing, the next save and load work. */
        ASSERT_EQ(state_store_load_day(s, day, &loaded), -ENOENT);
        ASSERT_EQ(state_store_save_day(s, &saved), 0);
        ASSERT_EQ(state_store_load_day(s, day, &loaded), 0);
        assert_stats_identical(&saved, &loaded);
        ASSERT_EQ(find_corrupt_copies(days_directory, "2026-11-21.json", aside), 1);

        state_store_free(s);
}

static void check_current_moved_aside(const void *data, size_t size) {
        StateStore *s = open_store(90);
        CurrentState saved = sample_current(true), loaded;
        char path[PATH_MAX], aside[PATH_MAX];
        size_t aside_size;
        char *aside_data;

        pathf(path, "%s/current.json", state_directory);
        write_file(path, data, size);

        ASSERT_EQ(state_store_load_current(s, &loaded), -ENOENT);
        ASSERT_TRUE(!file_exists(path));
        ASSERT_EQ(find_corrupt_copies(state_directory, "current.json", aside), 1);
        aside_data = read_whole_file(aside, &aside_size);
        ASSERT_TRUE(aside_data);
        ASSERT_EQ(aside_size, size);
        ASSERT_TRUE(memcmp(aside_data, data, size) == 0);
        free(aside_data);

        ASSERT_EQ(state_store_load_current(s, &loaded), -ENOENT);
        ASSERT_EQ(state_store_save_current(s, &saved), 0);
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&saved, &loaded);

        state_store_free(s);
}

TEST(corrupt_empty) {
        check_day_moved_aside("", 0);
}

TEST(corrupt_truncated) {
        char *doc = day_document(NULL, NULL);

        check_day_moved_aside(doc, strlen(doc) / 2);
        free(doc);
}

TEST(corrupt_binary_garbage) {
        static const unsigned char garbage[] = { 0x00, 0xff, 0x7b, 0x22, 0x00, 0x01, 0x80, 0xc3, 0x28,
                0x7d };

        check_day_moved_aside(garbage, sizeof(garbage));
}

TEST(corrupt_nul_after_document) {
        char *doc = day_document(NULL, NULL);
        size_t n = strlen(doc);

        /* A valid document followed by zeros, as after a crash on some file systems. */
        doc = realloc(doc, n + 64);
        ASSERT_TRUE(doc);
        memset(doc + n, 0, 64);
        check_day_moved_aside(doc, n + 64);
        free(doc);
}

TEST(corrupt_trailing_data) {
        char *doc = day_document(NULL, NULL);
        char *two = NULL;

        ASSERT_TRUE(asprintf(&two, "%s%s", doc, doc) > 0);
        check_day_moved_aside(two, strlen(two));
        free(two);
        free(doc);
}

TEST(corrupt_not_an_object) {
        check_day_moved_aside("[1, 2, 3]\n", 10);
}

TEST(corrupt_wrong_type) {
        char *doc = day_document("sitting_seconds", "\"3600\"");

        check_day_moved_aside(doc, strlen(doc));
        free(doc);
}

TEST(corrupt_date_does_not_match_name) {
        char *doc = day_document("date", "\"2026-11-22\"");
        struct psoas_day_stats st;

        /* Valid on its own, but in the wrong file. */
        ASSERT_EQ(parse_day_exact(doc, strlen(doc), &st), 0);
        check_day_moved_aside(doc, strlen(doc));
        free(doc);
}

TEST(corrupt_histogram_179_bins) {
        char seconds[4096], *p = seconds, *doc;

        p += sprintf(p, "[0");
        for (unsigned i = 1; i < 179; i++)
                p += sprintf(p, ", 0");
        strcpy(p, "]");
        doc = day_document("tilt_histogram.seconds", seconds);
        check_day_moved_aside(doc, strlen(doc));
        free(doc);
}

TEST(corrupt_too_large) {
        /* A valid document drowned in 2 MiB of whitespace: far larger than anything we write. */
        char *doc = day_document(NULL, NULL);
        size_t n = strlen(doc), size = n + 2 * 1024 * 1024;
        char *big = malloc(size);

        ASSERT_TRUE(big);
        memcpy(big, doc, n);
        memset(big + n, ' ', size - n);
        check_day_moved_aside(big, size);
        free(big);
        free(doc);
}

TEST(corrupt_twice_keeps_both_copies) {
        StateStore *s = open_store(90);
        struct psoas_day_stats st;
        char path[PATH_MAX], aside[PATH_MAX];

        pathf(path, "%s/2026-11-21.json", days_directory);
        write_string(path, "first");
        ASSERT_EQ(state_store_load_day(s, day_of("2026-11-21"), &st), -ENOENT);
        write_string(path, "second");
        ASSERT_EQ(state_store_load_day(s, day_of("2026-11-21"), &st), -ENOENT);
        ASSERT_EQ(find_corrupt_copies(days_directory, "2026-11-21.json", aside), 2);
        ASSERT_TRUE(!file_exists(path));
        state_store_free(s);
}

TEST(corrupt_not_a_regular_file) {
        StateStore *s = open_store(90);
        struct psoas_day_stats st;
        CurrentState c;
        char path[PATH_MAX], aside[PATH_MAX], target[PATH_MAX];
        char *text;

        /* A directory where a day file should be. */
        pathf(path, "%s/2026-11-21.json", days_directory);
        ASSERT_EQ(mkdir(path, 0755), 0);
        ASSERT_EQ(state_store_load_day(s, day_of("2026-11-21"), &st), -ENOENT);
        ASSERT_TRUE(!file_exists(path));
        ASSERT_EQ(find_corrupt_copies(days_directory, "2026-11-21.json", aside), 1);

        /* A symbolic link to a valid document: we never write links, so this is not ours to follow. */
        pathf(target, "%s/elsewhere.json", test_directory);
        text = current_document(NULL, NULL);
        write_string(target, text);
        free(text);
        pathf(path, "%s/current.json", state_directory);
        ASSERT_EQ(symlink(target, path), 0);
        ASSERT_EQ(state_store_load_current(s, &c), -ENOENT);
        ASSERT_TRUE(!file_exists(path));
        ASSERT_EQ(find_corrupt_copies(state_directory, "current.json", aside), 1);
        ASSERT_TRUE(file_exists(target));

        /* A FIFO must not hang the load. */
        pathf(path, "%s/2026-11-22.json", days_directory);
        ASSERT_EQ(mkfifo(path, 0644), 0);
        ASSERT_EQ(state_store_load_day(s, day_of("2026-11-22"), &st), -ENOENT);
        ASSERT_TRUE(!file_exists(path));
        state_store_free(s);
}

TEST(corrupt_current_garbage) {
        check_current_moved_aside("{\"version\": 1, \"date\": ", 23);
}

TEST(corrupt_current_non_unit_up) {
        char *doc = current_document("calibration",
                "{\"up\": [0, 0, 2], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");

        check_current_moved_aside(doc, strlen(doc));
        free(doc);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Validation */

TEST(parse_valid_documents) {
        struct psoas_day_stats st;
        CurrentState c;
        char *doc;

        doc = day_document(NULL, NULL);
        ASSERT_EQ(parse_day_exact(doc, strlen(doc), &st), 0);
        ASSERT_EQ(st.day, day_of("2026-11-21"));
        ASSERT_TRUE(st.sitting_s == 3600.5);
        ASSERT_TRUE(st.tilt_hist_s[90] == 1199.5f);
        free(doc);

        /* Unknown keys anywhere are for later versions: ignored. */
        doc = day_document("tilt_histogram.bin_deg", "0.5, \"max_deg\": 45, \"labels\": [\"a\"]");
        ASSERT_EQ(parse_day_exact(doc, strlen(doc), &st), 0);
        free(doc);
        doc = day_document("version", "1, \"floors_climbed\": 12, \"notes\": {\"a\": null}");
        ASSERT_EQ(parse_day_exact(doc, strlen(doc), &st), 0);
        free(doc);

        doc = current_document(NULL, NULL);
        ASSERT_EQ(parse_current_exact(doc, strlen(doc), &c), 0);
        ASSERT_EQ(c.calibrated, true);
        ASSERT_TRUE(c.calibration.up[2] == 1.0f);
        free(doc);

        /* Not calibrated: a calibration member left behind does not matter, a missing one is fine. */
        doc = current_document("calibrated", "false");
        ASSERT_EQ(parse_current_exact(doc, strlen(doc), &c), 0);
        ASSERT_EQ(c.calibrated, false);
        free(doc);
        {
                static const char left_behind[] =
                        "{\"version\": 1, \"date\": \"2026-11-21\", \"in_bout\": false, "
                        "\"bout_start_realtime_us\": 0, \"last_break_realtime_us\": 0, \"calibrated\": "
                        "false, "
                        "\"calibration\": null}";
                ASSERT_EQ(parse_current_exact(left_behind, strlen(left_behind), &c), 0);
        }
        /* Read by the same strict layer as the configuration: a key given twice is refused. */
        doc = current_document("calibrated", "false, \"calibration\": null");
        ASSERT_EQ(parse_current_exact(doc, strlen(doc), &c), -EINVAL);
        free(doc);

        /* Forward not known: its vector is not checked. */
        doc = current_document("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [0, 0, 0], \"forward_known\": false, "
                "\"neutral_inclination_deg\": 0}");
        ASSERT_EQ(parse_current_exact(doc, strlen(doc), &c), 0);
        ASSERT_EQ(c.calibration.forward_known, false);
        free(doc);
}

TEST(parse_rejects_bad_durations) {
        assert_day_rejected("sitting_seconds", "-1");
        assert_day_rejected("standing_seconds", "-0.001");
        assert_day_rejected("walking_seconds", "\"NaN\"");
        assert_day_rejected("lying_seconds", "NaN");
        assert_day_rejected("lying_seconds", "Infinity");
        assert_day_rejected("unknown_seconds", "-Infinity");
        assert_day_rejected("unknown_seconds", "1e999");
        assert_day_rejected("longest_bout_seconds", "90000.001");
        assert_day_rejected("tilt_seconds", "1e6");
        assert_day_rejected("high_tilt_seconds", "null");
        assert_day_rejected("high_tilt_seconds", "true");
        assert_day_rejected("sitting_seconds", "[1]");
        assert_day_rejected("sitting_seconds", NULL);
        assert_day_rejected("tilt_sum_deg_s", "1e300");
        assert_day_rejected("tilt_sum_deg_s", "\"1\"");
        assert_day_rejected("tilt_sum_deg_s", NULL);
}

TEST(parse_rejects_bad_counts) {
        assert_day_rejected("sitting_bouts", "-1");
        assert_day_rejected("alerts", "1.5");
        assert_day_rejected("alerts", "2.0");
        assert_day_rejected("breaks", "10000001");
        assert_day_rejected("breaks", "4294967296");
        assert_day_rejected("stretches_verified", "18446744073709551615");
        assert_day_rejected("stretches_verified", "99999999999999999999999");
        assert_day_rejected("stretches_self_reported", "\"3\"");
        assert_day_rejected("stretches_self_reported", NULL);
        /* Optional (a file from before steps were counted has none), but checked when present. */
        assert_day_rejected("steps", "-1");
        assert_day_rejected("steps", "10000001");
        assert_day_rejected("steps", "\"12\"");
        assert_day_rejected("version", "2");
        assert_day_rejected("version", "\"1\"");
        assert_day_rejected("version", NULL);
}

TEST(parse_rejects_bad_dates) {
        assert_day_rejected("date", "\"2026-02-30\"");
        assert_day_rejected("date", "\"2026-11-21 \"");
        assert_day_rejected("date", "\"2026-1-21\"");
        assert_day_rejected("date", "\"1969-12-31\"");
        assert_day_rejected("date", "\"2026-11-21\\u0000x\"");
        assert_day_rejected("date", "20261121");
        assert_day_rejected("date", "\"\"");
        assert_day_rejected("date", NULL);
        assert_current_rejected("date", "\"2100-02-29\"");
        assert_current_rejected("date", NULL);
}

TEST(parse_rejects_bad_histograms) {
        char seconds[4096], *p;

        p = seconds + sprintf(seconds, "[0");
        for (unsigned i = 1; i < 179; i++)
                p += sprintf(p, ", 0");
        strcpy(p, "]");
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", 0, 0]");
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", -1]");
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", NaN]");
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", \"1\"]");
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", 90001]");
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", 1e40]"); /* beyond a float */
        assert_day_rejected("tilt_histogram.seconds", seconds);
        strcpy(p, ", 0]");
        assert_day_rejected("tilt_histogram.min_deg", "-40");
        assert_day_rejected("tilt_histogram.bin_deg", "1");
        assert_day_rejected("tilt_histogram.bin_deg", NULL);
        assert_day_rejected("tilt_histogram.seconds", NULL);
        assert_day_rejected("tilt_histogram.seconds", "{}");
        assert_day_rejected("tilt_histogram", "[]");
        assert_day_rejected("tilt_histogram", NULL);
}

TEST(parse_rejects_bad_current) {
        assert_current_rejected("in_bout", "1");
        assert_current_rejected("in_bout", NULL);
        assert_current_rejected("bout_start_realtime_us", "-1");
        assert_current_rejected("bout_start_realtime_us", "1.5e15");
        assert_current_rejected("bout_start_realtime_us", "99999999999999999999");
        assert_current_rejected("last_break_realtime_us", "\"0\"");
        assert_current_rejected("calibrated", "\"yes\"");
        assert_current_rejected("calibration", NULL);
        assert_current_rejected("calibration", "[]");
        assert_current_rejected("version", "0");

        /* Vectors: unit length, perpendicular, finite, three numbers. */
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1.01], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [0.99, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 0], \"forward\": [0, 0, 0], \"forward_known\": false, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [0.9995, 0, 0.0316], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [0, 0.6, 0.8], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, NaN], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1e300], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1, 0], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, \"0\", 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": 1, "
                "\"neutral_inclination_deg\": 0}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": NaN}");
        assert_current_rejected(
                "calibration", "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": true}");
        /* The sitting reference: a number within 90° of the neutral. */
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0, \"sitting_reference_inclination_deg\": \"-20\"}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 10, \"sitting_reference_inclination_deg\": -95}");
        assert_current_rejected("calibration",
                "{\"up\": [0, 0, 1], \"forward\": [1, 0, 0], \"forward_known\": true, "
                "\"neutral_inclination_deg\": 0, \"sitting_reference_inclination_deg\": NaN}");
}

TEST(parse_rejects_non_json) {
        static const char *const documents[] = {
                "",
                " ",
                "null",
                "1",
                "\"text\"",
                "[]",
                "{",
                "{}",
                "{\"version\": 1,}",
                "{'version': 1}",
                "{\"version\": 1} {}",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]"
                "]]]]]]]]]]]]]]]]]",
        };
        struct psoas_day_stats st;
        CurrentState c;

        for (size_t i = 0; i < ELEMENTSOF(documents); i++) {
                ASSERT_EQ(parse_day_exact(documents[i], strlen(documents[i]), &st), -EINVAL);
                ASSERT_EQ(parse_current_exact(documents[i], strlen(documents[i]), &c), -EINVAL);
        }
        ASSERT_EQ(state_parse_day(NULL, 0, &st), -EINVAL);
        ASSERT_EQ(state_parse_current(NULL, 0, &c), -EINVAL);
}

/* A small, fixed-seed fuzz: every prefix of valid documents, then random byte changes. The parsers must
 * return 0 or -EINVAL and never read outside the buffer (the sanitizer build checks that). */
TEST(parse_survives_mutations) {
        char *documents[2] = { day_document(NULL, NULL), current_document(NULL, NULL) };
        static const char interesting[] = "{}[]\",:-+.eE0123456789 \\u\0\xff";
        uint64_t state = 0x9e3779b97f4a7c15u;
        struct psoas_day_stats st;
        CurrentState c;

        for (unsigned d = 0; d < 2; d++) {
                size_t n = strlen(documents[d]);

                for (size_t len = 0; len < n; len++) {
                        int r = d == 0 ? parse_day_exact(documents[d], len, &st)
                                       : parse_current_exact(documents[d], len, &c);
                        /* Only whole documents (and a few whose ending is optional whitespace) parse. */
                        ASSERT_TRUE(r == -EINVAL || (r == 0 && len + 2 >= n));
                }

                for (unsigned round = 0; round < 3000; round++) {
                        char *copy = strdup(documents[d]);
                        size_t size = n;

                        ASSERT_TRUE(copy);
                        for (unsigned k = 0; k < 1 + round % 4; k++) {
                                state ^= state << 13;
                                state ^= state >> 7;
                                state ^= state << 17;
                                if (state % 5 == 0)
                                        size = (size_t)(state >> 8) % (size + 1);
                                else if (size > 0)
                                        copy[(state >> 8) % size] =
                                                interesting[(state >> 32) % (sizeof(interesting) - 1)];
                        }
                        int r = d == 0 ? parse_day_exact(copy, size, &st)
                                       : parse_current_exact(copy, size, &c);
                        ASSERT_TRUE(r == 0 || r == -EINVAL);
                        free(copy);
                }
                free(documents[d]);
        }
}

TEST(save_rejects_invalid_values) {
        StateStore *s = open_store(90);
        struct psoas_day_stats st = sample_stats(day_of("2026-11-21"));
        CurrentState c = sample_current(true);

        /* Nothing is written that would be thrown away on load. */
        st.walking_s = NAN;
        ASSERT_EQ(state_store_save_day(s, &st), -EINVAL);
        st = sample_stats(day_of("2026-11-21"));
        st.tilt_hist_s[7] = -1.0f;
        ASSERT_EQ(state_store_save_day(s, &st), -EINVAL);
        st = sample_stats(day_of("2026-11-21"));
        st.alerts = 10000001;
        ASSERT_EQ(state_store_save_day(s, &st), -EINVAL);
        st = sample_stats(-1);
        ASSERT_EQ(state_store_save_day(s, &st), -EINVAL);
        ASSERT_EQ(count_entries(days_directory), 0);

        c.calibration.up[2] = 2.0f;
        ASSERT_EQ(state_store_save_current(s, &c), -EINVAL);
        c = sample_current(true);
        c.bout_start_realtime_us = -5;
        ASSERT_EQ(state_store_save_current(s, &c), -EINVAL);
        ASSERT_EQ(count_entries(state_directory), 1);

        /* An invalid calibration does not matter when there is none. */
        c = sample_current(false);
        c.calibration.up[0] = NAN;
        ASSERT_EQ(state_store_save_current(s, &c), 0);
        state_store_free(s);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Atomic writes */

/* In a child limited to limit bytes per file (SIGXFSZ ignored, so writes fail with EFBIG, which works even
 * for root), saves stats or current; returns the save's result. */
static int save_with_file_size_limit(
        StateStore *s, rlim_t limit, const struct psoas_day_stats *stats, const CurrentState *current) {
        int status;
        pid_t pid;

        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };
                int r;

                signal(SIGXFSZ, SIG_IGN);
                if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
                        _exit(100);
                r = stats ? state_store_save_day(s, stats) : state_store_save_current(s, current);
                _exit(r > 0 ? 101 : -r);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        return -WEXITSTATUS(status);
}

TEST(atomic_failed_day_write_keeps_old_file) {
        StateStore *s = open_store(90);
        struct psoas_day_stats old = sample_stats(day_of("2026-11-21")), new = old, loaded;
        char path[PATH_MAX];
        char *before, *after;
        size_t before_size, after_size;

        ASSERT_EQ(state_store_save_day(s, &old), 0);
        pathf(path, "%s/2026-11-21.json", days_directory);
        before = read_whole_file(path, &before_size);
        ASSERT_TRUE(before);
        ASSERT_GE(before_size, 2048);

        /* The new file would need more than 1 KiB: the write stops part way. */
        new.alerts = 9;
        ASSERT_EQ(save_with_file_size_limit(s, 1024, &new, NULL), -EFBIG);

        after = read_whole_file(path, &after_size);
        ASSERT_TRUE(after);
        ASSERT_EQ(after_size, before_size);
        ASSERT_TRUE(memcmp(before, after, before_size) == 0);
        ASSERT_EQ(count_entries(days_directory), 1);
        ASSERT_EQ(state_store_load_day(s, old.day, &loaded), 0);
        assert_stats_identical(&old, &loaded);
        free(before);
        free(after);

        /* A write that fails before the first byte, too. */
        ASSERT_EQ(save_with_file_size_limit(s, 0, &new, NULL), -EFBIG);
        ASSERT_EQ(count_entries(days_directory), 1);

        /* And a failed first write leaves no file at all. */
        new.day = old.day + 1;
        ASSERT_EQ(save_with_file_size_limit(s, 100, &new, NULL), -EFBIG);
        ASSERT_EQ(count_entries(days_directory), 1);
        ASSERT_EQ(state_store_load_day(s, new.day, &loaded), -ENOENT);

        /* Without the limit it works. */
        ASSERT_EQ(state_store_save_day(s, &new), 0);
        ASSERT_EQ(count_entries(days_directory), 2);
        state_store_free(s);
}

TEST(atomic_failed_current_write_keeps_old_file) {
        StateStore *s = open_store(90);
        CurrentState old = sample_current(false), new = sample_current(true), loaded;
        char path[PATH_MAX];
        char *before, *after;

        ASSERT_EQ(state_store_save_current(s, &old), 0);
        pathf(path, "%s/current.json", state_directory);
        before = read_whole_file(path, NULL);
        ASSERT_TRUE(before);

        ASSERT_EQ(save_with_file_size_limit(s, 64, NULL, &new), -EFBIG);
        after = read_whole_file(path, NULL);
        ASSERT_TRUE(after);
        ASSERT_STREQ(before, after);
        ASSERT_EQ(count_entries(state_directory), 2); /* current.json and days/ */
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&old, &loaded);
        free(before);
        free(after);
        state_store_free(s);
}

TEST(open_removes_leftover_temporaries) {
        static const char *const ours[] = {
                "state/.#current.json.0123456789abcdef",
                "state/days/.#2026-11-21.json.fedcba9876543210",
        };
        static const char *const not_ours[] = {
                "state/.#current.json.0123456789ABCDEF", /* we write lower case */
                "state/.#current.json.0123",
                "state/.#notes.txt.0123456789abcdef",
                "state/notes.txt",
                "state/days/.#2026-02-30.json.fedcba9876543210",
                "state/days/2026-11-21.json.corrupt-1763712000000000",
                "state/days/README",
        };
        StateStore *s = open_store(90);
        char path[PATH_MAX];

        state_store_free(s);
        for (size_t i = 0; i < ELEMENTSOF(ours); i++) {
                pathf(path, "%s/%s", test_directory, ours[i]);
                write_string(path, "{\"version\": 1, \"date\": \"20");
        }
        for (size_t i = 0; i < ELEMENTSOF(not_ours); i++) {
                pathf(path, "%s/%s", test_directory, not_ours[i]);
                write_string(path, "keep me");
        }

        ASSERT_EQ(state_store_open(state_directory, 90, &s), 0);
        for (size_t i = 0; i < ELEMENTSOF(ours); i++) {
                pathf(path, "%s/%s", test_directory, ours[i]);
                ASSERT_TRUE(!file_exists(path));
        }
        for (size_t i = 0; i < ELEMENTSOF(not_ours); i++) {
                pathf(path, "%s/%s", test_directory, not_ours[i]);
                ASSERT_TRUE(file_exists(path));
        }
        state_store_free(s);
}

TEST(saves_leave_no_temporaries) {
        StateStore *s = open_store(90);
        struct psoas_day_stats st = sample_stats(day_of("2026-11-21"));
        CurrentState c = sample_current(true);

        for (unsigned i = 0; i < 20; i++) {
                st.alerts = i;
                c.last_break_realtime_us = i;
                ASSERT_EQ(state_store_save_day(s, &st), 0);
                ASSERT_EQ(state_store_save_current(s, &c), 0);
        }
        ASSERT_EQ(count_entries(days_directory), 1);
        ASSERT_EQ(count_entries(state_directory), 2);
        state_store_free(s);
}

/* ------------------------------------------------------------------------------------------------------- */
/* A full file system: a small tmpfs of our own, filled up */

static void unmount_test_directory(void) {
        (void)umount2(test_directory, MNT_DETACH);
}

static void write_id_map(const char *file, const char *map) {
        int fd = open(file, O_WRONLY | O_CLOEXEC);

        if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
                TEST_FAIL("writing %s: %s", file, strerror(errno));
        close(fd);
}

/* The test directory becomes a tmpfs mounted with options ("size=64k,nr_inodes=32"), in a mount namespace of
 * this process alone, so that the machine's mounts are never touched. As root the namespace is all we need;
 * otherwise a user namespace in which we are root (which the kernel allows unprivileged users) gives the right
 * to mount a tmpfs. */
static void make_tmpfs_test_directory(const char *options) {
        uid_t uid = geteuid();
        gid_t gid = getegid();

        make_test_directory();
        if (unshare(CLONE_NEWNS) < 0) {
                char map[64];

                if (errno != EPERM)
                        TEST_FAIL("unshare(CLONE_NEWNS): %s", strerror(errno));
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        TEST_FAIL("neither a mount namespace nor a user namespace for a private tmpfs: %s",
                                strerror(errno));
                snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
                write_id_map("/proc/self/uid_map", map);
                write_id_map("/proc/self/setgroups", "deny");
                snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
                write_id_map("/proc/self/gid_map", map);
        }
        /* Nothing we mount may leak into the namespace we came from. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                TEST_FAIL("making our mounts private: %s", strerror(errno));
        if (mount("tmpfs", test_directory, "tmpfs", MS_NOSUID | MS_NODEV, options) < 0)
                TEST_FAIL("mounting a tmpfs (%s) on %s: %s", options, test_directory, strerror(errno));
        /* atexit() runs the latest first: unmounted before remove_test_directory() removes the folder. */
        atexit(unmount_test_directory);
}

/* Fills the file system of directory with one file, to the last byte; returns its path (unlink() frees). */
static void fill_file_system(const char *directory, char ret_path[static PATH_MAX]) {
        static const char block[65536];
        size_t chunk = sizeof(block);
        int fd;

        pathf(ret_path, "%s/filler", directory);
        fd = open(ret_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                TEST_FAIL("creating %s: %s", ret_path, strerror(errno));
        /* Smaller and smaller writes, so that what is left is less than a single byte can use. */
        while (chunk > 0) {
                ssize_t n = write(fd, block, chunk);

                if (n < 0) {
                        if (errno != ENOSPC)
                                TEST_FAIL("filling %s: %s", ret_path, strerror(errno));
                        chunk /= 2;
                }
        }
        /* Really full: not even one more byte. */
        ASSERT_EQ(write(fd, "x", 1), -1);
        ASSERT_EQ(errno, ENOSPC);
        ASSERT_EQ(close(fd), 0);
}

/* Uses up every inode of directory's file system with empty files in directory/inodes; returns how many. */
static unsigned use_up_inodes(const char *directory) {
        char path[PATH_MAX];
        unsigned n;

        pathf(path, "%s/inodes", directory);
        ASSERT_EQ(mkdir(path, 0700), 0);
        for (n = 0;; n++) {
                int fd;

                pathf(path, "%s/inodes/%u", directory, n);
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0) {
                        ASSERT_EQ(errno, ENOSPC);
                        return n;
                }
                close(fd);
        }
}

static void free_inodes(const char *directory, unsigned n) {
        char path[PATH_MAX];

        for (unsigned i = 0; i < n; i++) {
                pathf(path, "%s/inodes/%u", directory, i);
                ASSERT_EQ(unlink(path), 0);
        }
}

/* The temporary files a save uses: none may be left after a failed one. */
static unsigned count_temporaries(const char *directory) {
        DIR *d = opendir(directory);
        unsigned n = 0;

        ASSERT_TRUE(d);
        for (struct dirent *de; (de = readdir(d));)
                if (strncmp(de->d_name, ".#", 2) == 0)
                        n++;
        closedir(d);
        return n;
}

TEST(disk_full_day_save_keeps_old_file_and_catches_up) {
        struct psoas_day_stats old = sample_stats(day_of("2026-11-21")), new = old, loaded;
        char path[PATH_MAX], filler[PATH_MAX];
        char *before, *after;
        size_t before_size, after_size;
        StateStore *s = NULL;

        make_tmpfs_test_directory("size=256k");
        ASSERT_EQ(state_store_open(state_directory, 90, &s), 0);
        ASSERT_EQ(state_store_save_day(s, &old), 0);
        pathf(path, "%s/2026-11-21.json", days_directory);
        before = read_whole_file(path, &before_size);
        ASSERT_TRUE(before);

        fill_file_system(test_directory, filler);
        new.alerts = 9;
        new.sitting_s += 60;
        /* Every attempt fails the same clear way, and none leaves anything behind or touches the old file. */
        for (unsigned attempt = 0; attempt < 5; attempt++) {
                int r = state_store_save_day(s, &new);

                ASSERT_EQ(r, -ENOSPC);
                ASSERT_TRUE(state_error_is_no_space(r));
                ASSERT_EQ(count_temporaries(days_directory), 0);
                ASSERT_EQ(count_entries(days_directory), 1);
                after = read_whole_file(path, &after_size);
                ASSERT_TRUE(after);
                ASSERT_EQ(after_size, before_size);
                ASSERT_TRUE(memcmp(before, after, before_size) == 0);
                free(after);
        }
        ASSERT_EQ(state_store_load_day(s, old.day, &loaded), 0);
        assert_stats_identical(&old, &loaded);

        /* Space returns: the next save is the whole new day. */
        ASSERT_EQ(unlink(filler), 0);
        ASSERT_EQ(state_store_save_day(s, &new), 0);
        ASSERT_EQ(state_store_load_day(s, new.day, &loaded), 0);
        assert_stats_identical(&new, &loaded);
        ASSERT_EQ(count_entries(days_directory), 1);
        free(before);
        state_store_free(s);
}

TEST(disk_full_first_save_of_a_day_leaves_nothing) {
        struct psoas_day_stats stats = sample_stats(day_of("2026-11-22")), loaded;
        char filler[PATH_MAX];
        StateStore *s = NULL;

        make_tmpfs_test_directory("size=256k");
        ASSERT_EQ(state_store_open(state_directory, 90, &s), 0);
        fill_file_system(test_directory, filler);

        ASSERT_EQ(state_store_save_day(s, &stats), -ENOSPC);
        ASSERT_EQ(count_entries(days_directory), 0);
        ASSERT_EQ(state_store_load_day(s, stats.day, &loaded), -ENOENT);

        ASSERT_EQ(unlink(filler), 0);
        ASSERT_EQ(state_store_save_day(s, &stats), 0);
        ASSERT_EQ(state_store_load_day(s, stats.day, &loaded), 0);
        assert_stats_identical(&stats, &loaded);
        state_store_free(s);
}

TEST(disk_full_current_save_keeps_old_file_and_catches_up) {
        CurrentState old = sample_current(false), new = sample_current(true), loaded;
        char path[PATH_MAX], filler[PATH_MAX];
        char *before, *after;
        StateStore *s = NULL;

        make_tmpfs_test_directory("size=256k");
        ASSERT_EQ(state_store_open(state_directory, 90, &s), 0);
        ASSERT_EQ(state_store_save_current(s, &old), 0);
        pathf(path, "%s/current.json", state_directory);
        before = read_whole_file(path, NULL);
        ASSERT_TRUE(before);

        fill_file_system(test_directory, filler);
        ASSERT_EQ(state_store_save_current(s, &new), -ENOSPC);
        after = read_whole_file(path, NULL);
        ASSERT_TRUE(after);
        ASSERT_STREQ(before, after);
        ASSERT_EQ(count_temporaries(state_directory), 0);
        ASSERT_EQ(count_entries(state_directory), 2); /* current.json and days/ */
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&old, &loaded);

        ASSERT_EQ(unlink(filler), 0);
        ASSERT_EQ(state_store_save_current(s, &new), 0);
        ASSERT_EQ(state_store_load_current(s, &loaded), 0);
        assert_current_identical(&new, &loaded);
        free(before);
        free(after);
        state_store_free(s);
}

/* No inode left for the temporary file: the failure comes from creating it, not from writing. (A write that
 * fails part way through a file is atomic_failed_day_write_keeps_old_file: a tmpfs cannot cut our files, which
 * fit in one page.) */
TEST(disk_full_no_inodes_keeps_old_files_and_catches_up) {
        struct psoas_day_stats old = sample_stats(day_of("2026-11-21")), new = old, loaded;
        CurrentState old_current = sample_current(true), new_current = old_current, loaded_current;
        StateStore *s = NULL;
        unsigned used;

        make_tmpfs_test_directory("size=1m,nr_inodes=64");
        ASSERT_EQ(state_store_open(state_directory, 90, &s), 0);
        ASSERT_EQ(state_store_save_day(s, &old), 0);
        ASSERT_EQ(state_store_save_current(s, &old_current), 0);

        used = use_up_inodes(test_directory);
        ASSERT_GE(used, 1);
        new.breaks = 14;
        new_current.in_bout = false;
        ASSERT_EQ(state_store_save_day(s, &new), -ENOSPC);
        ASSERT_EQ(state_store_save_current(s, &new_current), -ENOSPC);
        ASSERT_EQ(count_temporaries(days_directory), 0);
        ASSERT_EQ(count_temporaries(state_directory), 0);
        ASSERT_EQ(state_store_load_day(s, old.day, &loaded), 0);
        assert_stats_identical(&old, &loaded);
        ASSERT_EQ(state_store_load_current(s, &loaded_current), 0);
        assert_current_identical(&old_current, &loaded_current);

        free_inodes(test_directory, used);
        ASSERT_EQ(state_store_save_day(s, &new), 0);
        ASSERT_EQ(state_store_save_current(s, &new_current), 0);
        ASSERT_EQ(state_store_load_day(s, new.day, &loaded), 0);
        assert_stats_identical(&new, &loaded);
        ASSERT_EQ(state_store_load_current(s, &loaded_current), 0);
        assert_current_identical(&new_current, &loaded_current);
        state_store_free(s);
}

/* The first start on a full disk: no inode for the state directory. The store opens, reads nothing, and creates
 * its directories with the first save after space returns. */
TEST(disk_full_at_first_start_creates_directories_later) {
        struct psoas_day_stats stats = sample_stats(day_of("2026-11-21")), loaded;
        CurrentState current = sample_current(true), loaded_current;
        StateStore *s = NULL;
        unsigned used;

        make_tmpfs_test_directory("size=1m,nr_inodes=32");
        used = use_up_inodes(test_directory);
        ASSERT_EQ(state_store_open(state_directory, 90, &s), 0);
        ASSERT_TRUE(!file_exists(state_directory));
        ASSERT_EQ(state_store_load_day(s, stats.day, &loaded), -ENOENT);
        ASSERT_EQ(state_store_load_current(s, &loaded_current), -ENOENT);
        ASSERT_EQ(state_store_save_day(s, &stats), -ENOSPC);
        ASSERT_EQ(state_store_save_current(s, &current), -ENOSPC);
        ASSERT_EQ(state_store_prune(s, stats.day), 0);

        free_inodes(test_directory, used);
        ASSERT_EQ(state_store_save_day(s, &stats), 0);
        ASSERT_EQ(state_store_save_current(s, &current), 0);
        ASSERT_TRUE(file_exists(days_directory));
        ASSERT_EQ(state_store_load_day(s, stats.day, &loaded), 0);
        assert_stats_identical(&stats, &loaded);
        ASSERT_EQ(state_store_load_current(s, &loaded_current), 0);
        assert_current_identical(&current, &loaded_current);
        state_store_free(s);
}

/* Other failures to create the directory are still reported at once. */
TEST(open_reports_a_directory_that_cannot_be) {
        char path[PATH_MAX];
        StateStore *s = NULL;

        make_test_directory();
        pathf(path, "%s/file", test_directory);
        write_string(path, "not a directory");
        pathf(path, "%s/file/state", test_directory);
        ASSERT_EQ(state_store_open(path, 90, &s), -ENOTDIR);
        ASSERT_TRUE(s == NULL);
}

TEST(no_space_errors_recognised) {
        ASSERT_TRUE(state_error_is_no_space(-ENOSPC));
        ASSERT_TRUE(state_error_is_no_space(-EDQUOT));
        ASSERT_TRUE(state_error_is_no_space(-EFBIG));
        ASSERT_TRUE(!state_error_is_no_space(0));
        ASSERT_TRUE(!state_error_is_no_space(-EROFS));
        ASSERT_TRUE(!state_error_is_no_space(-EACCES));
        ASSERT_TRUE(!state_error_is_no_space(-EIO));
        ASSERT_TRUE(!state_error_is_no_space(ENOSPC));
}

/* ------------------------------------------------------------------------------------------------------- */
/* Opening */

TEST(open_creates_directories) {
        char path[PATH_MAX], days[PATH_MAX];
        StateStore *s = NULL;
        struct stat st;

        make_test_directory();
        umask(022);
        pathf(path, "%s/a/b//c/", test_directory);
        ASSERT_EQ(state_store_open(path, 90, &s), 0);
        pathf(path, "%s/a/b//c", test_directory);
        ASSERT_STREQ(state_store_directory(s), path);
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0755);
        pathf(days, "%s/days", path);
        ASSERT_EQ(stat(days, &st), 0);
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        state_store_free(s);

        /* Again, over what exists, and with a tighter umask for new directories. */
        ASSERT_EQ(state_store_open(path, 90, &s), 0);
        state_store_free(s);
        umask(077);
        pathf(path, "%s/private", test_directory);
        ASSERT_EQ(state_store_open(path, 1, &s), 0);
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_EQ(st.st_mode & 07777, 0700);
        umask(022);
        state_store_free(s);
}

TEST(open_rejects_bad_arguments) {
        StateStore *s = NULL;
        char path[PATH_MAX];

        make_test_directory();
        ASSERT_EQ(state_store_open("relative/state", 90, &s), -EINVAL);
        ASSERT_EQ(state_store_open("", 90, &s), -EINVAL);
        ASSERT_EQ(state_store_open(NULL, 90, &s), -EINVAL);
        ASSERT_EQ(state_store_open(test_directory, 0, &s), -EINVAL);
        ASSERT_TRUE(!s);

        /* A file in the way. */
        pathf(path, "%s/file", test_directory);
        write_string(path, "x");
        ASSERT_EQ(state_store_open(path, 90, &s), -ENOTDIR);
        pathf(path, "%s/file/state", test_directory);
        ASSERT_EQ(state_store_open(path, 90, &s), -ENOTDIR);
        ASSERT_TRUE(!s);

        ASSERT_TRUE(state_store_free(NULL) == NULL);
        ASSERT_TRUE(state_store_directory(NULL) == NULL);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Pruning */

static void create_day_files(StateStore *s, int32_t first, int32_t last) {
        for (int32_t day = first; day <= last; day++) {
                struct psoas_day_stats st = { .day = day, .sitting_s = day };
                ASSERT_EQ(state_store_save_day(s, &st), 0);
        }
}

TEST(prune_keep_one_day) {
        StateStore *s = open_store(1);
        int32_t today = day_of("2026-11-21");
        struct psoas_day_stats st;

        create_day_files(s, today - 5, today);
        ASSERT_EQ(state_store_prune(s, today), 5);
        ASSERT_EQ(count_entries(days_directory), 1);
        ASSERT_EQ(state_store_load_day(s, today, &st), 0);
        ASSERT_EQ(state_store_load_day(s, today - 1, &st), -ENOENT);
        ASSERT_EQ(state_store_prune(s, today), 0);
        state_store_free(s);
}

TEST(prune_keep_ninety_days) {
        StateStore *s = open_store(90);
        int32_t today = day_of("2026-03-01");
        struct psoas_day_stats st;

        /* 120 days up to today, and a file for tomorrow (a clock that went back): kept. */
        create_day_files(s, today - 119, today + 1);
        ASSERT_EQ(state_store_prune(s, today), 30);
        ASSERT_EQ(count_entries(days_directory), 91);
        ASSERT_EQ(state_store_load_day(s, today - 89, &st), 0);
        ASSERT_EQ(state_store_load_day(s, today - 90, &st), -ENOENT);
        ASSERT_EQ(state_store_load_day(s, today + 1, &st), 0);

        /* A day later, one more goes. */
        ASSERT_EQ(state_store_prune(s, today + 1), 1);
        ASSERT_EQ(state_store_load_day(s, today - 89, &st), -ENOENT);
        ASSERT_EQ(state_store_load_day(s, today - 88, &st), 0);
        state_store_free(s);
}

TEST(prune_leaves_other_files_alone) {
        static const char *const others[] = {
                "1999-01-01.json.corrupt-915148800000000",
                "1999-01-01.txt",
                "1999-01-01.json~",
                "1999-02-30.json",
                "1999-1-01.json",
                "notes",
                ".#1999-01-01.json.x",
        };
        StateStore *s = open_store(1);
        char path[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                pathf(path, "%s/%s", days_directory, others[i]);
                write_string(path, "not a day file");
        }
        /* A directory and a symbolic link with a day file's name are not ours either. */
        pathf(path, "%s/1999-01-02.json", days_directory);
        ASSERT_EQ(mkdir(path, 0755), 0);
        pathf(path, "%s/1999-01-03.json", days_directory);
        ASSERT_EQ(symlink("notes", path), 0);
        create_day_files(s, day_of("1999-01-04"), day_of("1999-01-05"));

        ASSERT_EQ(state_store_prune(s, day_of("2026-11-21")), 2);
        ASSERT_EQ(count_entries(days_directory), ELEMENTSOF(others) + 2);
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                pathf(path, "%s/%s", days_directory, others[i]);
                ASSERT_TRUE(file_exists(path));
        }
        state_store_free(s);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Dates */

TEST(day_string_edges) {
        static const struct {
                const char *date;
                int32_t day;
        } known[] = {
                { "1970-01-01", 0 },
                { "1970-01-02", 1 },
                { "1970-12-31", 364 },
                { "1971-01-01", 365 },
                { "2000-02-29", 11016 },
                { "2000-03-01", 11017 },
                { "2024-02-29", 19782 },
                { "2026-11-21", 20778 },
                { "2100-02-28", 47540 },
                { "2100-03-01", 47541 },
                { "9999-12-31", 2932896 },
        };
        char buf[11];

        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                int32_t day = -1;

                ASSERT_EQ(day_from_string(known[i].date, &day), 0);
                ASSERT_EQ(day, known[i].day);
                memset(buf, 'x', sizeof(buf));
                day_to_string(known[i].day, buf);
                ASSERT_STREQ(buf, known[i].date);
        }

        /* Outside 1970 … 9999 there is no name that parses. */
        day_to_string(-1, buf);
        ASSERT_EQ(strlen(buf), 10);
        ASSERT_TRUE(day_from_string(buf, &(int32_t){ 0 }) == -EINVAL);
        day_to_string(2932897, buf);
        ASSERT_EQ(strlen(buf), 10);
        ASSERT_TRUE(day_from_string(buf, &(int32_t){ 0 }) == -EINVAL);
        day_to_string(INT32_MIN, buf);
        ASSERT_EQ(strlen(buf), 10);
        day_to_string(INT32_MAX, buf);
        ASSERT_EQ(strlen(buf), 10);
}

TEST(day_string_invalid) {
        static const char *const invalid[] = {
                "",
                "2026",
                "2026-11",
                "2026-11-2",
                "2026-11-21 ",
                " 2026-11-21",
                "2026-11-21T00:00",
                "2026-11-21.json",
                "2026/11/21",
                "2026-1-021",
                "26-11-2021",
                "+026-11-21",
                "2026-+1-21",
                "2026-11--1",
                "2026-00-10",
                "2026-13-01",
                "2026-11-00",
                "2026-11-31",
                "2026-02-29",
                "2026-02-30",
                "2100-02-29",
                "1900-02-29",
                "1969-12-31",
                "0000-01-01",
                "10000-01-01",
                "2026-11-2a",
                "２０２６-11-21",
        };
        int32_t day = 12345;

        for (size_t i = 0; i < ELEMENTSOF(invalid); i++)
                if (day_from_string(invalid[i], &day) != -EINVAL)
                        TEST_FAIL("\"%s\" was accepted", invalid[i]);
        ASSERT_EQ(day, 12345);
        ASSERT_EQ(day_from_string(NULL, &day), -EINVAL);
        ASSERT_EQ(day_from_string("2026-11-21", NULL), -EINVAL);
}

/* Every day from 1970 to 2100 against the C library's own calendar. */
TEST(day_string_round_trip_1970_2100) {
        int32_t last = day_of("2100-12-31");

        ASSERT_EQ(last, 47846);
        for (int32_t day = 0; day <= last; day++) {
                time_t t = (time_t)day * 86400;
                char expected[32], buf[11];
                struct tm tm;
                int32_t parsed;

                ASSERT_TRUE(gmtime_r(&t, &tm));
                strftime(expected, sizeof(expected), "%Y-%m-%d", &tm);
                day_to_string(day, buf);
                if (strcmp(buf, expected) != 0)
                        TEST_FAIL("day %d: \"%s\", expected \"%s\"", day, buf, expected);
                ASSERT_EQ(day_from_string(buf, &parsed), 0);
                ASSERT_EQ(parsed, day);
        }
}

TEST_MAIN
