"""Play a lesson to its end with an answering policy, reporting each event to a listener.

The text player, the records tests and the 3D autoplay all drive lessons through this loop,
so they agree on what happens.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.learn.events import (
    ActivityEvent,
    FeedbackEvent,
    HintEvent,
    LessonEndEvent,
    LessonEvent,
)
from engine.learn.policies import AnswerPolicy
from engine.learn.runtime import LessonRun

__all__ = ["Listener", "play_lesson"]

Listener = Callable[[LessonEvent | FeedbackEvent | HintEvent], None]


def play_lesson(
    run: LessonRun, policy: AnswerPolicy, listener: Listener, *, use_hints: bool = True
) -> LessonEndEvent:
    """Advance and answer until the lesson ends; returns its end event."""
    while True:
        step = run.waiting
        if step is None:
            event = run.advance()
            listener(event)
            if isinstance(event, LessonEndEvent):
                return event
            if not isinstance(event, ActivityEvent):
                continue
            step = event.step
        items = run.unplaced() if step.kind == "sort" else (None,)
        for item in items:
            while True:
                attempt = run.attempts(step.id, item) + 1
                if use_hints and attempt == 2 and run.hints_left():
                    listener(run.hint())
                feedback = run.answer(policy(step, item, attempt))
                listener(feedback)
                if feedback.done or feedback.correct or feedback.tries_left == 0:
                    break
                if item is not None and run.attempts(step.id, item) >= step.tries:
                    break
