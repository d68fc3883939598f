# SPDX-License-Identifier: LGPL-2.1-or-later
"""psoas-notify against a real notification server (dunst under Xvfb) and the real psoasd replaying recordings
of psoas-synth's "daemon" scenario, all on the private session bus of dbus-run-session. A few cases use a fake
psoasd (FakeDaemon) to send signals the real one would hold back, to test psoas-notify's own checks.

One meson test per case: dbus-run-session -- python3 test-notify.py CASE.

The scenario, in recorded minutes: standing still until 5, sitting from 5.1; at 35.1 the sitting Alert (level 1,
"You have been sitting for 30 min") and a StretchPrompt for standing-hip-flexor (the first stretch by the desk),
which the sensor never verifies: the wearer only stands up and walks; BreakTaken at 37.1; at 43.1 a tilt Alert
and a StretchPrompt for standing-quad. The stretches' own cases replay a stretch acted out instead
(tests/bus/stretch_scene.py).
"""

import os
import signal
import stat
import subprocess
import tempfile
import time

from notify_test import Desktop, Notifier, name_owner, spawn, stop  # noqa: E402
from psoasd_test import Bus, Daemon, main, synth  # noqa: E402
from stretch_scene import catalog_entry, stretch_scene  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402

SYNTH = ('--scenario', 'daemon', '--rate', '100', '--seed', '3', '--mount', 'random')
# Calibrating on the first seconds of the still stand is what gives posture (and so alerts) at all.
CALIBRATE = ('--calibrate-first', '5')

SITTING_SUMMARY = 'Time to stand up'
TILT_SUMMARY = 'Mind your pelvic tilt'
# Each level says something new (level 1's summary is the one above).
SITTING_LEVELS = [SITTING_SUMMARY, 'Still sitting: stand up now', 'Sitting too long: take a real break']
TILT_LEVELS = [TILT_SUMMARY, 'Pelvic tilt still high', 'Tilted for a long while']
STRETCH_ACTIONS = ['Done', 'How?', 'Skip']
PROMPTED = 'Standing hip-flexor stretch'
KNEELING = 'Kneeling hip-flexor stretch'

# The first sitting alert after 1 min of a bout, then one every minute: levels 1, 2, 3 within 3 min.
FAST_ALERTS = '{"sitting": {"alert_minutes": 1, "repeat_minutes": 1}}'


def now_us():
    return int(time.time() * 1e6)


