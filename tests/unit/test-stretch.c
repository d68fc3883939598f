/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "psoas/psoas.h"
#include "signature.h"
#include "stretch.h"
#include "synth-stretch.h"
#include "test-util.h"

#define N_ELEMENTS(x) (sizeof(x) / sizeof((x)[0]))
#define HZ 100
#define WINDOW_S 600.0

static const struct psoas_stretch *default_catalog(size_t *ret_n) {
        const struct psoas_stretch *c = psoas_stretch_default_catalog(ret_n);
        ASSERT_TRUE(c);
        return c;
}

/* Index of id in the default catalog; fails the test when it is missing. */
static uint32_t default_index(const char *id) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        for (size_t i = 0; i < n; i++)
                if (strcmp(c[i].id, id) == 0)
                        return (uint32_t)i;
        TEST_FAIL("no stretch '%s' in the default catalog", id);
}

/* A complete, valid entry to break one field at a time. */
static struct psoas_stretch good_stretch(void) {
        return (struct psoas_stretch){
                .size = sizeof(struct psoas_stretch),
                .id = "test-stretch-1",
                .title = "Test stretch",
                .muscles = "psoas",
                .instructions = "Do it.",
                .safety = "Stop if it hurts.",
                .hold_min_s = 20,
                .hold_max_s = 30,
                .per_side = true,
                .places = PSOAS_PLACE_DESK,
                .targets = PSOAS_TARGET_HIP_FLEXORS,
                .check = PSOAS_CHECK_STANDING_TUCK,
        };
}

/* What a pelvis in this position looks like to the signatures: pitch (anterior positive), height, sway. */
static StretchSense sense_of(double pitch_deg, double height_m, double sway_dps) {
        StretchSense s;
        stretch_sense_init(&s);
        s.valid = true;
        s.has_gyro = true;
        s.body[0] = (float)cos(pitch_deg * M_PI / 180);
        s.body[1] = (float)-sin(pitch_deg * M_PI / 180);
        s.pitch_deg = (float)pitch_deg;
        s.height_external = true;
        s.height_valid = true;
        s.height_m = (float)height_m;
        s.on_feet_seen = true;
        s.sway_var = (float)pow(sway_dps * M_PI / 180, 2);
        return s;
}

/* Feeds seconds of one sensed position at HZ from *t_us; returns how many times the prompt was verified, and
 * the last update in *ret. */
static int feed(StretchPlanner *p, int64_t *t_us, double seconds, const StretchSense *sense,
        enum psoas_posture posture, bool tilt_high, StretchUpdate *ret) {
        int verified = 0;
        long steps = (long)(seconds * HZ + 0.5);
        for (long i = 0; i < steps; i++) {
                StretchUpdate u = { .stretch = UINT32_MAX };
                *t_us += 1000000 / HZ;
                int r = stretch_planner_update(p, *t_us, 1.0 / HZ, sense, posture, tilt_high, &u);
                ASSERT_TRUE(r == 0 || r == 1);
                if (r == 1) {
                        verified += u.verified;
                        if (ret)
                                *ret = u;
                }
        }
        return verified;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The default catalog */

TEST(default_catalog_valid) {
        size_t n = 0;
        const struct psoas_stretch *c = default_catalog(&n);
        ASSERT_EQ(n, 12);
        ASSERT_TRUE(psoas_stretch_default_catalog(NULL) == c);

        for (size_t i = 0; i < n; i++) {
                const char *field = NULL;
                if (psoas_stretch_validate(&c[i], &field) != 0)
                        TEST_FAIL("entry %zu (%s) invalid: %s", i, c[i].id, field);
                for (size_t j = 0; j < i; j++)
                        ASSERT_TRUE(strcmp(c[i].id, c[j].id) != 0);
        }

        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_catalog(&p, c, n), 0);
}

