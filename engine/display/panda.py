"""Opening Panda3D for a display mode: a desktop window or an offscreen buffer.

Offscreen uses the ``p3headlessgl`` EGL pipe (Mesa's software renderer on machines without a
GPU); if EGL cannot start, a private Xvfb server and the ``pandagl`` pipe take its place.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass

from engine.display.modes import Mode

__all__ = ["DisplaySettings", "OpenedDisplay", "open_display"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DisplaySettings:
    mode: Mode
    width: int = 960
    height: int = 540
    audio: bool = True
    title: str = "Glowgrove"
    offscreen_pipe: str = "auto"  # auto: EGL, else Xvfb; or force "egl" / "xvfb"
    # None: wait for the monitor on a desktop window only. The headset mirror says False: the
    # runtime paces frames (xrWaitFrame), a 60 Hz monitor must not hold back a 90 Hz headset.
    sync_video: bool | None = None


@dataclass
class OpenedDisplay:
    base: object  # direct.showbase.ShowBase.ShowBase
    pipe: str
    xvfb: subprocess.Popen[bytes] | None = None

    def close(self) -> None:
        destroy = getattr(self.base, "destroy", None)
        if destroy is not None:
            destroy()
        if self.xvfb is not None:
            self.xvfb.terminate()
            self.xvfb.wait(timeout=10)


def _configure(settings: DisplaySettings, pipe: str) -> None:
    from panda3d.core import load_prc_file_data

    window_type = "onscreen" if settings.mode is Mode.DESKTOP else "offscreen"
    sync = settings.sync_video
    if sync is None:
        sync = settings.mode is not Mode.OFFSCREEN
    lines = [
        f"load-display {pipe}",
        f"window-type {window_type}",
        f"win-size {settings.width} {settings.height}",
        f"window-title {settings.title}",
        "sync-video " + ("true" if sync else "false"),
        "framebuffer-multisample 0",
        "notify-level-device fatal",  # no /dev/input on servers: not worth a warning
        "notify-level-egldisplay error",
        "textures-power-2 none",
        "default-directnotify-level warning",
        "audio-library-name " + ("p3openal_audio" if settings.audio else "null"),
    ]
    load_prc_file_data("glowgrove", "\n".join(lines))


def open_display(settings: DisplaySettings) -> OpenedDisplay:
    """Create the ShowBase for ``settings.mode`` (desktop or offscreen)."""
    from direct.showbase.ShowBase import ShowBase

    if settings.mode is Mode.DESKTOP:
        _configure(settings, "pandagl")
        base = ShowBase()
        return OpenedDisplay(base, "pandagl")
    if settings.offscreen_pipe != "xvfb":
        _configure(settings, "p3headlessgl")
        try:
            base = ShowBase()
            if base.win is None:
                raise RuntimeError("the EGL pipe opened no buffer")
            return OpenedDisplay(base, "p3headlessgl")
        except Exception as error:  # any pipe failure means: try the fallback
            if settings.offscreen_pipe == "egl":
                raise RuntimeError(f"EGL offscreen rendering failed: {error}") from error
            log.warning("EGL offscreen rendering failed (%s); trying Xvfb", error)
            _discard_failed_showbase()
    xvfb = _start_xvfb()
    try:
        base = _showbase_on_xvfb(settings)
    except BaseException:
        xvfb.terminate()
        raise
    return OpenedDisplay(base, "pandagl+xvfb", xvfb)


def _showbase_on_xvfb(settings: DisplaySettings) -> object:
    from direct.showbase.ShowBase import ShowBase
    from panda3d.core import GraphicsPipeSelection

    _configure(settings, "pandagl")
    # Display modules load once per process: ask for the GLX pipe by name, not by default.
    pipe = GraphicsPipeSelection.get_global_ptr().make_module_pipe("pandagl")
    if pipe is None:
        raise RuntimeError("the pandagl display module is missing from this Panda3D build")
    base = ShowBase(windowType="none")
    base.pipe = pipe
    base.openDefaultWindow(type="offscreen")
    if base.win is None:
        raise RuntimeError("no offscreen buffer could be opened with EGL or with Xvfb")
    return base


def _discard_failed_showbase() -> None:
    """A ShowBase whose window failed still registers itself globally; remove it so the
    fallback can create a new one (Panda3D allows one ShowBase at a time)."""
    import builtins

    stale = getattr(builtins, "base", None)
    if stale is not None:
        try:
            stale.destroy()
        except Exception as error:  # it is half-built: nothing more to clean up
            log.debug("cleaning up the failed ShowBase: %s", error)
        if hasattr(builtins, "base"):
            del builtins.base


def _start_xvfb() -> subprocess.Popen[bytes]:
    binary = shutil.which("Xvfb")
    if binary is None:
        raise RuntimeError("offscreen rendering needs EGL (libegl1) or Xvfb; neither works here")
    for number in range(90, 120):
        if os.path.exists(f"/tmp/.X11-unix/X{number}"):
            continue
        process = subprocess.Popen(
            [binary, f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{number}"):
                from panda3d.core import ExecutionEnvironment

                # Panda3D keeps its own copy of the environment, read at start-up.
                os.environ["DISPLAY"] = f":{number}"
                ExecutionEnvironment.set_environment_variable("DISPLAY", f":{number}")
                return process
            time.sleep(0.1)
        process.terminate()
    raise RuntimeError("could not start Xvfb")
