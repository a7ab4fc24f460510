"""Session reports: attendance, poll results and lesson outcomes, as JSON and as an HTML page.

Built from the store alone, so a report works after a restart and for ended sessions. Only
nicknames appear: the report is as pseudonymous as the session was.
"""

from __future__ import annotations

import time
from typing import Any

import jinja2

from engine.seminar.protocol import RoomSnapshot
from engine.seminar.store import SessionRecord, Store

__all__ = ["REPORT_FORMAT", "build_report", "render_report_html"]

REPORT_FORMAT = 1


async def build_report(store: Store, record: SessionRecord) -> dict[str, Any]:
    session_id = record.session_id
    state = RoomSnapshot.model_validate_json(record.snapshot)
    members = await store.participants(session_id)
    nicknames = {member.participant_id: member.nickname for member in members}
    votes = await store.votes(session_id)
    polls = []
    for poll in await store.polls(session_id):
        counts = [0] * len(poll.options)
        for vote in votes:
            if vote.poll_id == poll.poll_id and 0 <= vote.option < len(counts):
                counts[vote.option] += 1
        polls.append(
            {
                "poll_id": poll.poll_id,
                "question": poll.question,
                "options": list(poll.options),
                "counts": counts,
                "voters": sum(counts),
                "opened_at": poll.opened_at,
                "closed_at": poll.closed_at,
            }
        )
    lessons: dict[str, dict[str, Any]] = {}
    for outcome in await store.outcomes(session_id):
        entry = lessons.setdefault(
            outcome.lesson, {"lesson": outcome.lesson, "completed": 0, "attempted": 0, "by": []}
        )
        entry["attempted"] += 1
        entry["completed"] += int(outcome.completed)
        entry["by"].append(
            {
                "nickname": nicknames.get(outcome.participant_id, "?"),
                "completed": outcome.completed,
                "score": outcome.score,
            }
        )
    return {
        "report": "seminar-session",
        "format": REPORT_FORMAT,
        "generated_at": time.time(),
        "session": {
            "session_id": session_id,
            "code": record.code,
            "title": record.title,
            "created_at": record.created_at,
            "ended_at": record.ended_at,
        },
        "attendance": [
            {
                "nickname": member.nickname,
                "joined_at": member.joined_at,
                "last_seen": member.last_seen,
                "connections": member.connections,
            }
            for member in members
        ],
        "polls": polls,
        "lessons": sorted(lessons.values(), key=lambda entry: str(entry["lesson"])),
        "garden": {"glow": state.glow, "completions": state.completions},
        "updates": state.seq,
    }


def _clock(stamp: float | None) -> str:
    if stamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def render_report_html(environment: jinja2.Environment, report: dict[str, Any]) -> str:
    template = environment.get_template("report.html.j2")
    return template.render(report=report, clock=_clock)
