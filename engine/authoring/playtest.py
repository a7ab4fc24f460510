"""``glowgrove test``: findings from exploring a story, golden plans recorded and replayed.

Findings are problems (the command exits 1) or notes. A problem is something a child could
run into: an ending or scene nobody can reach, a path that loops forever, a story that stops
without an ending, a line whose template fails, an option that is never offered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.authoring.statespace import Exploration, explore
from engine.content.program import ChoiceOp, Program, RandomOp
from engine.story.explore import paths_to_endings
from engine.story.testplan import PlanSyntaxError, parse_plan, record_plan, run_plan

__all__ = ["Finding", "PlayTestReport", "plan_files", "play_test", "record_plans"]


@dataclass(frozen=True)
class Finding:
    kind: str  # stable: unreached-ending, unreached-scene, loop, stuck, runaway, template, ...
    message: str
    where: str  # "file:line" of the scene, or the file
    path: tuple[int, ...] | None = None  # choices that lead there (1-based)
    problem: bool = True

    def render(self) -> str:
        label = "problem" if self.problem else "note"
        text = f"{self.where}: {label}[{self.kind}]: {self.message}"
        if self.path is not None:
            text += f"\n  after choices: {_choices(self.path)}"
        return text


@dataclass
class PlayTestReport:
    file: str
    exploration: Exploration
    findings: list[Finding] = field(default_factory=list)
    endings_total: int = 0
    scenes_total: int = 0
    options_total: int = 0
    plans_checked: int = 0

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def coverage(self) -> float:
        if not self.options_total:
            return 1.0
        return len(self.exploration.options_offered) / self.options_total

    def render(self) -> str:
        found = self.exploration
        done = "complete" if found.complete else "stopped at the state bound"
        paths = ""
        if found.path_count is not None and found.path_count > found.transitions:
            paths = f", standing for {found.path_count} different play-throughs"
        lines = [
            f"{self.file}: {found.states} distinct states, {found.expanded} explored, "
            f"{found.transitions} choices tried ({done}){paths}",
            f"  endings reached: {len(found.endings)} of {self.endings_total}",
        ]
        for ending, path in sorted(found.endings.items()):
            lines.append(f"    {ending}: after choices {_choices(path)}")
        lines.append(f"  scenes reached: {len(found.scenes_reached)} of {self.scenes_total}")
        lines.append(
            f"  options offered: {len(found.options_offered)} of {self.options_total} "
            f"({self.coverage():.0%})"
        )
        if self.plans_checked:
            lines.append(f"  golden plans replayed: {self.plans_checked}")
        for finding in self.findings:
            lines.append(finding.render())
        count = len(self.problems)
        lines.append(f"  {count} problem(s)" if count else "  no problems")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        found = self.exploration
        return {
            "file": self.file,
            "states": found.states,
            "expanded": found.expanded,
            "transitions": found.transitions,
            "play_throughs": found.path_count,
            "complete": found.complete,
            "endings": {k: list(v) for k, v in sorted(found.endings.items())},
            "endings_total": self.endings_total,
            "scenes_reached": sorted(found.scenes_reached),
            "scenes_total": self.scenes_total,
            "options_offered": len(found.options_offered),
            "options_total": self.options_total,
            "plans_checked": self.plans_checked,
            "findings": [
                {
                    "kind": f.kind,
                    "problem": f.problem,
                    "message": f.message,
                    "where": f.where,
                    "choices": list(f.path) if f.path is not None else None,
                }
                for f in self.findings
            ],
            "ok": self.ok,
        }


def _choices(path: Iterable[int]) -> str:
    text = ",".join(str(c) for c in path)
    return text or "(none: from the start)"


def _where(program: Program, scene: str, fallback: str) -> str:
    compiled = program.scenes.get(scene)
    if compiled is None or not compiled.path:
        return fallback
    return f"{compiled.path}:{compiled.line}"


def _options(program: Program) -> dict[str, str]:
    """Every option that can be offered (fallbacks are taken, never offered) -> its scene."""
    found: dict[str, str] = {}
    for scene in program.scenes.values():
        for op in scene.ops:
            if isinstance(op, ChoiceOp):
                for option in op.options:
                    if not option.fallback:
                        found[option.option_id] = scene.id
    return found


def play_test(
    program: Program,
    file: str,
    *,
    seed: int | None = None,
    max_states: int | None = None,
    plans: Iterable[Path] = (),
) -> PlayTestReport:
    kwargs: dict[str, Any] = {} if max_states is None else {"max_states": max_states}
    found = explore(program, seed, **kwargs)
    options = _options(program)
    report = PlayTestReport(
        file,
        found,
        endings_total=len(program.endings),
        scenes_total=len(program.scenes),
        options_total=len(options),
    )
    findings = report.findings
    if not found.complete:
        _walk_for_missing_endings(program, seed, found)
        findings.append(
            Finding(
                "bound",
                f"the search stopped after exploring {found.expanded} states; what it did not "
                "reach is reported as notes, not problems (raise --max-states to look further)",
                file,
                problem=False,
            )
        )
    if any(isinstance(op, RandomOp) for scene in program.scenes.values() for op in scene.ops):
        used = seed if seed is not None else program.seed
        findings.append(
            Finding(
                "random",
                f"random steps follow the seed {used}, as in the player; other seeds can take "
                "other branches (test them with --seed N)",
                file,
                problem=False,
            )
        )
    complete = found.complete
    never = "is never" if complete else "was not"
    bound = "" if complete else " within the search bound"
    for ending in program.endings:
        if ending not in found.endings:
            findings.append(
                Finding(
                    "unreached-ending",
                    f"ending '{ending}' {never} reached{bound}",
                    file,
                    problem=complete,
                )
            )
    for scene in program.scenes:
        if scene not in found.scenes_reached:
            findings.append(
                Finding(
                    "unreached-scene",
                    f"scene '{scene}' {never} reached by any choices{bound}",
                    _where(program, scene, file),
                    problem=complete,
                )
            )
    for option, scene in options.items():
        if option not in found.options_offered and scene in found.scenes_reached:
            findings.append(
                Finding(
                    "option-never-offered",
                    f"option '{option}' in scene '{scene}' {never} offered{bound} "
                    "(its condition is false whenever the choice comes)",
                    _where(program, scene, file),
                    problem=complete,
                )
            )
    for scenes, path in found.loops:
        names = ", ".join(repr(s) for s in scenes)
        findings.append(
            Finding(
                "loop",
                f"from here the story loops forever through {names}: no choice leads to an end",
                _where(program, scenes[0], file),
                path,
            )
        )
    for scene, path in sorted(found.stuck.items()):
        findings.append(
            Finding(
                "stuck",
                f"the story stops without an ending in scene '{scene}' "
                "(a choice ran out of options, or calls nested too deep)",
                _where(program, scene, file),
                path,
            )
        )
    for scene, path in sorted(found.runaway.items()):
        findings.append(
            Finding(
                "runaway",
                f"the story runs on in scene '{scene}' without ever asking or ending",
                _where(program, scene, file),
                path,
            )
        )
    for failure in sorted(found.template_failures.values(), key=lambda f: (f.scene, f.item_id)):
        values = ", ".join(f"{n} = {v!r}" for n, v in failure.variables)
        detail = f" when {values}" if values else ""
        findings.append(
            Finding(
                "template",
                f"{failure.kind} '{failure.item_id}' fails to render{detail}: {failure.message}",
                _where(program, failure.scene, file),
                failure.path,
            )
        )
    for plan_path in plans:
        report.plans_checked += 1
        try:
            plan = parse_plan(plan_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PlanSyntaxError, ValueError) as error:
            findings.append(Finding("plan", f"cannot read the plan: {error}", str(plan_path)))
            continue
        result = run_plan(program, plan)
        if not result.ok:
            findings.append(
                Finding(
                    "plan",
                    f"the story no longer plays as recorded: {result.message}",
                    str(plan_path),
                )
            )
    return report


def _walk_for_missing_endings(program: Program, seed: int | None, found: Exploration) -> None:
    """After a bounded search, random walks (engine.story.explore) look for missed endings."""
    if len(found.endings) == len(program.endings):
        return
    for ending, path in paths_to_endings(program, seed, max_states=0).items():
        if ending is not None and ending not in found.endings:
            found.endings[ending] = path.choices
            for line in record_plan(program, list(path.choices), seed):
                if line.startswith("scene: "):
                    found.scenes_reached.add(line.removeprefix("scene: "))


def plan_files(story: Path) -> list[Path]:
    """Golden plans that belong to a story: NAME.plan and NAME.*.plan next to NAME.yaml."""
    folder, stem = story.parent, story.stem
    candidates = [folder / f"{stem}.plan", *sorted(folder.glob(f"{stem}.*.plan"))]
    return [p for p in candidates if p.is_file()]


def record_plans(
    program: Program, report: PlayTestReport, story: Path, seed: int | None = None
) -> list[Path]:
    """Write NAME.ENDING.plan for each ending reached (the shortest path found)."""
    written: list[Path] = []
    for ending, path in sorted(report.exploration.endings.items()):
        target = story.parent / f"{story.stem}.{ending}.plan"
        header = [
            f"# recorded by 'glowgrove test --record': a shortest way to the ending '{ending}'",
            "# replayed by 'glowgrove test'; record again after changing the story on purpose",
        ]
        if seed is not None:
            header.append(f"seed: {seed}")
        lines = record_plan(program, list(path), seed)
        target.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")
        written.append(target)
    return written
