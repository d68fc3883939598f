/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "csv-number.h"
#include "csv-units.h"
#include "csv.h"
#include "format-number.h"
#include "macro.h"

static const char *const column_names[_CSV_COLUMN_MAX] = {
        [CSV_COLUMN_T] = "t",
        [CSV_COLUMN_AX] = "ax",
        [CSV_COLUMN_AY] = "ay",
        [CSV_COLUMN_AZ] = "az",
        [CSV_COLUMN_GX] = "gx",
        [CSV_COLUMN_GY] = "gy",
        [CSV_COLUMN_GZ] = "gz",
};

struct CsvReader {
        int fd;
        bool close_fd;
        bool eof;
        char *name;

        /* buf[0..len) holds data read and not yet consumed from pos on; lines_end is just after the last '\n' in
         * it, so every line before lines_end ends in '\n' and the parser needs no bounds checks. */
        char *buf;
        size_t size; /* capacity; one more byte is allocated for the '\n' added to an unterminated last line */
        size_t len;
        size_t pos;
        size_t lines_end;

        unsigned long line; /* lines consumed so far */
        unsigned long blank_line; /* the first blank line, 0 when none: only blank lines may follow it */
        bool started; /* the first line has been seen */
        unsigned n_columns; /* per line, 0 until known */
        CsvColumn order[_CSV_COLUMN_MAX];
        bool has_gyro;

        bool has_previous;
        int64_t previous_t_us;

        /* The recording's "# psoas start:" line (csv.h), when it had one before its first record. */
        bool has_start;
        CsvStart start;

        /* Units (csv-units.h): the conversion into SI units, and the first records read ahead to check them. */
        CsvUnits units;
        bool convert, check_units, units_checked;
        CsvRecord *ahead;
        size_t n_ahead, i_ahead;

        int error; /* sticky, once reading failed */
        char message[1024];
};

/* ------------------------------------------------------------------------------------------------------- */
/* Messages */

static _printf_(3, 4) int reader_fail(CsvReader *r, unsigned long line, const char *format, ...) {
        va_list ap;
        int n;

        n = snprintf(r->message, sizeof(r->message), "%s:%lu: ", r->name, line);
        if (n < 0 || (size_t)n >= sizeof(r->message))
                n = 0;
        va_start(ap, format);
        vsnprintf(r->message + n, sizeof(r->message) - (size_t)n, format, ap);
        va_end(ap);

        r->error = -EBADMSG;
        return r->error;
}

/* Quotes a field for a message: printable, and short enough to read. */
static const char *field_quote(const char *start, const char *end, char *buf, size_t size) {
        size_t n = 0, max = size - 4;

        for (const char *p = start; p < end; p++) {
                if (n >= max) {
                        memcpy(buf + n - 3, "...", 3);
                        break;
                }
                buf[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        }
        buf[n] = '\0';
        return buf;
}

/* The end of the field that starts at p: the next ',', or the end of the line (without its '\r'). */
static const char *field_end(const char *p) {
        while (*p != ',' && *p != '\n' && !(*p == '\r' && p[1] == '\n'))
                p++;
        return p;
}

/* Trims blanks (and, for header names, double quotes) around [*start, *end). */
static void field_trim(const char **start, const char **end, bool quotes) {
        while (*start < *end && csv_is_blank(**start))
                (*start)++;
        while (*end > *start && csv_is_blank((*end)[-1]))
                (*end)--;
        if (quotes && *end - *start >= 2 && **start == '"' && (*end)[-1] == '"') {
                (*start)++;
                (*end)--;
        }
}

static unsigned line_count_fields(const char *line) {
        unsigned n = 1;

        for (const char *p = field_end(line); *p == ','; p = field_end(p + 1))
                n++;
        return n;
}

static int column_from_name(const char *start, const char *end) {
        size_t n = (size_t)(end - start);

        for (int c = 0; c < _CSV_COLUMN_MAX; c++)
                if (strlen(column_names[c]) == n && strncasecmp(column_names[c], start, n) == 0)
                        return c;
        return -ENOENT;
}

/* NaN and infinities, as printf() and most tools write them: not numbers we accept, but worth naming. */
static bool word_is_nonfinite(const char *start, const char *end) {
        static const char *const words[] = { "nan", "inf", "infinity", "-nan", "+nan", "-inf", "+inf",
                "-infinity", "+infinity" };
        size_t n = (size_t)(end - start);

        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strlen(words[i]) == n && strncasecmp(words[i], start, n) == 0)
                        return true;
        return false;
}

