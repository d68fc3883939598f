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
    p.add_argument('--gyro-bias', type=float, default=0.0, help='a constant gyroscope bias, rad/s, on each axis')
    p.add_argument('--units', default='m/s2,rad/s,s',
                   help='write in these units: m/s2 or g, rad/s or deg/s, s or ms (as psoas-analyze --units)')
    args = p.parse_args()

    rng = random.Random(1)
    g = 9.80665
    units = args.units.split(',')
    accel_scale = 1 / g if 'g' in units else 1.0
    gyro_scale = 180 / math.pi if 'deg/s' in units else 1.0
    time_scale = 1000.0 if 'ms' in units else 1.0
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
        # The default output stays as it always was; other units keep as many significant digits.
        row = ('%.3f,%.4f,%.4f,%.4f' if accel_scale == 1 else '%.3f,%.7f,%.7f,%.7f') % (
            t * time_scale, ax * accel_scale, ay * accel_scale, az * accel_scale)
        if args.columns == 7:
            gyro = [args.gyro_bias + rng.gauss(0, 0.002) for _ in range(3)]
            row += (',%.5f,%.5f,%.5f' if gyro_scale == 1 else ',%.7f,%.7f,%.7f') % tuple(w * gyro_scale for w in gyro)
        out.append(row)
    sys.stdout.write(eol.join(out) + eol)


if __name__ == '__main__':
    main()
