"""Lessons in the desktop player, in a real window on Xvfb, driven by the real pointer: a story
starts a lesson, the child drags items into bins, the lesson's records are stored and its
outcome changes the story; a lesson card on the home scene starts a lesson; --autoplay plays a
story's lesson on its own and reaches the ending."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.learn.store import RecordStore
from tests.test_desktop import ROOT, child_env, display, run_child

__all__ = ["display"]  # the Xvfb fixture, shared with the other desktop tests

TINY_SORT = """\
glowgrove: 1
lesson: tiny-sort
aliases: [tiny_sort]
title: Tiny sort
ages: {min: 8, max: 12}
minutes: 2
objectives:
  - id: sort-two
    text: Put a can and a peel into the right bins.
sources:
  epa-recycling-basics:
    title: Recycling Basics and Benefits
    publisher: United States Environmental Protection Agency
    url: https://www.epa.gov/recycle/recycling-basics-and-benefits
outcome:
  passed: {sorted_waste: true}
  failed: {sorted_waste: false}
bins:
  recycling: {label: Recycling, kind: recyclable, color: "#3a7bd5"}
  compost: {label: Compost, kind: organics, color: "#5aa846"}
steps:
  - id: welcome
    explain:
      text: Two things to sort.
      sources: [epa-recycling-basics]
  - id: sort
    objective: sort-two
    points: 2
    sort:
      prompt: Put each thing into its bin.
      bins: [recycling, compost]
      sources: [epa-recycling-basics]
      items:
        - {id: drink-can, label: Drink can, look: can, bin: recycling, reason: Cans melt.}
        - {id: banana-peel, label: Banana peel, look: peel, bin: compost, reason: Peels rot.}
"""

STORY = """\
glowgrove: 1
id: cart_story
title: The Cart
age_range: [8, 12]
minutes: 3
start: yard
variables:
  sorted_waste: {type: bool, default: false}
endings:
  bright: {title: The garden glows}
  dim: {title: Not yet}
scenes:
  yard:
    environment: {preset: night_garden, time: dusk, glow: 0.3}
    body:
      - say: Ember's cart is full of things people threw away.
      - command: start_lesson
        args: {lesson: tiny_sort}
      - if: sorted_waste
        then:
          - say: Everything is sorted. The garden glows.
          - end: bright
      - say: Some things are still in the wrong bins.
      - end: dim
"""

SORT_HELPERS = """\
from panda3d.core import Point3
from engine.player.lesson_screen import LessonScreen
from engine.player.screen import film_to_pixels

def pixel_of(app, point):
    relative = app.base.cam.get_relative_point(app.base.render, Point3(*point))
    projected = Point3()
    assert app.base.camLens.project(relative, projected)
    x, y = film_to_pixels(app.base, projected.x, projected.y)
    return int(x), int(y)

def drag(app, screen, item, bin_name):
    start = project_to_window(app.base, screen.stage.item_node(item))
    assert app.base.win.move_pointer(0, *start)
    app.step(3)
    app.base.messenger.send("mouse1")
    x, y, _ = screen.desk.layout.bins[bin_name]
    target = pixel_of(app, (x, y, 0.9))
    for k in range(1, 6):  # in steps: the held item follows the pointer
        x = start[0] + (target[0] - start[0]) * k // 5
        y = start[1] + (target[1] - start[1]) * k // 5
        assert app.base.win.move_pointer(0, x, y)
        app.step(2)
    held = screen.desk.held
    app.base.messenger.send("mouse1-up")
    frames_until(app, lambda: not screen.stage.busy(), 900)
    return held

def sort_everything(app, screen):
    while screen.desk.layout is None:
        app.base.messenger.send("space")
        app.step(2)
    held = []
    for item in ("drink-can", "banana-peel"):
        right = next(i.bin for i in screen.desk.run.waiting.activity.items if i.id == item)
        held.append(drag(app, screen, item, right))
    for _ in range(20):  # on to the lesson's end
        if screen.end is not None:
            break
        app.base.messenger.send("space")
        app.step(2)
    return held
"""

STORY_LESSON = (
    SORT_HELPERS
    + """\
story, data = Path(sys.argv[1]), Path(sys.argv[2])
options = PlayerOptions(
    story, Mode.DESKTOP, width=640, height=360, audio=False, plants=120, data_dir=data,
    profile="Moss", pacing=PacingSettings(auto_advance=False),
)
app = DesktopApp(options)
session = app.play(compile_narrative(story).program, app.explorer())
app.step(5)
app.base.messenger.send("space")  # past the first line: the story starts its lesson
frames_until(app, lambda: app.screen is not session, 60)
screen = app.screen
result = {
    "screen": type(screen).__name__,
    "flow": session.flow.state.value,
    "garden_hidden": [session.director.world.root.is_hidden(), session.director.stage.is_hidden()],
    "lesson": screen.lesson.id,
}
result["held"] = sort_everything(app, screen)
result["end"] = [screen.end.passed, screen.end.scaled] if screen.end is not None else None
result["log"] = screen.desk.log
app.base.messenger.send("space")  # the child moves on from the lesson's end
frames_until(app, lambda: app.screen is session, 60)
app.step(3)
result["back"] = app.screen is session
result["garden_shown"] = not session.director.world.root.is_hidden()
result["camera_parent"] = app.base.camera.get_parent().get_name()
result["variables"] = {"sorted_waste": session.flow.machine.variables["sorted_waste"]}
for _ in range(3):
    app.base.messenger.send("space")
    app.step(2)
