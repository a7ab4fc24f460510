"""Make the screenshots of docs/tutorial.md from the real tools, so they never go stale.

    .venv/bin/python scripts/tutorial_screenshots.py        # writes docs/images/tutorial-*.png

It scaffolds the tutorial's story with ``glowgrove new``, draws its map (and a broken copy's)
with ``glowgrove map`` and photographs them in Debian's headless Chromium, then runs the
preview window on a private Xvfb server, once playing and once after a broken save.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
GLOWGROVE = [sys.executable, "-m", "engine.cli"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROKEN_EDIT = ("jump: old_oak", "jump: old_oka")

PREVIEW = """\
import os, sys
from pathlib import Path
from engine.authoring.preview import PreviewController, PreviewWindow
from engine.display.modes import Mode
from engine.player.flow import FlowState, PacingSettings
from engine.player.options import PlayerOptions

story, images = Path(sys.argv[1]), Path(sys.argv[2])
now = [0.0]
options = PlayerOptions(story, Mode.DESKTOP, width=960, height=540, audio=False,
                        data_dir=images.parent / "data", pacing=PacingSettings(auto_advance=False))
window = PreviewWindow(PreviewController(story), options, interval=0.5, clock=lambda: now[0])
app, session = window.app, window.app.screen
app.step(5)
for _ in range(10):  # to the first choice, pick 'look around', then read on in the oak scene
    if session.flow.state is FlowState.CHOOSING:
        break
    app.base.messenger.send("space")
    app.step(2)
app.base.messenger.send("1")
app.step(90)
assert window.screenshot(images / "tutorial-preview.png")
good = story.read_text()
story.write_text(good.replace(*{broken!r}))
now[0] += 1
app.step(40)
assert window.error_text, "the broken save was not noticed"
assert window.screenshot(images / "tutorial-preview-error.png")
app.close()
"""


def glowgrove(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*GLOWGROVE, *args], cwd=cwd, env=env, text=True, capture_output=True, check=False
    )


def map_shots(work: Path, story: Path) -> None:
    from playwright.sync_api import sync_playwright

    broken = work / "broken" / story.name
    broken.parent.mkdir()
    broken.write_text(story.read_text(encoding="utf-8").replace(*BROKEN_EDIT), encoding="utf-8")
    pages = {}
    for name, source in (("tutorial-map", story), ("tutorial-map-broken", broken)):
        out = work / f"{name}.html"
        glowgrove("map", str(source.relative_to(work)), "-o", str(out), cwd=work)
        assert out.exists(), f"glowgrove map wrote no {out}"
        pages[name] = out
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1100, "height": 560})
        for name, out in pages.items():
            page.goto(out.as_uri())
            page.click("[data-id='old_oak']")
            page.screenshot(path=str(IMAGES / f"{name}.png"))
        browser.close()


def preview_shots(work: Path, story: Path) -> None:
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is missing: run scripts/bootstrap"
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        assert ready, "Xvfb did not start"
        display = ":" + os.read(read_end, 64).decode().strip()
        script = work / "preview_shots.py"
        script.write_text(textwrap.dedent(PREVIEW.format(broken=BROKEN_EDIT)), encoding="utf-8")
        env = {**os.environ, "DISPLAY": display, "PYTHONPATH": str(ROOT)}
        env.pop("WAYLAND_DISPLAY", None)
        subprocess.run(
            [sys.executable, str(script), str(story.relative_to(work)), str(IMAGES)],
            cwd=work,
            env=env,
            check=True,
            timeout=300,
        )
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="glowgrove-tutorial-") as folder:
        work = Path(folder)
        (work / "schema").mkdir()
        shutil.copy(ROOT / "schema" / "narrative.schema.json", work / "schema")
        made = glowgrove("new", "narrative", "moonlit_meadow", cwd=work)
        assert made.returncode == 0, made.stderr
        story = work / "narratives" / "moonlit_meadow.yaml"
        map_shots(work, story)
        preview_shots(work, story)
    for image in sorted(IMAGES.glob("tutorial-*.png")):
        print(f"wrote {image.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
