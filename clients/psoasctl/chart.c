/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "chart.h"
#include "format.h"
#include "psoasctl.h"

#define TERMINAL_BAR_WIDTH 40

static uint64_t chart_max(const Chart *chart) {
        uint64_t max = 0;

        for (size_t i = 0; i < chart->n_bars; i++)
                if (chart->bars[i].seconds > max)
                        max = chart->bars[i].seconds;
        return max;
}

void chart_print(const Chart *chart, FILE *f) {
        /* Eighths of a block for the bar's last cell, so short bars still differ. */
        static const char *const eighths[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
        uint64_t max = chart_max(chart);
        int label_width = 0;

        for (size_t i = 0; i < chart->n_bars; i++) {
                int n = (int)strlen(chart->bars[i].label);
                if (n > label_width)
                        label_width = n;
        }

        fprintf(f, "%s\n", chart->title);
        if (chart->note)
                fprintf(f, "%s\n", chart->note);
        for (size_t i = 0; i < chart->n_bars; i++) {
                const ChartBar *b = &chart->bars[i];
                uint64_t units = max > 0 ? (b->seconds * TERMINAL_BAR_WIDTH * 8 + max / 2) / max : 0;
                unsigned cells = 0;
                char duration[DURATION_MAX];

                fprintf(f, "  %-*s  ", label_width, b->label);
                if (output_utf8()) {
                        for (uint64_t k = 0; k < units / 8; k++)
                                fputs("█", f);
                        fputs(eighths[units % 8], f);
                        cells = (unsigned)(units / 8) + (units % 8 ? 1 : 0);
                } else {
                        /* Whole cells only, rounded. */
                        cells = (unsigned)((units + 4) / 8);
                        for (unsigned k = 0; k < cells; k++)
                                fputc('#', f);
                }
                fprintf(f, "%*s  %s\n", (int)(TERMINAL_BAR_WIDTH - cells), "",
                        format_duration(duration, sizeof(duration), b->seconds));
        }
}

void xml_escaped(FILE *f, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '&':
                        fputs("&amp;", f);
                        break;
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                default:
                        fputc(*s, f);
                }
}

/* The axis: the smallest step that needs at most 8 ticks. */
static uint64_t axis_step(uint64_t max) {
        static const uint64_t steps[] = { 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400 };

        for (size_t i = 0; i < ELEMENTSOF(steps); i++)
                if ((max + steps[i] - 1) / steps[i] <= 8)
                        return steps[i];
        return steps[ELEMENTSOF(steps) - 1];
}

/* The SVG's geometry, in pixels. */
#define SVG_WIDTH 760
#define SVG_LEFT 64
#define SVG_RIGHT 16
#define SVG_TOP 56
#define SVG_PLOT_HEIGHT 260
#define SVG_BOTTOM 80
#define SVG_HEIGHT (SVG_TOP + SVG_PLOT_HEIGHT + SVG_BOTTOM)

static void write_svg(const Chart *chart, FILE *f) {
        const double plot_width = SVG_WIDTH - SVG_LEFT - SVG_RIGHT;
        const double slot = chart->n_bars > 0 ? plot_width / (double)chart->n_bars : plot_width;
        const double bar_width = slot * 0.7;
        uint64_t max = chart_max(chart), step = axis_step(max), top;
        bool slanted = chart->n_bars > 12;

        top = max > 0 ? (max + step - 1) / step * step : step;

        fprintf(f,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
                "%d\">\n",
                SVG_WIDTH, SVG_HEIGHT, SVG_WIDTH, SVG_HEIGHT);
        fputs("<style>\n"
              "  text { font-family: sans-serif; font-size: 12px; fill: #333; }\n"
              "  .title { font-size: 16px; font-weight: bold; }\n"
              "  .note { font-size: 11px; fill: #666; }\n"
              "  .grid { stroke: #ddd; stroke-width: 1; }\n"
              "  .axis { stroke: #666; stroke-width: 1; }\n"
              "  .bar { fill: #4a7ebb; }\n"
              "  .value { font-size: 10px; text-anchor: middle; }\n"
              "</style>\n",
                f);
        fputs("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n", f);
        fputs("<text class=\"title\" x=\"16\" y=\"24\">", f);
        xml_escaped(f, chart->title);
        fputs("</text>\n", f);
        if (chart->note) {
                fputs("<text class=\"note\" x=\"16\" y=\"42\">", f);
                xml_escaped(f, chart->note);
                fputs("</text>\n", f);
        }

        /* Grid lines and their labels. */
        for (uint64_t v = 0; v <= top; v += step) {
                double y = SVG_TOP + SVG_PLOT_HEIGHT * (1.0 - (double)v / (double)top);

                fprintf(f, "<line class=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
                        v == 0 ? "axis" : "grid", SVG_LEFT, y, SVG_WIDTH - SVG_RIGHT, y);
                if (step < 3600)
                        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%llu min</text>\n",
                                SVG_LEFT - 6, y + 4, (unsigned long long)(v / 60));
                else
                        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%llu h</text>\n",
                                SVG_LEFT - 6, y + 4, (unsigned long long)(v / 3600));
        }

        for (size_t i = 0; i < chart->n_bars; i++) {
                const ChartBar *b = &chart->bars[i];
                double height = SVG_PLOT_HEIGHT * (double)b->seconds / (double)top;
                double x = SVG_LEFT + slot * (double)i + (slot - bar_width) / 2;
                double center = x + bar_width / 2, base = SVG_TOP + SVG_PLOT_HEIGHT;
                char duration[DURATION_MAX];

                format_duration(duration, sizeof(duration), b->seconds);
                fprintf(f,
                        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
                        x, base - height, bar_width, height);
                xml_escaped(f, b->label);
                fprintf(f, ": %s</title></rect>\n", duration);
                if (chart->n_bars <= 16)
                        fprintf(f, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", center,
                                base - height - 4, duration);
                if (slanted)
                        fprintf(f,
                                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                                "transform=\"rotate(-45 %.1f %.1f)\">",
                                center, base + 14, center, base + 14);
                else
                        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", center, base + 16);
                xml_escaped(f, b->label);
                fputs("</text>\n", f);
        }
        fputs("</svg>\n", f);
}

int chart_write_file(const char *path, void (*write)(FILE *f, const void *userdata), const void *userdata) {
        FILE *f;
        int r = 0;

        f = fopen(path, "we");
        if (!f) {
                r = -errno;
                log_error("cannot write the chart to %s: %s", path, strerror(-r));
                return r;
        }
        write(f, userdata);
        if (ferror(f))
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r < 0) {
                log_error("cannot write the chart to %s: %s", path, strerror(-r));
                return r;
        }
        return 0;
}

static void write_bars_svg(FILE *f, const void *chart) {
        write_svg(chart, f);
}

int chart_write_svg(const Chart *chart, const char *path) {
        return chart_write_file(path, write_bars_svg, chart);
}
