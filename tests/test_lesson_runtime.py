"""The pure lesson runtime: golden transcripts, scoring, remediation, save/resume, misuse."""

from __future__ import annotations

import difflib
import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import LessonError, LessonSaveError
from engine.learn.compiler import compile_lesson_text
from engine.learn.events import ActivityEvent, FeedbackEvent, HintEvent, LessonEndEvent
from engine.learn.play import play_lesson
from engine.learn.policies import correct_answer, policy_named, wrong_answer
from engine.learn.program import Lesson, LessonStep
from engine.learn.runtime import LessonRun
from engine.learn.simulation import kg_needed, run_simulation
from tests.lesson_helpers import SHIPPED, describe, load

GOLDEN = Path(__file__).parent / "lesson_golden"
UPDATE = os.environ.get("GLOWGROVE_UPDATE_SNAPSHOTS") == "1"
POLICIES = ("correct", "wrong-first")


def _transcript(lesson: Lesson, policy: str) -> str:
    lines: list[str] = []
    play_lesson(LessonRun(lesson), policy_named(policy), lambda e: lines.append(describe(e)))  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_golden_transcript(path: Path, policy: str) -> None:
    actual = _transcript(load(path), policy)
    golden = GOLDEN / f"{path.stem}.{policy}.txt"
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8")
    assert actual == expected, "".join(
        difflib.unified_diff(expected.splitlines(True), actual.splitlines(True))
    )


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_policies_reach_the_end_and_wrong_first_remediates(path: Path) -> None:
    lesson = load(path)
    right = play_lesson(LessonRun(lesson), policy_named("correct"), lambda e: None)
    assert right.passed and not right.remediated and right.scaled == 1.0
    assert right.outcome == lesson.outcome_passed
    wrong = play_lesson(LessonRun(lesson), policy_named("wrong-first"), lambda e: None)
    assert wrong.remediated and not wrong.passed
    assert wrong.main_scaled < lesson.mastery
    assert wrong.outcome == lesson.outcome_failed


MINI = """
glowgrove: 1
lesson: mini
title: Mini
ages: {min: 8, max: 12}
minutes: 5
objectives: [{id: o, text: Learn.}]
sources: {s: {title: T, publisher: P, url: "https://example.org/x"}}
mastery: 0.6
scoring: {tries: 3, retry_credit: 0.25}
bins:
  a: {label: A, kind: recyclable, color: "#112233"}
  b: {label: B, kind: landfill, color: "#445566"}
steps:
  - id: q
    objective: o
    points: 2
    hints: [one, two]
    question:
      prompt: Pick the second.
      sources: [s]
      options:
        - {text: first, feedback: No.}
        - {text: second, correct: true, feedback: Yes.}
  - id: sorting
    objective: o
    sort:
      prompt: Sort.
      bins: [a, b]
      items:
        - {id: x, label: X, bin: a, reason: X is A.}
        - {id: y, label: Y, bin: b, reason: Y is B.}
  - id: r
    reflect: {prompt: Think.}
remediation:
  - id: q2
    objective: o
    question:
      prompt: Again.
      options:
        - {text: right, correct: true}
        - {text: wrong}
"""


def _mini() -> Lesson:
    result = compile_lesson_text(MINI, "mini.yaml")
    assert result.lesson is not None, [d.render() for d in result.diagnostics]
    return result.lesson


def test_scoring_retry_credit_and_tries_running_out() -> None:
    run = LessonRun(_mini())
    event = run.advance()
    assert isinstance(event, ActivityEvent) and event.step.id == "q"
    with pytest.raises(LessonError, match="waits for answer"):
        run.advance()
    first = run.answer([0])
    assert (first.correct, first.done, first.tries_left, first.message) == (False, False, 2, "No.")
    assert run.hint().text == "one" and run.hint().text == "two"
    with pytest.raises(LessonError, match="no more hints"):
        run.hint()
    second = run.answer(1)
    assert second.correct and second.done and second.credit == 0.25
    assert isinstance(run.advance(), ActivityEvent)
    # the sort: x wrong three times (out of tries: revealed, no credit), y right first time
    feedback = [run.answer(("x", "b")) for _ in range(3)]
    assert [f.tries_left for f in feedback] == [2, 1, 0]
    assert "goes in the A bin: X is A." in feedback[-1].message and not feedback[-1].done
    with pytest.raises(LessonError, match="already in its bin"):
        run.answer(("x", "a"))
    last = run.answer(("y", "b"))
    assert last.done and last.credit == 0.5
    assert run.score("main") == (2 * 0.25 + 1 * 0.5, 3)
    run.advance()
    thanks = run.answer("free text stays here")
    assert thanks.done and thanks.response == ""
    remediation = run.advance()
    assert type(remediation).__name__ == "RemediationEvent"
    run.advance()
    run.answer([0])
    end = run.advance()
    assert isinstance(end, LessonEndEvent) and end.passed and end.remediated
    with pytest.raises(LessonError, match="ended"):
        run.advance()


