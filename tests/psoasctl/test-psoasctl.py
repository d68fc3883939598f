# SPDX-License-Identifier: LGPL-2.1-or-later
"""psoasctl against the real psoasd, replaying recordings on a private session bus.

One meson test per case: dbus-run-session -- python3 test-psoasctl.py CASE. psoasd runs with --user on the test's
session bus, so psoasctl is called with --user (or --system with DBUS_SYSTEM_BUS_ADDRESS pointing at that bus).
The daemon harness is tests/lib/psoasd_test.py.
"""

import datetime
import json
import os
import pty
import re
import signal
import stat
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

from psoasd_test import Bus, Daemon, main, noon_zone, synth  # noqa: E402
from stretch_scene import CALIBRATE, stretch_scene  # noqa: E402

PSOASCTL = os.environ['PSOASCTL']
REC = os.environ.get('PSOAS_RECORDING', '')

noon_zone()
VERBS = ['status', 'monitor', 'waybar', 'calibrate', 'snooze', 'inhibit', 'stretches', 'done', 'today', 'history',
         'buzz']
JSON_VERBS = {'status', 'monitor', 'calibrate', 'stretches', 'today', 'history'}
STATUS_KEYS = {'posture', 'tilt', 'inclination', 'calibrated', 'sitting_since_us', 'sitting_bout_seconds',
               'sitting_today_seconds', 'last_break_us', 'sensor_state', 'sensor', 'sensor_error', 'sample_rate',
               'snoozed_until_us', 'inhibited', 'haptics', 'version', 'clock_us'}
DAY_KEYS = {'date', 'sitting_seconds', 'standing_seconds', 'walking_seconds', 'lying_seconds', 'sitting_bouts',
            'longest_bout_seconds', 'alerts', 'breaks', 'stretches_verified', 'stretches_self_reported',
            'tilt_mean', 'tilt_p90', 'high_tilt_seconds', 'steps', 'no_data_seconds'}
WAYBAR_CLASSES = {'off', 'nosensor', 'uncalibrated', 'alert', 'inhibited', 'snoozed', 'standing', 'sitting',
                  'walking', 'lying', 'unknown'}
SVG = '{http://www.w3.org/2000/svg}'


def ctl(*args, env=None, timeout=30, status=None, stdin=None):
    """Runs psoasctl; checks the exit status when given. The C locale unless env says otherwise."""
    full_env = dict(os.environ, LC_ALL='C')
    full_env.update(env or {})
    p = subprocess.run([PSOASCTL, *args], capture_output=True, text=True, timeout=timeout, env=full_env,
                       stdin=stdin if stdin is not None else subprocess.DEVNULL)
    if status is not None:
        assert p.returncode == status, f'psoasctl {" ".join(args)}: exit status {p.returncode}, expected ' \
            f'{status}\n--- stdout ---\n{p.stdout}--- stderr ---\n{p.stderr}'
    return p


def user(*args, **kwargs):
    return ctl('--user', *args, **kwargs)


def now_us():
    return int(time.time() * 1e6)


def duration_words(seconds):
    """psoasctl's way of writing a duration."""
    seconds = int(seconds)
    minutes = seconds // 60  # rounded down, as every duration psoas shows
    if seconds < 60:
        return f'{seconds} s'
    if minutes < 60:
        return f'{minutes} min'
    return f'{minutes // 60} h {minutes % 60:02d} min'


def svg_bars(path):
    """Parses the SVG (failing on anything not well-formed) and returns its bars' heights, checked by xmllint
    too."""
    subprocess.run(['xmllint', '--noout', '--nonet', path], check=True)
    root = ET.parse(path).getroot()
    assert root.tag == SVG + 'svg', root.tag
    assert root.get('width') and root.get('height') and root.get('viewBox'), root.attrib
    bars = [r for r in root.iter(SVG + 'rect') if r.get('class') == 'bar']
    for r in bars:
        assert r.find(SVG + 'title') is not None, 'a bar without a tooltip'
    return [float(r.get('height')) for r in bars]


def assert_close(a, b, what, tolerance=1e-6):
    assert abs(a - b) <= tolerance * max(1.0, abs(b)), f'{what}: {a} != {b}'


def prepare_state(tmp):
    """A state directory holding today's statistics of the whole recording (replayed as fast as possible), and
    a recording of one second to keep psoasd running afterwards without changing them much."""
    state = os.path.join(tmp, 'state')
    bus = Bus()
    d = Daemon(bus, '--replay', REC, '--speed', '0', '--calibrate-first', '5', '--exit-on-end', state_dir=state,
               wait_ready=False).start()
    assert d.wait_exit(60) == 0, d.read_log()
    d.tmp.cleanup()
    short = synth('--scenario', 'daemon', '--rate', '50', '--duration', '1', path=os.path.join(tmp, 'short.csv'))
    return state, short


# --------------------------------------------------------------------------------------------------------------
# The command line


def case_help_and_version():
    p = ctl('--help', status=0)
    for verb in VERBS:
        assert re.search(rf'^  {verb}\b', p.stdout, re.M), f'{verb} missing from --help:\n{p.stdout}'
    assert 'Exit status' in p.stdout and '--version' in p.stdout
    p = ctl('--version', status=0)
    assert re.fullmatch(r'psoasctl \d+\.\d+\.\d+\n', p.stdout), p.stdout
    for verb in VERBS:
        p = ctl(verb, '--help', status=0)
        assert p.stdout.startswith(f'psoasctl {verb} '), p.stdout
        for option in ('--help', '--system', '--user', '--host'):
            assert option in p.stdout, (verb, option)
        assert ('--json' in p.stdout) == (verb in JSON_VERBS), (verb, p.stdout)
        # -h too, and after other options.
        assert ctl(verb, '--user', '-h', status=0).stdout == p.stdout


def case_man_page_documents_options():
    with open(os.environ['PSOASCTL_MAN']) as f:
        page = f.read()
    helps = {'psoasctl': ctl('--help', status=0).stdout}
    for verb in VERBS:
        helps[f'psoasctl {verb}'] = ctl(verb, '--help', status=0).stdout
    missing = []
    for program, text in helps.items():
        options = set(re.findall(r'--[a-z][a-z0-9-]*', text))
        assert options, program
        for option in sorted(options):
            # The whole option: --count must not be found inside --count-foo.
            if not re.search(re.escape(option) + r'([^a-z0-9-]|$)', page, re.M):
                missing.append(f'{program} {option}')
    assert not missing, f'not in psoasctl.1.scd: {missing}'
    for verb in VERBS:
        assert re.search(rf'^\*{verb}\*', page, re.M), f'the verb {verb} has no entry in psoasctl.1.scd'
    p = subprocess.run(['scdoc'], input=page, capture_output=True, text=True)
    assert p.returncode == 0 and not p.stderr and p.stdout, p.stderr


