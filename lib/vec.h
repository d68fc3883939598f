/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* 3-vectors and quaternions as float arrays; static inline so the per-sample path has no calls. */

#include <math.h>

static inline float vec3_dot(const float a[3], const float b[3]) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void vec3_cross(const float a[3], const float b[3], float ret[3]) {
        float x = a[1] * b[2] - a[2] * b[1];
        float y = a[2] * b[0] - a[0] * b[2];
        float z = a[0] * b[1] - a[1] * b[0];
        ret[0] = x;
        ret[1] = y;
        ret[2] = z;
}

static inline float vec3_norm(const float a[3]) {
        return sqrtf(vec3_dot(a, a));
}

static inline void vec3_scale(float a[3], float s) {
        a[0] *= s;
        a[1] *= s;
        a[2] *= s;
}

static inline void vec3_copy(float dst[3], const float src[3]) {
        dst[0] = src[0];
        dst[1] = src[1];
        dst[2] = src[2];
}

/* Normalises in place; returns the old length (0 leaves a zero vector untouched). */
static inline float vec3_normalize(float a[3]) {
        float n = vec3_norm(a);
        if (n > 0.0f)
                vec3_scale(a, 1.0f / n);
        return n;
}

/* dst += s * src */
static inline void vec3_axpy(float dst[3], float s, const float src[3]) {
        dst[0] += s * src[0];
        dst[1] += s * src[1];
        dst[2] += s * src[2];
}

/* atan2f() for finite arguments, within 3.3e-7 rad (2e-5°, about one unit in the last place) of the exact value,
 * for a fraction of libm's cost: the engine takes two or three angles per sample, and libm's atan2f() was a quarter of
 * its instructions. The octant is reduced to a ratio in [0, 1], whose arctangent is an odd polynomial of degree
 * 15 fitted for the least maximum error (Lawson's iteration), with the first coefficient held at 1 so that small
 * angles keep their relative precision. atan2(±0, ±0) is 0. */
static inline float fast_atan2f(float y, float x) {
        const float pi = 3.14159265358979f, half_pi = 1.57079632679490f;
        float ax = fabsf(x), ay = fabsf(y);
        float hi = ax > ay ? ax : ay, lo = ax > ay ? ay : ax;
        float a = hi > 0.0f ? lo / hi : 0.0f;
        float s = a * a;
        float p = -4.355401134e-03f;
        p = p * s + 2.304012006e-02f;
        p = p * s - 5.777356851e-02f;
        p = p * s + 9.794233147e-02f;
        p = p * s - 1.397658164e-01f;
        p = p * s + 1.996270390e-01f;
        p = p * s - 3.333165903e-01f;
        float r = a + a * s * p;
        if (ay > ax)
                r = half_pi - r;
        if (x < 0.0f)
                r = pi - r;
        return y < 0.0f ? -r : r;
}

/* Angle between two unit vectors, in radians, robust near 0 and pi. */
static inline float vec3_angle(const float a[3], const float b[3]) {
        float c[3];
        vec3_cross(a, b, c);
        return fast_atan2f(vec3_norm(c), vec3_dot(a, b));
}

/* Quaternions are w, x, y, z. */
static inline void quat_normalize(float q[4]) {
        float n = sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        if (n > 0.0f) {
                float s = 1.0f / n;
                q[0] *= s;
                q[1] *= s;
                q[2] *= s;
                q[3] *= s;
        }
}

/* Rotates v by q (q v q*). */
static inline void quat_rotate(const float q[4], const float v[3], float ret[3]) {
        const float u[3] = { q[1], q[2], q[3] };
        float t[3], c[3];
        vec3_cross(u, v, t);
        vec3_scale(t, 2.0f);
        vec3_cross(u, t, c);
        ret[0] = v[0] + q[0] * t[0] + c[0];
        ret[1] = v[1] + q[0] * t[1] + c[1];
        ret[2] = v[2] + q[0] * t[2] + c[2];
}

/* Rotates v by the inverse of q (q* v q). */
static inline void quat_rotate_inverse(const float q[4], const float v[3], float ret[3]) {
        const float qc[4] = { q[0], -q[1], -q[2], -q[3] };
        quat_rotate(qc, v, ret);
}

/* ret = a * b */
static inline void quat_multiply(const float a[4], const float b[4], float ret[4]) {
        float w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
        float x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
        float y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
        float z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
        ret[0] = w;
        ret[1] = x;
        ret[2] = y;
        ret[3] = z;
}
