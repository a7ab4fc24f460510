"""Garden files: a valid one loads to the spec it describes; broken ones give exact diagnostics."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.cli import main
from engine.content.diagnostics import CODES, render_diagnostics
from engine.garden.loader import load_garden, load_garden_text
from engine.garden.spec import Clearing, Source
from engine.garden.spec import Path as WalkPath

BROKEN = Path(__file__).parent / "broken" / "garden"
CASES = sorted(BROKEN.glob("*.yaml"))
UPDATE = os.environ.get("GLOWGROVE_UPDATE_SNAPSHOTS") == "1"
GARDEN_CODES = {code for code in CODES if code.startswith("E2")}

VALID = """glowgrove_garden: 1
id: city_garden
size: 60
plants: 600
seed: 7
species: {glowcap: 1, lantern: 1, spire: 0.5, bellflower: 1}
sources: [{x: 18, y: 22}]
clearings: [{x: 0, y: 0, radius: 3}]
paths: [{points: [[-30, -10], [30, -10]], width: 1.5}]
"""


def _rendered(path: Path) -> str:
    result = load_garden(path, display=f"tests/broken/garden/{path.name}")
    assert result.spec is None
    return render_diagnostics(result.diagnostics) + "\n"


def test_a_valid_garden_file_loads_to_its_spec() -> None:
    result = load_garden_text(VALID, "city.yaml")
    assert result.diagnostics == ()
    spec = result.spec
    assert spec is not None
    assert (spec.size, spec.plants, spec.seed) == (60, 600, 7)
    assert spec.species_mix == (1.0, 1.0, 0.5, 1.0)
    assert spec.sources == (Source(18, 22),)
    assert spec.clearings == (Clearing(0, 0, 3),)
    assert spec.paths == (WalkPath(((-30.0, -10.0), (30.0, -10.0)), 1.5),)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_broken_garden_matches_snapshot(path: Path) -> None:
    actual = _rendered(path)
    expected = path.with_suffix(".expected")
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
        return
    assert actual == expected.read_text(encoding="utf-8")


def test_every_garden_code_has_a_case() -> None:
    covered: set[str] = set()
    for path in CASES:
        text = path.with_suffix(".expected").read_text(encoding="utf-8")
        covered |= set(re.findall(r"error\[(E\d{3})\]", text))
    assert covered >= GARDEN_CODES, sorted(GARDEN_CODES - covered)


def test_cli_garden_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    assert main(["garden", "check", str(good)]) == 0
    assert main(["garden", "check", str(BROKEN / "unknown_species.yaml")]) == 1
    captured = capsys.readouterr()
    assert "error[E201]" in captured.out and "did you mean 'lantern'?" in captured.out
    assert main(["garden", "check", str(tmp_path / "missing.yaml")]) == 1
    assert "Traceback" not in capsys.readouterr().err
