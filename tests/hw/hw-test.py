#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The hw suite: psoasd's IIO source (daemon/source-iio.c) on emulated sensors.

    hw-test.py IIO_READ CASE

Each case_*() is one meson test: it loads a fixture into an IioRig (iiorig.py), runs iio-read in the testbed,
feeds physical samples as raw scans and checks what the source decodes. Values must come back within one LSB
(the channel's scale) of what was fed; timestamps exactly (to the microsecond).
"""

import collections
import os
import signal
import sys
import time

from iiorig import IioRig, Sample, wave_samples  # noqa: E402

IIO_READ = None
FLOAT_SLACK = 1e-5  # iio-read prints float32 values with 9 digits

Out = collections.namedtuple('Out', ['t_us', 'accel', 'gyro', 'has_gyro'])


class Run:
    """iio-read running in a rig, with its header parsed."""

    def __init__(self, rig, *args, count=100, timeout=15, env=None):
        self.proc = rig.popen([IIO_READ, '--count', str(count), '--timeout', str(timeout), *args], env=env)
        self.lines = rig.lines(self.proc)
        self.header = self.read_header()

    def read_header(self):
        header = {}
        while True:
            line = self.lines.next(15)
            if line is None:
                raise AssertionError(f'iio-read ended before its header: {self.lines.lines}')
            key, _, value = line.partition('=')
            header[key] = value
            if key in ('fd', 'open-error'):
                return header

    def samples(self, n, timeout=15):
        out = []
        while len(out) < n:
            line = self.lines.next(timeout)
            if line is None or ',' not in line:
                raise AssertionError(f'expected sample {len(out) + 1} of {n}, got {line!r}; '
                                     f'last lines: {self.lines.lines[-5:]}')
            fields = line.split(',')
            out.append(Out(int(fields[0]), [float(v) for v in fields[1:4]], [float(v) for v in fields[4:7]],
                           fields[7] == '1'))
        return out

    def finish(self, timeout=15):
        """Waits for the exit; returns (status, invalid count)."""
        invalid = None
        while True:
            line = self.lines.next(timeout)
            if line is None:
                break
            if line.startswith('invalid='):
                invalid = int(line.partition('=')[2])
        status = self.proc.wait(timeout)
        return status, invalid


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def check_vector(got, want, tolerance, what):
    for axis in range(3):
        check(abs(got[axis] - want[axis]) <= tolerance + FLOAT_SLACK,
              f'{what}: axis {"xyz"[axis]} is {got[axis]:.6f}, expected {want[axis]:.6f} '
              f'(tolerance {tolerance:.6f})')


def expected_t_us(t):
    return round(t * 1e9) // 1000


def check_decoded(outs, fed, accel_tolerance, gyro_tolerance=None):
    check(len(outs) == len(fed), f'{len(outs)} samples decoded, {len(fed)} fed')
    for i, (out, sample) in enumerate(zip(outs, fed)):
        check(out.t_us == expected_t_us(sample.t),
              f'sample {i}: t_us {out.t_us}, expected {expected_t_us(sample.t)}')
        check_vector(out.accel, sample.accel, accel_tolerance, f'sample {i} accel')
        if gyro_tolerance is not None:
            check(out.has_gyro, f'sample {i} has no gyroscope reading')
            check_vector(out.gyro, sample.gyro, gyro_tolerance, f'sample {i} gyro')
        else:
            check(not out.has_gyro, f'sample {i} has a gyroscope reading on an accelerometer-only part')


def check_covers_negative(outs, field):
    for axis in range(3):
        values = [getattr(o, field)[axis] for o in outs]
        check(min(values) < -1 and max(values) > 1,
              f'the fed {field} values do not cover both signs on axis {axis}')


def mat_vec(m, v):
    return [sum(m[r][c] * v[c] for c in range(3)) for r in range(3)]


def decode_and_check(fixture, n=300, rate=100, args=(), speed=4.0, **feed_kwargs):
    """Streams n varied samples through fixture and checks every decoded value. Returns (rig, run, outs)."""
    rig = IioRig(fixture)
    try:
        run = Run(rig, '--rate', str(rate), *args, count=n)
        check('open-error' not in run.header, f'open failed: {run.header}')
        rig.wait_streaming()
        accel_dev = next(d for d in rig.devices if any(c.kind == 'accel' for c in d.scan_channels))
        gyro_dev = next((d for d in rig.devices if any(c.kind == 'anglvel' for c in d.scan_channels)), None)
        samples = wave_samples(n, float(run.header['rate']), gyro=gyro_dev is not None)
        feed = rig.feed(samples, speed=speed, **feed_kwargs)
        outs = run.samples(n)
        feed.wait()
        check_decoded(outs, samples, rig.lsb(accel_dev, 'accel'),
                      rig.lsb(gyro_dev, 'anglvel') if gyro_dev else None)
        check_covers_negative(outs, 'accel')
    except BaseException:
        rig.close()
        raise
    return rig, run, outs


# --- decoding, one fixture each ---

def case_mpu6050_decodes_big_endian_accel_and_gyro():
    rig, run, outs = decode_and_check('mpu6050')
    with rig:
        check(run.header['description'] == 'mpu6050 on local:', f'description {run.header["description"]!r}')
        check(run.header['has_gyro'] == '1', 'mpu6050 has a gyroscope')
        check(run.header['hardware_timestamps'] == '1', 'mpu6050 has a timestamp channel')
        check(run.header['fd'] == 'poll', 'a buffered local device gives a pollable fd')
        check_covers_negative(outs, 'gyro')
        status, invalid = run.finish()
        check(status == 0 and invalid == 0, f'status {status}, invalid {invalid}')


def case_adxl345_decodes_13_bit_accel_only():
    rig, run, outs = decode_and_check('adxl345')
    with rig:
        check(run.header['description'] == 'adxl345 on local:', f'description {run.header["description"]!r}')
        check(run.header['has_gyro'] == '0', 'adxl345 is accelerometer-only')
        check(run.header['rate'] == '100', f'rate {run.header["rate"]}')
        check(run.finish()[0] == 0, 'iio-read failed')


def case_kxsd9_decodes_unsigned_shifted_with_offset_and_counts_time():
    rig = IioRig('kxsd9')
    with rig:
        start_us = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        run = Run(rig, '--rate', '50', count=150)
        check(run.header['hardware_timestamps'] == '0', 'kxsd9 has no timestamp channel here')
        check(run.header['rate'] == '50', f'no sampling_frequency: the requested rate is used, got {run.header}')
        rig.wait_streaming()
        samples = wave_samples(150, 50, gyro=False)
        feed = rig.feed(samples, speed=4)
        outs = run.samples(150)
        feed.wait()
        lsb = rig.lsb('kxsd9', 'accel')
        for i, (out, sample) in enumerate(zip(outs, samples)):
            check_vector(out.accel, sample.accel, lsb, f'sample {i} accel')
        check_covers_negative(outs, 'accel')
        # Counted from the rate, from CLOCK_MONOTONIC at open.
        check(abs(outs[0].t_us - start_us) < 5e6, f'first t_us {outs[0].t_us} is not near open ({start_us})')
        for i in range(1, len(outs)):
            check(outs[i].t_us - outs[0].t_us == round(i * 1e6 / 50),
                  f'sample {i} at {outs[i].t_us - outs[0].t_us} µs, expected {round(i * 1e6 / 50)}')
        check(run.finish()[0] == 0, 'iio-read failed')


def case_bmi160_applies_each_mount_matrix_and_per_channel_scales():
    rig, run, outs = decode_and_check('bmi160')
    with rig:
        check_covers_negative(outs, 'gyro')
        check(run.finish()[0] == 0, 'iio-read failed')


def case_bmi160_mount_matrix_is_m_times_v():
    """Independent of the rig's inverse: raw values in, M · (raw × scale) expected, M as printed, row by row."""
    with IioRig('bmi160') as rig:
        run = Run(rig, count=3)
        rig.wait_streaming()
        raws = [(1000, -2000, 3000, 100, -200, 300), (-1500, 700, -16000, -3000, 0, 2500),
                (12, 34, 56, -78, 90, -11)]
        names = ['accel_x', 'accel_y', 'accel_z', 'anglvel_x', 'anglvel_y', 'anglvel_z']
        samples = [Sample(50.0 + i / 100, None, None, raw=dict(zip(names, r))) for i, r in enumerate(raws)]
        rig.feed(samples).wait()
        outs = run.samples(3)
        accel_m = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]
        gyro_m = [[1, 0, 0], [0, 0, -1], [0, 1, 0]]
        accel_scales = (0.000598, 0.000610, 0.000590)
        for out, r in zip(outs, raws):
            accel = mat_vec(accel_m, [r[i] * accel_scales[i] for i in range(3)])
            gyro = mat_vec(gyro_m, [r[3 + i] * 0.001065 for i in range(3)])
            check_vector(out.accel, accel, 1e-6, 'accel = M·v')
            check_vector(out.gyro, gyro, 1e-6, 'gyro = M·v')
        run.finish()


