/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <string.h>

#include "engine-keys.h"
#include "macro.h"

#define FIELD(name) #name, offsetof(struct psoas_config, name)

const EngineKey engine_keys[] = {
        { "sitting.alert_minutes", FIELD(sitting_alert_s), "minutes", 60, "sitting-alert", "MIN",
                "first sitting alert after MIN minutes in one bout" },
        { "sitting.repeat_minutes", FIELD(sitting_repeat_s), "minutes", 60, "sitting-repeat", "MIN",
                "then again every MIN minutes" },
        { "sitting.heads_up_minutes", FIELD(sitting_heads_up_s), "minutes", 60, "sitting-heads-up", "MIN",
                "a heads-up MIN minutes before a bout's first sitting alert (0: none)" },
        { "sitting.break_seconds", FIELD(break_s), "seconds", 1, "break", "SECONDS",
                "standing or walking this long ends a bout" },
        { "tilt.alert_degrees", FIELD(tilt_alert_deg), "degrees", 1, "tilt-threshold", "DEG",
                "anterior tilt above neutral that counts as high" },
        { "tilt.alert_seconds", FIELD(tilt_alert_s), "seconds", 1, "tilt-time", "SECONDS",
                "high tilt this long while standing raises an alert" },
        /* No psoas-analyze option: a recording has no upright sitting reference to measure a slump from. */
        { "slouch.alert_degrees", FIELD(slouch_alert_deg), "degrees", 1 },
        { "slouch.alert_minutes", FIELD(slouch_alert_s), "minutes", 60 },
        { "calibration.still_seconds", FIELD(calibration_still_s), "seconds", 1 },
        { "calibration.timeout_seconds", FIELD(calibration_timeout_s), "seconds", 1 },
        { "stretches.window_seconds", FIELD(stretch_window_s), "seconds", 1 },
};

const size_t engine_keys_count = ELEMENTSOF(engine_keys);

const EngineKey *engine_key_by_name(const char *key) {
        for (size_t i = 0; key && i < ELEMENTSOF(engine_keys); i++)
                if (strcmp(engine_keys[i].key, key) == 0)
                        return &engine_keys[i];
        return NULL;
}

const EngineKey *engine_key_by_field(const char *field) {
        for (size_t i = 0; field && i < ELEMENTSOF(engine_keys); i++)
                if (strcmp(engine_keys[i].field, field) == 0)
                        return &engine_keys[i];
        return NULL;
}
