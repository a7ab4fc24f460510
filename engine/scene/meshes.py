"""Procedural meshes from numpy arrays, uploaded to Panda3D in one call per array."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from panda3d.core import (
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
)

__all__ = ["cylinder", "disc", "merge", "mesh_node", "sphere"]

Array = npt.NDArray[np.float32]
Mesh = tuple[Array, Array, Array, npt.NDArray[np.uint32]]  # positions, normals, colours, indices


def _float_format() -> GeomVertexFormat:
    """Position, normal and colour, all float32, interleaved: one numpy copy per mesh."""
    array = GeomVertexArrayFormat()
    array.add_column(InternalName.get_vertex(), 3, Geom.NT_float32, Geom.C_point)
    array.add_column(InternalName.get_normal(), 3, Geom.NT_float32, Geom.C_normal)
    array.add_column(InternalName.get_color(), 4, Geom.NT_float32, Geom.C_color)
    return GeomVertexFormat.register_format(GeomVertexFormat(array))


_FORMAT: list[GeomVertexFormat] = []


def mesh_node(name: str, mesh: Mesh) -> GeomNode:
    positions, normals, colors, indices = mesh
    if not _FORMAT:
        _FORMAT.append(_float_format())
    data = GeomVertexData(name, _FORMAT[0], Geom.UH_static)
    count = len(positions)
    data.unclean_set_num_rows(count)
    interleaved = np.empty((count, 10), dtype=np.float32)
    interleaved[:, 0:3] = positions
    interleaved[:, 3:6] = normals
    interleaved[:, 6:10] = colors
    array = data.modify_array(0)
    memoryview(array).cast("B")[:] = interleaved.tobytes()
    triangles = GeomTriangles(Geom.UH_static)
    triangles.set_index_type(Geom.NT_uint32)
    index_array = triangles.modify_vertices()
    index_array.unclean_set_num_rows(len(indices))
    memoryview(index_array).cast("B")[:] = indices.astype(np.uint32).tobytes()
    geom = Geom(data)
    geom.add_primitive(triangles)
    node = GeomNode(name)
    node.add_geom(geom)
    return node


def _color_rows(count: int, color: tuple[float, float, float, float]) -> Array:
    return np.tile(np.asarray(color, dtype=np.float32), (count, 1))


def sphere(
    radius: float,
    color: tuple[float, float, float, float],
    center: tuple[float, float, float] = (0, 0, 0),
    segments: int = 16,
    rings: int = 10,
    squash: float = 1.0,
) -> Mesh:
    theta = np.linspace(0, np.pi, rings + 1, dtype=np.float32)
    phi = np.linspace(0, 2 * np.pi, segments + 1, dtype=np.float32)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    normals = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1)
    normals = normals.reshape(-1, 3).astype(np.float32)
    positions = normals * np.array([radius, radius, radius * squash], dtype=np.float32)
    positions += np.asarray(center, dtype=np.float32)
    rows, cols = rings + 1, segments + 1
    grid = np.arange(rows * cols, dtype=np.uint32).reshape(rows, cols)
    a, b = grid[:-1, :-1], grid[1:, :-1]
    c, d = grid[1:, 1:], grid[:-1, 1:]
    indices = np.stack([a, b, c, a, c, d], axis=-1).reshape(-1)
    return positions, normals, _color_rows(len(positions), color), indices


def cylinder(
    radius_bottom: float,
    radius_top: float,
    height: float,
    color: tuple[float, float, float, float],
    base: tuple[float, float, float] = (0, 0, 0),
    segments: int = 14,
) -> Mesh:
    phi = np.linspace(0, 2 * np.pi, segments + 1, dtype=np.float32)
    cos, sin = np.cos(phi), np.sin(phi)
    bottom = np.stack([cos * radius_bottom, sin * radius_bottom, np.zeros_like(phi)], axis=-1)
    top = np.stack([cos * radius_top, sin * radius_top, np.full_like(phi, height)], axis=-1)
    positions = np.concatenate([bottom, top]).astype(np.float32) + np.asarray(base, np.float32)
    slope = (radius_bottom - radius_top) / max(height, 1e-6)
    side = np.stack([cos, sin, np.full_like(phi, slope)], axis=-1)
    side /= np.linalg.norm(side, axis=1, keepdims=True)
    normals = np.concatenate([side, side]).astype(np.float32)
    n = segments + 1
    i = np.arange(segments, dtype=np.uint32)
    indices = np.stack([i, i + 1, i + n + 1, i, i + n + 1, i + n], axis=-1).reshape(-1)
    cap_center = len(positions)
    cap = np.asarray(base, np.float32) + np.array([0, 0, height], np.float32)
    positions = np.concatenate([positions, cap[None, :]])
    normals = np.concatenate([normals, np.array([[0, 0, 1]], np.float32)])
    cap_indices = np.stack([i + n, i + n + 1, np.full_like(i, cap_center)], axis=-1).reshape(-1)
    indices = np.concatenate([indices, cap_indices])
    return positions, normals, _color_rows(len(positions), color), indices


def disc(
    radius: float,
    color: tuple[float, float, float, float],
    rings: int = 24,
    segments: int = 48,
    height: npt.NDArray[np.float32] | None = None,
) -> Mesh:
    """A ground disc of concentric rings; ``height`` (rings+1, segments+1) displaces it."""
    r = np.linspace(0, radius, rings + 1, dtype=np.float32)
    phi = np.linspace(0, 2 * np.pi, segments + 1, dtype=np.float32)
    rr, pp = np.meshgrid(r, phi, indexing="ij")
    z = height if height is not None else np.zeros_like(rr)
    positions = np.stack([rr * np.cos(pp), rr * np.sin(pp), z], axis=-1).reshape(-1, 3)
    normals = np.tile(np.array([0, 0, 1], np.float32), (len(positions), 1))
    grid = np.arange((rings + 1) * (segments + 1), dtype=np.uint32).reshape(rings + 1, segments + 1)
    a, b = grid[:-1, :-1], grid[1:, :-1]
    c, d = grid[1:, 1:], grid[:-1, 1:]
    indices = np.stack([a, b, c, a, c, d], axis=-1).reshape(-1)
    return positions.astype(np.float32), normals, _color_rows(len(positions), color), indices


def merge(meshes: list[Mesh]) -> Mesh:
    positions, normals, colors, indices = [], [], [], []
    offset = 0
    for p, n, c, i in meshes:
        positions.append(p)
        normals.append(n)
        colors.append(c)
        indices.append(i + offset)
        offset += len(p)
    return (
        np.concatenate(positions).astype(np.float32),
        np.concatenate(normals).astype(np.float32),
        np.concatenate(colors).astype(np.float32),
        np.concatenate(indices).astype(np.uint32),
    )


class MeshHandle:
    """A mesh whose colours change in place (one buffer copy, no new geometry)."""

    def __init__(self, name: str, mesh: Mesh) -> None:
        self.mesh = mesh
        self.node = mesh_node(name, mesh)

    def set_colors(self, colors: Array) -> None:
        positions, normals, _, indices = self.mesh
        self.mesh = (positions, normals, colors, indices)
        interleaved = np.empty((len(positions), 10), dtype=np.float32)
        interleaved[:, 0:3] = positions
        interleaved[:, 3:6] = normals
        interleaved[:, 6:10] = colors
        array = self.node.modify_geom(0).modify_vertex_data().modify_array(0)
        memoryview(array).cast("B")[:] = interleaved.tobytes()
