/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "day-record.h"
#include "macro.h"

void day_record_done(DayRecord *d) {
        free(d->bouts);
        free(d->minutes);
        *d = (DayRecord){};
}

static const struct {
        char letter;
        const char *name;
        const char *ansi; /* the terminal's colours for the cell, or NULL for none */
        const char *fill; /* the SVG's */
} cells[_DAY_CELL_MAX] = {
        [DAY_CELL_SITTING] = { 'S', "sitting", "\033[30;43m", "#e0a030" },
        [DAY_CELL_STANDING] = { 'T', "standing", "\033[30;42m", "#4caf50" },
        [DAY_CELL_WALKING] = { 'W', "walking", "\033[30;46m", "#26a6c9" },
        [DAY_CELL_LYING] = { 'L', "lying", "\033[30;45m", "#9c6ade" },
        [DAY_CELL_UNKNOWN] = { '?', "unknown", "\033[30;47m", "#b0b0b0" },
        [DAY_CELL_NOT_WORN] = { 'x', "not-worn", "\033[37;100m", "#606060" },
        [DAY_CELL_NO_DATA] = { '.', "no-data", NULL, "#f2f2f2" },
        [DAY_CELL_TO_COME] = { ' ', "to-come", NULL, "#ffffff" },
};

char day_cell_letter(DayCell cell) {
        return cells[cell].letter;
}

const char *day_cell_name(DayCell cell) {
        return cells[cell].name;
}

DayCell day_cell_of_minute(const RecordMinute *m) {
        const unsigned seconds[] = {
                [DAY_CELL_SITTING] = m->sitting_s,
                [DAY_CELL_STANDING] = m->standing_s,
                [DAY_CELL_WALKING] = m->walking_s,
                [DAY_CELL_LYING] = m->lying_s,
                [DAY_CELL_UNKNOWN] = m->unknown_s,
                [DAY_CELL_NOT_WORN] = m->not_worn_s,
                [DAY_CELL_NO_DATA] = record_minute_no_data_s(m),
        };
        DayCell best = DAY_CELL_SITTING;

        /* Ties go to the first: a posture before a lack of data. */
        for (size_t i = 1; i < ELEMENTSOF(seconds); i++)
                if (seconds[i] > seconds[best])
                        best = (DayCell)i;
        return best;
}

static uint32_t hour_seconds(const DayHour *h) {
        return h->sitting_s + h->standing_s + h->walking_s + h->lying_s + h->unknown_s + h->not_worn_s +
                h->no_data_s;
}

unsigned day_record_now_minute(const DayRecord *d) {
        for (unsigned h = 24; h > 0; h--) {
                uint32_t s = hour_seconds(&d->hours[h - 1]);

                if (s > 0)
                        return MIN((h - 1) * 60 + (s + 59) / 60, (unsigned)DAY_MINUTES);
        }
        return 0;
}

void day_record_sitting_lengths(const DayRecord *d, BoutLengths *ret) {
        BoutLengths l = {};

        for (size_t i = 0; i < d->n_bouts; i++) {
                const DayBout *b = &d->bouts[i];
                int64_t s = record_bout_duration_s(&(const RecordBout){
                        .start_local_us = b->start_local_us, .end_local_us = b->end_local_us });
                unsigned k;

                if (!streq(b->posture, "sitting") || s < 0)
                        continue;
                k = s < BOUT_LENGTH_SHORT_S ? 0 : s <= BOUT_LENGTH_LONG_S ? 1 : 2;
                l.count[k]++;
                l.seconds[k] += (uint64_t)s;
        }
        *ret = l;
}

/* The hours the chart shows, [*ret_first, *ret_end): false when the day has no data. */
static bool chart_hours(const DayRecord *d, unsigned *ret_first, unsigned *ret_end) {
        unsigned now = day_record_now_minute(d), last;

        if (d->n_minutes == 0)
                return false;
        last = d->minutes[d->n_minutes - 1].minute / 60u;
        if (now < DAY_MINUTES && now > 0)
                last = MAX(last, (now - 1) / 60);
        *ret_first = d->minutes[0].minute / 60u;
        *ret_end = MIN(last + 1, 24u);
        return true;
}

/* The cells of an hour, and which of its minutes have data; *next indexes d->minutes, in order, and moves past
 * the hour's. */
static void hour_cells(
        const DayRecord *d, unsigned hour, unsigned now, size_t *next, DayCell ret[60], bool ret_data[60]) {
        for (unsigned k = 0; k < 60; k++) {
                unsigned minute = hour * 60 + k;

                while (*next < d->n_minutes && d->minutes[*next].minute < minute)
                        (*next)++;
                ret_data[k] = *next < d->n_minutes && d->minutes[*next].minute == minute;
                if (ret_data[k])
                        ret[k] = day_cell_of_minute(&d->minutes[*next]);
                else
                        ret[k] = minute >= now ? DAY_CELL_TO_COME : DAY_CELL_NO_DATA;
        }
}

static void print_cell(DayCell cell, DayCell *previous, bool color, FILE *f) {
        if (color && cell != *previous) {
                fputs("\033[0m", f);
                if (cells[cell].ansi)
                        fputs(cells[cell].ansi, f);
        }
        *previous = cell;
        fputc(cells[cell].letter, f);
}

