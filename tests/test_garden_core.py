"""The garden's pure core: scatter, chunks, culling, levels of detail, the frame plan, blight."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.garden.blight import TICK
from engine.garden.culling import (
    Eye,
    cull_boxes,
    cull_boxes_reference,
    frustum_planes,
    points_inside,
    stereo_eyes,
)
from engine.garden.field import scatter
from engine.garden.frame import plan_frame
from engine.garden.garden import LivingGarden
from engine.garden.lod import HIDDEN, LodRings, chunk_distances, select_lod
from engine.garden.meshes import SPECIES_HEIGHT, generate_species_meshes, load_species_meshes
from engine.garden.spec import Clearing, GardenSpec, Source
from engine.garden.spec import Path as WalkPath

ROOT = Path(__file__).resolve().parent.parent

eyes_strategy = st.builds(
    Eye,
    x=st.floats(-60, 60),
    y=st.floats(-60, 60),
    z=st.floats(0.2, 20),
    heading=st.floats(-360, 360),
    pitch=st.floats(-89, 89),
    fov_x=st.floats(20, 150),
    fov_y=st.floats(20, 120),
    near=st.floats(0.01, 2),
    far=st.floats(5, 300),
    roll=st.floats(-180, 180),
)


@st.composite
def boxes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    count = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    low = rng.uniform(-80, 80, (count, 3)).astype(np.float32)
    size = rng.uniform(0, 30, (count, 3)).astype(np.float32)
    return low, low + size


@settings(max_examples=150)
@given(boxes(), st.lists(eyes_strategy, min_size=1, max_size=2))
def test_culling_equals_brute_force(box: tuple[np.ndarray, np.ndarray], eyes: list[Eye]) -> None:
    planes = np.stack([frustum_planes(eye) for eye in eyes])
    low, high = box
    assert np.array_equal(cull_boxes(low, high, planes), cull_boxes_reference(low, high, planes))


@settings(max_examples=40)
@given(eyes_strategy, st.integers(0, 1000))
def test_no_plant_inside_the_view_is_culled(eye: Eye, seed: int) -> None:
    field = scatter(GardenSpec(size=120, plants=3000, seed=seed, chunk_size=10))
    planes = np.stack([frustum_planes(e) for e in stereo_eyes(eye)])
    visible = cull_boxes(field.bounds_min, field.bounds_max, planes)
    chunk_of = np.repeat(np.arange(field.chunks), field.chunk_count)
    for height in (0.0, 0.3):  # a plant's foot and its head
        points = np.zeros((field.count, 3), np.float32)
        points[:, :2] = field.positions
        points[:, 2] = height * field.scale
        seen = points_inside(points, planes)
        assert np.all(visible[chunk_of[seen]])


def test_stereo_eyes_stand_apart_along_the_right_axis() -> None:
    left, right = stereo_eyes(Eye(1, 2, 1.6, heading=90), separation=0.064)
    # Heading 90 looks along -X, so the right hand points along +Y.
    assert left.y == pytest.approx(2 - 0.032) and right.y == pytest.approx(2 + 0.032)
    assert left.x == pytest.approx(1) and right.x == pytest.approx(1)


def test_scatter_is_deterministic_chunked_and_respects_clearings_and_paths() -> None:
    spec = GardenSpec(
        size=80,
        plants=5000,
        seed=4,
        clearings=(Clearing(0, 0, 6),),
        paths=(WalkPath(((-40.0, -20.0), (40.0, -20.0)), 3.0),),
        chunk_size=10,
    )
    field = scatter(spec)
    again = scatter(spec)
    assert field.count == 5000
    assert np.array_equal(field.positions, again.positions)
    assert np.all(np.hypot(field.positions[:, 0], field.positions[:, 1]) > 6)
    assert np.all(np.abs(field.positions[:, 1] + 20) > 1.5)
    assert field.chunk_count.sum() == field.count
    assert np.array_equal(field.chunk_first[1:], np.cumsum(field.chunk_count)[:-1])
    # Each chunk's plants are contiguous and lie inside its box.
    chunk_of = np.repeat(np.arange(field.chunks), field.chunk_count)
    low, high = field.bounds_min[chunk_of], field.bounds_max[chunk_of]
    assert np.all((field.positions >= low[:, :2]) & (field.positions <= high[:, :2]))
    tops = SPECIES_HEIGHT[field.species] * field.scale
    assert np.all(tops <= high[:, 2] + 1e-6)


def test_lod_rings_follow_distance() -> None:
    rings = LodRings((10.0, 30.0, 100.0), margin=2.0)
    distances = np.array([0, 9.9, 10.1, 29, 31, 99, 101], np.float32)
    assert select_lod(distances, None, rings).tolist() == [0, 0, 1, 1, 2, 2, HIDDEN]


@settings(max_examples=100)
@given(
    st.floats(-50, 50),
    st.floats(-50, 50),
    st.lists(st.tuples(st.floats(-0.9, 0.9), st.floats(-0.9, 0.9)), min_size=1, max_size=30),
)
def test_lod_is_stable_under_tiny_camera_moves(
    x: float, y: float, jitter: list[tuple[float, float]]
) -> None:
    """A head swaying by less than half the margin never makes any chunk change level."""
    field = scatter(GardenSpec(size=100, plants=2000, seed=2, chunk_size=5))
    rings = LodRings((8.0, 20.0, 45.0), margin=2.0)
    first = select_lod(chunk_distances(field.bounds_min, field.bounds_max, x, y), None, rings)
    levels = first
    for dx, dy in jitter:
        distances = chunk_distances(field.bounds_min, field.bounds_max, x + dx, y + dy)
        levels = select_lod(distances, levels, rings)
        assert np.array_equal(levels, first)


def test_lod_does_not_flicker_across_a_ring() -> None:
    rings = LodRings((10.0, 30.0, 100.0), margin=1.0)
    level = select_lod(np.array([10.2], np.float32), None, rings)
    assert level.tolist() == [1]
    for distance in (9.8, 10.3, 9.5, 10.9, 9.1):
        level = select_lod(np.array([distance], np.float32), level, rings)
        assert level.tolist() == [1]
    level = select_lod(np.array([8.9], np.float32), level, rings)
    assert level.tolist() == [0]


def test_frame_plan_draws_each_visible_plant_once_at_its_chunk_level() -> None:
    field = scatter(GardenSpec(size=200, plants=20000, seed=5, chunk_size=8))
    eyes = stereo_eyes(Eye(3, -4, 1.6, heading=30, pitch=-10, far=500))
    rings = LodRings((10.0, 30.0, 80.0), margin=2.0)
    plan = plan_frame(field, eyes, None, rings)
    planes = np.stack([frustum_planes(eye) for eye in eyes])
    visible = cull_boxes(field.bounds_min, field.bounds_max, planes)
    expected_plants: list[int] = []
    for level in range(3):
        rows = plan.rows[plan.row_offset[level] : plan.row_offset[level] + plan.row_count[level]]
        # What the vertex shader does for each instance: the last row starting at or before it.
        instance = np.arange(plan.instances[level])
        row = np.searchsorted(rows[:, 1], instance, side="right") - 1
        plants = rows[row, 0].astype(int) + instance - rows[row, 1].astype(int)
        chunks = np.searchsorted(field.chunk_first, plants, side="right") - 1
        assert np.all(plan.lod[chunks] == level)
        expected_plants.extend(plants.tolist())
    assert len(set(expected_plants)) == len(expected_plants) == sum(plan.instances)
    drawn = (plan.lod >= 0) & (plan.lod < HIDDEN)
    assert np.array_equal(drawn, visible & (field.chunk_count > 0) & (plan.lod < HIDDEN))
    assert sum(plan.instances) == int(field.chunk_count[drawn].sum())


def test_blight_creeps_out_from_its_source_and_healing_spreads_as_a_wave() -> None:
    garden = LivingGarden(
        GardenSpec(size=64, plants=4000, seed=1, sources=(Source(20, 20),), chunk_size=8)
    )
    field = garden.blight_field
    garden.set_blight(0.5)
    assert garden.advance(TICK * 3) == 3
    early = field.blight.copy()
    near = field.blight_at(np.array([[20, 20]], np.float32))[0]
    far = field.blight_at(np.array([[-20, -20]], np.float32))[0]
    assert near > 0 and far == 0
    for _ in range(20):
        garden.advance(1.0)
    assert np.all(field.blight >= early)
    assert (field.blight > 0.99).mean() == pytest.approx(0.5, abs=0.02)
    sick_before = int((~garden.healthy).sum())
    assert sick_before > 1000
    assert garden.restore_area(20, 20, 12) > 0
    garden.advance(TICK * 4)
    middle = field.blight_at(np.array([[20, 20], [29, 20]], np.float32))
    assert middle[0] < middle[1]  # the wave starts where the children tend
    for _ in range(10):
        garden.advance(1.0)
    healed = field.blight_at(np.array([[20, 20], [28, 20]], np.float32))
    assert np.all(healed == 0)
    assert int((~garden.healthy).sum()) < sick_before
    garden.spread_blight(0.1)  # the blight pushes on; the restored area is not protected
    garden.settle()
    assert field.blight_at(np.array([[20, 20]], np.float32))[0] == 1.0
    garden.set_blight(0.0, settle=True)
    assert garden.healthy.all()


def test_species_meshes_share_vertex_counts_and_the_cache_matches_the_code(
    tmp_path: Path,
) -> None:
    meshes = generate_species_meshes()
    for level in range(3):
        assert len(meshes.vertices[level]) == 4 * meshes.count(level)
        assert meshes.count(level) % 3 == 0
    assert meshes.triangles(0) > meshes.triangles(1) > meshes.triangles(2)
    cached = load_species_meshes(tmp_path)
    assert len(list((tmp_path / "garden").glob("species-*.npy"))) == 3
    again = load_species_meshes(tmp_path)
    committed = load_species_meshes(ROOT / "assets")
    for level in range(3):
        assert np.array_equal(cached.vertices[level], again.vertices[level])
        np.testing.assert_allclose(committed.vertices[level], meshes.vertices[level], atol=1e-5)
