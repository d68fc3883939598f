/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>

#include "psoas/psoas.h"
#include "stretch.h"
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
                .check = PSOAS_CHECK_UPRIGHT,
        };
}

/* Feeds seconds of one posture at HZ from *t_us; returns how many times the prompt was verified. */
static int feed(
        StretchPlanner *p, int64_t *t_us, double seconds, enum psoas_posture posture, uint32_t *ret_idx) {
        int verified = 0;
        long steps = (long)(seconds * HZ + 0.5);
        for (long i = 0; i < steps; i++) {
                uint32_t idx = UINT32_MAX;
                *t_us += 1000000 / HZ;
                int r = stretch_planner_update(p, *t_us, 1.0 / HZ, posture, &idx);
                ASSERT_TRUE(r == 0 || r == 1);
                if (r == 1) {
                        verified++;
                        if (ret_idx)
                                *ret_idx = idx;
                }
        }
        return verified;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The default catalog */

TEST(default_catalog_valid) {
        size_t n = 0;
        const struct psoas_stretch *c = default_catalog(&n);
        ASSERT_EQ(n, 9);
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
                { "kneeling-hip-flexor", 20, 30, 0, 0, true, PSOAS_CHECK_UPRIGHT,
                        PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR, PSOAS_TARGET_HIP_FLEXORS },
                { "couch-stretch", 30, 60, 0, 0, true, PSOAS_CHECK_UPRIGHT, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_QUADRICEPS },
                { "standing-hip-flexor", 30, 30, 0, 0, true, PSOAS_CHECK_UPRIGHT, PSOAS_PLACE_DESK,
                        PSOAS_TARGET_HIP_FLEXORS },
                { "standing-quad", 20, 30, 0, 0, true, PSOAS_CHECK_UPRIGHT, PSOAS_PLACE_DESK,
                        PSOAS_TARGET_QUADRICEPS | PSOAS_TARGET_HIP_FLEXORS },
                { "piriformis", 30, 30, 0, 0, true, PSOAS_CHECK_NONE, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_PIRIFORMIS },
                { "glute-bridge", 0, 0, 10, 12, false, PSOAS_CHECK_FLOOR, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_GLUTES },
                { "clamshell", 0, 0, 10, 12, true, PSOAS_CHECK_FLOOR, PSOAS_PLACE_FLOOR,
                        PSOAS_TARGET_GLUTES },
                { "bird-dog", 0, 0, 6, 10, true, PSOAS_CHECK_FLOOR, PSOAS_PLACE_FLOOR, PSOAS_TARGET_CORE },
                { "plank", 20, 40, 0, 0, false, PSOAS_CHECK_FLOOR, PSOAS_PLACE_FLOOR, PSOAS_TARGET_CORE },
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
        }
}

TEST(default_catalog_texts) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);

        for (size_t i = 0; i < n; i++) {
                const struct psoas_stretch *s = &c[i];
                fprintf(stderr, "   %s\n", s->id);

                /* Instructions of two to four sentences. */
                unsigned sentences = 0;
                for (const char *ch = s->instructions; *ch; ch++)
                        if (*ch == '.' && (ch[1] == ' ' || ch[1] == '\0'))
                                sentences++;
                ASSERT_GE(sentences, 2);
                ASSERT_LE(sentences, 4);

                ASSERT_TRUE(strstr(s->safety, "sharp pain"));
                ASSERT_TRUE(strstr(s->safety, "numbness"));
                ASSERT_TRUE(strstr(s->safety, "tingling"));
                ASSERT_TRUE(strstr(s->safety, "persists"));

                /* A hip-flexor stretch only works with the pelvis tucked and the back leg's glute on. */
                if ((s->targets & PSOAS_TARGET_HIP_FLEXORS) && strcmp(s->id, "standing-quad") != 0) {
                        ASSERT_TRUE(strstr(s->instructions, "glute of the"));
                        ASSERT_TRUE(strstr(s->instructions, "arch"));
                }
        }

        /* Rotation at the desk needs several hip-flexor stretches that can be done there. */
        unsigned desk_hip_flexors = 0;
        for (size_t i = 0; i < n; i++)
                if ((c[i].targets & PSOAS_TARGET_HIP_FLEXORS) && (c[i].places & PSOAS_PLACE_DESK))
                        desk_hip_flexors++;
        ASSERT_GE(desk_hip_flexors, 2);
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
        ASSERT_EQ(what, 26);

        const char *field = NULL;
        ASSERT_EQ(psoas_stretch_validate(NULL, &field), -EINVAL);
        ASSERT_STREQ(field, "stretch");
}

