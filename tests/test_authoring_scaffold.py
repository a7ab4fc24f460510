"""glowgrove new: the starter narrative checks clean, plays every path, and stays valid YAML
whatever title an author types."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.authoring.scaffold import render_scaffold
from engine.cli import main
from engine.content.compiler import compile_narrative, compile_text


def test_new_narrative_checks_clean_and_tests_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "narrative.schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["new", "narrative", "pond_rescue"]) == 0
    target = tmp_path / "narratives" / "pond_rescue.yaml"
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/narrative.schema.json"
    assert 'title: "Pond Rescue"' in text
    result = compile_narrative(target)
    assert result.program is not None and result.diagnostics == ()
    assert result.program.id == "pond_rescue"
    assert main(["check", str(target)]) == 0
    capsys.readouterr()
    assert main(["test", str(target)]) == 0
    assert "no problems" in capsys.readouterr().out
    # Never overwrites an author's file by accident.
    assert main(["new", "narrative", "pond_rescue"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "narrative", "pond_rescue", "--force"]) == 0


@pytest.mark.parametrize(
    "title",
    ['Pond "Rescue": part #1', "Ünïcode — ok", "{{ 7 * 7 }} & <b>", "two\nlines: yes", "  "],
)
def test_any_title_stays_valid_yaml(tmp_path: Path, title: str) -> None:
    text = render_scaffold("narrative", "story_one", tmp_path / "s.yaml", title)
    result = compile_text(text, "s.yaml")
    assert result.program is not None, [d.render() for d in result.diagnostics]
    assert result.program.title == (" ".join(title.split()) or "story_one")


def test_bad_names_and_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("Pond", "1pond", "pond-rescue", "../escape", ""):
        assert main(["new", "narrative", name, "-o", str(tmp_path / "x.yaml")]) == 2
        assert "cannot be a narrative name" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_schema_line_points_at_this_checkout_outside_a_project(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "s.yaml"
    target.parent.mkdir()
    text = render_scaffold("narrative", "s", target)
    first = text.splitlines()[0]
    relative = first.removeprefix("# yaml-language-server: $schema=")
    assert (target.parent / relative).resolve() == (
        Path(__file__).resolve().parents[1] / "schema" / "narrative.schema.json"
    )
    assert os.path.isfile(target.parent / relative)
