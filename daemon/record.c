/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "calendar.h"
#include "csv.h"
#include "record.h"

int record_open(const char *path, bool has_gyro, FILE **ret) {
        FILE *f;

        f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(has_gyro ? "t,ax,ay,az,gx,gy,gz\n" : "t,ax,ay,az\n", f);
        if (ferror(f)) {
                fclose(f);
                return -EIO;
        }
        *ret = f;
        return 0;
}

int record_write_start(FILE *f, int64_t t_us, int64_t local_us, long utc_offset_s) {
        int64_t days = floor_div(local_us, CALENDAR_US_PER_DAY),
                of_day = local_us - days * CALENDAR_US_PER_DAY;
        int64_t seconds = of_day / (int64_t)USEC_PER_SEC;
        char t[CSV_TIME_MAX], date[CALENDAR_TEXT_MAX];

        csv_format_time(t, t_us);
        fprintf(f, "# psoas start: t=%s local=%sT%02d:%02d:%02d.%06d utc_offset_s=%ld\n", t,
                calendar_format_date(days, date), (int)(seconds / 3600), (int)(seconds / 60 % 60),
                (int)(seconds % 60), (int)(of_day % (int64_t)USEC_PER_SEC), utc_offset_s);
        return ferror(f) ? -EIO : 0;
}

int record_write(FILE *f, bool has_gyro, const struct psoas_sample *s) {
        char t[CSV_TIME_MAX];

        csv_format_time(t, s->t_us);
        if (has_gyro)
                fprintf(f, "%s,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", t, (double)s->accel[0], (double)s->accel[1],
                        (double)s->accel[2], (double)s->gyro[0], (double)s->gyro[1], (double)s->gyro[2]);
        else
                fprintf(f, "%s,%.9g,%.9g,%.9g\n", t, (double)s->accel[0], (double)s->accel[1],
                        (double)s->accel[2]);
        return ferror(f) ? -EIO : 0;
}

int record_flush(FILE *f) {
        if (fflush(f) != 0 || ferror(f))
                return -errno ?: -EIO;
        return 0;
}
