"""The lesson file format as pydantic models: the input boundary, and nothing more.

A lesson file is a YAML mapping with ``glowgrove: 1`` and a top-level ``lesson:`` key (its id);
that key is what tells a lesson from a narrative (see docs/lesson-language.md). Each step has an
``id`` and exactly one activity key (``explain``, ``question``, ``sort``, ``order``, ``match``,
``simulate``, ``reflect``); the compiler (engine.learn.compiler) checks what a schema cannot.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ACTIVITY_KEYS",
    "SIMULATION_FACTORS",
    "Ages",
    "Bin",
    "Explain",
    "Factor",
    "Goal",
    "KgRange",
    "LessonFile",
    "Match",
    "MatchPair",
    "Objective",
    "Option",
    "Order",
    "OrderItem",
    "Outcome",
    "Question",
    "Reflect",
    "Scoring",
    "Simulate",
    "Sort",
    "SortItem",
    "Source",
    "StepModel",
]

Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
StoryValue = bool | int | float | str

# The factors a waste-to-energy simulation needs; the lesson declares each with a source.
SIMULATION_FACTORS: dict[str, str] = {
    "biogas_m3_per_kg": "cubic metres of biogas from one kilogram of feedstock",
    "kwh_per_m3": "kilowatt-hours of electricity from one cubic metre of biogas",
    "light_watts": "the power of one garden light, in watts",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Ages(_Strict):
    min: Annotated[int, Field(ge=3, le=99)]
    max: Annotated[int, Field(ge=3, le=99)]


class Objective(_Strict):
    id: Name
    text: Text


class Source(_Strict):
    title: Text
    publisher: Text
    url: Annotated[str, Field(min_length=1, max_length=500)]  # https:// is checked by the compiler
    note: Text | None = None


class Scoring(_Strict):
    tries: Annotated[int, Field(ge=1, le=10)] = 2
    retry_credit: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5


class Outcome(_Strict):
    passed: dict[Name, StoryValue] = Field(default_factory=dict)
    failed: dict[Name, StoryValue] = Field(default_factory=dict)


class Bin(_Strict):
    label: Text
    kind: Literal["recyclable", "organics", "landfill", "hazardous", "e-waste", "reuse"]
    color: Colour


class Explain(_Strict):
    text: Text
    sources: list[Name] = Field(default_factory=list)
    props: list[Name] = Field(default_factory=list)


class Option(_Strict):
    text: Text
    correct: bool = False
    feedback: Text | None = None


class Question(_Strict):
    prompt: Text
    options: Annotated[list[Option], Field(min_length=2, max_length=8)]
    multiple: bool = False
    sources: list[Name] = Field(default_factory=list)


class SortItem(_Strict):
    id: Name
    label: Text
    bin: Name | None = None
    reason: Text
    look: Literal[
        "bottle",
        "can",
        "box",
        "paper",
        "peel",
        "food",
        "battery",
        "phone",
        "bag",
        "jar",
        "cup",
        "bulb",
        "other",
    ] = "other"


class Sort(_Strict):
    prompt: Text
    bins: Annotated[list[Name], Field(min_length=2, max_length=6)]
    items: Annotated[list[SortItem], Field(min_length=1, max_length=16)]
    sources: list[Name] = Field(default_factory=list)


class OrderItem(_Strict):
    id: Name
    text: Text


class Order(_Strict):
    prompt: Text
    items: Annotated[list[OrderItem], Field(min_length=2, max_length=10)]
    sources: list[Name] = Field(default_factory=list)


class MatchPair(_Strict):
    id: Name
    left: Text
    right: Text


class Match(_Strict):
    prompt: Text
    pairs: Annotated[list[MatchPair], Field(min_length=2, max_length=8)]
    sources: list[Name] = Field(default_factory=list)


class Factor(_Strict):
    value: Annotated[float, Field(gt=0.0, le=1e6)]
    unit: Text
    source: Name
    note: Text | None = None


class KgRange(_Strict):
    min: Annotated[float, Field(ge=0.0, le=1e6)]
    max: Annotated[float, Field(gt=0.0, le=1e6)]
    start: Annotated[float, Field(ge=0.0, le=1e6)]


class Goal(_Strict):
    lights: Annotated[int, Field(ge=1, le=10000)]
    hours: Annotated[float, Field(gt=0.0, le=1000.0)]


class Simulate(_Strict):
    prompt: Text
    feedstock: Text
    kg: KgRange
    factors: dict[str, Factor]
    goal: Goal | None = None


class Reflect(_Strict):
    prompt: Text


class StepModel(_Strict):
    id: Name
    objective: Name | None = None
    points: Annotated[int, Field(ge=0, le=100)] = 1
    tries: Annotated[int, Field(ge=1, le=10)] | None = None
    hints: list[Text] = Field(default_factory=list)
    explain: Explain | None = None
    question: Question | None = None
    sort: Sort | None = None
    order: Order | None = None
    match: Match | None = None
    simulate: Simulate | None = None
    reflect: Reflect | None = None


ACTIVITY_KEYS = ("explain", "question", "sort", "order", "match", "simulate", "reflect")


class LessonFile(_Strict):
    glowgrove: int
    lesson: Name
    aliases: list[Name] = Field(default_factory=list)  # names narratives may start it by
    title: Text
    ages: Ages
    minutes: Annotated[int, Field(ge=1, le=240)]
    summary: Text | None = None
    objectives: Annotated[list[Objective], Field(min_length=1)]
    sources: dict[Name, Source] = Field(default_factory=dict)
    mastery: Annotated[float, Field(ge=0.0, le=1.0)] = 0.8
    scoring: Scoring = Field(default_factory=Scoring)
    outcome: Outcome = Field(default_factory=Outcome)
    bins: dict[Name, Bin] = Field(default_factory=dict)
    steps: Annotated[list[StepModel], Field(min_length=1)]
    remediation: list[StepModel] = Field(default_factory=list)