TEST(default_catalog_entries) {
        static const struct {
                const char *id;
                uint32_t hold_min, hold_max, reps_min, reps_max;
                bool per_side;
                enum psoas_stretch_check check;
                uint32_t places;
                uint32_t targets; /* must include these */
        } expected[] = {
                { "standing-hip-flexor", 20, 30, 0, 0, true, PSOAS_CHECK_STANDING_TUCK, PSOAS_PLACE_DESK,
                        PSOAS_TARGET_HIP_FLEXORS },
                { "standing-quad", 20, 30, 0, 0, true, PSOAS_CHECK_ONE_LEG_TUCK, PSOAS_PLACE_DESK,
                        PSOAS_TARGET_QUADRICEPS | PSOAS_TARGET_HIP_FLEXORS },
                { "hamstring", 20, 30, 0, 0, true, PSOAS_CHECK_STANDING_HINGE, PSOAS_PLACE_DESK,
                        PSOAS_TARGET_HAMSTRINGS },
                { "walking-break", 120, 300, 0, 0, false, PSOAS_CHECK_WALKING, PSOAS_PLACE_DESK, 0 },
                { "piriformis", 20, 30, 0, 0, true, PSOAS_CHECK_SEATED_HINGE, PSOAS_PLACE_DESK,
                        PSOAS_TARGET_PIRIFORMIS },
                { "kneeling-hip-flexor", 20, 30, 0, 0, true, PSOAS_CHECK_KNEELING_TUCK, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_HIP_FLEXORS },
                { "couch-stretch", 20, 30, 0, 0, true, PSOAS_CHECK_KNEELING_TUCK, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_QUADRICEPS },
                { "glute-bridge", 0, 0, 10, 12, false, PSOAS_CHECK_BRIDGE_REPS, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_GLUTES },
                { "clamshell", 0, 0, 10, 12, true, PSOAS_CHECK_SIDE_LYING_REPS, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_GLUTES },
                { "bird-dog", 0, 0, 10, 12, true, PSOAS_CHECK_ALL_FOURS_ALTERNATING, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_CORE },
                { "plank", 20, 30, 0, 0, false, PSOAS_CHECK_PRONE_HOLD, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_CORE },
                { "self-massage", 30, 60, 0, 0, true, PSOAS_CHECK_NONE, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_GLUTES },
        };
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        ASSERT_EQ(n, N_ELEMENTS(expected));

        for (size_t i = 0; i < N_ELEMENTS(expected); i++) {
                const struct psoas_stretch *s = &c[default_index(expected[i].id)];
                fprintf(stderr, "   %s\n", s->id);
                ASSERT_EQ(s->hold_min_s, expected[i].hold_min);
                ASSERT_EQ(s->hold_max_s, expected[i].hold_max);
                ASSERT_EQ(s->reps_min, expected[i].reps_min);
                ASSERT_EQ(s->reps_max, expected[i].reps_max);
                ASSERT_EQ(s->per_side, expected[i].per_side);
                ASSERT_EQ(s->check, expected[i].check);
                ASSERT_EQ(s->places, expected[i].places);
                ASSERT_EQ(s->targets & expected[i].targets, expected[i].targets);
                ASSERT_EQ(psoas_stretch_has_signature(s), expected[i].check != PSOAS_CHECK_NONE);
        }
}

TEST(default_catalog_texts) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);

        for (size_t i = 0; i < n; i++) {
                const struct psoas_stretch *s = &c[i];
                fprintf(stderr, "   %s\n", s->id);

                /* Instructions of two to five sentences. */
                unsigned sentences = 0;
                for (const char *ch = s->instructions; *ch; ch++)
                        if (*ch == '.' && (ch[1] == ' ' || ch[1] == '\0'))
                                sentences++;
                ASSERT_GE(sentences, 1);
                ASSERT_LE(sentences, 5);

                /* Every stretch's own safety note says when to stop. */
                ASSERT_TRUE(strstr(s->safety, "Stop") || strstr(s->safety, "stop"));
                if (s->check != PSOAS_CHECK_WALKING) {
                        ASSERT_TRUE(strstr(s->safety, "sharp pain"));
                        ASSERT_TRUE(strstr(s->safety, "tingling"));
                }

                /* A tucked signature needs instructions that ask for the tuck. */
                if (s->check == PSOAS_CHECK_STANDING_TUCK || s->check == PSOAS_CHECK_KNEELING_TUCK ||
                        s->check == PSOAS_CHECK_ONE_LEG_TUCK)
                        ASSERT_TRUE(strstr(s->instructions, "uck"));
        }

        const char *flags = psoas_stretch_red_flags();
        ASSERT_TRUE(strstr(flags, "warm up"));
        ASSERT_TRUE(strstr(flags, "sharp pain"));
        ASSERT_TRUE(strstr(flags, "Numbness, tingling or weakness in a leg"));
        ASSERT_TRUE(strstr(flags, "immediate care"));
        ASSERT_TRUE(strstr(flags, "no substitute for a diagnosis"));
}

