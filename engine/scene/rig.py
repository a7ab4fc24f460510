"""The viewer's rig and comfort rules: teleport, snap turn, seated height, session reminders.

Pure state; the player moves the camera to match it. No smooth acceleration anywhere: motion is
instant (teleport, snap turn) or at one constant, gentle walking speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["ComfortSettings", "Rig", "SessionClock"]


@dataclass(frozen=True)
class ComfortSettings:
    snap_degrees: float = 30.0  # 30 or 45
    seated: bool = False
    standing_eye_height: float = 1.55  # metres; a child of 10-12
    seated_eye_height: float = 1.10
    walk_speed: float = 1.2  # metres per second, constant: no acceleration
    teleport_radius: float = 25.0  # how far from the centre the rig may go
    session_minutes: float = 20.0  # a gentle reminder after this long; 0 turns it off

    def __post_init__(self) -> None:
        if self.snap_degrees not in (30.0, 45.0):
            raise ValueError("snap turn is 30 or 45 degrees")


@dataclass
class Rig:
    settings: ComfortSettings = field(default_factory=ComfortSettings)
    x: float = 0.0
    y: float = 0.0
    heading: float = 0.0  # degrees, counter-clockwise, 0 looks along +Y

    @property
    def eye_height(self) -> float:
        if self.settings.seated:
            return self.settings.seated_eye_height
        return self.settings.standing_eye_height

    def snap_turn(self, direction: int) -> None:
        """Turn left (+1) or right (-1) by one snap step, instantly."""
        self.heading = (self.heading + direction * self.settings.snap_degrees) % 360.0

    def teleport(self, x: float, y: float) -> tuple[float, float]:
        """Move to (x, y), kept inside the walkable circle; returns where the rig landed."""
        distance = math.hypot(x, y)
        limit = self.settings.teleport_radius
        if distance > limit:
            x, y = x * limit / distance, y * limit / distance
        self.x, self.y = x, y
        return x, y

    def walk(self, forward: float, sideways: float, dt: float) -> None:
        """Constant-speed walking relative to the heading (desktop keys)."""
        length = math.hypot(forward, sideways)
        if length == 0:
            return
        step = self.settings.walk_speed * dt / length
        angle = math.radians(self.heading)
        dx = (-math.sin(angle) * forward + math.cos(angle) * sideways) * step
        dy = (math.cos(angle) * forward + math.sin(angle) * sideways) * step
        self.teleport(self.x + dx, self.y + dy)


@dataclass
class SessionClock:
    """Reminds the child to take a break after ``minutes`` of play (once per period)."""

    minutes: float
    elapsed: float = 0.0
    reminders: int = 0

    def tick(self, dt: float) -> bool:
        """Advance; True exactly when a reminder is due."""
        if self.minutes <= 0:
            return False
        self.elapsed += dt
        if self.elapsed >= self.minutes * 60.0 * (self.reminders + 1):
            self.reminders += 1
            return True
        return False
