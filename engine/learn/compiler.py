"""Lesson YAML -> validated models -> checked, immutable :class:`Lesson`.

Like the narrative compiler, author mistakes come back as diagnostics (all of them, sorted,
with positions and did-you-mean help); an exception here is an engine bug.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from engine.content.diagnostics import Diagnostic, did_you_mean, sort_diagnostics
from engine.content.validation import validate_node
from engine.content.yamlsource import YamlNode, load_yaml_bytes, load_yaml_file
from engine.learn.models import (
    ACTIVITY_KEYS,
    SIMULATION_FACTORS,
    Explain,
    LessonFile,
    Match,
    Order,
    Question,
    Reflect,
    Simulate,
    Sort,
    StepModel,
)
from engine.learn.program import Lesson, LessonStep, Phase
from engine.learn.simulation import kg_needed

__all__ = ["LESSON_FORMAT_VERSION", "LessonResult", "compile_lesson", "compile_lesson_text"]

LESSON_FORMAT_VERSION = 1
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class LessonResult:
    lesson: Lesson | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.lesson is not None


def compile_lesson(path: Path | str, display: str | None = None) -> LessonResult:
    shown = display if display is not None else str(path)
    loaded = load_yaml_file(Path(path), shown)
    text = loaded.source.text if loaded.source is not None else ""
    return _finish(loaded.root, list(loaded.diagnostics), shown, text)


def compile_lesson_text(text: str, display: str) -> LessonResult:
    loaded = load_yaml_bytes(text.encode("utf-8"), display)
    return _finish(loaded.root, list(loaded.diagnostics), display, text)


def _finish(
    root: YamlNode | None, diagnostics: list[Diagnostic], display: str, text: str
) -> LessonResult:
    lesson: Lesson | None = None
    if root is not None:
        lesson = _Checker(root, display, text, diagnostics).run()
    ordered = tuple(sort_diagnostics(diagnostics))
    if any(d.severity.value == "error" for d in ordered):
        lesson = None
    return LessonResult(lesson, ordered)


class _Checker:
    def __init__(self, root: YamlNode, display: str, text: str, out: list[Diagnostic]) -> None:
        self.root = root
        self.display = display
        self.text = text
        self.out = out
        self.used_sources: set[str] = set()
        self.used_bins: set[str] = set()
        self.assessed: set[str] = set()

    def error(
        self,
        code: str,
        message: str,
        node: YamlNode,
        helps: list[str] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.out.append(
            Diagnostic.at(code, message, node.span, helps=helps or [], notes=notes or [])
        )

    def node(self, *location: int | str) -> YamlNode:
        return self.root.find(location)[0]

    def key(self, *location: int | str) -> YamlNode:
        """The key naming the value at ``location`` (a nicer place to point than a '{')."""
        parent = self.node(*location[:-1])
        last = location[-1]
        if isinstance(last, str) and last in parent.keys:
            return parent.keys[last]
        return self.node(*location)

    def run(self) -> Lesson | None:
        root = self.root
        if root.kind != "mapping":
            self.error(
                "E100",
                "a lesson file must be a mapping of keys such as 'glowgrove:' and 'lesson:'",
                root,
            )
            return None
        if not self._version_ok():
            return None
        model, problems = validate_node(LessonFile, root)
        self.out.extend(problems)
        if model is None:
            return None
        return self._check(model)

    def _version_ok(self) -> bool:
        node = self.root.items.get("glowgrove")
        want = LESSON_FORMAT_VERSION
        if node is None:
            self.error(
                "E007",
                "missing format version",
                self.root,
                helps=[f"add 'glowgrove: {want}' as the first key of the file"],
            )
            return False
        if node.kind == "scalar" and node.quoted and node.text == str(want):
            self.error(
                "E007",
                "the format version must be a number, not text",
                node,
                helps=[f"write 'glowgrove: {want}' without quotes"],
            )
            return False
        if node.kind != "scalar" or node.value != want or isinstance(node.value, bool):
            written = node.text if node.kind == "scalar" else f"a {node.kind}"
            self.error(
                "E007",
                f"unsupported format version '{written}'",
                node,
                notes=[f"this Glowgrove reads lesson format version {want}"],
                helps=[f"write 'glowgrove: {want}'"],
            )
            return False
        return True

    # -- checks ---------------------------------------------------------------------------------

    def _check(self, model: LessonFile) -> Lesson | None:
        errors_before = sum(d.severity.value == "error" for d in self.out)
        for name, source in model.sources.items():
            if not re.fullmatch(r"https://[^\s/]+\.[^\s]+", source.url):
                self.error(
                    "E013",
                    f"source '{name}' needs a web address starting with https://",
                    self.node("sources", name, "url"),
                    helps=["copy the address from the browser, e.g. https://www.epa.gov/..."],
                )
        if model.ages.min > model.ages.max:
            self.error(
                "E110",
                f"ages go from {model.ages.min} down to {model.ages.max}",
                self.node("ages"),
                helps=["write the smaller age as 'min'"],
            )
        self._unique(
            [o.id for o in model.objectives],
            [("objectives", i, "id") for i in range(len(model.objectives))],
            "objective",
        )
        all_steps = [("steps", i, s) for i, s in enumerate(model.steps)]
        all_steps += [("remediation", i, s) for i, s in enumerate(model.remediation)]
        self._unique(
            [s.id for _, _, s in all_steps], [(p, i, "id") for p, i, _ in all_steps], "step"
        )
        compiled: dict[str, list[LessonStep]] = {"steps": [], "remediation": []}
        for part, index, step in all_steps:
            built = self._step(model, part, index, step)
            if built is not None:
                compiled[part].append(built)
        self._warnings(model, compiled)
        if sum(d.severity.value == "error" for d in self.out) > errors_before:
            return None
        return Lesson(
            id=model.lesson,
            title=model.title,
            path=self.display,
            digest=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            ages=(model.ages.min, model.ages.max),
            minutes=model.minutes,
            summary=model.summary,
            objectives=tuple(model.objectives),
            sources=dict(model.sources),
            mastery=model.mastery,
            retry_credit=model.scoring.retry_credit,
            bins=dict(model.bins),
            steps=tuple(compiled["steps"]),
            remediation=tuple(compiled["remediation"]),
            aliases=tuple(model.aliases),
            outcome_passed=dict(model.outcome.passed),
            outcome_failed=dict(model.outcome.failed),
        )

    def _unique(self, ids: list[str], locations: list[tuple[int | str, ...]], what: str) -> None:
        first: dict[str, YamlNode] = {}
        for name, location in zip(ids, locations, strict=True):
            node = self.node(*location)
            if name in first:
                seen = first[name]
                self.error(
                    "E101",
                    f"two pairs have the same right side '{name}'"
                    if what == "answer"
                    else f"duplicate {what} id '{name}'",
                    node,
                    notes=[f"first used at line {seen.line}, column {seen.column}"],
                )
            else:
                first[name] = node

    def _sources(self, model: LessonFile, names: list[str], where: tuple[int | str, ...]) -> None:
        for index, name in enumerate(names):
            self.used_sources.add(name)
            if name not in model.sources:
                self.error(
                    "E103",
                    f"unknown source '{name}'",
                    self.node(*where, index),
                    helps=did_you_mean(name, model.sources)
                    or ["declare it under 'sources:' at the top of the lesson"],
                )

    def _step(self, model: LessonFile, part: str, index: int, step: StepModel) -> LessonStep | None:
        here: tuple[int | str, ...] = (part, index)
        given = [key for key in ACTIVITY_KEYS if getattr(step, key) is not None]
        if len(given) != 1:
            if not given:
                message = f"step '{step.id}' has no activity"
                helps = [f"add one of: {', '.join(ACTIVITY_KEYS)}"]
                self.error("E106", message, self.node(*here, "id"), helps=helps)
            else:
                message = f"step '{step.id}' has {len(given)} activities: {', '.join(given)}"
                self.error(
                    "E106",
                    message,
                    self.key(*here, given[1]),
                    helps=["split it into one step per activity"],
                )
            return None
        kind = given[0]
        activity = getattr(step, kind)
        at = (*here, kind)
        if step.objective is not None:
            if step.objective in {o.id for o in model.objectives}:
                self.assessed.add(step.objective)
            else:
                self.error(
                    "E107",
                    f"unknown objective '{step.objective}'",
                    self.node(*here, "objective"),
                    helps=did_you_mean(step.objective, [o.id for o in model.objectives]),
                )
        if isinstance(activity, Explain):
            self._sources(model, activity.sources, (*at, "sources"))
            if _NUMBER.search(activity.text) and not activity.sources:
                self.out.append(
                    Diagnostic.at(
                        "W155",
                        f"explanation '{step.id}' states a number but cites no source",
                        self.key(*at).span,
                        helps=["add 'sources: [...]' naming where it comes from"],
                    )
                )
        elif isinstance(activity, Question):
            self._question(step.id, activity, at)
            self._sources(model, activity.sources, (*at, "sources"))
        elif isinstance(activity, Sort):
            self._sort(model, activity, at)
            self._sources(model, activity.sources, (*at, "sources"))
        elif isinstance(activity, Order):
            self._unique(
                [i.id for i in activity.items],
                [(*at, "items", i, "id") for i in range(len(activity.items))],
                "item",
            )
            self._sources(model, activity.sources, (*at, "sources"))
        elif isinstance(activity, Match):
            self._unique(
                [p.id for p in activity.pairs],
                [(*at, "pairs", i, "id") for i in range(len(activity.pairs))],
                "pair",
            )
            self._unique(
                [p.right for p in activity.pairs],
                [(*at, "pairs", i, "right") for i in range(len(activity.pairs))],
                "answer",
            )
            self._sources(model, activity.sources, (*at, "sources"))
        elif isinstance(activity, Simulate):
            self._simulate(model, activity, at)
        else:
            assert isinstance(activity, Reflect)
        phase: Phase = "main" if part == "steps" else "remediation"
        tries = step.tries if step.tries is not None else model.scoring.tries
        return LessonStep(
            step.id, kind, activity, step.points, tries, tuple(step.hints), step.objective, phase
        )

    def _question(self, step_id: str, question: Question, at: tuple[int | str, ...]) -> None:
        correct = [i for i, option in enumerate(question.options) if option.correct]
        if not correct:
            self.error(
                "E105",
                f"question '{step_id}' has no correct option",
                self.key(*at),
                helps=["mark the right answer with 'correct: true'"],
            )
        elif len(correct) > 1 and not question.multiple:
            node = self.node(*at, "options", correct[1], "correct")
            self.error(
                "E111",
                f"question '{step_id}' has {len(correct)} correct options",
                node,
                helps=["add 'multiple: true' to the question, or keep one 'correct: true'"],
            )

    def _sort(self, model: LessonFile, sort: Sort, at: tuple[int | str, ...]) -> None:
        self._unique(sort.bins, [(*at, "bins", i) for i in range(len(sort.bins))], "bin")
        for index, name in enumerate(sort.bins):
            self.used_bins.add(name)
            if name not in model.bins:
                self.error(
                    "E102",
                    f"unknown bin '{name}'",
                    self.node(*at, "bins", index),
                    helps=did_you_mean(name, model.bins)
                    or ["declare it under 'bins:' at the top of the lesson"],
                )
        self._unique(
            [i.id for i in sort.items],
            [(*at, "items", i, "id") for i in range(len(sort.items))],
            "item",
        )
        for index, item in enumerate(sort.items):
            where = (*at, "items", index)
            if item.bin is None:
                self.error(
                    "E104",
                    f"sort item '{item.id}' has no correct bin",
                    self.node(*where, "id"),
                    helps=[f"add 'bin:' with one of: {', '.join(sort.bins)}"],
                )
            elif item.bin not in model.bins:
                self.error(
                    "E102",
                    f"unknown bin '{item.bin}'",
                    self.node(*where, "bin"),
                    helps=did_you_mean(item.bin, model.bins)
                    or ["declare it under 'bins:' at the top of the lesson"],
                )
            elif item.bin not in sort.bins:
                self.error(
                    "E113",
                    f"item '{item.id}' belongs in bin '{item.bin}', which this sort does not offer",
                    self.node(*where, "bin"),
                    helps=[f"add '{item.bin}' to this sort's 'bins:'"],
                )

    def _simulate(self, model: LessonFile, spec: Simulate, at: tuple[int | str, ...]) -> None:
        factors = self.node(*at, "factors")
        missing = [name for name in SIMULATION_FACTORS if name not in spec.factors]
        for name in missing:
            self.error(
                "E108",
                f"simulation is missing factor '{name}'",
                self.key(*at, "factors"),
                notes=[f"'{name}': {SIMULATION_FACTORS[name]}"],
                helps=["declare it with 'value:', 'unit:' and 'source:'"],
            )
        for name, factor in spec.factors.items():
            if name not in SIMULATION_FACTORS:
                self.error(
                    "E109",
                    f"unknown simulation factor '{name}'",
                    factors.keys[name],
                    helps=did_you_mean(name, missing or SIMULATION_FACTORS)
                    or [f"factors are: {', '.join(SIMULATION_FACTORS)}"],
                )
            self._sources(model, [factor.source], (*at, "factors", name, "source"))
        kg = spec.kg
        if kg.min > kg.max:
            self.error("E110", f"kg goes from {kg.min:g} down to {kg.max:g}", self.key(*at, "kg"))
        elif not kg.min <= kg.start <= kg.max:
            self.error(
                "E110",
                f"kg starts at {kg.start:g}, outside {kg.min:g}-{kg.max:g}",
                self.node(*at, "kg", "start"),
            )
        elif not missing and spec.goal is not None:
            needed = kg_needed(spec)
            if needed is not None and needed > kg.max:
                self.error(
                    "E112",
                    f"the goal needs {needed:.1f} kg of feedstock, more than the "
                    f"most the learner can choose ({kg.max:g} kg)",
                    self.key(*at, "goal"),
                    helps=["raise 'kg: max' or lower the goal"],
                )

    def _sources_node(self, name: str) -> YamlNode:
        sources = self.node("sources")
        return sources.keys.get(name, sources)

    def _warnings(self, model: LessonFile, compiled: dict[str, list[LessonStep]]) -> None:
        if not model.sources:
            self.out.append(
                Diagnostic.at(
                    "W156",
                    "the lesson cites no sources",
                    self.key("lesson").span,
                    helps=["add 'sources:' and cite them where the lesson states facts"],
                )
            )
        for name in model.sources:
            if name not in self.used_sources:
                self.out.append(
                    Diagnostic.at(
                        "W150", f"source '{name}' is never cited", self._sources_node(name).span
                    )
                )
        bins = self.node("bins")
        for name in model.bins:
            if name not in self.used_bins:
                self.out.append(
                    Diagnostic.at(
                        "W151", f"bin '{name}' is never used", bins.keys.get(name, bins).span
                    )
                )
        graded = [s for s in compiled["steps"] if s.graded and s.points > 0]
        if not graded and compiled["steps"]:
            self.out.append(
                Diagnostic.at(
                    "W152",
                    "the lesson has no scored activity, so mastery is always reached",
                    self.key("steps").span,
                    helps=["add a question, sort, order, match or a simulation with a 'goal:'"],
                )
            )
        elif graded and model.mastery > 0 and not model.remediation:
            self.out.append(
                Diagnostic.at(
                    "W153",
                    "no 'remediation:' steps: a learner who misses mastery just fails",
                    self.key("steps").span,
                    helps=["add 'remediation:' steps that explain again and ask again"],
                )
            )
        for index, objective in enumerate(model.objectives):
            if objective.id not in self.assessed:
                self.out.append(
                    Diagnostic.at(
                        "W154",
                        f"objective '{objective.id}' is never assessed",
                        self.node("objectives", index, "id").span,
                        helps=[f"add 'objective: {objective.id}' to a step that checks it"],
                    )
                )
