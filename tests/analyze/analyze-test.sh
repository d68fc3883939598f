#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One behaviour of psoas-analyze per run: analyze-test.sh PSOAS_ANALYZE CASE
# meson registers each case as its own test (tests/analyze/meson.build); exit 77 would mean skipped.
# Nothing here asserts posture accuracy, which is the engine's business and still being tuned: only what any
# working engine must give (a still, upright recording calibrates; samples beyond 16 g are rejected).

set -eu

bin=$1
case=$2
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
        echo "FAIL ($case): $*" >&2
        exit 1
}

gen() {
        "$py" "$here/gen-recording.py" "$@"
}

# run EXPECTED_STATUS ARGS...: runs psoas-analyze with stdout in $tmp/out and stderr in $tmp/err.
run() {
        want=$1
        shift
        status=0
        "$bin" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
        if [ "$status" -ne "$want" ]; then
                echo "--- stderr:" >&2
                cat "$tmp/err" >&2
                fail "psoas-analyze $* exited with $status, expected $want"
        fi
}

# expect_stderr TEXT: the last run's stderr contains TEXT (fixed string).
expect_stderr() {
        grep -qF -- "$1" "$tmp/err" || fail "stderr lacks '$1'; it is: $(cat "$tmp/err")"
}

# bad_input NAME CONTENT MESSAGE: CONTENT in a file NAME gives exit 65 and "NAME:LINE: ..." == MESSAGE.
bad_input() {
        printf "$2" >"$tmp/$1"
        run 65 "$tmp/$1"
        expect_stderr "$tmp/$1:$3"
        [ ! -s "$tmp/out" ] || fail "the summary was printed despite the error"
}

# json_check FILE PYTHON [ARGS...]: runs PYTHON with `doc` bound to the parsed JSON of FILE (and ARGS in
# sys.argv[3:]); it asserts.
json_check() {
        "$py" - "$@" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    doc = json.load(f)
exec(sys.argv[2])
EOF
}

case_header_optional() {
        gen --seconds 5 >"$tmp/with.csv"
        gen --seconds 5 --no-header >"$tmp/without.csv"
        run 0 --output samples "$tmp/with.csv"
        mv "$tmp/out" "$tmp/with.out"
        run 0 --output samples "$tmp/without.csv"
        cmp -s "$tmp/with.out" "$tmp/out" || fail "the header changed the analysis"
        [ "$(wc -l <"$tmp/out")" -eq 501 ] || fail "expected 500 rows and a header"
}

case_four_columns() {
        gen --seconds 5 --columns 4 >"$tmp/rec.csv"
        run 0 --json "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["gyro"] is False, doc["gyro"]; assert doc["samples"] == 500, doc["samples"]'
        gen --seconds 5 --columns 4 --no-header >"$tmp/rec.csv"
        run 0 --output samples "$tmp/rec.csv"
        [ "$(wc -l <"$tmp/out")" -eq 501 ] || fail "expected 500 rows and a header"
        run 0 "$tmp/rec.csv"
        grep -q '^Gyroscope  *none in the input$' "$tmp/out" || fail "the summary does not say there is no gyro"
}

case_no_gyro() {
        gen --seconds 5 >"$tmp/rec.csv"
        run 0 --json --no-gyro "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["gyro"] is False'
        run 0 --json "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["gyro"] is True'
}

case_bad_number() {
        bad_input rec.csv 't,ax,ay,az\n0,0,0,9.8\n0.01,0,abc,9.8\n' "3: column ay: 'abc' is not a number"
        bad_input rec.csv '0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,1.2.3\n' "2: column gz: '1.2.3' is not a number"
        bad_input rec.csv '0,0,0,9.8\n0.01,0,1e99,9.8\n' "2: column ay: '1e99' is out of range"
}

case_bad_empty_field() {
        bad_input rec.csv '0,0,0,9.8\n0.01,0,,9.8\n' "2: column ay is empty"
}

case_bad_column_count() {
        bad_input rec.csv '0,0,0,9.8\n0.01,0,0,9.8,1\n' "2: expected 4 columns, found 5"
        bad_input rec.csv 't,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,0,9.8\n' "3: expected 7 columns, found 4"
        bad_input rec.csv '0,0,9.8\n' "1: expected 4 columns (t,ax,ay,az) or 7 (t,ax,ay,az,gx,gy,gz), found 3"
}

case_bad_header() {
        bad_input rec.csv '0,0,0,9.8\nt,ax,ay,az\n' "2: header in the wrong place"
        bad_input rec.csv 'time,ax,ay,az\n0,0,0,9.8\n' "1: unknown column 'time'"
        bad_input rec.csv 't,ax,ay\n0,0,0\n' "1: the header lacks column az"
}

case_nan_inf() {
        bad_input rec.csv '0,0,0,9.8\n0.01,nan,0,9.8\n' "2: column ax: 'nan' is not a finite number"
        bad_input rec.csv '0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,-inf,0\n' "2: column gy: '-inf' is not a finite number"
        bad_input rec.csv '0,0,0,9.8\n0.01,0,0,Infinity\n' "2: column az: 'Infinity' is not a finite number"
}

case_time_backwards() {
        bad_input rec.csv '0,0,0,9.8\n0.02,0,0,9.8\n0.01,0,0,9.8\n' "3: column t: time goes backwards (0.01 s after 0.02 s)"
        bad_input rec.csv '0,0,0,9.8\n0.01,0,0,9.8\n0.01,0,0,9.8\n' "3: column t: time does not advance"
}

case_blank_line() {
        bad_input rec.csv '0,0,0,9.8\n\n0.01,0,0,9.8\n' "2: empty line"
}

case_crlf() {
        gen --seconds 3 --crlf >"$tmp/crlf.csv"
        printf '\r\n\n' >>"$tmp/crlf.csv"
        gen --seconds 3 >"$tmp/lf.csv"
        run 0 --output samples "$tmp/lf.csv"
        mv "$tmp/out" "$tmp/lf.out"
        run 0 --output samples "$tmp/crlf.csv"
        cmp -s "$tmp/lf.out" "$tmp/out" || fail "CRLF changed the analysis"
}

