/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* psoas-analyze(1): analyze.h says how the program is laid out. */

#include <stdlib.h>
#include <sysexits.h>

#include "analyze.h"
#include "log.h"
#include "macro.h"

static Context *context_free(Context *c) {
        if (!c)
                return NULL;
        psoas_engine_free(c->engine);
        csv_reader_free(c->reader);
        writer_free(c->out);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Context *, context_free);

int main(int argc, char **argv) {
        _cleanup_(context_freep) Context *c = NULL;
        int r;

        log_setup("psoas-analyze", false);
        c = calloc(1, sizeof(*c));
        if (!c) {
                log_error("out of memory");
                return EX_OSERR;
        }
        psoas_config_init(PSOAS_SIZED(&c->config));
        c->units = CSV_UNITS_SI;

        r = parse_argv(c, argc, argv);
        if (r <= 0)
                return r < 0 ? EX_USAGE : EX_OK;

        return c->n_inputs > 1 ? cohort_run(c) : context_run(c);
}