def case_usage_errors():
    # Bad arguments are found before any bus is touched: no daemon here, and the system bus is nowhere.
    env = {'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/nonexistent/bus'}
    for args, words in ((['frobnicate'], "unknown verb 'frobnicate'"),
                        (['status', '--frobnicate'], '--frobnicate'),
                        (['--frobnicate'], '--frobnicate'),
                        (['status', 'extra'], "unexpected argument 'extra'"),
                        (['snooze', '0'], "'0' is not a number of minutes from 1 to 240"),
                        (['snooze', '241'], "'241' is not a number of minutes from 1 to 240"),
                        (['snooze', 'ten'], "'ten' is not a number of minutes"),
                        (['snooze', '15min'], "'15min'"),
                        (['snooze', '--cancel', '10'], '--cancel takes no MINUTES'),
                        (['snooze', '10', '20'], "unexpected argument '20'"),
                        (['done'], 'missing ID'),
                        (['done', 'a', 'b'], "unexpected argument 'b'"),
                        (['inhibit'], 'missing'),
                        (['inhibit', '--why', '', '--', 'true'], '--why'),
                        (['history', '--days', '0'], "'0' is not a number of days from 1 to 366"),
                        (['history', '--days', '367'], "'367'"),
                        (['today', '--svg', ''], '--svg'),
                        (['monitor', '--count', 'x'], "--count: 'x'"),
                        (['monitor', '--duration', '-1'], "--duration: '-1'"),
                        (['monitor', '--duration'], 'duration'),
                        (['waybar', '--sitting-limit', '0'], "'0'"),
                        (['waybar', '--json'], '--json'),
                        (['calibrate', '--delay', '61'], "--delay: '61'"),
                        (['--json', 'snooze'], '--json does not apply'),
                        (['done', '--json', 'x'], '--json'),
                        (['--user', '-H', 'desk-pc', 'status'], '--user with --host is not supported'),
                        (['status', '-H', 'desk-pc', '--user'], '--user with --host is not supported'),
                        (['-H', '', 'status'], '--host needs a host name'),
                        (['buzz'], 'missing PATTERN'),
                        (['buzz', 'Tilt'], "'Tilt' is not a pattern; the patterns are sitting, tilt"),
                        (['buzz', 'tilt', 'sitting'], "unexpected argument 'sitting'"),
                        (['buzz', '--json', 'tilt'], '--json')):
        p = ctl(*args, env=env)
        assert p.returncode == 2, f'{args}: exit status {p.returncode}, stderr {p.stderr!r}'
        assert words in p.stderr, f'{args}: {words!r} not in {p.stderr!r}'
        assert p.stdout == '', (args, p.stdout)


# --------------------------------------------------------------------------------------------------------------
# No daemon


def case_not_running_user_bus():
    with tempfile.TemporaryDirectory() as tmp:
        marker = os.path.join(tmp, 'ran')
        for args in (['status'], ['status', '--json'], ['snooze'], ['snooze', '--cancel'], ['calibrate'],
                     ['stretches'], ['done', 'plank'], ['today'], ['history', '--days', '3'], ['monitor'], ['buzz', 'tilt'],
                     ['inhibit', '--', 'touch', marker]):
            p = user(*args, timeout=20)
            assert p.returncode == 1, f'{args}: exit status {p.returncode}, stderr {p.stderr!r}'
            assert 'psoasd is not running on the user bus' in p.stderr, (args, p.stderr)
            assert p.stderr.count('\n') == 1, f'{args}: one message, not {p.stderr!r}'
            assert p.stdout == '', (args, p.stdout)
        assert not os.path.exists(marker), 'inhibit ran its command without an inhibitor'


def case_not_running_system_bus():
    # A bus without psoasd, standing in for the system bus.
    env = {'DBUS_SYSTEM_BUS_ADDRESS': os.environ['DBUS_SESSION_BUS_ADDRESS']}
    for args in (['status'], ['--system', 'today'], ['snooze', '5']):
        p = ctl(*args, env=env)
        assert p.returncode == 1, (args, p.returncode, p.stderr)
        assert 'psoasd is not running on the system bus' in p.stderr and 'systemctl start psoasd' in p.stderr, \
            p.stderr
    # No system bus at all.
    p = ctl('status', env={'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/nonexistent/bus'})
    assert p.returncode == 1 and 'cannot connect to the system bus' in p.stderr, (p.returncode, p.stderr)


# --------------------------------------------------------------------------------------------------------------
# status


def case_status():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '300', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('Posture') == 'sitting', 20, 'sitting')
        p = user('status', '--json', status=0)
        props = bus.get_all()
        s = json.loads(p.stdout)
        assert set(s) == STATUS_KEYS, sorted(s)
        assert s['posture'] == props['Posture'] == 'sitting', (s['posture'], props['Posture'])
        assert s['calibrated'] is True and s['inhibited'] is False and s['snoozed_until_us'] == 0, s
        assert s['sitting_since_us'] == props['SittingSince'] > 0, (s['sitting_since_us'], props['SittingSince'])
        assert s['last_break_us'] == props['LastBreak']
        assert s['sensor_state'] == 'replay' and s['sensor'] == props['Sensor'], s
        assert s['haptics'] == props['Haptics'] == 'absent', s
        assert s['version'] == props['Version'] and abs(s['sample_rate'] - props['SampleRate']) < 1, s
        assert isinstance(s['tilt'], float) and -90 < s['tilt'] < 90, s['tilt']
        # The inclination is the tilt plus the neutral: both moved together since.
        assert abs((s['inclination'] - s['tilt']) - (props['Inclination'] - props['Tilt'])) < 0.01, (s, props)
        # At 300× a second of wall time is 5 min of sitting.
        assert abs(s['sitting_today_seconds'] - props['SittingToday']) <= 600, (s, props['SittingToday'])

        p = user('status', status=0)
        lines = p.stdout.splitlines()
        assert re.fullmatch(r'Posture: +sitting, pelvic tilt ([+-]\d+|0) deg \(inclination ([+-]\d+|0) deg\)',
                            lines[0]), lines[0]
        assert re.fullmatch(r'Sitting: +for .+, since \d\d:\d\d', lines[1]), lines[1]
        assert re.fullmatch(r'Today: +.+ sitting', lines[2]), lines[2]
        assert lines[3].startswith('Sensor:') and 'replaying a recording at 100 Hz' in lines[3], lines[3]
        assert re.fullmatch(r'Alerts: +on', lines[4]), lines[4]
        assert lines[5] == f'psoasd:     {props["Version"]}, on the user bus', lines[5]

        # --system reaches the daemon at DBUS_SYSTEM_BUS_ADDRESS; --json may come before the verb.
        p = ctl('--json', 'status', env={'DBUS_SYSTEM_BUS_ADDRESS': os.environ['DBUS_SESSION_BUS_ADDRESS']},
                status=0)
        assert json.loads(p.stdout)['version'] == props['Version']
        # No verb means status.
        assert user(status=0).stdout.startswith('Posture:')


