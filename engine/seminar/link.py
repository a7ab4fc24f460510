"""The 3D app's line to a seminar: the asyncio participant client on a background thread.

The player's frame loop must never wait on the network, so the client runs on its own event
loop in a daemon thread; the player reads the room (:meth:`view_state`: the client swaps in
immutable snapshots, so a read never sees half an update) and the events since its last frame
(:meth:`drain`), and votes or reports lessons through thread-safe calls. A dropped
connection is the client's business: it reconnects and resyncs.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass

from engine.seminar.client import ParticipantClient, ParticipantEvent
from engine.seminar.protocol import RoomSnapshot, TallyMessage

__all__ = ["SeminarJoin", "SeminarLink", "SeminarState"]


@dataclass(frozen=True)
class SeminarJoin:
    """What ``launch_vr.py --join CODE --name NICK [--server URL]`` asked for."""

    code: str
    nickname: str
    server: str = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class SeminarState:
    room: RoomSnapshot | None
    tally: TallyMessage | None
    my_vote: int | None
    connected: bool
    refused: str | None
    nickname: str


class SeminarLink:
    def __init__(self, join: SeminarJoin) -> None:
        self._events: deque[ParticipantEvent] = deque(maxlen=1000)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self.client = ParticipantClient(join.server, join.code, join.nickname, on_event=self._on)
        self._thread = threading.Thread(target=self._run, name="glowgrove-seminar", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.client.run())
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def _on(self, event: ParticipantEvent) -> None:
        with self._lock:
            self._events.append(event)

    def drain(self) -> list[ParticipantEvent]:
        with self._lock:
            events = list(self._events)
            self._events.clear()
        return events

    def view_state(self) -> SeminarState:
        client = self.client
        room = client.state
        poll = room.poll if room is not None else None
        refused = client.refused
        return SeminarState(
            room=room,
            tally=client.tally,
            my_vote=client.my_votes.get(poll.poll_id) if poll is not None else None,
            connected=client._ws is not None,
            refused=None if refused is None else str(refused),
            nickname=client.nickname,
        )

    def vote(self, option: int) -> bool:
        """Vote on the open poll (0-based option); False when there is no open poll."""
        room = self.client.state
        if room is None or room.poll is None or not room.poll.open:
            return False
        if not 0 <= option < len(room.poll.options):
            return False
        poll_id = room.poll.poll_id
        if self._loop.is_closed():
            return False
        asyncio.run_coroutine_threadsafe(self.client.vote(poll_id, option), self._loop)
        return True

    def report_outcome(self, lesson: str, completed: bool, score: float | None = None) -> None:
        if not self._loop.is_closed():
            asyncio.run_coroutine_threadsafe(
                self.client.report_outcome(lesson, completed, score), self._loop
            )

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float = 5.0) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.client.stop)
        self._thread.join(timeout)
