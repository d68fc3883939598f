# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile and broken D-Bus clients against the real psoasd: wrong types, huge strings, thousands of inhibitors and
live claims from one client or from many, and floods. Every bad call must get an error reply, the daemon must stay
responsive, and its memory must stay bounded (limits: 16 inhibitors per client and 256 in all, 16 live claims per
client).

One meson test per case: dbus-run-session -- python3 test-bus-abuse.py CASE.
"""

import os
import subprocess
import time

import gi

gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

from robust_test import REC, main, scaled, tracked_seconds  # noqa: E402
from psoasd_test import IFACE, NAME, PATH, Bus, CallError, Daemon  # noqa: E402

INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
LIMITS = 'org.freedesktop.DBus.Error.LimitsExceeded'


def is_throttled(name, message):
    """A refusal by psoasd's per-client rate limit, not by the method."""
    return name == LIMITS and 'Too many calls' in message


class Client:
    """A connection of its own to the session bus: another client, with its own unique name."""

    def __init__(self):
        address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)

    @property
    def name(self):
        return self.conn.get_unique_name()

    def call(self, method, signature=None, *args, iface=IFACE, path=PATH, timeout=10, polite=True):
        """One call. polite: when psoasd throttles this client (it has made too many calls), wait and try again,
        as a well-behaved client does; otherwise the refusal is raised like any error."""
        params = GLib.Variant(signature, tuple(args)) if signature else None
        end = time.monotonic() + scaled(10)
        while True:
            try:
                reply = self.conn.call_sync(NAME, path, iface, method, params, None, Gio.DBusCallFlags.NONE,
                                            int(scaled(timeout) * 1000), None)
                return reply.unpack() if reply is not None else ()
            except GLib.Error as e:
                name = Gio.DBusError.get_remote_error(e) or str(e)
                Gio.DBusError.strip_remote_error(e)
                if polite and is_throttled(name, e.message) and time.monotonic() < end:
                    time.sleep(0.25)
                    continue
                raise CallError(name, e.message) from None

    def error_of(self, method, signature=None, *args, **kw):
        """The error name and message a call gets; fails the test when it succeeds."""
        try:
            self.call(method, signature, *args, **kw)
        except CallError as e:
            return e.name, e.message
        raise AssertionError(f'{method}{args!r:.80} succeeded')

    def flood(self, method, signature=None, args=(), count=1000):
        """Sends count calls without waiting for any reply; returns {'ok': n, error name: n} once all came back."""
        results = {}
        pending = [count]
        params = GLib.Variant(signature, tuple(args)) if signature else None

        def done(conn, res):
            try:
                conn.call_finish(res)
                results['ok'] = results.get('ok', 0) + 1
            except GLib.Error as e:
                name = Gio.DBusError.get_remote_error(e) or 'local'
                results[name] = results.get(name, 0) + 1
            pending[0] -= 1

        for _ in range(count):
            self.conn.call(NAME, PATH, IFACE, method, params, None, Gio.DBusCallFlags.NONE,
                           int(scaled(60) * 1000), None, done)
        ctx = GLib.MainContext.default()
        end = time.monotonic() + scaled(60)
        while pending[0] > 0 and time.monotonic() < end:
            ctx.iteration(True)
        assert pending[0] == 0, f'{pending[0]} of {count} calls never answered'
        return results

    def close(self):
        self.conn.close_sync(None)


def bus_flood(method, count, argument=None):
    """bus-flood: count calls of method sent as fast as a C client can; returns the tally and the seconds taken."""
    p = subprocess.run([os.environ['BUS_FLOOD'], method, str(count)] + ([argument] if argument is not None else []),
                       capture_output=True, text=True, timeout=scaled(120))
    assert p.returncode == 0, p.stderr
    tally = {}
    for line in p.stdout.splitlines():
        name, value = line.rsplit(' ', 1)
        tally[name] = float(value) if name == 'seconds' else int(value)
    return tally, tally.pop('seconds')


def small_quarantine():
    """Environment for a daemon whose memory a test measures: under AddressSanitizer, freed memory is otherwise
    held back (256 MiB of quarantine) and would look like growth."""
    options = os.environ.get('ASAN_OPTIONS', '')
    return {'ASAN_OPTIONS': (options + ':' if options else '') + 'quarantine_size_mb=1'}


def under_asan(pid):
    """Whether the process runs with AddressSanitizer (the sanitize build)."""
    with open(f'/proc/{pid}/maps') as f:
        return 'libasan' in f.read()


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS')


