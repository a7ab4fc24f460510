"""The headset backend against a real OpenXR runtime: Monado 25 with a simulated HMD and two
simulated controllers, in the Debian trixie chroot that ``scripts/xr-runtime`` builds and caches
(``scripts/test`` runs ``scripts/xr-runtime ensure`` first). Also the fallback on this host,
which has no OpenXR runtime at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORY = "narratives/restore_the_glow.yaml"
SHORT_STORY = "tests/stories/commands.yaml"


def _in_runtime(*command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/xr-runtime", "run", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def runtime_ready() -> None:
    ensure = subprocess.run(
        ["bash", "scripts/xr-runtime", "ensure"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if ensure.returncode != 0:
        pytest.fail(
            "the OpenXR test runtime (Monado in a Debian trixie chroot) could not be set up "
            f"by 'bash scripts/xr-runtime ensure':\n{ensure.stderr[-2000:]}",
            pytrace=False,
        )


def _check(*args: str) -> dict[str, Any]:
    done = _in_runtime("python", "-m", "engine.xr.check", STORY, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture(scope="module")
def egl(runtime_ready: None) -> dict[str, Any]:
    return _check("--frames", "30")


@pytest.fixture(scope="module")
def glx(runtime_ready: None) -> dict[str, Any]:
    return _check("--frames", "12", "--binding", "glx")


def test_session_reaches_focused_and_exits_cleanly(egl: dict[str, Any]) -> None:
    assert egl["runtime"].startswith("Monado")
    assert egl["system"] == "Monado: Simulated HMD"
    states = egl["states_seen"]
    assert states[:5] == ["idle", "ready", "synchronized", "visible", "focused"]
    assert states[-4:] == ["synchronized", "stopping", "idle", "exiting"]
    assert egl["exited_cleanly"] is True
    assert egl["outcome"] == "exited"
    assert egl["unexpected_transitions"] == []
    assert sum(frame["state"] == "focused" for frame in egl["frames"]) >= 20


def test_stereo_views_are_located_with_valid_poses(egl: dict[str, Any]) -> None:
    left, right = egl["views"]
    # Panda3D axes: Z up. The simulated head is at standing height in the STAGE space.
    assert egl["space"] == "stage"
    for view in (left, right):
        assert 1.0 < view["position"][2] < 2.2
        assert sum(c * c for c in view["quaternion"]) == pytest.approx(1.0, abs=1e-5)
        angle_left, angle_right, angle_up, angle_down = view["fov"]
        assert angle_left < 0 < angle_right and angle_down < 0 < angle_up
    separation = sum((a - b) ** 2 for a, b in zip(left["position"], right["position"], strict=True))
    assert 0.05 < separation**0.5 < 0.08  # an interpupillary distance, in metres


def test_simple_controllers_are_bound_and_synced(egl: dict[str, Any]) -> None:
    assert len(egl["profiles_suggested"]) == 5  # the runtime accepted every suggested path
    assert egl["action_syncs"] >= 20
    for hand in egl["hands"]:
        assert hand["profile"] == "/interaction_profiles/khr/simple_controller"
        active = hand["active"]
        assert active["select"] and active["menu"] and active["aim_pose"] and active["grip_pose"]
        assert active["move"] is False  # the simple controller has no stick
        assert hand["aim"] is not None and hand["grip"] is not None
    left, right = egl["hands"]
    assert left["aim"][0] < right["aim"][0]  # left hand on the left, in Panda3D's axes


def test_scene_is_rendered_into_the_swapchain_images(egl: dict[str, Any]) -> None:
    assert egl["format"] in ("GL_SRGB8_ALPHA8", "GL_RGBA8")
    assert egl["format"] in egl["formats_offered"]
    assert [size[:2] for size in egl["swapchains"]] == egl["recommended"]
    assert egl["stats"]["frames_submitted"] >= 30
    assert egl["stats"]["display_hz"] == 20.0  # Monado's null compositor
    left, right = egl["eyes"]
    for eye in (left, right):
        # Garden, sky, panels: the image is the scene, not the clear colour...
        assert eye["scene_fraction"] > 0.5
        assert eye["distinct_colours"] > 50
        # ...and the marker 1.2 m ahead is in both eyes,
        assert eye["marker_pixels"] > 20
    # with crossed disparity: a near object sits further right in the left eye's image.
    assert left["marker_centroid"][0] > right["marker_centroid"][0] + 2
    assert egl["scenes"][0] == "arrival"
    assert egl["mirror"] is None  # headless: no window to mirror into
    assert egl["haptics"] == "applied to both hands"


def test_scene_changes_fade_through_black_in_the_headset(egl: dict[str, Any]) -> None:
    rendered = [frame for frame in egl["frames"] if "brightness" in frame]
    veiled = [frame for frame in rendered if frame["veil_alpha"] >= 0.99]
    clear = [frame for frame in rendered if frame["veil_alpha"] == 0.0]
    assert veiled and clear  # the arrival fades in from black, then the scene is clear
    assert max(f["brightness"] for f in veiled) < 0.2 * min(f["brightness"] for f in clear)


def test_seated_play_uses_the_local_space(runtime_ready: None) -> None:
    seated = _check("--frames", "8", "--plants", "50", "--seated")
    assert seated["space"] == "local"
    for view in seated["views"]:
        assert abs(view["position"][2]) < 0.3  # around where the head started, not the floor
    for eye in seated["eyes"]:
        assert eye["marker_pixels"] > 20  # the marker at eye level is still straight ahead


def test_glx_binding_with_a_mirror_window_on_xvfb(glx: dict[str, Any]) -> None:
    assert glx["pipe"] == "pandagl"  # a desktop window on X: the GLX/Xlib graphics binding
    assert glx["binding"] == "glx"
    assert "XR_MNDX_egl_enable" not in glx["extensions"]
    assert glx["exited_cleanly"] is True
    for eye in glx["eyes"]:
        assert eye["scene_fraction"] > 0.5 and eye["marker_pixels"] > 20
    # The window mirrors the left eye: the scene and the marker are on the desktop too.
    assert glx["mirror"]["scene_fraction"] > 0.5
    assert glx["mirror"]["marker_pixels"] > 20


def test_launch_vr_plays_a_story_to_its_end_in_the_headset(runtime_ready: None) -> None:
    done = _in_runtime(
        "python",
        "launch_vr.py",
        SHORT_STORY,
        "--mode",
        "xr",
        "--autoplay",
        "first",
        "--no-audio",
        "--plants",
        "50",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ending: Done (done)" in done.stdout
    assert "submitted" in done.stdout


def test_a_story_lesson_plays_in_the_headset(runtime_ready: None) -> None:
    """firefly_night starts the sorting lesson: it is played (autoplay) in the headset and the
    story goes on to an ending."""
    done = _in_runtime(
        "python", "launch_vr.py", "narratives/firefly_night.yaml", "--mode", "xr",
        "--autoplay", "first", "--no-audio", "--plants", "50", "--frames", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "lesson in the headset: sorting-household-waste" in done.stderr
    assert "lesson over: sorting-household-waste (100%)" in done.stdout
    assert "ending: " in done.stdout


def test_runtime_loss_ends_the_session_cleanly_and_auto_mode_falls_back(
    runtime_ready: None,
) -> None:
    # The runtime service is killed mid-story (as when SteamVR or Monado crashes).
    report = _check("--frames", "40", "--lose-runtime-after", "8", "--plants", "50")
    assert report["lost"] == "InstanceLostError"
    assert report["outcome"] == "instance_lost"
    assert report["states_seen"][-1] == "focused"
    assert report["probe_after_loss"] is not None
    assert report["fallback_mode"] == "offscreen"


def test_bench_xr_prints_frame_statistics(runtime_ready: None) -> None:
    done = _in_runtime(
        "python", "-m", "engine.bench.xr_bench", "--frames", "10", "--plants", "50"
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["bench"] == "xr"
    assert row["frames_submitted"] >= 10
    assert row["frames_dropped"] >= 0
    assert row["cpu_ms_median"] >= row["our_cpu_ms_median"] > 0


FORMATLESS_AUTO_RUN = """
import sys
import engine.player.cli as cli
import engine.xr.renderer as renderer
from engine.xr.runtime import XrUnavailable

