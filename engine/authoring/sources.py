"""What the authoring tools read: a story file compiled to a Program, whatever its kind.

Every tool works on :class:`StorySource` results, so a new kind of content (lessons) plugs in
by adding one compiler to :data:`COMPILERS` that returns a Program (or diagnostics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.content.compiler import compile_narrative
from engine.content.diagnostics import Diagnostic
from engine.content.program import Program

__all__ = ["COMPILERS", "StorySource", "load_story"]


@dataclass(frozen=True)
class StorySource:
    kind: str  # "narrative" (lessons plug in here)
    program: Program | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    draft: Program | None = None  # built despite errors: to draw, never to play

    @property
    def drawable(self) -> Program | None:
        return self.program if self.program is not None else self.draft


def _narrative(path: Path, display: str) -> StorySource:
    result = compile_narrative(path, display)
    return StorySource("narrative", result.program, result.diagnostics, result.files, result.draft)


# (kind, does this file hold it?, compile it). The first match wins; narratives come last.
COMPILERS: list[tuple[str, Callable[[Path], bool], Callable[[Path, str], StorySource]]] = [
    ("narrative", lambda path: True, _narrative),
]


def load_story(path: Path | str) -> StorySource:
    """Compile ``path`` with the first compiler that claims it (never raises for content)."""
    file = Path(path)
    for _kind, claims, compile_ in COMPILERS:
        if claims(file):
            return compile_(file, str(path))
    return _narrative(file, str(path))  # unreachable while narratives claim everything
