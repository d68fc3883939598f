#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`meson install --destdir` of the build, compared with install-manifest.txt.

Usage: check-install.py MESON BUILD_DIR MANIFEST NAME=DIR...

Every line of the manifest must match at least one installed file, and every installed file (or symlink) must
match a line: a file installed somewhere a distribution does not expect it, or a new file nobody listed, fails.
NAME=DIR pairs give the absolute install directories that the manifest's @NAME@ placeholders stand for, as this
build configured them. Programs (in bindir and sbindir) and the library must be executable; everything else must
be a plain 0644 file.
"""

import fnmatch
import os
import re
import stat
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def read_manifest(path, directories):
    patterns = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue

            def substitute(m):
                if m.group(1) not in directories:
                    fail("%s:%d: unknown placeholder @%s@" % (path, number, m.group(1)))
                return directories[m.group(1)]

            patterns.append((number, line, re.sub(r"@([a-z]+)@", substitute, line)))
    return patterns


def installed_files(destdir):
    found = {}
    for directory, subdirectories, files in os.walk(destdir):
        for name in files + [d for d in subdirectories if os.path.islink(os.path.join(directory, d))]:
            path = os.path.join(directory, name)
            found["/" + os.path.relpath(path, destdir)] = os.lstat(path)
    return found


def main():
    if len(sys.argv) < 4:
        fail("usage: %s MESON BUILD_DIR MANIFEST NAME=DIR..." % sys.argv[0])
    meson, build_dir, manifest = sys.argv[1:4]
    directories = dict(arg.split("=", 1) for arg in sys.argv[4:])
    patterns = read_manifest(manifest, directories)
    for needed in ("bindir", "sbindir", "libdir"):
        if needed not in directories:
            fail("no %s=DIR given" % needed)

    with tempfile.TemporaryDirectory() as destdir:
        # --no-rebuild: meson test has built everything already, and a nested ninja would fight it for the lock.
        result = subprocess.run([meson, "install", "-C", build_dir, "--destdir", destdir, "--no-rebuild",
                                 "--quiet"], capture_output=True, text=True)
        if result.returncode != 0:
            fail("meson install failed (status %d):\n%s%s" % (result.returncode, result.stdout, result.stderr))
        files = installed_files(destdir)

    problems = []
    for number, line, pattern in patterns:
        if not any(fnmatch.fnmatchcase(path, pattern) for path in files):
            problems.append("%s:%d: nothing installed as %s (%s)" % (manifest, number, pattern, line))
    for path, st in sorted(files.items()):
        if not any(fnmatch.fnmatchcase(path, pattern) for _, _, pattern in patterns):
            problems.append("%s is installed but not in %s: if it belongs there, add a line for it"
                            % (path, os.path.basename(manifest)))
        if stat.S_ISLNK(st.st_mode):
            continue
        mode = stat.S_IMODE(st.st_mode)
        directory = os.path.dirname(path)
        if directory in (directories["bindir"], directories["sbindir"]) or (
                directory == directories["libdir"] and ".so" in os.path.basename(path)):
            if mode & 0o111 != 0o111:
                problems.append("%s has mode %04o: not executable by all" % (path, mode))
        elif mode != 0o644:
            problems.append("%s has mode %04o, expected 0644" % (path, mode))
    if problems:
        fail("\n".join(problems))
    print("ok: %d files installed as listed" % len(files))


if __name__ == "__main__":
    main()
