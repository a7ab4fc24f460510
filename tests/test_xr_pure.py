"""The headset backend's pure parts: lifecycle table, pose conversion, projection, bindings,
stick gestures, frame statistics, swapchain format choice, eye-image analysis."""

from __future__ import annotations

import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.xr.bindings import ACTIONS, HANDS, PROFILES, ActionKind, suggested_bindings
from engine.xr.check import analyse_eye
from engine.xr.gl_bridge import (
    GL_RGBA8,
    GL_RGBA16F,
    GL_SRGB8,
    GL_SRGB8_ALPHA8,
    choose_swapchain_format,
)
from engine.xr.lifecycle import (
    ALLOWED_TRANSITIONS,
    Lifecycle,
    LifecycleAction,
    LifecycleSignal,
    Outcome,
    SessionState,
    step,
)
from engine.xr.locomotion import StickGesture, StickState, read_stick
from engine.xr.poses import xr_pose_to_panda
from engine.xr.projection import FieldOfView, lens_frustum, projection_matrix
from engine.xr.runtime import XrUnavailable
from engine.xr.timing import FrameStats

S = SessionState
A = LifecycleAction
EXIT = LifecycleSignal.EXIT_REQUESTED
INSTANCE_LOSS = LifecycleSignal.INSTANCE_LOSS_PENDING

# -- lifecycle -----------------------------------------------------------------------------------

FOCUSED_PATH = [S.IDLE, S.READY, S.SYNCHRONIZED, S.VISIBLE, S.FOCUSED]
FOCUSED_ACTIONS: list[tuple[LifecycleAction, ...]] = [(), (A.BEGIN_SESSION,), (), (), ()]

# (events in order, expected actions per event, final running, final outcome)
LIFECYCLE_TABLE = [
    pytest.param(
        [S.IDLE, S.READY, S.SYNCHRONIZED, S.VISIBLE, S.FOCUSED],
        [(), (A.BEGIN_SESSION,), (), (), ()],
        True,
        Outcome.RUNNING,
        id="start-to-focused",
    ),
    pytest.param(
        [*FOCUSED_PATH, EXIT, S.VISIBLE, S.SYNCHRONIZED, S.STOPPING, S.IDLE, S.EXITING],
        [*FOCUSED_ACTIONS, (A.REQUEST_EXIT,), (), (), (A.END_SESSION,), (), (A.DESTROY_SESSION,)],
        False,
        Outcome.EXITED,
        id="clean-exit-asked-by-app",
    ),
    pytest.param(
        [S.IDLE, S.READY, S.SYNCHRONIZED, S.STOPPING, S.IDLE, S.EXITING],
        [(), (A.BEGIN_SESSION,), (), (A.END_SESSION,), (), (A.DESTROY_SESSION,)],
        False,
        Outcome.EXITED,
        id="runtime-stops-us",
    ),
    pytest.param(
        [S.IDLE, S.READY, S.SYNCHRONIZED, S.STOPPING, S.IDLE, S.READY],
        [(), (A.BEGIN_SESSION,), (), (A.END_SESSION,), (), (A.BEGIN_SESSION,)],
        True,
        Outcome.RUNNING,
        id="stopped-then-ready-again",
    ),
    pytest.param(
        [S.IDLE, S.READY, S.SYNCHRONIZED, S.VISIBLE, S.FOCUSED, S.LOSS_PENDING],
        [(), (A.BEGIN_SESSION,), (), (), (), (A.END_SESSION, A.DESTROY_SESSION)],
        False,
        Outcome.SESSION_LOST,
        id="loss-while-focused",
    ),
    pytest.param(
        [S.IDLE, S.LOSS_PENDING],
        [(), (A.DESTROY_SESSION,)],
        False,
        Outcome.SESSION_LOST,
        id="loss-before-running",
    ),
    pytest.param(
        [S.IDLE, S.READY, S.SYNCHRONIZED, INSTANCE_LOSS],
        [(), (A.BEGIN_SESSION,), (), (A.END_SESSION, A.DESTROY_SESSION)],
        False,
        Outcome.INSTANCE_LOST,
        id="instance-loss",
    ),
    pytest.param(
        [S.IDLE, EXIT, S.READY],
        [(), (A.DESTROY_SESSION,), ()],
        False,
        Outcome.EXITED,
        id="exit-before-ready",
    ),
    pytest.param(
        [S.IDLE, S.READY, EXIT, EXIT],
        [(), (A.BEGIN_SESSION,), (A.REQUEST_EXIT,), ()],
        True,
        Outcome.RUNNING,
        id="exit-asked-twice",
    ),
    pytest.param(
        [S.IDLE, S.READY, S.SYNCHRONIZED, S.EXITING, S.IDLE],
        [(), (A.BEGIN_SESSION,), (), (A.END_SESSION, A.DESTROY_SESSION), ()],
        False,
        Outcome.EXITED,
        id="exiting-while-running-then-nothing",
    ),
]