def case_lsm6dsox_pairs_separate_gyro_device():
    rig, run, outs = decode_and_check('lsm6dsox', rate=104)
    with rig:
        check(run.header['description'] == 'lsm6dsox on local:', f'description {run.header["description"]!r}')
        check(run.header['has_gyro'] == '1', 'the lsm6dsox_gyro sibling was not used')
        check_covers_negative(outs, 'gyro')
        check(run.finish()[0] == 0, 'iio-read failed')


def ramp(t):
    """A gyroscope signal linear in time, so that interpolation between samples is exact."""
    return (2.0 * (t - 1000.0) - 1.0, -1.5 * (t - 1000.0) + 0.5, 0.25)


def split_samples(n, rate, gyro_offset_s, gyro_extra=1):
    """n accelerometer samples, and gyroscope samples gyro_offset_s later from one before the first to
    gyro_extra after the last (an accelerometer sample goes out once a gyroscope sample after it is in)."""
    accel = [Sample(1000.0 + i / rate, (1.0, -2.0, 9.0)) for i in range(n)]
    gyro = [Sample(1000.0 + i / rate + gyro_offset_s, None, ramp(1000.0 + i / rate + gyro_offset_s))
            for i in range(-1, n + gyro_extra)]
    return accel, gyro


def case_lsm6dsox_interpolates_gyro_between_samples():
    with IioRig('lsm6dsox') as rig:
        run = Run(rig, '--rate', '104', count=200)
        rig.wait_streaming()
        accel, gyro = split_samples(200, 104.0, 0.5 / 104)
        feed = rig.feed({'lsm6dsox_accel': accel, 'lsm6dsox_gyro': gyro}, speed=4)
        outs = run.samples(200)
        feed.wait()
        lsb = rig.lsb('lsm6dsox_gyro', 'anglvel')
        for i, (out, sample) in enumerate(zip(outs, accel)):
            check(out.t_us == expected_t_us(sample.t), f'sample {i}: t_us {out.t_us}')
            check(out.has_gyro, f'sample {i} was not paired')
            check_vector(out.gyro, ramp(out.t_us / 1e6), 2 * lsb, f'sample {i} interpolated gyro')
        run.finish()


