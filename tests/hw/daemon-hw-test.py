# SPDX-License-Identifier: LGPL-2.1-or-later
"""The whole psoasd on emulated IIO sensors: umockdev devices (iiorig.py) read through libiio's local: backend
(and ip: through Debian's iiod), with the D-Bus API on a private session bus.

One meson test per case: dbus-run-session -- python3 daemon-hw-test.py CASE.
"""

import csv
import os
import time

from iiorig import IioRig, Sample  # noqa: E402
from psoasd_test import Bus, Daemon, main, noon_zone  # noqa: E402

REC = os.environ.get('PSOAS_RECORDING', '')
noon_zone()  # the day's totals must not depend on the hour the test runs at


def recording(seconds=None, gyro=True, t0=1000.0):
    """psoas-synth's "daemon" scenario at 100 Hz as rig samples (5 min standing, then a 31 min bout...)."""
    out = []
    with open(REC) as f:
        rows = csv.reader(f)
        next(rows)
        for row in rows:
            t = float(row[0])
            if seconds is not None and t > seconds:
                break
            v = [float(x) for x in row[1:7]]
            out.append(Sample(t0 + t, tuple(v[0:3]), tuple(v[3:6]) if gyro else None))
    return out


def expect_sensor(bus, name, rate=100, uri='local:'):
    bus.wait(lambda: bus.get('SensorState') == 'streaming', 20, 'streaming')
    sensor = bus.get('Sensor')
    assert sensor == f'{name} on {uri}', sensor
    assert abs(bus.get('SampleRate') - rate) < 1, bus.get('SampleRate')


def calibrate_and_sit(rig, bus, name, speed=50, gyro=True, config=None, rate=100):
    """The first 10 minutes of the recording: standing (calibrated over D-Bus), then sitting down."""
    with Daemon(bus, '--sensor', 'local:', env=rig.env(), config=config) as d:
        rig.wait_streaming(timeout=20)
        feed = rig.feed(recording(600, gyro=gyro), speed=speed)
        expect_sensor(bus, name, rate=rate)
        neutral, = bus.call('Calibrate')
        assert -90 < neutral < 90, neutral
        bus.wait(lambda: bus.get('Posture') == 'sitting', 30, 'sitting')
        feed.wait(60)
        return d.read_log()


def case_scripted_session_mpu6050():
    """Stand, calibrate, sit 31 min of sample time, stand up and walk, through the emulated inv_mpu6050."""
    with IioRig('mpu6050') as rig:
        bus = Bus()
        with Daemon(bus, '--sensor', 'local:', env=rig.env()):
            rig.wait_streaming(timeout=20)
            assert rig.attr('mpu6050', 'trigger/current_trigger') == 'mpu6050-dev0'
            assert rig.attr('mpu6050', 'sampling_frequency') == '100'
            feed = rig.feed(recording(2500), speed=100)
            expect_sensor(bus, 'mpu6050')
            neutral, = bus.call('Calibrate')
            assert bus.get('Calibrated') is True
            bus.wait(lambda: bus.get('Posture') == 'sitting', 30, 'sitting')
            assert bus.get('SittingSince') > 0
            bus.wait(lambda: bus.signals_named('Alert'), 40, 'the sitting alert')
            assert bus.signals_named('Alert')[0][0] == 'sitting'
            bus.wait(lambda: bus.signals_named('StretchPrompt'), 5, 'the stretch prompt')
            bus.wait(lambda: bus.signals_named('BreakTaken'), 30, 'the break')
            bus.wait(lambda: 'walking' in bus.changes_of('Posture'), 20, 'walking')
            day = bus.call('GetDay', '(s)', '')[0]
            assert 31 * 60 - 30 <= day['sitting_seconds'] <= 31 * 60 + 90, day
            assert day['sitting_bouts'] == 1 and day['breaks'] == 1 and day['alerts'] >= 1, day
            feed.wait(60)
        # Stopping disabled the buffer.
        assert rig.attr('mpu6050', 'buffer/enable') == '0'


def case_split_accel_gyro_lsm6dsox():
    with IioRig('lsm6dsox') as rig:
        bus = Bus()
        calibrate_and_sit(rig, bus, 'lsm6dsox', config='{"sensor": {"rate_hz": 104}}', rate=104)


def case_accelerometer_only_adxl345():
    with IioRig('adxl345') as rig:
        bus = Bus()
        calibrate_and_sit(rig, bus, 'adxl345', gyro=False)


def case_big_endian_unsigned_kxsd9():
    # No timestamp channel and no sampling_frequency: times are counted from the rate, so the feed is paced in
    # real time (speed 1) and the test only checks streaming and calibration.
    with IioRig('kxsd9') as rig:
        bus = Bus()
        with Daemon(bus, '--sensor', 'local:', env=rig.env()):
            rig.wait_streaming(timeout=20)
            feed = rig.feed(recording(8, gyro=False), speed=1)
            bus.wait(lambda: bus.get('SensorState') == 'streaming', 20, 'streaming')
            assert bus.get('Sensor') == 'kxsd9 on local:', bus.get('Sensor')
            neutral, = bus.call('Calibrate')
            assert -90 < neutral < 90
            feed.wait(30)


def case_mount_matrix_bmi160():
    with IioRig('bmi160') as rig:
        bus = Bus()
        calibrate_and_sit(rig, bus, 'bmi160')


def case_device_vanishes_and_returns():
    with IioRig('mpu6050') as rig:
        bus = Bus()
        with Daemon(bus, '--sensor', 'local:', env=rig.env()) as d:
            rig.wait_streaming(timeout=20)
            feed = rig.feed(recording(120), speed=10)
            expect_sensor(bus, 'mpu6050')
            rig.remove('mpu6050')
            feed.stop()
            bus.wait(lambda: bus.get('SensorState') in ('stalled', 'absent'), 5, 'the sensor lost')
            time.sleep(2)  # a few retries while it is gone
            assert d.read_log().count('Sensor lost') == 1, d.read_log()
            rig.add('mpu6050', pause=[d.proc])
            back = time.monotonic()
            rig.wait_streaming(timeout=10)
            feed = rig.feed(recording(60, t0=2000.0), speed=10)
            bus.wait(lambda: bus.get('SensorState') == 'streaming', 10, 'streaming again')
            assert time.monotonic() - back < 5, f'back after {time.monotonic() - back:.1f} s'
            assert 'Sensor back' in d.read_log(), d.read_log()
            feed.wait(30)


def case_ip_context_through_iiod():
    with IioRig('mpu6050') as rig:
        uri = rig.start_iiod()
        bus = Bus()
        with Daemon(bus, '--sensor', uri):
            rig.wait_streaming(timeout=20)
            feed = rig.feed(recording(330), speed=30)
            expect_sensor(bus, 'mpu6050', uri=uri)
            neutral, = bus.call('Calibrate')
            assert -90 < neutral < 90
            bus.wait(lambda: bus.get('Posture') == 'sitting', 30, 'sitting')
            feed.wait(30)


def case_no_sensor_waits():
    """Without any IIO device the daemon still serves the bus, says 'absent', and refuses Calibrate."""
    bus = Bus()
    with IioRig('mpu6050') as rig:
        rig.remove('mpu6050')
        with Daemon(bus, '--sensor', 'local:', env=rig.env()):
            bus.wait(lambda: bus.get('SensorState') == 'absent', 10, 'absent')
            try:
                bus.call('Calibrate')
            except Exception as e:
                assert 'NoSensor' in str(e), e
            else:
                raise AssertionError('Calibrate without a sensor')


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
