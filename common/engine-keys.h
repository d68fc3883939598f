/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The engine's numeric settings as people write them: each float of struct psoas_config with its key in
 * psoasd.json(5), the unit that key (and psoas-analyze's option, when there is one) is given in, and
 * psoas-analyze's option. psoasd's configuration table (daemon/config-keys.c) and psoas-analyze's options both
 * read it.
 *
 * Ranges and defaults are not here: libpsoas holds them, in the field's own unit (lib/config.c,
 * psoas_config_range() and psoas_config_init()); engine_key_range() and engine_key_default() convert.
 */

#include <stddef.h>

#include <psoas/psoas.h>

typedef struct EngineKey {
        const char *key; /* "sitting.alert_minutes": the configuration file's dotted key */
        const char *field; /* "sitting_alert_s": the member, as psoas_config_range() names it */
        size_t offset; /* of that float in struct psoas_config */
        const char *unit; /* "minutes": the key's and the option's unit */
        double scale; /* the field's units in one of the key's (60 seconds a minute) */
        const char *option; /* psoas-analyze's long option ("sitting-alert"), or NULL */
        const char *metavar; /* the option's argument in --help ("MIN") */
        const char *help; /* the option's line in --help */
} EngineKey;

/* In the order psoas-analyze --help lists the options. */
extern const EngineKey engine_keys[];
extern const size_t engine_keys_count;

/* By dotted configuration key, or by field name; NULL when there is none. */
const EngineKey *engine_key_by_name(const char *key);
const EngineKey *engine_key_by_field(const char *field);

/* The field's range from libpsoas, in the key's unit. */
static inline int engine_key_range(const EngineKey *k, double *ret_min, double *ret_max) {
        double min, max;
        int r;

        r = psoas_config_range(k->field, &min, &max);
        if (r < 0)
                return r;
        *ret_min = min / k->scale;
        *ret_max = max / k->scale;
        return 0;
}

/* The field's value in config, in the key's unit. */
static inline double engine_key_get(const EngineKey *k, const struct psoas_config *config) {
        const void *field = (const char *)config + k->offset;

        return (double)*(const float *)field / k->scale;
}

/* Sets the field in config from a value in the key's unit. */
static inline void engine_key_set(const EngineKey *k, struct psoas_config *config, double value) {
        void *field = (char *)config + k->offset;

        *(float *)field = (float)(value * k->scale);
}