@pytest.mark.parametrize(("events", "actions", "running", "outcome"), LIFECYCLE_TABLE)
def test_lifecycle_table(
    events: list[SessionState | LifecycleSignal],
    actions: list[tuple[LifecycleAction, ...]],
    running: bool,
    outcome: Outcome,
) -> None:
    lifecycle = Lifecycle()
    seen = []
    for event in events:
        lifecycle, done = step(lifecycle, event)
        seen.append(done)
    assert seen == actions
    assert lifecycle.running is running
    assert lifecycle.outcome is outcome
    assert lifecycle.unexpected == ()


def test_lifecycle_visibility_and_focus() -> None:
    lifecycle = Lifecycle()
    flags = []
    for event in (S.IDLE, S.READY, S.SYNCHRONIZED, S.VISIBLE, S.FOCUSED, S.VISIBLE):
        lifecycle, _ = step(lifecycle, event)
        flags.append((lifecycle.visible, lifecycle.focused))
    assert flags == [
        (False, False),
        (False, False),
        (False, False),
        (True, False),
        (True, True),
        (True, False),
    ]


def test_lifecycle_records_an_unexpected_jump_without_failing() -> None:
    lifecycle, _ = step(Lifecycle(), S.IDLE)
    lifecycle, actions = step(lifecycle, S.FOCUSED)
    assert actions == ()
    assert lifecycle.unexpected == ((S.IDLE, S.FOCUSED),)
    assert not lifecycle.finished


@given(st.lists(st.sampled_from([*SessionState, *LifecycleSignal]), max_size=30))
def test_lifecycle_never_ends_twice_or_ends_a_stopped_session(
    events: list[SessionState | LifecycleSignal],
) -> None:
    lifecycle = Lifecycle()
    begun = 0
    ended = 0
    destroyed = 0
    for event in events:
        lifecycle, actions = step(lifecycle, event)
        for action in actions:
            if action is A.BEGIN_SESSION:
                begun += 1
            elif action is A.END_SESSION:
                ended += 1
                assert ended <= begun
            elif action is A.DESTROY_SESSION:
                destroyed += 1
    assert destroyed <= 1
    assert destroyed == (1 if lifecycle.finished else 0)
    assert begun - ended == (1 if lifecycle.running else 0)


def test_every_state_has_a_transition_entry() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(SessionState)


# -- poses ---------------------------------------------------------------------------------------


def _rotate(
    q_wxyz: tuple[float, float, float, float], v: tuple[float, float, float]
) -> numpy.ndarray:
    w, x, y, z = q_wxyz
    u = numpy.array([x, y, z])
    vec = numpy.array(v)
    return 2 * numpy.dot(u, vec) * u + (w * w - numpy.dot(u, u)) * vec + 2 * w * numpy.cross(u, vec)


unit = st.floats(-1, 1, allow_nan=False)


@given(unit, unit, unit, unit, unit, unit, unit)
def test_pose_conversion_commutes_with_rotation(
    qx: float, qy: float, qz: float, qw: float, vx: float, vy: float, vz: float
) -> None:
    norm = math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw)
    if norm < 1e-3:
        return
    q = (qx / norm, qy / norm, qz / norm, qw / norm)
    rotated_xr = _rotate((q[3], q[0], q[1], q[2]), (vx, vy, vz))
    # Convert the rotated vector, or rotate the converted vector: the same point.
    moved = xr_pose_to_panda(tuple(rotated_xr), (0.0, 0.0, 0.0, 1.0)).position
    converted = xr_pose_to_panda((vx, vy, vz), q)
    assert numpy.allclose(_rotate(converted.quaternion, converted.position), moved, atol=1e-9)


def test_pose_conversion_axes() -> None:
    pose = xr_pose_to_panda((0.1, 1.6, -2.0), (0.0, 0.0, 0.0, 1.0))
    assert pose.position == (0.1, 2.0, 1.6)  # 2 m ahead (-Z in OpenXR), 1.6 m up
    # Turning the head 90 degrees left (about +Y in OpenXR) is heading +90 in Panda3D (+Z).
    half = math.radians(45)
    turned = xr_pose_to_panda((0, 0, 0), (0.0, math.sin(half), 0.0, math.cos(half)))
    forward = _rotate(turned.quaternion, (0.0, 1.0, 0.0))
    assert numpy.allclose(forward, (-1.0, 0.0, 0.0))
    # A zero quaternion (no tracking yet) is no rotation, not a crash.
    assert xr_pose_to_panda((0, 0, 0), (0, 0, 0, 0)).quaternion == (1.0, 0.0, 0.0, 0.0)


