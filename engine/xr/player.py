"""Playing a narrative in the headset: the story session driven by OpenXR frames and controllers.

Trigger (select) picks the choice the controller points at, or moves on from a line; the menu
button opens and closes the safe place; the thumbstick (trackpad on Vive wands) snap-turns and
teleports; hovering a choice gives a short haptic tick. With ``--autoplay`` each story event is
held for ``--frames`` headset frames and choices are made by the autoplay policy.

A lesson the story starts (``start_lesson``) plays in the headset too (:mod:`engine.xr.lesson`):
the garden steps aside, the child stands in front of the lesson stage, and its outcome goes
back into the story when they choose to go back.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from panda3d.core import CardMaker, LineSegs, NodePath, Point3, Quat, TransparencyAttrib

from engine.content.program import Program
from engine.display.modes import Mode, probe_display
from engine.display.panda import DisplaySettings, OpenedDisplay, open_display
from engine.player.autoplay import ChoiceScript
from engine.player.desktop_story import StorySession
from engine.player.flow import FlowState
from engine.player.lesson_handoff import story_lesson
from engine.player.options import PlayerOptions
from engine.scene.director import DirectorSettings
from engine.scene.panels import Picker
from engine.xr.controls import HandState
from engine.xr.lesson import XrLesson
from engine.xr.locomotion import StickGesture, StickState, read_stick
from engine.xr.renderer import FrameReport, XrRenderer, XrRenderSettings

__all__ = ["XrPlayReport", "XrStoryPlayer", "open_xr_display", "run_xr"]

log = logging.getLogger(__name__)

ENDING_SECONDS = 60.0  # the ending stays up this long unless the child presses select


@dataclass
class XrPlayReport:
    ending: str | None = None
    ending_title: str = ""
    scenes: list[str] = field(default_factory=list)
    frames: int = 0
    choices_made: int = 0
    selects: int = 0
    lessons: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def _attach_pointer_ray(hand: NodePath) -> None:
    """A soft glowing line out of the controller, so a child sees where it points."""
    lines = LineSegs("xr-pointer")
    lines.set_thickness(3)
    lines.set_color(0.55, 1.0, 0.8, 0.8)
    lines.move_to(0, 0.02, 0)
    lines.draw_to(0, 2.5, 0)
    ray = hand.attach_new_node(lines.create())
    ray.set_light_off(1)
    ray.set_transparency(TransparencyAttrib.M_alpha)


def _make_teleport_target(render: NodePath) -> NodePath:
    """A glowing ring on the ground where a teleport would land (shown while aiming)."""
    lines = LineSegs("xr-teleport-target")
    lines.set_thickness(3)
    lines.set_color(0.55, 1.0, 0.8, 1.0)
    steps = 32
    for step in range(steps + 1):
        angle = 2 * math.pi * step / steps
        point = (0.3 * math.cos(angle), 0.3 * math.sin(angle), 0.0)
        if step == 0:
            lines.move_to(*point)
        else:
            lines.draw_to(*point)
    ring = render.attach_new_node(lines.create())
    ring.set_light_off(1)
    ring.hide()
    return ring


def open_xr_display(options: PlayerOptions) -> OpenedDisplay:
    """A desktop window (the mirror) when a display is there, else a headless EGL buffer."""
    if probe_display() is None:
        return open_display(
            DisplaySettings(
                Mode.DESKTOP,
                options.width,
                options.height,
                audio=options.audio,
                title="Glowgrove (headset mirror)",
                sync_video=False,
            )
        )
    return open_display(
        DisplaySettings(Mode.OFFSCREEN, 64, 64, audio=False, offscreen_pipe=options.offscreen_pipe)
    )


class XrStoryPlayer:
    def __init__(
        self, base: Any, program: Program, options: PlayerOptions, settings: XrRenderSettings
    ) -> None:
        self.base = base
        self.options = options
        seed = options.seed if options.seed is not None else program.seed
        self.story = StorySession(
            base,
            program,
            DirectorSettings(comfort=options.comfort, assets=options.assets, plants=options.plants),
            options.pacing,
            seed=seed,
        )
        director = self.story.director
        self.tracking = director.rig_np.attach_new_node("xr-tracking")
        if options.comfort.seated and not settings.seated:
            settings = replace(settings, seated=True)
        self.renderer = XrRenderer(base, self.tracking, settings)
        self.script = ChoiceScript(options.choices, options.autoplay, seed)
        self.hands = [self.tracking.attach_new_node(f"xr-aim-{i}") for i in range(2)]
        for hand in self.hands:
            _attach_pointer_ray(hand)
        self.picker = Picker(self.hands[1], director.stage)
        self.picker.ray.set_origin(0, 0, 0)
        self.picker.ray.set_direction(0, 1, 0)  # the aim pose points along -Z in OpenXR: +Y here
        self.sticks = [StickState(), StickState()]
        self.hovered: int | None = None
        self.frames_in_event = 0
        self.last_display_time: int | None = None
        self.report = XrPlayReport()
        self.veils: list[NodePath] = []
        self.teleport_target = _make_teleport_target(base.render)
        self.lesson: XrLesson | None = None
        self._rig_place: tuple[Any, Any] | None = None  # where the child stood before it

    def start(self) -> None:
        self.renderer.start()
        session = self.renderer.session
        assert session is not None
        if session.space_kind == "local":
            # LOCAL's origin is where the head started: lift it to the rig's eye height.
            self.tracking.set_z(self.story.director.rig.eye_height)
        self._make_veils()
        if self.base.win.get_type().get_name().endswith("Window"):
            self._make_mirror()

    def _make_veils(self) -> None:
        """The director's fade veil is a 2D overlay on the desktop; in the headset each eye
        gets its own, just past the near plane, so scene changes and teleports still fade."""
        distance = self.renderer.settings.near * 2
        for camera in self.renderer.cameras:
            maker = CardMaker("xr-veil")
            maker.set_frame(-distance * 12, distance * 12, -distance * 12, distance * 12)
            veil = camera.attach_new_node(maker.generate())
            veil.set_y(distance)
            veil.set_transparency(TransparencyAttrib.M_alpha)
            veil.set_bin("fixed", 100)
            veil.set_depth_test(False)
            veil.set_depth_write(False)
            veil.set_light_off(1)
            veil.set_color(0, 0, 0, 0)
            veil.hide()
            self.veils.append(veil)

    def _make_mirror(self) -> None:
        """Show the left eye on the desktop window (for a teacher watching)."""
        maker = CardMaker("xr-mirror")
        maker.set_frame_fullscreen_quad()
        card = self.base.render2d.attach_new_node(maker.generate())
        card.set_texture(self.renderer.textures[0])
        card.set_bin("background", 0)

    def update(self, frame: FrameReport) -> None:
        """Called by the renderer after the views are located, before Panda3D renders."""
        dt = 0.0
        if self.last_display_time is not None:
            dt = max(0.0, (frame.display_time - self.last_display_time) / 1e9)
        self.last_display_time = frame.display_time
        if self.lesson is not None or self.story.flow.state is FlowState.LESSON:
            self._lesson_frame(dt, frame.hands)
        else:
            self.handle_hands(frame.hands)
            if self.options.autoplay is not None:
                self._autoplay()
            self.story.frame(dt, None, (0.0, 0.0))
        alpha = self.story.director.fade.alpha
        for veil in self.veils:
            veil.set_color(0, 0, 0, alpha)
            if alpha > 0.0:
                veil.show()
            else:
                veil.hide()
        self.report.frames += 1

    # -- a lesson the story started -------------------------------------------------------------

    def _lesson_frame(self, dt: float, hands: list[HandState]) -> None:
        for index, hand in enumerate(hands):
            self._place_hand(index, hand)
        if self.lesson is None:
            self._start_lesson()
            return
        entered_panel = self.lesson.frame(dt, hands[-1] if hands else None)
        if entered_panel and self.renderer.controls is not None:
            self.renderer.controls.haptic_tick(1)
        if self.lesson.finished:
            self._end_lesson()

    def _start_lesson(self) -> None:
        story = self.story
        name = story.flow.lesson or ""
        lesson = story_lesson(story.program, name)
        if lesson is None:  # logged by the library; the story goes on without it
            story.show(story.flow.finish_lesson(None))
            return
        log.info("lesson in the headset: %s", lesson.id)
        story.suspend()
        rig = story.director.rig_np
        self._rig_place = (rig.get_pos(), rig.get_hpr())
        rig.set_pos(0, 0, 0)  # the lesson stage stands in front of the world's origin
        rig.set_hpr(0, 0, 0)
        self.lesson = XrLesson(
            self.base,
            lesson,
            self.hands[-1],
            assets=self.options.assets,
            autoplay=self.options.autoplay is not None,
        )

    def _end_lesson(self) -> None:
        lesson, self.lesson = self.lesson, None
        assert lesson is not None
        end = lesson.screen.end
        lesson.close()
        self.report.lessons.append(
            {"lesson": lesson.screen.lesson.id, "passed": bool(end and end.passed)}
        )
        if end is not None:
            print(f"lesson over: {lesson.screen.lesson.id} ({end.scaled:.0%})", flush=True)
        story = self.story
        if self._rig_place is not None:
            story.director.rig_np.set_pos(self._rig_place[0])
            story.director.rig_np.set_hpr(self._rig_place[1])
        story.resume()
        story.show(story.flow.finish_lesson(end.outcome if end is not None else None))

    def handle_hands(self, hands: list[HandState]) -> None:
        """Move the controller nodes to their aim poses, then act on buttons and sticks."""
        for index, hand in enumerate(hands):
            self._place_hand(index, hand)
        self._handle_input(hands)

    def _place_hand(self, index: int, hand: HandState) -> None:
        node = self.hands[index]
        if hand.aim is None:
            node.hide()
            return
        node.show()
        node.set_pos(*hand.aim.position)
        node.set_quat(Quat(*hand.aim.quaternion))

    def _handle_input(self, hands: list[HandState]) -> None:
        story = self.story
        paused = story.flow.state is FlowState.PAUSED
        hovered = None
        if not paused and hands and hands[-1].aim is not None:
            hovered = self.picker.pick()
        if hovered != self.hovered:
            story.director.choices.hover(hovered)
            if hovered is not None and self.renderer.controls is not None:
                self.renderer.controls.haptic_tick(1)
            self.hovered = hovered
        for index, hand in enumerate(hands):
            if hand.menu and hand.menu_changed:
                story.toggle_safe_place()
            if hand.select and hand.select_changed:
                self.report.selects += 1
                if hovered is not None and story.flow.state is FlowState.CHOOSING:
                    story.show(story.flow.choose(hovered))
                    self.report.choices_made += 1
                else:
                    story.advance()
            self.sticks[index], gesture = read_stick(self.sticks[index], *hand.move)
            if gesture is StickGesture.TURN_LEFT:
                story.snap_turn(1)
            elif gesture is StickGesture.TURN_RIGHT:
                story.snap_turn(-1)
            elif gesture is StickGesture.TELEPORT_AIM:
                self._show_teleport_target(self._ground_point(self.hands[index]))
            elif gesture is StickGesture.TELEPORT_COMMIT:
                self.teleport_target.hide()
                target = self._ground_point(self.hands[index])
                if target is not None:
                    self.story.director.teleport(float(target.x), float(target.y))
            elif gesture is StickGesture.TELEPORT_CANCEL:
                self.teleport_target.hide()

    def _ground_point(self, aim: NodePath) -> Point3 | None:
        """Where the aim ray meets the ground (z = 0), in world coordinates; None if it
        points at the sky or the controller is not tracked."""
        if aim.is_hidden():
            return None
        render = self.base.render
        origin = render.get_relative_point(aim, Point3(0, 0, 0))
        direction = render.get_relative_vector(aim, Point3(0, 1, 0))
        if direction.z >= -1e-3:
            return None
        t = -origin.z / direction.z
        point: Point3 = origin + direction * t
        return point

    def _show_teleport_target(self, point: Point3 | None) -> None:
        if point is None:
            self.teleport_target.hide()
            return
        self.teleport_target.set_pos(point.x, point.y, 0.02)
        self.teleport_target.show()

    def _autoplay(self) -> None:
        self.frames_in_event += 1
        if self.frames_in_event < self.options.frames:
            return
        flow = self.story.flow
        if flow.state is FlowState.CHOOSING and flow.choices is not None:
            self.frames_in_event = 0
            self.story.show(flow.choose(self.script.pick(flow.choices)))
            self.report.choices_made += 1
        elif flow.state in (FlowState.READING, FlowState.WAITING):
            self.frames_in_event = 0
            self.story.show(flow.advance())

    def run(self, max_frames: int | None = None, linger_frames: int = 20) -> XrPlayReport:
        """Play until the story is over, the runtime asks us to stop, or ``max_frames`` frames
        were submitted. Over means: with autoplay, ``linger_frames`` frames after the ending;
        for a child, select pressed on the ending, or the ending shown for a minute."""
        ended_frames = 0
        session = self.renderer.session
        assert session is not None
        while not session.lifecycle.finished:
            if self.renderer.frame(self.update) is None:
                time.sleep(0.005)
                continue
            if self.story.flow.state is FlowState.ENDED:
                ended_frames += 1
            if self.options.autoplay is not None:
                over = ended_frames > linger_frames
            else:
                over = self.story.wants_to_leave or self.story.ended_seconds > ENDING_SECONDS
            if over or (max_frames is not None and self.report.frames >= max_frames):
                break
        if not session.lifecycle.finished:
            self.renderer.request_exit()
            self.renderer.run_until_exit()
        ending = self.story.flow.ending
        if ending is not None:
            self.report.ending, self.report.ending_title = ending.ending, ending.title
        self.report.scenes = list(self.story.scenes)
        self.report.stats = self.renderer.stats.summary()
        return self.report

    def close(self) -> None:
        self.renderer.close()
        self.story.close()


def run_xr(options: PlayerOptions, program: Program) -> int:
    """``launch_vr.py FILE --mode xr``: 0 when the story reached an ending, 3 when the runtime
    went away mid-story. Raises :class:`XrUnavailable` (after closing everything) when the
    session could not start, so ``--mode auto`` can fall back to the desktop."""
    import sys

    display = open_xr_display(options)
    player: XrStoryPlayer | None = None
    try:
        player = XrStoryPlayer(display.base, program, options, XrRenderSettings())
        player.start()
        report = player.run()
    finally:
        if player is not None:
            player.close()
        display.close()
    assert player is not None
    if player.renderer.lost is not None:
        sys.stderr.write(
            f"launch_vr.py: the OpenXR runtime went away during the story "
            f"({player.renderer.lost}); start it again, or play with --mode desktop\n"
        )
        return 3
    print(f"ending: {report.ending_title} ({report.ending})" if report.ending else "no ending")
    print(
        f"frames: {report.stats['frames_submitted']} submitted, "
        f"{report.stats['frames_dropped']} dropped"
    )
    return 0 if report.ending is not None else 1
