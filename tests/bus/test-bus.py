# SPDX-License-Identifier: LGPL-2.1-or-later
"""psoasd's D-Bus API against the real daemon replaying recordings on a private session bus.

One meson test per case: dbus-run-session -- python3 test-bus.py CASE.
"""

import datetime
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

from stretch_scene import CALIBRATE, catalog_entry, stretch_scene  # noqa: E402
from psoasd_test import (Bus, CallError, Daemon, main, noon_zone, psoasd_command, read_day_record,  # noqa: E402
                         run_psoasd, scaled, synth)

REC = os.environ.get('PSOAS_RECORDING', '')
noon_zone()  # the day's totals must not depend on the hour the test runs at
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'


def now_us():
    return int(time.time() * 1e6)


# --------------------------------------------------------------------------------------------------------------
# The interface


def interface_signature(xml_text):
    """The interface's members as comparable tuples: names, types, directions and annotations, no docs."""
    root = ET.fromstring(xml_text)
    for iface in root.iter('interface'):
        if iface.get('name') != 'org.psoas.Posture1':
            continue
        members = set()
        for child in iface:
            # EmitsChangedSignal=true is the default, which sd-bus leaves out of its introspection.
            annotations = tuple(sorted((a.get('name'), a.get('value')) for a in child.findall('annotation')
                                       if (a.get('name'), a.get('value')) !=
                                       ('org.freedesktop.DBus.Property.EmitsChangedSignal', 'true')))
            if child.tag == 'property':
                members.add(('property', child.get('name'), child.get('type'), child.get('access'), annotations))
            elif child.tag in ('method', 'signal'):
                args = tuple((a.get('name'), a.get('type'), a.get('direction', 'in' if child.tag == 'method'
                                                                             else 'out'))
                             for a in child.findall('arg'))
                members.add((child.tag, child.get('name'), args, annotations))
        return members
    raise AssertionError('no org.psoas.Posture1 interface in the XML')


def case_introspection_matches_xml():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        live = interface_signature(bus.introspect())
    with open(os.environ['PSOAS_XML']) as f:
        shipped = interface_signature(f.read())
    missing = shipped - live
    extra = live - shipped
    assert not missing and not extra, f'live introspection differs from the XML:\n' \
        f'  only in the XML: {sorted(missing)}\n  only in the daemon: {sorted(extra)}'


def case_properties_initial():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        props = bus.get_all()
        # Every property the interface XML declares (introspection_matches_xml checks the XML against the
        # daemon), and at least those this test knows.
        with open(os.environ['PSOAS_XML']) as f:
            expected = {m[1] for m in interface_signature(f.read()) if m[0] == 'property'}
        assert {'Posture', 'Tilt', 'Inclination', 'Calibrated', 'SittingSince', 'SittingToday', 'LastBreak',
                'SensorState', 'Sensor', 'SampleRate', 'SnoozedUntil', 'Inhibited', 'Version'} <= expected
        assert set(props) == expected, sorted(props)
        assert props['SensorState'] == 'replay', props['SensorState']
        assert props['Calibrated'] is False
        assert props['Posture'] == 'unknown'
        assert props['SittingSince'] == 0 and props['SnoozedUntil'] == 0 and props['Inhibited'] is False
        assert 'replay of' in props['Sensor'], props['Sensor']
        assert props['Version'].count('.') == 2, props['Version']
        # A real-time replay's clock runs with the wall clock, from the replay's start.
        assert props['ClockSpeed'] == 1 and props['ClockAnchor'] == props['ClockAnchorWall'], props
        assert abs(props['ClockAnchor'] - now_us()) < scaled(5e6), props
        assert props['SensorError'] == '', props
        # The rate is measured from the recording's timestamps after 2 s of samples.
        bus.wait(lambda: abs(bus.get('SampleRate') - 100) < 2, 10, 'SampleRate near 100 Hz')


# --------------------------------------------------------------------------------------------------------------
# The scripted morning: stand, calibrate, sit 31 min, stand up and walk


def case_scripted_session():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '200') as d:
        # The recording starts with 5 min of still standing (1.5 s at 200×): calibrate in it.
        neutral, = bus.call('Calibrate')
        assert -90 < neutral < 90, neutral
        assert bus.get('Calibrated') is True
        bus.wait(lambda: True in bus.changes_of('Calibrated'), 5, 'Calibrated signalled')

        bus.wait(lambda: bus.get('Posture') == 'sitting', 20, 'sitting')
        since = bus.get('SittingSince')
        assert since > 0
        bus.wait(lambda: 'sitting' in bus.changes_of('Posture'), 5, 'Posture signalled')
        bus.wait(lambda: since in bus.changes_of('SittingSince'), 5, 'SittingSince signalled')

        bus.wait(lambda: bus.signals_named('Alert'), 30, 'a sitting alert')
        kind, message, level = bus.signals_named('Alert')[0]
        assert (kind, level) == ('sitting', 1), (kind, level)
        assert 'sitting for 30 min' in message, message
        bus.wait(lambda: bus.signals_named('StretchPrompt'), 5, 'a stretch prompt')
        # Revision 1's five arguments come first; revision 2 appended the safety note and the details.
        sid, title, instructions, hold, reps, safety, details = bus.signals_named('StretchPrompt')[0]
        listed = {s[0]: s for s in bus.call('ListStretches')[0]}
        assert sid in listed and listed[sid][1] == title and listed[sid][3] == instructions
        assert (hold > 0) != (reps > 0), (hold, reps)
        assert safety and details['safety'] == safety and details['id'] == sid, (safety, details)
        assert details['hold_max_seconds'] == hold and details['repetitions_max'] == reps, details
        # The default configuration prompts no floor exercise: the standing stretch by the desk comes first.
        assert details['places'] == ['desk'] and sid == 'standing-hip-flexor', details

        bus.wait(lambda: bus.signals_named('BreakTaken'), 30, 'the break')
        seconds, = bus.signals_named('BreakTaken')[0]
        assert 31 * 60 - 30 <= seconds <= 31 * 60 + 90, seconds
        assert bus.get('SittingSince') == 0
        assert bus.get('LastBreak') > since
        bus.wait(lambda: 'walking' in bus.changes_of('Posture'), 20, 'walking')

        day = bus.call('GetDay', '(s)', '')[0]
        for key in ('sitting_seconds', 'standing_seconds', 'walking_seconds', 'lying_seconds', 'sitting_bouts',
                    'longest_bout_seconds', 'alerts', 'breaks', 'stretches_verified', 'stretches_self_reported',
                    'tilt_mean', 'tilt_p90', 'high_tilt_seconds', 'steps'):
            assert key in day, key
        # The walk's steps, counted as it goes (a walk is one from its third step on); nothing before it was.
        bus.wait(lambda: bus.call('GetDay', '(s)', '')[0]['steps'] >= 3, 20, 'steps of the walk')
        assert 31 * 60 - 30 <= day['sitting_seconds'] <= 31 * 60 + 90, day
        assert day['sitting_bouts'] == 1 and day['breaks'] == 1 and day['alerts'] >= 1, day
        assert day['standing_seconds'] >= 300, day
        assert abs(bus.get('SittingToday') - day['sitting_seconds']) <= 60
        # Tilt changes were signalled, rate-limited.
        assert bus.changes_of('Tilt'), 'no Tilt changes'
        # The tilted stand later in the recording gives a tilt alert.
        bus.wait(lambda: any(a[0] == 'tilt' for a in bus.signals_named('Alert')), 30, 'a tilt alert')
        assert 'tilted forward' in [a for a in bus.signals_named('Alert') if a[0] == 'tilt'][0][1]


def case_calibrate_not_still():
    # The "test" scenario walks from 103 s to 133 s; Calibrate gives up after 15 s of sample time without 3 s of
    # stillness, so the call must reach psoasd in the walk's first 12 s or so: 1.2 s at 10×. A faster replay
    # (REC's walk is at 2280 s) leaves the call queued behind the samples on a loaded machine, past the walk.
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        rec = synth('--scenario', 'test', '--rate', '50', '--seed', '3', '--mount', 'random', '--duration', '150',
                    path=os.path.join(tmp, 'walk.csv'))
        with Daemon(bus, '--replay', rec, '--speed', '10', '--calibrate-first', '5'):
            def walking_after_sitting():
                # The walk after the first sitting bout (a few steps can show up while standing at the start).
                seen = bus.changes_of('Posture')
                return 'sitting' in seen and 'walking' in seen[seen.index('sitting'):]

            bus.wait(walking_after_sitting, 30, 'walking')
            try:
                bus.call('Calibrate')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.NotStill', e
                assert 'still' in e.message or 'moved' in e.message, e.message
            else:
                raise AssertionError('Calibrate succeeded while walking')
            assert bus.get('Calibrated') is True, 'the old calibration must stay'


