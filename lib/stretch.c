/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "sized.h"
#include "stretch.h"

/* What one repetition of a rep-based exercise takes, lowering included, at the slow controlled pace the
 * instructions ask for (a glute bridge: about 1 s up, a short pause, 1-2 s down): psoas_stretch_verify_seconds()
 * estimates the time with it. The repetitions themselves are counted. */
#define STRETCH_SECONDS_PER_REP 3u

#define STRETCH_PLACES_ALL ((uint32_t)(PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR))
#define STRETCH_TARGETS_ALL                                                                                 \
        ((uint32_t)(PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_QUADRICEPS | PSOAS_TARGET_GLUTES |              \
                PSOAS_TARGET_CORE | PSOAS_TARGET_PIRIFORMIS | PSOAS_TARGET_HAMSTRINGS))

static const char *const check_names[_PSOAS_CHECK_MAX] = {
        [PSOAS_CHECK_NONE] = "none",
        [PSOAS_CHECK_UPRIGHT] = "upright",
        [PSOAS_CHECK_FLOOR] = "floor",
        [PSOAS_CHECK_STANDING_TUCK] = "standing-tuck",
        [PSOAS_CHECK_KNEELING_TUCK] = "kneeling-tuck",
        [PSOAS_CHECK_ONE_LEG_TUCK] = "one-leg-tuck",
        [PSOAS_CHECK_STANDING_HINGE] = "standing-hinge",
        [PSOAS_CHECK_SEATED_HINGE] = "seated-hinge",
        [PSOAS_CHECK_BRIDGE_REPS] = "bridge-reps",
        [PSOAS_CHECK_SIDE_LYING_REPS] = "side-lying-reps",
        [PSOAS_CHECK_ALL_FOURS_ALTERNATING] = "all-fours-alternating",
        [PSOAS_CHECK_PRONE_HOLD] = "prone-hold",
        [PSOAS_CHECK_WALKING] = "walking",
};

const char *psoas_stretch_check_to_string(enum psoas_stretch_check check) {
        return (unsigned)check < _PSOAS_CHECK_MAX ? check_names[check] : NULL;
}

