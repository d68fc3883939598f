#!/bin/sh
# run-fuzzer.sh FUZZER CORPUS REGRESSIONS ARTIFACT_PREFIX SECONDS [DICTIONARY]
# One CI run of a libFuzzer target: first every regression input on its own (each must pass), then SECONDS of
# fuzzing that starts from a copy of the seed corpus and the regressions in a temporary folder, so that the
# source tree is never written. A crash, a leak, a timeout or an out-of-memory fails the test and leaves its
# input under ARTIFACT_PREFIX; the last lines of output are libFuzzer's figures (executions, exec/s, corpus).
set -eu

fuzzer=$1
corpus=$2
regressions=$3
artifacts=$4
seconds=$5
dict=${6:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/psoas-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$(dirname "$artifacts")"

n_regressions=0
for f in "$regressions"/*; do
        case "$f" in *README*) continue ;; esac
        [ -f "$f" ] || continue
        "$fuzzer" -runs=1 "$f" >"$work/regression.log" 2>&1 || {
                cat "$work/regression.log"
                echo "run-fuzzer: the regression input $f fails again" >&2
                exit 1
        }
        cp "$f" "$work/corpus/"
        n_regressions=$((n_regressions + 1))
done

n_seeds=0
for f in "$corpus"/*; do
        [ -f "$f" ] || continue
        cp "$f" "$work/corpus/"
        n_seeds=$((n_seeds + 1))
done
if [ "$n_seeds" -eq 0 ]; then
        echo "run-fuzzer: no seed corpus in $corpus" >&2
        exit 1
fi
echo "run-fuzzer: $n_regressions regression inputs pass; fuzzing for $seconds s from $n_seeds seeds"

# -timeout: no input may take 5 s (these parsers take microseconds; the margin is for a loaded machine).
# -rss_limit_mb: one input must not use more than 1 GB.
set -- -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$artifacts"
[ -n "$dict" ] && set -- "$@" -dict="$dict"
"$fuzzer" "$@" "$work/corpus" >"$work/fuzz.log" 2>&1 || {
        status=$?
        tail -n 60 "$work/fuzz.log"
        echo "run-fuzzer: $(basename "$fuzzer") failed (status $status); its input is under $artifacts*" >&2
        exit 1
}
grep -E '^(#[0-9]+.*DONE|Done|stat::)' "$work/fuzz.log" || tail -n 15 "$work/fuzz.log"
