"""The environment around the story: sky, ground, light, and the (placeholder) glowing garden."""

from __future__ import annotations

import math

import numpy as np
from panda3d.core import (
    AmbientLight,
    DirectionalLight,
    NodePath,
)

from engine.scene.garden_model import GardenModel
from engine.scene.meshes import Mesh, cylinder, disc, merge, mesh_node, sphere
from engine.scene.palette import EnvironmentLook

__all__ = ["World"]

_SPECIES_SHAPES = 4
_DAYLIGHT = {"dawn": 0.75, "day": 1.0, "dusk": 0.6, "night": 0.4}


class World:
    def __init__(self, render: NodePath, seed: int = 7, plants: int = 600) -> None:
        self.root = render.attach_new_node("world")
        self.garden = GardenModel.scatter(plants, seed)
        self._sky = self.root.attach_new_node("sky")
        self._ground = self.root.attach_new_node("ground")
        self._plants = self.root.attach_new_node("garden")
        self._plants.set_light_off(1)  # the glow is emissive: it does not need the sun
        self._plant_mesh = self._build_plants()
        self._ambient = self.root.attach_new_node(AmbientLight("ambient"))
        self._sun = self.root.attach_new_node(DirectionalLight("sun"))
        render.set_light(self._ambient)
        render.set_light(self._sun)
        self._look: EnvironmentLook | None = None
        self._pulse_time = 0.0
        self._ground_height = self._make_ground_height(seed)

    # -- building ------------------------------------------------------------------------------

    @staticmethod
    def _make_ground_height(seed: int) -> np.ndarray:
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

    def _plant_colors(self, look: EnvironmentLook) -> np.ndarray:
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
        self._sky.get_children().detach()
        self._sky.attach_new_node(self._sky_node(lighting.sky_top, lighting.sky_horizon))
        self._sky.set_light_off(1)
        self._sky.set_bin("background", 0)
        self._sky.set_depth_write(False)
        self._sky.set_two_sided(True)
        self._ground.get_children().detach()
        light = _DAYLIGHT.get(look.time, 0.6)
        red, green, blue = (min(1.0, c * light * 1.6) for c in look.ground)
        ground = disc(60, (red, green, blue, 1.0), height=self._ground_height)
        self._ground.attach_new_node(mesh_node("ground", ground))
        self._ground.set_light_off(1)  # soft, even light: no harsh shading on the floor
        positions, normals, _, indices = self._plant_mesh
        colors = self._plant_colors(look)
        self._plants.get_children().detach()
        self._plants.attach_new_node(mesh_node("plants", (positions, normals, colors, indices)))
        self._ambient.node().set_color((*lighting.ambient, 1))
        self._sun.node().set_color((*lighting.sun, 1))
        self._sun.set_hpr(35, -lighting.sun_pitch, 0)

    @staticmethod
    def _sky_node(top: tuple[float, float, float], horizon: tuple[float, float, float]) -> object:
        positions, normals, colors, indices = sphere(300, (1, 1, 1, 1), segments=24, rings=12)
        height = np.clip(positions[:, 2] / 300.0, 0, 1)[:, None]
        blend = np.sqrt(height)
        colors[:, :3] = np.asarray(horizon) * (1 - blend) + np.asarray(top) * blend
        return mesh_node("sky", (positions, -normals, colors, indices))

    def update(self, dt: float) -> None:
        """A slow breathing of the glow (0.2 Hz, +-6%): alive, never flashing."""
        self._pulse_time += dt
        pulse = 0.94 + 0.06 * math.sin(self._pulse_time * 2 * math.pi * 0.2)
        self._plants.set_color_scale(pulse, pulse, pulse, 1)

    @property
    def look(self) -> EnvironmentLook | None:
        return self._look

    def ground_height(self, x: float, y: float) -> float:
        return 0.0  # the stage area is flat by construction; see _make_ground_height
