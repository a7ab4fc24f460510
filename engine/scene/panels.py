"""World-space text and choice panels, readable at 2 m, picked with a pointer or gaze ray."""

from __future__ import annotations

from dataclasses import dataclass

from panda3d.core import (
    CardMaker,
    CollisionBox,
    CollisionHandlerQueue,
    CollisionNode,
    CollisionRay,
    CollisionTraverser,
    NodePath,
    Point3,
    TextNode,
    TransparencyAttrib,
)

from engine.scene.layout import PANEL_DISTANCE, PANEL_WIDTH, line_height_for
from engine.scene.palette import Color, contrast_ratio, readable_on

__all__ = ["PANEL_BACKGROUND", "TEXT_COLOR", "ChoicePanels", "Picker", "TextPanel"]

PANEL_BACKGROUND: Color = (0.06, 0.08, 0.12)
TEXT_COLOR: Color = (0.97, 0.97, 0.93)
CHOICE_BACKGROUND: Color = (0.09, 0.16, 0.20)
CHOICE_HOVER: Color = (0.14, 0.30, 0.34)
GLOW_ACCENT: Color = (0.45, 0.98, 0.85)  # the garden's glow, marking what can be chosen
PICK_MASK = 0x10

assert contrast_ratio(TEXT_COLOR, PANEL_BACKGROUND) >= 4.5
assert contrast_ratio(TEXT_COLOR, CHOICE_HOVER) >= 4.5


def _text(name: str, font: object | None, scale: float, wrap: float, color: Color) -> TextNode:
    node = TextNode(name)
    if font is not None:
        node.set_font(font)
    node.set_text_color(*color, 1)
    node.set_wordwrap(wrap)
    node.set_align(TextNode.A_left)
    del scale
    return node


def _card(parent: NodePath, name: str, width: float, height: float, color: Color) -> NodePath:
    maker = CardMaker(name)
    maker.set_frame(-width / 2, width / 2, -height, 0)
    card = parent.attach_new_node(maker.generate())
    card.set_color(*color, 0.94)
    card.set_transparency(TransparencyAttrib.M_alpha)
    card.set_light_off(1)
    card.set_two_sided(True)
    return card


class TextPanel:
    """The line being spoken, with the speaker's name in their colour."""

    def __init__(self, stage: NodePath, font: object | None, eye_height: float) -> None:
        self.root = stage.attach_new_node("text-panel")
        self.root.set_pos(0, PANEL_DISTANCE, eye_height + 0.05)
        self.root.set_light_off(1)  # panels are self-lit: readable at any time of day
        self.line_height = line_height_for(PANEL_DISTANCE)
        self.font = font
        self.width = PANEL_WIDTH
        self.height = 0.0
        self.root.hide()

    def show(self, text: str, speaker: str | None, speaker_color: Color | None) -> None:
        self.root.get_children().detach()
        margin = self.line_height * 0.6
        inner = self.width - 2 * margin
        scale = self.line_height
        cursor = -margin
        if speaker:
            color = readable_on(speaker_color or TEXT_COLOR, PANEL_BACKGROUND)
            name = _text("speaker", self.font, scale, inner / scale, color)
            name.set_text(speaker)
            name_np = self.root.attach_new_node(name)
            name_np.set_scale(scale * 0.9)
            name_np.set_pos(-self.width / 2 + margin, -0.002, cursor - scale * 0.8)
            cursor -= scale * 1.15
        body = _text("line", self.font, scale, inner / scale, TEXT_COLOR)
        body.set_text(text)
        body_np = self.root.attach_new_node(body)
        body_np.set_scale(scale)
        body_np.set_pos(-self.width / 2 + margin, -0.002, cursor - scale * 0.8)
        lines = max(1, body.get_num_rows())
        cursor -= scale * (lines * 1.0 + 0.4)
        self.height = -cursor + margin * 0.5
        background = _card(self.root, "background", self.width, self.height, PANEL_BACKGROUND)
        background.set_y(0.001)
        self.root.show()

    def hide(self) -> None:
        self.root.hide()

    def bounds(self) -> tuple[Point3, Point3]:
        """Top-left and bottom-right corners in the panel's parent space."""
        x, y, z = self.root.get_pos()
        half = self.width / 2
        return Point3(x - half, y, z), Point3(x + half, y, z - self.height)


