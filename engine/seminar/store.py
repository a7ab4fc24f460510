"""Durable storage for seminar sessions behind one small async interface.

The server writes every state change, participant, poll, vote and lesson outcome here before it
tells anyone about it, so a restarted server rebuilds its rooms from the store and clients
resync. :class:`~engine.seminar.sqlite_store.SqliteStore` is the default (one file, WAL);
:class:`~engine.seminar.redis_store.RedisStore` keeps the state in Redis. :func:`open_store`
picks one from a URL.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from engine.errors import SeminarError

__all__ = [
    "OutcomeRecord",
    "ParticipantRecord",
    "PollRecord",
    "SessionRecord",
    "Store",
    "UpdateRecord",
    "VoteRecord",
    "open_store",
]


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    code: str
    title: str
    created_at: float
    expires_at: float
    report_key: str
    snapshot: str
    ended_at: float | None = None


@dataclass(frozen=True)
class UpdateRecord:
    seq: int
    request_id: str
    change: str
    at: float


@dataclass(frozen=True)
class ParticipantRecord:
    participant_id: str
    nickname: str
    secret_hash: str
    joined_at: float
    last_seen: float
    connections: int


@dataclass(frozen=True)
class PollRecord:
    poll_id: str
    question: str
    options: tuple[str, ...]
    opened_at: float
    closed_at: float | None


@dataclass(frozen=True)
class VoteRecord:
    poll_id: str
    participant_id: str
    option: int
    at: float


@dataclass(frozen=True)
class OutcomeRecord:
    participant_id: str
    lesson: str
    completed: bool
    score: float | None
    at: float


class Store(abc.ABC):
    """What the server needs from storage. Every write is durable when the call returns."""

    @abc.abstractmethod
    async def get_meta(self, key: str) -> str | None: ...

    @abc.abstractmethod
    async def set_meta(self, key: str, value: str) -> None: ...

    @abc.abstractmethod
    async def create_session(self, record: SessionRecord) -> None: ...

    @abc.abstractmethod
    async def get_session(self, session_id: str) -> SessionRecord | None: ...

    @abc.abstractmethod
    async def list_sessions(self) -> list[SessionRecord]: ...

    @abc.abstractmethod
    async def commit_update(
        self, session_id: str, update: UpdateRecord, snapshot: str, ended_at: float | None
    ) -> None:
        """Append ``update`` to the session's log and replace its snapshot, atomically."""

    @abc.abstractmethod
    async def updates_after(self, session_id: str, seq: int, limit: int) -> list[UpdateRecord]: ...

    @abc.abstractmethod
    async def save_participant(self, session_id: str, record: ParticipantRecord) -> None: ...

    @abc.abstractmethod
    async def participants(self, session_id: str) -> list[ParticipantRecord]: ...

    @abc.abstractmethod
    async def save_poll(self, session_id: str, record: PollRecord) -> None: ...

    @abc.abstractmethod
    async def polls(self, session_id: str) -> list[PollRecord]: ...

    @abc.abstractmethod
    async def save_vote(self, session_id: str, record: VoteRecord) -> None:
        """One vote per participant per poll: a second vote replaces the first."""

    @abc.abstractmethod
    async def votes(self, session_id: str) -> list[VoteRecord]: ...

    @abc.abstractmethod
    async def save_outcome(self, session_id: str, record: OutcomeRecord) -> None:
        """One outcome per participant per lesson; a completion is never undone by a retry."""

    @abc.abstractmethod
    async def outcomes(self, session_id: str) -> list[OutcomeRecord]: ...

    @abc.abstractmethod
    async def purge(self, created_before: float) -> int:
        """Delete sessions (and everything recorded in them) created before the cut-off."""

    @abc.abstractmethod
    async def close(self) -> None: ...


def open_store(url: str) -> Store:
    """``redis://HOST:PORT/DB`` -> Redis; ``sqlite:///PATH``, a path or ``:memory:`` -> SQLite."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        from engine.seminar.redis_store import RedisStore

        return RedisStore(url)
    from engine.seminar.sqlite_store import SqliteStore

    if url.startswith("sqlite:///"):
        return SqliteStore(url[len("sqlite:///") :] or ":memory:")
    if "://" in url:
        raise SeminarError(f"unknown store URL {url!r}: use sqlite:///PATH or redis://HOST:PORT/DB")
    return SqliteStore(url)
