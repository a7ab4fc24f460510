"""glowgrove test: state-space exploration, each finding type on a broken story, exit codes,
golden plans, and deduplication where naive path enumeration explodes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.authoring.bench import generate_branching_narrative
from engine.authoring.playtest import play_test
from engine.authoring.statespace import explore
from engine.cli import main
from engine.content.compiler import compile_text
from engine.content.program import Program
from engine.story.events import ChoicesEvent, EndEvent
from engine.story.machine import StoryMachine

HEADER = """glowgrove: 1
id: t
title: T
start: hub
variables:
  key: {type: bool, default: false}
  count: {type: int, default: 0}
  name: {type: string, default: friend}
endings:
  done: {title: Done}
  secret: {title: Secret}
scenes:
"""

HEALTHY = """  hub:
    body:
      - say: "Hello {{ name }}."
      - choice:
          - text: Take the key
            set: {key: true}
          - text: Leave it
      - if: key
        then:
          - end: secret
      - end: done
"""


def program_of(scenes: str) -> Program:
    result = compile_text(HEADER + scenes, "t.yaml")
    assert result.program is not None, [d.render() for d in result.diagnostics]
    return result.program


def kinds(scenes: str) -> list[str]:
    report = play_test(program_of(scenes), "t.yaml")
    return sorted(f.kind for f in report.problems)


def test_healthy_story_has_no_problems() -> None:
    report = play_test(program_of(HEALTHY), "t.yaml")
    assert report.ok, report.render()
    assert report.exploration.complete
    assert report.exploration.endings == {"secret": (1,), "done": (2,)}
    assert report.coverage() == 1.0
    assert report.exploration.path_count == 2


def test_unreached_ending_scene_and_option() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Look around
          - text: Open the door
            if: key
            jump: vault
      - end: done
  vault:
    body:
      - end: secret
"""
    report = play_test(program_of(scenes), "t.yaml")
    assert sorted(f.kind for f in report.problems) == [
        "option-never-offered",
        "unreached-ending",
        "unreached-scene",
    ]
    text = report.render()
    assert "ending 'secret' is never reached" in text
    assert "t.yaml:21: problem[unreached-scene]: scene 'vault'" in text


def test_loop_forever_is_found_with_its_path() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Wander
            jump: garden
          - text: Stop
            end: done
  garden:
    body:
      - choice:
          - text: Round again
            sticky: true
            jump: garden
          - text: Leave
            if: key
            sticky: true
            end: secret
"""
    report = play_test(program_of(scenes), "t.yaml")
    loops = [f for f in report.problems if f.kind == "loop"]
    assert len(loops) == 1, report.render()
    assert "'garden'" in loops[0].message
    assert loops[0].path == (1,)


def test_story_that_stops_without_an_ending() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: A
          - text: B
          - text: Finish
            if: key
            end: done
      - jump: hub
"""
    report = play_test(program_of(scenes), "t.yaml")
    assert "stuck" in {f.kind for f in report.problems}, report.render()
    stuck = next(f for f in report.problems if f.kind == "stuck")
    assert stuck.path is not None and sorted(stuck.path) == [1, 1]


def test_runaway_without_choices() -> None:
    scenes = """  hub:
    body:
      - if: key
        then:
          - end: done
      - jump: other
  other:
    body:
      - jump: hub
"""
    program = program_of(scenes)
    found = explore(program, max_events=500)
    assert found.runaway and not found.endings
    report = play_test(program, "t.yaml")
    assert "runaway" in {f.kind for f in report.problems}


def test_template_failure_for_some_reachable_state_only() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Count one
            set: {count: 1}
          - text: Count none
      - say: "Ten shared out is {{ 10 // count }} each."
      - end: done
