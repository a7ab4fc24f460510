"""The environment around the story: sky, ground, light, and the living glowing garden.

Sky and ground are built once and recoloured in place. The garden is the performance core's
instanced renderer (``engine.garden``): story changes set a few shader inputs, the blight
simulation steps at its fixed tick, and each frame only the visible list is uploaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from panda3d.core import AmbientLight, DirectionalLight, NodePath

from engine.garden.culling import Eye
from engine.garden.garden import LivingGarden
from engine.garden.meshes import load_species_meshes
from engine.garden.render import GardenRenderer, eye_from_camera
from engine.garden.shading import GardenLook
from engine.garden.spec import Clearing, GardenSpec, Source
from engine.scene.meshes import MeshHandle, disc, sphere
from engine.scene.palette import EnvironmentLook

__all__ = ["World"]

_DAYLIGHT = {"dawn": 0.75, "day": 1.0, "dusk": 0.6, "night": 0.4}
_SKY_RADIUS = 300.0
BLIGHT_SOURCE = (18.0, 22.0)  # where the waste facility's leak enters the garden
_STEM = (0.1, 0.17, 0.09)
_ASSETS = Path(__file__).resolve().parents[2] / "assets"  # the project's own (species cache)
# Without a viewer (tests that build a world without a camera), cull almost nothing.
_WIDE_EYE = Eye(0.0, 0.0, 1.6, 0.0, 0.0, 179.0, 179.0, 0.05, 1000.0)


def player_garden(plants: int, seed: int) -> GardenSpec:
    """The garden around a story: 60 m square, the stage and its approach kept clear."""
    return GardenSpec(
        size=60.0,
        plants=plants,
        seed=seed,
        sources=(Source(*BLIGHT_SOURCE),),
        clearings=(Clearing(0.0, 0.0, 3.0), Clearing(0.0, 4.0, 2.8)),
        chunk_size=6.0,
    )


class World:
    def __init__(self, render: NodePath, seed: int = 7, plants: int = 600) -> None:
        self.root = render.attach_new_node("world")
        sky = sphere(_SKY_RADIUS, (1, 1, 1, 1), segments=24, rings=12)
        self._sky = MeshHandle("sky", (sky[0], -sky[1], sky[2], sky[3]))
        sky_np = self.root.attach_new_node(self._sky.node)
        sky_np.set_light_off(1)
        sky_np.set_bin("background", 0)
        sky_np.set_depth_write(False)
        sky_np.set_two_sided(True)
        ground = disc(60, (1, 1, 1, 1), height=self._ground_height(seed))
        self._ground = MeshHandle("ground", ground)
        # Soft, even light on the floor: no harsh shading under the garden.
        self.root.attach_new_node(self._ground.node).set_light_off(1)
        self.garden = LivingGarden(player_garden(plants, seed))
        self._plants: GardenRenderer | None = None
        if plants > 0:
            meshes = load_species_meshes(_ASSETS if _ASSETS.is_dir() else None)
            self._plants = GardenRenderer(self.root, self.garden, meshes)
        self._viewers: list[tuple[NodePath, object]] = []
        self._ambient = self.root.attach_new_node(AmbientLight("ambient"))
        self._sun = self.root.attach_new_node(DirectionalLight("sun"))
        render.set_light(self._ambient)
        render.set_light(self._sun)
        self._render = render
        self._look: EnvironmentLook | None = None
        self._pulse_time = 0.0

    # -- building ------------------------------------------------------------------------------

    @staticmethod
    def _ground_height(seed: int) -> npt.NDArray[np.float32]:
        rng = np.random.default_rng(seed + 1)
        rings, segments = 24, 48
        radius = np.linspace(0, 60, rings + 1)[:, None]
        bumps = rng.normal(0, 0.25, (rings + 1, segments + 1))
        bumps[:, -1] = bumps[:, 0]
        flat = np.clip((radius - 8.0) / 20.0, 0, 1)  # keep the stage flat for teleporting
        return (bumps * flat).astype(np.float32)

    # -- applying the story ---------------------------------------------------------------------

    def apply(self, look: EnvironmentLook) -> None:
        """Recolour everything for ``look`` (scene changes and garden commands)."""
        self._look = look
        self.garden.glow = look.glow
        lighting = look.lighting
        positions = self._sky.mesh[0]
        blend = np.sqrt(np.clip(positions[:, 2] / _SKY_RADIUS, 0, 1))[:, None]
        sky = np.ones((len(positions), 4), np.float32)
        horizon, top = np.asarray(lighting.sky_horizon), np.asarray(lighting.sky_top)
        sky[:, :3] = horizon * (1 - blend) + top * blend
        self._sky.set_colors(sky)
        light = _DAYLIGHT.get(look.time, 0.6)
        ground = np.ones((len(self._ground.mesh[0]), 4), np.float32)
        ground[:, :3] = np.minimum(1.0, np.asarray(look.ground) * light * 1.6)
        self._ground.set_colors(ground)
        if self._plants is not None:
            self._plants.set_look(
                GardenLook(glow=look.plant_glow, dim=look.plant_blighted, stem=_STEM)
            )
        self._ambient.node().set_color((*lighting.ambient, 1))
        self._sun.node().set_color((*lighting.sun, 1))
        self._sun.set_hpr(35, -lighting.sun_pitch, 0)

    def set_viewer(self, camera: NodePath, lens: object, *more: tuple[NodePath, object]) -> None:
        """The camera (or, in a headset, the eyes: pass the others in ``more``) the garden is
        culled for; a chunk any of them sees is drawn, levels follow their midpoint."""
        self._viewers = [(camera, lens), *more]

    def update(self, dt: float) -> None:
        """Step the blight at its fixed tick; cull and upload the garden for this frame (its
        glow breathes at 0.2 Hz, +-6%, in the shader: alive, never flashing)."""
        self._pulse_time += dt
        self.garden.advance(dt)
        if self._plants is None:
            return
        eyes = tuple(eye_from_camera(camera, self._render, lens) for camera, lens in self._viewers)
        self._plants.update(eyes or (_WIDE_EYE,), self._pulse_time)

    @property
    def look(self) -> EnvironmentLook | None:
        return self._look

    def close(self) -> None:
        """Leave the scene graph (the desktop player swaps worlds between home and stories)."""
        self._render.clear_light(self._ambient)
        self._render.clear_light(self._sun)
        self.root.remove_node()