def case_status_replay_ended_or_malformed():
    """After a replay, status says when the recording ended (on the replay's clock, which stopped there); for a
    malformed recording, the file, the line and what is wrong."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        short = synth('--scenario', 'test', '--rate', '50', '--duration', '10', path=os.path.join(tmp, 's.csv'))
        with Daemon(bus, '--replay', short, '--speed', '10'):
            bus.wait(lambda: bus.get('SensorState') == 'ended', 20, 'the end of the recording')
            end = bus.get('ClockAnchor')
            assert bus.get('ClockSpeed') == 0
            p = user('status', status=0)
            line = [x for x in p.stdout.splitlines() if x.startswith('Sensor:')][0]
            assert re.fullmatch(r'Sensor: +the recording ended at (\d\d:\d\d) \(replay of .*s\.csv at 10×\)',
                                line), line
            assert time.strftime('%H:%M', time.localtime(end / 1e6)) in line, line
            assert 'keeps looking' not in p.stdout, p.stdout
            s = json.loads(user('status', '--json', status=0).stdout)
            assert s['sensor_state'] == 'ended' and s['clock_us'] == end and s['sensor_error'] == '', s
            o = json.loads(user('waybar', '--count', '1', status=0).stdout)
            assert o['class'] == 'nosensor' and o['text'] == 'replay ended', o
            assert 'Sensor: the recording ended at' in o['tooltip'], o

        bad = os.path.join(tmp, 'bad.csv')
        with open(bad, 'w') as f:
            f.write('t,ax,ay,az\n0,0,0,9.8\n0.01,0,0,9.8\n0.02,zero,0,9.8\n')
        with Daemon(bus, '--replay', bad, '--speed', '1'):
            bus.wait(lambda: bus.get('SensorState') == 'error', 10, 'the malformed line')
            p = user('status', status=0)
            assert f"Sensor:     failed: {bad}:4: column ax: 'zero' is not a number\n" in p.stdout, p.stdout
            s = json.loads(user('status', '--json', status=0).stdout)
            assert s['sensor_error'] == f"{bad}:4: column ax: 'zero' is not a number", s


def case_status_uncalibrated():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        p = user('status', status=0)
        assert "not calibrated yet; stand tall and run 'psoasctl calibrate'" in p.stdout, p.stdout
        assert 'Sitting:    not in a sitting bout' in p.stdout, p.stdout
        s = json.loads(user('status', '--json', status=0).stdout)
        assert s['calibrated'] is False and s['posture'] == 'unknown' and s['sitting_since_us'] == 0, s


# --------------------------------------------------------------------------------------------------------------
# calibrate


def case_calibrate():
    bus = Bus()
    # The recording begins with 5 min of still standing; at 2× calibrating takes 1.5 s.
    with Daemon(bus, '--replay', REC, '--speed', '2'):
        p = user('calibrate', status=0)
        assert 'Stand tall in your usual good posture and hold still.' in p.stdout, p.stdout
        # By default a 3 s countdown: typed at the desk, the command must not capture a wearer still seated.
        assert 'Starting in 3... 2... 1...' in p.stdout, p.stdout
        m = re.search(r'Calibrated: your neutral pelvic inclination is ([+-]\d+|0) deg', p.stdout)
        assert m, p.stdout
        assert '\x1b' not in p.stdout, 'terminal codes in output that is not a terminal'
        assert bus.get('Calibrated') is True
        assert abs(int(m.group(1)) - bus.get('Inclination')) <= 3, (m.group(1), bus.get('Inclination'))

        p = user('calibrate', '--json', '--delay', '0', status=0)
        neutral = json.loads(p.stdout)['neutral_inclination']
        assert isinstance(neutral, float) and -90 < neutral < 90, neutral
        assert abs(neutral - int(m.group(1))) <= 2, (neutral, m.group(1))
        # With --json the guidance goes to stderr, so stdout is only the JSON.
        assert 'hold still' in p.stderr, p.stderr


def case_calibrate_busy():
    bus = Bus()
    # --calibrate-first starts a calibration of its own at once; it takes 5 s of the recording.
    with Daemon(bus, '--replay', REC, '--speed', '1', '--calibrate-first', '5'):
        # It starts with the first sample.
        time.sleep(1)
        p = user('calibrate', '--delay', '0')
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert 'calibration failed: another calibration is already running' in p.stderr, p.stderr


def case_calibrate_not_still():
    bus = Bus()
    # The walk (180 s of the recording, from 2280 s) lasts 0.9 s at 200×: wide enough to catch on a busy machine.
    with Daemon(bus, '--replay', REC, '--speed', '200', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('Posture') == 'walking', 40, 'walking')
        p = user('calibrate', '--delay', '0')
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert 'calibration failed: you did not hold still long enough' in p.stderr, p.stderr
        assert 'psoasd says:' in p.stderr, p.stderr
        assert bus.get('Calibrated') is True, 'the old calibration must stay'


def case_calibrate_not_standing():
    bus = Bus()
    # Calibrated in the first 5 s of standing; the 31 min bout starts at 300 s (6 s in at 50×).
    with Daemon(bus, '--replay', REC, '--speed', '50', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('Posture') == 'sitting', 40, 'sitting')
        p = user('calibrate', '--delay', '0')
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert 'calibration failed: you seem to be sitting' in p.stderr, p.stderr
        assert 'stand up, then calibrate again' in p.stderr, p.stderr
        assert 'Calibrated:' not in p.stdout, p.stdout
        assert bus.get('Calibrated') is True, 'the old calibration must stay'


def case_calibrate_no_sensor():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        short = synth('--scenario', 'daemon', '--rate', '50', '--duration', '2', path=os.path.join(tmp, 's.csv'))
        with Daemon(bus, '--replay', short, '--speed', '1'):
            bus.wait(lambda: bus.get('SensorState') != 'replay', 10, 'the end of the recording')
            p = user('calibrate')
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert 'calibration failed: no sensor is streaming' in p.stderr, p.stderr


# --------------------------------------------------------------------------------------------------------------
# buzz, on an emulated GPIO chip (tests/lib/gpiorig.py)


def gpio_rig():
    from gpiorig import GpioRig
    return GpioRig(lines=32)


def case_buzz():
    config = json.dumps({'gpio': {'chip': 'gpiochip0', 'motor_line': 17, 'button_line': 27}})
    with gpio_rig() as rig:
        bus = Bus()
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config, env=rig.env()):
            rig.wait_request()
            since = time.monotonic()
            p = user('buzz', 'calibration-done', status=0)
            assert p.stdout == 'Playing the calibration-done pattern on the vibration motor.\n', p.stdout
            # Five short pulses on the motor line.
            end = time.monotonic() + 5
            while time.monotonic() < end and len(rig.pulses(17, since)) < 5:
                time.sleep(0.05)
            time.sleep(0.3)
            pulses = rig.pulses(17, since)
            assert len(pulses) == 5 and all(0.135 <= d <= 0.65 for _, d in pulses), pulses

            s = json.loads(user('status', '--json', status=0).stdout)
            assert s['haptics'] == 'ready', s
            assert "Haptics:    vibration motor and button ready ('psoasctl buzz tilt' to feel one)" in \
                user('status', status=0).stdout


def case_buzz_without_motor():
    bus = Bus()
    # No gpio section.
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        p = user('buzz', 'tilt')
        assert p.returncode == 1 and p.stdout == '', (p.returncode, p.stdout)
        assert p.stderr == 'psoasctl: cannot buzz: psoasd has no vibration motor it can use (psoasd says: No ' \
            'vibration motor: the configuration has no gpio section.)\n', p.stderr
        assert 'Haptics' not in user('status', status=0).stdout
    # A chip that is not there: haptics in error, and status says so.
    config = json.dumps({'gpio': {'chip': '/dev/gpiochip7', 'motor_line': 17}})
    with gpio_rig() as rig:
        with Daemon(bus, '--replay', REC, '--speed', '1', config=config, env=rig.env()):
            p = user('buzz', 'sitting')
            assert p.returncode == 1 and '/dev/gpiochip7' in p.stderr, (p.returncode, p.stderr)
            assert "Haptics:    not working; psoasd's log says why" in user('status', status=0).stdout
            assert json.loads(user('status', '--json', status=0).stdout)['haptics'] == 'error'


# --------------------------------------------------------------------------------------------------------------
# snooze and inhibit


def case_snooze():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        # psoasd keeps the snooze on the samples' clock, which it maps to real time at the first sample.
        bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
        before = now_us()
        p = user('snooze', status=0)
        until = bus.get('SnoozedUntil')
        assert before + 895e6 <= until <= now_us() + 905e6, (until - before) / 1e6
        assert re.fullmatch(r'Alerts snoozed for 15 min, until \d\d:\d\d\.\n', p.stdout), p.stdout

        before = now_us()
        user('snooze', '240', status=0)
        until = bus.get('SnoozedUntil')
        assert before + 14395e6 <= until <= now_us() + 14405e6, (until - before) / 1e6
        s = json.loads(user('status', '--json', status=0).stdout)
        assert s['snoozed_until_us'] == until, (s['snoozed_until_us'], until)
        assert 'Alerts:     snoozed until ' in user('status', status=0).stdout

        p = user('snooze', '--cancel', status=0)
        assert 'cancelled' in p.stdout, p.stdout
        assert bus.get('SnoozedUntil') == 0

        before = now_us()
        user('snooze', '1', status=0)
        assert before + 55e6 <= bus.get('SnoozedUntil') <= now_us() + 65e6


def case_inhibit():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        proc = subprocess.Popen([PSOASCTL, '--user', 'inhibit', '--why', 'watching a film', '--', 'sleep', '1.5'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        bus.wait(lambda: bus.get('Inhibited') is True, 5, 'Inhibited while the command runs')
        assert proc.poll() is None, 'psoasctl inhibit returned before its command ended'
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, (proc.returncode, err)
        assert out == '' and err == '', (out, err)
        assert bus.get('Inhibited') is False, 'the inhibitor outlived its command'
        bus.wait(lambda: bus.changes_of('Inhibited') == [True, False], 5, 'Inhibited true, then false')

        # The command's exit status is psoasctl's.
        assert user('inhibit', '--', 'sh', '-c', 'exit 3').returncode == 3
        assert user('inhibit', '--', 'sh', '-c', 'kill -TERM $$').returncode == 128 + signal.SIGTERM
        p = user('inhibit', '--', '/nonexistent/program')
        assert p.returncode == 127 and 'cannot run /nonexistent/program' in p.stderr, (p.returncode, p.stderr)
        # The command sees the inhibitor.
        p = user('inhibit', '--who', 'org.example.Player', '--', PSOASCTL, '--user', 'status', '--json', status=0)
        assert json.loads(p.stdout)['inhibited'] is True
        # Options after COMMAND are the command's, with or without "--".
        assert user('inhibit', '--', 'sh', '-c', 'echo "$0 $1"', 'a', '--json', status=0).stdout == 'a --json\n'
        assert user('inhibit', 'echo', '--json', status=0).stdout == '--json\n'
        assert bus.get('Inhibited') is False


# --------------------------------------------------------------------------------------------------------------
# stretches and done


def case_stretches():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        listed = [tuple(s) for s in bus.call('ListStretches')[0]]
        full = bus.call('GetStretches')[0]
        assert listed and len(full) == len(listed)
        got = json.loads(user('stretches', '--json', status=0).stdout)
        # The keys of before, unchanged (the upper ends of the ranges), and the whole catalog entry.
        assert [(s['id'], s['title'], s['muscles'], s['instructions'], s['hold_seconds'], s['repetitions'])
                for s in got] == listed, got
        for s, d in zip(got, full):
            for key in ('safety', 'hold_min_seconds', 'hold_max_seconds', 'repetitions_min', 'repetitions_max',
                        'per_side', 'check', 'verifiable', 'places'):
                assert s[key] == d[key], (key, s, d)
        text = user('stretches', status=0).stdout
        for s in full:
            assert f'\n{s["id"]}: {s["title"]}\n' in '\n' + text, (s['id'], text)
            hold = s['hold_min_seconds'] > 0
            lo, hi = ((s['hold_min_seconds'], s['hold_max_seconds']) if hold
                      else (s['repetitions_min'], s['repetitions_max']))
            dose = (('hold ' if hold else '') + (f'{lo}–{hi}' if lo != hi else f'{lo}') +
                    (' s' if hold else ' repetitions') + (' per side' if s['per_side'] else ''))
            place = 'by the desk' if 'desk' in s['places'] else 'on the floor'
            assert f'For the {s["muscles"]}; {dose}; {place}.' in ' '.join(text.split()), (s['id'], dose, text)
            # The instructions and the safety note, wrapped.
            assert ' '.join(s['instructions'].split()[:4]) in text, s['instructions']
            assert ' '.join(s['safety'].split()[:4]) in text, s['safety']
        # "per side" exactly where the catalog says so.
        assert '; hold 20–30 s; on the floor.' in text.split('\nplank: ')[1].split('\n\n')[0], text
        assert '10–12 repetitions per side' in text.split('\nclamshell: ')[1].split('\n\n')[0], text
        assert '10–12 repetitions per side' in text.split('\nbird-dog: ')[1].split('\n\n')[0], text
        assert 'report it done yourself (self-reported)' in text.split('\nself-massage: ')[1], text
        # The red flags, once, at the end.
        words = ' '.join(text.split())
        assert words.count('no substitute for a diagnosis') == 1 and 'warm up first' in words, text
        assert all(len(line) <= 100 for line in text.splitlines()), [l for l in text.splitlines() if len(l) > 100]


def case_done():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
        title = [s[1] for s in bus.call('ListStretches')[0] if s[0] == 'kneeling-hip-flexor'][0]
        p = user('done', 'kneeling-hip-flexor', status=0)
        assert title in p.stdout, p.stdout
        bus.wait(lambda: bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 1, 5,
                 'the self-reported stretch counted')
        assert json.loads(user('today', '--json', status=0).stdout)['stretches_self_reported'] == 1

        p = user('done', 'no-such-stretch')
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "unknown stretch 'no-such-stretch'" in p.stderr and 'kneeling-hip-flexor' in p.stderr, p.stderr
        assert bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 1


# --------------------------------------------------------------------------------------------------------------
# today and history


def case_today():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state, short = prepare_state(tmp)
        with Daemon(bus, '--replay', short, '--speed', '1', state_dir=state):
            bus.wait(lambda: bus.get('SensorState') != 'replay', 10, 'the end of the short recording')
            day = bus.call('GetDay', '(s)', '')[0]
            assert day['sitting_seconds'] > 1800 and day['sitting_bouts'] >= 1, day
            svg = os.path.join(tmp, 'today.svg')
            got = json.loads(user('today', '--json', '--svg', svg, status=0).stdout)
            assert set(got) == DAY_KEYS, sorted(got)
            # What psoasctl shows of GetDay: the keys it knows (revision 4's record has keys of its own).
            for key, value in ((k, v) for k, v in day.items() if k in DAY_KEYS):
                if isinstance(value, float):
                    assert_close(got[key], value, key)
                else:
                    assert got[key] == value, (key, got[key], value)

            heights = svg_bars(svg)
            assert len(heights) == 4, heights
            seconds = [day['sitting_seconds'], day['standing_seconds'], day['walking_seconds'],
                       day['lying_seconds']]
            for h, s in zip(heights, seconds):
                assert_close(h / max(heights), s / max(seconds), 'bar height', 1e-2)

            text = user('today', status=0).stdout
            assert f'Today, {day["date"]}\n' in text, text
            assert f'  Sitting:    {duration_words(day["sitting_seconds"])} in {day["sitting_bouts"]} bouts; ' \
                   f'the longest {duration_words(day["longest_bout_seconds"])}\n' in text, text
            assert f'  Standing:   {duration_words(day["standing_seconds"])}\n' in text, text
            steps = day['steps']
            assert f'  Walking:    {duration_words(day["walking_seconds"])}, {steps} step{"" if steps == 1 else "s"}\n' \
                in text, text
            assert f'  Alerts:     {day["alerts"]}; breaks from sitting: {day["breaks"]}\n' in text, text
            assert 'no per-hour data' in text, text
            chart = {line.split()[0]: line for line in text.splitlines()[-4:]}
            assert set(chart) == {'sitting', 'standing', 'walking', 'lying'}, chart
            assert chart['sitting'].count('#') == 40, chart['sitting']
            assert chart['lying'].count('#') == 0, chart['lying']
            assert chart['sitting'].endswith(duration_words(day['sitting_seconds'])), chart['sitting']

            # In a UTF-8 locale: degrees and block characters.
            text = user('today', env={'LC_ALL': 'C.UTF-8'}, status=0).stdout
            assert '█' * 40 in text and '°' in text and '#' not in text, text


def case_history():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state, short = prepare_state(tmp)
        days_dir = os.path.join(state, 'days')
        today_name, = (n for n in os.listdir(days_dir) if n.endswith('.json'))
        today = datetime.date.fromisoformat(today_name[:-len('.json')])
        # Two earlier days: an hour of sitting yesterday, two hours three days ago.
        with open(os.path.join(days_dir, today_name)) as f:
            saved = json.load(f)
        for back, sat in ((1, 3600), (3, 7200)):
            date = (today - datetime.timedelta(days=back)).isoformat()
            with open(os.path.join(days_dir, date + '.json'), 'w') as f:
                json.dump(dict(saved, date=date, sitting_seconds=sat, sitting_bouts=1, longest_bout_seconds=sat), f)

        with Daemon(bus, '--replay', short, '--speed', '1', state_dir=state):
            bus.wait(lambda: bus.get('SensorState') != 'replay', 10, 'the end of the short recording')
            svg = os.path.join(tmp, 'history.svg')
            days = json.loads(user('history', '--days', '5', '--json', '--svg', svg, status=0).stdout)
            assert [d['date'] for d in days] == [(today - datetime.timedelta(days=k)).isoformat()
                                                 for k in range(4, -1, -1)], days
            for d in days:
                assert set(d) == DAY_KEYS, sorted(d)
                expected = bus.call('GetDay', '(s)', d['date'])[0]
                for key, value in ((k, v) for k, v in expected.items() if k in DAY_KEYS):
                    if isinstance(value, float):
                        assert_close(d[key], value, f'{d["date"]} {key}')
                    else:
                        assert d[key] == value, (d['date'], key, d[key], value)
            assert [d['sitting_seconds'] for d in days[:4]] == [0, 7200, 0, 3600], days

            heights = svg_bars(svg)
            assert len(heights) == 5, f'{len(heights)} bars for 5 days'
            assert heights[0] == 0 and heights[2] == 0, heights
            assert_close(heights[1] / heights[3], 2.0, 'two hours against one', 1e-3)
            assert_close(heights[4] / heights[3], days[4]['sitting_seconds'] / 3600, 'today against an hour', 1e-2)

            text = user('history', '--days', '5', status=0).stdout
            rows = [line for line in text.splitlines() if re.match(r'\d{4}-\d\d-\d\d ', line)]
            bars = [line for line in text.splitlines() if re.match(r'  \d{4}-\d\d-\d\d ', line)]
            assert len(rows) == 5 and len(bars) == 5, text
            assert bars[1].count('#') == 40 and bars[0].count('#') == 0 and bars[3].count('#') == 20, bars
            table = {row.split()[0]: row.split() for row in rows}
            yesterday = (today - datetime.timedelta(days=1)).isoformat()
            assert table[yesterday][2] == '1:00' and table[yesterday][3] == '1', table[yesterday]
            # The days psoasd never saw are no data, not days of zeros, and stay out of the average.
            for back in (2, 4):
                date = (today - datetime.timedelta(days=back)).isoformat()
                assert table[date][2:] == ['no', 'data'], table[date]
                assert days[4 - back]['no_data_seconds'] == 86400, days[4 - back]
            mean = (3600 + 7200 + days[4]['sitting_seconds']) // 3
            assert f'Sitting: {duration_words(mean)} a day on average over 3 days with data (of 5)' in text, text
            assert 'Sitting per day' in text

            # One bar per day for a month too (the labels are slanted then).
            assert len(svg_bars(svg)) == 5
            text = user('history', '--days', '30', '--svg', svg, status=0).stdout
            assert len(svg_bars(svg)) == 30
            # And weekly averages, counted back from today: two days, then four weeks.
            weeks = [line for line in text.splitlines() if line.startswith('Week to ')]
            assert len(weeks) == 5, text
            assert weeks[-1].startswith(f'Week to {today.isoformat()}: ') and \
                'a day on average over 3 days with data' in weeks[-1], weeks
            assert all(w.endswith(': no data') for w in weeks[:-1]), weeks
            assert len(json.loads(user('history', '--json', status=0).stdout)) == 7  # the default
            # An SVG that cannot be written is an error that names the file.
            p = user('history', '--svg', '/nonexistent/dir/h.svg')
            assert p.returncode == 1 and '/nonexistent/dir/h.svg' in p.stderr, (p.returncode, p.stderr)


# --------------------------------------------------------------------------------------------------------------
# waybar


def check_waybar_line(line):
    o = json.loads(line)
    assert set(o) == {'text', 'tooltip', 'class', 'percentage'}, o
    assert isinstance(o['text'], str) and o['text'] and isinstance(o['tooltip'], str), o
    assert o['class'] in WAYBAR_CLASSES, o
    assert isinstance(o['percentage'], int) and 0 <= o['percentage'] <= 100, o
    return o


def case_waybar():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '300', '--calibrate-first', '5'):
        p = user('waybar', '--duration', '5', status=0)
        lines = p.stdout.splitlines()
        objects = [check_waybar_line(line) for line in lines]
        assert len(lines) >= 3, lines
        assert all(a != b for a, b in zip(lines, lines[1:])), 'a line repeated without a change'
        assert any(o['text'].startswith('sitting ') and o['class'] in ('sitting', 'alert') for o in objects), lines
        assert any(o['class'] == 'standing' for o in objects), lines
        assert any('Sensor: replaying a recording' in o['tooltip'] for o in objects), lines

        p = user('waybar', '--count', '2', status=0)
        assert len(p.stdout.splitlines()) == 2, p.stdout
        user('snooze', '10', status=0)
        o = check_waybar_line(user('waybar', '--count', '1', status=0).stdout)
        assert o['class'] in ('snoozed', 'alert'), o
        assert 'Alerts: snoozed until' in o['tooltip'], o


def case_waybar_sitting_percentage():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        part = synth('--scenario', 'daemon', '--rate', '50', '--seed', '3', '--mount', 'random', '--duration',
                     '1000', path=os.path.join(tmp, 'part.csv'))
        d = Daemon(bus, '--replay', part, '--speed', '0', '--calibrate-first', '5', '--exit-on-end',
                   state_dir=state, wait_ready=False).start()
        assert d.wait_exit(60) == 0, d.read_log()
        d.tmp.cleanup()
        # A bout that began 15 min ago by the wall clock (a replay runs ahead of it).
        with open(os.path.join(state, 'current.json')) as f:
            current = json.load(f)
        assert current['in_bout'] is True, current
        current['bout_start_realtime_us'] = now_us() - 15 * 60 * 1000000
        with open(os.path.join(state, 'current.json'), 'w') as f:
            json.dump(current, f)
        with Daemon(bus, '--replay', REC, '--speed', '1', state_dir=state):
            bus.wait(lambda: bus.get('SittingSince') == current['bout_start_realtime_us'], 10, 'the bout restored')
            o = check_waybar_line(user('waybar', '--count', '1', '--sitting-limit', '30', status=0).stdout)
            assert o['text'] == 'sitting 15 min' and o['percentage'] == 50, o
            assert re.search(r'Sitting for 15 min, since \d\d:\d\d', o['tooltip']), o
            o = check_waybar_line(user('waybar', '--count', '1', '--sitting-limit', '10', status=0).stdout)
            assert o['percentage'] == 100, o
            s = json.loads(user('status', '--json', status=0).stdout)
            assert 899 <= s['sitting_bout_seconds'] <= 905, s


def case_waybar_waits_for_psoasd():
    bus = Bus()
    proc = subprocess.Popen([PSOASCTL, '--user', 'waybar', '--count', '3'], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, LC_ALL='C'))
    try:
        o = check_waybar_line(proc.stdout.readline())
        assert o['class'] == 'off' and o['text'] == 'psoas off', o
        assert 'psoasd is not running on the user bus' in o['tooltip'], o
        with Daemon(bus, '--replay', REC, '--speed', '1') as d:
            o = check_waybar_line(proc.stdout.readline())
            assert o['class'] != 'off', o
            d.stop()
            o = check_waybar_line(proc.stdout.readline())
            assert o['class'] == 'off', o
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------------------------------
# The demo's replay at 60x: every time and duration shown is on the replay's clock


class Follower:
    """A psoasctl that prints as it goes (monitor, waybar): each line with the wall time it arrived."""

    def __init__(self, *args):
        import threading
        self.lines = []
        self.proc = subprocess.Popen([PSOASCTL, '--user', *args], stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ, LC_ALL='C'))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((now_us(), line.rstrip('\n')))

    def finish(self, timeout):
        assert self.proc.wait(timeout) == 0, self.proc.returncode
        self.thread.join(5)
        return self.lines


def clock_text(us, fmt='%H:%M'):
    return time.strftime(fmt, time.localtime(us / 1e6))


def seconds_of_day(text):
    h, m, *rest = (int(x) for x in text.split(':'))
    return h * 3600 + m * 60 + (rest[0] if rest else 0)


def same_time_of_day(text, us, tolerance_s):
    """Whether HH:MM[:SS] text names the local time us (rounded down to what it shows), within tolerance_s."""
    difference = (seconds_of_day(text) - seconds_of_day(clock_text(us, '%H:%M:%S'))) % 86400
    difference = min(difference, 86400 - difference)
    return difference <= tolerance_s + (60 if text.count(':') == 1 else 1)


def minutes_of(words):
    """psoasctl's duration words ("45 s", "12 min", "1 h 05 min") in seconds, rounded down as shown."""
    m = re.fullmatch(r'(\d+) s', words)
    if m:
        return int(m[1])
    m = re.fullmatch(r'(?:(\d+) h )?(\d+) min', words)
    assert m, words
    return int(m[1] or 0) * 3600 + int(m[2]) * 60


