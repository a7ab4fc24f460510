"""The environment around the story: sky, ground, light, and the (placeholder) glowing garden.

Geometry is built once; story changes only rewrite vertex colours in place, so a scene change
costs a few buffer copies rather than a frame hitch.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from panda3d.core import AmbientLight, DirectionalLight, NodePath

from engine.scene.garden_model import GardenModel
from engine.scene.meshes import Mesh, MeshHandle, cylinder, disc, merge, sphere
from engine.scene.palette import EnvironmentLook

__all__ = ["World"]

_DAYLIGHT = {"dawn": 0.75, "day": 1.0, "dusk": 0.6, "night": 0.4}
_SKY_RADIUS = 300.0


class World:
    def __init__(self, render: NodePath, seed: int = 7, plants: int = 600) -> None:
        self.root = render.attach_new_node("world")
        self.garden = GardenModel.scatter(plants, seed)
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
        self._plants_np = self.root.attach_new_node("garden")
        self._plants_np.set_light_off(1)  # the glow is emissive: it does not need the sun
        self._plants: MeshHandle | None = None
        self._vertices_per_plant = np.zeros(0, dtype=np.int64)
        if plants > 0:
            self._plants = MeshHandle("plants", self._build_plants())
            self._plants_np.attach_new_node(self._plants.node)
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

    def _build_plants(self) -> Mesh:
        garden = self.garden
        pieces: list[Mesh] = []
        for (x, y), scale, species in zip(
            garden.positions, garden.scales, garden.species, strict=True
        ):
            height = 0.25 * scale * (1 + 0.35 * species)
            stem = cylinder(0.02 * scale, 0.015 * scale, height, (1, 1, 1, 1), (x, y, 0), 6)
            cap = sphere(
                (0.08 + 0.03 * species) * scale,
                (1, 1, 1, 1),
                (x, y, height),
                segments=8,
                rings=5,
                squash=0.55 if species % 2 == 0 else 1.2,
            )
            pieces.append(merge([stem, cap]))
        self._vertices_per_plant = np.array([len(p[0]) for p in pieces])
        return merge(pieces)

    def _plant_colors(self, look: EnvironmentLook) -> npt.NDArray[np.float32]:
        healthy = self.garden.healthy
        glow = np.asarray((*look.plant_glow, 1.0), np.float32)
        dim = np.asarray((*look.plant_blighted, 1.0), np.float32)
        per_plant = np.where(healthy[:, None], glow[None, :], dim[None, :])
        # Species tint: a little variety without changing brightness much.
        tint = np.array(
            [[1.0, 1.0, 1.0, 1], [0.85, 1.05, 1.1, 1], [1.1, 0.9, 1.05, 1], [1.0, 1.1, 0.85, 1]],
            np.float32,
        )[self.garden.species]
        per_plant = np.clip(per_plant * np.where(healthy[:, None], tint, 1.0), 0, 1)
        return np.repeat(per_plant, self._vertices_per_plant, axis=0).astype(np.float32)

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
            self._plants.set_colors(self._plant_colors(look))
        self._ambient.node().set_color((*lighting.ambient, 1))
        self._sun.node().set_color((*lighting.sun, 1))
        self._sun.set_hpr(35, -lighting.sun_pitch, 0)

    def update(self, dt: float) -> None:
        """A slow breathing of the glow (0.2 Hz, +-6%): alive, never flashing."""
        self._pulse_time += dt
        pulse = 0.94 + 0.06 * math.sin(self._pulse_time * 2 * math.pi * 0.2)
        self._plants_np.set_color_scale(pulse, pulse, pulse, 1)

    @property
    def look(self) -> EnvironmentLook | None:
        return self._look

    def close(self) -> None:
        """Leave the scene graph (the desktop player swaps worlds between home and stories)."""
        self._render.clear_light(self._ambient)
        self._render.clear_light(self._sun)
        self.root.remove_node()
