"""The compiled program: immutable data, the only contract between compiler and story machine.

Each scene is a flat list of operations with jump targets as indexes ("pc"), so the whole
position of a running story is a small call stack of (scene, pc) pairs that saves to JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.content.expressions import Expr, ValueType

__all__ = [
    "BranchOp",
    "CallOp",
    "CharacterSpec",
    "ChoiceOp",
    "CommandOp",
    "CompiledScene",
    "Condition",
    "EndOp",
    "EndingSpec",
    "EnvironmentSpec",
    "GotoOp",
    "JumpOp",
    "LineOp",
    "Op",
    "OptionSpec",
    "Program",
    "RandomOp",
    "ReturnOp",
    "SetOp",
    "VariableSpec",
]

Value = bool | int | float | str


@dataclass(frozen=True)
class Condition:
    """An expression with the text the author wrote (for JSON output and messages)."""

    text: str
    expr: Expr


@dataclass(frozen=True)
class LineOp:
    line_id: str
    text: str
    speaker: str | None = None
    tags: tuple[str, ...] = ()
    audio: str | None = None


@dataclass(frozen=True)
class BranchOp:
    """Go to ``target`` when the condition is false; otherwise continue."""

    condition: Condition
    target: int


@dataclass(frozen=True)
class GotoOp:
    target: int


@dataclass(frozen=True)
class SetOp:
    assignments: tuple[tuple[str, Condition], ...]


@dataclass(frozen=True)
class CommandOp:
    name: str
    args: tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class RandomOp:
    targets: tuple[int, ...]


@dataclass(frozen=True)
class OptionSpec:
    option_id: str
    text: str
    condition: Condition | None
    sticky: bool
    fallback: bool
    target: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChoiceOp:
    options: tuple[OptionSpec, ...]
    after: int = 0  # the pc after the options' bodies (they lie in order before it)


@dataclass(frozen=True)
class JumpOp:
    scene: str


@dataclass(frozen=True)
class CallOp:
    scene: str


@dataclass(frozen=True)
class ReturnOp:
    pass


@dataclass(frozen=True)
class EndOp:
    ending: str


Op = (
    LineOp
    | BranchOp
    | GotoOp
    | SetOp
    | CommandOp
    | RandomOp
    | ChoiceOp
    | JumpOp
    | CallOp
    | ReturnOp
    | EndOp
)


@dataclass(frozen=True)
class EnvironmentSpec:
    preset: str | None = None
    time: str | None = None
    glow: float | None = None
    blight: float | None = None


@dataclass(frozen=True)
class CharacterSpec:
    id: str
    name: str
    color: str | None = None
    role: str | None = None
    voice: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class VariableSpec:
    name: str
    type: ValueType
    default: Value


@dataclass(frozen=True)
class EndingSpec:
    id: str
    title: str
    description: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledScene:
    id: str
    ops: tuple[Op, ...]
    environment: EnvironmentSpec | None = None
    tags: tuple[str, ...] = ()
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    start: str
    scenes: Mapping[str, CompiledScene]
    variables: Mapping[str, VariableSpec]
    characters: Mapping[str, CharacterSpec]
    endings: Mapping[str, EndingSpec]
    seed: int = 0
    description: str | None = None
    age_range: tuple[int, int] | None = None
    minutes: int | None = None
    tags: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    fingerprint: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description of the whole program (stable key order)."""
        return {
            "format": 1,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "start": self.start,
            "seed": self.seed,
            "age_range": list(self.age_range) if self.age_range else None,
            "minutes": self.minutes,
            "tags": list(self.tags),
            "characters": {k: _plain(v) for k, v in self.characters.items()},
            "variables": {
                k: {"type": v.type.kind, "values": list(v.type.enum_values), "default": v.default}
                for k, v in self.variables.items()
            },
            "endings": {k: _plain(v) for k, v in self.endings.items()},
            "scenes": {
                k: {
                    "environment": _plain(v.environment) if v.environment else None,
                    "tags": list(v.tags),
                    "source": f"{v.path}:{v.line}",
                    "ops": [_op_json(op) for op in v.ops],
                }
                for k, v in self.scenes.items()
            },
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Condition):
        return value.text
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _op_json(op: Op) -> dict[str, Any]:
    body = _plain(op)
    return {"op": type(op).__name__.removesuffix("Op").lower(), **body}