static bool line_looks_like_header(const char *line) {
        const char *start = line, *end = field_end(line);

        field_trim(&start, &end, true);
        return column_from_name(start, end) >= 0;
}

/* Called when the fast path could not parse a line: says precisely what is wrong with it. index is the field
 * the fast path stopped at. */
static int reader_diagnose(CsvReader *r, unsigned long line, const char *text, unsigned index) {
        const char *start = text, *end;
        unsigned n_fields;
        CsvColumn column;
        char quoted[64];
        Decimal d;

        if (line_looks_like_header(text))
                return reader_fail(
                        r, line, "header in the wrong place (only the first line may be a header)");

        n_fields = line_count_fields(text);
        if (n_fields != r->n_columns)
                return reader_fail(r, line, "expected %u columns, found %u", r->n_columns, n_fields);

        for (unsigned i = 0; i < index; i++)
                start = field_end(start) + 1;
        end = field_end(start);
        column = r->order[index];
        field_trim(&start, &end, false);

        if (start == end)
                return reader_fail(r, line, "column %s is empty", column_names[column]);
        if (word_is_nonfinite(start, end))
                return reader_fail(r, line, "column %s: '%s' is not a finite number", column_names[column],
                        field_quote(start, end, quoted, sizeof(quoted)));

        const char *p = csv_decimal_scan(start, &d);
        if (!p || p != end)
                return reader_fail(r, line, "column %s: '%s' is not a number", column_names[column],
                        field_quote(start, end, quoted, sizeof(quoted)));
        return reader_fail(r, line, "column %s: '%s' is out of range", column_names[column],
                field_quote(start, end, quoted, sizeof(quoted)));
}

/* ------------------------------------------------------------------------------------------------------- */
/* Lines */

static int reader_parse_header(CsvReader *r, unsigned long line, const char *text) {
        bool seen[_CSV_COLUMN_MAX] = {};
        unsigned n = 0, n_gyro = 0;
        char quoted[64];

        for (const char *p = text;; p++) {
                const char *start = p, *end = field_end(p);
                int c;

                field_trim(&start, &end, true);
                c = column_from_name(start, end);
                if (c < 0)
                        return reader_fail(r, line,
                                "unknown column '%s' in the header (expected t, ax, ay, az and optionally "
                                "gx, gy, gz)",
                                field_quote(start, end, quoted, sizeof(quoted)));
                if (seen[c])
                        return reader_fail(
                                r, line, "column %s appears twice in the header", column_names[c]);
                seen[c] = true;
                r->order[n++] = (CsvColumn)c;
                if (c >= CSV_COLUMN_GX)
                        n_gyro++;

                p = field_end(p);
                if (*p != ',')
                        break;
        }

        for (int c = CSV_COLUMN_T; c <= CSV_COLUMN_AZ; c++)
                if (!seen[c])
                        return reader_fail(r, line, "the header lacks column %s", column_names[c]);
        if (n_gyro != 0 && n_gyro != 3)
                for (int c = CSV_COLUMN_GX; c <= CSV_COLUMN_GZ; c++)
                        if (!seen[c])
                                return reader_fail(r, line,
                                        "the header lacks column %s (gyro columns come in threes)",
                                        column_names[c]);

        r->n_columns = n;
        r->has_gyro = n_gyro == 3;
        return 0;
}

/* The first line decides between a header and data, and for data how many columns there are. Returns 1 when
 * it is data to parse. */
