"""When the story moves on: the pure state machine between input and the story machine.

The desktop shell feeds it time (``tick``) and the child's intentions (``advance``, ``choose``,
``toggle_pause``); it pulls events from the :class:`StoryMachine` and hands them back for the
scene director to show. It knows nothing of Panda3D, so it is tested with a fake clock.

States: READING (a line is shown; it moves on by itself after a reading time computed from its
length, or at a click), WAITING (a ``wait`` command), CHOOSING, PAUSED (the safe place: time
stands still for the story), LESSON (a ``start_lesson`` command: the shell plays the lesson
and hands its outcome back with :meth:`PlayFlow.finish_lesson`), ENDED.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from engine.content.expressions import Value
from engine.player import world_log
from engine.story import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
    StoryMachine,
    StoryStatus,
)

__all__ = ["FlowState", "PacingSettings", "PlayFlow", "reading_seconds"]

log = logging.getLogger(__name__)

# Answers choices for autoplay; None hands this choice to the child.
Chooser = Callable[[ChoicesEvent], int | None]
# Saves the machine and the world log (engine.player.world_log) at a safe point.
Checkpoint = Callable[[StoryMachine, tuple[world_log.Entry, ...]], None]
# A story that runs this many events without stopping for the child is stuck in a loop of
# commands; the rest is pulled on the next frame so the window stays responsive.
_MAX_EVENTS_PER_PULL = 2_000


class FlowState(StrEnum):
    STARTING = "starting"
    READING = "reading"
    WAITING = "waiting"
    CHOOSING = "choosing"
    PAUSED = "paused"
    LESSON = "lesson"
    ENDED = "ended"


@dataclass(frozen=True)
class PacingSettings:
    """How long lines stay up. Children read aloud at roughly 90-130 words a minute."""

    auto_advance: bool = True  # False: every line waits for a click, space or enter
    words_per_minute: float = 110.0
    min_line_seconds: float = 2.5
    max_line_seconds: float = 15.0
    autoplay_choice_seconds: float = 1.5  # autoplay shows the choices this long, then picks

    def __post_init__(self) -> None:
        if self.words_per_minute <= 0:
            raise ValueError("words_per_minute must be positive")
        if not 0 <= self.min_line_seconds <= self.max_line_seconds:
            raise ValueError("need 0 <= min_line_seconds <= max_line_seconds")

    @classmethod
    def for_reading_speed(cls, words_per_minute: float) -> PacingSettings:
        """Pacing for a reader of this speed (0: every line waits for the child). Every
        duration scales with the speed, so a fast setting (a demo, a test) is fast throughout."""
        if words_per_minute <= 0:
            return cls(auto_advance=False)
        default = cls()
        factor = min(1.0, default.words_per_minute / words_per_minute)
        return cls(
            words_per_minute=words_per_minute,
            min_line_seconds=default.min_line_seconds * factor,
            max_line_seconds=default.max_line_seconds,
            autoplay_choice_seconds=default.autoplay_choice_seconds * factor,
        )


# A line's time includes a moment to notice it appeared and find where it starts.
_NOTICE_WORDS = 2


def reading_seconds(text: str, pacing: PacingSettings) -> float | None:
    """How long a line stays before moving on by itself; None: until the child moves it on."""
    if not pacing.auto_advance:
        return None
    words = len(text.split()) + _NOTICE_WORDS
    seconds = words * 60.0 / pacing.words_per_minute
    return min(pacing.max_line_seconds, max(pacing.min_line_seconds, seconds))


class PlayFlow:
    def __init__(
        self,
        machine: StoryMachine,
        pacing: PacingSettings,
        chooser: Chooser | None = None,
        checkpoint: Checkpoint | None = None,
        plays_lessons: bool = True,
        world: Sequence[world_log.Entry] = (),
    ) -> None:
        self.machine = machine
        # What the story did to the world so far (a resumed story starts from the saved log).
        self.world: list[world_log.Entry] = list(world)
        # False where the shell cannot show a lesson (the headset, for now): start_lesson is
        # then logged and the story goes on without the lesson's outcome.
        self.plays_lessons = plays_lessons
        self.pacing = pacing
        self.chooser = chooser
        self.checkpoint = checkpoint
        self.state = FlowState.STARTING
        self.timer: float | None = None  # seconds until the story moves on by itself
        self.choices: ChoicesEvent | None = None
        self.ending: EndEvent | None = None
        self.lesson: str | None = None  # the lesson a start_lesson command asked for
        self.chosen: list[str] = []  # option ids picked, in order (the preview replays them)
        self._paused_from = FlowState.STARTING

    # -- starting ------------------------------------------------------------------------------

    def start(self, resumed: bool = False) -> list[StoryEvent]:
        """The first events. A resumed machine first shows again what the story did to the
        world (its world log: scenes entered, garden and prop commands) or, without a log,
        re-enters its scene; then the choices it was waiting on, if any."""
        events: list[StoryEvent] = []
        if resumed:
            if self.world:
                events = world_log.replay(self.machine.program, self.world)
            else:
                stack = self.machine.save()["stack"]
                if stack and stack[-1][1] >= 0:  # at pc -1 the machine announces the scene
                    scene = self.machine.program.scenes[self.machine.scene]
                    events.append(SceneEvent(scene.id, scene.environment, scene.tags))
            if self.machine.status is StoryStatus.CHOOSING:
                choices = self.machine.current_choices()
                events.append(choices)
                self._enter_choosing(choices)
                return events
        return events + self._pull()

    # -- what the child does -------------------------------------------------------------------

    def tick(self, dt: float) -> list[StoryEvent]:
        """Let ``dt`` seconds pass; returns the events that became due."""
        if self.timer is None or self.state in (FlowState.PAUSED, FlowState.ENDED):
            return []
        self.timer -= dt
        if self.timer > 0:
            return []
        self.timer = None
        if self.state is FlowState.CHOOSING and self.chooser is not None:
            assert self.choices is not None
            pick = self.chooser(self.choices)
            return [] if pick is None else self.choose(pick)
        if self.state in (FlowState.READING, FlowState.WAITING, FlowState.STARTING):
            return self._pull()
        return []

    def advance(self) -> list[StoryEvent]:
        """Move on from the current line (or wait) now; anything else ignores it."""
        if self.state not in (FlowState.READING, FlowState.WAITING):
            return []
        return self._pull()

    def choose(self, index: int) -> list[StoryEvent]:
        """Answer the choices shown (0-based); ignored unless one is shown and in range."""
        if self.state is not FlowState.CHOOSING or self.choices is None:
            return []
        if not 0 <= index < len(self.choices.options):
            return []
        offer = self.choices.options[index]
        self.machine.choose(offer.index)
        self.chosen.append(offer.option_id)
        self.choices = None
        self._save()
        return self._pull()

    def finish_lesson(self, outcome: dict[str, Value] | None) -> list[StoryEvent]:
        """The lesson the story started is over: set its outcome in the story's variables
        (only those the narrative declares; None: it could not be played) and go on."""
        if self.state is not FlowState.LESSON:
            return []
        applied = self.machine.set_variables(outcome or {})
        log.info("lesson %s over; story variables set: %s", self.lesson, applied)
        self.lesson = None
        self.state = FlowState.STARTING
        self._save()
        return self._pull()

    def toggle_pause(self) -> bool:
        """Enter or leave the safe place; True while paused. Timers stand still meanwhile."""
        if self.state is FlowState.PAUSED:
            self.state = self._paused_from
        elif self.state not in (FlowState.ENDED, FlowState.LESSON):
            self._paused_from = self.state
            self.state = FlowState.PAUSED
        return self.state is FlowState.PAUSED

    # -- pulling -------------------------------------------------------------------------------

    def _pull(self) -> list[StoryEvent]:
        events: list[StoryEvent] = []
        for _ in range(_MAX_EVENTS_PER_PULL):
            event = self.machine.advance()
            events.append(event)
            world_log.note(self.world, event)
            if isinstance(event, SceneEvent):
                self._save()
            elif isinstance(event, LineEvent):
                self.state = FlowState.READING
                self.timer = reading_seconds(event.text, self.pacing)
                return events
            elif isinstance(event, ChoicesEvent):
                self._enter_choosing(event)
                return events
            elif isinstance(event, CommandEvent) and event.name == "wait":
                self.state = FlowState.WAITING
                self.timer = max(0.0, float(event.args.get("seconds", 1.0)))
                return events
            elif (
                isinstance(event, CommandEvent)
                and event.name == "start_lesson"
                and not self.plays_lessons
            ):
                log.info("lesson %s is not shown here; the story goes on", event.args.get("lesson"))
            elif isinstance(event, CommandEvent) and event.name == "start_lesson":
                self.state = FlowState.LESSON
                self.timer = None
                self.lesson = str(event.args.get("lesson", ""))
                return events
            elif isinstance(event, EndEvent):
                self.state = FlowState.ENDED
                self.timer = None
                self.ending = event
                self._save()
                return events
        log.warning("the story ran %d events without a line or a choice", _MAX_EVENTS_PER_PULL)
        self.state = FlowState.WAITING
        self.timer = 0.0
        return events

    def _enter_choosing(self, event: ChoicesEvent) -> None:
        self.state = FlowState.CHOOSING
        self.choices = event
        self.timer = self.pacing.autoplay_choice_seconds if self.chooser is not None else None

    def _save(self) -> None:
        if self.checkpoint is not None:
            self.checkpoint(self.machine, tuple(self.world))
