/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stretch catalog (daemon/catalog.c) from arbitrary bytes, through catalog_parse(), the function
 * catalog_load() uses after reading the file. Besides memory safety: every stretch of an accepted catalog is one
 * the engine accepts too (psoas_engine_set_catalog() validates them the same way) and has every string the bus
 * hands out; a refused catalog comes with a message naming the file.
 */

#include <errno.h>
#include <string.h>

#include "common/macro.h"
#include "daemon/catalog.h"
#include "fuzz.h"

#define NAME "fuzz-stretches.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *error = NULL;
        Catalog *c = NULL;
        int r;

        r = catalog_parse(NAME, (const char *)data, size, &c, &error);
        if (r >= 0) {
                FUZZ_ASSERT(c);
                FUZZ_ASSERT(!error);
                for (size_t i = 0; i < c->n; i++) {
                        const struct psoas_stretch *s = &c->stretches[i];
                        const char *field = NULL;

                        FUZZ_ASSERT(psoas_stretch_validate(s, &field) == 0);
                        /* ListStretches() and StretchPrompt send these as D-Bus strings. */
                        FUZZ_ASSERT(s->id && s->title && s->muscles && s->instructions);
                        (void)psoas_stretch_verify_seconds(s);
                }
                catalog_free(c);
                return 0;
        }

        FUZZ_ASSERT(!c);
        if (r == -EINVAL) {
                FUZZ_ASSERT(error);
                FUZZ_ASSERT(strncmp(error, NAME ":", strlen(NAME ":")) == 0);
        }
        return 0;
}
