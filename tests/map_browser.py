"""Headless Chromium for the story map tests: Debian's /usr/bin/chromium driven by Playwright's
sync API. Never ``playwright install`` (it downloads a browser); the flags keep Chromium off
the network and let it run as root."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A launched headless Chromium; fails (never skips) when the browser is missing."""
    assert CHROMIUM.exists(), "install Debian's chromium (scripts/bootstrap does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
