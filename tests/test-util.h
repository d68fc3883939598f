/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A minimal test harness. Each TEST(name) registers itself; `test-x NAME` runs one case (tests/meson.build
 * registers every case as its own test by scanning the source for lines starting with "TEST("), `test-x` runs them all.
 * A failed check prints where and why and exits 1; exit 77 means skipped.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TestCase {
        const char *name;
        void (*func)(void);
} TestCase;

#define TEST_MAX_CASES 256
extern TestCase test_cases[TEST_MAX_CASES];
extern unsigned test_n_cases;

#define TEST(name)                                                                                          \
        static void test_##name(void);                                                                      \
        __attribute__((constructor)) static void test_register_##name(void) {                               \
                if (test_n_cases < TEST_MAX_CASES)                                                          \
                        test_cases[test_n_cases++] = (TestCase){ #name, test_##name };                      \
        }                                                                                                   \
        static void test_##name(void)

#define TEST_FAIL(...)                                                                                      \
        do {                                                                                                \
                fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                             \
                fprintf(stderr, __VA_ARGS__);                                                               \
                fputc('\n', stderr);                                                                        \
                exit(EXIT_FAILURE);                                                                         \
        } while (0)

#define ASSERT_TRUE(expr)                                                                                   \
        do {                                                                                                \
                if (!(expr))                                                                                \
                        TEST_FAIL("assertion failed: %s", #expr);                                           \
        } while (0)

#define ASSERT_EQ(a, b)                                                                                     \
        do {                                                                                                \
                long long _a = (long long)(a), _b = (long long)(b);                                         \
                if (_a != _b)                                                                               \
                        TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);                                \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                                  \
        do {                                                                                                \
                const char *_a = (a), *_b = (b);                                                            \
                if (!_a || !_b || strcmp(_a, _b) != 0)                                                      \
                        TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, _a ? _a : "(null)",                 \
                                _b ? _b : "(null)");                                                        \
        } while (0)

#define ASSERT_NEAR(a, b, tolerance)                                                                        \
        do {                                                                                                \
                double _a = (double)(a), _b = (double)(b), _t = (double)(tolerance);                        \
                if (!(fabs(_a - _b) <= _t))                                                                 \
                        TEST_FAIL("%s ≈ %s: %g vs %g (tolerance %g)", #a, #b, _a, _b, _t);                  \
        } while (0)

#define ASSERT_LE(a, b)                                                                                     \
        do {                                                                                                \
                double _a = (double)(a), _b = (double)(b);                                                  \
                if (!(_a <= _b))                                                                            \
                        TEST_FAIL("%s <= %s: %g > %g", #a, #b, _a, _b);                                     \
        } while (0)

#define ASSERT_GE(a, b)                                                                                     \
        do {                                                                                                \
                double _a = (double)(a), _b = (double)(b);                                                  \
                if (!(_a >= _b))                                                                            \
                        TEST_FAIL("%s >= %s: %g < %g", #a, #b, _a, _b);                                     \
        } while (0)

#if __has_include("build-config.h")
#include "build-config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "(version unknown)"
#endif

/* --version and --help, as every psoas program answers them (common/cli.h): the cases are the help. */
static inline int test_answer_help_version(int argc, char **argv) {
        const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

        if (argc != 2)
                return 0;
        if (strcmp(argv[1], "--version") == 0) {
                printf("%s %s\n", name, PACKAGE_VERSION);
                return 1;
        }
        if (strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0)
                return 0;
        printf("Usage: %s [CASE]\nRuns one test case, or all of them. The cases:\n", name);
        for (unsigned i = 0; i < test_n_cases; i++)
                printf("  %s\n", test_cases[i].name);
        return 1;
}

/* Put TEST_MAIN once per test executable, after the cases. */
#define TEST_MAIN                                                                                           \
        TestCase test_cases[TEST_MAX_CASES];                                                                \
        unsigned test_n_cases;                                                                              \
        int main(int argc, char **argv) {                                                                   \
                unsigned ran = 0;                                                                           \
                if (test_answer_help_version(argc, argv))                                                   \
                        return EXIT_SUCCESS;                                                                \
                for (unsigned i = 0; i < test_n_cases; i++) {                                               \
                        if (argc > 1 && strcmp(argv[1], test_cases[i].name) != 0)                           \
                                continue;                                                                   \
                        fprintf(stderr, "== %s\n", test_cases[i].name);                                     \
                        test_cases[i].func();                                                               \
                        ran++;                                                                              \
                }                                                                                           \
                if (ran == 0) {                                                                             \
                        fprintf(stderr, "no test case named '%s'\n", argc > 1 ? argv[1] : "");              \
                        return EXIT_FAILURE;                                                                \
                }                                                                                           \
                return EXIT_SUCCESS;                                                                        \
        }
