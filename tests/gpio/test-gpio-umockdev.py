# SPDX-License-Identifier: LGPL-2.1-or-later
"""The whole psoasd with its real libgpiod backend on a GPIO chip emulated by umockdev (gpiorig.py).

One meson test per case: dbus-run-session -- python3 test-gpio-umockdev.py CASE. Every case is named umockdev_*:
it runs daemon/gpio-gpiod.c and libgpiod against the emulated chip, and watches the result over D-Bus (the
in-process fake of test-haptics-fake.c covers the timing rules in detail). psoasd runs with --user on the test's
session bus, replaying psoas-synth recordings; the motor is on line 17 (named VIBRA), the button on line 27.
"""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time

from gpiorig import (FLAG_ACTIVE_LOW, FLAG_BIAS_PULL_DOWN, FLAG_BIAS_PULL_UP, FLAG_EDGE_FALLING,  # noqa: E402
                     FLAG_EDGE_RISING, FLAG_INPUT, FLAG_OUTPUT, GpioRig)
from psoasd_test import Bus, CallError, Daemon, main, synth  # noqa: E402

REC = os.environ.get('PSOAS_RECORDING', '')
MOTOR, BUTTON = 17, 27
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
NO_HAPTICS = 'org.psoas.Posture1.Error.NoHaptics'
# psoasd times each step from when the line has switched, so that a pulse seen through the emulated chip is never
# shorter than planned, only longer by the ioctls' way through a socket to the rig's thread and back, and by a
# busy machine (a few ms when idle; 300 ms has been seen with fuzzers running beside an ASan build).
EARLY = 0.015
LATE = 0.5
GPIO = {'chip': 'gpiochip0', 'motor_line': 'VIBRA', 'button_line': BUTTON}


def config(gpio=GPIO, **sections):
    document = dict(sections)
    if gpio is not None:
        document['gpio'] = gpio
    return json.dumps(document)


def rig_for_psoasd(**kwargs):
    kwargs.setdefault('lines', 32)
    kwargs.setdefault('names', {MOTOR: 'VIBRA', BUTTON: 'GPIO27'})
    return GpioRig(**kwargs)


def expected_pattern(name, level=1):
    """(pulses, on seconds, off seconds) as psoasd(8) documents them."""
    return {
        'sitting': (1 + min(max(level, 1), 3), 0.6, 0.4),
        'tilt': (3, 0.15, 0.15),
        'calibration-done': (5, 0.15, 0.15),
        'calibration-refused': (1, 1.5, 0.0),
        'slouch': (2, 0.15, 0.4),
    }[name]


def pattern_seconds(name, level=1):
    n, on, off = expected_pattern(name, level)
    return n * on + (n - 1) * off


def wait_pattern(rig, since, name, level=1, offset=MOTOR):
    """Waits for the pattern to have played on the motor line after `since`, and checks its pulses."""
    n, on, off = expected_pattern(name, level)
    end = time.monotonic() + pattern_seconds(name, level) + 5
    while time.monotonic() < end:
        rig.check()
        pulses = rig.pulses(offset, since)
        if len(pulses) >= n and rig.levels(offset)[-1][1] == 0:
            break
        time.sleep(0.02)
    # A little longer: a pulse too many would show now.
    time.sleep(0.3)
    pulses = rig.pulses(offset, since)
    assert len(pulses) == n, f'{name}: {len(pulses)} pulses, expected {n}: {pulses}'
    for i, (start, duration) in enumerate(pulses):
        assert timed(duration, on), f'{name}: pulse {i} lasted {duration:.3f} s, expected {on} s'
        if i > 0:
            gap = start - (pulses[i - 1][0] + pulses[i - 1][1])
            assert timed(gap, off), f'{name}: pause {i} lasted {gap:.3f} s, expected {off} s'
    return pulses


def timed(actual, planned):
    return planned - EARLY <= actual <= planned + LATE