# -- projection ----------------------------------------------------------------------------------

HEADSET_FOV = FieldOfView(-0.87, 0.78, 0.82, -0.96)  # an asymmetric eye, like a real headset


def _project(
    matrix: tuple[tuple[float, ...], ...], point: tuple[float, float, float]
) -> numpy.ndarray:
    clip = numpy.array(matrix) @ numpy.array([*point, 1.0])
    return clip[:3] / clip[3]


def test_projection_maps_the_fov_edges_to_the_ndc_edges() -> None:
    fov = HEADSET_FOV
    matrix = projection_matrix(fov, 0.05, 100.0)
    depth = 3.0
    corners = {
        (-1.0, -1.0): (math.tan(fov.angle_left), math.tan(fov.angle_down)),
        (1.0, 1.0): (math.tan(fov.angle_right), math.tan(fov.angle_up)),
        (-1.0, 1.0): (math.tan(fov.angle_left), math.tan(fov.angle_up)),
    }
    for expected, (tx, ty) in corners.items():
        ndc = _project(matrix, (tx * depth, ty * depth, -depth))
        assert numpy.allclose(ndc[:2], expected)
    assert numpy.isclose(_project(matrix, (0, 0, -0.05))[2], -1.0)
    assert numpy.isclose(_project(matrix, (0, 0, -100.0))[2], 1.0)


def test_panda_lens_matches_the_projection_matrix() -> None:
    from panda3d.core import PerspectiveLens, Point2, Point3

    fov = HEADSET_FOV
    frustum = lens_frustum(fov)
    lens = PerspectiveLens()
    lens.set_focal_length(frustum.focal_length)
    lens.set_film_size(frustum.film_width, frustum.film_height)
    lens.set_film_offset(frustum.film_offset_x, frustum.film_offset_y)
    lens.set_near_far(0.05, 100.0)
    matrix = projection_matrix(fov, 0.05, 100.0)
    for gl_point in [(0.3, -0.2, -2.0), (-1.5, 1.0, -2.5), (0.0, 0.0, -1.0), (2.0, 1.9, -2.4)]:
        x, y, z = gl_point
        film = Point2()
        lens.project(Point3(x, -z, y), film)  # the same point in Panda3D's axes
        assert numpy.allclose((film.x, film.y), _project(matrix, gl_point)[:2], atol=1e-5)


def test_field_of_view_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="empty"):
        FieldOfView(0.5, -0.5, 0.5, -0.5)
    with pytest.raises(ValueError, match="inside"):
        FieldOfView(-2.0, 0.5, 0.5, -0.5)


# -- bindings ------------------------------------------------------------------------------------


def test_every_profile_binds_pointing_selecting_menu_and_haptics_on_both_hands() -> None:
    wanted = {"aim_pose", "grip_pose", "select", "menu", "haptic"}
    assert len(PROFILES) == 5
    for profile in PROFILES:
        for hand in HANDS:
            bound = {b.action for b in suggested_bindings(profile) if b.path.startswith(hand + "/")}
            assert wanted <= bound, (profile.path, hand)
        has_stick = any(b.action == "move" for b in suggested_bindings(profile))
        assert has_stick is (not profile.path.endswith("khr/simple_controller"))


def test_binding_paths_match_their_action_kinds() -> None:
    kinds = {action.name: action.kind for action in ACTIONS}
    for profile in PROFILES:
        assert profile.path.startswith("/interaction_profiles/")
        for binding in suggested_bindings(profile):
            kind = kinds[binding.action]
            if kind is ActionKind.POSE:
                assert binding.path.endswith("/pose")
            elif kind is ActionKind.HAPTIC:
                assert binding.path.endswith("/output/haptic")
            elif kind is ActionKind.VECTOR2:
                assert binding.path.endswith(("/thumbstick", "/trackpad"))
            else:
                assert binding.path.endswith(("/click", "/value"))
            assert "/input/" in binding.path or "/output/" in binding.path
    # The right Touch controller's menu button belongs to the system: B opens our menu there.
    touch = next(p for p in PROFILES if "oculus" in p.path)
    assert touch.right["menu"] == "input/b/click"


# -- locomotion ----------------------------------------------------------------------------------