class Recordings:
    """psoas-synth recordings of the daemon scenario: whole, or cut after some seconds (so that psoasd's state
    stays as it was then: the replay ends, nothing more happens)."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='psoas-notify-rec-')

    def get(self, duration=None):
        path = os.path.join(self.tmp.name, f'rec-{duration or "all"}.csv')
        if not os.path.exists(path):
            synth(*SYNTH, *(('--duration', str(duration)) if duration else ()), path=path)
        return path


REC = Recordings()
# Recordings cut after: the sitting alert and the stretch prompt (35.5 min); the break (38 min).
UNTIL_ALERT = 2130
UNTIL_BREAK = 2280


def history_by_summary(desk):
    return {h['summary']: h for h in desk.history()}


def entries(menu, summary):
    """The action labels a context menu offered for the notification with this summary."""
    suffix = f' ({summary}) ['
    return sorted(line[1:line.index(suffix)] for line in menu if suffix in line)


def peek(desk):
    """The context menu of what is displayed now, without choosing anything."""
    return desk.choose('\x01nothing matches this\x01')


def wait_for_signal(bus, member, timeout, predicate=lambda args: True):
    bus.wait(lambda: any(predicate(a) for a in bus.signals_named(member)), timeout, f'the {member} signal')


class Paused:
    """SIGSTOP on psoasd for the length of a with block: the replay holds still while the test looks."""

    def __init__(self, daemon):
        self.daemon = daemon

    def __enter__(self):
        self.daemon.proc.send_signal(signal.SIGSTOP)
        return self

    def __exit__(self, *exc):
        self.daemon.proc.send_signal(signal.SIGCONT)
        return False


class FakeDaemon:
    """A stand-in for psoasd on the session bus: org.psoas.Posture1 from the shipped XML, properties the test
    sets, signals the test emits (even ones the real daemon would hold back), method calls recorded."""

    def __init__(self, bus, fail=None, **props):
        self.bus = bus
        self.calls = []
        # Methods answered with an error: {name: (error name, message)}.
        self.fail = fail or {}
        self.props = {'Posture': 'sitting', 'Tilt': 0.0, 'Inclination': 0.0, 'Calibrated': True,
                      'SittingSince': now_us(), 'SittingToday': 0, 'LastBreak': 0, 'SensorState': 'replay',
                      'Sensor': 'fake', 'SampleRate': 100.0, 'SnoozedUntil': 0, 'Inhibited': False,
                      'Version': '0.0.0', 'Haptics': 'absent', 'SensorError': '', 'ClockAnchor': 0,
                      'ClockAnchorWall': 0, 'ClockSpeed': 1.0}
        self.props.update(props)
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        with open(os.environ['PSOAS_XML']) as f:
            self.iface = Gio.DBusNodeInfo.new_for_xml(f.read()).lookup_interface('org.psoas.Posture1')
        self.types = {p.name: p.signature for p in self.iface.properties}
        self.conn.register_object('/org/psoas/Posture1', self.iface, self._method, self._get, None)
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                            GLib.Variant('(su)', ('org.psoas.Posture1', 4)), None, 0, 5000, None)

    def _method(self, conn, sender, path, iface, method, params, invocation):
        self.calls.append((method, params.unpack()))
        if method in self.fail:
            invocation.return_dbus_error(*self.fail[method])
        elif method == 'Calibrate':
            invocation.return_value(GLib.Variant('(d)', (12.5,)))
        else:
            invocation.return_value(None)

    def _get(self, conn, sender, path, iface, name):
        return GLib.Variant(self.types[name], self.props[name])

    def set(self, name, value):
        self.props[name] = value
        self.conn.emit_signal(None, '/org/psoas/Posture1', 'org.freedesktop.DBus.Properties', 'PropertiesChanged',
                              GLib.Variant('(sa{sv}as)', ('org.psoas.Posture1',
                                                          {name: GLib.Variant(self.types[name], value)}, [])))

    def alert(self, kind, message, level=1):
        self.emit('Alert', '(ssu)', kind, message, level)

    def prompt(self, sid='couch-stretch', title='Couch stretch', instructions='Kneel with your back foot up.',
               hold=30, reps=0):
        self.emit('StretchPrompt', '(sssuu)', sid, title, instructions, hold, reps)

    def emit(self, member, signature, *args):
        self.conn.emit_signal(None, '/org/psoas/Posture1', 'org.psoas.Posture1', member,
                              GLib.Variant(signature, args))
        self.conn.flush_sync(None)

    def close(self):
        self.conn.close_sync(None)


NOTIFICATIONS_XML = '''<node><interface name="org.freedesktop.Notifications">
<method name="GetCapabilities"><arg type="as" direction="out"/></method>
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
<arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method>
<method name="CloseNotification"><arg type="u" direction="in"/></method>
<method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/>
<arg type="s" direction="out"/><arg type="s" direction="out"/></method>
<signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
<signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
</interface></node>'''


class FakeNotificationServer:
    """A notification server that shows nothing and records every Notify call as a dict (app, replaces_id, icon,
    summary, body, actions, hints, timeout), with the capabilities the test gives it: to read what dunst does
    not keep (the icon, the hints)."""

    def __init__(self, bus, capabilities=('body', 'actions')):
        self.capabilities = list(capabilities)
        self.notes = []
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        iface = Gio.DBusNodeInfo.new_for_xml(NOTIFICATIONS_XML).lookup_interface('org.freedesktop.Notifications')
        self.conn.register_object('/org/freedesktop/Notifications', iface, self._method, None, None)
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                            GLib.Variant('(su)', ('org.freedesktop.Notifications', 4)), None, 0, 5000, None)

    def _method(self, conn, sender, path, iface, method, params, invocation):
        if method == 'GetCapabilities':
            invocation.return_value(GLib.Variant('(as)', (self.capabilities,)))
        elif method == 'Notify':
            app, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
            self.notes.append(dict(app=app, replaces_id=replaces, icon=icon, summary=summary, body=body,
                                   actions=actions, hints=hints, timeout=timeout))
            invocation.return_value(GLib.Variant('(u)', (replaces or len(self.notes),)))
        elif method == 'GetServerInformation':
            invocation.return_value(GLib.Variant('(ssss)', ('fake', 'psoas tests', '1', '1.2')))
        else:
            invocation.return_value(None)

    def wait(self, bus, count, timeout=10):
        bus.wait(lambda: len(self.notes) >= count, timeout, f'{count} Notify call(s)')
        return self.notes[count - 1]

    def close(self):
        self.conn.close_sync(None)


INHIBITORS_XML = '''<node>
<interface name="org.gnome.SessionManager">
<method name="Inhibit"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="u" direction="in"/><arg type="u" direction="out"/></method>
<method name="Uninhibit"><arg type="u" direction="in"/></method>
<method name="IsInhibited"><arg type="u" direction="in"/><arg type="b" direction="out"/></method>
<signal name="InhibitorAdded"><arg type="o"/></signal>
<signal name="InhibitorRemoved"><arg type="o"/></signal>
</interface>
<interface name="org.freedesktop.PowerManagement.Inhibit">
<method name="Inhibit"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="u" direction="out"/></method>
<method name="UnInhibit"><arg type="u" direction="in"/></method>
<method name="HasInhibit"><arg type="b" direction="out"/></method>
<signal name="HasInhibitChanged"><arg type="b"/></signal>
</interface>
</node>'''


class FakeInhibitors:
    """The desktop's register of inhibitors, as GNOME's session manager (org.gnome.SessionManager: Inhibit with
    flags, IsInhibited, InhibitorAdded/Removed) or KDE's and Xfce's power management
    (org.freedesktop.PowerManagement.Inhibit: HasInhibit, HasInhibitChanged), on a connection of its own; and
    the applications that hold inhibitors in it (a call, a download), through inhibit() and uninhibit()."""

    GNOME = ('org.gnome.SessionManager', '/org/gnome/SessionManager', 'org.gnome.SessionManager')
    KDE = ('org.freedesktop.PowerManagement', '/org/freedesktop/PowerManagement/Inhibit',
           'org.freedesktop.PowerManagement.Inhibit')

    def __init__(self, desktop=GNOME):
        self.name, self.path, self.interface = desktop
        self.held = {}  # cookie: flags
        self.next_cookie = 1
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        iface = Gio.DBusNodeInfo.new_for_xml(INHIBITORS_XML).lookup_interface(self.interface)
        self.conn.register_object(self.path, iface, self._method, None, None)
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                            GLib.Variant('(su)', (self.name, 4)), None, 0, 5000, None)

    def idle_inhibited(self):
        return any(flags & 8 for flags in self.held.values())

    def _method(self, conn, sender, path, iface, method, params, invocation):
        if method == 'IsInhibited':
            invocation.return_value(GLib.Variant('(b)', (any(f & params.unpack()[0] for f in self.held.values()),)))
        elif method == 'HasInhibit':
            invocation.return_value(GLib.Variant('(b)', (self.idle_inhibited(),)))
        else:
            invocation.return_dbus_error('org.freedesktop.DBus.Error.NotSupported', 'the test holds inhibitors')

    def inhibit(self, flags=8):
        """An application inhibits: flags as gnome-session's (8 idle, 4 suspend); KDE's has only idle."""
        cookie = self.next_cookie
        self.next_cookie += 1
        before = self.idle_inhibited()
        self.held[cookie] = flags
        self._changed(before, 'InhibitorAdded', cookie)
        return cookie

    def uninhibit(self, cookie):
        before = self.idle_inhibited()
        del self.held[cookie]
        self._changed(before, 'InhibitorRemoved', cookie)

    def _changed(self, before, gnome_signal, cookie):
        if self.interface == self.GNOME[2]:
            self.conn.emit_signal(None, self.path, self.interface, gnome_signal,
                                  GLib.Variant('(o)', (f'/org/gnome/SessionManager/Inhibitor{cookie}',)))
        elif before != self.idle_inhibited():
            self.conn.emit_signal(None, self.path, self.interface, 'HasInhibitChanged',
                                  GLib.Variant('(b)', (self.idle_inhibited(),)))
        self.conn.flush_sync(None)

    def close(self):
        self.conn.close_sync(None)


HELD_SUMMARY = 'While you were busy'


def held_summaries(desk):
    desk.close_all()
    return [h['body'].split('\n') for h in desk.history() if h['summary'] == HELD_SUMMARY]


def icon_installed(name):
    """Whether psoas ships the icon name in the hicolor theme (data/icons)."""
    return any(os.path.exists(os.path.join(os.environ['PSOAS_ICONS'], 'hicolor', 'scalable', folder, name + '.svg'))
               for folder in ('apps', 'status'))


# --------------------------------------------------------------------------------------------------------------
# What is shown


def case_sitting_alert_and_stretch_prompt_shown():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus) as notifier, \
            Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
        desk.wait_displayed(2)
        menu = peek(desk)
        assert entries(menu, SITTING_SUMMARY) == ["I'm up", 'Snooze 15 min'], menu
        assert entries(menu, f'Stretch: {PROMPTED}') == STRETCH_ACTIONS, menu

        stretches = {s['id']: s for s in bus.call('GetStretches')[0]}
        desk.close_all()
        shown = history_by_summary(desk)
        sitting = shown[SITTING_SUMMARY]
        assert sitting['appname'] == 'psoas', sitting
        assert sitting['body'] == 'You have been sitting for 30 min.\nStand up and move about for a minute or two.', \
            sitting
        # Level 1: normal urgency (the test's dunstrc puts the urgency in front of the message).
        assert sitting['message'].startswith('normal|'), sitting
        stretch = shown[f'Stretch: {PROMPTED}']
        s = stretches['standing-hip-flexor']
        # The first step and the range, per side as the catalog says; the rest behind "How?".
        first = s['instructions'][:s['instructions'].index('. ') + 1]
        assert stretch['body'] == f'{first} …\nHold for 20–30 s on each side.', stretch
        assert stretch['message'].startswith('normal|'), stretch
        assert len(desk.history()) == 2, desk.history()
        notifier.check_alive()


def case_level_wording_and_icons():
    """Each level of an alert has its own title and advice (level 3 is not level 1 again), the same notification
    replaced, with an icon psoas installs: the sitting figure, in red at level 3."""
    bus = Bus()
    server = FakeNotificationServer(bus)
    fake = FakeDaemon(bus)
    with Notifier(bus):
        for kind, levels in (('sitting', SITTING_LEVELS), ('tilt', TILT_LEVELS)):
            before = len(server.notes)
            for level in (1, 2, 3):
                fake.alert(kind, f'{kind} message {level}', level)
                server.wait(bus, before + level)
            notes = server.notes[before:]
            assert [n['summary'] for n in notes] == levels, notes
            advice = [n['body'].split('\n', 1)[1] for n in notes]
            assert len(set(advice)) == 3, advice
            assert all(n['body'].startswith(f'{kind} message {i + 1}.\n') for i, n in enumerate(notes)), notes
            assert len({n['replaces_id'] for n in notes[1:]}) == 1 and notes[1]['replaces_id'] > 0, notes
            assert [n['hints']['urgency'] for n in notes] == [1, 1, 2], notes
            for n in notes:
                assert n['app'] == 'psoas' and icon_installed(n['icon']), n
            if kind == 'sitting':
                assert [n['icon'] for n in notes] == ['psoas-sitting', 'psoas-sitting', 'psoas-sitting-long'], notes
        fake.prompt()
        prompt = server.wait(bus, 7)
        assert prompt['summary'] == 'Stretch: Couch stretch' and icon_installed(prompt['icon']), prompt
    fake.close()
    server.close()


def case_sitting_heads_up_wording():
    """The heads-up before a sitting alert ("sitting-soon", level 0) reads as one: a title of its own, psoas's message
    and a word of advice, at normal urgency, going away by itself; not the wording of an unknown kind."""
    bus = Bus()
    server = FakeNotificationServer(bus)
    fake = FakeDaemon(bus)
    with Notifier(bus):
        fake.alert('sitting-soon', 'You have been sitting for 25 min: a sitting alert comes in 5 min', 0)
        note = server.wait(bus, 1)
        assert note['summary'] == 'A sitting alert is coming', note
        assert note['body'] == ('You have been sitting for 25 min: a sitting alert comes in 5 min.\n'
                                'A good moment to stand up before it does.'), note
        assert note['hints']['urgency'] == 1 and note['timeout'] == -1, note
        assert icon_installed(note['icon']), note
    fake.close()
    server.close()


def case_slouch_alert_wording():
    """The slouch alert ("slouch", revision 4) asks the wearer to sit up on their sit bones: a title and advice of
    its own at each level, psoasd's message first, one notification replaced; held back by nothing, but dropped
    rather than held while the desktop is busy, since a cue to sit up says nothing about the posture after."""
    bus = Bus()
    server = FakeNotificationServer(bus)
    fake = FakeDaemon(bus)
    with Notifier(bus):
        message = 'You have been sitting slumped back by 14° from your upright posture for 3 min'
        for level in (1, 2, 3):
            fake.alert('slouch', message, level)
            server.wait(bus, level)
        notes = server.notes
        assert [n['summary'] for n in notes] == ['Sit up on your sit bones', 'Still slumped: sit up on your sit bones',
                                                 'Slumped for a long while'], notes
        assert notes[0]['body'] == (message + '.\nRoll your pelvis forward until you sit on your sit bones, and '
                                    'let your spine grow tall.'), notes[0]
        assert len({n['body'].split('\n', 1)[1] for n in notes}) == 3, notes
        assert len({n['replaces_id'] for n in notes[1:]}) == 1 and notes[1]['replaces_id'] > 0, notes
        assert [n['hints']['urgency'] for n in notes] == [1, 1, 2], notes
        for n in notes:
            assert n['app'] == 'psoas' and icon_installed(n['icon']), n
            assert 'Posture alert' not in n['summary'], n
    fake.close()
    server.close()

    # A call holds the other alerts back; the slouch alert it drops, and the summary after does not mention it.
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        inhibitors = FakeInhibitors()
        with Notifier(bus) as notifier:
            call = inhibitors.inhibit(flags=8)
            bus.wait(lambda: 'The desktop is busy' in notifier.log(), 10, 'psoas-notify to see the call')
            fake.alert('slouch', message, 1)
            fake.alert('tilt', 'Your pelvis has been tilted forward for 2 min', 1)
            bus.wait(lambda: 'Dropping the slouch alert: the desktop is quiet.' in notifier.log()
                     and 'Holding the tilt alert' in notifier.log(), 10, 'the slouch dropped, the tilt held')
            inhibitors.uninhibit(call)
            desk.wait_displayed(1)
            assert held_summaries(desk) == [['Your pelvis has been tilted forward for 2 min.']], desk.history()
        fake.close()
        inhibitors.close()


def case_sound_hint_off_by_default():
    """No sound unless asked (--sound), and then only from a server with the "sound" capability: the others get
    suppress-sound, which also silences a server's own sound."""
    for args, capabilities, sound in (((), ('body', 'sound'), None), (('--sound',), ('body',), None),
                                      (('--sound',), ('body', 'sound'), 'bell')):
        bus = Bus()
        server = FakeNotificationServer(bus, capabilities)
        fake = FakeDaemon(bus)
        with Notifier(bus, *args) as notifier:
            # The capabilities are asked for once the server is seen, and answered at once.
            bus.wait(lambda: 'Notification server' in notifier.log(), 10, 'psoas-notify to see the server')
            bus.pump(0.3)
            fake.alert('sitting', 'You have been sitting for 30 min')
            fake.prompt()
            for note in (server.wait(bus, 1), server.wait(bus, 2)):
                if sound:
                    assert note['hints'].get('sound-name') == sound and 'suppress-sound' not in note['hints'], \
                        (args, capabilities, note)
                else:
                    assert note['hints'].get('suppress-sound') is True and 'sound-name' not in note['hints'], \
                        (args, capabilities, note)
        fake.close()
        server.close()


