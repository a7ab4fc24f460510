"""Frustum planes and chunk culling as pure functions of arrays.

A plane is (a, b, c, d) with its normal pointing into the frustum: a point p is on the inside
when a*x + b*y + c*z + d >= 0. Panda3D's conventions: Z up, heading 0 looks along +Y, a
positive heading turns left (counter-clockwise seen from above).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "Eye",
    "box_rows",
    "cull_box_rows",
    "cull_boxes",
    "cull_boxes_reference",
    "frustum_planes",
    "points_inside",
    "stereo_eyes",
]

F32 = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Eye:
    """A perspective eye: position (metres), heading and pitch (degrees), fields of view."""

    x: float
    y: float
    z: float
    heading: float = 0.0
    pitch: float = 0.0
    fov_x: float = 100.0
    fov_y: float = 90.0
    near: float = 0.05
    far: float = 2000.0

    def axes(self) -> tuple[F32, F32, F32]:
        """(forward, right, up) unit vectors in world space."""
        h, p = math.radians(self.heading), math.radians(self.pitch)
        forward = np.array([-math.sin(h) * math.cos(p), math.cos(h) * math.cos(p), math.sin(p)])
        right = np.array([math.cos(h), math.sin(h), 0.0])
        # right x forward, written out (np.cross costs more than the whole cull)
        up = np.array([math.sin(h) * math.sin(p), -math.cos(h) * math.sin(p), math.cos(p)])
        return forward, right, up


def stereo_eyes(center: Eye, separation: float = 0.064) -> tuple[Eye, Eye]:
    """Left and right eyes, ``separation`` metres apart along the head's right axis."""
    _, right, _ = center.axes()
    half = separation / 2
    shift = [float(v) * half for v in right]
    left = Eye(
        center.x - shift[0],
        center.y - shift[1],
        center.z - shift[2],
        center.heading,
        center.pitch,
        center.fov_x,
        center.fov_y,
        center.near,
        center.far,
    )
    right_eye = Eye(
        center.x + shift[0],
        center.y + shift[1],
        center.z + shift[2],
        center.heading,
        center.pitch,
        center.fov_x,
        center.fov_y,
        center.near,
        center.far,
    )
    return left, right_eye


def frustum_planes(eye: Eye) -> F32:
    """The six inward planes of ``eye``'s frustum as a (6, 4) array, normals of unit length."""
    forward, right, up = eye.axes()
    tan_x = math.tan(math.radians(eye.fov_x) / 2)
    tan_y = math.tan(math.radians(eye.fov_y) / 2)
    normals = np.array(
        [
            tan_x * forward + right,  # left side
            tan_x * forward - right,  # right side
            tan_y * forward + up,  # bottom
            tan_y * forward - up,  # top
            forward,  # near
            -forward,  # far
        ]
    )
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    position = np.array([eye.x, eye.y, eye.z])
    d = -(normals @ position)
    d[4] -= eye.near
    d[5] += eye.far
    return np.concatenate([normals, d[:, None]], axis=1).astype(np.float32)


def cull_boxes(bounds_min: F32, bounds_max: F32, planes: F32) -> Bools:
    """Which axis-aligned boxes are not wholly outside any plane (visible or straddling).

    For each plane, only the box corner furthest along the normal matters: if even that corner
    is outside, the whole box is. ``planes`` may hold several frusta stacked as (f, 6, 4); the
    result is then their union (a box seen by either eye is kept).
    """
    return cull_box_rows(box_rows(bounds_min, bounds_max), planes)


def box_rows(bounds_min: F32, bounds_max: F32) -> F32:
    """Boxes as (centre xyz, half extent xyz, 1) rows, the form ``cull_box_rows`` takes."""
    rows = np.ones((len(bounds_min), 7), np.float32)
    rows[:, 0:3] = (bounds_min + bounds_max) * 0.5
    rows[:, 3:6] = (bounds_max - bounds_min) * 0.5
    return rows


def cull_box_rows(rows: F32, planes: F32) -> Bools:
    """``cull_boxes`` for boxes already in ``box_rows`` form (the per-frame hot path)."""
    flat = np.asarray(planes, np.float32).reshape(-1, 4)
    frusta = len(flat) // 6
    # Distance of each box's furthest corner along each normal: n.c + |n|.e + d, one matmul.
    matrix = np.concatenate([flat[:, :3], np.abs(flat[:, :3]), flat[:, 3:]], axis=1).T
    outside = (rows @ matrix < 0).astype(np.float32)
    # Planes a box is wholly outside of, per frustum (a matmul beats a small-axis reduction).
    per_frustum = outside @ np.repeat(np.eye(frusta, dtype=np.float32), 6, axis=0)
    visible = per_frustum[:, 0] == 0
    for frustum in range(1, frusta):
        visible |= per_frustum[:, frustum] == 0
    return np.asarray(visible)


def cull_boxes_reference(bounds_min: F32, bounds_max: F32, planes: F32) -> Bools:
    """Brute force for tests: a box is culled when all eight corners lie outside one plane."""
    stacked = np.asarray(planes, np.float64).reshape(-1, 6, 4)
    result = np.zeros(len(bounds_min), dtype=bool)
    for box, (lo, hi) in enumerate(zip(bounds_min, bounds_max, strict=True)):
        corners = [
            (x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])
        ]
        for frustum in stacked:
            culled = any(
                all(a * x + b * y + c * z + d < 0 for x, y, z in corners) for a, b, c, d in frustum
            )
            if not culled:
                result[box] = True
                break
    return result


def points_inside(points: F32, planes: F32) -> Bools:
    """Which points (n, 3) lie inside at least one of the stacked frusta."""
    stacked = planes.reshape(-1, 6, 4)
    distance = np.einsum("nk,fpk->nfp", points, stacked[..., :3]) + stacked[None, :, :, 3]
    return np.asarray(np.any(np.all(distance >= 0, axis=2), axis=1))
