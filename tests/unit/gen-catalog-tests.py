#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests for lib/gen-catalog (the C tool that compiles the catalog through psoasd's catalog reader): broken catalogs are refused with a message naming the file, the entry and the key,
and good ones compile to C whose strings come back byte for byte.

Usage: gen-catalog-tests.py GEN_CATALOG [STRETCHES_JSON]   (default: the catalog in this source tree)
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.abspath(sys.argv[1])
DATA = os.path.abspath(
    sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "data", "stretches.json"))
INCLUDE = os.path.join(HERE, "..", "..", "lib", "include")

GOOD = {
    "version": 1,
    "stretches": [
        {
            "id": "first",
            "title": "First",
            "muscles": "psoas",
            "places": ["desk"],
            "targets": ["hip-flexors"],
            "check": "upright",
            "hold_seconds": [20, 30],
            "per_side": True,
            "instructions": "Stand. Stretch.",
            "safety": "Stop on sharp pain.",
        },
        {
            "id": "second",
            "title": "Second",
            "muscles": "gluteus maximus",
            "places": ["floor"],
            "targets": ["glutes", "core"],
            "check": "floor",
            "reps": [10, 12],
            "per_side": False,
            "instructions": "Lie down. Lift.",
            "safety": "Stop on sharp pain.",
        },
    ],
}


def entry(doc, index):
    return doc["stretches"][index]