def short_press(rig, hold=0.12, bounces=(2, 3, 1)):
    rig.press(BUTTON, bounces=bounces)
    time.sleep(hold)
    rig.release(BUTTON, bounces=bounces[:2])


class Notify:
    """A NOTIFY_SOCKET for the daemon: collects its sd_notify messages."""

    def __init__(self, directory):
        self.path = os.path.join(directory, 'notify')
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages = []

    def wait_for(self, predicate, what, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for m in self.messages:
                if predicate(m):
                    return m
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
        raise AssertionError(f'no {what} in {self.messages}')


# --------------------------------------------------------------------------------------------------------------
# The lines as requested, and the motor's patterns


def case_umockdev_lines_and_patterns():
    with rig_for_psoasd() as rig:
        bus = Bus()
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config(), env=rig.env()) as d:
            request = rig.wait_request()
            # One request for both lines, by psoasd; the motor found by its name.
            assert sorted(request.offsets) == [MOTOR, BUTTON], request.offsets
            assert request.consumer == 'psoasd', request.consumer
            motor, button = request.flags[MOTOR], request.flags[BUTTON]
            assert motor & FLAG_OUTPUT and not motor & (FLAG_INPUT | FLAG_ACTIVE_LOW), hex(motor)
            # The defaults: a button to ground with the pull-up, read active low, both edges.
            assert button & FLAG_INPUT and button & FLAG_ACTIVE_LOW and button & FLAG_BIAS_PULL_UP, hex(button)
            assert button & FLAG_EDGE_RISING and button & FLAG_EDGE_FALLING, hex(button)
            # Requested off, and nothing switched it since.
            assert [level for _, level in rig.levels(MOTOR)] == [0], rig.levels(MOTOR)
            assert bus.get('Haptics') == 'ready'
            assert 'Haptics ready: motor on line 17 and button on line 27 of /dev/gpiochip0 [psoas-test]' \
                in d.read_log(), d.read_log()

            for name in ('tilt', 'calibration-done', 'calibration-refused', 'sitting', 'slouch'):
                since = time.monotonic()
                assert bus.call('TestHaptics', '(s)', name) == ()
                wait_pattern(rig, since, name)
                # The rest after a pattern.
                time.sleep(0.3)

            for bad in ('buzz', '', 'Tilt', 'sitting-2'):
                try:
                    bus.call('TestHaptics', '(s)', bad)
                except CallError as e:
                    assert e.name == INVALID_ARGS and f"'{bad}'" in e.message, e
                    assert 'calibration-refused' in e.message, e.message
                else:
                    raise AssertionError(f'TestHaptics({bad!r}) accepted')


def case_umockdev_active_low_lines_and_offsets():
    # A motor driver that switches on at low, and a button to 3.3 V with a pull-down, both by offset.
    gpio = {'chip': '/dev/gpiochip0', 'motor_line': MOTOR, 'motor_active_low': True, 'button_line': BUTTON,
            'button_active_low': False, 'button_bias': 'pull-down'}
    with rig_for_psoasd() as rig:
        bus = Bus()
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config(gpio), env=rig.env()):
            request = rig.wait_request()
            assert request.flags[MOTOR] & FLAG_ACTIVE_LOW, hex(request.flags[MOTOR])
            button = request.flags[BUTTON]
            assert not button & FLAG_ACTIVE_LOW and button & FLAG_BIAS_PULL_DOWN, hex(button)
            # Off is high on this line.
            assert [level for _, level in rig.levels(MOTOR)] == [1], rig.levels(MOTOR)

            since = time.monotonic()
            bus.call('TestHaptics', '(s)', 'tilt')

            def lows():
                return [t for t, level in rig.levels(MOTOR) if t >= since and level == 0]

            bus.wait(lambda: len(lows()) == 3 and rig.levels(MOTOR)[-1][1] == 1, 10, 'three pulses, low')
            time.sleep(0.5)
            assert len(lows()) == 3, rig.levels(MOTOR)
            assert rig.levels(MOTOR)[-1][1] == 1, 'the motor must end off (high)'

            # Pressed is high: a short press snoozes.
            rig.set_level(BUTTON, 1)
            time.sleep(0.1)
            rig.set_level(BUTTON, 0)
            bus.wait(lambda: bus.get('SnoozedUntil') > 0, 5, 'a snooze from the active-high button')


