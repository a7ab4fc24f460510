from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.bench.compile_bench import generate_narrative
from engine.content.compiler import compile_text
from engine.content.program import Program
from engine.errors import SaveError, StoryError
from engine.story import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
    StoryMachine,
    StoryStatus,
)

SMALL = """
glowgrove: 1
id: small
title: Small
start: hub
variables:
  seen: {type: int, default: 0}
characters:
  liora: {name: Liora}
endings:
  done: {title: Done}
scenes:
  hub:
    body:
      - set: {seen: "seen + 1"}
      - random:
          - say: "A moth."
          - say: "A frog."
          - say: "A breeze."
      - say: "Round {{ seen }}."
        speaker: liora
      - choice:
          - text: Look again
            sticky: true
            jump: hub
          - text: Listen
            call: detour
          - text: Leave
            end: done
      - jump: hub
  detour:
    body:
      - say: "You listen."
      - command: play_sound
        args: {sound: chime}
"""


def compiled(text: str) -> Program:
    result = compile_text(text, "test.yaml")
    assert result.program is not None, [d.render() for d in result.diagnostics]
    return result.program


def play(machine: StoryMachine, picks: list[int], limit: int = 500) -> list[StoryEvent]:
    events: list[StoryEvent] = []
    for _ in range(limit):
        event = machine.advance()
        events.append(event)
        if isinstance(event, EndEvent):
            break
        if isinstance(event, ChoicesEvent):
            pick = picks.pop(0) if picks else 0
            machine.choose(pick % len(event.options))
    return events


def test_pull_api_refuses_wrong_state() -> None:
    machine = StoryMachine(compiled(SMALL), seed=1)
    with pytest.raises(StoryError, match="no choice"):
        machine.choose(0)
    event = machine.advance()
    assert isinstance(event, SceneEvent)
    while not isinstance(event, ChoicesEvent):
        event = machine.advance()
    assert machine.status is StoryStatus.CHOOSING
    with pytest.raises(StoryError, match="waiting for a choice"):
        machine.advance()
    with pytest.raises(StoryError, match="out of range"):
        machine.choose(7)
    machine.choose(2)
    assert isinstance(machine.advance(), EndEvent)
    with pytest.raises(StoryError, match="ended"):
        machine.advance()


def test_once_only_options_disappear_and_calls_return() -> None:
    machine = StoryMachine(compiled(SMALL), seed=3)
    events = play(machine, [1, 0, 1])  # Listen (a detour), Look again, Leave
    kinds = [type(e).__name__ for e in events]
    assert "CommandEvent" in kinds
    command = next(e for e in events if isinstance(e, CommandEvent))
    assert dict(command.args) == {"sound": "chime", "volume": 1.0}
    offers = [e for e in events if isinstance(e, ChoicesEvent)]
    assert [o.text for o in offers[0].options] == ["Look again", "Listen", "Leave"]
    # After the detour the story continues after the choice (jump: hub), where 'Listen' is gone.
    assert [o.text for o in offers[1].options] == ["Look again", "Leave"]
    assert [o.text for o in offers[2].options] == ["Look again", "Leave"]
    assert machine.visit_count("hub") == 3


def test_seed_makes_variation_deterministic() -> None:
    program = compiled(SMALL)

    def lines(seed: int) -> list[str]:
        events = play(StoryMachine(program, seed=seed), [0] * 8 + [2])
        return [e.text for e in events if isinstance(e, LineEvent)]

    assert lines(5) == lines(5)
    assert len({tuple(lines(seed)) for seed in range(8)}) > 1


def test_save_rejects_garbage_and_other_programs() -> None:
    program = compiled(SMALL)
    machine = StoryMachine(program)
    machine.advance()
    state = machine.save()
    with pytest.raises(SaveError):
        StoryMachine.load(program, "{not json")
    with pytest.raises(SaveError):
        StoryMachine.load(program, {**state, "stack": [["nowhere", 0]]})
    with pytest.raises(SaveError):
        StoryMachine.load(program, {**state, "status": "choosing"})
    other = compiled(SMALL.replace("A moth.", "A beetle."))
    with pytest.raises(SaveError, match="another version"):
        StoryMachine.load(other, state)
    assert json.loads(json.dumps(state))["format"] == "glowgrove-story-save"


GENERATED = compiled(generate_narrative(40))
SMALL_PROGRAM = compiled(SMALL)


@given(
    program=st.sampled_from([GENERATED, SMALL_PROGRAM]),
    picks=st.lists(st.integers(min_value=0, max_value=5), max_size=30),
    save_after=st.integers(min_value=0, max_value=60),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_save_and_load_mid_story_replays_identically(
    program: Program, picks: list[int], save_after: int, seed: int
) -> None:
    original = StoryMachine(program, seed=seed)
    expected = play(original, list(picks))

    machine = StoryMachine(program, seed=seed)
    replay: list[StoryEvent] = []
    remaining = list(picks)
    for index in range(len(expected)):
        event = machine.advance()
        replay.append(event)
        if index == save_after:  # possibly while waiting for a choice
            machine = StoryMachine.load(program, json.dumps(machine.save()))
        if isinstance(event, ChoicesEvent):
            assert machine.current_choices() == event
            pick = remaining.pop(0) if remaining else 0
            machine.choose(pick % len(event.options))
    assert replay == expected
