"""OpenXR poses in Panda3D's coordinates. Pure; the one place the two conventions meet.

OpenXR spaces are right-handed with +Y up and -Z forward. Panda3D's default coordinate system is
right-handed with +Z up and +Y forward. Both keep +X to the right, so the change of basis is
``(x, y, z)_xr -> (x, -z, y)_panda``; a rotation is conjugated by the same basis change, which for
a unit quaternion ``(x, y, z, w)`` gives ``(w, x, -z, y)`` in Panda3D's ``(r, i, j, k)`` order.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PandaPose", "Quaternion", "Vector", "xr_pose_to_panda"]

Vector = tuple[float, float, float]
Quaternion = tuple[float, float, float, float]  # Panda3D order: (r, i, j, k) = (w, x, y, z)


@dataclass(frozen=True)
class PandaPose:
    position: Vector  # metres, Panda3D axes (Z up)
    quaternion: Quaternion  # (w, x, y, z), Panda3D axes


def xr_pose_to_panda(position: Vector, orientation_xyzw: Quaternion) -> PandaPose:
    """Convert an OpenXR pose (position, orientation as x, y, z, w) into Panda3D's Z-up axes."""
    x, y, z = position
    qx, qy, qz, qw = orientation_xyzw
    norm = (qx * qx + qy * qy + qz * qz + qw * qw) ** 0.5
    if norm == 0.0:
        # A runtime that has no orientation yet reports zeros: treat it as "no rotation".
        return PandaPose((x, -z, y), (1.0, 0.0, 0.0, 0.0))
    qx, qy, qz, qw = qx / norm, qy / norm, qz / norm, qw / norm
    return PandaPose((x, -z, y), (qw, qx, -qz, qy))