def case_umockdev_stop_mid_pattern_releases_motor_low():
    with rig_for_psoasd() as rig:
        bus = Bus()
        d = Daemon(bus, '--replay', REC, '--speed', '1', config=config(), env=rig.env()).start()
        try:
            rig.wait_request()
            bus.call('TestHaptics', '(s)', 'calibration-refused')
            time.sleep(0.4)
            assert rig.levels(MOTOR)[-1][1] == 1, 'the motor should be running'
            stopped = time.monotonic()
            assert d.stop() == 0, d.read_log()
            levels = rig.levels(MOTOR)
            assert levels[-1][1] == 0, levels
            # Driven low at the stop, long before the 1.5 s pulse would have ended.
            assert levels[-1][0] - stopped < 0.5, (levels, stopped)
            assert rig.released()
        finally:
            if d.proc.poll() is None:
                d.proc.kill()
            d.tmp.cleanup()


# --------------------------------------------------------------------------------------------------------------
# The button


def case_umockdev_button_snooze_and_cancel():
    with rig_for_psoasd() as rig:
        bus = Bus()
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config(), env=rig.env()) as d:
            rig.wait_request()
            bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')

            # A short press, bouncing: snoozed for 15 min, as Snooze(900) does, and signalled.
            before = time.time()
            short_press(rig)
            bus.wait(lambda: bus.get('SnoozedUntil') > 0, 5, 'SnoozedUntil after a short press')
            until = bus.get('SnoozedUntil')
            assert before + 895 <= until / 1e6 <= time.time() + 905, until / 1e6 - before
            bus.wait(lambda: until in bus.changes_of('SnoozedUntil'), 5, 'SnoozedUntil signalled')
            assert 'Alerts snoozed for 15 min with the button.' in d.read_log()

            # A double press cancels it.
            rig.press(BUTTON, bounces=(2, 2))
            time.sleep(0.1)
            rig.release(BUTTON, bounces=(3,))
            time.sleep(0.2)
            rig.press(BUTTON, bounces=(2,))
            time.sleep(0.1)
            rig.release(BUTTON)
            bus.wait(lambda: bus.get('SnoozedUntil') == 0, 5, 'the snooze cancelled by a double press')
            bus.wait(lambda: bus.changes_of('SnoozedUntil')[-1:] == [0], 5, 'the cancellation signalled')
            assert 'Snooze cancelled with the button.' in d.read_log()
            # Exactly one snooze and one cancellation: the double press was not also two short presses.
            time.sleep(1)
            assert bus.changes_of('SnoozedUntil') == [until, 0], bus.changes_of('SnoozedUntil')

            # Bounces alone do nothing.
            for _ in range(3):
                rig.press(BUTTON)
                rig.release(BUTTON, t=time.monotonic() + 0.005)
                time.sleep(0.2)
            time.sleep(0.8)
            assert bus.get('SnoozedUntil') == 0
            assert bus.changes_of('SnoozedUntil') == [until, 0]


def case_umockdev_long_press_calibrates():
    with rig_for_psoasd() as rig:
        bus = Bus()
        # The recording begins with 5 min of still standing (100 s at 3x).
        with Daemon(bus, '--replay', REC, '--speed', '3', config=config(), env=rig.env()) as d:
            rig.wait_request()
            bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
            assert bus.get('Calibrated') is False

            rig.press(BUTTON, bounces=(3, 2))
            bus.wait(lambda: "Calibrating at the button's request." in d.read_log(), 4, 'the long press')
            held = time.monotonic()
            rig.release(BUTTON, bounces=(4,))
            # Calibrate() with no caller: the result shows in Calibrated, and on the motor.
            bus.wait(lambda: True in bus.changes_of('Calibrated'), 10, 'Calibrated after a long press')
            assert bus.get('Calibrated') is True
            wait_pattern(rig, held, 'calibration-done')
            # The release after the long press did nothing more.
            assert bus.get('SnoozedUntil') == 0

            # A D-Bus Calibrate() buzzes the same way.
            since = time.monotonic()
            bus.call('Calibrate')
            wait_pattern(rig, since, 'calibration-done')


