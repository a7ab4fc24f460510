"""Narration and sound cues through Panda3D's audio; captions carry the story without them.

A line plays its own ``audio:`` file first, else the narration ``glowgrove narrate`` made for
it. With audio off (``audio-library-name null``, no sound device) or a file that is missing,
broken or out of date, nothing plays, the problem is logged once, and the story goes on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from panda3d.core import Filename

from engine.audio.narration import NarrationIndex
from engine.content.assets import AssetCatalog
from engine.content.program import Program
from engine.story.events import LineEvent

__all__ = ["AudioPlayer"]

log = logging.getLogger(__name__)


class AudioPlayer:
    def __init__(self, manager: Any | None, assets: Path | None, program: Program) -> None:
        """``manager`` is a Panda3D AudioManager (None or an invalid one: audio is off)."""
        self.manager = manager if manager is not None and manager.is_valid() else None
        root = assets.resolve() if assets is not None and assets.is_dir() else None
        self.catalog = AssetCatalog(root) if root is not None else None
        self.narration = NarrationIndex.load(root, program) if root is not None else None
        self._logged: set[str] = set()
        self._voice: Any | None = None  # the narration playing now
        self._cues: dict[Path, Any] = {}  # sound effects, loaded once each
        if self.manager is None:
            self._log_once(
                "audio is off (no sound device, or audio-library-name null): captions only",
                logging.INFO,
            )
        if root is None:
            self._log_once(f"no assets folder at {assets}: no narration or sounds")

    @classmethod
    def for_base(cls, base: Any, assets: Path | None, program: Program) -> AudioPlayer:
        """Use ShowBase's sound-effects manager (it exists even when audio is null)."""
        managers = getattr(base, "sfxManagerList", None) or []
        return cls(managers[0] if managers else None, assets, program)

    @property
    def enabled(self) -> bool:
        return self.manager is not None

    # -- what a line or a cue would play (also with audio off) ---------------------------------

    def narration_for(self, event: LineEvent) -> Path | None:
        if self.catalog is None or self.narration is None:
            return None
        if event.audio is not None:
            path = self.catalog.find_audio(event.audio)
            if path is None:
                self._log_once(f"line {event.line_id}: audio file {event.audio} not found")
                return None
            return self._usable(path, f"line {event.line_id}")
        path, problem = self.narration.find(event.line_id, event.text)
        if problem is not None:
            self._log_once(f"line {event.line_id}: narration {problem}")
        return path

    def sound_for(self, name: str) -> Path | None:
        if self.catalog is None:
            return None
        path = self.catalog.find_sound(name)
        if path is None:
            self._log_once(f"sound {name} not found under {self.catalog.root}/sounds")
            return None
        return self._usable(path, f"sound {name}")

    # -- playing -------------------------------------------------------------------------------

    def line(self, event: LineEvent) -> Path | None:
        """Stop the previous narration and play this line's; return the file played."""
        self.stop_narration()
        if self.manager is None:
            return None
        path = self.narration_for(event)
        sound = self._load(path) if path is not None else None
        if sound is None:
            return None
        sound.play()
        self._voice = sound
        return path

    def sound(self, name: str, volume: float = 1.0) -> Path | None:
        """Play the sound effect ``name`` at ``volume`` (0-1); return the file played."""
        if self.manager is None:
            return None
        path = self.sound_for(name)
        if path is None:
            return None
        if path not in self._cues:
            self._cues[path] = self._load(path)
        cue = self._cues[path]
        if cue is None:
            return None
        cue.set_volume(max(0.0, min(1.0, volume)))
        cue.play()
        return path

    def stop_narration(self) -> None:
        if self._voice is not None:
            self._voice.stop()
            self._voice = None

    def stop(self) -> None:
        """Silence everything (the safe place, leaving the story)."""
        self.stop_narration()
        for cue in self._cues.values():
            if cue is not None:
                cue.stop()

    # -- helpers -------------------------------------------------------------------------------

    def _usable(self, path: Path, what: str) -> Path | None:
        assert self.catalog is not None
        problem = self.catalog.problem(path)
        if problem is not None:
            self._log_once(f"{what}: {path} {problem}; captions only")
            return None
        return path

    def _load(self, path: Path) -> Any | None:
        assert self.manager is not None
        sound = self.manager.get_sound(Filename.from_os_specific(str(path)), False)
        # A file Panda3D cannot decode comes back as a silent stand-in of length 0.
        if sound is None or sound.length() <= 0:
            self._log_once(f"{path} could not be decoded; captions only")
            return None
        return sound

    def _log_once(self, message: str, level: int = logging.WARNING) -> None:
        if message not in self._logged:
            self._logged.add(message)
            log.log(level, message)
