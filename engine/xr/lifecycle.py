"""The OpenXR session lifecycle as a pure state machine.

The runtime drives a session through ``XrSessionState`` values; the application answers some of
them with calls (``xrBeginSession`` on READY, ``xrEndSession`` on STOPPING, destroying the session
on EXITING or LOSS_PENDING). :func:`step` maps (what we know, what the runtime said) to (what we
know now, what to call), so the whole protocol is tested as a table without a runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Lifecycle",
    "LifecycleAction",
    "LifecycleSignal",
    "Outcome",
    "SessionState",
    "step",
]


class SessionState(StrEnum):
    """The runtime's session states (``XrSessionState``)."""

    UNKNOWN = "unknown"  # before the first event
    IDLE = "idle"
    READY = "ready"
    SYNCHRONIZED = "synchronized"
    VISIBLE = "visible"
    FOCUSED = "focused"
    STOPPING = "stopping"
    LOSS_PENDING = "loss_pending"
    EXITING = "exiting"


class LifecycleSignal(StrEnum):
    """Things that are not session states but change the lifecycle."""

    EXIT_REQUESTED = "exit_requested"  # the player (or the story's end) wants to quit
    INSTANCE_LOSS_PENDING = "instance_loss_pending"  # the runtime is going away entirely


class LifecycleAction(StrEnum):
    BEGIN_SESSION = "begin_session"  # xrBeginSession
    END_SESSION = "end_session"  # xrEndSession
    REQUEST_EXIT = "request_exit"  # xrRequestExitSession: the runtime then walks us to EXITING
    DESTROY_SESSION = "destroy_session"  # xrDestroySession and leave the frame loop


class Outcome(StrEnum):
    RUNNING = "running"  # not finished yet
    EXITED = "exited"  # a clean exit: the app quits
    SESSION_LOST = "session_lost"  # LOSS_PENDING: the app may retry or fall back
    INSTANCE_LOST = "instance_lost"  # the runtime went away: fall back or retry later


# Which state may follow which (OpenXR 1.0 spec, "Session Lifecycle"). LOSS_PENDING and EXITING
# handling is the same from anywhere, so they are allowed from every state.
ALLOWED_TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.UNKNOWN: frozenset({SessionState.IDLE}),
    SessionState.IDLE: frozenset({SessionState.READY, SessionState.EXITING}),
    SessionState.READY: frozenset({SessionState.SYNCHRONIZED}),
    SessionState.SYNCHRONIZED: frozenset({SessionState.VISIBLE, SessionState.STOPPING}),
    SessionState.VISIBLE: frozenset({SessionState.FOCUSED, SessionState.SYNCHRONIZED}),
    SessionState.FOCUSED: frozenset({SessionState.VISIBLE}),
    SessionState.STOPPING: frozenset({SessionState.IDLE}),
    SessionState.LOSS_PENDING: frozenset(),
    SessionState.EXITING: frozenset(),
}


@dataclass(frozen=True)
class Lifecycle:
    """Everything the frame loop needs to know about the session, as plain data."""

    state: SessionState = SessionState.UNKNOWN
    running: bool = False  # between xrBeginSession and xrEndSession: frames must be submitted
    exit_requested: bool = False
    outcome: Outcome = Outcome.RUNNING
    unexpected: tuple[tuple[SessionState, SessionState], ...] = ()  # logged, never fatal

    @property
    def finished(self) -> bool:
        return self.outcome is not Outcome.RUNNING

    @property
    def visible(self) -> bool:
        """The runtime shows our frames (rendering is worth doing)."""
        return self.running and self.state in (SessionState.VISIBLE, SessionState.FOCUSED)

    @property
    def focused(self) -> bool:
        """We have input focus: actions report real values."""
        return self.running and self.state is SessionState.FOCUSED


def step(
    lifecycle: Lifecycle, event: SessionState | LifecycleSignal
) -> tuple[Lifecycle, tuple[LifecycleAction, ...]]:
    """The next lifecycle and the calls to make, for one event from the runtime or the app."""
    if lifecycle.finished:
        return lifecycle, ()
    if isinstance(event, LifecycleSignal):
        return _signal(lifecycle, event)
    unexpected = lifecycle.unexpected
    if event not in ALLOWED_TRANSITIONS[lifecycle.state] and event not in (
        SessionState.LOSS_PENDING,
        SessionState.EXITING,
    ):
        unexpected = (*unexpected, (lifecycle.state, event))
    now = replace(lifecycle, state=event, unexpected=unexpected)
    if event is SessionState.READY:
        if now.exit_requested:
            # Asked to quit before the session ever ran: nothing to end, just leave.
            return replace(now, outcome=Outcome.EXITED), (LifecycleAction.DESTROY_SESSION,)
        if not now.running:
            return replace(now, running=True), (LifecycleAction.BEGIN_SESSION,)
        return now, ()
    if event is SessionState.STOPPING:
        if now.running:
            return replace(now, running=False), (LifecycleAction.END_SESSION,)
        return now, ()
    if event is SessionState.EXITING:
        return _leave(now, Outcome.EXITED)
    if event is SessionState.LOSS_PENDING:
        return _leave(now, Outcome.SESSION_LOST)
    return now, ()


def _signal(
    lifecycle: Lifecycle, signal: LifecycleSignal
) -> tuple[Lifecycle, tuple[LifecycleAction, ...]]:
    if signal is LifecycleSignal.INSTANCE_LOSS_PENDING:
        return _leave(lifecycle, Outcome.INSTANCE_LOST)
    if lifecycle.exit_requested:
        return lifecycle, ()
    asked = replace(lifecycle, exit_requested=True)
    if lifecycle.running:
        # The runtime answers with STOPPING (we end the session), IDLE, then EXITING.
        return asked, (LifecycleAction.REQUEST_EXIT,)
    if lifecycle.state in (SessionState.UNKNOWN, SessionState.IDLE):
        return replace(asked, outcome=Outcome.EXITED), (LifecycleAction.DESTROY_SESSION,)
    return asked, ()


def _leave(lifecycle: Lifecycle, outcome: Outcome) -> tuple[Lifecycle, tuple[LifecycleAction, ...]]:
    actions: tuple[LifecycleAction, ...] = ()
    if lifecycle.running:
        # Losing the session while it runs: end it first so the runtime frees its resources.
        actions = (LifecycleAction.END_SESSION,)
    return replace(lifecycle, running=False, outcome=outcome), (
        *actions,
        LifecycleAction.DESTROY_SESSION,
    )
