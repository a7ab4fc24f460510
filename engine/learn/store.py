"""Learning records kept on the device: one SQLite file in WAL mode (stdlib only).

Every statement is committed on its own, with ``synchronous=FULL``, so a killed app loses
nothing it had recorded. Reflections are not stored here (they never leave the lesson save).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import RecordsError

__all__ = ["RecordStore", "StoredStatement"]

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    registration TEXT NOT NULL,
    learner TEXT NOT NULL,
    learner_group TEXT NOT NULL,
    lesson TEXT NOT NULL,
    verb TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    body TEXT NOT NULL,
    exported_at TEXT
);
CREATE INDEX IF NOT EXISTS statements_pending ON statements (exported_at, seq);
"""


@dataclass(frozen=True)
class StoredStatement:
    seq: int
    id: str
    learner: str
    group: str
    lesson: str
    verb: str
    body: dict[str, Any]


class RecordStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                raise RecordsError(f"{path}: records of an unknown format (version {version})")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise RecordsError(f"{path}: cannot open the records database: {error}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def add(self, body: dict[str, Any], *, group: str) -> None:
        try:
            self._db.execute(
                "INSERT INTO statements (id, registration, learner, learner_group, lesson, verb,"
                " timestamp, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    body["id"],
                    body["context"]["registration"],
                    body["actor"]["account"]["name"],
                    group,
                    body["object"]["id"].split("/lessons/", 1)[1].split("/", 1)[0],
                    body["verb"]["display"]["en-US"],
                    body["timestamp"],
                    json.dumps(body, sort_keys=True, ensure_ascii=False),
                ),
            )
        except sqlite3.DatabaseError as error:
            raise RecordsError(f"{self.path}: cannot store a record: {error}") from None

    def _rows(self, query: str, args: tuple[Any, ...] = ()) -> Iterator[StoredStatement]:
        try:
            rows = self._db.execute(query, args).fetchall()
        except sqlite3.DatabaseError as error:
            raise RecordsError(f"{self.path}: cannot read records: {error}") from None
        for seq, id_, learner, group, lesson, verb, body in rows:
            yield StoredStatement(seq, id_, learner, group, lesson, verb, json.loads(body))

    _COLUMNS = "seq, id, learner, learner_group, lesson, verb, body"

    def all(self) -> list[StoredStatement]:
        return list(self._rows(f"SELECT {self._COLUMNS} FROM statements ORDER BY seq"))

    def pending(self, limit: int) -> list[StoredStatement]:
        return list(
            self._rows(
                f"SELECT {self._COLUMNS} FROM statements WHERE exported_at IS NULL"
                " ORDER BY seq LIMIT ?",
                (limit,),
            )
        )

    def mark_exported(self, ids: list[str], when: str) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE statements SET exported_at = ? WHERE id = ?", [(when, i) for i in ids]
            )

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM statements").fetchone()[0])
