/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/catalog.h"
#include "daemon/config.h"
#include "test-util.h"

#define NAME "cat.json"

/* The catalog of lib/gen-catalog's own tests (tests/unit/gen-catalog-tests.py), to break one piece at a
 * time. */
static const char good[] = "{\n"
                           "  \"version\": 1,\n"
                           "  \"stretches\": [\n"
                           "    {\n"
                           "      \"id\": \"first\",\n"
                           "      \"title\": \"First\",\n"
                           "      \"muscles\": \"psoas\",\n"
                           "      \"places\": [\"desk\"],\n"
                           "      \"targets\": [\"hip-flexors\"],\n"
                           "      \"check\": \"upright\",\n"
                           "      \"hold_seconds\": [20, 30],\n"
                           "      \"per_side\": true,\n"
                           "      \"instructions\": \"Stand. Stretch.\",\n"
                           "      \"safety\": \"Stop on sharp pain.\"\n"
                           "    },\n"
                           "    {\n"
                           "      \"id\": \"second\",\n"
                           "      \"title\": \"Second\",\n"
                           "      \"muscles\": \"gluteus maximus\",\n"
                           "      \"places\": [\"floor\"],\n"
                           "      \"targets\": [\"glutes\", \"core\"],\n"
                           "      \"check\": \"floor\",\n"
                           "      \"reps\": [10, 12],\n"
                           "      \"per_side\": false,\n"
                           "      \"instructions\": \"Lie down. Lift.\",\n"
                           "      \"safety\": \"Stop on sharp pain.\"\n"
                           "    }\n"
                           "  ]\n"
                           "}\n";

