"""Lessons started from narratives: every start_lesson resolves, outcomes become variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from engine.content.compiler import compile_narrative
from engine.learn.bridge import LessonLibrary, lesson_folder
from engine.learn.play import play_lesson
from engine.learn.policies import policy_named
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


def test_a_lesson_outcome_feeds_back_into_story_variables() -> None:
    narrative = ROOT / "narratives" / "firefly_night.yaml"
    program = compile_narrative(narrative).program
    assert program is not None
    machine = StoryMachine(program, 1)
    library = LessonLibrary.for_narrative(narrative)
    for _ in range(500):
        event = machine.advance()
        if isinstance(event, CommandEvent) and event.name == "start_lesson":
            break
        if isinstance(event, EndEvent):
            raise AssertionError("the story ended before its lesson")
        if type(event).__name__ == "ChoicesEvent":
            machine.choose(0)
    lesson = library.find(str(event.args["lesson"]))
    assert lesson is not None and lesson.id == "sorting-household-waste"
    before = machine.variables["litter_sorted"]
    end = play_lesson(LessonRun(lesson), policy_named("wrong-first"), lambda e: None)
    applied = machine.set_variables(end.outcome)
    assert applied == {"litter_sorted": 1} and before == 0
    assert machine.variables["litter_sorted"] == 1


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
    done = subprocess.run(
        [
            sys.executable,
            "launch_vr.py",
            "narratives/firefly_night.yaml",
            "--mode",
            "offscreen",
            "--autoplay",
            "first",
            "--screenshot-dir",
            str(tmp_path),
            "--size",
            "320x180",
            "--frames",
            "1",
            "--plants",
            "60",
            "--no-audio",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads((tmp_path / "transcript.json").read_text())
    lessons = [e["lesson"] for e in record["events"] if e.get("lesson")]
    assert lessons and lessons[0]["lesson"] == "sorting-household-waste"
    assert lessons[0]["passed"] is True and lessons[0]["set"] == {"litter_sorted": 3}


def test_the_home_scene_does_not_show_lessons_as_broken_stories() -> None:
    from engine.player.home import scan_library

    entries = scan_library([ROOT / "lessons", ROOT / "narratives"])
    assert entries and all(entry.program is not None for entry in entries)
    assert not any(entry.path.parent.name == "lessons" for entry in entries)
