"""The story machine: runs a compiled Program, pulled one event at a time. Pure Python."""

from engine.story.events import (
    ChoiceOffer,
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
)
from engine.story.machine import StoryMachine, StoryStatus

__all__ = [
    "ChoiceOffer",
    "ChoicesEvent",
    "CommandEvent",
    "EndEvent",
    "LineEvent",
    "SceneEvent",
    "StoryEvent",
    "StoryMachine",
    "StoryStatus",
]