def case_lsm6dsox_waits_for_late_gyro_batches():
    """The gyroscope's scans arrive 150 ms after the accelerometer's: samples wait for them, then pair."""
    with IioRig('lsm6dsox') as rig:
        run = Run(rig, '--rate', '104', count=150)
        rig.wait_streaming()
        accel, gyro = split_samples(150, 104.0, 0.0)
        feed_a = rig.feed({'lsm6dsox_accel': accel}, speed=1)
        feed_g = rig.feed({'lsm6dsox_gyro': gyro}, speed=1, start_delay=0.15)
        outs = run.samples(150)
        feed_a.wait()
        feed_g.wait()
        lsb = rig.lsb('lsm6dsox_gyro', 'anglvel')
        for i, (out, sample) in enumerate(zip(outs, accel)):
            check(out.has_gyro, f'sample {i} went out without waiting for the gyroscope')
            check_vector(out.gyro, ramp(sample.t), 2 * lsb, f'sample {i} gyro')
        run.finish()


# --- device settings ---

def case_mpu6050_rate_nearest_available():
    with IioRig('mpu6050') as rig:
        run = Run(rig, '--rate', '90', count=1, timeout=3)
        check(rig.attr('mpu6050', 'sampling_frequency') == '100', 'asked 90 Hz of "10 20 50 100 200 500"')
        check(run.header['rate'] == '100', f'the rate read back is {run.header["rate"]}')
        run.proc.kill()
        run = Run(rig, '--rate', '2000', count=1, timeout=3)
        check(rig.attr('mpu6050', 'sampling_frequency') == '500', 'asked 2000 Hz: the highest')
        run.proc.kill()


