#!/bin/sh
# clang-format-check.sh SOURCE_ROOT
# Every C file of the project must be formatted as the top-level .clang-format says (systemd's style, 8 spaces,
# 109 columns): `clang-format --dry-run --Werror` on each, skipping build directories (any folder with a
# meson-private/ in it) and hidden folders. Prints each file that differs and what to run; exits 1 if any does.
set -eu

top=$1
cd "$top"
[ -f .clang-format ] || { echo "clang-format-check: no .clang-format in $top" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT INT TERM
find . \( -name '.*' ! -name . -prune \) -o \( -type d -exec test -d '{}/meson-private' \; -prune \) -o \
        \( -type f \( -name '*.c' -o -name '*.h' \) -print \) | sed 's|^\./||' | sort >"$list"

n=$(wc -l <"$list")
if [ "$n" -eq 0 ]; then
        echo "clang-format-check: no C files found under $top" >&2
        exit 1
fi

bad=0
while IFS= read -r f; do
        if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
                echo "$f: not formatted (clang-format -i $f)"
                bad=$((bad + 1))
        fi
done <"$list"

echo "clang-format-check: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
