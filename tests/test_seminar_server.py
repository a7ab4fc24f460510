"""The session server over real loopback sockets, driven by the real participant client.

Fault tests: a participant dropped mid-poll rejoins and sees the current state; malformed,
oversized and flooding clients are cut off while the room goes on; a wrong organizer token is
refused; rooms are isolated; limits and expiry hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from engine.seminar.client import JoinRefused, OrganizerClient, ParticipantClient, ws_url
from engine.seminar.protocol import (
    BeaconCommand,
    BeaconPoint,
    PauseCommand,
    PollCloseCommand,
    PollOpenCommand,
    PushSceneCommand,
    SceneTarget,
)
from engine.seminar.store import SessionRecord
from tests.seminar_inprocess import TOKEN, organizer_with_session, running_server

WAIT = 10.0


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(body(), 60))


@contextlib.asynccontextmanager
async def joined(url: str, code: str, *names: str) -> AsyncIterator[list[ParticipantClient]]:
    clients = [ParticipantClient(url, code, name, backoff_initial_s=0.05) for name in names]
    tasks = [asyncio.create_task(client.run()) for client in clients]
    try:
        for client in clients:
            await client.wait_until(lambda c: c.state is not None, WAIT)
        yield clients
    finally:
        for client in clients:
            client.stop()
        await asyncio.gather(*tasks, return_exceptions=True)


def scene(ref: str) -> SceneTarget:
    return SceneTarget(kind="narrative", ref=ref)


async def raw_join(url: str, code: str, name: str = "Raw") -> ClientConnection:
    ws = await connect(ws_url(url))
    await ws.send(json.dumps({"v": 1, "type": "join", "code": code, "nickname": name}))
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome"
    return ws


async def closed_with(ws: ClientConnection) -> tuple[list[dict[str, object]], int | None]:
    """Every message until the server closes the connection, and the close code."""
    seen = []
    with contextlib.suppress(ConnectionClosed):
        async for raw in ws:
            seen.append(json.loads(raw))
    await ws.wait_closed()
    return seen, ws.close_code


def test_dropped_participant_rejoins_mid_poll_and_sees_the_current_state(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            organizer, session = await organizer_with_session(running.url)
            async with joined(running.url, session.code, "Mia", "Ada") as (mia, ada):
                await organizer.send(
                    PollOpenCommand(request_id="p1", question="First?", options=["rivers", "seeds"])
                )
                await mia.wait_until(
                    lambda c: c.state is not None and c.state.poll is not None, WAIT
                )
                assert mia.state is not None and mia.state.poll is not None
                poll_id = mia.state.poll.poll_id
                await mia.vote(poll_id, 1)
                await mia.wait_until(lambda c: not c._pending_votes, WAIT)
                identity = mia.participant_id

                await mia.drop_connection()
                # While Mia is away the organizer moves on.
                await organizer.send(PushSceneCommand(request_id="s1", scene=scene("council")))
                await organizer.send(
                    BeaconCommand(request_id="b1", beacon=BeaconPoint(x=1, y=2, z=0, label="tree"))
                )
                await mia.wait_until(lambda c: c.connections == 2, WAIT)
                await mia.wait_until(
                    lambda c: c.state is not None and c.state.beacon is not None, WAIT
                )
                state = mia.state
                assert state is not None and state.scene == scene("council")
                assert state.poll is not None and state.poll.open and state.poll.poll_id == poll_id
                assert mia.my_votes[poll_id] == 1, "the server remembered the vote"
                assert mia.participant_id == identity, "a rejoin is the same participant"
                assert mia.applied == list(range(1, state.seq + 1)), "nothing repeated or lost"
                assert ada.applied == mia.applied

                await organizer.wait_until(
                    lambda o: (
                        o.roster is not None
                        and len(o.roster.participants) == 2
                        and all(p.connected for p in o.roster.participants)
                    ),
                    WAIT,
                )
                await organizer.wait_until(
                    lambda o: o.tally is not None and o.tally.voters == 1, WAIT
                )
                assert organizer.tally is not None and organizer.tally.counts == [0, 1]
            await organizer.close()

    run(body)


def test_bad_clients_are_cut_off_while_the_room_goes_on(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(
            tmp_path / "s.sqlite3", max_message_bytes=1024, rate_per_second=5.0, rate_burst=10.0
        ) as running:
            organizer, session = await organizer_with_session(running.url)
            async with joined(running.url, session.code, "Steady") as (steady,):
                malformed = await raw_join(running.url, session.code, "Malformed")
                await malformed.send("{not json")
                oversized = await raw_join(running.url, session.code, "Oversized")
                await oversized.send(json.dumps({"v": 1, "type": "vote", "pad": "x" * 5000}))
                flooding = await raw_join(running.url, session.code, "Flooding")
                for _ in range(40):
                    await flooding.send(
                        json.dumps({"v": 1, "type": "vote", "poll_id": "x", "option": 0})
                    )
                sneaky = await raw_join(running.url, session.code, "Sneaky")
                await sneaky.send(json.dumps({"v": 1, "type": "end_session", "request_id": "x"}))
                unknown_field = await raw_join(running.url, session.code, "Extra")
                await unknown_field.send(
                    json.dumps({"v": 1, "type": "vote", "poll_id": "p", "option": 0, "x": 1})
                )

                messages, code = await closed_with(malformed)
                assert (messages[-1]["code"], code) == ("malformed", 1008)
                messages, code = await closed_with(oversized)
                assert code in (1008, 1009)
                messages, code = await closed_with(flooding)
                assert (messages[-1]["code"], code) == ("rate_limited", 1008)
                messages, code = await closed_with(sneaky)
                assert (messages[-1]["code"], code) == ("not_allowed", 1008)
                messages, code = await closed_with(unknown_field)
                assert (messages[-1]["code"], code) == ("malformed", 1008)

                # The room goes on for everyone else.
                await organizer.send(PushSceneCommand(request_id="after", scene=scene("garden")))
                await steady.wait_until(
                    lambda c: c.state is not None and c.state.scene is not None, WAIT
                )
                assert steady.state is not None and not steady.state.ended
                assert steady.connections == 1
            await organizer.close()

    run(body)


def test_wrong_organizer_token_is_refused(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            with pytest.raises(JoinRefused) as refused:
                await OrganizerClient.connect(running.url, "guess")
            assert refused.value.code == "bad_token"
            organizer = await OrganizerClient.connect(running.url, TOKEN)
            assert organizer.welcome is not None and organizer.welcome.sessions == []
            await organizer.close()

    run(body)


def test_browser_origins_are_checked_and_the_app_without_origin_is_allowed(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(
            tmp_path / "s.sqlite3", allowed_origins=("https://school.example",)
        ) as running:
            url = ws_url(running.url)
            with pytest.raises(InvalidStatus) as refused:
                await connect(url, origin="http://evil.example")  # type: ignore[arg-type]
            assert refused.value.response.status_code == 403
            host = running.url.removeprefix("http://")
            for origin in (None, f"http://{host}", "https://school.example"):
                ws = await connect(url, origin=origin)  # type: ignore[arg-type]
                await ws.close()

    run(body)


def test_limits_per_room_and_per_address(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(
            tmp_path / "s.sqlite3", max_participants_per_room=2, max_connections_per_address=4
        ) as running:
            organizer, session = await organizer_with_session(running.url)
            async with joined(running.url, session.code, "One", "Two"):
                late = ParticipantClient(running.url, session.code, "Three")
                await asyncio.wait_for(late.run(), WAIT)
                assert late.refused is not None and late.refused.code == "room_full"
                # organizer + two participants = 3 connections from 127.0.0.1; one more fits.
                extra = await connect(ws_url(running.url))
                over = await connect(ws_url(running.url))
                messages, code = await closed_with(over)
                assert (messages[-1]["code"], code) == ("too_many_connections", 1008)
                await extra.close()
            await organizer.close()

    run(body)


def test_rooms_are_isolated(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            first, one = await organizer_with_session(running.url, "One")
            second, two = await organizer_with_session(running.url, "Two")
            assert one.code != two.code
            async with (
                joined(running.url, one.code, "A") as (a,),
                joined(running.url, two.code, "B") as (b,),
            ):
                await second.send(
                    PollOpenCommand(request_id="q", question="Two?", options=["x", "y"])
                )
                await b.wait_until(lambda c: c.state is not None and c.state.poll is not None, WAIT)
                assert b.state is not None and b.state.poll is not None
                # A votes on room two's poll: refused, nothing counted there.
                await a.vote(b.state.poll.poll_id, 0)
                await first.send(PushSceneCommand(request_id="s", scene=scene("one_only")))
                await a.wait_until(
                    lambda c: c.state is not None and c.state.scene is not None, WAIT
                )
                await asyncio.sleep(0.3)
                assert b.state.scene is None and (b.tally is None or b.tally.voters == 0)
                assert a.state is not None and a.state.poll is None
            await first.close()
            await second.close()

    run(body)


def test_codes_expire_and_ended_or_unknown_rooms_refuse(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3", code_ttl_hours=0.5 / 3600) as running:
            organizer, session = await organizer_with_session(running.url)
            unknown = ParticipantClient(running.url, "ZZZZZZ", "Who")
            await asyncio.wait_for(unknown.run(), WAIT)
            assert unknown.refused is not None and unknown.refused.code == "bad_code"
            time.sleep(0.6)
            late = ParticipantClient(running.url, session.code, "Late")
            await asyncio.wait_for(late.run(), WAIT)
            assert late.refused is not None and late.refused.code == "code_expired"
            await organizer.close()

    run(body)


def test_nicknames_are_cleaned_and_empty_ones_refused(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            organizer, session = await organizer_with_session(running.url)
            async with joined(
                running.url, session.code, "\u202eMia\x1b[31m\n", "Mia", "A" * 80
            ) as (first, second, long):
                assert first.nickname == "Mia[31m"
                assert second.nickname == "Mia"
                assert long.nickname == "A" * 20
            empty = ParticipantClient(running.url, session.code, "\u200b\x07 ")
            await asyncio.wait_for(empty.run(), WAIT)
            assert empty.refused is not None and empty.refused.code == "bad_nickname"
            await organizer.close()

    run(body)


def test_a_retried_command_is_applied_once(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            organizer, _ = await organizer_with_session(running.url)
            command = PushSceneCommand(request_id="same", scene=scene("garden"))
            assert await organizer.send(command) == 1
            assert await organizer.send(command) == 1
            assert await organizer.send(PauseCommand(request_id="p", paused=True)) == 2
            with pytest.raises(JoinRefused, match="no open poll"):
                await organizer.send(PollCloseCommand(request_id="c"))
            assert [u.seq for u in organizer.updates] == [1, 2]
            await organizer.close()

    run(body)


def test_lesson_completions_make_the_shared_garden_glow(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            organizer, session = await organizer_with_session(running.url)
            async with joined(running.url, session.code, "Mia", "Ada") as (mia, ada):
                assert mia.state is not None
                start = mia.state.glow
                await mia.report_outcome("sorting", True, 0.8)
                await ada.wait_until(
                    lambda c: c.state is not None and c.state.completions == 1, WAIT
                )
                await mia.report_outcome("sorting", True, 0.8)  # a retry counts once
                await ada.report_outcome("sorting", False)
                await ada.report_outcome("composting", True)
                await mia.wait_until(
                    lambda c: c.state is not None and c.state.completions == 2, WAIT
                )
                assert ada.state is not None and ada.state.glow == 1.0 > start
            key = session.report_key
            report_url = f"{running.url}/report/{session.session_id}.json?key={key}"
            report = json.loads(await asyncio.to_thread(_get, report_url))
            lessons = {entry["lesson"]: entry for entry in report["lessons"]}
            assert (lessons["sorting"]["completed"], lessons["sorting"]["attempted"]) == (1, 2)
            assert report["garden"] == {"glow": 1.0, "completions": 2}
            await organizer.close()

    run(body)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode("utf-8"))


def test_pages_reports_need_their_key_and_escape_what_they_show(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            organizer, session = await organizer_with_session(running.url, "<b>Council</b>")
            async with joined(running.url, session.code, "<script>x</script>"):
                pass
            base = f"{running.url}/report/{session.session_id}"
            html = await asyncio.to_thread(_get, f"{base}.html?key={session.report_key}")
            assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
            assert "&lt;b&gt;Council" in html
            for bad in (f"{base}.html?key=wrong", f"{base}.html", f"{running.url}/static/../x"):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    await asyncio.to_thread(_get, bad)
                assert refused.value.code == 404
                refused.value.close()
            svg = await asyncio.to_thread(_get, f"{running.url}/qr/{session.code}.svg")
            assert svg.startswith("<?xml") and "<svg" in svg
            join = await asyncio.to_thread(_get, f"{running.url}/join/{session.code.lower()}")
            assert session.code in join
            await organizer.close()

    run(body)


def test_sessions_older_than_the_retention_period_are_purged(tmp_path: Path) -> None:
    async def body() -> None:
        store_path = tmp_path / "s.sqlite3"
        async with running_server(store_path) as running:
            old = time.time() - 31 * 86400
            await running.store.create_session(
                SessionRecord("s_old", "ABCDEF", "Old", old, old + 60, "k", "{}")
            )
        async with running_server(store_path, retention_days=30) as running:
            assert await running.store.get_session("s_old") is None
            organizer = await OrganizerClient.connect(running.url, TOKEN)
            assert organizer.welcome is not None and organizer.welcome.sessions == []
            await organizer.close()

    run(body)


def test_closing_a_poll_keeps_its_votes_for_the_report(tmp_path: Path) -> None:
    async def body() -> None:
        async with running_server(tmp_path / "s.sqlite3") as running:
            organizer, session = await organizer_with_session(running.url)
            async with joined(running.url, session.code, "A", "B", "C") as people:
                await organizer.send(
                    PollOpenCommand(request_id="o", question="Q?", options=["x", "y"])
                )
                for person, option in zip(people, (0, 1, 1), strict=True):
                    await person.wait_until(
                        lambda c: c.state is not None and c.state.poll is not None, WAIT
                    )
                    assert person.state is not None and person.state.poll is not None
                    await person.vote(person.state.poll.poll_id, option)
                for person in people:
                    await person.wait_until(lambda c: not c._pending_votes, WAIT)
                await organizer.send(PollCloseCommand(request_id="c"))
                late = people[0]
                await late.wait_until(
                    lambda c: (
                        c.state is not None and c.state.poll is not None and not c.state.poll.open
                    ),
                    WAIT,
                )
            report_url = f"{running.url}/report/{session.session_id}.json?key={session.report_key}"
            report = json.loads(await asyncio.to_thread(_get, report_url))
            assert report["polls"][0]["counts"] == [1, 2]
            assert report["polls"][0]["closed_at"] is not None
            await organizer.close()

    run(body)