/* good with the first occurrence of from replaced by to; fails the test when from is not in it. */
static char *edit(const char *from, const char *to) {
        const char *at = strstr(good, from);
        size_t n;
        char *s;

        if (!at)
                TEST_FAIL("'%s' is not in the good catalog", from);
        n = strlen(good) - strlen(from) + strlen(to);
        s = malloc(n + 1);
        ASSERT_TRUE(s);
        snprintf(s, n + 1, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
        return s;
}

/* Parses exactly size bytes (a copy, so that ASan sees a read past the end). */
static int parse(const char *data, size_t size, Catalog **ret, char **ret_error) {
        char *copy = malloc(size ? size : 1);
        int r;

        ASSERT_TRUE(copy);
        memcpy(copy, data, size);
        r = catalog_parse(NAME, copy, size, ret, ret_error);
        free(copy);
        return r;
}

static Catalog *parse_ok(const char *json) {
        char *error = NULL;
        Catalog *c = NULL;

        if (parse(json, strlen(json), &c, &error) < 0)
                TEST_FAIL("refused: %s", error);
        ASSERT_TRUE(c);
        ASSERT_TRUE(error == NULL);
        return c;
}

static void parse_fails(const char *json, const char *expected_error) {
        Catalog *c = (Catalog *)0x1;
        char *error = NULL;

        ASSERT_EQ(parse(json, strlen(json), &c, &error), -EINVAL);
        ASSERT_TRUE(c == (Catalog *)0x1);
        ASSERT_STREQ(error, expected_error);
        free(error);
}

/* Edits the good catalog and expects exactly this message. */
static void edit_fails(const char *from, const char *to, const char *expected_error) {
        char *json = edit(from, to);

        parse_fails(json, expected_error);
        free(json);
}

static void assert_stretch_equal(const struct psoas_stretch *a, const struct psoas_stretch *b) {
        ASSERT_STREQ(a->id, b->id);
        ASSERT_STREQ(a->title, b->title);
        ASSERT_STREQ(a->muscles, b->muscles);
        ASSERT_STREQ(a->instructions, b->instructions);
        ASSERT_STREQ(a->safety, b->safety);
        ASSERT_EQ(a->hold_min_s, b->hold_min_s);
        ASSERT_EQ(a->hold_max_s, b->hold_max_s);
        ASSERT_EQ(a->reps_min, b->reps_min);
        ASSERT_EQ(a->reps_max, b->reps_max);
        ASSERT_EQ(a->per_side, b->per_side);
        ASSERT_EQ(a->places, b->places);
        ASSERT_EQ(a->targets, b->targets);
        ASSERT_EQ(a->check, b->check);
}

TEST(shipped_catalog_equals_builtin) {
        const char *path = getenv("PSOAS_TEST_CATALOG");
        const struct psoas_stretch *builtin;
        char *error = NULL;
        Catalog *c = NULL;
        size_t n;

        if (!path)
                TEST_FAIL("$PSOAS_TEST_CATALOG is not set (run the test through meson)");
        if (catalog_load(path, &c, &error) < 0)
                TEST_FAIL("%s", error);
        ASSERT_TRUE(error == NULL);

        builtin = psoas_stretch_default_catalog(&n);
        ASSERT_TRUE(n > 0);
        ASSERT_EQ(c->n, n);
        for (size_t i = 0; i < n; i++) {
                fprintf(stderr, "stretches[%zu]: %s\n", i, builtin[i].id);
                assert_stretch_equal(&c->stretches[i], &builtin[i]);
                /* The catalog owns its strings. */
                ASSERT_TRUE(c->stretches[i].id != builtin[i].id);
        }
        ASSERT_TRUE(catalog_free(c) == NULL);
        ASSERT_TRUE(catalog_free(NULL) == NULL);
}

TEST(good_catalog) {
        Catalog *c = parse_ok(good);
        const struct psoas_stretch first = {
                .id = "first",
                .title = "First",
                .muscles = "psoas",
                .instructions = "Stand. Stretch.",
                .safety = "Stop on sharp pain.",
                .hold_min_s = 20,
                .hold_max_s = 30,
                .per_side = true,
                .places = PSOAS_PLACE_DESK,
                .targets = PSOAS_TARGET_HIP_FLEXORS,
                .check = PSOAS_CHECK_UPRIGHT,
        };
        const struct psoas_stretch second = {
                .id = "second",
                .title = "Second",
                .muscles = "gluteus maximus",
                .instructions = "Lie down. Lift.",
                .safety = "Stop on sharp pain.",
                .reps_min = 10,
                .reps_max = 12,
                .per_side = false,
                .places = PSOAS_PLACE_FLOOR,
                .targets = PSOAS_TARGET_GLUTES | PSOAS_TARGET_CORE,
                .check = PSOAS_CHECK_FLOOR,
        };

        ASSERT_EQ(c->n, 2);
        assert_stretch_equal(&c->stretches[0], &first);
        assert_stretch_equal(&c->stretches[1], &second);
        catalog_free(c);

        /* Comments, every place and target, the widest ranges, non-ASCII text. */
        c = parse_ok("{\"$comment\": \"x\", \"version\": 1, \"stretches\": [{\"$comment\": \"y\", \"id\": "
                     "\"a-1\", \"title\": \"Ünïcode — fine\", \"muscles\": \"m\", \"places\": [\"floor\", "
                     "\"desk\"], \"targets\": [\"piriformis\", \"core\", \"glutes\", \"quadriceps\", "
                     "\"hip-flexors\"], \"check\": \"none\", \"reps\": [1, 4294967295], \"per_side\": true, "
                     "\"instructions\": \"i\", \"safety\": \"s\"}]}");
        ASSERT_EQ(c->n, 1);
        ASSERT_STREQ(c->stretches[0].title, "Ünïcode — fine");
        ASSERT_EQ(c->stretches[0].places, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR);
        ASSERT_EQ(c->stretches[0].targets,
                PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_QUADRICEPS | PSOAS_TARGET_GLUTES |
                        PSOAS_TARGET_CORE | PSOAS_TARGET_PIRIFORMIS);
        ASSERT_EQ(c->stretches[0].check, PSOAS_CHECK_NONE);
        ASSERT_EQ(c->stretches[0].reps_min, 1);
        ASSERT_EQ(c->stretches[0].reps_max, UINT32_MAX);
        catalog_free(c);
}

TEST(duplicate_id) {
        edit_fails("\"id\": \"second\"", "\"id\": \"first\"",
                NAME ": stretches[1].id: duplicate of stretches[0] (stretch 'first')");
}

TEST(both_hold_and_reps) {
        edit_fails("\"hold_seconds\": [20, 30],", "\"hold_seconds\": [20, 30], \"reps\": [1, 2],",
                NAME ": stretches[0].reps: give either hold_seconds or reps, not both (stretch 'first')");
        edit_fails("\"hold_seconds\": [20, 30],", "",
                NAME
                ": stretches[0].hold_seconds: missing: give either hold_seconds or reps (stretch 'first')");
}

#define KNOWN_CHECKS                                                                                        \
        "\"none\", \"upright\", \"floor\", \"standing-tuck\", \"kneeling-tuck\", \"one-leg-tuck\", "        \
        "\"standing-hinge\", \"seated-hinge\", \"bridge-reps\", \"side-lying-reps\", "                      \
        "\"all-fours-alternating\", \"prone-hold\", \"walking\""

TEST(unknown_check) {
        edit_fails("\"check\": \"floor\"", "\"check\": \"standing\"",
                NAME ": stretches[1].check: unknown value \"standing\" (known: " KNOWN_CHECKS ") (stretch "
                     "'second')");
        edit_fails("\"check\": \"floor\"", "\"check\": null",
                NAME ": stretches[1].check: unknown value null (known: " KNOWN_CHECKS
                     ") (stretch 'second')");
        /* A signature that counts repetitions cannot time a hold. */
        edit_fails("\"check\": \"upright\"", "\"check\": \"bridge-reps\"",
                NAME
                ": stretches[0].check: \"bridge-reps\" counts repetitions: give reps (stretch 'first')");
        edit_fails("\"check\": \"floor\"", "\"check\": \"prone-hold\"",
                NAME
                ": stretches[1].check: \"prone-hold\" times a hold: give hold_seconds (stretch 'second')");
}

/* A catalog of n copies of one entry, with ids s0, s1, ... */
static char *catalog_of(size_t n) {
        static const char entry[] =
                "{\"id\": \"s%zu\", \"title\": \"T\", \"muscles\": \"m\", \"places\": "
                "[\"desk\"], \"targets\": [\"core\"], \"check\": \"none\", \"reps\": [1, 2], "
                "\"per_side\": false, \"instructions\": \"i\", \"safety\": \"s\"}";
        size_t size = 64 + n * (sizeof(entry) + 16), len;
        char *s = malloc(size);

        ASSERT_TRUE(s);
        len = (size_t)snprintf(s, size, "{\"version\": 1, \"stretches\": [");
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        len += (size_t)snprintf(s + len, size - len, ", ");
                len += (size_t)snprintf(s + len, size - len, entry, i);
        }
        snprintf(s + len, size - len, "]}");
        return s;
}

