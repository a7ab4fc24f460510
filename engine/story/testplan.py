"""Golden play-through plans: the expected event transcript of a story, as text.

A plan lists one event per line, in the spirit of Yarn Spinner's test plans::

    # optional comments
    seed: 3
    scene: meadow
    line: Liora: Hello!          (speaker name, then the text; narration has no name)
    command: set_glow level=0.5
    choice: Yes, let's go!
    choice: Maybe tomorrow.
    select: 1                    (1-based, like the terminal player)
    stop: bright                 ('stop' alone when the story stops without an ending)

:func:`run_plan` plays the story with the plan's selections and reports the first event that
differs from the plan, so any unexpected event fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.content.program import Program
from engine.story.events import (
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
)
from engine.story.machine import StoryMachine

__all__ = ["PlanResult", "format_plan_event", "parse_plan", "record_plan", "run_plan"]

_KINDS = ("scene", "line", "command", "choice", "select", "stop")


@dataclass(frozen=True)
class Plan:
    seed: int | None
    entries: tuple[str, ...]  # normalised "kind: text" lines

    @property
    def selections(self) -> list[int]:
        return [int(e.split(":", 1)[1]) for e in self.entries if e.startswith("select:")]


@dataclass(frozen=True)
class PlanResult:
    ok: bool
    expected: tuple[str, ...]
    actual: tuple[str, ...]
    message: str = ""


class PlanSyntaxError(ValueError):
    pass


def parse_plan(text: str) -> Plan:
    seed: int | None = None
    entries: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, rest = line.partition(":")
        kind, rest = kind.strip(), rest.strip()
        if kind == "seed" and not entries:
            seed = int(rest)
            continue
        if kind not in _KINDS:
            raise PlanSyntaxError(f"line {number}: unknown plan entry '{kind}'")
        if kind == "select" and not rest.isdigit():
            raise PlanSyntaxError(f"line {number}: 'select:' needs a choice number")
        entries.append(f"{kind}: {rest}" if rest else kind)
    return Plan(seed, tuple(entries))


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_plan_event(event: StoryEvent) -> list[str]:
    if isinstance(event, SceneEvent):
        return [f"scene: {event.scene}"]
    if isinstance(event, LineEvent):
        name = f"{event.speaker_name}: " if event.speaker_name else ""
        return [f"line: {name}{event.text}"]
    if isinstance(event, CommandEvent):
        args = " ".join(f"{k}={_value(v)}" for k, v in event.args.items())
        return [f"command: {event.name} {args}".rstrip()]
    if isinstance(event, ChoicesEvent):
        return [f"choice: {offer.text}" for offer in event.options]
    return [f"stop: {event.ending}" if event.ending else "stop"]


def record_plan(
    program: Program, selections: list[int], seed: int | None = None, max_events: int = 10_000
) -> list[str]:
    """Play with 1-based ``selections`` and return the transcript (stops when they run out)."""
    machine = StoryMachine(program, seed)
    transcript: list[str] = []
    pending = list(selections)
    for _ in range(max_events):
        event = machine.advance()
        transcript.extend(format_plan_event(event))
        if isinstance(event, EndEvent):
            break
        if isinstance(event, ChoicesEvent):
            if not pending:
                break
            pick = pending.pop(0)
            transcript.append(f"select: {pick}")
            if not 1 <= pick <= len(event.options):
                break
            machine.choose(pick - 1)
    return transcript


def run_plan(program: Program, plan: Plan) -> PlanResult:
    actual = record_plan(program, plan.selections, plan.seed)
    expected = list(plan.entries)
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            return PlanResult(
                False,
                tuple(expected),
                tuple(actual),
                f"event {index + 1}: expected '{want}', got '{got}'",
            )
    if len(actual) != len(expected):
        longer = "more" if len(actual) > len(expected) else "fewer"
        extra = actual[len(expected)] if len(actual) > len(expected) else expected[len(actual)]
        return PlanResult(
            False,
            tuple(expected),
            tuple(actual),
            f"the story produced {longer} events than planned (first difference: '{extra}')",
        )
    return PlanResult(True, tuple(expected), tuple(actual))
