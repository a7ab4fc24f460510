"""The instanced garden rendered for real (llvmpipe, offscreen) and judged on its pixels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.images import luminance, read_png

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, int]]]:
    out = tmp_path_factory.mktemp("garden")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "GALLIUM_NOOP")}
    result = subprocess.run(
        [sys.executable, "-m", "tests.garden_scenes", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out, json.loads((out / "stats.json").read_text())


def _image(out: Path, name: str) -> np.ndarray:
    return read_png(out / f"{name}.png").astype(np.int32)


def test_instanced_image_equals_one_node_per_plant(
    scenes: tuple[Path, dict[str, dict[str, int]]],
) -> None:
    out, stats = scenes
    naive, instanced = _image(out, "naive"), _image(out, "instanced")
    assert naive.std() > 5, "the reference garden is blank"
    difference = np.abs(naive - instanced).max(axis=2)
    # Same triangles, same colours: only rasterisation order could differ by a rounding step.
    assert difference.mean() < 0.5, difference.mean()
    assert (difference > 8).mean() < 0.002
    assert stats["instanced"]["draws"] == 1
    assert stats["instanced"]["visible_chunks"] < 16  # some chunks really were culled


def test_culling_leaves_no_holes_at_the_frustum_edge(
    scenes: tuple[Path, dict[str, dict[str, int]]],
) -> None:
    out, stats = scenes
    assert stats["unculled"]["instances"] > stats["instanced"]["instances"]
    assert np.array_equal(_image(out, "instanced"), _image(out, "unculled"))


def test_level_of_detail_matches_full_detail_within_tolerance(
    scenes: tuple[Path, dict[str, dict[str, int]]],
) -> None:
    """Tolerance: mean per-pixel difference under 6 of 255, fewer than 5% of pixels off by
    more than 24, and mean brightness within 10%: the far cards may shift an edge pixel, but
    no area goes missing or changes colour."""
    out, stats = scenes
    full, lod = _image(out, "full"), _image(out, "lod")
    difference = np.abs(full - lod).max(axis=2)
    assert difference.mean() < 6, difference.mean()
    assert (difference > 24).mean() < 0.05
    light_full = luminance(full.astype(np.uint8)).mean()
    light_lod = luminance(lod.astype(np.uint8)).mean()
    assert abs(light_lod - light_full) < 0.1 * light_full
    assert stats["lod"]["instances"] == stats["full"]["instances"]
    assert stats["lod"]["triangles"] < stats["full"]["triangles"] / 4
    assert stats["lod"]["draws"] == 3


def test_a_frame_uploads_the_visible_list_and_changed_blight_only(
    scenes: tuple[Path, dict[str, Any]],
) -> None:
    _, stats = scenes
    # [changed by a frame without blight change, changed by a frame after a blight tick]
    assert stats["uploads"] == {
        "plants": [False, False],
        "visible": [True, True],
        "blight": [False, True],
    }


def test_eye_axes_follow_panda3d_hpr() -> None:
    """The pure core's eye turns the way a Panda3D camera does, roll included."""
    from panda3d.core import Quat, Vec3

    from engine.garden.culling import Eye

    rng = np.random.default_rng(4)
    for heading, pitch, roll in rng.uniform(-180, 180, (50, 3)):
        quat = Quat()
        quat.set_hpr(Vec3(heading, pitch, roll))
        forward, right, up = Eye(0, 0, 0, heading, pitch, roll=roll).axes()
        np.testing.assert_allclose(forward, tuple(quat.get_forward()), atol=1e-5)
        np.testing.assert_allclose(right, tuple(quat.get_right()), atol=1e-5)
        np.testing.assert_allclose(up, tuple(quat.get_up()), atol=1e-5)