def refuse(offered):
    raise XrUnavailable("the OpenXR runtime offers no usable OpenGL colour format (test)")

renderer.choose_swapchain_format = refuse  # as if the runtime listed only formats we cannot use
sys.exit(cli.main(sys.argv[1:]))
"""


def test_auto_mode_falls_back_when_the_session_cannot_start(runtime_ready: None) -> None:
    done = _in_runtime(
        "python", "-c", FORMATLESS_AUTO_RUN, SHORT_STORY, "--mode", "auto",
        "--autoplay", "first", "--no-audio", "--plants", "50", "--screenshot-dir", "/tmp/shots",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    modes = [line for line in done.stderr.splitlines() if "mode: " in line]
    assert modes[0].endswith("mode: xr (an OpenXR runtime answered)")
    assert "mode: offscreen (no headset (the OpenXR runtime offers no usable" in modes[1]
    assert "ending: Done (done)" in done.stdout


# -- no runtime on this host ---------------------------------------------------------------------


def _host(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XR_")}
    # No runtime even where a developer has one installed: the loader then looks only here.
    env["XR_RUNTIME_JSON"] = str(ROOT / "tests" / "no-such-openxr-runtime.json")
    return subprocess.run(
        [sys.executable, "launch_vr.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_xr_mode_without_a_runtime_says_so_in_one_line() -> None:
    done = _host(SHORT_STORY, "--mode", "xr")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "OpenXR" in lines[0] and "no OpenXR runtime" in lines[0]
    assert "Traceback" not in done.stderr


def test_auto_mode_without_a_runtime_falls_back_and_plays(tmp_path: Path) -> None:
    done = _host(
        SHORT_STORY, "--mode", "auto", "--autoplay", "first", "--no-audio",
        "--plants", "50", "--screenshot-dir", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no headset (no OpenXR runtime is installed or active" in done.stderr
    assert "ending: Done (done)" in done.stdout
    assert list(tmp_path.glob("*.png"))