TEST(check_names) {
        for (int i = 0; i < _PSOAS_CHECK_MAX; i++) {
                const char *name = psoas_stretch_check_to_string((enum psoas_stretch_check)i);
                ASSERT_TRUE(name);
                ASSERT_EQ(psoas_stretch_check_from_string(name), i);
        }
        ASSERT_TRUE(!psoas_stretch_check_to_string(_PSOAS_CHECK_MAX));
        ASSERT_EQ(psoas_stretch_check_from_string("Upright"), -EINVAL);
        ASSERT_EQ(psoas_stretch_check_from_string(NULL), -EINVAL);
        ASSERT_STREQ(psoas_stretch_check_to_string(PSOAS_CHECK_KNEELING_TUCK), "kneeling-tuck");

        /* The old posture-only checks confirm nothing now. */
        struct psoas_stretch s = good_stretch();
        s.check = PSOAS_CHECK_UPRIGHT;
        ASSERT_TRUE(!psoas_stretch_has_signature(&s));
        s.check = PSOAS_CHECK_FLOOR;
        ASSERT_TRUE(!psoas_stretch_has_signature(&s));
        ASSERT_TRUE(!psoas_stretch_has_signature(NULL));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Validation */

TEST(validate_accepts) {
        struct psoas_stretch s = good_stretch();
        const char *field = "untouched";
        ASSERT_EQ(psoas_stretch_validate(&s, &field), 0);
        ASSERT_STREQ(field, "untouched");
        ASSERT_EQ(psoas_stretch_validate(&s, NULL), 0);

        /* Rep-based, floor, no check, no targets at all: still consistent. */
        s.hold_min_s = s.hold_max_s = 0;
        s.reps_min = s.reps_max = 1;
        s.places = PSOAS_PLACE_FLOOR;
        s.targets = 0;
        s.check = PSOAS_CHECK_NONE;
        s.id = "0-a-9";
        ASSERT_EQ(psoas_stretch_validate(&s, NULL), 0);
}

/* Breaks one thing in s, a different one for each what; returns the field validation must name, or NULL past
 * the last case. */
static const char *break_stretch(struct psoas_stretch *s, int what) {
        switch (what) {
        case 0:
                s->id = NULL;
                return "id";
        case 1:
                s->id = "";
                return "id";
        case 2:
                s->id = "Upper-Case";
                return "id";
        case 3:
                s->id = "has space";
                return "id";
        case 4:
                s->id = "under_score";
                return "id";
        case 5:
                s->id = "caf\xc3\xa9";
                return "id";
        case 6:
                s->title = NULL;
                return "title";
        case 7:
                s->title = "";
                return "title";
        case 8:
                s->muscles = NULL;
                return "muscles";
        case 9:
                s->muscles = "";
                return "muscles";
        case 10:
                s->instructions = NULL;
                return "instructions";
        case 11:
                s->instructions = "";
                return "instructions";
        case 12:
                s->safety = NULL;
                return "safety";
        case 13:
                s->safety = "";
                return "safety";
        case 14:
                /* both a hold and reps */
                s->reps_min = 10;
                s->reps_max = 12;
                return "reps_min";
        case 15:
                /* both, half given */
                s->reps_max = 5;
                return "reps_min";
        case 16:
                /* neither */
                s->hold_min_s = s->hold_max_s = 0;
                return "reps_min";
        case 17:
                /* a hold without a minimum would verify at once */
                s->hold_min_s = 0;
                return "hold_min_s";
        case 18:
                s->hold_min_s = 40;
                s->hold_max_s = 30;
                return "hold_max_s";
        case 19:
                s->hold_min_s = s->hold_max_s = 0;
                s->reps_max = 3;
                return "reps_min";
        case 20:
                s->hold_min_s = s->hold_max_s = 0;
                s->reps_min = 12;
                s->reps_max = 10;
                return "reps_max";
        case 21:
                s->places = 0;
                return "places";
        case 22:
                s->places = PSOAS_PLACE_DESK | (1u << 7);
                return "places";
        case 23:
                s->targets = PSOAS_TARGET_CORE | (1u << 20);
                return "targets";
        case 24:
                s->check = _PSOAS_CHECK_MAX;
                return "check";
        case 25:
                s->check = (enum psoas_stretch_check)(-1);
                return "check";
        case 26:
                /* a hold timed by a signature that counts repetitions */
                s->check = PSOAS_CHECK_BRIDGE_REPS;
                return "check";
        case 27:
                /* repetitions for a signature that times a hold */
                s->hold_min_s = s->hold_max_s = 0;
                s->reps_min = s->reps_max = 10;
                return "check";
        default:
                return NULL;
        }
}

TEST(validate_rejects) {
        int what;
        for (what = 0;; what++) {
                struct psoas_stretch s = good_stretch();
                const char *expected = break_stretch(&s, what);
                if (!expected)
                        break;

                const char *field = NULL;
                int r = psoas_stretch_validate(&s, &field);
                if (r != -EINVAL || !field || strcmp(field, expected) != 0)
                        TEST_FAIL("case %d: got %d, field %s; expected -EINVAL, field %s", what, r,
                                field ? field : "(null)", expected);
                /* ret_field is optional. */
                ASSERT_EQ(psoas_stretch_validate(&s, NULL), -EINVAL);
        }
        ASSERT_EQ(what, 28);

        const char *field = NULL;
        ASSERT_EQ(psoas_stretch_validate(NULL, &field), -EINVAL);
        ASSERT_STREQ(field, "stretch");
}

TEST(verify_seconds) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);

        /* Holds: the minimum on each side. */
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("kneeling-hip-flexor")]), 40);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("couch-stretch")]), 40);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("standing-hip-flexor")]), 40);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("standing-quad")]), 40);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("plank")]), 20);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("walking-break")]), 120);
        /* Reps: the minimum on each side, 3 s apiece. */
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("glute-bridge")]), 30);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("clamshell")]), 60);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("bird-dog")]), 60);

        /* Huge values saturate instead of wrapping round to something short. */
        struct psoas_stretch s = good_stretch();
        s.hold_min_s = s.hold_max_s = UINT32_MAX;
        ASSERT_EQ(psoas_stretch_verify_seconds(&s), UINT32_MAX);
        s.hold_min_s = s.hold_max_s = 0;
        s.reps_min = s.reps_max = UINT32_MAX / 2;
        ASSERT_EQ(psoas_stretch_verify_seconds(&s), UINT32_MAX);
        ASSERT_EQ(psoas_stretch_verify_seconds(NULL), 0);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Selection */

static int pick_order(StretchPlanner *p, enum psoas_alert_kind cause, const char *const *ids, size_t n_ids) {
        for (int round = 0; round < 3; round++)
                for (size_t i = 0; i < n_ids; i++) {
                        int r = stretch_planner_select(p, cause);
                        if (r != (int)default_index(ids[i]))
                                TEST_FAIL("round %d, pick %zu: got %s, expected %s", round, i,
                                        r >= 0 ? p->catalog[r].id : "none", ids[i]);
                }
        return 0;
}

