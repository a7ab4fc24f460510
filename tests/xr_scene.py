"""Shared set-up for the headset input drivers (run in a subprocess each, one ShowBase per
process): a story player on an offscreen window without a runtime, and controller aim poses
pointing at a spot, as ``xrSyncActions`` would report them."""

from __future__ import annotations

from typing import Any

from panda3d.core import Point3

from engine.content.compiler import compile_narrative
from engine.display.modes import Mode
from engine.display.panda import DisplaySettings, OpenedDisplay, open_display
from engine.player.options import PlayerOptions
from engine.xr.player import XrStoryPlayer
from engine.xr.poses import PandaPose
from engine.xr.renderer import XrRenderSettings

HAND_AT = (0.2, 0.0, 1.3)  # a right hand held forward at chest height, in tracking space


def headset_player(narrative: str) -> tuple[OpenedDisplay, XrStoryPlayer]:
    program = compile_narrative(narrative).program
    assert program is not None
    display = open_display(DisplaySettings(Mode.OFFSCREEN, 64, 64, audio=False))
    options = PlayerOptions(narrative=None, mode=Mode.XR, audio=False, plants=20)
    return display, XrStoryPlayer(display.base, program, options, XrRenderSettings())


def aim_at(player: XrStoryPlayer, point: Any) -> PandaPose:
    """The aim pose of a hand at :data:`HAND_AT` pointing at ``point`` (world coordinates)."""
    hand = player.tracking.attach_new_node("probe")
    hand.set_pos(*HAND_AT)
    hand.look_at(player.base.render, Point3(*point))
    q = hand.get_quat(player.tracking)
    pose = PandaPose(tuple(hand.get_pos()), (q.get_r(), q.get_i(), q.get_j(), q.get_k()))
    hand.remove_node()
    return pose