def assert_alive_and_quick(bus, d):
    assert d.proc.poll() is None, d.read_log()
    start = time.monotonic()
    assert bus.get('Version')
    assert time.monotonic() - start < scaled(1), 'psoasd slow to answer'


# --------------------------------------------------------------------------------------------------------------


def case_wrong_types_and_unknown_members():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1') as d:
        c = Client()
        for method, signature, args in (
                ('Snooze', '(s)', ('ten',)), ('Snooze', '(uu)', (1, 2)), ('Snooze', None, ()),
                ('Inhibit', '(u)', (1,)), ('Inhibit', '(s)', ('only-one',)), ('Inhibit', '(sss)', ('a', 'b', 'c')),
                ('Uninhibit', '(s)', ('1',)), ('Uninhibit', '(t)', (1,)), ('GetDay', '(u)', (20260101,)),
                ('GetDay', '(as)', (['2026-01-01'],)), ('CompleteStretch', '(i)', (3,)),
                ('Calibrate', '(s)', ('now',)), ('ClaimLive', '(b)', (True,)), ('ListStretches', '(v)',
                                                                               (GLib.Variant('s', 'x'),))):
            name, message = c.error_of(method, signature, *args)
            assert name == INVALID_ARGS, (method, signature, name, message)
        name, _ = c.error_of('NoSuchMethod')
        assert name == 'org.freedesktop.DBus.Error.UnknownMethod', name
        name, _ = c.error_of('Get', '(ss)', IFACE, 'NoSuchProperty', iface='org.freedesktop.DBus.Properties')
        assert name in ('org.freedesktop.DBus.Error.UnknownProperty', INVALID_ARGS), name
        name, _ = c.error_of('Set', '(ssv)', IFACE, 'Posture', GLib.Variant('s', 'lying'),
                             iface='org.freedesktop.DBus.Properties')
        assert name in ('org.freedesktop.DBus.Error.PropertyReadOnly', INVALID_ARGS), name
        name, _ = c.error_of('Get', '(ss)', 'org.example.Nothing', 'Posture', iface='org.freedesktop.DBus.Properties')
        assert name in ('org.freedesktop.DBus.Error.UnknownInterface', 'org.freedesktop.DBus.Error.UnknownProperty',
                        INVALID_ARGS), name
        name, _ = c.error_of('GetDay', '(s)', '', path='/org/psoas/Posture1/nothing')
        assert name in ('org.freedesktop.DBus.Error.UnknownObject', 'org.freedesktop.DBus.Error.UnknownMethod'), name
        # Strings that are valid D-Bus but not valid for us.
        for method, args in (('Inhibit', ('app\x01', 'x')), ('Inhibit', ('', 'x')), ('GetDay', ('2026-13-01',)),
                             ('GetDay', ('\u00e9' * 10,)), ('CompleteStretch', ('../../etc/passwd',))):
            name, message = c.error_of(method, '(' + 's' * len(args) + ')', *args)
            assert name == INVALID_ARGS, (method, name, message)
        assert_alive_and_quick(bus, d)
        assert bus.get('Inhibited') is False


def case_huge_strings_get_short_errors():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1', env=small_quarantine()) as d:
        c = Client()
        c.call('ListStretches')
        rss_before = rss_kib(d.proc.pid)
        big = 'x' * (4 << 20)
        for method, args in (('Inhibit', (big, 'r')), ('Inhibit', ('app', big)), ('CompleteStretch', (big,)),
                             ('GetDay', (big,))):
            for _ in range(5):
                name, message = c.error_of(method, '(' + 's' * len(args) + ')', *args, timeout=30)
                assert name == INVALID_ARGS, (method, name)
                # The error names what is wrong without echoing megabytes back.
                assert len(message) < 300, (method, len(message))
        assert_alive_and_quick(bus, d)
        grown = rss_kib(d.proc.pid) - rss_before
        # sd-bus keeps read buffers for the largest message it has seen; nothing else may stay.
        assert grown < 16 * 1024, f'{grown} KiB more after 20 calls with 4 MiB strings'
        assert bus.get('Inhibited') is False


