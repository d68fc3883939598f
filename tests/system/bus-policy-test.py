#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shipped system bus policy, data/org.psoas.Posture1.conf, loaded into a private system bus.

Usage: bus-policy-test.py POLICY INTERFACE_XML CASE

The test runs in its own mount namespace, where copies of /etc/passwd and /etc/group add a user and group
"psoas" (the daemon's) and a user "psoas-member" in that group, so that the policy's user= and group= rules
resolve as on a real installation. A fake service built from the interface XML owns org.psoas.Posture1 as the
user psoas and answers every call with empty values; clients run as root, as psoas-member and as nobody (no
groups), each under setpriv, and the test checks which calls the bus lets through.

A call the bus refuses fails with org.freedesktop.DBus.Error.AccessDenied from the bus itself; the fake service
never sends that error, so any other outcome means the call got through.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import fakeusers  # noqa: E402

BUS_NAME = "org.psoas.Posture1"
OBJECT_PATH = "/org/psoas/Posture1"
ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"

# The defaults of a system bus (as in dbus's system.conf): nobody owns a name or calls a method unless a policy
# allows it; replies, signals and calls to the bus driver pass. Our policy file is included after them.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""

# (label, interface, member, GVariant signature of the arguments, arguments)
READ_ONLY_CALLS = [
    ("Introspect", "org.freedesktop.DBus.Introspectable", "Introspect", None, None),
    ("Ping", "org.freedesktop.DBus.Peer", "Ping", None, None),
    ("Get(Tilt)", "org.freedesktop.DBus.Properties", "Get", "(ss)", (BUS_NAME, "Tilt")),
    ("GetAll", "org.freedesktop.DBus.Properties", "GetAll", "(s)", (BUS_NAME,)),
    ("ListStretches", BUS_NAME, "ListStretches", None, None),
    ("GetDay", BUS_NAME, "GetDay", "(s)", ("",)),
]
PRIVILEGED_CALLS = [
    ("Calibrate", BUS_NAME, "Calibrate", None, None),
    ("Snooze", BUS_NAME, "Snooze", "(u)", (900,)),
    ("Inhibit", BUS_NAME, "Inhibit", "(ss)", ("org.example.Slides", "presenting")),
    ("Uninhibit", BUS_NAME, "Uninhibit", "(u)", (1,)),
    ("ClaimLive", BUS_NAME, "ClaimLive", None, None),
    ("ReleaseLive", BUS_NAME, "ReleaseLive", None, None),
    ("CompleteStretch", BUS_NAME, "CompleteStretch", "(s)", ("kneeling-hip-flexor",)),
    ("TestHaptics", BUS_NAME, "TestHaptics", "(s)", ("tilt",)),
]
# Set is not for everyone even though every property is read-only: the fake service refuses it by itself
# (with a GDBus error, not AccessDenied), so this checks that the bus stops it first for outsiders.
SET_CALL = ("Set(Tilt)", "org.freedesktop.DBus.Properties", "Set", "(ssv)", None)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------------------------
# Roles run in child processes (after setpriv).


def gio():
    import gi

    gi.require_version("Gio", "2.0")
    from gi.repository import Gio, GLib

    return Gio, GLib


def connect(address):
    Gio, _ = gio()
    flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
    return Gio.DBusConnection.new_for_address_sync(address, flags, None, None)


def empty_value(signature):
    """A value of a complete GVariant type string, for the fake service's replies."""
    if signature in ("s", "g"):
        return ""
    if signature == "o":
        return "/"
    if signature in ("y", "n", "q", "i", "u", "x", "t", "h"):
        return 0
    if signature == "d":
        return 0.0
    if signature == "b":
        return False
    if signature.startswith("a{"):
        return {}
    if signature.startswith("a"):
        return []
    raise ValueError("no empty value for signature " + signature)


def role_serve(address, xml_path):
    """Own the name as the current user, answer every call with empty values, emit BreakTaken every 50 ms."""
    Gio, GLib = gio()
    with open(xml_path) as f:
        node = Gio.DBusNodeInfo.new_for_xml(f.read())
    interface = node.lookup_interface(BUS_NAME)
    connection = connect(address)

    def method_call(conn, sender, path, iface, member, params, invocation):
        method = interface.lookup_method(member)
        out_types = [arg.signature for arg in method.out_args]
        values = tuple(empty_value(t) for t in out_types)
        invocation.return_value(GLib.Variant("(" + "".join(out_types) + ")", values))

    def get_property(conn, sender, path, iface, name):
        signature = interface.lookup_property(name).signature
        return GLib.Variant(signature, empty_value(signature))

    connection.register_object(OBJECT_PATH, interface, method_call, get_property, None)
    reply = connection.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                 "RequestName", GLib.Variant("(su)", (BUS_NAME, 4)), GLib.VariantType("(u)"),
                                 Gio.DBusCallFlags.NONE, 5000, None)
    if reply.unpack()[0] != 1:
        print("serve: RequestName answered %d, not 1 (primary owner)" % reply.unpack()[0], file=sys.stderr)
        sys.exit(1)

    def emit():
        connection.emit_signal(None, OBJECT_PATH, BUS_NAME, "BreakTaken", GLib.Variant("(t)", (600,)))
        return True

    GLib.timeout_add(50, emit)
    GLib.MainLoop().run()


