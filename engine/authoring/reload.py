"""Hot reload for the preview, as pure logic: notice a saved file, find what changed, and
fast-forward the new version of the story along the choices already made.

The preview window (:mod:`engine.authoring.preview`) calls these; they never touch Panda3D,
so they are tested with plain files and programs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.content.program import Program
from engine.errors import StoryError
from engine.story.events import ChoicesEvent, EndEvent, SceneEvent
from engine.story.machine import StoryMachine, StoryStatus

__all__ = ["FileWatcher", "Replay", "edited_scenes", "replay_choices"]

_MAX_REPLAY_EVENTS = 100_000


class FileWatcher:
    """Polls modification times and sizes: no dependency, works on every file system (an
    editor that saves by writing a new file and renaming it is seen too)."""

    def __init__(self, paths: Iterable[Path | str]) -> None:
        self.paths = [Path(p) for p in paths]
        self._stamps = self._stamp()

    def _stamp(self) -> tuple[tuple[str, int, int] | None, ...]:
        stamps: list[tuple[str, int, int] | None] = []
        for path in self.paths:
            try:
                info = os.stat(path)
            except OSError:
                stamps.append(None)  # gone for a moment while an editor saves
                continue
            stamps.append((str(path), info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    def watch(self, paths: Iterable[Path | str]) -> None:
        """Watch these files from now on (a save may add or drop an include)."""
        self.paths = [Path(p) for p in paths]
        self._stamps = self._stamp()

    def changed(self) -> bool:
        """True once after any watched file changed since the last call."""
        stamps = self._stamp()
        if stamps == self._stamps:
            return False
        self._stamps = stamps
        return True


def edited_scenes(old: Program, new: Program) -> set[str]:
    """Scenes whose content differs (new scenes included). Moving a scene down the file
    changes only its line number, which does not count."""
    edited = set()
    for scene_id, scene in new.scenes.items():
        before = old.scenes.get(scene_id)
        if before is None or (before.ops, before.environment, before.tags) != (
            scene.ops,
            scene.environment,
            scene.tags,
        ):
            edited.add(scene_id)
    return edited


@dataclass(frozen=True)
class Replay:
    machine: StoryMachine  # ready to hand to the player (it shows what comes next)
    used: tuple[str, ...]  # the option ids replayed (the new history)
    stopped: str  # "edited-scene", "history", "choice-gone", "ending"
    scene: str  # where it stopped


def replay_choices(
    program: Program,
    chosen: Iterable[str],
    edited: set[str],
    seed: int | None = None,
) -> Replay:
    """Play ``program`` from the start, picking the options with the ids in ``chosen`` in
    turn, and stop on entering an edited scene, when the history is used up, when a
    recorded option is no longer offered, or just before an ending. The machine is never
    left ended, so the player always has something to show."""
    machine = StoryMachine(program, seed)
    pending = list(chosen)
    used: list[str] = []
    scene = program.start
    for _ in range(_MAX_REPLAY_EVENTS):
        if machine.status is StoryStatus.CHOOSING:
            if not pending:
                return Replay(machine, tuple(used), "history", scene)
            offers = machine.current_choices().options
            wanted = pending.pop(0)
            pick = next((o.index for o in offers if o.option_id == wanted), None)
            if pick is None:
                return Replay(machine, tuple(used), "choice-gone", scene)
            machine.choose(pick)
            used.append(wanted)
            if not pending and not edited:
                return Replay(machine, tuple(used), "history", scene)
            continue
        ahead = machine.fork()
        try:
            event = ahead.advance()
        except StoryError:
            break
        if isinstance(event, SceneEvent):
            if event.scene in edited:
                # Just entered: the player re-announces the scene and shows it from its start.
                return Replay(ahead, tuple(used), "edited-scene", event.scene)
            scene = event.scene
        elif isinstance(event, EndEvent):
            return Replay(machine, tuple(used), "ending", scene)
        elif isinstance(event, ChoicesEvent) and not pending and edited:
            # The history is used up before reaching an edited scene: stay where the
            # author was, waiting at this choice.
            return Replay(ahead, tuple(used), "history", scene)
        machine = ahead
    return Replay(machine, tuple(used), "history", scene)
