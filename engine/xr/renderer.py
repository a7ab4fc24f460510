"""Panda3D in the headset: per-eye buffers and cameras, the OpenXR frame loop, submission.

Each frame: ``xrWaitFrame`` (predicted display time) -> ``xrBeginFrame`` -> sync actions and
locate the views at that time -> place each eye camera (pose converted once, in
:func:`engine.xr.poses.xr_pose_to_panda`; asymmetric lens from :mod:`engine.xr.projection`) ->
Panda3D renders both eye textures -> blit them into the acquired swapchain images ->
``xrEndFrame`` with one projection layer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from direct.showbase.ShowBase import ShowBase
from panda3d.core import (
    FrameBufferProperties,
    GraphicsOutput,
    GraphicsPipe,
    NodePath,
    PerspectiveLens,
    Texture,
    WindowProperties,
)

from engine.xr.controls import ControllerActions, HandState
from engine.xr.gl_bridge import (
    FORMAT_NAMES,
    GraphicsBinding,
    SwapchainTarget,
    choose_swapchain_format,
    current_egl_binding,
    current_glx_binding,
)
from engine.xr.poses import PandaPose, xr_pose_to_panda
from engine.xr.projection import FieldOfView, lens_frustum
from engine.xr.runtime import (
    EGL_EXTENSION,
    OPENGL_EXTENSION,
    XrInstance,
    XrSession,
    XrUnavailable,
    ignore_loss,
    loss_event,
    open_instance,
)
from engine.xr.timing import FrameStats

__all__ = ["EyeView", "FrameReport", "XrRenderSettings", "XrRenderer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class XrRenderSettings:
    near: float = 0.05
    far: float = 1000.0
    resolution_scale: float = 1.0  # 1: the runtime's recommended size per eye
    read_back: bool = False  # keep each submitted image's pixels (tests, diagnostics)
    seated: bool = False  # LOCAL space (head start = origin) instead of STAGE (floor = origin)


@dataclass(frozen=True)
class EyeView:
    pose: PandaPose
    fov: FieldOfView


@dataclass
class FrameReport:
    display_time: int
    rendered: bool
    views: list[EyeView] = field(default_factory=list)
    hands: list[HandState] = field(default_factory=list)
    cpu_ms: float = 0.0


class XrRenderer:
    """Owns the instance, session, swapchains and eye cameras for one ShowBase."""

    def __init__(self, base: ShowBase, origin: NodePath, settings: XrRenderSettings) -> None:
        self.base = base
        self.origin = origin  # the tracking space's origin in the scene (the player's rig)
        self.settings = settings
        self.stats = FrameStats()
        self.binding: GraphicsBinding | None = None
        self.owner: XrInstance | None = None
        self.session: XrSession | None = None
        self.controls: ControllerActions | None = None
        self.targets: list[SwapchainTarget] = []
        self.textures: list[Texture] = []
        self.buffers: list[GraphicsOutput] = []
        self.cameras: list[NodePath] = []
        self.lenses: list[PerspectiveLens] = []
        self.format_name = ""
        self.offered_formats: list[str] = []
        self._texture_ids: list[int] = []
        self._runtime_seconds = 0.0  # this frame's time inside runtime calls
        self.lost: str | None = None  # the error that ended the session when the runtime went

    # -- set-up --------------------------------------------------------------------------------

    def start(self) -> None:
        pipe = self.base.pipe.get_type().get_name()
        headless = pipe.startswith("egl")
        wanted = [OPENGL_EXTENSION, EGL_EXTENSION] if headless else [OPENGL_EXTENSION]
        self.owner = open_instance(wanted, required=wanted)
        self._check_gl_requirements()
        # Panda3D's context is current now (it stays current between frames).
        self.base.graphicsEngine.render_frame()
        self.binding = current_egl_binding() if headless else current_glx_binding()
        self.session = XrSession.create(
            self.owner, self.binding.pointer, seated=self.settings.seated
        )
        self.controls = ControllerActions.create(self.session)
        self.session.children.append(self.controls.destroy_spaces)
        self._make_eyes()
        self.session.children.append(self._destroy_swapchains)

    def _check_gl_requirements(self) -> None:
        import xr

        assert self.owner is not None
        # The spec requires this call before xrCreateSession; Panda3D asks for GL 3.2+.
        requirements = xr.get_opengl_graphics_requirements_khr(
            self.owner.instance, self.owner.system
        )
        gsg = self.base.win.get_gsg()
        have = (gsg.get_driver_version_major() << 48) | (gsg.get_driver_version_minor() << 32)
        if have < int(requirements.min_api_version_supported):
            raise XrUnavailable(
                f"the OpenXR runtime needs a newer OpenGL than {gsg.get_driver_version()}"
            )

    def _make_eyes(self) -> None:
        import xr

        assert self.session is not None
        offered = list(xr.enumerate_swapchain_formats(self.session.session))
        self.offered_formats = [FORMAT_NAMES.get(value, hex(value)) for value in offered]
        chosen = choose_swapchain_format(offered)
        self.format_name = FORMAT_NAMES[chosen]
        engine = self.base.graphicsEngine
        for index, layout in enumerate(self.session.view_layouts()):
            width = max(
                16, min(layout.max_width, round(layout.width * self.settings.resolution_scale))
            )
            height = max(
                16, min(layout.max_height, round(layout.height * self.settings.resolution_scale))
            )
            self.targets.append(SwapchainTarget.create(self.session.session, width, height, chosen))
            texture = Texture(f"xr-eye-{index}")
            properties = FrameBufferProperties()
            properties.set_rgba_bits(8, 8, 8, 8)
            properties.set_depth_bits(24)
            buffer = engine.make_output(
                self.base.pipe,
                f"xr-eye-{index}",
                -20 + index,
                properties,
                WindowProperties.size(width, height),
                GraphicsPipe.BF_refuse_window | GraphicsPipe.BF_refuse_parasite,
                self.base.win.get_gsg(),
                self.base.win,
            )
            if buffer is None:
                raise XrUnavailable("Panda3D could not make an offscreen buffer for an eye")
            buffer.add_render_texture(texture, GraphicsOutput.RTM_bind_or_copy)
            lens = PerspectiveLens()
            lens.set_near_far(self.settings.near, self.settings.far)
            camera = self.base.make_camera(buffer, lens=lens, camName=f"xr-eye-{index}")
            camera.reparent_to(self.origin)
            self.buffers.append(buffer)
            self.textures.append(texture)
            self.cameras.append(camera)
            self.lenses.append(lens)
        # The desktop camera would render the scene a third time for nobody.
        self.base.camNode.set_active(False)

    # -- per frame -----------------------------------------------------------------------------

    def frame(self, update: Callable[[FrameReport], None] | None = None) -> FrameReport | None:
        """Run one OpenXR frame; None when the session is not running (yet, or any more).
        A runtime that goes away mid-frame ends the session (outcome SESSION_LOST or
        INSTANCE_LOST) instead of raising, so the caller can fall back or retry."""
        import xr

        try:
            return self._frame(update)
        except xr.exception.XrException as error:
            event = loss_event(error)
            if event is None or self.session is None:
                raise
            log.warning("OpenXR: the runtime went away (%s)", type(error).__name__)
            self.lost = type(error).__name__
            self.session.apply(event)
            return None

    def _frame(self, update: Callable[[FrameReport], None] | None) -> FrameReport | None:
        import xr

        session = self.session
        if session is None or session.session is None:
            return None
        session.poll()
        if session.session is None or not session.lifecycle.running:
            return None
        state = xr.wait_frame(session.session, xr.FrameWaitInfo())
        started = time.perf_counter()
        xr.begin_frame(session.session, xr.FrameBeginInfo())
        self._runtime_seconds = time.perf_counter() - started
        report = FrameReport(int(state.predicted_display_time), bool(state.should_render))
        assert self.controls is not None
        report.hands = self.controls.sync(report.display_time)
        layers: list[Any] = []
        if state.should_render:
            projection = self._render(report, update)
            if projection is not None:
                layers.append(projection)
        ending = time.perf_counter()
        xr.end_frame(
            session.session,
            xr.FrameEndInfo(
                display_time=state.predicted_display_time,
                environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
                layers=[ctypes_pointer(layer) for layer in layers],
            ),
        )
        finished = time.perf_counter()
        self._runtime_seconds += finished - ending
        report.cpu_ms = (finished - started) * 1000
        self.stats.record(
            report.display_time,
            int(state.predicted_display_period),
            report.cpu_ms,
            self._runtime_seconds * 1000,
        )
        return report

    def _render(
        self, report: FrameReport, update: Callable[[FrameReport], None] | None
    ) -> Any | None:
        import xr

        assert self.session is not None
        _, views = xr.locate_views(
            self.session.session,
            xr.ViewLocateInfo(
                view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO,
                display_time=report.display_time,
                space=self.session.space,
            ),
        )
        for index, view in enumerate(views):
            pose = xr_pose_to_panda(
                (view.pose.position.x, view.pose.position.y, view.pose.position.z),
                (
                    view.pose.orientation.x,
                    view.pose.orientation.y,
                    view.pose.orientation.z,
                    view.pose.orientation.w,
                ),
            )
            fov = FieldOfView(
                view.fov.angle_left, view.fov.angle_right, view.fov.angle_up, view.fov.angle_down
            )
            report.views.append(EyeView(pose, fov))
            camera = self.cameras[index]
            camera.set_pos(*pose.position)
            camera.set_quat(_quat(pose.quaternion))
            frustum = lens_frustum(fov)
            lens = self.lenses[index]
            lens.set_focal_length(frustum.focal_length)
            lens.set_film_size(frustum.film_width, frustum.film_height)
            lens.set_film_offset(frustum.film_offset_x, frustum.film_offset_y)
        if update is not None:
            update(report)
        clear = self.base.win.get_clear_color()
        for buffer in self.buffers:
            buffer.set_clear_color(clear)
        self.base.graphicsEngine.render_frame()
        if not self._texture_ids:
            gsg = self.base.win.get_gsg()
            for texture in self.textures:
                context = texture.prepare_now(0, gsg.get_prepared_objects(), gsg)
                self._texture_ids.append(int(context.get_native_id()))
        projection_views = []
        for index, (target, view) in enumerate(zip(self.targets, views, strict=True)):
            buffer = self.buffers[index]
            self._runtime_seconds += target.blit(
                self._texture_ids[index],
                (buffer.get_x_size(), buffer.get_y_size()),
                self.settings.read_back,
            )
            projection_views.append(
                xr.CompositionLayerProjectionView(
                    pose=view.pose,
                    fov=view.fov,
                    sub_image=xr.SwapchainSubImage(
                        swapchain=target.swapchain,
                        image_rect=xr.Rect2Di(
                            offset=xr.Offset2Di(0, 0),
                            extent=xr.Extent2Di(target.width, target.height),
                        ),
                        image_array_index=0,
                    ),
                )
            )
        return xr.CompositionLayerProjection(space=self.session.space, views=projection_views)

    # -- teardown ------------------------------------------------------------------------------

    def request_exit(self) -> None:
        if self.session is not None and self.session.session is not None:
            self.session.request_exit()

    def run_until_exit(self, timeout: float = 10.0) -> bool:
        """After :meth:`request_exit`, keep submitting frames until the runtime says EXITING."""
        deadline = time.monotonic() + timeout
        while self.session is not None and not self.session.lifecycle.finished:
            if time.monotonic() > deadline:
                return False
            if self.frame() is None:
                time.sleep(0.01)
        return True

    def _destroy_swapchains(self) -> None:
        for target in self.targets:
            ignore_loss(target.destroy)
        self.targets.clear()

    def close(self) -> None:
        if self.session is not None:
            self.session.destroy()  # swapchains and action spaces first (its children)
        if self.controls is not None:
            ignore_loss(self.controls.destroy)
            self.controls = None
        for buffer in self.buffers:
            self.base.graphicsEngine.remove_window(buffer)
        self.buffers.clear()
        if self.owner is not None:
            self.owner.close()
            self.owner = None


def _quat(quaternion: tuple[float, float, float, float]) -> Any:
    from panda3d.core import Quat

    return Quat(*quaternion)


def ctypes_pointer(layer: Any) -> Any:
    import ctypes

    import xr

    return ctypes.cast(ctypes.byref(layer), ctypes.POINTER(xr.CompositionLayerBaseHeader))
