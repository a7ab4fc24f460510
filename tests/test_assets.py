"""The project's own assets: generated, committed, valid, loadable, and checked at compile time."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import numpy as np
import pytest

from engine.assets import build_assets, stale_assets
from engine.cli import main
from engine.content.assets import AssetCatalog, file_problem, find_assets_root
from engine.content.compiler import compile_narrative, compile_text
from engine.content.program import CommandOp

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
CONTENT = [
    *sorted((ROOT / "narratives").glob("*.yaml")),
    *sorted((ROOT / "tests" / "stories").glob("*.yaml")),
]


# -- generated and committed ------------------------------------------------------------------


def test_committed_assets_are_what_the_generator_makes() -> None:
    stale = stale_assets(ASSETS, build_assets())
    assert not stale, f"out of date: {stale}; run 'glowgrove assets build' and commit the files"


def test_the_build_is_deterministic() -> None:
    first = {asset.path: asset.data for asset in build_assets()}
    second = {asset.path: asset.data for asset in build_assets()}
    assert first == second


def test_sounds_are_short_quiet_smooth_wav_files() -> None:
    total = 0
    for path in sorted((ASSETS / "sounds").glob("*.wav")):
        total += path.stat().st_size
        with wave.open(str(path), "rb") as reader:
            assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2), path.name
            rate = reader.getframerate()
            samples = np.frombuffer(reader.readframes(reader.getnframes()), "<i2") / 32768
        assert 0.5 <= len(samples) / rate <= 3.0, path.name
        assert 0.2 < np.abs(samples).max() <= 0.5, f"{path.name}: too loud or silent"
        # Fades in and out: no click at either end.
        assert abs(samples[0]) < 0.01 and abs(samples[-1]) < 0.01, path.name
    assert total < 1.5 * 1024 * 1024


def test_every_sound_and_prop_the_content_names_is_shipped_and_sound() -> None:
    catalog = AssetCatalog(ASSETS)
    named: set[tuple[str, str]] = set()
    for path in CONTENT:
        result = compile_narrative(path)
        assert result.program is not None, path
        for scene in result.program.scenes.values():
            for op in scene.ops:
                if isinstance(op, CommandOp) and op.name == "play_sound":
                    named.add(("sound", str(dict(op.args)["sound"])))
                elif isinstance(op, CommandOp) and op.name in ("show_prop", "hide_prop"):
                    named.add(("prop", str(dict(op.args)["prop"])))
    assert ("sound", "frog_croak") in named and ("prop", "glow_mural") in named
    for kind, name in sorted(named):
        found = catalog.find_sound(name) if kind == "sound" else catalog.find_prop(name)
        assert found is not None, f"{kind} {name} is not in assets/"
        assert file_problem(found) is None, f"{kind} {name}: {file_problem(found)}"


def test_cli_builds_into_a_folder_and_checks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assets", "build", "--assets", str(tmp_path)]) == 0
    assert (tmp_path / "sounds" / "crowd_cheer.wav").is_file()
    assert (tmp_path / "props" / "soil_map.egg").is_file()
    assert (tmp_path / "README.md").read_text() == (ASSETS / "README.md").read_text()
    assert main(["assets", "build", "--assets", str(tmp_path), "--check"]) == 0
    (tmp_path / "sounds" / "water_drip.wav").write_bytes(b"")
    capsys.readouterr()
    assert main(["assets", "build", "--assets", str(tmp_path), "--check"]) == 1
    assert "water_drip.wav: out of date" in capsys.readouterr().out


def test_readme_lists_every_generated_file_with_its_licence() -> None:
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    for path in sorted(ASSETS.rglob("*")):
        if path.is_file() and path.name != "README.md" and "narration" not in path.parts:
            relative = path.relative_to(ASSETS).as_posix()
            assert f"| `{relative}` |" in readme, relative
    assert "made by the Glowgrove project, MIT" in readme


# -- header checks ----------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _wav(frames: int) -> bytes:
    import io

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x01\x00" * frames)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("good.wav", _wav(100), None),
        ("empty.wav", b"", "is empty"),
        ("text.wav", b"hello, this is not sound at all", "no RIFF/WAVE header"),
        ("silent.wav", _wav(0), "holds no sound"),
        ("cut.wav", _wav(1000)[:300], "cut short"),
        ("good.ogg", b"OggS" + b"\x00" * 24 + b"\x01vorbis" + b"\x00" * 40, None),
        ("opus.ogg", b"OggS" + b"\x00" * 24 + b"OpusHead" + b"\x00" * 40, None),
        ("flac.ogg", b"OggS" + b"\x00" * 24 + b"\x7fFLAC" + b"\x00" * 40, "without Vorbis"),
        ("mp3.ogg", b"ID3\x03" + b"\x00" * 60, "not an Ogg file"),
        ("good.egg", b"// made here\n<CoordinateSystem> { Z-up }\n", None),
        ("binary.egg", b"<Group>\x00\x01", "binary"),
        ("prose.egg", b"a lamp\n", "does not start with an <Entry>"),
        ("good.bam", b"pbj\x00\n\r" + b"\x00" * 20, None),
        ("bad.bam", b"PK\x03\x04 a zip file", "not a Panda3D .bam"),
        ("good.gltf", b'{"asset": {"version": "2.0"}}', None),
        ("bad.gltf", b'{"asset": ', "not glTF JSON"),
        ("no_asset.gltf", b'{"scenes": []}', "no asset.version"),
        ("good.glb", b"glTF\x02\x00\x00\x00\x0c\x00\x00\x00", None),
        ("short.glb", b"glTF\x02\x00\x00\x00\x40\x00\x00\x00", "cut short"),
        ("v1.glb", b"glTF\x01\x00\x00\x00\x0c\x00\x00\x00", "version 1"),
    ],
)
def test_file_problem(tmp_path: Path, name: str, data: bytes, problem: str | None) -> None:
    found = file_problem(_write(tmp_path / name, data))
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found, found


def test_unreadable_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    assert file_problem(tmp_path / "missing.wav") is not None


# -- compile time -----------------------------------------------------------------------------

_STORY = """\
glowgrove: 1
id: pond
title: Pond
start: pond
endings:
  home: {{title: Home}}
