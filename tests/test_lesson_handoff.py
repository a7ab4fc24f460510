"""Lessons inside the desktop player, without a window: the story's flow stops at
``start_lesson`` and goes on with the outcome applied; lesson cards on the home scene; the
explorer's lesson progress and what a seminar hears."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from engine.content.compiler import compile_narrative
from engine.learn.bridge import LessonLibrary
from engine.learn.compiler import compile_lesson
from engine.learn.events import LessonEndEvent
from engine.learn.play import play_lesson
from engine.learn.policies import policy_named
from engine.learn.runtime import LessonRun
from engine.player.flow import FlowState, PacingSettings, PlayFlow
from engine.player.home import (
    BROKEN_COLOUR,
    CardKind,
    HomeMenu,
    StartLesson,
    card_for_entry,
    scan_library,
)
from engine.player.lesson_handoff import (
    LessonProgress,
    learner_for,
    lesson_marker,
    narrative_path,
    read_lesson_progress,
    record_lesson_end,
    seminar_outcome,
)
from engine.player.profiles import ProfileStore
from engine.story import CommandEvent, LineEvent, StoryMachine

ROOT = Path(__file__).resolve().parent.parent
SORTING = ROOT / "lessons" / "sorting-household-waste.yaml"

STORY = """\
glowgrove: 1
id: lesson_walk
title: A Lesson Walk
start: yard
variables:
  sorted_waste: {type: bool, default: false}
  glow_level: {type: float, default: 0.2}
endings:
  bright: {title: Bright}
  dim: {title: Dim}
scenes:
  yard:
    body:
      - say: The cart is full.
      - command: start_lesson
        args: {lesson: sorting_waste}
      - if: sorted_waste
        then:
          - set: {glow_level: 0.9}
          - say: "Sorted! The glow is {{ glow_level }}."
          - end: bright
      - say: Not sorted yet.
      - end: dim
