#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Checks a systemd unit as built (paths substituted) with systemd-analyze, offline.
#
# Usage: units-test.sh verify|security [--user] [--dropin FILE] [--threshold N] UNIT INSTALLED_PATH RUN_PATH
#
# verify checks that the unit file would load. It also checks that ExecStart='s program exists, so the test copy
# names RUN_PATH (the program as built, or /bin/true for one not built yet) where the unit says INSTALLED_PATH.
# Any message from systemd-analyze fails the test: unknown keys and bad values are only warnings to it.
# security measures the exposure and fails above N/10 (systemd-analyze --threshold=N).
# --dropin FILE adds FILE as UNIT.d/test.conf, as an administrator would install it.
set -eu

mode=$1
shift
scope=
dropin=
threshold=
while :; do
        case "$1" in
        --user) scope=--user; shift ;;
        --dropin) dropin=$2; shift 2 ;;
        --threshold) threshold=$2; shift 2 ;;
        *) break ;;
        esac
done
unit=$1
installed_path=$2
run_path=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$unit")
if ! grep -qF "$installed_path" "$unit"; then
        echo "FAIL: $unit does not name $installed_path"
        exit 1
fi
sed "s|$installed_path|$run_path|g" "$unit" >"$tmp/$name"
if [ -n "$dropin" ]; then
        mkdir "$tmp/$name.d"
        cp "$dropin" "$tmp/$name.d/test.conf"
fi
# A user manager, even an offline one, wants a runtime directory.
mkdir -m 0700 "$tmp/runtime"
export XDG_RUNTIME_DIR="$tmp/runtime"

case "$mode" in
verify)
        status=0
        systemd-analyze $scope verify --man=no "$tmp/$name" >"$tmp/out" 2>&1 || status=$?
        cat "$tmp/out"
        if [ "$status" -ne 0 ] || [ -s "$tmp/out" ]; then
                echo "FAIL: systemd-analyze verify $name${dropin:+ with $(basename "$dropin")} (status $status)"
                exit 1
        fi
        ;;
security)
        status=0
        systemd-analyze $scope security --offline=yes --threshold="$threshold" "$tmp/$name" >"$tmp/out" 2>&1 ||
                status=$?
        cat "$tmp/out"
        if [ "$status" -ne 0 ]; then
                echo "FAIL: $name${dropin:+ with $(basename "$dropin")}: exposure above $threshold/10"
                exit 1
        fi
        grep -q 'Overall exposure level' "$tmp/out" || { echo "FAIL: no exposure level printed"; exit 1; }
        ;;
*)
        echo "usage: $0 verify|security [--user] [--dropin FILE] [--threshold N] UNIT INSTALLED_PATH RUN_PATH"
        exit 1
        ;;
esac
echo "ok: $mode $name${dropin:+ with $(basename "$dropin")}"