void day_chart_print(const DayRecord *d, bool color, FILE *f) {
        unsigned first, end, now = day_record_now_minute(d);
        char ruler[61];
        size_t next = 0;

        if (!chart_hours(d, &first, &end)) {
                fputs("No data on this day.\n", f);
                return;
        }
        memset(ruler, ' ', 60);
        ruler[60] = '\0';
        for (unsigned k = 0; k < 60; k += 10) {
                char mark[3];

                snprintf(mark, sizeof(mark), "%u", k);
                memcpy(ruler + k, mark, strlen(mark));
        }
        fprintf(f, "    %.*s\n", (int)(strrchr(ruler, '0') - ruler + 1), ruler);
        for (unsigned h = first; h < end; h++) {
                DayCell row[60], previous = _DAY_CELL_MAX;
                bool data[60];

                hour_cells(d, h, now, &next, row, data);
                fprintf(f, "%02u  ", h);
                for (unsigned k = 0; k < 60; k++)
                        print_cell(row[k], &previous, color, f);
                if (color)
                        fputs("\033[0m", f);
                fprintf(f, "  sitting %2u min\n", d->hours[h].sitting_s / 60);
        }
        fputs("    ", f);
        for (DayCell cell = 0; cell < DAY_CELL_TO_COME; cell++) {
                DayCell previous = _DAY_CELL_MAX;

                print_cell(cell, &previous, color, f);
                if (color)
                        fputs("\033[0m", f);
                fprintf(f, " %s%s", cells[cell].name, cell + 1 < DAY_CELL_TO_COME ? "  " : "\n");
        }
}

/* The SVG's geometry, in pixels. */
#define SVG_LEFT 40
#define SVG_TOP 56
#define SVG_CELL 10
#define SVG_ROW 18
#define SVG_RIGHT 110
#define SVG_LEGEND 48

void day_chart_write_svg(const DayRecord *d, const char *title, FILE *f) {
        unsigned first = 0, end = 0, now = day_record_now_minute(d);
        int width = SVG_LEFT + 60 * SVG_CELL + SVG_RIGHT, height;
        size_t next = 0;

        (void)chart_hours(d, &first, &end);
        height = SVG_TOP + (int)(end - first) * SVG_ROW + SVG_LEGEND;
        fprintf(f,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
                "%d\">\n<style>\n"
                "  text { font-family: sans-serif; font-size: 12px; fill: #333; }\n"
                "  .title { font-size: 16px; font-weight: bold; }\n",
                width, height, width, height);
        for (DayCell cell = 0; cell < _DAY_CELL_MAX; cell++)
                fprintf(f, "  .%s { fill: %s; }\n", cells[cell].name, cells[cell].fill);
        fputs("</style>\n<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
              "<text class=\"title\" x=\"16\" y=\"24\">",
                f);
        xml_escaped(f, title);
        fputs("</text>\n", f);
        if (end == first)
                fputs("<text x=\"16\" y=\"44\">No data on this day.</text>\n", f);
        for (unsigned k = 0; k < 60 && end > first; k += 10)
                fprintf(f, "<text x=\"%d\" y=\"%d\">:%02u</text>\n", SVG_LEFT + (int)k * SVG_CELL,
                        SVG_TOP - 6, k);

        for (unsigned h = first; h < end; h++) {
                int y = SVG_TOP + (int)(h - first) * SVG_ROW;
                DayCell row[60];
                bool data[60];

                hour_cells(d, h, now, &next, row, data);
                fprintf(f, "<g class=\"hour\" id=\"hour-%02u\">\n", h);
                fprintf(f, "<text x=\"%d\" y=\"%d\">%02u:00</text>\n", 4, y + SVG_ROW - 6, h);
                /* The row's background: no data, up to now (the minutes to come stay blank). */
                fprintf(f, "<rect class=\"no-data\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                        SVG_LEFT, y + 1, (int)MIN(now > h * 60 ? now - h * 60 : 0, 60u) * SVG_CELL,
                        SVG_ROW - 2);
                /* A rectangle per minute with data (minutes without any are the row's background). */
                for (unsigned k = 0; k < 60; k++) {
                        if (!data[k])
                                continue;
                        fprintf(f,
                                "<rect class=\"minute %s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">"
                                "<title>%02u:%02u %s</title></rect>\n",
                                cells[row[k]].name, SVG_LEFT + (int)k * SVG_CELL, y + 1, SVG_CELL,
                                SVG_ROW - 2, h, k, cells[row[k]].name);
                }
                fprintf(f, "<text x=\"%d\" y=\"%d\">sitting %u min</text>\n", SVG_LEFT + 60 * SVG_CELL + 8,
                        y + SVG_ROW - 6, d->hours[h].sitting_s / 60);
                fputs("</g>\n", f);
        }

        for (DayCell cell = 0; cell < DAY_CELL_TO_COME; cell++) {
                int x = 16 + (int)cell * 96, y = SVG_TOP + (int)(end - first) * SVG_ROW + 24;

                fprintf(f,
                        "<rect class=\"legend %s\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\"/>"
                        "<text x=\"%d\" y=\"%d\">%s</text>\n",
                        cells[cell].name, x, y - 10, x + 16, y, cells[cell].name);
        }
        fputs("</svg>\n", f);
}
