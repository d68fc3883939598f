/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The rule psoas.h states for its sized structs (a `uint32_t size` first member the caller sets), in one place:
 * every public function that reads or fills such a struct goes through these two.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Reads the caller's struct theirs into ours (ours_size bytes, holding the defaults already): the bytes both
 * know; fields beyond the caller's size keep their defaults, and ours keeps its own size member. -EINVAL when
 * the caller's size is not set, -E2BIG when the caller's struct is larger and a byte this library does not
 * know is not zero. */
static inline int sized_copy_in(void *ours, size_t ours_size, const void *theirs) {
        uint32_t size;

        memcpy(&size, theirs, sizeof(size));
        if (size < sizeof(uint32_t))
                return -EINVAL;
        for (size_t i = ours_size; i < size; i++)
                if (((const uint8_t *)theirs)[i] != 0)
                        return -E2BIG;
        if (size > ours_size)
                size = (uint32_t)ours_size;
        memcpy((uint8_t *)ours + sizeof(uint32_t), (const uint8_t *)theirs + sizeof(uint32_t),
                size - sizeof(uint32_t));
        return 0;
}

/* Fills the caller's struct theirs from ours (ours_size bytes), as far as the caller's size goes; bytes past
 * ours are zeroed; the caller's size member is left as it is. -EINVAL when it is not set. */
static inline int sized_copy_out(void *theirs, const void *ours, size_t ours_size) {
        uint32_t size;

        memcpy(&size, theirs, sizeof(size));
        if (size < sizeof(uint32_t))
                return -EINVAL;
        if (size > ours_size)
                memset((uint8_t *)theirs + ours_size, 0, size - ours_size);
        memcpy((uint8_t *)theirs + sizeof(uint32_t), (const uint8_t *)ours + sizeof(uint32_t),
                (size < ours_size ? size : ours_size) - sizeof(uint32_t));
        return 0;
}
