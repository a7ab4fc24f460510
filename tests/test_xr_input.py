"""Headset input on the real scene graph, without a runtime: synthetic controller states (as
``xrSyncActions`` would report them) point at a choice card, press select and menu, flick the
stick. Runs in a subprocess (one ShowBase per process), offscreen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DRIVER = """
import json
from engine.player.flow import FlowState
from engine.xr.controls import HandState
from tests.xr_scene import aim_at, headset_player

display, player = headset_player("narratives/firefly_night.yaml")
base = display.base
story = player.story
for _ in range(200):
    if story.flow.state is FlowState.CHOOSING:
        break
    story.show(story.flow.advance())
story.director.update(0.1)
base.graphicsEngine.render_frame()
out = {"state": story.flow.state.value, "options": len(story.flow.choices.options)}

def pointing_at(index):
    holder = story.director.choices.root.find(f"choice-{index}")
    return aim_at(player, holder.get_pos(base.render) + (0, 0, -0.05))

idle = HandState(profile="/interaction_profiles/khr/simple_controller")
aim_second = pointing_at(1)
player.handle_hands([idle, HandState(aim=aim_second)])
out["hovered"] = player.hovered
out["highlighted"] = story.director.choices.hovered
scene_before = list(story.scenes)
events_before = story.flow.machine.save()
player.handle_hands([idle, HandState(aim=aim_second, select=True, select_changed=True)])
out["choices_made"] = player.report.choices_made
out["state_after_select"] = story.flow.state.value
out["moved_on"] = story.flow.machine.save() != events_before
player.handle_hands([HandState(menu=True, menu_changed=True), HandState()])
out["paused"] = story.flow.state.value
player.handle_hands([HandState(menu=True, menu_changed=True), HandState()])
out["resumed"] = story.flow.state.value
heading = story.director.rig.heading
player.handle_hands([HandState(move=(-0.95, 0.0)), HandState()])
player.handle_hands([HandState(move=(-1.0, 0.0)), HandState()])
out["turned"] = (story.director.rig.heading - heading) % 360
ground = player.tracking.attach_new_node("ground-target")
ground.set_pos(0.4, 2.0, 0.0)
expected = ground.get_pos(base.render)
down = aim_at(player, expected)
player.handle_hands([HandState(), HandState(aim=down, move=(0.0, 0.9))])
ring = player.teleport_target
out["target_shown"] = not ring.is_hidden()
out["target_at"] = [ring.get_x(base.render), ring.get_y(base.render)]
player.handle_hands([HandState(), HandState(aim=down, move=(0.0, 0.0))])
out["target_hidden_after"] = ring.is_hidden()
rig = story.director.rig
out["teleported_to"] = [rig.x, rig.y]
out["expected"] = [expected.x, expected.y]
print(json.dumps(out))
player.story.close()
display.close()
"""


def test_pointing_selecting_menu_and_snap_turn_with_controllers() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["state"] == "choosing" and out["options"] >= 2
    assert out["hovered"] == 1 and out["highlighted"] == 1  # the aim ray found the second card
    assert out["choices_made"] == 1 and out["moved_on"] is True
    assert out["state_after_select"] != "choosing"
    assert out["paused"] == "paused" and out["resumed"] != "paused"
    assert out["turned"] == 30.0  # one snap (default 30 degrees) for one flick held two frames
    # Stick forward aims, release teleports to where the controller points on the ground.
    assert out["target_shown"] is True and out["target_hidden_after"] is True
    assert out["target_at"] == pytest.approx(out["expected"], abs=1e-3)
    assert out["teleported_to"] == pytest.approx(out["expected"], abs=1e-3)
