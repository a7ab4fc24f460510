"""Lessons in 3D, rendered for real: offscreen autoplay of every shipped lesson with both
answering policies (records checked by ralph), and dragging items into bins with the real
pointer in a desktop window on Xvfb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.learn.store import RecordStore
from engine.scene.lesson_layout import SNAP_RADIUS, ground_point, layout_sort, snap_bin
from tests.images import read_png
from tests.lesson_helpers import ROOT, SHIPPED, load
from tests.ralph_lrs import ralph_python, validate
from tests.test_desktop import display, run_child

__all__ = ["display"]  # the Xvfb fixture, shared with the narrative desktop tests


@pytest.fixture(scope="module")
def autoplayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """``launch_vr.py lessons/X.yaml --mode offscreen --answers both`` for every lesson."""
    runs: dict[str, tuple[Path, dict[str, Any]]] = {}
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    for path in SHIPPED:
        out = tmp_path_factory.mktemp(path.stem)
        done = subprocess.run(
            [
                sys.executable,
                "launch_vr.py",
                str(path.relative_to(ROOT)),
                "--mode",
                "offscreen",
                "--answers",
                "both",
                "--records",
                str(out / "records.sqlite"),
                "--group",
                "oak",
                "--screenshot-dir",
                str(out),
                "--size",
                "480x270",
                "--frames",
                "1",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        runs[path.stem] = (out, json.loads((out / "transcript.json").read_text()))
    return runs


def test_every_lesson_reaches_the_end_with_both_policies(
    autoplayed: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    assert set(autoplayed) == {p.stem for p in SHIPPED}
    for name, (_, record) in autoplayed.items():
        right, wrong = record["runs"]
        assert (right["policy"], wrong["policy"]) == ("correct", "wrong-first"), name
        assert right["reached_end"] and right["passed"] and not right["remediated"], name
        assert wrong["reached_end"] and wrong["remediated"] and not wrong["passed"], name
        assert any(e.startswith("remediation:") for e in wrong["events"]), name
        assert not any(e.startswith("remediation:") for e in right["events"]), name
        assert right["frames"] > 0 and record["pipe"]


def test_sorting_gives_colour_sound_and_haptic_feedback_and_snaps(
    autoplayed: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    _, record = autoplayed["sorting-household-waste"]
    right, wrong = record["runs"]
    assert {c["kind"] for c in right["cues"]} == {"right"}
    kinds = [c["kind"] for c in wrong["cues"]]
    assert kinds[:2] == ["wrong", "right"]  # a wrong bin first, then the right one
    assert all(c["sound"] and 0 < c["haptic"] <= 1 for c in wrong["cues"])


def test_screenshots_show_the_bins_in_their_colours(
    autoplayed: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    out, record = autoplayed["sorting-household-waste"]
    shot = next(f for f in record["runs"][0]["screenshots"] if "kitchen-sort" in f)
    pixels = read_png(out / shot).astype(np.float64)[..., :3]
    assert pixels.std() > 10, "the frame is blank"
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 110)  # the recycling bin (#3a7bd5)
    green = (pixels[..., 1] > 120) & (pixels[..., 0] < 120) & (pixels[..., 2] < 110)
    assert blue.sum() > 200 and green.sum() > 200


def test_the_digester_lights_the_garden(autoplayed: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    _, record = autoplayed["waste-to-energy-biogas"]
    right, wrong = record["runs"]
    assert right["lights_level"] == pytest.approx(1.0)
    assert wrong["lights_level"] == pytest.approx(1.0)  # lit after the second try


def test_autoplay_records_pass_ralph(autoplayed: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    statements: list[dict[str, Any]] = []
    for out, _ in autoplayed.values():
        with RecordStore(out / "records.sqlite") as store:
            rows = store.all()
        assert sum(r.verb == "terminated" for r in rows) == 2
        statements.extend(r.body for r in rows)
    verdict = validate(ralph_python(), statements)
    assert verdict == {"valid": len(statements), "errors": []}


def test_a_broken_lesson_gets_diagnostics_not_a_window(tmp_path: Path) -> None:
    broken = ROOT / "tests" / "broken_lessons" / "sort_item_without_bin.yaml"
    done = subprocess.run(
        [sys.executable, "launch_vr.py", str(broken), "--mode", "offscreen"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "error[E104]" in done.stderr
    assert "Traceback" not in done.stderr


def test_layout_and_snapping() -> None:
    layout = layout_sort(["a", "b", "c"], ["x", "y"])
    for name, (x, y, _) in layout.bins.items():
        assert snap_bin(layout, (x + SNAP_RADIUS * 0.9, y, 0.9)) == name
    assert snap_bin(layout, (0.0, 0.2, 0.9)) is None  # dropped near the learner: nowhere
    assert ground_point((0, 0, 1.5), (0, 1, -0.5), 0.9) == pytest.approx((0, 1.2, 0.9))
    assert ground_point((0, 0, 1.5), (0, 1, 0.2), 0.9) is None  # pointing up: never lands


DRAG = """\
import json, sys, time
from panda3d.core import Point3
from engine.display.modes import Mode
from engine.display.panda import DisplaySettings, open_display
from engine.learn.compiler import compile_lesson
from engine.learn.runtime import LessonRun
from engine.player.lesson_autoplay import load_font
from engine.player.lesson_desktop import LessonDesk, attach_desk
from engine.player.screen import film_to_pixels, project_to_window
from engine.scene.lesson_stage import LessonStage