case_samples_rows() {
        gen --seconds 7 >"$tmp/rec.csv"
        run 0 --output samples "$tmp/rec.csv"
        "$py" - "$tmp/rec.csv" "$tmp/out" <<'EOF'
import csv, sys
with open(sys.argv[1]) as f:
    inp = list(csv.reader(f))[1:]
with open(sys.argv[2]) as f:
    rows = list(csv.reader(f))
assert rows[0] == ["t", "posture", "tilt_deg", "inclination_deg", "sitting_s"], rows[0]
rows = rows[1:]
assert len(rows) == len(inp) == 700, (len(rows), len(inp))
postures = {"unknown", "standing", "sitting", "walking", "lying"}
for i, (row, src) in enumerate(zip(rows, inp)):
    assert len(row) == 5, (i, row)
    assert abs(float(row[0]) - float(src[0])) < 1e-6, (i, row[0], src[0])
    assert row[1] in postures, row
    for v in row[2:]:
        float(v)
    assert float(row[4]) >= 0, row
EOF
}

case_samples_quat() {
        gen --seconds 5 >"$tmp/rec.csv"
        run 0 --output samples --quat "$tmp/rec.csv"
        "$py" - "$tmp/out" <<'EOF'
import csv, math, sys
with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))
assert rows[0] == ["t", "posture", "tilt_deg", "inclination_deg", "sitting_s", "qw", "qx", "qy", "qz"], rows[0]
assert len(rows) == 501, len(rows)
for row in rows[1:]:
    assert len(row) == 9, row
    n = math.sqrt(sum(float(v) ** 2 for v in row[5:]))
    assert abs(n - 1) < 1e-3, (row, n)
EOF
}

case_summary_json() {
        gen --seconds 20 >"$tmp/rec.csv"
        run 0 --json --calibrate-first 5 "$tmp/rec.csv"
        json_check "$tmp/out" '
for k in ["input", "samples", "first_t", "last_t", "duration_s", "gyro", "calibration", "forward", "posture_s",
          "sitting_bouts", "breaks", "alerts", "stretch_prompts", "stretches_verified", "samples_rejected"]:
    assert k in doc, k
assert doc["samples"] == 2000, doc["samples"]
assert abs(doc["duration_s"] - 19.99) < 1e-6, doc["duration_s"]
assert set(doc["posture_s"]) == {"standing", "sitting", "walking", "lying", "unknown", "not_worn"}, doc["posture_s"]
assert set(doc["sitting_bouts"]) == {"count", "longest_s"}
assert set(doc["alerts"]) >= {"sitting", "tilt"}
for k in ["requested", "status", "ok", "neutral_inclination_deg", "message"]:
    assert k in doc["calibration"], k
assert doc["calibration"]["requested"] == "first"
assert doc["samples_rejected"] == 0
assert doc["steps"] == 0, doc["steps"]  # standing only
'
}

# Steps are counted in walks: "test" walks 30 s and 20 s, at 1.6 to 2 steps a second; the truth's heel strikes
# against the count are step-bench's (BENCHMARKS.md, "Steps").
case_summary_steps() {
        "$PSOAS_SYNTH" --scenario test --seed 3 --mount random >"$tmp/walks.csv"
        run 0 --json --calibrate-first 5 "$tmp/walks.csv"
        json_check "$tmp/out" '
assert 60 <= doc["steps"] <= 110, doc["steps"]
assert doc["posture_s"]["walking"] > 30, doc["posture_s"]
'
        run 0 --calibrate-first 5 "$tmp/walks.csv"
        grep -Eq '^Steps +[0-9]+ while walking$' "$tmp/out" || fail "no Steps line: $(cat "$tmp/out")"
}

case_summary_text() {
        gen --seconds 10 >"$tmp/rec.csv"
        run 0 "$tmp/rec.csv"
        for label in Input Samples Gyroscope Calibration Standing Sitting Walking Lying 'Sitting bouts' Alerts \
                'Stretch prompts' 'Stretches done' 'Samples rejected'; do
                grep -q "^$label " "$tmp/out" || fail "no '$label' line in the summary"
        done
        # Aligned: every value starts in the same column.
        "$py" - "$tmp/out" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 10, lines
for line in lines:
    assert len(line) > 20 and line[19] == " " and line[20] != " ", repr(line)
EOF
}

case_events_json() {
        gen --pattern sit-stand --seconds 60 >"$tmp/rec.csv"
        run 0 --output events --json --calibrate-first 5 "$tmp/rec.csv"
        json_check "$tmp/out" '
assert isinstance(doc, list), type(doc)
assert len(doc) >= 1, doc
last = None
for e in doc:
    assert isinstance(e["t"], (int, float)) and isinstance(e["type"], str), e
    assert last is None or e["t"] >= last, (last, e)
    last = e["t"]
'
        # No events is an empty array, not nothing.
        printf '0,0,0,9.8\n' >"$tmp/one.csv"
        run 0 --output events --json "$tmp/one.csv"
        json_check "$tmp/out" 'assert doc == [], doc'
}

case_events_text() {
        gen --pattern sit-stand --seconds 60 >"$tmp/rec.csv"
        run 0 --output events --calibrate-first 5 "$tmp/rec.csv"
        [ -s "$tmp/out" ] || fail "no events (a calibration at least was expected)"
        # One event a line: the time in seconds, then words.
        if grep -vqE '^ *-?[0-9]+\.[0-9]{3}  [a-z]' "$tmp/out"; then
                fail "a line is not 'TIME  words': $(grep -vE '^ *-?[0-9]+\.[0-9]{3}  [a-z]' "$tmp/out" | head -1)"
        fi
        grep -q 'calibrat' "$tmp/out" || fail "the calibration is not among the events"
}

case_calibrate_syntax() {
        gen --seconds 2 >"$tmp/rec.csv"
        for arg in 5 a,b 5,1 5,5 1,2,3 '' ,5 5, nan,5; do
                run 64 --calibrate "$arg" "$tmp/rec.csv"
                expect_stderr "--calibrate '$arg': expected START,END"
                [ ! -s "$tmp/out" ] || fail "output despite a usage error"
        done
        for arg in 0 -1 x 1s ''; do
                run 64 --calibrate-first "$arg" "$tmp/rec.csv"
                expect_stderr "--calibrate-first '$arg': expected a positive number of seconds"
        done
        run 64 --calibrate 1,2 --calibrate-first 3 "$tmp/rec.csv"
        expect_stderr "exclude one another"
}

