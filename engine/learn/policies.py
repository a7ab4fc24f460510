"""Answering policies for autoplay and tests: always right, or wrong on every first try."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from engine.learn.models import Match, Order, Question, Reflect, Simulate, Sort
from engine.learn.program import LessonStep
from engine.learn.simulation import kg_needed

__all__ = ["AnswerPolicy", "PolicyName", "correct_answer", "policy_named", "wrong_answer"]

PolicyName = Literal["correct", "wrong-first"]
# (step, sort item or None, attempt number starting at 1) -> the response for answer()
AnswerPolicy = Callable[[LessonStep, str | None, int], object]


def correct_answer(step: LessonStep, item: str | None) -> object:
    activity = step.activity
    if isinstance(activity, Question):
        return [i for i, option in enumerate(activity.options) if option.correct]
    if isinstance(activity, Sort):
        bins = {entry.id: entry.bin for entry in activity.items}
        return (item, bins[item or ""])
    if isinstance(activity, Order):
        return [entry.id for entry in activity.items]
    if isinstance(activity, Match):
        return {pair.id: pair.id for pair in activity.pairs}
    if isinstance(activity, Simulate):
        needed = kg_needed(activity)
        if needed is None:
            return activity.kg.start
        return min(activity.kg.max, max(activity.kg.min, math.ceil(needed * 10) / 10))
    assert isinstance(activity, Reflect)
    return "I would sort my recycling."


def wrong_answer(step: LessonStep, item: str | None) -> object:
    """A plausible wrong answer; where none exists, the right one."""
    activity = step.activity
    if isinstance(activity, Question):
        wrong = [i for i, option in enumerate(activity.options) if not option.correct]
        if not wrong:
            return correct_answer(step, item)
        return wrong[:1]
    if isinstance(activity, Sort):
        bins = {entry.id: entry.bin for entry in activity.items}
        other = [name for name in activity.bins if name != bins[item or ""]]
        return (item, other[0])
    if isinstance(activity, Order):
        return [entry.id for entry in reversed(activity.items)]
    if isinstance(activity, Match):
        ids = [pair.id for pair in activity.pairs]
        return dict(zip(ids, ids[1:] + ids[:1], strict=True))
    if isinstance(activity, Simulate):
        return activity.kg.min
    return correct_answer(step, item)


def policy_named(name: PolicyName) -> AnswerPolicy:
    def correct(step: LessonStep, item: str | None, attempt: int) -> object:
        return correct_answer(step, item)

    def wrong_first(step: LessonStep, item: str | None, attempt: int) -> object:
        if attempt == 1 and step.graded:
            return wrong_answer(step, item)
        return correct_answer(step, item)

    return correct if name == "correct" else wrong_first
