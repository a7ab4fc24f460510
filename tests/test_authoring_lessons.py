"""The authoring tools on lessons: map, test and new work on every shipped lesson and on
broken copies."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from engine.authoring.layout import Box
from engine.authoring.lessons import lesson_graph, play_lesson_test
from engine.authoring.sources import kind_for
from engine.authoring.storymap import layout_graph
from engine.cli import main
from engine.learn.compiler import compile_lesson, compile_lesson_text

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("*.yaml"))


def test_there_are_lessons() -> None:
    assert len(LESSONS) >= 4


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_shipped_lesson_maps_and_tests(path: Path, tmp_path: Path) -> None:
    assert kind_for(path).name == "lesson"
    drawing = kind_for(path).draw(path)
    assert drawing.ok and drawing.graph is not None
    boxes: list[Box] = list(layout_graph(drawing.graph).boxes.values())
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    lesson = compile_lesson(path).lesson
    assert lesson is not None
    steps = {s.id for s in (*lesson.steps, *lesson.remediation)}
    assert steps <= set(drawing.graph.nodes)
    assert {"ending:passed", "ending:failed"} <= set(drawing.graph.nodes)
    assert all(":" in drawing.graph.nodes[s].source for s in steps)  # file:line
    for fmt in ("html", "dot", "mermaid"):
        out = tmp_path / f"map.{fmt}"
        assert main(["map", str(path), "--format", fmt, "-o", str(out)]) == 0
        assert out.stat().st_size > 200
    report = play_lesson_test(lesson, str(path))
    assert report.ok, report.render()
    assert report.learners["always right"].startswith("passed")
    assert report.steps_reached == steps


def test_lessons_in_a_folder_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(LESSONS[0].parent), "--format", "json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert len(reports) == len(LESSONS) and all(r["kind"] == "lesson" for r in reports)


def test_broken_lesson_copies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = LESSONS[0].read_text(encoding="utf-8")
    typo = tmp_path / "typo.yaml"
    typo.write_text(text.replace("mastery:", "mastry:", 1), encoding="utf-8")
    assert main(["test", str(typo)]) == 1
    assert main(["map", str(typo), "-o", str(tmp_path / "m.html")]) == 1
    assert "error[E" in capsys.readouterr().err
    # Nothing is graded, so everyone passes and the remediation is never reached.
    lesson = compile_lesson(LESSONS[0]).lesson
    assert lesson is not None
    ungraded = tmp_path / "ungraded.yaml"
    lines = ["glowgrove: 1", "lesson: ungraded", "title: Ungraded", "ages: {min: 8, max: 12}"]
    lines += ["minutes: 5", "objectives:", "  - {id: think, text: Think about it.}"]
    lines += ["steps:", "  - id: hello", "    reflect:", "      prompt: Why?"]
    lines += ["remediation:", "  - id: again", "    reflect:", "      prompt: Why again?"]
    ungraded.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = compile_lesson(ungraded)
    assert result.lesson is not None, [d.render() for d in result.diagnostics]
    report = play_lesson_test(result.lesson, str(ungraded))
    assert not report.ok
    assert "step 'again' is never reached by any learner" in report.problems
    assert main(["test", str(ungraded)]) == 1


def test_lesson_graph_order_and_remediation() -> None:
    lesson = compile_lesson(LESSONS[0]).lesson
    assert lesson is not None
    graph = lesson_graph(lesson, {})
    targets = {(e.source, e.target) for e in graph.edges}
    first, second = lesson.steps[0].id, lesson.steps[1].id
    assert (first, second) in targets
    assert ("mastery-check", "ending:passed") in targets
    assert ("mastery-check", lesson.remediation[0].id) in targets
    assert "start" in graph.nodes[first].classes


def test_new_lesson_checks_and_tests_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "lesson", "bin_basics", "--title", 'Bins: "which one?"']) == 0
    target = tmp_path / "lessons" / "bin_basics.yaml"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert text.splitlines()[0].endswith("schema/lesson.schema.json")
    result = compile_lesson_text(text, "bin_basics.yaml")
    assert result.lesson is not None and result.diagnostics == ()
    assert result.lesson.id == "bin-basics" and result.lesson.title == 'Bins: "which one?"'
    assert main(["check", str(target)]) == 0
    assert main(["test", str(target)]) == 0
    assert "no problems" in capsys.readouterr().out