def case_how_action_shows_every_step():
    """"How?" on the stretch prompt: the same prompt again with every step and the safety note, still waiting for
    Done or Skip, and no "How?" any more."""
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
        desk.wait_displayed(2)
        s = {s['id']: s for s in bus.call('GetStretches')[0]}['standing-hip-flexor']
        desk.choose(f'#How? (Stretch: {PROMPTED})')
        bus.wait(lambda: entries(peek(desk), f'Stretch: {PROMPTED}') == ['Done', 'Skip'], 10, 'the whole prompt')
        assert desk.displayed() == 2, desk.displayed()
        desk.close_all()
        stretch = [h for h in desk.history() if h['summary'] == f'Stretch: {PROMPTED}'][0]
        assert stretch['body'] == f'{s["instructions"]}\nHold for 20–30 s on each side.\nSafety: {s["safety"]}', \
            stretch


def case_demo_replay_alert_agrees_with_replay_clock():
    """The demo's replay at 60x: the sitting notification says how long the wearer has sat, and that agrees with
    the replay's clock (org.psoas.Posture1(5), TIME) at the moment it is shown, within a batch of samples."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        rec = synth('--scenario', 'daemon', '--rate', '50', '--seed', '7', '--mount', 'random',
                    '--duration', str(UNTIL_ALERT), path=os.path.join(tmp, 'wearable.csv'))
        with Desktop(bus) as desk, Notifier(bus) as notifier, \
                Daemon(bus, '--replay', rec, '--speed', '60', *CALIBRATE):
            props = bus.get_all()
            origin, speed = props['ClockAnchor'], props['ClockSpeed']
            assert props['ClockAnchorWall'] == origin and speed >= 15, props
            bus.wait(lambda: bus.get('SittingSince') > 0, 30, 'the sitting bout')
            since = bus.get('SittingSince')
            # Watched closely: the moment the notification shows is the moment to compare with.
            bus.wait(lambda: desk.displayed() >= 1, UNTIL_ALERT / speed + 20, 'the sitting notification')
            shown_at = origin + (now_us() - origin) * speed
            desk.close_all()
            body = history_by_summary(desk)[SITTING_SUMMARY]['body']
            minutes = int(body.split('sitting for ')[1].split(' min')[0])
            sat = (shown_at - since) / 60e6
            # One batch is 3 s of the recording at 60x; the server's and the test's delays add a little.
            batch_min = speed * 0.5 / 60
            assert minutes - batch_min <= sat <= minutes + 1 + batch_min, (body, sat)
            notifier.check_alive()


def case_tilt_alert_shown():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), Daemon(bus, '--replay', REC.get(), '--speed', '1000', *CALIBRATE):
        wait_for_signal(bus, 'Alert', 30, lambda a: a[0] == 'tilt')
        message = [a for a in bus.signals_named('Alert') if a[0] == 'tilt'][0][1]
        assert 'tilted forward by' in message, message
        # Nothing closes it later in the recording.
        bus.wait(lambda: TILT_SUMMARY in ' '.join(peek(desk)), 10, 'the tilt alert')
        menu = peek(desk)
        assert entries(menu, TILT_SUMMARY) == ['Got it', 'Snooze 15 min'], menu
        assert entries(menu, SITTING_SUMMARY) == [], 'the sitting alert must be gone after the break'
        desk.close_all()
        tilt = history_by_summary(desk)[TILT_SUMMARY]
        assert tilt['body'] == f'{message}.\nStand tall: let your tailbone drop and gently draw in your belly.', tilt
        assert tilt['message'].startswith('normal|'), tilt


def case_alert_levels_replace_one_notification():
    """Alerts at levels 1, 2 and 3, 0.2 s apart: one notification, replaced, ending critical."""
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(5 * 60 + 200), '--speed', '300', *CALIBRATE, config=FAST_ALERTS):
        wait_for_signal(bus, 'Alert', 30, lambda a: a[2] == 3)
        bus.pump(0.5)
        levels = [a[2] for a in bus.signals_named('Alert')]
        assert levels[:3] == [1, 2, 3], levels
        menu = peek(desk)
        assert len([line for line in menu if f'({SITTING_LEVELS[2]})' in line]) == 2, menu
        desk.close_all()
        sitting = [h for h in desk.history() if h['summary'] in SITTING_LEVELS]
        assert len(sitting) == 1, sitting
        assert sitting[0]['message'].startswith('critical|'), sitting
        assert sitting[0]['body'].startswith('You have been sitting for 3 min.'), sitting


def case_alert_burst_replaces_one_notification():
    """The same alerts all at once (replay as fast as possible): the replacements queue behind the first
    Notify call instead of stacking new notifications."""
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(5 * 60 + 200), '--speed', '0', *CALIBRATE, config=FAST_ALERTS):
        wait_for_signal(bus, 'Alert', 30, lambda a: a[2] == 3)
        bus.wait(lambda: desk.displayed() >= 1, 10, 'a notification')
        bus.pump(0.5)
        assert desk.displayed() == 2, desk.displayed()  # the sitting alert and the stretch prompt
        desk.close_all()
        sitting = [h for h in desk.history() if h['summary'] in SITTING_LEVELS]
        assert len(sitting) == 1 and sitting[0]['message'].startswith('critical|'), sitting
        assert sitting[0]['summary'] == SITTING_LEVELS[2], sitting
        assert 'sitting for 3 min' in sitting[0]['body'], sitting


def case_markup_escaped():
    """A server that parses markup in bodies gets the text escaped: the wearer reads "<" and "&" as written."""
    bus = Bus()
    with Desktop(bus, markup='full') as desk:
        fake = FakeDaemon(bus)
        with Notifier(bus):
            fake.prompt(instructions='Knee <b>over</b> ankle & hips square')
            desk.wait_displayed(1)
            desk.close_all()
            shown, = desk.history()
            assert shown['body'] == 'Knee &lt;b&gt;over&lt;/b&gt; ankle &amp; hips square\nHold for 30 s.', shown
        fake.close()
    # Without markup it goes as it is.
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        with Notifier(bus):
            fake.prompt(instructions='Knee <b>over</b> ankle & hips square')
            desk.wait_displayed(1)
            desk.close_all()
            shown, = desk.history()
            assert shown['body'] == 'Knee <b>over</b> ankle & hips square\nHold for 30 s.', shown
        fake.close()


# --------------------------------------------------------------------------------------------------------------
# The wearer's choices


def case_snooze_action():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
        desk.wait_displayed(2)
        assert bus.get('SnoozedUntil') == 0
        sitting_since = bus.get('SittingSince')
        desk.choose('#Snooze 15 min (')
        bus.wait(lambda: bus.get('SnoozedUntil') > 0, 10, 'SnoozedUntil to move')
        # 900 s from psoasd's clock, which in a replay is the recording's: the replay ended 30.4 min into the
        # bout.
        snoozed = (bus.get('SnoozedUntil') - sitting_since) / 1e6
        assert 1800 + 900 <= snoozed <= 1860 + 900, snoozed
        # The alert closes; the stretch prompt stays.
        desk.wait_displayed(1)
        assert entries(peek(desk), f'Stretch: {PROMPTED}') == STRETCH_ACTIONS


def case_failed_action_reported():
    """An action psoasd refuses (here, as the system bus's policy would for a user outside the group psoas)
    is reported in a notification of its own."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus, fail={'Snooze': ('org.freedesktop.DBus.Error.AccessDenied', 'Not in group psoas')})
        with Notifier(bus):
            fake.alert('sitting', 'You have been sitting for 30 min')
            desk.wait_displayed(1)
            desk.choose('#Snooze 15 min (')
            bus.wait(lambda: any(h['summary'] == SITTING_SUMMARY for h in desk.history()), 10, 'the alert to close')
            desk.wait_displayed(1)
            assert fake.calls == [('Snooze', (900,))], fake.calls
            desk.close_all()
            problem = desk.history()[0]
            assert problem['summary'] == 'Could not snooze the alerts', problem
            assert problem['body'] == 'Not in group psoas', problem
        fake.close()


def case_dismissing_actions_change_nothing():
    """'I'm up' and 'Skip' only close their notification: no snooze, no stretch counted."""
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
        desk.wait_displayed(2)
        desk.choose("#I'm up (")
        desk.wait_displayed(1)
        desk.choose('#Skip (')
        desk.wait_displayed(0)
        bus.pump(0.3)
        assert bus.get('SnoozedUntil') == 0
        day = bus.call('GetDay', '(s)', '')[0]
        assert day['stretches_self_reported'] == 0 and day['stretches_verified'] == 0, day


def case_stretch_done_action():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
        desk.wait_displayed(2)
        assert bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 0
        desk.choose('#Done (')
        bus.wait(lambda: bus.call('GetDay', '(s)', '')[0]['stretches_self_reported'] == 1, 10,
                 'stretches_self_reported to rise')
        desk.wait_displayed(1)
        assert entries(peek(desk), SITTING_SUMMARY) == ["I'm up", 'Snooze 15 min']


def wait_in_history(bus, desk, summary, timeout):
    """Closes what is displayed until a notification with this summary has been among it; returns those."""
    def seen():
        if desk.displayed():
            desk.close_all()
        return [h for h in desk.history() if h['summary'] == summary]
    bus.wait(seen, timeout, f'a notification "{summary}"')
    return seen()


def stretch_replay(bus, stretch_id, variant, tmp, speed='0', **kw):
    rec, config, _ = stretch_scene(stretch_id, variant, tmp, **kw)
    return Daemon(bus, '--replay', rec, '--speed', speed, *CALIBRATE, config=config)


def case_stretch_verified_updates_prompt():
    """The kneeling stretch done right: the prompt shows the progress, then the sensor's confirmation."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus), \
            stretch_replay(bus, 'kneeling-hip-flexor', 'right', tmp, speed='20'):
        wait_for_signal(bus, 'StretchProgress', 30, lambda a: a[1] == 1 and a[2] >= 5)
        bus.pump(0.3)
        # The progress is in the prompt: close it to read it (the next progress brings it back).
        desk.close_all()
        progress = [h['body'] for h in desk.history() if h['summary'] == f'Stretch: {KNEELING}']
        assert progress and progress[-1].startswith('Side 1: ') and ' of 20 s held\n' in progress[-1], progress
        # Above the prompt's first step (the safety note is behind "How?").
        assert progress[-1].endswith(' …\nHold for 20–30 s on each side.'), progress

        wait_for_signal(bus, 'StretchVerified', 60)
        done = wait_in_history(bus, desk, f'Stretch done: {KNEELING}', 10)
        assert len(done) == 1, desk.history()
        assert done[0]['body'] == 'The sensor confirmed it. Well done!', done
        assert done[0]['message'].startswith('low|'), done
        assert not bus.signals_named('StretchMissed')


def case_stretch_repetitions_verified():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus), \
            stretch_replay(bus, 'glute-bridge', 'right', tmp, speed='20'):
        wait_for_signal(bus, 'StretchProgress', 40, lambda a: a[3] >= 3)
        bus.pump(0.3)
        desk.close_all()
        progress = [h['body'] for h in desk.history() if h['summary'] == 'Stretch: Glute bridge']
        assert progress and ' of 10 repetitions seen\n' in progress[-1], progress
        assert not progress[-1].startswith('Side'), progress
        wait_for_signal(bus, 'StretchVerified', 60)
        done = wait_in_history(bus, desk, 'Stretch done: Glute bridge', 10)
        assert done[0]['body'] == 'The sensor confirmed it. Well done!', done


def case_standing_up_is_not_the_stretch():
    """Standing up after the prompt is a break: the notification says so, and never that the stretch was done."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus), \
            stretch_replay(bus, 'kneeling-hip-flexor', 'standing', tmp, window=60):
        wait_for_signal(bus, 'StretchMissed', 30)
        bus.wait(lambda: f'Stretch not confirmed: {KNEELING}' in ' '.join(peek(desk)), 10, 'the notification')
        assert entries(peek(desk), f'Stretch not confirmed: {KNEELING}') == ['Done', 'Skip']
        desk.close_all()
        missed = [h for h in desk.history() if h['summary'] == f'Stretch not confirmed: {KNEELING}'][0]
        assert missed['body'].startswith('You stood up, which is a break, but the sensor did not see the '
                                         'Kneeling hip-flexor stretch.'), missed
        assert 'press Done: it counts as self-reported' in missed['body'], missed
        assert not any('Stretch done' in h['summary'] or 'Well done' in h['body'] for h in desk.history())
        assert not bus.signals_named('StretchVerified')


def case_arched_is_not_the_stretch():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus), \
            stretch_replay(bus, 'standing-hip-flexor', 'arched', tmp, window=120, pad=120):
        wait_for_signal(bus, 'StretchMissed', 30)
        bus.wait(lambda: 'Stretch not confirmed: ' in ' '.join(peek(desk)), 10, 'the notification')
        assert not bus.signals_named('StretchVerified')
        desk.close_all()
        assert not any('Stretch done' in h['summary'] for h in desk.history()), desk.history()


