"""A layered (Sugiyama-style) layout of a directed graph, in pure Python.

1. Cycles are broken by turning back edges (found depth-first from the sources) around.
2. Longest-path layering: each node sits one layer below its deepest predecessor, so every
   forward edge points down.
3. Edges longer than one layer get a chain of dummy points, one per layer they cross.
4. Crossing reduction: alternate down and up sweeps ordering each layer by the barycenter
   (mean position) of its neighbours in the layer before, keeping the best order seen.
5. Coordinates: boxes in a layer are packed left to right with a gap, then each box is
   pulled towards its neighbours' centre without passing the box before it; layers are
   stacked with a gap below the tallest box. Boxes never overlap by construction, and the
   tests check it anyway.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Box", "GraphLayout", "count_crossings", "layered_layout"]

H_GAP = 40.0
V_GAP = 70.0
DUMMY_WIDTH = 10.0
SWEEPS = 8


@dataclass(frozen=True)
class Box:
    x: float  # left
    y: float  # top
    width: float
    height: float

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


@dataclass(frozen=True)
class GraphLayout:
    boxes: dict[str, Box]
    layers: list[list[str]]  # node ids (dummies included, named '\0...') per layer, in order
    edges: list[tuple[str, str, list[tuple[float, float]]]]  # source, target, polyline
    width: float
    height: float
    crossings: int


def _break_cycles(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Edges with back edges reversed (self-loops dropped), via an iterative DFS."""
    out: dict[str, list[str]] = {n: [] for n in nodes}
    incoming = dict.fromkeys(nodes, 0)
    for a, b in edges:
        if a != b:
            out[a].append(b)
            incoming[b] += 1
    state = dict.fromkeys(nodes, 0)  # 0 new, 1 on the stack, 2 done
    back: set[tuple[str, str]] = set()
    roots = [n for n in nodes if incoming[n] == 0] + list(nodes)
    for root in roots:
        if state[root]:
            continue
        state[root] = 1
        work = [(root, iter(out[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if state[child] == 1:
                    back.add((node, child))
                elif state[child] == 0:
                    state[child] = 1
                    work.append((child, iter(out[child])))
                    break
            else:
                state[node] = 2
                work.pop()
    result = []
    for a, b in edges:
        if a == b:
            continue
        result.append((b, a) if (a, b) in back else (a, b))
    return result


def _longest_path_layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    remaining = {n: len(preds[n]) for n in nodes}
    ready = [n for n in nodes if remaining[n] == 0]
    layer = dict.fromkeys(nodes, 0)
    while ready:
        node = ready.pop()
        for child in succs[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
    return layer


def count_crossings(layers: Sequence[Sequence[str]], segments: Sequence[tuple[str, str]]) -> int:
    """Crossings between segments joining adjacent layers (each segment goes one layer down)."""
    position = {n: i for layer in layers for i, n in enumerate(layer)}
    depth = {n: d for d, layer in enumerate(layers) for n in layer}
    by_layer: dict[int, list[tuple[int, int]]] = {}
    for a, b in segments:
        by_layer.setdefault(depth[a], []).append((position[a], position[b]))
    total = 0
    for pairs in by_layer.values():
        pairs.sort()
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                if a2 > a1 and b2 < b1:
                    total += 1
    return total


def _order(layers: list[list[str]], segments: list[tuple[str, str]]) -> list[list[str]]:
    ups: dict[str, list[str]] = {}
    downs: dict[str, list[str]] = {}
    for a, b in segments:
        downs.setdefault(a, []).append(b)
        ups.setdefault(b, []).append(a)
    best = [list(layer) for layer in layers]
    best_crossings = count_crossings(best, segments)
    current = [list(layer) for layer in layers]
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        indexes = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
        for d in indexes:
            neighbours = ups if down else downs
            reference = current[d - 1] if down else current[d + 1]
            place = {n: i for i, n in enumerate(reference)}
            keyed = []
            for i, node in enumerate(current[d]):
                linked = [place[m] for m in neighbours.get(node, []) if m in place]
                centre = sum(linked) / len(linked) if linked else float(i)
                keyed.append((centre, i, node))
            current[d] = [node for _, _, node in sorted(keyed)]
        crossings = count_crossings(current, segments)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in current], crossings
    return best


def layered_layout(
    sizes: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str]]
) -> GraphLayout:
    """Place boxes of the given (width, height) in layers; ``edges`` are (source, target)."""
    nodes = list(sizes)
    known = [(a, b) for a, b in edges if a in sizes and b in sizes]
    forward = _break_cycles(nodes, known)
    layer_of = _longest_path_layers(nodes, forward)
    depth = max(layer_of.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(depth)]
    for node in nodes:
        layers[layer_of[node]].append(node)
    widths = {n: sizes[n][0] for n in nodes}
    chains: dict[tuple[str, str], list[str]] = {}
    segments: list[tuple[str, str]] = []
    for index, (a, b) in enumerate(forward):
        chain = [a]
        for d in range(layer_of[a] + 1, layer_of[b]):
            dummy = f"\0{index}.{d}"
            layers[d].append(dummy)
            widths[dummy] = DUMMY_WIDTH
            chain.append(dummy)
        chain.append(b)
        segments.extend(itertools.pairwise(chain))
        chains[(a, b)] = chain
    layers = _order(layers, segments)
    crossings = count_crossings(layers, segments)
    heights = [max((sizes[n][1] for n in layer if n in sizes), default=0.0) for layer in layers]
    tops = []
    y = 0.0
    for height in heights:
        tops.append(y)
        y += height + V_GAP
    xs = _coordinates(layers, widths, segments)
    boxes: dict[str, Box] = {}
    points: dict[str, tuple[float, float]] = {}
    for d, layer in enumerate(layers):
        for node in layer:
            if node in sizes:
                w, h = sizes[node]
                top = tops[d] + (heights[d] - h) / 2
                boxes[node] = Box(xs[node], top, w, h)
            else:
                points[node] = (xs[node] + DUMMY_WIDTH / 2, tops[d] + heights[d] / 2)
    routed: list[tuple[str, str, list[tuple[float, float]]]] = []
    for a, b in known:
        if a == b:
            box = boxes[a]
            right = box.x + box.width
            routed.append(
                (
                    a,
                    b,
                    [
                        (right, box.y + 6),
                        (right + 24, box.y + box.height / 2),
                        (right, box.y + box.height - 6),
                    ],
                )
            )
            continue
        reversed_edge = (a, b) not in chains
        chain = chains[(b, a)] if reversed_edge else chains[(a, b)]
        line = [_bottom(boxes[chain[0]])]
        line += [points[n] for n in chain[1:-1]]
        line.append(_top(boxes[chain[-1]]))
        if reversed_edge:
            line.reverse()
        routed.append((a, b, line))
    right_edge = max((box.x + box.width for box in boxes.values()), default=0.0)
    right_edge = max([right_edge, *(p[0] + DUMMY_WIDTH for p in points.values())])
    return GraphLayout(boxes, layers, routed, right_edge + 30, y, crossings)


def _bottom(box: Box) -> tuple[float, float]:
    return (box.centre_x, box.y + box.height)


def _top(box: Box) -> tuple[float, float]:
    return (box.centre_x, box.y)


def _coordinates(
    layers: list[list[str]], widths: Mapping[str, float], segments: list[tuple[str, str]]
) -> dict[str, float]:
    """Left x of each node: packed, then nudged right towards the mean of its upper
    neighbours' centres (never left of its packed place, so nothing overlaps)."""
    ups: dict[str, list[str]] = {}
    for a, b in segments:
        ups.setdefault(b, []).append(a)
    xs: dict[str, float] = {}
    for layer in layers:
        cursor = 0.0
        for node in layer:
            width = widths[node]
            wanted = cursor
            parents = [p for p in ups.get(node, []) if p in xs]
            if parents:
                centre = sum(xs[p] + widths[p] / 2 for p in parents) / len(parents)
                wanted = max(cursor, centre - width / 2)
            xs[node] = wanted
            cursor = wanted + width + H_GAP
    return xs
