"""``glowgrove serve``: run the session server until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from typing import TextIO

from engine.seminar.server import SeminarServer, ensure_organizer_token
from engine.seminar.settings import ServerSettings
from engine.seminar.store import open_store

__all__ = ["run_server", "serve_forever"]


async def serve_forever(settings: ServerSettings, out: TextIO) -> None:
    store = open_store(settings.store_url)
    try:
        token = await ensure_organizer_token(store, settings)
        server = SeminarServer(settings, store)
        await server.start()
        # Start-up objects (modules, templates, rooms loaded) never die: keep them out of the
        # collector's full scans, which otherwise pause every room's fan-out.
        gc.collect()
        gc.freeze()
        host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        base = settings.public_url or f"http://{host}:{server.port}"
        out.write(f"console: {base}/console\n")
        if token is not None:
            # Printed once: only its hash is stored. The fragment (#token=) never reaches a
            # server log; the console reads it and forgets it from the address bar.
            out.write(f"organizer token: {token}\n")
            out.write(f"open: {base}/console#token={token}\n")
        elif settings.organizer_token is None:
            out.write("organizer token: unchanged (printed when it was made; --new-token)\n")
        out.write(f"participants join with: launch_vr.py --join CODE --name NICK --server {base}\n")
        out.write(f"store: {settings.store_url}\n")
        out.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        try:
            await stop.wait()
        finally:
            await server.close()
    finally:
        await store.close()


def run_server(settings: ServerSettings, out: TextIO = sys.stdout) -> int:
    asyncio.run(serve_forever(settings, out))
    return 0
