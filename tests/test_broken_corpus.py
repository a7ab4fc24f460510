"""The broken-content corpus: author mistakes and the exact diagnostics they produce.

Every ``tests/broken/NAME.yaml`` is an invalid narrative. It is compiled with
``compile_narrative(path, display="tests/broken/NAME.yaml")`` and the text of
``render_diagnostics(result.diagnostics)``, plus a trailing newline, must equal
``tests/broken/NAME.expected`` byte for byte. Files that cases include live in
``tests/broken/parts/``; they are helpers, not cases.

Inputs that cannot be committed (a file over 4 MiB, a directory, a missing or unreadable
file) are generated in ``tmp_path`` by this module and checked against inline expected text.

Regenerating the expected files after an intended change to the diagnostics::

    GLOWGROVE_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_broken_corpus.py

With ``GLOWGROVE_UPDATE_SNAPSHOTS=1`` the snapshot test writes each ``.expected`` file
instead of comparing it. Read every changed file (``git diff tests/broken``) before
committing: a snapshot is only as good as the review it got.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.cli import main
from engine.content.compiler import compile_narrative
from engine.content.diagnostics import CODES, render_diagnostics

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(BROKEN.glob("*.yaml"))
UPDATE = os.environ.get("GLOWGROVE_UPDATE_SNAPSHOTS") == "1"
# Lessons (E1xx/W15x) have their own corpus (tests/broken_lessons); narratives and gardens here.
NARRATIVE_CODES = [code for code in CODES if not 100 <= int(code[1:]) < 200]
_CODE = re.compile(r"^\S.*?: (?:error|warning)\[([EW]\d{3})\]: ", re.MULTILINE)


def _display(path: Path) -> str:
    return f"tests/broken/{path.name}"


def _rendered(path: Path) -> str:
    result = compile_narrative(path, display=_display(path))
    return render_diagnostics(result.diagnostics) + "\n"


def _expected_path(path: Path) -> Path:
    return path.with_suffix(".expected")


def _read_expected(path: Path) -> str:
    expected = _expected_path(path)
    if not expected.exists():
        pytest.fail(
            f"{expected.name} is missing; create it with GLOWGROVE_UPDATE_SNAPSHOTS=1 and review it"
        )
    return expected.read_bytes().decode("utf-8")


def _codes(text: str) -> set[str]:
    return set(_CODE.findall(text))


def _diff(expected: str, actual: str, name: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=f"{name}.expected",
        tofile=f"{name} (actual)",
    )
    return "".join(lines)


# -- the corpus ---------------------------------------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


def test_every_case_has_an_expected_file_and_no_orphans() -> None:
    if UPDATE:
        pytest.skip("the snapshot test is writing the expected files")
    missing = [p.name for p in CASES if not _expected_path(p).exists()]
    orphans = [
        p.name for p in sorted(BROKEN.glob("*.expected")) if not p.with_suffix(".yaml").exists()
    ]
    assert not missing, f"cases without an .expected file: {missing}"
    assert not orphans, f".expected files without a case: {orphans}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_diagnostics_match_snapshot(path: Path) -> None:
    actual = _rendered(path)
    if UPDATE:
        _expected_path(path).write_bytes(actual.encode("utf-8"))
        return
    expected = _read_expected(path)
    if actual != expected:
        pytest.fail(
            f"diagnostics for {path.name} changed:\n{_diff(expected, actual, path.stem)}\n"
            "if the change is intended, regenerate with GLOWGROVE_UPDATE_SNAPSHOTS=1 "
            "and review the new text",
            pytrace=False,
        )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_reports_something(path: Path) -> None:
    result = compile_narrative(path, display=_display(path))
    assert result.diagnostics, f"{path.name} is broken but the compiler reported nothing"
    assert all(d.code in CODES for d in result.diagnostics)
    if any(d.severity.value == "error" for d in result.diagnostics):
        assert result.program is None


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_cli_check_exit_status(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    has_errors = "error[" in _read_expected(path)
    status = main(["check", str(path)])
    captured = capsys.readouterr()
    assert status == (1 if has_errors else 0), captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err


def test_every_code_has_a_case() -> None:
    covered: set[str] = set()
    for path in CASES:
        expected = _expected_path(path)
        if expected.exists():
            covered |= _codes(expected.read_bytes().decode("utf-8"))
    for case in GENERATED:
        covered |= _codes(case.expected)
    for expected in sorted((BROKEN / "garden").glob("*.expected")):  # garden files (E2xx)
        covered |= _codes(expected.read_bytes().decode("utf-8"))
    unknown = covered - set(CODES)
    assert not unknown, f"codes that are not in CODES: {sorted(unknown)}"
    missing = sorted(set(NARRATIVE_CODES) - covered)
    assert not missing, f"codes with no case in tests/broken: {missing}"


# -- inputs generated here (never committed) ----------------------------------------------------


@dataclass(frozen=True)
class Generated:
    name: str
    make: Callable[[Path], Path]  # builds the input under tmp_path and returns its path
    expected: str  # rendered diagnostics for display "tests/broken/generated.yaml"
    cli_reports: bool = True  # 'glowgrove check' searches a folder instead of reading it


def _too_large(folder: Path) -> Path:
    path = folder / "huge.yaml"
    filler = b"# " + b"x" * 78 + b"\n"
    path.write_bytes(b"glowgrove: 1\n" + filler * (4 * 1024 * 1024 // len(filler) + 1))
    assert path.stat().st_size > 4 * 1024 * 1024
    return path


def _directory(folder: Path) -> Path:
    path = folder / "story.yaml"
    path.mkdir()
    return path


def _missing(folder: Path) -> Path:
    return folder / "nowhere.yaml"


def _symlink_loop(folder: Path) -> Path:
    path = folder / "loop.yaml"
    path.symlink_to(folder / "loop.yaml")
    return path


def _include_symlink_loop(folder: Path) -> Path:
    _symlink_loop(folder)
    path = folder / "main.yaml"
    path.write_text(
        "glowgrove: 1\nid: demo\ntitle: Demo\nstart: meadow\nincludes: [loop.yaml]\n"
        "endings:\n  home: {title: Home}\nscenes:\n  meadow:\n    body:\n      - end: home\n",
        encoding="utf-8",
    )
    return path


def _under_a_file(folder: Path) -> Path:
    (folder / "story.yaml").write_text("glowgrove: 1\n", encoding="utf-8")
    return folder / "story.yaml" / "act2.yaml"


_SHOWN = "tests/broken/generated.yaml"

GENERATED = [
    Generated(
        "too_large",
        _too_large,
        f"{_SHOWN}:1:1: error[E004]: file is larger than 4 MiB\n"
        "  help: split the narrative into several files with 'includes:'\n",
    ),
    Generated(
        "directory",
        _directory,
        f"{_SHOWN}:1:1: error[E001]: is a directory, not a file\n",
        cli_reports=False,
    ),
    Generated("not_found", _missing, f"{_SHOWN}:1:1: error[E001]: file not found\n"),
    Generated(
        "symlink_loop",
        _symlink_loop,
        f"{_SHOWN}:1:1: error[E001]: cannot read file: its path is a loop of symbolic links\n",
    ),
    Generated(
        "include_symlink_loop",
        _include_symlink_loop,
        f"{_SHOWN}:5:12: error[E042]: included file 'loop.yaml' is a loop of symbolic links\n"
        "  5 | includes: [loop.yaml]\n"
        "    |            ^^^^^^^^^\n",
    ),
    Generated(
        "path_under_a_file",
        _under_a_file,
        f"{_SHOWN}:1:1: error[E001]: cannot read file: Not a directory\n",
    ),
]


@pytest.mark.parametrize("case", GENERATED, ids=[case.name for case in GENERATED])
def test_generated_input(
    case: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.make(tmp_path)
    result = compile_narrative(path, display=_SHOWN)
    actual = render_diagnostics(result.diagnostics) + "\n"
    assert actual == case.expected, _diff(case.expected, actual, case.name)
    assert result.program is None
    if not case.cli_reports:
        return
    status = main(["check", str(path)])
    captured = capsys.readouterr()
    assert status == 1, captured.out + captured.err
    assert "error[E0" in captured.out


def test_cli_reports_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no_such_story.yaml"
    status = main(["check", str(missing)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == f"{missing}:1:1: error[E001]: file not found\n"


def test_docs_quote_the_current_diagnostics() -> None:
    """Every example in docs/diagnostics.md is the corpus's output, word for word."""
    docs = (Path(__file__).parent.parent / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    examples = re.findall(
        r"```text\n(tests/broken/((?:garden/)?\w+)\.yaml:.*?)\n```", docs, flags=re.S
    )
    assert len(examples) >= len(NARRATIVE_CODES) - 1  # E004 is generated, not committed
    for block, name in examples:
        expected = (BROKEN / f"{name}.expected").read_bytes().decode("utf-8")
        assert block in expected, f"docs/diagnostics.md quotes an outdated message:\n{block}"
