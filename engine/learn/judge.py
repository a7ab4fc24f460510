"""Judging one answer to one activity: right or wrong, and what to say about it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import LessonError
from engine.learn.models import Match, Order, Question, Simulate, Sort
from engine.learn.simulation import SimulationResult, run_simulation

__all__ = ["Judgement", "judge_match", "judge_order", "judge_placement", "judge_question"]


@dataclass(frozen=True)
class Judgement:
    correct: bool
    message: str
    reveal: str  # said when the tries run out: the right answer and why
    simulation: SimulationResult | None = None


def judge_question(question: Question, response: object) -> Judgement:
    if isinstance(response, int) and not isinstance(response, bool):
        response = [response]
    if not isinstance(response, (list, tuple)) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in response
    ):
        raise LessonError("a question is answered with option indexes, e.g. [0] or [1, 2]")
    chosen = sorted(set(response))
    if not chosen or any(not 0 <= i < len(question.options) for i in chosen):
        raise LessonError(f"choose option indexes from 0 to {len(question.options) - 1}")
    if not question.multiple and len(chosen) > 1:
        raise LessonError("this question takes one answer")
    right = [i for i, option in enumerate(question.options) if option.correct]
    correct = chosen == right
    said = [question.options[i].feedback for i in chosen if question.options[i].feedback]
    default = "That's right!" if correct else "Not quite."
    message = " ".join(s for s in said if s) or default
    answers = "; ".join(question.options[i].text for i in right)
    return Judgement(correct, message, f"The answer: {answers}.")


def judge_placement(
    sort: Sort, item_id: str, bin_id: str, labels: dict[str, str] | None = None
) -> Judgement:
    items = {item.id: item for item in sort.items}
    if item_id not in items:
        raise LessonError(f"there is no item '{item_id}' in this sort")
    if bin_id not in sort.bins:
        raise LessonError(f"there is no bin '{bin_id}' in this sort")
    item = items[item_id]
    correct = item.bin == bin_id
    message = f"Yes! {item.reason}" if correct else f"Not that bin for the {item.label.lower()}."
    where = (labels or {}).get(item.bin or "", item.bin)
    reveal = f"The {item.label.lower()} goes in the {where} bin: {item.reason}"
    return Judgement(correct, message, reveal)


def judge_order(order: Order, response: object) -> Judgement:
    ids = [item.id for item in order.items]
    if not isinstance(response, (list, tuple)) or sorted(map(str, response)) != sorted(ids):
        raise LessonError(f"an order is answered with every item id once: {', '.join(ids)}")
    placed = [str(part) for part in response]
    correct = placed == ids
    right_spots = sum(a == b for a, b in zip(placed, ids, strict=True))
    message = "That's the right order!" if correct else f"{right_spots} of {len(ids)} in place."
    reveal = "The order: " + " → ".join(item.text for item in order.items) + "."
    return Judgement(correct, message, reveal)


def judge_match(match: Match, response: object) -> Judgement:
    ids = [pair.id for pair in match.pairs]
    if (
        not isinstance(response, dict)
        or sorted(map(str, response)) != sorted(ids)
        or sorted(map(str, response.values())) != sorted(ids)
    ):
        raise LessonError("a match is answered with {left pair id: right pair id} for every pair")
    right = sum(str(k) == str(v) for k, v in response.items())
    correct = right == len(ids)
    message = "All matched!" if correct else f"{right} of {len(ids)} pairs match."
    reveal = "The pairs: " + "; ".join(f"{p.left} — {p.right}" for p in match.pairs) + "."
    return Judgement(correct, message, reveal)


def judge_simulation(spec: Simulate, response: object) -> Judgement:
    if isinstance(response, bool) or not isinstance(response, (int, float)):
        raise LessonError("a simulation is answered with an amount of feedstock in kg")
    kg = float(response)
    if not math.isfinite(kg) or not spec.kg.min <= kg <= spec.kg.max:
        raise LessonError(f"choose between {spec.kg.min:g} and {spec.kg.max:g} kg")
    result = run_simulation(spec, kg)
    told = result.describe(spec.feedstock)
    if spec.goal is None:
        return Judgement(True, told, told, result)
    if result.meets_goal:
        return Judgement(True, f"{told} That lights the garden!", told, result)
    message = (
        f"{told} The goal is {spec.goal.lights} lights for {spec.goal.hours:g} hours: "
        "try more feedstock."
    )
    return Judgement(False, message, told, result)
