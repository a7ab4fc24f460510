"""Thumbstick / trackpad to comfort locomotion: snap turns and teleport. Pure.

Snap turning (no smooth rotation) and teleport (no smooth motion) are the comfortable defaults
for children. A flick left or right past the threshold turns once; the stick must come back to
the centre before the next turn. Pushing forward aims a teleport, releasing it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["StickGesture", "StickState", "read_stick"]

PRESS = 0.7  # past this the stick counts as pushed
RELEASE = 0.3  # back inside this, it counts as centred (hysteresis)


class StickGesture(StrEnum):
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    TELEPORT_AIM = "teleport_aim"  # show the arc while pushed forward
    TELEPORT_COMMIT = "teleport_commit"  # released after aiming: go
    TELEPORT_CANCEL = "teleport_cancel"  # pulled back while aiming: stay


@dataclass(frozen=True)
class StickState:
    turned: bool = False  # a turn fired and the stick has not come back yet
    aiming: bool = False


def read_stick(state: StickState, x: float, y: float) -> tuple[StickState, StickGesture | None]:
    """One stick sample (x right, y forward, each in [-1, 1]) to the next state and gesture."""
    centred = abs(x) < RELEASE and abs(y) < RELEASE
    if state.aiming:
        if y <= -PRESS:
            return StickState(turned=state.turned), StickGesture.TELEPORT_CANCEL
        if centred:
            return StickState(), StickGesture.TELEPORT_COMMIT
        return state, StickGesture.TELEPORT_AIM
    if state.turned:
        return (StickState(), None) if centred else (state, None)
    if y >= PRESS and abs(y) > abs(x):
        return StickState(aiming=True), StickGesture.TELEPORT_AIM
    if x <= -PRESS:
        return StickState(turned=True), StickGesture.TURN_LEFT
    if x >= PRESS:
        return StickState(turned=True), StickGesture.TURN_RIGHT
    return state, None
