"""ralph-malph (an independent LRS) for tests: its venv, statement validation, a live server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent


def ralph_python() -> Path:
    """Install (once, cached outside the clone) and return the python of ralph's venv."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "ralph-venv")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return Path(done.stdout.strip().splitlines()[-1])


def validate(python: Path, statements: list[dict[str, Any]]) -> dict[str, Any]:
    done = subprocess.run(
        [str(python), str(ROOT / "tests" / "ralph_validate.py")],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RalphServer:
    url: str  # the xAPI base, e.g. http://127.0.0.1:PORT/xAPI
    user: str
    password: str

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.url + path, headers=self.headers())
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def headers(self) -> dict[str, str]:
        import base64

        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


@contextmanager
def ralph_server(python: Path, folder: Path) -> Iterator[RalphServer]:
    """Run ralph's LRS (file backend) with a fresh data folder; stop it afterwards."""
    bin_dir = python.parent
    data = folder / "data"
    data.mkdir(parents=True)
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(folder),
        "RALPH_AUTH_FILE": str(folder / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(data),
    }
    subprocess.run(
        [
            str(bin_dir / "ralph"),
            "auth",
            "-u",
            "glowgrove",
            "-p",
            "secret",
            "-s",
            "all",
            "-w",
            "-A",
            "glowgrove-export",
            "https://glowgrove.invalid",
        ],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    port = _free_port()
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(bin_dir / "ralph"),
            "runserver",
            "-b",
            "fs",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "--fs-default-directory-path",
            str(data),
        ],
        env=env,
        cwd=data,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = RalphServer(f"http://127.0.0.1:{port}/xAPI", "glowgrove", "secret")
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/__lbheartbeat__", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "ralph did not start:\n" + (folder / "server.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.3)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        log.close()
