/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "stretch.h"

/* What one repetition of a rep-based exercise takes, lowering included, at the slow controlled pace the
 * instructions ask for (a glute bridge: about 1 s up, a short pause, 1-2 s down). The sensor cannot count
 * reps, so it credits time in the right posture instead. */
#define STRETCH_SECONDS_PER_REP 3u

/* Summing many per-sample dt values leaves rounding error: 100 Hz for 30 s adds up to a hair under 30.0. */
#define STRETCH_SEEN_EPSILON_S 1e-6

#define STRETCH_PLACES_ALL ((uint32_t)(PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR))
#define STRETCH_TARGETS_ALL                                                                                 \
        ((uint32_t)(PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_QUADRICEPS | PSOAS_TARGET_GLUTES |              \
                PSOAS_TARGET_CORE | PSOAS_TARGET_PIRIFORMIS))

static bool id_is_valid(const char *id) {
        if (!id || !*id)
                return false;
        for (const char *c = id; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
                        return false;
        return true;
}

static bool string_is_set(const char *s) {
        return s && *s;
}

/* A [min, max] pair in use: 1 <= min <= max. Returns the bad field's name, or NULL. */
static const char *range_check(uint32_t min, uint32_t max, const char *min_field, const char *max_field) {
        if (min == 0)
                return min_field;
        if (min > max)
                return max_field;
        return NULL;
}

/* The name of the first field that is wrong, or NULL when the entry is fine. */
static const char *stretch_bad_field(const struct psoas_stretch *s) {
        if (!id_is_valid(s->id))
                return "id";
        if (!string_is_set(s->title))
                return "title";
        if (!string_is_set(s->muscles))
                return "muscles";
        if (!string_is_set(s->instructions))
                return "instructions";
        if (!string_is_set(s->safety))
                return "safety";

        /* Exactly one of the two ranges is in use: it decides how psoas_stretch_verify_seconds() counts. */
        bool has_hold = s->hold_min_s > 0 || s->hold_max_s > 0;
        bool has_reps = s->reps_min > 0 || s->reps_max > 0;
        if (has_hold && has_reps)
                return "reps_min";
        /* Neither: the rep range is reported missing, as for a zeroed struct. */
        const char *field = has_hold ? range_check(s->hold_min_s, s->hold_max_s, "hold_min_s", "hold_max_s")
                                     : range_check(s->reps_min, s->reps_max, "reps_min", "reps_max");
        if (field)
                return field;

        if (s->places == 0 || (s->places & ~STRETCH_PLACES_ALL) != 0)
                return "places";
        if ((s->targets & ~STRETCH_TARGETS_ALL) != 0)
                return "targets";
        /* The enum may be signed or unsigned depending on the compiler: as unsigned, both ends fail. */
        if ((unsigned)s->check >= (unsigned)_PSOAS_CHECK_MAX)
                return "check";
        return NULL;
}

int psoas_stretch_validate(const struct psoas_stretch *stretch, const char **ret_field) {
        const char *field = stretch ? stretch_bad_field(stretch) : "stretch";

        if (!field)
                return 0;
        if (ret_field)
                *ret_field = field;
        return -EINVAL;
}

uint32_t psoas_stretch_verify_seconds(const struct psoas_stretch *stretch) {
        if (!stretch)
                return 0;

        uint64_t sides = stretch->per_side ? 2 : 1;
        uint64_t s;
        if (stretch->hold_min_s > 0)
                s = (uint64_t)stretch->hold_min_s * sides;
        else
                s = (uint64_t)stretch->reps_min * sides * STRETCH_SECONDS_PER_REP;

        /* Absurd catalog values saturate rather than wrap into a short, easily verified time. */
        return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static bool stretch_fits(const struct psoas_stretch *s, enum psoas_alert_kind cause) {
        bool desk = s->places & PSOAS_PLACE_DESK;
        bool hip_flexors = s->targets & PSOAS_TARGET_HIP_FLEXORS;

        switch (cause) {
        case PSOAS_ALERT_SITTING:
                /* The wearer is at the desk, and sitting is what shortens the hip flexors. */
                return hip_flexors && desk;
        case PSOAS_ALERT_TILT:
                /* Anterior tilt while standing: strengthen what pulls the pelvis back (glutes, abdominals),
                 * or lengthen the hip flexors without sitting or lying down. */
                if (s->targets & (PSOAS_TARGET_GLUTES | PSOAS_TARGET_CORE))
                        return true;
                return hip_flexors && desk && s->check == PSOAS_CHECK_UPRIGHT;
        default:
                return false;
        }
}

static void planner_reset(StretchPlanner *p) {
        for (size_t i = 0; i < ELEMENTSOF(p->last_pick); i++)
                p->last_pick[i] = -1;
        p->last_prompt = -1;
        p->has_prompt = false;
        p->pending = false;
        p->stretch = 0;
        p->prompted_us = 0;
        p->deadline_us = 0;
        p->seen_s = 0;
        p->verified = false;
}

void stretch_planner_init(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n) {
        if (!catalog || n == 0)
                catalog = psoas_stretch_default_catalog(&n);

        *p = (StretchPlanner){
                .catalog = catalog,
                .n = n,
        };
        planner_reset(p);
}

int stretch_planner_set_catalog(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n) {
        if (!catalog || n == 0)
                catalog = psoas_stretch_default_catalog(&n);

        /* Indices travel as int return values and uint32_t event fields. */
        if (n > INT32_MAX)
                return -EINVAL;

        for (size_t i = 0; i < n; i++) {
                if (psoas_stretch_validate(&catalog[i], NULL) < 0)
                        return -EINVAL;
                /* Quadratic, but catalogs hold a dozen entries and this runs on a reload, not per sample. */
                for (size_t j = 0; j < i; j++)
                        if (strcmp(catalog[i].id, catalog[j].id) == 0)
                                return -EINVAL;
        }

        p->catalog = catalog;
        p->n = n;
        planner_reset(p);
        return 0;
}

int stretch_planner_select(StretchPlanner *p, enum psoas_alert_kind cause) {
        if ((unsigned)cause >= (unsigned)_PSOAS_ALERT_KIND_MAX)
                return -EINVAL;
        if (p->n == 0)
                return -ENOENT;

        /* Round-robin per cause: start after this cause's last pick, in catalog order. */
        size_t start = (size_t)(p->last_pick[cause] + 1) % p->n;
        int32_t first = -1, pick = -1;
        for (size_t k = 0; k < p->n; k++) {
                size_t i = (start + k) % p->n;
                if (!stretch_fits(&p->catalog[i], cause))
                        continue;
                if (first < 0)
                        first = (int32_t)i;
                /* The previous prompt may have come from the other cause: skip it too, so the wearer never
                 * gets the same stretch twice running. */
                if ((int32_t)i != p->last_prompt) {
                        pick = (int32_t)i;
                        break;
                }
        }
        if (pick < 0)
                pick = first; /* the previous prompt is the only candidate: repeating beats no prompt */
        if (pick < 0)
                return -ENOENT;

        p->last_pick[cause] = pick;
        p->last_prompt = pick;
        return pick;
}

void stretch_planner_prompted(StretchPlanner *p, uint32_t idx, int64_t t_us, double window_s) {
        if (idx >= p->n)
                return;

        p->last_prompt = (int32_t)idx;
        p->has_prompt = true;
        p->pending = true;
        p->stretch = idx;
        p->prompted_us = t_us;
        p->seen_s = 0;
        p->verified = false;

        /* Saturate instead of overflowing when t_us is near the end of the range. 2^62 µs is ~146000 years:
         * any window that long never ends anyway. */
        double window_us = window_s > 0 ? MIN(window_s * (double)US_PER_SEC, 0x1p62) : 0;
        int64_t w = (int64_t)window_us;
        p->deadline_us = t_us > INT64_MAX - w ? INT64_MAX : t_us + w;
}

static bool posture_matches(enum psoas_stretch_check check, enum psoas_posture posture) {
        switch (check) {
        case PSOAS_CHECK_UPRIGHT:
                /* Kneeling with an upright pelvis looks like standing to a pelvis-worn sensor. */
                return posture == PSOAS_POSTURE_STANDING;
        case PSOAS_CHECK_FLOOR:
                /* Bridging, side-lying, all fours and planks all put the pelvis near horizontal. */
                return posture == PSOAS_POSTURE_LYING;
        default:
                return false;
        }
}

int stretch_planner_update(
        StretchPlanner *p, int64_t t_us, double dt_s, enum psoas_posture posture, uint32_t *ret_idx) {
        if (!p->pending)
                return 0;

        if (t_us > p->deadline_us) {
                p->pending = false;
                return 0;
        }

        const struct psoas_stretch *s = &p->catalog[p->stretch];
        if (!posture_matches(s->check, posture))
                return 0;

        /* Time in the right posture adds up across pauses: switching sides or resetting between reps briefly
         * looks like something else. The interval ending at the first sample after the prompt may have begun
         * before it: only the part after the prompt counts. */
        double since_prompt_s = ((double)t_us - (double)p->prompted_us) / (double)US_PER_SEC;
        if (dt_s > 0 && since_prompt_s > 0) /* also drops NaN */
                p->seen_s += MIN(dt_s, since_prompt_s);
        if (p->seen_s + STRETCH_SEEN_EPSILON_S < (double)psoas_stretch_verify_seconds(s))
                return 0;

        p->pending = false;
        p->verified = true;
        if (ret_idx)
                *ret_idx = p->stretch;
        return 1;
}

int stretch_planner_find(const StretchPlanner *p, const char *id) {
        if (!id)
                return -EINVAL;

        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->catalog[i].id, id) == 0)
                        return (int)i;
        return -ENOENT;
}

int stretch_planner_report(StretchPlanner *p, const char *id, uint32_t *ret_idx) {
        int r;

        r = stretch_planner_find(p, id);
        if (r < 0)
                return r;

        if (p->has_prompt && p->verified && p->stretch == (uint32_t)r)
                return 0;

        /* Whatever was stretched answers the prompt: watching on would only risk counting it twice. */
        p->pending = false;
        if (ret_idx)
                *ret_idx = (uint32_t)r;
        return 1;
}
