"""The Panda3D side of the garden: three instanced draws (one per level of detail) per eye.

Plant data and species meshes go to the GPU once, as buffer textures. Each frame the pure core
culls chunks for every eye at once and picks levels of detail; this module uploads only that
small visible list and sets one instance count per level. Blight changes re-upload a one-byte-
per-cell grid texture, never the plants. Panda3D's own culling is told to leave the nodes
alone (an omnidirectional bound, ``set_final``): their vertices are placed by the shader, so
the bounds Panda3D would compute from the vertex data mean nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from panda3d.core import (
    Filename,
    Geom,
    GeomEnums,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    Mat4,
    NodePath,
    OmniBoundingVolume,
    SamplerState,
    Shader,
    Texture,
)

from engine.garden.culling import Eye
from engine.garden.frame import FramePlan, plan_frame
from engine.garden.garden import LivingGarden
from engine.garden.lod import LodRings
from engine.garden.meshes import LEVELS, SpeciesMeshes
from engine.garden.shading import GardenLook

__all__ = ["GardenRenderer", "RendererStats"]

SHADERS = Path(__file__).parent / "shaders"


@dataclass(frozen=True)
class RendererStats:
    """What the last frame submitted, per eye (every eye draws the same lists)."""

    draws: int
    instances: int
    triangles: int
    visible_chunks: int


def _buffer_texture(name: str, rows: np.ndarray, usage: int) -> Texture:
    texture = Texture(name)
    texture.setup_buffer_texture(max(1, len(rows)), Texture.T_float, Texture.F_rgba32, usage)
    data = np.zeros((max(1, len(rows)), 4), np.float32)
    data[: len(rows)] = rows
    texture.set_ram_image(data.tobytes())
    return texture


def _level_node(name: str, vertices: int) -> GeomNode:
    """A geom of ``vertices`` unindexed vertices whose only attribute is their number."""
    data = GeomVertexData(name, GeomVertexFormat.get_v3(), Geom.UH_static)
    data.unclean_set_num_rows(vertices)
    ids = np.zeros((vertices, 3), np.float32)
    ids[:, 0] = np.arange(vertices)
    memoryview(data.modify_array(0)).cast("B")[:] = ids.tobytes()
    triangles = GeomTriangles(Geom.UH_static)
    triangles.add_next_vertices(vertices)
    geom = Geom(data)
    geom.add_primitive(triangles)
    node = GeomNode(name)
    node.add_geom(geom)
    node.set_bounds(OmniBoundingVolume())
    node.set_final(True)
    return node


class GardenRenderer:
    def __init__(
        self,
        parent: NodePath,
        garden: LivingGarden,
        meshes: SpeciesMeshes,
        rings: LodRings | None = None,
    ) -> None:
        self.garden = garden
        self.meshes = meshes
        self.rings = rings or LodRings()
        self.root = parent.attach_new_node("garden")
        field = garden.field
        plants = np.zeros((field.count * 2, 4), np.float32)
        plants[0::2, 0:2] = field.positions
        plants[0::2, 2] = field.scale
        plants[0::2, 3] = np.radians(field.heading)
        plants[1::2, 0] = field.species
        plants[1::2, 1] = field.phase
        plants[1::2, 2] = field.threshold
        self._plants = _buffer_texture("garden-plants", plants, GeomEnums.UH_static)
        mesh_rows = np.concatenate(meshes.vertices).reshape(-1, 4)
        self._meshes = _buffer_texture("garden-meshes", mesh_rows, GeomEnums.UH_static)
        self._capacity = max(1, field.chunks)
        self._rows = _buffer_texture(
            "garden-visible", np.zeros((self._capacity, 4), np.float32), GeomEnums.UH_dynamic
        )
        blight = garden.blight_field
        cells = blight.blight.shape[0]
        self._blight = Texture("garden-blight")
        self._blight.setup_2d_texture(cells, cells, Texture.T_unsigned_byte, Texture.F_red)
        self._blight.set_minfilter(SamplerState.FT_nearest)
        self._blight.set_magfilter(SamplerState.FT_nearest)
        self._blight.set_wrap_u(SamplerState.WM_clamp)
        self._blight.set_wrap_v(SamplerState.WM_clamp)
        self._blight_version = -1
        shader = Shader.load(
            Shader.SL_GLSL,
            vertex=Filename.from_os_specific(str(SHADERS / "plants_vertex.glsl")),
            fragment=Filename.from_os_specific(str(SHADERS / "plants_fragment.glsl")),
        )
        self.root.set_shader(shader)
        self.root.set_shader_input("plants", self._plants)
        self.root.set_shader_input("meshes", self._meshes)
        self.root.set_shader_input("visible_rows", self._rows)
        self.root.set_shader_input("blight", self._blight)
        origin = blight.origin
        self.root.set_shader_input(
            "field_rect", (origin[0], origin[1], 1.0 / blight.cell, float(cells))
        )
        self.root.set_light_off(1)
        self.levels: list[NodePath] = []
        base = 0
        for level in range(LEVELS):
            count = meshes.count(level)
            node = self.root.attach_new_node(_level_node(f"garden-lod{level}", count))
            node.set_shader_input("billboard", 1 if level == 2 else 0)
            node.set_shader_input("level", (0, 0, base, count))
            node.hide()
            self.levels.append(node)
            base += len(meshes.vertices[level])
        self._time = 0.0
        self.set_look(GardenLook())
        self._lod: np.ndarray | None = None
        self.plan: FramePlan | None = None
        self.stats = RendererStats(0, 0, 0, 0)
        self._upload_blight()

    def set_look(self, look: GardenLook) -> None:
        self.look = look
        self.root.set_shader_input("glow_colour", look.glow)
        self.root.set_shader_input("dim_colour", look.dim)
        self.root.set_shader_input("stem_colour", look.stem)
        # One tint per species as the rows of a matrix (GLSL: tints[species].xyz).
        tints = [(*tint, 0.0) for tint in look.tints]
        self.root.set_shader_input("tints", Mat4(*(value for row in tints for value in row)))
        self.root.set_shader_input("pulse", (self._time, look.pulse_depth))

    def _upload_blight(self) -> None:
        blight = self.garden.blight_field
        if blight.version != self._blight_version:
            self._blight.set_ram_image(blight.texture_bytes())
            self._blight_version = blight.version

    def update(self, eyes: tuple[Eye, ...], time: float) -> FramePlan:
        """Cull, choose levels and upload this frame's visible list for ``eyes``."""
        plan = plan_frame(self.garden.field, eyes, self._lod, self.rings)
        self._lod = plan.lod
        self.plan = plan
        if len(plan.rows):
            image = memoryview(self._rows.modify_ram_image())
            image[: plan.rows.nbytes] = plan.rows.tobytes()
        draws = instances = triangles = 0
        for level, node in enumerate(self.levels):
            count = plan.instances[level]
            if count == 0:
                node.hide()
                continue
            node.show()
            node.set_instance_count(count)
            vertices = self.meshes.count(level)
            node.set_shader_input(
                "level",
                (plan.row_offset[level], plan.row_count[level], self._base(level), vertices),
            )
            draws += 1
            instances += count
            triangles += count * self.meshes.triangles(level)
        self._time = time
        self.root.set_shader_input("pulse", (time, self.look.pulse_depth))
        self._upload_blight()
        self.stats = RendererStats(draws, instances, triangles, plan.visible_chunks)
        return plan

    def _base(self, level: int) -> int:
        return sum(len(self.meshes.vertices[i]) for i in range(level))

    def remove(self) -> None:
        self.root.remove_node()


def eye_from_camera(camera: NodePath, render: NodePath, lens: object) -> Eye:
    """The culling eye for a Panda3D camera, wherever it is in the scene graph."""
    position = camera.get_pos(render)
    heading, pitch, roll = camera.get_hpr(render)
    fov = lens.get_fov()  # type: ignore[attr-defined]
    near, far = lens.get_near(), lens.get_far()  # type: ignore[attr-defined]
    # A little wider than the lens: never cull what is at the very edge of the picture.
    return Eye(
        float(position.x),
        float(position.y),
        float(position.z),
        float(heading),
        float(pitch),
        min(179.0, float(fov[0]) + 2.0),
        min(179.0, float(fov[1]) + 2.0),
        float(near),
        float(far),
        float(roll),
    )
