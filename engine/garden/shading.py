"""How a plant is coloured: the numbers the GLSL uses, and a numpy mirror of the shader.

The mirror lets the naive renderer (one node per plant, vertex colours) draw exactly what the
instanced renderer draws, so tests can compare the two images pixel by pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PULSE_HZ", "GardenLook", "quantised_blight", "vertex_colours"]

F32 = npt.NDArray[np.float32]
PULSE_HZ = 0.2  # far below the 3 Hz comfort limit: a slow breathing, never a flash
SOFTNESS = 0.2


@dataclass(frozen=True)
class GardenLook:
    glow: tuple[float, float, float] = (0.3, 0.9, 0.8)
    dim: tuple[float, float, float] = (0.25, 0.24, 0.21)
    stem: tuple[float, float, float] = (0.1, 0.17, 0.09)
    tints: tuple[tuple[float, float, float], ...] = (
        (1.0, 1.0, 1.0),
        (0.85, 1.05, 1.1),
        (1.1, 0.9, 1.05),
        (1.0, 1.1, 0.85),
    )
    pulse_depth: float = 0.06


def quantised_blight(blight: F32) -> F32:
    """The blight as the shader sees it: one byte per cell."""
    return (np.round(blight * 255).astype(np.uint8).astype(np.float32) / 255).astype(np.float32)


def vertex_colours(
    rows: F32,
    species: int,
    blight: float,
    threshold: float,
    phase: float,
    look: GardenLook,
    time: float,
) -> F32:
    """Per-vertex RGB of one plant (``rows`` are the species' mesh rows), as the shader does."""
    lit = min(1.0, max(0.0, (threshold - blight) / SOFTNESS + 0.5))
    pulse = (
        1 - look.pulse_depth + look.pulse_depth * math.sin(2 * math.pi * (time * PULSE_HZ + phase))
    )
    glow = np.asarray(look.glow, np.float32) * np.asarray(look.tints[species], np.float32) * pulse
    head = np.asarray(look.dim, np.float32) * (1 - lit) + glow * lit
    base = np.where(rows[:, 3:4] > 0.5, head[None, :], np.asarray(look.stem, np.float32)[None, :])
    shade = 0.75 + 0.25 * rows[:, 6:7]
    colours: F32 = np.clip(base * shade, 0.0, 1.0).astype(np.float32)
    return colours
