"""A resumed story shows the world as the child left it: the play flow notes scenes and garden
and prop commands, the progress file keeps them with the saved place, and resuming shows them
again before the choices. Pure Python (no Panda3D)."""

from __future__ import annotations

from pathlib import Path

from engine.content.compiler import compile_text
from engine.content.program import Program
from engine.player import world_log
from engine.player.flow import FlowState, PacingSettings, PlayFlow
from engine.player.profiles import ProfileStore
from engine.player.progress import ProgressBook
from engine.story import ChoicesEvent, CommandEvent, SceneEvent, StoryEvent

STORY = """\
glowgrove: 1
id: glow_walk
title: Glow Walk
start: gate
endings:
  home: {title: Home}
scenes:
  gate:
    environment: {preset: night_garden, time: night, glow: 0.2}
    body:
      - command: set_glow
        args: {level: 0.4}
      - command: show_prop
        args: {prop: lantern}
      - command: play_sound
        args: {sound: chime}
      - say: The gate creaks.
      - choice:
          - text: Walk in
            jump: grove
  grove:
    environment: {glow: 0.6}
    body:
      - command: restore_area
        args: {x: 1.0, y: 2.0, radius: 3.0}
      - command: show_prop
        args: {prop: digester}
      - say: The grove hums.
      - choice:
          - text: Go home
            end: home
"""

PACING = PacingSettings(auto_advance=False)


def _program() -> Program:
    result = compile_text(STORY, "glow_walk.yaml")
    assert result.program is not None, [d.headline() for d in result.diagnostics]
    return result.program


def _names(events: list[StoryEvent]) -> list[str]:
    out = []
    for event in events:
        if isinstance(event, SceneEvent):
            out.append(f"scene:{event.scene}")
        elif isinstance(event, CommandEvent):
            out.append(f"{event.name}:{sorted(event.args.items())}")
        elif isinstance(event, ChoicesEvent):
            out.append("choices")
    return out


def test_resuming_shows_the_world_again_then_the_choices(tmp_path: Path) -> None:
    program = _program()
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    book = ProgressBook(store, moss, program)
    machine, resumed = book.open(seed=None)
    flow = PlayFlow(machine, PACING, checkpoint=book.checkpoint)
    live = flow.start(resumed)
    live += flow.advance()  # past the gate's line, to its choice
    assert flow.state is FlowState.CHOOSING
    live += flow.choose(0)
    live += flow.advance()  # past the grove's line
    assert flow.state is FlowState.CHOOSING

    again = ProgressBook(store, moss, program)
    machine2, resumed2 = again.open(seed=None)
    assert resumed2
    flow2 = PlayFlow(machine2, PACING, checkpoint=again.checkpoint, world=again.progress.world)
    shown = flow2.start(resumed2)
    # The place was saved on entering the grove: every scene and world command up to there
    # again, in order, without sounds and without the props of scenes left behind (the
    # director clears props on a scene change); then the grove goes on to its line.
    assert _names(shown) == [
        "scene:gate",
        "set_glow:[('level', 0.4)]",
        "scene:grove",
        "restore_area:[('radius', 3.0), ('x', 1.0), ('y', 2.0)]",
        "show_prop:[('prop', 'digester')]",
    ]
    assert flow2.state is FlowState.READING
    assert flow2.world == flow.world, "the resumed flow notes on from the saved log"
    world_events = [e for e in live if isinstance(e, SceneEvent | CommandEvent)]
    assert "play_sound" in {e.name for e in world_events if isinstance(e, CommandEvent)}
    # The ending clears the saved place and its world.
    flow2.advance()
    flow2.choose(0)
    assert again.progress.save is None and again.progress.world == ()


def test_a_save_without_a_world_log_still_resumes_in_its_scene(tmp_path: Path) -> None:
    """Progress written before world logs existed: the scene is entered again, as before."""
    program = _program()
    store = ProfileStore(tmp_path)
    fern = store.create("Fern", "#5fd6b0")
    book = ProgressBook(store, fern, program)
    machine, _ = book.open(seed=None)
    flow = PlayFlow(machine, PACING, checkpoint=lambda m, w: book.checkpoint(m))
    flow.start()
    flow.advance()
    flow.choose(0)
    again = ProgressBook(store, fern, program)
    machine2, resumed = again.open(seed=None)
    assert resumed and again.progress.world == ()
    assert _names(PlayFlow(machine2, PACING).start(resumed))[0] == "scene:grove"


def test_damaged_world_entries_are_left_out() -> None:
    good = [{"scene": "gate"}, {"command": "set_glow", "args": {"level": 0.4}}]
    damaged = [
        {"command": "set_glow", "args": {"level": "bright"}},  # not a number
        {"command": "set_glow", "args": {"level": 7}},  # out of range
        {"command": "delete_everything", "args": {}},  # not a world command
        {"command": "restore_area", "args": {"x": 1}},  # missing arguments
        {"scene": 3},
        "scene",
    ]
    assert world_log.parse(good + damaged) == tuple(good)
    assert world_log.parse({"scene": "gate"}) == ()
    assert world_log.parse(None) == ()


def test_a_story_that_loops_for_ever_keeps_a_bounded_log() -> None:
    world: list[world_log.Entry] = []
    for turn in range(3 * world_log.MAX_ENTRIES):
        world_log.note(world, CommandEvent("set_glow", {"level": (turn % 10) / 10}))
    assert len(world) == world_log.MAX_ENTRIES
    assert world[-1] == {"command": "set_glow", "args": {"level": 0.9}}
