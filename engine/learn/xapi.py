"""xAPI 1.0.3 statements for lesson events (ADL verbs, cmi5-style order).

The actor is always an ``account`` holding a random pseudonym: never an email, never a name.
Reflection text never appears in a statement; it stays on the device.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ACTIVITY_HOME",
    "LEARNER_HOME",
    "VERBS",
    "XAPI_VERSION",
    "iso_duration",
    "new_pseudonym",
    "statement",
]

XAPI_VERSION = "1.0.3"
ACTIVITY_HOME = "https://glowgrove.invalid/xapi/activities"
LEARNER_HOME = "https://glowgrove.invalid/learners"
EXTENSION_HOME = "https://glowgrove.invalid/xapi/extensions"
_ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    name: _ADL + name
    for name in (
        "launched",
        "initialized",
        "experienced",
        "answered",
        "completed",
        "passed",
        "failed",
        "terminated",
    )
}
_TYPES = {
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "module": "http://adlnet.gov/expapi/activities/module",
}


def new_pseudonym() -> str:
    """A random learner handle: nothing about the child can be read from it."""
    return "learner-" + secrets.token_hex(8)


def iso_duration(seconds: float) -> str:
    return f"PT{max(0.0, seconds):.2f}S"


def lesson_iri(lesson_id: str) -> str:
    return f"{ACTIVITY_HOME}/lessons/{lesson_id}"


def step_iri(lesson_id: str, step_id: str) -> str:
    return f"{lesson_iri(lesson_id)}/steps/{step_id}"


def statement(
    *,
    verb: str,
    learner: str,
    registration: str,
    lesson_id: str,
    lesson_title: str,
    when: datetime,
    step_id: str | None = None,
    step_title: str | None = None,
    kind: str = "lesson",
    result: dict[str, Any] | None = None,
    extensions: dict[str, Any] | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """One complete statement with a fresh id (kept for ever: exports stay idempotent)."""
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb}")
    if step_id is None:
        object_id, name, type_ = lesson_iri(lesson_id), lesson_title, _TYPES["lesson"]
    else:
        object_id = step_iri(lesson_id, step_id)
        name = step_title or step_id
        type_ = _TYPES["module" if kind in ("explain", "remediation") else "interaction"]
    context: dict[str, Any] = {
        "registration": registration,
        "platform": "Glowgrove",
        "language": "en",
    }
    if step_id is not None:
        context["contextActivities"] = {"parent": [{"id": lesson_iri(lesson_id)}]}
    extra = dict(extensions or {})
    if group:
        extra[f"{EXTENSION_HOME}/group"] = group
    if extra:
        context["extensions"] = extra
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": LEARNER_HOME, "name": learner},
        },
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": object_id,
            "definition": {"name": {"en-US": name[:200]}, "type": type_},
        },
        "context": context,
        "timestamp": when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "version": XAPI_VERSION,
    }
    if result:
        body["result"] = result
    return body