def case_calibrate_not_standing():
    # psoas-synth's "seated": a walk, then seated from about 33 s to 93 s of sample time, then standing.
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        rec = synth('--scenario', 'seated', '--rate', '50', '--seed', '2', path=os.path.join(tmp, 'seated.csv'))
        # Never calibrated: the height and the walk are the evidence.
        with Daemon(bus, '--replay', rec, '--speed', '4'):
            until_sample_time(bus, 55)
            try:
                bus.call('Calibrate')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.NotStanding', e
                assert 'you seem to be sitting: the pelvis came down and has not come back up' in e.message, e.message
            else:
                raise AssertionError('Calibrate succeeded on a seated wearer')
            assert bus.get('Calibrated') is False
            # Standing again, from 95 s of sample time until the squat at about 126 s: taken.
            until_sample_time(bus, 102)
            neutral = bus.call('Calibrate')
            assert bus.get('Calibrated') is True, neutral
        # Calibrated while standing, then asked again in the seat: refused, and the first calibration stays.
        bus = Bus()
        with Daemon(bus, '--replay', rec, '--speed', '4', '--calibrate-first', '5'):
            bus.wait(lambda: bus.get('Posture') == 'sitting', 30, 'sitting')
            try:
                bus.call('Calibrate')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.NotStanding', e
            else:
                raise AssertionError('Calibrate succeeded while sitting')
            assert bus.get('Calibrated') is True, 'the first calibration must stay'


def case_calibrate_busy_and_no_sensor():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        short = synth('--scenario', 'daemon', '--rate', '50', '--duration', '12', path=os.path.join(tmp, 's.csv'))
        with Daemon(bus, '--replay', short, '--speed', '1'):
            started = time.monotonic()
            first = bus.call_async('Calibrate')
            try:
                bus.call('Calibrate')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.Busy', e
            else:
                raise AssertionError('a second Calibrate was not refused')
            bus.wait(lambda: first, 10, 'the first Calibrate to finish')
            assert 'reply' in first, first
            # The recording ends after 12 s: then there is no sensor to calibrate with.
            bus.wait(lambda: bus.get('SensorState') == 'ended', 15, 'the end of the replay')
            assert time.monotonic() - started >= 11
            try:
                bus.call('Calibrate')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.NoSensor', e
            else:
                raise AssertionError('Calibrate succeeded without a sensor')


def until_sample_time(bus, seconds):
    """Sleeps until a paced replay reaches seconds of sample time: the recording's start is at ClockAnchorWall, and
    its clock runs at ClockSpeed times the wall clock."""
    bus.wait(lambda: bus.get('ClockSpeed') > 0, 30, "the replay's clock")
    time.sleep(max(0.0, sample_time_wall(bus, seconds) - time.time()))


def sample_time_wall(bus, seconds):
    return bus.get('ClockAnchorWall') / 1e6 + seconds / bus.get('ClockSpeed')


def sample_time_now(bus):
    return (time.time() - bus.get('ClockAnchorWall') / 1e6) * bus.get('ClockSpeed')


def slouch_alerts(bus):
    return [a for a in bus.signals_named('Alert') if a[0] == 'slouch']


def case_calibrate_sitting():
    """CalibrateSitting() captures the upright sitting reference; a slump of 20° behind it for slouch.alert_minutes
    raises a "slouch" Alert, and the reference survives a restart. psoas-synth's "slouch": standing and a walk,
    sitting upright from about 42 s to 102 s of sample time, slumped until 282 s, upright until 342 s, standing."""
    bus = Bus()
    config = json.dumps({'slouch': {'alert_minutes': 1}})
    with tempfile.TemporaryDirectory() as tmp:
        rec = synth('--scenario', 'slouch', '--rate', '50', '--seed', '2', '--mount', 'belt-back',
                    path=os.path.join(tmp, 'slouch.csv'))
        state = os.path.join(tmp, 'state')
        # Never calibrated standing: nothing to measure from.
        with Daemon(bus, '--replay', rec, '--speed', '10', state_dir=os.path.join(tmp, 'fresh')):
            try:
                bus.call('CalibrateSitting')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.NotCalibrated', e
                assert 'calibrate standing first' in e.message, e.message
            else:
                raise AssertionError('CalibrateSitting succeeded without a standing calibration')

        with Daemon(bus, '--replay', rec, '--speed', '10', '--calibrate-first', '5', state_dir=state,
                    config=config) as d:
            # Standing after the walk: refused, as the engine says it.
            until_sample_time(bus, 34)
            try:
                bus.call('CalibrateSitting')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.NotSitting', e
                assert 'you are not sitting' in e.message, e.message
            else:
                raise AssertionError('CalibrateSitting succeeded standing')
            assert bus.get('Calibrated') is True
            # Sitting upright.
            until_sample_time(bus, 62)
            first = bus.call_async('CalibrateSitting')
            try:
                bus.call('CalibrateSitting')
            except CallError as e:
                assert e.name == 'org.psoas.Posture1.Error.Busy', e
            else:
                raise AssertionError('a second CalibrateSitting was not refused')
            bus.wait(lambda: first, 30, 'the reference')
            assert 'reply' in first, first
            reference, = first['reply']
            assert -90 < reference < 90, reference
            assert not slouch_alerts(bus), bus.signals_named('Alert')
            bus.wait(lambda: slouch_alerts(bus), 30, 'a slouch alert')
            at = sample_time_now(bus)
            kind, message, level = slouch_alerts(bus)[0]
            # The slump begins at 102 s: the alert a minute later.
            assert 160 <= at <= 185, at
            assert level == 1, level
            assert message.startswith('You have been sitting slumped back by '), message
            assert message.endswith('from your upright posture for 1 min'), message
            bus.wait(lambda: bus.get('SensorState') == 'ended', 60, 'the end of the replay')
            alerts = slouch_alerts(bus)
            # Again each minute of the slump, and never once upright or standing.
            assert [a[2] for a in alerts] in ([1, 2], [1, 2, 3]), alerts
            assert 'Captured the upright sitting reference' in d.read_log()
        with open(os.path.join(state, 'current.json')) as f:
            saved = json.load(f)['calibration']
        assert abs(saved['sitting_reference_inclination_deg'] - reference) < 1e-3, (saved, reference)

        # Restarted: the calibration and the reference come back, and the slump is alerted without asking again.
        bus = Bus()
        with Daemon(bus, '--replay', rec, '--speed', '10', state_dir=state, config=config) as d:
            bus.wait(lambda: slouch_alerts(bus), 40, 'a slouch alert after the restart')
            assert 160 <= sample_time_now(bus) <= 185
            assert 'and the upright sitting reference' in d.read_log(), d.read_log()


# --------------------------------------------------------------------------------------------------------------
# Snooze, inhibit, live claims


def case_snooze():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('Calibrated'), 20, 'calibration')
        before = now_us()
        bus.call('Snooze', '(u)', 900)
        until = bus.get('SnoozedUntil')
        assert before + 890e6 <= until <= now_us() + 910e6, (until - before) / 1e6
        bus.wait(lambda: until in bus.changes_of('SnoozedUntil'), 5, 'SnoozedUntil signalled')
        bus.call('Snooze', '(u)', 0)
        assert bus.get('SnoozedUntil') == 0
        for bad in (14401, 100000, 2**32 - 1):
            try:
                bus.call('Snooze', '(u)', bad)
            except CallError as e:
                assert e.name == INVALID_ARGS and str(bad) in e.message, e
            else:
                raise AssertionError(f'Snooze({bad}) accepted')
        bus.call('Snooze', '(u)', 14400)
        assert bus.get('SnoozedUntil') > 0
        # Wrong argument types are refused by the bus layer with InvalidArgs too.
        try:
            bus.call('Snooze', '(s)', 'ten')
        except CallError as e:
            assert e.name == INVALID_ARGS, e
        else:
            raise AssertionError('Snooze("ten") accepted')


def case_snooze_repeated_logs_once():
    """A client repeating Snooze() writes one journal line per change, not one per call."""
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1', '--calibrate-first', '5') as d:
        bus.wait(lambda: bus.get('Calibrated'), 20, 'calibration')
        for _ in range(50):
            bus.call('Snooze', '(u)', 900)
        bus.call('Snooze', '(u)', 1800)  # moves the end by 15 min: worth a line
        for _ in range(20):
            bus.call('Snooze', '(u)', 0)
        bus.call('Snooze', '(u)', 600)
        log = d.read_log()
        assert log.count('Alerts snoozed for 15 min by') == 1, log
        assert log.count('Alerts snoozed for 30 min by') == 1, log
        assert log.count('Snooze cancelled by') == 1, log
        assert log.count('Alerts snoozed for 10 min by') == 1, log


def case_snooze_before_first_sample():
    """Without samples (no IIO sensor on this machine) a snooze is kept in wall time until they come."""
    bus = Bus()
    with Daemon(bus, '--sensor', 'local:'):
        bus.wait(lambda: bus.get('SensorState') in ('absent', 'error'), 10, 'no sensor')
        before = now_us()
        bus.call('Snooze', '(u)', 600)
        until = bus.get('SnoozedUntil')
        assert before + 590e6 <= until <= now_us() + 610e6, (until - before) / 1e6
        bus.call('Snooze', '(u)', 0)
        assert bus.get('SnoozedUntil') == 0


def case_snooze_silences_alerts():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '300', '--calibrate-first', '5'):
        bus.call('Snooze', '(u)', 14400)
        bus.wait(lambda: bus.signals_named('BreakTaken'), 60, 'the end of the long bout')
        assert not [a for a in bus.signals_named('Alert') if a[0] == 'sitting'], bus.signals_named('Alert')


INHIBITOR_CLIENT = r'''
import sys, gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib
conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
r = conn.call_sync('org.psoas.Posture1', '/org/psoas/Posture1', 'org.psoas.Posture1', 'Inhibit',
                   GLib.Variant('(ss)', ('film-player', 'watching a film')), None, 0, 5000, None)
print(r.unpack()[0], flush=True)
sys.stdin.read()
'''


