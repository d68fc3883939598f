#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# version-help.sh NAME PROGRAM VERSION: PROGRAM answers --version with "NAME VERSION" (and maybe more words) on
# standard output, and --help with a usage naming NAME, both with exit status 0 and nothing on standard error.
set -eu

name=$1
program=$2
version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
        echo "FAIL ($name): $*" >&2
        exit 1
}

for option in --version --help; do
        status=0
        "$program" "$option" </dev/null >"$tmp/out" 2>"$tmp/err" || status=$?
        [ "$status" -eq 0 ] || fail "$option exited with $status: $(cat "$tmp/err")"
        [ ! -s "$tmp/err" ] || fail "$option wrote to stderr: $(cat "$tmp/err")"
        [ -s "$tmp/out" ] || fail "$option printed nothing"
        if [ "$option" = --version ]; then
                head -n 1 "$tmp/out" | grep -q "^$name $version\( \|\$\)" ||
                        fail "--version says '$(head -n 1 "$tmp/out")', not '$name $version'"
        else
                grep -q -- "$name" "$tmp/out" || fail "--help does not name $name: $(cat "$tmp/out")"
        fi
done
echo "ok: $name --version, --help"
