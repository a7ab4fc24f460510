"""The saved-state format (versioned JSON) and its validation against a program."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.content.program import ChoiceOp, Program
from engine.errors import SaveError

__all__ = ["SAVE_VERSION", "SaveData", "check_save", "parse_save"]

SAVE_VERSION = 1


class SaveData(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["glowgrove-story-save"] = "glowgrove-story-save"
    version: int = SAVE_VERSION
    program: str
    fingerprint: str
    status: Literal["running", "choosing", "ended"]
    stack: list[tuple[str, int]]
    variables: dict[str, bool | int | float | str]
    visits: dict[str, int]
    picked: list[str]
    rng: int = Field(ge=0, lt=1 << 64)
    offered: list[int]
    ending: str | None = None


def parse_save(data: Any) -> SaveData:
    if isinstance(data, (str, bytes)):
        try:
            return SaveData.model_validate_json(data, strict=False)
        except ValidationError as error:
            raise SaveError(f"not a valid story save: {_first(error)}") from None
    try:
        return SaveData.model_validate(data, strict=False)
    except ValidationError as error:
        raise SaveError(f"not a valid story save: {_first(error)}") from None


def _first(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def check_save(program: Program, save: SaveData) -> None:
    """Refuse a save that does not belong to ``program`` or could not run in it."""
    if save.version != SAVE_VERSION:
        raise SaveError(f"save format version {save.version} is not supported")
    if save.program != program.id or save.fingerprint != program.fingerprint:
        raise SaveError(
            f"this save belongs to another version of the story ('{save.program}', "
            f"{save.fingerprint}); it cannot be resumed here"
        )
    for scene, pc in save.stack:
        compiled = program.scenes.get(scene)
        if compiled is None or not -1 <= pc <= len(compiled.ops):
            raise SaveError(f"save points at an unknown place ({scene}, {pc})")
    if set(save.variables) != set(program.variables):
        raise SaveError("save has a different set of variables than the story")
    if save.status == "choosing":
        if not save.stack:
            raise SaveError("save is waiting for a choice but has no position")
        scene, pc = save.stack[-1]
        op = program.scenes[scene].ops[pc] if pc >= 0 else None
        if not isinstance(op, ChoiceOp) or not save.offered:
            raise SaveError("save is waiting for a choice at a place without one")
        if any(not 0 <= i < len(op.options) for i in save.offered):
            raise SaveError("save offers options that do not exist")
    if save.status == "ended" and save.stack:
        raise SaveError("an ended save cannot have a position")
    if save.status == "running" and not save.stack:
        raise SaveError("a running save needs a position")
