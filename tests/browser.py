"""A real headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Never ``playwright install``: it downloads a browser, and CI has no network for that. The flags
keep Chromium from reaching out (no QUIC, no component updates, no sync) and work as root.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, async_playwright

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


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A launched headless Chromium; fails (never skips) when the browser is missing."""
    assert CHROMIUM.exists(), "install Debian's chromium (scripts/bootstrap does)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()