case_calibrate_still() {
        gen --seconds 30 >"$tmp/rec.csv"
        run 0 --json --calibrate 2,8 "$tmp/rec.csv"
        json_check "$tmp/out" '
c = doc["calibration"]
assert c["status"] == "ok" and c["ok"] is True, c
assert isinstance(c["neutral_inclination_deg"], (int, float)), c
assert abs(c["neutral_inclination_deg"]) < 5, c
'
        run 0 --calibrate-first 5 "$tmp/rec.csv"
        grep -q '^Calibration  *done at ' "$tmp/out" || fail "the summary does not say calibrated: $(cat "$tmp/out")"
        # A window past the end of the recording never finishes: said, but not an error.
        run 0 --json --calibrate 100,110 "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["calibration"]["status"] == "not-finished", doc["calibration"]'
        expect_stderr "warning: calibration not finished"
}

case_calibrate_failed() {
        # A window shorter than a second cannot calibrate (the API says so): reported, yet not an error.
        gen --seconds 10 >"$tmp/rec.csv"
        run 0 --json --calibrate 2,2.5 "$tmp/rec.csv"
        json_check "$tmp/out" '
c = doc["calibration"]
assert c["status"] == "failed" and c["ok"] is False and c["error"] == "window-short", c
assert isinstance(c["message"], str) and c["message"], c
assert c["neutral_inclination_deg"] is None, c
'
        expect_stderr "warning: calibration failed at "
        run 0 --calibrate 2,2.5 "$tmp/rec.csv"
        grep -q '^Calibration  *failed at ' "$tmp/out" || fail "the summary does not say it failed"
        run 0 --output events --calibrate 2,2.5 "$tmp/rec.csv"
        grep -q 'calibration failed: ' "$tmp/out" || fail "no calibration-failed event"
}

case_calibrate_seated() {
        # A wearer who walks in and sits straight down (psoas-synth's "seated": seated from about 33 s to 93 s):
        # a window in the seat is refused with exit 65 and the window named; one standing is taken.
        "$PSOAS_SYNTH" --scenario seated --rate 50 --seed 2 >"$tmp/seated.csv"
        run 65 --calibrate 50,55 "$tmp/seated.csv"
        expect_stderr "--calibrate 50.000,55.000 refused: you seem to be sitting: the pelvis came down and has not come back up"
        run 65 --json --output events --calibrate 50,55 "$tmp/seated.csv"
        expect_stderr "refused"
        run 0 --calibrate 2,8 "$tmp/seated.csv"
        grep -q '^Calibration  *done at ' "$tmp/out" || fail "a standing window was refused: $(cat "$tmp/out")"
        run 0 --calibrate 110,115 "$tmp/seated.csv"
        grep -q '^Calibration  *done at ' "$tmp/out" || fail "standing again was refused: $(cat "$tmp/out")"
}

case_squat_not_sitting() {
        # The seated scenario's squat (3 s at the bottom, about 126 s in) adds no sitting: the 60 s seat stays
        # the only sitting, whatever the engine first made of the squat; a revision, if any, says so.
        for seed in 1 2 3 4; do
                "$PSOAS_SYNTH" --scenario seated --rate 50 --seed $seed >"$tmp/seated.csv"
                run 0 --json --calibrate 2,8 "$tmp/seated.csv"
                "$py" -c 'import json, sys
s = json.load(open(sys.argv[1]))
sitting = s["posture_s"]["sitting"]
assert 57 <= sitting <= 63, ("sitting", sitting)
assert s["sitting_bouts"]["count"] == 1, s["sitting_bouts"]' "$tmp/out" || fail "seed $seed: $(cat "$tmp/out")"
                run 0 --output events --json --calibrate 2,8 "$tmp/seated.csv"
                "$py" -c 'import json, sys
events = json.load(open(sys.argv[1]))
for e in events:
    if e.get("revised"):
        assert e["type"] == "posture-changed" and e["since"] < e["t"], e' "$tmp/out" || fail "seed $seed: $(cat "$tmp/out")"
        done
}

case_stdin() {
        gen --seconds 5 >"$tmp/rec.csv"
        run 0 --output samples "$tmp/rec.csv"
        mv "$tmp/out" "$tmp/file.out"
        status=0
        "$bin" --output samples - <"$tmp/rec.csv" >"$tmp/out" 2>"$tmp/err" || status=$?
        [ "$status" -eq 0 ] || fail "reading standard input exited with $status: $(cat "$tmp/err")"
        cmp -s "$tmp/file.out" "$tmp/out" || fail "standard input gave a different analysis"
        # Through a pipe, which delivers small blocks.
        status=0
        cat "$tmp/rec.csv" | "$bin" --json - >"$tmp/out" 2>"$tmp/err" || status=$?
        [ "$status" -eq 0 ] || fail "a pipe exited with $status"
        json_check "$tmp/out" 'assert doc["samples"] == 500 and doc["input"] == "<stdin>", doc'
        # Errors name the input as <stdin>.
        status=0
        printf '0,0,0,9.8\nx,0,0,9.8\n' | "$bin" - >"$tmp/out" 2>"$tmp/err" || status=$?
        [ "$status" -eq 65 ] || fail "bad standard input exited with $status"
        expect_stderr "<stdin>:2: column t: 'x' is not a number"
}

case_write_error() {
        [ -w /dev/full ] || exit 77
        gen --seconds 5 >"$tmp/rec.csv"
        status=0
        "$bin" --output samples "$tmp/rec.csv" >/dev/full 2>"$tmp/err" || status=$?
        [ "$status" -eq 74 ] || fail "writing to a full device exited with $status"
        expect_stderr "cannot write the output"
}

case_missing_file() {
        run 66 "$tmp/does-not-exist.csv"
        expect_stderr "cannot open $tmp/does-not-exist.csv"
        run 66 "$tmp"
        expect_stderr "cannot open $tmp"
}

case_no_samples() {
        : >"$tmp/empty.csv"
        run 65 "$tmp/empty.csv"
        expect_stderr "no samples"
        printf 't,ax,ay,az\n' >"$tmp/header.csv"
        run 65 "$tmp/header.csv"
        expect_stderr "no samples"
}

case_stream_error() {
        gen --seconds 1 --no-header >"$tmp/rec.csv"
        "$py" - "$tmp/rec.csv" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
lines[49] = lines[49].replace(",", ",x", 1)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
        run 65 --output samples "$tmp/rec.csv"
        expect_stderr "$tmp/rec.csv:50: column ax:"
        # The header and the 49 good rows before the bad line were written.
        [ "$(wc -l <"$tmp/out")" -eq 50 ] || fail "expected 50 lines before the error, got $(wc -l <"$tmp/out")"
}

