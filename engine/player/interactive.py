"""Desktop play: a Panda3D window with the home scene and the stories, for mouse and keyboard.

Controls, chosen for children's comfort (see :mod:`engine.player.controls` for the rules):

- The mouse is a free pointer, never captured: hover a glowing panel to light it, left-click
  to pick it. Left-click the ground to teleport there (a short fade hides the jump); click the
  text panel, or press space or enter, to move on from a line. Lines also move on by
  themselves after a reading time that grows with their length (``--reading-wpm``; 0 makes
  every line wait), so a child who never clicks still gets through the story.
- Look around by dragging with the right mouse button: the view turns only with the child's
  own hand, one-to-one, never on its own. Plain mouse-look (the view following the pointer)
  was rejected: pointing at a panel would also turn the view, which is both harder to aim and
  more likely to cause discomfort.
- WASD or the arrow keys walk at one constant speed, with no acceleration; Q and E snap-turn
  left and right by 30 or 45 degrees (``--snap``).
- Number keys 1-9 pick a choice (or a card on the home scene).
- Lessons (a story's ``start_lesson``, a lesson card, or a lesson the seminar organizer
  pushes) play in the same window: drag items into bins with the left button, number keys,
  +/- and H as in :mod:`engine.player.lesson_desktop`; their xAPI statements go to the records
  file (``--records``, else records.sqlite in the data folder), and a story started lesson's
  outcome is set in the story's variables before the story goes on.
- P or Escape: the safe place, a calm neutral space where the story waits; again to go back.
- After ``--session-minutes`` a gentle reminder suggests a break.

Without a narrative argument the window opens on the home scene (pick an explorer, then a
story card); a story's progress is saved for its explorer and resumed next time.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from direct.showbase.DirectObject import DirectObject
from panda3d.core import ClockObject, KeyboardButton

from engine.content.assets import find_assets_root
from engine.content.program import Program
from engine.display.modes import Mode
from engine.display.panda import DisplaySettings, OpenedDisplay, open_display
from engine.errors import ProfileError
from engine.learn.program import Lesson
from engine.player.autoplay import ChoiceScript
from engine.player.controls import walk_direction
from engine.player.desktop_story import StorySession
from engine.player.flow import Chooser, FlowState
from engine.player.home import HomeMenu, StartLesson, StartStory, scan_library
from engine.player.home_scene import HomeScene
from engine.player.lesson_handoff import (
    learner_for,
    record_lesson_end,
    seminar_outcome,
    story_lesson,
)
from engine.player.lesson_screen import LessonScreen
from engine.player.options import PlayerOptions
from engine.player.profiles import PRESETS, Profile, ProfileStore, default_data_dir
from engine.player.progress import ProgressBook
from engine.scene.director import DirectorSettings
from engine.scene.rig import Rig
from engine.seminar.protocol import SceneTarget
from engine.story import ChoicesEvent, EndEvent, StoryMachine

if TYPE_CHECKING:
    from engine.seminar.overlay import SeminarOverlay

__all__ = ["DesktopApp", "content_folders", "run_desktop"]

log = logging.getLogger(__name__)

END_HOLD_SECONDS = 2.0  # autoplay shows the ending this long before leaving it
FRAME_RATE = 60.0  # a cap, so an unsynchronised window does not burn a whole CPU core
_WALK_KEYS = {
    "forward": ("w", KeyboardButton.up()),
    "back": ("s", KeyboardButton.down()),
    "left": ("a", KeyboardButton.left()),
    "right": ("d", KeyboardButton.right()),
}


def content_folders(options: PlayerOptions) -> list[Path]:
    """Where the home scene looks for cards: --content-dir, else narratives/ and lessons/
    in the working folder, else beside launch_vr.py."""
    if options.content_dirs:
        return list(options.content_dirs)
    here = Path.cwd()
    if not (here / "narratives").is_dir():
        here = Path(__file__).resolve().parents[2]
    return [here / "narratives", here / "lessons"]


class DesktopApp:
    """The window and its main loop; the current screen is the home scene or a story."""

    def __init__(self, options: PlayerOptions, title: str = "Glowgrove") -> None:
        self.options = options
        self.display: OpenedDisplay = open_display(
            DisplaySettings(
                Mode.DESKTOP, options.width, options.height, audio=options.audio, title=title
            )
        )
        self.base: Any = cast(Any, self.display.base)
        self.base.disable_mouse()  # no trackball: the player moves the camera itself
        clock = ClockObject.get_global_clock()
        clock.set_mode(ClockObject.M_limited)
        clock.set_frame_rate(FRAME_RATE)
        self.base.finalizeExit = self._window_closed  # closing the window ends run(), not Python
        self.store = ProfileStore(default_data_dir(os.environ, options.data_dir))
        self.screen: StorySession | HomeScene | LessonScreen | None = None
        self.story_in_lesson: StorySession | None = None  # waits while its lesson plays
        self.lesson_profile: Profile | None = None  # whose lesson progress the lesson updates
        self.lessons_played: list[dict[str, object]] = []  # what each ended lesson gave back
        self.menu: HomeMenu | None = None
        self.done = False
        self.exit_code = 0
        self.last_ending: EndEvent | None = None
        self._drag_from: tuple[float, float] | None = None
        self.events = DirectObject()
        self._bind_keys()
        self.seminar: SeminarOverlay | None = None
        self.seminar_lesson: str | None = None
        if options.seminar is not None:
            from engine.seminar.link import SeminarLink
            from engine.seminar.overlay import SeminarOverlay

            self.seminar = SeminarOverlay(
                self.base, SeminarLink(options.seminar), self._seminar_push
            )
        self.base.taskMgr.add(self._frame, "glowgrove-desktop")

    # -- screens -------------------------------------------------------------------------------

    def open_home(self) -> HomeScene:
        self._close_screen()
        if self.menu is None:
            self.menu = HomeMenu(self.store, scan_library(content_folders(self.options)))
        else:
            self.menu.refresh()
        eye = Rig(self.options.comfort).eye_height
        self.screen = HomeScene(self.base, self.menu, eye, self.options.plants)
        return self.screen

    def play(
        self,
        program: Program,
        profile: Profile | None = None,
        assets: Path | None = None,
        machine: StoryMachine | None = None,
    ) -> StorySession:
        self._close_screen()
        options = self.options
        seed = options.seed
        book = ProgressBook(self.store, profile, program) if profile is not None else None
        self.screen = StorySession(
            self.base,
            program,
            DirectorSettings(
                comfort=options.comfort, assets=assets or options.assets, plants=options.plants
            ),
            options.pacing,
            seed=seed,
            book=book,
            chooser=self._chooser(seed if seed is not None else program.seed),
            machine=machine,
        )
        return self.screen

    def play_lesson(
        self, lesson: Lesson, profile: Profile | None = None, assets: Path | None = None
    ) -> LessonScreen:
        """A lesson on its own (a lesson card, a seminar push); see :meth:`_start_story_lesson`
        for one a story starts."""
        self._close_screen()
        self.screen = self._lesson_screen(lesson, profile, assets)
        return self.screen

    def _lesson_screen(
        self, lesson: Lesson, profile: Profile | None, assets: Path | None
    ) -> LessonScreen:
        options = self.options
        self.lesson_profile = profile
        log.info("lesson: %s", lesson.id)
        return LessonScreen(
            self.base,
            lesson,
            assets=assets or options.assets,
            records=options.records or self.store.root / "records.sqlite",
            learner=learner_for(profile),
            group=options.group,
            autoplay=options.autoplay is not None,
        )

    def _start_story_lesson(self, session: StorySession) -> None:
        """The story asked for a lesson: play it here, the story waiting in the background."""
        name = session.flow.lesson or ""
        lesson = story_lesson(session.program, name)
        if lesson is None:  # logged by the library; the story goes on without it
            session.show(session.flow.finish_lesson(None))
            return
        session.suspend()
        self.story_in_lesson = session
        profile = session.book.profile if session.book is not None else None
        self.screen = self._lesson_screen(lesson, profile, session.director.settings.assets)

    def _after_lesson_frame(self, screen: LessonScreen) -> None:
        end = screen.end
        if end is not None and not screen.reported:
            screen.reported = True
            print(f"lesson over: {screen.lesson.id} ({end.scaled:.0%})", flush=True)
            outcome = seminar_outcome(screen.lesson, end)
            self.lessons_played.append(
                {"lesson": screen.lesson.id, "passed": end.passed, "score": outcome.score}
            )
            if self.lesson_profile is not None:
                record_lesson_end(self.store, self.lesson_profile, screen.lesson.id, end)
            if self.seminar is not None:
                self.seminar.link.report_outcome(outcome.lesson, outcome.completed, outcome.score)
        if not screen.finished:
            return
        story = self.story_in_lesson
        if story is not None:
            screen.close()
            self.story_in_lesson = None
            story.resume()
            self.screen = story
            story.show(story.flow.finish_lesson(end.outcome if end is not None else None))
        elif self.menu is not None:
            self.open_home()
        elif self.options.autoplay is not None:
            self.finish(0)

    @property
    def story(self) -> StorySession | None:
        """The story being played, also while a lesson it started is on screen."""
        if isinstance(self.screen, StorySession):
            return self.screen
        return self.story_in_lesson

    def explorer(self) -> Profile | None:
        """The profile named by --profile (made on first use), or None: nothing is saved."""
        wanted = self.options.profile
        if wanted is None:
            return None
        found = self.store.find(wanted)
        if found is not None:
            return found
        taken = {p.colour for p in self.store.profiles()}
        colour = next((c for _, c in PRESETS if c not in taken), PRESETS[0][1])
        try:
            return self.store.create(wanted, colour)
        except (OSError, ProfileError) as error:
            log.warning("cannot use explorer %r (%s); progress is not saved", wanted, error)
            return None

    def _chooser(self, seed: int) -> Chooser | None:
        options = self.options
        if options.autoplay is None and not options.choices:
            return None
        script = ChoiceScript(options.choices, options.autoplay, seed)

        def pick(event: ChoicesEvent) -> int | None:
            if options.autoplay is None and not script.pending:
                return None  # the scripted choices are used up: the child takes over
            try:
                return script.pick(event)
            except ValueError as error:
                log.error("%s", error)
                self.finish(1)
                return None

        return pick

    def _close_screen(self) -> None:
        if self.screen is not None:
            self.screen.close()
            self.screen = None
        if self.story_in_lesson is not None:
            self.story_in_lesson.close()
            self.story_in_lesson = None

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        while not self.done:
            self.base.taskMgr.step()
        return self.exit_code

    def step(self, frames: int = 1) -> None:
        for _ in range(frames):
            self.base.taskMgr.step()

    def finish(self, code: int = 0) -> None:
        self.exit_code = code
        self.done = True

    def close(self) -> None:
        self._close_screen()
        if self.seminar is not None:
            self.seminar.destroy()
        self.events.ignore_all()
        self.display.close()

    def _window_closed(self) -> None:
        self.finish(self.exit_code)

    def pointer(self) -> tuple[float, float] | None:
        watcher = self.base.mouseWatcherNode
        if watcher is None or not watcher.has_mouse():
            return None
        mouse = watcher.get_mouse()
        return float(mouse.x), float(mouse.y)

    def _frame(self, task: Any) -> Any:
        dt = min(ClockObject.get_global_clock().get_dt(), 0.1)
        self._drag()
        if self.seminar is not None and self.seminar.frame().frozen:
            return task.cont  # paused or blanked by the organizer: the story waits
        screen = self.screen
        if isinstance(screen, StorySession):
            screen.frame(dt, self.pointer(), self._walk())
            self._after_story_frame(screen)
        elif isinstance(screen, HomeScene):
            screen.frame(dt, self.pointer())
        elif isinstance(screen, LessonScreen):
            screen.frame(dt, self.pointer())
            self._after_lesson_frame(screen)
        return task.cont

    def _after_story_frame(self, session: StorySession) -> None:
        if session.flow.state is FlowState.LESSON:
            self._start_story_lesson(session)
            return
        if session.flow.state is not FlowState.ENDED:
            return
        if self.last_ending is not session.flow.ending:
            self.last_ending = session.flow.ending
            if self.last_ending is not None:
                ending = self.last_ending
                print(f"ending: {ending.title} ({ending.ending})", flush=True)
                if self.seminar is not None and self.seminar_lesson is not None:
                    self.seminar.link.report_outcome(self.seminar_lesson, completed=True)
        autoplay = session.flow.chooser is not None and self.options.autoplay is not None
        if autoplay and session.ended_seconds >= END_HOLD_SECONDS:
            session.wants_to_leave = True
        if not session.wants_to_leave:
            return
        if self.menu is not None:
            self.open_home()
        elif autoplay:
            self.finish(0)

    def _walk(self) -> tuple[float, float]:
        watcher = self.base.mouseWatcherNode
        if watcher is None:
            return (0.0, 0.0)

        def held(name: str) -> bool:
            letter, arrow = _WALK_KEYS[name]
            return bool(
                watcher.is_button_down(KeyboardButton.ascii_key(letter))
                or watcher.is_button_down(arrow)
            )

        return walk_direction(held("forward"), held("back"), held("left"), held("right"))

    def _drag(self) -> None:
        if self._drag_from is None or self.screen is None:
            return
        pointer = self.base.win.get_pointer(0)
        here = (float(pointer.get_x()), float(pointer.get_y()))
        dx, dy = here[0] - self._drag_from[0], here[1] - self._drag_from[1]
        self._drag_from = here
        if dx or dy:
            self.screen.look(dx, dy)

    # -- input ---------------------------------------------------------------------------------

    def _bind_keys(self) -> None:
        accept = self.events.accept
        accept("mouse1", self.click)
        accept("mouse1-up", self.release)
        accept("mouse3", self._start_drag)
        accept("mouse3-up", self._stop_drag)
        for digit in range(1, 10):
            accept(str(digit), self.number, [digit])
        for key in ("space", "enter"):
            accept(key, self.advance, [key])
        for key, name in (("h", "h"), ("+", "+"), ("=", "+"), ("-", "-")):
            accept(key, self.lesson_key, [name])
        for key in ("p", "escape"):
            accept(key, self.toggle_safe_place)
        accept("q", self.snap_turn, [1])
        accept("e", self.snap_turn, [-1])

    def click(self) -> None:
        screen = self.screen
        if isinstance(screen, StorySession):
            screen.click(self.pointer())
        elif isinstance(screen, HomeScene):
            self._home_action(screen.select(screen.pick(self.pointer())))
        elif isinstance(screen, LessonScreen):
            screen.press(self.pointer())

    def release(self) -> None:
        if isinstance(self.screen, LessonScreen):
            self.screen.release(self.pointer())

    def lesson_key(self, name: str) -> None:
        if isinstance(self.screen, LessonScreen):
            self.screen.key(name)

    def number(self, digit: int) -> None:
        if self.seminar is not None and self.seminar.take_number(digit):
            return  # a poll was waiting for this number
        screen = self.screen
        if isinstance(screen, StorySession):
            screen.number(digit)
        elif isinstance(screen, HomeScene):
            self._home_action(screen.select(digit - 1))
        elif isinstance(screen, LessonScreen):
            screen.key(str(digit))

    def _seminar_push(self, scene: SceneTarget) -> None:
        """The organizer sent everyone somewhere: play that narrative or lesson if we have it."""
        for entry in scan_library(content_folders(self.options)):
            lesson = entry.lesson
            if lesson is not None and scene.ref in (lesson.id, *lesson.aliases, entry.path.stem):
                log.info("the organizer starts the lesson %s", entry.path)
                self.seminar_lesson = None  # the lesson screen reports its own outcome
                self.play_lesson(lesson, self.explorer(), find_assets_root(entry.path))
                return
            program = entry.program
            if program is not None and scene.ref in (program.id, entry.path.stem):
                log.info("the organizer starts %s", entry.path)
                self.play(program, self.explorer(), find_assets_root(entry.path))
                # A narrative pushed as a lesson (or kept with the lessons): its ending
                # counts as completing it.
                as_lesson = scene.kind == "lesson" or entry.kind == "lesson"
                self.seminar_lesson = program.id if as_lesson else None
                return
        log.warning(
            "the organizer sent everyone to %s %r, which is not here", scene.kind, scene.ref
        )

    def _home_action(self, action: object) -> None:
        if isinstance(action, StartStory):
            log.info("%s starts %s", action.profile.nickname, action.entry.path)
            self.play(action.program, action.profile, find_assets_root(action.entry.path))
        elif isinstance(action, StartLesson):
            log.info("%s starts the lesson %s", action.profile.nickname, action.entry.path)
            self.play_lesson(action.lesson, action.profile, find_assets_root(action.entry.path))

    def advance(self, key: str = "space") -> None:
        if isinstance(self.screen, StorySession):
            self.screen.advance()
        elif isinstance(self.screen, LessonScreen):
            self.screen.key(key)

    def toggle_safe_place(self) -> None:
        if isinstance(self.screen, StorySession):
            self.screen.toggle_safe_place()

    def snap_turn(self, direction: int) -> None:
        if isinstance(self.screen, StorySession):
            self.screen.snap_turn(direction)

    def _start_drag(self) -> None:
        pointer = self.base.win.get_pointer(0)
        self._drag_from = (float(pointer.get_x()), float(pointer.get_y()))

    def _stop_drag(self) -> None:
        self._drag_from = None


def run_desktop(options: PlayerOptions, program: Program | None) -> int:
    """Open the window and play ``program`` (None: the home scene) until it is closed, or,
    with --autoplay, until the story ends. Returns the exit status."""
    title = "Glowgrove" if program is None else f"Glowgrove: {program.title}"
    app = DesktopApp(options, title)
    try:
        if program is None:
            app.open_home()
        else:
            app.play(program, app.explorer())
        code = app.run()
    finally:
        app.close()
    sys.stdout.flush()
    return code
