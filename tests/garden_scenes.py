"""Renders garden views offscreen (llvmpipe) for tests/test_garden_render.py.

Run as ``python -m tests.garden_scenes OUT``: one ShowBase, several scenes, one PNG each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from panda3d.core import Filename, PerspectiveLens, load_prc_file_data

from engine.garden.culling import Eye
from engine.garden.garden import LivingGarden
from engine.garden.lod import LodRings
from engine.garden.meshes import generate_species_meshes
from engine.garden.naive import naive_garden
from engine.garden.render import GardenRenderer
from engine.garden.shading import GardenLook
from engine.garden.spec import GardenSpec, Source

FULL_DETAIL = LodRings((1e6, 2e6, 3e6), 1.0)


def main(out: Path) -> None:
    load_prc_file_data(
        "garden-scenes",
        "load-display p3headlessgl\nwindow-type offscreen\nwin-size 192 128\n"
        "framebuffer-multisample 0\ntextures-power-2 none\naudio-library-name null\n"
        "sync-video false\nnotify-level-device fatal\nnotify-level-egldisplay error\n",
    )
    from direct.showbase.ShowBase import ShowBase

    base = ShowBase()
    base.setBackgroundColor(0.02, 0.03, 0.06, 1)
    meshes = generate_species_meshes()
    look = GardenLook()
    lens = PerspectiveLens()
    lens.set_fov(80, 60)
    lens.set_near_far(0.05, 500)
    base.cam.node().set_lens(lens)
    stats: dict[str, object] = {}

    def view(eye: Eye) -> None:
        base.cam.set_pos(eye.x, eye.y, eye.z)
        base.cam.set_hpr(eye.heading, eye.pitch, 0)

    def shoot(name: str) -> None:
        base.graphicsEngine.render_frame()
        base.graphicsEngine.render_frame()
        base.win.save_screenshot(Filename.from_os_specific(str(out / f"{name}.png")))

    # 1. A small garden, half blighted: one node per plant vs instanced, all full detail.
    small = LivingGarden(
        GardenSpec(size=12, plants=300, seed=3, sources=(Source(4, 4),), chunk_size=3)
    )
    small.set_blight(0.4, settle=True)
    # Standing inside the garden, so chunks at the frustum's sides and behind are culled.
    eye = Eye(-1, -2, 1.3, heading=-25, pitch=-12, fov_x=82, fov_y=62, far=500)
    view(eye)
    naive = naive_garden(base.render, small, meshes, look, exact=True)
    shoot("naive")
    naive.remove_node()
    renderer = GardenRenderer(base.render, small, meshes, FULL_DETAIL)
    renderer.update((eye,), 0.0)
    stats["instanced"] = renderer.stats.__dict__
    shoot("instanced")
    # Cull nothing: a frustum as wide as it gets, the same picture is expected.
    renderer.update((Eye(-1, -2, 1.3, heading=-25, pitch=-12, fov_x=179, fov_y=179),), 0.0)
    stats["unculled"] = renderer.stats.__dict__
    shoot("unculled")
    # What a frame re-uploads: the visible list always; the blight grid only when it changed;
    # the plants never.
    textures = {
        "plants": renderer._plants,
        "visible": renderer._rows,
        "blight": renderer._blight,
    }

    def modified() -> dict[str, int]:
        return {name: t.get_image_modified().get_seq() for name, t in textures.items()}

    before = modified()
    renderer.update((eye,), 0.5)
    still = modified()
    small.spread_blight(0.2)
    small.advance(0.2)
    renderer.update((eye,), 0.6)
    after = modified()
    stats["uploads"] = {
        name: [still[name] != before[name], after[name] != still[name]] for name in textures
    }
    renderer.remove()

    # 2. A wider garden: full detail everywhere vs the level-of-detail rings.
    wide = LivingGarden(GardenSpec(size=90, plants=16000, seed=8, chunk_size=6))
    eye = Eye(0, 0, 1.6, heading=20, pitch=-8, fov_x=82, fov_y=62, far=500)
    view(eye)
    for name, rings in (("full", FULL_DETAIL), ("lod", LodRings((8.0, 24.0, 1e6), 1.0))):
        renderer = GardenRenderer(base.render, wide, meshes, rings)
        renderer.update((eye,), 0.0)
        stats[name] = renderer.stats.__dict__
        shoot(name)
        renderer.remove()
    (out / "stats.json").write_text(json.dumps(stats))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