static int reader_start(CsvReader *r, unsigned long line, const char *text) {
        const char *start = text, *end = field_end(text);
        unsigned n;

        field_trim(&start, &end, true);
        if (start < end &&
                ((*start >= 'a' && *start <= 'z') || (*start >= 'A' && *start <= 'Z') || *start == '_' ||
                        *start == '"') &&
                !word_is_nonfinite(start, end))
                return reader_parse_header(r, line, text);

        n = line_count_fields(text);
        if (n != 4 && n != 7)
                return reader_fail(
                        r, line, "expected 4 columns (t,ax,ay,az) or 7 (t,ax,ay,az,gx,gy,gz), found %u", n);
        for (unsigned i = 0; i < n; i++)
                r->order[i] = (CsvColumn)i;
        r->n_columns = n;
        r->has_gyro = n == 7;
        return 1;
}

/* Parses the field at p into values[] or *t_us and checks what follows it. Returns the start of the next field
 * (or line), or NULL when this is not what the fast paths accept: reader_diagnose() then says why. */
static inline const char *reader_parse_field(
        const char *p, CsvColumn column, bool last, double values[], int64_t *t_us) {
        const char *start, *end;
        Decimal d;

        end = csv_fixed_scan(p, &d);
        if (end && (last ? (*end == '\n' || *end == '\r') : *end == ',')) {
                if (column == CSV_COLUMN_T) {
                        if (csv_decimal_to_us(&d, t_us) < 0)
                                return NULL;
                } else {
                        /* At most 15 digits, so the signed integer and the power of ten are exact doubles,
                         * and the one rounding of the division gives the correctly rounded value. The sign goes
                         * on the integer, where it is a conditional move rather than a branch that the random
                         * signs of a gyroscope's noise would mispredict. */
                        int64_t m = d.negative ? -(int64_t)d.mantissa : (int64_t)d.mantissa;

                        values[column] = (double)m / csv_pow10_double[-d.exponent];
                }
        } else {
                /* Anything else: blanks, a '+', an exponent, many digits. */
                while (csv_is_blank(*p))
                        p++;
                start = p;
                end = csv_decimal_scan(p, &d);
                if (!end)
                        return NULL;
                if (column == CSV_COLUMN_T) {
                        if (csv_decimal_to_us(&d, t_us) < 0)
                                return NULL;
                } else {
                        double v = csv_decimal_to_double(&d, start, end);

                        if (!(fabs(v) <= FLT_MAX))
                                return NULL;
                        values[column] = v;
                }
                while (csv_is_blank(*end))
                        end++;
        }

        if (!last)
                return *end == ',' ? end + 1 : NULL;
        if (*end == '\r')
                end++;
        return *end == '\n' ? end + 1 : NULL;
}

/* Parses one data line that ends in '\n' into *ret. Returns the start of the next line, or NULL with the
 * reader's error set. */
static const char *reader_parse_data(CsvReader *r, unsigned long line, const char *text, CsvRecord *ret) {
        double values[_CSV_COLUMN_MAX] = {};
        const char *p = text;
        int64_t t_us = 0;

        for (unsigned i = 0; i < r->n_columns; i++) {
                p = reader_parse_field(p, r->order[i], i + 1 == r->n_columns, values, &t_us);
                if (!p) {
                        reader_diagnose(r, line, text, i);
                        return NULL;
                }
        }

        if (r->has_previous && t_us <= r->previous_t_us) {
                char now[CSV_TIME_MAX], before[CSV_TIME_MAX];

                csv_format_time(now, t_us);
                csv_format_time(before, r->previous_t_us);
                if (t_us == r->previous_t_us)
                        reader_fail(r, line,
                                "column t: time does not advance (%s s again; samples must be at least 1 µs "
                                "apart)",
                                now);
                else
                        reader_fail(r, line, "column t: time goes backwards (%s s after %s s)", now, before);
                return NULL;
        }
        r->has_previous = true;
        r->previous_t_us = t_us;

        *ret = (CsvRecord){
                .t_us = t_us,
                .accel = { (float)values[CSV_COLUMN_AX], (float)values[CSV_COLUMN_AY],
                        (float)values[CSV_COLUMN_AZ] },
                .gyro = { (float)values[CSV_COLUMN_GX], (float)values[CSV_COLUMN_GY],
                        (float)values[CSV_COLUMN_GZ] },
                .line = line,
        };
        return p;
}

