"""A lesson the story starts, played in the headset with a controller, on the real scene graph
without a runtime: synthetic controller states (as ``xrSyncActions`` would report them) point
at the lesson's panels and pull the trigger, pick a waste item off the tray, carry it over its
bin and let go; at the end "Back to the story" hands the outcome to the story. Runs in a
subprocess (one ShowBase per process), offscreen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DRIVER = """
import json
from panda3d.core import Point3
from engine.learn.policies import correct_answer
from engine.player.flow import FlowState
from engine.scene.lesson_layout import TRAY_HEIGHT
from engine.xr.controls import HandState
from engine.xr.renderer import FrameReport
from tests.xr_scene import aim_at, headset_player

display, player = headset_player("narratives/firefly_night.yaml")
base = display.base
story = player.story
for _ in range(500):
    if story.flow.state is FlowState.LESSON:
        break
    if story.flow.state is FlowState.CHOOSING:
        story.show(story.flow.choose(0))
    else:
        story.show(story.flow.advance())
out = {"story_state": story.flow.state.value, "lesson_asked": story.flow.lesson}
clock = [0]

def frame(*hands):
    clock[0] += 50_000_000  # 20 Hz, as Monado's null compositor paces frames
    player.update(FrameReport(clock[0], True, hands=list(hands)))
    base.graphicsEngine.render_frame()

def aiming_at(point):
    return aim_at(player, point)

idle = HandState(profile="/interaction_profiles/khr/simple_controller")
frame(idle, idle)  # the story asked for a lesson: it opens
lesson = player.lesson
out["lesson"] = lesson.screen.lesson.id if lesson else None
out["garden_hidden"] = story.director.stage.is_hidden()
desk = lesson.screen.desk

def panel_point(index):
    holder = lesson.panels.root.find(f"choice-{index}")
    return tuple(holder.get_pos(base.render) + Point3(0, 0, -0.05))

def press_panel(label):
    frame(idle, idle)  # the panels show what can be done now
    index = [l for l, _ in lesson.shown].index(label)
    aim = aiming_at(panel_point(index))
    frame(idle, HandState(aim=aim))
    hovered = lesson.hovered
    frame(idle, HandState(aim=aim, select=True, select_changed=True))
    frame(idle, HandState(aim=aim, select=False, select_changed=True))
    return hovered == index

# Explanations first: "Go on" until the sorting tray is out.
went_on = []
for _ in range(20):
    if desk.layout is not None and desk.run.waiting is not None:
        break
    went_on.append(press_panel("Go on"))
out["went_on"] = went_on
out["sorting"] = desk.layout is not None
step = desk.run.waiting
item = desk.run.unplaced()[0]
_, bin_name = correct_answer(step, item)
x, y, _ = desk.layout.bins[bin_name]
grab = aiming_at(desk.stage.item_position(item))
over_bin = aiming_at((x, y, TRAY_HEIGHT))
frame(idle, HandState(aim=grab, select=True, select_changed=True))
out["holding"] = desk.held
frame(idle, HandState(aim=over_bin, select=True))
frame(idle, HandState(aim=over_bin, select=True))
carried = desk.stage.item_position(item)
out["carried_to"] = [carried[0], carried[1]]
out["bin_at"] = [x, y]
frame(idle, HandState(aim=over_bin, select=False, select_changed=True))
out["placed"] = item not in desk.run.unplaced()
out["cue"] = [desk.stage.cues[-1].kind, desk.stage.cues[-1].bin] if desk.stage.cues else None

# The rest plays itself (the same answering policy as --autoplay), then back to the story.
from engine.learn.policies import policy_named
lesson.screen.autoplay = policy_named("correct")
for _ in range(3000):
    if desk.end is not None:
        break
    frame(idle, idle)
out["ended"] = desk.end is not None
out["back_panel"] = [l for l, _ in lesson.actions()]
frame(idle, idle)
out["left"] = press_panel("Back to the story")
out["lesson_after"] = player.lesson is not None
out["story_after"] = story.flow.state.value
out["garden_back"] = not story.director.stage.is_hidden()
out["report"] = player.report.lessons
print(json.dumps(out))
story.close()
display.close()
"""


def test_a_story_lesson_plays_in_the_headset_with_a_controller() -> None:
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
    assert out["story_state"] == "lesson" and out["lesson_asked"] == "sorting_waste"
    assert out["lesson"] == "sorting-household-waste"
    assert out["garden_hidden"] is True
    assert out["went_on"] and all(out["went_on"]), "each press hovered the panel it aimed at"
    assert out["sorting"] is True
    # Trigger on an item picks it up, it follows the aim to the bin, letting go sorts it.
    assert out["holding"] is not None
    assert out["carried_to"] == pytest.approx(out["bin_at"], abs=0.05)
    assert out["placed"] is True and out["cue"][0] == "right"
    assert out["ended"] is True and out["back_panel"] == ["Back to the story"]
    assert out["left"] is True
    assert out["lesson_after"] is False
    assert out["story_after"] != "lesson"
    assert out["garden_back"] is True
    assert out["report"] == [{"lesson": "sorting-household-waste", "passed": True}]