SIGNATURE_STRETCHES = ['standing-hip-flexor', 'standing-quad', 'hamstring', 'walking-break', 'piriformis',
                       'kneeling-hip-flexor', 'couch-stretch', 'glute-bridge', 'clamshell', 'bird-dog', 'plank']


def case_every_stretch_verified_notified():
    """Every stretch with a signature, acted out right: the wearer is told the sensor confirmed it."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus):
        for sid in SIGNATURE_STRETCHES:
            title = catalog_entry(sid)['title']
            bus.signals.clear()
            with stretch_replay(bus, sid, 'right', tmp):
                wait_for_signal(bus, 'StretchVerified', 60)
                done = wait_in_history(bus, desk, f'Stretch done: {title}', 10)
                assert done[-1]['body'] == 'The sensor confirmed it. Well done!', done


def case_every_stretch_standing_not_confirmed():
    """Every stretch with a signature, and the wearer only stood up: never "done", always "not confirmed"."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus):
        for sid in SIGNATURE_STRETCHES:
            title = catalog_entry(sid)['title']
            bus.signals.clear()
            with stretch_replay(bus, sid, 'standing', tmp, window=60):
                wait_for_signal(bus, 'StretchMissed', 60)
                missed = wait_in_history(bus, desk, f'Stretch not confirmed: {title}', 10)
                assert missed[-1]['body'].startswith('You stood up, which is a break, but the sensor did not see '
                                                     f'the {title}.'), missed
        assert not any(h['summary'].startswith('Stretch done') for h in desk.history()), desk.history()


def case_red_flags_shown_once():
    """The warnings that go with every stretch come once, with the first prompt, and not again."""
    bus = Bus()
    with Desktop(bus) as desk:
        notifier = Notifier(bus, red_flags_shown=False)
        with notifier, Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
            desk.wait_displayed(3)
            assert entries(peek(desk), 'Before you stretch') == ['Understood'], peek(desk)
            desk.close_all()
            flags = [h for h in desk.history() if h['summary'] == 'Before you stretch']
            assert len(flags) == 1 and flags[0]['body'] == bus.get('StretchRedFlags'), flags
            for words in ('warm up', 'sharp pain', 'Numbness, tingling or weakness in a leg', 'immediate care',
                          'no substitute for a diagnosis'):
                assert words in flags[0]['body'], words
            assert os.path.exists(notifier.red_flags_marker)
        # A new psoas-notify for the same user: remembered.
        marker_kept = Notifier(bus, red_flags_shown=True)
        with marker_kept, Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
            desk.wait_displayed(2)
            bus.pump(0.5)
            assert desk.displayed() == 2 and 'Before you stretch' not in ' '.join(peek(desk)), peek(desk)


def case_stretch_without_signature_says_so():
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk, Notifier(bus), \
            stretch_replay(bus, 'self-massage', 'sitting', tmp, speed='20', window=60):
        wait_for_signal(bus, 'StretchPrompt', 30)
        title = 'Stretch: Self-massage of the glutes and hips'
        prompt = wait_in_history(bus, desk, title, 10)[0]
        assert 'Hold for 30–60 s on each side.' in prompt['body'], prompt
        # Said at once, not only behind "How?".
        assert 'The sensor cannot see this one: press Done when you have done it (self-reported).' in \
            prompt['body'], prompt
        assert catalog_entry('self-massage')['safety'] not in prompt['body'], prompt


def case_break_closes_sitting_alert():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus), \
            Daemon(bus, '--replay', REC.get(UNTIL_BREAK), '--speed', '600', *CALIBRATE) as daemon:
        wait_for_signal(bus, 'Alert', 30, lambda a: a[0] == 'sitting')
        # Held at the alert (BreakTaken is 2 recorded minutes, 0.2 s, later) until the alert is on screen.
        with Paused(daemon):
            bus.wait(lambda: SITTING_SUMMARY in ' '.join(peek(desk)), 10, 'the sitting alert')
        wait_for_signal(bus, 'BreakTaken', 30)
        bus.wait(lambda: any(h['summary'] == SITTING_SUMMARY for h in desk.history()), 10,
                 'the sitting alert to be closed')
        # Only the stretch prompt is left: standing up and walking is a break, not the stretch.
        assert desk.displayed() == 1, desk.displayed()
        assert not bus.signals_named('StretchVerified'), bus.signals_named('StretchVerified')
        desk.close_all()
        summaries = [h['summary'] for h in desk.history()]
        assert sorted(summaries) == sorted([SITTING_SUMMARY, f'Stretch: {PROMPTED}']), summaries


