"""Events the story machine hands to its host (text player, scene director, seminar room)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.content.program import EnvironmentSpec

__all__ = [
    "ChoiceOffer",
    "ChoicesEvent",
    "CommandEvent",
    "EndEvent",
    "LineEvent",
    "SceneEvent",
    "StoryEvent",
]


@dataclass(frozen=True)
class SceneEvent:
    """The story entered a scene (the 3D director changes the environment)."""

    scene: str
    environment: EnvironmentSpec | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineEvent:
    line_id: str
    text: str
    speaker: str | None = None
    speaker_name: str | None = None
    tags: tuple[str, ...] = ()
    audio: str | None = None


@dataclass(frozen=True)
class ChoiceOffer:
    index: int  # what to pass to choose()
    option_id: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChoicesEvent:
    options: tuple[ChoiceOffer, ...]


@dataclass(frozen=True)
class CommandEvent:
    name: str
    args: Mapping[str, bool | int | float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class EndEvent:
    ending: str | None  # None: the story could not go on (a choice ran out of options)
    title: str


StoryEvent = SceneEvent | LineEvent | ChoicesEvent | CommandEvent | EndEvent
