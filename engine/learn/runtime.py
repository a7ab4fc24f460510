"""The lesson runtime: pulled like the story machine, saved and resumed as versioned JSON.

    run = LessonRun(lesson)
    event = run.advance()          # ExplainEvent, ActivityEvent, RemediationEvent, LessonEndEvent
    feedback = run.answer([1])     # while an ActivityEvent waits; again after a wrong try
    hint = run.hint()              # the next hint of the waiting activity

Scoring: a graded step earns its points on the first try, ``retry_credit`` of them on a later
try, nothing once its tries run out (a sort scores each item the same way and averages them).
After the main steps, a scaled score below ``mastery`` leads into the remediation steps, whose
own score then decides passed or failed.
"""

from __future__ import annotations

import json
import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.errors import LessonError, LessonSaveError
from engine.learn.events import (
    ActivityEvent,
    ExplainEvent,
    FeedbackEvent,
    HintEvent,
    LessonEndEvent,
    LessonEvent,
    RemediationEvent,
)
from engine.learn.judge import (
    Judgement,
    judge_match,
    judge_order,
    judge_placement,
    judge_question,
    judge_simulation,
)
from engine.learn.models import Match, Order, Question, Simulate, Sort
from engine.learn.program import Lesson, LessonStep, Phase

__all__ = ["LESSON_SAVE_VERSION", "LessonRun", "presented_order"]

LESSON_SAVE_VERSION = 1


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    format: str = "glowgrove-lesson-save"
    version: int = LESSON_SAVE_VERSION
    lesson: str
    digest: str
    seed: int
    phase: str = "main"  # main, remediation, ended
    index: int = 0  # next step to start in the phase
    waiting: str | None = None  # the step waiting for answer()
    attempts: dict[str, int] = Field(default_factory=dict)  # step id, or step/item for sorts
    credits: dict[str, float] = Field(default_factory=dict)  # finished graded steps
    item_credits: dict[str, dict[str, float]] = Field(default_factory=dict)
    hints: dict[str, int] = Field(default_factory=dict)
    reflections: dict[str, str] = Field(default_factory=dict)  # stays on the device
    main_scaled: float | None = None
    ended: bool = False


def presented_order(lesson: Lesson, step: LessonStep, seed: int) -> tuple[str, ...]:
    """The order a step's parts are shown in: shuffled per seed, never already solved."""
    activity = step.activity
    ids: list[str]
    if isinstance(activity, Question):
        return tuple(str(i) for i in range(len(activity.options)))
    if isinstance(activity, (Sort, Order)):
        ids = [item.id for item in activity.items]
    elif isinstance(activity, Match):
        ids = [pair.id for pair in activity.pairs]
    else:
        return ()
    shuffled = list(ids)
    random.Random(f"{lesson.id}:{step.id}:{seed}").shuffle(shuffled)
    if shuffled == ids and len(ids) > 1 and not isinstance(activity, Sort):
        shuffled = shuffled[1:] + shuffled[:1]
    return tuple(shuffled)


