"""glowgrove preview for real: the desktop player in a window on Xvfb reloads a saved story,
fast-forwards to the edited scene with the same choices, and shows a compile error in the
window while the last good version keeps running."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from tests.test_desktop import child_env, display  # the private Xvfb server

__all__ = ["display"]

ROOT = Path(__file__).resolve().parent.parent

STORY = """\
glowgrove: 1
id: lamp_walk
title: Lamp Walk
start: gate
variables:
  lamp: {type: bool, default: false}
endings:
  home: {title: Home}
scenes:
  gate:
    environment: {preset: night_garden, time: dusk, glow: 0.4}
    body:
      - say: Two paths glow in the garden.
      - choice:
          - text: Take the lamp
            set: {lamp: true}
          - text: No lamp
      - choice:
          - text: Forest
            jump: forest
          - text: Lake
            jump: lake
  forest:
    body:
      - say: Tall trees.
      - say: The owl hoots.
      - end: home
  lake:
    body:
      - say: Still water.
      - end: home
"""

CHILD = """\
import json, os, sys
from pathlib import Path
from engine.authoring.preview import PreviewController, PreviewWindow
from engine.display.modes import Mode
from engine.player.flow import FlowState, PacingSettings
from engine.player.options import PlayerOptions

story = Path(sys.argv[1])
now = [0.0]
controller = PreviewController(story)
options = PlayerOptions(
    story, Mode.DESKTOP, width=640, height=360, audio=False, plants=120,
    data_dir=Path(sys.argv[2]), pacing=PacingSettings(auto_advance=False),
)
window = PreviewWindow(controller, options, interval=0.5, clock=lambda: now[0])
app = window.app
first = app.screen
app.step(5)
result = {"window": app.base.win.get_type().get_name()}

def until(condition, limit=200):
    for _ in range(limit):
        if condition():
            return True
        app.step()
    return condition()

def save(text):
    old = story.stat().st_mtime_ns
    story.write_text(text)
    os.utime(story, ns=(old + 2_000_000_000, old + 2_000_000_000))
    now[0] += 1.0
    app.step(3)

app.base.messenger.send("space")
until(lambda: first.flow.state is FlowState.CHOOSING)
app.base.messenger.send("1")   # take the lamp
app.step(2)
app.base.messenger.send("1")   # the forest
app.step(2)
result["before"] = [list(first.scenes), first.director.caption.get_text()]
app.base.messenger.send("space")  # on to the owl
app.step(2)
text = story.read_text()
save(text.replace("Tall trees.", "Tall pines sway."))
second = app.screen
result["reloaded"] = [second is not first, window.reloads]
result["after"] = [list(second.scenes), second.director.caption.get_text()]
result["lamp"] = second.flow.machine.variables["lamp"]
save(text.replace("jump: lake", "jump: laek"))
result["error"] = window.error_text
result["kept"] = app.screen is second
app.base.messenger.send("space")
app.step(2)
result["still_playing"] = second.director.caption.get_text()
path = Path(sys.argv[2]) / "error.png"
result["screenshot"] = window.screenshot(path) and path.stat().st_size > 1000
save(text.replace("Still water.", "Still, silver water."))
result["fixed"] = [window.error_text, window.reloads, app.screen is not second]
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""


def run_child(display: str, tmp_path: Path, story: Path) -> dict[str, Any]:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    data = tmp_path / "data"
    data.mkdir()
    result = subprocess.run(
        [sys.executable, str(script), str(story), str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(display),
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, result.stdout + result.stderr
    parsed: dict[str, Any] = json.loads(lines[0].removeprefix("RESULT "))
    return parsed


def test_preview_reloads_on_save_and_shows_errors(display: str, tmp_path: Path) -> None:
    story = tmp_path / "lamp_walk.yaml"
    story.write_text(STORY, encoding="utf-8")
    result = run_child(display, tmp_path, story)
    assert result["window"] == "glxGraphicsWindow"
    assert result["before"] == [["gate", "forest"], "Tall trees."]
    # Saved: a new session, fast-forwarded along the same two choices into the edited scene.
    assert result["reloaded"] == [True, 1]
    assert result["after"] == [["forest"], "Tall pines sway."]
    assert result["lamp"] is True
    # A mistake: the diagnostic is in the window, the last good version keeps playing.
    error = result["error"]
    assert error is not None and "error[E0" in error and "laek" in error
    assert "lamp_walk.yaml:" in error
    assert result["kept"] is True
    assert result["still_playing"] == "The owl hoots."
    assert result["screenshot"] is True
    # Fixed: the overlay goes, the story reloads (the lake scene changed, not on the path:
    # back where the author was).
    assert result["fixed"] == [None, 2, True]


def test_preview_without_a_display_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "lamp_walk.yaml"
    story.write_text(STORY, encoding="utf-8")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["preview", str(story)]) == 2
    assert "preview needs a desktop window (DISPLAY is not set)" in capsys.readouterr().err
    assert main(["preview", str(tmp_path / "missing.yaml")]) == 1
