"""The props the shipped narratives show, built from simple solids (sizes in metres)."""

from __future__ import annotations

from collections.abc import Callable

from engine.assets.egg import Part
from engine.assets.shapes import Color, box, cylinder, merge, sphere

__all__ = ["PROP_RECIPES", "PropRecipe"]

PropRecipe = tuple[str, Callable[[], list[Part]]]  # (what it is, how to build it)

_METAL = (0.30, 0.32, 0.36, 1.0)
_DARK_METAL = (0.20, 0.21, 0.24, 1.0)
_WOOD = (0.42, 0.30, 0.20, 1.0)
_DARK_WOOD = (0.28, 0.20, 0.14, 1.0)


def biogas_lamp() -> list[Part]:
    """A street lamp on a post, fed by a small green biogas tank at its foot."""
    body = merge(
        [
            cylinder((0, 0, 0), 0.06, 0.20, 0.16, _DARK_METAL),
            cylinder((0, 0, 0.06), 0.26, 0.13, 0.13, (0.28, 0.52, 0.34, 1.0)),
            cylinder((0, 0, 0.32), 0.04, 0.13, 0.05, (0.28, 0.52, 0.34, 1.0)),
            cylinder((0, 0, 0.06), 1.22, 0.035, 0.03, _METAL),
            cylinder((0, 0, 1.26), 0.05, 0.06, 0.09, _DARK_METAL),
            cylinder((0, 0, 1.55), 0.08, 0.11, 0.03, _DARK_METAL),
        ]
    )
    warm: Color = (1.0, 0.86, 0.55, 1.0)
    globe = sphere((0, 0, 1.42), 0.14, warm, 20, 12)
    return [Part("body", body), Part("globe", globe, glow=(0.6, 0.45, 0.2, 1.0))]


def glow_meter() -> list[Part]:
    """A tall gauge on a wooden stand: a glass tube, part filled with glowing green."""
    ticks = [
        box((-0.13, -0.045, 0.30 + 0.18 * i), (0.07, 0.01, 0.015), (0.9, 0.9, 0.82, 1.0))
        for i in range(5)
    ]
    frame = merge(
        [
            box((0, 0, 0.03), (0.50, 0.32, 0.06), _DARK_WOOD),
            box((0, 0.02, 0.62), (0.40, 0.06, 1.12), _WOOD),
            box((0, 0.0, 1.20), (0.44, 0.10, 0.05), _DARK_WOOD),
            *ticks,
        ]
    )
    glass = cylinder((0.05, -0.07, 0.22), 0.86, 0.055, 0.055, (0.70, 0.80, 0.86, 1.0), 20)
    green: Color = (0.45, 1.0, 0.70, 1.0)
    fill = merge(
        [
            sphere((0.05, -0.07, 0.20), 0.08, green, 16, 10),
            cylinder((0.05, -0.07, 0.22), 0.52, 0.058, 0.058, green, 20),
        ]
    )
    return [
        Part("frame", frame),
        Part("glass", glass),
        Part("fill", fill, glow=(0.1, 0.4, 0.2, 1.0)),
    ]


def glow_mural() -> list[Part]:
    """A community mural on two posts: glowing plants under a moon on a night-blue board."""
    board = merge(
        [
            box((-0.72, 0.03, 0.55), (0.06, 0.06, 1.10), _DARK_WOOD),
            box((0.72, 0.03, 0.55), (0.06, 0.06, 1.10), _DARK_WOOD),
            box((0, 0.0, 1.05), (1.60, 0.04, 0.95), (0.10, 0.13, 0.30, 1.0)),
            box((0, -0.021, 0.66), (1.56, 0.004, 0.14), (0.16, 0.30, 0.18, 1.0)),
        ]
    )
    stems = []
    blooms = []
    colours: list[Color] = [
        (0.40, 1.00, 0.85, 1.0),
        (1.00, 0.55, 0.85, 1.0),
        (1.00, 0.85, 0.40, 1.0),
        (0.55, 0.75, 1.00, 1.0),
    ]
    for index in range(9):
        x = -0.64 + index * 0.16
        height = 0.22 + 0.12 * ((index * 5) % 4)
        stems.append(
            box((x, -0.024, 0.73 + height / 2), (0.018, 0.004, height), (0.3, 0.6, 0.3, 1))
        )
        blooms.append(sphere((x, -0.03, 0.75 + height), 0.045, colours[index % 4], 10, 6))
    moon = sphere((-0.5, -0.03, 1.36), 0.09, (0.95, 0.95, 0.85, 1.0), 14, 8)
    return [
        Part("board", merge([board, *stems])),
        Part("blooms", merge(blooms), glow=(0.2, 0.25, 0.22, 1.0)),
        Part("moon", moon, glow=(0.35, 0.35, 0.3, 1.0)),
    ]


def soil_map() -> list[Part]:
    """A map of the town's soil on a board: coloured plots, a river, a red pin at the blight."""
    frame = merge(
        [
            box((-0.45, 0.03, 0.6), (0.05, 0.05, 1.2), _DARK_WOOD),
            box((0.45, 0.03, 0.6), (0.05, 0.05, 1.2), _DARK_WOOD),
            box((0, 0.0, 1.05), (1.0, 0.04, 0.72), (0.86, 0.80, 0.64, 1.0)),
        ]
    )
    soils: list[Color] = [
        (0.45, 0.32, 0.20, 1.0),  # rich brown
        (0.70, 0.55, 0.30, 1.0),  # sandy
        (0.35, 0.50, 0.28, 1.0),  # green cover
        (0.48, 0.47, 0.45, 1.0),  # grey: contaminated
    ]
    plots = []
    for row in range(3):
        for column in range(4):
            colour = soils[(row * 3 + column * 2) % 4]
            x = -0.345 + column * 0.23
            z = 1.27 - row * 0.19
            plots.append(box((x, -0.022, z), (0.21, 0.004, 0.17), colour))
    river = box((0, -0.026, 1.12), (0.94, 0.004, 0.035), (0.35, 0.60, 0.90, 1.0))
    legend = box((0, -0.022, 0.74), (0.9, 0.004, 0.05), (0.30, 0.25, 0.20, 1.0))
    pin = merge(
        [
            cylinder((0.23, -0.06, 1.0), 0.06, 0.006, 0.006, _METAL, 8),
            sphere((0.23, -0.06, 1.07), 0.025, (0.95, 0.25, 0.2, 1.0), 12, 8),
        ]
    )
    return [Part("board", merge([frame, *plots, river, legend])), Part("pin", pin)]


PROP_RECIPES: dict[str, PropRecipe] = {
    "biogas_lamp": ("a lamp post with a glowing globe and a biogas tank", biogas_lamp),
    "glow_meter": ("a glass gauge on a stand, filled with glowing green", glow_meter),
    "glow_mural": ("a mural board: glowing plants under a moon", glow_mural),
    "soil_map": ("a board with a map of soil plots, a river and a pin", soil_map),
}
