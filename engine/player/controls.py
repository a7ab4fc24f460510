"""What the desktop controls mean, as pure functions (the Panda3D shell only reads devices).

- Pointer: the mouse is a free pointer (never captured); hovering a choice highlights it.
- Left click: on a choice, choose it; on the text panel (or the sky) during a line, move on;
  on the ground, teleport there behind a short fade; at the end, leave the story.
- Looking around: drag with the right mouse button. Looking is always driven by the child's
  own hand, one-to-one, so it never moves the view on its own; nothing accelerates.
- WASD / arrow keys walk at one constant speed; Q / E snap-turn left / right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.player.flow import FlowState

__all__ = [
    "Advance",
    "Choose",
    "ClickAction",
    "Ignore",
    "Leave",
    "LookSettings",
    "Teleport",
    "decide_click",
    "drag_look",
    "teleport_target",
    "walk_direction",
]


@dataclass(frozen=True)
class Choose:
    index: int


@dataclass(frozen=True)
class Advance:
    pass


@dataclass(frozen=True)
class Teleport:
    x: float
    y: float


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class Ignore:
    pass


ClickAction = Choose | Advance | Teleport | Leave | Ignore


@dataclass(frozen=True)
class LookSettings:
    degrees_per_pixel: float = 0.15
    max_pitch: float = 60.0  # looking further up or down than this is never needed
    max_teleport: float = 8.0  # metres per hop: far clicks near the horizon stay gentle


def decide_click(
    state: FlowState,
    hovered_choice: int | None,
    over_text_panel: bool,
    ground: tuple[float, float] | None,
) -> ClickAction:
    """What one left click does, given what is under the pointer."""
    if state is FlowState.PAUSED:
        return Ignore()
    if state is FlowState.CHOOSING and hovered_choice is not None:
        return Choose(hovered_choice)
    moving_on = state in (FlowState.READING, FlowState.WAITING)
    if moving_on and over_text_panel:
        return Advance()
    if ground is not None:
        return Teleport(*ground)
    if moving_on:
        return Advance()
    if state is FlowState.ENDED:
        return Leave()
    return Ignore()


def teleport_target(
    here: tuple[float, float], point: tuple[float, float], max_hop: float
) -> tuple[float, float]:
    """``point``, pulled back towards ``here`` so one hop is at most ``max_hop`` metres."""
    dx, dy = point[0] - here[0], point[1] - here[1]
    distance = math.hypot(dx, dy)
    if distance <= max_hop or distance == 0:
        return point
    scale = max_hop / distance
    return here[0] + dx * scale, here[1] + dy * scale


def drag_look(
    heading: float, pitch: float, dx_pixels: float, dy_pixels: float, settings: LookSettings
) -> tuple[float, float]:
    """New (heading, pitch) after dragging the view; dragging right turns right."""
    heading = (heading - dx_pixels * settings.degrees_per_pixel) % 360.0
    pitch = pitch - dy_pixels * settings.degrees_per_pixel
    return heading, max(-settings.max_pitch, min(settings.max_pitch, pitch))


def walk_direction(forward: bool, back: bool, left: bool, right: bool) -> tuple[float, float]:
    """(forward, sideways) for Rig.walk from the keys held; opposite keys cancel."""
    return float(forward) - float(back), float(right) - float(left)