def case_inhibit():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '300', '--calibrate-first', '5'):
        cookie, = bus.call('Inhibit', '(ss)', 'meeting', 'a long call')
        assert cookie > 0
        assert bus.get('Inhibited') is True
        bus.wait(lambda: True in bus.changes_of('Inhibited'), 5, 'Inhibited signalled')
        # Nothing while inhibited: the long bout passes without a sitting alert.
        bus.wait(lambda: bus.signals_named('BreakTaken'), 60, 'the end of the long bout')
        assert not [a for a in bus.signals_named('Alert') if a[0] == 'sitting'], bus.signals_named('Alert')

        for app, reason in (('', 'x'), ('a' * 256, 'x'), ('app', 'r' * 1025), ('app\n', 'x')):
            try:
                bus.call('Inhibit', '(ss)', app, reason)
            except CallError as e:
                assert e.name == INVALID_ARGS, e
            else:
                raise AssertionError(f'Inhibit({app[:10]!r}…) accepted')
        try:
            bus.call('Uninhibit', '(u)', cookie + 1000)
        except CallError as e:
            assert e.name == INVALID_ARGS, e
        else:
            raise AssertionError('Uninhibit of an unknown cookie accepted')
        bus.call('Uninhibit', '(u)', cookie)
        assert bus.get('Inhibited') is False


def case_inhibitor_dropped_when_client_exits():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1') as d:
        client = subprocess.Popen(['/usr/bin/python3', '-c', INHIBITOR_CLIENT], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        cookie = int(client.stdout.readline())
        assert cookie > 0
        bus.wait(lambda: bus.get('Inhibited') is True, 5, 'Inhibited')
        # Another client cannot release it.
        try:
            bus.call('Uninhibit', '(u)', cookie)
        except CallError as e:
            assert e.name == INVALID_ARGS, e
        else:
            raise AssertionError("another client released the inhibitor")
        client.kill()
        client.wait()
        bus.wait(lambda: bus.get('Inhibited') is False, 5, 'the inhibitor dropped')
        assert 'dropped' in d.read_log(), d.read_log()


def case_inhibitor_limit():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        cookies = []
        refused = None
        for i in range(100):
            try:
                cookies.append(bus.call('Inhibit', '(ss)', 'flood', str(i))[0])
            except CallError as e:
                refused = e
                break
        assert refused is not None and refused.name == 'org.freedesktop.DBus.Error.LimitsExceeded', refused
        assert 1 <= len(cookies) <= 64, len(cookies)
        assert len(set(cookies)) == len(cookies)


def case_live_claim():
    bus = Bus()
    # Tilt needs the forward direction, learned at the first sit-down; at 100× the sitting part of the
    # recording changes tilt many times a second, so the rate limit decides what is signalled.
    with Daemon(bus, '--replay', REC, '--speed', '100', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('Posture') == 'sitting', 20, 'sitting')
        try:
            bus.call('ReleaseLive')
        except CallError as e:
            assert e.name == INVALID_ARGS, e
        else:
            raise AssertionError('ReleaseLive without a claim accepted')

        def tilt_rate(seconds):
            start = len(bus.changes_of('Tilt'))
            bus.pump(seconds)
            return (len(bus.changes_of('Tilt')) - start) / seconds

        unclaimed = tilt_rate(2.5)
        bus.call('ClaimLive')
        claimed = tilt_rate(2.5)
        bus.call('ReleaseLive')
        assert unclaimed <= 1.4, f'{unclaimed:.1f} Tilt changes/s without a claim (at most 1 Hz)'
        assert 4 <= claimed <= 11, f'{claimed:.1f} Tilt changes/s with a live claim (up to 10 Hz)'
        # Releasing (or a client leaving with its claim) leaves the daemon answering.
        start = time.monotonic()
        assert bus.get('Posture') in ('sitting', 'standing', 'walking')
        assert time.monotonic() - start < 1
        client = subprocess.run(['busctl', '--user', 'call', 'org.psoas.Posture1', '/org/psoas/Posture1',
                                 'org.psoas.Posture1', 'ClaimLive'], capture_output=True, text=True, timeout=10)
        assert client.returncode == 0, client.stderr
        bus.pump(0.3)
        start = time.monotonic()
        bus.get('Posture')
        assert time.monotonic() - start < 1, 'psoasd slow after a claimant left'


# --------------------------------------------------------------------------------------------------------------
# Stretches and days


def case_stretches():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        stretches = bus.call('ListStretches')[0]
        assert len(stretches) >= 5, stretches
        ids = [s[0] for s in stretches]
        assert 'kneeling-hip-flexor' in ids, ids
        for sid, title, muscles, instructions, hold, reps in stretches:
            assert sid and title and muscles and len(instructions) > 40
            assert (hold > 0) != (reps > 0), (sid, hold, reps)
        kneeling = [s for s in stretches if s[0] == 'kneeling-hip-flexor'][0]
        assert 'psoas' in kneeling[2] and 20 <= kneeling[4] <= 60, kneeling

        for bad in ('no-such-stretch', '', 'x' * 5000):
            try:
                bus.call('CompleteStretch', '(s)', bad)
            except CallError as e:
                assert e.name == INVALID_ARGS, e
            else:
                raise AssertionError(f'CompleteStretch({bad[:20]!r}) accepted')
        bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
        bus.call('CompleteStretch', '(s)', 'kneeling-hip-flexor')
        bus.wait(lambda: bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 1, 5,
                 'the self-reported stretch counted')


def case_get_day_arguments():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        today = time.strftime('%Y-%m-%d')
        a = bus.call('GetDay', '(s)', '')[0]
        b = bus.call('GetDay', '(s)', today)[0]
        assert a['date'] == today == b['date'], (a, b)
        old = bus.call('GetDay', '(s)', '2001-02-03')[0]
        assert old['sitting_seconds'] == 0 and old['sitting_bouts'] == 0, old
        assert isinstance(old['tilt_mean'], float)
        # A day psoasd never saw is no data, all of it; today, the part of it before the replay began.
        assert old['no_data_seconds'] == 86400, old
        midnight = time.mktime(time.strptime(today, '%Y-%m-%d'))
        before = time.time() - midnight
        assert before - 120 <= a['no_data_seconds'] <= before + 5, (a['no_data_seconds'], before)
        for bad in ('yesterday', '2026-02-30', '2026-1-5', '20260105', '2026-01-05x', '9999-12-31'):
            try:
                bus.call('GetDay', '(s)', bad)
            except CallError as e:
                assert e.name == INVALID_ARGS, e
            else:
                raise AssertionError(f'GetDay({bad!r}) accepted')


# --------------------------------------------------------------------------------------------------------------
# The record of a day (revision 4)

HOUR_FIELDS = ('sitting', 'standing', 'walking', 'lying', 'unknown', 'not_worn', 'no_data', 'steps')
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'state', 'fixtures')


def days_ago(n):
    return time.strftime('%Y-%m-%d', time.localtime(time.time() - n * 86400))


def write_past_day(state, date, record_text, not_worn_seconds=None):
    """A day psoasd saw before: its record, and its statistics (the hand-written fixture) when not_worn_seconds
    is given."""
    days = os.path.join(state, 'days')
    os.makedirs(days, exist_ok=True)
    with open(os.path.join(days, date + '.record'), 'w') as f:
        f.write(record_text)
    if not_worn_seconds is not None:
        with open(os.path.join(FIXTURES, 'day-2026-03-29.json')) as f:
            stats = json.load(f)
        stats['date'] = date
        stats['not_worn_seconds'] = not_worn_seconds
        with open(os.path.join(days, date + '.json'), 'w') as f:
            json.dump(stats, f)


def case_record_of_a_past_day():
    bus = Bus()
    date = days_ago(3)
    midnight_us = int(time.mktime(time.strptime(date, '%Y-%m-%d'))) * 1000000
    bouts = [('sitting', midnight_us + 9 * 3600 * 10**6, midnight_us + 10 * 3600 * 10**6, 'stood-up', 0, 0),
             ('standing', midnight_us + 10 * 3600 * 10**6, midnight_us + 10 * 3600 * 10**6 + 61 * 10**6,
              'not-worn', 40, 66)]
    text = (f'psoas-record 1 {date}\n'
            '09:00 60 0 0 0 0 0 0 - -12.5\n'
            '09:59 30 20 10 0 0 0 17 3.0 -10.0\n'
            '10:00 0 5 0 0 10 45 0 - -\n'
            '23:59 0 0 0 12 0 0 0 - -\n' +
            ''.join(f'bout {p} {s} {e} {end} {w} {n}\n' for p, s, e, end, w, n in bouts) +
            'end 4 2\n')
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        write_past_day(state, date, text, not_worn_seconds=45.75)
        with Daemon(bus, '--replay', REC, '--speed', '1', state_dir=state):
            day = bus.call('GetDay', '(s)', date)[0]
            timeline = bus.call('GetTimeline', '(s)', date)[0]
    assert day['not_worn_seconds'] == 45, day['not_worn_seconds']
    assert day['bouts'] == bouts, day['bouts']
    hours = [dict(zip(HOUR_FIELDS, h)) for h in day['hours']]
    assert len(hours) == 24, hours
    assert hours[9] == dict(sitting=90, standing=20, walking=10, lying=0, unknown=0, not_worn=0,
                            no_data=3600 - 120, steps=17), hours[9]
    assert hours[10] == dict(sitting=0, standing=5, walking=0, lying=0, unknown=10, not_worn=45,
                             no_data=3600 - 60, steps=0), hours[10]
    assert hours[23]['lying'] == 12 and hours[23]['no_data'] == 3600 - 12, hours[23]
    assert all(h == dict.fromkeys(HOUR_FIELDS, 0) | {'no_data': 3600} for i, h in enumerate(hours)
               if i not in (9, 10, 23)), hours
    assert [e[0] for e in timeline] == [540, 599, 600, 1439], timeline
    assert timeline[1][:8] == (599, 30, 20, 10, 0, 0, 0, 17), timeline[1]
    assert timeline[1][8:] == (3.0, -10.0), timeline[1]
    assert math.isnan(timeline[0][8]) and timeline[0][9] == -12.5, timeline[0]