def case_lsm6dsox_rate_nearest_set_on_both_devices():
    with IioRig('lsm6dsox') as rig:
        run = Run(rig, '--rate', '90', count=1, timeout=3)
        for dev in ('lsm6dsox_accel', 'lsm6dsox_gyro'):
            check(float(rig.attr(dev, 'sampling_frequency')) == 104.0,
                  f'{dev}: asked 90 Hz of "12.5 26 52 104 208 …", got {rig.attr(dev, "sampling_frequency")!r}')
        check(float(run.header['rate']) == 104, f'rate {run.header["rate"]}')
        run.proc.kill()


def case_bmi160_rate_set_per_type_on_channels():
    with IioRig('bmi160') as rig:
        run = Run(rig, '--rate', '250', count=1, timeout=3)
        check(rig.attr('bmi160', 'in_accel_sampling_frequency') == '200', 'accel: 250 Hz of "… 200 400 …"')
        check(rig.attr('bmi160', 'in_anglvel_sampling_frequency') == '200', 'anglvel: 250 Hz of "… 200 400 …"')
        check(run.header['rate'] == '200', f'rate {run.header["rate"]}')
        run.proc.kill()


def case_mpu6050_trigger_assigned():
    with IioRig('mpu6050') as rig:
        check(rig.attr('mpu6050', 'trigger/current_trigger') == '', 'the fixture starts without a trigger')
        run = Run(rig, count=10)
        rig.wait_streaming()
        check(rig.attr('mpu6050', 'trigger/current_trigger') == 'mpu6050-dev0', 'its own trigger was not assigned')
        rig.feed(wave_samples(10, 100)).wait()
        run.samples(10)
        run.finish()


def case_kxsd9_prefers_own_trigger():
    with IioRig('kxsd9') as rig:
        run = Run(rig, count=1, timeout=3)
        rig.wait_streaming()
        check(rig.attr('kxsd9', 'trigger/current_trigger') == 'kxsd9-dev0',
              f'got {rig.attr("kxsd9", "trigger/current_trigger")!r}, not the device\'s own trigger')
        run.proc.kill()


def case_adxl345_leaves_assigned_trigger_alone():
    with IioRig('adxl345') as rig:
        run = Run(rig, count=1, timeout=3)
        rig.wait_streaming()
        check(rig.raw_attr('adxl345', 'trigger/current_trigger') == b'sysfstrig0\n',
              f'the assigned trigger was rewritten: {rig.raw_attr("adxl345", "trigger/current_trigger")!r}')
        run.proc.kill()


def case_mpu6050_buffer_enabled_while_streaming_disabled_after_close():
    with IioRig('mpu6050') as rig:
        run = Run(rig, count=40)
        rig.wait_streaming()
        for chan in ('accel_x', 'accel_y', 'accel_z', 'anglvel_x', 'anglvel_y', 'anglvel_z', 'timestamp'):
            check(rig.attr('mpu6050', f'scan_elements/in_{chan}_en') == '1', f'{chan} is not enabled')
        check(rig.attr('mpu6050', 'scan_elements/in_temp_en') == '0', 'temp is enabled but nobody reads it')
        check(rig.attr('mpu6050', 'current_timestamp_clock') == 'monotonic', 'timestamps are not monotonic')
        watermark = rig.attr('mpu6050', 'buffer/watermark')
        check(watermark == '25', f'watermark {watermark}: a batch is rate / 4 wake-ups per second')
        samples = wave_samples(40, 100)
        rig.feed(samples[:20]).wait()
        run.samples(20)
        check(rig.attr('mpu6050', 'buffer/enable') == '1', 'the buffer stopped while streaming')
        rig.feed(samples[20:]).wait()
        run.samples(20)
        check(run.finish()[0] == 0, 'iio-read failed')
        check(rig.attr('mpu6050', 'buffer/enable') == '0', 'the buffer is still enabled after close')
        check(rig.attr('mpu6050', 'scan_elements/in_accel_x_en') == '0', 'accel_x is still enabled after close')