def case_demo_replay_clock():
    """The README's demo (the daemon scenario, 50 Hz, seed 7, a random mounting, at 60x): status, monitor, waybar
    and snooze show times and durations that agree with the replay's clock, which starts with the replay and runs
    60 times as fast as the wall clock, within one batch of samples."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        rec = synth('--scenario', 'daemon', '--rate', '50', '--seed', '7', '--mount', 'random',
                    path=os.path.join(tmp, 'wearable.csv'))
        before = now_us()
        with Daemon(bus, '--replay', rec, '--speed', '60', '--calibrate-first', '5'):
            props = bus.get_all()
            origin, speed = props['ClockAnchor'], props['ClockSpeed']
            assert before <= origin <= now_us() and props['ClockAnchorWall'] == origin, props
            assert speed >= 15, speed  # 60, or slowed down by the harness under valgrind

            def replay_clock(wall_us):
                return origin + (wall_us - origin) * speed

            # One batch (50 ms of wall time, 3 s of the recording at 60x), the bus's and the process's delays.
            batch_s = speed * 0.25
            # How late this test may see a line a follower printed (its reader thread, a busy machine): a second
            # of wall time, a minute of the replay. Before psoasd published its clock, the clients' times were
            # off by far more: 59 s more for every second the replay ran.
            late_s = speed * 1.0
            monitor = Follower('monitor', '--plain', '--duration', str(int(2400 / speed)))
            waybar = Follower('waybar', '--duration', str(int(2400 / speed)))

            # The bout begins 5 min into the recording: on the replay's clock, 5 min after the replay began.
            bus.wait(lambda: bus.get('SittingSince') > 0, 30, 'the sitting bout')
            since = bus.get('SittingSince')
            assert 280 <= (since - origin) / 1e6 <= 330, (since - origin) / 1e6
            seen_sitting = 0
            while bus.get('SittingSince') == since and seen_sitting < 5:
                wall = now_us()
                p = user('status', status=0)
                after = now_us()
                s = json.loads(user('status', '--json', status=0).stdout)
                lines = p.stdout.splitlines()
                m = re.fullmatch(r'Sitting: +for (.+), since (\d\d:\d\d)', lines[1])
                if not m:
                    break
                seen_sitting += 1
                bout = (replay_clock(wall) - since) / 1e6
                bout_after = (replay_clock(after) - since) / 1e6
                shown = minutes_of(m[1])
                assert bout - 60 - batch_s <= shown <= bout_after + batch_s, (lines[1], bout, bout_after)
                assert m[2] == clock_text(since), (lines[1], clock_text(since))
                today = re.fullmatch(r'Today: +(.+) sitting.*', lines[2])
                assert today, lines[2]
                # Today's sitting is this bout so far (the recording sat nowhere before it).
                assert abs(minutes_of(today[1]) - shown) <= 60 + batch_s, (lines[1], lines[2])
                assert abs(s['clock_us'] - replay_clock(now_us())) <= batch_s * 1e6 + speed * 1e6, s['clock_us']
                assert abs(s['sitting_bout_seconds'] - s['sitting_today_seconds']) <= 30 + batch_s, s
                time.sleep(2)
            assert seen_sitting >= 3, seen_sitting

            # A snooze of 15 min ends 15 min later on the replay's clock, and monitor says so then.
            wall = now_us()
            p = user('snooze', '15', status=0)
            m = re.fullmatch(r'Alerts snoozed for 15 min, until (\d\d:\d\d)\.\n', p.stdout)
            assert m and same_time_of_day(m[1], replay_clock(wall) + 900e6, batch_s), (p.stdout,
                                                                                     clock_text(replay_clock(wall)))
            until = bus.get('SnoozedUntil')
            bus.wait(lambda: bus.get('SnoozedUntil') == 0, 1200 / speed + 10, 'the snooze to end')

            lines = monitor.finish(2400 / speed + 30)
            bars = waybar.finish(60)

        # Every monitor line carries the replay's clock at the moment it was printed.
        assert len(lines) >= 5, lines
        for wall, line in lines:
            # Printed at most a batch ahead of the clock, and seen at most late_s after it was printed.
            shown_at = replay_clock(wall) - late_s * 1e6 / 2
            assert same_time_of_day(line[:8], shown_at, batch_s + late_s / 2), \
                (line, clock_text(replay_clock(wall), '%H:%M:%S'))
        events = {line[10:]: (wall, line[:8]) for wall, line in lines}
        began = [e for e in events if e.startswith('sitting bout began at ')]
        assert began and began[0].endswith(clock_text(since)), (began, clock_text(since))
        on = [events[e] for e in events if e == 'alerts on']
        assert on and same_time_of_day(on[0][1], until, batch_s), (on, clock_text(until, '%H:%M:%S'))
        alert = [e for e in events if e.startswith('ALERT (sitting, level 1)')]
        if alert:
            # The alert comes 30 min into the bout, on the replay's clock too.
            assert 'sitting for 30 min' in alert[0], alert
            assert same_time_of_day(events[alert[0]][1], since + 1800e6, batch_s + 60), (alert, clock_text(since))

        # waybar's text, tooltip and percentage, at the moment each line came.
        sitting = [(wall, json.loads(line)) for wall, line in bars if json.loads(line)['text'].startswith('sitting ')]
        assert len(sitting) >= 5, bars
        for wall, o in sitting:
            bout = (replay_clock(wall) - since) / 1e6
            shown = minutes_of(o['text'][len('sitting '):])
            assert bout - 60 - batch_s - late_s <= shown <= bout + batch_s, (o, bout)
            assert abs(o['percentage'] - min(100, bout * 100 / 1800)) <= (60 + batch_s + late_s) * 100 / 1800 + 1, \
                (o, bout)
            tip = re.search(r'Sitting for (.+), since (\d\d:\d\d)\nToday: (.+) sitting', o['tooltip'])
            assert tip and tip[2] == clock_text(since), o
            assert abs(minutes_of(tip[3]) - minutes_of(tip[1])) <= 60 + batch_s, o


# --------------------------------------------------------------------------------------------------------------
# monitor


TIME = r'\d\d:\d\d:\d\d  '


def case_monitor_plain():
    bus = Bus()
    # At 600× the sitting alert (30 min into the bout, which begins 5 min in) comes after about 3.6 s.
    with Daemon(bus, '--replay', REC, '--speed', '600', '--calibrate-first', '5'):
        p = user('monitor', '--duration', '6', status=0)
        lines = p.stdout.splitlines()
        assert '\x1b' not in p.stdout, 'terminal codes in output that is not a terminal'
        assert all(re.match(TIME, line) for line in lines), lines
        assert re.match(TIME + r'now .*; sensor replaying a recording', lines[0]), lines[0]
        events = [line[10:] for line in lines[1:]]
        assert any(e.startswith('posture: sitting (tilt ') for e in events), events
        assert any(e.startswith('sitting bout began at ') for e in events), events
        assert any(e.startswith('ALERT (sitting, level 1): ') and 'sitting for 30 min' in e for e in events), events
        assert any(e.startswith('stretch suggested: ') for e in events), events
        assert any(re.fullmatch(r'break taken after sitting for 3[01] min', e) for e in events), events
        # The daemon still answers once the monitor (and its live claim) is gone.
        user('status', '--json', status=0, timeout=10)


def case_monitor_count():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '600', '--calibrate-first', '5'):
        p = user('monitor', '--plain', '--count', '3', status=0, timeout=20)
        lines = p.stdout.splitlines()
        assert len(lines) == 4, f'the state and 3 events, not {lines}'
        user('status', status=0, timeout=10)


def case_monitor_json():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '600', '--calibrate-first', '5'):
        p = user('monitor', '--json', '--duration', '6', status=0)
        events = [json.loads(line) for line in p.stdout.splitlines()]
        for e in events:
            assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}', e['time']), e
        assert events[0]['event'] == 'state' and set(events[0]) == STATUS_KEYS | {'time', 'event'}, events[0]
        kinds = [e['event'] for e in events]
        assert set(kinds) <= {'state', 'posture', 'calibrated', 'bout', 'sensor', 'alerts', 'alert',
                              'stretch-prompt', 'stretch-progress', 'stretch-verified', 'stretch-missed',
                              'break'}, kinds
        postures = [e['posture'] for e in events if e['event'] == 'posture']
        assert 'sitting' in postures, postures
        alert = [e for e in events if e['event'] == 'alert'][0]
        assert (alert['kind'], alert['level']) == ('sitting', 1) and 'sitting for 30 min' in alert['message'], alert
        prompt = [e for e in events if e['event'] == 'stretch-prompt'][0]
        assert set(prompt) == {'time', 'event', 'id', 'title', 'instructions', 'hold_seconds', 'repetitions',
                               'safety', 'hold_min_seconds', 'repetitions_min', 'per_side', 'verifiable'}, prompt
        assert prompt['safety'] and prompt['per_side'] is True and prompt['hold_min_seconds'] == 20, prompt
        listed = {s[0]: s for s in bus.call('ListStretches')[0]}
        assert listed[prompt['id']][1] == prompt['title'], prompt
        breaks = [e for e in events if e['event'] == 'break']
        assert breaks and 1800 <= breaks[0]['seconds'] <= 1950, breaks


def case_monitor_stretch_progress():
    """The prompted stretch's progress and its verification, as psoasd sees the kneeling stretch done."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        rec, config, _ = stretch_scene('kneeling-hip-flexor', 'right', tmp)
        with Daemon(bus, '--replay', rec, '--speed', '25', *CALIBRATE, config=config):
            p = user('monitor', '--plain', '--duration', '9', status=0, timeout=20)
    events = [line[10:] for line in p.stdout.splitlines()[1:]]
    assert any(e.startswith('stretch suggested: Kneeling hip-flexor stretch [kneeling-hip-flexor], '
                            'hold 20–30 s per side. ') and 'Safety: Pad the knee' in e for e in events), events
    progress = [e for e in events if e.startswith('stretch kneeling-hip-flexor: side ')]
    assert 'stretch kneeling-hip-flexor: side 1, held 1 of 20 s' in progress, progress
    assert 'stretch kneeling-hip-flexor: side 2, held 19 of 20 s' in progress, progress
    assert 'stretch kneeling-hip-flexor done, as the sensor saw' in events, events
    assert events.index('stretch kneeling-hip-flexor done, as the sensor saw') > events.index(progress[-1])


