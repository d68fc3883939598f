/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "test-util.h"
#include "xdg.h"

/* An absolute XDG variable wins; without one, the directory under $HOME. */
TEST(variable_then_home) {
        char *p = NULL;

        ASSERT_EQ(setenv("XDG_STATE_HOME", "/x/state", 1), 0);
        ASSERT_EQ(setenv("HOME", "/home/ann", 1), 0);
        ASSERT_EQ(xdg_user_path("XDG_STATE_HOME", ".local/state", "psoas", &p), 0);
        ASSERT_STREQ(p, "/x/state/psoas");
        free(p);

        ASSERT_EQ(unsetenv("XDG_STATE_HOME"), 0);
        ASSERT_EQ(xdg_user_path("XDG_STATE_HOME", ".local/state", "psoas", &p), 0);
        ASSERT_STREQ(p, "/home/ann/.local/state/psoas");
        free(p);
}

/* The specification ignores relative values: so does psoas, rather than writing below the working directory. */
TEST(relative_paths_are_ignored) {
        char *p = NULL;

        ASSERT_EQ(setenv("XDG_CONFIG_HOME", "relative/config", 1), 0);
        ASSERT_EQ(setenv("HOME", "/home/ann", 1), 0);
        ASSERT_EQ(xdg_user_path("XDG_CONFIG_HOME", ".config", "psoas/psoasd.json", &p), 0);
        ASSERT_STREQ(p, "/home/ann/.config/psoas/psoasd.json");
        free(p);

        ASSERT_EQ(setenv("HOME", "home/ann", 1), 0);
        p = NULL;
        ASSERT_EQ(xdg_user_path("XDG_CONFIG_HOME", ".config", "psoas/psoasd.json", &p), -ENXIO);
        ASSERT_TRUE(p == NULL);
        ASSERT_EQ(unsetenv("HOME"), 0);
        ASSERT_EQ(xdg_user_path("XDG_CONFIG_HOME", ".config", "psoas/psoasd.json", &p), -ENXIO);
}

TEST_MAIN
