#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the C program in the EXAMPLE section of a scdoc page to a file, so that the build compiles it.

Usage: extract-example.py PAGE.scd OUTPUT.c
"""

import re
import sys


def main():
    page, output = sys.argv[1:3]
    with open(page) as f:
        lines = f.read().split("\n")
    try:
        section = lines.index("# EXAMPLE")
        start = lines.index("```", section + 1)
        end = lines.index("```", start + 1)
    except ValueError:
        print("%s: no ``` block in an EXAMPLE section" % page)
        return 1
    # In a scdoc literal block a backslash escapes the next character ("\\n" is printed as "\n").
    code = "\n".join(re.sub(r"\\(.)", r"\1", line) for line in lines[start + 1:end]) + "\n"
    with open(output, "w") as f:
        f.write("/* Extracted from %s by tests/system/extract-example.py. */\n" % page.split("/")[-1])
        f.write("#line %d \"%s\"\n" % (start + 2, page))
        f.write(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
