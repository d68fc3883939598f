/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where a user's files go (the XDG Base Directory specification): psoasd --user's configuration and state, and
 * the clients' state. */

/* "$VARIABLE/name" when the variable (XDG_CONFIG_HOME, XDG_STATE_HOME…) holds an absolute path, else
 * "$HOME/home_default/name" (".config", ".local/state"…). -ENXIO when neither is absolute, -ENOMEM. */
int xdg_user_path(const char *variable, const char *home_default, const char *name, char **ret);