def case_day_without_data():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        for date in ('2001-02-03', days_ago(1)):
            day = bus.call('GetDay', '(s)', date)[0]
            assert day['not_worn_seconds'] == 0 and day['bouts'] == [], day
            assert day['hours'] == [(0, 0, 0, 0, 0, 0, 3600, 0)] * 24, day['hours']
            assert bus.call('GetTimeline', '(s)', date)[0] == [], date
        # Today: the hours before now are no data as far as no minute says otherwise, those to come are zero.
        bus.wait(lambda: bus.get('SampleRate') > 0, 10, 'samples')
        while True:  # not across the turn of an hour
            before = time.localtime()
            day = bus.call('GetDay', '(s)', '')[0]
            now = time.localtime()
            if before.tm_hour == now.tm_hour:
                break
        hour = now.tm_hour
        assert all(h == (0,) * 8 for h in day['hours'][hour + 1:]), day['hours']
        for h in day['hours'][:hour]:
            assert sum(h[:7]) == 3600, day['hours']
        assert sum(day['hours'][hour][:7]) <= now.tm_min * 60 + now.tm_sec + 5, day['hours'][hour]
        for bad in ('yesterday', '2026-02-30', '9999-12-31'):
            try:
                bus.call('GetTimeline', '(s)', bad)
            except CallError as e:
                assert e.name == INVALID_ARGS, e
            else:
                raise AssertionError(f'GetTimeline({bad!r}) accepted')


POSTURE_KEYS = ('sitting', 'standing', 'walking', 'lying')
# What ended a bout, by the posture of the bout that came right after it.
ENDED_BY_NEXT = {'sitting': 'sat-down', 'standing': 'stood-up', 'lying': 'lay-down'}


