"""Learner profiles and their saved progress, stored as small JSON files. Pure Python.

A profile is a nickname (no real names needed: the home scene offers friendly presets) and a
colour, under a random pseudonymous id. Nothing else about the child is stored. Layout::

    DATA_DIR/profiles/<id>.json              {"format": "glowgrove-profile", ...}
    DATA_DIR/progress/<id>/<narrative>.json  {"format": "glowgrove-progress", ...}

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so
a crash or a power cut leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ProfileError

__all__ = [
    "MAX_NICKNAME",
    "PRESETS",
    "Profile",
    "ProfileStore",
    "clean_colour",
    "clean_nickname",
    "default_data_dir",
    "write_json_atomically",
]

log = logging.getLogger(__name__)

MAX_NICKNAME = 20
PROFILE_FORMAT = "glowgrove-profile"
PROGRESS_FORMAT = "glowgrove-progress"
FORMAT_VERSION = 1
_ID = re.compile(r"^[0-9a-f]{12}$")
_NARRATIVE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Characters that would let a nickname move the cursor, hide text or reorder it.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}

# (nickname, colour): offered as 'new explorer' cards, so no child has to type.
PRESETS: tuple[tuple[str, str], ...] = (
    ("Firefly", "#f7d774"),
    ("Moss", "#7fe3a0"),
    ("Glowworm", "#7fd8f7"),
    ("Sprout", "#b6f27f"),
    ("Comet", "#f79f7f"),
    ("Pebble", "#c9b8f7"),
    ("Fern", "#5fd6b0"),
    ("Lantern", "#ffb454"),
    ("Dewdrop", "#8fb8ff"),
    ("Starling", "#f28fd0"),
)


@dataclass(frozen=True)
class Profile:
    id: str
    nickname: str
    colour: str  # "#rrggbb"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROFILE_FORMAT,
            "version": FORMAT_VERSION,
            "id": self.id,
            "nickname": self.nickname,
            "colour": self.colour,
        }


def clean_nickname(raw: str) -> str:
    """The nickname as stored: NFC, single spaces, 1-20 characters, nothing invisible."""
    text = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text):
        raise ProfileError("a nickname cannot contain control or invisible characters")
    text = " ".join(text.split())
    if not 1 <= len(text) <= MAX_NICKNAME:
        raise ProfileError(f"a nickname has 1 to {MAX_NICKNAME} characters")
    return text


def clean_colour(raw: str) -> str:
    if not _COLOUR.match(raw):
        raise ProfileError(f"a profile colour looks like #7fe3a0, not {raw!r}")
    return raw.lower()


def default_data_dir(
    environ: Mapping[str, str], option: Path | None = None, home: Path | None = None
) -> Path:
    """--data-dir, else $GLOWGROVE_DATA_DIR, else $XDG_DATA_HOME/glowgrove, else
    ~/.local/share/glowgrove (the XDG base directory default)."""
    if option is not None:
        return option
    if environ.get("GLOWGROVE_DATA_DIR"):
        return Path(environ["GLOWGROVE_DATA_DIR"])
    xdg = environ.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():  # the XDG spec says to ignore relative paths
        return Path(xdg) / "glowgrove"
    return (home if home is not None else Path.home()) / ".local" / "share" / "glowgrove"


def write_json_atomically(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> Any | None:
    """The file's JSON, or None (with a log line) if it is missing or unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        log.warning("cannot read %s (%s); ignoring it", path, error)
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        log.warning("%s is not valid JSON (%s); ignoring it", path, error)
        return None


class ProfileStore:
    """Profiles and per-narrative progress under one data folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def profiles_dir(self) -> Path:
        return self.root / "profiles"

    def profiles(self) -> list[Profile]:
        """Every readable profile, ordered by nickname; unreadable files are logged and skipped."""
        found: list[Profile] = []
        if not self.profiles_dir.is_dir():
            return found
        for path in sorted(self.profiles_dir.glob("*.json")):
            profile = self._parse_profile(path, _read_json(path))
            if profile is not None:
                found.append(profile)
        return sorted(found, key=lambda p: (p.nickname.casefold(), p.id))

    def _parse_profile(self, path: Path, data: Any) -> Profile | None:
        if data is None:
            return None
        try:
            if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
                raise ProfileError("not a Glowgrove profile")
            if data.get("version") != FORMAT_VERSION:
                raise ProfileError(f"profile format version {data.get('version')!r}")
            profile_id = str(data.get("id"))
            if not _ID.match(profile_id) or path.stem != profile_id:
                raise ProfileError("the profile id does not match its file name")
            return Profile(
                profile_id,
                clean_nickname(str(data.get("nickname", ""))),
                clean_colour(str(data.get("colour", ""))),
            )
        except ProfileError as error:
            log.warning("skipping profile %s: %s", path, error)
            return None

    def get(self, profile_id: str) -> Profile | None:
        if not _ID.match(profile_id):
            return None
        path = self.profiles_dir / f"{profile_id}.json"
        return self._parse_profile(path, _read_json(path))

    def find(self, name_or_id: str) -> Profile | None:
        """A profile by id, or by nickname (ignoring case)."""
        by_id = self.get(name_or_id)
        if by_id is not None:
            return by_id
        wanted = " ".join(name_or_id.split()).casefold()
        return next((p for p in self.profiles() if p.nickname.casefold() == wanted), None)

    def create(self, nickname: str, colour: str) -> Profile:
        profile = Profile(secrets.token_hex(6), clean_nickname(nickname), clean_colour(colour))
        write_json_atomically(self.profiles_dir / f"{profile.id}.json", profile.to_json())
        log.info("new explorer %s (%s)", profile.nickname, profile.id)
        return profile

    def unused_presets(self) -> list[tuple[str, str]]:
        taken = {p.nickname.casefold() for p in self.profiles()}
        return [preset for preset in PRESETS if preset[0].casefold() not in taken]

    # -- progress ------------------------------------------------------------------------------

    def _progress_path(self, profile: Profile, narrative_id: str) -> Path:
        if not _ID.match(profile.id):
            raise ProfileError(f"not a profile id: {profile.id!r}")
        if not _NARRATIVE_ID.match(narrative_id):
            raise ProfileError(f"cannot keep progress for a narrative called {narrative_id!r}")
        return self.root / "progress" / profile.id / f"{narrative_id}.json"

    def read_progress(self, profile: Profile, narrative_id: str) -> dict[str, Any] | None:
        """The stored progress record, or None if there is none or it cannot be read."""
        path = self._progress_path(profile, narrative_id)
        data = _read_json(path)
        if data is None:
            return None
        if (
            not isinstance(data, dict)
            or data.get("format") != PROGRESS_FORMAT
            or data.get("version") != FORMAT_VERSION
            or data.get("narrative") != narrative_id
        ):
            log.warning("%s is not a progress record for %s; ignoring it", path, narrative_id)
            return None
        return data

    def write_progress(self, profile: Profile, narrative_id: str, record: dict[str, Any]) -> None:
        data = {
            **record,
            "format": PROGRESS_FORMAT,
            "version": FORMAT_VERSION,
            "narrative": narrative_id,
        }
        write_json_atomically(self._progress_path(profile, narrative_id), data)