def case_matrix_option_overrides_device_matrix():
    with IioRig('bmi160') as rig:
        run = Run(rig, '--matrix', '0,0,1,0,1,0,-1,0,0', count=2)
        rig.wait_streaming()
        raws = [(1000, -2000, 3000), (-7, 8, -9)]
        names = ['accel_x', 'accel_y', 'accel_z', 'anglvel_x', 'anglvel_y', 'anglvel_z']
        rig.feed([Sample(10.0 + i / 100, None, None, raw=dict(zip(names, r + r)))
                  for i, r in enumerate(raws)]).wait()
        m = [[0, 0, 1], [0, 1, 0], [-1, 0, 0]]
        scales = (0.000598, 0.000610, 0.000590)
        for out, r in zip(run.samples(2), raws):
            check_vector(out.accel, mat_vec(m, [r[i] * scales[i] for i in range(3)]), 1e-6, 'accel, overridden')
            check_vector(out.gyro, mat_vec(m, [v * 0.001065 for v in r]), 1e-6, 'gyro, overridden')
        run.finish()


# --- dropping bad scans ---

def case_saturated_scans_dropped_and_counted():
    with IioRig('mpu6050') as rig:
        run = Run(rig, count=93)
        rig.wait_streaming()
        samples = wave_samples(100, 100)
        saturated = {5: {'accel_x': 32767}, 17: {'accel_z': -32768}, 30: {'anglvel_y': 32767},
                     41: {'anglvel_z': -32768}, 55: {'accel_y': -32768}, 70: {'anglvel_x': 32767},
                     99: {'accel_x': -32768, 'accel_y': 32767}}
        fed = [s._replace(raw=saturated[i]) if i in saturated else s for i, s in enumerate(samples)]
        rig.feed(fed, speed=4).wait()
        outs = run.samples(93)
        kept = [s for i, s in enumerate(samples) if i not in saturated]
        check_decoded(outs, kept, rig.lsb('mpu6050', 'accel'), rig.lsb('mpu6050', 'anglvel'))
        status, invalid = run.finish()
        check(invalid == len(saturated), f'samples_invalid is {invalid}, {len(saturated)} scans were saturated')


def case_timestamps_that_do_not_advance_dropped():
    with IioRig('mpu6050') as rig:
        run = Run(rig, count=4)
        rig.wait_streaming()
        s = wave_samples(6, 100)
        # The third repeats the second's time, the fifth goes back in time.
        fed = [s[0], s[1], s[2]._replace(t=s[1].t), s[3], s[4]._replace(t=s[0].t), s[5]]
        rig.feed(fed).wait()
        outs = run.samples(4)
        check([o.t_us for o in outs] == [expected_t_us(x.t) for x in (s[0], s[1], s[3], s[5])],
              f'times {[o.t_us for o in outs]}')
        status, invalid = run.finish()
        check(invalid == 2, f'samples_invalid is {invalid}, expected 2')


def case_scans_cut_across_reads_reassembled():
    rig, run, outs = decode_and_check('mpu6050', n=120, split_writes=7)
    with rig:
        status, invalid = run.finish()
        check(invalid == 0, f'samples_invalid is {invalid}')


# --- no buffer ---

