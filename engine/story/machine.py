"""The story machine: pull events with advance(), answer choices with choose(), save and load.

The whole state is a call stack of (scene, pc) frames plus variables, visit counts, picked
once-only options and one random-generator integer, so it saves to small versioned JSON and
a loaded save replays exactly what the original would have done.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple

from engine.content.expressions import EvalContext, Value, evaluate
from engine.content.program import (
    BranchOp,
    CallOp,
    ChoiceOp,
    CommandOp,
    EndOp,
    GotoOp,
    JumpOp,
    LineOp,
    Program,
    RandomOp,
    ReturnOp,
    SetOp,
)
from engine.errors import StoryError, TemplateRenderError
from engine.story.events import (
    ChoiceOffer,
    ChoicesEvent,
    CommandEvent,
    EndEvent,
    LineEvent,
    SceneEvent,
    StoryEvent,
)
from engine.story.rng import next_below
from engine.story.save import SaveData, check_save, parse_save
from engine.text.templates import render_template

__all__ = ["MAX_CALL_DEPTH", "MachineParts", "StoryMachine", "StoryStatus"]

log = logging.getLogger(__name__)

MAX_CALL_DEPTH = 64
_ENTER = -1  # a frame at pc -1 announces its scene (SceneEvent) before running it
_MARKUP = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


class StoryStatus(StrEnum):
    RUNNING = "running"  # advance() gives the next event
    CHOOSING = "choosing"  # waiting for choose()
    ENDED = "ended"


class MachineParts(NamedTuple):
    """A machine's whole state as plain containers (for explorers; players use save/load)."""

    stack: tuple[tuple[str, int], ...]
    variables: dict[str, Value]
    visits: dict[str, int]
    picked: set[str]
    rng: int
    status: StoryStatus
    offered: tuple[int, ...]  # op option indices behind the offers being waited on
    ending: str | None


