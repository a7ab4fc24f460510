"""An HTML summary of learning records per learner group (jinja2, autoescaped)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from engine.learn.store import RecordStore, StoredStatement

__all__ = ["LessonSummary", "build_summary", "render_report"]

_DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")


@dataclass
class LessonSummary:
    learner: str
    lesson: str
    sessions: int = 0
    passed: int = 0
    failed: int = 0
    best_scaled: float | None = None
    remediated: int = 0
    answers: int = 0
    right_answers: int = 0
    hints: int = 0
    seconds: float = 0.0
    finished: set[str] = field(default_factory=set)

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0

    @property
    def right_share(self) -> float:
        return self.right_answers / self.answers if self.answers else 0.0


def _seconds(value: object) -> float:
    match = _DURATION.match(value) if isinstance(value, str) else None
    return float(match.group(1)) if match else 0.0


def build_summary(rows: list[StoredStatement]) -> dict[str, list[LessonSummary]]:
    """group -> one summary per (learner, lesson), sorted."""
    table: dict[tuple[str, str, str], LessonSummary] = {}
    hints: dict[tuple[str, str, str, str, str], int] = {}  # most hints seen per step and session
    for row in rows:
        key = (row.group or "(no group)", row.learner, row.lesson)
        summary = table.setdefault(key, LessonSummary(row.learner, row.lesson))
        result = row.body.get("result", {})
        extensions = row.body.get("context", {}).get("extensions", {})
        if row.verb == "launched":
            summary.sessions += 1
        elif row.verb == "answered":
            summary.answers += 1
            summary.right_answers += bool(result.get("success"))
            used = next((v for k, v in extensions.items() if k.endswith("/hints")), 0)
            spot = (*key, row.body["context"]["registration"], row.body["object"]["id"])
            hints[spot] = max(hints.get(spot, 0), int(used))
        elif row.verb in ("passed", "failed"):
            scaled = result.get("score", {}).get("scaled")
            if isinstance(scaled, (int, float)):
                summary.best_scaled = max(summary.best_scaled or 0.0, float(scaled))
            summary.passed += row.verb == "passed"
            summary.failed += row.verb == "failed"
            summary.remediated += any(
                k.endswith("/remediated") and v is True for k, v in extensions.items()
            )
        elif row.verb == "terminated":
            summary.seconds += _seconds(result.get("duration"))
    for spot, used in hints.items():
        table[spot[:3]].hints += used
    groups: dict[str, list[LessonSummary]] = defaultdict(list)
    for (group, _, _), summary in sorted(table.items()):
        groups[group].append(summary)
    return dict(groups)


def render_report(store: RecordStore, *, title: str = "Glowgrove learning records") -> str:
    environment = Environment(
        loader=PackageLoader("engine.learn", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    template = environment.get_template("report.html.j2")
    rows = store.all()
    return template.render(
        title=title,
        groups=build_summary(rows),
        statements=len(rows),
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
