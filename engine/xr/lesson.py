"""A lesson in the headset: the lesson stage in front of the child, played with a controller.

Point at a waste item and hold the trigger to pick it up; it follows the aim over the tray;
let go over a bin. Everything else (an answer, more or less kilograms, a hint, going on, back
to the story at the end) is a column of panels beside the board: point, and pull the trigger.
The same lesson screen as on the desktop keeps the records; with autoplay its answering
policy plays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panda3d.core import NodePath, Point3

from engine.learn.program import Lesson
from engine.player.lesson_desktop import Ray
from engine.player.lesson_screen import LessonScreen
from engine.scene.panels import ChoicePanels, Picker
from engine.xr.controls import HandState

__all__ = ["XrLesson"]

LEAVE = "leave"  # the action of the end's panel: back to the story
PANELS_AT = (1.25, 0.55, 0.0)  # beside the board, to the right, turned towards the child
PANELS_HEADING = -28.0
PANELS_TOP = 1.75
EYE_HEIGHT = 1.4


class XrLesson:
    def __init__(
        self,
        base: Any,
        lesson: Lesson,
        aim: NodePath,
        *,
        assets: Path | None = None,
        autoplay: bool = False,
        records: Path | None = None,
        learner: str | None = None,
    ) -> None:
        self.screen = LessonScreen(
            base, lesson, assets=assets, records=records, learner=learner, autoplay=autoplay
        )
        stage = self.screen.stage
        holder = stage.root.attach_new_node("xr-lesson-actions")
        holder.set_pos(*PANELS_AT)
        holder.set_h(PANELS_HEADING)
        self.panels = ChoicePanels(holder, stage.font, EYE_HEIGHT)
        self.aim = aim
        self.picker = Picker(aim, stage.root)
        self.picker.ray.set_origin(0, 0, 0)
        self.picker.ray.set_direction(0, 1, 0)  # the aim pose points along +Y here
        self.shown: list[tuple[str, str]] = []
        self.hovered: int | None = None
        self.holding = False

    @property
    def finished(self) -> bool:
        return self.screen.finished

    def actions(self) -> list[tuple[str, str]]:
        if self.screen.desk.end is not None:
            return [("Back to the story", LEAVE)]
        return self.screen.desk.actions()

    def frame(self, dt: float, hand: HandState | None) -> bool:
        """One headset frame with the pointing hand's state; True when the pointer moved onto
        a panel (for a haptic tick)."""
        actions = self.actions()
        if actions != self.shown:
            self.panels.show([label for label, _ in actions], PANELS_TOP)
            self.shown = actions
        tracked = hand is not None and hand.aim is not None and not self.aim.is_hidden()
        hovered = self.picker.pick() if tracked else None
        entered = hovered is not None and hovered != self.hovered
        self.hovered = hovered
        self.panels.hover(hovered)
        ray = self._ray() if tracked else None
        if hand is not None and hand.select_changed:
            if hand.select:
                self._press(ray)
            elif self.holding:
                self.holding = False
                self.screen.desk.release_ray(ray)
        if self.holding:
            self.screen.desk.move_ray(ray)
        self.screen.frame(dt, None)
        return entered

    def _press(self, ray: Ray | None) -> None:
        desk = self.screen.desk
        if self.hovered is not None and self.hovered < len(self.shown):
            self.act(self.shown[self.hovered][1])
        elif desk.end is not None:
            self.screen.wants_to_leave = True
        elif desk.layout is not None and desk.run.waiting is not None:
            desk.press_ray(ray)
            self.holding = desk.held is not None
        elif desk.run.waiting is None:
            desk.proceed()

    def act(self, key: str) -> None:
        """What a panel does: one of :meth:`LessonDesk.actions`' keys, or leaving at the end."""
        if key == LEAVE:
            self.screen.wants_to_leave = True
        else:
            self.screen.key(key)

    def _ray(self) -> Ray:
        render = self.screen.base.render
        origin = render.get_relative_point(self.aim, Point3(0, 0, 0))
        direction = render.get_relative_vector(self.aim, Point3(0, 1, 0))
        return (origin.x, origin.y, origin.z), (direction.x, direction.y, direction.z)

    def close(self) -> None:
        self.picker.ray_np.remove_node()
        self.panels.clear()
        self.screen.close()
