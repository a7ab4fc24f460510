"""A real ``redis-server`` on loopback for the Redis store's tests (Debian package redis-server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from engine.seminar.bench import loopback_redis_server


def running_redis(workdir: Path) -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a private redis-server; fails (never skips) without one:
    ``loopback_redis_server`` raises SeminarError when redis-server is missing or silent.

    Test modules wrap this in their own fixture.
    """
    with loopback_redis_server(workdir) as url:
        yield url
