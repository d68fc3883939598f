#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compile the stretch catalog (data/stretches.json) into C for libpsoas.

Usage: gen-catalog.py INPUT.json OUTPUT.c

The input is one JSON object:

    {
      "$comment": "optional, any string",
      "version": 1,
      "stretches": [ ENTRY, ... ]            at least one
    }

and each ENTRY is an object with these keys, all required unless marked:

    "$comment"      optional string, ignored
    "id"            string of [a-z0-9-], unique in the catalog: what the wearer's self-report names
    "title"         string, e.g. "Kneeling hip-flexor stretch"
    "muscles"       string, e.g. "psoas, iliacus, rectus femoris"
    "places"        non-empty list of distinct "desk" (can be done by the desk, standing or seated) and "floor"
                    (needs the floor or a mat: kneeling, lying, on all fours); floor exercises are prompted only
                    when the wearer's configuration allows them
    "targets"       non-empty list of distinct "hip-flexors", "quadriceps", "glutes", "core", "piriformis",
                    "hamstrings"
    "check"         the pelvic signature the sensor confirms it by (enum psoas_stretch_check in psoas.h):
                    holds "standing-tuck", "kneeling-tuck", "one-leg-tuck", "standing-hinge", "seated-hinge",
                    "prone-hold", "walking" (these need "hold_seconds"); repetitions "bridge-reps",
                    "side-lying-reps", "all-fours-alternating" (these need "reps"); or "none" (no signature:
                    self-report only). The old "upright" and "floor" are accepted and confirm nothing.
    "hold_seconds"  [min, max]: seconds to hold, per side when per_side
    "reps"          [min, max]: repetitions, per side when per_side
    "per_side"      true or false
    "instructions"  string: a few plain sentences
    "safety"        string: when to stop

Exactly one of "hold_seconds" and "reps" is present; both numbers are integers with 1 <= min <= max <= 2^32-1.
Strings must be non-empty and free of control characters. Unknown keys, duplicate keys, wrong types and
duplicate ids are errors: the message names the file, the entry (index and id) and the key, and the exit status
is 1. Nothing is written unless the whole catalog is valid.

