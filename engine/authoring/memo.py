"""Transitions the play-through search has already run, reused when the same facts are read.

Between two choices the story machine reads a few facts (a flag in a condition, whether an
option was picked, a visit count) and writes a few (variables set, scenes entered, options
picked). The machine is deterministic, so a transition from the same place with the same
option that reads the same values does the same writes and stops at the same place. The
first time, the machine runs for real inside a :class:`Trace` that notes each fact it reads
(in order) and what it wrote; the :class:`Memo` keeps that as a path in a tree of reads ending
in a :class:`Result`. Later transitions walk the tree reading their own values and, at a
leaf, apply the recorded writes: a dict lookup or two instead of a machine run.

A fact written earlier in the same transition is not noted when read again: its value
follows from the reads before it. Random steps read the generator's state, so in stories
that have them the generator's state is part of where a transition starts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from engine.content.expressions import Value
from engine.content.program import Program
from engine.story.machine import MachineParts, StoryMachine, StoryStatus

__all__ = ["Memo", "Outcome", "Result", "Snapshot", "Trace", "TracingMachine"]

Outcome = tuple[str, object]  # ("choices", ChoicesEvent) | ("end" | "stuck" | "runaway", name)

VARIABLE, PICKED, VISITS = 0, 1, 2
Read = tuple[int, str, Hashable]  # (kind, name, value in the state the transition started from)


class Snapshot:
    """A story waiting at a choice. Its containers are shared between states: never changed."""

    __slots__ = ("offered", "picked", "rng", "stack", "variables", "visits")

    def __init__(
        self,
        stack: tuple[tuple[str, int], ...],
        variables: dict[str, Value],
        visits: dict[str, int],
        picked: frozenset[str],
        rng: int,
        offered: tuple[int, ...],
    ) -> None:
        self.stack = stack
        self.variables = variables
        self.visits = visits
        self.picked = picked
        self.rng = rng
        self.offered = offered

    @classmethod
    def of(cls, machine: StoryMachine) -> Snapshot:
        parts = machine.parts()
        return cls(
            parts.stack,
            parts.variables,
            parts.visits,
            frozenset(parts.picked),
            parts.rng,
            parts.offered,
        )

    def parts(self) -> MachineParts:
        """Fresh containers for a machine to run from this state."""
        return MachineParts(
            self.stack,
            dict(self.variables),
            dict(self.visits),
            set(self.picked),
            self.rng,
            StoryStatus.CHOOSING,
            self.offered,
            None,
        )


class Result:
    """What a transition did: the writes to apply and where it stopped."""

    __slots__ = ("offered", "outcome", "picked", "rng", "stack", "terminal", "variables", "visits")

    def __init__(
        self,
        stack: tuple[tuple[str, int], ...],
        variables: dict[str, Value],
        visits: dict[str, int],
        picked: frozenset[str],
        rng: int,
        offered: tuple[int, ...],
        outcome: Outcome,
    ) -> None:
        self.stack = stack
        self.variables = variables  # final values of the variables written
        self.visits = visits  # scene -> how many more times it was entered
        self.picked = picked  # once-only options picked
        self.rng = rng
        self.offered = offered
        self.outcome = outcome
        self.terminal = outcome[0] != "choices"

    def apply(self, before: Snapshot) -> Snapshot:
        if self.terminal:
            return before  # the story stopped: nothing waits there
        variables = before.variables
        if self.variables:
            variables = {**variables, **self.variables}
        visits = before.visits
        if self.visits:
            visits = dict(visits)
            for scene, more in self.visits.items():
                visits[scene] = visits.get(scene, 0) + more
        picked = before.picked | self.picked if self.picked else before.picked
        return Snapshot(self.stack, variables, visits, picked, self.rng, self.offered)


class _Node:
    """Read one fact; go on by its value."""

    __slots__ = ("children", "kind", "name")

    def __init__(self, kind: int, name: str) -> None:
        self.kind = kind
        self.name = name
        self.children: dict[Hashable, _Node | Result] = {}


class _Variables(dict[str, Value]):
    __slots__ = ("trace",)

    trace: Trace

    def __getitem__(self, name: str) -> Value:
        value = dict.__getitem__(self, name)
        trace = self.trace
        if name not in trace.written:
            trace.note(VARIABLE, name, trace.before.variables[name])
        return value

    def __setitem__(self, name: str, value: Value) -> None:
        self.trace.written.add(name)
        dict.__setitem__(self, name, value)


class _Picked(set[str]):
    __slots__ = ("trace",)

    trace: Trace

    def __contains__(self, option: object) -> bool:
        trace = self.trace
        if isinstance(option, str) and option not in trace.picked:
            trace.note(PICKED, option, option in trace.before.picked)
        return set.__contains__(self, option)

    def add(self, option: str) -> None:
        self.trace.picked.add(option)
        set.add(self, option)


class _Visits(dict[str, int]):
    __slots__ = ("trace",)

    trace: Trace

    def __setitem__(self, scene: str, count: int) -> None:
        more = self.trace.visited
        more[scene] = more.get(scene, 0) + count - dict.get(self, scene, 0)
        dict.__setitem__(self, scene, count)


class TracingMachine(StoryMachine):
    """The story machine, noting the visit counts its conditions ask for."""

    trace: Trace

    @classmethod
    def traced(cls, program: Program, parts: MachineParts, trace: Trace) -> TracingMachine:
        machine = cls.__new__(cls)
        machine.trace = trace
        machine._adopt(program, parts)
        return machine

    def _visit_reader(self) -> Callable[[str], int]:
        visits, trace = self._visits, self.trace
        before = trace.before.visits

        def count(scene: str) -> int:
            trace.note(VISITS, scene, before.get(scene, 0))
            return visits.get(scene, 0)

        return count


class Trace:
    """One transition run for real, noting what it reads and writes."""

    def __init__(self, before: Snapshot) -> None:
        self.before = before
        self.reads: list[Read] = []
        self.noted: set[tuple[int, str]] = set()
        self.written: set[str] = set()
        self.picked: set[str] = set()
        self.visited: dict[str, int] = {}  # scene -> how many more times it was entered

    def note(self, kind: int, name: str, value: Hashable) -> None:
        fact = (kind, name)
        if fact not in self.noted:
            self.noted.add(fact)
            self.reads.append((kind, name, value))

    def machine(self, program: Program) -> TracingMachine:
        """A machine in the state the transition starts from, whose reads come here."""
        variables = _Variables(self.before.variables)
        variables.trace = self
        picked = _Picked(self.before.picked)
        picked.trace = self
        visits = _Visits(self.before.visits)
        visits.trace = self
        before = self.before
        parts = MachineParts(
            before.stack,
            variables,
            visits,
            picked,
            before.rng,
            StoryStatus.CHOOSING,
            before.offered,
            None,
        )
        return TracingMachine.traced(program, parts, self)

    def result(self, machine: StoryMachine, outcome: Outcome) -> Result:
        """What the machine did since :meth:`machine`, once it has stopped."""
        variables = {name: machine.value(name) for name in self.written}  # no new reads
        return Result(
            machine.stack,
            variables,
            {scene: more for scene, more in self.visited.items() if more},
            frozenset(self.picked),
            machine.rng_state,
            machine.offered,
            outcome,
        )


class Memo:
    """Transitions run so far, by where they started and the values they read."""

    def __init__(self, has_random: bool) -> None:
        self.has_random = has_random
        self.roots: dict[Hashable, _Node | Result] = {}
        self.runs = 0  # transitions run for real
        self.reused = 0

    def _root(self, before: Snapshot, option: int) -> Hashable:
        if self.has_random:
            return (before.stack, option, before.rng)
        return (before.stack, option)

    def lookup(self, before: Snapshot, option: int) -> Result | None:
        node = self.roots.get(self._root(before, option))
        while node is not None:
            if type(node) is Result:
                self.reused += 1
                return node
            assert isinstance(node, _Node)
            kind, name = node.kind, node.name
            if kind == VARIABLE:
                value: Hashable = before.variables[name]
            elif kind == PICKED:
                value = name in before.picked
            else:
                value = before.visits.get(name, 0)
            node = node.children.get(value)
        return None

    def insert(self, before: Snapshot, option: int, reads: list[Read], result: Result) -> None:
        self.runs += 1
        table: dict[Hashable, _Node | Result] = self.roots
        key: Hashable = self._root(before, option)
        for kind, name, value in reads:
            node = table.get(key)
            if node is None:
                node = table[key] = _Node(kind, name)
            if not isinstance(node, _Node) or (node.kind, node.name) != (kind, name):
                return  # not the reads recorded before: keep what is there (never seen)
            table, key = node.children, value
        table.setdefault(key, result)
