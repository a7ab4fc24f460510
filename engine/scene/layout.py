"""Sizes and placements in metres, chosen by what a child can read and reach. Pure functions."""

from __future__ import annotations

import math

__all__ = [
    "PANEL_DISTANCE",
    "TEXT_ANGLE_DEGREES",
    "line_height_for",
    "wrap_width_for",
]

PANEL_DISTANCE = 2.0  # metres from the eyes to the text panel
# A line of text spans ~1.5 degrees of view: comfortably readable in current headsets
# (about twice the 0.7-degree minimum usually recommended for VR body text).
TEXT_ANGLE_DEGREES = 1.5
PANEL_WIDTH = 1.5


def line_height_for(distance: float, degrees: float = TEXT_ANGLE_DEGREES) -> float:
    """Height in metres of a text line that spans ``degrees`` at ``distance`` metres."""
    return 2.0 * distance * math.tan(math.radians(degrees) / 2.0)


def wrap_width_for(panel_width: float, line_height: float) -> float:
    """TextNode wordwrap is in units of the text scale: characters fit ~2 per line height."""
    return panel_width / line_height
