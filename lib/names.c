/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The words libpsoas gives its enums and version: the names in events, logs and on the bus. */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "psoas/psoas.h"

const char *psoas_version(void) {
        return PSOAS_VERSION_STRING;
}

static const char *const posture_names[_PSOAS_POSTURE_MAX] = {
        [PSOAS_POSTURE_UNKNOWN] = "unknown",
        [PSOAS_POSTURE_STANDING] = "standing",
        [PSOAS_POSTURE_SITTING] = "sitting",
        [PSOAS_POSTURE_WALKING] = "walking",
        [PSOAS_POSTURE_LYING] = "lying",
};

const char *psoas_posture_to_string(enum psoas_posture posture) {
        if ((unsigned)posture >= _PSOAS_POSTURE_MAX)
                return NULL;
        return posture_names[posture];
}

int psoas_posture_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (unsigned i = 0; i < _PSOAS_POSTURE_MAX; i++)
                if (strcmp(s, posture_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

const char *psoas_alert_kind_to_string(enum psoas_alert_kind kind) {
        static const char *const names[_PSOAS_ALERT_KIND_MAX] = {
                [PSOAS_ALERT_SITTING] = "sitting",
                [PSOAS_ALERT_TILT] = "tilt",
                [PSOAS_ALERT_SITTING_SOON] = "sitting-soon",
                [PSOAS_ALERT_SLOUCH] = "slouch",
        };
        return (unsigned)kind < _PSOAS_ALERT_KIND_MAX ? names[kind] : NULL;
}

const char *psoas_stretch_result_to_string(enum psoas_stretch_result result) {
        static const char *const names[_PSOAS_STRETCH_RESULT_MAX] = {
                [PSOAS_STRETCH_VERIFIED] = "verified",
                [PSOAS_STRETCH_SELF_REPORTED] = "self-reported",
        };
        return (unsigned)result < _PSOAS_STRETCH_RESULT_MAX ? names[result] : NULL;
}

const char *psoas_event_type_to_string(enum psoas_event_type type) {
        static const char *const names[_PSOAS_EVENT_TYPE_MAX] = {
                [PSOAS_EVENT_POSTURE_CHANGED] = "posture-changed",
                [PSOAS_EVENT_CALIBRATED] = "calibrated",
                [PSOAS_EVENT_CALIBRATION_FAILED] = "calibration-failed",
                [PSOAS_EVENT_FORWARD_LEARNED] = "forward-learned",
                [PSOAS_EVENT_BOUT_STARTED] = "bout-started",
                [PSOAS_EVENT_BOUT_ENDED] = "bout-ended",
                [PSOAS_EVENT_ALERT] = "alert",
                [PSOAS_EVENT_STRETCH_PROMPT] = "stretch-prompt",
                [PSOAS_EVENT_STRETCH_DONE] = "stretch-done",
                [PSOAS_EVENT_DAY_CHANGED] = "day-changed",
                [PSOAS_EVENT_STRETCH_PROGRESS] = "stretch-progress",
                [PSOAS_EVENT_STRETCH_MISSED] = "stretch-missed",
        };
        return (unsigned)type < _PSOAS_EVENT_TYPE_MAX ? names[type] : NULL;
}

const char *psoas_calibration_error_to_string(enum psoas_calibration_error error) {
        static const char *const messages[_PSOAS_CALIBRATION_ERROR_MAX] = {
                [PSOAS_CALIBRATION_OK] = "calibrated",
                [PSOAS_CALIBRATION_MOVING] = "you moved: stand tall and hold still for a few seconds",
                [PSOAS_CALIBRATION_NOT_UPRIGHT] = "you are not upright: stand in your usual good posture",
                [PSOAS_CALIBRATION_WINDOW_SHORT] =
                        "the calibration window holds less than one second of samples",
                [PSOAS_CALIBRATION_CANCELLED] = "calibration was cancelled",
                [PSOAS_CALIBRATION_NOT_STANDING] =
                        "you seem to be sitting: the pelvis came down and has not come back up",
                [PSOAS_CALIBRATION_NOT_SITTING] =
                        "you are not sitting: sit upright on your sit bones and hold still",
        };
        return (unsigned)error < _PSOAS_CALIBRATION_ERROR_MAX ? messages[error] : NULL;
}

const char *psoas_bout_end_to_string(enum psoas_bout_end end) {
        static const char *const names[_PSOAS_BOUT_END_MAX] = {
                [PSOAS_BOUT_END_SAT_DOWN] = "sat-down",
                [PSOAS_BOUT_END_STOOD_UP] = "stood-up",
                [PSOAS_BOUT_END_LAY_DOWN] = "lay-down",
                [PSOAS_BOUT_END_UNCLEAR] = "unclear",
                [PSOAS_BOUT_END_NOT_WORN] = "not-worn",
                [PSOAS_BOUT_END_NO_DATA] = "no-data",
        };
        return (unsigned)end < _PSOAS_BOUT_END_MAX ? names[end] : NULL;
}
