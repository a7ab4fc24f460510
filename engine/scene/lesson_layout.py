"""Where a sort activity's bins and items stand, and which bin a dropped item snaps into.

Pure arithmetic (no panda3d): the 3D stage, the desktop drag and the XR grab all use it, and
tests check it directly. Units are metres; x right, y ahead, z up; the learner at the origin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["SNAP_RADIUS", "SortLayout", "ground_point", "layout_sort", "snap_bin"]

SNAP_RADIUS = 0.55  # metres from a bin's centre within which a released item drops in
BIN_DISTANCE = 2.6
TRAY_DISTANCE = 1.5
TRAY_HEIGHT = 0.9


@dataclass(frozen=True)
class SortLayout:
    bins: dict[str, tuple[float, float, float]]  # bin id -> centre of its opening
    items: dict[str, tuple[float, float, float]]  # item id -> resting place on the tray


def layout_sort(bins: list[str], items: list[str]) -> SortLayout:
    """Bins on an arc ahead (about 100° wide), items in a row on a tray in front."""
    spread = math.radians(min(100.0, 28.0 * max(1, len(bins) - 1)))
    places: dict[str, tuple[float, float, float]] = {}
    for index, name in enumerate(bins):
        angle = -spread / 2 + spread * index / max(1, len(bins) - 1) if len(bins) > 1 else 0.0
        places[name] = (BIN_DISTANCE * math.sin(angle), BIN_DISTANCE * math.cos(angle), 0.8)
    width = min(2.0, 0.32 * len(items))
    resting: dict[str, tuple[float, float, float]] = {}
    for index, name in enumerate(items):
        x = -width / 2 + width * (index + 0.5) / len(items)
        resting[name] = (x, TRAY_DISTANCE, TRAY_HEIGHT)
    return SortLayout(places, resting)


def snap_bin(layout: SortLayout, point: tuple[float, float, float]) -> str | None:
    """The bin whose opening is nearest ``point`` (ignoring height), if within reach."""
    best: tuple[float, str] | None = None
    for name, (x, y, _) in layout.bins.items():
        distance = math.hypot(point[0] - x, point[1] - y)
        if distance <= SNAP_RADIUS and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best is not None else None


def ground_point(
    origin: tuple[float, float, float], direction: tuple[float, float, float], height: float
) -> tuple[float, float, float] | None:
    """Where a pointer ray meets the horizontal plane z = ``height`` (None: it never does)."""
    if abs(direction[2]) < 1e-9:
        return None
    t = (height - origin[2]) / direction[2]
    if t <= 0:
        return None
    return (origin[0] + direction[0] * t, origin[1] + direction[1] * t, height)
