"""Hot reload logic for the preview: file polling, what changed, fast-forward by choices."""

from __future__ import annotations

import os
from pathlib import Path

from engine.authoring.reload import FileWatcher, edited_scenes, replay_choices
from engine.content.compiler import compile_text
from engine.content.program import Program
from engine.player.flow import FlowState, PacingSettings, PlayFlow
from engine.story.events import ChoicesEvent, LineEvent, SceneEvent
from engine.story.machine import StoryMachine, StoryStatus

STORY = """glowgrove: 1
id: walk
title: Walk
start: gate
variables:
  lamp: {type: bool, default: false}
endings:
  home: {title: Home}
scenes:
  gate:
    body:
      - say: Two paths.
      - choice:
          - text: Take the lamp
            set: {lamp: true}
          - text: No lamp
      - choice:
          - text: Forest
            jump: forest
          - text: Lake
            jump: lake
  forest:
    body:
      - say: Tall trees.
      - choice:
          - text: Go home
            end: home
  lake:
    body:
      - say: Still water.
      - end: home
"""


def compiled(text: str) -> Program:
    result = compile_text(text, "walk.yaml")
    assert result.program is not None, [d.render() for d in result.diagnostics]
    return result.program


def test_watcher_sees_saves_renames_and_deletions(tmp_path: Path) -> None:
    story = tmp_path / "s.yaml"
    story.write_text("a", encoding="utf-8")
    watcher = FileWatcher([story])
    assert not watcher.changed()
    story.write_text("ab", encoding="utf-8")
    assert watcher.changed()
    assert not watcher.changed()  # reported once
    stat = story.stat()
    os.utime(story, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert watcher.changed()
    replacement = tmp_path / "s.yaml.tmp"
    replacement.write_text("xyz!", encoding="utf-8")
    story.unlink()
    assert watcher.changed()  # gone for a moment
    replacement.rename(story)
    assert watcher.changed()
    other = tmp_path / "part.yaml"
    other.write_text("p", encoding="utf-8")
    watcher.watch([story, other])
    assert not watcher.changed()
    other.write_text("pp", encoding="utf-8")
    assert watcher.changed()


def test_edited_scenes_ignores_moves() -> None:
    old = compiled(STORY)
    assert edited_scenes(old, compiled(STORY)) == set()
    assert edited_scenes(old, compiled(STORY.replace("Tall trees.", "Tall pines."))) == {"forest"}
    moved = STORY.replace("scenes:\n", "scenes:\n  # a comment line moves every scene down\n")
    assert edited_scenes(old, compiled(moved)) == set()
    added = STORY + "  cave:\n    body:\n      - end: home\n"
    assert edited_scenes(old, compiled(added)) == {"cave"}


def go_on(flow: PlayFlow) -> None:
    """Next line; a lesson the story starts is left unplayed (the desktop app plays it)."""
    if flow.state is FlowState.LESSON:
        flow.finish_lesson(None)
    else:
        flow.advance()


def play(program: Program, picks: list[int]) -> list[str]:
    """Choose by 0-based offer index; return the option ids chosen (like the preview does)."""
    flow = PlayFlow(StoryMachine(program), PacingSettings(auto_advance=False))
    flow.start()
    for pick in picks:
        while flow.choices is None:
            go_on(flow)
        flow.choose(pick)
    return list(flow.chosen)


def test_fast_forward_stops_at_the_edited_scene_with_the_same_choices() -> None:
    old = compiled(STORY)
    history = play(old, [0, 0])  # the lamp, then the forest
    assert history == ["gate.o1", "gate.o3"]
    new = compiled(STORY.replace("Tall trees.", "Tall pines."))
    replay = replay_choices(new, history, edited_scenes(old, new))
    assert replay.stopped == "edited-scene" and replay.scene == "forest"
    assert replay.used == ("gate.o1", "gate.o3")
    assert replay.machine.variables["lamp"] is True
    flow = PlayFlow(replay.machine, PacingSettings(auto_advance=False))
    events = flow.start(resumed=True)
    assert isinstance(events[0], SceneEvent) and events[0].scene == "forest"
    assert isinstance(events[-1], LineEvent) and events[-1].text == "Tall pines."


def test_fast_forward_to_an_earlier_edited_scene_and_through_unchanged_ones() -> None:
    old = compiled(STORY)
    history = play(old, [1, 0, 0])  # no lamp, forest, then waiting at 'Go home'... chosen
    new = compiled(STORY.replace("Two paths.", "Two glowing paths."))
    replay = replay_choices(new, history, edited_scenes(old, new))
    assert replay.stopped == "edited-scene" and replay.scene == "gate" and replay.used == ()
    # Nothing edited: back where the author was, after the same choices.
    same = replay_choices(old, history[:2], set())
    assert same.stopped == "history" and same.used == tuple(history[:2])
    assert same.machine.variables["lamp"] is False
    flow = PlayFlow(same.machine, PacingSettings(auto_advance=False))
    shown = flow.start(resumed=True)
    assert any(isinstance(e, SceneEvent) and e.scene == "forest" for e in shown)


def test_fast_forward_when_the_choice_is_gone_or_the_story_ends() -> None:
    old = compiled(STORY)
    history = play(old, [0, 1])  # lamp, lake
    new = compiled(STORY.replace("          - text: Lake\n            jump: lake\n", ""))
    replay = replay_choices(new, history, edited_scenes(old, new))
    # 'gate' is edited (an option removed): stop on entering it.
    assert replay.stopped == "edited-scene"
    gone = replay_choices(new, history, set())
    assert gone.stopped == "choice-gone" and gone.used == ("gate.o1",)
    assert gone.machine.status is StoryStatus.CHOOSING
    assert isinstance(gone.machine.current_choices(), ChoicesEvent)
    ended = replay_choices(old, history, {"nothing"})
    assert ended.stopped == "ending" and ended.machine.status is not StoryStatus.ENDED


def test_preview_controller_keeps_the_last_good_version(tmp_path: Path) -> None:
    from engine.authoring.preview import PreviewController, PreviewError, PreviewReload

    story = tmp_path / "walk.yaml"
    story.write_text(STORY, encoding="utf-8")
    controller = PreviewController(story)
    good = controller.program
    assert good is not None and controller.poll([]) is None

    def save(text: str) -> None:
        old = story.stat().st_mtime_ns
        story.write_text(text, encoding="utf-8")
        os.utime(story, ns=(old + 10**9, old + 10**9))

    save(STORY.replace("jump: lake", "jump: laek"))
    broken = controller.poll(["gate.o1"])
    assert isinstance(broken, PreviewError) and "error[E" in broken.text and "laek" in broken.text
    assert controller.program is good  # still the last good version
    save(STORY.replace("Still water.", "Still, silver water."))
    reload = controller.poll(["gate.o1", "gate.o4"])
    assert isinstance(reload, PreviewReload)
    assert reload.replay.stopped == "edited-scene" and reload.replay.scene == "lake"
    assert controller.replayed == ("gate.o1", "gate.o4")


def test_preview_controller_on_shipped_narratives(root: Path, tmp_path: Path) -> None:
    """Edit a copy of each shipped narrative (an included part for the flagship): the reload
    fast-forwards along a real play-through's choices to the edited scene."""
    import shutil

    from engine.authoring.preview import PreviewController, PreviewReload
    from engine.story.explore import paths_to_endings

    shutil.copytree(root / "narratives", tmp_path / "narratives")
    cases = [
        ("firefly_night.yaml", "firefly_night.yaml", "Night falls.", "lights_out"),
        ("restore_the_glow.yaml", "restore_the_glow/act2.yaml", "four paths meet.", "crossroads"),
    ]
    for entry, edited_file, text, scene in cases:
        story = tmp_path / "narratives" / entry
        controller = PreviewController(story)
        program = controller.program
        assert program is not None
        path = next(p for e, p in paths_to_endings(program).items() if e is not None)
        flow = PlayFlow(StoryMachine(program), PacingSettings(auto_advance=False))
        flow.start()
        for pick in path.choices:
            while flow.choices is None:
                go_on(flow)
            flow.choose(pick - 1)
        assert flow.machine.visit_count(scene) > 0  # the play-through went through it
        part = tmp_path / "narratives" / edited_file
        before = part.stat().st_mtime_ns
        part.write_text(part.read_text(encoding="utf-8").replace(text, text + " Edited!"))
        os.utime(part, ns=(before + 10**9, before + 10**9))
        reload = controller.poll(list(flow.chosen))
        assert isinstance(reload, PreviewReload), entry
        assert reload.replay.stopped == "edited-scene" and reload.replay.scene == scene
        shown = PlayFlow(reload.replay.machine, PacingSettings(auto_advance=False))
        events = shown.start(resumed=True)
        assert isinstance(events[0], SceneEvent) and events[0].scene == scene
        lines = [e.text for e in events if isinstance(e, LineEvent)]
        for _ in range(20):
            if any("Edited!" in line for line in lines):
                break
            lines += [e.text for e in shown.advance() if isinstance(e, LineEvent)]
        assert any(text + " Edited!" in line for line in lines), lines


def test_a_broken_part_is_still_watched_until_fixed(root: Path, tmp_path: Path) -> None:
    import shutil

    from engine.authoring.preview import PreviewController, PreviewError, PreviewReload

    shutil.copytree(root / "narratives", tmp_path / "narratives")
    story = tmp_path / "narratives" / "restore_the_glow.yaml"
    part = tmp_path / "narratives" / "restore_the_glow" / "act3.yaml"
    controller = PreviewController(story)
    good = part.read_text(encoding="utf-8")

    def save(text: str) -> None:
        before = part.stat().st_mtime_ns
        part.write_text(text, encoding="utf-8")
        os.utime(part, ns=(before + 10**9, before + 10**9))

    save(good + "\n  broken: [unclosed\n")
    assert isinstance(controller.poll([]), PreviewError)
    save(good)
    assert isinstance(controller.poll([]), PreviewReload)
