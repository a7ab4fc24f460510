"""Whole-narrative checks over compiled scenes: reachability, dead ends, cycles with no exit,
and choices that can run out of options.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.content.diagnostics import Span
from engine.content.expressions import (
    EvalContext,
    Expr,
    evaluate,
    expression_literals,
    expression_names,
)
from engine.content.program import (
    BranchOp,
    CallOp,
    ChoiceOp,
    CommandOp,
    CompiledScene,
    EndOp,
    GotoOp,
    JumpOp,
    LineOp,
    RandomOp,
    ReturnOp,
    SetOp,
    VariableSpec,
)

__all__ = ["SceneFlow", "analyse", "scene_flow"]

Report = Callable[..., None]
_MAX_WITNESS_STATES = 20_000


@dataclass
class SceneFlow:
    """Where a scene's body can lead, from its first step."""

    jumps: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    ends: bool = False
    falls_through: bool = False
    choices: list[int] = field(default_factory=list)
    # Entries into other scenes: (target, True when only a once-only option leads there).
    entries: list[tuple[str, bool]] = field(default_factory=list)


def _once_only_ranges(ops: tuple[Any, ...]) -> list[tuple[int, int]]:
    """The pc ranges of once-only options' bodies (an option picked at most once)."""
    ranges = []
    for op in ops:
        if isinstance(op, ChoiceOp):
            starts = [option.target for option in op.options] + [op.after]
            for index, option in enumerate(op.options):
                if not option.sticky and not option.fallback:
                    ranges.append((starts[index], starts[index + 1]))
    return ranges


def scene_flow(scene: CompiledScene) -> SceneFlow:
    flow = SceneFlow()
    ops = scene.ops
    once_only = _once_only_ranges(ops)
    seen: set[int] = set()
    pending = [0]
    while pending:
        pc = pending.pop()
        if pc in seen:
            continue
        seen.add(pc)
        if pc >= len(ops):
            flow.falls_through = True
            continue
        op = ops[pc]
        if isinstance(op, (JumpOp, CallOp)):
            flow.entries.append((op.scene, any(a <= pc < b for a, b in once_only)))
        if isinstance(op, JumpOp):
            flow.jumps.add(op.scene)
        elif isinstance(op, EndOp):
            flow.ends = True
        elif isinstance(op, ReturnOp):
            flow.falls_through = True
        elif isinstance(op, GotoOp):
            pending.append(op.target)
        elif isinstance(op, BranchOp):
            pending.extend((pc + 1, op.target))
        elif isinstance(op, RandomOp):
            pending.extend(op.targets)
        elif isinstance(op, ChoiceOp):
            flow.choices.append(pc)
            pending.extend(option.target for option in op.options)
        else:
            if isinstance(op, CallOp):
                flow.calls.append(op.scene)
            pending.append(pc + 1)
    return flow


def _visits(start: str, flows: Mapping[str, SceneFlow]) -> dict[str, int]:
    """How often each scene can be entered: 0, 1, or 2 meaning 'more than once'.

    An entry through a once-only option counts once however often its scene is visited;
    any other jump or call counts as often as the scene it is in. Counts only grow and stop
    at 2, so a worklist settles in time linear in the number of jumps and calls.
    """
    visits = dict.fromkeys(flows, 0)
    totals = dict.fromkeys(flows, 0)
    sent = dict.fromkeys(flows, 0)  # the visit count already passed on to a scene's targets
    visits[start] = totals[start] = 1
    pending = [start]
    while pending:
        scene_id = pending.pop()
        before, now = sent[scene_id], visits[scene_id]
        if now == before:
            continue
        sent[scene_id] = now
        for target, once in flows[scene_id].entries:
            if target not in totals:
                continue
            totals[target] += (min(now, 1) - min(before, 1)) if once else (now - before)
            grown = min(totals[target], 2)
            if grown > visits[target]:
                visits[target] = grown
                pending.append(target)
    return visits


