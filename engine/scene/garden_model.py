"""The placeholder garden as pure numpy state: where plants stand and how healthy they are.

The performance-core garden (its own issue) replaces this; the story commands already drive
it the same way: ``set_glow``, ``set_blight``, ``spread_blight``, ``restore_area``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["GardenModel"]

FloatArray = npt.NDArray[np.float32]
BLIGHT_SOURCE = (18.0, 22.0)  # where the waste facility's leak enters the garden


@dataclass
class GardenModel:
    positions: FloatArray  # (n, 2) metres
    scales: FloatArray  # (n,)
    species: npt.NDArray[np.int8]  # (n,) 0..3
    blight_order: FloatArray  # (n,) 0 = first to sicken, 1 = last
    healthy_override: npt.NDArray[np.bool_] = field(init=False)
    glow: float = 0.5
    blight: float = 0.0

    def __post_init__(self) -> None:
        self.healthy_override = np.zeros(len(self.positions), dtype=bool)

    @classmethod
    def scatter(cls, count: int, seed: int, inner: float = 3.0, outer: float = 30.0) -> GardenModel:
        rng = np.random.default_rng(seed)
        radius = np.sqrt(rng.uniform(inner**2, outer**2, count)).astype(np.float32)
        angle = rng.uniform(0, 2 * np.pi, count).astype(np.float32)
        positions = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        # Leave the stage in front of the viewer clear for characters and panels.
        front = (np.abs(positions[:, 0]) < 2.5) & (positions[:, 1] > 0) & (positions[:, 1] < 6)
        positions[front, 1] += 6.0
        source = np.asarray(BLIGHT_SOURCE, dtype=np.float32)
        distance = np.linalg.norm(positions - source, axis=1)
        jitter = rng.uniform(0, 4, count).astype(np.float32)
        ranks = np.argsort(np.argsort(distance + jitter)).astype(np.float32)
        order = (ranks / np.float32(max(count - 1, 1))).astype(np.float32)
        return cls(
            positions=positions.astype(np.float32),
            scales=rng.uniform(0.6, 1.4, count).astype(np.float32),
            species=rng.integers(0, 4, count).astype(np.int8),
            blight_order=order,
        )

    @property
    def healthy(self) -> npt.NDArray[np.bool_]:
        """Plants glowing now: those the blight has not reached, or that were restored."""
        return (self.blight_order >= self.blight) | self.healthy_override

    def set_blight(self, level: float) -> None:
        self.blight = min(1.0, max(0.0, level))
        if self.blight == 0.0:
            self.healthy_override[:] = False

    def spread_blight(self, amount: float) -> None:
        self.healthy_override[:] = False
        self.set_blight(self.blight + amount)

    def restore_area(self, x: float, y: float, radius: float) -> int:
        """Heal plants within ``radius`` of (x, y); returns how many were healed."""
        near = np.linalg.norm(self.positions - np.array([x, y], np.float32), axis=1) <= radius
        healed = int(np.count_nonzero(near & ~self.healthy))
        self.healthy_override |= near
        return healed
