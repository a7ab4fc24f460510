"""A compiled lesson: immutable data the runtime, records and 3D layer read.

Activities keep their validated (frozen) pydantic models: they are already immutable and
checked, and copying every field into a parallel dataclass would only add places to drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from engine.learn.models import (
    Bin,
    Explain,
    Match,
    Objective,
    Order,
    Question,
    Reflect,
    Simulate,
    Sort,
    Source,
)

__all__ = ["GRADED_KINDS", "Activity", "Lesson", "LessonStep", "Phase"]

Activity = Explain | Question | Sort | Order | Match | Simulate | Reflect
Phase = Literal["main", "remediation"]
GRADED_KINDS = ("question", "sort", "order", "match", "simulate")


@dataclass(frozen=True)
class LessonStep:
    id: str
    kind: str  # the activity key: explain, question, sort, order, match, simulate, reflect
    activity: Activity
    points: int
    tries: int
    hints: tuple[str, ...]
    objective: str | None
    phase: Phase

    @property
    def graded(self) -> bool:
        if self.kind == "simulate":
            return isinstance(self.activity, Simulate) and self.activity.goal is not None
        return self.kind in GRADED_KINDS

    @property
    def needs_answer(self) -> bool:
        return self.kind not in ("explain",)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    path: str
    digest: str  # sha256 of the source text: a save only resumes the lesson it was made with
    ages: tuple[int, int]
    minutes: int
    summary: str | None
    objectives: tuple[Objective, ...]
    sources: dict[str, Source]
    mastery: float
    retry_credit: float
    bins: dict[str, Bin]
    steps: tuple[LessonStep, ...]
    remediation: tuple[LessonStep, ...]
    aliases: tuple[str, ...] = ()
    outcome_passed: dict[str, bool | int | float | str] = field(default_factory=dict)
    outcome_failed: dict[str, bool | int | float | str] = field(default_factory=dict)

    def step(self, step_id: str) -> LessonStep:
        for step in (*self.steps, *self.remediation):
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def max_points(self, phase: Phase) -> int:
        steps = self.steps if phase == "main" else self.remediation
        return sum(step.points for step in steps if step.graded)
