"""The seminar's own Redis client against a real redis-server on loopback: replies come back to
the right callers when many run at once, transactions, scripts, subscriptions, error replies,
a lost connection (callers get an error, the next call reconnects) and URLs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from engine.seminar.resp import RedisClient, RedisFailure, ReplyError, parse_redis_url
from tests.redis_server import running_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from running_redis(tmp_path_factory.mktemp("redis"))


def test_urls() -> None:
    plain = parse_redis_url("redis://10.0.0.5:6380/2")
    assert (plain.host, plain.port, plain.db, plain.tls, plain.password) == (
        "10.0.0.5",
        6380,
        2,
        False,
        None,
    )
    secure = parse_redis_url("rediss://gaia:s%40cret@cache.example:7000")
    assert (secure.username, secure.password, secure.tls, secure.db) == (
        "gaia",
        "s@cret",
        True,
        0,
    )
    assert parse_redis_url("redis://:pw@localhost").password == "pw"
    socket = parse_redis_url("unix:///run/redis.sock?db=3")
    assert (socket.path, socket.db) == ("/run/redis.sock", 3)
    for bad in ("http://x", "unix://", "redis://host:notaport"):
        with pytest.raises(ValueError):
            parse_redis_url(bad)


def test_many_callers_share_one_connection_in_order(redis_url: str) -> None:
    async def main() -> None:
        client = RedisClient(redis_url)
        try:
            await client.call("DEL", "t:counter", "t:hash")
            # 2,000 callers at once: each gets its own reply, and the increments are in order.
            replies = await asyncio.gather(*(client.call("INCR", "t:counter") for _ in range(2000)))
            assert replies == list(range(1, 2001))
            values = {f"f{i}": "x" * (i % 50) + "é" for i in range(300)}
            await asyncio.gather(*(client.call("HSET", "t:hash", k, v) for k, v in values.items()))
            flat = await client.call("HGETALL", "t:hash")
            assert dict(zip(flat[::2], flat[1::2], strict=True)) == values
            assert await client.call("GET", "t:missing") is None
            assert await client.pipeline([("SET", "t:a", 1), ("GET", "t:a")]) == ["OK", "1"]
        finally:
            await client.close()

    asyncio.run(main())


def test_transactions_scripts_and_error_replies(redis_url: str) -> None:
    async def main() -> None:
        client = RedisClient(redis_url)
        try:
            await client.call("DEL", "t:log", "t:text")
            assert await client.transaction([("ZADD", "t:log", 1, "a"), ("ZADD", "t:log", 2, "b")])
            assert await client.call("ZRANGE", "t:log", 0, -1) == ["a", "b"]
            await client.call("SET", "t:text", "words")
            with pytest.raises(ReplyError, match="WRONGTYPE"):
                await client.call("INCR", "t:log")
            with pytest.raises(ReplyError):
                await client.transaction([("NOSUCHCOMMAND",), ("SET", "t:text", "changed")])
            assert await client.call("GET", "t:text") == "words", "an aborted MULTI changes nothing"
            # The connection stays usable after error replies.
            script = "return redis.call('incrby', KEYS[1], ARGV[1])"
            await client.call("SCRIPT", "FLUSH")
            assert await client.script(script, ["t:n"], [5]) == 5  # loaded on first use
            assert await client.script(script, ["t:n"], [5]) == 10  # then run by its SHA1
        finally:
            await client.close()

    asyncio.run(main())


def test_subscription_gets_published_messages(redis_url: str) -> None:
    async def main() -> None:
        client = RedisClient(redis_url)
        ready = asyncio.Event()
        got: list[tuple[str, str]] = []

        async def listen() -> None:
            async for message in client.subscribe("t:room:*", ready):
                got.append(message)
                if len(got) == 3:
                    return

        task = asyncio.create_task(listen())
        try:
            await asyncio.wait_for(ready.wait(), 5)
            sent = [
                ("t:room:1", "one"),
                ("t:other", "no"),
                ("t:room:2", "two"),
                ("t:room:1", "three"),
            ]
            await client.pipeline([("PUBLISH", channel, text) for channel, text in sent])
            await asyncio.wait_for(task, 5)
            assert got == [("t:room:1", "one"), ("t:room:2", "two"), ("t:room:1", "three")]
        finally:
            task.cancel()
            await client.close()

    asyncio.run(main())


def test_a_lost_connection_fails_its_callers_and_the_next_call_reconnects(
    redis_url: str,
) -> None:
    async def main() -> None:
        client = RedisClient(redis_url)
        killer = RedisClient(redis_url)
        try:
            assert await client.call("PING") == "PONG"
            # The connection is cut under a blocked command: its caller gets an error, not a
            # hang, and so does a command queued behind it.
            waiting = asyncio.create_task(client.call("BLPOP", "t:never", 0))
            behind = asyncio.create_task(client.call("PING"))
            await asyncio.sleep(0.2)
            assert await killer.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 1
            for task in (waiting, behind):
                with pytest.raises(RedisFailure, match="closed the connection"):
                    await asyncio.wait_for(task, 5)
            assert await client.call("PING") == "PONG", "a fresh connection on the next call"
        finally:
            await client.close()
            await killer.close()
        unreachable = RedisClient("redis://127.0.0.1:1/0")
        with pytest.raises(RedisFailure, match="cannot connect"):
            await unreachable.call("PING")

    asyncio.run(main())


def test_a_reply_cut_short_is_an_error() -> None:
    async def main() -> None:
        server = await asyncio.start_server(_half_reply, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = RedisClient(f"redis://127.0.0.1:{port}/0")
        try:
            with pytest.raises(RedisFailure, match="closed the connection"):
                await asyncio.wait_for(client.call("GET", "x"), 5)
        finally:
            await client.close()
            server.close()

    asyncio.run(main())


async def _half_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(100)
    writer.write(b"$10\r\nhalf")  # a bulk string of 10 bytes, cut after 4
    await writer.drain()
    writer.close()
