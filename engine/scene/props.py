"""Props a narrative shows and hides, loaded from assets/props; a missing one never crashes."""

from __future__ import annotations

import logging
from pathlib import Path

from panda3d.core import Filename, NodePath, TextNode

from engine.content.assets import PROP_SUFFIXES, file_problem
from engine.scene.meshes import cylinder, merge, mesh_node, sphere

__all__ = ["PROP_SUFFIXES", "PropShelf", "find_prop"]

log = logging.getLogger(__name__)

# Props stand on the right of the stage, out of the way of the text panel.
_SPOTS = [(1.25, 2.5), (-1.25, 2.5), (2.2, 3.0), (-2.2, 3.0)]


def find_prop(assets: Path, name: str) -> Path | None:
    for suffix in PROP_SUFFIXES:
        candidate = assets / "props" / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


class PropShelf:
    def __init__(self, stage: NodePath, assets: Path, font: object | None) -> None:
        self.root = stage.attach_new_node("props")
        self.assets = assets
        self.font = font
        self.shown: dict[str, NodePath] = {}

    def show(self, name: str) -> NodePath:
        if name in self.shown:
            self.shown[name].show()
            return self.shown[name]
        node = self._load(name)
        x, y = _SPOTS[len(self.shown) % len(_SPOTS)]
        node.set_pos(x, y, 0)
        self.shown[name] = node
        return node

    def hide(self, name: str) -> None:
        node = self.shown.get(name)
        if node is not None:
            node.hide()

    def node(self, name: str) -> NodePath | None:
        return self.shown.get(name)

    def clear(self) -> None:
        self.root.get_children().detach()
        self.shown = {}

    def _load(self, name: str) -> NodePath:
        path = find_prop(self.assets, name)
        problem = None if path is None else file_problem(path)
        if path is not None and problem is not None:
            log.warning("prop %s at %s %s; showing a placeholder", name, path, problem)
        elif path is not None:
            try:
                from direct.showbase import ShowBaseGlobal

                filename = Filename.from_os_specific(str(path.resolve()))
                model = ShowBaseGlobal.base.loader.load_model(filename)
                model.reparent_to(self.root)
                return model
            # Any failure inside a loader plugin (panda3d-gltf raises what its parser raises)
            # must not stop the story: the child sees a placeholder instead.
            except Exception as error:
                log.warning("prop %s could not be loaded from %s: %s", name, path, error)
        else:
            log.warning(
                "prop %s not found under %s/props; showing a placeholder", name, self.assets
            )
        return self._placeholder(name)

    def _placeholder(self, name: str) -> NodePath:
        """A visible stand-in: a striped post with a question mark and the prop's name."""
        mesh = merge(
            [
                cylinder(0.05, 0.05, 0.9, (0.95, 0.35, 0.75, 1), (0, 0, 0), 8),
                sphere(0.14, (0.95, 0.35, 0.75, 1), (0, 0, 1.0), 12, 8),
            ]
        )
        node = self.root.attach_new_node(mesh_node(f"missing-prop-{name}", mesh))
        label = TextNode(f"missing-{name}")
        if self.font is not None:
            label.set_font(self.font)
        label.set_text(f"? {name}")
        label.set_align(TextNode.A_center)
        label.set_text_color(1, 1, 1, 1)
        label.set_card_color(0.3, 0.05, 0.2, 0.9)
        label.set_card_as_margin(0.2, 0.2, 0.1, 0.1)
        tag = node.attach_new_node(label)
        tag.set_scale(0.08)
        tag.set_pos(0, 0, 1.25)
        tag.set_billboard_point_eye()
        tag.set_light_off(1)
        return node
