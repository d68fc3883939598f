/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "source.h"

int source_new(const SourceOps *ops, Source **ret) {
        Source *s;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ops = ops;
        s->clock_speed = 1;
        if (ops->object_size > 0) {
                s->data = calloc(1, ops->object_size);
                if (!s->data) {
                        free(s);
                        return -ENOMEM;
                }
        }
        *ret = s;
        return 0;
}

Source *source_free(Source *s) {
        if (!s)
                return NULL;
        s->ops->close(s);
        free(s->description);
        free(s->data);
        free(s);
        return NULL;
}