lesson = compile_lesson(sys.argv[1]).lesson
opened = open_display(DisplaySettings(Mode.DESKTOP, 640, 360, audio=False))
base = opened.base
stage = LessonStage(base, load_font(base))
run = LessonRun(lesson)
desk = LessonDesk(base, lesson, stage, run)
attach_desk(base, desk)

def step(n=1):
    for _ in range(n):
        base.task_mgr.step()

def pixel_of(point):
    relative = base.cam.get_relative_point(base.render, Point3(*point))
    projected = Point3()
    assert base.camLens.project(relative, projected)
    x, y = film_to_pixels(base, projected.x, projected.y)
    return int(x), int(y)

def drag(item, bin_name):
    start = project_to_window(base, stage.item_node(item))
    assert base.win.move_pointer(0, *start)
    step(3)
    base.messenger.send("mouse1")
    x, y, z = desk.layout.bins[bin_name]
    target = pixel_of((x, y, 0.9))
    for k in range(1, 6):  # move in steps: the held item follows the pointer
        assert base.win.move_pointer(0, start[0] + (target[0] - start[0]) * k // 5,
                                     start[1] + (target[1] - start[1]) * k // 5)
        step(2)
    held = desk.held
    base.messenger.send("mouse1-up")
    for _ in range(3000):  # let the snap or bounce animation finish (real time passes)
        step(1)
        if not stage.busy():
            break
        time.sleep(0.002)
    return held

step(3)
while desk.layout is None:
    desk.key("space")
    step(1)
first = run.unplaced()[0]
right = next(i.bin for i in run.waiting.activity.items if i.id == first)
wrong = next(b for b in desk.layout.bins if b != right)
held_wrong = drag(first, wrong)
after_wrong = stage.item_position(first)
held_right = drag(first, right)
after_right = stage.item_position(first)
result = {
    "window": base.win.get_type().get_name(),
    "held": [held_wrong, held_right],
    "cues": [[c.kind, c.bin, c.item] for c in stage.cues],
    "home": list(desk.layout.items[first]),
    "after_wrong": list(after_wrong),
    "after_right": list(after_right),
    "bin": list(desk.layout.bins[right]),
    "right": right, "wrong": wrong, "item": first,
    "attempts": run.attempts(run.waiting.id, first),
    "log": desk.log,
}
print("RESULT " + json.dumps(result), flush=True)
opened.close()
"""


def test_dragging_items_into_bins_with_the_mouse(display: str, tmp_path: Path) -> None:
    lesson = ROOT / "lessons" / "sorting-household-waste.yaml"
    result = run_child(display, tmp_path, DRAG, str(lesson))
    assert result["window"] == "glxGraphicsWindow"
    item = result["item"]
    assert result["held"] == [item, item]
    assert result["cues"] == [["wrong", result["wrong"], item], ["right", result["right"], item]]
    assert result["attempts"] == 2
    assert np.allclose(result["after_wrong"], result["home"], atol=0.02)  # bounced back
    bx, by, _ = result["bin"]
    ax, ay, _ = result["after_right"]
    assert abs(ax - bx) < 0.05 and abs(ay - by) < 0.05  # snapped into the bin
    assert load(lesson).id == "sorting-household-waste"