def _gestures(samples: list[tuple[float, float]]) -> list[StickGesture | None]:
    state = StickState()
    out = []
    for x, y in samples:
        state, gesture = read_stick(state, x, y)
        out.append(gesture)
    return out


def test_snap_turn_fires_once_per_flick() -> None:
    assert _gestures([(0, 0), (-0.9, 0), (-1, 0), (-0.5, 0), (0.1, 0), (-0.8, 0)]) == [
        None,
        StickGesture.TURN_LEFT,
        None,
        None,
        None,
        StickGesture.TURN_LEFT,
    ]
    assert _gestures([(0.95, 0.1)]) == [StickGesture.TURN_RIGHT]


def test_teleport_aims_while_forward_and_commits_on_release() -> None:
    assert _gestures([(0, 0.9), (0.2, 0.8), (0, 0)]) == [
        StickGesture.TELEPORT_AIM,
        StickGesture.TELEPORT_AIM,
        StickGesture.TELEPORT_COMMIT,
    ]
    assert _gestures([(0, 0.9), (0, -0.9), (0, 0)]) == [
        StickGesture.TELEPORT_AIM,
        StickGesture.TELEPORT_CANCEL,
        None,
    ]


# -- frame statistics ----------------------------------------------------------------------------


def test_frame_stats_count_missed_display_periods() -> None:
    stats = FrameStats()
    period = 11_111_111  # 90 Hz
    times = [0, period, 2 * period, 5 * period, 6 * period]  # frames 3 and 4 never came
    for index, moment in enumerate(times):
        stats.record(moment, period, cpu_ms=float(index + 1), runtime_ms=0.5)
    summary = stats.summary()
    assert summary["frames_submitted"] == 5
    assert summary["frames_dropped"] == 2
    assert summary["display_hz"] == 90.0
    assert summary["cpu_ms_median"] == 3.0
    assert summary["our_cpu_ms_median"] == 2.5


# -- swapchain formats ---------------------------------------------------------------------------


def test_swapchain_format_prefers_srgb_with_alpha_from_the_runtime_list() -> None:
    assert choose_swapchain_format([GL_RGBA16F, GL_RGBA8, GL_SRGB8_ALPHA8]) == GL_SRGB8_ALPHA8
    assert choose_swapchain_format([GL_SRGB8, GL_RGBA8]) == GL_RGBA8  # never plain GL_SRGB8
    with pytest.raises(XrUnavailable, match="GL_SRGB8"):
        choose_swapchain_format([GL_SRGB8])


# -- eye image analysis --------------------------------------------------------------------------


def test_analyse_eye_finds_the_scene_and_the_marker() -> None:
    image = numpy.zeros((40, 60, 4), dtype=numpy.uint8)
    image[..., :3] = (10, 20, 30)  # clear colour
    image[20:40, :, :3] = (40, 90, 40)  # ground
    image[5:9, 30:34, :3] = (255, 0, 255)  # marker
    report = analyse_eye(image, (10, 20, 30))
    assert report["scene_fraction"] == pytest.approx((20 * 60 + 16) / (40 * 60), abs=1e-4)
    assert report["marker_pixels"] == 16
    assert report["marker_centroid"] == [31.5, 6.5]
    assert report["distinct_colours"] == 3
    blank = analyse_eye(numpy.full((4, 4, 4), 10, dtype=numpy.uint8), (10, 10, 10))
    assert blank["scene_fraction"] == 0.0
    assert blank["marker_centroid"] is None


# -- launch_vr.py: a runtime that answers but cannot start a session -----------------------------


def test_auto_mode_falls_back_when_the_xr_session_cannot_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import engine.player.cli as cli
    import engine.xr.player as xr_player
    from engine.display.modes import Machine

    def refuse(options: object, program: object) -> int:
        raise XrUnavailable("the OpenXR runtime lacks the extension(s) XR_KHR_opengl_enable")

    played: list[str] = []
    monkeypatch.setattr(cli, "probe_machine", lambda: Machine(None, "DISPLAY is not set"))
    monkeypatch.setattr(cli, "probe_display", lambda: "DISPLAY is not set")
    monkeypatch.setattr(xr_player, "run_xr", refuse)
    monkeypatch.setattr(cli, "_offscreen", lambda options, program: played.append("offscreen") or 0)
    assert cli.main(["tests/stories/commands.yaml", "--mode", "auto"]) == 0
    assert played == ["offscreen"]
    assert cli.main(["tests/stories/commands.yaml", "--mode", "xr"]) == 2
    assert played == ["offscreen"]
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [
        "launch_vr.py: OpenXR headset mode is unavailable: "
        "the OpenXR runtime lacks the extension(s) XR_KHR_opengl_enable"
    ]
