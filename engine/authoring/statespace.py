"""Explore every choice path of a story, with states deduplicated, up to a bound.

A state is the story waiting at a choice. Its key is the call stack plus the facts that can
still matter there (see :mod:`engine.authoring.relevance`): two paths that reach the same key
have the same future, so only the first is expanded. A story with 40 two-way choices in a row
has 2**40 paths but only 40-odd states. The search is breadth-first, so the path kept to each
state (and each ending) is a shortest one.

The machine runs for real between choices: what it does is what a child would see. A
transition taken again from the same place, reading the same values, reuses what the first
run did (see :mod:`engine.authoring.memo`), so the machine runs once per distinct situation,
not once per state. Nothing here touches a display; the explorer is pure Python.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from engine.authoring.memo import Memo, Outcome, Snapshot, Trace
from engine.authoring.relevance import Relevance, StatePart, relevance, template_names
from engine.collector import collector_paused
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
    machine_runs: int = 0  # transitions the machine ran for real (the rest came from the memo)
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


class _KeyMaker:
    """The deduplication key of a state: its call stack and the facts that can still matter
    where it waits (see :mod:`engine.authoring.relevance`)."""

    def __init__(self, relevance: Relevance) -> None:
        self.relevance = relevance
        self.parts: dict[tuple[str, int], tuple[StatePart, Callable[[Any], Any] | None]] = {}

    def key(self, state: Snapshot) -> Hashable:
        stack = state.stack
        place = stack[-1]
        known = self.parts.get(place)
        if known is None:
            part = self.relevance.at(*place)
            made: Callable[[Any], Any] | None = (
                itemgetter(*part.variables) if part.variables else None
            )
            known = self.parts[place] = (part, made)
        part, getter = known
        picked = state.picked
        cap = self.relevance.visit_cap
        visits = state.visits
        return (
            stack,
            getter(state.variables) if getter is not None else (),
            tuple(option in picked for option in part.options) if part.options else (),
            tuple(min(visits.get(s, 0), cap) for s in part.visits) if part.visits else (),
            state.rng if self.relevance.has_random else 0,
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
        memo: bool = True,
    ) -> None:
        self.program = program
        self.reduce = reduce
        self.visit_limit = visit_limit
        self.seed = seed
        self.max_states = max_states
        self.max_events = max_events
        self.relevance: Relevance = relevance(program)
        self.keys = _KeyMaker(self.relevance)
        self.templates = _Templates(program)
        self.memo = Memo(self.relevance.has_random) if memo else None
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

    def key(self, state: Snapshot) -> Hashable:
        if self.reduce:
            return self.keys.key(state)
        # The whole state, exactly (the reference the tests compare with).
        limit = self.visit_limit
        return (
            state.stack,
            tuple(sorted(state.variables.items())),
            tuple(sorted(state.picked)),
            tuple(
                (scene, count if limit is None else min(count, limit))
                for scene, count in sorted(state.visits.items())
            ),
            state.rng,
        )

    def path_after(self, state: int, choice: int) -> Path:
        return (*self.path_to(state), choice) if state >= 0 else ()

    def run(self, machine: StoryMachine, state: int, choice: int) -> Outcome:
        """Run to the next choice or end: ('choices', event), ('end', ending), ('stuck'|...)."""
        found = self.found
        scene = machine.scene

        def path() -> Path:
            return self.path_after(state, choice)

        for _ in range(self.max_events):
            event = machine.advance()
            kind = type(event)
            if kind is SceneEvent:
                assert isinstance(event, SceneEvent)
                scene = event.scene
                found.scenes_reached.add(scene)
            elif kind is LineEvent:
                assert isinstance(event, LineEvent)
                self.templates.check("line", event.line_id, machine, path, found)
            elif kind is ChoicesEvent:
                assert isinstance(event, ChoicesEvent)
                for offer in event.options:
                    found.options_offered.add(offer.option_id)
                    self.templates.check("option", offer.option_id, machine, path, found)
                return ("choices", event)
            elif kind is EndEvent:
                assert isinstance(event, EndEvent)
                if event.ending is None:
                    return ("stuck", scene)
                return ("end", event.ending)
        return ("runaway", machine.scene or scene)

    def step(self, before: Snapshot, position: int, state: int) -> tuple[Snapshot, Outcome]:
        """Take the offer at ``position`` in ``before``: the state after it and what it led to.
        A transition already seen with the same facts read gives its recorded result."""
        option = before.offered[position]
        memo = self.memo
        if memo is not None:
            known = memo.lookup(before, option)
            if known is not None:
                return known.apply(before), known.outcome
            trace = Trace(before)
            machine: StoryMachine = trace.machine(self.program)
        else:
            machine = StoryMachine.from_parts(self.program, before.parts())
        machine.render_text = False  # each template is rendered once per distinct input
        machine.choose(position)
        outcome = self.run(machine, state, position + 1)
        if memo is None:
            return Snapshot.of(machine), outcome
        result = trace.result(machine, outcome)
        memo.insert(before, option, trace.reads, result)
        return result.apply(before), outcome

    def settle(self, after: Snapshot, outcome: Outcome, parent: int, choice: int) -> int | None:
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
        key = self.key(after)
        known = self.index.get(key)
        if known is not None:
            return known
        state = len(self.parent)
        self.index[key] = state
        assert isinstance(detail, ChoicesEvent)
        place = after.stack[-1]
        self.found.situations.add((place, tuple(o.option_id for o in detail.options)))
        self.parent.append((parent, choice))
        self.scene_of.append(place[0])
        self.successors.append([])
        return state

    def search(self) -> Exploration:
        found = self.found
        start = StoryMachine(self.program, self.seed)
        start.render_text = False  # each template is rendered once per distinct input instead
        # Each queued state keeps the choices it stopped at, so they are not worked out twice.
        queue: deque[tuple[int, Snapshot, ChoicesEvent]] = deque()
        opening = self.run(start, -1, 0)
        first = self.settle(Snapshot.of(start), opening, -1, 0)
        if first is not None:
            assert isinstance(opening[1], ChoicesEvent)
            queue.append((first, Snapshot.of(start), opening[1]))
        expanded = 0
        while queue:
            if expanded >= self.max_states:
                found.complete = False
                break
            state, before, waiting = queue.popleft()
            expanded += 1
            for offer in waiting.options:
                after, outcome = self.step(before, offer.index, state)
                known = len(self.parent)
                target = self.settle(after, outcome, state, offer.index + 1)
                found.transitions += 1
                self.successors[state].append(_TERMINAL if target is None else target)
                if target is not None and target >= known:
                    assert isinstance(outcome[1], ChoicesEvent)
                    queue.append((target, after, outcome[1]))
        found.states = len(self.parent)
        found.expanded = expanded
        found.machine_runs = found.transitions if self.memo is None else self.memo.runs
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
    memo: bool = True,
) -> Exploration:
    """Explore the story's choices breadth-first, deduplicating states, up to ``max_states``.

    ``reduce=False`` keys states by everything in them (every variable, picked option and
    visit count, exactly, or up to ``visit_limit``): far more states, used by the tests as
    the reference. ``memo=False`` runs the machine for every transition instead of reusing
    one already run with the same facts read (the tests' reference for the memo)."""
    with _quiet_machine(), collector_paused():
        search = _Search(program, seed, max_states, max_events, reduce, visit_limit, memo)
        return search.search()