The output defines psoas_stretch_default_catalog() (see lib/include/psoas/psoas.h) over a static const array,
in the order of the input: the engine rotates through stretches in catalog order.
"""

import json
import os
import re
import sys
import tempfile

UINT32_MAX = 2**32 - 1

PLACES = {
    "desk": "PSOAS_PLACE_DESK",
    "floor": "PSOAS_PLACE_FLOOR",
}
TARGETS = {
    "hip-flexors": "PSOAS_TARGET_HIP_FLEXORS",
    "quadriceps": "PSOAS_TARGET_QUADRICEPS",
    "glutes": "PSOAS_TARGET_GLUTES",
    "core": "PSOAS_TARGET_CORE",
    "piriformis": "PSOAS_TARGET_PIRIFORMIS",
    "hamstrings": "PSOAS_TARGET_HAMSTRINGS",
}
CHECKS = {
    "none": "PSOAS_CHECK_NONE",
    "upright": "PSOAS_CHECK_UPRIGHT",
    "floor": "PSOAS_CHECK_FLOOR",
    "standing-tuck": "PSOAS_CHECK_STANDING_TUCK",
    "kneeling-tuck": "PSOAS_CHECK_KNEELING_TUCK",
    "one-leg-tuck": "PSOAS_CHECK_ONE_LEG_TUCK",
    "standing-hinge": "PSOAS_CHECK_STANDING_HINGE",
    "seated-hinge": "PSOAS_CHECK_SEATED_HINGE",
    "bridge-reps": "PSOAS_CHECK_BRIDGE_REPS",
    "side-lying-reps": "PSOAS_CHECK_SIDE_LYING_REPS",
    "all-fours-alternating": "PSOAS_CHECK_ALL_FOURS_ALTERNATING",
    "prone-hold": "PSOAS_CHECK_PRONE_HOLD",
    "walking": "PSOAS_CHECK_WALKING",
}
# The signatures that count repetitions; the others (but none, upright and floor) time a hold.
REP_CHECKS = {"bridge-reps", "side-lying-reps", "all-fours-alternating"}
NO_SIGNATURE = {"none", "upright", "floor"}

TOP_KEYS = {"$comment", "version", "stretches"}
ENTRY_REQUIRED = ["id", "title", "muscles", "places", "targets", "check", "per_side", "instructions", "safety"]
ENTRY_OPTIONAL = ["$comment", "hold_seconds", "reps"]
ENTRY_KEYS = set(ENTRY_REQUIRED) | set(ENTRY_OPTIONAL)

ID_RE = re.compile(r"[a-z0-9-]+")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class CatalogError(Exception):
    pass


class JsonObject(dict):
    """A JSON object that remembers keys given more than once, so they can be reported with their location
    (json.load() would silently keep the last one)."""

    def __init__(self, pairs):
        super().__init__()
        self.duplicates = []
        for key, value in pairs:
            if key in self and key not in self.duplicates:
                self.duplicates.append(key)
            self[key] = value


class Checker:
    def __init__(self, path):
        self.path = path

    def fail(self, where, key, message):
        prefix = f"{self.path}: {where}"
        if key is not None:
            prefix += f": key '{key}'"
        raise CatalogError(f"{prefix}: {message}")

    def keys(self, where, obj, allowed, required):
        for key in obj.duplicates:
            self.fail(where, key, "given more than once")
        for key in obj:
            if key not in allowed:
                self.fail(where, key, f"unknown key (known: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in obj:
                self.fail(where, key, "missing")

    def string(self, where, key, value):
        if not isinstance(value, str):
            self.fail(where, key, f"expected a string, got {type_name(value)}")
        if not value.strip():
            self.fail(where, key, "must not be empty")
        if CONTROL_RE.search(value):
            self.fail(where, key, "must not contain control characters (newlines, tabs, NUL)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(where, key, "is not valid Unicode (lone surrogate escape?)")
        return value

    def integer(self, where, key, value, what):
        # bool is an int in Python; JSON true must not pass for 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, key, f"{what} must be an integer, got {type_name(value)}")
        if not 1 <= value <= UINT32_MAX:
            self.fail(where, key, f"{what} must be between 1 and {UINT32_MAX}, got {value}")
        return value

    def range(self, where, key, value):
        if not isinstance(value, list) or len(value) != 2:
            self.fail(where, key, f"expected [min, max], got {describe(value)}")
        lo = self.integer(where, key, value[0], "min")
        hi = self.integer(where, key, value[1], "max")
        if lo > hi:
            self.fail(where, key, f"min {lo} is greater than max {hi}")
        return lo, hi

    def flags(self, where, key, value, known):
        if not isinstance(value, list) or not value:
            self.fail(where, key, f"expected a non-empty list of strings, got {describe(value)}")
        seen = []
        for item in value:
            if not isinstance(item, str) or item not in known:
                self.fail(where, key, f"unknown value {describe(item)} (known: {', '.join(known)})")
            if item in seen:
                self.fail(where, key, f"'{item}' listed twice")
            seen.append(item)
        return seen

    def entry(self, index, obj):
        where = f"stretches[{index}]"
        if not isinstance(obj, dict):
            self.fail(where, None, f"expected an object, got {type_name(obj)}")

        # Name the entry by its id as early as possible, so later messages are easy to find in the file.
        if "id" in obj:
            ident = self.string(where, "id", obj["id"])
            if not ID_RE.fullmatch(ident):
                self.fail(where, "id", f"'{ident}' may contain only a-z, 0-9 and '-'")
            where = f"{where} (id '{ident}')"

        self.keys(where, obj, ENTRY_KEYS, ENTRY_REQUIRED)
        if "$comment" in obj:
            self.string(where, "$comment", obj["$comment"])

        has_hold = "hold_seconds" in obj
        has_reps = "reps" in obj
        if has_hold and has_reps:
            self.fail(where, "reps", "give either hold_seconds or reps, not both")
        if not has_hold and not has_reps:
            self.fail(where, "hold_seconds", "missing: give either hold_seconds or reps")
        hold = self.range(where, "hold_seconds", obj["hold_seconds"]) if has_hold else (0, 0)
        reps = self.range(where, "reps", obj["reps"]) if has_reps else (0, 0)

        if not isinstance(obj["per_side"], bool):
            self.fail(where, "per_side", f"expected true or false, got {describe(obj['per_side'])}")
        check = obj["check"]
        if not isinstance(check, str) or check not in CHECKS:
            self.fail(where, "check", f"unknown value {describe(check)} (known: {', '.join(CHECKS)})")
        if check not in NO_SIGNATURE and (check in REP_CHECKS) != has_reps:
            self.fail(where, "check", f"'{check}' " + ("counts repetitions: give reps" if check in REP_CHECKS
                                                        else "times a hold: give hold_seconds"))

        return {
            "id": ident,
            "title": self.string(where, "title", obj["title"]),
            "muscles": self.string(where, "muscles", obj["muscles"]),
            "instructions": self.string(where, "instructions", obj["instructions"]),
            "safety": self.string(where, "safety", obj["safety"]),
            "hold": hold,
            "reps": reps,
            "per_side": obj["per_side"],
            "places": self.flags(where, "places", obj["places"], PLACES),
            "targets": self.flags(where, "targets", obj["targets"], TARGETS),
            "check": check,
        }

    def catalog(self, doc):
        if not isinstance(doc, dict):
            self.fail("top level", None, f"expected an object, got {type_name(doc)}")
        self.keys("top level", doc, TOP_KEYS, ["version", "stretches"])
        if "$comment" in doc:
            self.string("top level", "$comment", doc["$comment"])
        version = doc["version"]
        if type(version) is not int or version != 1:
            self.fail("top level", "version", f"only version 1 is known, got {describe(version)}")
        stretches = doc["stretches"]
        if not isinstance(stretches, list) or not stretches:
            self.fail("top level", "stretches", f"expected a non-empty list, got {describe(stretches)}")

        entries = []
        first_index = {}
        for index, obj in enumerate(stretches):
            entry = self.entry(index, obj)
            if entry["id"] in first_index:
                self.fail(f"stretches[{index}] (id '{entry['id']}')", "id",
                          f"duplicate of stretches[{first_index[entry['id']]}]")
            first_index[entry["id"]] = index
            entries.append(entry)
        return entries


def type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def describe(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else type_name(value)


def reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def load(path):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as e:
        raise CatalogError(f"{path}: cannot read: {e.strerror}")
    except UnicodeDecodeError as e:
        raise CatalogError(f"{path}: not UTF-8 at byte {e.start}")
    try:
        return json.loads(text, object_pairs_hook=JsonObject, parse_constant=reject_constant)
    except json.JSONDecodeError as e:
        raise CatalogError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}")
    except ValueError as e:
        raise CatalogError(f"{path}: invalid JSON: {e}")


def c_tokens(s):
    """The C source for each UTF-8 byte of s, as a list of tokens that may be split between literals."""
    tokens = []
    for byte in s.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            tokens.append("\\" + ch)
        elif ch == "?":
            # A "??x" sequence is a trigraph in strict ISO modes.
            tokens.append("\\?")
        elif 0x20 <= byte < 0x7F:
            tokens.append(ch)
        else:
            # Always three octal digits, so a following digit cannot extend the escape (\x would).
            tokens.append(f"\\{byte:03o}")
    return tokens


def c_string(s, width):
    """s as adjacent C string literals of at most width characters each (quotes included), broken after a space
    where possible so the generated file stays readable."""
    lines = []
    current = []  # tokens of the line being built
    length = 2  # the quotes
    for token in c_tokens(s):
        if current and length + len(token) > width:
            spaces = [i for i, t in enumerate(current) if t == " "]
            cut = spaces[-1] + 1 if spaces else len(current)
            lines.append("".join(current[:cut]))
            current = current[cut:]
            length = 2 + sum(len(t) for t in current)
        current.append(token)
        length += len(token)
    lines.append("".join(current))
    return [f'"{line}"' for line in lines]


def c_field(name, value, indent, column_limit=109):
    """One designated initializer for a string field: on one line when it fits, else the literals below it."""
    one_line = f"{indent}.{name} = "
    literals = c_string(value, column_limit - len(one_line) - 1)
    if len(literals) == 1:
        return [f"{one_line}{literals[0]},"]
    inner = indent + " " * 8
    literals = c_string(value, column_limit - len(inner) - 1)
    return [f"{indent}.{name} ="] + [inner + lit for lit in literals[:-1]] + [f"{inner}{literals[-1]},"]


def c_flags(names, table):
    return " | ".join(table[name] for name in names)


def render(entries, source_name):
    out = [
        "/* SPDX-License-Identifier: LGPL-2.1-or-later */",
        f"/* Generated by gen-catalog.py from {source_name}: edit that file instead. */",
        "",
        "#include <stddef.h>",
        "",
        '#include "psoas/psoas.h"',
        "",
        "static const struct psoas_stretch default_catalog[] = {",
    ]
    field_indent = " " * 16
    for e in entries:
        out.append(" " * 8 + "{")
        out.append(f"{field_indent}.size = sizeof(struct psoas_stretch),")
        for name in ("id", "title", "muscles", "instructions", "safety"):
            out += c_field(name, e[name], field_indent)
        out.append(f"{field_indent}.hold_min_s = {e['hold'][0]}u,")
        out.append(f"{field_indent}.hold_max_s = {e['hold'][1]}u,")
        out.append(f"{field_indent}.reps_min = {e['reps'][0]}u,")
        out.append(f"{field_indent}.reps_max = {e['reps'][1]}u,")
        out.append(f"{field_indent}.per_side = {'true' if e['per_side'] else 'false'},")
        out.append(f"{field_indent}.places = {c_flags(e['places'], PLACES)},")
        out.append(f"{field_indent}.targets = {c_flags(e['targets'], TARGETS)},")
        out.append(f"{field_indent}.check = {CHECKS[e['check']]},")
        out.append(" " * 8 + "},")
    out += [
        "};",
        "",
        "const struct psoas_stretch *psoas_stretch_default_catalog(size_t *ret_n) {",
        "        if (ret_n)",
        "                *ret_n = sizeof(default_catalog) / sizeof(default_catalog[0]);",
        "        return default_catalog;",
        "}",
        "",
    ]
    return "\n".join(out)


def write_atomically(path, text):
    # A failed or interrupted run must not leave a half-written file that a later build would trust.
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".gen-catalog-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def main(argv):
    if len(argv) != 3:
        print(f"usage: {os.path.basename(argv[0])} INPUT.json OUTPUT.c", file=sys.stderr)
        return 2
    source, output = argv[1], argv[2]
    try:
        entries = Checker(source).catalog(load(source))
    except CatalogError as e:
        print(f"gen-catalog: {e}", file=sys.stderr)
        return 1
    try:
        write_atomically(output, render(entries, os.path.basename(source)))
    except OSError as e:
        print(f"gen-catalog: {output}: cannot write: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