case_rejected_sample() {
        printf '0,0,0,9.8\n0.01,0,0,9.8\n0.02,1000,0,9.8\n0.03,0,0,9.8\n' >"$tmp/rec.csv"
        run 0 --json "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["samples_rejected"] == 1 and doc["samples"] == 4, doc'
        expect_stderr "$tmp/rec.csv:3: warning: the engine rejected this sample"
        run 0 --output samples "$tmp/rec.csv"
        [ "$(wc -l <"$tmp/out")" -eq 5 ] || fail "a rejected sample must still have its row"
}

case_config_invalid() {
        gen --seconds 2 >"$tmp/rec.csv"
        # Each option's range in its own unit, never the engine's field or its unit.
        run 64 --sitting-alert 0 "$tmp/rec.csv"
        expect_stderr "--sitting-alert 0: out of range: 1 to 1440 minutes"
        run 64 --sitting-alert 0.1 "$tmp/rec.csv"
        expect_stderr "--sitting-alert 0.1: out of range: 1 to 1440 minutes"
        run 64 --sitting-repeat 1441 "$tmp/rec.csv"
        expect_stderr "--sitting-repeat 1441: out of range: 1 to 1440 minutes"
        run 64 --break 1 "$tmp/rec.csv"
        expect_stderr "--break 1: out of range: 10 to 3600 seconds"
        run 64 --tilt-threshold 90 "$tmp/rec.csv"
        expect_stderr "--tilt-threshold 90: out of range: 2 to 45 degrees"
        run 64 --tilt-time 4 "$tmp/rec.csv"
        expect_stderr "--tilt-time 4: out of range: 5 to 3600 seconds"
        if grep -q '_s\b\|_deg\b' "$tmp/err"; then fail "an engine field in the message: $(cat "$tmp/err")"; fi
        run 64 --tilt-threshold abc "$tmp/rec.csv"
        expect_stderr "--tilt-threshold 'abc': not a number of degrees"
        run 64 --forward 0,0,0 "$tmp/rec.csv"
        expect_stderr "--forward '0,0,0'"
        run 64 --quiet-hours 22:00-07:00 "$tmp/rec.csv"
        expect_stderr "--quiet-hours needs --start"
        run 64 --start 2024-02-30T08:00 "$tmp/rec.csv"
        expect_stderr "--start '2024-02-30T08:00'"
        run 0 --sitting-alert 45 --break 120 --tilt-threshold 12 --forward 1,0,0 --start '2024-05-01 08:00' \
                --quiet-hours 22:00-07:00 "$tmp/rec.csv"
}

case_usage() {
        run 64
        expect_stderr "no input"
        run 64 --bogus x
        run 64 --output nonsense x
        expect_stderr "--output 'nonsense'"
        run 64 --output samples --json x
        expect_stderr "--json is for"
        run 64 --quat x
        expect_stderr "--quat adds columns to --output samples only"
        # Two inputs are a cohort: each that cannot be opened has its row, and its message.
        run 66 a b
        expect_stderr "cannot open a: No such file or directory"
        expect_stderr "cannot open b: No such file or directory"
        run 0 --help
        grep -q -- '--calibrate-first' "$tmp/out" || fail "--help does not list --calibrate-first"
        run 0 --version
        grep -q '^psoas-analyze [0-9]' "$tmp/out" || fail "--version says: $(cat "$tmp/out")"
}

case_days() {
        # 30 s across midnight: two days, the time of day in the events.
        gen --seconds 30 >"$tmp/rec.csv"
        run 0 --json --start 2024-05-01T23:59:50 "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["days"] == 2, doc["days"]; assert doc["samples"] == 3000'
        run 0 --output events --json --start 2024-05-01T23:59:50 "$tmp/rec.csv"
        json_check "$tmp/out" '
assert all(e["time"].startswith("2024-05-0") for e in doc), doc
assert [e for e in doc if e.get("current") == "2024-05-02" and e.get("previous") == "2024-05-01"], doc
'
}

# A cohort: several files, each analysed alone (the same figures as one by one), a CSV row each in the order given;
# a broken file spoils its own row only, and the exit status is its.
case_cohort() {
        for seed in 1 2 3; do
                "$PSOAS_SYNTH" --scenario seated --seed $seed --rate 50 >"$tmp/r$seed.csv"
        done
        printf 't,ax,ay\n0,1,2\n' >"$tmp/bad.csv"
        run 65 --calibrate-first 5 --jobs 2 "$tmp/r1.csv" "$tmp/bad.csv" "$tmp/r2.csv" "$tmp/r3.csv"
        expect_stderr "bad.csv:1: the header lacks column az"
        cp "$tmp/out" "$tmp/rows.csv"
        for seed in 1 2 3; do
                run 0 --json --calibrate-first 5 "$tmp/r$seed.csv"
                cp "$tmp/out" "$tmp/alone$seed.json"
        done
        "$py" - "$tmp" <<'EOF'
import csv, json, sys
tmp = sys.argv[1]
rows = list(csv.DictReader(open(f"{tmp}/rows.csv")))
assert [r["input"] for r in rows] == [f"{tmp}/r1.csv", f"{tmp}/bad.csv", f"{tmp}/r2.csv", f"{tmp}/r3.csv"], rows
assert rows[1]["status"] == "65" and rows[1]["samples"] == "", rows[1]
for row, seed in zip([rows[0], rows[2], rows[3]], (1, 2, 3)):
    alone = json.load(open(f"{tmp}/alone{seed}.json"))
    assert row["status"] == "0" and int(row["samples"]) == alone["samples"], (row, alone["samples"])
    for key in ("sitting", "standing", "walking"):
        assert abs(float(row[key + "_s"]) - alone["posture_s"][key]) < 0.01, (key, row, alone["posture_s"])
    assert int(row["steps"]) == alone["steps"] and int(row["sitting_bouts"]) == alone["sitting_bouts"]["count"]
EOF
        run 65 --json --calibrate-first 5 "$tmp/r1.csv" "$tmp/bad.csv"
        json_check "$tmp/out" 'assert doc[0]["input"].endswith("r1.csv") and doc[0]["samples"] > 0 and doc[1] == {"input": doc[1]["input"], "status": 65}, doc'
        run 64 --output events "$tmp/r1.csv" "$tmp/r2.csv"
        expect_stderr "--output events takes one input"
        run 64 --jobs 2 "$tmp/r1.csv"
        expect_stderr "--jobs is for several inputs"
        run 64 --jobs 0 "$tmp/r1.csv" "$tmp/r2.csv"
        expect_stderr "--jobs '0': expected a number from 1 to 256"
        run 64 "$tmp/r1.csv" -
        expect_stderr "standard input (-) cannot be one of several inputs"
}