class LessonRun:
    def __init__(self, lesson: Lesson, *, seed: int = 0) -> None:
        self.lesson = lesson
        self._state = _State(lesson=lesson.id, digest=lesson.digest, seed=seed)

    # -- reading the state ----------------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self._state.ended

    @property
    def waiting(self) -> LessonStep | None:
        name = self._state.waiting
        return self.lesson.step(name) if name is not None else None

    @property
    def phase(self) -> str:
        return self._state.phase

    def attempts(self, step_id: str, item: str | None = None) -> int:
        return self._state.attempts.get(_key(step_id, item), 0)

    def unplaced(self) -> tuple[str, ...]:
        """Sort items still to place in the waiting sort (in presented order)."""
        step = self.waiting
        if step is None or not isinstance(step.activity, Sort):
            return ()
        done = self._state.item_credits.get(step.id, {})
        order = presented_order(self.lesson, step, self._state.seed)
        return tuple(item for item in order if item not in done)

    def hints_left(self) -> int:
        step = self.waiting
        if step is None:
            return 0
        return len(step.hints) - self._state.hints.get(step.id, 0)

    def score(self, phase: Phase) -> tuple[float, int]:
        steps = self.lesson.steps if phase == "main" else self.lesson.remediation
        earned = sum(s.points * self._state.credits.get(s.id, 0.0) for s in steps if s.graded)
        return earned, self.lesson.max_points(phase)

    # -- driving it -----------------------------------------------------------------------------

    def advance(self) -> LessonEvent:
        state = self._state
        if state.ended:
            raise LessonError("the lesson has ended")
        if state.waiting is not None:
            raise LessonError(f"step '{state.waiting}' waits for answer()")
        steps = self.lesson.steps if state.phase == "main" else self.lesson.remediation
        if state.index < len(steps):
            step = steps[state.index]
            state.index += 1
            if not step.needs_answer:
                return ExplainEvent(step)
            state.waiting = step.id
            return ActivityEvent(step, presented_order(self.lesson, step, state.seed))
        if state.phase == "main":
            earned, most = self.score("main")
            scaled = earned / most if most else 1.0
            state.main_scaled = scaled
            if scaled < self.lesson.mastery and self.lesson.remediation:
                state.phase = "remediation"
                state.index = 0
                return RemediationEvent(earned, most, scaled, self.lesson.mastery)
            return self._end(scaled >= self.lesson.mastery, earned, most, scaled)
        earned, most = self.score("remediation")
        scaled = earned / most if most else 0.0
        return self._end(most > 0 and scaled >= self.lesson.mastery, earned, most, scaled)

    def _end(self, passed: bool, earned: float, most: int, scaled: float) -> LessonEndEvent:
        state = self._state
        state.ended = True
        remediated = state.phase == "remediation"
        state.phase = "ended"
        outcome = self.lesson.outcome_passed if passed else self.lesson.outcome_failed
        main = state.main_scaled if state.main_scaled is not None else scaled
        return LessonEndEvent(passed, remediated, earned, most, scaled, main, dict(outcome))

    def hint(self) -> HintEvent:
        step = self.waiting
        if step is None:
            raise LessonError("no activity is waiting, so there is no hint to give")
        used = self._state.hints.get(step.id, 0)
        if used >= len(step.hints):
            raise LessonError(f"step '{step.id}' has no more hints")
        self._state.hints[step.id] = used + 1
        return HintEvent(step.id, used, step.hints[used])

    def answer(self, response: object) -> FeedbackEvent:
        """Answer the waiting activity.

        A question takes option indexes (``[1]``); a sort one placement ``(item, bin)``; an
        order every item id in order; a match ``{left pair id: right pair id}``; a simulation
        kg of feedstock; a reflection its text (kept on this device only).
        """
        step = self.waiting
        if step is None:
            raise LessonError("no activity is waiting for an answer")
        activity = step.activity
        if step.kind == "reflect":
            if not isinstance(response, str):
                raise LessonError("a reflection is answered with text")
            self._state.reflections[step.id] = response[:4000]
            self._state.waiting = None
            return FeedbackEvent(step.id, True, "Thank you for thinking about it.", True, 0, 1.0)
        if isinstance(activity, Sort):
            return self._place(step, activity, response)
        judgement: Judgement
        if isinstance(activity, Question):
            judgement = judge_question(activity, response)
        elif isinstance(activity, Order):
            judgement = judge_order(activity, response)
        elif isinstance(activity, Match):
            judgement = judge_match(activity, response)
        elif isinstance(activity, Simulate):
            judgement = judge_simulation(activity, response)
        else:  # pragma: no cover - explanations never wait
            raise LessonError(f"step '{step.id}' takes no answer")
        key = _key(step.id, None)
        credit, done, left, message = self._try(step, key, judgement)
        if done:
            self._state.waiting = None
            if step.graded:
                self._state.credits[step.id] = credit
        return FeedbackEvent(
            step.id,
            judgement.correct,
            message,
            done,
            left,
            credit,
            simulation=judgement.simulation,
            response=_response_text(response),
        )

    def _try(
        self, step: LessonStep, key: str, judgement: Judgement
    ) -> tuple[float, bool, int, str]:
        used = self._state.attempts.get(key, 0) + 1
        self._state.attempts[key] = used
        left = max(0, step.tries - used)
        if judgement.correct:
            return (1.0 if used == 1 else self.lesson.retry_credit), True, left, judgement.message
        if left == 0:
            return 0.0, True, 0, f"{judgement.message} {judgement.reveal}"
        return 0.0, False, left, judgement.message

    def _place(self, step: LessonStep, sort: Sort, response: object) -> FeedbackEvent:
        if (
            not isinstance(response, (tuple, list))
            or len(response) != 2
            or not all(isinstance(part, str) for part in response)
        ):
            raise LessonError("a sort is answered one placement at a time: (item id, bin id)")
        item_id, bin_id = str(response[0]), str(response[1])
        placed = self._state.item_credits.setdefault(step.id, {})
        if item_id in placed:
            raise LessonError(f"item '{item_id}' is already in its bin")
        labels = {name: spec.label for name, spec in self.lesson.bins.items()}
        judgement = judge_placement(sort, item_id, bin_id, labels)
        credit, item_done, left, message = self._try(step, _key(step.id, item_id), judgement)
        if item_done:
            placed[item_id] = credit
        done = len(placed) == len(sort.items)
        step_credit = sum(placed.values()) / len(sort.items) if done else 0.0
        if done:
            self._state.waiting = None
            self._state.credits[step.id] = step_credit
        return FeedbackEvent(
            step.id,
            judgement.correct,
            message,
            done,
            left,
            step_credit,
            item_id,
            bin_id,
            response=f"{item_id}[.]{bin_id}",
        )

    # -- saving ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return self._state.model_dump(mode="json")

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)

    @classmethod
    def from_json(cls, lesson: Lesson, data: Any) -> LessonRun:
        try:
            if isinstance(data, (str, bytes)):
                state = _State.model_validate_json(data, strict=False)
            else:
                state = _State.model_validate(data, strict=False)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise LessonSaveError(f"not a valid lesson save: {where}: {first['msg']}") from None
        if state.format != "glowgrove-lesson-save" or state.version != LESSON_SAVE_VERSION:
            raise LessonSaveError(
                f"not a lesson save of version {LESSON_SAVE_VERSION} ({state.format!r} "
                f"version {state.version})"
            )
        if state.lesson != lesson.id:
            raise LessonSaveError(f"this save is for lesson '{state.lesson}', not '{lesson.id}'")
        if state.digest != lesson.digest:
            raise LessonSaveError(f"lesson '{lesson.id}' changed since this save was made")
        if state.phase not in ("main", "remediation", "ended"):
            raise LessonSaveError(f"unknown lesson phase '{state.phase}' in the save")
        steps = lesson.steps if state.phase == "main" else lesson.remediation
        if state.phase != "ended" and not 0 <= state.index <= len(steps):
            raise LessonSaveError("the save points at no step of this lesson")
        if state.ended != (state.phase == "ended"):
            raise LessonSaveError("the save is both finished and not finished")
        if state.waiting is not None:
            try:
                lesson.step(state.waiting)
            except KeyError:
                raise LessonSaveError(f"the save waits on unknown step '{state.waiting}'") from None
        run = cls(lesson, seed=state.seed)
        run._state = state
        return run


def _key(step_id: str, item: str | None) -> str:
    return step_id if item is None else f"{step_id}/{item}"


def _response_text(response: object) -> str:
    """xAPI response formats: choices and sequences 'a[,]b', matches 'a[.]b[,]c[.]d'."""
    if isinstance(response, dict):
        return "[,]".join(f"{k}[.]{v}" for k, v in response.items())
    if isinstance(response, (list, tuple)):
        return "[,]".join(str(part) for part in response)
    if isinstance(response, float):
        return f"{response:g}"
    return str(response)