def case_monitor_stretch_missed():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        rec, config, _ = stretch_scene('standing-hip-flexor', 'standing', tmp, window=60)
        with Daemon(bus, '--replay', rec, '--speed', '25', *CALIBRATE, config=config):
            p = user('monitor', '--json', '--duration', '8', status=0, timeout=20)
    events = [json.loads(line) for line in p.stdout.splitlines()]
    missed = [e for e in events if e['event'] == 'stretch-missed']
    assert len(missed) == 1 and missed[0]['id'] == 'standing-hip-flexor', events
    assert missed[0]['seen'] == ['stood-up'] and 'You stood up, which is a break' in missed[0]['message'], missed
    assert not [e for e in events if e['event'] in ('stretch-verified', 'stretch-progress')], events


def case_monitor_holds_live_claim():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '100', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('Posture') == 'sitting', 20, 'sitting')

        def tilt_rate(seconds):
            start = len(bus.changes_of('Tilt'))
            bus.pump(seconds)
            return (len(bus.changes_of('Tilt')) - start) / seconds

        proc = subprocess.Popen([PSOASCTL, '--user', 'monitor', '--duration', '2.5'], stdout=subprocess.DEVNULL)
        bus.pump(0.5)
        claimed = tilt_rate(1.5)
        assert proc.wait(10) == 0
        bus.pump(0.5)
        unclaimed = tilt_rate(1.5)
        assert 4 <= claimed <= 11, f'{claimed:.1f} Tilt changes/s while monitor runs (its live claim: up to 10 Hz)'
        assert unclaimed <= 1.4, f'{unclaimed:.1f} Tilt changes/s after monitor ended (at most 1 Hz)'
        user('status', status=0, timeout=10)


