"""Speaking text into WAV files with the espeak-ng command (Debian package ``espeak-ng``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.errors import NarrationError

__all__ = ["Espeak", "SpeechSettings"]

_OTHER_LANGUAGE = re.compile(r"\(([^\s()]+) \d+\)")
_TIMEOUT_S = 60


@dataclass(frozen=True)
class SpeechSettings:
    voice: str  # an espeak voice, optionally with a variant: "en-gb", "en-us+f3"
    rate: int  # words per minute (espeak's default is 175)
    pitch: int  # 0-99 (espeak's default is 50)


class Espeak:
    """One espeak-ng installation: its version, its voices, and a way to speak."""

    def __init__(self, binary: str | None = None) -> None:
        found = binary or shutil.which("espeak-ng")
        if found is None:
            raise NarrationError(
                "espeak-ng is not installed: run scripts/bootstrap, or 'apt-get install espeak-ng'"
            )
        self.binary = found
        self.version = self._run(["--version"]).split(" Data at:")[0].strip()
        self._voices = self._names(self._run(["--voices"]))
        self._variants = self._names(self._run(["--voices=variant"]))

    def _run(self, args: list[str]) -> str:
        try:
            done = subprocess.run(
                [self.binary, *args],
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise NarrationError(f"espeak-ng could not run: {error}") from error
        if done.returncode != 0:
            raise NarrationError(f"espeak-ng {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    @staticmethod
    def _names(listing: str) -> frozenset[str]:
        """Every name a voice answers to: language code, voice name, file, other codes."""
        names: set[str] = set()
        for row in listing.splitlines()[1:]:
            fields = row.split()
            if len(fields) < 5:
                continue
            language, voice_name, file = fields[1], fields[3], fields[4]
            names |= {language, voice_name, file, file.rsplit("/", 1)[-1]}
            names |= set(_OTHER_LANGUAGE.findall(" ".join(fields[5:])))
        names.discard("variant")
        return frozenset(name.lower() for name in names)

    def knows(self, voice: str) -> bool:
        """Whether ``voice`` (``language`` or ``language+variant``) is installed."""
        language, _, variant = voice.lower().partition("+")
        if not language or language not in self._voices:
            return False
        return not variant or variant in self._variants

    def speak(self, text: str, settings: SpeechSettings, out: Path) -> None:
        """Write ``text`` spoken with ``settings`` to ``out`` (replaced atomically)."""
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".wav", dir=out.parent)
        os.close(handle)
        try:
            command = [
                self.binary,
                "-v",
                settings.voice,
                "-s",
                str(settings.rate),
                "-p",
                str(settings.pitch),
                "-w",
                temporary,
                "--stdin",  # the text never reaches the argument list (a leading '-' is text)
            ]
            try:
                done = subprocess.run(
                    command,
                    input=text,
                    capture_output=True,
                    text=True,
                    timeout=_TIMEOUT_S,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise NarrationError(f"espeak-ng could not run: {error}") from error
            if done.returncode != 0 or Path(temporary).stat().st_size <= 44:
                raise NarrationError(
                    f"espeak-ng made no sound for {out.name}: {done.stderr.strip() or 'no output'}"
                )
            os.replace(temporary, out)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
