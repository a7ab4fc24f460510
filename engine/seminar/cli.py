"""The seminar's sub-commands for ``glowgrove``: ``serve`` and ``bench seminar``.

Kept light at import time: ``engine.cli`` builds its parser from here on every run.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["add_serve_parser", "bench_command", "serve_command"]


def add_serve_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="run the seminar session server (prints the console URL and token)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (8765; 0 picks a free one)")
    serve.add_argument(
        "--store",
        default=os.environ.get("GLOWGROVE_SEMINAR_STORE", "seminar.sqlite3"),
        help="sqlite:///PATH, a file path, or redis://HOST:PORT/DB "
        "(default: $GLOWGROVE_SEMINAR_STORE or ./seminar.sqlite3)",
    )
    serve.add_argument("--public-url", help="address devices use to reach this server (QR code)")
    serve.add_argument(
        "--new-token", action="store_true", help="make (and print) a new organizer token"
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        help="another web origin whose pages may connect (repeatable)",
    )
    serve.add_argument("--retention-days", type=float, default=30.0, help="keep sessions (30)")
    serve.add_argument("--code-hours", type=float, default=12.0, help="room codes expire (12)")
    serve.add_argument("--max-per-room", type=int, default=60, help="participants per room (60)")
    serve.add_argument(
        "--max-per-address", type=int, default=250, help="connections per address (250)"
    )


def serve_command(args: argparse.Namespace) -> int:
    from engine.errors import SeminarError
    from engine.seminar.serve import run_server
    from engine.seminar.settings import ServerSettings

    settings = ServerSettings(
        host=args.host,
        port=args.port,
        store_url=args.store,
        public_url=args.public_url,
        organizer_token=os.environ.get("GLOWGROVE_ORGANIZER_TOKEN") or None,
        new_token=args.new_token,
        allowed_origins=tuple(args.allow_origin),
        retention_days=args.retention_days,
        code_ttl_hours=args.code_hours,
        max_participants_per_room=args.max_per_room,
        max_connections_per_address=args.max_per_address,
    )
    try:
        return run_server(settings)
    except SeminarError as error:
        sys.stderr.write(f"glowgrove: {error}\n")
        return 1
    except OSError as error:
        sys.stderr.write(f"glowgrove: cannot listen on {args.host}:{args.port}: {error}\n")
        return 1


def bench_command(args: argparse.Namespace) -> int:
    from engine.errors import SeminarError
    from engine.seminar.bench import run_seminar_bench

    try:
        run_seminar_bench(quick=args.quick, store_url=args.store, redis=args.redis, out=sys.stdout)
    except SeminarError as error:
        sys.stderr.write(f"glowgrove: {error}\n")
        return 1
    return 0
