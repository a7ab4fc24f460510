"""The home scene's cards and menu, without a window: what is shown and what picking does."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from engine.player.home import (
    BROKEN_COLOUR,
    ITEMS_PER_PAGE,
    CardKind,
    HomeMenu,
    HomePage,
    Notice,
    Redraw,
    StartStory,
    card_for_entry,
    card_places,
    progress_marker,
    scan_library,
)
from engine.player.profiles import PRESETS, ProfileStore
from engine.player.progress import Progress, ProgressBook

ROOT = Path(__file__).resolve().parent.parent


def story(story_id: str, title: str, extra: str = "") -> str:
    return f"""\
glowgrove: 1
id: {story_id}
title: {title}
age_range: [8, 12]
minutes: 7
start: gate
{extra}characters:
  pip: {{name: Pip, color: "#f7d774"}}
endings:
  done: {{title: Done}}
  other: {{title: Other}}
scenes:
  gate:
    body:
      - say: Hello.
        speaker: pip
      - choice:
          - text: Walk
            jump: walk
          - text: Stop
            end: other
  walk:
    body:
      - say: We walked.
      - end: done
"""


PART = """\
glowgrove: 1
part: true
scenes:
  extra:
    body:
      - say: A part file.
"""


@pytest.fixture
def library(tmp_path: Path) -> list[Path]:
    narratives = tmp_path / "narratives"
    lessons = tmp_path / "lessons"
    narratives.mkdir()
    lessons.mkdir()
    (narratives / "a_walk.yaml").write_text(story("a_walk", "A Walk"))
    (narratives / "broken_path.yaml").write_text(story("broken", "Broken", "start_at: nowhere\n"))
    (narratives / "parts").mkdir()
    (narratives / "parts" / "extra.yaml").write_text(PART)
    (narratives / "notes.txt").write_text("not a story")
    (lessons / "sorting.yaml").write_text(story("sorting", "Sorting Waste"))
    return [narratives, lessons, tmp_path / "missing"]


def test_scanning_finds_stories_and_lessons_but_not_parts(
    library: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        entries = scan_library(library)
    assert [(e.path.name, e.kind, e.program is not None) for e in entries] == [
        ("a_walk.yaml", "narrative", True),
        ("broken_path.yaml", "narrative", False),
        ("sorting.yaml", "lesson", True),
    ]
    # The educator sees the compiler's own message in the log.
    assert "broken_path.yaml needs fixing" in caplog.text
    assert "error[E" in caplog.text and "start_at" in caplog.text


def test_story_cards_say_what_a_child_needs(library: list[Path]) -> None:
    walk, broken, lesson = scan_library(library)
    card = card_for_entry(walk, None)
    assert card.kind is CardKind.STORY and card.selectable
    assert (card.title, card.lines, card.colour, card.marker) == (
        "A Walk",
        ("Ages 8-12", "About 7 minutes"),
        "#f7d774",  # the first character's colour is the cover
        "New",
    )
    assert card_for_entry(lesson, None).lines[0] == "Lesson"
    fix = card_for_entry(broken, None)
    assert fix.kind is CardKind.BROKEN and not fix.selectable
    assert (fix.title, fix.marker, fix.colour) == ("Broken path", "Needs fixing", BROKEN_COLOUR)


def test_progress_markers(library: list[Path]) -> None:
    program = scan_library(library)[0].program
    assert program is not None
    assert progress_marker(program, Progress()) == "New"
    assert (
        progress_marker(program, Progress({"stack": []}, (), 1)) == "Continue: 1 of 2 places seen"
    )
    finished = Progress(None, ("done",), 2)
    assert progress_marker(program, finished) == "Finished: 1 of 2 endings found"


def test_the_explorer_page_offers_saved_and_new_explorers(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "data")
    moss = store.create("Moss", "#7fe3a0")
    menu = HomeMenu(store, [])
    assert menu.page is HomePage.EXPLORERS
    assert menu.heading == "Who is exploring today?"
    cards = menu.cards()
    assert [(c.kind, c.title) for c in cards] == [
        (CardKind.PROFILE, "Moss"),
        *[(CardKind.NEW_PROFILE, name) for name, _ in PRESETS[:1]],
        *[(CardKind.NEW_PROFILE, name) for name, _ in PRESETS[2:4]],
    ]
    assert cards[0].profile == moss and cards[0].colour == "#7fe3a0"


def test_picking_a_new_explorer_then_a_story(tmp_path: Path, library: list[Path]) -> None:
    store = ProfileStore(tmp_path / "data")
    menu = HomeMenu(store, scan_library(library))
    assert menu.select(1) == Redraw()  # a 'new explorer' card: no typing needed
    assert [p.nickname for p in store.profiles()] == [PRESETS[1][0]]
    assert menu.page is HomePage.STORIES
    assert menu.heading == f"Hello, {PRESETS[1][0]}! Pick a story."
    cards = menu.cards()
    assert [c.kind for c in cards] == [
        CardKind.STORY,
        CardKind.BROKEN,
        CardKind.STORY,
        CardKind.BACK,
    ]
    notice = menu.select(1)
    assert isinstance(notice, Notice) and "needs fixing" in notice.text
    start = menu.select(0)
    assert isinstance(start, StartStory)
    assert start.program.id == "a_walk" and start.profile == store.profiles()[0]
    assert menu.select(99) is None
    assert menu.select(3) == Redraw()
    assert menu.page is HomePage.EXPLORERS
    assert menu.cards()[0].kind is CardKind.PROFILE  # the new explorer is now saved


def test_progress_shows_on_the_cards(tmp_path: Path, library: list[Path]) -> None:
    store = ProfileStore(tmp_path / "data")
    moss = store.create("Moss", "#7fe3a0")
    entries = scan_library(library)
    program = entries[0].program
    assert program is not None
    book = ProgressBook(store, moss, program)
    machine, _ = book.open(seed=None)
    machine.advance()
    book.checkpoint(machine)
    menu = HomeMenu(store, entries)
    menu.select(0)
    assert menu.cards()[0].marker == "Continue: 1 of 2 places seen"
    machine.advance()
    machine.advance()
    machine.choose(0)
    for _ in range(3):
        machine.advance()
    book.checkpoint(machine)
    menu.refresh()
    assert menu.cards()[0].marker == "Finished: 1 of 2 endings found"


def test_many_stories_are_paged(tmp_path: Path) -> None:
    folder = tmp_path / "narratives"
    folder.mkdir()
    for number in range(9):
        (folder / f"s{number}.yaml").write_text(story(f"s{number}", f"Story {number}"))
    store = ProfileStore(tmp_path / "data")
    menu = HomeMenu(store, scan_library([folder]))
    menu.select(0)
    titles = [c.title for c in menu.cards()]
    assert titles == [*[f"Story {n}" for n in range(ITEMS_PER_PAGE)], "Change explorer", "More"]
    more = len(titles) - 1
    assert menu.select(more) == Redraw()
    assert [c.title for c in menu.cards()] == [
        *[f"Story {n}" for n in range(ITEMS_PER_PAGE, 2 * ITEMS_PER_PAGE)],
        "Change explorer",
        "More",
    ]
    assert menu.cards()[-1].lines == ("Page 2 of 3",)
    menu.select(len(menu.cards()) - 1)
    assert [c.title for c in menu.cards()] == ["Story 8", "Change explorer", "More"]
    menu.select(2)
    assert menu.page_number == 0  # 'More' wraps around to the first page


def test_cards_stand_on_an_arc_facing_the_child() -> None:
    places = card_places(5, eye_height=1.5, columns=3, radius=2.6, width=0.8, height=0.5)
    assert len(places) == 5
    for place in places:
        assert math.hypot(place.x, place.y) == pytest.approx(2.6)
        # The card's heading turns its face back towards the origin.
        facing = math.radians(place.heading)
        towards_child = (-place.x, -place.y)
        normal = (math.sin(facing), -math.cos(facing))
        assert normal[0] * towards_child[0] + normal[1] * towards_child[1] > 0
    top, bottom = places[:3], places[3:]
    assert top[1].x == pytest.approx(0) and top[0].x == pytest.approx(-top[2].x)
    assert bottom[0].x == pytest.approx(-bottom[1].x)  # a short row is centred
    assert {p.z for p in top} == {top[0].z} and bottom[0].z < top[0].z
    # The block is centred just below the eyes, where the gaze rests.
    assert (top[0].z + bottom[0].z) / 2 == pytest.approx(1.4)
    assert card_places(0, eye_height=1.5) == []


def test_shipped_content_makes_cards() -> None:
    entries = scan_library([ROOT / "narratives", ROOT / "lessons"])
    titles = {card_for_entry(entry, None).title for entry in entries}
    assert {"Restore the Glow", "Firefly Night"} <= titles
    assert not any(entry.broken for entry in entries)
    lessons = [entry for entry in entries if entry.kind == "lesson"]
    assert len(lessons) == 4 and all(entry.lesson is not None for entry in lessons)
    cards = [card_for_entry(e, None) for e in lessons]
    assert "Sorting household waste" in {card.title for card in cards}
    assert all(card.kind is CardKind.LESSON and card.marker == "New" for card in cards)