@pytest.mark.parametrize(
    "response",
    [None, "1", [5], [0, 1], True, ("x",), {"a": "b"}, 1.5],
)
def test_bad_answers_are_clear_errors(response: object) -> None:
    run = LessonRun(_mini())
    run.advance()
    with pytest.raises(LessonError):
        run.answer(response)
    assert run.attempts("q") == 0  # a malformed answer costs no try


def test_answer_and_hint_with_nothing_waiting() -> None:
    run = LessonRun(_mini())
    with pytest.raises(LessonError, match="no activity"):
        run.answer([1])
    with pytest.raises(LessonError, match="no activity"):
        run.hint()


def test_save_refuses_other_lessons_and_tampering() -> None:
    lesson = _mini()
    run = LessonRun(lesson)
    run.advance()
    data = run.to_json()
    other = load(SHIPPED[0])
    with pytest.raises(LessonSaveError, match="for lesson 'mini'"):
        LessonRun.from_json(other, data)
    changed = compile_lesson_text(MINI.replace("Pick the second.", "Pick."), "m.yaml").lesson
    assert changed is not None
    with pytest.raises(LessonSaveError, match="changed"):
        LessonRun.from_json(changed, data)
    for broken in ("{", "[]", json.dumps({**data, "index": 99}), json.dumps({**data, "x": 1})):
        with pytest.raises(LessonSaveError):
            LessonRun.from_json(lesson, broken)
    with pytest.raises(LessonSaveError, match="unknown step"):
        LessonRun.from_json(lesson, {**data, "waiting": "nope"})


def _random_play(run: LessonRun, rng: random.Random, stop: int | None) -> list[str]:
    """Play with random right/wrong answers; stop after ``stop`` events (None: to the end)."""
    lines: list[str] = []
    while stop is None or len(lines) < stop:
        step = run.waiting
        if step is None:
            event = run.advance()
            lines.append(describe(event))
            if isinstance(event, LessonEndEvent):
                break
            continue
        item = run.unplaced()[0] if step.kind == "sort" else None
        if rng.random() < 0.2 and run.hints_left():
            lines.append(describe(run.hint()))
            continue
        pick = correct_answer if rng.random() < 0.5 else wrong_answer
        lines.append(describe(run.answer(pick(step, item))))
    return lines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lesson_index=st.integers(0, len(SHIPPED) - 1),
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, 60),
)
def test_save_and_resume_replays_the_same_events(lesson_index: int, seed: int, cut: int) -> None:
    lesson = _LESSONS[lesson_index]
    whole = _random_play(LessonRun(lesson, seed=seed), random.Random(seed), None)
    run = LessonRun(lesson, seed=seed)
    rng = random.Random(seed)
    head = _random_play(run, rng, cut)
    saved = json.loads(json.dumps(run.to_json()))
    resumed = LessonRun.from_json(lesson, saved)
    tail = _random_play(resumed, rng, None) if not resumed.ended else []
    assert head + tail == whole
    assert whole[-1].startswith("end:")


_LESSONS = [load(path) for path in SHIPPED]


def test_simulation_uses_only_the_declared_factors() -> None:
    lesson = load(Path("lessons/waste-to-energy-biogas.yaml"))
    step = lesson.step("feed-digester")
    spec = step.activity
    from engine.learn.models import Simulate

    assert isinstance(spec, Simulate)
    result = run_simulation(spec, 0.5)
    assert result.biogas_m3 == pytest.approx(0.05)
    assert result.kwh == pytest.approx(0.1)
    assert result.light_hours == pytest.approx(20.0)
    assert result.hours_for_goal_lights == pytest.approx(5.0) and result.meets_goal
    assert kg_needed(spec) == pytest.approx(0.5)
    doubled = spec.model_copy(
        update={
            "factors": {
                **spec.factors,
                "kwh_per_m3": spec.factors["kwh_per_m3"].model_copy(update={"value": 4.0}),
            }
        }
    )
    assert run_simulation(doubled, 0.5).kwh == pytest.approx(0.2)
    with pytest.raises(ValueError):
        run_simulation(spec, 50.0)


def test_presented_orders_are_shuffled_but_never_solved() -> None:
    for lesson in _LESSONS:
        for step in (*lesson.steps, *lesson.remediation):
            if step.kind in ("order", "match"):
                run = LessonRun(lesson, seed=7)
                presented = _presented(run, step)
                ids = [getattr(p, "id") for p in _parts(step)]  # noqa: B009
                assert sorted(presented) == sorted(ids) and list(presented) != ids


def _parts(step: LessonStep) -> list[object]:
    activity = step.activity
    return list(getattr(activity, "items", None) or getattr(activity, "pairs"))  # noqa: B009


def _presented(run: LessonRun, step: LessonStep) -> tuple[str, ...]:
    from engine.learn.runtime import presented_order

    return presented_order(run.lesson, step, 7)


def test_feedback_and_hints_are_typed_events() -> None:
    events: list[object] = []
    play_lesson(LessonRun(_mini()), policy_named("wrong-first"), events.append)
    assert any(isinstance(e, HintEvent) for e in events)
    assert all(isinstance(e.response, str) for e in events if isinstance(e, FeedbackEvent))
