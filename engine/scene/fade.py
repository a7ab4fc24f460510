"""Fades between scenes, with a floor on their duration so nothing flashes faster than 3 Hz."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MIN_FADE_SECONDS", "Fade"]

# A full dark-and-back cycle takes at least 2 x 0.2 s = 0.4 s, i.e. at most 2.5 cycles per
# second: under the 3-flashes-per-second limit of photosensitivity guidelines (WCAG 2.3.1).
MIN_FADE_SECONDS = 0.2


@dataclass
class Fade:
    """Opacity of the black veil: 0 is clear, 1 is black. Advance with ``step(dt)``."""

    alpha: float = 0.0
    target: float = 0.0
    seconds: float = 0.35

    def __post_init__(self) -> None:
        self.seconds = max(self.seconds, MIN_FADE_SECONDS)

    def to_black(self) -> None:
        self.target = 1.0

    def to_clear(self) -> None:
        self.target = 0.0

    @property
    def settled(self) -> bool:
        return self.alpha == self.target

    def step(self, dt: float) -> float:
        rate = dt / self.seconds
        if self.alpha < self.target:
            self.alpha = min(self.target, self.alpha + rate)
        elif self.alpha > self.target:
            self.alpha = max(self.target, self.alpha - rate)
        return self.alpha
