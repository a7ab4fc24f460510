"""Helpers for seminar tests: a real ``glowgrove serve`` process and free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """``python -m engine.cli serve`` on loopback; ``url`` and (first start) ``token`` parsed."""

    store: str
    port: int
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None
    url: str = ""
    token: str | None = None
    output: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    def start(self, timeout: float = 20.0) -> ServerProcess:
        command = [sys.executable, "-m", "engine.cli", "serve", "--port", str(self.port)]
        command += ["--store", self.store, *self.extra]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **self.env},
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        self.token = None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError("server exited:\n" + "".join(self.output))
            self.output.append(line)
            if line.startswith("console: "):
                self.url = line.split(" ", 1)[1].strip().removesuffix("/console")
            elif line.startswith("organizer token: ") and "unchanged" not in line:
                self.token = line.split(": ", 1)[1].strip()
            elif line.startswith("store: "):
                # Keep reading in the background so a chatty server never blocks on a full pipe.
                self._reader = threading.Thread(target=self._drain, args=(self.process,))
                self._reader.start()
                return self
        raise AssertionError("server did not start:\n" + "".join(self.output))

    def _drain(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                self.output.append(line)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        finally:
            self.process = None
            if self._reader is not None:
                self._reader.join(timeout=10)
                self._reader = None
