"""Restart the real ``glowgrove serve`` process mid-session: state and votes survive, and the
participants (the real client code) reconnect by themselves and resync without losing or
repeating anything. Run with the SQLite store and with Redis (a real redis-server)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.seminar.client import OrganizerClient, ParticipantClient
from engine.seminar.protocol import PollOpenCommand, PushSceneCommand, SceneTarget
from tests.redis_server import running_redis
from tests.seminar_support import ServerProcess, free_port

WAIT = 15.0


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from running_redis(tmp_path_factory.mktemp("redis"))


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_killed_server_comes_back_with_state_and_votes(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = (
        str(tmp_path / "seminar.sqlite3")
        if backend == "sqlite"
        else str(request.getfixturevalue("redis_url"))
    )
    server = ServerProcess(store=store, port=free_port(), extra=["--new-token"]).start()
    try:
        token = server.token
        assert token
        asyncio.run(asyncio.wait_for(_session(server, token), 60))
    finally:
        server.stop()
    assert "organizer token: unchanged" in "".join(server.output)


async def _session(server: ServerProcess, token: str) -> None:
    organizer = await OrganizerClient.connect(server.url, token)
    session = await organizer.create_session("Restart drill")
    await organizer.send(
        PushSceneCommand(request_id="s1", scene=SceneTarget(kind="lesson", ref="sorting"))
    )
    await organizer.send(
        PollOpenCommand(request_id="p1", question="Best bin?", options=["blue", "green"])
    )
    people = [
        ParticipantClient(server.url, session.code, name, backoff_initial_s=0.1, backoff_max_s=0.5)
        for name in ("Mia", "Ada")
    ]
    tasks = [asyncio.create_task(person.run()) for person in people]
    try:
        for person in people:
            await person.wait_until(
                lambda c: c.state is not None and c.state.poll is not None, WAIT
            )
        mia, ada = people
        first_seq = {id(person): person.last_seq for person in people}
        assert mia.state is not None and mia.state.poll is not None
        poll_id = mia.state.poll.poll_id
        await mia.vote(poll_id, 1)
        await mia.wait_until(lambda c: not c._pending_votes, WAIT)
        await organizer.close()

        # SIGKILL: no clean shutdown, no chance to flush anything not already committed.
        server.stop(signal.SIGKILL)
        for person in people:
            await person.wait_until(lambda c: c._ws is None, WAIT)
        # Ada votes while the server is down: it is sent once the connection is back.
        await ada.vote(poll_id, 0)
        server.extra = []
        server.start()
        assert server.token is None, "the token is printed once, when it is made"

        for person in people:
            await person.wait_until(lambda c: c.connections >= 2 and c._ws is not None, WAIT)
        organizer = await OrganizerClient.connect(server.url, token, session.session_id)
        assert organizer.welcome is not None and organizer.welcome.state is not None
        assert organizer.welcome.state.poll is not None and organizer.welcome.state.poll.open
        await organizer.wait_until(lambda o: o.tally is not None and o.tally.voters == 2, WAIT)
        assert organizer.tally is not None and organizer.tally.counts == [1, 1]
        await organizer.wait_until(
            lambda o: o.roster is not None and sum(p.connected for p in o.roster.participants) == 2,
            WAIT,
        )
        assert organizer.roster is not None and len(organizer.roster.participants) == 2

        await organizer.send(
            PushSceneCommand(request_id="s2", scene=SceneTarget(kind="narrative", ref="after"))
        )
        for person in people:
            await person.wait_until(
                lambda c: (
                    c.state is not None
                    and c.state.scene is not None
                    and c.state.scene.ref == "after"
                ),
                WAIT,
            )
            assert person.state is not None
            start = first_seq[id(person)]
            assert person.applied == list(range(start + 1, person.state.seq + 1))
            assert person.my_votes[poll_id] == (1 if person is mia else 0)
        await organizer.close()
    finally:
        for person in people:
            person.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
