"""Level of detail per chunk by distance, with hysteresis so nothing flickers.

Rings: level 0 (full mesh) nearer than ``rings[0]``, level 1 (low-poly) nearer than
``rings[1]``, level 2 (camera-facing card) nearer than ``rings[2]``, and level 3 (not drawn)
beyond. A chunk only changes level once its distance is ``margin`` metres past a ring, so a
head that sways by less than the margin never makes a chunk switch back and forth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["HIDDEN", "LodRings", "chunk_distances", "select_lod"]

F32 = npt.NDArray[np.float32]
I8 = npt.NDArray[np.int8]
HIDDEN = 3


@dataclass(frozen=True)
class LodRings:
    rings: tuple[float, float, float] = (4.0, 28.0, 1500.0)
    margin: float = 2.0


def chunk_distances(bounds_min: F32, bounds_max: F32, x: float, y: float) -> F32:
    """Ground distance from (x, y) to the nearest point of each chunk's box (0 inside)."""
    dx = np.maximum(np.maximum(bounds_min[:, 0] - x, x - bounds_max[:, 0]), 0)
    dy = np.maximum(np.maximum(bounds_min[:, 1] - y, y - bounds_max[:, 1]), 0)
    return np.asarray(np.hypot(dx, dy), np.float32)


def select_lod(distances: F32, previous: I8 | None, rings: LodRings) -> I8:
    """Levels for chunks at ``distances``; ``previous`` levels (or None, or -1 for a chunk
    seen for the first time) are kept while they stay within the margin of the right level."""
    edges = np.asarray(rings.rings, np.float32)
    raw = np.searchsorted(edges, distances, side="right").astype(np.int8)
    if previous is None:
        return raw
    # Any level between these two is acceptable at this distance.
    lowest = np.searchsorted(edges + rings.margin, distances, side="right").astype(np.int8)
    highest = np.searchsorted(edges - rings.margin, distances, side="right").astype(np.int8)
    kept = np.clip(previous, lowest, highest).astype(np.int8)
    return np.where(previous < 0, raw, kept).astype(np.int8)
