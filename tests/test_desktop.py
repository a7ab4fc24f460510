"""The desktop player in a real window on a real X server (Xvfb), driven by the real pointer.

Each test runs the player in a child process (Panda3D allows one ShowBase per process) with
DISPLAY pointing at a private Xvfb. The child warps the X pointer onto a panel with
``win.move_pointer``, lets Panda3D's mouse watcher see it, clicks through the messenger (as the
issue allows) and prints one ``RESULT {json}`` line that the test checks.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

STORY = """\
glowgrove: 1
id: tiny_walk
title: Tiny Walk
age_range: [8, 12]
minutes: 2
start: gate
characters:
  liora: {name: Liora, color: "#7fe3c4"}
endings:
  moss: {title: Moss everywhere}
  lake: {title: The quiet lake}
scenes:
  gate:
    environment: {preset: night_garden, time: night, glow: 0.4}
    body:
      - say: Two paths glow in the garden.
        speaker: liora
      - command: set_blight
        args: {level: 0.3}
      - choice:
          - text: Take the mossy path
            jump: moss_path
          - text: Take the lake path
            jump: lake_path
  moss_path:
    body:
      - say: Soft moss everywhere.
      - end: moss
  lake_path:
    environment: {glow: 0.9}
    body:
      - say: The lake shines back at you.
      - end: lake
"""

BROKEN = STORY.replace("id: tiny_walk", "id: broken_walk").replace("jump: lake_path", "jump: laek")

HEADER = """\
import dataclasses, json, sys
from pathlib import Path
from engine.content.compiler import compile_narrative
from engine.display.modes import Mode
from engine.player.flow import FlowState, PacingSettings
from engine.player.interactive import DesktopApp
from engine.player.options import PlayerOptions
from engine.player.screen import project_to_window

def frames_until(app, condition, limit=600):
    for _ in range(limit):
        if condition():
            return True
        app.step()
    return condition()

def point_and_click(app, node, hovered):
    target = project_to_window(app.base, node)
    assert target is not None, "the panel is not on screen"
    assert app.base.win.move_pointer(0, *target), "the X server refused to move the pointer"
    seen = frames_until(app, hovered, 120)
    app.base.messenger.send("mouse1")
    app.step(3)
    return target, seen
"""

CHOOSE = """\
story, data = Path(sys.argv[1]), Path(sys.argv[2])
options = PlayerOptions(
    story, Mode.DESKTOP, width=640, height=360, audio=False, plants=120, data_dir=data,
    profile="Moss", pacing=PacingSettings(auto_advance=False),
)
app = DesktopApp(options)
session = app.play(compile_narrative(story).program, app.explorer())
app.step(5)
result = {"window": app.base.win.get_type().get_name(), "first": list(session.scenes)}
if sys.argv[3] == "choose":
    while session.flow.state is FlowState.READING:
        app.base.messenger.send("space")
        app.step(2)
    result["state_before"] = session.flow.state.value
    app.step(30)  # let the arrival fade finish
    panel = session.director.choices.root.find("choice-1")
    target, seen = point_and_click(app, panel, lambda: session.hovered == 1)
    result.update(pointer=target, hovered=seen)
    # Right-drag looks around (100 px at 0.15 degrees a pixel), Q snap-turns, Escape pauses.
    app.base.win.move_pointer(0, 300, 300)
    app.step(2)
    app.base.messenger.send("mouse3")
    app.base.win.move_pointer(0, 400, 300)
    app.step(3)
    app.base.messenger.send("mouse3-up")
    result["after_drag"] = session.director.rig.heading
    app.base.messenger.send("q")
    result["after_snap"] = session.director.rig.heading
    app.base.messenger.send("escape")
    result["safe_place"] = [session.flow.state.value, session.director.stage.is_hidden()]
    app.base.messenger.send("escape")
result.update(scenes=session.scenes, state=session.flow.state.value)
result["environment"] = dataclasses.asdict(session.director.environment)
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""

HOME = """\
content, data = Path(sys.argv[1]), Path(sys.argv[2])
options = PlayerOptions(
    None, Mode.DESKTOP, width=800, height=450, audio=False, plants=120, data_dir=data,
    content_dirs=(content,), pacing=PacingSettings(auto_advance=False),
)
app = DesktopApp(options)
home = app.open_home()
app.step(5)
result = {"explorers": [card.title for card in app.menu.cards()]}
point_and_click(app, home.cards[0], lambda: home.hovered == 0)
cards = app.menu.cards()
result["stories"] = [(card.title, card.marker) for card in cards]
broken = next(i for i, card in enumerate(cards) if card.marker == "Needs fixing")
point_and_click(app, home.cards[broken], lambda: home.hovered == broken)
result["notice"] = home.notice.get_text()
result["still_home"] = app.screen is home
wanted = next(i for i, card in enumerate(cards) if card.title == "Tiny Walk")
point_and_click(app, home.cards[wanted], lambda: home.hovered == wanted)
session = app.screen
result["playing"] = session.program.id if hasattr(session, "program") else None
result["scenes"] = list(getattr(session, "scenes", []))
# Play to an ending with the keyboard, then leave: back on the home scene, progress shown.
for key in ("space", "1", "space"):
    app.base.messenger.send(key)
    app.step(2)
result["ended"] = session.flow.state.value
app.base.messenger.send("space")
app.step(3)
result["home_again"] = app.screen is not session and hasattr(app.screen, "menu")
result["markers"] = [card.marker for card in app.menu.cards()]
result["render"] = sorted(child.get_name() for child in app.base.render.get_children())
app.base.messenger.send("2")  # number keys pick cards too
app.step(3)
result["second"] = list(getattr(app.screen, "scenes", []))
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A private Xvfb server on a display number it picks itself (-displayfd)."""
    binary = shutil.which("Xvfb")
    assert binary is not None, "Xvfb is missing: run scripts/bootstrap (it installs xvfb)"
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_end), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        assert ready, "Xvfb did not start within 30 s"
        number = os.read(read_end, 64).decode().strip()
        assert number.isdigit(), f"Xvfb reported no display number ({number!r})"
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=10)