static bool line_is_blank(const char *p) {
        while (csv_is_blank(*p) || *p == '\r')
                p++;
        return *p == '\n';
}

/* Moves the unconsumed tail to the front and reads until the buffer holds a whole line, or the input ends. */
static int reader_fill(CsvReader *r) {
        size_t keep = r->len - r->pos;

        memmove(r->buf, r->buf + r->pos, keep);
        r->len = keep;
        r->pos = 0;
        r->lines_end = 0;

        while (!r->eof) {
                size_t old = r->len;
                ssize_t n;

                if (r->len == r->size)
                        return reader_fail(r, r->line + 1, "line too long (more than %zu bytes)", r->size);

                n = read(r->fd, r->buf + r->len, r->size - r->len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0) {
                        r->eof = true;
                        break;
                }

                r->len += (size_t)n;
                for (size_t i = r->len; i > old; i--)
                        if (r->buf[i - 1] == '\n') {
                                r->lines_end = i;
                                return 0;
                        }
        }

        /* The last line lacks its '\n': add it (the buffer has room for one more byte). */
        if (r->len > 0) {
                r->buf[r->len++] = '\n';
                r->lines_end = r->len;
        }
        return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]" → local µs. */
static int parse_local_time_us(const char *s, size_t n, int64_t *ret) {
        char whole[CALENDAR_TEXT_MAX];
        const char *dot = memchr(s, '.', n);
        size_t n_whole = dot ? (size_t)(dot - s) : n;
        int64_t us, fraction = 0;
        unsigned digits = 0;

        if (n_whole >= sizeof(whole))
                return -EINVAL;
        memcpy(whole, s, n_whole);
        whole[n_whole] = '\0';
        if (calendar_parse_local_time(whole, &us) < 0)
                return -EINVAL;
        if (dot) {
                for (const char *p = dot + 1; p < s + n; p++) {
                        if (*p < '0' || *p > '9' || ++digits > 6)
                                return -EINVAL;
                        fraction = fraction * 10 + (*p - '0');
                }
                if (digits == 0)
                        return -EINVAL;
                while (digits++ < 6)
                        fraction *= 10;
        }
        *ret = us + fraction;
        return 0;
}

/* A line starting with '#': a comment, skipped; "# psoas start: t=… local=… utc_offset_s=…" before the first
 * record says when the recording was made (csv.h). Returns 0, or the error for a start line that is not one. */
