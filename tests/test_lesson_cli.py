"""Lesson commands: check, schema, lesson play, import gift (GIFT parser and its errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from engine.learn.compiler import compile_lesson
from engine.learn.gift import GiftSyntaxError, parse_gift
from engine.learn.models import LessonFile
from engine.learn.schema import lesson_schema
from tests.lesson_helpers import ROOT, SHIPPED, load

GIFT = ROOT / "tests" / "gift" / "waste_quiz.gift"


def test_check_lessons_folder_exits_zero_without_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", str(ROOT / "lessons")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"checked {len(SHIPPED)} file(s): 0 error(s), 0 warning(s)" in captured.err


def test_shipped_lessons_meet_the_brief() -> None:
    assert len(SHIPPED) >= 4
    for path in SHIPPED:
        lesson = load(path)
        assert lesson.ages[0] <= 8 + 1 and lesson.ages[1] >= 12, lesson.id
        assert lesson.sources and lesson.remediation
        assert all(s.url.startswith("https://") for s in lesson.sources.values())
        kinds = {step.kind for step in lesson.steps}
        assert "explain" in kinds and kinds & {"question", "sort"}
        assert lesson.outcome_passed and lesson.aliases
    kinds_everywhere = {s.kind for p in SHIPPED for s in load(p).steps}
    assert kinds_everywhere == {
        "explain",
        "question",
        "sort",
        "order",
        "match",
        "simulate",
        "reflect",
    }


def test_committed_lesson_schema_is_current(tmp_path: Path) -> None:
    committed = json.loads((ROOT / "schema" / "lesson.schema.json").read_text())
    assert committed == lesson_schema(), "run: glowgrove schema --kind lesson -o schema/..."
    out = tmp_path / "s.json"
    assert main(["schema", "--kind", "lesson", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == committed
    assert committed["title"] == "Glowgrove lesson"
    assert LessonFile.model_json_schema()["additionalProperties"] is False


def test_lesson_play_cli_prints_and_reports_content_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "r.sqlite"
    path = str(SHIPPED[0])
    assert (
        main(["lesson", "play", path, "--records", str(records), "--autoplay", "wrong-first"]) == 0
    )
    out = capsys.readouterr().out
    assert "let's go over it again" in out and "lesson over: not passed yet" in out
    broken = ROOT / "tests" / "broken_lessons" / "unknown_bin_in_item.yaml"
    assert main(["lesson", "play", str(broken), "--no-records"]) == 1
    assert "error[E102]" in capsys.readouterr().err


def test_import_gift_writes_a_lesson_that_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quiz.yaml"
    assert main(["import", "gift", str(GIFT), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{GIFT}:2: not imported: category line" in printed
    assert f"{GIFT}:26: not imported: numerical question" in printed
    assert f"{GIFT}:28: not imported: short-answer question" in printed
    assert main(["check", str(out)]) == 0
    result = compile_lesson(out)
    assert result.lesson is not None
    kinds = [step.kind for step in result.lesson.steps]
    assert kinds == ["question", "question", "question", "match", "question", "reflect", "explain"]
    data = yaml.safe_load(out.read_text())
    can, true_false, batteries, match, blank = (s for s in data["steps"][:5])
    assert can["question"]["options"][0] == {
        "text": "Recycling",
        "correct": True,
        "feedback": "Cans are melted into new cans.",
    }
    assert [o["text"] for o in true_false["question"]["options"]] == ["True", "False"]
    assert batteries["question"]["multiple"] is True
    assert [o.get("correct", False) for o in batteries["question"]["options"]] == [
        True,
        True,
        False,
    ]
    assert match["match"]["pairs"][2] == {"id": "p3", "left": "Old phone", "right": "E-waste"}
    assert "_____" in blank["question"]["prompt"]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("Q1 {=a ~b\n\nQ2 {=c ~d}\n", 1, 4, "never closed"),
        ("::Title Q {=a ~b}\n", 1, 1, "title is never closed"),
        ("First line\nQ {=a -> b\n~c -> d}\n", 3, 1, "matching pair"),
        ("Q {a ~b}\n", 1, 4, "starts with '='"),
        ("Q } oops\n", 1, 3, "without an opening"),
        ("{=a ~b}\n", 1, 1, "no text"),
    ],
)
def test_gift_syntax_errors_have_positions(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(GiftSyntaxError) as caught:
        parse_gift(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message


def test_import_gift_reports_syntax_errors_with_a_caret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gift"
    bad.write_text("// comment\nWhere? {=here ~there\n\nNext {T}\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    assert main(["import", "gift", str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:8: GIFT syntax error: answer block '{{' is never closed" in err
    assert "  2 | Where? {=here ~there\n    |        ^" in err
    assert not out.exists()
    for content, expected in ((b"\xff\xfe", "not UTF-8"), (b"// only a comment\n", "nothing")):
        bad.write_bytes(content)
        assert main(["import", "gift", str(bad), "-o", str(out)]) == 1
        assert expected in capsys.readouterr().err
    assert main(["import", "gift", str(tmp_path / "missing.gift"), "-o", str(out)]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_gift_escapes_and_feedback() -> None:
    parsed = parse_gift("What is 1\\=1? {=yes \\~ sure #Right ~no #Wrong}\n")
    (item,) = parsed.items
    assert item.text == "What is 1=1?"
    assert item.options == (("yes ~ sure", True, "Right"), ("no", False, "Wrong"))


def test_lesson_play_from_the_keyboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    # kitchen sort (presented order, by the bin each item needs), battery, gadgets, why, think
    lesson = load(SHIPPED[2])
    assert lesson.id == "sorting-household-waste"
    from engine.learn.runtime import presented_order

    sort = lesson.step("kitchen-sort")
    bins = {i.id: i.bin for i in sort.activity.items}  # type: ignore[union-attr]
    numbers = {"recycling": "1", "compost": "2", "landfill": "3"}
    answers = ["oops"] + [numbers[bins[i] or ""] for i in presented_order(lesson, sort, 0)]
    gadgets = lesson.step("gadget-sort")
    gadget_bins = {i.id: i.bin for i in gadgets.activity.items}  # type: ignore[union-attr]
    answers += ["h", "2"]
    answers += [
        {"hazardous": "1", "e-waste": "2"}[gadget_bins[i] or ""]
        for i in presented_order(lesson, gadgets, 0)
    ]
    answers += ["1,2", "I will sort my cans"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    records = tmp_path / "r.sqlite"
    assert main(["lesson", "play", str(SHIPPED[2]), "--records", str(records)]) == 0
    out = capsys.readouterr().out
    assert "'oops' is not a number" in out
    assert "hint: Some batteries can start fires" in out
    assert "lesson over: passed, score 100%" in out
    from engine.learn.store import RecordStore

    with RecordStore(records) as store:
        bodies = json.dumps([row.body for row in store.all()])
    assert "I will sort my cans" not in bodies  # reflections stay on the device
