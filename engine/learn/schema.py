"""JSON Schema of the lesson format, for editors with the YAML language server."""

from __future__ import annotations

from typing import Any

from engine.learn.models import LessonFile

__all__ = ["lesson_schema"]


def lesson_schema() -> dict[str, Any]:
    schema = LessonFile.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://glowgrove.invalid/schema/lesson.schema.json",
        "title": "Glowgrove lesson",
        "description": "A Glowgrove lesson file (see docs/lesson-language.md).",
        **{k: v for k, v in schema.items() if k != "title"},
    }
