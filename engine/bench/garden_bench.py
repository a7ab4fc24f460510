"""``glowgrove bench garden``: the instanced garden against Panda3D's own ways, in one run.

Every configuration runs in its own process (one ShowBase per process) on the same machine,
one after another, so their ratios hold on a noisy shared CPU. The CPU side is measured with
Mesa's no-op driver (``GALLIUM_NOOP=1 GALLIUM_THREAD=0``, ``p3headlessgl``): it accepts every
GL call and rasterises nothing, so the figures are what the engine costs the CPU, not what
software rasterisation costs. Each frame is stereo: two display regions, one camera per eye.

Configurations: ours (instanced, culled, levels of detail) at 10k / 100k / 1M plants;
baseline A, one NodePath per plant (sharing one mesh per species) at 10k / 100k; baseline B,
``flattenStrong`` of all plants at 100k, flattened before the window opens. ``--quick`` runs
the same at 1k / 5k / 20k (A at 1k / 5k, B at 5k) for CI.

Counters, honestly: ``app_ms`` is our Python per-frame work (culling, level choice, building
and uploading the visible list; zero for the baselines); ``cull_ms`` and ``draw_ms`` are the
time spent inside Panda3D's cull and draw traversals of both eyes' display regions (timed
around ``upcall()`` in DisplayRegion callbacks); ``cpu_ms`` is the wall time of the whole frame
(our work plus ``render_frame``). Draw calls, instances and triangles for ours are counted by
the renderer from what it submits. For the baselines no driver counter is read: draw calls are
the plants (A) or merged Geoms (B) whose bounds intersect an eye's frustum, computed in numpy
the way Panda3D's cull decides, and triangles are the triangles of those.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

__all__ = ["run_garden_bench"]

HEADINGS = tuple(range(0, 360, 30))  # 12 fixed headings from inside the garden
WARMUP = 3
EYE_HEIGHT = 1.6
PITCH = -8.0
FOV = (100.0, 100.0)
IPD = 0.064


def _eyes(heading: float) -> tuple[Any, ...]:
    from engine.garden.culling import Eye, stereo_eyes

    return stereo_eyes(Eye(0.0, 0.0, EYE_HEIGHT, heading, PITCH, FOV[0], FOV[1], 0.05, 2000.0))


def _open_stereo(width: int = 320, height: int = 180) -> Any:
    from panda3d.core import Camera, PerspectiveLens, load_prc_file_data

    load_prc_file_data(
        "garden-bench",
        f"load-display p3headlessgl\nwindow-type offscreen\nwin-size {width} {height}\n"
        "framebuffer-multisample 0\ntextures-power-2 none\naudio-library-name null\n"
        "sync-video false\nnotify-level-device fatal\nnotify-level-egldisplay error\n"
        "default-directnotify-level warning\n",
    )
    from direct.showbase.ShowBase import ShowBase

    base = ShowBase()
    lens = PerspectiveLens()
    lens.set_fov(*FOV)
    lens.set_near_far(0.05, 2000.0)
    base.cam.node().set_lens(lens)
    left_region = base.camNode.get_display_region(0)
    left_region.set_dimensions(0, 0.5, 0, 1)
    right = base.camera.attach_new_node(Camera("right-eye", lens))
    right_region = base.win.make_display_region(0.5, 1, 0, 1)
    right_region.set_camera(right)
    base.cam.set_x(-IPD / 2)
    right.set_x(IPD / 2)
    base.camera.set_pos(0, 0, EYE_HEIGHT)
    return base, (left_region, right_region)


class _Traversals:
    """Times Panda3D's cull and draw of each display region around ``upcall()``."""

    def __init__(self, regions: tuple[Any, ...]) -> None:
        from panda3d.core import PythonCallbackObject

        self.cull = 0.0
        self.draw = 0.0

        def cull(data: Any) -> None:
            started = time.perf_counter()
            data.upcall()
            self.cull += time.perf_counter() - started

        def draw(data: Any) -> None:
            started = time.perf_counter()
            data.upcall()
            self.draw += time.perf_counter() - started

        for region in regions:
            region.set_cull_callback(PythonCallbackObject(cull))
            region.set_draw_callback(PythonCallbackObject(draw))


def _spheres_in_view(centres: np.ndarray, radii: np.ndarray, eye: Any) -> np.ndarray:
    from engine.garden.culling import frustum_planes

    planes = frustum_planes(eye)
    distance = centres @ planes[:, :3].T + planes[:, 3]
    return np.asarray(np.all(distance >= -radii[:, None], axis=1))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _garden(plants: int) -> Any:
    from engine.garden.garden import LivingGarden
    from engine.garden.spec import GardenSpec

    garden = LivingGarden(GardenSpec.square(plants, seed=11))
    garden.set_blight(0.3, settle=True)
    return garden


