"""Play a compiled story in the terminal: numbered choices, scripted or interactive."""

from __future__ import annotations

import json
import random
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from engine.content.program import Program
from engine.errors import SaveError
from engine.story import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
    StoryMachine,
)

__all__ = ["ChoicePolicy", "PlayOutcome", "format_event", "play"]

# Given the offered choices, return a 0-based index, or None when no more input exists.
ChoicePolicy = Callable[[ChoicesEvent], int | None]


@dataclass(frozen=True)
class PlayOutcome:
    ending: str | None
    reached_end: bool
    choices_made: int
    message: str = ""


def format_event(event: StoryEvent, width: int = 78) -> str:
    if isinstance(event, SceneEvent):
        return f"\n~~ {event.scene.replace('_', ' ')} ~~"
    if isinstance(event, LineEvent):
        prefix = f"{event.speaker_name}: " if event.speaker_name else ""
        return textwrap.fill(prefix + event.text, width=width, subsequent_indent="    ")
    if isinstance(event, ChoicesEvent):
        return "\n".join(f"  {offer.index + 1}) {offer.text}" for offer in event.options)
    if isinstance(event, CommandEvent):
        args = " ".join(f"{k}={v}" for k, v in event.args.items())
        return f"  [{event.name}{' ' + args if args else ''}]"
    return f"\n*** {event.title} ***"


def scripted(numbers: list[int]) -> Iterator[int]:
    yield from numbers


def play(
    program: Program,
    policy: ChoicePolicy,
    out: TextIO,
    *,
    seed: int | None = None,
    save_path: Path | None = None,
    max_events: int = 100_000,
) -> PlayOutcome:
    """Run the story to an ending, asking ``policy`` at each choice."""
    machine = StoryMachine(program, seed)
    if save_path is not None and save_path.exists():
        try:
            machine = StoryMachine.load(program, save_path.read_text(encoding="utf-8"))
            out.write(f"(resuming from {save_path})\n")
        except (SaveError, OSError) as error:
            out.write(f"(could not resume from {save_path}: {error}; starting over)\n")
    choices_made = 0
    for _ in range(max_events):
        if machine.status.value == "choosing":
            event: StoryEvent = machine.current_choices()
        else:
            event = machine.advance()
        out.write(format_event(event) + "\n")
        if isinstance(event, EndEvent):
            if save_path is not None:
                save_path.unlink(missing_ok=True)
            return PlayOutcome(event.ending, event.ending is not None, choices_made)
        if isinstance(event, ChoicesEvent):
            if save_path is not None:  # quitting at the prompt resumes at the same prompt
                save_path.write_text(json.dumps(machine.save()), encoding="utf-8")
            picked = policy(event)
            if picked is None:
                return PlayOutcome(None, False, choices_made, "input ended before an ending")
            machine.choose(picked)
            choices_made += 1
            out.write(f"> {event.options[picked].text}\n")
            if save_path is not None:
                save_path.write_text(json.dumps(machine.save()), encoding="utf-8")
    return PlayOutcome(None, False, choices_made, f"no ending after {max_events} events")


def random_policy(seed: int) -> ChoicePolicy:
    rng = random.Random(seed)

    def pick(event: ChoicesEvent) -> int:
        return rng.randrange(len(event.options))

    return pick


def first_policy(event: ChoicesEvent) -> int:
    return 0
