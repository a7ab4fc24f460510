"""The narrative file format as pydantic models: the input boundary, and nothing more.

Validated models are turned into the immutable :class:`~engine.content.program.Program` by the
compiler; nothing downstream sees these classes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

__all__ = [
    "STEP_KEYS",
    "CallStep",
    "Character",
    "ChoiceOption",
    "ChoiceStep",
    "CommandStep",
    "DoStep",
    "EndStep",
    "Ending",
    "Environment",
    "IfStep",
    "JumpStep",
    "NarrativeFile",
    "RandomStep",
    "SayStep",
    "Scene",
    "SetStep",
    "Step",
    "Variable",
    "step_tag",
]

FORMAT_VERSION = 1

Preset = Literal[
    "meadow",
    "night_garden",
    "city_garden",
    "lab_garden",
    "festival",
    "waste_site",
    "assembly_hall",
    "digester",
]
TimeOfDay = Literal["dawn", "day", "dusk", "night"]
Level = Annotated[float, Field(ge=0.0, le=1.0)]
ExprValue = str | bool | int | float
Tags = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Character(_Strict):
    name: str
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None
    role: str | None = None
    voice: str | None = None
    tags: Tags = Field(default_factory=list)


class Variable(_Strict):
    type: Literal["bool", "int", "float", "string", "enum"]
    default: bool | int | float | str
    values: list[str] | None = None
    description: str | None = None


class Ending(_Strict):
    title: str
    description: str | None = None
    tags: Tags = Field(default_factory=list)


class Environment(_Strict):
    preset: Preset | None = None
    time: TimeOfDay | None = None
    glow: Level | None = None
    blight: Level | None = None


class SayStep(_Strict):
    say: str
    speaker: str | None = None
    id: str | None = None
    if_: str | None = Field(default=None, alias="if")
    tags: Tags = Field(default_factory=list)
    audio: str | None = None


class SetStep(_Strict):
    set: dict[str, ExprValue]


class IfStep(_Strict):
    if_: str = Field(alias="if")
    then: list[Step]
    else_: list[Step] = Field(default_factory=list, alias="else")


class RandomStep(_Strict):
    random: Annotated[list[Step], Field(min_length=1)]


class DoStep(_Strict):
    do: list[Step]


class CommandStep(_Strict):
    command: str
    args: dict[str, Any] = Field(default_factory=dict)


class JumpStep(_Strict):
    jump: str


class CallStep(_Strict):
    call: str


class EndStep(_Strict):
    end: str


class ChoiceOption(_Strict):
    text: str | None = None
    if_: str | None = Field(default=None, alias="if")
    sticky: bool = False
    fallback: bool = False
    set: dict[str, ExprValue] = Field(default_factory=dict)
    then: list[Step] = Field(default_factory=list)
    jump: str | None = None
    call: str | None = None
    end: str | None = None
    tags: Tags = Field(default_factory=list)


class ChoiceStep(_Strict):
    choice: list[ChoiceOption]


# The first key of a step mapping names its kind; order here is the order of precedence.
STEP_KEYS: dict[str, type[_Strict]] = {
    "say": SayStep,
    "choice": ChoiceStep,
    "set": SetStep,
    "if": IfStep,
    "random": RandomStep,
    "do": DoStep,
    "command": CommandStep,
    "jump": JumpStep,
    "call": CallStep,
    "end": EndStep,
}


def step_tag(value: Any) -> str | None:
    """Discriminate a raw step by its keys; ``None`` means it is not a known step."""
    if value == "return":
        return "step:return"
    if isinstance(value, dict):
        for key in STEP_KEYS:
            if key in value:
                return f"step:{key}"
    if isinstance(value, BaseModel):
        for key, model in STEP_KEYS.items():
            if isinstance(value, model):
                return f"step:{key}"
    return None


Step = Annotated[
    Annotated[SayStep, Tag("step:say")]
    | Annotated[ChoiceStep, Tag("step:choice")]
    | Annotated[SetStep, Tag("step:set")]
    | Annotated[IfStep, Tag("step:if")]
    | Annotated[RandomStep, Tag("step:random")]
    | Annotated[DoStep, Tag("step:do")]
    | Annotated[CommandStep, Tag("step:command")]
    | Annotated[JumpStep, Tag("step:jump")]
    | Annotated[CallStep, Tag("step:call")]
    | Annotated[EndStep, Tag("step:end")]
    | Annotated[Literal["return"], Tag("step:return")],
    Discriminator(step_tag),
]


class Scene(_Strict):
    environment: Environment | None = None
    tags: Tags = Field(default_factory=list)
    description: str | None = None
    body: list[Step]


class NarrativeFile(_Strict):
    glowgrove: int
    part: bool = False
    id: str | None = None
    title: str | None = None
    description: str | None = None
    age_range: Annotated[list[int], Field(min_length=2, max_length=2)] | None = None
    minutes: int | None = None
    start: str | None = None
    seed: int | None = None
    tags: Tags = Field(default_factory=list)
    includes: list[str] = Field(default_factory=list)
    characters: dict[str, Character] = Field(default_factory=dict)
    variables: dict[str, Variable] = Field(default_factory=dict)
    endings: dict[str, Ending] = Field(default_factory=dict)
    scenes: dict[str, Scene] = Field(default_factory=dict)


for _model in (IfStep, RandomStep, DoStep, ChoiceOption, ChoiceStep, Scene, NarrativeFile):
    _model.model_rebuild()
