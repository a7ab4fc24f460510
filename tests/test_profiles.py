"""Learner profiles and save/resume, on temporary folders (no window needed)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from engine.content.compiler import compile_text
from engine.content.program import Program
from engine.errors import ProfileError
from engine.player.profiles import (
    PRESETS,
    ProfileStore,
    clean_colour,
    clean_nickname,
    default_data_dir,
    write_json_atomically,
)
from engine.player.progress import ProgressBook, read_progress
from engine.story import ChoicesEvent, EndEvent, StoryMachine, StoryStatus

STORY = """\
glowgrove: 1
id: paths
title: Two Paths
start: gate
endings:
  home: {title: Home again}
  lake: {title: The lake}
scenes:
  gate:
    body:
      - say: Two paths glow.
      - choice:
          - text: Left
            jump: left_path
          - text: Right
            jump: right_path
  left_path:
    body:
      - say: Moss everywhere.
      - choice:
          - text: Go home
            end: home
  right_path:
    body:
      - say: A lake.
      - end: lake
"""


def program(text: str = STORY) -> Program:
    result = compile_text(text, "paths.yaml")
    assert result.program is not None, result.diagnostics
    return result.program


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Moss", "Moss"),
        ("  Little   Fern  ", "Little Fern"),
        ("Zoë", "Zoë"),
        ("x" * 20, "x" * 20),
        ("Ünïcode✨", "Ünïcode✨"),
    ],
)
def test_nicknames_are_tidied(raw: str, stored: str) -> None:
    assert clean_nickname(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "x" * 21,
        "tab\x07bell",
        "two\nlines",
        "new\u2028line",
        "rtl\u202eoverride",
        "zero\u200b",
    ],
)
def test_bad_nicknames_are_refused(raw: str) -> None:
    with pytest.raises(ProfileError):
        clean_nickname(raw)


def test_colours_are_hex() -> None:
    assert clean_colour("#7FE3A0") == "#7fe3a0"
    for bad in ("red", "#12345", "#1234567", "7fe3a0"):
        with pytest.raises(ProfileError):
            clean_colour(bad)


def test_data_dir_precedence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert default_data_dir({}, home=home) == home / ".local/share/glowgrove"
    assert default_data_dir({"XDG_DATA_HOME": "/xdg"}, home=home) == Path("/xdg/glowgrove")
    relative = {"XDG_DATA_HOME": "relative/xdg"}  # not absolute: the XDG spec says ignore it
    assert default_data_dir(relative, home=home) == home / ".local/share/glowgrove"
    both = {"XDG_DATA_HOME": "/xdg", "GLOWGROVE_DATA_DIR": "/gg"}
    assert default_data_dir(both, home=home) == Path("/gg")
    assert default_data_dir(both, option=tmp_path, home=home) == tmp_path


def test_profiles_are_pseudonymous_files(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    assert store.profiles() == []
    moss = store.create("Moss", "#7fe3a0")
    fern = store.create("fern", "#5fd6b0")
    assert len(moss.id) == 12 and moss.id != fern.id
    assert [p.nickname for p in store.profiles()] == ["fern", "Moss"]
    stored = json.loads((tmp_path / "profiles" / f"{moss.id}.json").read_text())
    assert stored == {
        "format": "glowgrove-profile",
        "version": 1,
        "id": moss.id,
        "nickname": "Moss",
        "colour": "#7fe3a0",
    }
    assert store.find("MOSS") == moss
    assert store.find(fern.id) == fern
    assert store.find("nobody") is None
    assert [name for name, _ in store.unused_presets()] == [
        name for name, _ in PRESETS if name not in ("Moss", "Fern")
    ]


def test_damaged_profile_files_are_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ProfileStore(tmp_path)
    good = store.create("Comet", "#f79f7f")
    folder = tmp_path / "profiles"
    (folder / "0123456789ab.json").write_text("{not json")
    (folder / "ba9876543210.json").write_text(
        json.dumps(
            {
                "format": "glowgrove-profile",
                "version": 1,
                "id": "ba9876543210",
                "nickname": "bad\x00name",
                "colour": "#ffffff",
            }
        )
    )
    (folder / "notes.json").write_text(json.dumps({"hello": 1}))
    with caplog.at_level(logging.WARNING):
        assert store.profiles() == [good]
    assert "not valid JSON" in caplog.text
    assert "control or invisible characters" in caplog.text


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "deep" / "file.json"
    write_json_atomically(target, {"n": 1})
    assert json.loads(target.read_text()) == {"n": 1}

    def broken_replace(source: str, destination: str) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk unplugged"):
        write_json_atomically(target, {"n": 2})
    assert json.loads(target.read_text()) == {"n": 1}  # the old file is untouched
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]  # no temporary left


def test_progress_is_saved_after_choices_and_resumed(tmp_path: Path) -> None:
    story = program()
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    book = ProgressBook(store, moss, story)
    machine, resumed = book.open(seed=None)
    assert not resumed
    machine.advance()  # scene gate
    book.checkpoint(machine)
    machine.advance()  # line
    assert isinstance(machine.advance(), ChoicesEvent)
    machine.choose(1)
    book.checkpoint(machine)

    again = ProgressBook(store, moss, story)
    machine2, resumed = again.open(seed=None)
    assert resumed
    assert machine2.save() == machine.save()
    assert machine2.advance() == machine.advance()  # the same next event
    other = store.create("Fern", "#5fd6b0")
    assert not ProgressBook(store, other, story).open(seed=None)[1]  # per profile


def test_an_ending_is_remembered_and_the_next_visit_starts_afresh(tmp_path: Path) -> None:
    story = program()
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    book = ProgressBook(store, moss, story)
    machine, _ = book.open(seed=None)
    machine.advance()
    machine.advance()
    machine.advance()
    machine.choose(1)
    events = [machine.advance() for _ in range(3)]
    assert isinstance(events[-1], EndEvent)
    assert machine.status is StoryStatus.ENDED
    book.checkpoint(machine)
    progress = read_progress(store, moss, "paths")
    assert progress.save is None and progress.endings == ("lake",)
    assert progress.scenes_seen == 2
    fresh, resumed = ProgressBook(store, moss, story).open(seed=None)
    assert not resumed and fresh.scene == "gate"


def test_a_save_that_no_longer_fits_is_refused_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    book = ProgressBook(store, moss, program())
    machine, _ = book.open(seed=None)
    machine.advance()
    book.checkpoint(machine)
    edited = program(STORY.replace("A lake.", "A wide, still lake."))  # new fingerprint
    with caplog.at_level(logging.WARNING):
        fresh, resumed = ProgressBook(store, moss, edited).open(seed=None)
    assert not resumed
    assert fresh.save() == StoryMachine(edited).save()
    assert "cannot be used" in caplog.text and "starting from the beginning" in caplog.text


def test_damaged_progress_files_start_afresh(tmp_path: Path) -> None:
    story = program()
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    path = tmp_path / "progress" / moss.id / "paths.json"
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2")
    assert not ProgressBook(store, moss, story).open(seed=None)[1]
    path.write_text(
        json.dumps(
            {
                "format": "glowgrove-progress",
                "version": 1,
                "narrative": "paths",
                "save": {"stack": "nonsense"},
            }
        )
    )
    assert not ProgressBook(store, moss, story).open(seed=None)[1]


def test_a_failed_save_does_not_stop_the_story(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    blocker = tmp_path / "progress"
    blocker.write_text("a file where the folder should be")
    book = ProgressBook(store, moss, program())
    machine, _ = book.open(seed=None)
    machine.advance()
    with caplog.at_level(logging.WARNING):
        book.checkpoint(machine)
    assert "could not save progress for Moss" in caplog.text


def test_progress_paths_cannot_escape_the_data_folder(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path)
    moss = store.create("Moss", "#7fe3a0")
    with pytest.raises(ProfileError):
        store.write_progress(moss, "../../evil", {})
    assert store.get("../x") is None
