# SPDX-License-Identifier: LGPL-2.1-or-later
"""A full disk under psoasd's state directory: a small tmpfs in a private mount namespace (unshare -m, as root),
filled up while the daemon replays a recording. psoasd must say so once, keep serving the bus, leave the last good
files as they were, and catch up when space returns.

One meson test per case: dbus-run-session -- python3 test-disk-full.py CASE. Each case runs its body again as
`--inner CASE` inside the mount namespace.
"""

import json
import os
import re
import time

from robust_test import REC, fill_file_system, main, mounted_tmpfs, read_state, run_in_mount_namespace  # noqa: E402
from psoasd_test import Bus, Daemon, noon_zone  # noqa: E402

noon_zone()  # one day file: the replay must not cross midnight

FAILED = 'Could not save statistics'
AGAIN = 'saved to'


def snapshot(state_dir):
    """Every state file's bytes, by path relative to the state directory."""
    files = {}
    for root, _, names in os.walk(state_dir):
        for name in names:
            path = os.path.join(root, name)
            with open(path, 'rb') as f:
                files[os.path.relpath(path, state_dir)] = f.read()
    return files


def the_day(state_dir):
    days, _, _, _ = read_state(state_dir)
    assert len(days) == 1, sorted(days)
    return next(iter(days.values()))


def respond_quickly(bus):
    start = time.monotonic()
    assert bus.get('Posture') in ('unknown', 'standing', 'sitting', 'walking', 'lying')
    assert time.monotonic() - start < 1, 'psoasd slow to answer with its disk full'


def inner_filled_while_running():
    with mounted_tmpfs('size=64k') as mount:
        filled_while_running(mount)


def filled_while_running(mount):
    state = os.path.join(mount, 'state')
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '100', '--calibrate-first', '5', state_dir=state) as d:
        # Standing, calibrated, then sitting: saved at least once.
        bus.wait(lambda: bus.get('SittingToday') >= 60 and os.path.exists(os.path.join(state, 'current.json')),
                 30, 'a minute of sitting, saved')
        filler = fill_file_system(mount)
        bus.wait(lambda: FAILED in d.read_log(), 10, 'the failed save reported')
        line = [x for x in d.read_log().splitlines() if FAILED in x][0]
        assert 'No space left on device' in line and state in line, line
        # From now on the files stay as they were: a save in flight when the disk filled has landed by now.
        before = snapshot(state)
        sat_before = bus.call('GetDay', '(s)', '')[0]['sitting_seconds']

        # Several saves fail meanwhile (one a second of wall time); the daemon says it once and keeps serving.
        for _ in range(8):
            bus.pump(0.5)
            respond_quickly(bus)
        log = d.read_log()
        assert log.count(FAILED) == 1, log
        assert d.proc.poll() is None
        sat_full = bus.call('GetDay', '(s)', '')[0]['sitting_seconds']
        assert sat_full >= sat_before + 200, (sat_before, sat_full)  # 4 s at 100×: still counting
        after = snapshot(state)
        assert after == before, f'the state files changed on a full disk: {sorted(after)} vs {sorted(before)}'
        for name, data in after.items():
            if name.endswith('.record'):
                # Whole: its last line counts what it holds (daemon/day-record.h).
                assert data.startswith(b'psoas-record 1 ') and re.search(rb'\nend \d+ \d+\n$', data), (name, data)
            else:
                json.loads(data)  # whole, and still valid
            assert not os.path.basename(name).startswith('.#'), f'a temporary file was left: {name}'

        # Space returns: the next save catches up with everything counted meanwhile, and says so once.
        os.unlink(filler)
        bus.wait(lambda: AGAIN in d.read_log().split(FAILED, 1)[1], 10, 'the save working again')
        day = the_day(state)
        assert day['sitting_seconds'] >= sat_full, (day, sat_full)
        bus.pump(2)
        assert d.read_log().count(FAILED) == 1 and d.read_log().count(AGAIN) == 1, d.read_log()
    print(f'sat {sat_before} s when the disk filled, {sat_full} s counted while full, '
          f'{day["sitting_seconds"]:.0f} s saved once space returned')


def case_filled_while_running():
    run_in_mount_namespace(__file__, 'filled_while_running')


def inner_full_before_start():
    """Not even an inode left for the state directory: psoasd starts all the same, and creates its files once it
    can."""
    with mounted_tmpfs('size=1m,nr_inodes=64') as mount:
        full_before_start(mount)


def full_before_start(mount):
    state = os.path.join(mount, 'state')
    used = []
    try:
        for i in range(1000):
            path = os.path.join(mount, f'inode-{i}')
            open(path, 'w').close()
            used.append(path)
    except OSError as e:
        assert e.errno == 28, e  # ENOSPC
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '100', '--calibrate-first', '5', state_dir=state) as d:
        bus.wait(lambda: FAILED in d.read_log(), 15, 'the failed save reported')
        assert 'No space left on device' in d.read_log(), d.read_log()
        assert not os.path.exists(state)
        bus.wait(lambda: bus.get('SittingToday') >= 60, 30, 'a minute of sitting')
        respond_quickly(bus)
        assert d.read_log().count(FAILED) == 1, d.read_log()
        sat = bus.call('GetDay', '(s)', '')[0]['sitting_seconds']

        for path in used:
            os.unlink(path)
        bus.wait(lambda: AGAIN in d.read_log(), 10, 'the save working again')
        day = the_day(state)
        assert day['sitting_seconds'] >= sat, (day, sat)
        _, current, temporaries, corrupt = read_state(state)
        assert current and current['calibrated'] is True, current
        assert not temporaries and not corrupt, (temporaries, corrupt)


def case_full_before_start():
    run_in_mount_namespace(__file__, 'full_before_start')


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')},
         {name[6:]: fn for name, fn in globals().items() if name.startswith('inner_')})
