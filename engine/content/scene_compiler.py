"""Compile one scene's steps into flat operations, checking every name and expression."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from engine.content.assets import AUDIO_SUFFIXES, AssetFinding
from engine.content.commands import COMMANDS, check_command_args
from engine.content.diagnostics import Span, did_you_mean
from engine.content.expressions import BOOL, Literal
from engine.content.models import (
    CallStep,
    ChoiceOption,
    ChoiceStep,
    CommandStep,
    DoStep,
    EndStep,
    IfStep,
    JumpStep,
    RandomStep,
    SayStep,
    Scene,
    SetStep,
)
from engine.content.program import (
    BranchOp,
    CallOp,
    ChoiceOp,
    CommandOp,
    Condition,
    EndOp,
    GotoOp,
    JumpOp,
    LineOp,
    Op,
    OptionSpec,
    RandomOp,
    ReturnOp,
    SetOp,
)
from engine.content.yamlsource import YamlNode
from engine.text.templates import MAX_LINE_CHARS, check_template

if TYPE_CHECKING:
    from engine.content.compiler import NarrativeContext

__all__ = ["SceneCompiler"]

_LINE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_TERMINATORS = (JumpStep, EndStep)


def _known(noun: str, names: Collection[str]) -> list[str]:
    """A help line listing the names an author can use, when there are few enough to read."""
    if not names:
        return [f"there are no {noun} yet"]
    if len(names) > 12:
        return []
    return [f"known {noun}: {', '.join(sorted(names))}"]


class SceneCompiler:
    def __init__(self, scene_id: str, context: NarrativeContext) -> None:
        self.scene_id = scene_id
        self.context = context
        self.ops: list[Op] = []
        self.line_count = 0
        self.option_count = 0
        self.choice_spans: dict[int, Span] = {}
        self.step_spans: dict[int, Span] = {}

    def compile_scene(self, scene: Scene, node: YamlNode) -> tuple[Op, ...]:
        self.block(scene.body, node.items["body"])
        return tuple(self.ops)

    def emit(self, op: Op) -> int:
        self.ops.append(op)
        return len(self.ops) - 1

    def block(self, steps: list[Any], node: YamlNode) -> bool:
        """Compile a list of steps; return True when the block always leaves (jump/end/return)."""
        finished = False
        warned = False
        for index, step in enumerate(steps):
            step_node = node.elements[index]
            if finished and not warned:
                self.context.report(
                    "W054",
                    "this step never runs: the step before it always leaves",
                    step_node.span,
                    helps=["remove it, or move it before the 'jump', 'end' or 'return'"],
                )
                warned = True
            self.step_spans[len(self.ops)] = step_node.span
            finished = self.step(step, step_node) or finished
        return finished

    def step(self, step: Any, node: YamlNode) -> bool:
        if step == "return":
            self.emit(ReturnOp())
            return True
        if isinstance(step, SayStep):
            self.say(step, node)
        elif isinstance(step, ChoiceStep):
            return self.choice(step, node)
        elif isinstance(step, SetStep):
            self.assign(step.set, node.items["set"])
        elif isinstance(step, IfStep):
            return self.if_block(step, node)
        elif isinstance(step, RandomStep):
            return self.random(step, node)
        elif isinstance(step, DoStep):
            return self.block(step.do, node.items["do"])
        elif isinstance(step, CommandStep):
            self.command(step, node)
        elif isinstance(step, JumpStep):
            self.target(step.jump, node.items["jump"])
            self.emit(JumpOp(step.jump))
            return True
        elif isinstance(step, CallStep):
            self.target(step.call, node.items["call"])
            self.emit(CallOp(step.call))
        elif isinstance(step, EndStep):
            self.ending(step.end, node.items["end"])
            self.emit(EndOp(step.end))
            return True
        return False

    # -- lines ---------------------------------------------------------------------------------

    def say(self, step: SayStep, node: YamlNode) -> None:
        self.line_count += 1
        line_id = step.id or f"{self.scene_id}.{self.line_count}"
        id_node = node.items.get("id", node.keys.get("say", node))
        if step.id is not None and not _LINE_ID.match(step.id):
            self.context.report(
                "E013",
                f"line id '{step.id}' may only hold letters, digits, '_', '.', '-'",
                id_node.span,
            )
        self.unique_line_id(line_id, id_node.span, generated=step.id is None)
        self.text(step.say, node.items["say"])
        if step.speaker is not None:
            self.speaker(step.speaker, node.items["speaker"])
        if step.audio is not None:
            self.audio(step.audio, node.items["audio"])
        branch = None
        if step.if_ is not None:
            branch = self.condition(step.if_, node.items["if"])
        line = LineOp(line_id, step.say, step.speaker, tuple(step.tags), step.audio)
        if branch is None:
            self.emit(line)
            return
        at = self.emit(GotoOp(-1))
        self.emit(line)
        self.ops[at] = BranchOp(branch, len(self.ops))

    def unique_line_id(self, line_id: str, span: Span, *, generated: bool) -> None:
        previous = self.context.line_ids.get(line_id)
        if previous is not None:
            first, first_generated = previous
            notes = [f"first used at {first.source.path}:{first.line}:{first.column}"]
            for is_generated, which in ((first_generated, "the first"), (generated, "this")):
                if is_generated:
                    notes.append(
                        f"{which} id was made automatically from the scene name and the "
                        "line's number; give one of the lines its own 'id:'"
                    )
            self.context.report("E020", f"line id '{line_id}' is used twice", span, notes=notes)
            return
        self.context.line_ids[line_id] = (span, generated)

    def text(self, text: str, node: YamlNode) -> None:
        if len(text) > MAX_LINE_CHARS:
            self.context.report(
                "E013", f"line text is longer than {MAX_LINE_CHARS} characters", node.span
            )
            return
        checked = check_template(text, self.context.variables)
        self.context.variables_read |= checked.names & set(self.context.variables)
        for code, message, helps in checked.problems:
            extra = _known("variables", self.context.variables) if code == "E030" else []
            self.context.report(code, message, node.span, helps=list(helps) or extra)

    def speaker(self, speaker: str, node: YamlNode) -> None:
        if speaker in self.context.characters:
            self.context.speakers_used.add(speaker)
            return
        helps = did_you_mean(speaker, self.context.characters) or [
            "declare the character under 'characters:', or leave 'speaker' out for narration"
        ]
        self.context.report("E022", f"unknown speaker '{speaker}'", node.span, helps=helps)

    def audio(self, audio: str, node: YamlNode) -> None:
        parts = audio.replace("\\", "/").split("/")
        if audio.startswith(("/", "~")) or ".." in parts or ":" in audio:
            self.context.report(
                "E013",
                f"audio path '{audio}' must be a relative path inside assets/",
                node.span,
            )
            return
        if not audio.lower().endswith(AUDIO_SUFFIXES):
            self.context.report(
                "E013", f"audio file '{audio}' must be a .wav or .ogg file", node.span
            )
            return
        if self.context.assets is not None:
            self.asset(self.context.assets.check_audio(audio), node)

    def asset(self, finding: AssetFinding | None, node: YamlNode) -> None:
        if finding is not None:
            self.context.report(finding.code, finding.message, node.span, helps=finding.helps)

    # -- control flow --------------------------------------------------------------------------

    def condition(self, text: str, node: YamlNode) -> Condition | None:
        return self.context.expression(text, node, BOOL)

    def if_block(self, step: IfStep, node: YamlNode) -> bool:
        condition = self.condition(step.if_, node.items["if"])
        at = self.emit(GotoOp(-1))
        # A condition with mistakes still branches both ways, so the checks that follow the
        # flow (dead ends, reachability) see every step after it.
        branch = condition or Condition(step.if_, Literal(True, 0, 0))
        then_leaves = self.block(step.then, node.items["then"])
        if not step.else_:
            self.ops[at] = BranchOp(branch, len(self.ops))
            return False
        skip = self.emit(GotoOp(-1))
        else_start = len(self.ops)
        else_leaves = self.block(step.else_, node.items["else"])
        self.ops[skip] = GotoOp(len(self.ops))
        self.ops[at] = BranchOp(branch, else_start)
        return then_leaves and else_leaves

    def random(self, step: RandomStep, node: YamlNode) -> bool:
        at = self.emit(RandomOp(()))
        starts: list[int] = []
        exits: list[int] = []
        all_leave = True
        for index, variant in enumerate(step.random):
            starts.append(len(self.ops))
            variant_node = node.items["random"].elements[index]
            all_leave = self.step(variant, variant_node) and all_leave
            exits.append(self.emit(GotoOp(-1)))
        for exit_at in exits:
            self.ops[exit_at] = GotoOp(len(self.ops))
        self.ops[at] = RandomOp(tuple(starts))
        return all_leave

    def target(self, scene: str, node: YamlNode) -> None:
        if scene not in self.context.scenes:
            self.context.report(
                "E021",
                f"unknown scene '{scene}'",
                node.span,
                helps=did_you_mean(scene, self.context.scenes)
                or _known("scenes", self.context.scenes),
            )

    def ending(self, ending: str, node: YamlNode) -> None:
        if ending in self.context.endings:
            self.context.endings_used.add(ending)
            return
        helps = did_you_mean(ending, self.context.endings) or [
            "declare it under 'endings:' with a title"
        ]
        self.context.report("E023", f"unknown ending '{ending}'", node.span, helps=helps)

    # -- effects and commands --------------------------------------------------------------------

    def assign(self, assignments: dict[str, Any], node: YamlNode) -> None:
        compiled: list[tuple[str, Condition]] = []
        for name, value in assignments.items():
            value_node = node.items[name]
            target = self.context.variables.get(name)
            if target is None:
                helps = did_you_mean(name, self.context.variables) or [
                    "declare it under 'variables:' with a type and a default"
                ]
                self.context.report(
                    "E024", f"unknown variable '{name}'", node.keys[name].span, helps=helps
                )
                continue
            expression = self.context.expression(value, value_node, target)
            if expression is not None:
                compiled.append((name, expression))
        if compiled:
            self.emit(SetOp(tuple(compiled)))

    def command(self, step: CommandStep, node: YamlNode) -> None:
        name_node = node.items["command"]
        spec = COMMANDS.get(step.command)
        if spec is None:
            helps = did_you_mean(step.command, COMMANDS) or [
                f"known commands: {', '.join(sorted(COMMANDS))}"
            ]
            self.context.report(
                "E027", f"unknown command '{step.command}'", name_node.span, helps=helps
            )
            return
        args, problems = check_command_args(spec, step.args)
        args_node = node.items.get("args")
        for arg, message, arg_helps in problems:
            where = name_node
            if arg is not None and args_node is not None:
                where = args_node.keys.get(arg, args_node)
                if "must be" in message:
                    where = args_node.items.get(arg, where)
            self.context.report("E028", message, where.span, helps=list(arg_helps))
        if not problems:
            self.emit(CommandOp(step.command, tuple(args.items())))
            if self.context.assets is not None and args_node is not None:
                for arg, finding in self.context.assets.check_command(step.command, args):
                    self.asset(finding, args_node.items.get(arg, args_node))

    # -- choices -------------------------------------------------------------------------------

    def choice(self, step: ChoiceStep, node: YamlNode) -> bool:
        options_node = node.items["choice"]
        at = self.emit(ChoiceOp(()))
        self.choice_spans[at] = node.keys["choice"].span
        if not step.choice:
            self.context.report(
                "E045",
                "this choice has no options",
                node.keys["choice"].span,
                helps=["add options with 'text:', or remove the choice"],
            )
            return False
        specs: list[OptionSpec] = []
        exits: list[int] = []
        all_leave = True
        fallbacks = 0
        for index, option in enumerate(step.choice):
            option_node = options_node.elements[index]
            self.option_count += 1
            option_id = f"{self.scene_id}.o{self.option_count}"
            fallbacks += self.check_option(option, option_node, fallbacks)
            condition = None
            if option.if_ is not None:
                condition = self.condition(option.if_, option_node.items["if"])
            if option.text is not None:
                self.text(option.text, option_node.items["text"])
            start = len(self.ops)
            leaves = self.option_body(option, option_node)
            all_leave = all_leave and leaves
            if not leaves:
                exits.append(self.emit(GotoOp(-1)))
            specs.append(
                OptionSpec(
                    option_id,
                    option.text or "",
                    condition,
                    option.sticky,
                    option.fallback,
                    start,
                    tuple(option.tags),
                )
            )
        for exit_at in exits:
            self.ops[exit_at] = GotoOp(len(self.ops))
        self.ops[at] = ChoiceOp(tuple(specs), len(self.ops))
        return all_leave

    def check_option(self, option: ChoiceOption, node: YamlNode, fallbacks_so_far: int) -> int:
        exits = [key for key in ("jump", "call", "end") if getattr(option, key) is not None]
        if len(exits) > 1:
            self.context.report(
                "E013",
                "an option can have only one of 'jump', 'call', 'end'; "
                f"this one has {' and '.join(exits)}",
                node.keys[exits[1]].span,
            )
        if not option.fallback:
            if option.text is None:
                self.context.report(
                    "E011",
                    "missing required key 'text'",
                    node.span,
                    helps=["give the option a 'text', or mark it 'fallback: true'"],
                )
            return 0
        key_span = node.keys["fallback"].span
        if option.text is not None:
            self.context.report(
                "E046",
                "a fallback option is never shown, so it cannot have 'text'",
                node.keys["text"].span,
                helps=["remove 'text', or remove 'fallback: true' to make it a normal option"],
            )
        if option.if_ is not None:
            self.context.report(
                "E046",
                "a fallback option cannot have a condition ('if')",
                node.keys["if"].span,
                helps=["the fallback is taken exactly when no other option is available"],
            )
        if fallbacks_so_far:
            self.context.report("E046", "a choice can have only one fallback option", key_span)
        return 1

    def option_body(self, option: ChoiceOption, node: YamlNode) -> bool:
        if option.set:
            self.assign(option.set, node.items["set"])
        leaves = False
        if option.then:
            leaves = self.block(option.then, node.items["then"])
        if option.jump is not None:
            self.target(option.jump, node.items["jump"])
            self.emit(JumpOp(option.jump))
            return True
        if option.end is not None:
            self.ending(option.end, node.items["end"])
            self.emit(EndOp(option.end))
            return True
        if option.call is not None:
            self.target(option.call, node.items["call"])
            self.emit(CallOp(option.call))
        return leaves
