"""``glowgrove bench compile``: compile time and memory for generated narratives.

Prints one JSON line per size and a summary line with the slope (ms per scene) so linear
growth can be judged from one run on a noisy machine.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from typing import TextIO

from engine.content.compiler import compile_text

__all__ = ["generate_narrative", "run_compile_bench"]


def generate_narrative(scenes: int, seed: int = 1) -> str:
    """A valid narrative of ``scenes`` scenes using every kind of step."""
    lines = [
        "glowgrove: 1",
        f"id: generated_{scenes}",
        f"title: Generated {scenes}",
        "start: s0",
        f"seed: {seed}",
        "characters:",
        "  liora: {name: Liora}",
        "  ember: {name: Ember}",
        "variables:",
        "  courage: {type: int, default: 0}",
        "  glow: {type: float, default: 0.1}",
        "  plan: {type: enum, values: [art, science, energy], default: art}",
        "  nickname: {type: string, default: friend}",
        "  kit: {type: bool, default: false}",
        "endings:",
        "  bright: {title: Bright}",
        "  dim: {title: Dim}",
        "scenes:",
    ]
    for i in range(scenes):
        nxt, skip = f"s{i + 1}", f"s{min(i + 2, scenes - 1)}"
        lines += [
            f"  s{i}:",
            f"    environment: {{preset: meadow, glow: {round((i % 10) / 10, 1)}}}",
            "    body:",
            f'      - say: "Scene {i}: hello {{{{ nickname }}}}, courage {{{{ courage }}}}."',
            "        speaker: liora",
            '      - set: {courage: "courage + 1", glow: "min(glow + 0.01, 1.0)"}',
            "      - if: \"plan == 'energy' and kit\"",
            "        then:",
            "          - say: The digester hums.",
            "        else:",
            "          - random:",
            "              - say: A moth flutters by.",
            "              - say: A frog sings.",
            "      - command: set_glow",
            "        args: {level: 0.5}",
        ]
        if i >= scenes - 2:
            lines += ["      - end: bright" if i % 2 else "      - end: dim"]
            continue
        lines += [
            "      - choice:",
            f'          - text: "Go on to {i + 1}"',
            f"            jump: {nxt}",
            '          - text: "Take the shortcut"',
            f'            if: "courage > {i % 5} or visited(s{max(i - 1, 0)})"',
            "            set: {plan: \"'energy'\", kit: true}",
            f"            jump: {skip}",
        ]
    return "\n".join(lines) + "\n"


def _measure(scenes: int, repeats: int) -> dict[str, float | int]:
    """Best and median of ``repeats`` compiles (the best is least disturbed by other load)."""
    text = generate_narrative(scenes)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = compile_text(text, f"generated_{scenes}.yaml")
        times.append(time.perf_counter() - started)
        if result.program is None:  # the generator is wrong: that is an engine bug
            first = result.diagnostics[0].headline()
            raise RuntimeError(f"generated narrative failed to compile: {first}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "scenes": scenes,
        "bytes": len(text),
        "seconds": round(min(times), 4),
        "median_seconds": round(statistics.median(times), 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def run_compile_bench(quick: bool, out: TextIO) -> dict[str, object]:
    sizes = (50, 100, 200) if quick else (500, 1000, 2000)
    _measure(sizes[0], 1)  # warm caches and imports
    rows = []
    for scenes in sizes:
        row = _measure(scenes, 3)
        rows.append(row)
        out.write(json.dumps({"bench": "compile-size", **row}) + "\n")
    xs = [float(r["scenes"]) for r in rows]
    ys = [float(r["seconds"]) for r in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    largest = rows[-1]
    summary: dict[str, object] = {
        "bench": "compile",
        "scenes": largest["scenes"],
        "seconds": largest["seconds"],
        "peak_rss_mb": largest["peak_rss_mb"],
        "slope_ms_per_scene": round(slope * 1000, 4),
        "growth_ratio": round((ys[-1] / ys[0]) / (xs[-1] / xs[0]), 3),
    }
    out.write(json.dumps(summary) + "\n")
    return summary
