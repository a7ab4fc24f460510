"""The registry of commands a narrative may send to its host, with typed parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from engine.content.diagnostics import did_you_mean

__all__ = ["COMMANDS", "CommandSpec", "Parameter", "check_command_args"]

Value = bool | int | float | str


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # string, float, int, bool
    default: Value | None = None  # None: required
    minimum: float | None = None
    maximum: float | None = None

    def describe(self) -> str:
        kind = {
            "string": "text",
            "float": "a finite number",
            "int": "a whole number",
            "bool": "true/false",
        }
        return kind[self.type]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    parameters: tuple[Parameter, ...] = ()

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _spec(name: str, description: str, *parameters: Parameter) -> tuple[str, CommandSpec]:
    return name, CommandSpec(name, description, parameters)


COMMANDS: Mapping[str, CommandSpec] = MappingProxyType(
    dict(
        [
            _spec(
                "play_sound",
                "play a sound from assets/sounds",
                Parameter("sound", "string"),
                Parameter("volume", "float", 1.0, 0.0, 1.0),
            ),
            _spec(
                "set_glow", "set the garden's glow level", Parameter("level", "float", None, 0, 1)
            ),
            _spec(
                "set_blight",
                "set the garden's blight level",
                Parameter("level", "float", None, 0, 1),
            ),
            _spec(
                "spread_blight",
                "spread the blight from a contamination source",
                Parameter("amount", "float", None, 0, 1),
                Parameter("source", "string", "facility"),
            ),
            _spec(
                "restore_area",
                "restore the glow around a point of the garden",
                Parameter("x", "float"),
                Parameter("y", "float"),
                Parameter("radius", "float", None, 0, 10_000),
            ),
            _spec("start_lesson", "start a lesson from lessons/", Parameter("lesson", "string")),
            _spec("show_prop", "show a prop in the scene", Parameter("prop", "string")),
            _spec("hide_prop", "hide a prop in the scene", Parameter("prop", "string")),
            _spec("wait", "pause before the next line", Parameter("seconds", "float", None, 0, 30)),
            _spec("camera_look", "turn attention to a target", Parameter("target", "string")),
        ]
    )
)


def _matches(parameter: Parameter, value: Any) -> bool:
    if parameter.type == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if parameter.type == "int":
        return isinstance(value, int)
    if parameter.type == "float":
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    return isinstance(value, str)


def check_command_args(
    spec: CommandSpec, args: Mapping[str, Any]
) -> tuple[dict[str, Value], list[tuple[str | None, str, tuple[str, ...]]]]:
    """Validate ``args``; return the full argument set and problems as (arg or None, msg, helps)."""
    problems: list[tuple[str | None, str, tuple[str, ...]]] = []
    resolved: dict[str, Value] = {}
    names = [p.name for p in spec.parameters]
    for name, value in args.items():
        parameter = spec.parameter(name)
        if parameter is None:
            helps = tuple(did_you_mean(name, names)) or (
                f"'{spec.name}' takes: {', '.join(names) or 'no arguments'}",
            )
            problems.append((name, f"'{spec.name}' has no argument '{name}'", helps))
            continue
        if not _matches(parameter, value):
            problems.append(
                (name, f"argument '{name}' of '{spec.name}' must be {parameter.describe()}", ())
            )
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = parameter.minimum, parameter.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                problems.append(
                    (
                        name,
                        f"argument '{name}' of '{spec.name}' must be from {low:g} to {high:g}",
                        (),
                    )
                )
                continue
            if parameter.type == "float":
                value = float(value)
        resolved[name] = value
    for parameter in spec.parameters:
        if parameter.name in args:
            continue
        if parameter.default is None:
            problems.append((None, f"'{spec.name}' needs the argument '{parameter.name}'", ()))
        else:
            resolved[parameter.name] = parameter.default
    return {name: resolved[name] for name in names if name in resolved}, problems