"""


@pytest.fixture
def story_folder(tmp_path: Path) -> Path:
    (tmp_path / "narratives").mkdir()
    (tmp_path / "lessons").mkdir()
    shutil.copy(SORTING, tmp_path / "lessons" / SORTING.name)
    path = tmp_path / "narratives" / "lesson_walk.yaml"
    path.write_text(STORY, encoding="utf-8")
    return path


def _flow(path: Path) -> PlayFlow:
    program = compile_narrative(str(path)).program
    assert program is not None
    return PlayFlow(StoryMachine(program, 1), PacingSettings())


def _end(passed: bool, scaled: float) -> LessonEndEvent:
    outcome: dict[str, bool | int | float | str] = {"sorted_waste": passed}
    return LessonEndEvent(passed, False, scaled * 10, 10, scaled, scaled, outcome)


def test_the_flow_stops_for_the_lesson_and_goes_on_with_its_outcome(story_folder: Path) -> None:
    flow = _flow(story_folder)
    flow.start()
    assert flow.state is FlowState.READING
    events = flow.advance()
    assert isinstance(events[-1], CommandEvent) and events[-1].name == "start_lesson"
    assert flow.state is FlowState.LESSON and flow.lesson == "sorting_waste"
    # While the lesson plays, the story does not move: no time, clicks or pauses reach it.
    assert flow.tick(60.0) == [] and flow.advance() == [] and flow.choose(0) == []
    assert flow.toggle_pause() is False and flow.state is FlowState.LESSON
    # The shell finds the lesson beside the narrative and plays it; its outcome goes back.
    program = flow.machine.program
    path = narrative_path(program)
    assert path is not None and path.name == "lesson_walk.yaml"
    lesson = LessonLibrary.for_narrative(path).find(flow.lesson or "")
    assert lesson is not None and lesson.id == "sorting-household-waste"
    end = play_lesson(LessonRun(lesson), policy_named("correct"), lambda event: None)
    events = flow.finish_lesson(end.outcome)
    assert flow.machine.variables["sorted_waste"] is True
    line = events[-1]
    assert isinstance(line, LineEvent) and line.text == "Sorted! The glow is 0.9."
    assert flow.lesson is None and flow.state is FlowState.READING
    assert flow.finish_lesson({"sorted_waste": False}) == []  # only while a lesson plays


def test_a_lesson_that_cannot_be_played_lets_the_story_go_on(story_folder: Path) -> None:
    flow = _flow(story_folder)
    flow.start()
    flow.advance()
    events = flow.finish_lesson(None)
    assert flow.machine.variables["sorted_waste"] is False
    assert isinstance(events[-1], LineEvent) and events[-1].text == "Not sorted yet."


def test_a_shell_that_cannot_show_lessons_never_waits_for_one(story_folder: Path) -> None:
    """The headset does not draw lessons yet: its flow passes start_lesson by (and logs it)."""
    program = compile_narrative(str(story_folder)).program
    assert program is not None
    flow = PlayFlow(StoryMachine(program, 1), PacingSettings(), plays_lessons=False)
    flow.start()
    events = flow.advance()
    assert any(isinstance(e, CommandEvent) and e.name == "start_lesson" for e in events)
    assert flow.state is FlowState.READING and flow.lesson is None
    last = events[-1]
    assert isinstance(last, LineEvent) and last.text == "Not sorted yet."


def test_undeclared_or_mistyped_outcome_variables_are_ignored(story_folder: Path) -> None:
    flow = _flow(story_folder)
    flow.start()
    flow.advance()
    flow.finish_lesson({"sorted_waste": "yes", "stranger": 3})
    assert flow.machine.variables["sorted_waste"] is False
    assert "stranger" not in flow.machine.variables


def test_lesson_progress_and_markers(tmp_path: Path) -> None:
    lesson = compile_lesson(SORTING).lesson
    assert lesson is not None
    store = ProfileStore(tmp_path / "data")
    moss = store.create("Moss", "#7fe3a0")
    assert read_lesson_progress(store, moss, lesson.id) == LessonProgress()
    assert lesson_marker(lesson, LessonProgress()) == "New"
    first = record_lesson_end(store, moss, lesson.id, _end(False, 0.5))
    assert first == LessonProgress(1, 0.5, False)
    assert lesson_marker(lesson, first) == "Practising: best 50% of 80%"
    second = record_lesson_end(store, moss, lesson.id, _end(True, 0.9))
    third = record_lesson_end(store, moss, lesson.id, _end(False, 0.7))
    assert second == LessonProgress(2, 0.9, True)
    assert third == LessonProgress(3, 0.9, True)  # the best and mastery are kept
    assert read_lesson_progress(store, moss, lesson.id) == third
    assert lesson_marker(lesson, third) == "Mastered: best 90%"
    # A damaged progress file is a fresh start, not a crash.
    files = list((tmp_path / "data" / "progress").rglob("lesson.*.json"))
    assert len(files) == 1
    damaged = files[0].read_text().replace('"finished": 3', '"finished": -1')
    files[0].write_text(damaged.replace('"best": 0.9', '"best": 7'))
    assert read_lesson_progress(store, moss, lesson.id) == LessonProgress(0, None, True)
    files[0].write_text("{not json")
    assert read_lesson_progress(store, moss, lesson.id) == LessonProgress()


def test_records_and_seminar_hear_pseudonyms_and_scores(tmp_path: Path) -> None:
    lesson = compile_lesson(SORTING).lesson
    assert lesson is not None
    moss = ProfileStore(tmp_path).create("Moss", "#7fe3a0")
    assert learner_for(moss) == f"learner-{moss.id}" and "Moss" not in str(learner_for(moss))
    assert learner_for(None) is None
    assert seminar_outcome(lesson, _end(True, 0.91234)).score == 0.9123
    assert seminar_outcome(lesson, _end(True, 0.91234)).completed
    left = seminar_outcome(lesson, None)
    assert (left.lesson, left.completed, left.score) == (lesson.id, False, None)


def test_lesson_cards_on_the_home_scene(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copy(SORTING, lessons / SORTING.name)
    broken = ROOT / "tests" / "broken_lessons" / "ages_upside_down.yaml"
    shutil.copy(broken, lessons / "upside_down.yaml")
    with caplog.at_level(logging.WARNING):
        entries = scan_library([lessons])
    assert "upside_down.yaml needs fixing" in caplog.text and "error[E" in caplog.text
    good, bad = sorted(entries, key=lambda e: e.path.name == "upside_down.yaml")
    assert good.lesson is not None and not good.broken and bad.broken
    card = card_for_entry(good, None)
    assert card.kind is CardKind.LESSON and card.selectable
    assert (card.title, card.lines, card.marker) == (
        "Sorting household waste",
        ("Lesson", "Ages 8-12", "About 15 minutes"),
        "New",
    )
    assert card.colour == "#3a7bd5"  # the first bin's colour is the cover
    fix = card_for_entry(bad, None)
    assert fix.kind is CardKind.BROKEN and fix.colour == BROKEN_COLOUR
    assert fix.marker == "Needs fixing" and fix.lines[0] == "This lesson has a mistake."

    store = ProfileStore(tmp_path / "data")
    menu = HomeMenu(store, entries)
    menu.select(0)  # a new explorer
    kinds = [c.kind for c in menu.cards()]
    assert kinds[:2] == [CardKind.LESSON, CardKind.BROKEN]
    start = menu.select(0)
    assert isinstance(start, StartLesson) and start.lesson.id == "sorting-household-waste"
    record_lesson_end(store, start.profile, start.lesson.id, _end(True, 1.0))
    menu.refresh()
    assert menu.cards()[0].marker == "Mastered: best 100%"


def _play_flagship(seed: int, with_lessons: bool) -> tuple[str | None, float, list[str]]:
    import random

    from engine.story import ChoicesEvent, EndEvent

    program = compile_narrative(str(ROOT / "narratives" / "restore_the_glow.yaml")).program
    assert program is not None
    library = LessonLibrary.for_narrative(ROOT / "narratives" / "restore_the_glow.yaml")
    machine, rng, lines = StoryMachine(program, seed), random.Random(seed), []
    for _ in range(5000):
        event = machine.advance()
        if isinstance(event, LineEvent):
            lines.append(event.text)
        elif isinstance(event, ChoicesEvent):
            machine.choose(event.options[rng.randrange(len(event.options))].index)
        elif isinstance(event, CommandEvent) and event.name == "start_lesson" and with_lessons:
            lesson = library.find(str(event.args["lesson"]))
            assert lesson is not None
            end = play_lesson(LessonRun(lesson), policy_named("correct"), lambda e: None)
            machine.set_variables(end.outcome)
        elif isinstance(event, EndEvent):
            return event.ending, float(machine.variables["glow_level"]), lines
    return None, float(machine.variables["glow_level"]), lines


def test_the_flagship_s_lessons_change_its_garden() -> None:
    """Restore the Glow declares the sorting and biogas lessons' outcome variables: mastering
    them brightens the garden and changes what Ember and Liora say."""
    brighter = 0
    heard: set[str] = set()
    for seed in range(12):
        plain_ending, plain_glow, plain_lines = _play_flagship(seed, with_lessons=False)
        ending, glow, lines = _play_flagship(seed, with_lessons=True)
        assert plain_ending is not None and ending is not None
        assert not any("bright and steady" in line for line in plain_lines)
        heard |= {line for line in lines if "bright and steady" in line or "bins are" in line}
        brighter += glow > plain_glow
    assert brighter >= 3
    assert any("bright and steady" in line for line in heard)
    assert any("The bins are glowing" in line for line in heard)
