"""Small procedural solids as numpy arrays, for props written out as model files.

Z is up and a prop's front faces -Y (towards a viewer standing at the origin looking +Y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Color", "Solid", "box", "cylinder", "merge", "sphere"]

Floats = npt.NDArray[np.float64]
Color = tuple[float, float, float, float]


@dataclass(frozen=True)
class Solid:
    """Triangles with a position, a normal and a colour per vertex."""

    positions: Floats  # (n, 3)
    normals: Floats  # (n, 3)
    colors: Floats  # (n, 4)
    triangles: npt.NDArray[np.int64]  # (m, 3) indices, counter-clockwise seen from outside


def _colored(count: int, color: Color) -> Floats:
    return np.tile(np.asarray(color, dtype=np.float64), (count, 1))


def box(
    center: tuple[float, float, float], size: tuple[float, float, float], color: Color
) -> Solid:
    """An axis-aligned box with flat faces (four vertices per face)."""
    half = np.asarray(size, dtype=np.float64) / 2
    middle = np.asarray(center, dtype=np.float64)
    positions: list[Floats] = []
    normals: list[Floats] = []
    triangles: list[list[int]] = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            normal = np.zeros(3)
            normal[axis] = sign
            u_axis, v_axis = [a for a in range(3) if a != axis]
            corners = []
            for u, v in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                corner = np.zeros(3)
                corner[axis] = sign
                corner[u_axis] = u
                corner[v_axis] = v
                corners.append(middle + corner * half)
            face = np.asarray(corners)
            # Wind each face counter-clockwise when seen from outside.
            if np.dot(np.cross(face[1] - face[0], face[2] - face[0]), normal) < 0:
                face = face[::-1]
            start = len(positions) * 4
            positions.append(face)
            normals.append(np.tile(normal, (4, 1)))
            triangles += [[start, start + 1, start + 2], [start, start + 2, start + 3]]
    return Solid(
        np.concatenate(positions),
        np.concatenate(normals),
        _colored(24, color),
        np.asarray(triangles, dtype=np.int64),
    )


def cylinder(
    bottom: tuple[float, float, float],
    height: float,
    radius_bottom: float,
    radius_top: float,
    color: Color,
    segments: int = 16,
) -> Solid:
    """A capped, upright (possibly tapered) cylinder with smooth sides."""
    angles = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles), np.zeros(segments)], axis=1)
    base = np.asarray(bottom, dtype=np.float64)
    lower = base + ring * radius_bottom
    upper = base + ring * radius_top + np.asarray([0.0, 0.0, height])
    slope = (radius_bottom - radius_top) / height
    side_normals = ring + np.asarray([0.0, 0.0, slope])
    side_normals /= np.linalg.norm(side_normals, axis=1, keepdims=True)
    positions = [lower, upper]
    normals = [side_normals, side_normals]
    triangles: list[list[int]] = []
    for i in range(segments):
        j = (i + 1) % segments
        triangles += [[i, j, segments + j], [i, segments + j, segments + i]]
    for cap_z, ring_points, up in ((0.0, lower, -1.0), (height, upper, 1.0)):
        start = sum(len(p) for p in positions)
        centre = base + np.asarray([0.0, 0.0, cap_z])
        positions += [centre[None, :], ring_points]
        normals += [np.tile([0.0, 0.0, up], (segments + 1, 1))]
        for i in range(segments):
            a, b = start + 1 + i, start + 1 + (i + 1) % segments
            triangles.append([start, a, b] if up > 0 else [start, b, a])
    all_positions = np.concatenate(positions)
    return Solid(
        all_positions,
        np.concatenate(normals),
        _colored(len(all_positions), color),
        np.asarray(triangles, dtype=np.int64),
    )


def sphere(
    center: tuple[float, float, float],
    radius: float,
    color: Color,
    segments: int = 16,
    rings: int = 10,
) -> Solid:
    """A UV sphere with smooth normals."""
    theta = np.linspace(0.0, np.pi, rings + 1)  # from the top pole down
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1)
    unit = unit.reshape(-1, 3)
    positions = np.asarray(center, dtype=np.float64) + unit * radius
    triangles: list[list[int]] = []
    row = segments + 1
    for r in range(rings):
        for s in range(segments):
            a, b = r * row + s, r * row + s + 1
            c, d = a + row, b + row
            if r > 0:
                triangles.append([a, c, b])
            if r < rings - 1:
                triangles.append([b, c, d])
    return Solid(
        positions, unit, _colored(len(positions), color), np.asarray(triangles, dtype=np.int64)
    )


def merge(solids: list[Solid]) -> Solid:
    offsets = np.cumsum([0] + [len(s.positions) for s in solids[:-1]])
    return Solid(
        np.concatenate([s.positions for s in solids]),
        np.concatenate([s.normals for s in solids]),
        np.concatenate([s.colors for s in solids]),
        np.concatenate([s.triangles + offset for s, offset in zip(solids, offsets, strict=True)]),
    )