TEST(verify_seconds) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);

        /* Holds: the minimum on each side. */
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("kneeling-hip-flexor")]), 40);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("couch-stretch")]), 60);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("standing-hip-flexor")]), 60);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("standing-quad")]), 40);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("plank")]), 20);
        /* Reps: the minimum on each side, 3 s apiece. */
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("glute-bridge")]), 30);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("clamshell")]), 60);
        ASSERT_EQ(psoas_stretch_verify_seconds(&c[default_index("bird-dog")]), 36);

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

static bool fits_sitting(const struct psoas_stretch *s) {
        return (s->targets & PSOAS_TARGET_HIP_FLEXORS) && (s->places & PSOAS_PLACE_DESK);
}

static bool fits_tilt(const struct psoas_stretch *s) {
        return (s->targets & (PSOAS_TARGET_GLUTES | PSOAS_TARGET_CORE)) ||
                ((s->targets & PSOAS_TARGET_HIP_FLEXORS) && (s->places & PSOAS_PLACE_DESK) &&
                        s->check == PSOAS_CHECK_UPRIGHT);
}

TEST(select_sitting) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchPlanner p;
        stretch_planner_init(&p, c, n);

        bool seen[64] = { false };
        for (int i = 0; i < 30; i++) {
                int r = stretch_planner_select(&p, PSOAS_ALERT_SITTING);
                ASSERT_GE(r, 0);
                ASSERT_TRUE((size_t)r < n);
                ASSERT_TRUE(fits_sitting(&c[r]));
                seen[r] = true;
        }
        /* Every candidate comes round, and nothing else. */
        for (size_t i = 0; i < n; i++)
                ASSERT_EQ(seen[i], fits_sitting(&c[i]));
        ASSERT_TRUE(seen[default_index("standing-hip-flexor")]);
        ASSERT_TRUE(seen[default_index("standing-quad")]);
        ASSERT_TRUE(seen[default_index("kneeling-hip-flexor")]);
        ASSERT_TRUE(!seen[default_index("couch-stretch")]);
        ASSERT_TRUE(!seen[default_index("glute-bridge")]);
}

TEST(select_sitting_round_robin) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchPlanner p;
        stretch_planner_init(&p, c, n);

        /* In catalog order, wrapping round. */
        int expected[] = {
                (int)default_index("kneeling-hip-flexor"),
                (int)default_index("standing-hip-flexor"),
                (int)default_index("standing-quad"),
        };
        for (int round = 0; round < 4; round++)
                for (size_t i = 0; i < N_ELEMENTS(expected); i++)
                        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_SITTING), expected[i]);
}

TEST(select_tilt) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchPlanner p;
        stretch_planner_init(&p, c, n);

        bool seen[64] = { false };
        for (int i = 0; i < 50; i++) {
                int r = stretch_planner_select(&p, PSOAS_ALERT_TILT);
                ASSERT_GE(r, 0);
                ASSERT_TRUE((size_t)r < n);
                ASSERT_TRUE(fits_tilt(&c[r]));
                seen[r] = true;
        }
        for (size_t i = 0; i < n; i++)
                ASSERT_EQ(seen[i], fits_tilt(&c[i]));
        ASSERT_TRUE(seen[default_index("standing-hip-flexor")]);
        ASSERT_TRUE(seen[default_index("glute-bridge")]);
        ASSERT_TRUE(seen[default_index("plank")]);
        ASSERT_TRUE(seen[default_index("bird-dog")]);
        ASSERT_TRUE(seen[default_index("clamshell")]);
        /* Floor-only hip-flexor work is no answer to tilt while standing. */
        ASSERT_TRUE(!seen[default_index("couch-stretch")]);
}

