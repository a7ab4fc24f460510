"""Find a choice path to each ending of a story: a breadth-first search over deduplicated
states (shortest paths) within a budget, then seeded random walks for endings it missed.

Used to play every ending of a narrative in tests, and by authoring tools.
"""

from __future__ import annotations

import json
import random
from collections import deque
from dataclasses import dataclass

from engine.content.program import Program
from engine.story.events import ChoicesEvent, EndEvent
from engine.story.machine import StoryMachine

__all__ = ["EndingPath", "paths_to_endings"]


@dataclass(frozen=True)
class EndingPath:
    ending: str | None
    choices: tuple[int, ...]  # 1-based, as typed in the terminal or --choices


def _run_to_choice(machine: StoryMachine, limit: int) -> ChoicesEvent | EndEvent | None:
    for _ in range(limit):
        event = machine.advance()
        if isinstance(event, (ChoicesEvent, EndEvent)):
            return event
    return None


def paths_to_endings(
    program: Program,
    seed: int | None = None,
    max_states: int = 3_000,
    walks: int = 3_000,
    max_events: int = 10_000,
) -> dict[str | None, EndingPath]:
    """A choice sequence reaching each ending found (None: a story that got stuck)."""
    found = _breadth_first(program, seed, max_states, max_events)
    rng = random.Random(seed)
    for _ in range(walks):
        if len([k for k in found if k is not None]) == len(program.endings):
            break
        ending, path = _random_walk(program, seed, rng, max_events)
        known = found.get(ending)
        if known is None or len(path) < len(known.choices):
            found[ending] = EndingPath(ending, path)
    return found


def _random_walk(
    program: Program, seed: int | None, rng: random.Random, max_events: int
) -> tuple[str | None, tuple[int, ...]]:
    machine = StoryMachine(program, seed)
    path: list[int] = []
    for _ in range(max_events):
        event = machine.advance()
        if isinstance(event, EndEvent):
            return event.ending, tuple(path)
        if isinstance(event, ChoicesEvent):
            pick = rng.randrange(len(event.options))
            path.append(pick + 1)
            machine.choose(pick)
    return None, tuple(path)


def _breadth_first(
    program: Program, seed: int | None, max_states: int, max_events: int
) -> dict[str | None, EndingPath]:
    found: dict[str | None, EndingPath] = {}
    start = StoryMachine(program, seed)
    queue: deque[tuple[str, tuple[int, ...]]] = deque([(json.dumps(start.save()), ())])
    seen: set[str] = set()
    while queue and len(seen) < max_states:
        state, path = queue.popleft()
        machine = StoryMachine.load(program, state)
        event = _run_to_choice(machine, max_events)
        if isinstance(event, EndEvent):
            found.setdefault(event.ending, EndingPath(event.ending, path))
            if len(found) == len(program.endings):
                break
            continue
        if event is None:
            continue
        key = json.dumps(machine.save(), sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        for index in range(len(event.options)):
            branch = StoryMachine.load(program, key)
            branch.choose(index)
            queue.append((json.dumps(branch.save()), (*path, index + 1)))
    return found
