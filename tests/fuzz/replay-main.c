/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs a fuzz target's LLVMFuzzerTestOneInput() over files, without libFuzzer: the normal gcc builds (-Werror,
 * ASan+UBSan) link every target with this file, and a meson test replays the seed corpus and the regression
 * inputs through it. Arguments are files or directories (every regular file in them, in name order). A
 * target that finds its input wrong aborts, as it would under libFuzzer; this program exits 1 when it was
 * given nothing to run, so that a corpus that went missing fails the test instead of passing it.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as under libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *data = NULL;
        struct stat st;
        size_t done = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        /* Exactly the file's size, as libFuzzer gives it (one byte for an empty file, which has no bytes to
         * read): ASan then catches a target that reads even one byte past its input. */
        data = malloc((size_t)st.st_size ?: 1);
        if (!data)
                return -ENOMEM;
        while (done < (size_t)st.st_size) {
                ssize_t n = read(fd, data + done, (size_t)st.st_size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        *ret = TAKE_PTR(data);
        *ret_size = done;
        return 0;
}

static int run_file(const char *path) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size = 0;
        int r;

        r = read_file(path, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
                return r;
        }
        (void)LLVMFuzzerTestOneInput(data, size);
        return 0;
}

static int name_compare(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_freep(char ***strv) {
        if (!*strv)
                return;
        for (char **s = *strv; *s; s++)
                free(*s);
        free(*strv);
}

/* Runs every regular file of path (a file, or a directory that is not descended into) and adds to *count. */
static int run_path(const char *path, unsigned *count) {
        _cleanup_(strv_freep) char **names = NULL;
        struct stat st;
        size_t n = 0, allocated = 0;
        DIR *dir;
        int r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode)) {
                r = run_file(path);
                if (r >= 0)
                        (*count)++;
                return r;
        }

        dir = opendir(path);
        if (!dir) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (struct dirent *de; (de = readdir(dir));) {
                if (de->d_name[0] == '.')
                        continue;
                if (n + 2 > allocated) {
                        char **grown;

                        allocated = allocated ? allocated * 2 : 64;
                        grown = realloc(names, allocated * sizeof(*names));
                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        names = grown;
                }
                if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
                        names[n] = NULL;
                        r = -ENOMEM;
                        break;
                }
                names[++n] = NULL;
        }
        closedir(dir);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;

        qsort(names, n, sizeof(*names), name_compare);
        for (size_t i = 0; i < n; i++) {
                if (stat(names[i], &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                /* A README beside the inputs says what they are; it is not one of them. */
                if (strstr(names[i], "README"))
                        continue;
                r = run_file(names[i]);
                if (r < 0)
                        return r;
                (*count)++;
        }
        return 0;
}

int main(int argc, char **argv) {
        unsigned count = 0;

        if (cli_answer_help_version(argc, argv, program_invocation_short_name,
                    "Usage: fuzz-NAME FILE|DIRECTORY...\n"
                    "Runs the fuzz target over each file (each regular file of a directory), as libFuzzer\n"
                    "would, without fuzzing (tests/fuzz).\n"))
                return EXIT_SUCCESS;
        if (LLVMFuzzerInitialize)
                (void)LLVMFuzzerInitialize(&argc, &argv);

        for (int i = 1; i < argc; i++)
                if (run_path(argv[i], &count) < 0)
                        return EXIT_FAILURE;

        if (count == 0) {
                fprintf(stderr, "No input to replay: the corpus is missing or empty.\n");
                return EXIT_FAILURE;
        }
        fprintf(stderr, "Replayed %u inputs without a failure.\n", count);
        return EXIT_SUCCESS;
}
