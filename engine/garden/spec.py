"""What a garden is, before any plant exists: its size, species mix, seed, blight sources,
clearings and paths. Frozen data; the scatter turns it into plant arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SPECIES", "Clearing", "GardenSpec", "Path", "Source"]

SPECIES = ("glowcap", "lantern", "spire", "bellflower")


@dataclass(frozen=True)
class Source:
    """Where contamination enters the garden (metres, garden coordinates)."""

    x: float
    y: float


@dataclass(frozen=True)
class Clearing:
    """A round space kept free of plants (a stage, a meeting spot)."""

    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class Path:
    """A walkway kept free of plants: a polyline with a width."""

    points: tuple[tuple[float, float], ...]
    width: float = 1.5


@dataclass(frozen=True)
class GardenSpec:
    """A square garden of side ``size`` metres centred on the origin."""

    size: float
    plants: int
    seed: int = 1
    species_mix: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    sources: tuple[Source, ...] = ()
    clearings: tuple[Clearing, ...] = ()
    paths: tuple[Path, ...] = ()
    chunk_size: float = 12.0
    scale_range: tuple[float, float] = (0.7, 1.4)

    @classmethod
    def square(cls, plants: int, seed: int = 1, density: float = 1.0) -> GardenSpec:
        """A benchmark garden: ``plants`` plants at ``density`` per square metre, one source."""
        size = float((plants / density) ** 0.5)
        return cls(
            size=size,
            plants=plants,
            seed=seed,
            sources=(Source(size * 0.3, size * 0.35),),
            clearings=(Clearing(0.0, 0.0, 2.0),),
        )
