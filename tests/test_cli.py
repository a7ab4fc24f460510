"""The command contract, exercised through real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench.compile_bench import generate_narrative
from engine.content.schema import narrative_schema

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = "narratives/restore_the_glow.yaml"
STORY = """glowgrove: 1
id: tiny
title: Tiny
start: gate
characters:
  liora: {name: Liora}
endings:
  left: {title: You went left}
  right: {title: You went right}
scenes:
  gate:
    body:
      - say: Two paths glow.
        speaker: liora
      - choice:
          - text: Left
            end: left
          - text: Right
            end: right
"""


def glowgrove(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(STORY)
    return path


def test_check_clean_and_broken(tiny: Path, tmp_path: Path) -> None:
    result = glowgrove("check", str(tiny))
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(STORY.replace("end: right", "end: rigth"))
    result = glowgrove("check", str(broken))
    assert result.returncode == 1
    headlines = [line for line in result.stdout.splitlines() if line.startswith(str(broken))]
    # While an error remains, "never used" warnings (here for 'right') are held back.
    assert headlines == [f"{broken}:19:18: error[E023]: unknown ending 'rigth'"]
    assert "help: did you mean 'right'?" in result.stdout
    as_json = json.loads(glowgrove("check", "--format", "json", str(broken)).stdout)
    assert [(d["code"], d["line"], d["column"]) for d in as_json] == [("E023", 19, 18)]


def test_check_folders(tmp_path: Path, tiny: Path) -> None:
    result = glowgrove("check", str(tmp_path), "narratives", "lessons")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stderr


def test_play_reads_stdin_when_not_a_terminal(tiny: Path) -> None:
    result = glowgrove("play", str(tiny), stdin="2\n")
    assert result.returncode == 0, result.stderr
    assert "Liora: Two paths glow." in result.stdout
    assert "*** You went right ***" in result.stdout


def test_play_scripted_and_bad_input(tiny: Path) -> None:
    assert glowgrove("play", str(tiny), "--choices", "1").returncode == 0
    ran_out = glowgrove("play", str(tiny), stdin="")
    assert ran_out.returncode == 2
    assert "input ended before an ending" in ran_out.stderr
    wrong = glowgrove("play", str(tiny), stdin="7\n")
    assert wrong.returncode == 2
    assert "is not a choice" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_play_saves_and_resumes(tmp_path: Path) -> None:
    story = tmp_path / "two.yaml"
    story.write_text(
        STORY.replace("end: left", "jump: woods").replace(
            "scenes:\n",
            "scenes:\n  woods:\n    body:\n      - say: Owls hoot.\n"
            "      - choice:\n          - text: Home\n            end: left\n",
        )
    )
    save = tmp_path / "progress.json"
    first = glowgrove("play", str(story), "--save", str(save), stdin="1\n")
    assert first.returncode == 2  # input ran out in the woods
    assert json.loads(save.read_text())["status"] == "choosing"
    resumed = glowgrove("play", str(story), "--save", str(save), stdin="1\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "(resuming from" in resumed.stdout
    assert "Two paths glow." not in resumed.stdout
    assert not save.exists()


def test_compile_writes_program_json(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "program.json"
    assert glowgrove("compile", str(tiny), "-o", str(out)).returncode == 0
    program = json.loads(out.read_text())
    assert program["start"] == "gate"
    assert program["scenes"]["gate"]["ops"][0]["op"] == "line"


def test_committed_schema_is_current() -> None:
    committed = json.loads((ROOT / "schema" / "narrative.schema.json").read_text())
    assert committed == narrative_schema(), "run: glowgrove schema -o schema/narrative.schema.json"


def test_bench_compile_quick_prints_json_lines() -> None:
    result = glowgrove("bench", "compile", "--quick")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    summary = lines[-1]
    assert summary["bench"] == "compile"
    assert summary["scenes"] == 200
    assert set(summary) >= {"seconds", "peak_rss_mb", "slope_ms_per_scene"}
    assert [row["scenes"] for row in lines[:-1]] == [50, 100, 200]


def test_launch_vr_is_a_thin_entry_point(tiny: Path) -> None:
    result = subprocess.run(
        [sys.executable, "launch_vr.py", str(tiny), "--choices", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "You went right" in result.stdout


def test_generated_narratives_compile_deterministically() -> None:
    from engine.content.compiler import compile_text

    text = generate_narrative(30)
    first = compile_text(text, "g.yaml")
    second = compile_text(text, "g.yaml")
    assert first.program is not None and second.program is not None
    assert json.dumps(first.program.to_json()) == json.dumps(second.program.to_json())
    assert first.diagnostics == second.diagnostics
