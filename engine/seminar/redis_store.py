"""The session store on Redis, for deployments with several server processes.

Same interface and behaviour as :class:`~engine.seminar.store.SqliteStore`; the contract tests
run against both (Redis: a real ``redis-server`` on loopback). Layout, under a key prefix:

- ``meta`` hash; ``sessions`` sorted set (score: created_at); ``session:{id}`` hash
- ``updates:{id}`` sorted set of change JSON by seq
- ``participants:{id}``, ``polls:{id}``, ``outcomes:{id}`` hashes of JSON;
  ``votes:{id}`` hash ``poll_id|participant_id`` -> JSON

An update and its snapshot are written in one MULTI/EXEC transaction.
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from engine.errors import SeminarError
from engine.seminar.store import (
    OutcomeRecord,
    ParticipantRecord,
    PollRecord,
    SessionRecord,
    Store,
    UpdateRecord,
    VoteRecord,
)

__all__ = ["RedisStore"]


class RedisStore(Store):
    def __init__(
        self, url: str, prefix: str = "glowgrove:seminar:", max_connections: int = 32
    ) -> None:
        # A blocking pool: a burst of joins waits for a free connection instead of failing
        # with "Too many connections" (the default pool raises when it runs out).
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=30, decode_responses=True
        )
        self._redis: Any = aioredis.Redis.from_pool(pool)
        self._prefix = prefix
        self._url = url

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    async def _run(self, coroutine: Any) -> Any:
        try:
            return await coroutine
        except (RedisError, OSError) as error:
            raise SeminarError(f"session store ({self._url}) failed: {error}") from None

    async def get_meta(self, key: str) -> str | None:
        value = await self._run(self._redis.hget(self._key("meta"), key))
        return None if value is None else str(value)

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(self._redis.hset(self._key("meta"), key, value))

    async def create_session(self, record: SessionRecord) -> None:
        fields = {
            "session_id": record.session_id,
            "code": record.code,
            "title": record.title,
            "created_at": repr(record.created_at),
            "expires_at": repr(record.expires_at),
            "report_key": record.report_key,
            "snapshot": record.snapshot,
            "ended_at": "" if record.ended_at is None else repr(record.ended_at),
        }
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._key("session", record.session_id), mapping=fields)
        pipe.zadd(self._key("sessions"), {record.session_id: record.created_at})
        await self._run(pipe.execute())

    @staticmethod
    def _session(fields: dict[str, str]) -> SessionRecord:
        return SessionRecord(
            session_id=fields["session_id"],
            code=fields["code"],
            title=fields["title"],
            created_at=float(fields["created_at"]),
            expires_at=float(fields["expires_at"]),
            report_key=fields["report_key"],
            snapshot=fields["snapshot"],
            ended_at=float(fields["ended_at"]) if fields.get("ended_at") else None,
        )

    async def get_session(self, session_id: str) -> SessionRecord | None:
        fields = await self._run(self._redis.hgetall(self._key("session", session_id)))
        return self._session(fields) if fields else None

    async def list_sessions(self) -> list[SessionRecord]:
        ids = await self._run(self._redis.zrange(self._key("sessions"), 0, -1))
        sessions = []
        for session_id in ids:
            record = await self.get_session(session_id)
            if record is not None:
                sessions.append(record)
        return sessions

    async def commit_update(
        self, session_id: str, update: UpdateRecord, snapshot: str, ended_at: float | None
    ) -> None:
        entry = json.dumps(
            {
                "seq": update.seq,
                "request_id": update.request_id,
                "change": update.change,
                "at": update.at,
            }
        )
        pipe = self._redis.pipeline(transaction=True)
        pipe.zadd(self._key("updates", session_id), {entry: update.seq})
        pipe.hset(self._key("session", session_id), "snapshot", snapshot)
        if ended_at is not None:
            pipe.hset(self._key("session", session_id), "ended_at", repr(ended_at))
        await self._run(pipe.execute())

    async def updates_after(self, session_id: str, seq: int, limit: int) -> list[UpdateRecord]:
        entries = await self._run(
            self._redis.zrangebyscore(
                self._key("updates", session_id), f"({seq}", "+inf", start=0, num=limit
            )
        )
        records = []
        for entry in entries:
            data = json.loads(entry)
            records.append(
                UpdateRecord(int(data["seq"]), data["request_id"], data["change"], data["at"])
            )
        return records

    async def save_participant(self, session_id: str, record: ParticipantRecord) -> None:
        data = json.dumps(record.__dict__)
        await self._run(
            self._redis.hset(self._key("participants", session_id), record.participant_id, data)
        )

    async def participants(self, session_id: str) -> list[ParticipantRecord]:
        values = await self._run(self._redis.hvals(self._key("participants", session_id)))
        records = [ParticipantRecord(**json.loads(value)) for value in values]
        return sorted(records, key=lambda record: record.joined_at)

    async def save_poll(self, session_id: str, record: PollRecord) -> None:
        data = json.dumps({**record.__dict__, "options": list(record.options)})
        await self._run(self._redis.hset(self._key("polls", session_id), record.poll_id, data))

    async def polls(self, session_id: str) -> list[PollRecord]:
        values = await self._run(self._redis.hvals(self._key("polls", session_id)))
        records = []
        for value in values:
            data = json.loads(value)
            data["options"] = tuple(data["options"])
            records.append(PollRecord(**data))
        return sorted(records, key=lambda record: record.opened_at)

    async def save_vote(self, session_id: str, record: VoteRecord) -> None:
        field = f"{record.poll_id}|{record.participant_id}"
        await self._run(
            self._redis.hset(self._key("votes", session_id), field, json.dumps(record.__dict__))
        )

    async def votes(self, session_id: str) -> list[VoteRecord]:
        values = await self._run(self._redis.hvals(self._key("votes", session_id)))
        records = [VoteRecord(**json.loads(value)) for value in values]
        return sorted(records, key=lambda record: record.at)

    async def save_outcome(self, session_id: str, record: OutcomeRecord) -> None:
        key = self._key("outcomes", session_id)
        field = f"{record.participant_id}|{record.lesson}"
        # Read-modify-write under WATCH so a retry never undoes a completion.
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    previous = await pipe.hget(key, field)
                    merged = record
                    if previous is not None:
                        old = OutcomeRecord(**json.loads(previous))
                        merged = OutcomeRecord(
                            record.participant_id,
                            record.lesson,
                            old.completed or record.completed,
                            record.score if record.score is not None else old.score,
                            record.at,
                        )
                    pipe.multi()
                    pipe.hset(key, field, json.dumps(merged.__dict__))
                    await pipe.execute()
                    return
                except aioredis.WatchError:
                    continue
                except (RedisError, OSError) as error:
                    raise SeminarError(f"session store ({self._url}) failed: {error}") from None

    async def outcomes(self, session_id: str) -> list[OutcomeRecord]:
        values = await self._run(self._redis.hvals(self._key("outcomes", session_id)))
        records = [OutcomeRecord(**json.loads(value)) for value in values]
        return sorted(records, key=lambda record: record.at)

    async def purge(self, created_before: float) -> int:
        doomed = await self._run(
            self._redis.zrangebyscore(self._key("sessions"), "-inf", f"({created_before}")
        )
        for session_id in doomed:
            pipe = self._redis.pipeline(transaction=True)
            for part in ("session", "updates", "participants", "polls", "votes", "outcomes"):
                pipe.delete(self._key(part, session_id))
            pipe.zrem(self._key("sessions"), session_id)
            await self._run(pipe.execute())
        return len(doomed)

    async def close(self) -> None:
        await self._redis.aclose()
