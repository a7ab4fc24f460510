"""Choosing where to show the story: headset, desktop window, or offscreen. Pure logic.

``choose_mode`` is a function of what was asked and what the machine offers, so the choice and
its one-line reason are tested as a table; the probes that fill in :class:`Machine` live apart.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Machine", "Mode", "ModeChoice", "ModeUnavailable", "choose_mode", "probe_machine"]


class Mode(StrEnum):
    AUTO = "auto"
    XR = "xr"
    DESKTOP = "desktop"
    OFFSCREEN = "offscreen"


@dataclass(frozen=True)
class Machine:
    """What the probes found. ``xr_problem``/``display_problem`` are None when available."""

    xr_problem: str | None
    display_problem: str | None


@dataclass(frozen=True)
class ModeChoice:
    mode: Mode
    reason: str


class ModeUnavailable(Exception):
    """The requested mode cannot run here; the message is one line for the user."""


def choose_mode(requested: Mode, machine: Machine) -> ModeChoice:
    if requested is Mode.XR:
        if machine.xr_problem is not None:
            raise ModeUnavailable(f"OpenXR headset mode is unavailable: {machine.xr_problem}")
        return ModeChoice(Mode.XR, "an OpenXR runtime answered")
    if requested is Mode.DESKTOP:
        if machine.display_problem is not None:
            raise ModeUnavailable(f"desktop mode is unavailable: {machine.display_problem}")
        return ModeChoice(Mode.DESKTOP, "desktop mode was asked for")
    if requested is Mode.OFFSCREEN:
        return ModeChoice(Mode.OFFSCREEN, "offscreen mode was asked for")
    if machine.xr_problem is None:
        return ModeChoice(Mode.XR, "an OpenXR runtime answered")
    if machine.display_problem is None:
        return ModeChoice(Mode.DESKTOP, f"no headset ({machine.xr_problem}); a display is present")
    return ModeChoice(
        Mode.OFFSCREEN,
        f"no headset ({machine.xr_problem}) and no display ({machine.display_problem})",
    )


def probe_xr() -> str | None:
    """None when an OpenXR runtime answers with a headset; otherwise what is missing."""
    from engine.xr.runtime import XrUnavailable, open_instance

    try:
        instance = open_instance(())
    except XrUnavailable as error:
        return str(error)
    instance.close()
    return None


def probe_display() -> str | None:
    display = os.environ.get("DISPLAY")
    if not display and not os.environ.get("WAYLAND_DISPLAY"):
        return "DISPLAY is not set"
    if display and display.startswith(":"):
        number = display[1:].split(".")[0]
        socket = f"/tmp/.X11-unix/X{number}"
        if not os.path.exists(socket) and shutil.which("xdpyinfo") is None:
            return f"no X server at {display}"
    return None


def probe_machine() -> Machine:
    return Machine(xr_problem=probe_xr(), display_problem=probe_display())
