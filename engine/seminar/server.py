"""The seminar session server: WebSocket endpoint ``/ws`` plus the console's web pages.

One asyncio process: ``websockets`` does the HTTP handshake, and ``process_request`` answers
plain page requests (console, static files, QR code, join page, reports) before any upgrade.
Participants and organizers speak the protocol in :mod:`engine.seminar.protocol`; limits from
:class:`ServerSettings` cut off clients that send malformed, oversized or too many messages, and
their room goes on without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from engine.errors import SeminarError
from engine.seminar import web
from engine.seminar.identity import (
    NicknameRefused,
    clean_nickname,
    hash_secret,
    new_code,
    new_id,
    new_secret,
    normalise_code,
    secret_matches,
)
from engine.seminar.live import LiveRoom
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
    SessionInfo,
    UpdateMessage,
    VoteAckMessage,
    VoteMessage,
    WelcomeMessage,
    dump_message,
    parse_client_message,
)
from engine.seminar.room import RoomRuleError, changes_for
from engine.seminar.settings import RateLimiter, ServerSettings
from engine.seminar.store import (
    OutcomeRecord,
    ParticipantRecord,
    SessionRecord,
    Store,
    VoteRecord,
)

if TYPE_CHECKING:
    from engine.seminar.bus import RedisBus

__all__ = ["SeminarServer", "ensure_organizer_token"]

log = logging.getLogger("glowgrove.seminar")

TOKEN_KEY = "organizer_token_sha256"
CLOSE_POLICY = 1008
CLOSE_TRY_LATER = 1013


class _CutOff(Exception):
    """This client broke a rule; it gets an error message and its connection is closed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def ensure_organizer_token(store: Store, settings: ServerSettings) -> str | None:
    """The organizer token to print, or ``None`` when the stored one stays valid.

    Only a hash is stored, so a token is shown exactly once: when it is made.
    """
    if settings.organizer_token is not None:
        await store.set_meta(TOKEN_KEY, hash_secret(settings.organizer_token))
        return None
    if not settings.new_token and await store.get_meta(TOKEN_KEY) is not None:
        return None
    token = new_secret()
    await store.set_meta(TOKEN_KEY, hash_secret(token))
    return token


