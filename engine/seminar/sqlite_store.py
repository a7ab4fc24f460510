"""The default session store: one SQLite file in WAL mode."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

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

__all__ = ["SqliteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, code TEXT NOT NULL, title TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL NOT NULL, ended_at REAL,
    report_key TEXT NOT NULL, snapshot TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS updates (
    session_id TEXT NOT NULL, seq INTEGER NOT NULL, request_id TEXT NOT NULL,
    change TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TABLE IF NOT EXISTS participants (
    session_id TEXT NOT NULL, participant_id TEXT NOT NULL, nickname TEXT NOT NULL,
    secret_hash TEXT NOT NULL, joined_at REAL NOT NULL, last_seen REAL NOT NULL,
    connections INTEGER NOT NULL, PRIMARY KEY (session_id, participant_id));
CREATE TABLE IF NOT EXISTS polls (
    session_id TEXT NOT NULL, poll_id TEXT NOT NULL, question TEXT NOT NULL,
    options TEXT NOT NULL, opened_at REAL NOT NULL, closed_at REAL,
    PRIMARY KEY (session_id, poll_id));
CREATE TABLE IF NOT EXISTS votes (
    session_id TEXT NOT NULL, poll_id TEXT NOT NULL, participant_id TEXT NOT NULL,
    option INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (session_id, poll_id, participant_id));
CREATE TABLE IF NOT EXISTS outcomes (
    session_id TEXT NOT NULL, participant_id TEXT NOT NULL, lesson TEXT NOT NULL,
    completed INTEGER NOT NULL, score REAL, at REAL NOT NULL,
    PRIMARY KEY (session_id, participant_id, lesson));
"""

_SESSION_COLUMNS = "session_id, code, title, created_at, expires_at, report_key, snapshot, ended_at"