TEST(select_never_repeats) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchPlanner p;
        stretch_planner_init(&p, c, n);

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
                ASSERT_TRUE(cause == PSOAS_ALERT_SITTING ? fits_sitting(&c[r]) : fits_tilt(&c[r]));
                /* The engine prompts what it selected. */
                stretch_planner_prompted(&p, (uint32_t)r, (int64_t)i * 1000000, WINDOW_S);
                previous = r;
                counts[r]++;
        }
        /* Skipping the previous prompt must not starve anyone. */
        for (size_t i = 0; i < n; i++)
                if (fits_sitting(&c[i]) || fits_tilt(&c[i]))
                        ASSERT_GE(counts[i], 50);
}

TEST(select_across_causes_skips_previous) {
        size_t n;
        const struct psoas_stretch *c = default_catalog(&n);
        StretchPlanner p;
        stretch_planner_init(&p, c, n);

        /* Both causes start with the kneeling stretch; the second alert must not repeat it. */
        int a = stretch_planner_select(&p, PSOAS_ALERT_SITTING);
        int b = stretch_planner_select(&p, PSOAS_ALERT_TILT);
        ASSERT_EQ(a, (int)default_index("kneeling-hip-flexor"));
        ASSERT_TRUE(b >= 0 && b != a);

        /* A prompt made outside select() counts as the previous one too. */
        StretchPlanner q;
        stretch_planner_init(&q, c, n);
        stretch_planner_prompted(&q, (uint32_t)a, 0, WINDOW_S);
        ASSERT_EQ(
                stretch_planner_select(&q, PSOAS_ALERT_SITTING), (int)default_index("standing-hip-flexor"));
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
        /* It is an upright hip-flexor stretch by the desk, so it also answers tilt. */
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_TILT), 0);
}

TEST(select_none_fits) {
        struct psoas_stretch cat[2] = { good_stretch(), good_stretch() };
        /* A hip-flexor stretch on the floor, and a desk stretch for the quadriceps only. */
        cat[0].places = PSOAS_PLACE_FLOOR;
        cat[1].id = "quads";
        cat[1].targets = PSOAS_TARGET_QUADRICEPS;

        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        ASSERT_EQ(stretch_planner_set_catalog(&p, cat, 2), 0);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_SITTING), -ENOENT);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_TILT), -ENOENT);
        ASSERT_EQ(stretch_planner_select(&p, _PSOAS_ALERT_KIND_MAX), -EINVAL);

        /* A hip-flexor stretch by the desk that the sensor cannot check fits sitting, not tilt. */
        cat[0].places = PSOAS_PLACE_DESK;
        cat[0].check = PSOAS_CHECK_NONE;
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_SITTING), 0);
        ASSERT_EQ(stretch_planner_select(&p, PSOAS_ALERT_TILT), -ENOENT);
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
        stretch_planner_prompted(&p, default_index("plank"), 0, WINDOW_S);
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
/* Verification */

TEST(verify_upright) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t sh = default_index("standing-hip-flexor"); /* 30 s per side: 60 s */
        int64_t t = 5000000;
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, sh, t, WINDOW_S);
        ASSERT_TRUE(p.pending);
        ASSERT_EQ(feed(&p, &t, 59.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_TRUE(p.pending);
        ASSERT_EQ(feed(&p, &t, 1.0, PSOAS_POSTURE_STANDING, &idx), 1);
        ASSERT_EQ(idx, sh);
        ASSERT_TRUE(!p.pending);
        ASSERT_TRUE(p.verified);

        /* Only once. */
        ASSERT_EQ(feed(&p, &t, 120.0, PSOAS_POSTURE_STANDING, &idx), 0);

        /* Saying so afterwards does not count it twice. */
        idx = UINT32_MAX;
        ASSERT_EQ(stretch_planner_report(&p, "standing-hip-flexor", &idx), 0);
        ASSERT_EQ(idx, UINT32_MAX);
        ASSERT_EQ(stretch_planner_report(&p, "standing-hip-flexor", &idx), 0);
}

TEST(verify_floor) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t gb = default_index("glute-bridge"); /* 10 reps × 3 s */
        int64_t t = 0;
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, gb, t, WINDOW_S);
        /* Standing does not count for a floor exercise. */
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 29.5, PSOAS_POSTURE_LYING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 0.5, PSOAS_POSTURE_LYING, &idx), 1);
        ASSERT_EQ(idx, gb);
        ASSERT_EQ(stretch_planner_report(&p, "glute-bridge", NULL), 0);

        /* Lying does not count for an upright stretch. */
        uint32_t kn = default_index("kneeling-hip-flexor");
        stretch_planner_prompted(&p, kn, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_LYING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 40.0, PSOAS_POSTURE_STANDING, &idx), 1);
        ASSERT_EQ(idx, kn);
}