def change(path_and_value):
    """A mutation setting (or, with value DELETE, removing) one key of the good catalog."""
    *path, value = path_and_value

    def mutate(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return doc

    return mutate


DELETE = object()

# name, a mutation of GOOD (or raw file text), and the pieces the error message must contain.
BROKEN = [
    ("top-level unknown key", change(["extra", 1]), ["extra:"]),
    ("missing version", change(["version", DELETE]), ["version:", "missing"]),
    ("unknown version", change(["version", 2]), ["version:"]),
    ("version not an integer", change(["version", 1.0]), ["version:"]),
    ("empty stretches", change(["stretches", []]), ["stretches:"]),
    ("stretches not a list", change(["stretches", {}]), ["stretches:"]),
    ("entry not an object", change(["stretches", 1, "nope"]), ["stretches[1]"]),
    ("unknown entry key", change(["stretches", 0, "hold", [1, 2]]), ["stretches[0]", "(stretch \'first\')", "hold:"]),
    ("missing title", change(["stretches", 1, "title", DELETE]), ["stretches[1]", "(stretch \'second\')", "title:"]),
    ("missing id", change(["stretches", 1, "id", DELETE]), ["stretches[1]", "id:", "missing"]),
    ("missing per_side", change(["stretches", 0, "per_side", DELETE]), ["(stretch \'first\')", "per_side:"]),
    ("missing safety", change(["stretches", 0, "safety", DELETE]), ["(stretch \'first\')", "safety:"]),
    ("title not a string", change(["stretches", 0, "title", 7]), ["(stretch \'first\')", "title:", "string"]),
    ("empty muscles", change(["stretches", 0, "muscles", " "]), ["(stretch \'first\')", "muscles:", "empty"]),
    ("control character", change(["stretches", 1, "instructions", "Lie\ndown."]),
     ["(stretch \'second\')", "instructions:"]),
    ("NUL in a string", change(["stretches", 1, "safety", "Stop\u0000"]), ["(stretch \'second\')", "safety:"]),
    ("id upper case", change(["stretches", 0, "id", "First"]), ["stretches[0]", "id:", "First"]),
    ("id underscore", change(["stretches", 1, "id", "sec_ond"]), ["stretches[1]", "id:"]),
    ("id empty", change(["stretches", 1, "id", ""]), ["stretches[1]", "id:"]),
    ("id not a string", change(["stretches", 1, "id", 2]), ["stretches[1]", "id:"]),
    ("duplicate id", change(["stretches", 1, "id", "first"]), ["stretches[1]", "(stretch \'first\')", "id:",
                                                               "stretches[0]"]),
    ("both hold and reps", change(["stretches", 0, "reps", [1, 2]]), ["(stretch \'first\')", "reps:", "both"]),
    ("neither hold nor reps", change(["stretches", 0, "hold_seconds", DELETE]), ["(stretch \'first\')", "hold_seconds:"]),
    ("min > max", change(["stretches", 1, "reps", [12, 10]]), ["(stretch \'second\')", "reps:", "greater"]),
    ("range of one", change(["stretches", 0, "hold_seconds", [30]]), ["(stretch \'first\')", "hold_seconds:"]),
    ("range of three", change(["stretches", 0, "hold_seconds", [1, 2, 3]]), ["(stretch \'first\')", "hold_seconds:"]),
    ("range not a list", change(["stretches", 0, "hold_seconds", 30]), ["(stretch \'first\')", "hold_seconds:"]),
    ("fractional seconds", change(["stretches", 0, "hold_seconds", [20.5, 30]]), ["(stretch \'first\')", "hold_seconds:"]),
    ("boolean as a number", change(["stretches", 1, "reps", [True, 12]]), ["(stretch \'second\')", "reps:"]),
    ("zero minimum", change(["stretches", 1, "reps", [0, 12]]), ["(stretch \'second\')", "reps:"]),
    ("beyond uint32", change(["stretches", 1, "reps", [1, 2**32]]), ["(stretch \'second\')", "reps:"]),
    ("per_side not a boolean", change(["stretches", 0, "per_side", "yes"]), ["(stretch \'first\')", "per_side:"]),
    ("per_side as 1", change(["stretches", 0, "per_side", 1]), ["(stretch \'first\')", "per_side:"]),
    ("unknown place", change(["stretches", 0, "places", ["desk", "kitchen"]]), ["(stretch \'first\')", "places:",
                                                                                "kitchen"]),
    ("no places", change(["stretches", 0, "places", []]), ["(stretch \'first\')", "places:"]),
    ("place twice", change(["stretches", 0, "places", ["desk", "desk"]]), ["(stretch \'first\')", "places:", "twice"]),
    ("places not a list", change(["stretches", 0, "places", "desk"]), ["(stretch \'first\')", "places:"]),
    ("unknown target", change(["stretches", 1, "targets", ["abs"]]), ["(stretch \'second\')", "targets:", "abs"]),
    ("no targets", change(["stretches", 1, "targets", []]), ["(stretch \'second\')", "targets:"]),
    ("target not a string", change(["stretches", 1, "targets", [["core"]]]), ["(stretch \'second\')", "targets:"]),
    ("unknown check", change(["stretches", 1, "check", "standing"]), ["(stretch \'second\')", "check:", "standing"]),
    ("check not a string", change(["stretches", 1, "check", None]), ["(stretch \'second\')", "check:"]),
    ("duplicate key in an entry",
     json.dumps(GOOD, indent=2).replace('"title": "Second",', '"title": "Second", "title": "Again",'),
     ["stretches[1]", "title:", "more than once", "line 25"]),
    ("duplicate top-level key", json.dumps(GOOD).replace('{"version": 1,', '{"version": 1, "version": 1,'),
     ["version:"]),
    ("syntax error", json.dumps(GOOD)[:-5], ["not valid JSON"]),
    ("NaN", json.dumps(GOOD).replace("[20, 30]", "[NaN, 30]"), ["not valid JSON", "NaN"]),
    ("top level not an object", "[]", ["top level"]),
    ("not UTF-8", b'{"version": 1, "stretches": "\xff"}', ["utf-8"]),
]

failures = []


def fail(name, message):
    failures.append(name)
    print(f"FAIL {name}: {message}", file=sys.stderr)


def run(source, output):
    return subprocess.run([GEN, source, output], capture_output=True, text=True)


def write(path, content):
    if isinstance(content, bytes):
        data = content
    elif isinstance(content, str):
        data = content.encode("utf-8")
    else:
        data = json.dumps(content, indent=2, ensure_ascii=False).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def test_broken(tmp):
    for i, (name, broken, needles) in enumerate(BROKEN):
        source = os.path.join(tmp, f"broken-{i}.json")
        output = os.path.join(tmp, f"broken-{i}.c")
        write(source, broken(copy.deepcopy(GOOD)) if callable(broken) else broken)
        r = run(source, output)
        message = r.stderr.strip()
        if r.returncode != 1:
            fail(name, f"exit status {r.returncode}, expected 1; stderr: {message!r}")
            continue
        if "Traceback" in r.stderr:
            fail(name, f"crashed instead of reporting: {message}")
            continue
        missing = [n for n in [source] + needles if n not in message]
        if missing:
            fail(name, f"message {message!r} lacks {missing}")
            continue
        if os.path.exists(output):
            fail(name, "wrote the output despite the error")
            continue
        if len(message.splitlines()) != 1:
            fail(name, f"expected one line, got {message!r}")
            continue
        print(f"ok   {name}: {message}")


def test_usage(tmp):
    r = subprocess.run([GEN], capture_output=True, text=True)
    if r.returncode == 0 or "usage" not in r.stderr:
        fail("usage", f"exit {r.returncode}, stderr {r.stderr!r}")
    r = run(os.path.join(tmp, "does-not-exist.json"), os.path.join(tmp, "x.c"))
    if r.returncode != 1 or "does-not-exist.json" not in r.stderr:
        fail("missing input", f"exit {r.returncode}, stderr {r.stderr!r}")
    else:
        print("ok   usage and missing input")


def test_shipped_catalog(tmp):
    output = os.path.join(tmp, "shipped.c")
    r = run(DATA, output)
    if r.returncode != 0:
        fail("shipped catalog", r.stderr.strip())
        return
    with open(output, encoding="utf-8") as f:
        text = f.read()
    for needle in ["psoas_stretch_default_catalog(size_t *ret_n)", '#include "psoas/psoas.h"']:
        if needle not in text:
            fail("shipped catalog", f"output lacks {needle!r}")
            return
    print("ok   shipped catalog")


# Strings that C escaping must get right: quotes, backslashes, trigraphs, octal-looking digits after a
# non-ASCII byte, UTF-8, and a literal long enough to be split over several lines.
TRICKY = {
    "title": 'Say "hi" \\ back\\slash ??= ??/ ?',
    "muscles": "café, glutéus, 10° – ½ 0123",
    "instructions": ("é1 é12 é7a " + "word " * 60).strip(),
    "safety": "Stop. \\n is not a newline; \\x41 is not an A; %s %d are not formats.",
}


def test_escaping(tmp):
    doc = copy.deepcopy(GOOD)
    doc["$comment"] = "tricky strings"
    entry(doc, 0).update(TRICKY)
    entry(doc, 1)["$comment"] = "entries may carry a comment too"
    source = os.path.join(tmp, "tricky.json")
    output = os.path.join(tmp, "tricky.c")
    write(source, doc)
    r = run(source, output)
    if r.returncode != 0:
        fail("escaping", f"generator refused a good catalog: {r.stderr.strip()}")
        return
    with open(output, encoding="utf-8") as f:
        if any(len(line.rstrip("\n")) > 109 for line in f):
            fail("escaping", "generated lines exceed 109 columns")
            return

    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        print("note escaping: no C compiler found, only the generator's exit status was checked")
        return

    # Print every string field of the first entry NUL-separated, and compare the bytes with the JSON.
    main_c = os.path.join(tmp, "main.c")
    with open(main_c, "w") as f:
        f.write("""#include <stdio.h>
#include "psoas/psoas.h"
int main(void) {
        size_t n;
        const struct psoas_stretch *c = psoas_stretch_default_catalog(&n);
        const char *fields[] = { c[0].id, c[0].title, c[0].muscles, c[0].instructions, c[0].safety, c[1].id };
        printf("%zu", n);
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                putchar(0);
                fputs(fields[i], stdout);
        }
        printf("%c%u %u %d %u %u %d", 0, c[0].hold_min_s, c[0].places, (int)c[0].check, c[1].reps_max,
                c[1].targets, (int)c[1].per_side);
        return 0;
}
""")
    exe = os.path.join(tmp, "tricky")
    # -std=c11 turns trigraphs on: an unescaped "??/" would break the build or the string.
    r = subprocess.run(cc.split() + ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wtrigraphs", "-I", INCLUDE,
                                     "-o", exe, main_c, output], capture_output=True, text=True)
    if r.returncode != 0:
        fail("escaping", f"generated C does not compile: {r.stderr.strip()}")
        return
    got = subprocess.run([exe], capture_output=True).stdout.split(b"\0")
    first = entry(doc, 0)
    want = [b"2"] + [first[k].encode("utf-8") for k in ("id", "title", "muscles", "instructions", "safety")]
    want += [b"second", b"20 1 1 12 12 0"]
    if got != want:
        fail("escaping", f"strings did not survive: got {got!r}, want {want!r}")
        return
    print("ok   escaping round trip through the C compiler")


def main():
    for path in (GEN, DATA):
        if not os.path.exists(path):
            print(f"missing {path}", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="gen-catalog-tests-") as tmp:
        test_broken(tmp)
        test_usage(tmp)
        test_shipped_catalog(tmp)
        test_escaping(tmp)
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