def case_thousands_of_inhibitors_from_one_client():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1', env=small_quarantine()) as d:
        c = Client()
        rss_before = rss_kib(d.proc.pid)
        cookies = []
        refusals = 0
        for i in range(3000):
            try:
                cookies.append(c.call('Inhibit', '(ss)', 'flood', f'reason {i}', polite=False)[0])
            except CallError as e:
                # The inhibitor limit, or the call rate limit once this client has made too many calls.
                assert e.name == LIMITS, e
                assert 'at most 16 per client' in e.message or is_throttled(e.name, e.message), e.message
                refusals += 1
        assert len(cookies) == 16 and refusals == 3000 - 16, (len(cookies), refusals)
        assert len(set(cookies)) == 16
        assert bus.get('Inhibited') is True
        # A pipelined flood on top: still exactly refused, every call answered.
        results = c.flood('Inhibit', '(ss)', ('flood', 'more'), count=5000)
        assert results == {LIMITS: 5000}, results
        grown = rss_kib(d.proc.pid) - rss_before
        # How many of the pipelined calls sd-bus holds at once depends on scheduling; under AddressSanitizer each
        # costs several times more (redzones, the allocator's own caches). What must hold is that memory stops
        # growing: a second flood like the first adds (almost) nothing.
        asan = under_asan(d.proc.pid)
        assert grown < (16 if asan else 4) * 1024, f'{grown} KiB more after 8000 Inhibit calls'
        results = c.flood('Inhibit', '(ss)', ('flood', 'more'), count=5000)
        assert results == {LIMITS: 5000}, results
        again = rss_kib(d.proc.pid) - rss_before - grown
        assert again < 1024, f'{again} KiB more after a second flood of 5000 calls ({grown} KiB after the first)'
        # Its own cookies release, others' are refused.
        other = Client()
        name, _ = other.error_of('Uninhibit', '(u)', cookies[0])
        assert name == INVALID_ARGS
        for cookie in cookies:
            c.call('Uninhibit', '(u)', cookie)
        assert bus.get('Inhibited') is False
        # And the limit is per client at a time, not per lifetime.
        assert len([c.call('Inhibit', '(ss)', 'again', '')[0] for _ in range(16)]) == 16
        c.close()
        bus.wait(lambda: bus.get('Inhibited') is False, 5, 'inhibitors dropped with their client')
        assert_alive_and_quick(bus, d)


def case_inhibitors_limited_in_all_and_freed_by_leaving_clients():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1') as d:
        clients = [Client() for _ in range(20)]
        taken = []
        for c in clients:
            n = 0
            for i in range(20):
                try:
                    c.call('Inhibit', '(ss)', 'many', str(i))
                    n += 1
                except CallError as e:
                    assert e.name == LIMITS, e
            assert n <= 16
            taken.append(n)
        # 256 in all: sixteen clients filled it, the other four got nothing.
        assert sum(taken) == 256, taken
        assert taken.count(16) == 16 and taken.count(0) == 4, taken
        # A client that leaves frees its share for another.
        first = taken.index(16)
        clients[first].close()
        waiting = clients[taken.index(0)]

        def took():
            try:
                waiting.call('Inhibit', '(ss)', 'later', '')
                return True
            except CallError as e:
                assert e.name == LIMITS, e
                return False
        bus.wait(took, 5, 'room after a client left')
        for c in clients:
            if c is not clients[first]:
                c.close()
        bus.wait(lambda: bus.get('Inhibited') is False, 5, 'every inhibitor dropped')
        fresh = Client()
        for _ in range(16):
            fresh.call('Inhibit', '(ss)', 'fresh', '')
        assert_alive_and_quick(bus, d)


def case_thousands_of_live_claims():
    bus = Bus()
    with Daemon(bus, '--replay', REC, '--speed', '1', env=small_quarantine()) as d:
        c = Client()
        rss_before = rss_kib(d.proc.pid)
        results = c.flood('ClaimLive', count=5000)
        assert results == {'ok': 16, LIMITS: 5000 - 16}, results
        for _ in range(16):
            c.call('ReleaseLive')
        name, _ = c.error_of('ReleaseLive')
        assert name == INVALID_ARGS, name
        # Many clients, each at its limit: no total limit, but each one's claims end with it.
        def fifty_clients_at_their_limit():
            clients = [Client() for _ in range(50)]
            for other in clients:
                assert other.flood('ClaimLive', count=40) == {'ok': 16, LIMITS: 24}
            for other in clients:
                other.close()
            bus.pump(0.2)

        fifty_clients_at_their_limit()
        grown = rss_kib(d.proc.pid) - rss_before
        # Under AddressSanitizer the first round costs several times more (redzones, the allocator's caches:
        # 5.9 MiB seen in CI). What must hold is that memory stops growing: a second round adds (almost) nothing.
        asan = under_asan(d.proc.pid)
        assert grown < (16 if asan else 4) * 1024, f'{grown} KiB more after 7000 ClaimLive calls from 51 clients'
        fifty_clients_at_their_limit()
        again = rss_kib(d.proc.pid) - rss_before - grown
        assert again < 1024, f'{again} KiB more after a second round of 2000 calls ({grown} KiB after the first)'
        bus.pump(0.5)
        assert_alive_and_quick(bus, d)
        # Everything released: a new client claims 16 again.
        assert Client().flood('ClaimLive', count=20) == {'ok': 16, LIMITS: 4}


