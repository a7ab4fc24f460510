"""Which parts of a story's state can still matter at each place in it (a liveness analysis).

The play-through tester deduplicates states by (position, variables). Two states that differ
only in a variable nobody reads again behave the same from then on, so the key keeps only the
*live* facts at the position: variables some future step may read before overwriting them,
once-only options whose choice may come round again, and visit counts some future
``visited()``/``visit_count()`` may ask about. Without this, a flag set in chapter one and read
at the very end would multiply every state in between; with it, the tester scales with what
the story can still tell apart.

The analysis is the textbook backwards data-flow fixed point over the program's operations,
with bit sets as Python integers. Control flow between scenes is over-approximated (a scene's
end returns to every place that calls it), which only ever keeps more facts, never fewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from engine.content.expressions import (
    SCENE_FUNCTIONS,
    Binary,
    Call,
    Expr,
    Unary,
    expression_literals,
    expression_names,
)
from engine.content.program import (
    BranchOp,
    CallOp,
    ChoiceOp,
    EndOp,
    GotoOp,
    JumpOp,
    LineOp,
    Program,
    RandomOp,
    ReturnOp,
    SetOp,
)
from engine.text.templates import is_template

__all__ = ["Relevance", "StatePart", "relevance", "template_names"]

Node = tuple[str, int]


@dataclass(frozen=True)
class StatePart:
    """The facts that can still matter at one place: the key of a deduplicated state."""

    variables: tuple[str, ...]
    options: tuple[str, ...]  # once-only option ids whose choice may be offered again
    visits: tuple[str, ...]  # scenes whose visit count may still be asked about


@dataclass(frozen=True)
class Relevance:
    parts: dict[Node, StatePart]
    visit_cap: int  # visit counts above this behave the same for every comparison written
    has_random: bool

    def at(self, scene: str, pc: int) -> StatePart:
        return self.parts.get((scene, max(pc, 0)), _EVERYTHING)


_EVERYTHING = StatePart((), (), ())


_MARKUP = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def template_names(text: str, variables: Iterable[str]) -> set[str]:
    """Variables a line template may read: every variable named inside its markup (a word in
    a quoted string counts too; reading more than needed is safe, fewer would not be)."""
    if not is_template(text):
        return set()
    words: set[str] = set()
    for markup in _MARKUP.findall(text):
        words.update(_WORD.findall(markup))
    return words & set(variables)


def _numbers(expr: Expr) -> Iterator[float]:
    for literal in expression_literals(expr):
        value = literal.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            yield value


_EXACT = 1 << 30  # visit counts used in arithmetic or stored in variables are kept exact
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})


def _visit_cap(expr: Expr, stored: bool = False) -> int:
    """One more than the largest number compared with a visit count (1 for ``visited()``)."""
    if not any(is_scene for is_scene, _ in expression_names(expr)):
        return 1
    if stored or _counts_in_arithmetic(expr):
        return _EXACT
    return max((int(abs(n)) + 1 for n in _numbers(expr)), default=1)


def _counts_in_arithmetic(expr: Expr) -> bool:
    if isinstance(expr, Binary):
        if expr.op in _ARITHMETIC and any(s for s, _ in expression_names(expr)):
            return True
        return _counts_in_arithmetic(expr.left) or _counts_in_arithmetic(expr.right)
    if isinstance(expr, Unary):
        return _counts_in_arithmetic(expr.operand)
    if isinstance(expr, Call):
        if expr.function not in SCENE_FUNCTIONS and any(s for s, _ in expression_names(expr)):
            return True  # min/max/abs of a count
        return any(_counts_in_arithmetic(arg) for arg in expr.args)
    return False


class _Facts:
    """Bit numbers for variables, once-only options and visited scenes."""

    def __init__(self, program: Program) -> None:
        self.bits: dict[tuple[str, str], int] = {}
        for name in program.variables:
            self.bit("var", name)

    def bit(self, kind: str, name: str) -> int:
        key = (kind, name)
        if key not in self.bits:
            self.bits[key] = len(self.bits)
        return 1 << self.bits[key]

    def expr(self, expr: Expr) -> int:
        mask = 0
        for is_scene, name in expression_names(expr):
            mask |= self.bit("visit" if is_scene else "var", name)
        return mask

    def text(self, text: str, variables: Iterable[str]) -> int:
        mask = 0
        for name in template_names(text, variables):
            mask |= self.bit("var", name)
        return mask


def relevance(program: Program) -> Relevance:
    facts = _Facts(program)
    variables = frozenset(program.variables)
    callers: dict[str, list[Node]] = {}
    for scene in program.scenes.values():
        for pc, op in enumerate(scene.ops):
            if isinstance(op, CallOp):
                callers.setdefault(op.scene, []).append((scene.id, pc + 1))
    successors: dict[Node, list[Node]] = {}
    uses: dict[Node, int] = {}
    picks: dict[Node, int] = {}  # once-only options a choice may add to the picked set
    sets: dict[Node, SetOp] = {}
    cap = 1
    has_random = False
    for scene in program.scenes.values():
        ends = callers.get(scene.id, [])
        for pc in range(len(scene.ops) + 1):
            node = (scene.id, pc)
            if pc == len(scene.ops):
                successors[node] = list(ends)
                uses[node] = 0
                continue
            op = scene.ops[pc]
            mask = 0
            nexts: list[Node] = []
            if isinstance(op, LineOp):
                mask = facts.text(op.text, variables)
                nexts = [(scene.id, pc + 1)]
            elif isinstance(op, BranchOp):
                mask = facts.expr(op.condition.expr)
                nexts = [(scene.id, pc + 1), (scene.id, op.target)]
                cap = max(cap, _visit_cap(op.condition.expr))
            elif isinstance(op, GotoOp):
                nexts = [(scene.id, op.target)]
            elif isinstance(op, RandomOp):
                has_random = True
                nexts = [(scene.id, t) for t in op.targets]
            elif isinstance(op, ChoiceOp):
                for option in op.options:
                    if option.condition is not None:
                        mask |= facts.expr(option.condition.expr)
                        cap = max(cap, _visit_cap(option.condition.expr))
                    mask |= facts.text(option.text, variables)
                    if not option.sticky and not option.fallback:
                        bit = facts.bit("option", option.option_id)
                        mask |= bit
                        picks[node] = picks.get(node, 0) | bit
                    nexts.append((scene.id, option.target))
            elif isinstance(op, (JumpOp, CallOp)):
                nexts = [(op.scene, 0)] if op.scene in program.scenes else []
            elif isinstance(op, ReturnOp):
                nexts = list(ends)
            elif isinstance(op, EndOp):
                nexts = []
            elif isinstance(op, SetOp):
                sets[node] = op
                for _, value in op.assignments:
                    cap = max(cap, _visit_cap(value.expr, stored=True))
                nexts = [(scene.id, pc + 1)]
            else:  # CommandOp
                nexts = [(scene.id, pc + 1)]
            successors[node] = nexts
            uses[node] = mask
    live = _fixed_point(successors, uses, sets, facts)
    every_option = 0
    for kind, name in facts.bits:
        if kind == "option":
            every_option |= facts.bit(kind, name)
    picked_before = _forward(successors, picks)
    names = {bit: key for key, bit in facts.bits.items()}
    parts: dict[Node, StatePart] = {}
    cache: dict[int, StatePart] = {}
    for node, mask in live.items():
        # A once-only option matters only where it may already have been picked.
        # Variables a later template reads stay in the key too: a line that fails for one of
        # their values must be met with that value, not merged away.
        mask &= ~(every_option & ~picked_before.get(node, 0))
        part = cache.get(mask)
        if part is None:
            keys = [names[b] for b in range(len(names)) if mask >> b & 1]
            part = StatePart(
                tuple(n for kind, n in keys if kind == "var"),
                tuple(n for kind, n in keys if kind == "option"),
                tuple(n for kind, n in keys if kind == "visit"),
            )
            cache[mask] = part
        parts[node] = part
    return Relevance(parts, cap, has_random)


def _forward(successors: dict[Node, list[Node]], picks: dict[Node, int]) -> dict[Node, int]:
    """Options that may have been picked on some path before each place (a forward union),
    swept in reverse postorder so a story without loops settles in one pass."""
    before: dict[Node, int] = dict.fromkeys(successors, 0)
    order = _reverse_postorder(successors)
    changed = True
    while changed:
        changed = False
        for node in order:
            out = before[node] | picks.get(node, 0)
            if not out:
                continue
            for target in successors[node]:
                if target in before and out & ~before[target]:
                    before[target] |= out
                    changed = True
    return before


def _reverse_postorder(successors: dict[Node, list[Node]]) -> list[Node]:
    seen: set[Node] = set()
    order: list[Node] = []
    for root in successors:
        if root in seen:
            continue
        seen.add(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child in successors and child not in seen:
                    seen.add(child)
                    work.append((child, iter(successors[child])))
                    break
            else:
                work.pop()
                order.append(node)
    order.reverse()
    return order


def _fixed_point(
    successors: dict[Node, list[Node]],
    uses: dict[Node, int],
    sets: dict[Node, SetOp],
    facts: _Facts,
) -> dict[Node, int]:
    predecessors: dict[Node, list[Node]] = {node: [] for node in successors}
    for node, nexts in successors.items():
        for target in nexts:
            if target in predecessors:
                predecessors[target].append(node)
    live = dict.fromkeys(successors, 0)
    pending = list(successors)
    queued = set(pending)
    while pending:
        node = pending.pop()
        queued.discard(node)
        out = 0
        for target in successors[node]:
            out |= live.get(target, 0)
        op = sets.get(node)
        if op is not None:
            for name, value in reversed(op.assignments):
                out = (out & ~facts.bit("var", name)) | facts.expr(value.expr)
        result = out | uses[node]
        if result != live[node]:
            live[node] = result
            for previous in predecessors[node]:
                if previous not in queued:
                    queued.add(previous)
                    pending.append(previous)
    return live
