/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

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
