"""The OpenXR instance, system and session, through pyopenxr (the impure shell).

:func:`open_instance` turns every way the runtime can be missing into :class:`XrUnavailable`
with one line a person can act on. :class:`XrSession` owns the session, its reference space and
the event pump; the lifecycle decisions themselves come from the pure :mod:`engine.xr.lifecycle`.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import EngineError
from engine.xr.lifecycle import (
    Lifecycle,
    LifecycleAction,
    LifecycleSignal,
    SessionState,
    step,
)

__all__ = [
    "EGL_EXTENSION",
    "HEADLESS_EXTENSION",
    "OPENGL_EXTENSION",
    "XrInstance",
    "XrSession",
    "XrUnavailable",
    "ignore_loss",
    "loss_event",
    "open_instance",
]

log = logging.getLogger(__name__)

OPENGL_EXTENSION = "XR_KHR_opengl_enable"
EGL_EXTENSION = "XR_MNDX_egl_enable"
HEADLESS_EXTENSION = "XR_MND_headless"

_STATES = {
    1: SessionState.IDLE,
    2: SessionState.READY,
    3: SessionState.SYNCHRONIZED,
    4: SessionState.VISIBLE,
    5: SessionState.FOCUSED,
    6: SessionState.STOPPING,
    7: SessionState.LOSS_PENDING,
    8: SessionState.EXITING,
}


class XrUnavailable(EngineError):
    """No usable OpenXR runtime, headset or graphics binding; the message is one line."""


@dataclass
class XrInstance:
    instance: Any
    system: Any
    extensions: frozenset[str]
    runtime_name: str
    system_name: str

    def close(self) -> None:
        import xr

        ignore_loss(lambda: xr.destroy_instance(self.instance))


def _quiet_loader() -> None:
    # The loader prints its own errors on stderr; ours are one line, so silence it by default.
    os.environ.setdefault("XR_LOADER_DEBUG", "none")
    # pyopenxr imports PyOpenGL, which logs at INFO about optional accelerators: not news.
    logging.getLogger("OpenGL").setLevel(logging.WARNING)


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def open_instance(wanted: Sequence[str], required: Sequence[str] = ()) -> XrInstance:
    """Create an instance with the ``wanted`` extensions the runtime has (``required`` ones must
    be there) and find the head-mounted display."""
    _quiet_loader()
    try:
        import xr
    except ImportError as error:
        raise XrUnavailable(f"the pyopenxr package is not installed ({error})") from None
    try:
        available = {
            _decode(item.extension_name) for item in xr.enumerate_instance_extension_properties()
        }
    except xr.exception.RuntimeUnavailableError:
        raise XrUnavailable(
            "no OpenXR runtime is installed or active (the loader found none: "
            "install SteamVR, Monado or your headset's software, or set XR_RUNTIME_JSON)"
        ) from None
    except xr.exception.XrException as error:
        raise XrUnavailable(f"the OpenXR runtime failed to answer ({error})") from None
    missing = [name for name in required if name not in available]
    if missing:
        raise XrUnavailable(
            f"the OpenXR runtime lacks the extension(s) {', '.join(missing)} needed here"
        )
    enabled = [name for name in wanted if name in available]
    try:
        instance = xr.create_instance(
            xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name="Glowgrove",
                    application_version=1,
                    engine_name="Glowgrove",
                    engine_version=1,
                    api_version=xr.Version(1, 0, xr.XR_VERSION_PATCH),
                ),
                enabled_extension_names=enabled,
            )
        )
    except xr.exception.RuntimeUnavailableError:
        raise XrUnavailable("no OpenXR runtime is installed or active") from None
    except xr.exception.XrException as error:
        raise XrUnavailable(f"the OpenXR runtime refused to start ({error})") from None
    try:
        system = xr.get_system(
            instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)
        )
    except xr.exception.XrException as error:
        xr.destroy_instance(instance)
        raise XrUnavailable(
            f"an OpenXR runtime is running but no headset is connected ({type(error).__name__})"
        ) from None
    runtime_name = _decode(xr.get_instance_properties(instance).runtime_name)
    system_name = _decode(xr.get_system_properties(instance, system).system_name)
    return XrInstance(instance, system, frozenset(enabled), runtime_name, system_name)


@dataclass
class ViewLayout:
    """The runtime's per-eye recommendation (``XrViewConfigurationView``)."""

    width: int
    height: int
    max_width: int
    max_height: int
    samples: int