TEST(too_many_entries) {
        char *json = catalog_of(256);
        Catalog *c = parse_ok(json);

        ASSERT_EQ(c->n, 256);
        ASSERT_STREQ(c->stretches[255].id, "s255");
        catalog_free(c);
        free(json);

        json = catalog_of(257);
        parse_fails(json, NAME ": stretches: at most 256 stretches, got 257");
        free(json);
}

TEST(string_too_long) {
        char *text = malloc(4098 + 2), *json;
        Catalog *c;

        ASSERT_TRUE(text);
        /* 4096 bytes are accepted, 4097 are not. */
        snprintf(text, 4100, "\"%0*d\"", 4096, 0);
        json = edit("\"Lie down. Lift.\"", text);
        c = parse_ok(json);
        ASSERT_EQ(strlen(c->stretches[1].instructions), 4096);
        catalog_free(c);
        free(json);

        snprintf(text, 4100, "\"%0*d\"", 4097, 0);
        edit_fails("\"Lie down. Lift.\"", text,
                NAME
                ": stretches[1].instructions: must be at most 4096 bytes long, got 4097 (stretch 'second')");
        free(text);
}

/* The cases of tests/unit/gen-catalog-tests.py, which the build-time checker refuses as well. */
TEST(broken_catalogs) {
        static const struct {
                const char *from, *to, *error;
        } cases[] = {
                { "\"version\": 1,", "\"version\": 1, \"extra\": 1,", "extra: unknown key" },
                { "\"version\": 1,", "", "version: missing" },
                { "\"version\": 1,", "\"version\": 2,", "version: only version 1 is known, got 2" },
                { "\"version\": 1,", "\"version\": 1.0,", "version: only version 1 is known, got 1.0" },
                { "\"version\": 1,", "\"version\": true,", "version: only version 1 is known, got true" },
                { "\"version\": 1,", "\"version\": 1, \"$comment\": 5,",
                        "$comment: must be a string, got number" },
                { "\"version\": 1,", "\"version\": 1, \"$comment\": \" \",", "$comment: must not be empty" },
                { "\"id\": \"first\",", "\"id\": \"first\", \"hold\": [1, 2],",
                        "stretches[0].hold: unknown key (stretch 'first')" },
                { "\"title\": \"Second\",", "", "stretches[1].title: missing (stretch 'second')" },
                { "\"id\": \"second\",", "", "stretches[1].id: missing" },
                { "\"per_side\": true,", "", "stretches[0].per_side: missing (stretch 'first')" },
                { "\"title\": \"First\"", "\"title\": 7",
                        "stretches[0].title: must be a string, got number (stretch 'first')" },
                { "\"muscles\": \"psoas\"", "\"muscles\": \" \"",
                        "stretches[0].muscles: must not be empty (stretch 'first')" },
                /* Python's strip() also takes Unicode spaces away. */
                { "\"muscles\": \"psoas\"", "\"muscles\": \"\\u00a0\\u3000\"",
                        "stretches[0].muscles: must not be empty (stretch 'first')" },
                { "\"Lie down. Lift.\"", "\"Lie\\ndown.\"",
                        "stretches[1].instructions: must not contain control characters (newlines, tabs, "
                        "NUL) "
                        "(stretch 'second')" },
                { "\"safety\": \"Stop on sharp pain.\"\n    }\n  ]",
                        "\"safety\": \"Stop\\u0000\"\n    }\n  ]",
                        "stretches[1].safety: must not contain control characters (newlines, tabs, NUL) "
                        "(stretch "
                        "'second')" },
                { "\"id\": \"first\"", "\"id\": \"First\"",
                        "stretches[0].id: may contain only a-z, 0-9 and '-', got \"First\"" },
                { "\"id\": \"second\"", "\"id\": \"sec_ond\"",
                        "stretches[1].id: may contain only a-z, 0-9 and '-', got \"sec_ond\"" },
                { "\"id\": \"second\"", "\"id\": \"\"", "stretches[1].id: must not be empty" },
                { "\"id\": \"second\"", "\"id\": 2", "stretches[1].id: must be a string, got number" },
                { "\"reps\": [10, 12]", "\"reps\": [12, 10]",
                        "stretches[1].reps: min 12 is greater than max 10 (stretch 'second')" },
                { "[20, 30]", "[31, 30]",
                        "stretches[0].hold_seconds: min 31 is greater than max 30 (stretch 'first')" },
                { "[20, 30]", "[30]",
                        "stretches[0].hold_seconds: must be [min, max], got [30] (stretch 'first')" },
                { "[20, 30]", "[1, 2, 3]",
                        "stretches[0].hold_seconds: must be [min, max], got [1,2,3] (stretch 'first')" },
                { "[20, 30]", "30",
                        "stretches[0].hold_seconds: must be [min, max], got 30 (stretch 'first')" },
                { "[20, 30]", "[20.5, 30]",
                        "stretches[0].hold_seconds: min must be an integer, got 20.5 (stretch 'first')" },
                { "[10, 12]", "[true, 12]",
                        "stretches[1].reps: min must be an integer, got boolean (stretch 'second')" },
                { "[10, 12]", "[0, 12]",
                        "stretches[1].reps: min must be between 1 and 4294967295, got 0 (stretch "
                        "'second')" },
                { "[10, 12]", "[1, 4294967296]",
                        "stretches[1].reps: max must be between 1 and 4294967295, got 4294967296 (stretch "
                        "'second')" },
                { "\"per_side\": true", "\"per_side\": \"yes\"",
                        "stretches[0].per_side: must be true or false, got \"yes\" (stretch 'first')" },
                { "\"per_side\": true", "\"per_side\": 1",
                        "stretches[0].per_side: must be true or false, got 1 (stretch 'first')" },
                { "[\"desk\"]", "[\"desk\", \"kitchen\"]",
                        "stretches[0].places: unknown value \"kitchen\" (known: \"desk\", \"floor\") "
                        "(stretch "
                        "'first')" },
                { "[\"desk\"]", "[]",
                        "stretches[0].places: must be a non-empty array of \"desk\", \"floor\", got [] "
                        "(stretch "
                        "'first')" },
                { "[\"desk\"]", "[\"desk\", \"desk\"]",
                        "stretches[0].places: \"desk\" is listed twice (stretch 'first')" },
                { "[\"desk\"]", "\"desk\"",
                        "stretches[0].places: must be a non-empty array of \"desk\", \"floor\", got "
                        "\"desk\" "
                        "(stretch 'first')" },
                { "[\"glutes\", \"core\"]", "[\"abs\"]",
                        "stretches[1].targets: unknown value \"abs\" (known: \"hip-flexors\", "
                        "\"quadriceps\", "
                        "\"glutes\", \"core\", \"piriformis\", \"hamstrings\") (stretch 'second')" },
                { "[\"glutes\", \"core\"]", "[]",
                        "stretches[1].targets: must be a non-empty array of \"hip-flexors\", "
                        "\"quadriceps\", "
                        "\"glutes\", \"core\", \"piriformis\", \"hamstrings\", got [] (stretch 'second')" },
                { "[\"glutes\", \"core\"]", "[[\"core\"]]",
                        "stretches[1].targets: unknown value [\"core\"] (known: \"hip-flexors\", "
                        "\"quadriceps\", "
                        "\"glutes\", \"core\", \"piriformis\", \"hamstrings\") (stretch 'second')" },
                { "\"title\": \"Second\",", "\"title\": \"Second\", \"title\": \"Again\",",
                        "stretches[1].title: given more than once, twice on line 18" },
                { "{\n  \"version\": 1,", "{\n  \"version\": 1, \"version\": 1,",
                        "version: given more than once, twice on line 2" },
                { "\"stretches\": [", "\"stretches\": {",
                        ":4:5: not valid JSON: quoted object property name expected" },
                { "[20, 30]", "[NaN, 30]", ":11:24: not valid JSON: NaN and Infinity are not JSON numbers" },
                { "\"stretches\": [\n", "\"stretches\": \"\xff\",\n",
                        ":3:17: not valid JSON: invalid utf-8 string" },
        };
        char expected[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(expected, sizeof(expected), NAME "%s%s", cases[i].error[0] == ':' ? "" : ": ",
                        cases[i].error);
                edit_fails(cases[i].from, cases[i].to, expected);
        }

        parse_fails("{\"version\": 1, \"stretches\": []}",
                NAME ": stretches: must be a non-empty array, got []");
        parse_fails("{\"version\": 1, \"stretches\": {}}",
                NAME ": stretches: must be a non-empty array, got {}");
        parse_fails("{\"version\": 1, \"stretches\": [\"nope\"]}",
                NAME ": stretches[0]: must be an object, got string");
        parse_fails("{\"version\": 1}", NAME ": stretches: missing");
        parse_fails("[{\"version\": 1}]", NAME ": top level: must be an object, got array");
}

