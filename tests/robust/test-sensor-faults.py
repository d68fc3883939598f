# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sensor faults, in real time, on an emulated inv_mpu6050 (tests/lib/iiorig.py) read by the whole psoasd: a stall,
the device vanishing mid-read, a stuck sensor (bit-identical samples), a sampling rate other than the one asked for,
and garbage (mostly saturated scans). Each must be detected, shown in SensorState and logged once, and recovered
from within 5 s of the device being right again, with "Sensor back" in the log.

Stalls and vanishing are the manager's own (daemon/manager.c); stuck, rate and garbage need daemon/sensor-check.c
wired into it (see tests/robust/meson.build: needs_integration).

One meson test per case: dbus-run-session -- python3 test-sensor-faults.py CASE.
"""

import datetime
import json
import math
import os
import random
import tempfile
import threading
import time

from robust_test import main, tracked_seconds  # noqa: E402
from iiorig import IioRig, Sample  # noqa: E402
from psoasd_test import Bus, Daemon  # noqa: E402

RECOVERY_MAX_S = 5.0


class LiveSensor(threading.Thread):
    """A sensor in real time: scans stamped with the wall clock, at `rate` Hz, of a kind that can change while it
    runs: 'noisy' (a wearer standing: gravity and a few LSB of noise), 'constant' (the same bits every time),
    'garbage' (four scans in five saturated), or 'silent' (nothing at all)."""

    def __init__(self, rig, name='mpu6050', rate=100):
        super().__init__(daemon=True)
        self.rig = rig
        self.name = name
        self.rate = rate
        self.kind = 'noisy'
        self.error = None
        self.written = 0
        self._random = random.Random(7)
        self._stopping = threading.Event()
        self._layout = None
        self._lock = threading.Lock()
        self._count = 0
        self._leap_s = 0.0

    def set(self, kind=None, rate=None):
        with self._lock:
            if kind:
                self.kind = kind
            if rate:
                self.rate = rate

    def leap_once(self, seconds):
        """The next scan carries a timestamp this far ahead: one misread, the following scans are right."""
        with self._lock:
            self._leap_s = seconds

    def relayout(self):
        """After the device came back (a new node, maybe new enabled channels)."""
        with self._lock:
            self._layout = None

    def stop(self):
        self._stopping.set()
        self.join(5)

    def run(self):
        try:
            self._run()
        except Exception as e:
            self.error = e

    def _sample(self, t):
        self._count += 1
        if self.kind == 'constant':
            return Sample(t, (0.5, -9.5, 1.25), (0.01, -0.02, 0.03))
        noise = [self._random.gauss(0, 0.02) for _ in range(6)]
        s = Sample(t, (0.5 + noise[0], -9.5 + noise[1], 1.25 + noise[2]), (noise[3], noise[4], noise[5]))
        if self.kind == 'garbage' and self._count % 5:
            s = s._replace(raw={'accel_x': 32767, 'anglvel_z': -32768})
        return s

    def _run(self):
        next_t = time.time()
        while not self._stopping.is_set():
            dev = self.rig.device(self.name)
            if not self.rig.is_streaming(dev):
                self._stopping.wait(0.01)
                next_t = time.time()
                continue
            with self._lock:
                if self._layout is None:
                    self._layout = self.rig.layout(dev)
                now = time.time()
                data = bytearray()
                while next_t <= now:
                    if self.kind != 'silent':
                        data += self.rig.encode(dev, self._sample(next_t + self._leap_s), self._layout)
                        self._leap_s = 0.0
                    next_t += 1.0 / self.rate
            if data:
                try:
                    self.rig.feed_bytes(dev, bytes(data))
                    self.written += len(data)
                except Exception:
                    if dev.id in self.rig._present:
                        raise
            self._stopping.wait(0.01)


def sensor_state_within(bus, states, seconds, what):
    """Waits for SensorState to become one of states; returns how long it took."""
    start = time.monotonic()
    bus.wait(lambda: bus.get('SensorState') in states, seconds, what)
    return time.monotonic() - start


class Setup:
    """The rig, a live sensor and the daemon reading it, streaming."""

    def __init__(self, env=None, state_dir=None):
        self.extra_env = env or {}
        self.state_dir = state_dir

    def __enter__(self):
        self.rig = IioRig('mpu6050')
        self.bus = Bus()
        env = self.rig.env()
        for key, value in self.extra_env.items():
            env[key] = env[key] + ' ' + value if key == 'LD_PRELOAD' else value
        self.daemon = Daemon(self.bus, '--sensor', 'local:', env=env, state_dir=self.state_dir)
        self.daemon.start()
        self.sensor = LiveSensor(self.rig)
        self.sensor.start()
        sensor_state_within(self.bus, ('streaming',), 20, 'streaming')
        assert abs(self.bus.get('SampleRate') - 100) < 1, self.bus.get('SampleRate')
        self.bus.pump(1)
        return self

    def __exit__(self, *exc):
        self.sensor.stop()
        try:
            self.daemon.__exit__(*exc)
        finally:
            self.rig.close()
        if self.sensor.error and not exc[0]:
            raise AssertionError(f'the emulated sensor failed: {self.sensor.error}')
        return False

    def log(self):
        return self.daemon.read_log()

    def check_fault_and_recovery(self, state, bad, words, detect_s, meanwhile=()):
        """Makes the sensor bad, expects state within detect_s and one log line with words, then makes it good and
        expects streaming within RECOVERY_MAX_S and "Sensor back". meanwhile: other states the fault may show
        while it lasts."""
        bus = self.bus
        backs = self.log().count('Sensor back')
        bad()
        took = sensor_state_within(bus, (state,), detect_s, state)
        bus.pump(3)  # it stays so, and says it once
        assert bus.get('SensorState') in (state, *meanwhile), bus.get('SensorState')
        lines = [line for line in self.log().splitlines() if words in line]
        assert len(lines) == 1, (words, self.log())
        assert state in bus.changes_of('SensorState'), bus.changes_of('SensorState')

        self.sensor.set(kind='noisy', rate=100)
        back = sensor_state_within(bus, ('streaming',), RECOVERY_MAX_S, 'streaming again')
        assert back <= RECOVERY_MAX_S, back
        bus.wait(lambda: self.log().count('Sensor back') == backs + 1, 2, 'Sensor back logged')
        print(f'{state}: detected in {took:.1f} s, streaming again {back:.1f} s after the sensor was right; '
              f'logged: {lines[0]}')


# --------------------------------------------------------------------------------------------------------------
# The manager's own faults


def case_stall_detected_and_recovered():
    with Setup() as s:
        # Retrying, the daemon reopens the device ('starting') and finds it silent again ('stalled').
        s.check_fault_and_recovery('stalled', lambda: s.sensor.set(kind='silent'), 'Sensor lost', 4,
                                   meanwhile=('starting',))


def case_device_vanishes_mid_read_and_returns():
    with Setup() as s:
        bus = s.bus
        # Removed while scans are being written and read.
        s.rig.remove('mpu6050')
        took = sensor_state_within(bus, ('absent', 'stalled'), 4, 'the sensor lost')
        bus.pump(2)
        assert s.daemon.proc.poll() is None
        assert s.log().count('Sensor lost') == 1, s.log()
        s.rig.add('mpu6050', pause=[s.daemon.proc])
        s.sensor.relayout()
        back = sensor_state_within(bus, ('streaming',), RECOVERY_MAX_S, 'streaming again')
        assert 'Sensor back' in s.log(), s.log()
        print(f'lost after {took:.1f} s, streaming again {back:.1f} s after the device returned')


def case_device_vanishes_repeatedly():
    """Three times gone and back: each loss and each return logged once, and nothing left behind."""
    with Setup() as s:
        bus = s.bus
        for i in range(3):
            s.rig.remove('mpu6050')
            sensor_state_within(bus, ('absent', 'stalled'), 4, f'loss {i + 1}')
            bus.pump(1)
            s.rig.add('mpu6050', pause=[s.daemon.proc])
            s.sensor.relayout()
            sensor_state_within(bus, ('streaming',), RECOVERY_MAX_S, f'return {i + 1}')
        log = s.log()
        assert log.count('Sensor lost') == 3 and log.count('Sensor back') == 3, log
        fds = len(os.listdir(f'/proc/{s.daemon.proc.pid}/fd'))
        assert fds < 40, f'{fds} open fds after three reconnections'


# --------------------------------------------------------------------------------------------------------------
# Need daemon/sensor-check.c in the manager (tests/robust/meson.build: needs_integration)


def case_stuck_sensor_detected_and_recovered():
    with Setup() as s:
        s.check_fault_and_recovery('stuck', lambda: s.sensor.set(kind='constant'), 'Sensor stuck', 4)


def case_rate_mismatch_detected_and_recovered():
    # psoasd set 100 Hz; the device runs at 50 (a driver that ignored sampling_frequency).
    with Setup() as s:
        s.check_fault_and_recovery('rate-mismatch', lambda: s.sensor.set(rate=50), 'wrong rate', 6)
        assert math.isclose(s.bus.get('SampleRate'), 100, abs_tol=1), s.bus.get('SampleRate')


def case_garbage_detected_and_recovered():
    with Setup() as s:
        s.check_fault_and_recovery('garbage', lambda: s.sensor.set(kind='garbage'), 'sends garbage', 4)


def case_timestamp_leap_neither_moves_the_day_nor_prunes():
    """One scan stamped 14 years ahead (a misread timestamp): psoasd must not take it for the date, which would
    prune today's statistics as 14 years old; it drops it and keeps streaming."""
    with Setup() as s:
        bus = s.bus
        today = bus.call('GetDay', '(s)', '')[0]['date']
        day_file = os.path.join(s.daemon.state_dir, 'days', today + '.json')
        bus.wait(lambda: os.path.exists(day_file), 10, "today's statistics saved")
        s.sensor.leap_once(14 * 365.25 * 86400)
        bus.pump(4)
        assert bus.call('GetDay', '(s)', '')[0]['date'] == today, bus.call('GetDay', '(s)', '')[0]
        # Today's statistics and record, nothing else.
        assert sorted(os.listdir(os.path.join(s.daemon.state_dir, 'days'))) == [today + '.json', today + '.record'], \
            os.listdir(os.path.join(s.daemon.state_dir, 'days'))
        # The source holds the leap until the next scan confirms it, which none does: it drops that one scan
        # and goes on, so the sensor never looks stalled and needs no reopening.
        assert bus.get('SensorState') == 'streaming', bus.get('SensorState')
        assert not {'stalled', 'garbage'} & set(bus.changes_of('SensorState')), bus.changes_of('SensorState')
        assert 'Reading ' not in s.log().split('Reading ', 1)[1], s.log()