def case_umockdev_long_press_without_sensor_refused():
    with rig_for_psoasd() as rig, tempfile.TemporaryDirectory() as tmp:
        short = synth('--scenario', 'daemon', '--rate', '50', '--duration', '1', path=os.path.join(tmp, 's.csv'))
        bus = Bus()
        with Daemon(bus, '--replay', short, '--speed', '1', config=config(), env=rig.env()) as d:
            rig.wait_request()
            bus.wait(lambda: bus.get('SensorState') == 'ended', 10, 'the end of the recording')
            since = time.monotonic()
            rig.press(BUTTON)
            bus.wait(lambda: 'The button asked for a calibration, but no sensor is streaming.' in d.read_log(), 4,
                     'the refusal')
            rig.release(BUTTON)
            wait_pattern(rig, since, 'calibration-refused')
            assert bus.get('Calibrated') is False


def case_umockdev_alert_buzzes_and_press_answers_prompt():
    with rig_for_psoasd() as rig, tempfile.TemporaryDirectory() as tmp:
        # The daemon scenario up to 35.5 min: 5 min standing, then sitting, with the first sitting alert and its
        # stretch prompt at 35 min. The recording ends before the stretch is done, so the prompt stays open.
        rec = synth('--scenario', 'daemon', '--rate', '50', '--seed', '3', '--mount', 'random', '--duration',
                    '2130', path=os.path.join(tmp, 'prompt.csv'))
        bus = Bus()
        with Daemon(bus, '--replay', rec, '--speed', '400', '--calibrate-first', '5', config=config(),
                    env=rig.env()) as d:
            rig.wait_request()
            bus.wait(lambda: bus.signals_named('StretchPrompt'), 30, 'a stretch prompt')
            alerts = [(args, t) for m, args, t in bus.signals if m == 'Alert']
            (kind, _, level), alert_time = alerts[0]
            assert (kind, level) == ('sitting', 1), alerts
            # The alert buzzed: two long pulses for level 1.
            wait_pattern(rig, alert_time - 1.0, 'sitting', 1)
            bus.wait(lambda: bus.get('SensorState') == 'ended', 20, 'the end of the recording')

            sid = bus.signals_named('StretchPrompt')[0][0]
            short_press(rig)
            bus.wait(lambda: f"Stretch '{sid}' reported done with the button." in d.read_log(), 5,
                     'the prompt answered by the button')
            # As CompleteStretch() would: counted as self-reported, and not a snooze.
            assert bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 1
            assert bus.get('SnoozedUntil') == 0

            # Answered: the next short press snoozes.
            short_press(rig)
            bus.wait(lambda: bus.get('SnoozedUntil') > 0, 5, 'a snooze')
            assert bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 1


# --------------------------------------------------------------------------------------------------------------
# Wrong chips and lines, reloads


def start_expecting_error(rig, gpio, words, tmp):
    """Starts psoasd with this gpio section; it must run without haptics and say why, naming words."""
    bus = Bus()
    notify = Notify(tmp)
    d = Daemon(bus, '--replay', REC, '--speed', '1', config=config(gpio),
               env=dict(rig.env(), NOTIFY_SOCKET=notify.path)).start()
    try:
        assert bus.get('Haptics') == 'error', bus.get('Haptics')
        log = d.read_log()
        line = [x for x in log.splitlines() if 'No haptics:' in x]
        assert len(line) == 1, log
        for w in words:
            assert w in line[0], (w, line[0])
        assert 'carries on without the motor and the button' in line[0], line[0]
        status = notify.wait_for(lambda m: m.startswith('STATUS=') and 'no haptics' in m, 'a STATUS= about haptics')
        for w in words:
            assert w in status, (w, status)
        # It runs on: samples arrive, and the bus answers.
        bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
        try:
            bus.call('TestHaptics', '(s)', 'tilt')
        except CallError as e:
            assert e.name == NO_HAPTICS and words[0] in e.message, e
        else:
            raise AssertionError('TestHaptics succeeded without haptics')
    finally:
        code = d.stop()
        notify.sock.close()
        d.tmp.cleanup()
    assert code == 0, code
    assert rig.released()


