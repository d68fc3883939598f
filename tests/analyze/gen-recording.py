#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes a small synthetic IMU recording as CSV for the psoas-analyze tests: deterministic, plain Python.

still      standing still, sensor z up (the wearer can calibrate on any part of it)
sit-stand  still standing, then sitting (pelvis rotated 30° back about y), then standing again, in thirds
"""

import argparse
import math
import random
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--pattern', choices=['still', 'sit-stand'], default='still')
    p.add_argument('--seconds', type=float, default=20.0)
    p.add_argument('--rate', type=float, default=100.0)
    p.add_argument('--columns', type=int, choices=[4, 7], default=7)
    p.add_argument('--no-header', action='store_true')
    p.add_argument('--crlf', action='store_true')
    p.add_argument('--start', type=float, default=0.0, help='time of the first sample')
    args = p.parse_args()

    rng = random.Random(1)
    g = 9.80665
    eol = '\r\n' if args.crlf else '\n'
    out = []
    if not args.no_header:
        out.append('t,ax,ay,az' + (',gx,gy,gz' if args.columns == 7 else ''))
    n = int(round(args.seconds * args.rate))
    for i in range(n):
        t = args.start + i / args.rate
        pitch = 0.0
        if args.pattern == 'sit-stand' and n / 3 <= i < 2 * n / 3:
            pitch = math.radians(-30.0)
        ax = -g * math.sin(pitch) + rng.gauss(0, 0.02)
        ay = rng.gauss(0, 0.02)
        az = g * math.cos(pitch) + rng.gauss(0, 0.02)
        row = '%.3f,%.4f,%.4f,%.4f' % (t, ax, ay, az)
        if args.columns == 7:
            row += ',%.5f,%.5f,%.5f' % (rng.gauss(0, 0.002), rng.gauss(0, 0.002), rng.gauss(0, 0.002))
        out.append(row)
    sys.stdout.write(eol.join(out) + eol)


if __name__ == '__main__':
    main()
