"""Colours of the world, as pure functions of the story's environment (tested without a GPU).

Also the WCAG contrast ratio used to keep every text panel readable (>= 4.5:1).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.content.program import EnvironmentSpec

__all__ = [
    "Color",
    "EnvironmentLook",
    "Lighting",
    "contrast_ratio",
    "look_for",
    "merge_environment",
    "readable_on",
]

Color = tuple[float, float, float]

DEFAULT_ENVIRONMENT = EnvironmentSpec(preset="night_garden", time="dusk", glow=0.5, blight=0.0)


@dataclass(frozen=True)
class Lighting:
    sky_top: Color
    sky_horizon: Color
    ambient: Color
    sun: Color
    sun_pitch: float  # degrees below the horizon line the light comes from


@dataclass(frozen=True)
class EnvironmentLook:
    preset: str
    time: str
    glow: float
    blight: float
    lighting: Lighting
    ground: Color
    plant_glow: Color  # emissive colour of healthy plants at this glow level
    plant_blighted: Color


_TIMES: dict[str, Lighting] = {
    "dawn": Lighting(
        (0.32, 0.36, 0.62), (0.95, 0.62, 0.45), (0.30, 0.28, 0.32), (0.9, 0.6, 0.45), 8
    ),
    "day": Lighting(
        (0.30, 0.55, 0.90), (0.75, 0.85, 0.95), (0.45, 0.45, 0.48), (1.0, 0.96, 0.88), 55
    ),
    "dusk": Lighting(
        (0.10, 0.10, 0.30), (0.70, 0.35, 0.40), (0.18, 0.16, 0.24), (0.8, 0.45, 0.4), 6
    ),
    "night": Lighting(
        (0.01, 0.02, 0.07), (0.05, 0.08, 0.16), (0.06, 0.07, 0.12), (0.25, 0.3, 0.5), 40
    ),
}
_GROUND: dict[str, Color] = {
    "meadow": (0.16, 0.30, 0.14),
    "night_garden": (0.10, 0.20, 0.14),
    "city_garden": (0.18, 0.24, 0.16),
    "lab_garden": (0.20, 0.26, 0.22),
    "festival": (0.17, 0.28, 0.16),
    "waste_site": (0.30, 0.27, 0.22),
    "assembly_hall": (0.32, 0.26, 0.20),
    "digester": (0.24, 0.24, 0.22),
}
_PLANT_HUE: dict[str, Color] = {
    "meadow": (0.35, 1.0, 0.75),
    "night_garden": (0.30, 0.85, 1.0),
    "city_garden": (0.45, 0.95, 0.85),
    "lab_garden": (0.55, 1.0, 0.60),
    "festival": (0.85, 0.55, 1.0),
    "waste_site": (0.60, 0.85, 0.55),
    "assembly_hall": (1.0, 0.80, 0.45),
    "digester": (1.0, 0.70, 0.35),
}


def merge_environment(previous: EnvironmentSpec, new: EnvironmentSpec | None) -> EnvironmentSpec:
    """A scene's environment; anything it leaves out keeps the previous scene's value."""
    if new is None:
        return previous
    return EnvironmentSpec(
        preset=new.preset or previous.preset,
        time=new.time or previous.time,
        glow=new.glow if new.glow is not None else previous.glow,
        blight=new.blight if new.blight is not None else previous.blight,
    )


def look_for(environment: EnvironmentSpec) -> EnvironmentLook:
    preset = environment.preset or "night_garden"
    time = environment.time or "dusk"
    glow = _clamp(environment.glow if environment.glow is not None else 0.5)
    blight = _clamp(environment.blight if environment.blight is not None else 0.0)
    hue = _PLANT_HUE.get(preset, _PLANT_HUE["night_garden"])
    # Glow is perceived brightness: keep a faint ember even at 0 so plants never vanish.
    strength = 0.12 + 0.88 * glow
    plant_glow = (hue[0] * strength, hue[1] * strength, hue[2] * strength)
    grey = 0.18 + 0.1 * (1 - blight)
    return EnvironmentLook(
        preset=preset,
        time=time,
        glow=glow,
        blight=blight,
        lighting=_TIMES.get(time, _TIMES["dusk"]),
        ground=_GROUND.get(preset, _GROUND["night_garden"]),
        plant_glow=plant_glow,
        plant_blighted=(grey, grey * 0.95, grey * 0.85),
    )


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(color: Color) -> float:
    red, green, blue = (_linear(_clamp(c)) for c in color)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: Color, second: Color) -> float:
    """WCAG 2 contrast ratio, from 1 (none) to 21 (black on white)."""
    a, b = relative_luminance(first), relative_luminance(second)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def readable_on(color: Color, background: Color, minimum: float = 4.5) -> Color:
    """``color``, lightened toward white until it reaches ``minimum`` contrast."""
    current = color
    for _ in range(20):
        if contrast_ratio(current, background) >= minimum:
            return current
        current = tuple(c + (1.0 - c) * 0.2 for c in current)  # type: ignore[assignment]
    return (1.0, 1.0, 1.0)
