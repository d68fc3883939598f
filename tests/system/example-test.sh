#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the example program of libpsoas(3) on ten seconds of a wearer standing still at 50 Hz, with the
# sensor's z axis up: the engine must calibrate on them and the program must print that, and its summary line.
#
# Usage: example-test.sh EXAMPLE_PROGRAM
set -eu

out=$(awk 'BEGIN { for (i = 0; i < 500; i++) printf "%.2f 0.05 -0.02 9.81 0.001 0 -0.001\n", i / 50 }' | "$1")
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q ' calibrated neutral ' || { echo "FAIL: no calibrated event"; exit 1; }
printf '%s\n' "$out" | tail -n 1 | grep -q '^tilt .*, sat 0 s today$' || { echo "FAIL: no summary line"; exit 1; }
echo "ok: the example calibrates and summarises"
