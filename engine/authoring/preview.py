"""``glowgrove preview FILE``: the desktop player, reloading the story each time it is saved.

:class:`PreviewController` is the logic (no Panda3D): it polls the story's files, compiles a
changed story, and either hands back the new program with a machine fast-forwarded along the
choices made so far (:mod:`engine.authoring.reload`), or the diagnostics text when the new
version does not compile; the window then keeps playing the last good version and shows the
text over it. :class:`PreviewWindow` is the thin Panda3D shell around the desktop player.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.authoring.reload import FileWatcher, Replay, edited_scenes, replay_choices
from engine.authoring.sources import load_story
from engine.content.diagnostics import render_diagnostics
from engine.content.program import Program

__all__ = ["PreviewController", "PreviewError", "PreviewReload", "preview_command"]

log = logging.getLogger(__name__)

MAX_ERROR_LINES = 14
MONO_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class PreviewReload:
    program: Program
    replay: Replay


@dataclass(frozen=True)
class PreviewError:
    text: str  # the diagnostics, as ``glowgrove check`` prints them


class PreviewController:
    """Watches one story and decides what a save means for the preview."""

    def __init__(self, path: Path, seed: int | None = None) -> None:
        self.path = path
        self.seed = seed
        story = load_story(path)
        self.program: Program | None = story.program
        self.first_error = None if story.program else _error_text(story.diagnostics)
        self.watcher = FileWatcher(story.files or (path,))
        self.replayed: tuple[str, ...] = ()  # choices the current machine was replayed along

    def poll(self, chosen_since: list[str]) -> PreviewReload | PreviewError | None:
        """None when nothing was saved; ``chosen_since`` are the ids picked in this version."""
        if not self.watcher.changed():
            return None
        story = load_story(self.path)
        if story.program is None:
            # Keep watching every file seen so far: a part that no longer loads is where
            # the fix will be saved.
            self.watcher.watch({*map(str, self.watcher.paths), *story.files, str(self.path)})
            return PreviewError(_error_text(story.diagnostics))
        self.watcher.watch(story.files or (self.path,))
        history = [*self.replayed, *chosen_since]
        edited = (
            set(story.program.scenes)
            if self.program is None
            else (edited_scenes(self.program, story.program))
        )
        replay = replay_choices(story.program, history, edited, self.seed)
        self.program = story.program
        self.replayed = replay.used
        log.info(
            "reloaded %s: %s at scene %s after %d choice(s)",
            self.path,
            replay.stopped,
            replay.scene,
            len(replay.used),
        )
        return PreviewReload(story.program, replay)


def _error_text(diagnostics: Any) -> str:
    text = render_diagnostics(diagnostics) if diagnostics else "the story could not be read"
    lines = text.splitlines()
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], "... and more: 'glowgrove check FILE' lists them all"]
    return "\n".join(lines)


class PreviewWindow:
    """The desktop player with a watcher task and an error overlay."""

    def __init__(
        self,
        controller: PreviewController,
        options: Any,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from engine.player.interactive import DesktopApp

        self.controller = controller
        self.interval = interval
        self.clock = clock
        title = f"Glowgrove preview: {controller.path.name}"
        self.app = DesktopApp(options, title)
        self.overlay, self.overlay_np = self._make_overlay()
        self.reloads = 0
        self.errors = 0
        self._next_poll = clock() + interval
        if controller.program is not None:
            self.app.play(controller.program)
        self.app.base.taskMgr.add(self._watch, "glowgrove-preview-watch")

    def _make_overlay(self) -> tuple[Any, Any]:
        from panda3d.core import TextNode

        text = TextNode("preview-error")
        for candidate in MONO_FONTS:
            if Path(candidate).exists():
                text.set_font(self.app.base.loader.load_font(candidate))
                break
        text.set_align(TextNode.A_left)
        text.set_text_color(1, 0.93, 0.93, 1)
        text.set_card_color(0.35, 0.04, 0.08, 0.92)
        text.set_card_as_margin(0.5, 0.5, 0.4, 0.4)
        text.set_wordwrap(64)
        holder = self.app.base.aspect2d.attach_new_node(text)
        holder.set_scale(0.042)
        holder.set_pos(-self.app.base.get_aspect_ratio() + 0.08, 0, 0.88)
        holder.set_bin("fixed", 120)
        holder.hide()
        return text, holder

    @property
    def error_text(self) -> str | None:
        return None if self.overlay_np.is_hidden() else str(self.overlay.get_text())

    def show_error(self, text: str) -> None:
        self.overlay.set_text(
            "This version has mistakes; the preview keeps playing the last good one.\n\n" + text
        )
        self.overlay_np.show()

    def _watch(self, task: Any) -> Any:
        now = self.clock()
        if now >= self._next_poll:
            self._next_poll = now + self.interval
            self.check()
        return task.cont

    def check(self) -> None:
        session = self.app.story  # also while a lesson the story started is on screen
        chosen = list(session.flow.chosen) if session is not None else []
        outcome = self.controller.poll(chosen)
        if isinstance(outcome, PreviewError):
            self.errors += 1
            self.show_error(outcome.text)
        elif isinstance(outcome, PreviewReload):
            self.reloads += 1
            self.overlay_np.hide()
            self.app.play(outcome.program, machine=outcome.replay.machine)

    def screenshot(self, path: Path) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        return bool(self.app.base.win.save_screenshot(str(path)))


def preview_command(args: argparse.Namespace) -> int:
    from engine.content.assets import find_assets_root
    from engine.display.modes import Mode, probe_display
    from engine.player.options import PlayerOptions

    path = Path(args.file)
    if not path.is_file():
        sys.stderr.write(f"glowgrove: {path}: file not found\n")
        return 1
    why_not = probe_display()
    if why_not is not None:
        sys.stderr.write(
            f"glowgrove: preview needs a desktop window ({why_not}); on a machine without one, "
            "use 'glowgrove test' and 'glowgrove map', or launch_vr.py --mode offscreen\n"
        )
        return 2
    if args.interval <= 0:
        sys.stderr.write("glowgrove: --interval must be positive\n")
        return 2
    controller = PreviewController(path, args.seed)
    if controller.program is None:
        # Nothing good to keep playing yet: the window opens with the mistakes shown and
        # starts the story on the first save that compiles.
        sys.stderr.write((controller.first_error or "") + "\n")
    choices: tuple[int, ...] = ()
    if args.choices:
        try:
            choices = tuple(int(part) for part in args.choices.split(",") if part.strip())
        except ValueError:
            sys.stderr.write("glowgrove: --choices takes numbers like 1,2,1\n")
            return 2
    options = PlayerOptions(
        path,
        Mode.DESKTOP,
        choices=choices,
        seed=args.seed,
        width=args.width,
        height=args.height,
        audio=not args.no_audio,
        assets=find_assets_root(path) or Path("assets"),
    )
    try:
        window = PreviewWindow(controller, options, args.interval)
    except Exception as error:  # Panda3D raises a plain Exception when no window opens
        sys.stderr.write(f"glowgrove: could not open the preview window: {error}\n")
        return 1
    if controller.first_error:
        window.show_error(controller.first_error)
    sys.stderr.write(f"previewing {path}: save the file to reload; close the window to stop\n")
    try:
        if args.frames:
            window.app.step(args.frames)
        else:
            window.app.run()
        if args.screenshot is not None and not window.screenshot(args.screenshot):
            sys.stderr.write(f"glowgrove: could not write {args.screenshot}\n")
            return 1
    finally:
        window.app.close()
    return 0