def on_terminal(*args, env=None, timeout=20):
    """Runs psoasctl with a pseudo-terminal as its standard output; returns what it wrote and its exit status."""
    master, slave = pty.openpty()
    full_env = dict(os.environ, LC_ALL='C.UTF-8', TERM='xterm')
    full_env.update(env or {})
    proc = subprocess.Popen([PSOASCTL, *args], stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=full_env)
    os.close(slave)
    output = b''
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    status = proc.wait(timeout=10)
    return output.decode('utf-8', 'replace'), status, proc.stderr.read().decode()


def case_monitor_terminal():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '600', '--calibrate-first', '5'):
        out, status, err = on_terminal('--user', 'monitor', '--duration', '5')
        assert status == 0, (status, err)
        # The status line is redrawn in place: carriage return and erase-line, with the gauge and the timer.
        assert '\r\x1b[K' in out, repr(out[:500])
        redraws = out.split('\r\x1b[K')
        assert any(re.match(r'sitting +tilt +([+-]\d+|0)° \[[·█|]{31}\]  sitting .*  today ', r) for r in redraws), \
            [r for r in redraws if r.startswith('sitting')][:3]
        assert any(re.match(TIME + r'ALERT \(sitting, level 1\)', r) for r in redraws), redraws
        # Events scroll above it, each on its own line.
        assert re.search(r'\r\x1b\[K\d\d:\d\d:\d\d  posture: sitting', out), repr(out[:2000])
        # The last status line stays on the screen.
        assert out.endswith('\r\n') or out.endswith('\n'), repr(out[-200:])
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        out, status, err = on_terminal('--user', 'calibrate')
        assert status == 0, (status, err)
        assert 'Holding still...' in out and 'Calibrated:' in out, repr(out)


