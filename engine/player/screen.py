"""Between window pixels, film coordinates and the scene: small helpers for the desktop shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panda3d.core import NodePath, Point3

from engine.scene.director import FONT_CANDIDATES

__all__ = ["film_to_pixels", "load_font", "project_to_window", "within"]


def film_to_pixels(base: Any, x: float, y: float) -> tuple[float, float]:
    """Film coordinates (-1..1, y up) to window pixels (0..size, y down)."""
    width, height = base.win.get_size()
    return (x + 1) / 2 * width, (1 - y) / 2 * height


def project_to_window(base: Any, node: NodePath) -> tuple[int, int] | None:
    """The window pixel at the centre of ``node``'s bounds, or None when it is off screen."""
    low, high = Point3(), Point3()
    if not node.calc_tight_bounds(low, high, base.cam):
        return None
    centre = (low + high) * 0.5
    projected = Point3()
    if not base.camLens.project(centre, projected):
        return None
    px, py = film_to_pixels(base, projected.x, projected.y)
    return int(px), int(py)


def within(point: tuple[float, float], rect: tuple[int, int, int, int] | None) -> bool:
    if rect is None:
        return False
    x0, y0, x1, y1 = rect
    return min(x0, x1) <= point[0] <= max(x0, x1) and min(y0, y1) <= point[1] <= max(y0, y1)


def load_font(base: Any) -> object | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            font: Any = base.loader.load_font(candidate)
            # Shared with the scene director (the loader caches fonts): same resolution, and
            # it can only be set before the first glyph is rendered.
            if font.get_pixels_per_unit() != 64:
                font.set_pixels_per_unit(64)
            return font  # type: ignore[no-any-return]
    return None
