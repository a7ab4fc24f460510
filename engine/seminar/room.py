"""The room state machine: pure functions from (state, command) to changes, and changes to state.

The server is authoritative. An organizer command becomes zero or more changes
(:func:`changes_for`); each change is folded into the snapshot with :func:`apply_change`, which
raises the sequence number by one. Participants run the very same :func:`apply_change` on the
updates they receive, so both sides agree by construction. Nothing here does I/O.
"""

from __future__ import annotations

from engine.errors import SeminarError
from engine.seminar.protocol import (
    BeaconChange,
    BeaconClearCommand,
    BeaconCommand,
    BlankChange,
    BlankCommand,
    Change,
    Command,
    EndedChange,
    EndSessionCommand,
    GlowChange,
    PauseChange,
    PauseCommand,
    PollChange,
    PollCloseCommand,
    PollInfo,
    PollOpenCommand,
    PushSceneCommand,
    RoomSnapshot,
    SceneChange,
    TimerChange,
    TimerInfo,
    TimerStartCommand,
    TimerStopCommand,
)

__all__ = ["RoomRuleError", "apply_change", "changes_for", "glow_for", "timer_remaining"]


class RoomRuleError(SeminarError):
    """A command the room's current state does not allow (poll_close with no poll...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def changes_for(state: RoomSnapshot, command: Command, *, now: float, poll_id: str) -> list[Change]:
    """The changes an organizer command makes; ``poll_id`` names a poll this command opens."""
    if state.ended:
        raise RoomRuleError("session_ended", "the session has ended")
    if isinstance(command, PushSceneCommand):
        return [SceneChange(scene=command.scene)]
    if isinstance(command, PauseCommand):
        return [] if state.paused == command.paused else [PauseChange(paused=command.paused)]
    if isinstance(command, BlankCommand):
        return [] if state.blank == command.blank else [BlankChange(blank=command.blank)]
    if isinstance(command, BeaconCommand):
        return [BeaconChange(beacon=command.beacon)]
    if isinstance(command, BeaconClearCommand):
        return [] if state.beacon is None else [BeaconChange(beacon=None)]
    if isinstance(command, PollOpenCommand):
        changes: list[Change] = []
        if state.poll is not None and state.poll.open:
            # Opening a new poll closes the running one rather than refusing: the organizer
            # moved on, and the old poll's votes stay recorded.
            changes.append(PollChange(poll=state.poll.model_copy(update={"open": False})))
        poll = PollInfo(
            poll_id=poll_id, question=command.question, options=list(command.options), open=True
        )
        changes.append(PollChange(poll=poll))
        return changes
    if isinstance(command, PollCloseCommand):
        if state.poll is None or not state.poll.open:
            raise RoomRuleError("no_poll", "there is no open poll to close")
        return [PollChange(poll=state.poll.model_copy(update={"open": False}))]
    if isinstance(command, TimerStartCommand):
        return [TimerChange(timer=TimerInfo(started_at=now, seconds=command.seconds))]
    if isinstance(command, TimerStopCommand):
        return [] if state.timer is None else [TimerChange(timer=None)]
    if isinstance(command, EndSessionCommand):
        changes = []
        if state.poll is not None and state.poll.open:
            changes.append(PollChange(poll=state.poll.model_copy(update={"open": False})))
        changes.append(EndedChange())
        return changes
    raise RoomRuleError("unknown_command", f"unknown command {type(command).__name__}")


def apply_change(state: RoomSnapshot, change: Change) -> RoomSnapshot:
    """The state after ``change``; the sequence number goes up by exactly one."""
    update: dict[str, object] = {"seq": state.seq + 1}
    if isinstance(change, SceneChange):
        update["scene"] = change.scene
    elif isinstance(change, PauseChange):
        update["paused"] = change.paused
    elif isinstance(change, BlankChange):
        update["blank"] = change.blank
    elif isinstance(change, BeaconChange):
        update["beacon"] = change.beacon
    elif isinstance(change, PollChange):
        update["poll"] = change.poll
    elif isinstance(change, TimerChange):
        update["timer"] = change.timer
    elif isinstance(change, GlowChange):
        update["glow"] = change.glow
        update["completions"] = change.completions
    elif isinstance(change, EndedChange):
        update.update(ended=True, timer=None, paused=False, blank=False)
    return state.model_copy(update=update)


def glow_for(completions: int, participants: int) -> float:
    """The shared garden's glow: restored fully when, on average, everyone completed a lesson.

    Starts at a dim 0.2 so the garden is never dark; rises linearly with completions.
    """
    if completions <= 0:
        return 0.2
    goal = max(1, participants)
    return round(min(1.0, 0.2 + 0.8 * completions / goal), 4)


def timer_remaining(timer: TimerInfo | None, now: float) -> float:
    if timer is None:
        return 0.0
    return max(0.0, timer.started_at + timer.seconds - now)
