/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int read_full_fd(int fd, size_t max_size, char **ret_data, size_t *ret_size) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0, allocated = 4096, limit = max_size + 1;
        struct stat st;

        /* The size of a regular file is only a hint (it may grow while we read); other files (a pipe, a /proc
         * file) have none. */
        if (fstat(fd, &st) >= 0 && S_ISREG(st.st_mode))
                allocated = (size_t)st.st_size + 1;
        allocated = MIN(allocated, limit) + 1; /* and the NUL */
        data = malloc(allocated);
        if (!data)
                return -ENOMEM;

        while (size < limit) {
                ssize_t n;

                if (size + 1 == allocated) {
                        size_t bigger = MIN(allocated * 2, limit + 1);
                        char *p = realloc(data, bigger);

                        if (!p)
                                return -ENOMEM;
                        data = p;
                        allocated = bigger;
                }
                n = read(fd, data + size, MIN(allocated - 1, limit) - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
        }

        data[size] = '\0';
        *ret_data = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}