result["state"] = session.flow.state.value
result["ending"] = session.flow.ending.ending if session.flow.ending else None
result["render"] = sorted(child.get_name() for child in app.base.render.get_children())
result["profile"] = app.explorer().id
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""
)

HOME_LESSON = (
    SORT_HELPERS
    + """\
content, data = Path(sys.argv[1]), Path(sys.argv[2])
options = PlayerOptions(
    None, Mode.DESKTOP, width=800, height=450, audio=False, plants=120, data_dir=data,
    content_dirs=(content,), pacing=PacingSettings(auto_advance=False),
)
app = DesktopApp(options)
home = app.open_home()
app.step(5)
point_and_click(app, home.cards[0], lambda: home.hovered == 0)
cards = app.menu.cards()
result = {"cards": [(card.kind.value, card.title, card.marker) for card in cards]}
wanted = next(i for i, card in enumerate(cards) if card.title == "Tiny sort")
point_and_click(app, home.cards[wanted], lambda: home.hovered == wanted)
screen = app.screen
result["screen"] = type(screen).__name__
result["held"] = sort_everything(app, screen)
result["end"] = [screen.end.passed, screen.end.scaled] if screen.end is not None else None
app.base.messenger.send("space")
frames_until(app, lambda: app.screen is not screen, 60)
app.step(3)
result["home_again"] = hasattr(app.screen, "menu")
result["markers"] = [card.marker for card in app.menu.cards()]
result["render"] = sorted(child.get_name() for child in app.base.render.get_children())
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    (tmp_path / "narratives").mkdir()
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "tiny-sort.yaml").write_text(TINY_SORT)
    (tmp_path / "narratives" / "cart_story.yaml").write_text(STORY)
    return tmp_path


def test_a_story_starts_a_lesson_the_child_sorts_and_the_story_goes_on(
    display: str, tmp_path: Path, content: Path
) -> None:
    data = tmp_path / "data"
    story = content / "narratives" / "cart_story.yaml"
    result = run_child(display, tmp_path, STORY_LESSON, str(story), str(data))
    assert result["screen"] == "LessonScreen" and result["lesson"] == "tiny-sort"
    assert result["flow"] == "lesson"  # the story waits while the lesson plays
    assert result["garden_hidden"] == [True, True]
    assert result["held"] == ["drink-can", "banana-peel"]  # grabbed with the pointer
    assert result["end"] == [True, 1.0]
    assert result["log"].count("feedback right") == 2
    # Back in the story, the lesson's outcome set the story's variable and chose the branch.
    assert result["back"] and result["garden_shown"] and result["camera_parent"] == "rig"
    assert result["variables"] == {"sorted_waste": True}
    assert result["state"] == "ended" and result["ending"] == "bright"
    assert "lesson-stage" not in result["render"]
    # xAPI statements went to the data folder's records, under the explorer's pseudonym.
    with RecordStore(data / "records.sqlite") as store:
        statements = store.all()
    verbs = [s.verb for s in statements]
    assert verbs[0] == "launched" and "passed" in verbs and verbs[-1] == "terminated"
    assert {s.learner for s in statements} == {f"learner-{result['profile']}"}
    assert {s.lesson for s in statements} == {"tiny-sort"}
    assert "Moss" not in json.dumps([s.body for s in statements])
    (progress,) = (data / "progress").glob("*/lesson.tiny-sort.json")
    saved = json.loads(progress.read_text())
    assert (saved["finished"], saved["best"], saved["passed"]) == (1, 1.0, True)


def test_a_lesson_card_on_the_home_scene_starts_the_lesson(
    display: str, tmp_path: Path, content: Path
) -> None:
    data = tmp_path / "data"
    result = run_child(display, tmp_path, HOME_LESSON, str(content / "lessons"), str(data))
    assert result["cards"][0] == ["lesson", "Tiny sort", "New"]
    assert result["screen"] == "LessonScreen"
    assert result["held"] == ["drink-can", "banana-peel"]
    assert result["end"] == [True, 1.0]
    assert result["home_again"]
    assert result["markers"][0] == "Mastered: best 100%"
    assert "lesson-stage" not in result["render"]


def test_launch_vr_desktop_autoplay_plays_the_story_lesson(
    display: str, tmp_path: Path, content: Path
) -> None:
    records = tmp_path / "records.sqlite"
    result = subprocess.run(
        [
            sys.executable,
            "launch_vr.py",
            str(content / "narratives" / "cart_story.yaml"),
            *("--mode", "desktop", "--autoplay", "first", "--reading-wpm", "20000"),
            *("--no-audio", "--size", "320x180", "--plants", "50"),
            *("--data-dir", str(tmp_path / "data"), "--profile", "Fern"),
            *("--records", str(records), "--group", "oak"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(display),
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lesson over: tiny-sort (100%)" in result.stdout
    assert "ending: The garden glows (bright)" in result.stdout
    with RecordStore(records) as store:
        groups = {s.group for s in store.all()}
    assert groups == {"oak"}