def check_record_against_day(day, timeline):
    """The hours, the timeline and the day's totals of one GetDay() and GetTimeline() agree."""
    hours = day['hours']
    assert len(hours) == 24, hours
    # The hours are the timeline's minutes summed.
    for h in range(24):
        minutes = [m for m in timeline if m[0] // 60 == h]
        for i in range(6):
            assert hours[h][i] == sum(m[1 + i] for m in minutes), (h, i, hours[h], minutes)
        assert hours[h][7] == sum(m[7] for m in minutes), (h, hours[h])
        assert sum(hours[h][:7]) in (0, 3600) or h == max(m[0] for m in timeline) // 60, (h, hours[h])
    # And the day's totals, to within the record's whole seconds: a second a minute at most.
    for i, key in enumerate(POSTURE_KEYS):
        in_hours = sum(h[i] for h in hours)
        minutes = sum(1 for m in timeline if m[1 + i] > 0)
        assert abs(in_hours - day[key + '_seconds']) <= minutes + 2, (key, in_hours, day[key + '_seconds'])
    assert abs(sum(h[5] for h in hours) - day['not_worn_seconds']) <= \
        sum(1 for m in timeline if m[6] > 0) + 2, (hours, day['not_worn_seconds'])
    assert abs(sum(h[7] for h in hours) - day['steps']) <= 2, (sum(h[7] for h in hours), day['steps'])


def check_bouts(bouts, last_ended_by):
    assert bouts, 'no bouts'
    for b, after in zip(bouts, bouts[1:]):
        assert b[1] < b[2] <= after[1], (b, after)
        assert b[0] in ENDED_BY_NEXT, b
        # A bout that another follows at once ended by what that one is.
        if b[2] == after[1]:
            assert b[3] == ENDED_BY_NEXT[after[0]], (b, after)
    assert bouts[-1][3] == last_ended_by, bouts[-1]


def case_record_of_a_replayed_day():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '0', '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('SensorState') == 'ended', 60, 'the end of the recording')
        day = bus.call('GetDay', '(s)', '')[0]
        timeline = bus.call('GetTimeline', '(s)', '')[0]
        end_us = bus.get('ClockAnchor')
    # The recording is an hour: its minutes, and the rest of the day before it no data.
    assert 55 <= len(timeline) <= 63, len(timeline)
    assert [m[0] for m in timeline] == sorted(m[0] for m in timeline), timeline
    assert all(0 < sum(m[1:7]) <= 60 for m in timeline), timeline
    check_record_against_day(day, timeline)
    assert day['sitting_seconds'] > 600 and day['steps'] > 0, day
    # At the recording's end the data stopped: the last bout ended there, as no data.
    check_bouts(day['bouts'], 'no-data')
    assert abs(day['bouts'][-1][2] - end_us) <= 1000000, (day['bouts'][-1], end_us)
    sitting = [b for b in day['bouts'] if b[0] == 'sitting']
    assert sitting and max(b[2] - b[1] for b in sitting) / 1e6 >= day['longest_bout_seconds'] - 2, (sitting, day)
    # Tilts once the forward direction is known (from the first walk): standing near the neutral, sitting tilted
    # back; none in a minute without that posture.
    standing = [m[8] for m in timeline if not math.isnan(m[8])]
    sitting = [m[9] for m in timeline if not math.isnan(m[9])]
    assert standing and all(abs(t) < 15 for t in standing), standing
    assert sitting and all(-45 < t < 5 for t in sitting), sitting
    assert all(math.isnan(m[8]) for m in timeline if m[2] == 0), timeline
    assert all(math.isnan(m[9]) for m in timeline if m[1] == 0), timeline


def case_record_while_it_happens():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', scaled(40), '--calibrate-first', '5'):
        bus.wait(lambda: bus.get('SittingToday') >= 420, 120, '7 min of sitting')
        day = bus.call('GetDay', '(s)', '')[0]
        timeline = bus.call('GetTimeline', '(s)', '')[0]
        # The bout in progress is last, ongoing, and ends about now on psoasd's clock.
        check_bouts(day['bouts'], 'ongoing')
        props = bus.get_all()
        now = props['ClockAnchor'] + (now_us() - props['ClockAnchorWall']) * props['ClockSpeed']
        assert abs(day['bouts'][-1][2] - now) <= 10e6 * props['ClockSpeed'], (day['bouts'][-1], now)
        # The minutes not settled yet are there too: the timeline reaches within a minute of now.
        midnight = time.mktime(time.strptime(day['date'], '%Y-%m-%d')) * 1e6
        assert timeline[-1][0] >= (now - midnight) // 60e6 - 1, (timeline[-1], (now - midnight) / 60e6)
        # Today's hours to come are zero.
        hour = int((now - midnight) // 3600e6)
        assert all(h == (0,) * 8 for h in day['hours'][hour + 1:]), day['hours']


def still_segment(start_s, seconds, rate, accel):
    """A sensor lying on a desk: one constant acceleration with 0.01 m/s² of noise, the gyroscope at rest."""
    import random
    rng = random.Random(17)
    lines = []
    for i in range(int(seconds * rate)):
        a = [v + rng.gauss(0, 0.01) for v in accel]
        g = [rng.gauss(0, 0.001) for _ in range(3)]
        lines.append(f'{start_s + i / rate:.6f},' + ','.join(f'{v:.5f}' for v in a + g))
    return lines


def case_record_sensor_taken_off():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        worn = synth('--scenario', 'daemon', '--rate', '50', '--seed', '5', '--duration', '900',
                     path=os.path.join(tmp, 'worn.csv'))
        with open(worn) as f:
            lines = f.read().split('\n')
        lines = [line for line in lines if line]
        last_t = float(lines[-1].split(',')[0])
        off = still_segment(last_t + 0.02, 600, 50, (0.3, 9.7, 1.2))
        path = os.path.join(tmp, 'off.csv')
        with open(path, 'w') as f:
            f.write('\n'.join(lines + off) + '\n')
        with Daemon(bus, '--replay', path, '--speed', '0', '--calibrate-first', '5'):
            bus.wait(lambda: bus.get('SensorState') == 'ended', 60, 'the end of the recording')
            day = bus.call('GetDay', '(s)', '')[0]
            timeline = bus.call('GetTimeline', '(s)', '')[0]
    # The 10 min on the desk are not worn, from the start of the stillness, and no posture.
    assert 600 - 20 <= day['not_worn_seconds'] <= 600 + 5, day['not_worn_seconds']
    check_record_against_day(day, timeline)
    off_minutes = [m for m in timeline if m[6] > 0]
    assert 9 <= len(off_minutes) <= 11, off_minutes
    assert sum(1 for m in off_minutes if m[6] == 60) >= 8, off_minutes
    assert not [b for b in day['bouts'] if b[0] == 'lying'], day['bouts']
    # The bout before it ended when the sensor was taken off.
    assert 'not-worn' in [b[3] for b in day['bouts']], day['bouts']


def case_corrupt_record_refused_and_kept():
    bus = Bus()
    past = days_ago(2)
    broken_past = f'psoas-record 1 {past}\n09:00 60 0 0 0 0 0 0 - -\n09:01 61 0 0 0 0 0 0 - -\nend 2 0\n'
    broken_today = 'psoas-record 1 ' + time.strftime('%Y-%m-%d') + '\n09:0'
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        days = os.path.join(state, 'days')
        write_past_day(state, past, broken_past)
        write_past_day(state, time.strftime('%Y-%m-%d'), broken_today)
        d = Daemon(bus, '--replay', REC, '--speed', '0', state_dir=state).start()
        try:
            assert bus.call('GetTimeline', '(s)', past)[0] == []
            assert bus.call('GetDay', '(s)', past)[0]['hours'][9][6] == 3600
            bus.wait(lambda: bus.get('SensorState') == 'ended', 60, 'the end of the recording')
        finally:
            assert d.stop() == 0
            log = d.read_log()
            d.tmp.cleanup()
        # Refused with the file, the line and what is wrong; kept beside, whole.
        assert re.search(rf'days/{past}\.record: line 3: sitting seconds .61. is above 60\. Moved it aside to '
                         rf'\S+/days/{past}\.record\.corrupt-\d+', log), log
        assert 'the last line is cut off' in log, log
        for date, text in ((past, broken_past), (time.strftime('%Y-%m-%d'), broken_today)):
            aside = [n for n in os.listdir(days) if n.startswith(date + '.record.corrupt-')]
            assert len(aside) == 1, os.listdir(days)
            with open(os.path.join(days, aside[0])) as f:
                assert f.read() == text
        # Today's record is written anew beside it; the past day's stays moved aside, not replaced.
        read_day_record(os.path.join(days, time.strftime('%Y-%m-%d') + '.record'))
        assert not os.path.exists(os.path.join(days, past + '.record'))


# --------------------------------------------------------------------------------------------------------------
# Restarts


def case_statistics_survive_restart():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        part = synth('--scenario', 'daemon', '--rate', '50', '--seed', '3', '--mount', 'random', '--duration',
                     '1500', path=os.path.join(tmp, 'part.csv'))
        first = Daemon(bus, '--replay', part, '--speed', '0', '--calibrate-first', '5', '--exit-on-end',
                       state_dir=state, wait_ready=False).start()
        assert first.wait_exit(60) == 0, first.read_log()
        day_files = [n for n in os.listdir(os.path.join(state, 'days')) if n.endswith('.json')]
        assert len(day_files) == 1, day_files
        with open(os.path.join(state, 'days', day_files[0])) as f:
            saved = json.load(f)
        with open(os.path.join(state, 'current.json')) as f:
            current = json.load(f)
        assert current['in_bout'] is True and current['calibrated'] is True, current
        assert saved['sitting_seconds'] > 1000, saved
        # At the clean exit the record was finished: every minute of the 25 min, the last bout ended no-data.
        _, saved_minutes, saved_bouts = read_day_record(
            os.path.join(state, 'days', day_files[0][:-len('.json')] + '.record'))
        assert 24 <= len(saved_minutes) <= 27, sorted(saved_minutes)
        assert saved_bouts and saved_bouts[-1][3] == 'no-data', saved_bouts

        with Daemon(bus, '--replay', REC, '--speed', '1', state_dir=state):
            assert bus.get('SittingToday') >= int(saved['sitting_seconds']) - 1
            bus.wait(lambda: bus.get('Calibrated'), 10, 'the calibration restored')
            # The bout continues from when it began, or from now if that was ahead of the clock (a replay at
            # full speed runs ahead of the wall clock).
            bus.wait(lambda: 0 < bus.get('SittingSince') <= current['bout_start_realtime_us'], 10,
                     'the bout continued')
            day = bus.call('GetDay', '(s)', '')[0]
            assert day['sitting_seconds'] >= int(saved['sitting_seconds']) - 1, (day, saved)
            assert day['sitting_bouts'] == saved['sitting_bouts'], (day, saved)
            # The record goes on from the file: the first run's minutes are all there, those the two runs share
            # added up to 60 s at most, and its bouts too.
            bus.pump(2)
            timeline = {m[0]: m for m in bus.call('GetTimeline', '(s)', '')[0]}
            for minute, m in saved_minutes.items():
                assert minute in timeline and sum(m[:6]) <= sum(timeline[minute][1:7]) <= 60, (m, timeline.get(minute))
            bouts = bus.call('GetDay', '(s)', '')[0]['bouts']
            assert set(saved_bouts) <= {tuple(b) for b in bouts}, (bouts, saved_bouts)
            assert [b[1] for b in bouts] == sorted(b[1] for b in bouts), bouts


def case_old_days_pruned_at_startup():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        days = os.path.join(state, 'days')
        os.makedirs(days)
        today = time.time()
        names = {age: time.strftime('%Y-%m-%d', time.localtime(today - age * 86400)) + '.json' for age in (1, 3, 10)}
        for name in names.values():
            with open(os.path.join(days, name), 'w') as f:
                f.write('{}')
        with Daemon(bus, '--replay', REC, '--speed', '1', state_dir=state,
                    config='{"state": {"keep_days": 5}}'):
            left = sorted(os.listdir(days))
        assert names[10] not in left and names[1] in left and names[3] in left, left


def case_statistics_survive_kill9():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        d = Daemon(bus, '--replay', REC, '--speed', '40', '--calibrate-first', '5', state_dir=state).start()
        bus.wait(lambda: bus.get('SittingToday') >= 240, 60, '4 min of sitting')
        sat = bus.get('SittingToday')
        d.proc.kill()
        d.proc.wait()
        names = os.listdir(os.path.join(state, 'days'))
        assert not [n for n in names if 'corrupt' in n or n.startswith('.#')], names
        for name in names:
            path = os.path.join(state, 'days', name)
            if name.endswith('.record'):
                read_day_record(path)
                continue
            with open(path) as f:
                json.load(f)
        with open(os.path.join(state, 'current.json')) as f:
            json.load(f)
        # The record as saved: the minutes psoasd had when it was killed, less at most the last 60 s.
        date, saved, _ = read_day_record(os.path.join(state, 'days', time.strftime('%Y-%m-%d') + '.record'))
        saved_sitting = sum(m[0] for m in saved.values())
        assert saved_sitting >= sat - 60 - 1, f'{sat} s sat before kill -9, {saved_sitting} s in the record'
        bus.wait(lambda: not bus.has_owner(), 5, 'the name released')
        with Daemon(bus, '--replay', REC, '--speed', '1', state_dir=state):
            restored = bus.get('SittingToday')
            assert sat - 60 <= restored <= sat + 1, f'{sat} s sat before kill -9, {restored} s after restart'
            # The bout is restored with the first sample.
            bus.wait(lambda: bus.get('SittingSince') > 0, 10, 'the bout continued')
            # The record goes on from the file: the saved minutes are all there.
            timeline = {e[0]: e for e in bus.call('GetTimeline', '(s)', '')[0]}
            assert set(saved) <= set(timeline), sorted(set(saved) - set(timeline))
            assert sum(e[1] for e in timeline.values()) >= saved_sitting
        d.tmp.cleanup()


# --------------------------------------------------------------------------------------------------------------
# The process


def case_record_round_trip():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        short = synth('--scenario', 'test', '--rate', '50', '--duration', '20', path=os.path.join(tmp, 'in.csv'))
        out = os.path.join(tmp, 'out.csv')
        d = Daemon(bus, '--replay', short, '--speed', '0', '--exit-on-end', '--record', out,
                   wait_ready=False).start()
        assert d.wait_exit(30) == 0, d.read_log()
        with open(short) as f:
            original = [line.split(',') for line in f.read().split('\n')[1:] if line]
        with open(out) as f:
            lines = f.read().split('\n')
        assert lines[0] == 't,ax,ay,az,gx,gy,gz', lines[0]
        # When the first sample was, on psoasd's clock (a replay's starts now): psoas-analyze reads it.
        m = re.fullmatch(r'# psoas start: t=([0-9.]+) local=(\S+) utc_offset_s=(-?\d+)', lines[1])
        assert m, lines[1]
        assert abs(float(m.group(1)) - float(original[0][0])) < 1e-6, (m.group(1), original[0])
        local = datetime.datetime.strptime(m.group(2), '%Y-%m-%dT%H:%M:%S.%f')
        now = datetime.datetime.now()
        assert abs((local - now).total_seconds()) < 60, (local, now)
        assert int(m.group(3)) == time.localtime().tm_gmtoff, m.group(3)
        recorded = [line.split(',') for line in lines[2:] if line]
        assert len(recorded) == len(original), (len(recorded), len(original))
        for a, b in zip(original, recorded):
            assert abs(float(a[0]) - float(b[0])) < 1e-6, (a, b)
            for x, y in zip(a[1:], b[1:]):
                assert abs(float(x) - float(y)) <= 1e-6 * max(1, abs(float(x))), (a, b)


def case_bad_command_lines():
    for args, words in ((['--speed', '2'], 'need --replay'), (['--replay', REC, '--speed', '-1'], '--speed'),
                        (['--log-level', 'loud'], 'loud'), (['--state-directory', 'rel'], 'absolute'),
                        (['extra'], 'unexpected'), (['--units', 'g'], 'need --replay'),
                        (['--replay', '/nonexistent.csv', '--exit-on-end'], '/nonexistent.csv')):
        p = run_psoasd(['--user', *args], capture_output=True, text=True, timeout=20)
        assert p.returncode == 1, (args, p.returncode, p.stderr)
        assert words in p.stderr, (args, p.stderr)
    p = run_psoasd(['--help'], capture_output=True, text=True)
    assert p.returncode == 0 and '--replay' in p.stdout
    p = run_psoasd(['--version'], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith('psoasd ')


def clock_now(bus):
    """psoasd's clock now, as org.psoas.Posture1(5) says a client computes it."""
    props = bus.get_all()
    return props['ClockAnchor'] + (now_us() - props['ClockAnchorWall']) * props['ClockSpeed']


def case_replay_clock():
    """At 60x every time psoasd gives is on the replay's clock: it starts with the replay and runs 60 times as
    fast as the wall clock, and the times it gives agree with it within a batch of samples."""
    bus = Bus()
    before = now_us()
    with Daemon(bus, '--replay', REC, '--speed', '60', '--calibrate-first', '5'):
        props = bus.get_all()
        speed = props['ClockSpeed']
        assert speed >= 15, props  # 60, or 15 when the harness slows replays down under valgrind
        assert props['ClockAnchor'] == props['ClockAnchorWall'] and before <= props['ClockAnchor'] <= now_us()
        origin = props['ClockAnchor']
        # One batch: psoasd takes samples 20 times a second, 3 s of the recording at 60x; and the bus's delay.
        batch = speed * 0.1 * 1e6
        # The recording sits down 5 min in: on the replay's clock, 5 min after the replay's start.
        bus.wait(lambda: bus.get('SittingSince') > 0, 30, 'the sitting bout')
        since = bus.get('SittingSince')
        assert 280e6 <= since - origin <= 330e6, (since - origin) / 1e6
        assert since <= clock_now(bus) + batch, (since, clock_now(bus))
        # Sitting time today and the bout's length agree on that clock.
        bus.wait(lambda: clock_now(bus) - since >= 120e6, 30, '2 min into the bout')
        bout = clock_now(bus) - since
        today = bus.get('SittingToday') * 1e6
        assert abs(bout - today) <= batch + 2e6, (bout / 1e6, today / 1e6)
        # A snooze of 15 min ends 15 min later on the replay's clock (15 s of wall time), not on the wall clock.
        bus.call('Snooze', '(u)', 900)
        until = bus.get('SnoozedUntil')
        assert abs(until - (clock_now(bus) + 900e6)) <= batch, (until - clock_now(bus)) / 1e6
        bus.wait(lambda: bus.get('SnoozedUntil') == 0, 30 * 60 / speed + 10, 'the snooze to end')
        assert clock_now(bus) >= until - batch, (clock_now(bus) - until) / 1e6


def case_replay_quiet_hours_on_replay_clock():
    """Quiet hours are on the replay's clock: at 60x the sitting alert, 35 min into the recording, falls into quiet
    hours from 15 to 55 min after the replay's start, though the wall clock stays before them throughout."""
    bus = Bus()
    start = time.time()
    quiet = {'start': time.strftime('%H:%M', time.localtime(start + 15 * 60)),
             'end': time.strftime('%H:%M', time.localtime(start + 55 * 60))}
    with Daemon(bus, '--replay', REC, '--speed', '60', '--calibrate-first', '5',
                config=json.dumps({'quiet_hours': quiet})):
        speed = bus.get('ClockSpeed')
        # The first bout ends with a break 37 min in: no alert came during it.
        bus.wait(lambda: bus.signals_named('BreakTaken'), 40 * 60 / speed + 10, 'the break')
        assert not [a for a in bus.signals_named('Alert') if a[0] == 'sitting'], bus.signals_named('Alert')
        assert time.time() - start < 15 * 60, 'the wall clock reached the quiet hours'
        day = bus.call('GetDay', '(s)', '')[0]
        assert day['alerts'] == 0, day


def case_sitting_heads_up():
    """With sitting.heads_up_minutes, a "sitting-soon" Alert at level 0 comes that long before the bout's first
    sitting alert, once; it is not counted in the day's alerts."""
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '120', '--calibrate-first', '5',
                config=json.dumps({'sitting': {'alert_minutes': 20, 'heads_up_minutes': 5}})):
        bus.wait(lambda: [a for a in bus.signals_named('Alert') if a[0] == 'sitting'], 40 * 60 / 120 + 10,
                 'the sitting alert')
        alerts = [a for a in bus.signals_named('Alert') if a[0] in ('sitting', 'sitting-soon')]
        assert [(a[0], a[2]) for a in alerts[:2]] == [('sitting-soon', 0), ('sitting', 1)], alerts
        assert 'a sitting alert comes in 5 min' in alerts[0][1], alerts[0][1]
        assert alerts[0][1].startswith('You have been sitting for 15 min'), alerts[0][1]
        assert bus.call('GetDay', '(s)', '')[0]['alerts'] == 1


def case_replay_clock_unpaced():
    """A replay at full speed has no speed to compute its clock with: ClockSpeed is 0 and ClockAnchor stands at the
    newest sample; at the end, at the last one, on a clock that started when the replay did."""
    bus = Bus()
    before = now_us()
    with Daemon(bus, '--replay', REC, '--speed', '0', '--calibrate-first', '5'):
        assert bus.get('ClockSpeed') == 0
        bus.wait(lambda: bus.get('SensorState') == 'ended', 60, 'the end of the recording')
        props = bus.get_all()
        assert props['ClockSpeed'] == 0 and 0 < props['LastBreak'] <= props['ClockAnchor'], props
        # The recording lasts 56 min 36 s: its clock stopped that long after the replay started.
        with open(REC) as f:
            lines = f.read().split('\n')
        length = float(lines[-2].split(',')[0]) - float(lines[1].split(',')[0])
        elapsed = (props['ClockAnchor'] - before) / 1e6
        assert length <= elapsed <= length + (now_us() - before) / 1e6, (elapsed, length)


def case_replay_end():
    """At the end of a recording SensorState is 'ended' and the clock stops at the last sample."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        short = synth('--scenario', 'test', '--rate', '50', '--duration', '20', path=os.path.join(tmp, 's.csv'))
        with open(short) as f:
            times = [float(line.split(',')[0]) for line in f.read().split('\n')[1:] if line]
        length = times[-1] - times[0]
        with Daemon(bus, '--replay', short, '--speed', '10') as d:
            props = bus.get_all()
            origin, speed = props['ClockAnchor'], props['ClockSpeed']
            assert speed > 1 and props['SensorState'] == 'replay', props
            # Announced, not only readable.
            bus.wait(lambda: 'ended' in bus.changes_of('SensorState'), length / speed + 10,
                     'the end of the recording')
            props = bus.get_all()
            assert props['ClockSpeed'] == 0, props
            assert abs(props['ClockAnchor'] - (origin + length * 1e6)) <= 1000, \
                (props['ClockAnchor'] - origin) / 1e6
            assert props['SensorError'] == '', props
            assert 'absent' not in bus.changes_of('SensorState'), bus.changes_of('SensorState')
            end = time.strftime('%H:%M:%S', time.localtime(props['ClockAnchor'] / 1e6))
            bus.pump(0.5)
            assert f'The recording ended at {end}' in d.read_log(), d.read_log()


def case_bad_recording_reported():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, 'bad.csv')
        with open(bad, 'w') as f:
            f.write('t,ax,ay,az\n0,0,0,9.8\n0.01,0,0,9.8\n0.02,zero,0,9.8\n')
        d = Daemon(bus, '--replay', bad, '--speed', '0', '--exit-on-end', wait_ready=False).start()
        assert d.wait_exit(20) == 1, d.read_log()
        assert 'bad.csv:4' in d.read_log(), d.read_log()
        # Without --exit-on-end it stays on the bus and says what is wrong, where: file, line and reason.
        with Daemon(bus, '--replay', bad, '--speed', '1') as d:
            bus.wait(lambda: bus.get('SensorState') == 'error', 10, 'the malformed line')
            error = bus.get('SensorError')
            assert error == f"{bad}:4: column ax: 'zero' is not a number", error
            assert bus.get('ClockSpeed') == 0
            assert f"The recording is malformed: {bad}:4: column ax: 'zero' is not a number" in d.read_log(), \
                d.read_log()


def case_replay_units():
    """A recording in g, deg/s and ms is refused, naming the columns and the units they look like; with --units
    it is converted and played at its real rate."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        si = synth('--scenario', 'test', '--rate', '50', '--duration', '60', path=os.path.join(tmp, 'si.csv'))
        other = os.path.join(tmp, 'other.csv')
        with open(si) as f, open(other, 'w') as out:
            out.write(f.readline())
            for line in f:
                v = [float(x) for x in line.split(',')]
                out.write(','.join(['%.3f' % (v[0] * 1000)] + ['%.7f' % (x / 9.80665) for x in v[1:4]] +
                                   ['%.6f' % (x * 57.29577951308232) for x in v[4:7]]) + '\n')
        d = Daemon(bus, '--replay', other, '--speed', '0', '--exit-on-end', wait_ready=False).start()
        assert d.wait_exit(20) == 1, d.read_log()
        log = d.read_log()
        for words in (f'Cannot replay: {other}: column t looks like milliseconds',
                      'columns ax, ay, az look like g', 'columns gx, gy, gz look like degrees per second',
                      '(give --units ms,g,deg/s to convert)'):
            assert words in log, (words, log)
        with Daemon(bus, '--replay', other, '--units', 'g,deg/s,ms', '--speed', '1'):
            assert bus.get('SensorState') == 'replay'
            bus.wait(lambda: abs(bus.get('SampleRate') - 50) < 1, 10, 'SampleRate near 50 Hz')
        p = run_psoasd(['--user', '--replay', other, '--units', 'kg'], capture_output=True, text=True, timeout=20)
        assert p.returncode == 1 and "--units 'kg': unknown unit 'kg'" in p.stderr, p.stderr


def case_sigterm_saves_and_notifies():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, 'state')
        with Daemon(bus, '--replay', REC, '--speed', '50', '--calibrate-first', '5', state_dir=state) as d:
            bus.wait(lambda: bus.get('Posture') == 'sitting', 30, 'sitting')
            code = d.stop(signal.SIGTERM)
            assert code == 0, code
            assert not bus.has_owner()
        with open(os.path.join(state, 'current.json')) as f:
            assert json.load(f)['in_bout'] is True


def case_name_taken():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        p = run_psoasd(['--user', '--replay', REC], capture_output=True, text=True, timeout=20)
        assert p.returncode == 1 and 'already owns' in p.stderr, (p.returncode, p.stderr)


# --------------------------------------------------------------------------------------------------------------
# sd_notify, configuration, access


def case_sd_notify():
    import socket
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'notify')
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        messages = []

        def receive_until(pred, what):
            end = time.monotonic() + 10
            while time.monotonic() < end:
                text = sock.recv(4096).decode()
                messages.append((text, bus.has_owner()))
                if pred(text):
                    return
            raise AssertionError(f'no {what} in {messages}')

        d = Daemon(bus, '--replay', REC, '--speed', '1', '--calibrate-first', '5', wait_ready=False,
                   env={'NOTIFY_SOCKET': path, 'WATCHDOG_USEC': '400000'}).start()
        receive_until(lambda t: 'READY=1' in t.split('\n'), 'READY=1')
        assert messages[-1][1], 'READY=1 before the bus name was owned'
        receive_until(lambda t: t.startswith('STATUS=') and 'replay of' in t, 'a STATUS= naming the replay')
        start = time.monotonic()
        count = 0
        while time.monotonic() - start < 1.0:
            if 'WATCHDOG=1' in sock.recv(4096).decode().split('\n'):
                count += 1
        assert count >= 3, f'{count} WATCHDOG=1 in 1 s with WatchdogSec=0.4 s'
        d.proc.send_signal(signal.SIGTERM)
        receive_until(lambda t: 'STOPPING=1' in t.split('\n'), 'STOPPING=1')
        assert d.wait_exit() == 0
        statuses = [t for t, _ in messages if t.startswith('STATUS=')]
        assert all('\x1b' not in t for t in statuses), statuses
        d.tmp.cleanup()


