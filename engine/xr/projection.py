"""Per-eye asymmetric projection from an OpenXR view's field of view. Pure.

Headset eyes look through off-centre frusta (more field towards the nose than away from it,
in general), described by four angles. :func:`lens_frustum` gives the film size and offset that
make a Panda3D ``PerspectiveLens`` with focal length 1 match that frustum; :func:`projection_matrix`
gives the equivalent OpenGL clip matrix (the reference the lens is tested against).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FieldOfView", "LensFrustum", "lens_frustum", "projection_matrix"]


@dataclass(frozen=True)
class FieldOfView:
    """Angles in radians from the view direction; left and down are negative (``XrFovf``)."""

    angle_left: float
    angle_right: float
    angle_up: float
    angle_down: float

    def __post_init__(self) -> None:
        limit = math.pi / 2
        for name in ("angle_left", "angle_right", "angle_up", "angle_down"):
            value = getattr(self, name)
            if not -limit < value < limit:
                raise ValueError(f"{name} = {value} is not inside (-pi/2, pi/2)")
        if self.angle_right <= self.angle_left or self.angle_up <= self.angle_down:
            raise ValueError("the field of view is empty (right <= left or up <= down)")


@dataclass(frozen=True)
class LensFrustum:
    """A PerspectiveLens set-up: ``set_focal_length(1)``, ``set_film_size(w, h)``,
    ``set_film_offset(x, y)``, ``set_near_far(near, far)``."""

    film_width: float
    film_height: float
    film_offset_x: float
    film_offset_y: float
    focal_length: float = 1.0


def lens_frustum(fov: FieldOfView) -> LensFrustum:
    left, right = math.tan(fov.angle_left), math.tan(fov.angle_right)
    up, down = math.tan(fov.angle_up), math.tan(fov.angle_down)
    return LensFrustum(
        film_width=right - left,
        film_height=up - down,
        film_offset_x=(right + left) / 2,
        film_offset_y=(up + down) / 2,
    )


def projection_matrix(
    fov: FieldOfView, near: float, far: float
) -> tuple[tuple[float, float, float, float], ...]:
    """The OpenGL clip matrix (rows; column vectors; eye looks down -Z, Y up) for ``fov``,
    as the OpenXR SDK's ``XrMatrix4x4f_CreateProjectionFov`` builds it for OpenGL."""
    if not 0 < near < far:
        raise ValueError("need 0 < near < far")
    left, right = math.tan(fov.angle_left), math.tan(fov.angle_right)
    up, down = math.tan(fov.angle_up), math.tan(fov.angle_down)
    width, height = right - left, up - down
    return (
        (2 / width, 0.0, (right + left) / width, 0.0),
        (0.0, 2 / height, (up + down) / height, 0.0),
        (0.0, 0.0, -(far + near) / (far - near), -2 * far * near / (far - near)),
        (0.0, 0.0, -1.0, 0.0),
    )
