"""``glowgrove serve`` prints what an organizer needs; ``glowgrove bench seminar --quick`` prints
the contract's JSON line (SQLite and Redis). Timings are printed, never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.seminar_support import ROOT, ServerProcess, free_port

CONTRACT = ["bench", "clients", "p50_ms", "p99_ms", "lost", "server_cpu_s", "server_rss_mb"]


@pytest.mark.parametrize("flags", [[], ["--redis"]], ids=["sqlite", "redis"])
def test_bench_seminar_quick_prints_the_contract_line(flags: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "bench", "seminar", "--quick", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    line = json.loads(last)
    assert list(line)[: len(CONTRACT)] == CONTRACT
    assert line["bench"] == "seminar" and line["clients"] == 15
    assert line["lost"] == 0
    assert line["receipts"] == 3 * 5 * (10 + 2 * 2) and line["votes"] == 3 * 2 * 5
    assert line["store"] == ("redis" if flags else "sqlite")
    assert line["server_cpu_s"] >= 0 and line["server_rss_mb"] > 0
    assert line["p99_ms"] >= line["p50_ms"] > 0


def test_serve_prints_console_url_and_a_token_once(tmp_path: Path) -> None:
    store = str(tmp_path / "seminar.sqlite3")
    first = ServerProcess(store=store, port=free_port()).start()
    first.stop()
    text = "".join(first.output)
    assert first.url.startswith("http://127.0.0.1:") and first.token
    assert f"{first.url}/console#token={first.token}" in text
    again = ServerProcess(store=store, port=free_port()).start()
    again.stop()
    assert again.token is None and first.token not in "".join(again.output)
    assert "unchanged" in "".join(again.output)


def test_serve_explains_a_busy_port(tmp_path: Path) -> None:
    server = ServerProcess(store=str(tmp_path / "a.sqlite3"), port=free_port()).start()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "engine.cli",
                "serve",
                "--port",
                str(server.port),
                "--store",
                str(tmp_path / "b.sqlite3"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.stop()
    assert done.returncode == 1
    assert "cannot listen" in done.stderr and "Traceback" not in done.stderr
