/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* For renameat2() and asprintf(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "day-record.h"
#include "fileio.h"
#include "log-journal.h"
#include "macro.h"
#include "state-file.h"
#include "state.h"
#include "time-util.h"

/* Dates are years 1970 … 9999: days 0 … DAY_MAX (common/calendar.h). */
#define DAY_FILE_SUFFIX ".json"
#define RECORD_FILE_SUFFIX ".record"
#define CURRENT_FILE_NAME "current.json"
#define DAYS_DIRECTORY "days"

/* Temporary files are ".#TARGET.XXXXXXXXXXXXXXXX" (16 hex digits) in the target's directory. */
#define TEMPORARY_PREFIX ".#"
#define TEMPORARY_RANDOM_LENGTH 16
#define CORRUPT_INFIX ".corrupt-"

struct StateStore {
        char *directory; /* absolute, without trailing slashes */
        int directory_fd;
        int days_fd;
        uint32_t keep_days;
        bool durable; /* fsync() each file and the directory after writing them */
};

/* ------------------------------------------------------------------------------------------------------- */
/* Files */

static bool is_dated_name(const char *name, size_t n, const char *suffix) {
        int32_t day;

        return n == DAY_NAME_LENGTH + strlen(suffix) &&
                memcmp(name + DAY_NAME_LENGTH, suffix, strlen(suffix)) == 0 &&
                day_from_chars(name, DAY_NAME_LENGTH, &day) >= 0;
}

/* A day's statistics or its record: the files of one day, kept and removed together. */
static bool is_day_file_name(const char *name, size_t n) {
        return is_dated_name(name, n, DAY_FILE_SUFFIX) || is_dated_name(name, n, RECORD_FILE_SUFFIX);
}

static bool is_lower_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

/* ".#current.json.0123456789abcdef", ".#2026-11-21.json.0123456789abcdef" or ".#2026-11-21.record.…": what write_atomic() leaves
 * behind when the daemon dies in the middle of a write. Anything else is not ours to remove. */
static bool is_temporary_name(const char *name) {
        size_t n = strlen(name), prefix = strlen(TEMPORARY_PREFIX), target;

        if (n < prefix + 1 + TEMPORARY_RANDOM_LENGTH || memcmp(name, TEMPORARY_PREFIX, prefix) != 0)
                return false;
        target = n - prefix - 1 - TEMPORARY_RANDOM_LENGTH;
        if (name[prefix + target] != '.' ||
                !is_lower_hex(name + n - TEMPORARY_RANDOM_LENGTH, TEMPORARY_RANDOM_LENGTH))
                return false;
        return (target == strlen(CURRENT_FILE_NAME) &&
                       memcmp(name + prefix, CURRENT_FILE_NAME, target) == 0) ||
                is_day_file_name(name + prefix, target);
}

static uint64_t random_u64(void) {
        static uint64_t counter;
        struct timespec ts;
        uint64_t v;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
                return v;
        /* The name only needs to be unlikely to exist: O_EXCL catches a clash and we try again. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^ ++counter;
}

static int write_all(int fd, const char *data, size_t size) {
        while (size > 0) {
                ssize_t n = write(fd, data, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                data += n;
                size -= (size_t)n;
        }
        return 0;
}

/* Replaces name in directory_fd with data, so that a reader (or a crash) sees either the old file or the new
 * one, whole. On failure the old file is untouched and no temporary file remains. */
static int write_atomic(int directory_fd, const char *name, const char *data, size_t size, bool durable) {
        char temporary[NAME_MAX + 1];
        _cleanup_close_ int fd = -EBADF;
        int r;

        for (unsigned attempt = 0;; attempt++) {
                r = snprintf(
                        temporary, sizeof(temporary), TEMPORARY_PREFIX "%s.%016" PRIx64, name, random_u64());
                if (r < 0 || (size_t)r >= sizeof(temporary))
                        return -ENAMETOOLONG;
                fd = openat(
                        directory_fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (fd >= 0)
                        break;
                if (errno != EEXIST || attempt >= 16)
                        return -errno;
        }

        r = write_all(fd, data, size);
        if (r >= 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r >= 0) {
                /* close() can report a delayed write error (NFS); fsync() has flushed everything else. */
                int fd_to_close = TAKE_FD(fd);

                if (close(fd_to_close) < 0)
                        r = -errno;
        }
        if (r >= 0 && renameat(directory_fd, temporary, directory_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(directory_fd, temporary, 0);
                return r;
        }

        /* The rename is durable only once the directory is on disk. If this fails the new file is in place
         * but may not survive a crash: report it all the same. */
        if (durable && fsync(directory_fd) < 0)
                return -errno;
        return 0;
}

/* Keeps a damaged file for whoever wants to look at it, out of the daemon's way, and says so once. */
static void move_aside(int directory_fd, const char *directory, const char *name, const char *reason) {
        char aside[NAME_MAX + 1];
        int64_t now = (int64_t)time_now_us(CLOCK_REALTIME);
        int r = 0;

        for (unsigned attempt = 0; attempt < 16; attempt++) {
                r = snprintf(aside, sizeof(aside), "%s" CORRUPT_INFIX "%" PRIi64, name, now + attempt);
                if (r < 0 || (size_t)r >= sizeof(aside)) {
                        r = -ENAMETOOLONG;
                        break;
                }
                /* Never replace an earlier copy that happens to carry the same time. */
                r = renameat2(directory_fd, name, directory_fd, aside, RENAME_NOREPLACE);
                if (r < 0 && (errno == EINVAL || errno == ENOSYS))
                        /* A file system without RENAME_NOREPLACE: a clash within one µs is unlikely. */
                        r = renameat(directory_fd, name, directory_fd, aside);
                r = r < 0 ? -errno : 0;
                if (r != -EEXIST)
                        break;
        }

        if (r < 0)
                log_id(LOG_WARNING, MESSAGE_ID_STATE_MOVED_ASIDE, r,
                        "%s/%s: %s. Could not move it aside: %m. Ignoring it; it will be replaced.",
                        directory, name, reason);
        else
                log_id(LOG_WARNING, MESSAGE_ID_STATE_MOVED_ASIDE, 0,
                        "%s/%s: %s. Moved it aside to %s/%s and continuing without it.", directory, name,
                        reason, directory, aside);
}

/* Parses a file's text into *ret; a day's file must hold that day (expected_day), named in reason when not. */
typedef int (*ParseFunction)(
        const char *text, size_t size, int32_t expected_day, void *ret, char reason[static REASON_MAX]);

static int check_day(int32_t day, int32_t expected_day, char reason[static REASON_MAX]) {
        char date[DAY_NAME_LENGTH + 1];

        if (day == expected_day)
                return 0;
        day_to_string(day, date);
        snprintf(reason, REASON_MAX, "date is %s, which does not match the file name", date);
        return -EINVAL;
}

static int parse_day_any(
        const char *json, size_t size, int32_t expected_day, void *ret, char reason[static REASON_MAX]) {
        struct psoas_day_stats *stats = ret;
        int r;

        r = state_file_parse_day(json, size, stats, reason);
        return r < 0 ? r : check_day(stats->day, expected_day, reason);
}

static int parse_current_any(
        const char *json, size_t size, int32_t expected_day, void *ret, char reason[static REASON_MAX]) {
        return state_file_parse_current(json, size, ret, reason);
}

_Static_assert(
        DAY_RECORD_REASON_MAX == REASON_MAX, "a record's reason is written where a state file's goes");

static int parse_record_any(
        const char *text, size_t size, int32_t expected_day, void *ret, char reason[static REASON_MAX]) {
        _cleanup_(day_record_freep) DayRecord *record = NULL;
        int r;

        r = day_record_parse(text, size, &record, reason);
        if (r < 0)
                return r;
        r = check_day(record->day, expected_day, reason);
        if (r < 0)
                return r;
        *(DayRecord **)ret = TAKE_PTR(record);
        return 0;
}

/* Reads and parses name (at most max bytes); for a day's file, expected_day must match the date inside. A file that is there but unusable is
 * moved aside and reported as missing; errors reading it (EIO, EACCES) are returned as they are. */
static int load_file(int directory_fd, const char *directory, const char *name, size_t max,
        ParseFunction parse, int32_t expected_day, void *ret) {
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        char reason[REASON_MAX];
        struct stat st;
        size_t size = 0;
        int r;

        /* O_NONBLOCK: a FIFO planted here must not hang the daemon. O_NOFOLLOW: we never write symlinks. */
        fd = openat(directory_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ELOOP) {
                        move_aside(directory_fd, directory, name, "a symbolic link, which we never write");
                        return -ENOENT;
                }
                return -errno;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                move_aside(directory_fd, directory, name, "not a regular file");
                return -ENOENT;
        }

        r = read_full_fd(fd, max, &data, &size);
        if (r < 0)
                return r;

        /* -EINVAL is the file's fault (reason says why); anything else (-ENOMEM) is ours. */
        r = parse(data, size, expected_day, ret, reason);
        if (r < 0 && r != -EINVAL)
                return r;
        if (r < 0) {
                move_aside(directory_fd, directory, name, reason);
                return -ENOENT;
        }
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The store */

/* Like mkdir -p: creates every missing directory of an absolute path. */
static int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;

                char saved = *p;

                *p = '\0';
                if (p[-1] != '/' && mkdir(copy, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = saved;
                if (saved == '\0')
                        return 0;
        }
}

static void remove_temporary_files(int directory_fd) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        fd = openat(directory_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        TAKE_FD(fd);

        for (struct dirent *de; (de = readdir(d));)
                if (is_temporary_name(de->d_name))
                        (void)unlinkat(directory_fd, de->d_name, 0);
        closedir(d);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(StateStore *, state_store_free);

/* Opens the state directory and days/, creating what is missing, and clears away temporary files a crash left.
 * Called by state_store_open() and again before each use for as long as it has not worked: a store whose
 * directories could not be created for lack of space (a full disk at the first start) creates them once there is
 * some, and catches up like any other store. */
static int store_open_directories(StateStore *s) {
        int r;

        if (s->days_fd >= 0)
                return 0;

        if (s->directory_fd < 0) {
                r = mkdir_parents(s->directory, 0755);
                if (r < 0)
                        return r;
                s->directory_fd = open(s->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (s->directory_fd < 0)
                        return -errno;
                remove_temporary_files(s->directory_fd);
        }

        if (mkdirat(s->directory_fd, DAYS_DIRECTORY, 0755) < 0 && errno != EEXIST)
                return -errno;
        s->days_fd =
                openat(s->directory_fd, DAYS_DIRECTORY, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (s->days_fd < 0)
                return -errno;
        remove_temporary_files(s->days_fd);
        return 0;
}

int state_store_open(const char *directory, uint32_t keep_days, StateStore **ret) {
        _cleanup_(state_store_freep) StateStore *s = NULL;
        size_t n;
        int r;

        if (!directory || directory[0] != '/' || keep_days == 0 || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->directory_fd = s->days_fd = -EBADF;
        s->keep_days = keep_days;
        s->durable = true;

        n = strlen(directory);
        while (n > 1 && directory[n - 1] == '/')
                n--;
        s->directory = strndup(directory, n);
        if (!s->directory)
                return -ENOMEM;

        /* No room to create the directories is no reason to give up on the store: every later call tries
         * again. Anything else (a path that is not a directory, no permission) is for the caller to report. */
        r = store_open_directories(s);
        if (r < 0 && !state_error_is_no_space(r))
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

StateStore *state_store_free(StateStore *s) {
        if (!s)
                return NULL;
        if (s->days_fd >= 0)
                close(s->days_fd);
        if (s->directory_fd >= 0)
                close(s->directory_fd);
        free(s->directory);
        free(s);
        return NULL;
}

void state_store_set_durable(StateStore *s, bool durable) {
        if (s)
                s->durable = durable;
}

const char *state_store_directory(const StateStore *s) {
        return s ? s->directory : NULL;
}

static void day_file_name(int32_t day, char buf[static DAY_NAME_LENGTH + sizeof(DAY_FILE_SUFFIX)]) {
        day_to_string(day, buf);
        memcpy(buf + DAY_NAME_LENGTH, DAY_FILE_SUFFIX, sizeof(DAY_FILE_SUFFIX));
}

static void record_file_name(int32_t day, char buf[static DAY_NAME_LENGTH + sizeof(RECORD_FILE_SUFFIX)]) {
        day_to_string(day, buf);
        memcpy(buf + DAY_NAME_LENGTH, RECORD_FILE_SUFFIX, sizeof(RECORD_FILE_SUFFIX));
}

/* Loads the file name of the day directory, a file of the day day, with parse into ret. */
static int load_day_file(
        StateStore *s, int32_t day, const char *name, size_t max, ParseFunction parse, void *ret) {
        _cleanup_free_ char *days_path = NULL;
        int r;

        /* Directories that could not be created for lack of space hold no files yet. */
        r = store_open_directories(s);
        if (r < 0)
                return state_error_is_no_space(r) ? -ENOENT : r;
        if (asprintf(&days_path, "%s/" DAYS_DIRECTORY, s->directory) < 0)
                return -ENOMEM;
        return load_file(s->days_fd, days_path, name, max, parse, day, ret);
}

/* Writes the file name of the day directory, atomically. */
static int write_day_file(StateStore *s, const char *name, const char *data, size_t size) {
        int r = store_open_directories(s);

        if (r < 0)
                return r;
        return write_atomic(s->days_fd, name, data, size, s->durable);
}

int state_store_load_day(StateStore *s, int32_t day, struct psoas_day_stats *ret) {
        char name[DAY_NAME_LENGTH + sizeof(DAY_FILE_SUFFIX)];
        struct psoas_day_stats stats;
        int r;

        if (!s || !ret || day < 0 || day > DAY_MAX)
                return -EINVAL;
        day_file_name(day, name);
        r = load_day_file(s, day, name, STATE_FILE_MAX, parse_day_any, &stats);
        if (r < 0)
                return r;
        *ret = stats;
        return 0;
}

int state_store_save_day(StateStore *s, const struct psoas_day_stats *stats) {
        char name[DAY_NAME_LENGTH + sizeof(DAY_FILE_SUFFIX)];
        _cleanup_free_ char *data = NULL;
        char reason[REASON_MAX];
        size_t size;
        int r;

        if (!s || !stats)
                return -EINVAL;
        r = state_file_format_day(stats, &data, &size, reason);
        if (r < 0)
                return r;
        day_file_name(stats->day, name);
        return write_day_file(s, name, data, size);
}

int state_store_load_record(StateStore *s, int32_t day, DayRecord **ret) {
        char name[DAY_NAME_LENGTH + sizeof(RECORD_FILE_SUFFIX)];
        DayRecord *record = NULL;
        int r;

        if (!s || !ret || day < 0 || day > DAY_MAX)
                return -EINVAL;
        record_file_name(day, name);
        r = load_day_file(s, day, name, DAY_RECORD_FILE_MAX, parse_record_any, &record);
        if (r < 0)
                return r;
        *ret = record;
        return 0;
}

int state_store_save_record(StateStore *s, const DayRecord *record) {
        char name[DAY_NAME_LENGTH + sizeof(RECORD_FILE_SUFFIX)];
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        if (!s || !record)
                return -EINVAL;
        r = day_record_format(record, &data, &size);
        if (r < 0)
                return r;
        record_file_name(record->day, name);
        return write_day_file(s, name, data, size);
}

int state_store_load_current(StateStore *s, CurrentState *ret) {
        CurrentState current;
        int r;

        if (!s || !ret)
                return -EINVAL;
        r = store_open_directories(s);
        if (r < 0)
                return state_error_is_no_space(r) ? -ENOENT : r;
        r = load_file(s->directory_fd, s->directory, CURRENT_FILE_NAME, STATE_FILE_MAX, parse_current_any,
                -1, &current);
        if (r < 0)
                return r;
        *ret = current;
        return 0;
}

int state_store_save_current(StateStore *s, const CurrentState *current) {
        _cleanup_free_ char *data = NULL;
        char reason[REASON_MAX];
        size_t size;
        int r;

        if (!s || !current)
                return -EINVAL;
        r = state_file_format_current(current, &data, &size, reason);
        if (r < 0)
                return r;
        r = store_open_directories(s);
        if (r < 0)
                return r;
        return write_atomic(s->directory_fd, CURRENT_FILE_NAME, data, size, s->durable);
}

bool state_error_is_no_space(int error) {
        return error == -ENOSPC || error == -EDQUOT || error == -EFBIG;
}

int state_store_prune(StateStore *s, int32_t today) {
        _cleanup_close_ int fd = -EBADF;
        int64_t newest_removed;
        int removed = 0, r = 0;
        DIR *d;

        if (!s)
                return -EINVAL;
        /* keep_days = 1 keeps today alone, 90 keeps today and the 89 days before. */
        newest_removed = (int64_t)today - s->keep_days;
        r = store_open_directories(s);
        if (r < 0)
                return state_error_is_no_space(r) ? 0 : r;

        fd = openat(s->days_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);

        for (struct dirent *de; (de = readdir(d));) {
                int32_t day;

                /* Only our day files: corrupt copies, temporaries and strangers stay. */
                if (!is_day_file_name(de->d_name, strlen(de->d_name)) ||
                        day_from_chars(de->d_name, DAY_NAME_LENGTH, &day) < 0 || day > newest_removed)
                        continue;
                if (de->d_type != DT_REG) {
                        struct stat st;

                        if (de->d_type != DT_UNKNOWN ||
                                fstatat(s->days_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                                !S_ISREG(st.st_mode))
                                continue;
                }
                if (unlinkat(s->days_fd, de->d_name, 0) < 0) {
                        /* Keep going: one file that cannot go should not keep the others. */
                        if (errno != ENOENT && r == 0)
                                r = -errno;
                        continue;
                }
                removed++;
        }
        closedir(d);

        return r < 0 ? r : removed;
}
