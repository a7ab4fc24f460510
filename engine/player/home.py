"""The home scene's menu: which cards exist, what they say, and what picking one does. Pure.

Two pages. First 'Who is exploring today?': one card per saved profile and a few 'new
explorer' cards with preset nicknames and colours (nobody has to type). Then the stories and
lessons found under the content folders, each with its title, cover colour, age range, length
and the explorer's progress. A file that does not compile is still a card, marked 'needs
fixing', and its diagnostics go to the log for the educator. The Panda3D side
(:mod:`engine.player.home_scene`) only draws these cards and reports which one was picked.
"""

from __future__ import annotations

import logging
import math
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.content.compiler import compile_narrative
from engine.content.diagnostics import Diagnostic, render_diagnostics
from engine.content.discovery import find_content_files, is_lesson_file, is_part_file
from engine.content.program import Program
from engine.errors import ProfileError
from engine.learn.compiler import compile_lesson
from engine.learn.program import Lesson
from engine.player.lesson_handoff import LessonProgress, lesson_marker, read_lesson_progress
from engine.player.profiles import Profile, ProfileStore
from engine.player.progress import Progress, read_progress

__all__ = [
    "Card",
    "CardKind",
    "CardPlace",
    "HomeMenu",
    "HomePage",
    "LibraryEntry",
    "Notice",
    "Redraw",
    "StartLesson",
    "StartStory",
    "card_for_entry",
    "card_places",
    "progress_marker",
    "scan_library",
]

log = logging.getLogger(__name__)

NEW_EXPLORER_CARDS = 3
ITEMS_PER_PAGE = 4  # plus up to two navigation cards: two rows of three
BROKEN_COLOUR = "#8a8f98"
NAVIGATION_COLOUR = "#9fb4c8"
# Cover colours for stories without characters, picked by a stable hash of the story id.
COVERS = ("#7fe3c4", "#f7d774", "#8fb8ff", "#f79f7f", "#c9b8f7", "#b6f27f")


class CardKind(StrEnum):
    PROFILE = "profile"
    NEW_PROFILE = "new-profile"
    STORY = "story"
    LESSON = "lesson"
    BROKEN = "broken"
    BACK = "back"
    MORE = "more"


@dataclass(frozen=True)
class LibraryEntry:
    path: Path
    kind: str  # "narrative" or "lesson"
    program: Program | None  # a narrative's compiled program (None: a lesson, or broken)
    diagnostics: tuple[Diagnostic, ...] = ()
    lesson: Lesson | None = None  # a lesson's compiled lesson (None: a narrative, or broken)

    @property
    def broken(self) -> bool:
        return self.program is None and self.lesson is None


@dataclass(frozen=True)
class Card:
    kind: CardKind
    title: str
    lines: tuple[str, ...] = ()
    colour: str = NAVIGATION_COLOUR
    marker: str | None = None
    profile: Profile | None = None
    preset: tuple[str, str] | None = None
    entry: LibraryEntry | None = None

    @property
    def selectable(self) -> bool:
        return self.kind is not CardKind.BROKEN


class HomePage(StrEnum):
    EXPLORERS = "explorers"
    STORIES = "stories"


@dataclass(frozen=True)
class Redraw:
    """The menu changed page: draw its cards again."""


@dataclass(frozen=True)
class StartStory:
    entry: LibraryEntry
    program: Program
    profile: Profile


@dataclass(frozen=True)
class StartLesson:
    entry: LibraryEntry
    lesson: Lesson
    profile: Profile


@dataclass(frozen=True)
class Notice:
    text: str


HomeAction = Redraw | StartStory | StartLesson | Notice