# --------------------------------------------------------------------------------------------------------------
# Holding back: psoasd's Inhibited, the server's do-not-disturb


def case_inhibit_closes_and_holds_back():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus) as notifier, \
            Daemon(bus, '--replay', REC.get(), '--speed', '300', *CALIBRATE, config=FAST_ALERTS):
        wait_for_signal(bus, 'Alert', 30)
        bus.wait(lambda: desk.displayed() >= 1, 10, 'the sitting alert')
        cookie, = bus.call('Inhibit', '(ss)', 'org.example.Slides', 'presenting')
        desk.wait_displayed(0, 10)
        # Five recorded minutes: five alerts would have come.
        end = time.monotonic() + 1
        while time.monotonic() < end:
            bus.pump(0.05)
            assert desk.displayed() == 0 and desk.waiting() == 0, 'a notification while inhibited'
        bus.call('Uninhibit', '(u)', cookie)
        bus.wait(lambda: desk.displayed() >= 1, 10, 'alerts after the inhibitor went')
        assert 'inhibited' in notifier.log()


def case_inhibited_property_honoured():
    """Signals that arrive while Inhibited is true are not shown, even if a daemon sends them."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus, Inhibited=True)
        with Notifier(bus) as notifier:
            fake.alert('tilt', 'Tilted while inhibited')
            fake.prompt()
            fake.set('Inhibited', False)
            fake.alert('sitting', 'Sitting after the inhibitor went')
            desk.wait_displayed(1)
            bus.pump(0.5)
            menu = peek(desk)
            assert desk.displayed() == 1 and entries(menu, SITTING_SUMMARY), menu
            # Inhibited again: what is shown closes.
            fake.set('Inhibited', True)
            desk.wait_displayed(0)
            assert desk.waiting() == 0
            notifier.check_alive()
        fake.close()


def case_malformed_signals_ignored():
    """Signals with the wrong arguments (a buggy or newer daemon) are logged and skipped."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        with Notifier(bus) as notifier:
            fake.emit('Alert', '(s)', 'sitting')
            fake.emit('StretchPrompt', '(su)', 'couch-stretch', 3)
            fake.emit('StretchVerified', '(u)', 7)
            fake.emit('BreakTaken', '(s)', 'soon')
            fake.conn.emit_signal(None, '/org/psoas/Posture1', 'org.freedesktop.DBus.Properties',
                                  'PropertiesChanged', GLib.Variant('(sa{sv}as)', (
                                      'org.psoas.Posture1', {'Inhibited': GLib.Variant('s', 'yes')}, [])))
            fake.alert('sitting', 'You have been sitting for 30 min')
            desk.wait_displayed(1)
            log = notifier.log()
            for member in ('Alert', 'StretchPrompt', 'StretchVerified'):
                assert f'Malformed {member} signal' in log, log
            assert 'Malformed PropertiesChanged signal from psoasd' in log, log
            notifier.check_alive()
        fake.close()


def case_inhibitor_holds_alerts_and_summarises():
    """An application keeps the screen on through GNOME's session manager (a call): alerts and prompts are held,
    not dropped, and come once, summarised, when it lets go. An inhibitor of suspending only (a download) is not
    a call and holds nothing."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        inhibitors = FakeInhibitors()
        with Notifier(bus) as notifier:
            download = inhibitors.inhibit(flags=4)
            fake.alert('sitting', 'You have been sitting for 30 min', 1)
            desk.wait_displayed(1)
            assert 'The desktop is busy' not in notifier.log(), notifier.log()

            call = inhibitors.inhibit(flags=8)
            bus.wait(lambda: 'The desktop is busy: org.gnome.SessionManager' in notifier.log(), 10,
                     'psoas-notify to see the call')
            # What was on screen goes too.
            desk.wait_displayed(0)
            fake.alert('sitting', 'You have been sitting for 31 min', 2)
            fake.alert('sitting', 'You have been sitting for 32 min', 3)
            fake.alert('tilt', 'Your pelvis has been tilted forward for 2 min', 1)
            fake.prompt()
            bus.wait(lambda: notifier.log().count('Holding the') == 4, 10, 'the four to be held')
            assert desk.displayed() == 0 and desk.waiting() == 0, 'a notification was sent during the call'

            inhibitors.uninhibit(call)
            desk.wait_displayed(1)
            bus.pump(0.5)
            assert desk.displayed() == 1, desk.displayed()
            assert entries(peek(desk), HELD_SUMMARY) == ['Got it', 'Snooze 15 min'], peek(desk)
            summaries = held_summaries(desk)
            assert summaries == [['You have been sitting for 32 min. (2 reminders, up to level 3)',
                                  'Your pelvis has been tilted forward for 2 min.',
                                  'Stretch suggested: Couch stretch']], summaries
            # Once: the download ending changes nothing, and the next alert is an alert again.
            inhibitors.uninhibit(download)
            fake.alert('tilt', 'Tilted after the call')
            desk.wait_displayed(1)
            assert len(held_summaries(desk)) == 1, desk.history()
        fake.close()
        inhibitors.close()


def case_kde_inhibitor_holds_alerts():
    """The same through KDE's and Xfce's org.freedesktop.PowerManagement.Inhibit; a break taken meanwhile drops
    the held sitting alert (its bout is over), and a summary of nothing is never shown."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        inhibitors = FakeInhibitors(FakeInhibitors.KDE)
        with Notifier(bus) as notifier:
            call = inhibitors.inhibit()
            bus.wait(lambda: 'The desktop is busy: org.freedesktop.PowerManagement' in notifier.log(), 10,
                     'psoas-notify to see the inhibitor')
            fake.alert('sitting', 'You have been sitting for 30 min')
            fake.alert('tilt', 'Tilted during the presentation')
            bus.wait(lambda: notifier.log().count('Holding the') == 2, 10, 'the alerts to be held')
            inhibitors.uninhibit(call)
            desk.wait_displayed(1)
            assert held_summaries(desk) == [['You have been sitting for 30 min.', 'Tilted during the presentation.']]

            call = inhibitors.inhibit()
            bus.wait(lambda: notifier.log().count('The desktop is busy') == 2, 10, 'the second inhibitor')
            fake.alert('sitting', 'You have been sitting for 30 min')
            bus.wait(lambda: notifier.log().count('Holding the') == 3, 10, 'the alert to be held')
            fake.emit('BreakTaken', '(t)', 600)
            fake.set('SittingSince', 0)
            bus.pump(0.3)
            inhibitors.uninhibit(call)
            bus.wait(lambda: notifier.log().count('no longer busy') == 2, 10, 'the end of the inhibitor')
            bus.pump(0.5)
            assert desk.displayed() == 0 and len(held_summaries(desk)) == 1, desk.history()
        fake.close()
        inhibitors.close()


def case_held_alerts_wait_for_psoasd_inhibitor():
    """A call ends while psoasd's own inhibitor (psoasctl inhibit) is held: what the call held waits for that one
    too, then comes, once."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        inhibitors = FakeInhibitors()
        with Notifier(bus) as notifier:
            call = inhibitors.inhibit()
            bus.wait(lambda: 'The desktop is busy' in notifier.log(), 10, 'psoas-notify to see the call')
            fake.alert('tilt', 'Tilted during the call')
            bus.wait(lambda: 'Holding the tilt alert' in notifier.log(), 10, 'the alert to be held')
            fake.set('Inhibited', True)
            bus.wait(lambda: "psoasd's alerts are inhibited" in notifier.log(), 10, "psoasd's inhibitor")
            inhibitors.uninhibit(call)
            bus.wait(lambda: 'no longer busy' in notifier.log(), 10, 'the end of the call')
            bus.pump(0.5)
            assert desk.displayed() == 0 and desk.waiting() == 0, 'shown while psoasd is inhibited'
            fake.set('Inhibited', False)
            desk.wait_displayed(1)
            assert held_summaries(desk) == [['Tilted during the call.']]
        fake.close()
        inhibitors.close()


def case_inhibitor_holder_leaving_ends_the_quiet():
    """The session manager leaves the bus while an application inhibits (it crashed): its inhibitors went with
    it, and what was held is shown."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        inhibitors = FakeInhibitors()
        with Notifier(bus) as notifier:
            inhibitors.inhibit()
            bus.wait(lambda: 'The desktop is busy' in notifier.log(), 10, 'psoas-notify to see the inhibitor')
            fake.alert('sitting', 'You have been sitting for 30 min')
            bus.wait(lambda: 'Holding the sitting alert' in notifier.log(), 10, 'the alert to be held')
            inhibitors.close()
            desk.wait_displayed(1)
            assert held_summaries(desk) == [['You have been sitting for 30 min.']]
        fake.close()


