"""Answering a lesson from the keyboard in a terminal (``glowgrove lesson play`` without
``--autoplay``). Each prompt says what to type; 'h' asks for a hint; end of input stops."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from engine.errors import LessonError
from engine.learn.events import ActivityEvent, FeedbackEvent, HintEvent, LessonEndEvent, LessonEvent
from engine.learn.models import Match, Order, Question, Simulate, Sort
from engine.learn.program import LessonStep
from engine.learn.runtime import LessonRun, presented_order

__all__ = ["play_from_terminal"]

Listener = Callable[[LessonEvent | FeedbackEvent | HintEvent], None]


def play_from_terminal(
    run: LessonRun, listen: Listener, stream: TextIO, out: TextIO
) -> LessonEndEvent | None:
    """Play until the lesson ends (its end event) or the input runs out (None)."""
    while True:
        step = run.waiting
        if step is None:
            event = run.advance()
            listen(event)
            if isinstance(event, LessonEndEvent):
                return event
            if not isinstance(event, ActivityEvent):
                continue
            step = event.step
        item = run.unplaced()[0] if step.kind == "sort" else None
        out.write(_ask(run, step, item) + "\n> ")
        out.flush()
        line = stream.readline()
        if not line:
            return None
        text = line.strip()
        if text.lower() == "h":
            try:
                listen(run.hint())
            except LessonError as error:
                out.write(f"  {error}\n")
            continue
        try:
            response = _parse(run, step, item, text)
            listen(run.answer(response))
        except (LessonError, ValueError, IndexError) as error:
            out.write(f"  {error}\n")


def _ask(run: LessonRun, step: LessonStep, item: str | None) -> str:
    activity = step.activity
    order = presented_order(run.lesson, step, 0)
    if isinstance(activity, Question):
        lines = [f"  {i + 1}. {o.text}" for i, o in enumerate(activity.options)]
        how = "type numbers like 1,3" if activity.multiple else "type a number"
        return "\n".join([*lines, f"({how}; h for a hint)"])
    if isinstance(activity, Sort):
        label = next(i.label for i in activity.items if i.id == item)
        bins = [f"  {i + 1}. {run.lesson.bins[b].label}" for i, b in enumerate(activity.bins)]
        return "\n".join([f"Where does the {label.lower()} go?", *bins, "(type a number)"])
    if isinstance(activity, Order):
        texts = {i.id: i.text for i in activity.items}
        lines = [f"  {n + 1}. {texts[i]}" for n, i in enumerate(order)]
        return "\n".join([*lines, "(type the numbers in the right order, like 2,1,3)"])
    if isinstance(activity, Match):
        rights = {p.id: p.right for p in activity.pairs}
        lefts = [f"  {chr(65 + n)}. {p.left}" for n, p in enumerate(activity.pairs)]
        options = [f"  {n + 1}. {rights[i]}" for n, i in enumerate(order)]
        return "\n".join([*lefts, *options, "(for A, B, ... type the matching numbers: 2,1)"])
    if isinstance(activity, Simulate):
        return f"How many kg of {activity.feedstock}? ({activity.kg.min:g}-{activity.kg.max:g})"
    return "(type your thoughts; they stay on this device)"


def _numbers(text: str) -> list[int]:
    try:
        return [int(part) - 1 for part in text.replace(" ", ",").split(",") if part]
    except ValueError:
        raise ValueError(f"'{text}' is not a number: type numbers like 2 or 1,3") from None


def _parse(run: LessonRun, step: LessonStep, item: str | None, text: str) -> object:
    activity = step.activity
    order = presented_order(run.lesson, step, 0)
    if isinstance(activity, Question):
        return _numbers(text)
    if isinstance(activity, Sort):
        (index,) = _numbers(text)
        if not 0 <= index < len(activity.bins):
            raise ValueError(f"type a number from 1 to {len(activity.bins)}")
        return (item, activity.bins[index])
    if isinstance(activity, (Order, Match)):
        picked = [order[i] for i in _numbers(text) if 0 <= i < len(order)]
        if isinstance(activity, Order):
            return picked
        return dict(zip([p.id for p in activity.pairs], picked, strict=False))
    if isinstance(activity, Simulate):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number of kilograms") from None
    return text
