"""Save and resume one learner's place in one narrative. Pure Python.

The record holds ``StoryMachine.save()`` (None once the story has ended: the next visit starts
afresh) with the world log beside it (what the story did to the garden, so a resumed story
looks as it did: :mod:`engine.player.world_log`), the endings this learner has reached so far,
and how many of the story's scenes they have seen, which the home scene shows as a progress
marker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from engine.content.program import Program
from engine.errors import ProfileError, SaveError
from engine.player import world_log
from engine.player.profiles import Profile, ProfileStore
from engine.story import StoryMachine, StoryStatus

__all__ = ["Progress", "ProgressBook", "read_progress"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    save: dict[str, Any] | None = None  # None: not started, or finished
    endings: tuple[str, ...] = ()  # every ending reached so far, in the order reached
    scenes_seen: int = 0
    world: tuple[world_log.Entry, ...] = ()  # goes with ``save``

    @property
    def in_progress(self) -> bool:
        return self.save is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "save": self.save,
            "endings": list(self.endings),
            "scenes_seen": self.scenes_seen,
            "world": list(self.world),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        save = data.get("save")
        endings = data.get("endings", [])
        scenes_seen = data.get("scenes_seen", 0)
        return cls(
            save if isinstance(save, dict) else None,
            tuple(str(e) for e in endings) if isinstance(endings, list) else (),
            scenes_seen if isinstance(scenes_seen, int) else 0,
            world_log.parse(data.get("world")),
        )


def read_progress(store: ProfileStore, profile: Profile, narrative_id: str) -> Progress:
    try:
        data = store.read_progress(profile, narrative_id)
    except ProfileError as error:
        log.warning("no progress for %s: %s", narrative_id, error)
        return Progress()
    return Progress() if data is None else Progress.from_json(data)


class ProgressBook:
    """Where one profile is in one program: opened once per play, written at checkpoints."""

    def __init__(self, store: ProfileStore, profile: Profile, program: Program) -> None:
        self.store = store
        self.profile = profile
        self.program = program
        self.progress = read_progress(store, profile, program.id)

    def open(self, seed: int | None) -> tuple[StoryMachine, bool]:
        """A machine at the saved place (True) or at the start (False).

        A save that no longer fits the story (it was edited since, or the file was damaged)
        is refused with one log line and the story starts from the beginning.
        """
        if self.progress.save is not None:
            try:
                machine = StoryMachine.load(self.program, self.progress.save)
            except SaveError as error:
                log.warning(
                    "%s's saved place in %s cannot be used (%s); starting from the beginning",
                    self.profile.nickname,
                    self.program.id,
                    error,
                )
            else:
                if machine.status is not StoryStatus.ENDED:
                    log.info("%s resumes %s", self.profile.nickname, self.program.id)
                    return machine, True
        return StoryMachine(self.program, seed), False

    def checkpoint(self, machine: StoryMachine, world: tuple[world_log.Entry, ...] = ()) -> None:
        """Remember the machine's state and the world log (after a choice, at a scene change,
        at the end)."""
        save = machine.save()
        endings = self.progress.endings
        if machine.status is StoryStatus.ENDED:
            if machine.ending is not None and machine.ending not in endings:
                endings = (*endings, machine.ending)
            stored: dict[str, Any] | None = None
        else:
            stored = save
        seen = sum(1 for scene in save["visits"] if scene in self.program.scenes)
        kept = world if stored is not None else ()
        self.progress = Progress(stored, endings, max(seen, self.progress.scenes_seen), kept)
        try:
            self.store.write_progress(self.profile, self.program.id, self.progress.to_json())
        except (OSError, ProfileError) as error:
            # The child keeps playing; only resuming later is lost.
            log.warning("could not save progress for %s: %s", self.profile.nickname, error)
