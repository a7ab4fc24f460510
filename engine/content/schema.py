"""JSON Schema of the narrative format, for editors with the YAML language server."""

from __future__ import annotations

from typing import Any

from engine.content.models import NarrativeFile

__all__ = ["narrative_schema"]


def narrative_schema() -> dict[str, Any]:
    schema = NarrativeFile.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://glowgrove.invalid/schema/narrative.schema.json",
        "title": "Glowgrove narrative",
        "description": "A Glowgrove narrative file (see docs/narrative-language.md).",
        **{k: v for k, v in schema.items() if k != "title"},
    }