def case_quiet_during_configurable():
    """--quiet-during=do-not-disturb: an inhibitor holds nothing; --quiet-during=none: nor does the server's
    do-not-disturb (dunst queues what it is sent while paused, so "sent" is what dunst counts as waiting). A
    condition it does not know is refused by name."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        inhibitors = FakeInhibitors()
        inhibitors.inhibit()
        with Notifier(bus, '--quiet-during=do-not-disturb') as notifier:
            fake.alert('sitting', 'You have been sitting for 30 min')
            desk.wait_displayed(1)
            assert 'The desktop is busy' not in notifier.log(), notifier.log()
        desk.close_all()
        desk.set_paused(True)
        with Notifier(bus, '--quiet-during', 'none') as notifier:
            bus.wait(lambda: 'entered do-not-disturb' in notifier.log(), 10, 'psoas-notify to see the pause')
            fake.alert('tilt', 'Tilted during the pause')
            bus.wait(lambda: desk.waiting() == 1, 10, 'the alert to be sent to the paused server')
        desk.set_paused(False)
        fake.close()
        inhibitors.close()
    p = subprocess.run([os.environ['PSOAS_NOTIFY'], '--quiet-during=inhibitors,meetings'], capture_output=True,
                       text=True, timeout=10)
    assert p.returncode == 78 and "unknown condition 'meetings'" in p.stderr, (p.returncode, p.stderr)


def case_server_do_not_disturb_honoured():
    """dunst paused (its do-not-disturb): nothing is sent, what was shown is closed, and what came meanwhile is
    summarised once afterwards."""
    bus = Bus()
    with Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        with Notifier(bus) as notifier:
            fake.alert('sitting', 'Sitting before the pause')
            desk.wait_displayed(1)
            desk.set_paused(True)
            bus.wait(lambda: 'entered do-not-disturb' in notifier.log(), 10, 'psoas-notify to see the pause')
            fake.alert('tilt', 'Tilted during the pause')
            fake.prompt()
            bus.pump(0.5)
            assert desk.waiting() == 0, 'a notification was sent during the pause'
            desk.set_paused(False)
            bus.wait(lambda: 'left do-not-disturb' in notifier.log(), 10, 'psoas-notify to see the end')
            desk.wait_displayed(1)
            bus.pump(0.3)
            # Not the alert shown before the pause: the summary of the two that came during it.
            assert desk.displayed() == 1, desk.displayed()
            assert held_summaries(desk) == [['Tilted during the pause.', 'Stretch suggested: Couch stretch']]
            fake.alert('tilt', 'Tilted after the pause')
            desk.wait_displayed(1)
            assert entries(peek(desk), TILT_SUMMARY), 'no tilt alert after the pause'
        fake.close()


# --------------------------------------------------------------------------------------------------------------
# Restarts


def case_psoasd_restart_survived():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus) as notifier:
        # Started before psoasd: it waits.
        assert 'Waiting for psoasd' in notifier.log(), notifier.log()
        daemon = Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE)
        with daemon:
            desk.wait_displayed(2)
            daemon.stop(signal.SIGKILL)
        bus.wait(lambda: 'psoasd left' in notifier.log(), 30, 'psoas-notify to see psoasd go')
        notifier.check_alive()
        with Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
            wait_for_signal(bus, 'StretchPrompt', 30, lambda a: len(bus.signals_named('StretchPrompt')) >= 2)
            bus.pump(0.5)
            # The new alert and prompt replaced the old ones (or followed them once closed): never four.
            assert desk.displayed() == 2, desk.displayed()
            menu = peek(desk)
            assert entries(menu, SITTING_SUMMARY) == ["I'm up", 'Snooze 15 min'], menu
            # Its actions reach the new psoasd.
            desk.choose('#Snooze 15 min (')
            bus.wait(lambda: bus.get('SnoozedUntil') > 0, 10, 'the new psoasd to be snoozed')
            # It follows the new psoasd (the first may have been killed before it answered GetAll).
            assert 'Following psoasd' in notifier.log().split('psoasd left', 1)[1], notifier.log()
        notifier.check_alive()


def case_psoasd_gone_before_answering_seen():
    """psoasd leaves before it answers the GetAll that psoas-notify sends when it appears (killed during start-up,
    say): its leaving is still seen."""
    bus = Bus()
    with Desktop(bus), Notifier(bus) as notifier:
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        mute = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        # Owns psoasd's name, answers nothing.
        mute.add_filter(lambda conn, message, incoming: None if incoming and message.get_message_type()
                        == Gio.DBusMessageType.METHOD_CALL else message)
        mute.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                       GLib.Variant('(su)', ('org.psoas.Posture1', 4)), None, 0, 5000, None)
        bus.wait(lambda: 'psoasd is on the session bus' in notifier.log(), 10, 'psoas-notify to see psoasd come')
        bus.pump(0.5)
        mute.close_sync(None)
        bus.wait(lambda: 'psoasd left' in notifier.log(), 10, 'psoas-notify to see psoasd go')
        assert 'Following psoasd' not in notifier.log(), notifier.log()
        notifier.check_alive()


def case_server_restart_survived():
    bus = Bus()
    with Desktop(bus) as desk, Notifier(bus) as notifier:
        def alert_again():
            before = len(bus.signals_named('StretchPrompt'))
            with Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
                wait_for_signal(bus, 'StretchPrompt', 30, lambda a: len(bus.signals_named('StretchPrompt')) > before)
                bus.pump(0.5)

        alert_again()
        desk.wait_displayed(2)

        # No server at all for a while: the alerts are lost, psoas-notify carries on.
        desk.stop_dunst()
        alert_again()
        bus.wait(lambda: 'did not show' in notifier.log(), 10, 'the failed Notify to be logged')
        notifier.check_alive()

        # A new server hands out ids from the start again: other applications' notifications take the ids the
        # old server gave psoas-notify. Reusing those would replace them.
        desk.start_dunst()
        for i in range(4):
            desk.notify('other', f'Other {i}')
        assert desk.displayed() == 4
        alert_again()
        bus.wait(lambda: desk.displayed() >= 6, 10, 'the new alert and prompt')
        bus.pump(0.3)
        assert desk.displayed() == 6, desk.displayed()
        menu = peek(desk)
        assert entries(menu, SITTING_SUMMARY) == ["I'm up", 'Snooze 15 min'], menu
        notifier.check_alive()


# --------------------------------------------------------------------------------------------------------------
# The process


def case_exit_closes_notifications():
    bus = Bus()
    with Desktop(bus) as desk, Daemon(bus, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE):
        notifier = Notifier(bus).start()
        try:
            desk.wait_displayed(2)
        finally:
            code = notifier.stop()
        assert code == 0, f'{code}:\n{notifier.log()}'
        desk.wait_displayed(0, 10)


def case_command_line():
    exe = os.environ['PSOAS_NOTIFY']
    r = subprocess.run([exe, '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and '--user' in r.stdout and '--system' in r.stdout, r
    r = subprocess.run([exe, '--version'], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith('psoas-notify ') and r.stdout.count('.') == 2, r
    for bad in (['--bogus'], ['extra'], ['--user=yes']):
        r = subprocess.run([exe, *bad], capture_output=True, text=True)
        # 78: the unit's RestartPreventExitStatus; the same command line would fail again.
        assert r.returncode == 78 and 'psoas-notify --help' in r.stderr, (bad, r)


SYSTEM_BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={dir}/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
'''


def case_system_bus_by_default():
    """psoas-notify without options (as the user unit and the autostart entry run it) follows the psoasd on
    the system bus and shows its alerts on the session bus."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, 'system.conf')
        with open(config, 'w') as f:
            f.write(SYSTEM_BUS_CONFIG.format(dir=tmp))
        system_bus = spawn(['dbus-daemon', '--config-file', config, '--nofork', '--print-address=1'],
                           os.path.join(tmp, 'bus.log'))
        try:
            address = f'unix:path={tmp}/system_bus_socket'
            bus.wait(lambda: os.path.exists(f'{tmp}/system_bus_socket'), 10, 'the private system bus')
            os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = address
            system = Bus(address=address)
            with Desktop(bus) as desk, Notifier(bus, user=False) as notifier, \
                    Daemon(system, '--replay', REC.get(UNTIL_ALERT), '--speed', '0', *CALIBRATE, user=False):
                desk.wait_displayed(2)
                assert 'on the system bus' in notifier.log(), notifier.log()
                desk.choose('#Snooze 15 min (')
                system.wait(lambda: system.get('SnoozedUntil') > 0, 10, 'the snooze to reach psoasd')
        finally:
            stop(system_bus)



# --------------------------------------------------------------------------------------------------------------
# Another machine: psoasd on a wearable board, reached over SSH


FAKE_SSH = '''#!/bin/sh
# Stands in for ssh: records its arguments and its pid (the test kills it to drop the link), then bridges to the
# test's session bus as "HOST systemd-stdio-bridge" would to the board's system bus. While $FAKE_SSH_DIR/refuse
# holds a number above 0, it fails as an unreachable host does, that many times.
printf '%s\\n' "$@" > "$FAKE_SSH_DIR/args"
echo $$ >> "$FAKE_SSH_DIR/pids"
refuse=$(cat "$FAKE_SSH_DIR/refuse" 2>/dev/null || echo 0)
if [ "$refuse" -gt 0 ]; then
        echo $((refuse - 1)) > "$FAKE_SSH_DIR/refuse"
        echo "ssh: connect to host board port 22: No route to host" >&2
        exit 255
fi
exec systemd-stdio-bridge --bus-path="$DBUS_SESSION_BUS_ADDRESS"
'''


def fake_ssh(tmp):
    """A directory with the fake ssh, and the environment that puts it first on PATH; the system bus is
    unreachable, so that only the bridge can lead to psoasd."""
    bin_dir = os.path.join(tmp, 'bin')
    os.mkdir(bin_dir)
    path = os.path.join(bin_dir, 'ssh')
    with open(path, 'w') as f:
        f.write(FAKE_SSH)
    os.chmod(path, stat.S_IRWXU)
    return {'PATH': bin_dir + ':' + os.environ['PATH'], 'FAKE_SSH_DIR': tmp,
            'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/nonexistent/system_bus_socket'}