def _child(kind: str, plants: int, rounds: int) -> dict[str, object]:
    from engine.garden.meshes import generate_species_meshes

    started = time.perf_counter()
    meshes = generate_species_meshes()
    garden = _garden(plants)
    merged_bounds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    prebuilt = None
    if kind == "flatten":
        prebuilt, merged_bounds = _flattened(garden, meshes)
    base, regions = _open_stereo()
    traversals = _Traversals(regions)
    renderer = None
    if kind == "ours":
        from engine.garden.render import GardenRenderer

        renderer = GardenRenderer(base.render, garden, meshes)
    elif kind == "naive":
        from engine.garden.naive import naive_garden
        from engine.garden.shading import GardenLook

        naive_garden(base.render, garden, meshes, GardenLook(), exact=False)
    else:
        assert prebuilt is not None
        prebuilt.reparent_to(base.render)
    if renderer is not None:
        renderer.update(_eyes(0.0), 0.0)
    base.graphicsEngine.render_frame()
    build_s = time.perf_counter() - started

    field = garden.field
    plant_tris = meshes.triangles(0)
    heights = np.array([0.47, 0.71, 0.8, 0.5], np.float32)[field.species] * field.scale
    centres = np.zeros((field.count, 3), np.float32)
    centres[:, :2] = field.positions
    centres[:, 2] = heights / 2
    radii = np.hypot(heights / 2, 0.2 * field.scale).astype(np.float32)

    rows: list[dict[str, float]] = []
    frame = 0
    sequence = [0.0] * WARMUP + [float(h) for _ in range(rounds) for h in HEADINGS]
    for index, heading in enumerate(sequence):
        base.camera.set_h(heading)
        eyes = _eyes(heading)
        traversals.cull = traversals.draw = 0.0
        frame_start = time.perf_counter()
        if renderer is not None:
            renderer.update(eyes, frame / 90)
        app_done = time.perf_counter()
        base.graphicsEngine.render_frame()
        frame_end = time.perf_counter()
        frame += 1
        if index < WARMUP:
            continue
        if renderer is not None:
            draws = float(renderer.stats.draws)
            instances = float(renderer.stats.instances)
            triangles = float(renderer.stats.triangles)
        elif merged_bounds is not None:
            centre, radius, tris = merged_bounds
            seen = [_spheres_in_view(centre, radius, eye) for eye in eyes]
            draws = float(np.mean([s.sum() for s in seen]))
            instances = float("nan")
            triangles = float(np.mean([tris[s].sum() for s in seen]))
        else:
            seen = [_spheres_in_view(centres, radii, eye) for eye in eyes]
            draws = instances = float(np.mean([s.sum() for s in seen]))
            triangles = instances * plant_tris
        rows.append(
            {
                "cpu": (frame_end - frame_start) * 1000,
                "app": (app_done - frame_start) * 1000,
                "cull": traversals.cull * 1000,
                "draw": traversals.draw * 1000,
                "draws": draws,
                "instances": instances,
                "triangles": triangles,
            }
        )
    sim_ms = _sim_tick_ms(garden) if kind == "ours" else None
    base.destroy()
    cpu = sorted(r["cpu"] for r in rows)
    result: dict[str, object] = {
        "bench": "garden-config",
        "renderer": {"ours": "instanced", "naive": "naive-nodepaths", "flatten": "flatten-strong"}[
            kind
        ],
        "plants": plants,
        "stereo": True,
        "frames": len(rows),
        "cpu_ms_median": round(statistics.median(cpu), 3),
        "cpu_ms_p90": round(cpu[min(len(cpu) - 1, math.ceil(0.9 * len(cpu)) - 1)], 3),
        "app_ms_median": round(statistics.median(r["app"] for r in rows), 3),
        "cull_ms_median": round(statistics.median(r["cull"] for r in rows), 3),
        "draw_ms_median": round(statistics.median(r["draw"] for r in rows), 3),
        "draws_per_eye": round(statistics.median(r["draws"] for r in rows), 1),
        "instances_per_eye": None
        if kind == "flatten"
        else round(statistics.median(r["instances"] for r in rows)),
        "triangles_per_eye_median": round(statistics.median(r["triangles"] for r in rows)),
        "triangles_per_eye_max": round(max(r["triangles"] for r in rows)),
        "visible_fraction": None
        if kind == "flatten"
        else round(statistics.median(r["instances"] for r in rows) / max(1, plants), 4),
        "build_s": round(build_s, 3),
        "peak_rss_mb": round(_rss_mb(), 1),
        "counted_by": "renderer" if kind == "ours" else "bounds-in-frustum estimate (numpy)",
    }
    if sim_ms is not None:
        result["sim_tick_ms"] = sim_ms
    return result


