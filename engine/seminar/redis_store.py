"""The session store on Redis, for deployments with several server processes.

Same interface and behaviour as :class:`~engine.seminar.store.SqliteStore`; the contract tests
run against both (Redis: a real ``redis-server`` on loopback). Layout, under a key prefix:

- ``meta`` hash; ``sessions`` sorted set (score: created_at); ``session:{id}`` hash
- ``updates:{id}`` sorted set of change JSON by seq (the bus's room lock reads its last score)
- ``participants:{id}``, ``polls:{id}``, ``outcomes:{id}`` hashes of JSON;
  ``votes:{id}`` hash ``poll_id|participant_id`` -> JSON

An update and its snapshot are written in one MULTI/EXEC transaction. Commands go through
:mod:`engine.seminar.resp` (one pipelined connection).
"""

from __future__ import annotations

import json
from typing import Any

from engine.errors import SeminarError
from engine.seminar.resp import RedisClient, RedisFailure
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
    def __init__(self, url: str, prefix: str = "glowgrove:seminar:") -> None:
        try:
            self._redis = RedisClient(url)
        except ValueError as error:
            raise SeminarError(f"bad Redis URL: {error}") from None
        self._prefix = prefix
        self._url = url

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    async def _run(self, coroutine: Any) -> Any:
        try:
            return await coroutine
        except (RedisFailure, OSError) as error:
            raise SeminarError(f"session store ({self._url}) failed: {error}") from None

    async def get_meta(self, key: str) -> str | None:
        value = await self._run(self._redis.call("HGET", self._key("meta"), key))
        return None if value is None else str(value)

    async def set_meta(self, key: str, value: str) -> None:
        await self._run(self._redis.call("HSET", self._key("meta"), key, value))

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
        flat = [item for pair in fields.items() for item in pair]
        await self._run(
            self._redis.transaction(
                [
                    ("HSET", self._key("session", record.session_id), *flat),
                    ("ZADD", self._key("sessions"), repr(record.created_at), record.session_id),
                ]
            )
        )

    @staticmethod
    def _session(flat: list[str]) -> SessionRecord:
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
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
        flat = await self._run(self._redis.call("HGETALL", self._key("session", session_id)))
        return self._session(flat) if flat else None

    async def list_sessions(self) -> list[SessionRecord]:
        ids = await self._run(self._redis.call("ZRANGE", self._key("sessions"), 0, -1))
        replies = await self._run(
            self._redis.pipeline([("HGETALL", self._key("session", i)) for i in ids])
        )
        return [self._session(flat) for flat in replies if flat]

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
        session = self._key("session", session_id)
        fields: list[str] = ["snapshot", snapshot]
        if ended_at is not None:
            fields += ["ended_at", repr(ended_at)]
        await self._run(
            self._redis.transaction(
                [
                    ("ZADD", self._key("updates", session_id), update.seq, entry),
                    ("HSET", session, *fields),
                ]
            )
        )

    async def updates_after(self, session_id: str, seq: int, limit: int) -> list[UpdateRecord]:
        entries = await self._run(
            self._redis.call(
                "ZRANGEBYSCORE",
                self._key("updates", session_id),
                f"({seq}",
                "+inf",
                "LIMIT",
                0,
                limit,
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
        key = self._key("participants", session_id)
        await self._run(self._redis.call("HSET", key, record.participant_id, data))

    async def _values(self, part: str, session_id: str) -> list[Any]:
        values = await self._run(self._redis.call("HVALS", self._key(part, session_id)))
        return [json.loads(value) for value in values]

    async def participants(self, session_id: str) -> list[ParticipantRecord]:
        records = [
            ParticipantRecord(**data) for data in await self._values("participants", session_id)
        ]
        return sorted(records, key=lambda record: record.joined_at)

    async def save_poll(self, session_id: str, record: PollRecord) -> None:
        data = json.dumps({**record.__dict__, "options": list(record.options)})
        key = self._key("polls", session_id)
        await self._run(self._redis.call("HSET", key, record.poll_id, data))

    async def polls(self, session_id: str) -> list[PollRecord]:
        records = []
        for data in await self._values("polls", session_id):
            data["options"] = tuple(data["options"])
            records.append(PollRecord(**data))
        return sorted(records, key=lambda record: record.opened_at)

    async def save_vote(self, session_id: str, record: VoteRecord) -> None:
        field = f"{record.poll_id}|{record.participant_id}"
        data = json.dumps(record.__dict__)
        await self._run(self._redis.call("HSET", self._key("votes", session_id), field, data))

    async def votes(self, session_id: str) -> list[VoteRecord]:
        records = [VoteRecord(**data) for data in await self._values("votes", session_id)]
        return sorted(records, key=lambda record: record.at)

    async def save_outcome(self, session_id: str, record: OutcomeRecord) -> None:
        key = self._key("outcomes", session_id)
        field = f"{record.participant_id}|{record.lesson}"

        # Read-modify-write under WATCH (on a connection of its own) so a retry never undoes
        # a completion.
        async def merge() -> None:
            async with self._redis.exclusive() as connection:
                while True:
                    await connection.call(("WATCH", key))
                    previous = await connection.call(("HGET", key, field))
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
                    data = json.dumps(merged.__dict__)
                    replies = connection.send([("MULTI",), ("HSET", key, field, data), ("EXEC",)])
                    if [await reply for reply in replies][-1] is not None:
                        return  # None: the key changed since WATCH, so read it again

        await self._run(merge())

    async def outcomes(self, session_id: str) -> list[OutcomeRecord]:
        records = [OutcomeRecord(**data) for data in await self._values("outcomes", session_id)]
        return sorted(records, key=lambda record: record.at)

    async def purge(self, created_before: float) -> int:
        doomed = await self._run(
            self._redis.call("ZRANGEBYSCORE", self._key("sessions"), "-inf", f"({created_before!r}")
        )
        for session_id in doomed:
            parts = ("session", "updates", "participants", "polls", "votes", "outcomes")
            await self._run(
                self._redis.transaction(
                    [
                        *(("DEL", self._key(part, session_id)) for part in parts),
                        ("ZREM", self._key("sessions"), session_id),
                    ]
                )
            )
        return len(doomed)

    async def close(self) -> None:
        await self._redis.close()