def scan_library(folders: list[Path]) -> list[LibraryEntry]:
    """Every playable file under ``folders`` (part files are not cards), compiled."""
    entries: list[LibraryEntry] = []
    for folder in folders:
        if not folder.is_dir():
            log.info("no content folder at %s", folder)
            continue
        kind = "lesson" if folder.name == "lessons" else "narrative"
        files, _ = find_content_files([str(folder)])
        for file in files:
            if is_part_file(file):
                continue
            if is_lesson_file(file):
                lesson_result = compile_lesson(file)
                if lesson_result.lesson is None:
                    log.warning(
                        "%s needs fixing; its card is marked so:\n%s",
                        file,
                        render_diagnostics(lesson_result.diagnostics),
                    )
                entries.append(
                    LibraryEntry(
                        Path(file),
                        "lesson",
                        None,
                        tuple(lesson_result.diagnostics),
                        lesson_result.lesson,
                    )
                )
                continue
            result = compile_narrative(file)
            if result.program is None:
                log.warning(
                    "%s needs fixing; its card is marked so:\n%s",
                    file,
                    render_diagnostics(result.errors or result.diagnostics),
                )
            entries.append(LibraryEntry(Path(file), kind, result.program, result.diagnostics))
    return entries


def _humanise(stem: str) -> str:
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() or stem


def _cover(program: Program) -> str:
    for character in program.characters.values():
        if character.color is not None and character.color.startswith("#"):
            return character.color[:7]
    return COVERS[zlib.crc32(program.id.encode()) % len(COVERS)]


def progress_marker(program: Program, progress: Progress) -> str:
    total_endings = len(program.endings)
    if progress.in_progress:
        return f"Continue: {progress.scenes_seen} of {len(program.scenes)} places seen"
    if progress.endings:
        found = len(set(progress.endings) & set(program.endings))
        return f"Finished: {found} of {total_endings} endings found"
    return "New"


def _lesson_cover(lesson: Lesson) -> str:
    for bin_ in lesson.bins.values():
        if bin_.color is not None and bin_.color.startswith("#"):
            return bin_.color[:7]
    return COVERS[zlib.crc32(lesson.id.encode()) % len(COVERS)]


def lesson_card(lesson: Lesson, entry: LibraryEntry, progress: LessonProgress | None) -> Card:
    low, high = lesson.ages
    lines = ("Lesson", f"Ages {low}-{high}", f"About {lesson.minutes} minutes")
    marker = lesson_marker(lesson, progress or LessonProgress())
    return Card(CardKind.LESSON, lesson.title, lines, _lesson_cover(lesson), marker, entry=entry)


def card_for_entry(
    entry: LibraryEntry, progress: Progress | None, lesson_progress: LessonProgress | None = None
) -> Card:
    program = entry.program
    if entry.lesson is not None:
        return lesson_card(entry.lesson, entry, lesson_progress)
    if program is None:
        what = "lesson" if entry.kind == "lesson" else "story"
        return Card(
            CardKind.BROKEN,
            _humanise(entry.path.stem),
            (f"This {what} has a mistake.", "A grown-up can see it in the log."),
            BROKEN_COLOUR,
            "Needs fixing",
            entry=entry,
        )
    lines: list[str] = []
    if entry.kind == "lesson":
        lines.append("Lesson")
    if program.age_range is not None:
        low, high = program.age_range
        lines.append(f"Ages {low}-{high}")
    if program.minutes is not None:
        lines.append(f"About {program.minutes} minutes")
    marker = progress_marker(program, progress or Progress())
    return Card(CardKind.STORY, program.title, tuple(lines), _cover(program), marker, entry=entry)