int psoas_stretch_check_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (unsigned i = 0; i < _PSOAS_CHECK_MAX; i++)
                if (strcmp(s, check_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

/* The caller's entry as a whole struct of this psoas.h (see its rule for sized structs). */
static int stretch_read(const struct psoas_stretch *theirs, struct psoas_stretch *ret) {
        *ret = (struct psoas_stretch){ .size = sizeof(*ret) };
        return sized_copy_in(ret, sizeof(*ret), theirs);
}

bool psoas_stretch_has_signature(const struct psoas_stretch *theirs) {
        struct psoas_stretch stretch;

        return theirs && stretch_read(theirs, &stretch) >= 0 && signature_exists(stretch.check);
}

const char *psoas_stretch_red_flags(void) {
        return "Before you stretch: warm up first (a few minutes of walking will do) and move into "
               "each position slowly. Stop at once if you feel sharp pain. Numbness, tingling or "
               "weakness in a leg needs a prompt medical evaluation; sudden or severe pain needs "
               "immediate care. psoas is no substitute for a diagnosis: if pain persists, see a doctor or "
               "physiotherapist.";
}

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
        /* A signature either counts repetitions or times a hold: the range must be the one it uses. */
        if (signature_exists(s->check) && signature_counts_reps(s->check) != has_reps)
                return "check";
        return NULL;
}

int psoas_stretch_validate(const struct psoas_stretch *theirs, const char **ret_field) {
        struct psoas_stretch stretch;
        const char *field = "stretch";
        int r = -EINVAL;

        if (theirs) {
                r = stretch_read(theirs, &stretch);
                field = r < 0 ? "size" : stretch_bad_field(&stretch);
        }
        if (!field)
                return 0;
        if (ret_field)
                *ret_field = field;
        return r < 0 ? r : -EINVAL;
}

uint32_t psoas_stretch_verify_seconds(const struct psoas_stretch *theirs) {
        struct psoas_stretch whole, *stretch = &whole;

        if (!theirs || stretch_read(theirs, &whole) < 0)
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

/* Entry i of the planner's catalog (validated when it was set) as a whole struct: the entry itself when the
 * caller's struct is this psoas.h's, else a copy in buf. */
static const struct psoas_stretch *planner_entry(
        const StretchPlanner *p, size_t i, struct psoas_stretch *buf) {
        const struct psoas_stretch *entry = psoas_stretch_at(p->catalog, i);

        if (entry->size == sizeof(*entry))
                return entry;
        (void)stretch_read(entry, buf);
        return buf;
}

static bool stretch_fits(const struct psoas_stretch *s, enum psoas_alert_kind cause) {
        uint32_t lengthens_sitting = PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_QUADRICEPS |
                PSOAS_TARGET_HAMSTRINGS | PSOAS_TARGET_PIRIFORMIS;
        bool hinge = s->check == PSOAS_CHECK_STANDING_HINGE || s->check == PSOAS_CHECK_SEATED_HINGE;

        switch (cause) {
        case PSOAS_ALERT_SITTING:
                /* Sitting shortens the hip flexors, the quadriceps' rectus femoris and the hamstrings, and
                 * presses on the glutes' rotators. A walk is the simplest break of all. Seated stretches come
                 * after the standing ones (stretch_tier()). */
                if (s->check == PSOAS_CHECK_WALKING)
                        return true;
                return (s->targets & lengthens_sitting) != 0;
        case PSOAS_ALERT_TILT:
                /* Anterior tilt while standing: strengthen what pulls the pelvis back (glutes, abdominals), or
                 * lengthen the hip flexors with the pelvis tucked. A forward hinge or a walk would not undo it. */
                if (hinge || s->check == PSOAS_CHECK_WALKING)
                        return false;
                return (s->targets & (PSOAS_TARGET_GLUTES | PSOAS_TARGET_CORE | PSOAS_TARGET_HIP_FLEXORS)) !=
                        0;
        default:
                return false;
        }
}

/* Where a stretch comes in the rotation: 0, standing (or walking) by the desk; 1, seated by the desk; 2, a floor
 * exercise, only when the places allow it; -1: not available. */
#define STRETCH_TIERS 3
static int stretch_tier(const StretchPlanner *p, const struct psoas_stretch *s) {
        if (s->places & PSOAS_PLACE_DESK)
                return s->check == PSOAS_CHECK_SEATED_HINGE ? 1 : 0;
        if ((s->places & PSOAS_PLACE_FLOOR) && (p->places & PSOAS_PLACE_FLOOR))
                return 2;
        return -1;
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
        p->verified = false;
        p->seen = 0;
}

void stretch_planner_init(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n) {
        if (!catalog || n == 0)
                catalog = psoas_stretch_default_catalog(&n);

        *p = (StretchPlanner){
                .catalog = catalog,
                .n = n,
                .places = PSOAS_PLACE_DESK,
        };
        planner_reset(p);
}

int stretch_planner_set_places(StretchPlanner *p, uint32_t places) {
        if (!(places & PSOAS_PLACE_DESK) || (places & ~STRETCH_PLACES_ALL) != 0)
                return -EINVAL;
        p->places = places;
        return 0;
}

int stretch_planner_set_catalog(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n) {
        if (!catalog || n == 0)
                catalog = psoas_stretch_default_catalog(&n);

        /* Indices travel as int return values and uint32_t event fields. */
        if (n > INT32_MAX)
                return -EINVAL;

        for (size_t i = 0; i < n; i++) {
                const struct psoas_stretch *entry = psoas_stretch_at(catalog, i);

                /* One size for all: the array is walked by the first entry's. */
                if (entry->size != catalog->size || psoas_stretch_validate(entry, NULL) < 0)
                        return -EINVAL;
                /* Quadratic, but catalogs hold a dozen entries and this runs on a reload, not per sample. The id
                 * is in every size of the struct. */
                for (size_t j = 0; j < i; j++)
                        if (strcmp(entry->id, psoas_stretch_at(catalog, j)->id) == 0)
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

        /* Round-robin per cause through the stretches done standing by the desk, in catalog order, then the
         * seated ones, then the floor exercises: position k is tier k / n, entry k % n. Start after this
         * cause's last pick. */
        size_t n2 = STRETCH_TIERS * p->n, start = 0;
        int32_t last = p->last_pick[cause];
        if (last >= 0) {
                struct psoas_stretch buf;
                int tier = stretch_tier(p, planner_entry(p, (size_t)last, &buf));
                start = ((size_t)(tier < 0 ? 0 : tier) * p->n + (size_t)last + 1) % n2;
        }
        int32_t first = -1, pick = -1;
        for (size_t k = 0; k < n2; k++) {
                size_t pos = (start + k) % n2;
                size_t i = pos % p->n;
                struct psoas_stretch buf;
                const struct psoas_stretch *s = planner_entry(p, i, &buf);
                if (stretch_tier(p, s) != (int)(pos / p->n) || !stretch_fits(s, cause))
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

void stretch_planner_prompted(
        StretchPlanner *p, uint32_t idx, enum psoas_alert_kind cause, int64_t t_us, double window_s) {
        if (idx >= p->n)
                return;

        p->last_prompt = (int32_t)idx;
        p->has_prompt = true;
        p->pending = true;
        p->stretch = idx;
        p->cause = cause;
        p->prompted_us = t_us;
        p->verified = false;
        p->seen = 0;
        p->progress_side = p->progress_held_s = p->progress_reps = 0;
        struct psoas_stretch buf;
        signature_tracker_init(&p->track, planner_entry(p, idx, &buf));

        /* Saturate instead of overflowing when t_us is near the end of the range. 2^62 µs is ~146000 years:
         * any window that long never ends anyway. */
        double window_us = window_s > 0 ? MIN(window_s * (double)US_PER_SEC, 0x1p62) : 0;
        int64_t w = (int64_t)window_us;
        p->deadline_us = t_us > INT64_MAX - w ? INT64_MAX : t_us + w;
}

int stretch_planner_update(StretchPlanner *p, int64_t t_us, double dt_s, const StretchSense *sense,
        enum psoas_posture posture, bool tilt_high, StretchUpdate *ret) {
        if (!p->pending)
                return 0;

        struct psoas_stretch buf;
        const struct psoas_stretch *s = planner_entry(p, p->stretch, &buf);
        StretchUpdate u = { .stretch = p->stretch };

        if (t_us > p->deadline_us) {
                p->pending = false;
                if (!signature_exists(s->check))
                        p->seen |= PSOAS_SEEN_NO_SIGNATURE;
                if (p->track.seen_s > 0)
                        p->seen |= PSOAS_SEEN_PARTIAL;
                u.missed = true;
                u.seen = p->seen;
                *ret = u;
                return 1;
        }

        /* The interval ending at the first sample after the prompt may have begun before it: only the part
         * after the prompt counts. */
        double since_prompt_s = ((double)t_us - (double)p->prompted_us) / (double)US_PER_SEC;
        double dt = dt_s > 0 && since_prompt_s > 0 ? MIN(dt_s, since_prompt_s) : 0; /* also drops NaN */

        /* Standing up after a sitting alert is a break, and is reported as one: it confirms nothing. */
        if (p->cause == PSOAS_ALERT_SITTING &&
                (posture == PSOAS_POSTURE_STANDING || posture == PSOAS_POSTURE_WALKING))
                p->seen |= PSOAS_SEEN_STOOD_UP;
        /* After a tilt alert, nothing is confirmed while the tilt that caused it persists. */
        bool blocked = p->cause == PSOAS_ALERT_TILT && tilt_high;
        if (blocked)
                p->seen |= PSOAS_SEEN_TILT_PERSISTED;

        if (signature_tracker_update(&p->track, sense, dt, blocked)) {
                p->pending = false;
                p->verified = true;
                u.verified = true;
                *ret = u;
                return 1;
        }

        const SignatureTracker *tr = &p->track;
        u.side = signature_tracker_side(tr);
        u.held_s = (uint32_t)MIN(tr->held_s[tr->side], (double)UINT32_MAX);
        u.reps = tr->count[tr->side];
        u.goal = signature_counts_reps(tr->check) ? tr->reps : tr->hold_s;
        if (u.side == p->progress_side && u.held_s == p->progress_held_s && u.reps == p->progress_reps)
                return 0;
        p->progress_side = u.side;
        p->progress_held_s = u.held_s;
        p->progress_reps = u.reps;
        if (u.held_s == 0 && u.reps == 0)
                return 0; /* a reset or a new side: said with the first second or repetition */
        u.progress = true;
        *ret = u;
        return 1;
}

int stretch_planner_find(const StretchPlanner *p, const char *id) {
        if (!id)
                return -EINVAL;

        for (size_t i = 0; i < p->n; i++)
                if (strcmp(psoas_stretch_at(p->catalog, i)->id, id) == 0)
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
