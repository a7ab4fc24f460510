"""Finding the assets a narrative names (sounds, props, narration audio) and checking them.

Pure: no panda3d. The compiler uses it for E047/E048 and the 3D player for its lookups, so
both agree on where a name leads. A narrative's assets folder is the nearest ``assets/`` found
by walking up from the narrative file; with none, existence is not checked.
"""

from __future__ import annotations

import json
import struct
import wave
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from engine.content.diagnostics import did_you_mean

__all__ = [
    "AUDIO_SUFFIXES",
    "PROP_SUFFIXES",
    "AssetCatalog",
    "AssetFinding",
    "file_problem",
    "find_assets_root",
]

AUDIO_SUFFIXES = (".wav", ".ogg")
PROP_SUFFIXES = (".bam", ".egg", ".gltf", ".glb")
_BAM_MAGIC = b"pbj\x00\n\r"
_MAX_LISTED = 12
_MAX_SCANNED = 5_000  # audio files listed for did-you-mean; a bigger tree gets no suggestion
_REBUILD = (
    "replace it with a working file ('glowgrove assets build' remakes the project's own sounds "
    "and props)"
)


def find_assets_root(narrative: Path) -> Path | None:
    """The nearest ``assets/`` folder in the narrative's folder or one of its parents."""
    try:
        folder = narrative.resolve().parent
    except (OSError, RuntimeError):  # a symbolic link loop: the loader reports it
        return None
    for candidate in (folder, *folder.parents):
        if (candidate / "assets").is_dir():
            return candidate / "assets"
    return None


@dataclass(frozen=True)
class AssetFinding:
    """A problem with a referenced asset, ready to become a diagnostic."""

    code: str  # E047 missing, E048 broken
    message: str
    helps: tuple[str, ...] = ()