scenes:
  pond:
    body:
      - say: "Listen."
        audio: {audio}
      - command: play_sound
        args: {{sound: {sound}}}
      - command: show_prop
        args: {{prop: {prop}}}
      - end: home
"""


def _story(
    folder: Path, sound: str = "ribbit", prop: str = "lily", audio: str = "voice/a.wav"
) -> Path:
    path = folder / "stories" / "pond.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_STORY.format(sound=sound, prop=prop, audio=audio), encoding="utf-8")
    return path


def _codes(path: Path) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in compile_narrative(path).diagnostics]


def test_assets_found_by_walking_up(tmp_path: Path) -> None:
    story = _story(tmp_path)
    assert find_assets_root(story) is None or not str(find_assets_root(story)).startswith(
        str(tmp_path)
    )
    (tmp_path / "assets").mkdir()
    assert find_assets_root(story) == (tmp_path / "assets").resolve()
    (tmp_path / "stories" / "assets").mkdir()
    assert find_assets_root(story) == (tmp_path / "stories" / "assets").resolve()


def test_present_assets_compile_cleanly(tmp_path: Path) -> None:
    _write(tmp_path / "assets" / "sounds" / "ribbit.ogg", b"OggS" + b"\x00" * 24 + b"\x01vorbis")
    _write(tmp_path / "assets" / "props" / "lily.glb", b"glTF\x02\x00\x00\x00\x0c\x00\x00\x00")
    _write(tmp_path / "assets" / "voice" / "a.wav", _wav(10))
    assert _codes(_story(tmp_path)) == []


def test_missing_and_broken_assets_are_diagnostics(tmp_path: Path) -> None:
    _write(tmp_path / "assets" / "sounds" / "ribbit.wav", b"")
    _write(tmp_path / "assets" / "props" / "lily_pad.egg", b"<Group> pad { }\n")
    codes = _codes(_story(tmp_path, prop="lily_pads"))
    assert codes == [
        ("E047", "audio file 'voice/a.wav' not found in assets/"),
        ("E048", "sound 'ribbit' is broken: assets/sounds/ribbit.wav is empty"),
        (
            "E047",
            "prop 'lily_pads' not found: assets/props/ has no lily_pads.bam, lily_pads.egg, "
            "lily_pads.gltf or lily_pads.glb",
        ),
    ]
    helps = [d.helps for d in compile_narrative(_story(tmp_path, prop="lily_pads")).diagnostics]
    assert helps[2] == ("did you mean 'lily_pad'?",)


def test_without_an_assets_folder_nothing_is_checked(tmp_path: Path) -> None:
    story = _story(tmp_path)
    if find_assets_root(story) is not None:
        pytest.skip("a folder above the test's temporary folder is named assets")
    assert _codes(story) == []
    assert compile_text(story.read_text(encoding="utf-8")).diagnostics == ()


def test_audio_must_be_wav_or_ogg(tmp_path: Path) -> None:
    codes = _codes(_story(tmp_path, audio="voice/a.mp3"))
    assert ("E013", "audio file 'voice/a.mp3' must be a .wav or .ogg file") in codes


# -- loading in Panda3D -----------------------------------------------------------------------

_LOAD_SCRIPT = textwrap.dedent(
    """
    import json, logging, sys
    from pathlib import Path
    from panda3d.core import load_prc_file_data
    load_prc_file_data("", "audio-library-name null\\nwindow-type none")
    from direct.showbase.ShowBase import ShowBase
    from engine.scene.props import PropShelf

    logging.basicConfig(level=logging.WARNING)
    base = ShowBase(windowType="none")
    out = {}
    for assets in map(Path, sys.argv[1:]):
        shelf = PropShelf(base.render, assets, None)
        for path in sorted((assets / "props").iterdir()):
            node = shelf.show(path.name.rsplit(".", 1)[0])
            geoms = node.find_all_matches("**/+GeomNode").get_num_paths()
            out[path.name] = {"placeholder": node.name.startswith("missing-prop"), "geoms": geoms}
        node = shelf.show("never_made")
        out["never_made"] = {"placeholder": node.name.startswith("missing-prop"), "geoms": 1}
    print(json.dumps(out))
    """
)

# One triangle standing up: (0,0,0) (1,0,0) (0,0,1), little-endian float32.
_TRIANGLE = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 0, 1)
_GLTF = {
    "asset": {"version": "2.0"},
    "scene": 0,
    "scenes": [{"nodes": [0]}],
    "nodes": [{"mesh": 0}],
    "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
    "buffers": [
        {
            "byteLength": 36,
            "uri": "data:application/octet-stream;base64," + base64.b64encode(_TRIANGLE).decode(),
        }
    ],
    "bufferViews": [{"buffer": 0, "byteLength": 36}],
    "accessors": [
        {
            "bufferView": 0,
            "componentType": 5126,
            "count": 3,
            "type": "VEC3",
            "min": [0, 0, 0],
            "max": [1, 0, 1],
        }
    ],
}


def _glb(document: dict[str, object]) -> bytes:
    """The same model as binary glTF: a JSON chunk and a BIN chunk holding the buffer."""
    buffer = _TRIANGLE
    document = {**document, "buffers": [{"byteLength": len(buffer)}]}
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    buffer += b"\x00" * (-len(buffer) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    chunks += struct.pack("<I4s", len(buffer), b"BIN\x00") + buffer
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def test_props_load_in_panda3d_including_gltf(tmp_path: Path) -> None:
    extra = tmp_path / "assets"
    _write(extra / "props" / "triangle.gltf", json.dumps(_GLTF).encode())
    _write(extra / "props" / "binary_triangle.glb", _glb(_GLTF))
    _write(extra / "props" / "cracked.egg", b"<Group> cracked { <Polygon> { <VertexRef> { 0 ")
    _write(extra / "props" / "hollow.glb", b"")
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_SCRIPT, str(ASSETS), str(extra)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    for name in ("biogas_lamp.egg", "glow_meter.egg", "glow_mural.egg", "soil_map.egg"):
        assert loaded[name] == {"placeholder": False, "geoms": loaded[name]["geoms"]}, name
        assert loaded[name]["geoms"] >= 1, name
    for name in ("triangle.gltf", "binary_triangle.glb"):
        assert loaded[name]["placeholder"] is False, name
        assert loaded[name]["geoms"] >= 1, name
    # Broken or missing: a placeholder and a log line, never a crash.
    for name in ("cracked.egg", "hollow.glb", "never_made"):
        assert loaded[name]["placeholder"] is True, name
    assert "hollow.glb is empty" in result.stderr
    assert "never_made not found" in result.stderr


def test_regeneration_tolerates_last_bit_float_differences() -> None:
    from engine.assets.build import _same

    built = next(a for a in build_assets() if a.path.endswith(".wav"))
    nudged = bytearray(built.data)
    nudged[100] ^= 1  # one sample off by one step
    assert _same(built.path, bytes(nudged), built.data)
    nudged[100] ^= 1
    nudged[101] ^= 0x10  # one sample off by thousands of steps
    assert not _same(built.path, bytes(nudged), built.data)
    assert _same("x.egg", b"<V> { 1.000001 2 }", b"<V> { 1.000002 2 }")
    assert not _same("x.egg", b"<V> { 1.1 2 }", b"<V> { 1.2 2 }")