@dataclass
class XrSession:
    """A session with its LOCAL/STAGE reference space and the lifecycle it is in."""

    owner: XrInstance
    session: Any
    space: Any
    space_kind: str
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    states_seen: list[str] = field(default_factory=list)
    on_lifecycle: Callable[[Lifecycle], None] | None = None
    # Handles that belong to the session (swapchains, action spaces): destroyed before it.
    children: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def create(
        cls, owner: XrInstance, graphics_binding: ctypes.c_void_p | None, seated: bool = False
    ) -> XrSession:
        import xr

        try:
            session = xr.create_session(
                owner.instance,
                xr.SessionCreateInfo(system_id=owner.system, next=graphics_binding),
            )
        except xr.exception.XrException as error:
            raise XrUnavailable(f"the OpenXR runtime refused the session ({error})") from None
        kinds = set(xr.enumerate_reference_spaces(session))
        # STAGE puts the floor at z = 0 (standing); LOCAL is where the head started (seated).
        if xr.ReferenceSpaceType.STAGE in kinds and not seated:
            kind, name = xr.ReferenceSpaceType.STAGE, "stage"
        else:
            kind, name = xr.ReferenceSpaceType.LOCAL, "local"
        space = xr.create_reference_space(
            session,
            xr.ReferenceSpaceCreateInfo(
                reference_space_type=kind, pose_in_reference_space=xr.Posef()
            ),
        )
        return cls(owner, session, space, name)

    def view_layouts(self) -> list[ViewLayout]:
        import xr

        views = xr.enumerate_view_configuration_views(
            self.owner.instance, self.owner.system, xr.ViewConfigurationType.PRIMARY_STEREO
        )
        return [
            ViewLayout(
                view.recommended_image_rect_width,
                view.recommended_image_rect_height,
                view.max_image_rect_width,
                view.max_image_rect_height,
                view.recommended_swapchain_sample_count,
            )
            for view in views
        ]

    def poll(self) -> None:
        """Drain the runtime's event queue, answering lifecycle changes as they come."""
        import xr

        while True:
            try:
                buffer = xr.poll_event(self.owner.instance)
            except xr.EventUnavailable:
                return
            kind = xr.StructureType(buffer.type)
            if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                changed = ctypes.cast(
                    ctypes.byref(buffer), ctypes.POINTER(xr.EventDataSessionStateChanged)
                ).contents
                state = _STATES.get(int(changed.state))
                if state is not None:
                    self.states_seen.append(state.value)
                    self.apply(state)
            elif kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self.apply(LifecycleSignal.INSTANCE_LOSS_PENDING)
            if self.lifecycle.finished:
                return

    def request_exit(self) -> None:
        self.apply(LifecycleSignal.EXIT_REQUESTED)

    def apply(self, event: SessionState | LifecycleSignal) -> None:
        import xr

        before = self.lifecycle
        self.lifecycle, actions = step(self.lifecycle, event)
        if len(self.lifecycle.unexpected) > len(before.unexpected):
            log.warning("OpenXR: unexpected session state change %s", self.lifecycle.unexpected[-1])
        for action in actions:
            if action is LifecycleAction.BEGIN_SESSION:
                xr.begin_session(
                    self.session,
                    xr.SessionBeginInfo(
                        primary_view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO
                    ),
                )
            elif action is LifecycleAction.END_SESSION:
                ignore_loss(lambda: xr.end_session(self.session))
            elif action is LifecycleAction.REQUEST_EXIT:
                ignore_loss(lambda: xr.request_exit_session(self.session))
            elif action is LifecycleAction.DESTROY_SESSION:
                self.destroy()
        if self.on_lifecycle is not None:
            self.on_lifecycle(self.lifecycle)

    def destroy(self) -> None:
        import xr

        while self.children:
            release = self.children.pop()
            ignore_loss(release)
        if self.space is not None:
            ignore_loss(lambda: xr.destroy_space(self.space))
            self.space = None
        if self.session is not None:
            ignore_loss(lambda: xr.destroy_session(self.session))
            self.session = None


def ignore_loss(call: Callable[[], object]) -> None:
    """Tearing down a session that the runtime already lost must not raise."""
    import xr

    try:
        call()
    except xr.exception.XrException as error:
        log.info("OpenXR: ignored while closing: %s", error)


def loss_event(error: Exception) -> SessionState | LifecycleSignal | None:
    """The lifecycle event a failing OpenXR call means: the session or the whole runtime went
    away (a crashed or closed runtime service), or None for any other error."""
    import xr

    if isinstance(error, xr.exception.SessionLostError):
        return SessionState.LOSS_PENDING
    if isinstance(
        error,
        (xr.exception.InstanceLostError, xr.exception.RuntimeFailureError),
    ):
        return LifecycleSignal.INSTANCE_LOSS_PENDING
    return None