TEST(select_sitting_desk) {
        /* By default no floor exercises: standing by the desk first, then seated, in catalog order. */
        static const char *const order[] = {
                "standing-hip-flexor",
                "standing-quad",
                "hamstring",
                "walking-break",
                "piriformis",
        };
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(p.places, PSOAS_PLACE_DESK);
        pick_order(&p, PSOAS_ALERT_SITTING, order, N_ELEMENTS(order));
}

TEST(select_sitting_floor) {
        /* Floor exercises allowed: they come after everything done by the desk. */
        static const char *const order[] = {
                "standing-hip-flexor",
                "standing-quad",
                "hamstring",
                "walking-break",
                "piriformis",
                "kneeling-hip-flexor",
                "couch-stretch",
                "self-massage",
        };
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR), 0);
        pick_order(&p, PSOAS_ALERT_SITTING, order, N_ELEMENTS(order));
}

TEST(select_tilt) {
        /* A forward hinge or a walk does not undo an anterior tilt; the tucked standing stretches do. */
        static const char *const desk[] = { "standing-hip-flexor", "standing-quad" };
        static const char *const floor[] = {
                "standing-hip-flexor",
                "standing-quad",
                "kneeling-hip-flexor",
                "couch-stretch",
                "glute-bridge",
                "clamshell",
                "bird-dog",
                "plank",
                "self-massage",
        };
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        pick_order(&p, PSOAS_ALERT_TILT, desk, N_ELEMENTS(desk));

        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR), 0);
        pick_order(&p, PSOAS_ALERT_TILT, floor, N_ELEMENTS(floor));
}

TEST(set_places) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_FLOOR), -EINVAL);
        ASSERT_EQ(stretch_planner_set_places(&p, 0), -EINVAL);
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_DESK | (1u << 5)), -EINVAL);
        ASSERT_EQ(p.places, PSOAS_PLACE_DESK);
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR), 0);
        /* A new catalog keeps the places. */
        ASSERT_EQ(stretch_planner_set_catalog(&p, NULL, 0), 0);
        ASSERT_EQ(p.places, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR);
}

TEST(select_never_repeats) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchPlanner p;
        stretch_planner_init(&p, c, n);
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR), 0);

        /* A fixed pseudo-random mix of causes, including runs of one cause. */
        uint32_t x = 12345;
        int previous = -1;
        unsigned counts[64] = { 0 };
        for (int i = 0; i < 2000; i++) {
                x = x * 1103515245u + 12345u;
                enum psoas_alert_kind cause = (x >> 16) % 3 == 0 ? PSOAS_ALERT_TILT : PSOAS_ALERT_SITTING;
                int r = stretch_planner_select(&p, cause);
                ASSERT_GE(r, 0);
                if (r == previous)
                        TEST_FAIL("alert %d (%s): stretch %d twice in a row", i,
                                cause == PSOAS_ALERT_TILT ? "tilt" : "sitting", r);
                /* A tilt prompt is never a hinge or a walk. */
                if (cause == PSOAS_ALERT_TILT)
                        ASSERT_TRUE(c[r].check != PSOAS_CHECK_STANDING_HINGE &&
                                c[r].check != PSOAS_CHECK_SEATED_HINGE && c[r].check != PSOAS_CHECK_WALKING);
                /* The engine prompts what it selected. */
                stretch_planner_prompted(&p, (uint32_t)r, cause, (int64_t)i * 1000000, WINDOW_S);
                previous = r;
                counts[r]++;
        }
        /* Skipping the previous prompt must not starve anyone. */
        for (size_t i = 0; i < n; i++)
                ASSERT_GE(counts[i], 50);
}

TEST(select_across_causes_skips_previous) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);

        /* Both causes start with the standing hip-flexor stretch; the second alert must not repeat it. */
        int a = stretch_planner_select(&p, PSOAS_ALERT_SITTING);
        int b = stretch_planner_select(&p, PSOAS_ALERT_TILT);
        ASSERT_EQ(a, (int)default_index("standing-hip-flexor"));
        ASSERT_EQ(b, (int)default_index("standing-quad"));

        /* A prompt made outside select() counts as the previous one too. */
        StretchPlanner q;
        stretch_planner_init(&q, NULL, 0);
        stretch_planner_prompted(&q, (uint32_t)a, PSOAS_ALERT_SITTING, 0, WINDOW_S);
        ASSERT_EQ(stretch_planner_select(&q, PSOAS_ALERT_SITTING), (int)default_index("standing-quad"));
}

TEST(select_single_candidate) {
        struct psoas_stretch cat[2] = { good_stretch(), good_stretch() };
        cat[1].id = "floor-only";
        cat[1].places = PSOAS_PLACE_FLOOR;
        cat[1].targets = PSOAS_TARGET_QUADRICEPS;

        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 2), 0);

        /* The only fit repeats: better than no prompt at all. */
        for (int i = 0; i < 5; i++)
                ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_SITTING), 0);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_TILT), 0);
}

TEST(select_none_fits) {
        struct psoas_stretch cat[2] = { good_stretch(), good_stretch() };
        /* A hip-flexor stretch on the floor (not allowed by default), and a desk hinge for the hamstrings. */
        cat[0].places = PSOAS_PLACE_FLOOR;
        cat[1].id = "hamstrings";
        cat[1].targets = PSOAS_TARGET_HAMSTRINGS;
        cat[1].check = PSOAS_CHECK_STANDING_HINGE;

        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 2), 0);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_SITTING), 1);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_TILT), -ENOENT);
        ASSERT_EQ(stretch_planner_select(&p, _PSOAS_ALERT_KIND_MAX), -EINVAL);

        /* With the floor allowed, the floor stretch answers both. */
        ASSERT_EQ(stretch_planner_set_places(&p, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR), 0);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_TILT), 0);
}

