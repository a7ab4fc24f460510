"""``glowgrove bench xr``: the headset loop against a real OpenXR runtime, as JSON.

Plays the flagship narrative (autoplay, one story event every three frames: busier than a child
reading) in the headset for a number of frames and reports frames submitted and dropped, and the
median time per frame on the render thread from ``xrWaitFrame`` returning to ``xrEndFrame``
returning, in all (``cpu_ms_median``) and without the time inside runtime calls
(``our_cpu_ms_median``: story, director, Panda3D cull/draw, the blits).

Where no runtime answers on this machine but the project's Monado chroot is there
(``scripts/xr-runtime``), the benchmark runs inside it against the simulated headset: its null
compositor paces frames at 20 Hz and Mesa renders on the CPU, so timings are those of this
machine's CPU, not of a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

__all__ = ["run_xr_bench"]

FLAGSHIP = Path("narratives/restore_the_glow.yaml")
ROOT = Path(__file__).resolve().parents[2]


def _measure(frames: int, plants: int) -> dict[str, Any]:
    from engine.content.compiler import compile_narrative
    from engine.display.modes import Mode
    from engine.player.options import PlayerOptions
    from engine.xr.player import XrStoryPlayer, open_xr_display
    from engine.xr.renderer import XrRenderSettings

    program = compile_narrative(FLAGSHIP).program
    if program is None:
        raise SystemExit("the flagship narrative does not compile")
    options = PlayerOptions(
        narrative=FLAGSHIP,
        mode=Mode.XR,
        autoplay="random",
        seed=1,
        frames=3,
        audio=False,
        plants=plants,
        offscreen_pipe="egl",
    )
    display = open_xr_display(options)
    player = XrStoryPlayer(display.base, program, options, XrRenderSettings())
    started = time.perf_counter()
    try:
        player.start()
        report = player.run(max_frames=frames, linger_frames=frames)
        renderer = player.renderer
        assert renderer.owner is not None and renderer.binding is not None
        row: dict[str, Any] = {
            "bench": "xr",
            "runtime": renderer.owner.runtime_name,
            "system": renderer.owner.system_name,
            "binding": renderer.binding.kind,
            "format": renderer.format_name,
            "eye_px": [renderer.buffers[0].get_x_size(), renderer.buffers[0].get_y_size()],
            "plants": plants,
            **report.stats,
            "scenes_visited": len(report.scenes),
            "seconds": round(time.perf_counter() - started, 2),
        }
    finally:
        player.close()
        display.close()
    return row


def run_xr_bench(quick: bool, out: TextIO) -> int:
    """Print one JSON line; 0 on success, 2 when no OpenXR runtime can be reached."""
    frames = 60 if quick else 400
    from engine.display.modes import probe_xr

    problem = None if os.environ.get("GLOWGROVE_IN_XR_CHROOT") else probe_xr()
    if problem is None:
        out.write(json.dumps(_measure(frames, 600)) + "\n")
        return 0
    script = ROOT / "scripts" / "xr-runtime"
    if script.exists() and os.geteuid() == 0:
        command = ["bash", str(script), "run", "python", "-m", "engine.bench.xr_bench"]
        result = subprocess.run(
            [*command, "--frames", str(frames)], cwd=ROOT, capture_output=True, text=True
        )
        if result.returncode == 0:
            out.write(result.stdout.strip().splitlines()[-1] + "\n")
            return 0
        problem = f"{problem}; the project's Monado runtime failed: {result.stderr[-500:]}"
    out.write(json.dumps({"bench": "xr", "error": f"OpenXR: {problem}"}) + "\n")
    return 2


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--plants", type=int, default=600)
    args = parser.parse_args()
    sys.stdout.write(json.dumps(_measure(args.frames, args.plants)) + "\n")


if __name__ == "__main__":
    _main()
