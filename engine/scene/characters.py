"""Stylized characters built from simple shapes: recognisable by colour, height and one prop."""

from __future__ import annotations

import zlib

from panda3d.core import NodePath, TextNode

from engine.content.program import CharacterSpec
from engine.scene.meshes import Mesh, cylinder, merge, mesh_node, sphere

__all__ = ["CharacterFigure", "build_character"]

_FALLBACK_COLORS = [
    (0.50, 0.89, 0.77),
    (0.60, 0.82, 1.00),
    (0.80, 0.60, 1.00),
    (1.00, 0.70, 0.28),
    (0.95, 0.85, 0.45),
    (0.95, 0.55, 0.60),
]
_SKIN = (0.93, 0.78, 0.66, 1.0)


def _hex_color(spec: CharacterSpec) -> tuple[float, float, float]:
    if spec.color:
        value = int(spec.color[1:], 16)
        return ((value >> 16 & 255) / 255, (value >> 8 & 255) / 255, (value & 255) / 255)
    return _FALLBACK_COLORS[zlib.crc32(spec.id.encode()) % len(_FALLBACK_COLORS)]


class CharacterFigure:
    """A figure in the scene; ``speaking`` raises a soft ring under it."""

    def __init__(self, node: NodePath, ring: NodePath, color: tuple[float, float, float]) -> None:
        self.node = node
        self.ring = ring
        self.color = color
        self.speaking = False

    def set_speaking(self, speaking: bool) -> None:
        self.speaking = speaking
        if speaking:
            self.ring.show()
        else:
            self.ring.hide()


def build_character(parent: NodePath, spec: CharacterSpec, font: object | None) -> CharacterFigure:
    color = _hex_color(spec)
    variant = zlib.crc32(spec.id.encode()) % 4
    height = (1.35, 1.55, 1.25, 1.45)[variant]
    body_top = height * 0.62
    cloth = (*color, 1.0)
    parts: list[Mesh] = [
        cylinder(0.22, 0.13, body_top, cloth, (0, 0, 0), 16),
        sphere(0.14, _SKIN, (0, 0, body_top + 0.15), 16, 10),
    ]
    if variant == 0:  # a beret
        parts.append(sphere(0.15, cloth, (0.02, 0, body_top + 0.27), 12, 6, squash=0.35))
    elif variant == 1:  # a long coat and glasses
        parts.append(cylinder(0.26, 0.2, body_top * 0.75, (0.95, 0.95, 0.97, 1), (0, 0, 0), 16))
        parts.append(cylinder(0.05, 0.05, 0.02, (0.1, 0.1, 0.1, 1), (0.06, -0.13, body_top + 0.17)))
    elif variant == 2:  # a tall storyteller's hat
        parts.append(cylinder(0.16, 0.02, 0.3, cloth, (0, 0, body_top + 0.24), 12))
    else:  # a backpack (the inventor's tools)
        parts.append(sphere(0.13, (0.45, 0.32, 0.2, 1), (0, 0.17, body_top * 0.7), 10, 6))
    node = parent.attach_new_node(mesh_node(f"character-{spec.id}", merge(parts)))
    ring = node.attach_new_node(
        mesh_node("speaking-ring", cylinder(0.42, 0.42, 0.02, (*color, 1), (0, 0, 0.005), 24))
    )
    ring.set_light_off(1)
    ring.hide()
    label = TextNode(f"name-{spec.id}")
    label.set_text(spec.name)
    label.set_align(TextNode.A_center)
    label.set_text_color(1, 1, 1, 1)
    label.set_shadow(0.05, 0.05)
    label.set_shadow_color(0, 0, 0, 1)
    if font is not None:
        label.set_font(font)
    tag = node.attach_new_node(label)
    tag.set_scale(0.15)
    tag.set_pos(0, 0, height + 0.12)
    tag.set_billboard_point_eye()
    tag.set_light_off(1)
    return CharacterFigure(node, ring, color)
