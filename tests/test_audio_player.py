"""The AudioPlayer: narration and cues through Panda3D's audio, or captions only, never a crash.

Playing for real uses OpenAL Soft's 'null' output driver (ALSOFT_DRIVERS=null): a real
OpenAL device that mixes the sound and throws it away, so servers without a sound card can
run it. Each case runs in a fresh process because Panda3D picks its audio library once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import wave
from pathlib import Path
from typing import Any

import pytest

from engine.audio.narration import narrate
from engine.audio.player import AudioPlayer
from engine.content.compiler import compile_narrative
from engine.content.program import Program
from engine.story.events import LineEvent

ROOT = Path(__file__).resolve().parent.parent

STORY = """\
glowgrove: 1
id: drips
title: Drips
start: cave
endings:
  home: {title: Home}
scenes:
  cave:
    body:
      - say: "Water drips in the cave."
        id: intro
      - say: "This one has its own sound."
        id: own
        audio: sounds/drip.wav
      - command: play_sound
        args: {sound: drip, volume: 0.5}
      - end: home
"""


def _wav(path: Path, frames: int = 4000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x00\x10\x00\xf0" * (frames // 2))


@pytest.fixture
def story(tmp_path: Path) -> tuple[Path, Program]:
    """A narrative with narration made by espeak-ng, a sound, and a broken sound."""
    assets = tmp_path / "assets"
    _wav(assets / "sounds" / "drip.wav")
    (assets / "sounds" / "cracked.wav").write_bytes(b"not a wav file")
    path = tmp_path / "drips.yaml"
    path.write_text(STORY, encoding="utf-8")
    result = compile_narrative(path)
    assert result.program is not None, result.diagnostics
    narrate(result.program, assets)
    return assets, result.program


def test_no_manager_means_captions_only(story: tuple[Path, Program]) -> None:
    assets, program = story
    player = AudioPlayer(None, assets, program)
    assert not player.enabled
    event = LineEvent("intro", "Water drips in the cave.")
    assert player.line(event) is None
    assert player.sound("drip") is None
    player.stop()
    # What would play is still known (for logs and tests).
    assert player.narration_for(event) == assets.resolve() / "narration/drips/intro.wav"


def test_missing_assets_folder_never_crashes(tmp_path: Path, story: tuple[Path, Program]) -> None:
    _, program = story
    for assets in (None, tmp_path / "nowhere"):
        player = AudioPlayer(None, assets, program)
        assert player.narration_for(LineEvent("intro", "Water drips in the cave.")) is None
        assert player.sound_for("drip") is None


_SCRIPT = textwrap.dedent(
    """
    import json, logging, sys
    from pathlib import Path
    from panda3d.core import AudioManager, AudioSound, load_prc_file_data

    library, assets, story = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    load_prc_file_data("", f"audio-library-name {library}")
    logging.basicConfig(level=logging.INFO, format="LOG %(message)s")
    from engine.audio.player import AudioPlayer
    from engine.content.compiler import compile_narrative
    from engine.story.events import LineEvent

    program = compile_narrative(story).program
    player = AudioPlayer(AudioManager.create_AudioManager(), assets, program)
    playing = lambda: player._voice is not None and player._voice.status() == AudioSound.PLAYING
    out = {"enabled": player.enabled}
    out["narration"] = str(player.line(LineEvent("intro", "Water drips in the cave.")))
    out["narration_playing"] = playing()
    own = LineEvent("own", "This one has its own sound.", audio="sounds/drip.wav")
    out["own"] = str(player.line(own))
    out["stale"] = str(player.line(LineEvent("intro", "Other words entirely.")))
    out["stale_again"] = str(player.line(LineEvent("intro", "Other words entirely.")))
    out["after_stale_playing"] = playing()
    out["sound"] = str(player.sound("drip", 0.5))
    out["missing"] = str(player.sound("nothing_here"))
    out["broken"] = str(player.sound("cracked"))
    out["broken_again"] = str(player.sound("cracked"))
    player.stop()
    print("RESULT " + json.dumps(out))
    """
)


def _run(library: str, assets: Path) -> tuple[dict[str, Any], str]:
    env = dict(os.environ, ALSOFT_DRIVERS="null")
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, library, str(assets), str(assets.parent / "drips.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = next(row for row in result.stdout.splitlines() if row.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT ")), result.stderr


def test_null_audio_library_plays_nothing_and_goes_on(story: tuple[Path, Program]) -> None:
    assets, _ = story
    out, log = _run("null", assets)
    assert out["enabled"] is False
    assert {out[key] for key in ("narration", "own", "sound", "missing", "broken")} == {"None"}
    assert log.count("audio is off") == 1


def test_openal_plays_narration_and_cues(story: tuple[Path, Program]) -> None:
    assets, _ = story
    out, log = _run("p3openal_audio", assets)
    root = assets.resolve()
    assert out["enabled"] is True
    assert out["narration"] == str(root / "narration/drips/intro.wav")
    assert out["narration_playing"] is True
    assert out["own"] == str(root / "sounds/drip.wav")  # the line's own audio wins
    assert out["sound"] == str(root / "sounds/drip.wav")
    # Out of date, missing, broken: nothing plays, one log line each, the story goes on.
    assert out["stale"] == out["stale_again"] == "None"
    assert out["after_stale_playing"] is False
    assert out["missing"] == "None" and out["broken"] == out["broken_again"] == "None"
    assert log.count("narration is out of date") == 1
    assert log.count("sound nothing_here not found") == 1
    assert log.count("cracked.wav is not a WAV file") == 1