def case_mxc6255_raw_attributes_polled():
    with IioRig('mxc6255') as rig:
        rig.set_attr('mxc6255', 'in_accel_x_raw', '-12')
        rig.set_attr('mxc6255', 'in_accel_y_raw', '34')
        rig.set_attr('mxc6255', 'in_accel_z_raw', '-56')
        run = Run(rig, '--rate', '50', count=40)
        check(run.header['fd'] == 'timer poll_interval_us=20000', f'fd line {run.header["fd"]!r}')
        check(run.header['hardware_timestamps'] == '0' and run.header['has_gyro'] == '0', f'{run.header}')
        outs = run.samples(10)
        for out in outs:
            check_vector(out.accel, (-12 * 0.153229, 34 * 0.153229, -56 * 0.153229), 1e-5, 'raw attributes')
        rig.set_attr('mxc6255', 'in_accel_x_raw', '100')
        outs += run.samples(30)
        check_vector(outs[-1].accel, (100 * 0.153229, 34 * 0.153229, -56 * 0.153229), 1e-5, 'changed attribute')
        for a, b in zip(outs, outs[1:]):
            check(b.t_us > a.t_us, 'times do not increase')
        span = (outs[-1].t_us - outs[0].t_us) / (len(outs) - 1)
        check(15000 < span < 40000, f'one sample every {span:.0f} µs at 50 Hz')
        check(run.finish()[0] == 0, 'iio-read failed')


# --- vanishing ---

def case_device_vanishes_then_returns():
    with IioRig('mpu6050') as rig:
        run = Run(rig, '--reopen', count=100, timeout=30)
        rig.wait_streaming()
        first = wave_samples(50, 100, t0=1000.0)
        rig.feed(first, speed=4).wait()
        check_decoded(run.samples(50), first, rig.lsb('mpu6050', 'accel'), rig.lsb('mpu6050', 'anglvel'))
        rig.remove('mpu6050')
        line = run.lines.wait_for(lambda l: l.startswith('error='), timeout=10)
        check(line == 'error=-19 ENODEV', f'a vanished device gave {line!r}')
        time.sleep(0.3)  # a few failed reopen attempts
        rig.add('mpu6050')
        run.lines.wait_for(lambda l: l == 'reopened', timeout=10)
        run.read_header()
        rig.wait_streaming()
        second = wave_samples(50, 100, t0=2000.0)
        rig.feed(second, speed=4).wait()
        check_decoded(run.samples(50), second, rig.lsb('mpu6050', 'accel'), rig.lsb('mpu6050', 'anglvel'))
        check(run.finish()[0] == 0, 'iio-read failed')
        check(rig.attr('mpu6050', 'buffer/enable') == '0', 'the buffer is still enabled after close')


def case_no_accelerometer_is_enodev_with_a_sentence():
    with IioRig('lsm6dsox') as rig:
        run = Run(rig, '--device', 'nothere', count=1)
        check(run.header['open-error'].startswith("-19 There is no IIO device named 'nothere'"),
              f'open-error {run.header["open-error"]!r}')
        check(run.proc.wait(10) == 2, 'exit status')
        run = Run(rig, '--device', 'lsm6dsox_gyro', count=1)
        check(run.header['open-error'].startswith("-19 The IIO device 'lsm6dsox_gyro' in local: is not an "
                                                  "accelerometer"), f'open-error {run.header["open-error"]!r}')
        run.proc.wait(10)


# --- ip: through iiod, read by the reader thread ---

def case_ip_context_read_through_reader_thread():
    with IioRig('mpu6050') as rig:
        uri = rig.start_iiod()
        run = Run(rig, '--uri', uri, '--rate', '90', count=200, env=dict(os.environ))
        check(run.header['description'] == f'mpu6050 on {uri}', f'description {run.header["description"]!r}')
        check(run.header['fd'] == 'poll', 'the reader thread gives an eventfd to poll')
        check(run.header['rate'] == '100', f'rate {run.header["rate"]}')
        rig.wait_streaming()
        check(rig.attr('mpu6050', 'trigger/current_trigger') == 'mpu6050-dev0', 'trigger not assigned over ip:')
        samples = wave_samples(200, 100)
        feed = rig.feed(samples, speed=4)
        outs = run.samples(200)
        feed.wait()
        check_decoded(outs, samples, rig.lsb('mpu6050', 'accel'), rig.lsb('mpu6050', 'anglvel'))
        # close() cancels the blocked refill instead of waiting for its timeout.
        start = time.monotonic()
        status, invalid = run.finish()
        check(status == 0 and invalid == 0, f'status {status}, invalid {invalid}')
        check(time.monotonic() - start < 2.0, f'closing took {time.monotonic() - start:.1f} s')
        rig.wait_attr('mpu6050', 'buffer/enable', '0', timeout=5)


