"""``glowgrove narrate``: every line of a narrative spoken into a WAV file, cached.

Files land in ``assets/narration/<narrative id>/<line id>.wav`` next to a ``manifest.json``
that records, per line, a hash of the words and the voice settings. A second run speaks only
lines whose words or voice changed, and removes files of lines that are gone.

Which lines are spoken: every ``say`` line without its own ``audio:`` (that file wins at play
time). Lines with a template (``{{ }}`` or ``{% %}``) are skipped and listed: their words
change during play, and narration that reads the defaults would contradict the caption.

Voices: a character's ``voice`` hint when espeak-ng has that voice (``en-gb``, ``en-us+f3``),
otherwise the default voice with a small pitch shift of its own so speakers stay
distinguishable. The narrator uses the default voice. Children listen, so speech is slower
than espeak's 175 words a minute: 125 for an audience starting under 8, 140 under 12 (and
when the narrative gives no age range), 160 otherwise. Characters whose role or tags say
child, kid or young speak a little higher.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.audio.espeak import Espeak, SpeechSettings
from engine.content.assets import file_problem
from engine.content.program import CharacterSpec, LineOp, Program
from engine.errors import NarrationError
from engine.text.templates import is_template

__all__ = [
    "DEFAULT_VOICE",
    "MANIFEST",
    "NarrationIndex",
    "NarrationReport",
    "narrate",
    "narration_folder",
    "speaking_rate",
    "text_digest",
]

DEFAULT_VOICE = "en-us"
MANIFEST = "manifest.json"
_FORMAT = 1
_CHILD_WORDS = ("child", "kid", "young")


def narration_folder(assets: Path, program: Program) -> Path:
    """Where a program's narration lives: ``assets/narration/<narrative id>/``."""
    name = program.id or (Path(program.files[0]).stem if program.files else "narrative")
    return assets / "narration" / name


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def speaking_rate(age_range: tuple[int, int] | None) -> int:
    youngest = age_range[0] if age_range is not None else 8
    if youngest < 8:
        return 125
    return 140 if youngest < 12 else 160