"""
    report = play_test(program_of(scenes), "t.yaml")
    failures = [f for f in report.problems if f.kind == "template"]
    assert len(failures) == 1, report.render()
    assert "count = 0" in failures[0].message
    assert failures[0].path == (2,)


def test_bound_turns_unreached_into_notes() -> None:
    report = play_test(program_of(HEALTHY), "t.yaml", max_states=1)
    # One state explored is all of this story; a bigger story is cut short.
    assert report.exploration.complete
    big = compile_text(generate_branching_narrative(60, 4, scope="story"), "g.yaml").program
    assert big is not None
    cut = play_test(big, "g.yaml", max_states=5)
    assert not cut.exploration.complete
    assert "bound" in {f.kind for f in cut.findings}
    assert all(f.kind not in ("unreached-scene", "unreached-ending") for f in cut.problems)


def _naive_paths(machine: StoryMachine, limit: int) -> int:
    """Walk every choice path one by one (what deduplication avoids)."""
    count = 0
    pending = [machine]
    while pending:
        current = pending.pop()
        while True:
            event = current.advance()
            if isinstance(event, EndEvent):
                count += 1
                break
            if isinstance(event, ChoicesEvent):
                for offer in event.options:
                    branch = current.fork()
                    branch.choose(offer.index)
                    pending.append(branch)
                break
        if count > limit:
            break
    return count


def _chain(length: int) -> Program:
    lines = [
        "glowgrove: 1",
        "id: chain",
        "title: Chain",
        "start: s0",
        "variables:",
        "  brave: {type: bool, default: false}",
        "endings:",
        "  brave: {title: Brave}",
        "  calm: {title: Calm}",
        "scenes:",
    ]
    for i in range(length):
        nxt = f"jump: s{i + 1}" if i + 1 < length else "jump: last"
        lines += [
            f"  s{i}:",
            "    body:",
            "      - choice:",
            "          - text: Be brave",
            "            set: {brave: true}",
            f"            {nxt}",
            "          - text: Stay calm",
            f"            {nxt}",
        ]
    lines += [
        "  last:",
        "    body:",
        "      - if: brave",
        "        then:",
        "          - end: brave",
        "      - end: calm",
    ]
    result = compile_text("\n".join(lines) + "\n", "chain.yaml")
    assert result.program is not None
    return result.program


def test_deduplication_where_naive_enumeration_explodes() -> None:
    small = _chain(12)
    assert _naive_paths(StoryMachine(small), 10**6) == 2**12
    assert explore(small).path_count == 2**12
    long = _chain(80)  # 2**80 paths: naive enumeration would never finish
    found = explore(long)
    assert found.complete
    assert found.path_count == 2**80
    assert found.states <= 2 * 80
    assert set(found.endings) == {"brave", "calm"}


def test_generated_500_scene_story_is_explored_completely() -> None:
    result = compile_text(generate_branching_narrative(500, 10), "g.yaml")
    assert result.program is not None
    assert len(result.program.scenes) == 500
    assert len(result.program.variables) == 10
    found = explore(result.program)
    assert found.complete and set(found.endings) == {"bright", "dim"}
    assert found.path_count is not None and found.path_count > 10**40
    assert found.states < 5_000


def test_shipped_narratives(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(root / "narratives/firefly_night.yaml")]) == 0
    out = capsys.readouterr().out
    assert "(complete)" in out and "endings reached: 2 of 2" in out and "no problems" in out
    flagship = str(root / "narratives/restore_the_glow.yaml")
    assert main(["test", flagship, "--max-states", "3000", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)[0]
    assert data["ok"] and data["endings_total"] == 3 and len(data["endings"]) == 3


def test_cli_exit_codes_and_record_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "t.yaml"
    story.write_text(HEADER + HEALTHY, encoding="utf-8")
    assert main(["test", str(story), "--record"]) == 0
    plans = sorted(p.name for p in tmp_path.glob("*.plan"))
    assert plans == ["t.done.plan", "t.secret.plan"]
    assert main(["test", str(story)]) == 0
    assert "golden plans replayed: 2" in capsys.readouterr().out
    # The author changes a line: the recorded plans catch it.
    story.write_text((HEADER + HEALTHY).replace("Hello", "Hi"), encoding="utf-8")
    assert main(["test", str(story)]) == 1
    assert "problem[plan]: the story no longer plays as recorded" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text(HEADER + "  hub:\n    body:\n      - jump: nowhere\n", encoding="utf-8")
    assert main(["test", str(broken)]) == 1
    assert "E0" in capsys.readouterr().err


def test_broken_copy_of_a_shipped_narrative(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "firefly_night.yaml"
    shutil.copy(root / "narratives/firefly_night.yaml", copy)
    text = copy.read_text(encoding="utf-8")
    # Make the big ending need a battery nobody can find any more.
    assert "set: {found_battery: true}" in text
    copy.write_text(
        text.replace("{found_battery: true}", "{found_battery: false}"), encoding="utf-8"
    )
    assert main(["test", str(copy)]) == 1


def test_folders_are_tested_file_by_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.yaml").write_text(HEADER + HEALTHY, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(
        HEADER + HEALTHY.replace("set: {key: true}", "set: {key: false}"), encoding="utf-8"
    )
    assert main(["test", str(tmp_path), "--format", "json"]) == 1
    reports = {Path(r["file"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert reports["good.yaml"]["ok"] is True
    assert [f["kind"] for f in reports["bad.yaml"]["findings"]] == ["unreached-ending"]
    assert main(["test", str(tmp_path / "good.yaml")]) == 0
    assert main(["test", str(tmp_path / "good.yaml"), "--max-states", "0"]) == 2


def test_bench_authoring_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "authoring", "--quick"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["scope"] for r in rows] == ["chapter", "story"]
    assert all(r["complete"] and r["endings"] == ["bright", "dim"] for r in rows)
    assert rows[1]["states"] > rows[0]["states"]  # every flag live: more to tell apart


def test_visit_counts_and_picked_options_keep_states_apart() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Wait a while
            sticky: true
            jump: hub
          - text: Ask once
            jump: hub
          - text: Leave after three visits
            if: "visit_count(hub) >= 3"
            end: done
          - text: Leave after asking
            if: "visited(hub) and count == 0"
            sticky: true
            jump: porch
  porch:
    body:
      - choice:
          - text: Knock
            end: secret
"""
    report = play_test(program_of(scenes), "t.yaml")
    found = report.exploration
    assert found.complete and set(found.endings) == {"done", "secret"}, report.render()
    # Visit counts 1, 2, 3 and 4-or-more (one past the largest number compared) times 'Ask
    # once' picked or not, less 'picked on the first visit': seven at the hub, plus the porch.
    assert found.states == 8
    assert found.endings["done"] == (1, 1, 3)


def test_random_steps_follow_the_seed(root: Path) -> None:
    story = root / "tests/stories/random_steps.yaml"
    result = compile_text(story.read_text(encoding="utf-8"), str(story))
    assert result.program is not None
    endings = {}
    for seed in (1, 3, 7):
        report = play_test(result.program, str(story), seed=seed)
        assert "random" in {f.kind for f in report.findings if not f.problem}
        endings[seed] = set(report.exploration.endings)
    assert len(set().union(*endings.values())) == 2  # heads and tails, by seed