TEST(verify_walking_sitting_unknown_dont_count) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        int64_t t = 0;

        stretch_planner_prompted(&p, default_index("standing-quad"), t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_WALKING, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_SITTING, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_UNKNOWN, NULL), 0);
        ASSERT_TRUE(p.pending);
        ASSERT_NEAR(p.seen_s, 0.0, 1e-9);

        stretch_planner_prompted(&p, default_index("plank"), t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_WALKING, NULL), 0);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_SITTING, NULL), 0);
        ASSERT_TRUE(p.pending);
        ASSERT_EQ(feed(&p, &t, 20.0, PSOAS_POSTURE_LYING, NULL), 1);
}

TEST(verify_accumulates_across_pauses) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t kn = default_index("kneeling-hip-flexor"); /* 20 s per side: 40 s */
        int64_t t = 0;
        uint32_t idx = UINT32_MAX;

        /* One side, a shuffle to change sides, the other side. */
        stretch_planner_prompted(&p, kn, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 20.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 3.0, PSOAS_POSTURE_WALKING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 19.9, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 0.1, PSOAS_POSTURE_STANDING, &idx), 1);
        ASSERT_EQ(idx, kn);

        /* Non-positive or NaN intervals add nothing. */
        stretch_planner_prompted(&p, kn, t, WINDOW_S);
        ASSERT_EQ(stretch_planner_update(&p, t + 1, -5.0, PSOAS_POSTURE_STANDING, NULL), 0);
        ASSERT_EQ(stretch_planner_update(&p, t + 2, NAN, PSOAS_POSTURE_STANDING, NULL), 0);
        ASSERT_NEAR(p.seen_s, 0.0, 1e-9);

        /* The interval ending at the first sample after a prompt counts only from the prompt on. */
        stretch_planner_prompted(&p, kn, t, WINDOW_S);
        ASSERT_EQ(stretch_planner_update(&p, t + 5000, 0.010, PSOAS_POSTURE_STANDING, NULL), 0);
        ASSERT_NEAR(p.seen_s, 0.005, 1e-9);
        ASSERT_EQ(stretch_planner_update(&p, t + 15000, 0.010, PSOAS_POSTURE_STANDING, NULL), 0);
        ASSERT_NEAR(p.seen_s, 0.015, 1e-9);
}

TEST(verify_check_none) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t pi = default_index("piriformis");
        int64_t t = 0;
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, pi, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 200.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 200.0, PSOAS_POSTURE_LYING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_SITTING, &idx), 0);
        ASSERT_TRUE(p.pending);
        ASSERT_EQ(stretch_planner_report(&p, "piriformis", &idx), 1);
        ASSERT_EQ(idx, pi);
        ASSERT_TRUE(!p.pending);
}

