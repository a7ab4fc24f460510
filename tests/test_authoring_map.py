"""glowgrove map: the story graph, the layered layout (pure), dot/mermaid/HTML output, and the
page itself in a real headless Chromium (no overlapping boxes, colours, details panel)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.authoring.layout import Box, count_crossings, layered_layout
from engine.authoring.sources import load_story
from engine.authoring.storymap import (
    layout_graph,
    render_dot,
    render_html,
    render_mermaid,
    story_graph,
)
from engine.cli import main
from engine.content.compiler import compile_text
from engine.content.program import Program
from tests.map_browser import chromium

SHIPPED = ["narratives/firefly_night.yaml", "narratives/restore_the_glow.yaml"]

BROKEN = """glowgrove: 1
id: broken
title: "Broken <script>alert(1)</script>"
start: gate
variables:
  lamp: {type: bool, default: false}
endings:
  home: {title: "Home \\"safe\\""}
  lost: {title: Lost}
scenes:
  gate:
    body:
      - say: "Lamp is {{ lamp }}."
      - choice:
          - text: "Go <b>in</b>"
            set: {lamp: true}
            jump: hall
          - text: Rest
            call: nap
      - end: home
  hall:
    body:
      - if: lamp
        then:
          - say: Bright.
  nap:
    body:
      - say: Zzz.
  attic:
    body:
      - end: lost
