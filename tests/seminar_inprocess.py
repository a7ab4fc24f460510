"""An in-process seminar server on a real loopback socket, for the protocol and fault tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.seminar.client import OrganizerClient
from engine.seminar.protocol import SessionInfo
from engine.seminar.server import SeminarServer, ensure_organizer_token
from engine.seminar.settings import ServerSettings
from engine.seminar.store import Store, open_store

TOKEN = "organizer-token-for-tests"


@dataclass
class Running:
    server: SeminarServer
    store: Store
    url: str


@contextlib.asynccontextmanager
async def running_server(store_url: str | Path, **overrides: Any) -> AsyncIterator[Running]:
    settings = replace(
        ServerSettings(port=0, store_url=str(store_url), organizer_token=TOKEN, **overrides)
    )
    store = open_store(settings.store_url)
    await ensure_organizer_token(store, settings)
    server = SeminarServer(settings, store)
    await server.start()
    try:
        yield Running(server, store, f"http://127.0.0.1:{server.port}")
    finally:
        await server.close()
        await store.close()


async def organizer_with_session(
    url: str, title: str = "Council"
) -> tuple[OrganizerClient, SessionInfo]:
    organizer = await OrganizerClient.connect(url, TOKEN)
    return organizer, await organizer.create_session(title)