# The heads-up: an event "sitting-soon" that long before the bout's first sitting alert, not counted as an alert.
case_sitting_heads_up() {
        "$PSOAS_SYNTH" --scenario daemon --seed 1 --rate 25 >"$tmp/day.csv"
        run 0 --output events --json --calibrate-first 5 --sitting-alert 20 --sitting-heads-up 5 "$tmp/day.csv"
        json_check "$tmp/out" '
alerts = [e for e in doc if e["type"] == "alert"]
assert [(a["kind"], a["level"]) for a in alerts[:2]] == [("sitting-soon", 0), ("sitting", 1)], alerts
assert abs(alerts[1]["duration_s"] - alerts[0]["duration_s"] - 300) < 1, alerts
prompts = [e for e in doc if e["type"] == "stretch-prompt"]
assert prompts and prompts[0]["t"] >= alerts[1]["t"], (prompts[:1], alerts[:2])
'
        run 0 --json --calibrate-first 5 --sitting-alert 20 --sitting-heads-up 5 "$tmp/day.csv"
        json_check "$tmp/out" 'assert doc["alerts"]["sitting_soon"] >= 1 and doc["alerts"]["total"] == doc["alerts"]["sitting"] + doc["alerts"]["tilt"], doc["alerts"]'
        run 64 --sitting-alert 20 --sitting-heads-up 20 "$tmp/day.csv"
        expect_stderr "--sitting-heads-up 20: must be less than --sitting-alert"
}

# A recording that says when it was made ("# psoas start:", as psoasd --record writes it) is put on its days
# without --start; --start overrides it; a start line that is malformed or comes after a sample is an error.
case_start_line() {
        gen --seconds 30 >"$tmp/plain.csv"
        first=$(sed -n 2p "$tmp/plain.csv" | cut -d, -f1)
        { echo "# psoas start: t=$first local=2024-05-01T23:59:50.500000 utc_offset_s=7200"; cat "$tmp/plain.csv"; } \
                >"$tmp/rec.csv"
        run 0 --json "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["days"] == 2, doc["days"]; assert doc["samples"] == 3000'
        run 0 --output events --json "$tmp/rec.csv"
        json_check "$tmp/out" '
assert [e for e in doc if e.get("current") == "2024-05-02" and e.get("previous") == "2024-05-01"], doc
'
        run 0 --json --start 2024-05-01T08:00 "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["days"] == 1, doc["days"]'

        # Any other comment is skipped, wherever it is.
        { echo "# made by hand"; head -3 "$tmp/plain.csv"; echo "# halfway"; tail -n +4 "$tmp/plain.csv"; } \
                >"$tmp/rec.csv"
        run 0 --json "$tmp/rec.csv"
        json_check "$tmp/out" 'assert doc["samples"] == 3000 and doc["days"] == 1, doc'

        { head -3 "$tmp/plain.csv"; echo "# psoas start: t=0 local=2024-05-01T08:00:00"; tail -n +4 "$tmp/plain.csv"; } \
                >"$tmp/rec.csv"
        run 65 "$tmp/rec.csv"
        expect_stderr "rec.csv:4: '# psoas start:' after the first sample"
        { echo "# psoas start: t=0 local=2024-05-01 08:00"; cat "$tmp/plain.csv"; } >"$tmp/rec.csv"
        run 65 "$tmp/rec.csv"
        expect_stderr "rec.csv:1: '# psoas start:' local=2024-05-01 is not YYYY-MM-DDTHH:MM:SS[.ffffff]"
        { echo "# psoas start: t=0 local=2024-05-01T08:00:00 anyway"; cat "$tmp/plain.csv"; } >"$tmp/rec.csv"
        run 65 "$tmp/rec.csv"
        expect_stderr "rec.csv:1: '# psoas start:' expects KEY=VALUE words, got 'anyway'"
        { echo "# psoas start: t=0 local=2024-02-30T08:00:00"; cat "$tmp/plain.csv"; } >"$tmp/rec.csv"
        run 65 "$tmp/rec.csv"
        expect_stderr "rec.csv:1: '# psoas start:' local=2024-02-30T08:00:00 is not YYYY-MM-DDTHH:MM:SS[.ffffff]"
        { echo "# psoas start: local=2024-05-01T08:00:00"; cat "$tmp/plain.csv"; } >"$tmp/rec.csv"
        run 65 "$tmp/rec.csv"
        expect_stderr "rec.csv:1: '# psoas start:' needs t= (sample time, s) and local= (the local time then)"
}

# The record (--output timeline, --output bouts) of a generated morning whose truth is known: three sitting bouts
# of 27 to 39 minutes between walks. record_morning writes the recording, and the truth's sitting segments of 5
# minutes or more, one "START END" (seconds) a line, in $tmp/sitting.txt.
record_morning() {
        "$PSOAS_SYNTH" --scenario morning --seed 1 --rate 50 >"$tmp/rec.csv"
        "$PSOAS_SYNTH" --scenario morning --seed 1 --rate 50 --truth >"$tmp/truth.csv"
        "$py" - "$tmp/truth.csv" >"$tmp/sitting.txt" <<'EOF'
import csv, sys
segments = []
for row in csv.DictReader(open(sys.argv[1])):
    t, sitting = float(row["t"]), row["posture"] == "sitting"
    if sitting and segments and t - segments[-1][1] < 30:  # a transition of a few seconds is not a new bout
        segments[-1][1] = t
    elif sitting:
        segments.append([t, t])
for start, end in segments:
    if end - start >= 300:
        print(start, end)
EOF
        [ "$(wc -l <"$tmp/sitting.txt")" -eq 3 ] || fail "the morning's truth has not 3 sitting bouts: $(cat "$tmp/sitting.txt")"
}