class HomeMenu:
    def __init__(self, store: ProfileStore, library: list[LibraryEntry]) -> None:
        self.store = store
        self.library = library
        self.page = HomePage.EXPLORERS
        self.page_number = 0
        self.profile: Profile | None = None
        self._cards: list[Card] = []
        self.refresh()

    @property
    def heading(self) -> str:
        if self.page is HomePage.EXPLORERS or self.profile is None:
            return "Who is exploring today?"
        return f"Hello, {self.profile.nickname}! Pick a story."

    def cards(self) -> list[Card]:
        return list(self._cards)

    def refresh(self) -> None:
        """Rebuild the cards of the current page (after a story, progress has changed)."""
        if self.page is HomePage.EXPLORERS:
            items = self._explorer_cards()
            navigation: list[Card] = []
        else:
            items = self._story_cards()
            navigation = [Card(CardKind.BACK, "Change explorer", ("Back to the explorers",))]
        pages = max(1, -(-len(items) // ITEMS_PER_PAGE))
        self.page_number %= pages
        start = self.page_number * ITEMS_PER_PAGE
        shown = items[start : start + ITEMS_PER_PAGE]
        if pages > 1:
            label = f"Page {self.page_number + 1} of {pages}"
            navigation.append(Card(CardKind.MORE, "More", (label,)))
        self._cards = shown + navigation

    def _explorer_cards(self) -> list[Card]:
        cards = [
            Card(CardKind.PROFILE, p.nickname, ("Welcome back!",), p.colour, profile=p)
            for p in self.store.profiles()
        ]
        for nickname, colour in self.store.unused_presets()[:NEW_EXPLORER_CARDS]:
            cards.append(
                Card(
                    CardKind.NEW_PROFILE,
                    nickname,
                    ("New explorer",),
                    colour,
                    preset=(nickname, colour),
                )
            )
        return cards

    def _story_cards(self) -> list[Card]:
        cards = []
        for entry in self.library:
            progress = None
            lesson_progress = None
            if entry.program is not None and self.profile is not None:
                progress = read_progress(self.store, self.profile, entry.program.id)
            if entry.lesson is not None and self.profile is not None:
                lesson_progress = read_lesson_progress(self.store, self.profile, entry.lesson.id)
            cards.append(card_for_entry(entry, progress, lesson_progress))
        return cards

    def select(self, index: int) -> HomeAction | None:
        """What picking card ``index`` does; None for no card there."""
        if not 0 <= index < len(self._cards):
            return None
        card = self._cards[index]
        if card.kind is CardKind.MORE:
            self.page_number += 1
            self.refresh()
            return Redraw()
        if card.kind is CardKind.BACK:
            self._turn_to(HomePage.EXPLORERS)
            return Redraw()
        if card.kind is CardKind.PROFILE and card.profile is not None:
            return self._choose_profile(card.profile)
        if card.kind is CardKind.NEW_PROFILE and card.preset is not None:
            try:
                profile = self.store.create(*card.preset)
            except (OSError, ProfileError) as error:
                log.warning("could not save a new explorer: %s", error)
                return Notice("That explorer card did not work. Please ask a grown-up.")
            return self._choose_profile(profile)
        if card.kind is CardKind.BROKEN:
            return Notice("This story needs fixing. A grown-up can see what to fix in the log.")
        entry = card.entry
        if entry is not None and entry.lesson is not None and self.profile is not None:
            return StartLesson(entry, entry.lesson, self.profile)
        if entry is not None and entry.program is not None and self.profile is not None:
            return StartStory(entry, entry.program, self.profile)
        return None

    def _choose_profile(self, profile: Profile) -> Redraw:
        self.profile = profile
        self._turn_to(HomePage.STORIES)
        return Redraw()

    def _turn_to(self, page: HomePage) -> None:
        self.page = page
        self.page_number = 0
        self.refresh()


@dataclass(frozen=True)
class CardPlace:
    """Where a card stands: centre (x, y, z) in metres and the heading that faces the child."""

    x: float
    y: float
    z: float
    heading: float


def card_places(
    count: int,
    eye_height: float,
    *,
    columns: int = 4,
    radius: float = 2.6,
    width: float = 0.58,
    height: float = 0.46,
    gap: float = 0.1,
) -> list[CardPlace]:
    """Cards in rows on an arc around the child, each facing them, the rows centred on a
    point a little below the eyes (where the gaze rests when looking ahead)."""
    rows = max(1, -(-count // columns))
    step = (width + gap) / radius  # radians between neighbouring card centres
    top = eye_height - 0.1 + (rows * (height + gap) - gap) / 2 - height / 2
    places = []
    for index in range(count):
        row, column = divmod(index, columns)
        in_row = min(columns, count - row * columns)
        angle = (column - (in_row - 1) / 2) * step  # positive: to the right
        places.append(
            CardPlace(
                radius * math.sin(angle),
                radius * math.cos(angle),
                top - row * (height + gap),
                -math.degrees(angle),
            )
        )
    return places
