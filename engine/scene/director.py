"""The scene director: story events in, scene-graph changes out (one-way)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from direct.showbase.ShowBase import ShowBase
from panda3d.core import CardMaker, NodePath, Point3, TextNode, TransparencyAttrib

from engine.audio.player import AudioPlayer
from engine.content.program import EnvironmentSpec, Program
from engine.scene.characters import CharacterFigure, build_character
from engine.scene.fade import Fade
from engine.scene.palette import (
    DEFAULT_ENVIRONMENT,
    EnvironmentLook,
    look_for,
    merge_environment,
)
from engine.scene.panels import ChoicePanels, Picker, TextPanel
from engine.scene.props import PropShelf
from engine.scene.rig import ComfortSettings, Rig, SessionClock
from engine.scene.world import World
from engine.story.events import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
)

__all__ = ["DirectorSettings", "SceneDirector"]

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
# Where characters stand, as (angle from straight ahead in degrees, distance in metres).
_SLOTS = [(-24, 4.2), (24, 4.2), (-36, 4.6), (36, 4.6), (-14, 5.2), (14, 5.2)]


@dataclass(frozen=True)
class DirectorSettings:
    comfort: ComfortSettings = field(default_factory=ComfortSettings)
    assets: Path = Path("assets")
    plants: int = 600
    seed: int = 7
    fov: float = 75.0  # horizontal degrees on a desktop window (a headset sets its own)


class SceneDirector:
    def __init__(self, base: ShowBase, program: Program, settings: DirectorSettings) -> None:
        self.base = base
        self.program = program
        self.settings = settings
        self.font = self._load_font()
        render = base.render
        self.world = World(render, seed=settings.seed, plants=settings.plants)
        self.rig = Rig(settings.comfort)
        self.rig_np = render.attach_new_node("rig")
        base.camera.reparent_to(self.rig_np)
        base.camera.set_pos(0, 0, self.rig.eye_height)
        base.camera.set_hpr(0, -4, 0)
        base.camLens.set_fov(settings.fov)
        base.camLens.set_near_far(0.05, 1000)
        self.world.set_viewer(base.cam, base.camLens)
        self.stage = render.attach_new_node("stage")
        self.cast_root = self.stage.attach_new_node("characters")
        self.props = PropShelf(self.stage, settings.assets, self.font)
        self.text_panel = TextPanel(self.stage, self.font, self.rig.eye_height)
        self.choices = ChoicePanels(self.stage, self.font, self.rig.eye_height)
        self.picker = Picker(base.camera, self.stage)
        self.fade = Fade()
        self._veil = self._make_veil()
        self.caption = self._make_caption()
        self.notice = self._make_notice()
        self.environment: EnvironmentSpec = DEFAULT_ENVIRONMENT
        self.look: EnvironmentLook = look_for(self.environment)
        self.figures: dict[str, CharacterFigure] = {}
        self.scene: str | None = None
        self.ending: str | None = None
        self.in_safe_place = False
        self.clock = SessionClock(settings.comfort.session_minutes)
        self.sounds: list[str] = []  # sound cues asked for (audio layer plays them)
        self.audio = AudioPlayer.for_base(base, settings.assets, program)
        self.world.apply(self.look)
        self._place_stage()

    # -- setup ---------------------------------------------------------------------------------

    def _load_font(self) -> object | None:
        for candidate in FONT_CANDIDATES:
            if Path(candidate).exists():
                font: Any = self.base.loader.load_font(candidate)
                # The loader shares one font per file: after it has rendered glyphs its
                # resolution can no longer change (a second director in the same window).
                if font.get_pixels_per_unit() != 64:
                    font.set_pixels_per_unit(64)
                return font  # type: ignore[no-any-return]
        log.warning("no DejaVu font found; using Panda3D's built-in font")
        return None

    def _make_veil(self) -> NodePath:
        maker = CardMaker("fade-veil")
        maker.set_frame(-1, 1, -1, 1)
        veil = self.base.render2d.attach_new_node(maker.generate())
        veil.set_color(0, 0, 0, 0)
        veil.set_transparency(TransparencyAttrib.M_alpha)
        veil.set_bin("fixed", 100)
        return veil

    def _make_caption(self) -> TextNode:
        caption = TextNode("caption")
        if self.font is not None:
            caption.set_font(self.font)
        caption.set_align(TextNode.A_center)
        caption.set_text_color(1, 1, 1, 1)
        caption.set_card_color(0, 0, 0, 0.75)
        caption.set_card_as_margin(0.4, 0.4, 0.2, 0.2)
        caption.set_wordwrap(28)
        holder = self.base.aspect2d.attach_new_node(caption)
        holder.set_scale(0.055)
        holder.set_pos(0, 0, -0.88)
        holder.set_bin("fixed", 90)
        return caption

    def _make_notice(self) -> TextNode:
        notice = TextNode("notice")
        if self.font is not None:
            notice.set_font(self.font)
        notice.set_align(TextNode.A_center)
        notice.set_text_color(1, 1, 0.92, 1)
        notice.set_card_color(0.05, 0.07, 0.1, 0.85)
        notice.set_card_as_margin(0.6, 0.6, 0.3, 0.3)
        notice.set_wordwrap(24)
        holder = self.base.aspect2d.attach_new_node(notice)
        holder.set_scale(0.06)
        holder.set_pos(0, 0, 0.8)
        holder.set_bin("fixed", 95)
        return notice

    def _place_stage(self) -> None:
        """Panels and characters gather in front of wherever the child now stands."""
        self.stage.set_pos(self.rig.x, self.rig.y, 0)
        self.stage.set_h(self.rig.heading)
        self.rig_np.set_pos(self.rig.x, self.rig.y, 0)
        self.rig_np.set_h(self.rig.heading)

    # -- story events --------------------------------------------------------------------------

    def apply(self, event: StoryEvent) -> None:
        if isinstance(event, SceneEvent):
            self._enter_scene(event)
        elif isinstance(event, LineEvent):
            self._line(event)
        elif isinstance(event, ChoicesEvent):
            top = self.rig.eye_height - 0.25
            if self.text_panel.root.is_hidden():
                top = self.rig.eye_height + 0.05
            else:
                top = self.text_panel.root.get_z() - self.text_panel.height - 0.06
            self.choices.show([offer.text for offer in event.options], top)
        elif isinstance(event, CommandEvent):
            self._command(event)
        elif isinstance(event, EndEvent):
            self.choices.clear()
            self.ending = event.ending
            self.text_panel.show(event.title, "The End", (1.0, 0.85, 0.45))
            self.caption.set_text(event.title)

    def _enter_scene(self, event: SceneEvent) -> None:
        self.scene = event.scene
        self.environment = merge_environment(self.environment, event.environment)
        if event.environment is not None and event.environment.blight is not None:
            self.world.garden.set_blight(event.environment.blight, settle=True)
        self._refresh_garden()
        self.cast_root.get_children().detach()
        self.figures = {}
        self.props.clear()
        self.text_panel.hide()
        self.choices.clear()
        self.caption.set_text("")
        self.notice.set_text("")
        self._place_stage()

    def _refresh_garden(self) -> None:
        self.look = look_for(self.environment)
        self.world.apply(self.look)

    def _line(self, event: LineEvent) -> None:
        self.choices.clear()
        color = None
        for figure in self.figures.values():
            figure.set_speaking(False)
        if event.speaker is not None:
            figure = self._figure(event.speaker)
            figure.set_speaking(True)
            color = figure.color
        self.text_panel.show(event.text, event.speaker_name, color)
        speaker = f"{event.speaker_name}: " if event.speaker_name else ""
        self.caption.set_text(speaker + event.text)
        self.audio.line(event)

    def _figure(self, character: str) -> CharacterFigure:
        figure = self.figures.get(character)
        if figure is not None:
            return figure
        spec = self.program.characters[character]
        figure = build_character(self.cast_root, spec, self.font)
        angle, distance = _SLOTS[len(self.figures) % len(_SLOTS)]
        radians = math.radians(angle)
        figure.node.set_pos(-math.sin(radians) * distance, math.cos(radians) * distance, 0)
        figure.node.look_at(Point3(0, 0, 0))
        figure.node.set_p(0)
        self.figures[character] = figure
        return figure

    def _command(self, event: CommandEvent) -> None:
        args = event.args
        name = event.name
        garden = self.world.garden
        if name == "set_glow":
            self.environment = _with(self.environment, glow=float(args["level"]))
            self._refresh_garden()
        elif name == "set_blight":
            garden.set_blight(float(args["level"]))
            self.environment = _with(self.environment, blight=garden.blight)
            self._refresh_garden()
        elif name == "spread_blight":
            garden.spread_blight(float(args["amount"]))
            self.environment = _with(self.environment, blight=garden.blight)
            self._refresh_garden()
        elif name == "restore_area":
            garden.restore_area(float(args["x"]), float(args["y"]), float(args["radius"]))
            self._refresh_garden()
        elif name == "play_sound":
            sound = str(args["sound"])
            self.sounds.append(sound)
            self.caption.set_text(f"[{sound.replace('_', ' ')}]")
            self.audio.sound(sound, float(args.get("volume", 1.0)))
        elif name == "show_prop":
            self.props.show(str(args["prop"]))
        elif name == "hide_prop":
            self.props.hide(str(args["prop"]))
        elif name == "camera_look":
            self._look_at(str(args["target"]))
        elif name == "start_lesson":
            lesson = str(args["lesson"]).replace("_", " ")
            self.notice.set_text(f"Lesson: {lesson}")
            # Offscreen autoplay plays the lesson and sets its outcome (engine.player.autoplay);
            # the scene itself only announces it.
            log.info("start_lesson %s", args["lesson"])

    def _look_at(self, target: str) -> None:
        node = self.figures[target].node if target in self.figures else self.props.node(target)
        if node is None:
            log.info("camera_look: nothing called %s in this scene", target)
            return
        position = node.get_pos(self.base.render)
        heading = math.degrees(math.atan2(-(position.x - self.rig.x), position.y - self.rig.y))
        self.base.camera.set_h(heading - self.rig.heading)

    # -- comfort -------------------------------------------------------------------------------

    def snap_turn(self, direction: int) -> None:
        self.rig.snap_turn(direction)
        self.rig_np.set_h(self.rig.heading)

    def teleport(self, x: float, y: float) -> None:
        """Teleport with a short fade (the veil hides the jump)."""
        self.fade.alpha = 1.0
        self.fade.to_clear()
        self.rig.teleport(x, y)
        self.rig_np.set_pos(self.rig.x, self.rig.y, 0)

    def set_safe_place(self, on: bool) -> None:
        """A calm neutral space: soft light, no garden, no story; the story waits."""
        self.in_safe_place = on
        if on:
            self.audio.stop()
            self.world.root.hide()
            self.stage.hide()
            self.base.set_background_color(0.55, 0.62, 0.70, 1)
            self.notice.set_text("Safe place. Take a slow breath.\nPress P to go back.")
        else:
            self.world.root.show()
            self.stage.show()
            self.notice.set_text("")

    def close(self) -> None:
        """Take out everything this director added, so another scene can use the window."""
        self.audio.stop()
        self.base.camera.reparent_to(self.base.render)
        self.picker.ray_np.remove_node()
        self.world.close()
        for node in (self.stage, self.rig_np, self._veil):
            node.remove_node()
        for name in ("caption", "notice"):
            holder = self.base.aspect2d.find(name)
            if not holder.is_empty():
                holder.remove_node()

    # -- per frame -----------------------------------------------------------------------------

    def update(self, dt: float) -> None:
        alpha = self.fade.step(dt)
        self._veil.set_color(0, 0, 0, alpha)
        self.world.update(dt)
        if self.clock.tick(dt):
            self.notice.set_text("You have been playing for a while. Time for a little break?")

    def hover_pointer(self, x: float, y: float) -> int | None:
        index = self.picker.pick_choice(self.base.camNode, x, y)
        self.choices.hover(index)
        return index

    def text_panel_rect(self) -> tuple[int, int, int, int] | None:
        """The text panel's rectangle on screen in pixels (x0, y0, x1, y1), if it is shown."""
        if self.text_panel.root.is_hidden():
            return None
        top_left, bottom_right = self.text_panel.bounds()
        corners = []
        lens = self.base.camLens
        size = self.base.win.get_size()
        for point in (top_left, bottom_right):
            in_camera = self.base.cam.get_relative_point(self.stage, point)
            projected = Point3()
            film = lens.project(in_camera, projected)
            if not film:
                return None
            px = (projected.x + 1) / 2 * size[0]
            py = (1 - projected.y) / 2 * size[1]
            corners.append((px, py))
        (x0, y0), (x1, y1) = corners
        return (int(x0), int(y0), int(x1), int(y1))


def _with(
    environment: EnvironmentSpec, *, glow: float | None = None, blight: float | None = None
) -> EnvironmentSpec:
    return EnvironmentSpec(
        preset=environment.preset,
        time=environment.time,
        glow=environment.glow if glow is None else glow,
        blight=environment.blight if blight is None else blight,
    )