case_record_bouts() {
        record_morning
        run 0 --output bouts --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        head -1 "$tmp/out" | grep -qx 'date,start,end,duration_s,posture,ended_by,walking_s,steps' ||
                fail "the bouts' header is $(head -1 "$tmp/out")"
        cp "$tmp/out" "$tmp/bouts.csv"
        run 0 --output bouts --json --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        cp "$tmp/out" "$tmp/bouts.json"
        run 0 --json --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        "$py" - "$tmp" <<'EOF'
import csv, datetime, json, sys
tmp = sys.argv[1]
rows = list(csv.DictReader(open(f"{tmp}/bouts.csv")))
start = datetime.datetime(2024, 5, 1, 8, 0, 0)
def seconds(text):
    return (datetime.datetime.fromisoformat(text) - start).total_seconds()
truth = [tuple(map(float, line.split())) for line in open(f"{tmp}/sitting.txt")]
sitting = [r for r in rows if r["posture"] == "sitting"]
assert len(sitting) == len(truth), (sitting, truth)
for bout, (t0, t1) in zip(sitting, truth):
    assert bout["date"] == "2024-05-01", bout
    assert abs(seconds(bout["start"]) - t0) <= 5 and abs(seconds(bout["end"]) - t1) <= 5, (bout, t0, t1)
    assert abs(int(bout["duration_s"]) - (seconds(bout["end"]) - seconds(bout["start"]))) <= 1, bout
    assert bout["ended_by"] == "stood-up" and bout["walking_s"] == "0", bout
# In order, each bout ending where or before the next begins; the upright bouts between hold the walks.
for a, b in zip(rows, rows[1:]):
    assert a["end"] <= b["start"], (a, b)
assert rows[-1]["ended_by"] == "no-data", rows[-1]
upright = [r for r in rows if r["posture"] == "standing"]
assert upright and sum(int(r["walking_s"]) for r in upright) > 0 and sum(int(r["steps"]) for r in upright) > 0, upright
# The JSON: the same rows, numbers as numbers.
doc = json.load(open(f"{tmp}/bouts.json"))
assert len(doc) == len(rows) and all(str(o[k]) == r[k] for o, r in zip(doc, rows) for k in r), (doc, rows)
# The summary counts the same sitting bouts.
summary = json.load(open(f"{tmp}/out"))
assert summary["sitting_bouts"]["count"] == len(sitting), summary["sitting_bouts"]
EOF
}

case_record_timeline() {
        record_morning
        run 0 --output timeline --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        head -1 "$tmp/out" |
                grep -qx 'date,minute,sitting_s,standing_s,walking_s,lying_s,unknown_s,not_worn_s,no_data_s,steps,tilt_standing_deg,tilt_sitting_deg' ||
                fail "the timeline's header is $(head -1 "$tmp/out")"
        cp "$tmp/out" "$tmp/timeline.csv"
        run 0 --output timeline --json --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        cp "$tmp/out" "$tmp/timeline.json"
        run 0 --json --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        "$py" - "$tmp" <<'EOF'
import csv, json, math, sys
tmp = sys.argv[1]
rows = list(csv.DictReader(open(f"{tmp}/timeline.csv")))
summary = json.load(open(f"{tmp}/out"))
duration = summary["duration_s"]
# Every minute of the recording has data: a row each, in order, from 08:00.
assert len(rows) == math.ceil(duration / 60), (len(rows), duration)
assert [r["minute"] for r in rows[:2]] == ["08:00", "08:01"] and all(r["date"] == "2024-05-01" for r in rows), rows[:2]
counted = ("sitting_s", "standing_s", "walking_s", "lying_s", "unknown_s", "not_worn_s", "no_data_s")
for r in rows[:-1]:
    assert sum(int(r[k]) for k in counted) == 60 and int(r["no_data_s"]) == 0, r
    assert int(r["not_worn_s"]) == 0, r  # worn all morning
# The minutes add up to the summary's totals, and the steps to its steps.
for key in ("sitting", "standing", "walking"):
    total = sum(int(r[key + "_s"]) for r in rows)
    assert abs(total - summary["posture_s"][key]) <= len(rows), (key, total, summary["posture_s"][key])
assert sum(int(r["steps"]) for r in rows) == summary["steps"], summary["steps"]
# Minutes wholly inside a sitting segment of the truth are sitting minutes.
truth = [tuple(map(float, line.split())) for line in open(f"{tmp}/sitting.txt")]
def minute_start(r):
    return (int(r["minute"][:2]) - 8) * 3600 + int(r["minute"][3:]) * 60
inside = [r for r in rows for t0, t1 in truth if t0 + 30 <= minute_start(r) <= t1 - 90]
assert inside and all(int(r["sitting_s"]) >= 55 for r in inside), [r for r in inside if int(r["sitting_s"]) < 55]
# The JSON: the same rows; a tilt with no value is null there and empty in the CSV.
doc = json.load(open(f"{tmp}/timeline.json"))
assert len(doc) == len(rows), (len(doc), len(rows))
for o, r in zip(doc, rows):
    for k, v in r.items():
        assert (o[k] is None and v == "") or (isinstance(o[k], float) and abs(o[k] - float(v)) < 0.006) \
            or str(o[k]) == v, (k, o, r)
EOF
}

# Every column of the record is documented, in psoas-analyze(1) as an item of its own, and in psoasctl(1)'s export.
case_record_columns_documented() {
        "$PSOAS_SYNTH" --scenario seated --seed 1 --rate 50 --duration 10 >"$tmp/r.csv"
        for kind in timeline bouts; do
                run 0 --output "$kind" --start 2024-05-01T08:00 "$tmp/r.csv"
                for column in $(head -1 "$tmp/out" | tr , ' '); do
                        grep -q -- "^	- \*$column\*\|^	- \*[a-z_]*\*, \*$column\*\|, \*$column\*:\| \*$column\*, \*[a-z_]*\*:" \
                                "$here/../../man/psoas-analyze.1.scd" ||
                                fail "psoas-analyze(1) does not say what the $kind column $column is"
                        grep -q -- "\*$column\*" "$here/../../man/psoasctl.1.scd" ||
                                fail "psoasctl(1) does not name the $kind column $column"
                done
        done
}