@dataclass
class _Choice:
    index: int
    card: NodePath


class ChoicePanels:
    """Glowing option cards under the text panel; one is highlighted while pointed at."""

    def __init__(self, stage: NodePath, font: object | None, eye_height: float) -> None:
        self.root = stage.attach_new_node("choices")
        self.root.set_light_off(1)
        self.font = font
        self.eye_height = eye_height
        self.line_height = line_height_for(PANEL_DISTANCE)
        self.choices: list[_Choice] = []
        self.hovered: int | None = None
        self.top = eye_height - 0.25

    def show(self, options: list[str], top: float) -> None:
        self.clear()
        self.top = top
        scale = self.line_height
        width = PANEL_WIDTH * 0.9
        inner = width - scale * 1.2
        z = top
        for index, option in enumerate(options):
            text = _text(f"option-{index}", self.font, scale, inner / scale, TEXT_COLOR)
            text.set_text(f"{index + 1}.  {option}")
            rows = max(1, text.get_num_rows())
            height = scale * (rows + 0.7)
            holder = self.root.attach_new_node(f"choice-{index}")
            holder.set_pos(0, PANEL_DISTANCE - 0.02, z)
            card = _card(holder, "card", width, height, CHOICE_BACKGROUND)
            card.set_y(0.001)
            accent = _card(holder, "glow", scale * 0.18, height, GLOW_ACCENT)
            accent.set_x(-width / 2 + scale * 0.09)
            label = holder.attach_new_node(text)
            label.set_scale(scale)
            label.set_pos(-width / 2 + scale * 0.6, -0.002, -scale * 1.05)
            label.set_light_off(1)
            solid = CollisionNode(f"pick-choice-{index}")
            solid.add_solid(
                CollisionBox(Point3(-width / 2, -0.01, -height), Point3(width / 2, 0.01, 0))
            )
            solid.set_into_collide_mask(PICK_MASK)
            solid.set_from_collide_mask(0)
            holder.attach_new_node(solid).set_python_tag("choice", index)
            self.choices.append(_Choice(index, card))
            z -= height + scale * 0.35

    def clear(self) -> None:
        self.root.get_children().detach()
        self.choices = []
        self.hovered = None

    def hover(self, index: int | None) -> None:
        if index == self.hovered:
            return
        self.hovered = index
        for choice in self.choices:
            color = CHOICE_HOVER if choice.index == index else CHOICE_BACKGROUND
            choice.card.set_color(*color, 0.94)
            choice.card.get_parent().set_scale(1.03 if choice.index == index else 1.0)


class Picker:
    """A ray from the camera through the pointer (or straight ahead, for gaze)."""

    def __init__(self, camera: NodePath, scene: NodePath) -> None:
        self.scene = scene
        self.ray = CollisionRay()
        node = CollisionNode("pointer-ray")
        node.add_solid(self.ray)
        node.set_from_collide_mask(PICK_MASK)
        node.set_into_collide_mask(0)
        self.ray_np = camera.attach_new_node(node)
        self.queue = CollisionHandlerQueue()
        self.traverser = CollisionTraverser("picker")
        self.traverser.add_collider(self.ray_np, self.queue)

    def pick_choice(self, lens_node: object, x: float, y: float) -> int | None:
        """The choice under screen point (x, y) in -1..1 film coordinates, if any."""
        self.ray.set_from_lens(lens_node, x, y)
        return self.pick()

    def pick(self) -> int | None:
        """The nearest choice the ray, as it is now, passes through (None: none)."""
        self.traverser.traverse(self.scene)
        if self.queue.get_num_entries() == 0:
            return None
        self.queue.sort_entries()
        for entry in self.queue.entries:
            tagged = entry.get_into_node_path().get_python_tag("choice")
            if tagged is not None:
                return int(tagged)
        return None

    def ground_point(
        self, camera: NodePath, lens_node: object, x: float, y: float
    ) -> Point3 | None:
        """Where the pointer ray meets the ground plane (z = 0), for teleporting."""
        self.ray.set_from_lens(lens_node, x, y)
        origin = self.scene.get_relative_point(self.ray_np, self.ray.get_origin())
        direction = self.scene.get_relative_vector(self.ray_np, self.ray.get_direction())
        if direction.z >= -1e-4:
            return None
        t = -origin.z / direction.z
        return origin + direction * t
