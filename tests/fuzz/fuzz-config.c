/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * psoasd's configuration file (daemon/config.c and its table, config-keys.c) from arbitrary bytes, through config_parse(), the function
 * config_load() uses after reading the file. The rules checked besides memory safety: a document is either
 * accepted with no error message and engine settings the engine itself accepts (config.c checks them with
 * psoas_config_validate(), so that a reload never fails later), or refused with a negative errno and, for bad
 * contents (-EINVAL), a message that starts with the file name it was given ("NAME: key: …" or
 * "NAME:LINE:COLUMN: …").
 */

#include <errno.h>
#include <string.h>

#include "common/macro.h"
#include "daemon/config.h"
#include "fuzz.h"

#define NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;
        int r;

        r = config_parse(NAME, (const char *)data, size, &c, &error);
        if (r >= 0) {
                FUZZ_ASSERT(c);
                FUZZ_ASSERT(!error);
                const char *field = NULL;

                FUZZ_ASSERT(psoas_config_validate(&c->engine, &field) == 0);
                FUZZ_ASSERT(gpio_bias_to_string(c->gpio_button_bias));
                FUZZ_ASSERT(c->sensor_rate_hz >= 12.5 && c->sensor_rate_hz <= 1000);
                FUZZ_ASSERT(c->state_keep_days >= 1 && c->state_keep_days <= 3650);
                config_free(c);
                return 0;
        }

        FUZZ_ASSERT(!c);
        if (r == -EINVAL) {
                FUZZ_ASSERT(error);
                FUZZ_ASSERT(strncmp(error, NAME ":", strlen(NAME ":")) == 0);
        }
        return 0;
}