@dataclass(frozen=True)
class _Line:
    line_id: str
    text: str
    speech: SpeechSettings

    @property
    def digest(self) -> str:
        settings = [self.text, self.speech.voice, self.speech.rate, self.speech.pitch]
        return hashlib.sha256(json.dumps(settings).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class NarrationReport:
    folder: Path
    made: tuple[str, ...]
    kept: tuple[str, ...]
    removed: tuple[str, ...]
    templates: tuple[str, ...]  # line ids skipped because their words change during play
    explicit: tuple[str, ...]  # line ids with their own 'audio:'
    unknown_voices: dict[str, str] = field(default_factory=dict)  # character -> hint

    def summary(self) -> str:
        parts = [
            f"narration in {self.folder}: {len(self.made)} made, {len(self.kept)} unchanged, "
            f"{len(self.removed)} removed"
        ]
        if self.explicit:
            parts.append(f"{len(self.explicit)} line(s) have their own 'audio:' and were skipped")
        if self.templates:
            shown = ", ".join(self.templates[:8]) + (" ..." if len(self.templates) > 8 else "")
            parts.append(
                f"{len(self.templates)} line(s) with templates were skipped (their words change "
                f"during play; they are captions only): {shown}"
            )
        for character, hint in sorted(self.unknown_voices.items()):
            parts.append(
                f"character '{character}': espeak-ng has no voice '{hint}'; used {DEFAULT_VOICE}"
            )
        return "\n".join(parts)


def _voice_for(
    character: CharacterSpec | None, espeak: Espeak, default_voice: str, rate: int
) -> tuple[SpeechSettings, bool]:
    """The speech settings for a speaker, and whether a voice hint had to be replaced."""
    if character is None:
        return SpeechSettings(default_voice, rate, 50), False
    words = " ".join((character.role or "", *character.tags)).lower()
    pitch = 50 + (15 if any(word in words for word in _CHILD_WORDS) else 0)
    if character.voice is not None and espeak.knows(character.voice):
        return SpeechSettings(character.voice, rate, pitch), False
    # No usable hint: the default voice, shifted by a stable amount so speakers differ.
    shift = int(hashlib.sha256(character.id.encode("utf-8")).hexdigest(), 16) % 17 - 8
    return SpeechSettings(default_voice, rate, pitch + shift), character.voice is not None


def narrate(
    program: Program,
    assets: Path,
    espeak: Espeak | None = None,
    default_voice: str = DEFAULT_VOICE,
    workers: int | None = None,
) -> NarrationReport:
    """Speak every narratable line of ``program`` into ``assets/narration/<id>/``."""
    speaker = espeak or Espeak()
    if not speaker.knows(default_voice):
        raise NarrationError(f"espeak-ng has no voice '{default_voice}'")
    rate = speaking_rate(program.age_range)
    folder = narration_folder(assets, program)
    lines: list[_Line] = []
    templates: list[str] = []
    explicit: list[str] = []
    unknown: dict[str, str] = {}
    for scene in program.scenes.values():
        for op in scene.ops:
            if not isinstance(op, LineOp):
                continue
            if op.audio is not None:
                explicit.append(op.line_id)
                continue
            if is_template(op.text):
                templates.append(op.line_id)
                continue
            if not op.text.strip():
                continue  # nothing to say
            character = program.characters.get(op.speaker) if op.speaker else None
            speech, replaced = _voice_for(character, speaker, default_voice, rate)
            if replaced and character is not None and character.voice is not None:
                unknown[character.id] = character.voice
            lines.append(_Line(op.line_id, op.text, speech))
    old = _read_manifest(folder)
    wanted = {line.line_id: line for line in lines}
    to_make = [
        line
        for line in lines
        if old.get(line.line_id, {}).get("hash") != line.digest
        or file_problem(folder / f"{line.line_id}.wav") is not None
    ]
    folder.mkdir(parents=True, exist_ok=True)
    made, failure = _speak_all(speaker, folder, to_make, workers or os.cpu_count() or 2)
    removed = sorted(line_id for line_id in old if line_id not in wanted)
    for line_id in removed:
        (folder / f"{line_id}.wav").unlink(missing_ok=True)
    # Lines that failed stay out of the manifest, so the next run tries them again.
    failed = {line.line_id for line in to_make} - made
    _write_manifest(
        folder, program, speaker.version, [line for line in lines if line.line_id not in failed]
    )
    if failure is not None:
        raise failure
    return NarrationReport(
        folder,
        tuple(line.line_id for line in lines if line.line_id in made),
        tuple(line.line_id for line in lines if line.line_id not in made),
        tuple(removed),
        tuple(templates),
        tuple(explicit),
        unknown,
    )


def _speak_all(
    speaker: Espeak, folder: Path, lines: list[_Line], workers: int
) -> tuple[set[str], NarrationError | None]:
    """Speak ``lines`` in parallel; return the ids made and the first failure, if any."""

    def speak(line: _Line) -> None:
        speaker.speak(line.text, line.speech, folder / f"{line.line_id}.wav")

    made: set[str] = set()
    failure: NarrationError | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [(pool.submit(speak, line), line) for line in lines]
        for future, line in futures:
            try:
                future.result()
                made.add(line.line_id)
            except NarrationError as error:
                failure = failure or error
    return made, failure


def _read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return {}
    lines = document.get("lines")
    if not isinstance(lines, dict):
        return {}
    return {str(k): v for k, v in lines.items() if isinstance(v, dict)}


def _write_manifest(folder: Path, program: Program, version: str, lines: list[_Line]) -> None:
    document = {
        "format": _FORMAT,
        "narrative": program.id,
        "made_by": version,
        "lines": {
            line.line_id: {
                "file": f"{line.line_id}.wav",
                "hash": line.digest,
                "text": text_digest(line.text),
                "voice": line.speech.voice,
                "rate": line.speech.rate,
                "pitch": line.speech.pitch,
            }
            for line in lines
        },
    }
    temporary = folder / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)


@dataclass(frozen=True)
class NarrationIndex:
    """The generated narration of one program, as the player sees it (read once)."""

    folder: Path
    texts: dict[str, str]  # line id -> digest of the words it speaks

    @classmethod
    def load(cls, assets: Path, program: Program) -> NarrationIndex:
        folder = narration_folder(assets, program)
        lines = _read_manifest(folder)
        return cls(folder, {k: str(v.get("text", "")) for k, v in lines.items()})

    def find(self, line_id: str, text: str) -> tuple[Path | None, str | None]:
        """The file for a line, or None and why not (None, None: the line was never narrated)."""
        digest = self.texts.get(line_id)
        if digest is None:
            return None, None
        if digest != text_digest(text):
            return None, "is out of date (the line's words changed; run 'glowgrove narrate')"
        path = self.folder / f"{line_id}.wav"
        problem = file_problem(path) if path.exists() else "is missing"
        return (None, problem) if problem else (path, None)