def ssh_pids(tmp):
    return [int(p) for p in read_file(os.path.join(tmp, 'pids')).split()]


def read_file(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ''


def case_remote_host_over_ssh():
    """psoas-notify -H me@board: psoasd's signals arrive over ssh and systemd-stdio-bridge, its actions go back
    the same way, and when the link drops it connects again and follows psoasd as before."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        with Notifier(bus, '-H', 'me@board', user=False, env=fake_ssh(tmp)) as notifier:
            bus.wait(lambda: 'Following psoasd on the system bus of me@board' in notifier.log(), 20,
                     'psoas-notify to follow psoasd over the bridge')
            args = read_file(os.path.join(tmp, 'args')).split('\n')
            assert 'me@board' in args and 'systemd-stdio-bridge' in args, args
            fake.alert('sitting', 'You have been sitting for 30 min')
            desk.wait_displayed(1)
            desk.choose('#Snooze 15 min (')
            bus.wait(lambda: ('Snooze', (900,)) in fake.calls, 10, 'the snooze to reach psoasd over the bridge')
            # (Its reply too: a link dropped before then fails the call, which is told in a notification.)
            bus.wait(lambda: 'Alerts snoozed' in notifier.log(), 10, "psoasd's reply over the bridge")

            first, = ssh_pids(tmp)
            os.kill(first, signal.SIGKILL)
            bus.wait(lambda: 'Lost the connection to the system bus of me@board' in notifier.log(), 10,
                     'psoas-notify to see the link drop')
            bus.wait(lambda: notifier.log().count('Following psoasd on the system bus of me@board') == 2, 20,
                     'psoas-notify to connect again')
            assert len(ssh_pids(tmp)) == 2, ssh_pids(tmp)
            fake.alert('tilt', 'Tilted after the link came back')
            desk.wait_displayed(1)
            assert entries(peek(desk), TILT_SUMMARY), 'no alert after the link came back'
            notifier.check_alive()
        fake.close()


def case_remote_link_down_action_told():
    """An action chosen while the link to the board is down cannot reach psoasd: a notification says so (the
    alert stays actionable on screen meanwhile), and once the link is back the actions work again."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk:
        fake = FakeDaemon(bus)
        with Notifier(bus, '-H', 'board', user=False, env=fake_ssh(tmp)) as notifier:
            bus.wait(lambda: 'Following psoasd on the system bus of board' in notifier.log(), 20, 'the bridge')
            fake.alert('sitting', 'You have been sitting for 30 min')
            desk.wait_displayed(1)
            with open(os.path.join(tmp, 'refuse'), 'w') as f:
                f.write('1000')
            os.kill(ssh_pids(tmp)[0], signal.SIGKILL)
            bus.wait(lambda: 'Lost the connection' in notifier.log(), 10, 'psoas-notify to see the link drop')
            desk.choose('#Snooze 15 min (')
            bus.wait(lambda: 'Showing the problem notification (replacing id 0): Could not reach psoasd' in
                     notifier.log(), 10, 'the problem to be told')
            desk.wait_displayed(1)
            desk.close_all()
            problem = [h for h in desk.history() if h['summary'] == 'Could not reach psoasd']
            assert len(problem) == 1 and 'psoasd on the system bus of board cannot be reached now' in \
                problem[0]['body'], desk.history()
            assert ('Snooze', (900,)) not in fake.calls, fake.calls
            with open(os.path.join(tmp, 'refuse'), 'w') as f:
                f.write('0')
            bus.wait(lambda: notifier.log().count('Following psoasd') == 2, 30, 'the link to come back')
            fake.alert('sitting', 'You have been sitting for 45 min', 2)
            desk.wait_displayed(1)
            desk.choose('#Snooze 15 min (Still sitting')
            bus.wait(lambda: ('Snooze', (900,)) in fake.calls, 10, 'the snooze over the new link')
        fake.close()


def case_remote_host_unreachable_retried():
    """The board unreachable at first (ssh fails twice): psoas-notify waits 1 s, then 2 s, and follows psoasd
    once ssh gets through; it never exits for it."""
    bus = Bus()
    with tempfile.TemporaryDirectory() as tmp, Desktop(bus) as desk:
        with open(os.path.join(tmp, 'refuse'), 'w') as f:
            f.write('2')
        fake = FakeDaemon(bus)
        start = time.monotonic()
        with Notifier(bus, '--host=board', user=False, env=fake_ssh(tmp)) as notifier:
            bus.wait(lambda: 'Following psoasd on the system bus of board' in notifier.log(), 30,
                     'psoas-notify to get through')
            waited = time.monotonic() - start
            log = notifier.log()
            assert 'again in 1 s' in log and 'again in 2 s' in log, log
            assert waited >= 3, waited
            assert len(ssh_pids(tmp)) == 3, ssh_pids(tmp)
            fake.alert('sitting', 'You have been sitting for 30 min')
            desk.wait_displayed(1)
        fake.close()
    # --host takes a host, and only the system bus.
    for args, words in ((['-H', '-oProxyCommand=x'], 'needs a host name'), (['-H', 'board', '--user'],
                                                                           'not supported')):
        p = subprocess.run([os.environ['PSOAS_NOTIFY'], *args], capture_output=True, text=True, timeout=10)
        assert p.returncode == 78 and words in p.stderr, (args, p.returncode, p.stderr)



# --------------------------------------------------------------------------------------------------------------
# The panel indicator (a StatusNotifierItem), against a minimal watcher: Debian 12 has none that runs without a
# panel (KDE's lives in plasmashell, waybar's needs Wayland).

WATCHER_XML = '''<node><interface name="org.kde.StatusNotifierWatcher">
<method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
<method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
<property name="RegisteredStatusNotifierItems" type="as" access="read"/>
<property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
<property name="ProtocolVersion" type="i" access="read"/>
<signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
<signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
<signal name="StatusNotifierHostRegistered"/>
</interface></node>'''

ITEM = 'org.kde.StatusNotifierItem'
MENU = 'com.canonical.dbusmenu'


class Watcher:
    """The tray's half of the protocol, as small as it gets: org.kde.StatusNotifierWatcher, which items register
    with, a host always registered; and, as a panel would, reading an item's properties and menu and clicking
    its entries."""

    def __init__(self):
        self.items = []  # (sender, service) as registered
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        iface = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).lookup_interface('org.kde.StatusNotifierWatcher')
        self.conn.register_object('/StatusNotifierWatcher', iface, self._method, self._get, None)
        self.signals = []
        self.conn.signal_subscribe(None, None, None, None, None, Gio.DBusSignalFlags.NONE,
                                   lambda c, sender, path, i, member, params: self.signals.append(member))
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                            GLib.Variant('(su)', ('org.kde.StatusNotifierWatcher', 4)), None, 0, 5000, None)

    def _method(self, conn, sender, path, iface, method, params, invocation):
        if method == 'RegisterStatusNotifierItem':
            service = params.unpack()[0]
            self.items.append((sender, service))
            conn.emit_signal(None, path, iface, 'StatusNotifierItemRegistered', GLib.Variant('(s)', (service,)))
        invocation.return_value(None)

    def _get(self, conn, sender, path, iface, name):
        return {'RegisteredStatusNotifierItems': GLib.Variant('as', [s for _, s in self.items]),
                'IsStatusNotifierHostRegistered': GLib.Variant('b', True),
                'ProtocolVersion': GLib.Variant('i', 0)}[name]

    def wait_item(self, bus, count=1):
        bus.wait(lambda: len(self.items) >= count, 10, 'the indicator to register')
        return self.items[count - 1][1]

    def _call(self, service, path, iface, method, signature=None, args=()):
        reply = self.conn.call_sync(service, path, iface, method, GLib.Variant(signature, args) if signature else None,
                                    None, Gio.DBusCallFlags.NO_AUTO_START, 5000, None)
        return reply.unpack() if reply is not None else ()

    def prop(self, name, interface=ITEM, path='/StatusNotifierItem'):
        return self._call(self.items[-1][1], path, 'org.freedesktop.DBus.Properties', 'Get', '(ss)',
                          (interface, name))[0]

    def menu(self):
        """The menu as a panel reads it: [(id, properties)] of the root's children."""
        revision, (root, props, children) = self._call(self.items[-1][1], self.prop('Menu'), MENU, 'GetLayout',
                                                       '(iias)', (0, -1, []))
        assert props.get('children-display') == 'submenu', props
        return [(child[0], child[1]) for child in children]

    def click(self, label):
        ids = [i for i, props in self.menu() if props.get('label') == label]
        assert ids, (label, self.menu())
        self._call(self.items[-1][1], self.prop('Menu'), MENU, 'Event', '(isvu)',
                   (ids[0], 'clicked', GLib.Variant('i', 0), 0))

    def close(self):
        self.conn.close_sync(None)


def labels(menu):
    return [props.get('label', '-' if props.get('type') == 'separator' else None) for _, props in menu]


def enabled(menu, label):
    return [props.get('enabled') for _, props in menu if props.get('label') == label][0]


