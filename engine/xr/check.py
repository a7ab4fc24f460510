"""``python -m engine.xr.check``: play a narrative against a real OpenXR runtime and print JSON.

Run inside the Monado chroot by ``scripts/xr-runtime run`` (tests and ``glowgrove bench xr``).
It reports what the runtime did (session states, located views, controller profiles and action
states, swapchain formats and sizes, frame statistics) and what reached the headset: the
submitted swapchain images are read back and checked for the scene, including a marker placed
in front of the viewer whose position in each eye proves the per-eye poses and projections.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["analyse_eye", "main"]

MARKER_RGB = (255, 0, 255)


def analyse_eye(pixels: Any, clear_rgb: tuple[int, int, int]) -> dict[str, Any]:
    """What one read-back eye image holds: how much is not the clear colour, how many colours,
    and where the magenta marker is (centroid in pixels, None when not seen). Pure numpy."""
    import numpy

    rgb = pixels[..., :3].astype(numpy.int16)
    clear = numpy.abs(rgb - numpy.array(clear_rgb, dtype=numpy.int16)).max(axis=2) <= 2
    marker = numpy.abs(rgb - numpy.array(MARKER_RGB, dtype=numpy.int16)).max(axis=2) <= 8
    ys, xs = numpy.nonzero(marker)
    colours = numpy.unique(pixels[..., :3].reshape(-1, 3), axis=0)
    return {
        "size": [int(pixels.shape[1]), int(pixels.shape[0])],
        "scene_fraction": round(float(1.0 - clear.mean()), 4),
        "distinct_colours": len(colours),
        "marker_pixels": len(xs),
        "marker_centroid": [round(float(xs.mean()), 2), round(float(ys.mean()), 2)]
        if len(xs)
        else None,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine.xr.check")
    parser.add_argument("narrative", type=Path)
    parser.add_argument("--frames", type=int, default=30, help="headset frames to submit")
    parser.add_argument(
        "--binding",
        choices=("egl", "glx"),
        default="egl",
        help="egl: headless; glx: a desktop mirror window on X (a private Xvfb when no DISPLAY)",
    )
    parser.add_argument("--plants", type=int, default=200)
    parser.add_argument("--autoplay", choices=("first", "random"), default="first")
    parser.add_argument("--frames-per-event", type=int, default=3)
    parser.add_argument("--no-marker", action="store_true")
    parser.add_argument("--seated", action="store_true", help="seated: the LOCAL space")
    parser.add_argument(
        "--lose-runtime-after",
        type=int,
        metavar="N",
        help="kill monado-service (GLOWGROVE_MONADO_PID) after N frames: the runtime-loss path",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    xvfb = _start_xvfb() if args.binding == "glx" and not os.environ.get("DISPLAY") else None
    if xvfb is None:
        return _check(args, started)
    try:
        status = _check(args, started)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    # Panda3D's X11 pipe keeps its display connection until interpreter exit, and calls a lost
    # connection fatal: leave without that teardown now that the private server is gone.
    sys.stdout.flush()
    os._exit(status)


def _start_xvfb() -> subprocess.Popen[bytes]:
    """A private X server for the mirror window; DISPLAY is set before Panda3D loads."""
    for number in range(150, 180):
        if os.path.exists(f"/tmp/.X11-unix/X{number}"):
            continue
        process = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{number}"):
                os.environ["DISPLAY"] = f":{number}"
                return process
            time.sleep(0.05)
        process.terminate()
    raise SystemExit("could not start Xvfb")


def _window_pixels(base: Any) -> Any:
    """The desktop window's pixels (the mirror), top row first."""
    import numpy

    texture = base.win.get_screenshot()
    raw = bytes(texture.get_ram_image_as("RGBA"))
    pixels = numpy.frombuffer(raw, dtype=numpy.uint8)
    return pixels.reshape(texture.get_y_size(), texture.get_x_size(), 4)[::-1].copy()


