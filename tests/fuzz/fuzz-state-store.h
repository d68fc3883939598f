/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * For the state targets: one StateStore for the whole run, in a fresh folder on a tmpfs (/dev/shm, else
 * $TMPDIR or /tmp), where the atomic writes' fsync() calls cost nothing. The folder and what the targets write in
 * it are removed at exit.
 */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/state.h"
#include "fuzz.h"

static char fuzz_store_directory[PATH_MAX];
static StateStore *fuzz_store;

/* Removes every file of one level of a folder, then the folder. */
static void fuzz_remove_flat(const char *path) {
        DIR *d = opendir(path);

        if (d) {
                for (struct dirent *de; (de = readdir(d));)
                        if (de->d_name[0] != '.')
                                (void)unlinkat(dirfd(d), de->d_name, 0);
                closedir(d);
        }
        (void)rmdir(path);
}

static void fuzz_store_remove(void) {
        char days[PATH_MAX + 8];

        fuzz_store = state_store_free(fuzz_store);
        snprintf(days, sizeof(days), "%s/days", fuzz_store_directory);
        fuzz_remove_flat(days);
        fuzz_remove_flat(fuzz_store_directory);
}

static StateStore *fuzz_store_get(void) {
        const char *base;

        if (fuzz_store)
                return fuzz_store;
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ?: "/tmp";
        snprintf(fuzz_store_directory, sizeof(fuzz_store_directory), "%s/psoas-fuzz-state.XXXXXX", base);
        FUZZ_ASSERT(mkdtemp(fuzz_store_directory));
        FUZZ_ASSERT(state_store_open(fuzz_store_directory, 3650, &fuzz_store) == 0);
        FUZZ_ASSERT(atexit(fuzz_store_remove) == 0);
        return fuzz_store;
}