static int reader_comment(CsvReader *r, unsigned long line, const char *text) {
        static const char prefix[] = "# psoas start:";
        const char *p = text + sizeof(prefix) - 1, *end = strchr(text, '\n');
        CsvStart start = {};
        unsigned seen = 0;

        if (strncmp(text, prefix, sizeof(prefix) - 1) != 0)
                return 0;
        if (r->has_previous)
                return reader_fail(
                        r, line, "'# psoas start:' after the first sample (it must come before them)");
        while (p < end && *p != '\r') {
                const char *key, *eq, *value, *stop;
                char number[CSV_TIME_MAX + 8];
                size_t n;

                while (p < end && csv_is_blank(*p))
                        p++;
                if (p >= end || *p == '\r')
                        break;
                key = p;
                for (stop = p; stop < end && *stop != '\r' && !csv_is_blank(*stop); stop++)
                        ;
                eq = memchr(key, '=', (size_t)(stop - key));
                if (!eq)
                        return reader_fail(r, line, "'# psoas start:' expects KEY=VALUE words, got '%.*s'",
                                (int)MIN(stop - key, 40), key);
                value = eq + 1;
                n = (size_t)(stop - value);
                if (strncmp(key, "t=", 2) == 0 && n < sizeof(number)) {
                        memcpy(number, value, n);
                        number[n] = '\0';
                        if (csv_parse_time_us(number, &start.t_us) < 0)
                                return reader_fail(
                                        r, line, "'# psoas start:' t=%s is not a time in seconds", number);
                        seen |= 1;
                } else if (strncmp(key, "local=", 6) == 0) {
                        if (parse_local_time_us(value, n, &start.local_us) < 0)
                                return reader_fail(r, line,
                                        "'# psoas start:' local=%.*s is not YYYY-MM-DDTHH:MM:SS[.ffffff]",
                                        (int)MIN(n, 40), value);
                        seen |= 2;
                } else if (strncmp(key, "utc_offset_s=", 13) == 0 && n < sizeof(number)) {
                        double offset;

                        memcpy(number, value, n);
                        number[n] = '\0';
                        if (csv_parse_double(number, &offset) < 0 || offset != floor(offset) ||
                                fabs(offset) > 86400)
                                return reader_fail(r, line,
                                        "'# psoas start:' utc_offset_s=%s is not a whole number of seconds "
                                        "within a day",
                                        number);
                        start.utc_offset_s = (long)offset;
                        seen |= 4;
                }
                /* Other keys are for later versions. */
                p = stop;
        }
        if ((seen & 3) != 3)
                return reader_fail(r, line,
                        "'# psoas start:' needs t= (sample time, s) and local= (the local time then)");
        if (!(seen & 4))
                start.utc_offset_s = 0;
        r->start = start;
        r->has_start = true;
        return 0;
}

static int reader_read_raw(CsvReader *r, CsvRecord *ret) {
        int k;

        if (r->error < 0)
                return r->error;

        for (;;) {
                const char *text, *next;
                unsigned long line;

                if (r->pos >= r->lines_end) {
                        if (r->eof)
                                return 0;
                        k = reader_fill(r);
                        if (k < 0)
                                return (r->error = k);
                        if (r->pos >= r->lines_end)
                                return 0;
                }

                text = r->buf + r->pos;
                line = ++r->line;

                /* A UTF-8 byte order mark, as spreadsheets write it, on the first line. */
                if (line == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0) {
                        text += 3;
                        r->pos += 3;
                }
                if (*text == '#') {
                        k = reader_comment(r, line, text);
                        if (k < 0)
                                return k;
                        r->pos = (size_t)((char *)memchr(text, '\n', r->lines_end - r->pos) + 1 - r->buf);
                        continue;
                }

                if (!r->started) {
                        r->started = true;
                        if (!line_is_blank(text)) {
                                k = reader_start(r, line, text);
                                if (k < 0)
                                        return k;
                                if (k == 0) {
                                        r->pos = (size_t)((char *)memchr(text, '\n', r->lines_end - r->pos) +
                                                1 - r->buf);
                                        continue;
                                }
                        }
                }

                if (*text == '\n' || *text == '\r' || csv_is_blank(*text)) {
                        if (line_is_blank(text)) {
                                if (r->blank_line == 0)
                                        r->blank_line = line;
                                r->pos = (size_t)((char *)memchr(text, '\n', r->lines_end - r->pos) + 1 -
                                        r->buf);
                                continue;
                        }
                }

                if (r->blank_line != 0)
                        return reader_fail(r, r->blank_line,
                                "empty line (only the end of the input may have empty lines)");
                next = reader_parse_data(r, line, text, ret);
                if (!next)
                        return r->error;
                r->pos = (size_t)(next - r->buf);
                return 1;
        }
}

/* Reads the first records ahead, converted, and checks their units. A parse error among them is reported when
 * the records before it have been handed out, as without the check. */
