#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Man page checks.
#
# Usage: man-test.sh scdoc PAGE.scd
#            the page renders with scdoc, without a warning
#        man-test.sh options PROGRAM PAGE.scd
#            every long option PROGRAM --help prints is in the page
set -eu

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "$1" in
scdoc)
        page=$2
        status=0
        scdoc <"$page" >"$tmp/out" 2>"$tmp/err" || status=$?
        cat "$tmp/err"
        if [ "$status" -ne 0 ] || [ -s "$tmp/err" ]; then
                echo "FAIL: scdoc on $page (status $status)"
                exit 1
        fi
        if [ ! -s "$tmp/out" ]; then
                echo "FAIL: scdoc rendered $page as nothing"
                exit 1
        fi
        echo "ok: $(basename "$page") renders"
        ;;
options)
        program=$2
        page=$3
        status=0
        "$program" --help >"$tmp/help" 2>&1 || status=$?
        if [ "$status" -ne 0 ]; then
                cat "$tmp/help"
                echo "FAIL: $(basename "$program") --help exited with status $status"
                exit 1
        fi
        grep -o -- '--[a-z][a-z0-9-]*' "$tmp/help" | sort -u >"$tmp/options" || true
        if [ ! -s "$tmp/options" ]; then
                cat "$tmp/help"
                echo "FAIL: $(basename "$program") --help printed no long option"
                exit 1
        fi
        missing=
        while read -r option; do
                # A whole option: --config must not be found inside --config-dir.
                grep -qE -- "${option}([^a-z0-9-]|\$)" "$page" || missing="$missing $option"
        done <"$tmp/options"
        if [ -n "$missing" ]; then
                echo "FAIL: $(basename "$page") does not document:$missing"
                exit 1
        fi
        echo "ok: $(basename "$page") documents all $(wc -l <"$tmp/options") long options of $(basename "$program")"
        ;;
*)
        echo "usage: $0 scdoc PAGE.scd | options PROGRAM PAGE.scd"
        exit 1
        ;;
esac
