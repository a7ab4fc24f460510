"""Explore every choice path of a story, with states deduplicated, up to a bound.

A state is the story waiting at a choice. Its key is the call stack plus the facts that can
still matter there (see :mod:`engine.authoring.relevance`): two paths that reach the same key
have the same future, so only the first is expanded. A story with 40 two-way choices in a row
has 2**40 paths but only 40-odd states. The search is breadth-first, so the path kept to each
state (and each ending) is a shortest one.

The machine runs for real between choices: what it does is what a child would see. Nothing
here touches a display; the explorer is pure Python.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from engine.authoring.relevance import Relevance, relevance, template_names
from engine.content.program import ChoiceOp, LineOp, Program
from engine.errors import TemplateRenderError
from engine.story.events import ChoicesEvent, EndEvent, LineEvent, SceneEvent
from engine.story.machine import StoryMachine
from engine.text.templates import is_template, render_template

__all__ = [
    "DEFAULT_MAX_EVENTS",
    "DEFAULT_MAX_STATES",
    "Exploration",
    "TemplateFailure",
    "explore",
]

DEFAULT_MAX_STATES = 200_000
DEFAULT_MAX_EVENTS = 10_000  # between two choices; more is a loop that never asks anything

_TERMINAL = -1
Path = tuple[int, ...]  # 1-based choice numbers, as typed in the terminal player


@dataclass(frozen=True)
class TemplateFailure:
    kind: str  # "line" or "option"
    item_id: str
    scene: str
    message: str
    variables: tuple[tuple[str, object], ...]  # the values the template read
    path: Path


@dataclass
class Exploration:
    """What the search saw. Paths are the shortest choice sequences found."""

    states: int = 0  # distinct states found
    expanded: int = 0  # states whose choices were all tried
    transitions: int = 0
    complete: bool = True  # False: the state bound stopped the search
    endings: dict[str, Path] = field(default_factory=dict)
    stuck: dict[str, Path] = field(default_factory=dict)  # scene -> path: stopped, no ending
    runaway: dict[str, Path] = field(default_factory=dict)  # scene -> path: no choice, no end
    loops: list[tuple[tuple[str, ...], Path]] = field(default_factory=list)
    path_count: int | None = None  # distinct choice paths to a stop; None: infinite or unknown
    scenes_reached: set[str] = field(default_factory=set)
    options_offered: set[str] = field(default_factory=set)
    # (place, options offered) at each state kept: two states merged by the key must offer
    # the same options wherever they go, which the tests check against the exact search.
    situations: set[tuple[tuple[str, int], tuple[str, ...]]] = field(default_factory=set)
    template_failures: dict[tuple[str, str], TemplateFailure] = field(default_factory=dict)


@contextmanager
def _quiet_machine() -> Iterator[None]:
    """The machine logs each template it cannot render; the explorer reports them instead."""
    logger = logging.getLogger("engine.story.machine")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class _Templates:
    """Renders the reachable templates once per distinct set of values they read."""

    def __init__(self, program: Program) -> None:
        variables: dict[str, object] = dict.fromkeys(program.variables)
        self.lines: dict[str, tuple[str, tuple[str, ...], str]] = {}
        self.options: dict[str, tuple[str, tuple[str, ...], str]] = {}
        for scene in program.scenes.values():
            for op in scene.ops:
                if isinstance(op, LineOp) and is_template(op.text):
                    names = tuple(sorted(template_names(op.text, variables)))
                    self.lines[op.line_id] = (op.text, names, scene.id)
                elif isinstance(op, ChoiceOp):
                    for option in op.options:
                        if is_template(option.text):
                            names = tuple(sorted(template_names(option.text, variables)))
                            self.options[option.option_id] = (option.text, names, scene.id)
        self.seen: set[Hashable] = set()

    def check(
        self,
        kind: str,
        item_id: str,
        machine: StoryMachine,
        path: Callable[[], Path],
        found: Exploration,
    ) -> None:
        table = self.lines if kind == "line" else self.options
        entry = table.get(item_id)
        if entry is None:
            return
        text, names, scene = entry
        used = tuple((name, machine.value(name)) for name in names)
        key = (kind, item_id, used)
        if key in self.seen:
            return
        self.seen.add(key)
        try:
            render_template(text, machine.variables)
        except TemplateRenderError as error:
            found.template_failures.setdefault(
                (kind, item_id), TemplateFailure(kind, item_id, scene, str(error), used, path())
            )


class _Search:
    def __init__(
        self,
        program: Program,
        seed: int | None,
        max_states: int,
        max_events: int,
        reduce: bool = True,
        visit_limit: int | None = None,
    ) -> None:
        self.program = program
        self.reduce = reduce
        self.visit_limit = visit_limit
        self.seed = seed
        self.max_states = max_states
        self.max_events = max_events
        self.relevance: Relevance = relevance(program)
        self.templates = _Templates(program)
        self.found = Exploration()
        self.index: dict[Hashable, int] = {}
        self.parent: list[tuple[int, int]] = []  # state -> (parent state, 1-based choice)
        self.scene_of: list[str] = []
        self.successors: list[list[int]] = []

    def path_to(self, state: int) -> Path:
        choices: list[int] = []
        while state >= 0:
            parent, choice = self.parent[state]
            if parent >= 0 or choice:
                choices.append(choice)
            state = parent
        return tuple(reversed(choices))

    def key(self, machine: StoryMachine) -> Hashable:
        if not self.reduce:  # the whole state, exactly (the reference the tests compare with)
            data = machine.save()
            return (
                machine.stack,
                tuple(sorted(data["variables"].items())),
                tuple(data["picked"]),
                tuple(
                    (scene, count if self.visit_limit is None else min(count, self.visit_limit))
                    for scene, count in sorted(data["visits"].items())
                ),
                data["rng"],
            )
        stack = machine.stack
        scene, pc = stack[-1]
        part = self.relevance.at(scene, pc)
        cap = self.relevance.visit_cap
        value, has_picked = machine.value, machine.has_picked
        return (
            stack,
            tuple(value(name) for name in part.variables),
            tuple(has_picked(option) for option in part.options),
            tuple(min(machine.visit_count(s), cap) for s in part.visits),
            machine.rng_state if self.relevance.has_random else 0,
        )

    def path_after(self, state: int, choice: int) -> Path:
        return (*self.path_to(state), choice) if state >= 0 else ()

    def run(self, machine: StoryMachine, state: int, choice: int) -> tuple[str, object]:
        """Run to the next choice or end: ('choices', event), ('end', ending), ('stuck'|...)."""
        found = self.found
        scene = machine.scene

        def path() -> Path:
            return self.path_after(state, choice)

        for _ in range(self.max_events):
            event = machine.advance()
            if isinstance(event, SceneEvent):
                scene = event.scene
                found.scenes_reached.add(scene)
            elif isinstance(event, LineEvent):
                self.templates.check("line", event.line_id, machine, path, found)
            elif isinstance(event, ChoicesEvent):
                for offer in event.options:
                    found.options_offered.add(offer.option_id)
                    self.templates.check("option", offer.option_id, machine, path, found)
                return ("choices", event)
            elif isinstance(event, EndEvent):
                if event.ending is None:
                    return ("stuck", scene)
                return ("end", event.ending)
        return ("runaway", machine.scene or scene)

    def settle(
        self, machine: StoryMachine, outcome: tuple[str, object], parent: int, choice: int
    ) -> int | None:
        """The state id a transition leads to (new states are queued); None when terminal."""
        kind, detail = outcome
        if kind in ("end", "stuck", "runaway"):
            table = {
                "end": self.found.endings,
                "stuck": self.found.stuck,
                "runaway": self.found.runaway,
            }[kind]
            if str(detail) not in table:
                table[str(detail)] = self.path_after(parent, choice)
            return None
        key = self.key(machine)
        known = self.index.get(key)
        if known is not None:
            return known
        state = len(self.parent)
        self.index[key] = state
        assert isinstance(detail, ChoicesEvent)
        place = machine.stack[-1]
        self.found.situations.add((place, tuple(o.option_id for o in detail.options)))
        self.parent.append((parent, choice))
        self.scene_of.append(machine.scene)
        self.successors.append([])
        return state

    def search(self) -> Exploration:
        found = self.found
        start = StoryMachine(self.program, self.seed)
        start.render_text = False  # each template is rendered once per distinct input instead
        # Each queued state keeps the choices it stopped at, so they are not worked out twice.
        queue: deque[tuple[int, StoryMachine, ChoicesEvent]] = deque()
        opening = self.run(start, -1, 0)
        first = self.settle(start, opening, -1, 0)
        if first is not None:
            assert isinstance(opening[1], ChoicesEvent)
            queue.append((first, start, opening[1]))
        expanded = 0
        while queue:
            if expanded >= self.max_states:
                found.complete = False
                break
            state, machine, waiting = queue.popleft()
            expanded += 1
            offers = waiting.options
            last = len(offers) - 1
            for position, offer in enumerate(offers):
                # The state is not needed after its last option: that branch reuses it.
                branch = machine if position == last else machine.fork()
                branch.choose(offer.index)
                choice = offer.index + 1
                outcome = self.run(branch, state, choice)
                before = len(self.parent)
                target = self.settle(branch, outcome, state, choice)
                found.transitions += 1
                self.successors[state].append(_TERMINAL if target is None else target)
                if target is not None and target >= before:
                    assert isinstance(outcome[1], ChoicesEvent)
                    queue.append((target, branch, outcome[1]))
        found.states = len(self.parent)
        found.expanded = expanded
        if found.complete:
            found.loops = self.loops()
            found.path_count = self.count_paths() if first is not None else 1
        return found

    def count_paths(self) -> int | None:
        """Choice paths from the start to any stop, summed over the state graph (None when
        a cycle makes them infinite). Naive enumeration would walk each of them."""
        count = len(self.parent)
        paths: list[int | None] = [None] * count
        on_path = [False] * count
        for root in range(count - 1, -1, -1):
            if paths[root] is not None:
                continue
            work = [(root, 0)]
            on_path[root] = True
            while work:
                state, index = work[-1]
                targets = self.successors[state]
                if index < len(targets):
                    work[-1] = (state, index + 1)
                    target = targets[index]
                    if target == _TERMINAL or paths[target] is not None:
                        continue
                    if on_path[target]:
                        return None
                    on_path[target] = True
                    work.append((target, 0))
                    continue
                work.pop()
                on_path[state] = False
                total = 0
                for target in targets:
                    if target == _TERMINAL:
                        total += 1
                    else:
                        known = paths[target]
                        assert known is not None
                        total += known
                paths[state] = total
        return paths[0] if count else None

    def loops(self) -> list[tuple[tuple[str, ...], Path]]:
        """Groups of states from which no path reaches an end: the story loops forever there."""
        count = len(self.parent)
        predecessors: list[list[int]] = [[] for _ in range(count)]
        can_stop = [False] * count
        pending: list[int] = []
        for state, targets in enumerate(self.successors):
            for target in targets:
                if target == _TERMINAL:
                    if not can_stop[state]:
                        can_stop[state] = True
                        pending.append(state)
                else:
                    predecessors[target].append(state)
        while pending:
            for previous in predecessors[pending.pop()]:
                if not can_stop[previous]:
                    can_stop[previous] = True
                    pending.append(previous)
        trapped = [state for state in range(count) if not can_stop[state]]
        groups: dict[tuple[str, ...], int] = {}
        trapped_set = set(trapped)
        for state in trapped:
            parent = self.parent[state][0]
            if parent in trapped_set:
                continue  # report where a path first falls in, not every state inside
            scenes = self._scenes_after(state, trapped_set)
            groups.setdefault(scenes, state)
        return [(scenes, self.path_to(state)) for scenes, state in sorted(groups.items())]

    def _scenes_after(self, state: int, trapped: set[int]) -> tuple[str, ...]:
        seen = {state}
        pending = [state]
        while pending:
            for target in self.successors[pending.pop()]:
                if target in trapped and target not in seen:
                    seen.add(target)
                    pending.append(target)
        return tuple(sorted({self.scene_of[s] for s in seen}))


def explore(
    program: Program,
    seed: int | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    max_events: int = DEFAULT_MAX_EVENTS,
    *,
    reduce: bool = True,
    visit_limit: int | None = None,
) -> Exploration:
    """Explore the story's choices breadth-first, deduplicating states, up to ``max_states``.

    ``reduce=False`` keys states by everything in them (every variable, picked option and
    visit count, exactly, or up to ``visit_limit``): far more states, used by the tests as
    the reference."""
    with _quiet_machine():
        return _Search(program, seed, max_states, max_events, reduce, visit_limit).search()
