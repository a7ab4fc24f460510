"""Lessons inside the desktop player, the pure part: where a story's lessons are, what a
lesson's home-scene marker says, and what an ended lesson leaves behind (the explorer's lesson
progress, the seminar outcome). No Panda3D here; :mod:`engine.player.lesson_screen` draws.

A lesson's progress for an explorer sits beside their story progress, under the key
``lesson.<lesson id>``: how often they finished it, their best score and whether they reached
mastery. Nothing else about the child is kept (the xAPI records hold the details, under a
pseudonymous learner id derived from the explorer's random profile id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.content.program import Program
from engine.errors import ProfileError
from engine.learn.bridge import LessonLibrary
from engine.learn.events import LessonEndEvent
from engine.learn.program import Lesson
from engine.player.profiles import Profile, ProfileStore

__all__ = [
    "LessonProgress",
    "SeminarOutcome",
    "learner_for",
    "lesson_marker",
    "narrative_path",
    "read_lesson_progress",
    "record_lesson_end",
    "seminar_outcome",
    "story_lesson",
]

log = logging.getLogger(__name__)

LESSON_PROGRESS_KIND = "lesson"  # the store stamps its own format; this tells lessons apart


@dataclass(frozen=True)
class LessonProgress:
    finished: int = 0  # how many times the explorer reached the lesson's end
    best: float | None = None  # best scaled score (0..1), None before the first finish
    passed: bool = False  # reached mastery at least once

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": LESSON_PROGRESS_KIND,
            "finished": self.finished,
            "best": self.best,
            "passed": self.passed,
        }

    @classmethod
    def from_json(cls, data: Any) -> LessonProgress:
        if not isinstance(data, dict) or data.get("kind") != LESSON_PROGRESS_KIND:
            return cls()
        finished = data.get("finished")
        best = data.get("best")
        passed = data.get("passed")
        return cls(
            finished if isinstance(finished, int) and finished >= 0 else 0,
            float(best) if isinstance(best, (int, float)) and 0 <= best <= 1 else None,
            passed is True,
        )

    def after(self, end: LessonEndEvent) -> LessonProgress:
        best = end.scaled if self.best is None else max(self.best, end.scaled)
        return LessonProgress(self.finished + 1, round(best, 4), self.passed or end.passed)


def _key(lesson_id: str) -> str:
    return f"lesson.{lesson_id}"


def read_lesson_progress(store: ProfileStore, profile: Profile, lesson_id: str) -> LessonProgress:
    try:
        return LessonProgress.from_json(store.read_progress(profile, _key(lesson_id)))
    except ProfileError as error:
        log.warning("no lesson progress for %s: %s", lesson_id, error)
        return LessonProgress()


def record_lesson_end(
    store: ProfileStore, profile: Profile, lesson_id: str, end: LessonEndEvent
) -> LessonProgress:
    """Fold one finished run into the explorer's lesson progress and save it (a failed save
    is logged: the child has finished either way)."""
    progress = read_lesson_progress(store, profile, lesson_id).after(end)
    try:
        store.write_progress(profile, _key(lesson_id), progress.to_json())
    except (OSError, ProfileError) as error:
        log.warning("could not save lesson progress for %s: %s", profile.nickname, error)
    return progress


def lesson_marker(lesson: Lesson, progress: LessonProgress) -> str:
    if progress.best is None:
        return "New"
    score = f"{progress.best:.0%}"
    if progress.passed:
        return f"Mastered: best {score}"
    return f"Practising: best {score} of {lesson.mastery:.0%}"


def learner_for(profile: Profile | None) -> str | None:
    """The xAPI learner id for an explorer (None: a fresh random one per run)."""
    return None if profile is None else f"learner-{profile.id}"


def narrative_path(program: Program) -> Path | None:
    """The narrative's main file (lessons are looked for beside it)."""
    return Path(program.files[0]) if program.files else None


def story_lesson(program: Program, name: str) -> Lesson | None:
    """The lesson a story's ``start_lesson`` names, from the lessons folder beside the story
    (None, logged by the library, when there is none by that name)."""
    path = narrative_path(program)
    return LessonLibrary.for_narrative(path).find(name) if path is not None else None


@dataclass(frozen=True)
class SeminarOutcome:
    lesson: str
    completed: bool
    score: float | None


def seminar_outcome(lesson: Lesson, end: LessonEndEvent | None) -> SeminarOutcome:
    """What a participant reports to the seminar: completed once the lesson reached its end,
    with the runtime's scaled score (0..1); a lesson left before its end is not completed."""
    if end is None:
        return SeminarOutcome(lesson.id, False, None)
    return SeminarOutcome(lesson.id, True, round(min(1.0, max(0.0, end.scaled)), 4))
