"""Procedural plant species, three levels of detail each, as flat triangle lists.

Every species has the same vertex count within a level of detail, so one instanced draw per
level serves all species: the vertex shader picks the species' vertices by offset. Vertices
carry (x, y, z, part) and (nx, ny, nz, 0); part 0 is the stem, 1 the glowing head. Level 2 is
a camera-facing card: x is the sideways offset in the card's plane and y is 0.

The meshes are generated deterministically and cached in ``assets/garden/`` (also written by
``glowgrove assets build``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "LEVELS",
    "SPECIES_HEIGHT",
    "SpeciesMeshes",
    "cache_files",
    "generate_species_meshes",
    "load_species_meshes",
]

F32 = npt.NDArray[np.float32]
Profile = Callable[[F32], tuple[F32, F32]]  # t in 0..1 (bottom to top) -> (radius, z)

LEVELS = 3
_VERSION = 2


@dataclass(frozen=True)
class _Species:
    stem_height: float
    stem_radius: float
    head: Profile
    head_top: float


def _cap(t: F32) -> tuple[F32, F32]:  # a glowing mushroom cap, flat underneath
    angle = t * (np.pi / 2)
    return (0.2 * np.cos(angle)).astype(np.float32), (0.35 + 0.12 * np.sin(angle)).astype(
        np.float32
    )


def _bulb(t: F32) -> tuple[F32, F32]:  # a round lantern on a tall stem
    angle = t * np.pi
    return (0.11 * np.sin(angle)).astype(np.float32), (0.6 - 0.11 * np.cos(angle)).astype(
        np.float32
    )


def _spire(t: F32) -> tuple[F32, F32]:  # a cone of tiny lights
    return (0.13 * (1 - t)).astype(np.float32), (0.2 + 0.6 * t).astype(np.float32)


def _bell(t: F32) -> tuple[F32, F32]:  # an open bell, widest at the bottom
    return (0.15 * (1 - t**2) + 0.02).astype(np.float32), (0.32 + 0.18 * t).astype(np.float32)


_SPECIES = (
    _Species(0.35, 0.03, _cap, 0.47),
    _Species(0.49, 0.018, _bulb, 0.71),
    _Species(0.2, 0.03, _spire, 0.8),
    _Species(0.32, 0.022, _bell, 0.5),
)
SPECIES_HEIGHT = np.array([s.head_top for s in _SPECIES], np.float32)
_HEAD_RADIUS = np.array([0.2, 0.11, 0.13, 0.17], np.float32)
_DETAIL = ((6, 10, 5), (3, 5, 2))  # (stem segments, head segments, head rings) per level


def _revolve(profile: Profile, segments: int, rings: int) -> tuple[F32, F32]:
    """A surface of revolution as a triangle list: (v, 3) positions and normals."""
    t = np.linspace(0, 1, rings + 1, dtype=np.float32)
    radius, height = profile(t)
    # Profile normal in the (r, z) plane: perpendicular to the tangent, pointing outwards.
    dr, dz = np.gradient(radius), np.gradient(height)
    length = np.hypot(dr, dz) + 1e-9
    normal_r, normal_z = dz / length, -dr / length
    phi = np.linspace(0, 2 * np.pi, segments + 1, dtype=np.float32)
    cos, sin = np.cos(phi), np.sin(phi)
    grid_p = np.stack(
        [
            radius[:, None] * cos,
            radius[:, None] * sin,
            np.broadcast_to(height[:, None], (rings + 1, segments + 1)),
        ],
        axis=-1,
    )
    grid_n = np.stack(
        [
            normal_r[:, None] * cos,
            normal_r[:, None] * sin,
            np.broadcast_to(normal_z[:, None], (rings + 1, segments + 1)),
        ],
        axis=-1,
    )
    quads = []
    for ring in range(rings):
        for seg in range(segments):
            a, b = (ring, seg), (ring, seg + 1)
            c, d = (ring + 1, seg + 1), (ring + 1, seg)
            quads.extend([a, b, c, a, c, d])
    rows = np.array([q[0] for q in quads])
    cols = np.array([q[1] for q in quads])
    return grid_p[rows, cols].astype(np.float32), grid_n[rows, cols].astype(np.float32)


def _stem(species: _Species, segments: int) -> tuple[F32, F32]:
    def profile(t: F32) -> tuple[F32, F32]:
        radius = np.full_like(t, species.stem_radius)
        return radius, (t * species.stem_height).astype(np.float32)

    return _revolve(profile, segments, 1)


def _card(index: int) -> tuple[F32, F32, F32]:
    """Level 2: one upright quad (2 triangles), stem-coloured at the foot, glowing at the top;
    far away a plant covers a pixel or two, so this is all of it anyone can see."""
    species = _SPECIES[index]
    half_width = float(_HEAD_RADIUS[index]) * 0.8
    top = species.head_top
    corners = (
        (-half_width, 0.0, 0.0),
        (half_width, 0.0, 0.0),
        (half_width, top, 1.0),
        (-half_width, top, 1.0),
    )
    positions, parts = [], []
    for i in (0, 1, 2, 0, 2, 3):
        x, z, part = corners[i]
        positions.append((x, 0.0, z))
        parts.append(part)
    normals = np.tile(np.array([[0.0, -0.6, 0.8]], np.float32), (len(positions), 1))
    return np.array(positions, np.float32), normals, np.array(parts, np.float32)


@dataclass(frozen=True)
class SpeciesMeshes:
    """``vertices[level]``: (species * count, 8) float32 rows of (x, y, z, part, nx, ny, nz, 0)."""

    vertices: tuple[F32, ...]

    def count(self, level: int) -> int:
        return len(self.vertices[level]) // len(_SPECIES)

    def triangles(self, level: int) -> int:
        return self.count(level) // 3

    def species(self, level: int, index: int) -> F32:
        count = self.count(level)
        return self.vertices[level][index * count : (index + 1) * count]


def _rows(positions: F32, normals: F32, parts: F32) -> F32:
    rows = np.zeros((len(positions), 8), np.float32)
    rows[:, 0:3] = positions
    rows[:, 3] = parts
    rows[:, 4:7] = normals
    return rows


def generate_species_meshes() -> SpeciesMeshes:
    levels: list[F32] = []
    for stem_segments, head_segments, rings in _DETAIL:
        per_species = []
        for species in _SPECIES:
            stem_p, stem_n = _stem(species, stem_segments)
            head_p, head_n = _revolve(species.head, head_segments, rings)
            parts = np.concatenate([np.zeros(len(stem_p)), np.ones(len(head_p))])
            per_species.append(
                _rows(
                    np.concatenate([stem_p, head_p]),
                    np.concatenate([stem_n, head_n]),
                    parts.astype(np.float32),
                )
            )
        levels.append(np.concatenate(per_species))
    levels.append(np.concatenate([_rows(*_card(i)) for i in range(len(_SPECIES))]))
    return SpeciesMeshes(tuple(levels))


def cache_files(meshes: SpeciesMeshes) -> dict[str, bytes]:
    """The cache as files (relative to the assets folder): one ``.npy`` per level, named by
    version, byte for byte the same on every run (``np.save`` writes no timestamps)."""
    files = {}
    for level in range(LEVELS):
        buffer = io.BytesIO()
        np.save(buffer, meshes.vertices[level], allow_pickle=False)
        files[_cache_name(level)] = buffer.getvalue()
    return files


def _cache_name(level: int) -> str:
    return f"garden/species-v{_VERSION}-lod{level}.npy"


def load_species_meshes(assets: Path | None) -> SpeciesMeshes:
    """The cached meshes from ``assets/garden/``; (re)generated and written when missing or
    broken. Without an assets folder, generated in memory."""
    if assets is None:
        return generate_species_meshes()
    try:
        levels = tuple(
            np.load(assets / _cache_name(level), allow_pickle=False).astype(np.float32)
            for level in range(LEVELS)
        )
        if all(level.ndim == 2 and level.shape[1] == 8 for level in levels):
            return SpeciesMeshes(levels)
    except (OSError, ValueError):
        pass  # missing or broken: rebuilt below
    meshes = generate_species_meshes()
    try:
        for name, data in cache_files(meshes).items():
            (assets / name).parent.mkdir(parents=True, exist_ok=True)
            (assets / name).write_bytes(data)
    except OSError:
        pass  # a read-only install still renders, from memory
    return meshes