def expect_errors(cases, **rig_options):
    with rig_for_psoasd(**rig_options) as rig, tempfile.TemporaryDirectory() as tmp:
        for i, (gpio, words) in enumerate(cases):
            sub = os.path.join(tmp, str(i))
            os.mkdir(sub)
            start_expecting_error(rig, gpio, words, sub)


def case_umockdev_wrong_chip():
    expect_errors([
        ({'chip': '/dev/gpiochip7', 'motor_line': MOTOR, 'button_line': BUTTON},
         ['/dev/gpiochip7', 'the motor on line 17 and the button on line 27']),
        ({'chip': 'gpiochip9', 'button_line': 'GPIO27'},
         ['gpiochip9', 'the button on line "GPIO27"', 'no /dev/gpiochip9']),
        ({'chip': '/dev/null', 'motor_line': 3}, ['/dev/null', 'not a GPIO character device']),
    ])


def case_umockdev_wrong_line():
    expect_errors([
        ({'chip': 'gpiochip0', 'motor_line': 'NOPE', 'button_line': BUTTON},
         ['/dev/gpiochip0 [psoas-test]', 'no line named "NOPE" for the motor']),
        ({'chip': 'gpiochip0', 'motor_line': MOTOR, 'button_line': 40},
         ['/dev/gpiochip0 [psoas-test]', 'no line 40 for the button', 'lines 0 to 31']),
        ({'chip': 'gpiochip0', 'motor_line': 5, 'button_line': BUTTON},
         ['/dev/gpiochip0 [psoas-test]', "the motor's line 5 is in use by \"gpio-keys\""]),
        ({'chip': 'gpiochip0', 'motor_line': 'GPIO27', 'button_line': BUTTON},
         ['/dev/gpiochip0 [psoas-test]', 'the same line, 27']),
    ], used={5: 'gpio-keys'})


def case_umockdev_no_gpio_section():
    with rig_for_psoasd() as rig:
        bus = Bus()
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config(gpio=None), env=rig.env()) as d:
            assert bus.get('Haptics') == 'absent'
            try:
                bus.call('TestHaptics', '(s)', 'tilt')
            except CallError as e:
                assert e.name == NO_HAPTICS and 'no gpio section' in e.message, e
            else:
                raise AssertionError('TestHaptics succeeded without a gpio section')
            # Not an error, and the chip never opened.
            assert 'aptics' not in d.read_log(), d.read_log()
            assert rig.ioctls == [], rig.ioctls
        # A button alone: no motor to test.
        gpio = {'chip': 'gpiochip0', 'button_line': BUTTON}
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config(gpio), env=rig.env()):
            assert rig.wait_request().offsets == [BUTTON]
            assert bus.get('Haptics') == 'ready'
            try:
                bus.call('TestHaptics', '(s)', 'tilt')
            except CallError as e:
                assert e.name == NO_HAPTICS and 'no motor_line' in e.message, e
            else:
                raise AssertionError('TestHaptics succeeded without a motor')


