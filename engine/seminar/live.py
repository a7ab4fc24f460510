"""A room while the server runs: its state, its connections, its recent updates.

Every change is committed to the store first, then folded into the in-memory state and sent to
everyone in one synchronous step, so a participant who joins at any moment gets either the
old state plus the update, or the new state, never a gap. Holding ``lock`` while committing
keeps the store's log in sequence order.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from websockets.asyncio.server import ServerConnection, broadcast

from engine.seminar.protocol import (
    Change,
    GlowChange,
    PollChange,
    RoomSnapshot,
    RosterEntry,
    RosterMessage,
    SessionInfo,
    TallyMessage,
    UpdateMessage,
    dump_message,
)
from engine.seminar.room import apply_change, glow_for
from engine.seminar.store import (
    ParticipantRecord,
    PollRecord,
    SessionRecord,
    Store,
    UpdateRecord,
)

if TYPE_CHECKING:
    from engine.seminar.bus import RedisBus

__all__ = ["LiveRoom"]


@dataclass
class LiveRoom:
    record: SessionRecord
    state: RoomSnapshot
    store: Store
    replay_window: int
    members: dict[str, ParticipantRecord] = field(default_factory=dict)
    connections: dict[str, ServerConnection] = field(default_factory=dict)
    organizers: set[ServerConnection] = field(default_factory=set)
    recent: collections.deque[UpdateMessage] = field(default_factory=collections.deque)
    request_seq: dict[str, int] = field(default_factory=dict)
    votes: dict[str, dict[str, int]] = field(default_factory=dict)
    completed: set[tuple[str, str]] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    tally_pending: bool = False
    bus: RedisBus | None = None
    # Connections other server processes hold, per participant (multi-process deployments).
    remote: Counter[str] = field(default_factory=Counter)

    @classmethod
    async def load(cls, record: SessionRecord, store: Store, replay_window: int) -> LiveRoom:
        """Rebuild a room from the store after a restart (or on first use)."""
        room = cls(
            record=record,
            state=RoomSnapshot.model_validate_json(record.snapshot),
            store=store,
            replay_window=replay_window,
        )
        room.recent = collections.deque(maxlen=replay_window)
        first = max(0, room.state.seq - replay_window)
        for update in await store.updates_after(record.session_id, first, replay_window):
            if update.seq > room.state.seq:
                break  # written after the snapshot was read: catch_up() delivers it
            room.recent.append(_message(update))
            room.request_seq[update.request_id] = update.seq
        for member in await store.participants(record.session_id):
            room.members[member.participant_id] = member
        for vote in await store.votes(record.session_id):
            room.votes.setdefault(vote.poll_id, {})[vote.participant_id] = vote.option
        for outcome in await store.outcomes(record.session_id):
            if outcome.completed:
                room.completed.add((outcome.participant_id, outcome.lesson))
        return room

    @property
    def session_id(self) -> str:
        return self.record.session_id

    def info(self, *, with_key: bool = False) -> SessionInfo:
        return SessionInfo(
            session_id=self.record.session_id,
            code=self.record.code,
            title=self.record.title,
            created_at=self.record.created_at,
            expires_at=self.record.expires_at,
            ended=self.state.ended,
            report_key=self.record.report_key if with_key else None,
        )

    def everyone(self) -> list[ServerConnection]:
        return [*self.connections.values(), *self.organizers]

    async def commit(self, changes: list[Change], request_id: str) -> int:
        """Store, apply and send ``changes``; returns the sequence number after the last one."""
        for index, change in enumerate(changes):
            now = time.time()
            new_state = apply_change(self.state, change)
            change_json = change.model_dump_json()
            key = request_id if index == len(changes) - 1 else f"{request_id}#{index}"
            await self.store.commit_update(
                self.session_id,
                UpdateRecord(new_state.seq, key, change_json, now),
                new_state.model_dump_json(),
                now if new_state.ended else None,
            )
            if isinstance(change, PollChange) and change.poll is not None:
                await self._record_poll(change, now)
            message = UpdateMessage(seq=new_state.seq, at=now, change=change)
            self.request_seq[key] = new_state.seq
            self.deliver(message)
            if self.bus is not None:
                self.bus.publish(
                    self.session_id, {"t": "update", "m": message.model_dump_json(), "r": key}
                )
        return self.state.seq

    def deliver(self, message: UpdateMessage) -> bool | None:
        """Fold in and send one update: True; a duplicate: False; a gap: None."""
        if message.seq <= self.state.seq:
            return False
        if message.seq != self.state.seq + 1:
            return None
        self.state = apply_change(self.state, message.change)
        self.recent.append(message)
        broadcast(self.everyone(), dump_message(message))
        return True

    async def catch_up(self) -> None:
        """Deliver, from the store's log, every update another process committed."""
        while True:
            records = await self.store.updates_after(
                self.session_id, self.state.seq, self.replay_window
            )
            if not records:
                return
            for record in records:
                self.request_seq[record.request_id] = record.seq
                if self.deliver(_message(record)) is None:
                    return  # the log itself has a hole: nothing more to do safely

    async def _record_poll(self, change: PollChange, now: float) -> None:
        poll = change.poll
        assert poll is not None
        known = {p.poll_id: p for p in await self.store.polls(self.session_id)}
        opened = known[poll.poll_id].opened_at if poll.poll_id in known else now
        await self.store.save_poll(
            self.session_id,
            PollRecord(
                poll.poll_id, poll.question, tuple(poll.options), opened, None if poll.open else now
            ),
        )

    def glow_change(self) -> GlowChange:
        completions = len(self.completed)
        return GlowChange(glow=glow_for(completions, len(self.members)), completions=completions)

    def updates_after(self, seq: int) -> list[UpdateMessage] | None:
        """Updates after ``seq`` from memory; ``None`` when they fell out of the window."""
        if seq >= self.state.seq:
            return []
        if not self.recent or self.recent[0].seq > seq + 1:
            return None
        return [update for update in self.recent if update.seq > seq]

    def tally(self) -> TallyMessage | None:
        poll = self.state.poll
        if poll is None:
            return None
        counts = [0] * len(poll.options)
        votes = self.votes.get(poll.poll_id, {})
        for option in votes.values():
            if 0 <= option < len(counts):
                counts[option] += 1
        return TallyMessage(poll_id=poll.poll_id, counts=counts, voters=len(votes))

    def send_tally(self) -> None:
        self.tally_pending = False
        tally = self.tally()
        if tally is not None:
            broadcast(self.everyone(), dump_message(tally))

    def roster(self) -> RosterMessage:
        return RosterMessage(
            participants=[
                RosterEntry(
                    participant_id=member.participant_id,
                    nickname=member.nickname,
                    connected=member.participant_id in self.connections
                    or self.remote[member.participant_id] > 0,
                    joined_at=member.joined_at,
                )
                for member in self.members.values()
            ]
        )

    def send_roster(self) -> None:
        if self.organizers:
            broadcast(self.organizers, dump_message(self.roster()))


def _message(record: UpdateRecord) -> UpdateMessage:
    return UpdateMessage.model_validate_json(
        f'{{"v":1,"type":"update","seq":{record.seq},"at":{record.at},"change":{record.change}}}'
    )
