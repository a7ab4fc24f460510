"""Turn a lesson run's events into xAPI statements, stored as they happen.

Order (cmi5 style): launched, initialized, then experienced/answered while the lesson runs,
then completed, passed or failed, terminated. Durations come from a monotonic clock; time
stamps from the wall clock (both injectable for tests).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from engine.learn.events import (
    ActivityEvent,
    ExplainEvent,
    FeedbackEvent,
    HintEvent,
    LessonEndEvent,
    LessonEvent,
    RemediationEvent,
)
from engine.learn.program import Lesson, LessonStep
from engine.learn.store import RecordStore
from engine.learn.xapi import EXTENSION_HOME, iso_duration, new_pseudonym, statement

__all__ = ["LessonRecorder"]


def _now() -> datetime:
    return datetime.now(UTC)


class LessonRecorder:
    """Listens to a lesson run (see engine.learn.play) and stores a statement per event."""

    def __init__(
        self,
        lesson: Lesson,
        store: RecordStore,
        *,
        learner: str | None = None,
        group: str = "",
        registration: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = _now,
    ) -> None:
        self.lesson = lesson
        self.store = store
        self.learner = learner or new_pseudonym()
        self.group = group
        self.registration = registration or str(uuid.uuid4())
        self._clock = clock
        self._wall = wall
        self._started = clock()
        self._step_started: dict[str, float] = {}
        self._hints: dict[str, int] = {}
        self._tries: dict[str, int] = {}

    def _emit(self, verb: str, step: LessonStep | None = None, **extra: Any) -> dict[str, Any]:
        body = statement(
            verb=verb,
            learner=self.learner,
            registration=self.registration,
            lesson_id=self.lesson.id,
            lesson_title=self.lesson.title,
            when=self._wall(),
            step_id=step.id if step is not None else extra.pop("step_id", None),
            step_title=_title(step) if step is not None else extra.pop("step_title", None),
            kind=step.kind if step is not None else extra.pop("kind", "lesson"),
            group=self.group or None,
            **extra,
        )
        self.store.add(body, group=self.group)
        return body

    def start(self) -> None:
        self._started = self._clock()
        self._emit("launched")
        self._emit("initialized")

    def __call__(self, event: LessonEvent | FeedbackEvent | HintEvent) -> None:
        now = self._clock()
        if isinstance(event, ExplainEvent):
            self._emit("experienced", event.step)
        elif isinstance(event, ActivityEvent):
            self._step_started[event.step.id] = now
        elif isinstance(event, HintEvent):
            self._hints[event.step_id] = self._hints.get(event.step_id, 0) + 1
        elif isinstance(event, FeedbackEvent):
            self._feedback(event, now)
        elif isinstance(event, RemediationEvent):
            self._emit(
                "experienced",
                step_id="remediation",
                step_title="Remediation",
                kind="remediation",
                result={"score": _score(event.score, event.max_points)},
            )
        elif isinstance(event, LessonEndEvent):
            self._end(event, now)

    def _feedback(self, event: FeedbackEvent, now: float) -> None:
        step = self.lesson.step(event.step_id)
        key = event.step_id if event.item is None else f"{event.step_id}/{event.item}"
        self._tries[key] = self._tries.get(key, 0) + 1
        result: dict[str, Any] = {
            "duration": iso_duration(now - self._step_started.get(step.id, now)),
        }
        if step.kind == "reflect":  # the text stays on the device
            self._emit("experienced", step, result=result)
            return
        result["success"] = event.correct
        if event.response:
            result["response"] = event.response
        if event.done:
            result["completion"] = True
            if step.graded:
                result["score"] = {
                    "scaled": round(event.credit, 4),
                    "raw": round(event.credit * step.points, 4),
                    "min": 0,
                    "max": step.points,
                }
        extensions: dict[str, Any] = {
            f"{EXTENSION_HOME}/attempt": self._tries[key],
            f"{EXTENSION_HOME}/hints": self._hints.get(step.id, 0),
            f"{EXTENSION_HOME}/phase": step.phase,
        }
        if event.item is not None:
            extensions[f"{EXTENSION_HOME}/item"] = event.item
        self._emit("answered", step, result=result, extensions=extensions)

    def _end(self, event: LessonEndEvent, now: float) -> None:
        duration = iso_duration(now - self._started)
        self._emit("completed", result={"completion": True, "duration": duration})
        self._emit(
            "passed" if event.passed else "failed",
            result={
                "score": _score(event.score, event.max_points),
                "success": event.passed,
                "completion": True,
                "duration": duration,
            },
            extensions={
                f"{EXTENSION_HOME}/remediated": event.remediated,
                f"{EXTENSION_HOME}/main-scaled": round(event.main_scaled, 4),
                f"{EXTENSION_HOME}/mastery": self.lesson.mastery,
            },
        )
        self._emit("terminated", result={"duration": duration})


def _score(earned: float, most: int) -> dict[str, Any]:
    scaled = earned / most if most else 0.0
    return {"scaled": round(scaled, 4), "raw": round(earned, 4), "min": 0, "max": max(most, 0)}


def _title(step: LessonStep) -> str:
    activity = step.activity
    for attribute in ("prompt", "text"):
        value = getattr(activity, attribute, None)
        if isinstance(value, str):
            return value
    return step.id