def _check(args: argparse.Namespace, started: float) -> int:
    from panda3d.core import CardMaker

    from engine.content.compiler import compile_narrative
    from engine.display.modes import Mode
    from engine.player.options import PlayerOptions
    from engine.scene.rig import ComfortSettings
    from engine.xr.player import XrStoryPlayer, open_xr_display
    from engine.xr.renderer import XrRenderSettings
    from engine.xr.runtime import XrUnavailable

    result = compile_narrative(args.narrative)
    if result.program is None:
        print(json.dumps({"error": f"{args.narrative} does not compile"}))
        return 1
    options = PlayerOptions(
        narrative=args.narrative,
        mode=Mode.XR,
        autoplay=args.autoplay,
        frames=args.frames_per_event,
        audio=False,
        plants=args.plants,
        comfort=ComfortSettings(seated=args.seated),
        width=320,
        height=240,
        offscreen_pipe="egl" if args.binding == "egl" else "xvfb",
    )
    display = open_xr_display(options)
    base: Any = display.base
    player = XrStoryPlayer(base, result.program, options, XrRenderSettings(read_back=True))
    out: dict[str, Any] = {"pipe": display.pipe}
    try:
        try:
            player.start()
        except XrUnavailable as error:
            print(json.dumps({"error": str(error), "unavailable": True}))
            return 2
        if not args.no_marker:
            # A small magenta card 1.2 m ahead of the starting head position, at eye level.
            maker = CardMaker("xr-check-marker")
            maker.set_frame(-0.06, 0.06, -0.06, 0.06)
            marker = base.render.attach_new_node(maker.generate())
            marker.set_light_off()
            marker.set_color(1, 0, 1, 1)
            marker.set_two_sided(True)
            assert player.renderer.session is not None
            eye_level = 1.6 if player.renderer.session.space_kind == "stage" else 0.0
            marker.set_pos(player.tracking, 0, 1.2, eye_level)
        renderer = player.renderer
        session = renderer.session
        assert session is not None and renderer.owner is not None and renderer.binding is not None
        frames: list[dict[str, Any]] = []
        last_views: list[Any] = []
        last_hands: list[Any] = []

        def observe(frame: Any) -> None:
            player.update(frame)
            frames.append(
                {
                    "state": session.lifecycle.state.value,
                    "views": len(frame.views),
                    "veil_alpha": round(player.story.director.fade.alpha, 3),
                }
            )
            last_views[:] = frame.views
            last_hands[:] = frame.hands

        deadline = time.monotonic() + 60
        while not session.lifecycle.finished and len(frames) < args.frames:
            if time.monotonic() > deadline:
                break
            report = renderer.frame(observe)
            if report is None:
                time.sleep(0.005)
            elif report.rendered and renderer.targets[0].last_pixels is not None:
                # What this frame put in the left eye: mean brightness (0-255) of the image.
                frames[-1]["brightness"] = round(
                    float(renderer.targets[0].last_pixels[..., :3].mean()), 2
                )
            if args.lose_runtime_after is not None and len(frames) == args.lose_runtime_after:
                os.kill(int(os.environ["GLOWGROVE_MONADO_PID"]), signal.SIGKILL)
                args.lose_runtime_after = None
        if session.lifecycle.finished:
            # The runtime went away: report how it ended and what --mode auto would do now.
            from engine.display.modes import Machine, choose_mode, probe_xr

            problem = probe_xr()
            fallback = choose_mode(Mode.AUTO, Machine(problem, "no display in this check"))
            print(
                json.dumps(
                    {
                        "lost": renderer.lost,
                        "frames": len(frames),
                        "states_seen": list(session.states_seen),
                        "outcome": session.lifecycle.outcome.value,
                        "probe_after_loss": problem,
                        "fallback_mode": fallback.mode.value,
                    }
                )
            )
            return 0
        clear = base.win.get_clear_color()
        clear_rgb = tuple(round(255 * channel) for channel in (clear[0], clear[1], clear[2]))
        eyes = [
            analyse_eye(target.last_pixels, clear_rgb)
            for target in renderer.targets
            if target.last_pixels is not None
        ]
        controls = renderer.controls
        assert controls is not None
        for hand in (0, 1):
            controls.haptic_tick(hand)
        mirror = None
        if base.win.get_type().get_name().endswith("Window"):
            mirror = analyse_eye(_window_pixels(base), clear_rgb)
        out.update(
            {
                "runtime": renderer.owner.runtime_name,
                "system": renderer.owner.system_name,
                "binding": renderer.binding.kind,
                "extensions": sorted(renderer.owner.extensions),
                "space": session.space_kind,
                "formats_offered": renderer.offered_formats,
                "format": renderer.format_name,
                "recommended": [[v.width, v.height] for v in session.view_layouts()],
                "swapchains": [[t.width, t.height, len(t.images)] for t in renderer.targets],
                "profiles_suggested": controls.profiles_suggested,
                "action_syncs": controls.syncs,
                "frames": frames,
                "views": [
                    {
                        "position": list(view.pose.position),
                        "quaternion": list(view.pose.quaternion),
                        "fov": [
                            view.fov.angle_left,
                            view.fov.angle_right,
                            view.fov.angle_up,
                            view.fov.angle_down,
                        ],
                    }
                    for view in last_views
                ],
                "hands": [
                    {
                        "profile": hand.profile,
                        "active": hand.active,
                        "aim": None if hand.aim is None else list(hand.aim.position),
                        "grip": None if hand.grip is None else list(hand.grip.position),
                    }
                    for hand in last_hands
                ],
                "clear_rgb": list(clear_rgb),
                "eyes": eyes,
                "mirror": mirror,
                "haptics": "applied to both hands",
                "scenes": list(player.story.scenes),
                "choices_made": player.report.choices_made,
            }
        )
        player.renderer.request_exit()
        out["exited_cleanly"] = player.renderer.run_until_exit()
        out["states_seen"] = list(session.states_seen)
        out["outcome"] = session.lifecycle.outcome.value
        out["unexpected_transitions"] = [list(pair) for pair in session.lifecycle.unexpected]
        out["stats"] = renderer.stats.summary()
        out["seconds"] = round(time.perf_counter() - started, 2)
    finally:
        player.close()
        display.close()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
