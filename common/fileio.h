/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Reads fd to its end, but at most max_size + 1 bytes: a size above max_size tells the caller the file is larger
 * than it accepts (and no more of it is read). The data is NUL-terminated (not counted in *ret_size); free() it.
 * Returns 0 or a negative errno. */
int read_full_fd(int fd, size_t max_size, char **ret_data, size_t *ret_size);
