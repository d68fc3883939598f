#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks data/org.psoas.Posture1.xml against the API as specified, member by member, and that every member
and argument is documented.

Usage: check-interface.py INTERFACE_XML {api|docs}

api:  the interface has exactly these properties (type, read-only, change signal), methods and signals (argument
      names, types and directions), no more and no fewer.
docs: the interface and every member are preceded by a comment "Name: text" (gdbus-codegen's convention), and
      the comment names each argument as "@name: text".

Any change to the interface must be made here too, on purpose.
"""

import re
import sys
import xml.etree.ElementTree as ET

INTERFACE = "org.psoas.Posture1"
OBJECT_PATH = "/org/psoas/Posture1"
EMITS = "org.freedesktop.DBus.Property.EmitsChangedSignal"

# name: (type, EmitsChangedSignal); "true" is also what no annotation means.
PROPERTIES = {
    "Posture": ("s", "true"),
    "Tilt": ("d", "true"),
    "Inclination": ("d", "true"),
    "Calibrated": ("b", "true"),
    "SittingSince": ("t", "true"),
    "SittingToday": ("t", "false"),
    "LastBreak": ("t", "true"),
    "SensorState": ("s", "true"),
    "Sensor": ("s", "true"),
    "SensorError": ("s", "true"),
    "SampleRate": ("d", "true"),
    "SnoozedUntil": ("t", "true"),
    "Inhibited": ("b", "true"),
    "Haptics": ("s", "true"),
    "Version": ("s", "const"),
    "Revision": ("u", "const"),
    "StretchRedFlags": ("s", "const"),
    "ClockAnchor": ("t", "true"),
    "ClockAnchorWall": ("t", "true"),
    "ClockSpeed": ("d", "true"),
}

# name: [(argument name, type, direction)]
METHODS = {
    "Calibrate": [("neutral_inclination", "d", "out")],
    "CalibrateSitting": [("sitting_reference_inclination", "d", "out")],
    "Snooze": [("seconds", "u", "in")],
    "Inhibit": [("app_id", "s", "in"), ("reason", "s", "in"), ("cookie", "u", "out")],
    "Uninhibit": [("cookie", "u", "in")],
    "ClaimLive": [],
    "ReleaseLive": [],
    "ListStretches": [("stretches", "a(ssssuu)", "out")],
    "GetStretches": [("stretches", "aa{sv}", "out")],
    "CompleteStretch": [("id", "s", "in")],
    "GetDay": [("date", "s", "in"), ("stats", "a{sv}", "out")],
    "GetTimeline": [("date", "s", "in"), ("minutes", "a(qqqqqqqqdd)", "out")],
    "TestHaptics": [("pattern", "s", "in")],
}

# name: [(argument name, type)]
SIGNALS = {
    "Alert": [("kind", "s"), ("message", "s"), ("level", "u")],
    # Revision 2 appended safety and details; the first five are revision 1's, unchanged.
    "StretchPrompt": [("id", "s"), ("title", "s"), ("instructions", "s"), ("hold_seconds", "u"),
                      ("repetitions", "u"), ("safety", "s"), ("details", "a{sv}")],
    "StretchVerified": [("id", "s")],
    "StretchProgress": [("id", "s"), ("side", "u"), ("seconds", "u"), ("repetitions", "u"), ("goal", "u")],
    "StretchMissed": [("id", "s"), ("seen", "as"), ("message", "s")],
    "BreakTaken": [("seconds", "t")],
}

# Errors the documentation of a method must name.
METHOD_ERRORS = {
    "Calibrate": ["org.psoas.Posture1.Error.NotStill", "org.psoas.Posture1.Error.NotStanding",
                  "org.psoas.Posture1.Error.NoSensor", "org.psoas.Posture1.Error.Busy"],
    "CalibrateSitting": ["org.psoas.Posture1.Error.NotCalibrated", "org.psoas.Posture1.Error.NotSitting",
                         "org.psoas.Posture1.Error.NotStill", "org.psoas.Posture1.Error.NoSensor",
                         "org.psoas.Posture1.Error.Busy"],
    "Snooze": ["org.freedesktop.DBus.Error.InvalidArgs"],
    "TestHaptics": ["org.freedesktop.DBus.Error.InvalidArgs", "org.psoas.Posture1.Error.NoHaptics"],
}

problems = []


def problem(message):
    problems.append(message)


def parse(path):
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    with open(path, "rb") as f:
        return ET.fromstring(f.read(), parser=parser)


def the_interface(root):
    if root.tag != "node" or root.get("name") != OBJECT_PATH:
        problem("the root element is <%s name=%r>, not <node name=%r>" % (root.tag, root.get("name"), OBJECT_PATH))
    interfaces = root.findall("interface")
    names = [i.get("name") for i in interfaces]
    if names != [INTERFACE]:
        problem("interfaces are %s, not exactly [%s]" % (names, INTERFACE))
        return None
    return interfaces[0]


def check_api(interface):
    members = {"property": {}, "method": {}, "signal": {}}
    for element in interface:
        if element.tag is ET.Comment:
            continue
        if element.tag not in members:
            problem("unexpected <%s> in the interface" % element.tag)
            continue
        name = element.get("name")
        if name in members[element.tag]:
            problem("%s %s is declared twice" % (element.tag, name))
        members[element.tag][name] = element

    for kind, expected in (("property", PROPERTIES), ("method", METHODS), ("signal", SIGNALS)):
        have = set(members[kind])
        for name in sorted(have - set(expected)):
            problem("%s %s is not in the API" % (kind, name))
        for name in sorted(set(expected) - have):
            problem("%s %s is missing" % (kind, name))

    for name, (signature, emits) in PROPERTIES.items():
        element = members["property"].get(name)
        if element is None:
            continue
        if element.get("type") != signature:
            problem("property %s has type %r, not %r" % (name, element.get("type"), signature))
        if element.get("access") != "read":
            problem("property %s has access %r, not 'read'" % (name, element.get("access")))
        annotations = {a.get("name"): a.get("value") for a in element.findall("annotation")}
        if annotations.get(EMITS, "true") != emits:
            problem("property %s: %s is %r, not %r" % (name, EMITS, annotations.get(EMITS, "true"), emits))

    for name, arguments in METHODS.items():
        element = members["method"].get(name)
        if element is None:
            continue
        have = [(a.get("name"), a.get("type"), a.get("direction", "in")) for a in element.findall("arg")]
        if have != arguments:
            problem("method %s has arguments %s, not %s" % (name, have, arguments))

    for name, arguments in SIGNALS.items():
        element = members["signal"].get(name)
        if element is None:
            continue
        have = [(a.get("name"), a.get("type")) for a in element.findall("arg")]
        if have != arguments:
            problem("signal %s has arguments %s, not %s" % (name, have, arguments))
        for a in element.findall("arg"):
            if a.get("direction") is not None:
                problem("signal %s argument %s has a direction; signal arguments have none" % (name, a.get("name")))


def preceding_comment(parent, element):
    """The comment right before element among parent's children (whitespace between them does not count)."""
    children = list(parent)
    index = children.index(element)
    if index > 0 and children[index - 1].tag is ET.Comment:
        return children[index - 1].text or ""
    return None


def check_docs(root, interface):
    def check(parent, element, what):
        name = element.get("name")
        comment = preceding_comment(parent, element)
        if comment is None:
            problem("%s %s has no documentation comment right before it" % (what, name))
            return None
        if not re.match(r"\s*" + re.escape(name) + r":\s*\S", comment):
            problem("%s %s: its comment does not start with '%s: ' and a description" % (what, name, name))
        return comment

    check(root, interface, "interface")
    for element in interface:
        if element.tag not in ("property", "method", "signal"):
            continue
        comment = check(interface, element, element.tag)
        if comment is None:
            continue
        for arg in element.findall("arg"):
            if not re.search(r"@" + re.escape(arg.get("name")) + r":\s*\S", comment):
                problem("%s %s: argument %s is not documented as '@%s: text'" % (element.tag, element.get("name"),
                                                                                   arg.get("name"),
                                                                                   arg.get("name")))
        for error in METHOD_ERRORS.get(element.get("name"), []) if element.tag == "method" else []:
            if error not in comment:
                problem("method %s: its comment does not name the error %s" % (element.get("name"), error))


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("api", "docs"):
        print("usage: %s INTERFACE_XML {api|docs}" % sys.argv[0])
        return 1
    root = parse(sys.argv[1])
    interface = the_interface(root)
    if interface is not None:
        if sys.argv[2] == "api":
            check_api(interface)
        else:
            check_docs(root, interface)
    for p in problems:
        print("%s: %s" % (sys.argv[1], p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
