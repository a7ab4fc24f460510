"""One frame's plan for the GPU: which chunk ranges each level of detail draws.

Per frame the renderer uploads only this list (a few thousand rows at most) and sets one
instance count per level; the plants' own data stays on the GPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.garden.culling import Eye, cull_box_rows, frustum_planes
from engine.garden.field import PlantField
from engine.garden.lod import LodRings, chunk_distances, select_lod

__all__ = ["FramePlan", "plan_frame"]

F32 = npt.NDArray[np.float32]
I8 = npt.NDArray[np.int8]


@dataclass(frozen=True)
class FramePlan:
    """``rows``: (drawn chunks, 4) float32 of (first plant, first instance, count, 0), grouped
    by level; level ``l`` owns rows ``row_offset[l] : row_offset[l] + row_count[l]`` and
    draws ``instances[l]`` instances. ``lod``: every chunk's level, -1 where not visible
    (hysteresis starts afresh for a chunk that comes back into view)."""

    rows: F32
    row_offset: tuple[int, int, int]
    row_count: tuple[int, int, int]
    instances: tuple[int, int, int]
    lod: I8
    visible_chunks: int


def plan_frame(
    field: PlantField, eyes: tuple[Eye, ...], previous: I8 | None, rings: LodRings
) -> FramePlan:
    planes = np.stack([frustum_planes(eye) for eye in eyes])
    visible = np.flatnonzero(cull_box_rows(field.boxes, planes) & (field.chunk_count > 0))
    cx = sum(eye.x for eye in eyes) / len(eyes)
    cy = sum(eye.y for eye in eyes) / len(eyes)
    distances = chunk_distances(field.bounds_min[visible], field.bounds_max[visible], cx, cy)
    before = None if previous is None else previous[visible]
    levels = select_lod(distances, before, rings)
    lod = np.full(field.chunks, -1, np.int8)
    lod[visible] = levels
    offsets: list[int] = []
    counts: list[int] = []
    instances: list[int] = []
    parts = []
    start = 0
    for level in range(3):
        chosen = visible[levels == level]
        chunk_counts = field.chunk_count[chosen]
        part = np.zeros((len(chosen), 4), np.float32)
        part[:, 0] = field.chunk_first[chosen]
        part[:, 2] = chunk_counts
        total = np.cumsum(chunk_counts)
        part[:, 1] = total - chunk_counts
        parts.append(part)
        offsets.append(start)
        counts.append(len(chosen))
        instances.append(int(total[-1]) if len(total) else 0)
        start += len(chosen)
    return FramePlan(
        rows=np.concatenate(parts),
        row_offset=(offsets[0], offsets[1], offsets[2]),
        row_count=(counts[0], counts[1], counts[2]),
        instances=(instances[0], instances[1], instances[2]),
        lod=lod,
        visible_chunks=start,
    )
