"""Desktop play: a window, mouse to look and point, click or number keys to choose."""

from __future__ import annotations

from engine.content.program import Program
from engine.player.options import PlayerOptions

__all__ = ["run_desktop"]


def run_desktop(options: PlayerOptions, program: Program) -> int:
    raise NotImplementedError
