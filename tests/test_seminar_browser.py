"""The organizer console in a real headless Chromium, with participants on the real client code.

The organizer opens the URL ``glowgrove serve`` printed, starts a session, sees two participants
join, pushes a scene, runs a poll, ends the session and opens the report.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import urllib.request
from pathlib import Path

from playwright.async_api import expect

from engine.seminar.client import ParticipantClient
from tests.browser import chromium
from tests.seminar_support import ServerProcess, free_port

TIMEOUT_MS = 15000


def test_console_runs_a_whole_session(tmp_path: Path) -> None:
    server = ServerProcess(store=str(tmp_path / "seminar.sqlite3"), port=free_port()).start()
    try:
        assert server.token, "serve prints the organizer token on first start"
        asyncio.run(_session(server, server.token, tmp_path))
    finally:
        server.stop()


async def _session(server: ServerProcess, token: str, tmp_path: Path) -> None:
    url = server.url
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1024, "height": 1366})
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{url}/console#token={token}")
        # The token leaves the address bar at once.
        await expect(page.get_by_test_id("status")).to_have_text("connected")
        assert "token" not in page.url

        await page.fill("#title", "Gaia Council seminar")
        await page.get_by_test_id("create").click()
        code_box = page.get_by_test_id("room-code")
        await expect(code_box).to_have_text(_six_characters())
        code = (await code_box.text_content() or "").strip()
        # The QR image loads on its own request after the code shows: wait for it, then measure.
        await page.wait_for_function(
            "() => { const i = document.getElementById('qr');"
            " return i.complete && i.naturalWidth > 0; }"
        )
        qr = await page.eval_on_selector("#qr", "img => img.naturalWidth")
        assert qr > 50, "the join QR code is an image the server made"

        mia = ParticipantClient(url, code, "Mia")
        tomas = ParticipantClient(url, code.lower(), "Tomás")
        tasks = [asyncio.create_task(mia.run()), asyncio.create_task(tomas.run())]
        await expect(page.get_by_test_id("present-count")).to_have_text("2")
        await expect(page.get_by_test_id("roster")).to_contain_text("Mia")
        await expect(page.get_by_test_id("roster")).to_contain_text("Tomás")

        await page.fill("#scene-ref", "restore_the_glow")
        await page.fill("#scene-scene", "council")
        await page.get_by_test_id("push-scene").click()
        for person in (mia, tomas):
            await person.wait_until(lambda c: c.state is not None and c.state.scene is not None, 10)
            assert person.state is not None and person.state.scene is not None
            assert (person.state.scene.ref, person.state.scene.scene) == (
                "restore_the_glow",
                "council",
            )
        await expect(page.get_by_test_id("current-scene")).to_contain_text("restore_the_glow")

        # Pause, blank, beacon and the discussion timer reach every participant.
        await page.get_by_test_id("pause").click()
        await page.get_by_test_id("blank").click()
        await page.fill("#beacon-x", "1.5")
        await page.fill("#beacon-label", "the old tree")
        await page.get_by_test_id("beacon").click()
        await page.fill("#timer-minutes", "2")
        await page.get_by_test_id("timer-start").click()
        for person in (mia, tomas):
            await person.wait_until(lambda c: c.state is not None and c.state.timer is not None, 10)
            state = person.state
            assert state is not None and state.paused and state.blank
            assert state.beacon is not None and (state.beacon.x, state.beacon.label) == (
                1.5,
                "the old tree",
            )
            assert state.timer is not None and state.timer.seconds == 120
        await expect(page.get_by_test_id("timer")).to_have_text(re.compile(r"^[12]:\d\d$"))
        await expect(page.get_by_test_id("pause")).to_have_text("Resume all")
        await page.get_by_test_id("pause").click()
        await page.get_by_test_id("blank").click()
        await mia.wait_until(lambda c: c.state is not None and not c.state.blank, 10)

        await page.fill("#poll-question", "Which reform should the Gaia Council adopt first?")
        await page.fill("#poll-options", "Clean rivers\nSeed bank\nNight lights off")
        await page.get_by_test_id("poll-open").click()
        for person in (mia, tomas):
            await person.wait_until(lambda c: c.state is not None and c.state.poll is not None, 10)
        assert mia.state is not None and mia.state.poll is not None
        poll_id = mia.state.poll.poll_id
        await mia.vote(poll_id, 1)
        await tomas.vote(poll_id, 1)
        await expect(page.get_by_test_id("poll-voters")).to_have_text("2 vote(s)")
        bar = page.locator("#poll-chart rect").nth(1)
        await expect(bar).to_have_attribute("data-count", "2")
        # Live results reach the participants too (shown as a panel in VR).
        await mia.wait_until(lambda c: c.tally is not None and c.tally.voters == 2, 10)
        await page.screenshot(path=str(tmp_path / "console.png"), full_page=True)

        # The server dies mid-poll and comes back: console and participants reconnect by
        # themselves and show the same session, poll and votes.
        server.stop(signal.SIGKILL)
        await expect(page.get_by_test_id("status")).not_to_have_text("connected")
        await asyncio.to_thread(server.start)
        await expect(page.get_by_test_id("status")).to_have_text("connected")
        await expect(page.get_by_test_id("room-code")).to_have_text(code)
        await expect(page.get_by_test_id("poll-voters")).to_have_text("2 vote(s)")
        await expect(page.get_by_test_id("present-count")).to_have_text("2")

        await page.get_by_test_id("end").click()
        await page.get_by_test_id("end-confirm").click()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert mia.state is not None and mia.state.ended and mia.state.poll is not None
        assert not mia.state.poll.open
        assert mia.applied == list(range(1, mia.state.seq + 1)), "each update once, none lost"

        async with context.expect_page() as report_info:
            await page.get_by_test_id("report-link").click()
        report = await report_info.value
        await expect(report.get_by_test_id("report-title")).to_have_text("Gaia Council seminar")
        await expect(report.get_by_test_id("report-attendance-count")).to_have_text("2")
        await expect(report.get_by_test_id("report-poll")).to_contain_text("Seed bank")
        href = await page.get_by_test_id("report-link").get_attribute("href")
        assert href is not None
        with urllib.request.urlopen(url + href.replace(".html", ".json"), timeout=10) as answer:
            data = json.loads(answer.read())
        assert data["polls"][0]["counts"] == [0, 2, 0]
        assert sorted(a["nickname"] for a in data["attendance"]) == ["Mia", "Tomás"]
        # Refused connections while the server was down are expected; nothing else is.
        assert [e for e in console_errors if "ERR_CONNECTION_REFUSED" not in e] == []
        await context.close()


def _six_characters() -> re.Pattern[str]:
    return re.compile(r"^[A-HJ-NP-Z2-9]{6}$")