def role_call(address):
    """Make every call in READ_ONLY_CALLS, PRIVILEGED_CALLS and SET_CALL; print {label: "ok" or error name}."""
    Gio, GLib = gio()
    connection = connect(address)
    results = {}
    for label, iface, member, signature, args in READ_ONLY_CALLS + PRIVILEGED_CALLS + [SET_CALL]:
        if member == "Set":
            params = GLib.Variant("(ssv)", (BUS_NAME, "Tilt", GLib.Variant("d", 1.0)))
        else:
            params = GLib.Variant(signature, args) if signature else None
        try:
            connection.call_sync(BUS_NAME, OBJECT_PATH, iface, member, params, None, Gio.DBusCallFlags.NONE, 5000,
                                 None)
            results[label] = "ok"
        except GLib.Error as e:
            results[label] = Gio.DBusError.get_remote_error(e) or e.message
    print(json.dumps(results))


def role_own(address):
    """Try to own the name; print "owned" or the error name."""
    Gio, GLib = gio()
    connection = connect(address)
    try:
        connection.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "RequestName", GLib.Variant("(su)", (BUS_NAME, 4)), GLib.VariantType("(u)"),
                             Gio.DBusCallFlags.NONE, 5000, None)
        print("owned")
    except GLib.Error as e:
        print(Gio.DBusError.get_remote_error(e) or e.message)


def role_listen(address):
    """Wait up to 3 s for a BreakTaken signal from the service; print "received" or "nothing"."""
    Gio, GLib = gio()
    connection = connect(address)
    loop = GLib.MainLoop()
    got = []

    def on_signal(*args):
        got.append(args)
        loop.quit()

    connection.signal_subscribe(BUS_NAME, BUS_NAME, "BreakTaken", OBJECT_PATH, None, Gio.DBusSignalFlags.NONE,
                                on_signal)
    GLib.timeout_add(3000, loop.quit)
    loop.run()
    print("received" if got else "nothing")


# ---------------------------------------------------------------------------------------------------------------
# The test, as root in a private mount namespace.


