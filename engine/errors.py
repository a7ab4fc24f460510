"""The engine's exception tree.

Author mistakes in YAML are never exceptions: the compiler returns them as diagnostics. An
exception means a bug in the engine or a misuse of its API by host code::

    EngineError
    ├── StoryError            the story machine was driven wrongly (choose() with no choices...)
    │   └── SaveError         a saved state that cannot be loaded into this program
    ├── ContentError          a host asked for content that failed to compile (carries diagnostics)
    ├── TemplateRenderError   a line template failed at run time (bounded output, sandbox)
    ├── ProfileError          a learner profile's nickname or colour is not acceptable
    ├── NarrationError        'glowgrove narrate' could not speak (espeak-ng missing or failing)
    ├── LessonError           a lesson run was driven wrongly (answer() with nothing to answer...)
    │   └── LessonSaveError   a saved lesson state that cannot be loaded into this lesson
    ├── RecordsError          learning records cannot be stored, exported or read
    └── SeminarError          a seminar session refused an action (room rule, store, join)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.content.diagnostics import Diagnostic

__all__ = [
    "ContentError",
    "EngineError",
    "LessonError",
    "LessonSaveError",
    "NarrationError",
    "ProfileError",
    "RecordsError",
    "SaveError",
    "SeminarError",
    "StoryError",
    "TemplateRenderError",
]


class EngineError(Exception):
    """Root of every exception the engine raises on purpose."""


class StoryError(EngineError):
    """The story machine was asked for something its current state does not allow."""


class SaveError(StoryError):
    """A saved story state is malformed or belongs to another program."""


class ContentError(EngineError):
    """Content failed to compile; the diagnostics say why."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


class TemplateRenderError(EngineError):
    """A line template could not be rendered (sandbox refusal, output cap, bad value)."""


class ProfileError(EngineError):
    """A learner profile cannot be made or stored as asked (nickname, colour, id)."""


class NarrationError(EngineError):
    """Narration audio could not be made: espeak-ng is missing, or it failed on a line."""


class LessonError(EngineError):
    """A lesson run was asked for something its current state does not allow."""


class LessonSaveError(LessonError):
    """A saved lesson state is malformed or belongs to another lesson."""


class RecordsError(EngineError):
    """Learning records cannot be stored, exported or read as asked."""


class SeminarError(EngineError):
    """A seminar session could not do what was asked (a room rule, a failed join, the store)."""