def case_sd_notify_replay_end_and_failure():
    """STATUS= says when a recording ended (on the replay's clock) and, for a malformed one, file, line and why."""
    import socket
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'notify')
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(scaled(15))

        def status_until(pred):
            seen = []
            while True:
                text = sock.recv(4096).decode()
                seen += [line[7:] for line in text.split('\n') if line.startswith('STATUS=')]
                if seen and pred(seen[-1]):
                    return seen[-1]

        short = synth('--scenario', 'test', '--rate', '50', '--duration', '10', path=os.path.join(tmp, 's.csv'))
        with Daemon(bus, '--replay', short, '--speed', '10', env={'NOTIFY_SOCKET': path}):
            status = status_until(lambda t: t.startswith('The recording ended at '))
            end = time.strftime('%H:%M:%S', time.localtime(bus.get('ClockAnchor') / 1e6))
            # At 10x, or slower under valgrind (the harness scales --speed).
            assert status.startswith(f'The recording ended at {end} (replay of {short} at '), (status, end)
        bad = os.path.join(tmp, 'bad.csv')
        with open(bad, 'w') as f:
            f.write('t,ax,ay,az\n0,0,0,9.8\n0.01,0,0,9.8\n0.02,zero,0,9.8\n')
        with Daemon(bus, '--replay', bad, '--speed', '1', env={'NOTIFY_SOCKET': path}):
            status = status_until(lambda t: t.startswith('Replay failed'))
            assert status == f"Replay failed: {bad}:4: column ax: 'zero' is not a number", status


