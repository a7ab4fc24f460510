"""A lesson's input: drag waste items into bins with a pointer, keys (or panels) for the rest.

Pointer: press on an item, drag it (it follows the pointer over the tray plane), release over
a bin: it snaps in (right) or bounces back (wrong), with colour and sound. The pointer is a
ray: the mouse's ray through the window on the desktop, a controller's aim in the headset.
Keys: Space/Enter goes on or submits, 1-8 pick options (or order items), +/- change
kilograms, H asks for a hint; :meth:`LessonDesk.actions` lists the same as labelled actions
for panels a child points at.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from panda3d.core import Point2, Point3

from engine.errors import LessonError
from engine.learn.events import (
    ActivityEvent,
    ExplainEvent,
    FeedbackEvent,
    LessonEndEvent,
    RemediationEvent,
)
from engine.learn.models import Match, Order, Question, Simulate, Sort
from engine.learn.policies import AnswerPolicy
from engine.learn.program import Lesson
from engine.learn.recorder import LessonRecorder
from engine.learn.runtime import LessonRun
from engine.learn.store import RecordStore
from engine.player.lesson_autoplay import load_font
from engine.player.options import PlayerOptions
from engine.scene.lesson_layout import TRAY_HEIGHT, SortLayout, ground_point, snap_bin
from engine.scene.lesson_stage import LessonStage

__all__ = ["GRAB_METRES", "LessonDesk", "Ray", "attach_desk", "run_lesson_desktop"]

log = logging.getLogger(__name__)
GRAB_METRES = 0.2  # how near the pointer ray must pass an item to grab it

Ray = tuple[tuple[float, float, float], tuple[float, float, float]]  # origin, direction


class LessonDesk:
    """Turns pointer and key input into lesson answers; the window's tasks call it."""

    def __init__(
        self,
        base: Any,
        lesson: Lesson,
        stage: LessonStage,
        run: LessonRun,
        recorder: LessonRecorder | None = None,
    ) -> None:
        self.base = base
        self.lesson = lesson
        self.stage = stage
        self.run = run
        self.recorder = recorder
        self.layout: SortLayout | None = None
        self.held: str | None = None
        self.selection: list[int] = []
        self.sequence: list[str] = []
        self.kg = 0.0
        self.ended = False
        self.end: LessonEndEvent | None = None
        self.log: list[str] = []

    def _note(self, event: Any) -> None:
        if self.recorder is not None:
            self.recorder(event)

    # -- going on ------------------------------------------------------------------------------

    def proceed(self) -> None:
        """Space/Enter/click when nothing waits: the next event."""
        if self.ended or self.run.waiting is not None:
            return
        event = self.run.advance()
        self._note(event)
        self.log.append(type(event).__name__)
        if isinstance(event, ExplainEvent):
            self.stage.clear_activity()
            self.stage.say(str(getattr(event.step.activity, "text", "")))
        elif isinstance(event, ActivityEvent):
            self._show(event)
        elif isinstance(event, RemediationEvent):
            self.stage.clear_activity()
            self.stage.say("Let's go over that again, step by step. (Space)")
        elif isinstance(event, LessonEndEvent):
            self.ended = True
            self.end = event
            self.stage.clear_activity()
            self.stage.say("Well done!" if event.passed else "You finished! Practise again soon.")

    def _show(self, event: ActivityEvent) -> None:
        activity = event.step.activity
        self.selection, self.sequence, self.layout = [], [], None
        prompt = str(getattr(activity, "prompt", ""))
        if isinstance(activity, Sort):
            self.layout = self.stage.show_sort(activity, self.lesson.bins, event.presented)
            self.stage.say(prompt + "\n(drag each item into a bin)")
            return
        self.stage.clear_activity()
        if isinstance(activity, Question):
            lines = [f"{i + 1}. {o.text}" for i, o in enumerate(activity.options)]
            tail = "(press numbers, then Enter)" if activity.multiple else "(press a number)"
            self.stage.say("\n".join([prompt, *lines, tail]))
        elif isinstance(activity, Order):
            texts = {item.id: item.text for item in activity.items}
            lines = [f"{i + 1}. {texts[name]}" for i, name in enumerate(event.presented)]
            self.stage.say("\n".join([prompt, *lines, "(press the numbers in order)"]))
        elif isinstance(activity, Match):
            rights = {pair.id: pair.right for pair in activity.pairs}
            lines = [f"{pair.left}" for pair in activity.pairs]
            options = [f"{i + 1}. {rights[name]}" for i, name in enumerate(event.presented)]
            self.stage.say(
                "\n".join(
                    [
                        prompt,
                        " / ".join(lines),
                        *options,
                        "(press the number for each, top to bottom)",
                    ]
                )
            )
        elif isinstance(activity, Simulate):
            self.kg = activity.kg.start
            self.stage.show_lights(activity)
            self.stage.say(f"{prompt}\n{self.kg:g} kg of {activity.feedstock} (+/-, Enter)")
        else:
            self.stage.say(prompt + "\n(think about it, then press Enter)")

    def autoplay_step(self, policy: AnswerPolicy) -> None:
        """One move of an answering policy (desktop --autoplay): go on, or answer what waits
        (a sort item is dropped into its bin on the stage, as if dragged)."""
        step = self.run.waiting
        if step is None:
            self.proceed()
            return
        item = self.run.unplaced()[0] if step.kind == "sort" and self.run.unplaced() else None
        response = policy(step, item, self.run.attempts(step.id, item) + 1)
        feedback = self._answer(response)
        if feedback is not None and item is not None and isinstance(response, tuple):
            self.stage.drop(item, str(response[1]), feedback.correct)

    def _answer(self, response: object) -> FeedbackEvent | None:
        try:
            feedback = self.run.answer(response)
        except LessonError as error:
            self.stage.say(str(error))
            return None
        self._note(feedback)
        self.log.append(f"feedback {'right' if feedback.correct else 'wrong'}")
        self.stage.say(feedback.message + ("\n(Space)" if feedback.done else ""))
        if feedback.simulation is not None:
            self.stage.light_garden(feedback.simulation)
        return feedback

    # -- keys ----------------------------------------------------------------------------------

    def key(self, name: str) -> None:
        step = self.run.waiting
        if step is None:
            if name in ("space", "enter"):
                self.proceed()
            return
        activity = step.activity
        if name == "h" and self.run.hints_left():
            hint = self.run.hint()
            self._note(hint)
            self.stage.say(f"Hint: {hint.text}")
        elif isinstance(activity, Question) and name.isdigit():
            index = int(name) - 1
            if not activity.multiple:
                self._answer([index])
            elif index not in self.selection:
                self.selection.append(index)
        elif isinstance(activity, Question) and name == "enter" and self.selection:
            self._answer(sorted(self.selection))
            self.selection = []
        elif isinstance(activity, (Order, Match)) and name.isdigit():
            presented = self._presented()
            index = int(name) - 1
            if 0 <= index < len(presented) and presented[index] not in self.sequence:
                self.sequence.append(presented[index])
            if len(self.sequence) == len(presented):
                if isinstance(activity, Order):
                    self._answer(list(self.sequence))
                else:
                    lefts = [pair.id for pair in activity.pairs]
                    self._answer(dict(zip(lefts, self.sequence, strict=True)))
                self.sequence = []
        elif isinstance(activity, Simulate) and name in ("+", "-", "enter"):
            step_kg = max(0.1, round((activity.kg.max - activity.kg.min) / 20, 1))
            if name == "enter":
                self._answer(self.kg)
                return
            delta = step_kg if name == "+" else -step_kg
            self.kg = round(min(activity.kg.max, max(activity.kg.min, self.kg + delta)), 3)
            self.stage.say(f"{activity.prompt}\n{self.kg:g} kg of {activity.feedstock}")
        elif step.kind == "reflect" and name == "enter":
            self._answer("")

    def _presented(self) -> tuple[str, ...]:
        from engine.learn.runtime import presented_order

        step = self.run.waiting
        assert step is not None
        return presented_order(self.lesson, step, 0)

    # -- labelled actions (panels) -------------------------------------------------------------

    def actions(self) -> list[tuple[str, str]]:
        """(label, key) for what the child can do now, for panels to point at: the same keys
        :meth:`key` takes. Sorting is done by dragging, so it lists only the hint."""
        step = self.run.waiting
        if self.ended:
            return []
        if step is None:
            return [("Go on", "space")]
        activity = step.activity
        out: list[tuple[str, str]] = []
        if isinstance(activity, Question):
            out = [
                (("[x] " if i in self.selection else "") + o.text, str(i + 1))
                for i, o in enumerate(activity.options)
            ]
            if activity.multiple:
                out.append(("That's my answer", "enter"))
        elif isinstance(activity, Order):
            texts = {item.id: item.text for item in activity.items}
            out = [
                (texts[name], str(i + 1))
                for i, name in enumerate(self._presented())
                if name not in self.sequence
            ]
        elif isinstance(activity, Match):
            rights = {pair.id: pair.right for pair in activity.pairs}
            out = [
                (rights[name], str(i + 1))
                for i, name in enumerate(self._presented())
                if name not in self.sequence
            ]
        elif isinstance(activity, Simulate):
            out = [("Less", "-"), ("More", "+"), (f"Feed {self.kg:g} kg", "enter")]
        elif step.kind == "reflect":
            out = [("Done", "enter")]
        if self.run.hints_left():
            out.append(("Hint", "h"))
        return out

    # -- the pointer ---------------------------------------------------------------------------

    def _screen_ray(self, x: float, y: float) -> Ray | None:
        """The mouse's ray through the window (screen units -1..1), in world coordinates."""
        near, far = Point3(), Point3()
        if not self.base.camLens.extrude(Point2(x, y), near, far):
            return None
        origin = self.base.render.get_relative_point(self.base.cam, near)
        target = self.base.render.get_relative_point(self.base.cam, far)
        direction = (target.x - origin.x, target.y - origin.y, target.z - origin.z)
        return (origin.x, origin.y, origin.z), direction

    def press(self, x: float, y: float) -> None:
        self.press_ray(self._screen_ray(x, y))

    def move(self, x: float, y: float) -> None:
        if self.held is not None:
            self.move_ray(self._screen_ray(x, y))

    def release(self, x: float, y: float) -> None:
        self.release_ray(self._screen_ray(x, y))

    def press_ray(self, ray: Ray | None) -> None:
        """Grab the item the ray passes nearest (within :data:`GRAB_METRES`); with nothing to
        sort, go on."""
        if self.layout is None or self.run.waiting is None:
            self.proceed()
            return
        best: tuple[float, str] | None = None
        for item in self.run.unplaced():
            position = self.stage.item_position(item)
            if position is None or ray is None:
                continue
            distance = _ray_distance(ray, position)
            if distance is None or distance > GRAB_METRES:
                continue
            if best is None or distance < best[0]:
                best = (distance, item)
        self.held = best[1] if best is not None else None

    def move_ray(self, ray: Ray | None) -> None:
        if self.held is None or ray is None:
            return
        point = ground_point(ray[0], ray[1], TRAY_HEIGHT)
        if point is not None:
            self.stage.grab(self.held, (point[0], point[1], point[2] + 0.15))

    def release_ray(self, ray: Ray | None) -> None:
        item, self.held = self.held, None
        if item is None or self.layout is None:
            return
        point = ground_point(ray[0], ray[1], TRAY_HEIGHT) if ray is not None else None
        bin_name = snap_bin(self.layout, point) if point is not None else None
        if bin_name is None:  # dropped nowhere: back to the tray, no try used
            self.stage.grab(item, self.layout.items[item])
            return
        feedback = self._answer((item, bin_name))
        if feedback is not None:
            self.stage.drop(item, bin_name, feedback.correct)


