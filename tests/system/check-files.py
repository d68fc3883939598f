#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks of the system integration files that need no running systemd or udev.

Usage:
  check-files.py udev-syntax RULES           every rule parses as KEY[{attr}]OP"value" pairs of known keys,
                                             matches use ==/!=, assignments =/+=/:=, GOTOs reach a LABEL, MODE
                                             is octal, and each RUN's shell snippet passes sh -n
  check-files.py udev-run RULES              the IIO rule's RUN, on a fake sysfs device folder, gives the group
                                             psoas write access to what the owner may write, and nothing else
  check-files.py sysusers SYSUSERS           systemd-sysusers creates the system user and group psoas from it
  check-files.py desktop-entry FILE BINDIR   the autostart entry has the keys it needs and runs BINDIR/psoas-notify
"""

import grp
import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import fakeusers  # noqa: E402

MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "TAG", "TAGS", "ENV", "CONST", "TEST", "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG", "RUN",
               "LABEL", "GOTO", "IMPORT", "OPTIONS"}
TOKEN = re.compile(r'\s*([A-Z]+)(\{[^}]*\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)')


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def rules(path):
    """[(line number, [(key, attribute, operator, value)])], joining continuation lines."""
    result = []
    pending, start = "", 0
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if not pending:
                start = number
            if line.endswith("\\"):
                pending += line[:-1]
                continue
            text, pending = pending + line, ""
            tokens, position = [], 0
            while position < len(text):
                m = TOKEN.match(text, position)
                if not m:
                    fail("%s:%d: cannot parse the rule from %r" % (path, start, text[position:].strip()))
                tokens.append((m.group(1), m.group(2), m.group(3), m.group(4)))
                position = m.end()
            result.append((start, tokens))
    if pending:
        fail("%s: the last rule ends with a backslash" % path)
    return result


def udev_syntax(path):
    parsed = rules(path)
    if not parsed:
        fail("%s has no rules" % path)
    labels = {value for _, tokens in parsed for key, _, _, value in tokens if key == "LABEL"}
    for number, tokens in parsed:
        for key, attribute, operator, value in tokens:
            where = "%s:%d: %s" % (path, number, key)
            if operator in ("==", "!="):
                if key not in MATCH_KEYS:
                    fail(where + " is not a key one can match on")
            elif key not in ASSIGN_KEYS:
                fail(where + " is not a key one can assign")
            if key in ("ATTR", "ATTRS", "ENV", "SYSCTL") and not attribute:
                fail(where + " needs {name}")
            if key == "GOTO" and value not in labels:
                fail("%s GOTO %r has no LABEL" % (where, value))
            if key == "MODE" and not re.fullmatch(r"0[0-7]{3}", value):
                fail("%s %r is not an octal mode like 0660" % (where, value))
            if key == "RUN":
                argv = shlex.split(value)
                if not os.path.isabs(argv[0]) or not os.access(argv[0], os.X_OK):
                    fail("%s runs %r, which is not an absolute path to a program" % (where, argv[0]))
                if argv[0].endswith("/sh") and argv[1:2] == ["-c"]:
                    check = subprocess.run(["sh", "-n", "-c", argv[2]], capture_output=True, text=True)
                    if check.returncode != 0:
                        fail("%s: sh -n rejects the snippet: %s" % (where, check.stderr.strip()))
    print("ok: %d rules" % len(parsed))


def udev_run(path):
    """Runs the RUN of the rule for SUBSYSTEM=="iio" with /sys%p replaced by a fake device folder."""
    fakeusers.enter_mount_namespace()
    runs = [value for _, tokens in rules(path)
            if ("SUBSYSTEM", None, "==", "iio") in tokens
            for key, _, _, value in tokens if key == "RUN"]
    if len(runs) != 1:
        fail("%s: expected one RUN in the rule for SUBSYSTEM==\"iio\", found %d" % (path, len(runs)))
    with tempfile.TemporaryDirectory() as directory:
        fakeusers.add_users(directory)
        psoas_gid = grp.getgrnam("psoas").gr_gid
        device = os.path.join(directory, "sys", "devices", "iio:device0")
        elsewhere = os.path.join(directory, "sys", "bus", "iio")
        # path: (mode, whether the group should gain write access)
        files = {
            "name": (0o444, False),
            "sampling_frequency": (0o644, True),
            "in_accel_x_raw": (0o444, False),
            "buffer/enable": (0o644, True),
            "buffer/length": (0o644, True),
            "scan_elements/in_accel_x_en": (0o644, True),
            "scan_elements/in_accel_x_type": (0o444, False),
            "trigger/current_trigger": (0o644, True),
            "power/control/deeper": (0o644, False),  # beyond the device's own attributes
        }
        for name, (mode, _) in files.items():
            target = os.path.join(device, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                f.write("0\n")
            os.chmod(target, mode)
        os.makedirs(elsewhere)
        outside = os.path.join(elsewhere, "uevent")
        with open(outside, "w") as f:
            f.write("\n")
        os.chmod(outside, 0o644)
        os.symlink(elsewhere, os.path.join(device, "subsystem"))  # sysfs links must not be followed

        argv = shlex.split(runs[0].replace("/sys%p", device))
        result = subprocess.run(argv, capture_output=True, text=True)
        if result.returncode != 0 or result.stderr:
            fail("the RUN command failed (status %d): %s" % (result.returncode, result.stderr.strip()))
        problems = []
        for name, (mode, grant) in files.items():
            st = os.stat(os.path.join(device, name))
            want_mode = mode | stat.S_IWGRP if grant else mode
            want_gid = psoas_gid if grant else 0
            if stat.S_IMODE(st.st_mode) != want_mode or st.st_gid != want_gid:
                problems.append("%s: mode %04o group %d, expected %04o group %d" % (
                    name, stat.S_IMODE(st.st_mode), st.st_gid, want_mode, want_gid))
        st = os.stat(outside)
        if st.st_gid != 0 or stat.S_IMODE(st.st_mode) != 0o644:
            problems.append("a file behind the subsystem link changed: the RUN followed a symlink")
        if problems:
            fail("\n".join(problems))
    print("ok: the RUN grants the group psoas what the owner may write")


def sysusers(path):
    with tempfile.TemporaryDirectory() as root:
        os.mkdir(os.path.join(root, "etc"))
        result = subprocess.run(["systemd-sysusers", "--root=" + root, path], capture_output=True, text=True)
        print(result.stdout + result.stderr, end="")
        if result.returncode != 0:
            fail("systemd-sysusers failed with status %d" % result.returncode)
        if re.search(r"(?i)warn|invalid|ignor", result.stdout + result.stderr):
            fail("systemd-sysusers complained about " + path)
        with open(os.path.join(root, "etc", "passwd")) as f:
            users = {line.split(":")[0]: line.rstrip("\n").split(":") for line in f}
        with open(os.path.join(root, "etc", "group")) as f:
            groups = {line.split(":")[0]: line.rstrip("\n").split(":") for line in f}
    if sorted(users) != ["psoas"] or sorted(groups) != ["psoas"]:
        fail("expected exactly the user and group psoas, got users %s and groups %s" % (sorted(users),
                                                                                      sorted(groups)))
    _, _, uid, gid, _, home, shell = users["psoas"]
    if int(uid) >= 1000:
        fail("psoas got UID %s, not a system UID" % uid)
    if gid != groups["psoas"][2]:
        fail("the user psoas has GID %s, not that of the group psoas (%s)" % (gid, groups["psoas"][2]))
    if home != "/var/lib/psoas" or not shell.endswith("nologin"):
        fail("the user psoas has home %s and shell %s, expected /var/lib/psoas and nologin" % (home, shell))
    print("ok: system user psoas (UID %s) with its group" % uid)


def desktop_entry(path, bindir):
    groups, group = {}, None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r"\[([^\[\]]+)\]", line)
            if m:
                group = groups.setdefault(m.group(1), {})
                continue
            m = re.fullmatch(r"([A-Za-z0-9-]+(?:\[[^\]]+\])?)=(.*)", line)
            if not m or group is None:
                fail("%s:%d: not a group header or a key=value line in a group: %r" % (path, number, line))
            if m.group(1) in group:
                fail("%s:%d: key %s given twice" % (path, number, m.group(1)))
            group[m.group(1)] = m.group(2)
    entry = groups.get("Desktop Entry")
    if entry is None or next(iter(groups)) != "Desktop Entry":
        fail("%s: the first group must be [Desktop Entry]" % path)
    for key, value in (("Type", "Application"), ("Exec", os.path.join(bindir, "psoas-notify"))):
        if entry.get(key) != value:
            fail("%s: %s=%s, expected %s" % (path, key, entry.get(key), value))
    if not entry.get("Name"):
        fail("%s: no Name" % path)
    print("ok: %s" % os.path.basename(path))


def main():
    commands = {"udev-syntax": udev_syntax, "udev-run": udev_run, "sysusers": sysusers,
                "desktop-entry": desktop_entry}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        fail("usage: %s {%s} FILE..." % (sys.argv[0], "|".join(commands)))
    commands[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
