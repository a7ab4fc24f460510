"""Offscreen lesson play-through: an answering policy plays each lesson in the 3D stage,
frames render for real, PNGs, a transcript and (optionally) xAPI records are written."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panda3d.core import Filename

from engine.learn.events import (
    ActivityEvent,
    ExplainEvent,
    FeedbackEvent,
    HintEvent,
    LessonEndEvent,
    LessonEvent,
    RemediationEvent,
)
from engine.learn.models import Simulate, Sort
from engine.learn.play import play_lesson
from engine.learn.policies import PolicyName, policy_named
from engine.learn.program import Lesson
from engine.learn.recorder import LessonRecorder
from engine.learn.runtime import LessonRun
from engine.learn.store import RecordStore
from engine.scene.lesson_stage import LessonStage

__all__ = ["LessonAutoplaySettings", "LessonRunReport", "load_font", "run_lesson_autoplay"]

FRAME_SECONDS = 1 / 30
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class LessonAutoplaySettings:
    policy: PolicyName = "correct"
    frames: int = 2  # frames rendered per event
    screenshot_dir: Path | None = None
    records: Path | None = None
    group: str = ""
    assets: Path | None = None
    seed: int = 0


@dataclass
class LessonRunReport:
    lesson: str
    policy: str
    passed: bool = False
    remediated: bool = False
    reached_end: bool = False
    scaled: float = 0.0
    events: list[str] = field(default_factory=list)
    cues: list[dict[str, Any]] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    frames: int = 0
    frame_ms: list[float] = field(default_factory=list)
    lights_level: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "policy": self.policy,
            "reached_end": self.reached_end,
            "passed": self.passed,
            "remediated": self.remediated,
            "scaled": round(self.scaled, 4),
            "events": self.events,
            "cues": self.cues,
            "screenshots": self.screenshots,
            "frames": self.frames,
            "lights_level": self.lights_level,
        }


def load_font(base: Any) -> object | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            font: object = base.loader.load_font(candidate)
            return font
    return None


def run_lesson_autoplay(
    base: Any, lesson: Lesson, settings: LessonAutoplaySettings
) -> LessonRunReport:
    stage = LessonStage(base, load_font(base), settings.assets)
    report = LessonRunReport(lesson.id, settings.policy)
    store = RecordStore(settings.records) if settings.records is not None else None
    recorder = LessonRecorder(lesson, store, group=settings.group) if store is not None else None
    if settings.screenshot_dir is not None:
        settings.screenshot_dir.mkdir(parents=True, exist_ok=True)

    def render(frames: int) -> None:
        for _ in range(max(1, frames)):
            started = time.perf_counter()
            stage.update(FRAME_SECONDS)
            base.graphicsEngine.render_frame()
            report.frame_ms.append(round((time.perf_counter() - started) * 1000, 3))
            report.frames += 1

    def settle() -> None:
        for _ in range(120):  # a move and a tint take under a second
            if not stage.busy():
                return
            render(1)

    def shoot(name: str) -> None:
        if settings.screenshot_dir is None:
            return
        settle()
        render(1)
        file = f"{lesson.id}-{settings.policy}-{len(report.screenshots) + 1:03d}-{name}.png"
        base.win.save_screenshot(Filename.from_os_specific(str(settings.screenshot_dir / file)))
        report.screenshots.append(file)

    def listen(event: LessonEvent | FeedbackEvent | HintEvent) -> None:
        if recorder is not None:
            recorder(event)
        report.events.append(_line(event))
        if isinstance(event, ExplainEvent):
            stage.clear_activity()
            stage.say(str(getattr(event.step.activity, "text", "")))
        elif isinstance(event, ActivityEvent):
            activity = event.step.activity
            stage.say(str(getattr(activity, "prompt", "")))
            if isinstance(activity, Sort):
                stage.show_sort(activity, lesson.bins, event.presented)
            elif isinstance(activity, Simulate):
                stage.show_lights(activity)
            else:
                stage.clear_activity()
            render(settings.frames)
            shoot(event.step.id)
            return
        elif isinstance(event, FeedbackEvent):
            stage.say(event.message)
            if event.item is not None and event.bin is not None:
                cue = stage.drop(event.item, event.bin, event.correct)
                report.cues.append(cue.__dict__.copy())
                settle()
            if event.simulation is not None:
                report.lights_level = stage.light_garden(event.simulation)
        elif isinstance(event, HintEvent):
            stage.say(f"Hint: {event.text}")
        elif isinstance(event, RemediationEvent):
            stage.clear_activity()
            stage.say("Let's go over that again, step by step.")
        elif isinstance(event, LessonEndEvent):
            stage.clear_activity()
            stage.say("Well done!" if event.passed else "You finished! Let's practise again soon.")
        render(settings.frames)

    try:
        if recorder is not None:
            recorder.start()
        end = play_lesson(
            LessonRun(lesson, seed=settings.seed), policy_named(settings.policy), listen
        )
        shoot("end")
        report.reached_end = True
        report.passed = end.passed
        report.remediated = end.remediated
        report.scaled = end.scaled
    finally:
        if store is not None:
            store.close()
        stage.destroy()
    return report


def _line(event: LessonEvent | FeedbackEvent | HintEvent) -> str:
    if isinstance(event, ExplainEvent):
        return f"explain: {event.step.id}"
    if isinstance(event, ActivityEvent):
        return f"activity: {event.step.id} ({event.step.kind})"
    if isinstance(event, FeedbackEvent):
        item = f" {event.item}->{event.bin}" if event.item else ""
        return f"feedback: {event.step_id}{item} {'right' if event.correct else 'wrong'}"
    if isinstance(event, HintEvent):
        return f"hint: {event.step_id}"
    if isinstance(event, RemediationEvent):
        return f"remediation: {event.scaled:.3f}"
    return f"end: passed={event.passed} remediated={event.remediated}"


def write_lesson_record(path: Path, reports: list[LessonRunReport], pipe: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"mode": "offscreen", "pipe": pipe, "runs": [r.to_json() for r in reports]}
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