TEST(set_catalog) {
        size_t n_default;
        const struct psoas_stretch *def = default_catalog(&n_default);
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_TRUE(p.catalog == def);
        ASSERT_EQ(p.n, n_default);

        struct psoas_stretch cat[2] = { good_stretch(), good_stretch() };
        cat[1].id = "other";

        /* An invalid entry or a duplicate id keeps the old catalog. */
        cat[1].title = "";
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 2), -EINVAL);
        ASSERT_TRUE(p.catalog == def);
        cat[1].title = "Other";
        cat[1].id = cat[0].id;
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 2), -EINVAL);
        ASSERT_TRUE(p.catalog == def);

        /* A pending prompt belongs to the old catalog and is forgotten with it. */
        stretch_planner_prompted(&p, default_index("plank"), PSOAS_ALERT_TILT, 0, WINDOW_S);
        cat[1].id = "other";
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 2), 0);
        ASSERT_TRUE(p.catalog == cat);
        ASSERT_EQ(p.n, 2);
        ASSERT_TRUE(!p.pending);
        ASSERT_EQ(stretch_planner_find(&p, "other"), 1);
        ASSERT_EQ(stretch_planner_find(&p, "plank"), -ENOENT);
        ASSERT_EQ(stretch_planner_find(&p, NULL), -EINVAL);

        /* NULL selects the default again. */
        ASSERT_EQ(stretch_planner_set_catalog(&p, NULL, 0), 0);
        ASSERT_TRUE(p.catalog == def);
        ASSERT_EQ(stretch_planner_find(&p, "plank"), (int)default_index("plank"));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Verification: the hold timer and its sides, from sensed positions */

TEST(verify_hold_per_side) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t sh = default_index("standing-hip-flexor");
        StretchSense tucked = sense_of(-8, -0.05, 0.6), neutral = sense_of(0, 0, 0.6);
        StretchUpdate u = { 0 };
        int64_t t = 0;

        stretch_planner_prompted(&p, sh, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 25.0, &tucked, PSOAS_POSTURE_STANDING, false, &u), 0);
        ASSERT_TRUE(u.progress);
        ASSERT_EQ(u.side, 1);
        ASSERT_GE(u.held_s, 24); /* whole seconds */
        ASSERT_LE(u.held_s, 25);
        ASSERT_EQ(u.goal, 20);
        /* Holding on does not do the other side. */
        ASSERT_EQ(feed(&p, &t, 35.0, &tucked, PSOAS_POSTURE_STANDING, false, &u), 0);
        ASSERT_EQ(u.side, 1);
        /* A switch: the signature lost for a second or two, then the other side. */
        ASSERT_EQ(feed(&p, &t, 2.0, &neutral, PSOAS_POSTURE_STANDING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 19.0, &tucked, PSOAS_POSTURE_STANDING, false, &u), 0);
        ASSERT_EQ(u.side, 2);
        ASSERT_GE(u.held_s, 18);
        ASSERT_LE(u.held_s, 19);
        ASSERT_EQ(feed(&p, &t, 1.5, &tucked, PSOAS_POSTURE_STANDING, false, &u), 1);
        ASSERT_TRUE(u.verified);
        ASSERT_EQ(u.stretch, sh);
        ASSERT_TRUE(!p.pending);
        ASSERT_TRUE(p.verified);
}

TEST(verify_hold_grace_and_reset) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t pl = default_index("plank");
        StretchSense plank = sense_of(90, -0.65, 0.3), down = sense_of(-90, -0.8, 0.3);
        int64_t t = 0;

        stretch_planner_prompted(&p, pl, PSOAS_ALERT_TILT, t, WINDOW_S);
        /* A wobble of 3 s keeps the time held. */
        ASSERT_EQ(feed(&p, &t, 12.0, &plank, PSOAS_POSTURE_LYING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 3.0, &down, PSOAS_POSTURE_LYING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 8.5, &plank, PSOAS_POSTURE_LYING, false, NULL), 1);

        /* A rest of 6 s starts the hold again. */
        stretch_planner_prompted(&p, pl, PSOAS_ALERT_TILT, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 15.0, &plank, PSOAS_POSTURE_LYING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 6.0, &down, PSOAS_POSTURE_LYING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 15.0, &plank, PSOAS_POSTURE_LYING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 5.5, &plank, PSOAS_POSTURE_LYING, false, NULL), 1);
}