BAD_CONFIGS = (
    ('{"sitting": {"alert_minutes": 0}}', 'sitting.alert_minutes'),
    ('{"sensor": {"ratehz": 100}}', 'sensor.ratehz'),
    ('{"tilt": {"alert_degrees": "ten"}}', 'tilt.alert_degrees'),
    ('{"quiet_hours": {"start": "25:00", "end": "07:00"}}', 'quiet_hours.start'),
    ('{"sitting": {', ':1:'),
    ('[]', 'object'),
)


def case_bad_config_stops_startup():
    bus = Bus()
    for text, words in BAD_CONFIGS:
        d = Daemon(bus, '--replay', REC, config=text, wait_ready=False).start()
        code = d.wait_exit(20)
        log = d.read_log()
        assert code == 78, (text, code, log)
        assert 'psoasd.json' in log and words in log, (text, log)
        assert not bus.has_owner()
        d.tmp.cleanup()
    # An explicit --config that does not exist is an error too; the default path may be missing.
    p = run_psoasd(['--user', '--config', '/nonexistent/psoasd.json', '--replay', REC], capture_output=True,
                   text=True, timeout=20)
    assert p.returncode == 78 and '/nonexistent/psoasd.json' in p.stderr, (p.returncode, p.stderr)


def case_reload_config():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '100', '--calibrate-first', '5',
                config='{"sitting": {"alert_minutes": 30}}') as d:
        config = os.path.join(d.tmp.name, 'psoasd.json')
        # A bad file on SIGHUP is refused and the running settings stay.
        with open(config, 'w') as f:
            f.write('{"sitting": {"alert_minutes": -5}}')
        d.proc.send_signal(signal.SIGHUP)
        bus.wait(lambda: 'Keeping the previous configuration' in d.read_log(), 5, 'the bad reload refused')
        assert 'sitting.alert_minutes' in d.read_log()
        assert d.proc.poll() is None
        # A good one takes effect: the first alert now comes after 5 min of sitting.
        with open(config, 'w') as f:
            f.write('{"sitting": {"alert_minutes": 5}}')
        d.proc.send_signal(signal.SIGHUP)
        bus.wait(lambda: d.read_log().count('Reloading') == 2, 5, 'the second reload')
        assert bus.get('Posture') != 'sitting', 'the reload came too late for this test'
        bus.wait(lambda: bus.signals_named('Alert'), 30, 'a sitting alert')
        kind, message, level = bus.signals_named('Alert')[0]
        assert kind == 'sitting' and 'for 5 min' in message, message


SYSTEM_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


CALL_AS = r'''
import sys, gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib
address, method, signature, *args = sys.argv[1:]
conn = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
values = tuple(int(a) if t == 'u' else a for t, a in zip(signature, args))
try:
    conn.call_sync('org.psoas.Posture1', '/org/psoas/Posture1', 'org.psoas.Posture1', method,
                   GLib.Variant('(' + signature + ')', values) if signature else None, None, 0, 10000, None)
except GLib.Error as e:
    sys.exit(f'{Gio.DBusError.get_remote_error(e)}: {e.message}')
'''


def case_system_bus_access_checked_by_daemon():
    """On the system bus psoasd itself refuses state changes from callers outside root and its group, even on
    a bus whose policy lets everything through (the shipped policy is tested in tests/system)."""
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        socket_path = os.path.join(tmp, 'system_bus_socket')
        conf = os.path.join(tmp, 'system.conf')
        with open(conf, 'w') as f:
            f.write(SYSTEM_BUS_CONFIG % socket_path)
        daemon_bus = subprocess.Popen(['dbus-daemon', '--config-file', conf, '--nofork', '--nopidfile'],
                                      stderr=subprocess.DEVNULL)
        try:
            address = 'unix:path=' + socket_path
            end = time.monotonic() + 10
            while not os.path.exists(socket_path) and time.monotonic() < end:
                time.sleep(0.02)
            bus = Bus(address=address)
            with Daemon(bus, '--replay', REC, '--speed', '1', user=False,
                        config='{"access": {"group": "users"}}',
                        env={'DBUS_SYSTEM_BUS_ADDRESS': address}):
                def busctl(method, signature=None, *args, groups=None):
                    """Calls as user nobody; prints the D-Bus error name and message on failure."""
                    cmd = ['setpriv', '--reuid=65534', '--regid=65534']
                    cmd += [f'--groups={groups}'] if groups else ['--clear-groups']
                    cmd += ['/usr/bin/python3', '-c', CALL_AS, address, method, signature or '', *args]
                    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)

                for args in (('Snooze', 'u', '60'), ('Inhibit', 'ss', 'x', 'y'), ('Calibrate',),
                             ('CalibrateSitting',), ('ClaimLive',), ('CompleteStretch', 's', 'kneeling-hip-flexor')):
                    p = busctl(*args)
                    assert p.returncode != 0 and 'org.freedesktop.DBus.Error.AccessDenied' in p.stderr, \
                        (args, p.stderr)
                    assert "Only root and members of group 'users'" in p.stderr, (args, p.stderr)
                for args in (('ListStretches',), ('GetDay', 's', '')):
                    p = busctl(*args)
                    assert p.returncode == 0, (args, p.stderr)
                # A member of the access group (users, gid 100) may.
                p = busctl('Snooze', 'u', '60', groups='100')
                assert p.returncode == 0, p.stderr
                # Root may.
                bus.call('Snooze', '(u)', 0)
                assert bus.get('SnoozedUntil') == 0
        finally:
            daemon_bus.kill()
            daemon_bus.wait()