def case_monitor_psoasd_leaves():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1') as d:
        proc = subprocess.Popen([PSOASCTL, '--user', 'monitor'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, LC_ALL='C'))
        try:
            assert re.match(TIME + 'now ', proc.stdout.readline())
            d.stop()
            assert proc.wait(10) == 1, proc.returncode
            assert 'psoasd left the user bus' in proc.stderr.read()
        finally:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------------------------------------------
# -H: another machine over SSH


FAKE_SSH = '''#!/bin/sh
# Stands in for ssh: records its arguments, then bridges to the test's bus as "HOST systemd-stdio-bridge" would.
printf '%s\\n' "$@" > "$FAKE_SSH_LOG"
exec systemd-stdio-bridge --bus-path="$DBUS_SESSION_BUS_ADDRESS"
'''

FAILING_SSH = '''#!/bin/sh
echo "ssh: Could not resolve hostname $3: Name or service not known" >&2
exit 255
'''


def write_program(directory, name, text):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, stat.S_IRWXU)
    return path


def case_remote_host():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        write_program(os.path.join(tmp, 'good'), 'ssh', FAKE_SSH)
        write_program(os.path.join(tmp, 'bad'), 'ssh', FAILING_SSH)
        log = os.path.join(tmp, 'ssh.log')
        good = {'PATH': os.path.join(tmp, 'good') + ':' + os.environ['PATH'], 'FAKE_SSH_LOG': log,
                'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/nonexistent/bus'}
        with Daemon(bus, '--replay', REC, '--speed', '1'):
            s = json.loads(ctl('-H', 'me@desk-pc', 'status', '--json', env=good, status=0).stdout)
            assert s['version'] == bus.get('Version'), s
            with open(log) as f:
                args = f.read().split('\n')
            assert 'systemd-stdio-bridge' in args, args
            assert 'me@desk-pc' in args or ('desk-pc' in args and 'me' in args), args
            p = ctl('status', '--host', 'desk-pc', env=good, status=0)
            assert 'on the system bus of desk-pc' in p.stdout, p.stdout
            # (psoasd keeps a snooze on the samples' clock: there must be samples.)
            bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
            ctl('--host', 'desk-pc', 'snooze', '5', env=good, status=0)
            assert bus.get('SnoozedUntil') > 0

            bad = dict(good, PATH=os.path.join(tmp, 'bad') + ':' + os.environ['PATH'])
            p = ctl('-H', 'nowhere', 'status', env=bad)
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert 'the system bus of nowhere' in p.stderr, p.stderr