def case_flood_does_not_delay_samples():
    """A client that sends tens of thousands of calls without waiting does not slow the replay down: sample time
    keeps its pace with the wall clock, and another client is still answered meanwhile."""
    bus = Bus()
    speed = 20
    with Daemon(bus, '--replay', REC, '--speed', str(speed), '--calibrate-first', '5') as d:
        bus.wait(lambda: tracked_seconds(bus.call('GetDay', '(s)', '')[0]) >= 20, 20, 'samples flowing')
        before = tracked_seconds(bus.call('GetDay', '(s)', '')[0])
        started = time.monotonic()
        # Enough calls to last a few seconds on a fast machine too (20 000 took 0.9 s on a 2026 EPYC core).
        flooder = subprocess.Popen([os.environ['BUS_FLOOD'], 'GetDay', '60000', ''], stdout=subprocess.PIPE,
                                   text=True)
        # Another client, during the flood.
        time.sleep(0.5)
        start = time.monotonic()
        bus.get('Posture')
        answer_s = time.monotonic() - start
        out, _ = flooder.communicate(timeout=scaled(120))
        assert flooder.returncode == 0, out
        after = tracked_seconds(bus.call('GetDay', '(s)', '')[0])
        elapsed = time.monotonic() - started
        rate = (after - before) / elapsed
        print(f'flood: {" ".join(out.split())}; sample time ran {rate:.1f}× wall time (replay speed {speed}); '
              f'another client answered in {answer_s * 1000:.0f} ms')
        assert 'ok 60000' in out or 'LimitsExceeded' in out, out
        assert elapsed >= 1, f'a flood of {elapsed:.1f} s proves little'
        assert rate >= speed * 0.8, f'sample time ran only {rate:.1f}× wall time during the flood (speed {speed})'
        # Answered, though after the flood's calls queued before it: the bus delivers in order, and psoasd answers
        # about 10000 calls a second.
        assert answer_s < scaled(5), answer_s
        assert_alive_and_quick(bus, d)


# --------------------------------------------------------------------------------------------------------------
# Needs the throttle in psoasd (daemon/throttle.c, see /work/notes/robust-integration.diff): not registered yet.


def case_flood_is_throttled():
    """More than 100 calls a second (bursts of 400) from one client are refused with LimitsExceeded, logged once per
    flood; other clients and the samples are not affected; the flooder is served again once it slows down."""
    bus = Bus()
    speed = 20
    with Daemon(bus, '--replay', REC, '--speed', str(speed), '--calibrate-first', '5') as d:
        bus.wait(lambda: tracked_seconds(bus.call('GetDay', '(s)', '')[0]) >= 20, 20, 'samples flowing')
        before = tracked_seconds(bus.call('GetDay', '(s)', '')[0])
        started = time.monotonic()
        tally, seconds = bus_flood('GetDay', 20000, '')
        after = tracked_seconds(bus.call('GetDay', '(s)', '')[0])
        elapsed = time.monotonic() - started
        allowed = tally.get('ok', 0)
        print(f'flood: {tally} in {seconds:.1f} s')
        # The burst, then the sustained rate, with some slack for the time the flood took.
        assert 400 <= allowed <= 400 + 100 * (seconds + 1), (allowed, seconds)
        assert tally.get(LIMITS, 0) == 20000 - allowed, tally
        assert (after - before) / elapsed >= speed * 0.8, 'the flood slowed the samples down'
        log = d.read_log()
        assert log.count('Throttling') == 1, log
        # Others are served at once.
        other = Client()
        start = time.monotonic()
        assert other.call('GetDay', '(s)', '')[0]['date']
        assert time.monotonic() - start < scaled(1)
        # The flooder itself, once it has slowed down for a few seconds, is served again.
        time.sleep(5)
        tally, _ = bus_flood('GetDay', 50, '')
        assert tally == {'ok': 50}, tally
        assert_alive_and_quick(bus, d)


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