class StoryMachine:
    def __init__(self, program: Program, seed: int | None = None) -> None:
        self.program = program
        self._stack: list[list[Any]] = [[program.start, _ENTER]]
        self._variables: dict[str, Value] = {
            name: spec.default for name, spec in program.variables.items()
        }
        self._visits: dict[str, int] = {}
        self._picked: set[str] = set()
        self._rng = (seed if seed is not None else program.seed) & ((1 << 64) - 1)
        self._status = StoryStatus.RUNNING
        self._offered: list[int] = []
        self._ending: str | None = None
        self._floats = _float_names(program)
        self._context = self._bind()
        # False: lines and options come out as written, templates unrendered (the play-through
        # tester renders each template once per distinct input itself). Never for players.
        self.render_text = True

    # -- inspection ----------------------------------------------------------------------------

    @property
    def status(self) -> StoryStatus:
        return self._status

    @property
    def scene(self) -> str:
        return str(self._stack[-1][0]) if self._stack else ""

    @property
    def variables(self) -> dict[str, Value]:
        return dict(self._variables)

    @property
    def ending(self) -> str | None:
        return self._ending

    def visit_count(self, scene: str) -> int:
        return self._visits.get(scene, 0)

    @property
    def stack(self) -> tuple[tuple[str, int], ...]:
        """The call stack as (scene, pc) frames, innermost last (empty once ended)."""
        return tuple((scene, pc) for scene, pc in self._stack)

    @property
    def picked(self) -> frozenset[str]:
        """Once-only options already picked (they are not offered again)."""
        return frozenset(self._picked)

    def value(self, name: str) -> Value:
        """One variable's value (no copy of them all, for explorers that ask often)."""
        return self._variables[name]

    def has_picked(self, option_id: str) -> bool:
        return option_id in self._picked

    @property
    def rng_state(self) -> int:
        return self._rng

    @property
    def offered(self) -> tuple[int, ...]:
        """Op option indices behind the offers being waited on."""
        return tuple(self._offered)

    def fork(self) -> StoryMachine:
        """An independent copy in the same state, without a JSON round trip (for explorers)."""
        twin = StoryMachine.__new__(StoryMachine)
        twin.program = self.program
        twin._stack = [list(frame) for frame in self._stack]
        twin._variables = dict(self._variables)
        twin._visits = dict(self._visits)
        twin._picked = set(self._picked)
        twin._rng = self._rng
        twin._status = self._status
        twin._offered = list(self._offered)
        twin._ending = self._ending
        twin._floats = self._floats
        twin._context = twin._bind()
        twin.render_text = self.render_text
        return twin

    def parts(self) -> MachineParts:
        """The whole state, copied into plain containers."""
        return MachineParts(
            self.stack,
            dict(self._variables),
            dict(self._visits),
            set(self._picked),
            self._rng,
            self._status,
            tuple(self._offered),
            self._ending,
        )

    @classmethod
    def from_parts(cls, program: Program, parts: MachineParts) -> StoryMachine:
        """A machine in the state ``parts`` describes. It keeps the given variables, visits
        and picked containers and changes them in place: an explorer may pass ones that
        note what the machine reads and writes."""
        machine = cls.__new__(cls)
        machine._adopt(program, parts)
        return machine

    def _adopt(self, program: Program, parts: MachineParts) -> None:
        self.program = program
        self._stack = [[scene, pc] for scene, pc in parts.stack]
        self._variables = parts.variables
        self._visits = parts.visits
        self._picked = parts.picked
        self._rng = parts.rng
        self._status = parts.status
        self._offered = list(parts.offered)
        self._ending = parts.ending
        self._floats = _float_names(program)
        self._context = self._bind()
        self.render_text = True

    def _bind(self) -> EvalContext:
        """What conditions read through. It refers to the containers, not to the machine, so
        a dropped machine is freed at once (explorers drop thousands with the collector off)."""
        return EvalContext(self._variables.__getitem__, self._visit_reader())

    def _visit_reader(self) -> Callable[[str], int]:
        visits = self._visits

        def count(scene: str) -> int:
            return visits.get(scene, 0)

        return count

    # -- the pull API --------------------------------------------------------------------------

    def advance(self) -> StoryEvent:
        """Run until the next event and return it."""
        if self._status is StoryStatus.CHOOSING:
            raise StoryError("the story is waiting for a choice: call choose() first")
        if self._status is StoryStatus.ENDED:
            raise StoryError("the story has ended")
        while True:
            event = self._step()
            if event is not None:
                return event

    def choose(self, index: int) -> None:
        """Answer the last ChoicesEvent with the ``index`` of one of its offers."""
        if self._status is not StoryStatus.CHOOSING:
            raise StoryError("there is no choice to answer: call advance()")
        if not 0 <= index < len(self._offered):
            raise StoryError(f"choice {index} is out of range 0..{len(self._offered) - 1}")
        frame = self._stack[-1]
        op = self._op(frame)
        assert isinstance(op, ChoiceOp)
        option = op.options[self._offered[index]]
        if not option.sticky:
            self._picked.add(option.option_id)
        frame[1] = option.target
        self._offered = []
        self._status = StoryStatus.RUNNING

    def current_choices(self) -> ChoicesEvent:
        """The choices being waited on (e.g. after loading a save)."""
        if self._status is not StoryStatus.CHOOSING:
            raise StoryError("the story is not waiting for a choice")
        return self._offers(self._op(self._stack[-1]))

    # -- execution -----------------------------------------------------------------------------

    def _op(self, frame: list[Any]) -> Any:
        return self.program.scenes[frame[0]].ops[frame[1]]

    def _step(self) -> StoryEvent | None:
        if not self._stack:
            return self._stop(None, "The story stops here")
        frame = self._stack[-1]
        scene = self.program.scenes[frame[0]]
        pc = frame[1]
        if pc == _ENTER:
            frame[1] = 0
            self._visits[scene.id] = self._visits.get(scene.id, 0) + 1
            return SceneEvent(scene.id, scene.environment, scene.tags)
        if pc >= len(scene.ops):
            return self._return()
        op = scene.ops[pc]
        frame[1] = pc + 1
        # Exact type tests, not isinstance: ops are final classes and this is the hottest loop
        # of every explorer (glowgrove test runs it a million times a second).
        kind = type(op)
        if kind is LineOp:
            return self._line(op)
        if kind is BranchOp:
            if not evaluate(op.condition.expr, self._context):
                frame[1] = op.target
        elif kind is GotoOp:
            frame[1] = op.target
        elif kind is SetOp:
            for name, value in op.assignments:
                result = evaluate(value.expr, self._context)
                if name in self._floats and not isinstance(result, bool):
                    result = float(result)
                self._variables[name] = result
        elif kind is CommandOp:
            return CommandEvent(op.name, dict(op.args))
        elif kind is RandomOp:
            self._rng, pick = next_below(self._rng, len(op.targets))
            frame[1] = op.targets[pick]
        elif kind is ChoiceOp:
            frame[1] = pc
            return self._choice(op, frame)
        elif kind is JumpOp:
            self._stack[-1] = [op.scene, _ENTER]
        elif kind is CallOp:
            if len(self._stack) >= MAX_CALL_DEPTH:
                log.error("calls nested more than %d deep at %s; ending", MAX_CALL_DEPTH, scene.id)
                return self._stop(None, "The story stops here")
            self._stack.append([op.scene, _ENTER])
        elif kind is ReturnOp:
            return self._return()
        elif kind is EndOp:
            ending = self.program.endings[op.ending]
            return self._stop(op.ending, ending.title)
        return None

    def _return(self) -> StoryEvent | None:
        self._stack.pop()
        if not self._stack:
            # Prevented by the compiler (E040); a child still never sees a crash.
            log.error("story fell off the end of a scene that was not called; ending")
            return self._stop(None, "The story stops here")
        return None

    def _stop(self, ending: str | None, title: str) -> EndEvent:
        self._status = StoryStatus.ENDED
        self._ending = ending
        self._stack = []
        return EndEvent(ending, title)

    def _line(self, op: LineOp) -> LineEvent:
        try:
            text = render_template(op.text, self._variables) if self.render_text else op.text
        except TemplateRenderError as error:
            log.warning("line %s could not be rendered (%s); showing it plain", op.line_id, error)
            text = _MARKUP.sub("", op.text)
        speaker_name = None
        if op.speaker is not None:
            speaker_name = self.program.characters[op.speaker].name
        return LineEvent(op.line_id, text, op.speaker, speaker_name, op.tags, op.audio)

    def _available(self, op: ChoiceOp) -> list[int]:
        return [
            index
            for index, option in enumerate(op.options)
            if not option.fallback
            and (option.sticky or option.option_id not in self._picked)
            and (option.condition is None or evaluate(option.condition.expr, self._context))
        ]

    def _choice(self, op: ChoiceOp, frame: list[Any]) -> StoryEvent | None:
        available = self._available(op)
        if not available:
            fallback = next((o for o in op.options if o.fallback), None)
            if fallback is None:
                log.error("choice in scene %s ran out of options; ending", frame[0])
                return self._stop(None, "The story stops here")
            frame[1] = fallback.target
            return None
        self._offered = available
        self._status = StoryStatus.CHOOSING
        return self._offers(op)

    def _offers(self, op: ChoiceOp) -> ChoicesEvent:
        offers = []
        for position, index in enumerate(self._offered):
            option = op.options[index]
            try:
                text = (
                    render_template(option.text, self._variables)
                    if self.render_text
                    else option.text
                )
            except TemplateRenderError as error:
                log.warning("option %s could not be rendered (%s)", option.option_id, error)
                text = _MARKUP.sub("", option.text)
            offers.append(ChoiceOffer(position, option.option_id, text, option.tags))
        return ChoicesEvent(tuple(offers))

    def set_variables(self, values: dict[str, Value]) -> dict[str, Value]:
        """Set declared variables from outside the story (a lesson's outcome).

        Only names the narrative declares, with a value of the declared type (an enum value
        among its values; ints accepted for floats), are set; the rest are left alone.
        Returns what was set.
        """
        applied: dict[str, Value] = {}
        for name, value in values.items():
            spec = self.program.variables.get(name)
            if spec is None:
                continue
            kind = spec.type.kind
            fits = (
                (kind == "bool" and isinstance(value, bool))
                or (kind == "int" and isinstance(value, int) and not isinstance(value, bool))
                or (
                    kind == "float"
                    and isinstance(value, (int, float))
                    and not isinstance(value, bool)
                )
                or (kind == "string" and isinstance(value, str))
                or (kind == "enum" and value in spec.type.enum_values)
            )
            if fits:
                self._variables[name] = float(value) if kind == "float" else value
                applied[name] = self._variables[name]
        return applied

    # -- saving --------------------------------------------------------------------------------

    def save(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (format version inside)."""
        return SaveData(
            program=self.program.id,
            fingerprint=self.program.fingerprint,
            status=self._status.value,
            stack=[(str(scene), int(pc)) for scene, pc in self._stack],
            variables=dict(self._variables),
            visits=dict(self._visits),
            picked=sorted(self._picked),
            rng=self._rng,
            offered=list(self._offered),
            ending=self._ending,
        ).model_dump(mode="json")

    @classmethod
    def load(cls, program: Program, data: Any) -> StoryMachine:
        """Rebuild a machine from :meth:`save` output; raises SaveError if it does not fit."""
        save = parse_save(data)
        check_save(program, save)
        machine = cls(program)
        machine._stack = [[scene, pc] for scene, pc in save.stack]
        machine._variables.clear()
        machine._variables.update(save.variables)
        for name, spec in program.variables.items():
            if spec.type.kind == "float":
                machine._variables[name] = float(machine._variables[name])
        machine._visits = dict(save.visits)
        machine._context = machine._bind()
        machine._picked = set(save.picked)
        machine._rng = save.rng
        machine._status = StoryStatus(save.status)
        machine._offered = list(save.offered)
        machine._ending = save.ending
        return machine


def _float_names(program: Program) -> frozenset[str]:
    return frozenset(name for name, spec in program.variables.items() if spec.type.kind == "float")