def _ray_distance(ray: Ray, point: tuple[float, float, float]) -> float | None:
    """How far ``point`` is from the ray (None: it is behind the ray's origin)."""
    (ox, oy, oz), (dx, dy, dz) = ray
    length = (dx * dx + dy * dy + dz * dz) ** 0.5
    if length == 0:
        return None
    dx, dy, dz = dx / length, dy / length, dz / length
    px, py, pz = point[0] - ox, point[1] - oy, point[2] - oz
    along = px * dx + py * dy + pz * dz
    if along <= 0:
        return None
    cx, cy, cz = px - along * dx, py - along * dy, pz - along * dz
    return float((cx * cx + cy * cy + cz * cz) ** 0.5)


def attach_desk(base: Any, desk: LessonDesk) -> None:
    """Feed the window's pointer and keys to ``desk`` and animate its stage every frame."""

    def pointer() -> tuple[float, float] | None:
        watcher = base.mouseWatcherNode
        if not watcher.has_mouse():
            return None
        return (float(watcher.get_mouse_x()), float(watcher.get_mouse_y()))

    def on_press() -> None:
        at = pointer()
        if at is not None:
            desk.press(*at)

    def on_release() -> None:
        at = pointer()
        if at is not None:
            desk.release(*at)

    def tick(task: Any) -> Any:
        at = pointer()
        if at is not None:
            desk.move(*at)
        desk.stage.update(min(0.1, base.clock.get_dt()))
        return task.cont

    base.accept("mouse1", on_press)
    base.accept("mouse1-up", on_release)
    keys = {"space": "space", "enter": "enter", "h": "h", "+": "+", "-": "-", "=": "+"}
    keys |= {str(n): str(n) for n in range(1, 9)}
    for key, name in keys.items():
        base.accept(key, desk.key, [name])
    base.task_mgr.add(tick, "lesson-desk")


def run_lesson_desktop(
    base: Any, lesson: Lesson, options: PlayerOptions, records: Path | None, group: str
) -> int:
    stage = LessonStage(base, load_font(base), options.assets)
    store = RecordStore(records) if records is not None else None
    recorder = LessonRecorder(lesson, store, group=group) if store is not None else None
    if recorder is not None:
        recorder.start()
    desk = LessonDesk(base, lesson, stage, LessonRun(lesson), recorder)
    desk.proceed()
    attach_desk(base, desk)
    base.accept("escape", base.userExit)
    try:
        base.run()
    except SystemExit:
        pass
    finally:
        if store is not None:
            store.close()
    return 0