static int reader_check_units(CsvReader *r) {
        char why[900];
        int k;

        r->units_checked = true;
        r->ahead = calloc(CSV_UNITS_WINDOW, sizeof(*r->ahead));
        if (!r->ahead)
                return -ENOMEM;
        while (r->n_ahead < CSV_UNITS_WINDOW) {
                k = reader_read_raw(r, &r->ahead[r->n_ahead]);
                if (k < 0)
                        return 0;
                if (k == 0)
                        break;
                if (r->convert)
                        csv_units_apply(&r->units, &r->ahead[r->n_ahead]);
                r->n_ahead++;
        }
        k = csv_units_check(r->ahead, r->n_ahead, r->has_gyro, why, sizeof(why));
        if (k == -EBADMSG) {
                snprintf(r->message, sizeof(r->message), "%s: %s", r->name, why);
                r->n_ahead = r->i_ahead = 0;
                return (r->error = -EBADMSG);
        }
        return k;
}

int csv_reader_read(CsvReader *r, CsvRecord *ret) {
        int k;

        if (r->check_units && !r->units_checked) {
                k = reader_check_units(r);
                if (k < 0)
                        return k;
        }
        if (r->i_ahead < r->n_ahead) {
                *ret = r->ahead[r->i_ahead++];
                return 1;
        }
        if (r->ahead) {
                free(r->ahead);
                r->ahead = NULL;
                r->n_ahead = r->i_ahead = 0;
        }
        k = reader_read_raw(r, ret);
        if (k > 0 && r->convert)
                csv_units_apply(&r->units, ret);
        return k;
}

int csv_reader_set_units(CsvReader *r, const CsvUnits *units, bool check) {
        if (r->started || r->units_checked)
                return -EBUSY;
        r->units = units ? *units : CSV_UNITS_SI;
        r->convert = r->units.accel_to_ms2 != 1 || r->units.gyro_to_rads != 1 || r->units.time_to_s != 1;
        r->check_units = check;
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Life cycle */

int csv_reader_new(int fd, const char *name, size_t buffer_size, CsvReader **ret) {
        CsvReader *r;

        if (fd < 0 || !name || buffer_size < 2 || !ret)
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->fd = fd;
        r->close_fd = fd != STDIN_FILENO;
        r->size = buffer_size;
        r->name = strdup(name);
        r->buf = malloc(buffer_size + 1);
        if (!r->name || !r->buf) {
                r->close_fd = false; /* the caller keeps the fd when we fail */
                csv_reader_free(r);
                return -ENOMEM;
        }

        *ret = r;
        return 0;
}

CsvReader *csv_reader_free(CsvReader *r) {
        if (!r)
                return NULL;
        if (r->close_fd && r->fd >= 0)
                close(r->fd);
        free(r->ahead);
        free(r->buf);
        free(r->name);
        free(r);
        return NULL;
}

/* Checks what fd is before reading it: a directory opens fine and fails only at the first read, so say
 * "cannot open" for it now. */
static int reader_new_checked(int fd, const char *name, CsvReader **ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode))
                (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

        return csv_reader_new(fd, name, CSV_READER_BUFFER_SIZE, ret);
}

int csv_reader_open(const char *path, CsvReader **ret) {
        _cleanup_close_ int fd = -EBADF;
        int k;

        if (strcmp(path, "-") == 0)
                return reader_new_checked(STDIN_FILENO, "<stdin>", ret);

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        k = reader_new_checked(fd, path, ret);
        if (k < 0)
                return k;
        TAKE_FD(fd); /* the reader owns it now */
        return 0;
}

const char *csv_reader_error(const CsvReader *r) {
        return r->error == -EBADMSG ? r->message : "";
}

bool csv_reader_start(const CsvReader *r, CsvStart *ret) {
        if (!r->has_start)
                return false;
        *ret = r->start;
        return true;
}

const char *csv_reader_name(const CsvReader *r) {
        return r->name;
}

bool csv_reader_has_gyro(const CsvReader *r) {
        return r->has_gyro;
}