def analyse(
    *,
    start: str,
    scenes: Mapping[str, CompiledScene],
    variables: Mapping[str, VariableSpec],
    scene_spans: Mapping[str, Span],
    choice_spans: Mapping[tuple[str, int], Span],
    report: Report,
) -> None:
    flows = {scene_id: scene_flow(scene) for scene_id, scene in scenes.items()}
    edges = {
        scene_id: {s for s in flow.jumps | set(flow.calls) if s in scenes}
        for scene_id, flow in flows.items()
    }
    reachable = _reachable(start, edges)
    for scene_id in scenes:
        if scene_id not in reachable:
            report(
                "W050",
                f"scene '{scene_id}' can never be reached from the start scene '{start}'",
                scene_spans[scene_id],
                helps=["jump or call to it from another scene, or remove it"],
            )
    jumped_from: dict[str, list[str]] = {start: ["the start"]}
    call_sites: dict[str, int] = {}
    for scene_id in sorted(reachable):
        for target in sorted(flows[scene_id].jumps):
            jumped_from.setdefault(target, []).append(f"'{scene_id}'")
        for target in flows[scene_id].calls:
            call_sites[target] = call_sites.get(target, 0) + 1
    dead_ends: set[str] = set()
    for scene_id in sorted(reachable):
        if flows[scene_id].falls_through and scene_id in jumped_from:
            dead_ends.add(scene_id)
            report(
                "E040",
                f"scene '{scene_id}' can finish without going anywhere",
                scene_spans[scene_id],
                notes=[f"it is entered by a jump from {', '.join(jumped_from[scene_id][:3])}"],
                helps=[
                    "end its body with 'jump: SCENE' or 'end: ENDING', or enter it with 'call:'"
                ],
            )
    can_end = _can_end(flows, scenes)
    components = _strongly_connected(reachable, edges)
    cyclic: set[str] = set()
    for component in components:
        members = sorted(component)
        is_cycle = len(members) > 1 or members[0] in edges[members[0]]
        if not is_cycle:
            continue
        cyclic |= component
        if any(m in can_end or m in dead_ends for m in members):
            continue
        first = min(members, key=lambda m: (scene_spans[m].source.path, scene_spans[m].line))
        names = ", ".join(repr(m) for m in members)
        subject = f"scenes {names} loop" if len(members) > 1 else f"scene {names} loops"
        report(
            "E041",
            f"{subject} forever: no way leads to an ending",
            scene_spans[first],
            helps=["give one of them a choice or a branch that jumps out or ends the story"],
        )
    visits = _visits(start, flows)
    for scene_id in sorted(reachable):
        # Entering a scene again needs a way back to it (a cycle), or a caller that calls it
        # again; and more than one entry must be possible at all.
        returns_here = scene_id in cyclic or scene_id in call_sites
        revisitable = visits[scene_id] > 1 and returns_here
        for pc in flows[scene_id].choices:
            op = scenes[scene_id].ops[pc]
            assert isinstance(op, ChoiceOp)
            ops = scenes[scene_id].ops
            _check_choice(op, ops, revisitable, variables, choice_spans[(scene_id, pc)], report)