def case_indicator_registers_and_shows_state():
    """The item registers with the watcher under its own name, and its icon, title, tooltip and label follow
    psoasd: sitting, sitting too long (after psoasd's sitting alert), snoozed, sensor problem, up; psoasd gone."""
    bus = Bus()
    watcher = Watcher()
    fake = FakeDaemon(bus, SittingSince=now_us() - 12 * 60 * 10**6 - 5 * 10**6, SittingToday=3600)
    with Notifier(bus) as notifier:
        service = watcher.wait_item(bus)
        sender = watcher.items[0][0]
        assert service.startswith(f'{ITEM}-{notifier.proc.pid}-'), service
        assert name_owner(bus, service) == sender, (service, sender)
        bus.wait(lambda: watcher.prop('IconName') == 'psoas-sitting', 10, 'the sitting icon')
        assert watcher.prop('Category') == 'ApplicationStatus' and watcher.prop('Id') == 'psoas'
        assert watcher.prop('ItemIsMenu') is True and watcher.prop('Menu') == '/MenuBar'
        assert watcher.prop('Title') == 'psoas: Sitting for 12 min', watcher.prop('Title')
        assert watcher.prop('XAyatanaLabel') == '12 min', watcher.prop('XAyatanaLabel')
        icon, pixmaps, title, body = watcher.prop('ToolTip')
        assert (icon, title, body) == ('psoas-sitting', 'psoas: Sitting for 12 min', 'Sitting today: 1 h 00 min'), \
            watcher.prop('ToolTip')
        assert watcher.prop('Status') == 'Active'
        assert labels(watcher.menu())[0] == 'Sitting for 12 min', watcher.menu()

        fake.alert('sitting', 'You have been sitting for 12 min')
        bus.wait(lambda: watcher.prop('IconName') == 'psoas-sitting-long', 10, 'the sitting-too-long icon')
        assert watcher.prop('Status') == 'NeedsAttention' and 'NewStatus' in watcher.signals, watcher.signals
        assert 'NewIcon' in watcher.signals and 'NewToolTip' in watcher.signals, watcher.signals
        fake.set('SnoozedUntil', now_us() + 15 * 60 * 10**6)
        bus.wait(lambda: watcher.prop('IconName') == 'psoas-snoozed', 10, 'the snoozed icon')
        assert watcher.prop('Status') == 'Active' and watcher.prop('ToolTip')[3].endswith('; alerts snoozed')
        fake.set('SensorState', 'stalled')
        bus.wait(lambda: watcher.prop('IconName') == 'psoas-sensor-problem', 10, 'the sensor-problem icon')
        fake.set('SensorState', 'streaming')
        fake.set('SnoozedUntil', 0)
        fake.set('SittingSince', 0)
        fake.set('Posture', 'standing')
        bus.wait(lambda: watcher.prop('IconName') == 'psoas-standing', 10, 'the standing icon')
        assert watcher.prop('Title') == 'psoas: Up' and watcher.prop('XAyatanaLabel') == ''
        for name in ('psoas-sitting', 'psoas-sitting-long', 'psoas-snoozed', 'psoas-sensor-problem',
                     'psoas-standing'):
            assert icon_installed(name), name
        fake.close()
        bus.wait(lambda: watcher.prop('Title') == 'psoas: psoasd is not running', 10, 'psoasd gone')
        assert watcher.prop('IconName') == 'psoas-sensor-problem'
    watcher.close()


FAKE_TODAY = '''#!/bin/sh
# Stands in for psoasctl (writes the SVG it is asked for) and xdg-open; records how each was run.
echo "$(basename "$0") $*" >> "$FAKE_LOG"
if [ "$(basename "$0")" = psoasctl ]; then
        while [ $# -gt 1 ]; do [ "$1" = --svg ] && echo '<svg/>' > "$2"; shift; done
fi
exit "${FAKE_STATUS:-0}"
'''


PORTAL_XML = '''<node><interface name="org.freedesktop.portal.OpenURI">
<method name="OpenFile"><arg type="s" direction="in"/><arg type="h" direction="in"/><arg type="a{sv}" direction="in"/>
<arg type="o" direction="out"/></method>
</interface></node>'''


class FakePortal:
    """xdg-desktop-portal's OpenURI.OpenFile: records the content of each file it is handed (as a descriptor)."""

    def __init__(self):
        self.opened = []
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        iface = Gio.DBusNodeInfo.new_for_xml(PORTAL_XML).lookup_interface('org.freedesktop.portal.OpenURI')
        self.conn.register_object('/org/freedesktop/portal/desktop', iface, self._method, None, None)
        self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                            GLib.Variant('(su)', ('org.freedesktop.portal.Desktop', 4)), None, 0, 5000, None)

    def _method(self, conn, sender, path, iface, method, params, invocation):
        fds = invocation.get_message().get_unix_fd_list()
        fd = fds.get(params.get_child_value(1).get_handle())
        with os.fdopen(fd) as f:
            self.opened.append(f.read())
        invocation.return_value(GLib.Variant('(o)', ('/org/freedesktop/portal/desktop/request/1_1/t',)))

    def close(self):
        self.conn.close_sync(None)


def case_indicator_menu_reaches_psoasd():
    """The menu's entries call psoasd: Snooze 15 min and 1 h, Resume only while snoozed, Calibrate… (its result
    in a notification); Today runs psoasctl today --svg for the same psoasd and opens the image with xdg-open,
    and says so when that fails."""
    bus = Bus()
    server = FakeNotificationServer(bus)
    watcher = Watcher()
    fake = FakeDaemon(bus)
    with tempfile.TemporaryDirectory() as tmp:
        bin_dir = os.path.join(tmp, 'bin')
        os.mkdir(bin_dir)
        for name in ('psoasctl', 'xdg-open'):
            with open(os.path.join(bin_dir, name), 'w') as f:
                f.write(FAKE_TODAY)
            os.chmod(os.path.join(bin_dir, name), stat.S_IRWXU)
        log = os.path.join(tmp, 'log')
        env = {'PATH': bin_dir + ':' + os.environ['PATH'], 'FAKE_LOG': log, 'XDG_RUNTIME_DIR': tmp}
        with Notifier(bus, env=env):
            watcher.wait_item(bus)
            bus.wait(lambda: labels(watcher.menu())[0] == 'Sitting for 0 s', 10, 'the state in the menu')
            assert labels(watcher.menu()) == ['Sitting for 0 s', '-', 'Snooze 15 min', 'Snooze 1 h', 'Resume',
                                              'Calibrate…', 'Today'], watcher.menu()
            assert enabled(watcher.menu(), 'Resume') is False
            watcher.click('Snooze 15 min')
            watcher.click('Snooze 1 h')
            watcher.click('Resume')  # disabled: nothing
            bus.wait(lambda: [c for c in fake.calls if c[0] == 'Snooze'] == [('Snooze', (900,)), ('Snooze', (3600,))],
                     10, 'the snoozes to reach psoasd')
            before = len(watcher.signals)
            fake.set('SnoozedUntil', now_us() + 3600 * 10**6)
            bus.wait(lambda: 'LayoutUpdated' in watcher.signals[before:], 10, 'the menu to change')
            assert enabled(watcher.menu(), 'Resume') is True
            watcher.click('Resume')
            bus.wait(lambda: ('Snooze', (0,)) in fake.calls, 10, 'Resume to reach psoasd')

            watcher.click('Calibrate…')
            bus.wait(lambda: ('Calibrate', ()) in fake.calls, 10, 'Calibrate to reach psoasd')
            note = server.wait(bus, 1)
            assert note['summary'] == 'Calibrated' and '12.5°' in note['body'], note

            watcher.click('Today')
            svg = os.path.join(tmp, 'psoas-today.svg')
            bus.wait(lambda: 'xdg-open' in read_file(log), 10, 'xdg-open')
            assert read_file(log).split('\n')[:2] == [f'psoasctl --user today --svg {svg}', f'xdg-open {svg}'], \
                read_file(log)
            assert read_file(svg) == '<svg/>\n'

            # With the desktop portal, the portal opens it (outside psoas-notify's sandbox), not xdg-open.
            portal = FakePortal()
            watcher.click('Today')
            bus.wait(lambda: portal.opened, 10, 'the portal to be asked')
            assert portal.opened == ['<svg/>\n'], portal.opened
            bus.pump(0.3)
            assert read_file(log).count('xdg-open') == 1, read_file(log)
            portal.close()
        with Notifier(bus, env=dict(env, FAKE_STATUS='1')):
            watcher.wait_item(bus, 2)
            bus.wait(lambda: labels(watcher.menu())[0] == 'Sitting for 0 s', 10, 'the state in the menu')
            count = len(server.notes)
            watcher.click('Today')
            note = server.wait(bus, count + 1)
            assert note['summary'] == "Could not show today's statistics", note
    fake.close()
    watcher.close()
    server.close()


def case_indicator_waits_for_watcher():
    """Started before any tray: it waits, and registers when a watcher appears, and again with the next one."""
    bus = Bus()
    fake = FakeDaemon(bus)
    with Notifier(bus) as notifier:
        bus.wait(lambda: 'No tray' in notifier.log(), 10, 'psoas-notify to find no tray')
        watcher = Watcher()
        watcher.wait_item(bus)
        watcher.close()
        bus.wait(lambda: 'The tray (org.kde.StatusNotifierWatcher) left' in notifier.log(), 10, 'the tray to go')
        watcher = Watcher()
        service = watcher.wait_item(bus)
        assert service.startswith(ITEM), service
        watcher.close()
    # --no-indicator: no item at all.
    with Notifier(bus, '--no-indicator') as notifier:
        watcher = Watcher()
        bus.pump(0.5)
        assert watcher.items == [], watcher.items
        watcher.close()
    fake.close()


if __name__ == '__main__':
    main({name[len('case_'):]: f for name, f in globals().items() if name.startswith('case_')})