# --------------------------------------------------------------------------------------------------------------
# Bash completion


# bash-completion's helpers, reduced to what the tests need to see.
COMPLETION_HARNESS = r'''
_init_completion() {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
}
_known_hosts_real() { COMPREPLY=(HOSTS); }
_filedir() { COMPREPLY=("FILES:$1"); }
_command_offset() { COMPREPLY=("COMMAND:$1"); }
source "$PSOASCTL_COMPLETION"
complete -p psoasctl >&2
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMPREPLY=()
_psoasctl
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete(*words):
    env = dict(os.environ, PATH=os.path.dirname(PSOASCTL) + ':' + os.environ['PATH'], LC_ALL='C')
    p = subprocess.run(['bash', '-c', COMPLETION_HARNESS, 'complete', 'psoasctl', *words], capture_output=True,
                       text=True, env=env, timeout=20)
    assert p.returncode == 0 and 'complete -F _psoasctl psoasctl' in p.stderr, (p.returncode, p.stderr)
    return set(line for line in p.stdout.split('\n') if line)


def case_bash_completion():
    assert complete('') == set(VERBS)
    assert complete('st') == {'status', 'stretches'}
    assert complete('--user', 'h') == {'history'}
    assert {'--help', '--version', '--user', '--system', '--host', '--json'} <= complete('--')
    for verb in VERBS:
        options = set(re.findall(r'--[a-z][a-z0-9-]*', ctl(verb, '--help', status=0).stdout))
        assert complete(verb, '--') == options, (verb, complete(verb, '--'), options)
    assert complete('-H', '') == {'HOSTS'}
    assert complete('history', '--svg', '') == {'FILES:svg'}
    assert complete('--user', 'inhibit', '--why', 'x', '--', '') == {'COMMAND:6'}
    assert complete('--user', 'inhibit', '--why', 'x', 'sleep', '') == {'COMMAND:5'}
    assert complete('inhibit', '') == {'COMMAND:2'}
    assert complete('-H', 'desk-pc', 'to') == {'today'}
    assert complete('snooze', '') >= {'15', '60'}
    assert complete('buzz', '') == {'sitting', 'tilt', 'calibration-done', 'calibration-refused'}
    assert complete('--user', 'buzz', 'cal') == {'calibration-done', 'calibration-refused'}
    # Stretch ids from the catalog of the psoasd on the bus named so far.
    assert complete('--user', 'done', '') == set()
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        ids = {s[0] for s in bus.call('ListStretches')[0]}
        assert complete('--user', 'done', '') == ids
        assert complete('--user', 'done', 'kneel') == {i for i in ids if i.startswith('kneel')}


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
