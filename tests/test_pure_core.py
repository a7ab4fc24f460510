"""The pure core runs with panda3d unavailable: compile and play a story in a fresh process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("panda3d", "direct", "xr"):
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Blocker())
    import engine.cli, engine.content.compiler, engine.story, engine.text.player
    import engine.garden.blight, engine.garden.culling, engine.garden.field, engine.garden.frame
    import engine.garden.garden, engine.garden.lod, engine.garden.meshes, engine.garden.shading
    from engine.garden.culling import Eye, stereo_eyes
    from engine.garden.frame import plan_frame
    from engine.garden.garden import LivingGarden
    from engine.garden.lod import LodRings
    from engine.garden.spec import GardenSpec
    from engine.bench.compile_bench import generate_narrative
    from engine.content.compiler import compile_text
    from engine.story import EndEvent, ChoicesEvent, StoryMachine

    program = compile_text(generate_narrative(12), "g.yaml").program
    machine = StoryMachine(program, seed=1)
    while True:
        event = machine.advance()
        if isinstance(event, ChoicesEvent):
            machine.choose(0)
        if isinstance(event, EndEvent):
            break
    garden = LivingGarden(GardenSpec.square(2000))
    garden.set_blight(0.5)
    garden.advance(0.5)
    assert sum(plan_frame(garden.field, stereo_eyes(Eye(0, 0, 1.6)), None, LodRings()).instances)
    loaded = [m for m in sys.modules if m.split(".")[0] in ("panda3d", "direct", "xr")]
    assert not loaded, loaded
    print("ok", event.ending)
    """
)


def test_core_runs_without_panda3d() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
