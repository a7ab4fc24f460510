"""A lesson as one screen of the desktop window: the lesson stage and desk, fed by the
window's pointer and keys, with xAPI records, until the child moves on from the end.

The desktop app opens one when a story starts a lesson (``start_lesson``), when a lesson card
is picked on the home scene, or when a seminar organizer pushes a lesson; it reads
:attr:`LessonScreen.end` when :attr:`LessonScreen.finished` turns true.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from engine.errors import RecordsError
from engine.learn.events import LessonEndEvent
from engine.learn.policies import policy_named
from engine.learn.program import Lesson
from engine.learn.recorder import LessonRecorder
from engine.learn.runtime import LessonRun
from engine.learn.store import RecordStore
from engine.player.lesson_autoplay import load_font
from engine.player.lesson_desktop import LessonDesk
from engine.scene.lesson_stage import LessonStage

__all__ = ["LessonScreen"]

log = logging.getLogger(__name__)

AUTOPLAY_MOVE_SECONDS = 0.4  # --autoplay answers one thing this often
END_HOLD_SECONDS = 1.5  # --autoplay shows the lesson's end this long before going on


class LessonScreen:
    def __init__(
        self,
        base: Any,
        lesson: Lesson,
        *,
        assets: Path | None = None,
        records: Path | None = None,
        learner: str | None = None,
        group: str = "",
        autoplay: bool = False,
    ) -> None:
        self.base = base
        self.lesson = lesson
        self.stage = LessonStage(base, load_font(base), assets)
        self.store: RecordStore | None = None
        recorder = None
        if records is not None:
            try:
                self.store = RecordStore(records)
            except (OSError, RecordsError) as error:  # the child plays on; only records are lost
                log.warning("cannot keep learning records in %s: %s", records, error)
            else:
                recorder = LessonRecorder(lesson, self.store, learner=learner, group=group)
                recorder.start()
        self.desk = LessonDesk(base, lesson, self.stage, LessonRun(lesson), recorder)
        self.autoplay = policy_named("correct") if autoplay else None
        self._next_move = AUTOPLAY_MOVE_SECONDS
        self.ended_seconds = 0.0
        self.wants_to_leave = False
        self.reported = False  # the app has taken in the lesson's end (records, seminar)
        self.desk.proceed()

    @property
    def end(self) -> LessonEndEvent | None:
        return self.desk.end

    @property
    def finished(self) -> bool:
        """The lesson ended and the child moved on (or autoplay held the end long enough)."""
        if self.desk.end is None:
            return False
        return self.wants_to_leave or (
            self.autoplay is not None and self.ended_seconds >= END_HOLD_SECONDS
        )

    def frame(self, dt: float, pointer: tuple[float, float] | None) -> None:
        if pointer is not None:
            self.desk.move(*pointer)
        self.stage.update(dt)
        if self.desk.end is not None:
            self.ended_seconds += dt
            return
        if self.autoplay is not None and not self.stage.busy():
            self._next_move -= dt
            if self._next_move <= 0:
                self._next_move = AUTOPLAY_MOVE_SECONDS
                self.desk.autoplay_step(self.autoplay)

    # -- input (the app routes the window's events here) ---------------------------------------

    def press(self, pointer: tuple[float, float] | None) -> None:
        if self.desk.end is not None:
            self.wants_to_leave = True
        elif pointer is not None:
            self.desk.press(*pointer)

    def release(self, pointer: tuple[float, float] | None) -> None:
        if pointer is not None:
            self.desk.release(*pointer)

    def key(self, name: str) -> None:
        if self.desk.end is not None:
            if name in ("space", "enter"):
                self.wants_to_leave = True
            return
        self.desk.key(name)

    def look(self, dx: float, dy: float) -> None:
        """The lesson's view stays put (its bins must stay under the pointer)."""

    def close(self) -> None:
        self.stage.destroy()
        if self.store is not None:
            self.store.close()
            self.store = None
