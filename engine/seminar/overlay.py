"""Draws the seminar over the 3D player: banner, poll panel, blank card, beacon.

The player calls :meth:`SeminarOverlay.frame` once per frame; it reads the link (never waits),
draws :func:`~engine.seminar.follow.follow_view`, and hands scene pushes to the player through
``on_push``. Number keys vote while a poll is open and not yet answered.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from engine.seminar.follow import SeminarView, follow_view
from engine.seminar.link import SeminarLink
from engine.seminar.protocol import SceneChange, SceneTarget, UpdateMessage, WelcomeMessage

__all__ = ["SeminarOverlay"]

log = logging.getLogger("glowgrove.seminar")

BEACON_PULSE_HZ = 0.5  # a slow breath, far below the 3 Hz flashing limit


class SeminarOverlay:
    def __init__(
        self,
        base: Any,
        link: SeminarLink,
        on_push: Callable[[SceneTarget], None] | None = None,
    ) -> None:
        from direct.gui.OnscreenText import OnscreenText
        from panda3d.core import CardMaker, TextNode

        self.base = base
        self.link = link
        self.on_push = on_push
        self.view: SeminarView | None = None
        self.banner = OnscreenText(
            text="",
            pos=(0.0, 0.9),
            scale=0.06,
            fg=(1, 1, 1, 1),
            shadow=(0, 0, 0, 1),
            align=TextNode.A_center,
            mayChange=True,
            sort=20,
        )
        self.poll = OnscreenText(
            text="",
            pos=(-1.25, 0.75),
            scale=0.055,
            fg=(0.85, 1.0, 0.95, 1),
            shadow=(0, 0, 0, 1),
            align=TextNode.A_left,
            mayChange=True,
            sort=20,
        )
        cards = CardMaker("seminar-blank")
        cards.set_frame(-1, 1, -1, 1)
        self.blank = base.render2d.attach_new_node(cards.generate())
        self.blank.set_color(0, 0, 0, 1)
        self.blank.set_bin("fixed", 100)
        self.blank.hide()
        beacon = CardMaker("seminar-beacon")
        beacon.set_frame(-0.25, 0.25, -0.25, 0.25)
        self.beacon = base.render.attach_new_node(beacon.generate())
        self.beacon.set_billboard_point_eye()
        self.beacon.set_light_off()
        self.beacon.set_color(0.4, 1.0, 0.85, 1)
        self.beacon.hide()
        self._pushed_seq = 0

    def frame(self) -> SeminarView:
        now = time.time()
        for event in self.link.drain():
            message = event.message
            if event.kind in ("joined", "resynced") and isinstance(message, WelcomeMessage):
                scene = message.state.scene
                if scene is not None and message.state.seq > self._pushed_seq:
                    self._pushed_seq = message.state.seq
                    if self.on_push is not None:
                        self.on_push(scene)
            elif (
                event.kind == "update"
                and isinstance(message, UpdateMessage)
                and isinstance(message.change, SceneChange)
                and message.seq > self._pushed_seq
            ):
                self._pushed_seq = message.seq
                if self.on_push is not None:
                    self.on_push(message.change.scene)
        view = follow_view(self.link.view_state(), now)
        self.view = view
        self.banner.setText(view.banner)
        self.poll.setText("\n".join(view.poll_lines))
        if view.blank:
            self.blank.show()
        else:
            self.blank.hide()
        if view.beacon is not None and not view.blank:
            # Story space: x right, y forward, z up (the garden's convention).
            self.beacon.set_pos(view.beacon.x, view.beacon.y, view.beacon.z)
            glow = 0.75 + 0.25 * math.sin(2 * math.pi * BEACON_PULSE_HZ * now)
            self.beacon.set_color_scale(glow, glow, glow, 1)
            self.beacon.show()
        else:
            self.beacon.hide()
        return view

    def take_number(self, digit: int) -> bool:
        """A number key: a vote when a poll waits for one (True), else the story's (False)."""
        state = self.link.view_state()
        room = state.room
        if room is None or room.poll is None or not room.poll.open or state.my_vote is not None:
            return False
        return self.link.vote(digit - 1)

    def destroy(self) -> None:
        self.banner.destroy()
        self.poll.destroy()
        self.blank.remove_node()
        self.beacon.remove_node()
        self.link.close()
