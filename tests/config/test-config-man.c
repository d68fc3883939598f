/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * psoasd.json(5) against the configuration table (daemon/config-keys.c): each key's line in the man page,
 *   *section.key* (SYNOPSIS)
 * (or several keys sharing one synopsis: *a.x*, *a.y* (SYNOPSIS)) must give the synopsis the table makes of the
 * key's type, unit, default and range, and the page must document no key the table does not have.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "daemon/config.h"
#include "test-util.h"

#define DOCUMENTED_MAX 128

typedef struct Documented {
        char *key;
        char *synopsis;
        unsigned line;
} Documented;

static Documented documented[DOCUMENTED_MAX];
static size_t n_documented;
static const char *man_path;

static void documented_clear(void) {
        for (size_t i = 0; i < n_documented; i++) {
                free(documented[i].key);
                free(documented[i].synopsis);
        }
        n_documented = 0;
}

/* "*section.key*" at p: its length, or 0. */
static size_t key_length(const char *p) {
        const char *q = p + 1, *dot = NULL;

        if (*p != '*')
                return 0;
        for (; *q && *q != '*'; q++) {
                if (*q == '.')
                        dot = q;
                else if (!((*q >= 'a' && *q <= 'z') || *q == '_'))
                        return 0;
        }
        if (*q != '*' || !dot || dot == p + 1 || dot + 1 == q)
                return 0;
        return (size_t)(q - p) + 1;
}

/* Adds the keys of a line "*a.b*, *a.c* (SYNOPSIS)"; other lines are prose. */
static void parse_line(const char *line, unsigned number) {
        const char *keys[8], *p = line, *synopsis;
        size_t lengths[8], n = 0, len;

        while ((len = key_length(p)) > 0 && n < ELEMENTSOF(keys)) {
                keys[n] = p;
                lengths[n++] = len;
                p += len;
                if (strncmp(p, ", ", 2) != 0)
                        break;
                p += 2;
        }
        if (n == 0 || strncmp(p, " (", 2) != 0)
                return;
        synopsis = p + 2;
        len = strlen(synopsis);
        if (len == 0 || synopsis[len - 1] != ')')
                return;

        for (size_t i = 0; i < n; i++) {
                ASSERT_TRUE(n_documented < DOCUMENTED_MAX);
                documented[n_documented++] = (Documented){
                        .key = strndup(keys[i] + 1, lengths[i] - 2),
                        .synopsis = strndup(synopsis, len - 1),
                        .line = number,
                };
        }
}

static void read_man_page(void) {
        char *line = NULL;
        size_t size = 0;
        unsigned number = 0;
        FILE *f;

        man_path = getenv("PSOAS_TEST_MAN_PAGE");
        ASSERT_TRUE(man_path);
        f = fopen(man_path, "re");
        if (!f)
                TEST_FAIL("%s: %s", man_path, strerror(errno));
        while (getline(&line, &size, f) >= 0) {
                line[strcspn(line, "\n")] = '\0';
                parse_line(line, ++number);
        }
        free(line);
        fclose(f);
        /* The page documents keys in this form at all: otherwise the checks below would pass on nothing. */
        ASSERT_TRUE(n_documented >= 20);
}

static const Documented *find_documented(const char *key) {
        for (size_t i = 0; i < n_documented; i++)
                if (strcmp(documented[i].key, key) == 0)
                        return &documented[i];
        return NULL;
}

static int check_key(const char *key, const char *synopsis, void *userdata) {
        const Documented *d = find_documented(key);
        unsigned *n_checked = userdata;

        if (!d)
                TEST_FAIL("%s: key %s is not documented; add a line:\n*%s* (%s)", man_path, key, key,
                        synopsis);
        if (strcmp(d->synopsis, synopsis) != 0)
                TEST_FAIL("%s:%u: %s disagrees with the configuration table (daemon/config-keys.c):\n"
                          "  page:  (%s)\n  table: (%s)",
                        man_path, d->line, key, d->synopsis, synopsis);
        (*n_checked)++;
        return 0;
}

TEST(man_page_gives_each_key_its_type_unit_default_and_range) {
        unsigned n_checked = 0;

        read_man_page();
        ASSERT_EQ(config_keys_foreach(check_key, &n_checked), 0);
        ASSERT_EQ(n_checked, n_documented);
}

static int mark_known(const char *key, const char *synopsis, void *userdata) {
        bool *known = userdata;

        for (size_t i = 0; i < n_documented; i++)
                if (strcmp(documented[i].key, key) == 0)
                        known[i] = true;
        return 0;
}

TEST(man_page_documents_no_key_the_table_lacks) {
        bool known[DOCUMENTED_MAX] = {};

        read_man_page();
        ASSERT_EQ(config_keys_foreach(mark_known, known), 0);
        for (size_t i = 0; i < n_documented; i++)
                if (!known[i])
                        TEST_FAIL("%s:%u: %s is not a configuration key (daemon/config-keys.c has no such "
                                  "key)",
                                man_path, documented[i].line, documented[i].key);
}

/* Counts the keys the page documents with another synopsis than the table's. */
static int count_disagreements(const char *key, const char *synopsis, void *userdata) {
        const Documented *d = find_documented(key);
        unsigned *n = userdata;

        if (d && strcmp(d->synopsis, synopsis) != 0)
                (*n)++;
        return 0;
}

/* The comparison itself, on the real table: a line that differs in its default, range, unit or type is caught. */
TEST(a_wrong_synopsis_is_caught) {
        static const char *const wrong[] = {
                "*sitting.alert_minutes* (number, in minutes, default *31*, from *1* to *1440*)",
                "*sitting.alert_minutes* (number, in minutes, default *30*, from *1* to *1441*)",
                "*sitting.alert_minutes* (number, in seconds, default *30*, from *1* to *1440*)",
                "*state.keep_days* (number, in days, default *90*, from *1* to *3650*)",
        };
        unsigned n = 0;

        documented_clear();
        parse_line("*sitting.alert_minutes* (number, in minutes, default *30*, from *1* to *1440*)", 1);
        ASSERT_EQ(n_documented, 1);
        ASSERT_EQ(config_keys_foreach(count_disagreements, &n), 0);
        ASSERT_EQ(n, 0);

        for (size_t i = 0; i < ELEMENTSOF(wrong); i++) {
                n = 0;
                documented_clear();
                parse_line(wrong[i], 1);
                ASSERT_EQ(n_documented, 1);
                ASSERT_EQ(config_keys_foreach(count_disagreements, &n), 0);
                ASSERT_EQ(n, 1);
        }
        documented_clear();
}

TEST_MAIN
