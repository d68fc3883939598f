/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A bar chart of durations, drawn in the terminal or written as a standalone SVG file. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ChartBar {
        char label[32]; /* under the bar (SVG) or before it (terminal): "2024-05-01 Wed", "sitting" */
        uint64_t seconds;
} ChartBar;

typedef struct Chart {
        const char *title;
        const char *note; /* a line under the title, or NULL */
        const ChartBar *bars;
        size_t n_bars;
} Chart;

/* Horizontal bars, one a line, scaled to the longest; the duration beside each. */
void chart_print(const Chart *chart, FILE *f);

/* Vertical bars with an axis in hours, one <rect class="bar"> per bar. Says why on failure. */
int chart_write_svg(const Chart *chart, const char *path);

/* Writes a file with write(f, userdata); says why on failure. */
int chart_write_file(const char *path, void (*write)(FILE *f, const void *userdata), const void *userdata);

/* s in XML text or an attribute's value, escaped. */
void xml_escaped(FILE *f, const char *s);
