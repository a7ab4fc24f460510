"""Pure parts of the 3D player: mode choice, comfort, fades, colours and text sizes."""

from __future__ import annotations

import math

import pytest

from engine.content.program import EnvironmentSpec
from engine.display.modes import Machine, Mode, ModeUnavailable, choose_mode
from engine.scene.fade import MIN_FADE_SECONDS, Fade
from engine.scene.layout import PANEL_DISTANCE, line_height_for
from engine.scene.palette import contrast_ratio, look_for, merge_environment, readable_on
from engine.scene.panels import CHOICE_BACKGROUND, CHOICE_HOVER, PANEL_BACKGROUND, TEXT_COLOR
from engine.scene.rig import ComfortSettings, Rig, SessionClock

ALL = Machine(xr_problem=None, display_problem=None)
DESKTOP_ONLY = Machine(xr_problem="no OpenXR runtime", display_problem=None)
NOTHING = Machine(xr_problem="no OpenXR runtime", display_problem="DISPLAY is not set")


@pytest.mark.parametrize(
    ("requested", "machine", "expected"),
    [
        (Mode.AUTO, ALL, Mode.XR),
        (Mode.AUTO, DESKTOP_ONLY, Mode.DESKTOP),
        (Mode.AUTO, NOTHING, Mode.OFFSCREEN),
        (Mode.DESKTOP, ALL, Mode.DESKTOP),
        (Mode.OFFSCREEN, ALL, Mode.OFFSCREEN),
        (Mode.XR, ALL, Mode.XR),
    ],
)
def test_mode_choice(requested: Mode, machine: Machine, expected: Mode) -> None:
    assert choose_mode(requested, machine).mode is expected


def test_mode_choice_explains_itself() -> None:
    reason = choose_mode(Mode.AUTO, NOTHING).reason
    assert reason == "no headset (no OpenXR runtime) and no display (DISPLAY is not set)"
    with pytest.raises(ModeUnavailable, match="OpenXR headset mode is unavailable"):
        choose_mode(Mode.XR, DESKTOP_ONLY)
    with pytest.raises(ModeUnavailable, match="desktop mode is unavailable: DISPLAY"):
        choose_mode(Mode.DESKTOP, NOTHING)


def test_fades_never_flash_faster_than_three_times_a_second() -> None:
    """Even if asked to fade as often as possible, dark-to-clear cycles stay under 3 Hz."""
    fade = Fade(seconds=0.0)
    assert fade.seconds == MIN_FADE_SECONDS
    dt = 1 / 90
    darkenings = 0
    was_dark = False
    for _ in range(90 * 10):  # ten seconds at 90 Hz, retriggering at every chance
        if fade.settled:
            (fade.to_black if fade.alpha == 0 else fade.to_clear)()
        fade.step(dt)
        dark = fade.alpha > 0.5
        darkenings += dark and not was_dark
        was_dark = dark
    assert darkenings / 10 <= 3


def test_panel_colours_meet_contrast_guidelines() -> None:
    for background in (PANEL_BACKGROUND, CHOICE_BACKGROUND, CHOICE_HOVER):
        assert contrast_ratio(TEXT_COLOR, background) >= 4.5
    dark_blue = (0.2, 0.25, 0.5)
    assert contrast_ratio(readable_on(dark_blue, PANEL_BACKGROUND), PANEL_BACKGROUND) >= 4.5
    assert contrast_ratio((1, 1, 1), (0, 0, 0)) == pytest.approx(21)


def test_text_is_sized_by_angle() -> None:
    height = line_height_for(PANEL_DISTANCE)
    angle = math.degrees(2 * math.atan(height / 2 / PANEL_DISTANCE))
    assert angle == pytest.approx(1.5)
    assert line_height_for(4.0) == pytest.approx(2 * height, rel=1e-6)


def test_environment_blocks_merge_and_glow_brightens() -> None:
    first = EnvironmentSpec(preset="meadow", time="dusk", glow=0.2, blight=0.6)
    merged = merge_environment(first, EnvironmentSpec(glow=0.9))
    assert (merged.preset, merged.time, merged.glow, merged.blight) == ("meadow", "dusk", 0.9, 0.6)
    assert merge_environment(first, None) == first
    dim, bright = look_for(first), look_for(merged)
    assert sum(bright.plant_glow) > 2 * sum(dim.plant_glow)


def test_snap_turn_teleport_and_seated_height() -> None:
    rig = Rig(ComfortSettings(snap_degrees=45, seated=True))
    rig.snap_turn(1)
    rig.snap_turn(1)
    assert rig.heading == 90
    rig.snap_turn(-1)
    assert rig.heading == 45
    assert rig.teleport(100, 0) == (25.0, 0.0)  # kept inside the walkable circle
    assert rig.eye_height == ComfortSettings().seated_eye_height
    with pytest.raises(ValueError):
        ComfortSettings(snap_degrees=20)


def test_walking_has_constant_speed() -> None:
    rig = Rig()
    positions = []
    for _ in range(10):
        rig.walk(1, 0, 0.1)
        positions.append(rig.y)
    steps = {round(b - a, 6) for a, b in zip([0.0, *positions], positions, strict=False)}
    assert steps == {round(ComfortSettings().walk_speed * 0.1, 6)}


def test_session_reminder_comes_once_per_period() -> None:
    clock = SessionClock(minutes=1)
    due = [clock.tick(1.0) for _ in range(150)]
    assert due.count(True) == 2 and due.index(True) == 59
    assert not any(SessionClock(minutes=0).tick(1000) for _ in range(3))
