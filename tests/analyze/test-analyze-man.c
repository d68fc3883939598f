/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * psoas-analyze(1) against common/engine-keys.c and libpsoas: each option that sets an engine number is
 * documented as
 *   *--OPTION*=_METAVAR_
 *           text … (default D, from MIN to MAX UNIT).
 * with the default, range and unit the program uses, so that the page cannot drift from lib/config.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-keys.h"
#include "macro.h"
#include "test-util.h"

static char *read_man_page(const char **ret_path) {
        const char *path = getenv("PSOAS_TEST_MAN_PAGE");
        char *page;
        long size;
        FILE *f;

        ASSERT_TRUE(path);
        f = fopen(path, "re");
        if (!f)
                TEST_FAIL("%s: cannot open", path);
        ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
        size = ftell(f);
        ASSERT_TRUE(size > 0);
        rewind(f);
        page = calloc(1, (size_t)size + 1);
        ASSERT_TRUE(page);
        ASSERT_EQ(fread(page, 1, (size_t)size, f), size);
        fclose(f);
        *ret_path = path;
        return page;
}

/* The option's paragraph: from its "*--OPTION*=" line to the next blank line. */
static char *option_paragraph(const char *page, const char *option) {
        char head[64];
        const char *found, *end;
        size_t offset, length;

        snprintf(head, sizeof(head), "\n*--%s*=", option);
        found = strstr(page, head);
        if (!found)
                return NULL;
        offset = (size_t)(found - page) + 1;
        end = strstr(page + offset, "\n\n");
        length = end ? (size_t)(end - page) - offset : strlen(page + offset);
        return strndup(page + offset, length);
}

/* What the page must say of k: "(default D, from MIN to MAX UNIT)". */
static void expected_synopsis(const EngineKey *k, char *buf, size_t size) {
        struct psoas_config defaults;
        double min, max;

        psoas_config_init(PSOAS_SIZED(&defaults));
        ASSERT_EQ(engine_key_range(k, &min, &max), 0);
        snprintf(buf, size, "(default %g, from %g to %g %s)", engine_key_get(k, &defaults), min, max,
                k->unit);
}

TEST(man_page_gives_each_engine_option_its_default_range_and_unit) {
        const char *path;
        char *text = read_man_page(&path);
        unsigned n = 0;

        for (size_t i = 0; i < engine_keys_count; i++) {
                const EngineKey *k = &engine_keys[i];
                char expected[128], *paragraph;

                if (!k->option)
                        continue;
                paragraph = option_paragraph(text, k->option);
                if (!paragraph)
                        TEST_FAIL("%s: --%s is not documented", path, k->option);
                expected_synopsis(k, expected, sizeof(expected));
                if (!strstr(paragraph, expected))
                        TEST_FAIL("%s: --%s must say %s (common/engine-keys.c, lib/config.c); it says:\n%s",
                                path, k->option, expected, paragraph);
                free(paragraph);
                n++;
        }
        /* The options exist at all: otherwise the loop checked nothing. */
        ASSERT_TRUE(n >= 5);
        free(text);
}

/* The check itself: a paragraph with another default, range or unit does not contain the expected text. */
TEST(a_wrong_default_is_caught) {
        const EngineKey *k = engine_key_by_name("sitting.alert_minutes");
        char expected[128];

        ASSERT_TRUE(k);
        expected_synopsis(k, expected, sizeof(expected));
        ASSERT_STREQ(expected, "(default 30, from 1 to 1440 minutes)");
        ASSERT_TRUE(!strstr("after this long (default 31, from 1 to 1440 minutes).", expected));
        ASSERT_TRUE(!strstr("after this long (default 30, from 1 to 1440 seconds).", expected));
}

TEST_MAIN
