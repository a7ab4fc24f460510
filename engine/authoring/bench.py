"""``glowgrove bench authoring``: play-through testing (``glowgrove test``) on generated stories.

The story is 500 scenes in chapters, ten boolean flags, three options a scene. Two variants:

- ``chapter``: each chapter's flag is read in that chapter and the next (the usual shape of a
  story: a decision echoes for a while). The state key only keeps live flags.
- ``story``: the last scene reads every flag, so all ten stay live to the end and the search
  meets every combination the choices can make (up to 2**10 per scene in the last chapter).

Each prints one JSON line; ``paths`` is the number of distinct choice paths (counted over the
state graph), which naive path enumeration would have to walk one by one.
"""

from __future__ import annotations

import json
import time
from typing import TextIO

from engine.authoring.statespace import explore
from engine.content.compiler import compile_text

__all__ = ["generate_branching_narrative", "run_authoring_bench"]


def generate_branching_narrative(
    scenes: int = 500, flags: int = 10, width: int = 5, scope: str = "chapter"
) -> str:
    """A valid narrative of ``scenes`` scenes in ``flags`` chapters of layers ``width`` wide."""
    per_chapter = max(scenes // flags, width)
    layers = max(per_chapter // width, 1)
    lines = [
        "glowgrove: 1",
        f"id: generated_{scope}_{scenes}",
        f"title: Generated {scenes} ({scope} flags)",
        "start: c0_l0_0",
        "variables:",
        *[f"  flag_{f}: {{type: bool, default: false}}" for f in range(flags)],
        "endings:",
        "  bright: {title: Bright}",
        "  dim: {title: Dim}",
        "scenes:",
    ]
    for chapter in range(flags):
        for layer in range(layers):
            for lane in range(width):
                lines += _scene(chapter, layer, lane, flags, layers, width, scope)
    return "\n".join(lines) + "\n"


def _scene(
    chapter: int, layer: int, lane: int, flags: int, layers: int, width: int, scope: str
) -> list[str]:
    def target(next_lane: int) -> str:
        if layer + 1 < layers:
            return f"c{chapter}_l{layer + 1}_{next_lane % width}"
        return f"c{chapter + 1}_l0_{next_lane % width}"

    flag = f"flag_{chapter}"
    echo = f"flag_{chapter - 1}" if chapter else f"not {flag}"
    body = [
        f"  c{chapter}_l{layer}_{lane}:",
        "    body:",
        f'      - say: "Lantern {chapter}.{layer}.{lane} is '
        f"{{{{ 'lit' if {flag} else 'dark' }}}}.\"",
    ]
    if chapter == flags - 1 and layer == layers - 1:
        if scope == "story":
            test = " and ".join(f"flag_{f}" for f in range(0, flags, 2))
            also = " or ".join(f"flag_{f}" for f in range(1, flags, 2))
            condition = f"({test}) or ({also})"
        else:
            condition = flag
        return [
            *body,
            f'      - if: "{condition}"',
            "        then:",
            "          - end: bright",
            "      - end: dim",
        ]
    return [
        *body,
        "      - choice:",
        '          - text: "Light the lantern."',
        f"            set: {{{flag}: true}}",
        f"            jump: {target(lane)}",
        '          - text: "Walk on."',
        f"            jump: {target(lane + 1)}",
        '          - text: "Follow the glow."',
        f'            if: "{echo}"',
        f"            jump: {target(lane + 2)}",
    ]


def _measure(scope: str, scenes: int, flags: int) -> dict[str, object]:
    text = generate_branching_narrative(scenes, flags, scope=scope)
    result = compile_text(text, f"generated_{scope}.yaml")
    if result.program is None:  # the generator is wrong: an engine bug
        raise RuntimeError(result.diagnostics[0].headline())
    started = time.perf_counter()
    found = explore(result.program, max_states=2_000_000)
    seconds = time.perf_counter() - started
    return {
        "bench": "authoring-test",
        "scope": scope,
        "scenes": len(result.program.scenes),
        "bool_variables": flags,
        "seconds": round(seconds, 3),
        "states": found.states,
        "transitions": found.transitions,
        "machine_runs": found.machine_runs,
        "complete": found.complete,
        "endings": sorted(found.endings),
        "paths": found.path_count,
    }


def run_authoring_bench(quick: bool, out: TextIO) -> list[dict[str, object]]:
    scenes, flags = (60, 4) if quick else (500, 10)
    rows = []
    for scope in ("chapter", "story"):
        row = _measure(scope, scenes, flags)
        rows.append(row)
        out.write(json.dumps(row) + "\n")
    return rows
