"""Fan-out between several server processes that share one Redis (the festival deployment).

With the Redis store, any process may hold connections for any room. A process changes a room
only while holding that room's Redis lock, after catching up with the store's update log;
it commits the update to the store, then publishes it. Every process applies published
updates in sequence order to its own copy of the room and sends them to its own connections;
a gap (a message missed while resubscribing) is filled from the store's log. Votes, presence
and lesson completions are published the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from engine.errors import SeminarError

__all__ = ["RedisBus"]

log = logging.getLogger("glowgrove.seminar")

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""

Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


class RedisBus:
    def __init__(self, url: str, prefix: str = "glowgrove:seminar:") -> None:
        self._redis: Any = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self.process_id = secrets.token_hex(6)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def _channel(self, session_id: str) -> str:
        return f"{self._prefix}room:{session_id}"

    async def start(self, handler: Handler) -> None:
        self._task = asyncio.create_task(self._listen(handler))
        await asyncio.wait_for(self._ready.wait(), 10)

    async def _listen(self, handler: Handler) -> None:
        pattern = self._channel("*")
        skip = len(self._channel(""))
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(pattern)
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        data = json.loads(message["data"])
                        if data.get("from") == self.process_id:
                            continue
                        try:
                            await handler(str(message["channel"])[skip:], data)
                        except SeminarError as error:
                            log.error("seminar bus: %s", error)
            except (RedisError, OSError) as error:
                # Updates published meanwhile are caught up from the store's log on the next
                # one that arrives (a sequence gap).
                log.warning("seminar bus lost Redis (%s); resubscribing", error)
                await asyncio.sleep(0.5)

    async def publish(self, session_id: str, event: dict[str, Any]) -> None:
        payload = json.dumps({**event, "from": self.process_id})
        try:
            await self._redis.publish(self._channel(session_id), payload)
        except (RedisError, OSError) as error:
            raise SeminarError(f"seminar bus publish failed: {error}") from None

    @contextlib.asynccontextmanager
    async def lock(self, session_id: str, timeout_s: float = 10.0) -> AsyncIterator[None]:
        """The room's lock across processes (expires by itself if its holder dies)."""
        key = f"{self._prefix}lock:{session_id}"
        token = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while not await self._redis.set(key, token, nx=True, px=10_000):
                if loop.time() > deadline:
                    raise SeminarError(f"room {session_id} stayed locked for {timeout_s} s")
                await asyncio.sleep(0.002)
        except (RedisError, OSError) as error:
            raise SeminarError(f"seminar bus lock failed: {error}") from None
        try:
            yield
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.eval(_RELEASE, 1, key, token)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()