class Rig:
    def __init__(self, policy, xml):
        self.dir = tempfile.mkdtemp(prefix="psoas-bus-policy-")
        os.chmod(self.dir, 0o755)
        self.xml = xml
        self.processes = []
        self.users = fakeusers.add_users(self.dir)
        shutil.copy(policy, os.path.join(self.dir, "policy.conf"))
        config = os.path.join(self.dir, "bus.conf")
        with open(config, "w") as f:
            f.write(BUS_CONFIG.format(socket=os.path.join(self.dir, "bus"),
                                      policy=os.path.join(self.dir, "policy.conf")))
        bus = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork", "--nopidfile",
                                "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(bus)
        self.address = bus.stdout.readline().strip()
        if not self.address:
            fail("dbus-daemon did not start: " + bus.stderr.read())
        self.bus = bus

    def as_user(self, who):
        return fakeusers.setpriv(who, self.users)

    def role(self, who, role, *args):
        return self.as_user(who) + [sys.executable, os.path.abspath(__file__), "--role", role, self.address] + list(args)

    def run(self, who, role):
        result = subprocess.run(self.role(who, role), capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            fail("%s as %s exited with %d: %s" % (role, who, result.returncode, result.stderr.strip()))
        return result.stdout.strip()

    def start_service(self, who="psoas"):
        service = subprocess.Popen(self.role(who, "serve", self.xml), stderr=subprocess.PIPE, text=True)
        self.processes.append(service)
        Gio, GLib = gio()
        connection = connect(self.address)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if service.poll() is not None:
                fail("the fake service as %s exited: %s" % (who, service.stderr.read().strip()))
            reply = connection.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                         "NameHasOwner", GLib.Variant("(s)", (BUS_NAME,)), None,
                                         Gio.DBusCallFlags.NONE, 5000, None)
            if reply.unpack()[0]:
                return
            time.sleep(0.02)
        fail("the fake service as %s did not own %s within 10 s" % (who, BUS_NAME))

    def close(self):
        """Stops everything; returns the messages dbus-daemon printed that are not expected."""
        for p in reversed(self.processes):
            if p.poll() is None:
                p.kill()
            p.wait()
        # Refused calls (which the tests make on purpose) and the fd limit an unprivileged container keeps are
        # logged too; anything else, like "Unknown group", is about the policy.
        expected = re.compile(r"\[system\] (Rejected (send|receive) message|.*Failed to set fd limit)")
        messages = [line for line in self.bus.stderr.read().splitlines() if not expected.search(line)]
        shutil.rmtree(self.dir, ignore_errors=True)
        return "\n".join(messages)


def expect_calls(rig, who, allowed, denied):
    results = json.loads(rig.run(who, "call"))
    problems = []
    for label in allowed:
        if results[label] != "ok":
            problems.append("%s as %s: expected a reply, got %s" % (label, who, results[label]))
    for label in denied:
        if results[label] != ACCESS_DENIED:
            problems.append("%s as %s: expected %s from the bus, got %s" % (label, who, ACCESS_DENIED,
                                                                             results[label]))
    if problems:
        fail("\n".join(problems))


def labels(calls):
    return [c[0] for c in calls]


def case_outsider_reads(rig):
    rig.start_service()
    expect_calls(rig, "nobody", allowed=labels(READ_ONLY_CALLS), denied=[])


def case_outsider_denied_changes(rig):
    rig.start_service()
    expect_calls(rig, "nobody", allowed=[], denied=labels(PRIVILEGED_CALLS) + [SET_CALL[0]])


def case_outsider_receives_signals(rig):
    rig.start_service()
    if rig.run("nobody", "listen") != "received":
        fail("the user nobody received no BreakTaken signal within 3 s")


def case_group_member_calls_all(rig):
    rig.start_service()
    expect_calls(rig, "psoas-member", allowed=labels(READ_ONLY_CALLS + PRIVILEGED_CALLS), denied=[])


def case_root_calls_all(rig):
    rig.start_service()
    expect_calls(rig, "root", allowed=labels(READ_ONLY_CALLS + PRIVILEGED_CALLS), denied=[])


def case_psoas_user_owns(rig):
    if rig.run("psoas", "own") != "owned":
        fail("the user psoas could not own " + BUS_NAME)


def case_root_owns(rig):
    # Root owning the name is how a root psoasd (or this test's service) runs; every allowed call then works.
    rig.start_service("root")
    expect_calls(rig, "nobody", allowed=labels(READ_ONLY_CALLS), denied=labels(PRIVILEGED_CALLS))


def case_others_cannot_own(rig):
    for who in ("nobody", "psoas-member"):
        outcome = rig.run(who, "own")
        if outcome != ACCESS_DENIED:
            fail("%s trying to own %s: expected %s, got %s" % (who, BUS_NAME, ACCESS_DENIED, outcome))


CASES = {name[5:].replace("_", "-"): f for name, f in globals().items() if name.startswith("case_")}


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--role":
        role, address, rest = sys.argv[2], sys.argv[3], sys.argv[4:]
        {"serve": role_serve, "call": role_call, "own": role_own, "listen": role_listen}[role](address, *rest)
        return
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        fail("usage: %s POLICY INTERFACE_XML {%s}" % (sys.argv[0], "|".join(CASES)))
    fakeusers.enter_mount_namespace()
    rig = Rig(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
    try:
        CASES[sys.argv[3]](rig)
    finally:
        messages = rig.close()
    if messages:
        fail("dbus-daemon said, loading the policy or running:\n" + messages)
    print("ok: " + sys.argv[3])


if __name__ == "__main__":
    main()
