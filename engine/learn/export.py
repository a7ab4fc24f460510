"""Send stored statements to a Learning Record Store (xAPI 1.0.3 over HTTP, stdlib only).

Statements go in batches, oldest first. Each keeps the id it was given when recorded, so a
batch sent twice (a lost reply, a retry, a second export) is stored once: an LRS drops a
statement whose id it already holds with the same content. A failed batch is retried with
a growing pause; statements are marked exported only after the LRS said so.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.errors import RecordsError
from engine.learn.store import RecordStore
from engine.learn.xapi import XAPI_VERSION

__all__ = ["ExportReport", "export_statements", "statements_url"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportReport:
    sent: int
    batches: int
    retries: int


def statements_url(lrs: str) -> str:
    """The statements resource: a base URL gains '/statements' unless it already ends so."""
    base = lrs.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise RecordsError(f"the LRS address must start with http:// or https://, not {lrs!r}")
    return base if base.endswith("/statements") else base + "/statements"


def _auth_header(auth: str) -> str:
    if auth.lower().startswith(("basic ", "bearer ")):
        return auth
    if ":" not in auth:
        raise RecordsError("--auth takes 'user:password', 'Basic ...' or 'Bearer ...'")
    return "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")


def export_statements(
    store: RecordStore,
    lrs: str,
    auth: str,
    *,
    batch_size: int = 50,
    attempts: int = 4,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> ExportReport:
    url = statements_url(lrs)
    header = _auth_header(auth)
    sent = batches = retries = 0
    while True:
        pending = store.pending(batch_size)
        if not pending:
            return ExportReport(sent, batches, retries)
        payload = json.dumps([row.body for row in pending]).encode("utf-8")
        for attempt in range(1, attempts + 1):
            try:
                _post(url, header, payload, timeout)
                break
            except _Retry as problem:
                if attempt == attempts:
                    raise RecordsError(
                        f"the LRS did not take the records after {attempts} tries: {problem}"
                    ) from None
                retries += 1
                pause = 0.5 * 2 ** (attempt - 1)
                log.warning("LRS: %s; trying again in %.1f s", problem, pause)
                sleep(pause)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        store.mark_exported([row.id for row in pending], stamp)
        sent += len(pending)
        batches += 1


class _Retry(Exception):
    pass


def _post(url: str, header: str, payload: bytes, timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": XAPI_VERSION,
            "Authorization": header,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", errors="replace")
        if error.code in (408, 429) or error.code >= 500:
            raise _Retry(f"HTTP {error.code}") from None
        raise RecordsError(f"the LRS refused the records: HTTP {error.code} {detail}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise _Retry(f"cannot reach {url}: {reason}") from None
