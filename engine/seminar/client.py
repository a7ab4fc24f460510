"""Seminar clients in pure asyncio: the participant side the 3D app runs, and an organizer side.

:class:`ParticipantClient` joins with a room code and a nickname, keeps the room state by folding
sequence-numbered updates with the same :func:`~engine.seminar.room.apply_change` the server uses,
and reconnects by itself with exponential backoff. On a rejoin it sends the last sequence number
it applied; the server replays exactly the updates after it, so nothing is applied twice and
nothing is skipped (``applied`` records every sequence number, for the tests to check).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from engine.errors import SeminarError
from engine.seminar.protocol import (
    AckMessage,
    Command,
    CreateSessionMessage,
    ErrorMessage,
    JoinMessage,
    LessonOutcomeMessage,
    OrganizerHelloMessage,
    OrganizerWelcomeMessage,
    ProtocolError,
    RoomSnapshot,
    RosterMessage,
    SessionInfo,
    TallyMessage,
    UpdateMessage,
    VoteAckMessage,
    VoteMessage,
    WelcomeMessage,
    dump_message,
    parse_server_message,
)
from engine.seminar.room import apply_change

__all__ = ["JoinRefused", "OrganizerClient", "ParticipantClient", "ParticipantEvent", "ws_url"]

log = logging.getLogger("glowgrove.seminar")

# Errors after which retrying cannot help.
_FATAL = {
    "bad_code",
    "session_ended",
    "code_expired",
    "room_full",
    "bad_nickname",
    "version",
    "malformed",
    "not_allowed",
}


class JoinRefused(SeminarError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def ws_url(server: str) -> str:
    """``http://host:port`` (as printed by ``glowgrove serve``) -> ``ws://host:port/ws``."""
    url = server.rstrip("/")
    if url.startswith("http://"):
        url = "ws://" + url[len("http://") :]
    elif url.startswith("https://"):
        url = "wss://" + url[len("https://") :]
    elif not url.startswith(("ws://", "wss://")):
        url = "ws://" + url
    return url if url.endswith("/ws") else url + "/ws"


@dataclass(frozen=True)
class ParticipantEvent:
    """What the player shows: ``kind`` is joined, update, resynced, tally, vote_ack,
    disconnected, refused or ended; ``message`` is the protocol message behind it."""

    kind: str
    message: Any = None


@dataclass
class ParticipantClient:
    url: str
    code: str
    nickname: str
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0
    on_event: Callable[[ParticipantEvent], None] | None = None
    state: RoomSnapshot | None = None
    participant_id: str | None = None
    secret: str | None = None
    session: SessionInfo | None = None
    tally: TallyMessage | None = None
    my_votes: dict[str, int] = field(default_factory=dict)
    applied: list[int] = field(default_factory=list)
    connections: int = 0
    refused: JoinRefused | None = None
    _pending_votes: dict[str, int] = field(default_factory=dict)
    _outcomes: dict[str, LessonOutcomeMessage] = field(default_factory=dict)
    _ws: ClientConnection | None = None
    _stopping: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_seq(self) -> int:
        return self.state.seq if self.state is not None else 0

    async def run(self) -> None:
        """Stay joined until :meth:`stop`, a refusal, or the session's end."""
        delay = self.backoff_initial_s
        while not self._stopping:
            try:
                async with connect(
                    ws_url(self.url), max_size=2**20, open_timeout=5, compression=None
                ) as ws:
                    self._ws = ws
                    await self._session(ws)
                    delay = self.backoff_initial_s
            except JoinRefused as refused:
                self.refused = refused
                self._emit(ParticipantEvent("refused", refused))
                return
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as error:
                log.info("seminar connection lost (%s); retrying in %.1fs", error, delay)
            except InvalidURI as error:
                raise SeminarError(f"not a server address: {self.url}") from error
            finally:
                self._ws = None
            if self.state is not None and self.state.ended:
                return
            if self._stopping:
                return
            self._emit(ParticipantEvent("disconnected"))
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(self.backoff_max_s, delay * 2)

    async def _session(self, ws: ClientConnection) -> None:
        join = JoinMessage(
            code=self.code,
            nickname=self.nickname,
            participant_id=self.participant_id,
            secret=self.secret,
            last_seq=self.last_seq,
        )
        await ws.send(dump_message(join))
        async for raw in ws:
            try:
                message = parse_server_message(raw)
            except ProtocolError as error:
                log.warning("ignored a message from the server: %s", error)
                continue
            if isinstance(message, WelcomeMessage):
                await self._welcome(ws, message)
            elif isinstance(message, UpdateMessage):
                if not self._update(message):
                    await ws.close(1000, "resync")  # a gap: rejoin and get it replayed
                    return
                self._emit(ParticipantEvent("update", message))
                if self.state is not None and self.state.ended:
                    self._emit(ParticipantEvent("ended", message))
                    await ws.close(1000, "session ended")
                    return
            elif isinstance(message, TallyMessage):
                self.tally = message
                self._emit(ParticipantEvent("tally", message))
            elif isinstance(message, VoteAckMessage):
                if self._pending_votes.get(message.poll_id) == message.option:
                    del self._pending_votes[message.poll_id]
                self._emit(ParticipantEvent("vote_ack", message))
            elif isinstance(message, ErrorMessage):
                if message.code in _FATAL:
                    raise JoinRefused(message.code, message.message)
                log.warning("seminar server said: %s (%s)", message.message, message.code)

    async def _welcome(self, ws: ClientConnection, welcome: WelcomeMessage) -> None:
        self.connections += 1
        self.participant_id = welcome.participant_id
        self.secret = welcome.secret
        self.nickname = welcome.nickname
        self.session = welcome.session
        first = self.state is None
        replayed = [update for update in welcome.missed if update.seq > self.last_seq]
        if not first and (not replayed or replayed[0].seq == self.last_seq + 1):
            for update in replayed:
                self._update(update)
                self._emit(ParticipantEvent("update", update))
        if self.state is None or self.state.seq != welcome.state.seq:
            # First join, or too far behind for a replay: the snapshot is the truth.
            self.state = welcome.state
            self._emit(ParticipantEvent("joined" if first else "resynced", welcome))
        else:
            self._emit(ParticipantEvent("joined" if first else "rejoined", welcome))
        if welcome.vote is not None and welcome.state.poll is not None:
            self.my_votes[welcome.state.poll.poll_id] = welcome.vote
        poll = self.state.poll
        for poll_id, option in list(self._pending_votes.items()):
            if poll is None or not poll.open or poll.poll_id != poll_id:
                del self._pending_votes[poll_id]  # that poll closed while we were away
                continue
            await ws.send(dump_message(VoteMessage(poll_id=poll_id, option=option)))
        for outcome in self._outcomes.values():
            await ws.send(dump_message(outcome))
        self._changed.set()

    def _update(self, update: UpdateMessage) -> bool:
        """Fold one update in; False on a gap (the caller rejoins to get it replayed)."""
        if self.state is None or update.seq <= self.state.seq:
            return True  # a duplicate: already applied
        if update.seq != self.state.seq + 1:
            return False
        self.state = apply_change(self.state, update.change)
        self.applied.append(update.seq)
        self._changed.set()
        return True

    def _emit(self, event: ParticipantEvent) -> None:
        self._changed.set()
        if self.on_event is not None:
            self.on_event(event)

    async def vote(self, poll_id: str, option: int) -> None:
        """Vote (again); remembered and re-sent after a reconnect until the server acks it."""
        self.my_votes[poll_id] = option
        self._pending_votes[poll_id] = option
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(dump_message(VoteMessage(poll_id=poll_id, option=option)))

    async def report_outcome(
        self, lesson: str, completed: bool, score: float | None = None
    ) -> None:
        outcome = LessonOutcomeMessage(lesson=lesson, completed=completed, score=score)
        previous = self._outcomes.get(lesson)
        if previous is None or not previous.completed:
            self._outcomes[lesson] = outcome
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(dump_message(outcome))

    async def wait_until(
        self, predicate: Callable[[ParticipantClient], bool], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.nickname}: condition not met in {timeout}s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    async def drop_connection(self) -> None:
        """Tests: lose the network abruptly (no closing handshake); the client reconnects."""
        if self._ws is not None:
            self._ws.transport.abort()

    def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            self._ws.transport.close()