TEST(verify_standing_is_not_a_stretch) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchSense standing = sense_of(0.5, 0, 0.6), arched = sense_of(9, -0.05, 0.6);
        StretchUpdate u = { 0 };

        /* Plain standing (and standing arched) for the whole window confirms none of the stretches; the
         * prompt ends saying the wearer stood up. */
        for (size_t i = 0; i < n; i++) {
                if (c[i].check == PSOAS_CHECK_STANDING_HINGE)
                        continue; /* a hinge is anterior: arched standing is tested with it below */
                StretchPlanner p;
                stretch_planner_init(&p, NULL, 0);
                int64_t t = 0;
                fprintf(stderr, "   %s\n", c[i].id);
                stretch_planner_prompted(&p, (uint32_t)i, PSOAS_ALERT_SITTING, t, WINDOW_S);
                ASSERT_EQ(feed(&p, &t, 300.0, &standing, PSOAS_POSTURE_STANDING, false, NULL), 0);
                ASSERT_EQ(feed(&p, &t, 301.0, &arched, PSOAS_POSTURE_STANDING, false, &u), 0);
                ASSERT_TRUE(u.missed);
                ASSERT_EQ(u.stretch, i);
                ASSERT_TRUE(u.seen & PSOAS_SEEN_STOOD_UP);
                ASSERT_TRUE(!(u.seen & PSOAS_SEEN_PARTIAL));
                ASSERT_EQ(!!(u.seen & PSOAS_SEEN_NO_SIGNATURE), !psoas_stretch_has_signature(&c[i]));
                ASSERT_TRUE(!p.pending);
                ASSERT_TRUE(!p.verified);
        }

        /* The hamstring hinge is 20° or more: a tilted stance of 12° is not one. */
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        int64_t t = 0;
        StretchSense tilted = sense_of(12, 0, 0.6);
        stretch_planner_prompted(&p, default_index("hamstring"), PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 601.0, &tilted, PSOAS_POSTURE_STANDING, false, NULL), 0);
}

TEST(verify_tilt_persisting_blocks) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        StretchSense tucked = sense_of(-8, -0.05, 0.6);
        StretchUpdate u = { 0 };
        int64_t t = 0;

        /* Whatever the features say, nothing counts while the tilt that caused the prompt persists. */
        stretch_planner_prompted(&p, default_index("standing-hip-flexor"), PSOAS_ALERT_TILT, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 601.0, &tucked, PSOAS_POSTURE_STANDING, true, &u), 0);
        ASSERT_TRUE(u.missed);
        ASSERT_TRUE(u.seen & PSOAS_SEEN_TILT_PERSISTED);
        ASSERT_TRUE(!(u.seen & PSOAS_SEEN_STOOD_UP)); /* standing after a tilt alert is no news */

        /* After a sitting alert the tilt does not block. */
        stretch_planner_prompted(&p, default_index("standing-hip-flexor"), PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 21.0, &tucked, PSOAS_POSTURE_STANDING, true, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 2.0, &tucked, PSOAS_POSTURE_STANDING, false, NULL), 0);
        ASSERT_TRUE(p.track.side_done[0]);
}

TEST(verify_no_signature_self_report_only) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        StretchUpdate u = { 0 };
        StretchSense s = sense_of(-8, -0.05, 0.6);
        int64_t t = 0;
        uint32_t m = default_index("self-massage");

        stretch_planner_prompted(&p, m, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 601.0, &s, PSOAS_POSTURE_SITTING, false, &u), 0);
        ASSERT_TRUE(u.missed);
        ASSERT_EQ(u.seen, PSOAS_SEEN_NO_SIGNATURE);

        /* An old catalog's "upright" no longer confirms a thing. */
        struct psoas_stretch cat[1] = { good_stretch() };
        cat[0].check = PSOAS_CHECK_UPRIGHT;
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 1), 0);
        stretch_planner_prompted(&p, 0, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 601.0, &s, PSOAS_POSTURE_STANDING, false, &u), 0);
        ASSERT_TRUE(u.missed);
        ASSERT_TRUE(u.seen & PSOAS_SEEN_NO_SIGNATURE);
}

TEST(verify_only_after_prompt) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        StretchSense tucked = sense_of(-8, -0.05, 0.6);
        int64_t t = 0;

        /* Nothing pending: nothing to report. */
        ASSERT_EQ(feed(&p, &t, 100.0, &tucked, PSOAS_POSTURE_STANDING, false, NULL), 0);
        ASSERT_TRUE(!p.verified);

        /* A sample interval that began before the prompt counts only after it. */
        stretch_planner_prompted(&p, default_index("plank"), PSOAS_ALERT_TILT, t, WINDOW_S);
        StretchSense plank = sense_of(90, -0.65, 0.3);
        StretchUpdate u = { 0 };
        ASSERT_EQ(stretch_planner_update(&p, t + 1000, 30.0, &plank, PSOAS_POSTURE_LYING, false, &u), 0);
        ASSERT_TRUE(p.pending);
}

