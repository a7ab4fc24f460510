"""Validate a YAML node tree with a pydantic model and map every error to file:line:col.

A bare pydantic dump never reaches an author: each error becomes a diagnostic pointing at
the YAML node (or key) it is about, with did-you-mean help for misspelt keys.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.content.diagnostics import Diagnostic, did_you_mean
from engine.content.models import STEP_KEYS
from engine.content.yamlsource import YamlNode

__all__ = ["describe_value", "validate_node"]

ModelT = TypeVar("ModelT", bound=BaseModel)

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "literal_error": "",
}
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


def describe_value(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def validate_node(model: type[ModelT], root: YamlNode) -> tuple[ModelT | None, list[Diagnostic]]:
    try:
        return model.model_validate(root.to_plain()), []
    except ValidationError as error:
        return None, _diagnostics(model, root, error.errors(include_url=False))


def _clean(location: Sequence[int | str]) -> tuple[int | str, ...]:
    return tuple(
        part for part in location if not (isinstance(part, str) and part.startswith("step:"))
    )


def _diagnostics(
    model: type[BaseModel], root: YamlNode, errors: list[ErrorDetails]
) -> list[Diagnostic]:
    found: dict[tuple[int, int, str], Diagnostic] = {}
    expected_at: dict[tuple[int, int], tuple[YamlNode, list[str]]] = {}
    for error in errors:
        kind = error["type"]
        raw_location = tuple(error["loc"])
        location = _clean(raw_location)
        node, complete = root.find(location)
        if kind == "extra_forbidden":
            key = str(location[-1])
            parent, _ = root.find(location[:-1])
            key_node = parent.keys.get(key, node)
            allowed = _allowed_keys(model, raw_location[:-1])
            helps = did_you_mean(key, allowed) or (
                [f"allowed keys here: {', '.join(sorted(allowed))}"] if allowed else []
            )
            diagnostic = Diagnostic.at("E010", f"unknown key '{key}'", key_node.span, helps=helps)
        elif kind == "missing":
            key = str(location[-1])
            owner = _owner_key(root, location[:-1])
            diagnostic = Diagnostic.at("E011", f"missing required key '{key}'", owner.span)
        elif kind in ("union_tag_not_found", "union_tag_invalid"):
            diagnostic = _unknown_step(node)
        elif kind in _EXPECTED and kind != "literal_error":
            position = (node.line, node.column)
            entry = expected_at.setdefault(position, (node, []))
            if _EXPECTED[kind] not in entry[1]:
                entry[1].append(_EXPECTED[kind])
            continue
        else:
            message = _value_message(error, node)
            diagnostic = Diagnostic.at("E013", message, node.span)
        del complete
        found.setdefault((diagnostic.line, diagnostic.column, diagnostic.code), diagnostic)
    for node, expected in expected_at.values():
        diagnostic = _type_diagnostic(node, expected)
        found.setdefault((diagnostic.line, diagnostic.column, diagnostic.code), diagnostic)
    return list(found.values())


def _type_diagnostic(node: YamlNode, expected: list[str]) -> Diagnostic:
    wanted = expected[0] if len(expected) == 1 else ", ".join(expected[:-1]) + " or " + expected[-1]
    helps: list[str] = []
    raw = node.source.line_text(node.line)[node.column - 1 : node.end_column - 1]
    if isinstance(node.value, bool) and "text" in expected and raw.lower() in _YAML11_BOOLEANS:
        helps.append(f"YAML reads {raw} as true/false; put quotes around it: '{raw}'")
    elif isinstance(node.value, (int, float)) and "text" in expected:
        helps.append(f"put quotes around it: '{raw}'")
    found = {"mapping": "a mapping", "sequence": "a list"}.get(node.kind) or describe_value(
        node.value
    )
    return Diagnostic.at("E012", f"expected {wanted}, found {found}", node.span, helps=helps)


def _value_message(error: ErrorDetails, node: YamlNode) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "literal_error":
        expected = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"'{node.value}' is not allowed here; expected one of: {expected}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{node.value} is out of range: {error['msg'].lower().replace('input ', 'it ')}"
    if kind == "string_pattern_mismatch":
        if error["loc"] and error["loc"][-1] == "color":
            return f"'{node.value}' is not a colour like '#7fe3c4' ('#' and six hex digits)"
        return f"'{node.value}' does not have the expected form"
    if kind == "too_short":
        wanted, actual = context.get("min_length"), context.get("actual_length")
        return f"this list needs at least {wanted} item(s), but has {actual}"
    if kind == "too_long":
        wanted, actual = context.get("max_length"), context.get("actual_length")
        return f"this list can have at most {wanted} item(s), but has {actual}"
    return str(error["msg"])


def _owner_key(root: YamlNode, location: tuple[int | str, ...]) -> YamlNode:
    """The key naming the mapping at ``location`` (better to point at than a '{')."""
    node, _ = root.find(location)
    if location and isinstance(location[-1], str):
        parent, _ = root.find(location[:-1])
        return parent.keys.get(location[-1], node)
    return node


def _unknown_step(node: YamlNode) -> Diagnostic:
    names = [*STEP_KEYS, "return"]
    if node.kind == "mapping" and node.keys:
        first = next(iter(node.keys))
        helps = did_you_mean(first, names) or [f"a step starts with one of: {', '.join(names)}"]
        return Diagnostic.at("E014", f"unknown step '{first}'", node.keys[first].span, helps=helps)
    if node.kind == "scalar" and isinstance(node.value, str):
        helps = did_you_mean(node.value, names) or [
            "a step is a mapping such as 'say: ...'; only 'return' stands alone"
        ]
        return Diagnostic.at("E014", f"unknown step '{node.value}'", node.span, helps=helps)
    return Diagnostic.at(
        "E014",
        f"a step must be a mapping such as 'say: ...', found {describe_value(node.to_plain())}",
        node.span,
    )


def _allowed_keys(model: type[BaseModel], location: Sequence[int | str]) -> list[str]:
    current: Any = model
    for part in location:
        current = _descend(current, part)
        if current is None:
            return []
    current = _unwrap_model(current)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _unwrap_model(tp: Any) -> type[BaseModel] | None:
    for candidate in _flatten(tp):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _flatten(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        flat: list[Any] = []
        for arg in typing.get_args(tp):
            flat.extend(_flatten(arg))
        return flat
    return [tp]


def _descend(tp: Any, part: int | str) -> Any:
    if isinstance(part, str) and part.startswith("step:"):
        return STEP_KEYS.get(part.removeprefix("step:"))
    for candidate in _flatten(tp):
        origin = typing.get_origin(candidate)
        if (
            isinstance(candidate, type)
            and issubclass(candidate, BaseModel)
            and isinstance(part, str)
        ):
            for name, info in candidate.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        elif origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
        elif origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
    return None