def case_journal_fields():
    """Under journald (JOURNAL_STREAM names stderr), records go to the journal socket with PRIORITY= and
    MESSAGE_ID=. The test stands in for journald in a private mount namespace, on a tmpfs over
    /run/systemd/journal, so the machine's own journal is never touched."""
    os.makedirs('/run/systemd/journal', exist_ok=True)
    p = subprocess.run(['unshare', '--mount', '--propagation', 'private', '/usr/bin/python3', __file__,
                        'journal-inner'], capture_output=True, text=True, timeout=scaled(60))
    assert p.returncode == 0, p.stdout + p.stderr


def journal_inner():
    import socket
    subprocess.run(['mount', '-t', 'tmpfs', 'tmpfs', '/run/systemd/journal'], check=True)
    journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journal.bind('/run/systemd/journal/socket')
    journal.settimeout(scaled(10))

    def fields(datagram):
        out = {}
        for line in datagram.decode(errors='replace').split('\n'):
            if '=' in line:
                k, v = line.split('=', 1)
                out[k] = v
        return out

    def run_until(args, message_id, config=None):
        with tempfile.TemporaryDirectory() as tmp:
            err_path = os.path.join(tmp, 'stderr')
            with open(err_path, 'w') as err:
                st = os.fstat(err.fileno())
                env = dict(os.environ, JOURNAL_STREAM=f'{st.st_dev}:{st.st_ino}',
                           XDG_CONFIG_HOME=os.path.join(tmp, 'config'))
                cmd = psoasd_command(tmp) + ['--user', '--state-directory', os.path.join(tmp, 'state')]
                if config:
                    with open(os.path.join(tmp, 'psoasd.json'), 'w') as f:
                        f.write(config)
                    cmd += ['--config', os.path.join(tmp, 'psoasd.json')]
                proc = subprocess.Popen(cmd + args, stderr=err, env=env)
                try:
                    seen = []
                    while True:
                        record = fields(journal.recv(65536))
                        seen.append(record)
                        if record.get('MESSAGE_ID') == message_id:
                            return record
                except socket.timeout:
                    raise AssertionError(f'no MESSAGE_ID={message_id} in {seen}') from None
                finally:
                    proc.kill()
                    proc.wait()
                    with open(err_path) as f:
                        assert f.read() == '', 'records under journald must not go to stderr'

    rejected = run_until(['--replay', REC], '5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b03', config='{"tilt": {"x": 1}}')
    assert rejected['PRIORITY'] == '3' and 'tilt.x' in rejected['MESSAGE'], rejected
    assert rejected['SYSLOG_IDENTIFIER'] == 'psoasd', rejected
    assert rejected['CODE_FILE'].endswith('manager-config.c'), rejected
    lost = run_until(['--sensor', 'local:'], '5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b01')
    assert lost['PRIORITY'] == '4' and 'No sensor' in lost['MESSAGE'], lost



# ---------------------------------------------------------------------------------------------------------------
# Stretches: the catalog in full, and what the sensor confirms (tests/bus/stretch_scene.py acts them out)

def case_stretch_catalog():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1'):
        assert bus.get('Revision') == 4
        flags = bus.get('StretchRedFlags')
        for words in ('warm up', 'sharp pain', 'Numbness, tingling or weakness in a leg', 'immediate care',
                      'no substitute for a diagnosis'):
            assert words in flags, (words, flags)

        full, = bus.call('GetStretches')
        old, = bus.call('ListStretches')
        assert [s['id'] for s in full] == [s[0] for s in old] and len(full) == 12, (full, old)
        by_id = {s['id']: s for s in full}
        for s, (sid, title, muscles, instructions, hold, reps) in zip(full, old):
            # Revision 1's method is unchanged: the upper end of the range.
            assert (title, muscles, instructions, hold, reps) == (
                s['title'], s['muscles'], s['instructions'], s['hold_max_seconds'], s['repetitions_max']), s
            assert len(s['safety']) > 20 and 'top' in s['safety'], s
            assert s['verifiable'] == (s['check'] != 'none'), s
            assert s['places'] in (['desk'], ['floor']), s
        # Per side exactly where the catalog says so.
        assert by_id['plank']['per_side'] is False and by_id['glute-bridge']['per_side'] is False
        assert by_id['clamshell']['per_side'] is True and by_id['bird-dog']['per_side'] is True
        # The real ranges.
        for sid in ('standing-hip-flexor', 'kneeling-hip-flexor', 'couch-stretch', 'plank', 'hamstring'):
            assert (by_id[sid]['hold_min_seconds'], by_id[sid]['hold_max_seconds']) == (20, 30), by_id[sid]
        for sid in ('glute-bridge', 'clamshell', 'bird-dog'):
            assert (by_id[sid]['repetitions_min'], by_id[sid]['repetitions_max']) == (10, 12), by_id[sid]
        assert by_id['self-massage']['verifiable'] is False
        assert (by_id['self-massage']['hold_min_seconds'], by_id['self-massage']['hold_max_seconds']) == (30, 60)
        assert by_id['walking-break']['check'] == 'walking'


SIGNATURE_STRETCHES = ['standing-hip-flexor', 'standing-quad', 'hamstring', 'walking-break', 'piriformis',
                       'kneeling-hip-flexor', 'couch-stretch', 'glute-bridge', 'clamshell', 'bird-dog', 'plank']


def act_out(bus, stretch_id, variant, window=None, pad=0):
    """Replays the stretch acted out at full speed; returns the daemon's signals about it and the day."""
    with tempfile.TemporaryDirectory(prefix='psoas-stretch-') as tmp:
        rec, config, entry = stretch_scene(stretch_id, variant, tmp, pad=pad, window=window)
        bus.signals.clear()
        with Daemon(bus, '--replay', rec, '--speed', '0', *CALIBRATE, config=config):
            bus.wait(lambda: bus.signals_named('StretchPrompt'), 30, f'the prompt for {stretch_id}')
            # Verified or missed, or else the whole recording played (to its end: "ended").
            bus.wait(lambda: bus.signals_named('StretchVerified') or bus.signals_named('StretchMissed')
                     or bus.get('SensorState') == 'ended', 60,
                     f'{stretch_id} ({variant}) to be verified or missed')
            bus.pump(0.2)
            day = bus.call('GetDay', '(s)', '')[0]
            return {m: bus.signals_named(m) for m in ('StretchPrompt', 'StretchProgress', 'StretchVerified',
                                                      'StretchMissed')}, day, entry


def case_stretches_done_right_verified():
    bus = Bus()
    for sid in SIGNATURE_STRETCHES:
        got, day, entry = act_out(bus, sid, 'right')
        print(sid, len(got['StretchProgress']), 'progress signals', file=sys.stderr)
        assert got['StretchVerified'] == [(sid,)], (sid, got)
        assert not got['StretchMissed'], (sid, got)
        assert day['stretches_verified'] == 1 and day['stretches_self_reported'] == 0, (sid, day)
        progress = got['StretchProgress']
        assert progress and all(p[0] == sid for p in progress), (sid, progress)
        sides = {p[1] for p in progress}
        assert sides == ({1, 2} if entry['per_side'] else {0}), (sid, sides)
        if 'reps' in entry:
            goal = entry['reps'][0]
            assert all(p[2] == 0 and p[4] == goal for p in progress), progress
            # Counted one by one, exactly: the last comes with StretchVerified.
            assert [p[3] for p in progress if p[1] in (0, 1)][:goal - 1] == list(range(1, goal)), progress
        else:
            goal = entry['hold_seconds'][0]
            assert all(p[3] == 0 and p[4] == goal for p in progress), progress
            assert max(p[2] for p in progress) >= goal - 1, progress


def not_verified(variant, expect_seen):
    bus = Bus()
    for sid in SIGNATURE_STRETCHES:
        if sid == 'walking-break' and variant in ('walking', 'arched'):
            continue  # walking is its signature
        # A window of 2 min after the prompt, and the recording long enough to end it.
        got, day, _ = act_out(bus, sid, variant, window=120, pad=120)
        assert not got['StretchVerified'], (sid, variant, got)
        assert day['stretches_verified'] == 0, (sid, day)
        assert len(got['StretchMissed']) == 1, (sid, variant, got)
        mid, seen, message = got['StretchMissed'][0]
        assert mid == sid and message, got
        print(sid, variant, seen, message, file=sys.stderr)
        if expect_seen:
            assert expect_seen in seen, (sid, variant, seen)
            if expect_seen == 'stood-up':
                assert 'You stood up, which is a break' in message, message


def case_stretches_standing_not_verified():
    not_verified('standing', 'stood-up')


def case_stretches_sitting_not_verified():
    not_verified('sitting', 'stood-up')


def case_stretches_walking_not_verified():
    not_verified('walking', 'stood-up')


def case_stretches_arched_not_verified():
    not_verified('arched', None)


def case_stretch_without_signature_self_reported():
    bus = Bus()
    got, day, _ = act_out(bus, 'self-massage', 'standing', window=60, pad=0)
    assert not got['StretchVerified'], got
    (sid, seen, message), = got['StretchMissed']
    assert sid == 'self-massage' and 'no-signature' in seen, got
    assert 'cannot see' in message and 'self-reported' in message, message
    _, _, _, _, _, safety, details = got['StretchPrompt'][0]
    assert details['verifiable'] is False and safety == catalog_entry('self-massage')['safety'], details

if __name__ == '__main__':
    if sys.argv[1:] == ['journal-inner']:
        journal_inner()
        sys.exit(0)
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
