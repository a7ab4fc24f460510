"""What a play session is asked to do (parsed from launch_vr.py's command line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.display.modes import Mode
from engine.player.flow import PacingSettings
from engine.scene.rig import ComfortSettings
from engine.seminar.link import SeminarJoin

__all__ = ["PlayerOptions"]


@dataclass(frozen=True)
class PlayerOptions:
    narrative: Path | None  # None: the home scene, where the child picks a story
    mode: Mode = Mode.AUTO
    autoplay: str | None = None  # "first" or "random"; None: a person chooses
    choices: tuple[int, ...] = ()  # scripted choices (1-based), made before autoplay
    seed: int | None = None
    frames: int = 3  # frames rendered per story event in offscreen autoplay
    screenshot_dir: Path | None = None
    record: Path | None = None
    width: int = 960
    height: int = 540
    audio: bool = True
    comfort: ComfortSettings = field(default_factory=ComfortSettings)
    plants: int = 600
    assets: Path = Path("assets")
    max_events: int = 20_000
    offscreen_pipe: str = "auto"
    pacing: PacingSettings = field(default_factory=PacingSettings)  # desktop line timing
    data_dir: Path | None = None  # profiles and progress (None: the default data folder)
    profile: str | None = None  # desktop: play as this explorer (nickname or id) and save
    content_dirs: tuple[Path, ...] = ()  # home scene card folders (empty: narratives, lessons)
    seminar: SeminarJoin | None = None  # desktop: follow an organizer's seminar session
    records: Path | None = None  # lessons: xAPI records file (desktop: the data folder's)
    group: str = ""  # lessons: learner group written into the records