class SeminarServer:
    def __init__(self, settings: ServerSettings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.rooms: dict[str, LiveRoom] = {}
        self._by_code: dict[str, str] = {}
        self._per_address: Counter[str] = Counter()
        self._server: Server | None = None
        self._purge_task: asyncio.Task[None] | None = None
        self.bus: RedisBus | None = None
        if settings.store_url.startswith(("redis://", "rediss://", "unix://")):
            from engine.seminar.bus import RedisBus

            self.bus = RedisBus(settings.store_url)

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        await self.purge_expired()
        if self.bus is not None:
            await self.bus.start(self._on_bus)
        for record in await self.store.list_sessions():
            if record.ended_at is None and record.session_id not in self.rooms:
                await self._add_room(await self._load(record))
        settings = self.settings
        self._server = await serve(
            self._handle,
            settings.host,
            settings.port,
            process_request=self._process_request,
            max_size=max(settings.max_message_bytes, settings.organizer_max_message_bytes),
            ping_interval=settings.ping_interval_s,
            compression=None,
            server_header="glowgrove",
        )
        self._purge_task = asyncio.create_task(self._purge_loop())

    @property
    def _window(self) -> int:
        return self.settings.replay_window

    @property
    def port(self) -> int:
        assert self._server is not None
        for sock in self._server.sockets:
            return int(sock.getsockname()[1])
        raise SeminarError("the server is not listening")

    async def close(self) -> None:
        if self._purge_task is not None:
            self._purge_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purge_task
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self.bus is not None:
            await self.bus.close()

    async def purge_expired(self) -> int:
        cutoff = time.time() - self.settings.retention_days * 86400.0
        purged = await self.store.purge(cutoff)
        for session_id, room in list(self.rooms.items()):
            if room.record.created_at < cutoff:
                del self.rooms[session_id]
                self._by_code.pop(room.record.code, None)
        if purged:
            log.info("purged %d session(s) older than the retention period", purged)
        return purged

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(6 * 3600)
            await self.purge_expired()

    async def _load(self, record: SessionRecord) -> LiveRoom:
        room = await LiveRoom.load(record, self.store, self._window)
        room.bus = self.bus
        return room

    @contextlib.asynccontextmanager
    async def _locked(self, room: LiveRoom) -> AsyncIterator[None]:
        """Change a room: this process's lock, and with several processes the room's Redis
        lock too, after catching up with whatever the others committed."""
        async with room.lock:
            if self.bus is None:
                yield
                return
            async with self.bus.lock(room.session_id) as committed:
                if committed > room.state.seq:
                    await room.catch_up()
                yield

    async def _on_bus(self, session_id: str, event: dict[str, Any]) -> None:
        """An event another server process published for a room."""
        room = self.rooms.get(session_id)
        if room is None:
            loaded = await self.room_for(session_id)  # reads the store: already up to date
            if loaded is not None:
                await self._add_room(loaded)
            return
        kind = event.get("t")
        if kind == "update":
            message = UpdateMessage.model_validate_json(event["m"])
            room.request_seq[str(event.get("r", ""))] = message.seq
            if room.deliver(message) is None:
                await room.catch_up()
            if room.state.ended:
                self._by_code.pop(room.record.code, None)
        elif kind == "vote":
            room.votes.setdefault(event["poll_id"], {})[event["pid"]] = int(event["option"])
            self._tally_soon(room)
        elif kind == "presence":
            member = ParticipantRecord(**event["member"])
            room.members[member.participant_id] = member
            room.remote[member.participant_id] += int(event["delta"])
            room.send_roster()
        elif kind == "outcome":
            room.completed.add((event["pid"], event["lesson"]))

    def _tally_soon(self, room: LiveRoom) -> None:
        if not room.tally_pending:
            room.tally_pending = True
            asyncio.get_running_loop().call_later(self.settings.tally_interval_s, room.send_tally)

    def _publish(self, room: LiveRoom, event: dict[str, Any]) -> None:
        if self.bus is not None:
            self.bus.publish(room.session_id, event)

    async def _add_room(self, room: LiveRoom) -> None:
        self.rooms[room.session_id] = room
        if not room.state.ended:
            self._by_code[room.record.code] = room.session_id

    async def create_session(self, title: str) -> LiveRoom:
        now = time.time()
        code = new_code()
        while code in self._by_code:
            code = new_code()
        record = SessionRecord(
            session_id=new_id("s"),
            code=code,
            title=title,
            created_at=now,
            expires_at=now + self.settings.code_ttl_hours * 3600.0,
            report_key=new_secret(),
            snapshot=RoomSnapshot().model_dump_json(),
        )
        await self.store.create_session(record)
        room = await self._load(record)
        await self._add_room(room)
        self._publish(room, {"t": "session"})
        return room

    async def room_for(self, session_id: str) -> LiveRoom | None:
        room = self.rooms.get(session_id)
        if room is not None:
            return room
        record = await self.store.get_session(session_id)
        if record is None:
            return None
        room = await self._load(record)
        self.rooms[session_id] = room
        return room

    # -- HTTP ---------------------------------------------------------------------------------

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        path = request.path.split("?", 1)[0]
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if path == "/ws" and upgrade:
            origin = request.headers.get("Origin")
            if origin is not None and not self._origin_allowed(origin, request):
                log.warning("refused a WebSocket from origin %s", origin)
                return web.text_response(403, "this origin may not connect")
            return None
        return await web.route(self, request)

    def _origin_allowed(self, origin: str, request: Request) -> bool:
        host = request.headers.get("Host", "")
        if origin in (f"http://{host}", f"https://{host}"):
            return True
        return origin in self.settings.allowed_origins

    # -- WebSocket ----------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        address = str(ws.remote_address[0]) if ws.remote_address else "?"
        if self._per_address[address] >= self.settings.max_connections_per_address:
            await self._refuse(ws, "too_many_connections", "too many connections from here")
            return
        self._per_address[address] += 1
        try:
            await self._serve_connection(ws)
        except ConnectionClosed:
            pass
        except _CutOff as cut:
            await self._refuse(ws, cut.code, str(cut))
        except SeminarError as error:
            log.error("seminar store problem: %s", error)
            await self._refuse(ws, "server_error", "the server could not do that", CLOSE_TRY_LATER)
        finally:
            self._per_address[address] -= 1
            if self._per_address[address] <= 0:
                del self._per_address[address]

    async def _refuse(
        self, ws: ServerConnection, code: str, message: str, close_code: int = CLOSE_POLICY
    ) -> None:
        # A client cut off for flooding may have so much unread input queued that its close
        # frame is never read (reading is paused above max_queue): don't wait 10 s for it.
        ws.close_timeout = 1.0
        with contextlib.suppress(ConnectionClosed):
            await ws.send(dump_message(ErrorMessage(code=code, message=message, fatal=True)))
            await ws.close(close_code, code)

    async def _serve_connection(self, ws: ServerConnection) -> None:
        try:
            first = await asyncio.wait_for(ws.recv(), self.settings.join_timeout_s)
        except TimeoutError:
            raise _CutOff("timeout", "say hello first (join or organizer)") from None
        message = self._parse(first, self.settings.max_message_bytes)
        if isinstance(message, JoinMessage):
            await self._participant(ws, message)
        elif isinstance(message, OrganizerHelloMessage):
            await self._organizer(ws, message)
        else:
            raise _CutOff("not_allowed", "the first message must be 'join' or 'organizer'")

    @staticmethod
    def _parse(raw: str | bytes, limit: int) -> Any:
        if len(raw) > limit:
            raise _CutOff("too_large", f"messages are limited to {limit} bytes")
        try:
            return parse_client_message(raw)
        except ProtocolError as error:
            raise _CutOff(error.code, str(error)) from None

    async def _messages(self, ws: ServerConnection, limiter: RateLimiter, limit: int) -> Any:
        async for raw in ws:
            if not limiter.allow(time.monotonic()):
                raise _CutOff("rate_limited", "too many messages; slow down")
            yield self._parse(raw, limit)

    # -- participants -------------------------------------------------------------------------

    async def _participant(self, ws: ServerConnection, join: JoinMessage) -> None:
        code = normalise_code(join.code)
        if code is not None and code not in self._by_code and self.bus is not None:
            # Another server process may have created it a moment ago.
            for record in await self.store.list_sessions():
                if record.code == code and record.ended_at is None:
                    room_found = await self.room_for(record.session_id)
                    if room_found is not None:
                        await self._add_room(room_found)
        session_id = self._by_code.get(code or "")
        room = self.rooms.get(session_id or "")
        if room is None:
            raise _CutOff("bad_code", "no session has that code; check the code on the screen")
        if room.state.ended:
            raise _CutOff("session_ended", "this session has ended")
        now = time.time()
        if now > room.record.expires_at:
            raise _CutOff("code_expired", "this room code has expired")
        member = room.members.get(join.participant_id or "")
        if member is not None and not secret_matches(join.secret or "", member.secret_hash):
            member = None
        rejoin = member is not None
        secret = join.secret or "" if member is not None else new_secret()
        if member is None:
            if len(room.members) >= self.settings.max_participants_per_room:
                raise _CutOff("room_full", "this session is full")
            try:
                nickname = self._unique_nickname(room, clean_nickname(join.nickname))
            except NicknameRefused as error:
                raise _CutOff("bad_nickname", str(error)) from None
            member = ParticipantRecord(
                new_id("p"), nickname, hash_secret(secret), now, now, connections=0
            )
        member = ParticipantRecord(
            member.participant_id,
            member.nickname,
            member.secret_hash,
            member.joined_at,
            now,
            member.connections + 1,
        )
        await self.store.save_participant(room.session_id, member)
        pid = member.participant_id
        previous = room.connections.get(pid)
        # From here to the welcome's write nothing awaits: the welcome and every later
        # broadcast reach this socket in sequence order.
        room.members[pid] = member
        room.connections[pid] = ws
        missed = room.updates_after(join.last_seq) if rejoin else []
        poll = room.state.poll
        welcome = WelcomeMessage(
            participant_id=pid,
            secret=secret,
            nickname=member.nickname,
            session=room.info(),
            state=room.state,
            missed=missed or [],
            vote=room.votes.get(poll.poll_id, {}).get(pid) if poll is not None else None,
            server_time=now,
        )
        broadcast([ws], dump_message(welcome))
        self._publish(room, {"t": "presence", "member": member.__dict__, "delta": 1})
        if poll is not None:
            tally = room.tally()
            if tally is not None:
                broadcast([ws], dump_message(tally))
        room.send_roster()
        if previous is not None and previous is not ws:
            # A half-open old socket of the same participant (a network change): retire it.
            await previous.close(4000, "replaced by a newer connection")
        limiter = RateLimiter(
            self.settings.rate_per_second, self.settings.rate_burst, time.monotonic()
        )
        try:
            async for message in self._messages(ws, limiter, self.settings.max_message_bytes):
                if isinstance(message, VoteMessage):
                    await self._vote(ws, room, pid, message)
                elif isinstance(message, LessonOutcomeMessage):
                    await self._outcome(room, pid, message)
                else:
                    raise _CutOff("not_allowed", "participants may vote and report lessons only")
        finally:
            if room.connections.get(pid) is ws:
                del room.connections[pid]
                room.send_roster()
                with contextlib.suppress(SeminarError):
                    self._publish(room, {"t": "presence", "member": member.__dict__, "delta": -1})

    @staticmethod
    def _unique_nickname(room: LiveRoom, nickname: str) -> str:
        taken = {member.nickname.casefold() for member in room.members.values()}
        candidate, number = nickname, 2
        while candidate.casefold() in taken:
            candidate = f"{nickname[:17]} {number}"
            number += 1
        return candidate

    async def _vote(
        self, ws: ServerConnection, room: LiveRoom, pid: str, vote: VoteMessage
    ) -> None:
        poll = room.state.poll
        if poll is None or poll.poll_id != vote.poll_id or not poll.open:
            await ws.send(dump_message(ErrorMessage(code="poll_closed", message="poll is closed")))
            return
        if vote.option >= len(poll.options):
            raise _CutOff("malformed", "no such option")
        await self.store.save_vote(
            room.session_id, VoteRecord(poll.poll_id, pid, vote.option, time.time())
        )
        room.votes.setdefault(poll.poll_id, {})[pid] = vote.option
        await ws.send(dump_message(VoteAckMessage(poll_id=poll.poll_id, option=vote.option)))
        self._tally_soon(room)
        self._publish(
            room, {"t": "vote", "poll_id": poll.poll_id, "pid": pid, "option": vote.option}
        )

    async def _outcome(self, room: LiveRoom, pid: str, outcome: LessonOutcomeMessage) -> None:
        await self.store.save_outcome(
            room.session_id,
            OutcomeRecord(pid, outcome.lesson, outcome.completed, outcome.score, time.time()),
        )
        key = (pid, outcome.lesson)
        if not outcome.completed or key in room.completed or room.state.ended:
            return
        room.completed.add(key)
        self._publish(room, {"t": "outcome", "pid": pid, "lesson": outcome.lesson})
        async with self._locked(room):
            glow = room.glow_change()
            if glow.completions > room.state.completions and not room.state.ended:
                await room.commit([glow], f"glow-{glow.completions}")

    # -- organizers ---------------------------------------------------------------------------

    async def _organizer(self, ws: ServerConnection, hello: OrganizerHelloMessage) -> None:
        digest = await self.store.get_meta(TOKEN_KEY)
        if digest is None or not secret_matches(hello.token, digest):
            await asyncio.sleep(0.3)  # slows guessing; the token has 192 random bits anyway
            raise _CutOff("bad_token", "wrong organizer token")
        room: LiveRoom | None = None
        if hello.session_id is not None:
            room = await self._attach(ws, None, hello.session_id)
        else:
            await self._organizer_welcome(ws, None)
        limiter = RateLimiter(
            self.settings.organizer_rate_per_second,
            self.settings.organizer_rate_burst,
            time.monotonic(),
        )
        limit = self.settings.organizer_max_message_bytes
        try:
            async for message in self._messages(ws, limiter, limit):
                if isinstance(message, CreateSessionMessage):
                    created = await self.create_session(message.title)
                    room = await self._attach(ws, room, created.session_id)
                    ack = AckMessage(
                        request_id=message.request_id, seq=0, session=created.info(with_key=True)
                    )
                    await ws.send(dump_message(ack))
                elif isinstance(message, OrganizerHelloMessage):
                    if message.session_id is not None:
                        room = await self._attach(ws, room, message.session_id)
                elif isinstance(message, JoinMessage | VoteMessage | LessonOutcomeMessage):
                    raise _CutOff("not_allowed", "organizers run the session; they do not join it")
                else:
                    await self._command(ws, room, message)
        finally:
            if room is not None:
                room.organizers.discard(ws)

    async def _attach(
        self, ws: ServerConnection, current: LiveRoom | None, session_id: str
    ) -> LiveRoom | None:
        room = await self.room_for(session_id)
        if room is None:
            await ws.send(dump_message(ErrorMessage(code="no_session", message="no such session")))
            if current is None:
                await self._organizer_welcome(ws, None)
            return current
        if current is not None:
            current.organizers.discard(ws)
        if len(room.organizers) >= self.settings.max_organizers_per_room:
            raise _CutOff("too_many_organizers", "too many consoles on this session")
        await self._organizer_welcome(ws, room)
        room.organizers.add(ws)
        await ws.send(dump_message(room.roster()))
        tally = room.tally()
        if tally is not None:
            await ws.send(dump_message(tally))
        return room

    async def _organizer_welcome(self, ws: ServerConnection, room: LiveRoom | None) -> None:
        sessions: list[SessionInfo] = []
        for record in await self.store.list_sessions():
            live = self.rooms.get(record.session_id)
            sessions.append(
                live.info(with_key=True)
                if live is not None
                else SessionInfo(
                    session_id=record.session_id,
                    code=record.code,
                    title=record.title,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                    ended=record.ended_at is not None,
                    report_key=record.report_key,
                )
            )
        host = ws.request.headers.get("Host", "") if ws.request is not None else ""
        welcome = OrganizerWelcomeMessage(
            sessions=sessions,
            session=room.info(with_key=True) if room is not None else None,
            state=room.state if room is not None else None,
            join_url=web.join_url(self.settings, host, room.record.code) if room else None,
            server_time=time.time(),
        )
        await ws.send(dump_message(welcome))

    async def _command(self, ws: ServerConnection, room: LiveRoom | None, command: Command) -> None:
        if room is None:
            await ws.send(
                dump_message(ErrorMessage(code="no_session", message="create or open a session"))
            )
            return
        async with self._locked(room):
            done = room.request_seq.get(command.request_id)
            if done is not None:
                # A retried command (the console reconnected before its ack): answer, don't redo.
                await ws.send(dump_message(AckMessage(request_id=command.request_id, seq=done)))
                return
            try:
                changes = changes_for(
                    room.state, command, now=time.time(), poll_id=f"poll{room.state.seq + 1}"
                )
            except RoomRuleError as error:
                await ws.send(dump_message(ErrorMessage(code=error.code, message=str(error))))
                return
            seq = await room.commit(changes, command.request_id) if changes else room.state.seq
            if not changes:
                room.request_seq[command.request_id] = seq
        if room.state.ended:
            self._by_code.pop(room.record.code, None)
        await ws.send(dump_message(AckMessage(request_id=command.request_id, seq=seq)))
