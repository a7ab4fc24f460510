"""The seminar server's web pages: console, static files, join page, QR code, reports.

Everything is served by the same process as the WebSocket and works offline: no CDN, no
external fonts. Pages are jinja2 templates with autoescaping; nothing user-supplied reaches
a page unescaped.
"""

from __future__ import annotations

import hmac
import io
import json
import urllib.parse
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import jinja2
import segno
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from engine.seminar.identity import normalise_code
from engine.seminar.report import build_report, render_report_html

if TYPE_CHECKING:
    from engine.seminar.server import SeminarServer
    from engine.seminar.settings import ServerSettings

__all__ = ["join_url", "qr_svg", "route", "text_response"]

_STATIC = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
_REASONS = {200: "OK", 403: "Forbidden", 404: "Not Found", 426: "Upgrade Required"}
_SECURITY = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'",
    ),
)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("engine.seminar", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _response(status: int, body: bytes, content_type: str) -> Response:
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body)))])
    for name, value in _SECURITY:
        headers[name] = value
    return Response(status, _REASONS.get(status, "Error"), headers, body)


def text_response(status: int, text: str) -> Response:
    return _response(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8")


def _html(text: str) -> Response:
    return _response(200, text.encode("utf-8"), "text/html; charset=utf-8")


def join_url(settings: ServerSettings, host: str, code: str) -> str:
    base = settings.public_url or (f"http://{host}" if host else "")
    return f"{base.rstrip('/')}/join/{code}"


def qr_svg(text: str) -> bytes:
    code = segno.make(text, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=6, border=2, dark="#0b2a2f", light="#ffffff")
    return out.getvalue()


async def route(server: SeminarServer, request: Request) -> Response:
    parsed = urllib.parse.urlsplit(request.path)
    path = parsed.path
    query = urllib.parse.parse_qs(parsed.query)
    host = request.headers.get("Host", "")
    if path in ("/", "/console"):
        return _html(_environment().get_template("console.html.j2").render())
    if path.startswith("/static/"):
        name = path[len("/static/") :]
        if name not in _STATIC:
            return text_response(404, "not found")
        body = resources.files("engine.seminar").joinpath("static", name).read_bytes()
        return _response(200, body, _STATIC[name])
    if path.startswith("/qr/") and path.endswith(".svg"):
        code = normalise_code(path[len("/qr/") : -len(".svg")])
        if code is None:
            return text_response(404, "not a room code")
        return _response(
            200, qr_svg(join_url(server.settings, host, code)), "image/svg+xml; charset=utf-8"
        )
    if path.startswith("/join/"):
        code = normalise_code(path[len("/join/") :])
        if code is None:
            return text_response(404, "not a room code")
        page = _environment().get_template("join.html.j2")
        server_url = server.settings.public_url or f"http://{host}"
        return _html(page.render(code=code, server_url=server_url))
    if path.startswith("/report/"):
        return await _report(server, path[len("/report/") :], query.get("key", [""])[0])
    if path == "/ws":
        return text_response(426, "this is the WebSocket endpoint")
    return text_response(404, "not found")


async def _report(server: SeminarServer, name: str, key: str) -> Response:
    session_id, _, kind = name.rpartition(".")
    if kind not in ("html", "json") or not session_id:
        return text_response(404, "not found")
    record = await server.store.get_session(session_id)
    # The report key travels only to an authenticated console; compare like a secret.
    if record is None or not hmac.compare_digest(record.report_key, key):
        return text_response(404, "no such report")
    report = await build_report(server.store, record)
    if kind == "json":
        body = (json.dumps(report, indent=2) + "\n").encode("utf-8")
        return _response(200, body, "application/json")
    return _html(render_report_html(_environment(), report))
