"""The broken-lesson corpus: lesson mistakes and the exact diagnostics they produce.

Every ``tests/broken_lessons/NAME.yaml`` is an invalid lesson; the rendered diagnostics of
``compile_lesson(path, display="tests/broken_lessons/NAME.yaml")`` plus a newline must equal
``NAME.expected`` byte for byte. Regenerate after an intended change (and review the diff)::

    GLOWGROVE_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_broken_lessons.py
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from engine.cli import main
from engine.content.diagnostics import CODES, render_diagnostics
from engine.learn.compiler import compile_lesson

BROKEN = Path(__file__).parent / "broken_lessons"
CASES = sorted(BROKEN.glob("*.yaml"))
UPDATE = os.environ.get("GLOWGROVE_UPDATE_SNAPSHOTS") == "1"
_CODE = re.compile(r"^\S.*?: (?:error|warning)\[([EW]\d{3})\]: ", re.MULTILINE)
LESSON_CODES = {code for code in CODES if 100 <= int(code[1:]) < 160}


def _rendered(path: Path) -> str:
    result = compile_lesson(path, display=f"tests/broken_lessons/{path.name}")
    return render_diagnostics(result.diagnostics) + "\n"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25


def test_every_case_has_an_expected_file_and_no_orphans() -> None:
    if UPDATE:
        pytest.skip("the snapshot test is writing the expected files")
    missing = [p.name for p in CASES if not p.with_suffix(".expected").exists()]
    orphans = [p.name for p in BROKEN.glob("*.expected") if not p.with_suffix(".yaml").exists()]
    assert not missing and not orphans, (missing, orphans)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_diagnostics_match_snapshot(path: Path) -> None:
    actual = _rendered(path)
    expected_path = path.with_suffix(".expected")
    if UPDATE:
        expected_path.write_bytes(actual.encode("utf-8"))
        return
    expected = expected_path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True)
            )
        )
        pytest.fail(f"diagnostics for {path.name} changed:\n{diff}", pytrace=False)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_reports_something_with_a_position(path: Path) -> None:
    result = compile_lesson(path, display=path.name)
    assert result.diagnostics, f"{path.name} is broken but nothing was reported"
    for diagnostic in result.diagnostics:
        assert diagnostic.code in CODES
        assert diagnostic.line >= 1 and diagnostic.column >= 1
    if any(d.severity.value == "error" for d in result.diagnostics):
        assert result.lesson is None
    else:
        assert result.lesson is not None


NARRATIVE = """\
glowgrove: 1
id: bin_night
title: Bin Night
start: yard
endings:
  done: {title: Done}
scenes:
  yard:
    body:
      - command: start_lesson
        args: {lesson: sorting_wast}
      - end: done
"""
NARRATIVE_EXPECTED = """\
{path}:11:24: warning[W157]: start_lesson names no lesson 'sorting_wast' in {lessons}
  11 |         args: {{lesson: sorting_wast}}
     |                        ^^^^^^^^^^^^
  help: did you mean 'sorting_waste'?
"""


def test_a_narrative_starting_an_unknown_lesson_gets_w157(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lessons").symlink_to(Path(__file__).parent.parent / "lessons")
    (tmp_path / "narratives").mkdir()
    story = tmp_path / "narratives" / "bin_night.yaml"
    story.write_text(NARRATIVE, encoding="utf-8")
    assert main(["check", str(story)]) == 0  # a warning: the story still plays
    expected = NARRATIVE_EXPECTED.format(path=story, lessons=tmp_path.resolve() / "lessons")
    assert capsys.readouterr().out == expected


def test_every_lesson_code_has_a_case() -> None:
    covered: set[str] = set(_CODE.findall(NARRATIVE_EXPECTED.format(path="x", lessons="y")))
    for path in CASES:
        expected = path.with_suffix(".expected")
        if expected.exists():
            covered |= set(_CODE.findall(expected.read_text(encoding="utf-8")))
    missing = sorted(LESSON_CODES - covered)
    assert not missing, f"lesson codes with no case in tests/broken_lessons: {missing}"


def test_check_accepts_a_folder_of_broken_lessons(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", str(BROKEN)])
    captured = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in captured.out + captured.err
    for code in ("E102", "E104", "E108", "E101"):
        assert f"error[{code}]" in captured.out


def test_docs_list_every_lesson_code() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "lesson-language.md").read_text("utf-8")
    for code in sorted(LESSON_CODES):
        assert f"`{code}`" in docs, f"docs/lesson-language.md does not explain {code}"
