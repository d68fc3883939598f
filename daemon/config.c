/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the module lands. */
#include <errno.h>
#include <stdlib.h>
#include "config.h"
int config_new(Config **ret) {
        Config *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        psoas_config_init(&c->engine);
        c->sensor_rate_hz = 100;
        c->state_keep_days = 90;
        *ret = c;
        return 0;
}
Config *config_free(Config *c) {
        free(c);
        return NULL;
}
int config_load(const char *path, bool allow_missing, Config **ret, char **ret_error) {
        return config_new(ret);
}
