/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "gpio.h"

int gpio_new(const GpioOps *ops, Gpio **ret) {
        Gpio *g;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->ops = ops;
        if (ops->object_size > 0) {
                g->data = calloc(1, ops->object_size);
                if (!g->data) {
                        free(g);
                        return -ENOMEM;
                }
        }
        *ret = g;
        return 0;
}

Gpio *gpio_free(Gpio *g) {
        if (!g)
                return NULL;
        g->ops->close(g);
        free(g->description);
        free(g->data);
        free(g);
        return NULL;
}