# Wear time and no data through psoas-analyze: a generated recording with the sensor off the body for an hour
# (scenario "off"), and 15 minutes cut out of its last sitting bout. The hour is not worn (not sitting, not lying)
# in the timeline, the summary and the bouts; the cut is no data: no minutes, and a bout that ends there.
case_record_sensor_off_and_gap() {
        "$PSOAS_SYNTH" --scenario off --seed 3 --rate 50 --truth >"$tmp/truth.csv"
        "$PSOAS_SYNTH" --scenario off --seed 3 --rate 50 | awk -F, 'NR == 1 || $1 < 5600 || $1 >= 6500' >"$tmp/rec.csv"
        for kind in timeline bouts; do
                run 0 --output "$kind" --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
                cp "$tmp/out" "$tmp/$kind.csv"
        done
        run 0 --json --calibrate-first 5 --start 2024-05-01T08:00:00 "$tmp/rec.csv"
        "$py" - "$tmp" <<'EOF'
import csv, datetime, json, sys
tmp = sys.argv[1]
off = [float(r["t"]) for r in csv.DictReader(open(f"{tmp}/truth.csv")) if r["posture"] == "not-worn"]
off0, off1 = min(off), max(off)
assert 3590 < off1 - off0 < 3610, (off0, off1)
gap0, gap1 = 5600, 6500
start = datetime.datetime(2024, 5, 1, 8, 0, 0)
def minute_start(r):
    return (int(r["minute"][:2]) - 8) * 3600 + int(r["minute"][3:]) * 60
rows = list(csv.DictReader(open(f"{tmp}/timeline.csv")))
not_worn = sum(int(r["not_worn_s"]) for r in rows)
assert 3580 <= not_worn <= 3600, not_worn
for r in rows:
    if int(r["not_worn_s"]) > 0:
        assert off0 - 60 <= minute_start(r) <= off1, r
    if off0 + 60 <= minute_start(r) <= off1 - 60:
        assert int(r["not_worn_s"]) == 60, r  # not sitting, not lying: off the body
    assert not gap0 + 60 <= minute_start(r) < gap1 - 60, r  # no minute in the gap
summary = json.load(open(f"{tmp}/out"))
assert abs(summary["posture_s"]["not_worn"] - not_worn) <= 5, (summary["posture_s"], not_worn)
bouts = list(csv.DictReader(open(f"{tmp}/bouts.csv")))
def seconds(text):
    return (datetime.datetime.fromisoformat(text) - start).total_seconds()
sitting = [b for b in bouts if b["posture"] == "sitting"]
# The first bout ended when the sensor came off (after 30 s on the feet, too short for a break).
first = [b for b in sitting if seconds(b["start"]) < 100]
assert len(first) == 1 and first[0]["ended_by"] == "not-worn" and off0 - 40 <= seconds(first[0]["end"]) <= off0 + 5, first
# The last bout stopped with the data, and went on after it.
cut = [b for b in sitting if abs(seconds(b["end"]) - gap0) <= 3]
assert len(cut) == 1 and cut[0]["ended_by"] == "no-data", (cut, sitting)
after = [b for b in sitting if abs(seconds(b["start"]) - gap1) <= 10]
assert len(after) == 1 and after[0]["ended_by"] == "stood-up", (after, sitting)
# Nothing sat, stood or lay while the sensor was on the desk.
for b in bouts:
    assert seconds(b["end"]) <= off0 + 5 or seconds(b["start"]) >= off1 - 5, b
EOF
}

# The record's outputs and their limits: one input only, no --quat, a warning without a wall clock.
case_record_usage() {
        "$PSOAS_SYNTH" --scenario seated --seed 1 --rate 50 >"$tmp/r1.csv"
        cp "$tmp/r1.csv" "$tmp/r2.csv"
        run 64 --output bouts "$tmp/r1.csv" "$tmp/r2.csv"
        expect_stderr "several inputs give one summary each; --output bouts takes one input"
        run 64 --output timeline --jobs 2 "$tmp/r1.csv" "$tmp/r2.csv"
        expect_stderr "--output timeline takes one input"
        run 64 --output timeline --quat "$tmp/r1.csv"
        expect_stderr "--quat adds columns to --output samples only"
        run 64 --output minutes "$tmp/r1.csv"
        expect_stderr "--output 'minutes': expected summary, samples, events, timeline or bouts"
        run 0 --output timeline --calibrate-first 5 "$tmp/r1.csv"
        expect_stderr "warning: no wall clock"
        head -1 "$tmp/out" | grep -q '^date,minute,' || fail "no header: $(head -1 "$tmp/out")"
}

# units_refused UNITS MESSAGE HINT: a recording written in UNITS is refused with exit 65, a message naming the
# columns and the unit they look like, and the --units that converts it.
units_refused() {
        gen --pattern sit-stand --seconds 30 --gyro-bias 0.03 --units "$1" >"$tmp/rec.csv"
        run 65 --calibrate-first 5 "$tmp/rec.csv"
        expect_stderr "$tmp/rec.csv: $2"
        expect_stderr "(give --units $3 to convert)"
        [ ! -s "$tmp/out" ] || fail "a summary was printed for a recording in the wrong units"
}

case_units_accel_in_g() {
        units_refused g "columns ax, ay, az look like g, not m/s²: their magnitude is 1.00" g
}

case_units_gyro_in_degrees() {
        units_refused deg/s "columns gx, gy, gz look like degrees per second, not rad/s" deg/s
}

case_units_time_in_milliseconds() {
        units_refused ms "column t looks like milliseconds, not seconds: its samples are 10 apart (0.1 Hz)" ms
}

case_units_all_wrong() {
        units_refused g,deg/s,ms "column t looks like milliseconds" ms,g,deg/s
        expect_stderr "columns ax, ay, az look like g"
        expect_stderr "columns gx, gy, gz look like degrees per second"
}

case_units_converted() {
        # The same recording in SI units and in g, deg/s and ms with --units: the same analysis.
        gen --pattern sit-stand --seconds 30 --gyro-bias 0.03 >"$tmp/si.csv"
        gen --pattern sit-stand --seconds 30 --gyro-bias 0.03 --units g,deg/s,ms >"$tmp/other.csv"
        run 0 --json --calibrate-first 5 "$tmp/si.csv"
        mv "$tmp/out" "$tmp/si.json"
        run 0 --json --calibrate-first 5 --units ms,deg/s,g "$tmp/other.csv"
        json_check "$tmp/out" '
with open("'"$tmp/si.json"'") as f:
    si = json.load(f)
assert doc["samples"] == si["samples"] == 3000, (doc["samples"], si["samples"])
assert abs(doc["duration_s"] - si["duration_s"]) < 1e-3, (doc["duration_s"], si["duration_s"])
assert all(abs(doc["posture_s"][k] - si["posture_s"][k]) <= 0.05 for k in si["posture_s"]), (doc["posture_s"], si["posture_s"])
assert doc["sitting_bouts"] == si["sitting_bouts"] and doc["calibration"]["ok"] == si["calibration"]["ok"], (doc, si)
'
        # Units that do not match the file are refused too.
        run 65 --calibrate-first 5 --units g,deg/s,ms "$tmp/si.csv"
        expect_stderr "are faster than any sensor psoas reads; is it in seconds already?"
        expect_stderr "are they in m/s² already?"
}

