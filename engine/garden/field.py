"""Plants as structure-of-arrays, sorted into square chunks stored contiguously.

Every per-plant array is ordered by chunk, so chunk ``c`` owns the plants
``first[c] : first[c] + count[c]`` and a renderer can hand the GPU whole ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.garden.culling import box_rows
from engine.garden.meshes import SPECIES_HEIGHT
from engine.garden.spec import GardenSpec

__all__ = ["PlantField", "free_of", "scatter"]

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class PlantField:
    """Plant arrays (length n, chunk order) and chunk arrays (length chunks, grid order)."""

    spec: GardenSpec
    positions: F32  # (n, 2) metres
    heading: F32  # (n,) degrees about +Z
    scale: F32  # (n,)
    species: npt.NDArray[np.int8]  # (n,)
    phase: F32  # (n,) 0..1, offsets each plant's slow glow pulse
    threshold: F32  # (n,) 0..1, how much blight this plant tolerates (a ragged front)
    chunk_first: I32  # (chunks,)
    chunk_count: I32  # (chunks,)
    bounds_min: F32  # (chunks, 3) axis-aligned box over the chunk's plants
    bounds_max: F32  # (chunks, 3)
    grid_shape: tuple[int, int]  # (rows along y, columns along x)
    boxes: F32  # (6, chunks) the bounds in ``box_rows`` form, for culling

    @property
    def count(self) -> int:
        return len(self.positions)

    @property
    def chunks(self) -> int:
        return len(self.chunk_first)

    @property
    def origin(self) -> tuple[float, float]:
        half = self.spec.size / 2
        return (-half, -half)


def free_of(points: F32, spec: GardenSpec) -> npt.NDArray[np.bool_]:
    """Which points lie outside every clearing and path (where plants may grow)."""
    keep = np.ones(len(points), dtype=bool)
    for clearing in spec.clearings:
        offset = points - np.array([clearing.x, clearing.y], np.float32)
        keep &= np.einsum("ij,ij->i", offset, offset) > clearing.radius**2
    for path in spec.paths:
        for (ax, ay), (bx, by) in zip(path.points, path.points[1:], strict=False):
            a = np.array([ax, ay], np.float32)
            ab = np.array([bx - ax, by - ay], np.float32)
            length = float(ab @ ab) or 1.0
            t = np.clip(((points - a) @ ab) / length, 0.0, 1.0)
            closest = a + t[:, None] * ab
            gap = points - closest
            keep &= np.einsum("ij,ij->i", gap, gap) > (path.width / 2) ** 2
    return keep


def scatter(spec: GardenSpec) -> PlantField:
    """Deterministic scatter: the same spec always gives the same garden, byte for byte."""
    rng = np.random.default_rng(spec.seed)
    half = spec.size / 2
    points = np.zeros((0, 2), np.float32)
    for _ in range(64):  # oversample, drop what falls in clearings and paths
        wanted = spec.plants - len(points)
        if wanted <= 0:
            break
        batch = rng.uniform(-half, half, (int(wanted * 1.3) + 16, 2)).astype(np.float32)
        points = np.concatenate([points, batch[free_of(batch, spec)]])
    points = points[: spec.plants]
    n = len(points)
    mix = np.asarray(spec.species_mix, np.float64)
    species = rng.choice(len(mix), size=n, p=mix / mix.sum()).astype(np.int8)
    heading = rng.uniform(0, 360, n).astype(np.float32)
    low, high = spec.scale_range
    scale = rng.uniform(low, high, n).astype(np.float32)
    phase = rng.uniform(0, 1, n).astype(np.float32)
    threshold = rng.uniform(0.25, 0.75, n).astype(np.float32)

    columns = max(1, int(np.ceil(spec.size / spec.chunk_size)))
    cell = np.clip(((points + half) / spec.chunk_size).astype(np.int32), 0, columns - 1)
    chunk_of = cell[:, 1] * columns + cell[:, 0]
    order = np.argsort(chunk_of, kind="stable")
    chunk_of = chunk_of[order]
    chunks = columns * columns
    count = np.bincount(chunk_of, minlength=chunks).astype(np.int32)
    first = np.zeros(chunks, np.int32)
    np.cumsum(count[:-1], out=first[1:])
    positions = points[order]
    species = species[order]
    scale = scale[order]
    # Boxes: the chunk's cell on the ground, up to its tallest plant.
    grid = np.arange(chunks)
    lo = np.stack([grid % columns, grid // columns], axis=1) * spec.chunk_size - half
    bounds_min = np.zeros((chunks, 3), np.float32)
    bounds_max = np.zeros((chunks, 3), np.float32)
    bounds_min[:, :2] = lo
    bounds_max[:, :2] = lo + spec.chunk_size
    heights = SPECIES_HEIGHT[species] * scale
    tallest = np.zeros(chunks, np.float32)
    np.maximum.at(tallest, chunk_of, heights)
    bounds_max[:, 2] = tallest
    # A plant's head overhangs its cell a little: widen every box by the widest head.
    reach = float(np.max(scale, initial=1.0)) * 0.5
    bounds_min[:, :2] -= reach
    bounds_max[:, :2] += reach
    return PlantField(
        spec=spec,
        positions=positions,
        heading=heading[order],
        scale=scale,
        species=species,
        phase=phase[order],
        threshold=threshold[order],
        chunk_first=first,
        chunk_count=count,
        bounds_min=bounds_min,
        bounds_max=bounds_max,
        grid_shape=(columns, columns),
        boxes=box_rows(bounds_min, bounds_max),
    )