TEST(new_prompt_replaces_old) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        StretchSense plank = sense_of(90, -0.65, 0.3);
        uint32_t pl = default_index("plank"), sh = default_index("standing-hip-flexor");
        int64_t t = 0;

        stretch_planner_prompted(&p, pl, PSOAS_ALERT_TILT, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 15.0, &plank, PSOAS_POSTURE_LYING, false, NULL), 0);
        stretch_planner_prompted(&p, sh, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 30.0, &plank, PSOAS_POSTURE_LYING, false, NULL), 0);
        ASSERT_EQ(p.stretch, sh);

        /* An index outside the catalog is ignored. */
        stretch_planner_prompted(&p, (uint32_t)p.n, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(p.stretch, sh);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Verification through the engine, of synthetic recordings of every stretch with a signature */

/* Seeds per case, and the prompt's window: long enough for the longest recording. */
#define SEEDS 3
#define WINDOW_SHORT_S 240

typedef struct Outcome {
        unsigned prompts, verified, missed, progress;
        uint32_t seen;
        double verified_s;
        uint32_t max_side, max_reps;
} Outcome;

static Outcome act(
        const struct psoas_stretch *entry, SynthStretchVariant variant, uint64_t seed, int reps_less) {
        struct psoas_stretch cat[1] = { *entry };
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        SynthStretch *g = NULL;
        struct psoas_sample s;
        struct psoas_event ev;
        Outcome o = { .verified_s = -1 };
        bool debug = getenv("PSOAS_STRETCH_DEBUG");

        /* A sitting alert prompts it: make it fit one, and allow the floor. */
        cat[0].targets |= PSOAS_TARGET_HIP_FLEXORS;
        ASSERT_EQ(synth_stretch_new(entry->check, variant, entry->hold_min_s, entry->reps_min - reps_less,
                          entry->per_side, HZ, seed, &g),
                0);
        psoas_config_init(PSOAS_SIZED(&config));
        config.sitting_alert_s = SYNTH_STRETCH_SITTING_ALERT_S;
        config.stretch_window_s = WINDOW_SHORT_S;
        config.forward_known = true;
        synth_stretch_forward(g, config.forward);
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        ASSERT_EQ(psoas_engine_set_catalog(e, cat, 1), 0);
        ASSERT_EQ(psoas_engine_set_places(e, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR), 0);
        ASSERT_EQ(psoas_engine_calibrate_window(e, (int64_t)(SYNTH_STRETCH_CALIBRATE_FROM_S * 1e6),
                          (int64_t)(SYNTH_STRETCH_CALIBRATE_TO_S * 1e6)),
                0);

        /* After the recording the wearer stands still until the prompt's window is over. */
        int64_t prompt_us = -1;
        for (;;) {
                if (synth_stretch_next(g, &s) <= 0) {
                        if (prompt_us < 0 || s.t_us > prompt_us + (int64_t)(WINDOW_SHORT_S + 2) * 1000000)
                                break;
                        s.t_us += 1000000 / HZ;
                }
                ASSERT_EQ(psoas_engine_feed(e, &s), 0);
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0) {
                        double t = (double)ev.t_us / 1e6;
                        switch (ev.type) {
                        case PSOAS_EVENT_STRETCH_PROMPT:
                                o.prompts++;
                                prompt_us = ev.t_us;
                                break;
                        case PSOAS_EVENT_STRETCH_DONE:
                                ASSERT_EQ(ev.stretch.result, PSOAS_STRETCH_VERIFIED);
                                o.verified++;
                                o.verified_s = t;
                                break;
                        case PSOAS_EVENT_STRETCH_MISSED:
                                o.missed++;
                                o.seen = ev.missed.seen;
                                break;
                        case PSOAS_EVENT_STRETCH_PROGRESS:
                                o.progress++;
                                o.max_side = ev.progress.side > o.max_side ? ev.progress.side : o.max_side;
                                o.max_reps = ev.progress.reps > o.max_reps ? ev.progress.reps : o.max_reps;
                                break;
                        default:
                                break;
                        }
                        if (debug && ev.type >= PSOAS_EVENT_ALERT && ev.type != PSOAS_EVENT_STRETCH_PROGRESS)
                                fprintf(stderr, "      %7.2f %s\n", t, psoas_event_type_to_string(ev.type));
                        if (debug && ev.type == PSOAS_EVENT_STRETCH_PROGRESS)
                                fprintf(stderr, "      %7.2f progress side %u held %u reps %u\n", t,
                                        ev.progress.side, ev.progress.held_s, ev.progress.reps);
                }
        }
        if (debug)
                fprintf(stderr, "      done in truth %.2f, verified %.2f\n", synth_stretch_done_s(g),
                        o.verified_s);
        ASSERT_EQ(o.prompts, 1);
        psoas_engine_free(e);
        synth_stretch_free(g);
        return o;
}

static double act_done_s(const struct psoas_stretch *entry, uint64_t seed) {
        SynthStretch *g = NULL;
        ASSERT_EQ(synth_stretch_new(entry->check, SYNTH_STRETCH_RIGHT, entry->hold_min_s, entry->reps_min,
                          entry->per_side, HZ, seed, &g),
                0);
        double d = synth_stretch_done_s(g);
        synth_stretch_free(g);
        return d;
}

TEST(signatures_done_right_verified) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        for (size_t i = 0; i < n; i++) {
                if (!psoas_stretch_has_signature(&c[i]))
                        continue;
                for (uint64_t seed = 1; seed <= SEEDS; seed++) {
                        Outcome o = act(&c[i], SYNTH_STRETCH_RIGHT, seed, 0);
                        double done = act_done_s(&c[i], seed);
                        fprintf(stderr,
                                "   %s seed %" PRIu64 ": verified %u at %.1f s (done %.1f s), %u progress\n",
                                c[i].id, seed, o.verified, o.verified_s, done, o.progress);
                        ASSERT_EQ(o.verified, 1);
                        ASSERT_EQ(o.missed, 0);
                        ASSERT_GE(o.progress, 5);
                        if (c[i].per_side)
                                ASSERT_EQ(o.max_side, 2);
                        /* Not before the stretch was complete; soon after. Repetitions are counted exactly:
                         * one too many would verify a repetition (3-4 s) early. */
                        ASSERT_GE(o.verified_s, done - 1.0);
                        ASSERT_LE(o.verified_s, done + (c[i].reps_min > 0 ? 2.0 : 6.0));
                        /* The last repetition comes with the verification; the first side's are all reported. */
                        if (c[i].reps_min > 0)
                                ASSERT_EQ(o.max_reps, c[i].per_side ? c[i].reps_min : c[i].reps_min - 1);
                }
        }
}