def _sim_tick_ms(garden: Any) -> float:
    """Median of 30 blight ticks while the blight is spreading and a healing wave runs."""
    field = garden.blight_field
    field.spread(0.3)
    field.restore(0.0, 0.0, garden.spec.size / 4)
    times = []
    for _ in range(30):
        started = time.perf_counter()
        field.step()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def _flattened(garden: Any, meshes: Any) -> tuple[Any, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Baseline B: every plant a node, then ``flattenStrong`` before any window exists."""
    from panda3d.core import NodePath

    from engine.garden.naive import naive_garden
    from engine.garden.shading import GardenLook

    holder = NodePath("flatten-holder")
    root = naive_garden(holder, garden, meshes, GardenLook(), exact=False)
    root.flatten_strong()
    centres, radii, triangles = [], [], []
    for node_path in root.find_all_matches("**/+GeomNode"):
        node = node_path.node()
        for index in range(node.get_num_geoms()):
            geom = node.get_geom(index)
            bounds = geom.get_bounds()
            centre = bounds.get_center()
            centres.append((centre.x, centre.y, centre.z))
            radii.append(bounds.get_radius())
            triangles.append(sum(p.get_num_faces() for p in geom.get_primitives()))
    return root, (
        np.array(centres, np.float32),
        np.array(radii, np.float32),
        np.array(triangles, np.float64),
    )


def _run_child(kind: str, plants: int, rounds: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update({"GALLIUM_NOOP": "1", "GALLIUM_THREAD": "0"})
    command = [
        sys.executable,
        "-m",
        "engine.bench.garden_bench",
        "--child",
        kind,
        "--plants",
        str(plants),
        "--rounds",
        str(rounds),
    ]
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"garden benchmark child {kind} failed: {result.stderr[-2000:]}")
    row: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return row


def run_garden_bench(quick: bool, out: TextIO) -> dict[str, object]:
    if quick:
        ours_sizes, naive_sizes, flatten_size, rounds = (
            (1_000, 5_000, 20_000),
            (1_000, 5_000),
            5_000,
            1,
        )
    else:
        ours_sizes, naive_sizes, flatten_size, rounds = (
            (10_000, 100_000, 1_000_000),
            (10_000, 100_000),
            100_000,
            2,
        )
    compare = naive_sizes[-1]
    plan = [("ours", n) for n in ours_sizes]
    plan += [("naive", n) for n in naive_sizes]
    plan.append(("flatten", flatten_size))
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, plants in plan:
        row = _run_child(kind, plants, rounds)
        results[(kind, plants)] = row
        out.write(json.dumps(row) + "\n")
        out.flush()
    largest = results[("ours", ours_sizes[-1])]
    naive = results[("naive", compare)]
    ours_compare = results.get(("ours", compare))
    ours_ms = ours_compare["cpu_ms_median"] if ours_compare else None
    summary: dict[str, object] = {
        "bench": "garden",
        "plants": ours_sizes[-1],
        "cpu_ms_median": largest["cpu_ms_median"],
        "draws_per_eye": largest["draws_per_eye"],
        "triangles_per_eye": largest["triangles_per_eye_max"],
        "naive_100k_cpu_ms_median": naive["cpu_ms_median"],
        "ours_100k_cpu_ms_median": ours_ms,
        "speedup_vs_naive_100k": round(naive["cpu_ms_median"] / ours_ms, 1) if ours_ms else None,
        "sim_tick_ms": largest.get("sim_tick_ms"),
        "build_s": largest["build_s"],
        "peak_rss_mb": largest["peak_rss_mb"],
        "flatten_100k_cpu_ms_median": results[("flatten", flatten_size)]["cpu_ms_median"],
        "flatten_100k_build_s": results[("flatten", flatten_size)]["build_s"],
        "quick": quick,
        "compare_plants": compare,
        "driver": "GALLIUM_NOOP=1 GALLIUM_THREAD=0 p3headlessgl",
    }
    out.write(json.dumps(summary) + "\n")
    return summary


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("ours", "naive", "flatten"), required=True)
    parser.add_argument("--plants", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(_child(args.child, args.plants, args.rounds)))


if __name__ == "__main__":
    _main()