"""


def no_overlaps(boxes: list[Box]) -> None:
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)


def broken_program() -> tuple[Program, object]:
    result = compile_text(BROKEN, "broken.yaml")
    assert result.program is None and result.draft is not None  # E040: hall is a dead end
    return result.draft, result.diagnostics


@pytest.mark.parametrize("file", SHIPPED)
def test_shipped_layouts_have_no_overlapping_boxes(root: Path, file: str) -> None:
    story = load_story(root / file)
    assert story.program is not None
    graph = story_graph(story.program)
    layout = layout_graph(graph)
    assert set(layout.boxes) == set(graph.nodes)
    no_overlaps(list(layout.boxes.values()))
    assert all(box.x >= 0 and box.y >= 0 for box in layout.boxes.values())


def test_graph_marks_endings_unreachable_dead_ends_and_variables() -> None:
    program, diagnostics = broken_program()
    graph = story_graph(program, diagnostics)  # type: ignore[arg-type]
    nodes = graph.nodes
    assert "start" in nodes["gate"].classes and "ends" in nodes["gate"].classes
    assert "dead-end" in nodes["hall"].classes
    assert "unreachable" in nodes["attic"].classes
    assert "dead-end" not in nodes["nap"].classes  # called, so it returns
    assert nodes["ending:home"].kind == "ending"
    assert nodes["gate"].reads == ["lamp"] and nodes["gate"].writes == ["lamp"]
    assert nodes["hall"].reads == ["lamp"]
    assert any(p.startswith("E040") for p in nodes["hall"].problems)
    assert nodes["gate"].source == "broken.yaml:11"
    kinds = {(e.source, e.target): e.kind for e in graph.edges}
    assert kinds[("gate", "hall")] == "choice" and kinds[("gate", "nap")] == "call"
    assert kinds[("gate", "ending:home")] == "end"


def test_layered_layout_points_edges_down_and_reduces_crossings() -> None:
    sizes = {n: (60.0, 30.0) for n in "abcdefg"}
    # Two parents whose children are listed crosswise: a good order has no crossings.
    edges = [("a", "d"), ("a", "e"), ("b", "c"), ("b", "f"), ("c", "g"), ("g", "a")]
    layout = layered_layout(sizes, edges)
    for a, b in edges:
        if (a, b) != ("g", "a"):  # the back edge of the cycle a-?-c-g-a... is drawn upwards
            assert layout.boxes[a].y < layout.boxes[b].y
    no_overlaps(list(layout.boxes.values()))
    crosswise = [["x1", "x2"], ["y2", "y1"]]
    assert count_crossings(crosswise, [("x1", "y1"), ("x2", "y2")]) == 1
    untangled = layered_layout(
        {n: (50.0, 20.0) for n in ["x1", "x2", "y2", "y1"]}, [("x1", "y1"), ("x2", "y2")]
    )
    assert untangled.crossings == 0


@given(
    st.integers(min_value=1, max_value=25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
            st.lists(st.integers(20, 300), min_size=n, max_size=n),
        )
    )
)
def test_random_graphs_never_overlap(case: tuple[int, list[tuple[int, int]], list[int]]) -> None:
    count, pairs, widths = case
    sizes = {f"n{i}": (float(widths[i]), 40.0 + i % 3 * 10) for i in range(count)}
    layout = layered_layout(sizes, [(f"n{a}", f"n{b}") for a, b in pairs])
    assert set(layout.boxes) == set(sizes)
    no_overlaps(list(layout.boxes.values()))
    assert len(layout.edges) == len(pairs)


def test_dot_and_mermaid_exports_quote_author_text() -> None:
    program, _ = broken_program()
    graph = story_graph(program)
    dot = render_dot(graph)
    assert dot.startswith('digraph "Broken <script>alert(1)</script>" {')
    assert '"gate" -> "hall" [label="Go <b>in</b>"];' in dot
    assert '"gate" -> "nap" [label="Rest" style=dashed];' in dot
    assert 'label="Home \\"safe\\""' in dot
    assert dot.count("{") == dot.count("}")
    mermaid = render_mermaid(graph)
    assert mermaid.startswith("flowchart TD\n")
    assert '(["Home safe"])' in mermaid
    assert "-.->" in mermaid  # the call
    assert "class n1 deadend" in mermaid
    assert not re.search(r'\|"[^"]*[<>][^"]*"\|', mermaid)


def test_html_is_self_contained_and_escaped() -> None:
    program, diagnostics = broken_program()
    page = render_html(story_graph(program, diagnostics))  # type: ignore[arg-type]
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Go &lt;b&gt;in&lt;/b&gt;" in page
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "@import" not in page and "<link" not in page


def test_cli_writes_every_format(root: Path, tmp_path: Path) -> None:
    for file in SHIPPED:
        out = tmp_path / (Path(file).stem + ".html")
        assert main(["map", str(root / file), "-o", str(out)]) == 0
        assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
        for fmt in ("dot", "mermaid"):
            target = tmp_path / f"{Path(file).stem}.{fmt}"
            assert main(["map", str(root / file), "--format", fmt, "-o", str(target)]) == 0
            assert target.stat().st_size > 100
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    # A broken story is still drawn (that is how its author finds the problem), exit 1.
    assert main(["map", str(broken), "-o", str(tmp_path / "broken.html")]) == 1
    assert "dead-end" in (tmp_path / "broken.html").read_text(encoding="utf-8")
    assert main(["map", str(tmp_path / "missing.yaml")]) == 1


def test_map_page_in_headless_chromium(root: Path, tmp_path: Path) -> None:
    pages = {}
    for file in [*SHIPPED, "lessons/sorting-household-waste.yaml"]:
        out = tmp_path / (Path(file).stem + ".html")
        assert main(["map", str(root / file), "-o", str(out)]) == 0
        pages[file] = out
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    main(["map", str(broken), "-o", str(tmp_path / "broken.html")])
    pages["broken"] = tmp_path / "broken.html"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for name, path in pages.items():
            page.goto(path.as_uri())
            rects = page.evaluate(
                """() => Array.from(document.querySelectorAll('.node rect')).map(r => {
                    const b = r.getBoundingClientRect();
                    return [b.x, b.y, b.width, b.height];
                })"""
            )
            assert len(rects) >= 5, name
            boxes = [Box(*rect) for rect in rects]
            no_overlaps(boxes)
            assert all(b.width > 20 and b.height > 20 for b in boxes)
            # Every label fits inside its box.
            overflow = page.evaluate(
                """() => Array.from(document.querySelectorAll('.node')).filter(g => {
                    const box = g.querySelector('rect').getBoundingClientRect();
                    return Array.from(g.querySelectorAll('text')).some(t => {
                        const r = t.getBoundingClientRect();
                        return r.right > box.right + 1 || r.left < box.left - 1;
                    });
                }).map(g => g.dataset.id)"""
            )
            assert overflow == [], (name, overflow)
        # The broken story: colours tell dead ends and unreachable scenes apart.
        fill = "(id) => getComputedStyle(document.querySelector(`[data-id='${id}'] rect`)).fill"
        colours = {n: page.evaluate(fill, n) for n in ("gate", "hall", "attic", "ending:home")}
        assert len(set(colours.values())) == 4, colours
        page.click("[data-id='hall']")
        assert page.text_content("#d-title") == "hall"
        assert page.text_content("#d-reads") == "lamp"
        assert "E040" in (page.text_content("#d-problems") or "")
        assert (page.get_attribute("#d-link", "href") or "").startswith("vscode://file/")
        assert page.title() == "Story map: Broken <script>alert(1)</script>"
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
