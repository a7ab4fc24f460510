"""The small interface every kind of content implements to get the authoring tools.

A :class:`ContentKind` says which files it claims and how to turn one into what each tool
needs: a :class:`~engine.authoring.storymap.StoryGraph` for ``glowgrove map`` and a
:class:`PlayTestSummary` for ``glowgrove test`` (``glowgrove new`` has its own registry of
templates in :mod:`engine.authoring.scaffold`; ``glowgrove preview`` plays narratives).
Narratives and lessons are the two kinds (:func:`kinds`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.content.compiler import compile_narrative
from engine.content.diagnostics import Diagnostic
from engine.content.program import Program

if TYPE_CHECKING:
    from engine.authoring.storymap import StoryGraph

__all__ = [
    "ContentKind",
    "Drawing",
    "PlayTestOptions",
    "PlayTestRun",
    "PlayTestSummary",
    "StorySource",
    "kind_for",
    "kinds",
    "load_story",
]


class PlayTestSummary(Protocol):
    """What ``glowgrove test`` prints for one file."""

    @property
    def ok(self) -> bool: ...

    def render(self) -> str: ...

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PlayTestOptions:
    seed: int | None = None
    max_states: int | None = None
    record: bool = False  # write golden plans instead of replaying them


@dataclass(frozen=True)
class PlayTestRun:
    report: PlayTestSummary | None  # None: the file does not compile
    diagnostics: tuple[Diagnostic, ...]
    written: tuple[Path, ...] = ()  # plans recorded


@dataclass(frozen=True)
class Drawing:
    graph: StoryGraph | None  # drawn even for a broken file when possible
    diagnostics: tuple[Diagnostic, ...]
    ok: bool  # compiles without errors


@dataclass(frozen=True)
class ContentKind:
    name: str
    claims: Callable[[Path], bool]
    draw: Callable[[Path], Drawing]
    test: Callable[[Path, PlayTestOptions], PlayTestRun]


@dataclass(frozen=True)
class StorySource:
    """A compiled narrative (the preview plays these)."""

    kind: str
    program: Program | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    draft: Program | None = None  # built despite errors: to draw, never to play

    @property
    def drawable(self) -> Program | None:
        return self.program if self.program is not None else self.draft


def load_story(path: Path | str) -> StorySource:
    """Compile a narrative (never raises for content mistakes)."""
    result = compile_narrative(path, str(path))
    return StorySource("narrative", result.program, result.diagnostics, result.files, result.draft)


def _draw_narrative(path: Path) -> Drawing:
    from engine.authoring.storymap import story_graph

    story = load_story(path)
    program = story.drawable
    graph = story_graph(program, story.diagnostics) if program is not None else None
    return Drawing(graph, story.diagnostics, story.program is not None)


def _test_narrative(path: Path, options: PlayTestOptions) -> PlayTestRun:
    from engine.authoring.playtest import plan_files, play_test, record_plans

    story = load_story(path)
    if story.program is None:
        return PlayTestRun(None, story.diagnostics)
    report = play_test(
        story.program,
        str(path),
        seed=options.seed,
        max_states=options.max_states,
        plans=[] if options.record else plan_files(path),
    )
    written: tuple[Path, ...] = ()
    if options.record:
        written = tuple(record_plans(story.program, report, path, options.seed))
    return PlayTestRun(report, story.diagnostics, written)


NARRATIVE = ContentKind("narrative", lambda path: True, _draw_narrative, _test_narrative)


def kinds() -> list[ContentKind]:
    """The first kind that claims a file handles it; narratives claim everything, so they go
    last. Lessons (engine.learn) build on engine.content, so they are imported here, late."""
    from engine.authoring.lessons import LESSON

    return [LESSON, NARRATIVE]


def kind_for(path: Path) -> ContentKind:
    return next((kind for kind in kinds() if kind.claims(path)), NARRATIVE)
