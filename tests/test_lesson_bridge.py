"""Lessons started from narratives: every start_lesson resolves, outcomes become variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.content.compiler import compile_narrative
from engine.learn.bridge import LessonLibrary, lesson_folder
from engine.learn.play import play_lesson
from engine.learn.policies import PolicyName, policy_named
from engine.learn.runtime import LessonRun
from engine.story import CommandEvent, EndEvent, StoryMachine
from tests.lesson_helpers import ROOT


def _lesson_names(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = []
        if node.get("command") == "start_lesson":
            found.append(str(node["args"]["lesson"]))
        for value in node.values():
            found.extend(_lesson_names(value))
        return found
    if isinstance(node, list):
        return [name for item in node for name in _lesson_names(item)]
    return []


def test_every_start_lesson_in_the_shipped_narratives_finds_a_lesson() -> None:
    files = sorted((ROOT / "narratives").rglob("*.yaml"))
    names = {n for f in files for n in _lesson_names(yaml.safe_load(f.read_text("utf-8")))}
    assert names >= {"sorting_waste", "composting", "waste_to_energy", "soil_and_water"}
    library = LessonLibrary.for_narrative(ROOT / "narratives" / "restore_the_glow.yaml")
    assert library.folder == (ROOT / "lessons").resolve()
    for name in names:
        assert library.find(name) is not None, name
    nested = ROOT / "narratives" / "restore_the_glow" / "act1.yaml"
    assert lesson_folder(nested) == (ROOT / "lessons").resolve()


STORY = """\
glowgrove: 1
id: bin_night
title: Bin Night
age_range: [8, 12]
minutes: 3
start: yard
variables:
  sorted_waste: {type: bool, default: false}
  digester_glow: {type: float, default: 0.1}
endings:
  tidy: {title: A Tidy Yard}
  messy: {title: Still Messy}
scenes:
  yard:
    body:
      - say: "Ember points at the overflowing bins."
      - command: start_lesson
        args: {lesson: sorting_waste}
      - if: "sorted_waste"
        then:
          - say: "Every bin holds the right things now."
          - end: tidy
      - say: "Some things are still in the wrong bins."
      - end: messy
"""


def _story(tmp_path: Path) -> Path:
    """A narrative beside a lessons/ folder holding the shipped lessons."""
    (tmp_path / "narratives").mkdir()
    (tmp_path / "lessons").symlink_to(ROOT / "lessons")
    path = tmp_path / "narratives" / "bin_night.yaml"
    path.write_text(STORY, encoding="utf-8")
    return path


@pytest.mark.parametrize(("policy", "ending"), [("correct", "tidy"), ("wrong-first", "messy")])
def test_a_lesson_outcome_feeds_back_into_story_variables(
    tmp_path: Path, policy: PolicyName, ending: str
) -> None:
    narrative = _story(tmp_path)
    result = compile_narrative(narrative)
    assert result.program is not None, [d.render() for d in result.diagnostics]
    machine = StoryMachine(result.program, 1)
    library = LessonLibrary.for_narrative(narrative)
    while True:
        event = machine.advance()
        if isinstance(event, CommandEvent) and event.name == "start_lesson":
            lesson = library.find(str(event.args["lesson"]))
            assert lesson is not None and lesson.id == "sorting-household-waste"
            end = play_lesson(LessonRun(lesson), policy_named(policy), lambda e: None)
            assert machine.set_variables(end.outcome) == {"sorted_waste": policy == "correct"}
        if isinstance(event, EndEvent):
            break
    assert event.ending == ending


def test_set_variables_keeps_types_and_ignores_undeclared_names() -> None:
    program = compile_narrative(ROOT / "narratives" / "restore_the_glow.yaml").program
    assert program is not None
    machine = StoryMachine(program, 1)
    applied = machine.set_variables(
        {
            "glow_level": 1,
            "sort_score": 2.5,
            "knows_source": "yes",
            "plan": "energy",
            "promise": "never",
            "not_declared": True,
            "nickname": "Moss",
        }
    )
    assert applied == {"glow_level": 1.0, "plan": "energy", "nickname": "Moss"}
    assert isinstance(machine.variables["glow_level"], float)
    assert machine.variables["sort_score"] == 0 and machine.variables["knows_source"] is False


def test_offscreen_narrative_autoplay_plays_its_lesson(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    story, out = _story(tmp_path), tmp_path / "out"
    command = [sys.executable, "launch_vr.py", str(story), "--mode", "offscreen", "--autoplay",
               "first", "--screenshot-dir", str(out), "--size", "320x180", "--frames", "1",
               "--plants", "60", "--no-audio"]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads((out / "transcript.json").read_text())
    lessons = [e["lesson"] for e in record["events"] if e.get("lesson")]
    assert lessons and lessons[0]["lesson"] == "sorting-household-waste"
    assert lessons[0]["passed"] is True and lessons[0]["set"] == {"sorted_waste": True}
    assert record["ending"] == "tidy"


def test_the_home_scene_does_not_show_lessons_as_broken_stories() -> None:
    from engine.player.home import scan_library

    entries = scan_library([ROOT / "lessons", ROOT / "narratives"])
    assert entries and not any(entry.broken for entry in entries)
    lessons = [entry for entry in entries if entry.path.parent.name == "lessons"]
    # Lessons are lesson cards (compiled as lessons), never narratives that failed to compile.
    assert lessons and all(e.lesson is not None and e.program is None for e in lessons)
