"""Golden play-throughs: tests/stories/NAME.yaml is played as NAME.plan says, event by event."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.content.compiler import compile_narrative
from engine.content.diagnostics import render_diagnostics
from engine.story.testplan import parse_plan, run_plan

STORIES = Path(__file__).parent / "stories"
PLANS = sorted(STORIES.glob("*.plan"))


def test_corpus_is_large_enough() -> None:
    assert len(PLANS) >= 30


@pytest.mark.parametrize("plan_path", PLANS, ids=[p.stem for p in PLANS])
def test_story_matches_plan(plan_path: Path) -> None:
    story = plan_path.with_suffix(".yaml")
    if not story.exists():
        story = plan_path.parent / (plan_path.stem.split(".")[0] + ".yaml")
    result = compile_narrative(story)
    assert result.program is not None, render_diagnostics(result.diagnostics)
    assert not result.diagnostics, render_diagnostics(result.diagnostics)
    outcome = run_plan(result.program, parse_plan(plan_path.read_text(encoding="utf-8")))
    assert outcome.ok, outcome.message + "\nactual transcript:\n" + "\n".join(outcome.actual)
