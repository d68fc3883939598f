#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# dunst's "dmenu" in the tests: dunst writes its context menu on stdin, one entry per line
# ("#Label (summary) [id,key]"), and invokes the entry printed here: the first one containing the text in
# $PSOAS_PICK_DIR/pick. Each menu is also saved whole as $PSOAS_PICK_DIR/menu-N for the test to read.
menu=$(cat)
n=$(ls "$PSOAS_PICK_DIR" | grep -c '^menu-')
printf '%s\n' "$menu" > "$PSOAS_PICK_DIR/menu.tmp"
mv "$PSOAS_PICK_DIR/menu.tmp" "$PSOAS_PICK_DIR/menu-$((n + 1))"
printf '%s\n' "$menu" | grep -F -m 1 -- "$(cat "$PSOAS_PICK_DIR/pick")"
exit 0
