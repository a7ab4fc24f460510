"""What a lesson run hands out: one event per advance(), one feedback per answer()."""

from __future__ import annotations

from dataclasses import dataclass

from engine.learn.program import LessonStep
from engine.learn.simulation import SimulationResult

__all__ = [
    "ActivityEvent",
    "ExplainEvent",
    "FeedbackEvent",
    "HintEvent",
    "LessonEndEvent",
    "LessonEvent",
    "RemediationEvent",
]


@dataclass(frozen=True)
class ExplainEvent:
    """Narrated text (and props to show); the next advance() moves on."""

    step: LessonStep


@dataclass(frozen=True)
class ActivityEvent:
    """An activity waits for answer(): a question, sort, order, match, simulation or reflection.

    ``presented`` is the order to show things in (deterministic per seed): option indexes for a
    question, item ids for a sort or order, right-hand pair ids for a match.
    """

    step: LessonStep
    presented: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackEvent:
    step_id: str
    correct: bool
    message: str
    done: bool  # the activity is over (right, or out of tries); advance() may go on
    tries_left: int
    credit: float  # 0..1 of the step's points, set when done
    item: str | None = None  # the sort item this placement was about
    bin: str | None = None  # the bin the item was put in
    simulation: SimulationResult | None = None
    response: str = ""  # what was answered, in xAPI's response format ('' for reflections)


@dataclass(frozen=True)
class HintEvent:
    step_id: str
    index: int
    text: str


@dataclass(frozen=True)
class RemediationEvent:
    """Mastery was not reached in the main steps; the remediation steps come next."""

    score: float
    max_points: int
    scaled: float
    mastery: float


@dataclass(frozen=True)
class LessonEndEvent:
    passed: bool
    remediated: bool
    score: float  # points of the phase that decided the result
    max_points: int
    scaled: float
    main_scaled: float
    outcome: dict[str, bool | int | float | str]


LessonEvent = ExplainEvent | ActivityEvent | RemediationEvent | LessonEndEvent