class OrganizerClient:
    """The console's protocol from Python (tests and benchmarks); the browser uses console.js."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: OrganizerWelcomeMessage | None = None
        self.roster: RosterMessage | None = None
        self.tally: TallyMessage | None = None
        self.updates: list[UpdateMessage] = []
        self._acks: dict[str, asyncio.Future[AckMessage]] = {}
        self._errors: asyncio.Queue[ErrorMessage] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, url: str, token: str, session_id: str | None = None) -> OrganizerClient:
        ws = await connect(ws_url(url), max_size=2**22, compression=None)
        client = cls(ws)
        await ws.send(dump_message(OrganizerHelloMessage(token=token, session_id=session_id)))
        first = parse_server_message(await ws.recv())
        if isinstance(first, ErrorMessage):
            await ws.close()
            raise JoinRefused(first.code, first.message)
        assert isinstance(first, OrganizerWelcomeMessage)
        client.welcome = first
        client._reader = asyncio.create_task(client._read())
        return client

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = parse_server_message(raw)
                if isinstance(message, AckMessage):
                    future = self._acks.pop(message.request_id, None)
                    if future is not None and not future.done():
                        future.set_result(message)
                elif isinstance(message, OrganizerWelcomeMessage):
                    self.welcome = message
                elif isinstance(message, RosterMessage):
                    self.roster = message
                elif isinstance(message, TallyMessage):
                    self.tally = message
                elif isinstance(message, UpdateMessage):
                    self.updates.append(message)
                elif isinstance(message, ErrorMessage):
                    for future in self._acks.values():
                        if not future.done():
                            future.set_exception(JoinRefused(message.code, message.message))
                    self._acks.clear()
                    self._errors.put_nowait(message)
                self._changed.set()

    async def _request(self, message: Command | CreateSessionMessage, timeout: float) -> AckMessage:
        future: asyncio.Future[AckMessage] = asyncio.get_running_loop().create_future()
        self._acks[message.request_id] = future
        await self.ws.send(dump_message(message))
        return await asyncio.wait_for(future, timeout)

    async def create_session(self, title: str, timeout: float = 10.0) -> SessionInfo:
        ack = await self._request(
            CreateSessionMessage(request_id=new_request_id(), title=title), timeout
        )
        assert ack.session is not None
        return ack.session

    async def send(self, command: Command, timeout: float = 10.0) -> int:
        ack = await self._request(command, timeout)
        return ack.seq if ack.seq is not None else 0

    async def wait_until(
        self, predicate: Callable[[OrganizerClient], bool], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("organizer: condition not met")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]
