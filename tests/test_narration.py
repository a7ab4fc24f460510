"""``glowgrove narrate``: real speech from espeak-ng, cached by line id and words."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from engine.audio.espeak import Espeak, SpeechSettings
from engine.audio.narration import NarrationIndex, narrate, speaking_rate, text_digest
from engine.cli import main
from engine.content.compiler import compile_narrative
from engine.content.program import Program
from engine.errors import NarrationError

STORY = """\
glowgrove: 1
id: pond_walk
title: Pond Walk
age_range: [6, 9]
start: pond
characters:
  rhodes: {{name: "Dr. Rhodes", voice: {rhodes_voice}}}
  pip: {{name: Pip, role: curious child}}
  zed: {{name: Zed, voice: not-a-real-voice}}
variables:
  frogs: {{type: int, default: 2}}
endings:
  home: {{title: Home}}
scenes:
  pond:
    body:
      - say: "{first}"
        id: intro
      - say: "Frogs sing at dusk."
        speaker: rhodes
      - say: "-- and then? Tell me more!"
        speaker: pip
      - say: "Hello, pond."
        speaker: zed
      - say: "I count {{{{ frogs }}}} frogs."
        speaker: pip
      - say: "This line has its own sound."
        audio: sounds/own.wav
      - end: home
"""


@pytest.fixture(scope="module")
def espeak() -> Espeak:
    return Espeak()  # installed by scripts/bootstrap: this must not skip


def _program(
    folder: Path, first: str = "The pond is still.", rhodes_voice: str = "en-gb"
) -> Program:
    path = folder / "pond_walk.yaml"
    path.write_text(STORY.format(first=first, rhodes_voice=rhodes_voice), encoding="utf-8")
    result = compile_narrative(path)
    assert result.program is not None, result.diagnostics
    return result.program


def _assets(folder: Path) -> Path:
    """An assets folder that holds the line's own sound, so the story compiles."""
    own = folder / "assets" / "sounds" / "own.wav"
    own.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(own), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x00\x01" * 800)
    return folder / "assets"


def _stamps(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in sorted(folder.glob("*.wav"))}


def test_espeak_knows_its_voices(espeak: Espeak) -> None:
    assert espeak.version.startswith("eSpeak NG")
    for voice in ("en-us", "en-gb", "EN-GB", "en", "en+f3", "en-gb-scotland"):
        assert espeak.knows(voice), voice
    for voice in ("not-a-real-voice", "en+nobody", "", "+f3", "variant"):
        assert not espeak.knows(voice), voice


def test_children_hear_slower_speech() -> None:
    assert speaking_rate((5, 7)) < speaking_rate((8, 12)) < speaking_rate((12, 99)) < 175
    assert speaking_rate(None) == speaking_rate((8, 12))


def test_narrate_speaks_lines_and_caches_them(tmp_path: Path, espeak: Espeak) -> None:
    assets = _assets(tmp_path)
    report = narrate(_program(tmp_path), assets, espeak)
    folder = assets / "narration" / "pond_walk"
    assert report.folder == folder
    assert report.made == ("intro", "pond.2", "pond.3", "pond.4")
    assert report.templates == ("pond.5",)
    assert report.explicit == ("pond.6",)
    assert report.unknown_voices == {"zed": "not-a-real-voice"}
    assert "1 line(s) with templates were skipped" in report.summary()
    for line_id in report.made:
        with wave.open(str(folder / f"{line_id}.wav"), "rb") as reader:
            assert reader.getnchannels() == 1
            assert reader.getnframes() / reader.getframerate() > 0.4, line_id
    assert not (folder / "pond.5.wav").exists() and not (folder / "pond.6.wav").exists()

    manifest = json.loads((folder / "manifest.json").read_text())
    lines = manifest["lines"]
    assert lines["pond.2"]["voice"] == "en-gb"
    assert lines["pond.4"]["voice"] == "en-us"  # the hint is not a voice: the default
    assert lines["intro"]["rate"] == speaking_rate((6, 9))
    assert lines["pond.3"]["pitch"] > lines["intro"]["pitch"]  # a child speaks higher
    assert lines["intro"]["text"] == text_digest("The pond is still.")

    # A second run makes nothing: every file is still right.
    before = _stamps(folder)
    again = narrate(_program(tmp_path), assets, espeak)
    assert again.made == () and again.kept == report.made and again.removed == ()
    assert _stamps(folder) == before


