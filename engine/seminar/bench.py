"""``glowgrove bench seminar``: a bounded loopback load on a real server process.

The server runs as ``glowgrove serve`` in its own process (SQLite, or Redis with ``--redis``);
this process opens every participant's WebSocket (900 = 30 rooms x 30 by default) and one
organizer per room. Each organizer pushes 100 scenes and runs 10 polls, one action at a time,
waiting until every participant of its room has the update. Latency is measured from the moment
the organizer sends an action to each participant's receipt of the resulting update (one clock:
both ends live in this process). ``lost`` counts updates a participant never received plus votes
the server never counted. Prints one JSON line; nothing here asserts a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from engine.errors import SeminarError
from engine.seminar.client import OrganizerClient, ws_url
from engine.seminar.protocol import (
    Command,
    PollCloseCommand,
    PollOpenCommand,
    PushSceneCommand,
    SceneTarget,
)

__all__ = ["BenchSizes", "loopback_redis_server", "run_seminar_bench"]


@dataclass(frozen=True)
class BenchSizes:
    rooms: int = 30
    per_room: int = 30
    pushes: int = 100
    polls: int = 10
    pace_s: float = 0.1  # at most one action per room per pace_s


QUICK = BenchSizes(rooms=3, per_room=5, pushes=10, polls=2, pace_s=0.02)


@dataclass
class _Room:
    code: str
    per_room: int
    sent: dict[int, float] = field(default_factory=dict)
    received: dict[int, int] = field(default_factory=dict)
    complete: dict[int, asyncio.Event] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    expected_updates: int = 0
    failures: list[str] = field(default_factory=list)
    closing: bool = False

    def event(self, seq: int) -> asyncio.Event:
        return self.complete.setdefault(seq, asyncio.Event())

    def receipt(self, seq: int, now: float) -> None:
        sent = self.sent.get(seq)
        if sent is not None:
            self.latencies.append(now - sent)
        count = self.received.get(seq, 0) + 1
        self.received[seq] = count
        if count >= self.per_room:
            self.event(seq).set()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


@contextlib.contextmanager
def loopback_redis_server(workdir: Path) -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a private, unsaved redis-server (the bench's and the
    tests'); stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SeminarError("--redis needs redis-server (Debian package redis-server)")
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise SeminarError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def _server(
    store_url: str, port: int, token: str, sizes: BenchSizes, log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        "--port",
        str(port),
        "--store",
        store_url,
        "--max-per-address",
        str(sizes.rooms * (sizes.per_room + 1) + 10),
        "--max-per-room",
        str(sizes.per_room),
    ]
    env = {**os.environ, "GLOWGROVE_ORGANIZER_TOKEN": token}
    # The server writes to a file, never a pipe nobody reads: a full pipe would stall it.
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=env, preexec_fn=_raise_fd_limit
        )
    try:
        deadline = time.monotonic() + 60
        while "store: " not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SeminarError(
                    "the seminar server did not start:\n" + log_path.read_text(errors="replace")
                )
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _participant(
    url: str, room: _Room, name: str, votes: list[int], ready: asyncio.Event
) -> ClientConnection:
    ws = await connect(url, compression=None, max_queue=None, open_timeout=30)
    await ws.send(json.dumps({"v": 1, "type": "join", "code": room.code, "nickname": name}))

    async def listen() -> None:
        rng = random.Random(name)
        try:
            async for raw in ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message["type"]
                if kind == "update":
                    room.receipt(message["seq"], now)
                    poll = (
                        message["change"].get("poll")
                        if message["change"]["kind"] == "poll"
                        else None
                    )
                    if poll is not None and poll["open"]:
                        option = rng.randrange(len(poll["options"]))
                        await ws.send(
                            json.dumps(
                                {
                                    "v": 1,
                                    "type": "vote",
                                    "poll_id": poll["poll_id"],
                                    "option": option,
                                }
                            )
                        )
                elif kind == "welcome":
                    ready.set()
                elif kind == "vote_ack":
                    votes.append(1)
                elif kind == "error" and message.get("fatal"):
                    room.failures.append(f"{name}: {message['code']}: {message['message']}")
        except ConnectionClosed:
            if not room.closing:
                room.failures.append(f"{name}: the server closed the connection")

    asyncio.get_running_loop().create_task(listen())
    return ws


async def _organize(
    organizer: OrganizerClient, room: _Room, sizes: BenchSizes, counted: list[int]
) -> None:
    seq = 0
    poll_every = max(1, sizes.pushes // max(1, sizes.polls))
    polls_done = 0

    async def act(command: Command) -> None:
        nonlocal seq
        if room.failures:
            # Stop early: a participant was cut off, so the run cannot be lossless.
            raise SeminarError("participants were cut off: " + "; ".join(room.failures[:3]))
        seq += 1
        room.expected_updates += 1
        room.sent[seq] = time.perf_counter()
        got = await organizer.send(command, timeout=30)
        if got != seq:
            raise SeminarError(f"expected seq {seq}, the server said {got}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(room.event(seq).wait(), 30)

    for push in range(sizes.pushes):
        started = time.perf_counter()
        scene = SceneTarget(kind="narrative", ref="restore_the_glow", scene=f"scene{push}")
        await act(PushSceneCommand(request_id=f"push{push}", scene=scene))
        if (push + 1) % poll_every == 0 and polls_done < sizes.polls:
            polls_done += 1
            await act(
                PollOpenCommand(
                    request_id=f"poll{polls_done}",
                    question="Which reform should the Gaia Council adopt first?",
                    options=["Clean rivers", "Seed bank", "Night lights off"],
                )
            )
            with contextlib.suppress(TimeoutError):
                await organizer.wait_until(
                    lambda o: o.tally is not None and o.tally.voters >= sizes.per_room, 30
                )
            counted.append(organizer.tally.voters if organizer.tally is not None else 0)
            await act(PollCloseCommand(request_id=f"close{polls_done}"))
        await asyncio.sleep(max(0.0, sizes.pace_s - (time.perf_counter() - started)))


async def _load(url: str, token: str, sizes: BenchSizes) -> dict[str, float | int]:
    organizers: list[OrganizerClient] = []
    rooms: list[_Room] = []
    for index in range(sizes.rooms):
        organizer = await OrganizerClient.connect(url, token)
        session = await organizer.create_session(f"Bench room {index + 1}")
        organizers.append(organizer)
        rooms.append(_Room(code=session.code, per_room=sizes.per_room))
    sockets: list[ClientConnection] = []
    votes: list[int] = []
    endpoint = ws_url(url)
    for room_index, room in enumerate(rooms):
        readies = [asyncio.Event() for _ in range(sizes.per_room)]
        sockets += await asyncio.gather(
            *(
                _participant(endpoint, room, f"kid{room_index}-{n}", votes, readies[n])
                for n in range(sizes.per_room)
            )
        )
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 60)
    counted: list[int] = []
    # The load generator is measuring apparatus: its own garbage collections (900 sockets'
    # worth of objects) would stall receipts by tens of ms and be billed to the server.
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _organize(organizer, room, sizes, counted)
            for organizer, room in zip(organizers, rooms, strict=True)
        )
    )
    duration = time.perf_counter() - started
    gc.enable()
    await asyncio.sleep(0.2)
    for room in rooms:
        room.closing = True
    latencies = sorted(latency for room in rooms for latency in room.latencies)
    expected = sum(room.expected_updates * sizes.per_room for room in rooms)
    received = sum(sum(room.received.values()) for room in rooms)
    expected_votes = sizes.rooms * sizes.polls * sizes.per_room
    lost = (expected - received) + (expected_votes - sum(counted))
    for ws in sockets:
        await ws.close()
    for organizer in organizers:
        await organizer.close()

    def percentile(share: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000.0

    return {
        "p50_ms": round(percentile(0.50), 2),
        "p99_ms": round(percentile(0.99), 2),
        "lost": lost,
        "receipts": received,
        "votes": sum(counted),
        "duration_s": round(duration, 2),
    }


def run_seminar_bench(
    *, quick: bool, store_url: str | None, redis: bool, out: TextIO, sizes: BenchSizes | None = None
) -> dict[str, object]:
    sizes = sizes or (QUICK if quick else BenchSizes())
    _raise_fd_limit()
    token = secrets.token_urlsafe(24)
    port = _free_port()
    with (
        tempfile.TemporaryDirectory(prefix="glowgrove-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        if store_url is None:
            store_url = (
                stack.enter_context(loopback_redis_server(Path(tmp)))
                if redis
                else str(Path(tmp) / "bench.sqlite3")
            )
        log_path = Path(tmp) / "server.log"
        process = stack.enter_context(_server(store_url, port, token, sizes, log_path))
        cpu_before = _cpu_seconds(process.pid)
        result = asyncio.run(_load(f"http://127.0.0.1:{port}", token, sizes))
        cpu = _cpu_seconds(process.pid) - cpu_before
        rss = _peak_rss_mb(process.pid)
        problems = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if "error" in line.lower() or "traceback" in line.lower()
        ]
    line: dict[str, object] = {
        "bench": "seminar",
        "clients": sizes.rooms * sizes.per_room,
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "lost": result["lost"],
        "server_cpu_s": round(cpu, 2),
        "server_rss_mb": round(rss, 1),
        "rooms": sizes.rooms,
        "pushes_per_room": sizes.pushes,
        "polls_per_room": sizes.polls,
        "receipts": result["receipts"],
        "votes": result["votes"],
        "duration_s": result["duration_s"],
        "store": "redis" if store_url.startswith("redis") else "sqlite",
        "quick": quick,
        "server_errors": len(problems),
    }
    out.write(json.dumps(line) + "\n")
    out.flush()
    return line