TEST(missing_file) {
        char *error = NULL;
        Catalog *c = NULL;

        ASSERT_EQ(catalog_load("/nonexistent/stretches.json", &c, &error), -ENOENT);
        ASSERT_TRUE(c == NULL);
        ASSERT_STREQ(error, "/nonexistent/stretches.json: No such file or directory");
        free(error);
}

/* Arbitrary bytes: refused or accepted, never a crash or a leak. See test-config-file.c. */
static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rng(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1Du;
}

TEST(random_mutations_are_safe) {
        static const char *const tokens[] = { "{", "}", "[", "]", "\"", "\\", ",", ":", "\\u", "\\udfff",
                "Infinity", "-1", "4294967296", "null", "\"id\"", "\"reps\"", "\"x\"", "\x01", "\xff",
                "\xf0\x9f\x98" };
        size_t size = strlen(good), accepted = 0, refused = 0;
        char *buf = malloc(size + 256);

        ASSERT_TRUE(buf);
        for (int i = 0; i < 3000; i++) {
                size_t n = size;
                char *error = NULL;
                Catalog *c = NULL;
                int r;

                memcpy(buf, good, size);
                for (int k = (int)(rng() % 3); k >= 0; k--) {
                        size_t at = n ? rng() % n : 0;
                        const char *t = tokens[rng() % (sizeof(tokens) / sizeof(tokens[0]))];
                        size_t tn = strlen(t);

                        switch (rng() % 3) {
                        case 0:
                                if (n)
                                        buf[at] = (char)rng();
                                break;
                        case 1:
                                memmove(buf + at + tn, buf + at, n - at);
                                memcpy(buf + at, t, tn);
                                n += tn;
                                break;
                        default: {
                                size_t cut = n - at ? rng() % (n - at) % 32 + 1 : 0;
                                memmove(buf + at, buf + at + cut, n - at - cut);
                                n -= cut;
                        }
                        }
                }
                r = parse(buf, n, &c, &error);
                if (r >= 0) {
                        ASSERT_TRUE(error == NULL);
                        for (size_t k = 0; k < c->n; k++)
                                ASSERT_EQ(psoas_stretch_validate(&c->stretches[k], NULL), 0);
                        accepted++;
                } else {
                        ASSERT_TRUE(error);
                        ASSERT_TRUE(strncmp(error, NAME, strlen(NAME)) == 0);
                        ASSERT_TRUE(!strchr(error, '\n'));
                        refused++;
                }
                catalog_free(c);
                free(error);
        }
        ASSERT_TRUE(accepted > 0);
        ASSERT_TRUE(refused > 0);
        free(buf);
}

TEST_MAIN