def day_file_seconds(state_dir, date):
    """The seconds a day file accounts for, unknown posture included (the sensor here is not calibrated)."""
    with open(os.path.join(state_dir, 'days', date + '.json')) as f:
        day = json.load(f)
    return tracked_seconds(day) + float(day['unknown_seconds'])


def fake_clock_env(path):
    """Environment that runs psoasd on tests/robust/fake-clock.so, its wall clock shifted by what the file says."""
    return {'LD_PRELOAD': os.environ['FAKE_CLOCK'], 'PSOAS_FAKE_CLOCK_FILE': path}


def set_clock_offset(path, offset_us):
    """Steps that wall clock: fake-clock.so reads the file at every call."""
    with open(path, 'w') as f:
        f.write(str(int(offset_us)))


def case_clock_step_remaps_the_day():
    """The wall clock steps a day ahead (NTP at boot on a board without a real-time clock), then back: psoasd maps
    sample time to the new wall time each way, within a batch or two. Today's file keeps its totals across the
    step, and when the clock comes back today goes on from them instead of starting again from zero."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = os.path.join(tmp, 'clock-offset-us')
        set_clock_offset(clock, 0)
        state_dir = os.path.join(tmp, 'state')
        with Setup(env=fake_clock_env(clock), state_dir=state_dir) as s:
            bus = s.bus
            today = bus.call('GetDay', '(s)', '')[0]['date']
            tomorrow = (datetime.date.fromisoformat(today) + datetime.timedelta(days=1)).isoformat()
            bus.wait(lambda: os.path.exists(os.path.join(state_dir, 'days', today + '.json')), 10,
                     "today's statistics saved")
            bus.pump(4)

            set_clock_offset(clock, 86400 * 10**6)
            bus.wait(lambda: bus.call('GetDay', '(s)', '')[0]['date'] == tomorrow, 5, 'tomorrow by the new clock')
            assert 'The wall clock moved by +86400 s' in s.log(), s.log()
            # Saved under the old mapping at the step: today's file has the morning so far.
            before = day_file_seconds(state_dir, today)
            assert before >= 4, before
            bus.pump(3)

            set_clock_offset(clock, 0)
            bus.wait(lambda: bus.call('GetDay', '(s)', '')[0]['date'] == today, 5, 'today again')
            assert 'The wall clock moved by -86400 s' in s.log(), s.log()
            # Tomorrow's few seconds were saved when the clock went back; today goes on from its file.
            assert 2 <= day_file_seconds(state_dir, tomorrow) < 10, day_file_seconds(state_dir, tomorrow)
            bus.pump(3)
            now = bus.call('GetDay', '(s)', '')[0]
            assert bus.get('SensorState') == 'streaming', bus.get('SensorState')
            s.daemon.stop()  # saves
            log = s.log()
        after = day_file_seconds(state_dir, today)
        assert after >= before + 3, (before, after, now, log)
        names = os.listdir(os.path.join(state_dir, 'days'))
        assert sorted(n for n in names if n.endswith('.json')) == sorted([today + '.json', tomorrow + '.json']), names
        assert all(n.endswith('.record') for n in names if not n.endswith('.json')), names
        assert {n.split('.')[0] for n in names} == {today, tomorrow}, names


def case_utc_offset_change_followed():
    """Daylight saving time begins while psoasd runs (Berlin, 28 March 2027, 01:00 UTC): the UTC offset it maps
    local days with follows, without a step of the clock."""
    transition = datetime.datetime(2027, 3, 28, 1, 0, 0, tzinfo=datetime.timezone.utc).timestamp()
    with tempfile.TemporaryDirectory() as tmp:
        clock = os.path.join(tmp, 'clock-offset-us')
        set_clock_offset(clock, (transition - 15 - time.time()) * 1e6)  # psoasd starts 15 s before the change
        with Setup(env=fake_clock_env(clock) | {'TZ': 'Europe/Berlin'}) as s:
            bus = s.bus
            assert bus.call('GetDay', '(s)', '')[0]['date'] == '2027-03-28'
            bus.wait(lambda: 'The UTC offset changed from +3600 to +7200 s' in s.log(), 30, 'the offset followed')
            assert 'The wall clock moved' not in s.log(), s.log()
            assert bus.call('GetDay', '(s)', '')[0]['date'] == '2027-03-28'
            assert bus.get('SensorState') == 'streaming', bus.get('SensorState')


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
