"""A living garden: the plant field plus its blight, driven by the story's commands."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.garden.blight import BlightField
from engine.garden.field import PlantField, scatter
from engine.garden.spec import GardenSpec

__all__ = ["LivingGarden", "plant_glow"]

F32 = npt.NDArray[np.float32]
_SOFTNESS = 0.2  # width of the blight level over which a plant fades from lit to dim


def plant_glow(blight: F32, threshold: F32) -> F32:
    """0 (dim, blighted) .. 1 (lit) per plant; the shader computes exactly this."""
    lit: F32 = np.clip((threshold - blight) / _SOFTNESS + 0.5, 0.0, 1.0).astype(np.float32)
    return lit


class LivingGarden:
    """What the scene director talks to: ``set_blight``, ``spread_blight``, ``restore_area``
    and ``glow``; the renderer reads ``field`` and ``blight_field``."""

    def __init__(self, spec: GardenSpec) -> None:
        self.spec = spec
        self.field: PlantField = scatter(spec)
        self.blight_field = BlightField.for_garden(spec)
        self.glow = 0.5

    @property
    def blight(self) -> float:
        return self.blight_field.level

    def set_blight(self, level: float, *, settle: bool = False) -> None:
        self.blight_field.set_level(level, settle=settle)

    def spread_blight(self, amount: float) -> None:
        self.blight_field.spread(amount)

    def restore_area(self, x: float, y: float, radius: float) -> int:
        """Start healing around (x, y); returns how many plants are blighted there now."""
        self.blight_field.restore(x, y, radius)
        offset = self.field.positions - np.array([x, y], np.float32)
        near = np.einsum("ij,ij->i", offset, offset) <= radius * radius
        return int(np.count_nonzero(near & ~self.healthy))

    def advance(self, seconds: float) -> int:
        return self.blight_field.advance(seconds)

    def settle(self) -> None:
        """Finish every change in progress now (a scene cut, a screenshot)."""
        self.blight_field.set_level(self.blight_field.level, settle=True)

    @property
    def glow_per_plant(self) -> F32:
        return plant_glow(self.blight_field.blight_at(self.field.positions), self.field.threshold)

    @property
    def healthy(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.glow_per_plant >= 0.5)