class SqliteStore(Store):
    """One SQLite file in WAL mode; a killed server loses no committed write.

    Calls run on the event loop's thread: each is a short indexed statement (tens of
    microseconds), cheaper than a hop to a worker thread.
    """

    def __init__(self, path: str | Path) -> None:
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise SeminarError(f"cannot open the session store {target}: {error}") from None

    def _write(self, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                self._db.execute(sql, params)
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise SeminarError(f"session store write failed: {error}") from None

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self._db.execute(sql, params))
        except sqlite3.Error as error:
            raise SeminarError(f"session store read failed: {error}") from None

    async def get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        self._write([("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))])

    async def create_session(self, record: SessionRecord) -> None:
        self._write(
            [
                (
                    f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.session_id,
                        record.code,
                        record.title,
                        record.created_at,
                        record.expires_at,
                        record.report_key,
                        record.snapshot,
                        record.ended_at,
                    ),
                )
            ]
        )

    @staticmethod
    def _session(row: tuple[Any, ...]) -> SessionRecord:
        ended = row[7]
        return SessionRecord(
            session_id=str(row[0]),
            code=str(row[1]),
            title=str(row[2]),
            created_at=float(row[3]),
            expires_at=float(row[4]),
            report_key=str(row[5]),
            snapshot=str(row[6]),
            ended_at=None if ended is None else float(ended),
        )

    async def get_session(self, session_id: str) -> SessionRecord | None:
        rows = self._read(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
        )
        return self._session(rows[0]) if rows else None

    async def list_sessions(self) -> list[SessionRecord]:
        rows = self._read(f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY created_at")
        return [self._session(row) for row in rows]

    async def commit_update(
        self, session_id: str, update: UpdateRecord, snapshot: str, ended_at: float | None
    ) -> None:
        self._write(
            [
                (
                    "INSERT INTO updates (session_id, seq, request_id, change, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (session_id, update.seq, update.request_id, update.change, update.at),
                ),
                (
                    "UPDATE sessions SET snapshot = ?, ended_at = COALESCE(ended_at, ?) "
                    "WHERE session_id = ?",
                    (snapshot, ended_at, session_id),
                ),
            ]
        )

    async def updates_after(self, session_id: str, seq: int, limit: int) -> list[UpdateRecord]:
        rows = self._read(
            "SELECT seq, request_id, change, at FROM updates WHERE session_id = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (session_id, seq, limit),
        )
        return [UpdateRecord(int(r[0]), str(r[1]), str(r[2]), float(r[3])) for r in rows]

    async def save_participant(self, session_id: str, record: ParticipantRecord) -> None:
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO participants (session_id, participant_id, nickname, "
                    "secret_hash, joined_at, last_seen, connections) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        record.participant_id,
                        record.nickname,
                        record.secret_hash,
                        record.joined_at,
                        record.last_seen,
                        record.connections,
                    ),
                )
            ]
        )

    async def participants(self, session_id: str) -> list[ParticipantRecord]:
        rows = self._read(
            "SELECT participant_id, nickname, secret_hash, joined_at, last_seen, connections "
            "FROM participants WHERE session_id = ? ORDER BY joined_at",
            (session_id,),
        )
        return [
            ParticipantRecord(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                float(r[3]),
                float(r[4]),
                int(r[5]),
            )
            for r in rows
        ]

    async def save_poll(self, session_id: str, record: PollRecord) -> None:
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO polls (session_id, poll_id, question, options, "
                    "opened_at, closed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        record.poll_id,
                        record.question,
                        json.dumps(list(record.options)),
                        record.opened_at,
                        record.closed_at,
                    ),
                )
            ]
        )

    async def polls(self, session_id: str) -> list[PollRecord]:
        rows = self._read(
            "SELECT poll_id, question, options, opened_at, closed_at FROM polls "
            "WHERE session_id = ? ORDER BY opened_at",
            (session_id,),
        )
        return [
            PollRecord(
                str(r[0]),
                str(r[1]),
                tuple(json.loads(str(r[2]))),
                float(r[3]),
                None if r[4] is None else float(r[4]),
            )
            for r in rows
        ]

    async def save_vote(self, session_id: str, record: VoteRecord) -> None:
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO votes (session_id, poll_id, participant_id, option, at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (session_id, record.poll_id, record.participant_id, record.option, record.at),
                )
            ]
        )

    async def votes(self, session_id: str) -> list[VoteRecord]:
        rows = self._read(
            "SELECT poll_id, participant_id, option, at FROM votes WHERE session_id = ? "
            "ORDER BY at",
            (session_id,),
        )
        return [VoteRecord(str(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in rows]

    async def save_outcome(self, session_id: str, record: OutcomeRecord) -> None:
        # MAX(completed) keeps a completion when a retry reports the same lesson unfinished.
        self._write(
            [
                (
                    "INSERT INTO outcomes (session_id, participant_id, lesson, completed, score, "
                    "at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (session_id, participant_id, lesson) "
                    "DO UPDATE SET completed = MAX(completed, excluded.completed), "
                    "score = COALESCE(excluded.score, score), at = excluded.at",
                    (
                        session_id,
                        record.participant_id,
                        record.lesson,
                        int(record.completed),
                        record.score,
                        record.at,
                    ),
                )
            ]
        )

    async def outcomes(self, session_id: str) -> list[OutcomeRecord]:
        rows = self._read(
            "SELECT participant_id, lesson, completed, score, at FROM outcomes "
            "WHERE session_id = ? ORDER BY at",
            (session_id,),
        )
        return [
            OutcomeRecord(
                str(r[0]),
                str(r[1]),
                bool(r[2]),
                None if r[3] is None else float(r[3]),
                float(r[4]),
            )
            for r in rows
        ]

    async def purge(self, created_before: float) -> int:
        doomed = [
            str(row[0])
            for row in self._read(
                "SELECT session_id FROM sessions WHERE created_at < ?", (created_before,)
            )
        ]
        statements: list[tuple[str, tuple[object, ...]]] = []
        for session_id in doomed:
            for table in ("updates", "participants", "polls", "votes", "outcomes", "sessions"):
                statements.append((f"DELETE FROM {table} WHERE session_id = ?", (session_id,)))
        if statements:
            self._write(statements)
        return len(doomed)

    async def close(self) -> None:
        self._db.close()
