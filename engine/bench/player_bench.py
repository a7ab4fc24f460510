"""``glowgrove bench player``: CPU time per frame of the 3D player (story + director + Panda3D
cull/draw submission) at a tiny offscreen target, so software rasterisation does not dominate.

Each configuration runs in its own process (Panda3D allows one ShowBase per process). The
story plays itself: one story event per frame, restarting at an ending, which is far busier
than a child reading (a line stays up for seconds), so the figures are a worst case.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

__all__ = ["run_player_bench"]

FLAGSHIP = Path("narratives/restore_the_glow.yaml")
BUDGET_MS = 1000 / 90


def _child(plants: int, frames: int, warmup: int) -> dict[str, object]:
    from engine.content.compiler import compile_narrative
    from engine.display.modes import Mode
    from engine.display.panda import DisplaySettings, open_display
    from engine.scene.director import DirectorSettings, SceneDirector
    from engine.story import ChoicesEvent, EndEvent, StoryMachine

    program = compile_narrative(FLAGSHIP).program
    if program is None:
        raise SystemExit("the flagship narrative does not compile")
    display = open_display(DisplaySettings(Mode.OFFSCREEN, 64, 36, audio=False))
    base = display.base
    director = SceneDirector(base, program, DirectorSettings(plants=plants))
    rng = random.Random(1)
    machine = StoryMachine(program, seed=1)
    timings: list[float] = []
    story_ms: list[float] = []
    for frame in range(warmup + frames):
        started = time.perf_counter()
        event = machine.advance()
        director.apply(event)
        if isinstance(event, ChoicesEvent):
            machine.choose(rng.randrange(len(event.options)))
        elif isinstance(event, EndEvent):
            machine = StoryMachine(program, seed=frame)
        story_done = time.perf_counter()
        director.update(1 / 90)
        base.graphicsEngine.render_frame()  # type: ignore[attr-defined]
        finished = time.perf_counter()
        if frame >= warmup:
            timings.append((finished - started) * 1000)
            story_ms.append((story_done - started) * 1000)
    display.close()
    timings.sort()
    return {
        "bench": "player-config",
        "garden": plants > 0,
        "plants": plants,
        "frames": frames,
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 3),
        "story_director_median_ms": round(statistics.median(story_ms), 3),
        "target_px": [64, 36],
    }


def run_player_bench(quick: bool, out: TextIO) -> dict[str, object]:
    frames = 120 if quick else 600
    rows = []
    for plants in (600, 0):
        command = [
            sys.executable,
            "-m",
            "engine.bench.player_bench",
            "--child",
            "--plants",
            str(plants),
            "--frames",
            str(frames),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"player benchmark child failed: {result.stderr[-2000:]}")
        row = json.loads(result.stdout.strip().splitlines()[-1])
        rows.append(row)
        out.write(json.dumps(row) + "\n")
    garden, bare = rows
    summary: dict[str, object] = {
        "bench": "player",
        "frames": frames,
        "median_ms": garden["median_ms"],
        "p99_ms": garden["p99_ms"],
        "median_ms_no_garden": bare["median_ms"],
        "p99_ms_no_garden": bare["p99_ms"],
        "budget_ms": round(BUDGET_MS, 2),
    }
    out.write(json.dumps(summary) + "\n")
    return summary


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--plants", type=int, default=600)
    parser.add_argument("--frames", type=int, default=600)
    args = parser.parse_args()
    print(json.dumps(_child(args.plants, args.frames, warmup=30)))


if __name__ == "__main__":
    _main()
