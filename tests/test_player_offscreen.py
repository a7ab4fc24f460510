"""The 3D player rendered for real, offscreen (EGL + Mesa), and judged on its pixels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.content.compiler import compile_narrative
from engine.story.explore import paths_to_endings
from tests.images import contrast, luminance, read_png

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["narratives/restore_the_glow.yaml", "narratives/firefly_night.yaml"]


def launch(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "launch_vr.py", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The issue's acceptance command, exactly (plus a transcript)."""
    out = tmp_path_factory.mktemp("flagship")
    result = launch(
        "narratives/restore_the_glow.yaml",
        "--mode",
        "offscreen",
        "--autoplay",
        "random",
        "--seed",
        "1",
        "--screenshot-dir",
        str(out),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    record = json.loads((out / "transcript.json").read_text())
    return out, record


def test_flagship_reaches_an_ending_with_one_png_per_scene(
    flagship: tuple[Path, dict[str, Any]],
) -> None:
    out, record = flagship
    assert record["ending"] in {"restored", "work_goes_on", "not_yet"}
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) == len(record["scenes"]) >= 10
    assert [shot["file"] for shot in record["screenshots"]] == pngs
    assert [shot["scene"] for shot in record["screenshots"]] == record["scenes"]
    assert all(event["frame_ms"] for event in record["events"])


def test_screenshots_are_not_blank(flagship: tuple[Path, dict[str, Any]]) -> None:
    out, record = flagship
    for shot in record["screenshots"]:
        image = read_png(out / shot["file"])
        assert image.shape == (540, 960, 3)
        assert image.std() > 8, f"{shot['file']} is nearly one colour"
        colours = np.unique(image.reshape(-1, 3)[::37], axis=0)
        assert len(colours) > 40, f"{shot['file']} has only {len(colours)} colours"


def test_text_panels_are_readable(flagship: tuple[Path, dict[str, Any]]) -> None:
    out, record = flagship
    checked = 0
    for shot in record["screenshots"]:
        rect = shot["text_panel_px"]
        if rect is None:
            continue
        x0, y0, x1, y1 = rect
        assert 0 <= x0 < x1 <= 960 and 0 <= y0 < y1 <= 540, rect
        region = luminance(read_png(out / shot["file"])[y0:y1, x0:x1])
        text, background = np.percentile(region, 99.5), np.percentile(region, 10)
        ratio = contrast(text, background)
        assert ratio >= 4.5, f"{shot['file']}: text contrast {ratio:.1f}:1 in {rect}"
        checked += 1
    assert checked >= len(record["screenshots"]) // 2


GLOW_STORY = """glowgrove: 1
id: glow_check
title: Glow check
start: dim
endings:
  done: {title: Done}
scenes:
  dim:
    environment: {preset: night_garden, time: night, glow: 0.05, blight: 0.9}
    body:
      - command: wait
        args: {seconds: 0.1}
      - jump: restored
  restored:
    environment: {glow: 1.0, blight: 0.0}
    body:
      - command: wait
        args: {seconds: 0.1}
      - end: done
"""


def test_low_glow_scene_is_darker_than_a_restored_one(tmp_path: Path) -> None:
    story = tmp_path / "glow_check.yaml"
    story.write_text(GLOW_STORY)
    out = tmp_path / "shots"
    result = launch(str(story), "--mode", "offscreen", "--screenshot-dir", str(out))
    assert result.returncode == 0, result.stderr
    dim, restored = (read_png(out / name) for name in ("001-dim.png", "002-restored.png"))
    garden = slice(260, 460)  # below the horizon, above the captions
    dim_light = luminance(dim[garden]).mean()
    restored_light = luminance(restored[garden]).mean()
    assert restored_light > dim_light * 1.25, (dim_light, restored_light)


def _ending_cases() -> list[Any]:
    cases = []
    for path in SHIPPED:
        program = compile_narrative(ROOT / path).program
        assert program is not None
        found = paths_to_endings(program, seed=1)
        assert set(found) == set(program.endings), (path, sorted(map(str, found)))
        for ending, route in sorted(found.items(), key=lambda item: str(item[0])):
            cases.append(
                pytest.param(path, ending, route.choices, id=f"{Path(path).stem}-{ending}")
            )
    return cases


@pytest.mark.parametrize(("narrative", "ending", "choices"), _ending_cases())
def test_every_ending_plays_offscreen(
    narrative: str, ending: str, choices: tuple[int, ...], tmp_path: Path
) -> None:
    result = launch(
        narrative,
        "--mode",
        "offscreen",
        "--seed",
        "1",
        "--choices",
        ",".join(map(str, choices)),
        "--size",
        "320x180",
        "--frames",
        "1",
        "--screenshot-dir",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "transcript.json").read_text())
    assert record["ending"] == ending
    assert len(list(tmp_path.glob("*.png"))) == len(record["scenes"])


def test_auto_mode_says_which_mode_and_why(tmp_path: Path) -> None:
    result = launch(
        "narratives/firefly_night.yaml",
        "--autoplay",
        "first",
        "--screenshot-dir",
        str(tmp_path),
        "--size",
        "320x180",
        "--frames",
        "1",
    )
    assert result.returncode == 0, result.stderr
    chosen = [line for line in result.stderr.splitlines() if "mode: " in line]
    assert len(chosen) == 1
    assert "mode: offscreen" in chosen[0] and "DISPLAY is not set" in chosen[0]


def test_xr_mode_without_a_runtime_fails_in_one_line() -> None:
    result = launch("narratives/firefly_night.yaml", "--mode", "xr")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "OpenXR" in lines[0], lines


def test_bench_player_quick_prints_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "bench", "player", "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["bench"] for row in rows] == ["player-config", "player-config", "player"]
    summary = rows[-1]
    assert summary["frames"] == 120
    assert summary["median_ms"] > 0 and summary["p99_ms"] >= summary["median_ms"]
    assert summary["budget_ms"] == 11.11


def test_offscreen_falls_back_to_xvfb_when_egl_is_unavailable(tmp_path: Path) -> None:
    """With no EGL vendor library, the player renders through a private Xvfb instead."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["__EGL_VENDOR_LIBRARY_FILENAMES"] = "/nonexistent.json"  # libglvnd finds no EGL
    result = subprocess.run(
        [
            sys.executable,
            "launch_vr.py",
            "narratives/firefly_night.yaml",
            *("--mode", "offscreen", "--autoplay", "first", "--size", "320x180"),
            *("--frames", "1", "--screenshot-dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "EGL offscreen rendering failed" in result.stderr
    record = json.loads((tmp_path / "transcript.json").read_text())
    assert record["pipe"] == "pandagl+xvfb"
    first = read_png(tmp_path / record["screenshots"][0]["file"])
    assert first.std() > 8
