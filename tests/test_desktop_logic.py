"""The desktop player's decisions without a window: pacing, choosing, pausing, clicks, looking."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.content.compiler import compile_text
from engine.content.program import Program
from engine.player.controls import (
    Advance,
    Choose,
    Ignore,
    Leave,
    LookSettings,
    Teleport,
    decide_click,
    drag_look,
    teleport_target,
    walk_direction,
)
from engine.player.flow import FlowState, PacingSettings, PlayFlow, reading_seconds
from engine.story import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
    StoryMachine,
)

STORY = """\
glowgrove: 1
id: walk
title: A Walk
start: gate
endings:
  lake: {title: The lake}
  moss: {title: The moss}
scenes:
  gate:
    body:
      - say: Two paths glow in the dark garden tonight.
      - command: wait
        args: {seconds: 2}
      - say: Which way?
      - choice:
          - text: Left
            jump: left_path
          - text: Right
            jump: right_path
  left_path:
    body:
      - say: Moss.
      - end: moss
  right_path:
    body:
      - say: A lake.
      - end: lake
"""

ROOT = Path(__file__).resolve().parent.parent
PACING = PacingSettings(min_line_seconds=1.0, max_line_seconds=10.0, words_per_minute=60.0)


def program() -> Program:
    result = compile_text(STORY, "walk.yaml")
    assert result.program is not None, result.diagnostics
    return result.program


def kinds(events: list[StoryEvent]) -> list[str]:
    return [type(event).__name__ for event in events]


def run_for(flow: PlayFlow, seconds: float, dt: float = 0.1) -> list[StoryEvent]:
    events: list[StoryEvent] = []
    for _ in range(round(seconds / dt)):
        events += flow.tick(dt)
    return events


def test_reading_time_grows_with_length_within_bounds() -> None:
    pacing = PacingSettings()
    short = reading_seconds("Hi.", pacing)
    longer = reading_seconds("The school garden is quiet tonight. Too quiet, said Pip.", pacing)
    huge = reading_seconds("word " * 500, pacing)
    assert short == pacing.min_line_seconds
    assert longer is not None and short is not None and longer > short
    assert longer == pytest.approx((10 + 2) * 60 / 110)
    assert huge == pacing.max_line_seconds
    assert reading_seconds("Hi.", PacingSettings(auto_advance=False)) is None


def test_reading_speed_setting_scales_every_wait() -> None:
    fast = PacingSettings.for_reading_speed(11_000)
    assert fast.min_line_seconds == pytest.approx(PacingSettings().min_line_seconds / 100)
    assert fast.autoplay_choice_seconds < 0.1
    assert PacingSettings.for_reading_speed(110) == PacingSettings()
    assert PacingSettings.for_reading_speed(50).min_line_seconds == 2.5  # never longer
    assert not PacingSettings.for_reading_speed(0).auto_advance
    with pytest.raises(ValueError):
        PacingSettings(words_per_minute=0)


def test_lines_move_on_by_themselves_and_wait_commands_wait() -> None:
    flow = PlayFlow(StoryMachine(program()), PACING)
    first = flow.start()
    assert kinds(first) == ["SceneEvent", "LineEvent"]
    assert flow.state is FlowState.READING
    line_time = reading_seconds("Two paths glow in the dark garden tonight.", PACING)
    assert line_time == pytest.approx(10.0)  # (8 + 2) words at 60 a minute
    assert run_for(flow, 9.9) == []
    waiting = flow.tick(0.2)
    assert kinds(waiting) == ["CommandEvent"]
    assert flow.state is FlowState.WAITING
    assert run_for(flow, 1.9) == []
    assert kinds(run_for(flow, 0.2)) == ["LineEvent"]
    assert kinds(run_for(flow, 10)) == ["ChoicesEvent"]
    assert flow.state is FlowState.CHOOSING
    assert run_for(flow, 100) == []  # a choice waits for the child


def test_a_click_moves_on_at_once_and_choices_need_an_answer_in_range() -> None:
    flow = PlayFlow(StoryMachine(program()), PACING)
    flow.start()
    assert kinds(flow.advance()) == ["CommandEvent"]
    assert kinds(flow.advance()) == ["LineEvent"]  # a wait can be skipped too
    assert kinds(flow.advance()) == ["ChoicesEvent"]
    assert flow.advance() == []  # moving on does not choose
    assert flow.choose(5) == [] and flow.choose(-1) == []
    events = flow.choose(1)
    assert kinds(events) == ["SceneEvent", "LineEvent"]
    assert isinstance(events[0], SceneEvent) and events[0].scene == "right_path"
    ending = flow.advance()
    assert isinstance(ending[-1], EndEvent) and ending[-1].ending == "lake"
    assert flow.state is FlowState.ENDED and flow.ending == ending[-1]
    assert flow.advance() == [] and run_for(flow, 30) == []


def test_auto_advance_off_waits_for_the_child() -> None:
    flow = PlayFlow(StoryMachine(program()), PacingSettings(auto_advance=False))
    flow.start()
    assert run_for(flow, 120) == []
    assert kinds(flow.advance()) == ["CommandEvent"]


def test_the_safe_place_stops_the_clock() -> None:
    flow = PlayFlow(StoryMachine(program()), PACING)
    flow.start()
    run_for(flow, 5)
    assert flow.toggle_pause() is True
    assert flow.state is FlowState.PAUSED
    assert run_for(flow, 60) == []
    assert flow.advance() == [] and flow.choose(0) == []
    assert flow.toggle_pause() is False
    assert flow.state is FlowState.READING
    assert run_for(flow, 4.9) == []  # the rest of the reading time, not a fresh one
    assert kinds(run_for(flow, 0.3)) == ["CommandEvent"]


def test_autoplay_shows_the_choices_then_picks() -> None:
    asked: list[ChoicesEvent] = []

    def chooser(event: ChoicesEvent) -> int:
        asked.append(event)
        return 0

    pacing = PacingSettings(min_line_seconds=0.5, words_per_minute=6000, autoplay_choice_seconds=1)
    flow = PlayFlow(StoryMachine(program()), pacing, chooser)
    events = flow.start() + run_for(flow, 3.5)  # line, a 2 s wait, line: 3 s
    assert kinds(events)[-1] == "ChoicesEvent" and not asked
    events = run_for(flow, 1.0)
    assert len(asked) == 1
    assert isinstance(events[0], SceneEvent) and events[0].scene == "left_path"


def test_a_chooser_can_hand_the_choice_back_to_the_child() -> None:
    flow = PlayFlow(StoryMachine(program()), PACING, lambda event: None)
    flow.start()
    flow.advance()
    flow.advance()
    flow.advance()
    assert run_for(flow, 30) == [] and flow.state is FlowState.CHOOSING
    assert kinds(flow.choose(0))[0] == "SceneEvent"


def test_checkpoints_at_scene_changes_after_choices_and_at_the_end() -> None:
    saves: list[tuple[str, str]] = []
    flow = PlayFlow(
        StoryMachine(program()),
        PACING,
        checkpoint=lambda machine, world: saves.append((machine.scene, machine.status.value)),
    )
    flow.start()
    assert saves == [("gate", "running")]
    flow.advance()
    flow.advance()
    flow.advance()
    assert len(saves) == 1  # lines and commands do not save
    flow.choose(0)
    # Right after the choice (the jump is still ahead), then on entering the new scene.
    assert saves[1:] == [("gate", "running"), ("left_path", "running")]
    flow.advance()
    assert saves[-1] == ("", "ended")


def test_resuming_re_enters_the_scene_and_shows_waiting_choices() -> None:
    story = program()
    machine = StoryMachine(story)
    for _ in range(4):
        machine.advance()
    assert isinstance(machine.advance(), ChoicesEvent)
    saved = machine.save()
    flow = PlayFlow(StoryMachine.load(story, saved), PACING)
    events = flow.start(resumed=True)
    assert kinds(events) == ["SceneEvent", "ChoicesEvent"]
    assert isinstance(events[0], SceneEvent) and events[0].scene == "gate"
    assert flow.state is FlowState.CHOOSING

    machine = StoryMachine(story)
    machine.advance()
    flow = PlayFlow(StoryMachine.load(story, machine.save()), PACING)
    events = flow.start(resumed=True)
    assert kinds(events) == ["SceneEvent", "LineEvent"]
    first_line = events[1]
    assert isinstance(first_line, LineEvent) and first_line.text.startswith("Two paths")


def test_resuming_at_a_scene_entry_does_not_enter_it_twice() -> None:
    story = program()
    machine = StoryMachine(story)
    flow = PlayFlow(StoryMachine.load(story, machine.save()), PACING)
    assert kinds(flow.start(resumed=True)) == ["SceneEvent", "LineEvent"]


@pytest.mark.parametrize(
    ("state", "hovered", "over_panel", "ground", "expected"),
    [
        (FlowState.CHOOSING, 2, False, (1.0, 2.0), Choose(2)),
        (FlowState.CHOOSING, None, False, (1.0, 2.0), Teleport(1.0, 2.0)),
        (FlowState.CHOOSING, None, True, None, Ignore()),
        (FlowState.READING, None, True, (1.0, 2.0), Advance()),
        (FlowState.READING, None, False, (1.0, 2.0), Teleport(1.0, 2.0)),
        (FlowState.READING, None, False, None, Advance()),
        (FlowState.WAITING, None, False, None, Advance()),
        (FlowState.READING, 1, False, None, Advance()),
        (FlowState.PAUSED, 1, True, (1.0, 2.0), Ignore()),
        (FlowState.ENDED, None, False, (3.0, 0.0), Teleport(3.0, 0.0)),
        (FlowState.ENDED, None, True, None, Leave()),
        (FlowState.STARTING, None, False, None, Ignore()),
    ],
)
def test_what_a_click_means(
    state: FlowState,
    hovered: int | None,
    over_panel: bool,
    ground: tuple[float, float] | None,
    expected: object,
) -> None:
    assert decide_click(state, hovered, over_panel, ground) == expected


def test_teleport_hops_are_limited() -> None:
    assert teleport_target((0, 0), (3, 4), 8) == (3, 4)
    x, y = teleport_target((1, 1), (1, 41), 8)
    assert (x, y) == pytest.approx((1, 9))
    assert teleport_target((2, 2), (2, 2), 8) == (2, 2)


def test_dragging_turns_one_to_one_and_pitch_is_bounded() -> None:
    settings = LookSettings(degrees_per_pixel=0.1, max_pitch=60)
    heading, pitch = drag_look(0, 0, 100, 0, settings)
    assert heading == pytest.approx(350)  # dragging right turns right (clockwise)
    assert pitch == 0
    heading, pitch = drag_look(heading, pitch, -100, 50, settings)
    assert heading == pytest.approx(0) and pitch == pytest.approx(-5)  # drag down: look down
    assert drag_look(0, 0, 0, -10_000, settings)[1] == 60
    assert drag_look(0, 0, 0, 10_000, settings)[1] == -60
    # No smoothing or momentum: the same drag in two halves lands in the same place.
    half = drag_look(*drag_look(10, 5, 37, 11, settings), 37, 11, settings)
    assert half == pytest.approx(drag_look(10, 5, 74, 22, settings))


def test_walking_keys() -> None:
    assert walk_direction(True, False, False, False) == (1.0, 0.0)
    assert walk_direction(True, True, False, True) == (0.0, 1.0)
    assert walk_direction(False, True, True, False) == (-1.0, -1.0)
    forward, sideways = walk_direction(True, False, False, True)
    assert math.hypot(forward, sideways) > 1  # Rig.walk normalises: diagonals are not faster


def test_commands_other_than_wait_do_not_stop_the_story() -> None:
    text = STORY.replace(
        "      - command: wait\n        args: {seconds: 2}\n",
        "      - command: set_glow\n        args: {level: 0.8}\n",
    )
    result = compile_text(text, "walk.yaml")
    assert result.program is not None, result.diagnostics
    flow = PlayFlow(StoryMachine(result.program), PACING)
    flow.start()
    events = flow.advance()
    assert isinstance(events[0], CommandEvent) and events[0].name == "set_glow"
    assert kinds(events) == ["CommandEvent", "LineEvent"]


def test_the_deciding_modules_do_not_need_panda3d() -> None:
    script = textwrap.dedent(
        """
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("panda3d", "direct", "xr"):
                    raise ImportError(f"{name} is blocked in this test")
                return None

        sys.meta_path.insert(0, Blocker())
        import engine.player.controls, engine.player.flow, engine.player.home
        import engine.player.options, engine.player.profiles, engine.player.progress
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