def test_changed_words_or_voice_make_only_those_lines_again(tmp_path: Path, espeak: Espeak) -> None:
    assets = _assets(tmp_path)
    narrate(_program(tmp_path), assets, espeak)
    folder = assets / "narration" / "pond_walk"
    before = _stamps(folder)
    old_intro = (folder / "intro.wav").read_bytes()

    changed = narrate(_program(tmp_path, first="The pond ripples."), assets, espeak)
    assert changed.made == ("intro",)
    assert (folder / "intro.wav").read_bytes() != old_intro
    after = _stamps(folder)
    assert {name for name in before if before[name] != after[name]} == {"intro.wav"}

    revoiced = narrate(
        _program(tmp_path, first="The pond ripples.", rhodes_voice="en-us"), assets, espeak
    )
    assert revoiced.made == ("pond.2",)

    # A broken file is made again even though the manifest says it is current.
    (folder / "pond.3.wav").write_bytes(b"")
    repaired = narrate(
        _program(tmp_path, first="The pond ripples.", rhodes_voice="en-us"), assets, espeak
    )
    assert repaired.made == ("pond.3",)


def test_lines_that_are_gone_lose_their_files(tmp_path: Path, espeak: Espeak) -> None:
    assets = _assets(tmp_path)
    narrate(_program(tmp_path), assets, espeak)
    folder = assets / "narration" / "pond_walk"
    # The intro becomes a template: its old narration would contradict the caption.
    report = narrate(_program(tmp_path, first="{{ frogs }} frogs."), assets, espeak)
    assert report.removed == ("intro",)
    assert not (folder / "intro.wav").exists()
    assert "intro" not in json.loads((folder / "manifest.json").read_text())["lines"]


def test_index_finds_current_narration_only(tmp_path: Path, espeak: Espeak) -> None:
    assets = _assets(tmp_path)
    program = _program(tmp_path)
    narrate(program, assets, espeak)
    index = NarrationIndex.load(assets, program)
    path, problem = index.find("intro", "The pond is still.")
    assert path == assets / "narration" / "pond_walk" / "intro.wav" and problem is None
    path, problem = index.find("intro", "Different words now.")
    assert path is None and problem is not None and "out of date" in problem
    assert index.find("pond.5", "I count 2 frogs.") == (None, None)
    (assets / "narration" / "pond_walk" / "pond.2.wav").unlink()
    assert index.find("pond.2", "Frogs sing at dusk.") == (None, "is missing")


def test_cli_narrate_finds_the_assets_folder_by_walking_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _assets(tmp_path)
    story = tmp_path / "stories" / "pond_walk.yaml"
    story.parent.mkdir()
    story.write_text(STORY.format(first="Hello.", rhodes_voice="en-gb"), encoding="utf-8")
    assert main(["narrate", str(story)]) == 0
    out = capsys.readouterr().out
    assert "4 made, 0 unchanged, 0 removed" in out
    assert (tmp_path / "assets" / "narration" / "pond_walk" / "intro.wav").is_file()
    assert main(["narrate", str(story)]) == 0
    assert "0 made, 4 unchanged" in capsys.readouterr().out


def test_cli_narrate_without_assets_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "story.yaml"
    story.write_text(
        STORY.format(first="Hi.", rhodes_voice="en-gb").replace(
            "        audio: sounds/own.wav\n", ""
        ),
        encoding="utf-8",
    )
    from engine.content.assets import find_assets_root

    if find_assets_root(story) is not None:
        pytest.skip("a folder above the test's temporary folder is named assets")
    assert main(["narrate", str(story)]) == 2
    assert "no assets/ folder above" in capsys.readouterr().err
    assert main(["narrate", str(story), "--assets", str(tmp_path / "built")]) == 0


def test_missing_espeak_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NarrationError, match="espeak-ng could not run"):
        Espeak(binary=str(tmp_path / "no-espeak-here"))


def test_speaking_nothing_is_an_error(tmp_path: Path, espeak: Espeak) -> None:
    with pytest.raises(NarrationError):
        espeak.speak("hello", SpeechSettings("not-a-real-voice", 140, 50), tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []  # no half-written file left behind
