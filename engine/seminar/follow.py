"""What a participant's screen shows of the seminar: a pure function of the room state.

The Panda3D overlay (:mod:`engine.seminar.overlay`) draws exactly this, so the wording and the
rules (a blanked headset shows nothing else; a poll lists its options with live counts and the
participant's own vote) are tested without a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.seminar.link import SeminarState
from engine.seminar.protocol import BeaconPoint, SceneTarget
from engine.seminar.room import timer_remaining

__all__ = ["SeminarView", "follow_view"]


@dataclass(frozen=True)
class SeminarView:
    blank: bool
    frozen: bool  # paused by the organizer (or blanked): the story does not move on
    banner: str  # one line at the top: connection, pause, timer
    poll_lines: tuple[str, ...]  # the poll panel, empty when there is no poll
    beacon: BeaconPoint | None
    scene: SceneTarget | None
    glow: float
    ended: bool


def follow_view(state: SeminarState, now: float) -> SeminarView:
    room = state.room
    if state.refused is not None:
        return SeminarView(
            False, False, f"Could not join: {state.refused}", (), None, None, 0.0, False
        )
    if room is None:
        return SeminarView(False, False, "Joining the session…", (), None, None, 0.0, False)
    parts = []
    if not state.connected and not room.ended:
        parts.append("Reconnecting…")
    if room.ended:
        parts.append("The session has ended. Thank you!")
    elif room.paused:
        parts.append("Paused by the organizer")
    if room.timer is not None:
        left = round(timer_remaining(room.timer, now))
        parts.append(f"Discussion {left // 60}:{left % 60:02d}")
    lines: list[str] = []
    poll = room.poll
    if poll is not None:
        counts = (
            state.tally.counts
            if state.tally is not None and state.tally.poll_id == poll.poll_id
            else [0] * len(poll.options)
        )
        lines.append(poll.question + ("" if poll.open else " (closed)"))
        for index, option in enumerate(poll.options):
            mine = " ← your vote" if state.my_vote == index else ""
            count = counts[index] if index < len(counts) else 0
            lines.append(f"{index + 1}. {option}  [{count}]{mine}")
        if poll.open and state.my_vote is None:
            lines.append("Press a number to vote")
    return SeminarView(
        blank=room.blank and not room.ended,
        frozen=(room.paused or room.blank) and not room.ended,
        banner="  ·  ".join(parts),
        poll_lines=tuple(lines),
        beacon=room.beacon,
        scene=room.scene,
        glow=room.glow,
        ended=room.ended,
    )
