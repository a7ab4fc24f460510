"""Lessons in 3D: a text board, wheelie bins in the bins' colours, waste items on a tray that
move into bins (snap, colour and sound feedback), and garden lights for the digester.

It draws what the lesson runtime says; it never decides anything (engine.learn does).
Feedback never flashes: a bin's tint rises and fades once (well under 3 Hz).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panda3d.core import (
    AmbientLight,
    CardMaker,
    DirectionalLight,
    NodePath,
    TextNode,
    TransparencyAttrib,
)

from engine.learn.models import Bin, Simulate, Sort
from engine.learn.simulation import SimulationResult
from engine.scene.lesson_layout import SortLayout, layout_sort
from engine.scene.meshes import cylinder, mesh_node, sphere

__all__ = ["LessonStage", "StageCue"]

log = logging.getLogger(__name__)

SKY = (0.10, 0.16, 0.22)
GROUND = (0.16, 0.26, 0.18, 1.0)
BOARD = (0.06, 0.08, 0.12)
TEXT = (0.97, 0.97, 0.93)
RIGHT_TINT = (0.45, 0.98, 0.55)
WRONG_TINT = (1.0, 0.45, 0.35)
LIGHT_ON = (1.0, 0.86, 0.45, 1.0)
LIGHT_OFF = (0.18, 0.18, 0.16, 1.0)
LOOK_COLOURS: dict[str, tuple[float, float, float, float]] = {
    "bottle": (0.55, 0.80, 0.90, 1), "can": (0.78, 0.80, 0.84, 1), "box": (0.78, 0.62, 0.40, 1),
    "paper": (0.93, 0.92, 0.86, 1), "peel": (0.98, 0.86, 0.25, 1), "food": (0.80, 0.35, 0.25, 1),
    "battery": (0.25, 0.25, 0.30, 1), "phone": (0.15, 0.17, 0.22, 1), "bag": (0.90, 0.45, 0.75, 1),
    "jar": (0.65, 0.90, 0.80, 1), "cup": (0.95, 0.95, 0.95, 1), "bulb": (1.0, 0.95, 0.70, 1),
    "other": (0.60, 0.55, 0.45, 1),
}  # fmt: skip
SOUNDS = {"right": "water_drip", "wrong": "soft_whoosh"}
MOVE_SECONDS = 0.45
TINT_SECONDS = 0.8


@dataclass
class StageCue:
    """Feedback the stage gave (for transcripts and tests): colour, sound and haptic."""

    kind: str  # right / wrong
    bin: str
    item: str
    sound: str
    haptic: float  # controller pulse strength 0-1 (XR); desktop ignores it


@dataclass
class _Move:
    node: NodePath
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    elapsed: float = 0.0
    shrink: bool = False


@dataclass
class _Tint:
    node: NodePath
    base: tuple[float, float, float, float]
    tint: tuple[float, float, float]
    elapsed: float = 0.0


@dataclass
class _Activity:
    root: NodePath
    layout: SortLayout | None = None
    bins: dict[str, NodePath] = field(default_factory=dict)
    bin_colours: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    items: dict[str, NodePath] = field(default_factory=dict)
    lights: list[NodePath] = field(default_factory=list)


class LessonStage:
    def __init__(self, base: Any, font: object | None, assets: Path | None = None) -> None:
        self.base = base
        self.root: NodePath = base.render.attach_new_node("lesson-stage")
        self.font = font
        self.cues: list[StageCue] = []
        self._moves: list[_Move] = []
        self._tints: list[_Tint] = []
        self._activity: _Activity | None = None
        self._sounds: dict[str, Any] = {}
        self._assets = assets
        base.set_background_color(*SKY, 1)
        base.disable_mouse()
        base.camLens.set_fov(75)
        base.camera.set_pos(0, -1.1, 1.55)
        base.camera.look_at(0, 2.4, 1.15)
        self._light()
        ground = self.root.attach_new_node(mesh_node("ground", cylinder(6, 6, 0.01, GROUND)))
        ground.set_pos(0, 2, -0.01)
        self.board = self._board()
        self.text = self._text_node()

    # -- building ------------------------------------------------------------------------------

    def _light(self) -> None:
        ambient = AmbientLight("lesson-ambient")
        ambient.set_color((0.55, 0.58, 0.62, 1))
        sun = DirectionalLight("lesson-sun")
        sun.set_color((0.75, 0.72, 0.65, 1))
        sun_np = self.root.attach_new_node(sun)
        sun_np.set_hpr(-30, -50, 0)
        self.root.set_light(self.root.attach_new_node(ambient))
        self.root.set_light(sun_np)

    def _board(self) -> NodePath:
        maker = CardMaker("lesson-board")
        maker.set_frame(-1.1, 1.1, -0.5, 0.45)
        board = self.root.attach_new_node(maker.generate())
        board.set_pos(0, 2.9, 2.0)
        board.set_color(*BOARD, 0.94)
        board.set_transparency(TransparencyAttrib.M_alpha)
        board.set_light_off(1)
        return board

    def _text_node(self) -> TextNode:
        node = TextNode("lesson-text")
        if self.font is not None:
            node.set_font(self.font)
        node.set_text_color(*TEXT, 1)
        node.set_wordwrap(17)
        node.set_align(TextNode.A_center)
        holder = self.board.attach_new_node(node)
        holder.set_pos(0, -0.01, 0.30)
        holder.set_scale(0.115)
        holder.set_light_off(1)
        return node

    def say(self, text: str) -> None:
        self.text.set_text(text[:600])

    def clear_activity(self) -> None:
        if self._activity is not None:
            self._activity.root.remove_node()
        self._activity = None
        self._moves.clear()
        self._tints.clear()

    def show_sort(self, sort: Sort, bins: dict[str, Bin], order: tuple[str, ...]) -> SortLayout:
        self.clear_activity()
        root = self.root.attach_new_node("sort")
        layout = layout_sort(list(sort.bins), list(order))
        activity = _Activity(root, layout)
        for name, (x, y, z) in layout.bins.items():
            colour = _hex(bins[name].color)
            body = root.attach_new_node(mesh_node(f"bin-{name}", cylinder(0.30, 0.36, z, colour)))
            body.set_pos(x, y, 0)
            label = TextNode(f"bin-label-{name}")
            if self.font is not None:
                label.set_font(self.font)
            label.set_text(bins[name].label)
            label.set_align(TextNode.A_center)
            label.set_text_color(*TEXT, 1)
            label_np = root.attach_new_node(label)
            label_np.set_pos(x, y - 0.4, z + 0.25)
            label_np.set_scale(0.09)
            label_np.set_light_off(1)
            label_np.set_billboard_point_eye()
            activity.bins[name] = body
            activity.bin_colours[name] = colour
        looks = {item.id: item.look for item in sort.items}
        for name, position in layout.items.items():
            colour = LOOK_COLOURS.get(looks[name], LOOK_COLOURS["other"])
            node = root.attach_new_node(mesh_node(f"item-{name}", sphere(0.09, colour)))
            node.set_pos(*position)
            activity.items[name] = node
        self._activity = activity
        return layout

    def show_lights(self, spec: Simulate) -> None:
        self.clear_activity()
        root = self.root.attach_new_node("garden-lights")
        activity = _Activity(root)
        count = spec.goal.lights if spec.goal is not None else 5
        count = max(1, min(count, 12))
        for index in range(count):
            angle = math.radians(-50 + 100 * index / max(1, count - 1)) if count > 1 else 0.0
            post = root.attach_new_node(mesh_node("post", cylinder(0.03, 0.03, 0.9, LIGHT_OFF)))
            post.set_pos(3.0 * math.sin(angle), 1.0 + 3.0 * math.cos(angle), 0)
            lamp = root.attach_new_node(mesh_node("lamp", sphere(0.11, LIGHT_OFF)))
            lamp.set_pos(3.0 * math.sin(angle), 1.0 + 3.0 * math.cos(angle), 0.98)
            lamp.set_light_off(1)
            activity.lights.append(lamp)
        self._activity = activity

    def light_garden(self, result: SimulationResult) -> float:
        """Light the lamps as brightly as the energy allows; returns the level 0-1."""
        if self._activity is None:
            return 0.0
        if result.goal_hours:
            level = min(1.0, (result.hours_for_goal_lights or 0.0) / result.goal_hours)
        else:
            level = min(1.0, result.light_hours / 100.0)
        for lamp in self._activity.lights:
            colour = tuple(
                off + (on - off) * level for off, on in zip(LIGHT_OFF, LIGHT_ON, strict=True)
            )
            lamp.set_color_scale(*colour[:3], 1)
        return level

    # -- feedback ------------------------------------------------------------------------------

    def drop(self, item: str, bin_name: str, correct: bool) -> StageCue:
        """Move ``item`` to ``bin_name``: it stays in (right) or goes back to the tray."""
        activity = self._activity
        if activity is None or activity.layout is None or item not in activity.items:
            raise KeyError(f"no sort item {item} on the stage")
        node = activity.items[item]
        target = activity.layout.bins[bin_name]
        home = activity.layout.items[item]
        start = _position(node)
        if correct:
            self._moves.append(
                _Move(node, start, (target[0], target[1], target[2] + 0.05), 0.0, True)
            )
        else:
            self._moves.append(_Move(node, start, (target[0], target[1], target[2] + 0.3)))
            self._moves.append(
                _Move(node, (target[0], target[1], target[2] + 0.3), home, -MOVE_SECONDS)
            )
        tint = RIGHT_TINT if correct else WRONG_TINT
        self._tints.append(_Tint(activity.bins[bin_name], activity.bin_colours[bin_name], tint))
        kind = "right" if correct else "wrong"
        sound = SOUNDS[kind]
        self._play(sound)
        cue = StageCue(kind, bin_name, item, sound, 0.6 if correct else 0.25)
        self.cues.append(cue)
        return cue

    def grab(self, item: str, point: tuple[float, float, float]) -> None:
        """Hold ``item`` at ``point`` (the desktop drag and the XR grab move it here)."""
        if self._activity is not None and item in self._activity.items:
            self._activity.items[item].set_pos(*point)

    def _play(self, name: str) -> None:
        managers = getattr(self.base, "sfxManagerList", None) or []
        if not managers or not managers[0].is_valid() or self._assets is None:
            return
        if name not in self._sounds:
            path = self._assets / "sounds" / f"{name}.wav"
            self._sounds[name] = self.base.loader.load_sfx(str(path)) if path.is_file() else None
        sound = self._sounds[name]
        if sound is not None:
            sound.play()

    def busy(self) -> bool:
        return bool(self._moves or self._tints)

    def update(self, dt: float) -> None:
        for move in list(self._moves):
            move.elapsed += dt
            if move.elapsed < 0:
                continue
            t = min(1.0, move.elapsed / MOVE_SECONDS)
            ease = t * t * (3 - 2 * t)
            x, y, z = (a + (b - a) * ease for a, b in zip(move.start, move.end, strict=True))
            move.node.set_pos(x, y, z + 0.25 * math.sin(math.pi * t))
            if move.shrink:
                move.node.set_scale(1.0 - 0.5 * ease)
            if t >= 1.0:
                self._moves.remove(move)
        for tint in list(self._tints):
            tint.elapsed += dt
            # one rise and fall: 0 -> 1 -> 0 over TINT_SECONDS (no flashing)
            amount = math.sin(math.pi * min(1.0, tint.elapsed / TINT_SECONDS))
            r, g, b, _alpha = tint.base
            tr, tg, tb = tint.tint
            tint.node.set_color_scale(
                1 + (tr / max(r, 0.05) - 1) * amount * 0.6,
                1 + (tg / max(g, 0.05) - 1) * amount * 0.6,
                1 + (tb / max(b, 0.05) - 1) * amount * 0.6,
                1,
            )
            if tint.elapsed >= TINT_SECONDS:
                tint.node.clear_color_scale()
                self._tints.remove(tint)

    def item_position(self, item: str) -> tuple[float, float, float] | None:
        if self._activity is None or item not in self._activity.items:
            return None
        return _position(self._activity.items[item])

    def item_node(self, item: str) -> NodePath | None:
        return self._activity.items.get(item) if self._activity is not None else None

    def bin_node(self, name: str) -> NodePath | None:
        return self._activity.bins.get(name) if self._activity is not None else None

    def destroy(self) -> None:
        self.clear_activity()
        self.root.remove_node()


def _position(node: NodePath) -> tuple[float, float, float]:
    point = node.get_pos()
    return (float(point.x), float(point.y), float(point.z))


def _hex(colour: str) -> tuple[float, float, float, float]:
    value = colour.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255, 1.0)
