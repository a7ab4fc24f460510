"""Two server processes' worth of servers on one real redis-server: a room spans both.

The organizer is on server A, one participant on A and one on B, and a second console on B:
updates fan out through Redis in one sequence, votes and presence from B reach A's console,
and lesson completions on B make the glow rise on A.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from engine.seminar.client import OrganizerClient, ParticipantClient
from engine.seminar.protocol import PollOpenCommand, PushSceneCommand, SceneTarget
from tests.redis_server import running_redis
from tests.seminar_inprocess import TOKEN, organizer_with_session, running_server

WAIT = 10.0


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from running_redis(tmp_path_factory.mktemp("redis"))


def test_one_room_across_two_servers(redis_url: str) -> None:
    asyncio.run(asyncio.wait_for(_cluster(redis_url), 60))


async def _cluster(redis_url: str) -> None:
    async with running_server(redis_url) as a, running_server(redis_url) as b:
        first, session = await organizer_with_session(a.url, "City festival")
        mia = ParticipantClient(a.url, session.code, "Mia")
        ada = ParticipantClient(b.url, session.code, "Ada")  # B never saw the session made
        tasks = [asyncio.create_task(mia.run()), asyncio.create_task(ada.run())]
        try:
            for person in (mia, ada):
                await person.wait_until(lambda c: c.state is not None, WAIT)
            await first.wait_until(
                lambda o: (
                    o.roster is not None
                    and sorted((p.nickname, p.connected) for p in o.roster.participants)
                    == [("Ada", True), ("Mia", True)]
                ),
                WAIT,
            )
            await first.send(
                PushSceneCommand(request_id="s1", scene=SceneTarget(kind="narrative", ref="one"))
            )
            second = await OrganizerClient.connect(b.url, TOKEN, session.session_id)
            # The first console's command, retried through the other server: applied once.
            retry = PushSceneCommand(
                request_id="s1", scene=SceneTarget(kind="narrative", ref="one")
            )
            await mia.wait_until(lambda c: c.state is not None and c.state.seq == 1, WAIT)
            assert await second.send(retry) == 1
            await second.send(
                PollOpenCommand(request_id="p1", question="Which?", options=["x", "y"])
            )
            for person in (mia, ada):
                await person.wait_until(
                    lambda c: c.state is not None and c.state.poll is not None, WAIT
                )
            assert ada.state is not None and ada.state.poll is not None
            poll_id = ada.state.poll.poll_id
            await mia.vote(poll_id, 0)
            await ada.vote(poll_id, 1)
            for console in (first, second):
                await console.wait_until(
                    lambda o: o.tally is not None and o.tally.counts == [1, 1], WAIT
                )
            await ada.report_outcome("sorting", True)
            await mia.wait_until(lambda c: c.state is not None and c.state.completions == 1, WAIT)
            await first.send(
                PushSceneCommand(request_id="s2", scene=SceneTarget(kind="narrative", ref="two"))
            )
            for person in (mia, ada):
                await person.wait_until(
                    lambda c: (
                        c.state is not None
                        and c.state.scene is not None
                        and c.state.scene.ref == "two"
                    ),
                    WAIT,
                )
                assert person.state is not None
                assert person.applied == list(range(1, person.state.seq + 1))
            assert mia.state == ada.state
            assert [u.seq for u in first.updates] == list(range(1, mia.state.seq + 1))  # type: ignore[union-attr]
            await second.close()
            await first.close()
        finally:
            for person in (mia, ada):
                person.stop()
            await asyncio.gather(*tasks, return_exceptions=True)


def test_two_consoles_on_two_servers_push_at_once(redis_url: str) -> None:
    """Both servers change the room at the same moment, many times: the room's lock and the
    log check keep one sequence with no gap, no duplicate and every command applied once."""
    asyncio.run(asyncio.wait_for(_race(redis_url), 60))


async def _race(redis_url: str) -> None:
    async with running_server(redis_url) as a, running_server(redis_url) as b:
        first, session = await organizer_with_session(a.url, "Race")
        # Four consoles on each server, all pushing at once.
        consoles = [first] + [
            await OrganizerClient.connect(server.url, TOKEN, session.session_id)
            for server in (a, a, a, b, b, b, b)
        ]
        mia = ParticipantClient(a.url, session.code, "Mia")
        ada = ParticipantClient(b.url, session.code, "Ada")
        tasks = [asyncio.create_task(mia.run()), asyncio.create_task(ada.run())]
        try:
            for person in (mia, ada):
                await person.wait_until(lambda c: c.state is not None, WAIT)

            async def push(console: OrganizerClient, name: str) -> list[int]:
                seqs = []
                for n in range(10):
                    scene = SceneTarget(kind="narrative", ref=f"{name}-{n}")
                    command = PushSceneCommand(request_id=f"{name}-{n}", scene=scene)
                    seqs.append(await console.send(command))
                return seqs

            pushed = await asyncio.gather(*(push(c, f"c{i}") for i, c in enumerate(consoles)))
            total = 10 * len(consoles)
            seqs = sorted(seq for done in pushed for seq in done)
            assert seqs == list(range(1, total + 1)), "one seq per command"
            for person in (mia, ada):
                await person.wait_until(
                    lambda c: c.state is not None and c.state.seq == total, WAIT
                )
                assert person.applied == list(range(1, total + 1))
            assert mia.state == ada.state
            for console in consoles:
                await console.close()
        finally:
            for person in (mia, ada):
                person.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
