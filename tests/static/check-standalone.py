#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-standalone.py SOURCE_ROOT

The test suite stands alone: a clone with nothing beside it runs every test. So no file under tests/, no
meson.build or meson_options.txt anywhere, and not tools/test may name the folder kept beside the source tree
(the parent's shared/, where the whole data sets live): data a test needs is in the repository (tests/data/),
and the benchmarks over the whole data sets are tools/bench's. Prints each offending line as FILE:LINE: TEXT
and exits 1 if there is any.
"""

import os
import re
import sys

# Spelled in pieces so that this file does not match itself.
PATTERN = re.compile(r'\.\.' + '/shared' + r'|\bshared' + '/data' + r"|'\.\.'\s*/\s*'shared'")
# What is read: every file under tests/, the build files, and the script that runs the suite.
TREES = ['tests']
FILES = ['tools/test']
BUILD_FILES = ('meson.build', 'meson_options.txt', 'meson.options')


def candidates(top):
    for name in FILES:
        yield name
    for dirpath, dirnames, filenames in os.walk(top):
        # Hidden folders and build directories (any folder with a meson-private/ in it) are not the source.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith('.')
                             and not os.path.isdir(os.path.join(dirpath, d, 'meson-private')))
        rel = os.path.relpath(dirpath, top)
        in_tree = any(rel == t or rel.startswith(t + os.sep) for t in TREES)
        for f in sorted(filenames):
            if in_tree or f in BUILD_FILES:
                yield os.path.normpath(os.path.join(rel, f))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 64
    top = sys.argv[1]
    read = 0
    bad = 0
    for rel in candidates(top):
        try:
            with open(os.path.join(top, rel), encoding='utf-8') as f:
                lines = f.readlines()
        except UnicodeDecodeError:
            continue  # data (gzip): not code that could name a path
        read += 1
        for number, line in enumerate(lines, 1):
            if PATTERN.search(line):
                print(f'{rel}:{number}: {line.strip()}')
                bad += 1
    if read < 50:
        print(f'check-standalone: only {read} files read under {top}: is it the source tree?', file=sys.stderr)
        return 1
    print(f'check-standalone: {read} files read, {bad} lines name the folder beside the source tree')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
