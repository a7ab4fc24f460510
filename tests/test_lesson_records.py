"""Learning records: xAPI statements in SQLite, checked by an independent implementation
(ralph-malph), surviving a killed process, exported to a real LRS, summarized as HTML."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from engine.errors import RecordsError
from engine.learn.export import export_statements
from engine.learn.play import play_lesson
from engine.learn.policies import policy_named
from engine.learn.recorder import LessonRecorder
from engine.learn.report import render_report
from engine.learn.runtime import LessonRun
from engine.learn.store import RecordStore
from tests.lesson_helpers import ROOT, SHIPPED, load
from tests.ralph_lrs import ralph_python, ralph_server, validate

REFLECTION = "my secret thoughts about rubbish"


@pytest.fixture(scope="session")
def ralph() -> Path:
    return ralph_python()


def _record_all(path: Path, group: str = "oak-class") -> list[dict[str, Any]]:
    with RecordStore(path) as store:
        for lesson_path in SHIPPED:
            lesson = load(lesson_path)
            for name in ("correct", "wrong-first"):
                recorder = LessonRecorder(lesson, store, group=group)
                recorder.start()
                base = policy_named(name)

                def policy(step: Any, item: str | None, attempt: int, base: Any = base) -> object:
                    return REFLECTION if step.kind == "reflect" else base(step, item, attempt)

                play_lesson(LessonRun(lesson), policy, recorder)
        return [row.body for row in store.all()]


def test_every_statement_passes_ralph_and_follows_cmi5_order(tmp_path: Path, ralph: Path) -> None:
    statements = _record_all(tmp_path / "records.sqlite")
    verdict = validate(ralph, statements)
    assert verdict == {"valid": len(statements), "errors": []}
    assert REFLECTION not in json.dumps(statements)
    sessions: dict[str, list[str]] = {}
    for body in statements:
        sessions.setdefault(body["context"]["registration"], []).append(body["verb"]["id"])
        actor = body["actor"]
        assert set(actor) == {"objectType", "account"} and "mbox" not in json.dumps(actor)
        assert actor["account"]["name"].startswith("learner-")
        assert body["version"] == "1.0.3"
    assert len(sessions) == 2 * len(SHIPPED)
    for verbs in sessions.values():
        names = [verb.rsplit("/", 1)[1] for verb in verbs]
        assert names[:2] == ["launched", "initialized"]
        assert names[-3] == "completed" and names[-2] in ("passed", "failed")
        assert names[-1] == "terminated"
        assert set(names[2:-3]) <= {"experienced", "answered"}
    failed = [b for b in statements if b["verb"]["id"].endswith("/failed")]
    assert len(failed) == len(SHIPPED)
    for body in failed:
        extensions = body["context"]["extensions"]
        assert any(k.endswith("/remediated") and v is True for k, v in extensions.items())


def test_records_survive_a_killed_process(tmp_path: Path) -> None:
    """SIGKILL a real player mid-lesson: every statement it reported is in the database."""
    database, save = tmp_path / "records.sqlite", tmp_path / "save.json"
    command = [
        sys.executable,
        "-m",
        "engine.cli",
        "lesson",
        "play",
        str(SHIPPED[0]),
        "--autoplay",
        "correct",
        "--records",
        str(database),
        "--save",
        str(save),
        "--pace",
        "0.05",
        "--group",
        "g",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    seen = [process.stdout.readline() for _ in range(8)]
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert all(seen)
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        count = db.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
        verbs = [row[0] for row in db.execute("SELECT verb FROM statements ORDER BY seq")]
    assert count >= 8 and verbs[:2] == ["launched", "initialized"]
    assert "terminated" not in verbs
    resumed = subprocess.run(
        [*command[:-4], "--group", "g"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    with RecordStore(database) as store:
        rows = store.all()
    assert [r.verb for r in rows][-1] == "terminated"
    assert len({r.body["context"]["registration"] for r in rows}) == 1
    assert sum(r.verb == "launched" for r in rows) == 1


def test_export_to_a_real_ralph_lrs_and_read_back(
    tmp_path: Path, ralph: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "records.sqlite"
    with RecordStore(database) as store:
        lesson = load(SHIPPED[0])
        recorder = LessonRecorder(lesson, store, group="oak")
        recorder.start()
        play_lesson(LessonRun(lesson), policy_named("wrong-first"), recorder)
        ids = [row.id for row in store.all()]
    with ralph_server(ralph, tmp_path / "ralph") as server:
        status = main(
            [
                "records",
                "export",
                "--db",
                str(database),
                "--lrs",
                server.url,
                "--auth",
                f"{server.user}:{server.password}",
                "--batch",
                "1000",
            ]
        )
        assert status == 0, capsys.readouterr().err
        assert f"sent {len(ids)} statement(s) in 1 batch(es)" in capsys.readouterr().out
        stored = server.get(f"/statements?limit={len(ids) + 10}")["statements"]
        assert sorted(s["id"] for s in stored) == sorted(ids)
        assert {s["actor"]["account"]["name"] for s in stored} == {recorder.learner}
        verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in stored}
        assert {"launched", "answered", "failed", "terminated"} <= verbs
    with RecordStore(database) as store:
        assert store.pending(10) == []


class _FlakyLrs(BaseHTTPRequestHandler):
    batches: list[list[dict[str, Any]]]
    failures: int

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        assert self.headers["X-Experience-API-Version"] == "1.0.3"
        assert self.headers["Authorization"].startswith("Basic ")
        server: Any = self.server
        if server.failures > 0:
            server.failures -= 1
            self.send_response(503)
            self.end_headers()
            return
        server.batches.append(body)
        payload = json.dumps([s["id"] for s in body]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky_lrs() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyLrs)
    server.batches, server.failures = [], 1
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_export_batches_retries_and_is_idempotent(tmp_path: Path, flaky_lrs: Any) -> None:
    database = tmp_path / "records.sqlite"
    statements = _record_all(database)
    url = f"http://127.0.0.1:{flaky_lrs.server_address[1]}/xAPI"
    with RecordStore(database) as store:
        report = export_statements(store, url, "u:p", batch_size=40, sleep=lambda s: None)
        again = export_statements(store, url, "u:p", batch_size=40, sleep=lambda s: None)
    assert report.retries == 1 and report.sent == len(statements)
    assert report.batches == -(-len(statements) // 40) == len(flaky_lrs.batches)
    assert again.sent == 0
    sent_ids = [s["id"] for batch in flaky_lrs.batches for s in batch]
    assert sent_ids == [s["id"] for s in statements]  # same ids, oldest first
    flaky_lrs.failures = 99
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("UPDATE statements SET exported_at = NULL")
    with RecordStore(database) as store, pytest.raises(RecordsError, match="after 4 tries"):
        export_statements(store, url, "u:p", sleep=lambda s: None)
    with RecordStore(database) as store:
        assert len(store.pending(10_000)) == len(statements)  # nothing marked on failure


def test_export_refuses_bad_addresses_and_credentials(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "r.sqlite") as store:
        with pytest.raises(RecordsError, match="http"):
            export_statements(store, "ftp://lrs", "u:p")
        with pytest.raises(RecordsError, match="--auth"):
            export_statements(store, "http://127.0.0.1:9/xAPI", "nocolon")


def test_report_is_escaped_and_summarizes_groups(tmp_path: Path) -> None:
    database = tmp_path / "records.sqlite"
    _record_all(database, group="<script>alert(1)</script>")
    with RecordStore(database) as store:
        html = render_report(store)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for path in SHIPPED:
        assert load(path).id in html
    assert "passed 1" in html and "failed 1" in html
    out = tmp_path / "report.html"
    assert main(["records", "report", "--db", str(database), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_records_commands_report_missing_and_corrupt_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.sqlite"
    assert main(["records", "report", "--db", str(missing), "-o", str(tmp_path / "x")]) == 1
    corrupt = tmp_path / "bad.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    assert main(["records", "report", "--db", str(corrupt), "-o", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "no records" in err and "cannot open the records database" in err
    assert "Traceback" not in err