def case_ip_split_devices_read_by_two_threads():
    with IioRig('lsm6dsox') as rig:
        uri = rig.start_iiod()
        run = Run(rig, '--uri', uri, '--rate', '104', count=208, env=dict(os.environ))
        check(run.header['description'] == f'lsm6dsox on {uri}', f'description {run.header["description"]!r}')
        rig.wait_streaming()
        # Over ip:, whole batches of 26 come through: the gyroscope's must reach past the last accelerometer
        # sample.
        accel, gyro = split_samples(208, 104.0, 0.5 / 104, gyro_extra=26)
        feed = rig.feed({'lsm6dsox_accel': accel, 'lsm6dsox_gyro': gyro}, speed=2)
        outs = run.samples(208)
        feed.wait()
        lsb = rig.lsb('lsm6dsox_gyro', 'anglvel')
        for i, (out, sample) in enumerate(zip(outs, accel)):
            check(out.t_us == expected_t_us(sample.t), f'sample {i}: t_us {out.t_us}')
            check_vector(out.accel, sample.accel, rig.lsb('lsm6dsox_accel', 'accel'), f'sample {i} accel')
            check(out.has_gyro, f'sample {i} was not paired')
            check_vector(out.gyro, ramp(out.t_us / 1e6), 2 * lsb, f'sample {i} interpolated gyro')
        check(run.finish()[0] == 0, 'iio-read failed')


def case_ip_reader_queue_overflow_drops_counted():
    """The daemon falls behind: the reader thread queues 8 batches, drops whole batches after that and counts
    them in samples_invalid."""
    with IioRig('mpu6050') as rig:
        uri = rig.start_iiod()
        run = Run(rig, '--uri', uri, '--pause-after', '25', '--pause-seconds', '2.5', count=225,
                  env=dict(os.environ))
        rig.wait_streaming()
        samples = wave_samples(400, 100)
        feed = rig.feed(samples, speed=4)
        outs = run.samples(225, timeout=20)
        feed.wait()
        check_decoded(outs, samples[:225], rig.lsb('mpu6050', 'accel'), rig.lsb('mpu6050', 'anglvel'))
        status, invalid = run.finish()
        check(invalid == 175, f'samples_invalid is {invalid}: 16 batches of 25 came, 1 read, 8 queued, 7 dropped')


def case_ip_server_killed_gives_an_error():
    with IioRig('mpu6050') as rig:
        uri = rig.start_iiod()
        run = Run(rig, '--uri', uri, count=1000, env=dict(os.environ))
        rig.wait_streaming()
        feed = rig.feed(wave_samples(50, 100), speed=4)
        run.samples(50)  # two batches of rate / 4
        feed.wait()
        iiod = next(p for p in rig._procs if p.args[0] == 'iiod')
        iiod.send_signal(signal.SIGKILL)
        line = run.lines.wait_for(lambda l: l.startswith('error='), timeout=15)
        check(line in ('error=-19 ENODEV', 'error=-5 EIO'), f'a dead server gave {line!r}')
        check(run.finish()[0] == 3, 'iio-read should stop on the error')


def main():
    global IIO_READ
    if len(sys.argv) != 3:
        sys.exit('usage: hw-test.py IIO_READ CASE')
    IIO_READ = sys.argv[1]
    case = globals().get('case_' + sys.argv[2]) or globals().get(sys.argv[2])
    if not case:
        sys.exit(f'no case named {sys.argv[2]!r}')
    case()
    print(f'{sys.argv[2]}: ok')


if __name__ == '__main__':
    main()