TEST(verify_expires) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t sh = default_index("standing-hip-flexor");
        int64_t t = 1000000;
        uint32_t idx = UINT32_MAX;

        /* 50 s of the 60 needed inside a 120 s window, then the window closes. */
        stretch_planner_prompted(&p, sh, t, 120.0);
        ASSERT_EQ(feed(&p, &t, 50.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 70.0, PSOAS_POSTURE_SITTING, &idx), 0);
        ASSERT_TRUE(p.pending); /* exactly at the deadline */
        ASSERT_EQ(feed(&p, &t, 60.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_TRUE(!p.pending);
        ASSERT_TRUE(!p.verified);
        ASSERT_EQ(idx, UINT32_MAX);

        /* Not verified, so a late self-report counts. */
        ASSERT_EQ(stretch_planner_report(&p, "standing-hip-flexor", &idx), 1);
        ASSERT_EQ(idx, sh);

        /* A deadline past the end of time saturates rather than wrapping into the past. */
        stretch_planner_prompted(&p, sh, INT64_MAX - 100 * 1000000LL, WINDOW_S);
        ASSERT_EQ(p.deadline_us, INT64_MAX);
        ASSERT_EQ(stretch_planner_update(&p, INT64_MAX - 5, 61.0, PSOAS_POSTURE_STANDING, &idx), 1);
        stretch_planner_prompted(&p, sh, INT64_MIN + 10, WINDOW_S);
        ASSERT_TRUE(p.deadline_us > INT64_MIN + 10);
}

TEST(new_prompt_replaces_old) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t sh = default_index("standing-hip-flexor");
        uint32_t pl = default_index("plank");
        int64_t t = 0;
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, sh, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 50.0, PSOAS_POSTURE_STANDING, &idx), 0);

        /* The plank replaces it: standing no longer counts, and the 50 s seen are gone. */
        stretch_planner_prompted(&p, pl, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 30.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 19.5, PSOAS_POSTURE_LYING, &idx), 0);
        ASSERT_EQ(feed(&p, &t, 0.5, PSOAS_POSTURE_LYING, &idx), 1);
        ASSERT_EQ(idx, pl);

        /* A new prompt for the same stretch clears the verification: it is a new occasion. */
        ASSERT_EQ(stretch_planner_report(&p, "plank", NULL), 0);
        stretch_planner_prompted(&p, pl, t, WINDOW_S);
        ASSERT_TRUE(!p.verified);
        ASSERT_EQ(stretch_planner_report(&p, "plank", &idx), 1);

        /* An index outside the catalog is ignored. */
        stretch_planner_prompted(&p, (uint32_t)p.n, t, WINDOW_S);
        ASSERT_TRUE(!p.pending);
        ASSERT_EQ(p.stretch, pl);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Self-reports */

TEST(report_unknown) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, default_index("plank"), 0, WINDOW_S);
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
        stretch_planner_prompted(&p, default_index("plank"), t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 20.0, PSOAS_POSTURE_LYING, &idx), 1);
        ASSERT_EQ(stretch_planner_report(&p, "bird-dog", &idx), 1);
        ASSERT_EQ(idx, default_index("bird-dog"));
        ASSERT_EQ(stretch_planner_report(&p, "plank", &idx), 0);
}

TEST(report_closes_pending) {
        StretchPlanner p;
        stretch_planner_init(&p, NULL, 0);
        uint32_t sh = default_index("standing-hip-flexor");
        int64_t t = 0;
        uint32_t idx = UINT32_MAX;

        stretch_planner_prompted(&p, sh, t, WINDOW_S);
        ASSERT_EQ(feed(&p, &t, 30.0, PSOAS_POSTURE_STANDING, &idx), 0);
        ASSERT_EQ(stretch_planner_report(&p, "standing-hip-flexor", &idx), 1);
        ASSERT_EQ(idx, sh);
        ASSERT_TRUE(!p.pending);
        /* The sensor no longer verifies it: that would count the same stretch twice. */
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_STANDING, &idx), 0);

        /* Reporting another stretch also answers the prompt. */
        stretch_planner_prompted(&p, sh, t, WINDOW_S);
        ASSERT_EQ(stretch_planner_report(&p, "standing-quad", &idx), 1);
        ASSERT_EQ(idx, default_index("standing-quad"));
        ASSERT_TRUE(!p.pending);
        ASSERT_EQ(feed(&p, &t, 100.0, PSOAS_POSTURE_STANDING, &idx), 0);
}

TEST_MAIN
