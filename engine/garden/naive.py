"""The baselines the instanced renderer is measured and checked against.

``naive_garden``: one Panda3D NodePath per plant, what a Panda3D user writes first. With
``exact`` each plant gets its own copy of the full-detail mesh with the shader's colours baked
into its vertices (the reference image for tests); without, plants share one mesh per species
and differ by a colour scale (the cheaper form, for the benchmark's baseline).
"""

from __future__ import annotations

import numpy as np
from panda3d.core import NodePath

from engine.garden.garden import LivingGarden
from engine.garden.meshes import SpeciesMeshes
from engine.garden.shading import GardenLook, quantised_blight, vertex_colours
from engine.scene.meshes import mesh_node

__all__ = ["naive_garden"]


def naive_garden(
    parent: NodePath,
    garden: LivingGarden,
    meshes: SpeciesMeshes,
    look: GardenLook,
    *,
    exact: bool,
    time: float = 0.0,
) -> NodePath:
    root = parent.attach_new_node("naive-garden")
    root.set_light_off(1)
    field = garden.field
    blight = quantised_blight(garden.blight_field.blight_at(field.positions))
    count = meshes.count(0)
    indices = np.arange(count, dtype=np.uint32)
    shared: list[NodePath] = []
    if not exact:
        for species in range(len(look.tints)):
            rows = meshes.species(0, species)
            colours = np.ones((count, 4), np.float32)
            colours[:, :3] = vertex_colours(rows, species, 0.0, 1.0, 0.25, look, 0.0)
            node = mesh_node(f"species{species}", (rows[:, 0:3], rows[:, 4:7], colours, indices))
            shared.append(NodePath(node))
    for plant in range(field.count):
        species = int(field.species[plant])
        holder = root.attach_new_node("plant")
        holder.set_pos(float(field.positions[plant, 0]), float(field.positions[plant, 1]), 0.0)
        holder.set_h(float(field.heading[plant]))
        holder.set_scale(float(field.scale[plant]))
        if exact:
            rows = meshes.species(0, species)
            colours = np.ones((count, 4), np.float32)
            colours[:, :3] = vertex_colours(
                rows,
                species,
                float(blight[plant]),
                float(field.threshold[plant]),
                float(field.phase[plant]),
                look,
                time,
            )
            holder.attach_new_node(
                mesh_node("plant", (rows[:, 0:3], rows[:, 4:7], colours, indices))
            )
        else:
            shared[species].instance_to(holder)
            lit = 1.0 if blight[plant] < field.threshold[plant] else 0.4
            holder.set_color_scale(lit, lit, lit, 1.0)
    return root
