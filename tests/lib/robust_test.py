# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers shared by the robustness tests (tests/robust/test-*.py): the daemon harness
(psoasd_test), the IIO rig (iiorig), a recording with its ground truth, and a private mount namespace for tmpfs experiments.

Environment (set by tests/robust/meson.build): those of tests/lib/psoasd_test.py (PSOASD, PSOAS_SYNTH,
PSOAS_RECORDING, PSOAS_XML).
"""

import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile


import psoasd_test  # noqa: E402,F401  (its gi.require_version() comes first)
from psoasd_test import scaled  # noqa: E402

REC = os.environ.get('PSOAS_RECORDING', '')


class Recording:
    """psoas-synth's "daemon" scenario with its ground truth: rows of (t, accel, gyro, posture)."""

    def __init__(self, seconds, rate=100, seed=3):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'truth.csv')
            with open(path, 'w') as f:
                subprocess.run([os.environ['PSOAS_SYNTH'], '--scenario', 'daemon', '--rate', str(rate), '--seed',
                                str(seed), '--mount', 'random', '--truth', '--duration', str(seconds)],
                               stdout=f, check=True)
            with open(path) as f:
                rows = csv.reader(f)
                header = next(rows)
                assert header[:8] == ['t', 'ax', 'ay', 'az', 'gx', 'gy', 'gz', 'posture'], header
                self.t = []
                self.accel = []
                self.gyro = []
                self.posture = []
                for row in rows:
                    self.t.append(float(row[0]))
                    self.accel.append((float(row[1]), float(row[2]), float(row[3])))
                    self.gyro.append((float(row[4]), float(row[5]), float(row[6])))
                    self.posture.append(row[7])
        self.rate = rate

    def __len__(self):
        return len(self.t)

    def seconds_in(self, posture, first, last):
        """Ground truth: seconds the wearer spent in posture between samples first and last (exclusive)."""
        return sum(1 for i in range(first, min(last, len(self.t))) if self.posture[i] == posture) / self.rate


def read_state(state_dir):
    """Parses every state file (json.load raises on a torn or corrupt one); returns (days {name: dict},
    current dict or None, names of leftover temporary files, names of files moved aside as corrupt)."""
    days = {}
    temporaries = []
    corrupt = []
    days_dir = os.path.join(state_dir, 'days')
    for directory in (state_dir, days_dir):
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            if name.startswith('.#'):
                temporaries.append(name)
            elif '.corrupt-' in name:
                corrupt.append(name)
    if os.path.isdir(days_dir):
        for name in sorted(os.listdir(days_dir)):
            if name.endswith('.json') and not name.startswith('.#'):
                with open(os.path.join(days_dir, name)) as f:
                    days[name] = json.load(f)
    current = None
    if os.path.exists(os.path.join(state_dir, 'current.json')):
        with open(os.path.join(state_dir, 'current.json')) as f:
            current = json.load(f)
    return days, current, temporaries, corrupt


def read_records(state_dir):
    """Parses every day's record file (psoasd_test.read_day_record() fails on a torn or corrupt one); returns
    {name: (date, minutes, bouts)}."""
    days_dir = os.path.join(state_dir, 'days')
    if not os.path.isdir(days_dir):
        return {}
    return {name: psoasd_test.read_day_record(os.path.join(days_dir, name)) for name in sorted(os.listdir(days_dir))
            if name.endswith('.record') and not name.startswith('.#')}


def record_seconds(record):
    """Seconds a record's minutes account for (every posture, unknown and not worn)."""
    return sum(sum(m[:6]) for m in record[1].values())


def tracked_seconds(day):
    """Seconds a day file or a GetDay reply attributes to a posture (GetDay has no unknown_seconds)."""
    keys = ('sitting_seconds', 'standing_seconds', 'walking_seconds', 'lying_seconds')
    return sum(float(day.get(k, 0)) for k in keys)


def run_in_mount_namespace(script, case, timeout=120):
    """Runs `python3 script --inner case` in a private mount namespace (as root: unshare -m), so that the tmpfs
    it mounts is seen by it and its children only. Fails the test with the inner run's output."""
    p = subprocess.run(['unshare', '--mount', '--propagation', 'private', sys.executable, script, '--inner', case],
                       capture_output=True, text=True, timeout=scaled(timeout))
    sys.stdout.write(p.stdout)
    assert p.returncode == 0, f'{case} failed in its mount namespace:\n{p.stdout}{p.stderr}'


@contextlib.contextmanager
def mounted_tmpfs(options):
    """A fresh folder with a tmpfs of its own, unmounted and removed afterwards (use inside
    run_in_mount_namespace only: the mount is private to it)."""
    path = tempfile.mkdtemp(prefix='psoas-robust-')
    try:
        subprocess.run(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', path], check=True)
        try:
            yield path
        finally:
            subprocess.run(['umount', '--lazy', path], check=False)
    finally:
        os.rmdir(path)


def fill_file_system(directory):
    """Fills the file system of directory to the last byte with one file; returns its path (os.unlink frees)."""
    path = os.path.join(directory, 'filler')
    block = bytes(65536)
    with open(path, 'wb', buffering=0) as f:
        size = len(block)
        while size > 0:
            try:
                f.write(block[:size])
            except OSError as e:
                if e.errno != 28:  # ENOSPC
                    raise
                size //= 2
    return path


def main(cases, inner=None):
    """argv: CASE (one meson test per case), or --inner CASE for the part that runs in a mount namespace."""
    if len(sys.argv) == 3 and sys.argv[1] == '--inner' and inner and sys.argv[2] in inner:
        inner[sys.argv[2]]()
        return
    psoasd_test.main(cases)
