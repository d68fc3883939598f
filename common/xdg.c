/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "xdg.h"

int xdg_user_path(const char *variable, const char *home_default, const char *name, char **ret) {
        const char *base = getenv(variable), *home;
        int n;

        if (base && base[0] == '/')
                n = asprintf(ret, "%s/%s", base, name);
        else {
                home = getenv("HOME");
                if (!home || home[0] != '/')
                        return -ENXIO;
                n = asprintf(ret, "%s/%s/%s", home, home_default, name);
        }
        if (n < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}