@dataclass
class AssetCatalog:
    """The assets under one ``assets/`` folder; lookups and file checks are cached."""

    root: Path
    _problems: dict[Path, str | None] = field(default_factory=dict)
    _names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _audio: tuple[str, ...] | None = None

    @classmethod
    def near(cls, narrative: Path) -> AssetCatalog | None:
        root = find_assets_root(narrative)
        return None if root is None else cls(root)

    # -- lookups (shared with the 3D player) ---------------------------------------------------

    def find_sound(self, name: str) -> Path | None:
        return self._find("sounds", name, AUDIO_SUFFIXES)

    def find_prop(self, name: str) -> Path | None:
        return self._find("props", name, PROP_SUFFIXES)

    def find_audio(self, relative: str) -> Path | None:
        """A line's ``audio:`` path, relative to the assets folder."""
        path = self._inside(relative)
        return path if path is not None and path.is_file() else None

    def problem(self, path: Path) -> str | None:
        """Why the file at ``path`` cannot be used, or None when its header looks right."""
        if path not in self._problems:
            self._problems[path] = file_problem(path)
        return self._problems[path]

    # -- checks (for the compiler) -------------------------------------------------------------

    def check_sound(self, name: str) -> AssetFinding | None:
        return self._check_named("sound", "sounds", name, AUDIO_SUFFIXES)

    def check_prop(self, name: str) -> AssetFinding | None:
        return self._check_named("prop", "props", name, PROP_SUFFIXES)

    def check_command(
        self, command: str, args: Mapping[str, object]
    ) -> list[tuple[str, AssetFinding]]:
        """Problems with the sound or prop a command names, as (argument, finding)."""
        finding = None
        if command == "play_sound":
            argument, finding = "sound", self.check_sound(str(args["sound"]))
        elif command in ("show_prop", "hide_prop"):
            argument, finding = "prop", self.check_prop(str(args["prop"]))
        return [] if finding is None else [(argument, finding)]

    def check_audio(self, relative: str) -> AssetFinding | None:
        path = self.find_audio(relative)
        if path is None:
            helps = did_you_mean(relative, self._audio_files()) or [
                "add the file under assets/, or leave 'audio' out: 'glowgrove narrate' makes "
                "narration for lines without it"
            ]
            return AssetFinding("E047", f"audio file '{relative}' not found in assets/", (*helps,))
        return self._broken(f"audio file '{relative}'", path)

    # -- helpers -------------------------------------------------------------------------------

    def _inside(self, relative: str) -> Path | None:
        """``root/relative``, or None for a path that would leave the assets folder."""
        pure = PurePosixPath(relative.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            return None
        return self.root.joinpath(*pure.parts)

    def _find(self, folder: str, name: str, suffixes: tuple[str, ...]) -> Path | None:
        for suffix in suffixes:
            path = self._inside(f"{folder}/{name}{suffix}")
            if path is not None and path.is_file():
                return path
        return None

    def _check_named(
        self, noun: str, folder: str, name: str, suffixes: tuple[str, ...]
    ) -> AssetFinding | None:
        path = self._find(folder, name, suffixes)
        if path is not None:
            return self._broken(f"{noun} '{name}'", path)
        wanted = ", ".join(f"{name}{suffix}" for suffix in suffixes[:-1])
        message = f"{noun} '{name}' not found: assets/{folder}/ has no {wanted} or {name}"
        message += suffixes[-1]
        names = self._names_in(folder, suffixes)
        stem, dot, extension = name.rpartition(".")
        helps: list[str] = []
        if dot and f".{extension}" in suffixes and stem in names:
            helps.append(f"name the {noun} without its extension: '{stem}'")
        helps = helps or did_you_mean(name, names)
        if not helps and names and len(names) <= _MAX_LISTED:
            helps.append(f"known {noun}s: {', '.join(names)}")
        if not helps:
            helps.append(f"add the file to assets/{folder}/")
        return AssetFinding("E047", message, (*helps,))

    def _broken(self, what: str, path: Path) -> AssetFinding | None:
        problem = self.problem(path)
        if problem is None:
            return None
        shown = "assets/" + path.relative_to(self.root).as_posix()
        return AssetFinding("E048", f"{what} is broken: {shown} {problem}", (_REBUILD,))

    def _names_in(self, folder: str, suffixes: tuple[str, ...]) -> tuple[str, ...]:
        if folder not in self._names:
            base = self.root / folder
            found = {
                child.name[: -len(child.suffix)]
                for child in (sorted(base.iterdir()) if base.is_dir() else [])
                if child.suffix in suffixes and child.is_file()
            }
            self._names[folder] = tuple(sorted(found))
        return self._names[folder]

    def _audio_files(self) -> tuple[str, ...]:
        if self._audio is None:
            found: list[str] = []
            for path in self.root.rglob("*"):
                if len(found) >= _MAX_SCANNED:
                    found = []
                    break
                if path.suffix in AUDIO_SUFFIXES and path.is_file():
                    found.append(path.relative_to(self.root).as_posix())
            self._audio = tuple(sorted(found))
        return self._audio


# -- cheap header checks ---------------------------------------------------------------------


def file_problem(path: Path) -> str | None:
    """Why an asset file is unusable ('is empty', 'is not a WAV file...'), or None.

    Reads only the header (a glTF's JSON is parsed whole); never raises for a bad file.
    """
    try:
        size = path.stat().st_size
        if size == 0:
            return "is empty"
        checks = {
            ".wav": _wav_problem,
            ".ogg": _ogg_problem,
            ".egg": _egg_problem,
            ".bam": _bam_problem,
            ".gltf": _gltf_problem,
            ".glb": _glb_problem,
        }
        check = checks.get(path.suffix.lower())
        return None if check is None else check(path, size)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"


def _head(path: Path, count: int) -> bytes:
    with path.open("rb") as stream:
        return stream.read(count)


def _wav_problem(path: Path, size: int) -> str | None:
    head = _head(path, 12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return "is not a WAV file (no RIFF/WAVE header)"
    try:
        with wave.open(str(path), "rb") as reader:
            frames = reader.getnframes()
            frame_bytes = reader.getnchannels() * reader.getsampwidth()
    except (wave.Error, EOFError, struct.error) as error:
        return f"is not a PCM WAV file ({error or 'cut short'})"
    if frames == 0:
        return "holds no sound (0 frames)"
    if frames * frame_bytes > size:
        return "is cut short (its header promises more sound than the file holds)"
    return None


def _ogg_problem(path: Path, size: int) -> str | None:
    head = _head(path, 128)
    if not head.startswith(b"OggS"):
        return "is not an Ogg file (no 'OggS' header)"
    if b"\x01vorbis" not in head and b"OpusHead" not in head:
        return "is an Ogg file without Vorbis or Opus sound"
    return None


def _egg_problem(path: Path, size: int) -> str | None:
    head = _head(path, 4096)
    if b"\x00" in head:
        return "is not an egg file (it is binary, not text)"
    lines = head.decode("utf-8", errors="replace").splitlines()
    first = next((s.strip() for s in lines if s.strip() and not s.strip().startswith("//")), "")
    if not first.startswith("<"):
        return "is not an egg file (it does not start with an <Entry>)"
    return None


def _bam_problem(path: Path, size: int) -> str | None:
    if _head(path, len(_BAM_MAGIC)) != _BAM_MAGIC:
        return "is not a Panda3D .bam file (wrong header)"
    return None


def _gltf_problem(path: Path, size: int) -> str | None:
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        return f"is not glTF JSON ({type(error).__name__})"
    asset = document.get("asset") if isinstance(document, dict) else None
    if not isinstance(asset, dict) or not isinstance(asset.get("version"), str):
        return "is not a glTF file (no asset.version)"
    return None


def _glb_problem(path: Path, size: int) -> str | None:
    head = _head(path, 12)
    if len(head) < 12 or head[:4] != b"glTF":
        return "is not a binary glTF file (no 'glTF' header)"
    version, length = struct.unpack("<II", head[4:12])
    if version != 2:
        return f"is glTF version {version}; only version 2 loads"
    if length != size:
        return f"is cut short or padded ({size} bytes, its header says {length})"
    return None
