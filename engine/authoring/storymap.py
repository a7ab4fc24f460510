"""``glowgrove map``: a story's scenes as boxes and its choices and jumps as arrows.

:func:`story_graph` reads the compiled program (pure data); the renderers turn it into a
self-contained HTML page (inline SVG, CSS and a few lines of JS; nothing from a network),
Graphviz dot, or Mermaid. Author text is untrusted: HTML goes through jinja2's autoescaping,
dot and Mermaid labels are quoted and stripped of their syntax characters.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from engine.authoring.layout import GraphLayout, layered_layout
from engine.authoring.relevance import template_names
from engine.content import analysis
from engine.content.diagnostics import Diagnostic
from engine.content.expressions import read_names
from engine.content.program import (
    BranchOp,
    CallOp,
    ChoiceOp,
    EndOp,
    JumpOp,
    LineOp,
    Program,
    SetOp,
)

__all__ = [
    "MapEdge",
    "MapNode",
    "StoryGraph",
    "layout_graph",
    "render_graph",
    "render_map",
    "story_graph",
]

CHAR_WIDTH = 7.4  # px per character of the 12 px monospace labels
BOX_HEIGHT = 58.0
LABEL_LIMIT = 28


@dataclass
class MapNode:
    id: str
    kind: str  # "scene" or "ending"
    title: str
    source: str = ""  # "file:line"
    classes: list[str] = field(default_factory=list)  # start, ends, unreachable, dead-end
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MapEdge:
    source: str
    target: str
    kind: str  # "choice", "jump", "call", "end"
    label: str = ""


@dataclass
class StoryGraph:
    title: str
    nodes: dict[str, MapNode]
    edges: list[MapEdge]


def _ending_node(ending: str) -> str:
    return f"ending:{ending}"


def story_graph(program: Program, diagnostics: Sequence[Diagnostic] = ()) -> StoryGraph:
    nodes: dict[str, MapNode] = {}
    edges: list[MapEdge] = []
    variables = frozenset(program.variables)
    for scene in program.scenes.values():
        node = MapNode(scene.id, "scene", scene.id, f"{scene.path}:{scene.line}")
        reads: set[str] = set()
        writes: set[str] = set()
        option_at: dict[int, str] = {}
        for op in scene.ops:
            if isinstance(op, ChoiceOp):
                starts = [o.target for o in op.options] + [op.after]
                for index, option in enumerate(op.options):
                    for pc in range(starts[index], max(starts[index + 1], starts[index] + 1)):
                        option_at.setdefault(pc, option.text)
                    if option.condition is not None:
                        reads |= read_names(option.condition.expr)
                    reads |= template_names(option.text, variables)
        for pc, op in enumerate(scene.ops):
            if isinstance(op, LineOp):
                reads |= template_names(op.text, variables)
            elif isinstance(op, BranchOp):
                reads |= read_names(op.condition.expr)
            elif isinstance(op, SetOp):
                for name, value in op.assignments:
                    writes.add(name)
                    reads |= read_names(value.expr)
            elif isinstance(op, (JumpOp, CallOp)):
                kind = "call" if isinstance(op, CallOp) else "jump"
                label = option_at.get(pc, "")
                if kind == "jump" and label:
                    kind = "choice"
                edges.append(MapEdge(scene.id, op.scene, kind, label))
            elif isinstance(op, EndOp):
                label = option_at.get(pc, "")
                edges.append(MapEdge(scene.id, _ending_node(op.ending), "end", label))
        node.reads = sorted(reads & variables)
        node.writes = sorted(writes)
        nodes[scene.id] = node
    for ending in program.endings.values():
        nodes[_ending_node(ending.id)] = MapNode(
            _ending_node(ending.id), "ending", ending.title, classes=["ending"]
        )
    for edge in edges:
        if edge.target not in nodes:  # a broken story's jump to a scene that does not exist
            nodes[edge.target] = MapNode(
                edge.target,
                "missing",
                f"{edge.target.removeprefix('ending:')} (missing)",
                classes=["missing"],
            )
    _classify(program, nodes, edges)
    _attach_problems(program, nodes, diagnostics)
    # Parallel arrows (several options leading to the same scene) become one, labelled with
    # the first option and how many more there are.
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for edge in edges:
        labels = grouped.setdefault((edge.source, edge.target, edge.kind), [])
        if edge.label not in labels:
            labels.append(edge.label)
    unique: dict[tuple[str, str, str], MapEdge] = {}
    for (source, target, kind), labels in grouped.items():
        named = [label for label in labels if label]
        label = named[0] if named else ""
        if len(named) > 1:
            label = f"{_short(label, LABEL_LIMIT - 10)} (+{len(named) - 1} more)"
        unique[(source, target, kind)] = MapEdge(source, target, kind, label)
    return StoryGraph(program.title, nodes, list(unique.values()))


def _attach_problems(
    program: Program, nodes: dict[str, MapNode], diagnostics: Sequence[Diagnostic]
) -> None:
    """Each diagnostic goes to the scene whose text it is in (the last scene starting above)."""
    starts: dict[str, list[tuple[int, str]]] = {}
    for scene in program.scenes.values():
        starts.setdefault(scene.path, []).append((scene.line, scene.id))
    for entries in starts.values():
        entries.sort()
    for diagnostic in diagnostics:
        entries = starts.get(diagnostic.path, [])
        index = bisect.bisect_right(entries, (diagnostic.line, "\uffff")) - 1
        if index >= 0:
            scene_id = entries[index][1]
            nodes[scene_id].problems.append(f"{diagnostic.code}: {diagnostic.message}")


def _classify(program: Program, nodes: dict[str, MapNode], edges: list[MapEdge]) -> None:
    flows = {scene_id: analysis.scene_flow(scene) for scene_id, scene in program.scenes.items()}
    links: dict[str, set[str]] = {}
    jumped_to = {program.start}
    for edge in edges:
        links.setdefault(edge.source, set()).add(edge.target)
        if edge.kind in ("jump", "choice") and edge.target in program.scenes:
            jumped_to.add(edge.target)
    reachable = {program.start}
    pending = [program.start]
    while pending:
        for target in links.get(pending.pop(), ()):
            if target not in reachable:
                reachable.add(target)
                pending.append(target)
    if program.start in nodes:
        nodes[program.start].classes.append("start")
    for scene_id, flow in flows.items():
        node = nodes[scene_id]
        if flow.ends:
            node.classes.append("ends")
        if scene_id not in reachable:
            node.classes.append("unreachable")
        elif flow.falls_through and scene_id in jumped_to:
            node.classes.append("dead-end")
    for ending in program.endings:
        if _ending_node(ending) not in reachable:
            nodes[_ending_node(ending)].classes.append("unreachable")


def _size(node: MapNode) -> tuple[float, float]:
    text = max(len(node.title), len(node.source.rsplit("/", 1)[-1]), 8)
    return (round(min(text, 40) * CHAR_WIDTH + 24, 1), BOX_HEIGHT)


def layout_graph(graph: StoryGraph) -> GraphLayout:
    sizes = {node_id: _size(node) for node_id, node in graph.nodes.items()}
    return layered_layout(sizes, [(e.source, e.target) for e in graph.edges])


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("engine.authoring", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(graph: StoryGraph) -> str:
    layout = layout_graph(graph)
    boxes = []
    for node_id, box in layout.boxes.items():
        node = graph.nodes[node_id]
        source = node.source
        href = ""
        if source:
            path, _, line = source.rpartition(":")
            if not line.isdigit():  # a whole file, no line
                path, line = source, "1"
            href = f"vscode://file/{Path(path).resolve().as_posix()}:{line}"
        boxes.append(
            {
                "id": node_id,
                "x": round(box.x + 15, 1),
                "y": round(box.y + 15, 1),
                "w": box.width,
                "h": box.height,
                "title": _short(node.title, 40),
                "source": source.rsplit("/", 1)[-1] if source else "ending",
                "full_source": source,
                "href": href,
                "classes": " ".join(
                    [node.kind, *node.classes, *(["problem"] * bool(node.problems))]
                ),
                "details": json.dumps(
                    {
                        "id": node.id if node.kind == "scene" else node.title,
                        "source": source,
                        "href": href,
                        "reads": node.reads,
                        "writes": node.writes,
                        "classes": node.classes,
                        "problems": node.problems,
                    }
                ),
            }
        )
    paths = []
    for (source, target, points), edge in zip(layout.edges, graph.edges, strict=True):
        assert (source, target) == (edge.source, edge.target)
        shifted = [(x + 15, y + 15) for x, y in points]
        d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in shifted)
        # Labels sit most of the way along, where arrows fanning out of one box have parted.
        if len(shifted) > 2:
            mid = shifted[len(shifted) // 2]
        else:
            (x0, y0), (x1, y1) = shifted[0], shifted[-1]
            mid = (x0 + 0.62 * (x1 - x0), y0 + 0.62 * (y1 - y0))
        paths.append(
            {
                "d": d,
                "kind": edge.kind,
                "label": _short(edge.label),
                "lx": round(mid[0] + 4, 1),
                "ly": round(mid[1] - 4, 1),
            }
        )
    counts = {
        "scenes": sum(n.kind == "scene" for n in graph.nodes.values()),
        "unreachable": sum("unreachable" in n.classes for n in graph.nodes.values()),
        "dead_ends": sum("dead-end" in n.classes for n in graph.nodes.values()),
        "endings": sum(n.kind == "ending" for n in graph.nodes.values()),
    }
    template = _environment().get_template("map.html.j2")
    return template.render(
        title=graph.title,
        boxes=boxes,
        paths=paths,
        width=round(layout.width + 30, 1),
        height=round(layout.height + 30, 1),
        counts=counts,
        crossings=layout.crossings,
    )


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render_dot(graph: StoryGraph) -> str:
    colours = {"ending": "#f7d774", "unreachable": "#c9c9c9", "dead-end": "#ff8c8c"}
    lines = [f'digraph "{_dot_text(graph.title)}" {{', "  rankdir=TB;", "  node [shape=box];"]
    for node in graph.nodes.values():
        fill = next((colours[c] for c in node.classes if c in colours), "#e8f6f1")
        shape = "ellipse" if node.kind == "ending" else "box"
        label = "\\n".join(_dot_text(part) for part in (node.title, node.source) if part)
        lines.append(
            f'  "{_dot_text(node.id)}" [label="{label}", shape={shape}, '
            f'style=filled, fillcolor="{fill}"];'
        )
    styles = {"call": " style=dashed", "end": " style=bold", "jump": "", "choice": ""}
    for edge in graph.edges:
        label = f' label="{_dot_text(_short(edge.label))}"' if edge.label else ""
        lines.append(
            f'  "{_dot_text(edge.source)}" -> "{_dot_text(edge.target)}" '
            f"[{(label + styles[edge.kind]).strip()}];".replace("[]", "")
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    cleaned = "".join(c for c in text if c not in '"[]{}()<>|#;`')
    return " ".join(cleaned.split())


def render_mermaid(graph: StoryGraph) -> str:
    ids = {node_id: f"n{index}" for index, node_id in enumerate(graph.nodes)}
    lines = ["flowchart TD"]
    for node_id, node in graph.nodes.items():
        text = _mermaid_text(node.title)
        shape = f'(["{text}"])' if node.kind == "ending" else f'["{text}"]'
        lines.append(f"  {ids[node_id]}{shape}")
    for edge in graph.edges:
        arrow = "-.->" if edge.kind == "call" else "-->"
        label = _mermaid_text(_short(edge.label))
        middle = f'{arrow}|"{label}"|' if label else arrow
        lines.append(f"  {ids[edge.source]} {middle} {ids[edge.target]}")
    classes = {"ending": "fill:#f7d774", "unreachable": "fill:#c9c9c9", "deadend": "fill:#ff8c8c"}
    for name, style in classes.items():
        lines.append(f"  classDef {name} {style}")
    for node_id, node in graph.nodes.items():
        for cls in node.classes:
            key = cls.replace("-", "")
            if key in classes:
                lines.append(f"  class {ids[node_id]} {key}")
    return "\n".join(lines) + "\n"


def render_graph(graph: StoryGraph, output_format: str) -> str:
    if output_format == "dot":
        return render_dot(graph)
    if output_format == "mermaid":
        return render_mermaid(graph)
    return render_html(graph)


def render_map(program: Program, output_format: str, diagnostics: Sequence[Diagnostic] = ()) -> str:
    return render_graph(story_graph(program, diagnostics), output_format)
