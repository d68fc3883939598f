/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the fuzz targets. Each target is one LLVMFuzzerTestOneInput() in its own file, linked either with
 * libFuzzer (meson -Dfuzz=true, clang) or with replay-main.c (every other build). A target checks more than
 * "does not crash": when what the code under test returns breaks a documented rule, FUZZ_ASSERT() aborts,
 * which both drivers report as a failure with the input that caused it.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(expr)                                                                                   \
        do {                                                                                                \
                if (!(expr)) {                                                                              \
                        fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #expr);       \
                        abort();                                                                            \
                }                                                                                           \
        } while (0)