TEST(signatures_one_rep_short_not_verified) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        for (size_t i = 0; i < n; i++) {
                if (c[i].reps_min == 0 || !psoas_stretch_has_signature(&c[i]))
                        continue;
                for (uint64_t seed = 1; seed <= SEEDS; seed++) {
                        Outcome o = act(&c[i], SYNTH_STRETCH_RIGHT, seed, 1);
                        fprintf(stderr, "   %s seed %" PRIu64 ": %u reps at most\n", c[i].id, seed,
                                o.max_reps);
                        ASSERT_EQ(o.verified, 0);
                        ASSERT_EQ(o.max_reps, c[i].reps_min - 1); /* every one counted, and no more */
                        ASSERT_EQ(o.missed, 1);
                        ASSERT_TRUE(o.seen & PSOAS_SEEN_PARTIAL);
                }
        }
}

static void not_verified(SynthStretchVariant variant) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        for (size_t i = 0; i < n; i++) {
                if (!psoas_stretch_has_signature(&c[i]))
                        continue;
                /* Walking is the walking break's signature, slouched or not. */
                if (c[i].check == PSOAS_CHECK_WALKING &&
                        (variant == SYNTH_STRETCH_WALKING || variant == SYNTH_STRETCH_ARCHED))
                        continue;
                for (uint64_t seed = 1; seed <= SEEDS; seed++) {
                        Outcome o = act(&c[i], variant, seed, 0);
                        fprintf(stderr, "   %s %s seed %" PRIu64 ": verified %u\n", c[i].id,
                                synth_stretch_variant_to_string(variant), seed, o.verified);
                        ASSERT_EQ(o.verified, 0);
                }
        }
}

TEST(signatures_arched_not_verified) {
        not_verified(SYNTH_STRETCH_ARCHED);
}

TEST(signatures_standing_not_verified) {
        not_verified(SYNTH_STRETCH_STANDING);
}

TEST(signatures_sitting_not_verified) {
        not_verified(SYNTH_STRETCH_SITTING);
}

TEST(signatures_walking_not_verified) {
        not_verified(SYNTH_STRETCH_WALKING);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Self-reports */

TEST(report_unknown) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, default_index("plank"), PSOAS_ALERT_TILT, 0, WINDOW_S);
        ASSERT_EQ(stretch_planner_report(&p, "no-such-stretch", &idx), -ENOENT);
        ASSERT_EQ(stretch_planner_report(&p, "", &idx), -ENOENT);
        ASSERT_EQ(stretch_planner_report(&p, "PLANK", &idx), -ENOENT);
        ASSERT_EQ(stretch_planner_report(&p, NULL, &idx), -EINVAL);
        ASSERT_EQ(idx, UINT32_MAX);
        /* A failed report leaves the prompt alone. */
        ASSERT_TRUE(p.pending);
}

TEST(report_unprompted) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t idx = UINT32_MAX;

        /* Nothing prompted yet: the wearer stretched on their own. */
        ASSERT_EQ(stretch_planner_report(&p, "clamshell", &idx), 1);
        ASSERT_EQ(idx, default_index("clamshell"));
        ASSERT_EQ(stretch_planner_report(&p, "clamshell", &idx), 1);

        /* A verified prompt only swallows reports of that same stretch. */
        int64_t t = 0;
        StretchSense plank = sense_of(90, -0.65, 0.3);
        stretch_planner_prompted(&p, default_index("plank"), PSOAS_ALERT_TILT, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 20.5, &plank, PSOAS_POSTURE_LYING, false, NULL), 1);
        ASSERT_EQ(stretch_planner_report(&p, "bird-dog", &idx), 1);
        ASSERT_EQ(idx, default_index("bird-dog"));
        ASSERT_EQ(stretch_planner_report(&p, "plank", &idx), 0);
}

TEST(report_closes_pending) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t sh = default_index("standing-hip-flexor");
        StretchSense tucked = sense_of(-8, -0.05, 0.6);
        int64_t t = 0;
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, sh, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 30.0, &tucked, PSOAS_POSTURE_STANDING, false, NULL), 0);
        ASSERT_EQ(stretch_planner_report(&p, "standing-hip-flexor", &idx), 1);
        ASSERT_EQ(idx, sh);
        ASSERT_TRUE(!p.pending);
        /* The sensor no longer verifies it: that would count the same stretch twice. */
        ASSERT_EQ(feed(&p, &t, 2.0, &tucked, PSOAS_POSTURE_STANDING, false, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 100.0, &tucked, PSOAS_POSTURE_STANDING, false, NULL), 0);

        /* Reporting another stretch also answers the prompt. */
        stretch_planner_prompted(&p, sh, PSOAS_ALERT_SITTING, t, WINDOW_S);
        ASSERT_EQ(stretch_planner_report(&p, "standing-quad", &idx), 1);
        ASSERT_EQ(idx, default_index("standing-quad"));
        ASSERT_TRUE(!p.pending);
        ASSERT_EQ(feed(&p, &t, 100.0, &tucked, PSOAS_POSTURE_STANDING, false, NULL), 0);
}

TEST_MAIN
