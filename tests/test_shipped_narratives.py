"""The shipped narratives compile cleanly and always reach an ending."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.content.compiler import compile_narrative
from engine.content.diagnostics import render_diagnostics
from engine.content.discovery import check_paths
from engine.content.program import Program
from engine.story import ChoicesEvent, EndEvent, LineEvent, StoryMachine

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["narratives/restore_the_glow.yaml", "narratives/firefly_night.yaml"]
MAX_EVENTS = 5_000


def program(path: str) -> Program:
    result = compile_narrative(ROOT / path, display=path)
    assert result.program is not None, render_diagnostics(result.diagnostics)
    return result.program


PROGRAMS = {path: program(path) for path in SHIPPED}


def play_randomly(story: Program, seed: int) -> tuple[str | None, int, list[str]]:
    rng = random.Random(seed)
    machine = StoryMachine(story, seed=seed)
    lines: list[str] = []
    for count in range(MAX_EVENTS):
        event = machine.advance()
        if isinstance(event, LineEvent):
            lines.append(event.text)
        if isinstance(event, ChoicesEvent):
            machine.choose(rng.randrange(len(event.options)))
        if isinstance(event, EndEvent):
            return event.ending, count, lines
    return None, MAX_EVENTS, lines


def test_whole_folder_checks_clean() -> None:
    report = check_paths([str(ROOT / "narratives")])
    assert not report.diagnostics, render_diagnostics(report.diagnostics)


def test_flagship_has_the_promised_shape() -> None:
    flagship = PROGRAMS["narratives/restore_the_glow.yaml"]
    assert len(flagship.scenes) >= 20
    assert len(flagship.endings) >= 3
    assert len(flagship.files) >= 2  # split across files with includes
    kinds = {spec.type.kind for spec in flagship.variables.values()}
    assert kinds >= {"bool", "int", "string", "enum"}
    assert {"liora", "rhodes", "juno", "ember"} <= set(flagship.characters)


@pytest.mark.parametrize("path", SHIPPED)
def test_every_ending_is_reached_by_some_play_through(path: str) -> None:
    story = PROGRAMS[path]
    endings = {play_randomly(story, seed)[0] for seed in range(300)}
    assert endings == set(story.endings)


@given(seed=st.integers(min_value=0, max_value=2**31), path=st.sampled_from(SHIPPED))
def test_random_play_throughs_always_end(seed: int, path: str) -> None:
    ending, _, lines = play_randomly(PROGRAMS[path], seed)
    assert ending is not None, f"no ending within {MAX_EVENTS} events (seed {seed})"
    assert all("{{" not in line and "{%" not in line for line in lines)


def test_variables_change_what_characters_say() -> None:
    story = PROGRAMS["narratives/restore_the_glow.yaml"]
    transcripts = {tuple(play_randomly(story, seed)[2][:12]) for seed in range(20)}
    assert len(transcripts) > 1