def child_env(display: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env["DISPLAY"] = display
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_child(
    display: str, tmp_path: Path, body: str, *args: str, timeout: float = 180
) -> dict[str, Any]:
    script = tmp_path / "child.py"
    script.write_text(HEADER + textwrap.dedent(body))
    result = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(display),
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, result.stdout + result.stderr
    parsed: dict[str, Any] = json.loads(lines[0].removeprefix("RESULT "))
    return parsed


@pytest.fixture
def story(tmp_path: Path) -> Path:
    folder = tmp_path / "narratives"
    folder.mkdir()
    path = folder / "tiny_walk.yaml"
    path.write_text(STORY)
    return path


def test_pointing_at_a_choice_and_clicking_changes_the_scene(
    display: str, tmp_path: Path, story: Path
) -> None:
    data = tmp_path / "data"
    result = run_child(display, tmp_path, CHOOSE, str(story), str(data), "choose")
    assert result["window"] == "glxGraphicsWindow"  # a real onscreen window, not a buffer
    assert result["state_before"] == "choosing"
    assert result["hovered"], "the pointer over the panel did not highlight it"
    x, y = result["pointer"]
    assert 0 < x < 640 and 0 < y < 360
    assert result["scenes"] == ["gate", "lake_path"]  # choice 2: the lake path
    assert result["after_drag"] == pytest.approx(345)  # dragged right: turned right
    assert result["after_snap"] == pytest.approx(15)  # then one 30-degree snap left
    assert result["safe_place"] == ["paused", True]
    assert result["state"] == "reading"

    # The choice was saved for the explorer Moss; opening the story again resumes there.
    (progress,) = (data / "progress").glob("*/tiny_walk.json")
    saved = json.loads(progress.read_text())
    assert saved["save"]["stack"][-1][0] == "lake_path"
    resumed = run_child(display, tmp_path, CHOOSE, str(story), str(data), "resume")
    assert resumed["first"] == ["lake_path"]
    assert resumed["state"] == "reading"
    # The garden looks as it did: the gate's night and blight, brightened by the lake.
    assert resumed["environment"] == result["environment"]
    assert resumed["environment"]["time"] == "night"
    assert resumed["environment"]["blight"] == pytest.approx(0.3)
    assert resumed["environment"]["glow"] == pytest.approx(0.9)


def test_home_scene_picks_an_explorer_and_a_story_by_pointer(
    display: str, tmp_path: Path, story: Path
) -> None:
    (story.parent / "broken_walk.yaml").write_text(BROKEN)
    data = tmp_path / "data"
    result = run_child(display, tmp_path, HOME, str(story.parent), str(data))
    assert result["explorers"] == ["Firefly", "Moss", "Glowworm"]  # presets: nobody types
    assert result["stories"] == [
        ["Broken walk", "Needs fixing"],
        ["Tiny Walk", "New"],
        ["Change explorer", None],
    ]
    assert "needs fixing" in result["notice"] and result["still_home"]
    assert result["playing"] == "tiny_walk"
    assert result["scenes"] == ["gate"]
    assert result["ended"] == "ended"
    assert result["home_again"]
    assert result["markers"] == ["Needs fixing", "Finished: 1 of 2 endings found", None]
    # The story's world, stage and rig were taken down: only the home scene remains.
    assert result["render"] == ["camera", "home-cards", "world"]
    assert result["second"] == ["gate"]  # finished stories start afresh
    (profile,) = (data / "profiles").glob("*.json")
    assert json.loads(profile.read_text())["nickname"] == "Firefly"


def test_launch_vr_desktop_autoplay_reaches_an_ending(
    display: str, tmp_path: Path, story: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "launch_vr.py",
            str(story),
            *("--mode", "desktop", "--autoplay", "first", "--reading-wpm", "20000"),
            *("--no-audio", "--size", "320x180", "--plants", "50"),
            *("--data-dir", str(tmp_path / "data"), "--profile", "Fern"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(display),
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mode: desktop (desktop mode was asked for)" in result.stderr
    assert "ending: Moss everywhere (moss)" in result.stdout
    (progress,) = (tmp_path / "data" / "progress").glob("*/tiny_walk.json")
    assert json.loads(progress.read_text())["endings"] == ["moss"]


def test_the_home_scene_needs_a_window() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "launch_vr.py", "--mode", "offscreen"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "the home scene needs a desktop window" in result.stderr