def _reachable(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    pending = [start]
    while pending:
        for target in edges.get(pending.pop(), ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _can_end(flows: Mapping[str, SceneFlow], scenes: Mapping[str, CompiledScene]) -> set[str]:
    """Scenes from which some path reaches an 'end' (a backwards search from the endings)."""
    callers: dict[str, set[str]] = {}
    for scene_id, flow in flows.items():
        for target in flow.jumps | set(flow.calls):
            if target in scenes:
                callers.setdefault(target, set()).add(scene_id)
    can_end = {scene_id for scene_id, flow in flows.items() if flow.ends}
    pending = list(can_end)
    while pending:
        for caller in callers.get(pending.pop(), ()):
            if caller not in can_end:
                can_end.add(caller)
                pending.append(caller)
    return can_end


def _strongly_connected(nodes: set[str], edges: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (narratives may have thousands of scenes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[set[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root] & nodes)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child] & nodes))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                result.append(component)
    return result


def _ends_story(ops: tuple[Any, ...], pc: int) -> bool:
    """Whether an option's body always ends the story (so it is never used up)."""
    while pc < len(ops):
        op = ops[pc]
        if isinstance(op, EndOp):
            return True
        if not isinstance(op, (LineOp, SetOp, CommandOp)):
            return False
        pc += 1
    return False


def _check_choice(
    op: ChoiceOp,
    ops: tuple[Any, ...],
    revisitable: bool,
    variables: Mapping[str, VariableSpec],
    span: Span,
    report: Report,
) -> None:
    if not op.options or any(option.fallback for option in op.options):
        return
    if any(
        option.condition is None
        and (option.sticky or not revisitable or _ends_story(ops, option.target))
        for option in op.options
    ):
        return
    conditions = [option.condition.expr for option in op.options if option.condition is not None]
    if not conditions:
        report(
            "W052",
            "every option is once-only and this choice can be reached again: it can run out",
            span,
            helps=["mark an option 'sticky: true', or add an option with 'fallback: true'"],
        )
        return
    witness = _all_false_witness(conditions, variables)
    if witness is None:
        return
    example = ", ".join(f"{name} = {_show(value)}" for name, value in witness)
    notes = [f"for example when {example}"] if example else []
    if revisitable and any(o.condition is None for o in op.options):
        notes.append("and the options without a condition were already picked")
    report(
        "W052",
        "every option of this choice can be unavailable at once",
        span,
        notes=notes,
        helps=["add an option with no condition, or one with 'fallback: true'"],
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _condition_names(expr: Expr) -> Iterator[tuple[str, str]]:
    """('var', x) for variables, ('scene', s) for visited()/visit_count()."""
    for is_scene, name in expression_names(expr):
        yield ("scene" if is_scene else "var", name)


def _candidates(spec: VariableSpec, numbers: set[float], strings: set[str]) -> list[Any]:
    kind = spec.type.kind
    if kind == "bool":
        return [False, True]
    if kind == "enum":
        return list(spec.type.enum_values)
    if kind == "string":
        return sorted({str(spec.default), "", *strings})
    step = 1 if kind == "int" else 0.01
    values: set[float] = {spec.default if isinstance(spec.default, (int, float)) else 0, 0}
    for number in numbers:
        values |= {number - step, number, number + step}
    if kind == "int":
        return sorted({int(v) for v in values})
    return sorted({float(v) for v in values})


def _all_false_witness(
    conditions: list[Expr], variables: Mapping[str, VariableSpec]
) -> list[tuple[str, Any]] | None:
    """Search a small, meaningful set of states for one where every condition is false."""
    numbers: set[float] = set()
    strings: set[str] = set()
    names: list[tuple[str, str]] = []
    for condition in conditions:
        for literal in expression_literals(condition):
            value = literal.value
            if isinstance(value, str):
                strings.add(value)
            elif not isinstance(value, bool):
                numbers.add(value)
        for pair in _condition_names(condition):
            if pair not in names:
                names.append(pair)
    domains: list[list[Any]] = []
    for kind, name in names:
        if kind == "scene":
            domains.append([0, 1, 2])
        else:
            domains.append(_candidates(variables[name], numbers, strings))
    for count, combination in enumerate(itertools.product(*domains)):
        if count >= _MAX_WITNESS_STATES:
            return None
        state = dict(zip(names, combination, strict=True))
        context = EvalContext(
            variable=lambda n, s=state: s[("var", n)],  # type: ignore[misc]
            visit_count=lambda n, s=state: s.get(("scene", n), 0),  # type: ignore[misc]
        )
        if not any(bool(evaluate(c, context)) for c in conditions):
            return [
                (name if kind == "var" else f"visit_count({name})", value)
                for (kind, name), value in zip(names, combination, strict=True)
            ]
    return None
