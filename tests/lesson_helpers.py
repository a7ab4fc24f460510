"""Shared helpers for lesson tests: compile shipped lessons, write transcripts."""

from __future__ import annotations

from pathlib import Path

from engine.learn.compiler import compile_lesson
from engine.learn.events import (
    ActivityEvent,
    ExplainEvent,
    FeedbackEvent,
    HintEvent,
    LessonEndEvent,
    LessonEvent,
    RemediationEvent,
)
from engine.learn.program import Lesson

ROOT = Path(__file__).parent.parent
SHIPPED = sorted((ROOT / "lessons").glob("*.yaml"))


def load(path: Path) -> Lesson:
    result = compile_lesson(path)
    assert result.lesson is not None, [d.render() for d in result.diagnostics]
    return result.lesson


def describe(event: LessonEvent | FeedbackEvent | HintEvent) -> str:
    """One transcript line per event (stable text for golden files)."""
    if isinstance(event, ExplainEvent):
        return f"explain: {event.step.id}"
    if isinstance(event, ActivityEvent):
        return f"activity: {event.step.id} ({event.step.kind}) {' '.join(event.presented)}"
    if isinstance(event, HintEvent):
        return f"hint: {event.step_id} #{event.index + 1}"
    if isinstance(event, FeedbackEvent):
        mark = "right" if event.correct else "wrong"
        item = f" {event.item}->{event.bin}" if event.item else ""
        done = f" done credit={event.credit:.3f}" if event.done else f" left={event.tries_left}"
        return f"feedback: {event.step_id}{item} {mark}{done} | {event.message}"
    if isinstance(event, RemediationEvent):
        return f"remediation: {event.score:g}/{event.max_points} scaled={event.scaled:.3f}"
    assert isinstance(event, LessonEndEvent)
    return (
        f"end: passed={event.passed} remediated={event.remediated} "
        f"score={event.score:g}/{event.max_points} main={event.main_scaled:.3f} "
        f"outcome={sorted(event.outcome.items())}"
    )
