"""The store contract, run against SQLite and against a real redis-server on loopback."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from engine.errors import SeminarError
from engine.seminar.redis_store import RedisStore
from engine.seminar.sqlite_store import SqliteStore
from engine.seminar.store import (
    OutcomeRecord,
    ParticipantRecord,
    PollRecord,
    SessionRecord,
    Store,
    UpdateRecord,
    VoteRecord,
    open_store,
)
from tests.redis_server import running_redis

_prefixes = itertools.count()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from running_redis(tmp_path_factory.mktemp("redis"))


@pytest.fixture(params=["sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    if request.param == "sqlite":
        return lambda: SqliteStore(tmp_path / "store.sqlite3")
    url = request.getfixturevalue("redis_url")
    prefix = f"test{next(_prefixes)}:"
    return lambda: RedisStore(url, prefix=prefix)


def _run(make: Callable[[], Store], body: Callable[[Store], Awaitable[None]]) -> None:
    async def main() -> None:
        store = make()
        try:
            await body(store)
        finally:
            await store.close()

    asyncio.run(main())


def _session(session_id: str, created: float = 1000.0) -> SessionRecord:
    return SessionRecord(session_id, "ABCDEF", "Council", created, created + 60, "key", "{}")


def test_sessions_updates_and_snapshot_survive_reopening(make_store: Callable[[], Store]) -> None:
    async def write(store: Store) -> None:
        await store.create_session(_session("s_one"))
        for seq in (1, 2, 3):
            await store.commit_update(
                "s_one",
                UpdateRecord(seq, f"r{seq}", f'{{"n":{seq}}}', 1000.0 + seq),
                f'{{"seq":{seq}}}',
                1003.0 if seq == 3 else None,
            )
        await store.set_meta("token", "hash")

    async def read(store: Store) -> None:
        record = await store.get_session("s_one")
        assert record is not None
        assert (record.snapshot, record.ended_at, record.title) == ('{"seq":3}', 1003.0, "Council")
        after = await store.updates_after("s_one", 1, 10)
        assert [(u.seq, u.request_id, u.change) for u in after] == [
            (2, "r2", '{"n":2}'),
            (3, "r3", '{"n":3}'),
        ]
        assert await store.updates_after("s_one", 0, 1) == [
            UpdateRecord(1, "r1", '{"n":1}', 1001.0)
        ]
        assert [s.session_id for s in await store.list_sessions()] == ["s_one"]
        assert await store.get_meta("token") == "hash"
        assert await store.get_meta("other") is None
        assert await store.get_session("s_missing") is None

    _run(make_store, write)
    _run(make_store, read)


def test_votes_replace_and_outcomes_never_lose_a_completion(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store) -> None:
        await store.create_session(_session("s_v"))
        await store.save_participant("s_v", ParticipantRecord("p_a", "Mia", "h", 1.0, 2.0, 1))
        await store.save_participant("s_v", ParticipantRecord("p_a", "Mia", "h", 1.0, 5.0, 2))
        assert await store.participants("s_v") == [
            ParticipantRecord("p_a", "Mia", "h", 1.0, 5.0, 2)
        ]
        await store.save_poll("s_v", PollRecord("poll1", "Q?", ("a", "b"), 10.0, None))
        await store.save_poll("s_v", PollRecord("poll1", "Q?", ("a", "b"), 10.0, 20.0))
        assert await store.polls("s_v") == [PollRecord("poll1", "Q?", ("a", "b"), 10.0, 20.0)]
        await store.save_vote("s_v", VoteRecord("poll1", "p_a", 0, 11.0))
        await store.save_vote("s_v", VoteRecord("poll1", "p_a", 1, 12.0))
        assert await store.votes("s_v") == [VoteRecord("poll1", "p_a", 1, 12.0)]
        await store.save_outcome("s_v", OutcomeRecord("p_a", "sorting", True, 0.9, 30.0))
        await store.save_outcome("s_v", OutcomeRecord("p_a", "sorting", False, None, 31.0))
        [outcome] = await store.outcomes("s_v")
        assert (outcome.completed, outcome.score) == (True, 0.9)

    _run(make_store, body)


def test_purge_removes_old_sessions_and_everything_in_them(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store) -> None:
        await store.create_session(_session("s_old", created=100.0))
        await store.create_session(_session("s_new", created=5000.0))
        for session_id in ("s_old", "s_new"):
            await store.save_vote(session_id, VoteRecord("poll1", "p", 0, 1.0))
            await store.commit_update(session_id, UpdateRecord(1, "r", "{}", 1.0), "{}", None)
        assert await store.purge(created_before=1000.0) == 1
        assert [s.session_id for s in await store.list_sessions()] == ["s_new"]
        assert await store.votes("s_old") == []
        assert await store.updates_after("s_old", 0, 10) == []
        assert len(await store.votes("s_new")) == 1

    _run(make_store, body)


def test_store_urls_and_unreachable_stores(tmp_path: Path) -> None:
    async def body() -> None:
        sqlite = open_store(f"sqlite:///{tmp_path}/a.sqlite3")
        assert isinstance(sqlite, SqliteStore)
        await sqlite.close()
        with pytest.raises(SeminarError, match="unknown store URL"):
            open_store("postgres://nope")
        unreachable = open_store("redis://127.0.0.1:1/0")
        assert isinstance(unreachable, RedisStore)
        with pytest.raises(SeminarError, match="failed"):
            await unreachable.get_meta("x")
        await unreachable.close()
        with pytest.raises(SeminarError, match="cannot open"):
            SqliteStore(tmp_path)  # a directory is not a database

    asyncio.run(body())
