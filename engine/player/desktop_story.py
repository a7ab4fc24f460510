"""One story in the desktop window: devices in, :class:`PlayFlow` decides, the director shows.

Everything that decides (pacing, what a click means, looking, walking) is pure and lives in
:mod:`engine.player.flow` and :mod:`engine.player.controls`; this class only reads the pointer,
asks the scene where it points, and forwards the answers.
"""

from __future__ import annotations

import logging
from typing import Any

from engine.content.program import Program
from engine.player import world_log
from engine.player.controls import (
    Advance,
    Choose,
    Leave,
    LookSettings,
    Teleport,
    decide_click,
    drag_look,
    teleport_target,
)
from engine.player.flow import Chooser, FlowState, PacingSettings, PlayFlow
from engine.player.progress import ProgressBook
from engine.player.screen import film_to_pixels, within
from engine.scene.director import DirectorSettings, SceneDirector
from engine.scene.rig import ComfortSettings
from engine.story import EndEvent, SceneEvent, StoryEvent, StoryMachine

__all__ = ["StorySession"]

log = logging.getLogger(__name__)

Pointer = tuple[float, float] | None  # film coordinates, None when outside the window


class StorySession:
    def __init__(
        self,
        base: Any,
        program: Program,
        settings: DirectorSettings,
        pacing: PacingSettings,
        *,
        seed: int | None = None,
        book: ProgressBook | None = None,
        chooser: Chooser | None = None,
        look: LookSettings | None = None,
        machine: StoryMachine | None = None,
        plays_lessons: bool = True,
    ) -> None:
        self.base = base
        self.program = program
        self.look_settings = look or LookSettings()
        self.director = SceneDirector(base, program, settings)
        self.book = book
        world: tuple[world_log.Entry, ...] = ()
        if machine is not None:  # a story already under way (the preview's fast-forward)
            resumed = True
        elif book is not None:
            machine, resumed = book.open(seed)
            world = book.progress.world if resumed else ()
        else:
            machine, resumed = StoryMachine(program, seed), False
        self.flow = PlayFlow(
            machine, pacing, chooser, book.checkpoint if book else None, plays_lessons, world
        )
        self.hovered: int | None = None
        self.pitch = self.base.camera.get_p()
        self.wants_to_leave = False
        self.scenes: list[str] = []
        self.ended_seconds = 0.0  # how long the ending has been shown
        self._held_view: tuple[Any, Any, Any, Any] = (None, None, None, None)
        self.show(self.flow.start(resumed))
        if world:  # the saved scenes were shown again to rebuild the world, not visited now
            self.scenes = [machine.scene] if machine.scene else []

    @property
    def comfort(self) -> ComfortSettings:
        return self.director.settings.comfort

    def show(self, events: list[StoryEvent]) -> None:
        for event in events:
            self.director.apply(event)
            if isinstance(event, SceneEvent):
                self.scenes.append(event.scene)
                log.info("scene: %s", event.scene)
                # Arrive in the new scene out of black (the veil's fade rate keeps it gentle).
                self.director.fade.alpha = 1.0
                self.director.fade.to_clear()
            elif isinstance(event, EndEvent):
                log.info("ending: %s (%s)", event.title, event.ending)

    # -- per frame -----------------------------------------------------------------------------

    def frame(self, dt: float, pointer: Pointer, walk: tuple[float, float]) -> None:
        paused = self.flow.state is FlowState.PAUSED
        if not paused and walk != (0.0, 0.0):
            rig = self.director.rig
            rig.walk(walk[0], walk[1], dt)
            self.director.rig_np.set_pos(rig.x, rig.y, 0)
        self.hovered = None if pointer is None or paused else self.director.hover_pointer(*pointer)
        if pointer is None:
            self.director.choices.hover(None)
        self.show(self.flow.tick(dt))
        if self.flow.state is FlowState.ENDED:
            self.ended_seconds += dt
        self.director.update(dt)

    # -- input ---------------------------------------------------------------------------------

    def click(self, pointer: Pointer) -> None:
        hovered = None
        over_panel = False
        ground = None
        if pointer is not None:
            hovered = self.director.hover_pointer(*pointer)
            over_panel = within(film_to_pixels(self.base, *pointer), self.text_panel_rect())
            ground = self._ground_under(pointer)
        action = decide_click(self.flow.state, hovered, over_panel, ground)
        if isinstance(action, Choose):
            self.show(self.flow.choose(action.index))
        elif isinstance(action, Advance):
            self.show(self.flow.advance())
        elif isinstance(action, Teleport):
            rig = self.director.rig
            x, y = teleport_target(
                (rig.x, rig.y), (action.x, action.y), self.look_settings.max_teleport
            )
            self.director.teleport(x, y)
        elif isinstance(action, Leave):
            self.wants_to_leave = True

    def number(self, digit: int) -> None:
        self.show(self.flow.choose(digit - 1))

    def advance(self) -> None:
        if self.flow.state is FlowState.ENDED:
            self.wants_to_leave = True
        else:
            self.show(self.flow.advance())

    def toggle_safe_place(self) -> None:
        self.director.set_safe_place(self.flow.toggle_pause())

    def snap_turn(self, direction: int) -> None:
        if self.flow.state is not FlowState.PAUSED:
            self.director.snap_turn(direction)

    def look(self, dx_pixels: float, dy_pixels: float) -> None:
        if self.flow.state is FlowState.PAUSED:
            return
        rig = self.director.rig
        rig.heading, self.pitch = drag_look(
            rig.heading, self.pitch, dx_pixels, dy_pixels, self.look_settings
        )
        self.director.rig_np.set_h(rig.heading)
        self.base.camera.set_p(self.pitch)

    def close(self) -> None:
        self.director.close()

    # -- a lesson the story started ------------------------------------------------------------

    def suspend(self) -> None:
        """Step out of the scene while a lesson the story started plays in the window: the
        garden, panels and captions hide, the camera leaves the rig; :meth:`resume` undoes it."""
        base, director = self.base, self.director
        camera = base.camera
        self._held_view = (
            camera.get_pos(),
            camera.get_hpr(),
            base.camLens.get_fov(),
            base.get_background_color(),
        )
        director.audio.stop()
        director.choices.hover(None)
        for node in self._scene_nodes():
            node.hide()
        camera.reparent_to(base.render)

    def resume(self) -> None:
        base, director = self.base, self.director
        position, rotation, fov, background = self._held_view
        camera = base.camera
        camera.reparent_to(director.rig_np)
        camera.set_pos(position)
        camera.set_hpr(rotation)
        base.camLens.set_fov(fov)
        base.camLens.set_near_far(0.05, 1000)
        base.set_background_color(background)
        for node in self._scene_nodes():
            node.show()
        director.fade.alpha = 1.0  # back into the garden out of black, gently
        director.fade.to_clear()

    def _scene_nodes(self) -> list[Any]:
        aspect = self.base.aspect2d
        holders = [aspect.find(name) for name in ("caption", "notice")]
        director = self.director
        nodes = [director.world.root, director.stage, *holders]
        return [node for node in nodes if not node.is_empty()]

    # -- asking the scene ----------------------------------------------------------------------

    def text_panel_rect(self) -> tuple[int, int, int, int] | None:
        if self.director.stage.is_hidden():
            return None
        return self.director.text_panel_rect()

    def _ground_under(self, pointer: tuple[float, float]) -> tuple[float, float] | None:
        director = self.director
        point = director.picker.ground_point(self.base.camera, self.base.camNode, *pointer)
        if point is None:
            return None
        in_world = self.base.render.get_relative_point(director.stage, point)
        return float(in_world.x), float(in_world.y)