case_units_usage() {
        gen --seconds 2 >"$tmp/rec.csv"
        run 64 --units kg "$tmp/rec.csv"
        expect_stderr "--units 'kg': unknown unit 'kg'; the accelerometer is in m/s2 or g"
        run 64 --units g,m/s2 "$tmp/rec.csv"
        expect_stderr "--units 'g,m/s2': 'm/s2': a second unit for the accelerometer"
        run 64 --units '' "$tmp/rec.csv"
        expect_stderr "--units '': no units given"
        run 0 --units m/s2,rad/s,s "$tmp/rec.csv"
        run 0 --help
        grep -q -- '--units=LIST' "$tmp/out" || fail "--help does not list --units"
}

# The stretches acted out (tests/synth/psoas-synth-stretch, PSOAS_SYNTH_STRETCH): each with a signature is
# verified done right, with its progress; never standing, sitting, walking or arched.
SIGNATURES='standing-hip-flexor:standing-tuck:hold standing-quad:one-leg-tuck:hold hamstring:standing-hinge:hold
walking-break:walking:hold120 piriformis:seated-hinge:hold kneeling-hip-flexor:kneeling-tuck:hold
couch-stretch:kneeling-tuck:hold glute-bridge:bridge-reps:reps1 clamshell:side-lying-reps:reps
bird-dog:all-fours-alternating:reps plank:prone-hold:hold1'

# act ID CHECK DOSE VARIANT [PAD]: writes $tmp/act.csv and runs psoas-analyze's JSON events over it.
act() {
        case $3 in
        hold) dose="--hold 20" ;;
        hold1) dose="--hold 20 --one-side" ;;
        hold120) dose="--hold 120 --one-side" ;;
        reps) dose="--reps 10" ;;
        reps1) dose="--reps 10 --one-side" ;;
        esac
        # shellcheck disable=SC2086
        "$PSOAS_SYNTH_STRETCH" --check "$2" --variant "$4" --pad "${5:-0}" $dose >"$tmp/act.csv"
        # shellcheck disable=SC2086
        forward=$("$PSOAS_SYNTH_STRETCH" --check "$2" --variant "$4" $dose --forward)
        run 0 --output events --json --calibrate 2,10 --forward "$forward" --sitting-alert 1 --stretch "$1" \
                "$tmp/act.csv"
}

case_stretch_events_verified() {
        for entry in $SIGNATURES; do
                id=${entry%%:*}
                rest=${entry#*:}
                act "$id" "${rest%%:*}" "${rest#*:}" right
                json_check "$tmp/out" '
id = sys.argv[3]
prompts = [e for e in doc if e["type"] == "stretch-prompt"]
assert len(prompts) == 1 and prompts[0]["stretch"] == id, prompts
assert prompts[0]["verifiable"] is True and len(prompts[0]["safety"]) > 20, prompts
done = [e for e in doc if e["type"] == "stretch-done"]
assert [(e["stretch"], e["result"]) for e in done] == [(id, "verified")], done
progress = [e for e in doc if e["type"] == "stretch-progress"]
assert progress and all(e["stretch"] == id for e in progress), progress
assert all(e["t"] <= done[0]["t"] for e in progress), "progress after the verification"
assert not [e for e in doc if e["type"] == "stretch-missed"], doc
' "$id"
        done
}

# not_verified VARIANT [PAD]: no stretch is verified; with a pad (past the prompt's window), it is missed.
not_verified() {
        for entry in $SIGNATURES; do
                id=${entry%%:*}
                rest=${entry#*:}
                check=${rest%%:*}
                if [ "$check" = walking ] && [ "$1" != standing ] && [ "$1" != sitting ]; then
                        continue
                fi
                act "$id" "$check" "${rest#*:}" "$1" "${2:-0}"
                json_check "$tmp/out" '
id, padded = sys.argv[3], sys.argv[4] != "0"
assert len([e for e in doc if e["type"] == "stretch-prompt"]) == 1, doc
assert not [e for e in doc if e["type"] == "stretch-done"], [e for e in doc if e["type"] == "stretch-done"]
missed = [e for e in doc if e["type"] == "stretch-missed"]
if padded:
    assert len(missed) == 1 and missed[0]["stretch"] == id and "stood-up" in missed[0]["seen"], missed
' "$id" "${2:-0}"
        done
}

case_stretch_events_standing() {
        not_verified standing 600
}

case_stretch_events_sitting() {
        not_verified sitting
}

case_stretch_events_walking() {
        not_verified walking
}

case_stretch_events_arched() {
        not_verified arched
}

case_stretch_events_text() {
        act plank prone-hold hold1 right
        run 0 --output events --calibrate 2,10 --forward "$forward" --sitting-alert 1 --stretch plank "$tmp/act.csv"
        grep -qF 'stretch prompt after a sitting alert: Plank (plank); the sensor confirms it by its signature; safety: End the hold when your hips sag' \
                "$tmp/out" || fail "the prompt and its safety note: $(grep prompt "$tmp/out")"
        grep -qF 'stretch progress: Plank (plank): held 1 of 20 s' "$tmp/out" || fail "no progress"
        grep -qF 'stretch done (verified): Plank (plank)' "$tmp/out" || fail "not verified"
        # Standing up is said to be what it is.
        act standing-hip-flexor standing-tuck hold standing 600
        run 0 --output events --calibrate 2,10 --forward "$forward" --sitting-alert 1 "$tmp/act.csv"
        grep -qF 'stretch not confirmed: Standing hip-flexor stretch (standing-hip-flexor); seen instead: stood up (a break, not the stretch);' \
                "$tmp/out" || fail "the missed stretch: $(grep stretch "$tmp/out")"
        if grep -q 'stretch done' "$tmp/out"; then
                fail "a stretch done"
        fi
}

fn=case_$(printf '%s' "$case" | tr - _)
command -v "$fn" >/dev/null 2>&1 || fail "no such case"
"$fn"