def case_umockdev_reload():
    with rig_for_psoasd() as rig:
        bus = Bus()
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config(), env=rig.env()) as d:
            path = os.path.join(d.tmp.name, 'psoasd.json')
            first = rig.wait_request()
            assert bus.get('Haptics') == 'ready'

            def reload(text, state, count):
                with open(path, 'w') as f:
                    f.write(text)
                d.proc.send_signal(signal.SIGHUP)
                bus.wait(lambda: d.read_log().count('Reloading') == count, 5, f'reload {count}')
                bus.wait(lambda: bus.get('Haptics') == state, 5, f'Haptics {state}')
                bus.wait(lambda: state in bus.changes_of('Haptics'), 5, f'Haptics {state} signalled')

            # The same gpio section: the lines stay as they are.
            with open(path, 'w') as f:
                f.write(config(sitting={'alert_minutes': 20}))
            d.proc.send_signal(signal.SIGHUP)
            bus.wait(lambda: d.read_log().count('Reloading') == 1, 5, 'reload 1')
            time.sleep(0.3)
            assert rig.requests == 1 and not rig.released() and rig.request is first
            # Without the section: released, and absent.
            reload(config(gpio=None), 'absent', 2)
            bus.wait(rig.released, 5, 'the lines released')
            # A wrong chip: error.
            reload(config(dict(GPIO, chip='/dev/gpiochip7')), 'error', 3)
            assert 'No haptics: GPIO chip /dev/gpiochip7' in d.read_log()
            # Fixed: ready again, with a new request, and it plays.
            reload(config(), 'ready', 4)
            assert rig.wait_request() is not first and rig.requests == 2
            since = time.monotonic()
            bus.call('TestHaptics', '(s)', 'tilt')
            wait_pattern(rig, since, 'tilt')


SYSTEM_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

CALL_AS = r'''
import sys, gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib
address, pattern = sys.argv[1:]
conn = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
try:
    conn.call_sync('org.psoas.Posture1', '/org/psoas/Posture1', 'org.psoas.Posture1', 'TestHaptics',
                   GLib.Variant('(s)', (pattern,)), None, 0, 10000, None)
except GLib.Error as e:
    sys.exit(f'{Gio.DBusError.get_remote_error(e)}: {e.message}')
'''


def case_umockdev_test_haptics_restricted():
    """On the system bus TestHaptics() is for root and the access group, like the other state changes, checked
    by psoasd itself even on a bus that lets everything through."""
    with rig_for_psoasd() as rig, tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        socket_path = os.path.join(tmp, 'system_bus_socket')
        conf = os.path.join(tmp, 'system.conf')
        with open(conf, 'w') as f:
            f.write(SYSTEM_BUS_CONFIG % socket_path)
        bus_daemon = subprocess.Popen(['dbus-daemon', '--config-file', conf, '--nofork', '--nopidfile'],
                                      stderr=subprocess.DEVNULL)
        try:
            address = 'unix:path=' + socket_path
            end = time.monotonic() + 10
            while not os.path.exists(socket_path) and time.monotonic() < end:
                time.sleep(0.02)
            bus = Bus(address=address)
            with Daemon(bus, '--replay', REC, '--speed', '1', user=False,
                        config=config(access={'group': 'users'}),
                        env=dict(rig.env(), DBUS_SYSTEM_BUS_ADDRESS=address)):
                rig.wait_request()

                def call_as_nobody(groups=None):
                    cmd = ['setpriv', '--reuid=65534', '--regid=65534']
                    cmd += [f'--groups={groups}'] if groups else ['--clear-groups']
                    cmd += ['/usr/bin/python3', '-c', CALL_AS, address, 'tilt']
                    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)

                since = time.monotonic()
                p = call_as_nobody()
                assert p.returncode != 0 and 'org.freedesktop.DBus.Error.AccessDenied' in p.stderr, p.stderr
                time.sleep(0.3)
                assert rig.pulses(MOTOR, since) == [], 'the motor ran for a refused caller'
                # A member of the access group (users, gid 100) may; and root.
                p = call_as_nobody(groups='100')
                assert p.returncode == 0, p.stderr
                wait_pattern(rig, since, 'tilt')
                since = time.monotonic()
                bus.call('TestHaptics', '(s)', 'calibration-done')
                wait_pattern(rig, since, 'calibration-done')
        finally:
            bus_daemon.kill()
            bus_daemon.wait()


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
