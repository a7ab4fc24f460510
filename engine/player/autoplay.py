"""Offscreen play-through: the story plays itself, frames render for real, PNGs and a
transcript are written. This is what CI and the main job on a server run."""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from direct.showbase.ShowBase import ShowBase
from panda3d.core import Filename

from engine.content.program import Program
from engine.player.options import PlayerOptions
from engine.scene.director import DirectorSettings, SceneDirector
from engine.story import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
    StoryMachine,
)
from engine.story.testplan import format_plan_event

__all__ = ["ChoiceScript", "RunReport", "run_autoplay"]

log = logging.getLogger(__name__)
FRAME_SECONDS = 1 / 30


class ChoiceScript:
    """Scripted choices first (1-based, as typed), then the autoplay policy."""

    def __init__(self, scripted: tuple[int, ...], policy: str | None, seed: int) -> None:
        self.pending = list(scripted)
        self.policy = policy or "first"
        self.rng = random.Random(seed)

    def pick(self, event: ChoicesEvent) -> int:
        if self.pending:
            wanted = self.pending.pop(0) - 1
            if not 0 <= wanted < len(event.options):
                raise ValueError(f"scripted choice {wanted + 1} is not offered here")
            return wanted
        if self.policy == "random":
            return self.rng.randrange(len(event.options))
        return 0


@dataclass
class RunReport:
    ending: str | None = None
    ending_title: str = ""
    scenes: list[str] = field(default_factory=list)
    screenshots: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    frames: int = 0
    frame_ms: list[float] = field(default_factory=list)

    def to_json(self, options: PlayerOptions, pipe: str) -> dict[str, Any]:
        return {
            "narrative": str(options.narrative),
            "mode": "offscreen",
            "pipe": pipe,
            "seed": options.seed,
            "ending": self.ending,
            "ending_title": self.ending_title,
            "scenes": self.scenes,
            "frames": self.frames,
            "screenshots": self.screenshots,
            "events": self.events,
        }


def run_autoplay(base: ShowBase, program: Program, options: PlayerOptions, pipe: str) -> RunReport:
    director = SceneDirector(
        base,
        program,
        DirectorSettings(comfort=options.comfort, assets=options.assets, plants=options.plants),
    )
    seed = options.seed if options.seed is not None else program.seed
    machine = StoryMachine(program, seed)
    script = ChoiceScript(options.choices, options.autoplay, seed)
    report = RunReport()
    if options.screenshot_dir is not None:
        options.screenshot_dir.mkdir(parents=True, exist_ok=True)
    pending_shot: str | None = None
    for _ in range(options.max_events):
        event = machine.advance()
        if pending_shot is not None and isinstance(event, SceneEvent):
            _screenshot(base, director, options, report, pending_shot)
            pending_shot = None
        started = time.perf_counter()
        director.apply(event)
        if isinstance(event, SceneEvent):
            report.scenes.append(event.scene)
            pending_shot = event.scene
            director.fade.alpha = 1.0
            director.fade.to_clear()
        frame_ms = _render(base, director, options.frames)
        record: dict[str, Any] = {
            "event": format_plan_event(event),
            "apply_ms": round((time.perf_counter() - started) * 1000, 3),
            "frame_ms": frame_ms,
        }
        report.events.append(record)
        report.frame_ms.extend(frame_ms)
        report.frames += len(frame_ms)
        if pending_shot is not None and isinstance(event, (LineEvent, ChoicesEvent, EndEvent)):
            _screenshot(base, director, options, report, pending_shot)
            pending_shot = None
        if isinstance(event, ChoicesEvent):
            pick = script.pick(event)
            record["picked"] = pick + 1
            machine.choose(pick)
        elif isinstance(event, EndEvent):
            report.ending = event.ending
            report.ending_title = event.title
            break
        elif isinstance(event, CommandEvent) and event.name == "start_lesson":
            record["lesson"] = _play_story_lesson(machine, options, str(event.args["lesson"]))
        elif isinstance(event, CommandEvent) and event.name == "wait":
            seconds = float(event.args["seconds"])
            _render(base, director, min(int(seconds / FRAME_SECONDS), options.frames * 3))
    return report


def _play_story_lesson(machine: StoryMachine, options: PlayerOptions, name: str) -> Any:
    """A lesson a narrative starts: played by the correct-answer policy (autoplay), its
    outcome set in the story's variables."""
    from engine.learn.bridge import LessonLibrary
    from engine.learn.play import play_lesson
    from engine.learn.policies import policy_named
    from engine.learn.runtime import LessonRun

    if options.narrative is None:
        return None
    lesson = LessonLibrary.for_narrative(options.narrative).find(name)
    if lesson is None:
        return {"name": name, "found": False}
    end = play_lesson(LessonRun(lesson), policy_named("correct"), lambda event: None)
    applied = machine.set_variables(end.outcome)
    log.info("lesson %s: %s; story variables set: %s", lesson.id, end.passed, applied)
    return {"name": name, "lesson": lesson.id, "passed": end.passed, "set": applied}


def _render(base: ShowBase, director: SceneDirector, frames: int) -> list[float]:
    timings = []
    fade_dt = max(FRAME_SECONDS, director.fade.seconds / max(frames, 1))
    for _ in range(max(frames, 1)):
        started = time.perf_counter()
        director.update(fade_dt)
        base.graphicsEngine.render_frame()
        timings.append(round((time.perf_counter() - started) * 1000, 3))
    return timings


def _screenshot(
    base: ShowBase,
    director: SceneDirector,
    options: PlayerOptions,
    report: RunReport,
    scene: str,
) -> None:
    if options.screenshot_dir is None:
        return
    # Make sure the fade has finished before the picture is taken.
    while not director.fade.settled:
        _render(base, director, 1)
    base.graphicsEngine.render_frame()
    name = f"{len(report.screenshots) + 1:03d}-{scene}.png"
    path = options.screenshot_dir / name
    base.win.save_screenshot(Filename.from_os_specific(str(path)))
    look = director.look
    report.screenshots.append(
        {
            "scene": scene,
            "file": name,
            "preset": look.preset,
            "time": look.time,
            "glow": look.glow,
            "blight": look.blight,
            "text_panel_px": director.text_panel_rect(),
        }
    )


def write_record(path: Path, report: RunReport, options: PlayerOptions, pipe: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(options, pipe), indent=1), encoding="utf-8")


def describe(event: StoryEvent) -> str:
    return format_plan_event(event)[0]
