"""Fan-out between several server processes that share one Redis (the festival deployment).

With the Redis store, any process may hold connections for any room. A process changes a room
only while holding that room's Redis lock, after catching up with the store's update log;
it commits the update to the store, then publishes it. Every process applies published
updates in sequence order to its own copy of the room and sends them to its own connections;
a gap (a message missed while resubscribing) is filled from the store's log. Votes, presence
and lesson completions are published the same way.

Publishing never holds up the caller: messages go to an outbox that one task sends in order,
as many as are waiting in one pipeline. Taking a room's lock also returns the last sequence
number in the room's update log (one round trip), so a process that is already up to date does
not read the log at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from engine.errors import SeminarError
from engine.seminar.resp import RedisClient, RedisFailure

__all__ = ["RedisBus"]

log = logging.getLogger("glowgrove.seminar")

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""
# KEYS: the lock, the room's update log (a sorted set scored by seq, see redis_store.py).
# Returns -1 when the lock is taken, else the last committed seq (0: none yet).
_ACQUIRE = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local last = redis.call('zrange', KEYS[2], -1, -1, 'WITHSCORES')
if last[2] then return tonumber(last[2]) end
return 0
"""
_BATCH = 500  # messages sent in one pipeline at most

Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


class RedisBus:
    def __init__(self, url: str, prefix: str = "glowgrove:seminar:") -> None:
        try:
            self._redis = RedisClient(url)
        except ValueError as error:
            raise SeminarError(f"bad Redis URL: {error}") from None
        self._prefix = prefix
        self.process_id = secrets.token_hex(6)
        # Our own messages come back from Redis; they start with this and are skipped unread.
        self._own = json.dumps({"from": self.process_id})[:-1]
        self._task: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._ready = asyncio.Event()

    def _channel(self, session_id: str) -> str:
        return f"{self._prefix}room:{session_id}"

    async def start(self, handler: Handler) -> None:
        self._task = asyncio.create_task(self._listen(handler))
        self._sender = asyncio.create_task(self._send())
        await asyncio.wait_for(self._ready.wait(), 10)

    async def _listen(self, handler: Handler) -> None:
        pattern = self._channel("*")
        skip = len(self._channel(""))
        while True:
            try:
                async for channel, raw in self._redis.subscribe(pattern, self._ready):
                    if raw.startswith(self._own):
                        continue
                    try:
                        data = json.loads(raw)
                    except ValueError:
                        log.error("seminar bus: a message that is not JSON on %s", channel)
                        continue
                    try:
                        await handler(channel[skip:], data)
                    except SeminarError as error:
                        log.error("seminar bus: %s", error)
            except (RedisFailure, OSError) as error:
                # Updates published meanwhile are caught up from the store's log on the next
                # one that arrives (a sequence gap).
                log.warning("seminar bus lost Redis (%s); resubscribing", error)
                await asyncio.sleep(0.5)

    def publish(self, session_id: str, event: dict[str, Any]) -> None:
        """Queue ``event`` for the other processes; sent in order, soon, by :meth:`_send`."""
        payload = json.dumps({"from": self.process_id, **event})
        self._outbox.put_nowait((self._channel(session_id), payload))

    async def _send(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < _BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                await self._redis.pipeline([("PUBLISH", channel, data) for channel, data in batch])
            except (RedisFailure, OSError) as error:
                # Updates are in the store's log: the other processes fill the gap from it.
                log.warning("seminar bus: %d message(s) not published (%s)", len(batch), error)
            finally:
                for _ in batch:
                    self._outbox.task_done()

    @contextlib.asynccontextmanager
    async def lock(self, session_id: str, timeout_s: float = 10.0) -> AsyncIterator[int]:
        """The room's lock across processes (expires by itself if its holder dies). Gives the
        last sequence number committed to the room's log when the lock was taken."""
        key = f"{self._prefix}lock:{session_id}"
        log_key = f"{self._prefix}updates:{session_id}"  # RedisStore's update log
        token = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while (last := await self._redis.script(_ACQUIRE, [key, log_key], [token, 10_000])) < 0:
                if loop.time() > deadline:
                    raise SeminarError(f"room {session_id} stayed locked for {timeout_s} s")
                await asyncio.sleep(0.002)
        except (RedisFailure, OSError) as error:
            raise SeminarError(f"seminar bus lock failed: {error}") from None
        try:
            yield int(last)
        finally:
            # Not waited for: it goes down the same connection as this process's next command,
            # so it runs before this process asks for the lock again.
            self._redis.send_nowait("EVAL", _RELEASE, 1, key, token)

    async def close(self) -> None:
        """Send what is still queued (for a moment at most), then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._outbox.join(), 2)
        for task in (self._task, self._sender):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._redis.close()
