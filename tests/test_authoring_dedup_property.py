"""Property: the reduced state key (live variables, options that can come round again, capped
visit counts, text-only variables left out) loses nothing. On random small stories, the
reduced search reaches every ending, scene, option and template failure that a search keyed
by the whole exact state reaches, and every path it reports really plays there."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.authoring.statespace import explore
from engine.content.compiler import compile_text
from engine.story.testplan import record_plan

CONDITIONS = [
    "lamp",
    "not lamp",
    "coins >= 2",
    "coins == 1",
    "lamp and coins > 0",
    "visited(s1)",
    "visit_count(s0) >= 2",
    "mood == 'calm'",
]
SETS = [
    "{lamp: true}",
    "{lamp: false}",
    "{coins: 1}",
    "{coins: 2}",
    "{lamp: not lamp}",
    "{mood: \"'calm'\"}",
    "{label: \"'x'\"}",
]
LINES = [
    "Plain words.",
    "Coins: {{ coins }}.",
    "{{ label }} and {{ 10 // coins }}",
    "{% if lamp %}Bright{% else %}Dark{% endif %}",
]


@st.composite
def stories(draw: st.DrawFn) -> str:
    count = draw(st.integers(2, 6))
    # Half the stories only jump forward (paths meet again in later scenes); the rest loop,
    # where once-only options and visit counts matter.
    forward = draw(st.booleans())
    lines = [
        "glowgrove: 1",
        "id: r",
        "title: R",
        "start: s0",
        "variables:",
        "  lamp: {type: bool, default: false}",
        "  coins: {type: int, default: 0}",
        "  mood: {type: enum, values: [calm, wild], default: wild}",
        "  label: {type: string, default: tag}",
        "endings:",
        "  a: {title: A}",
        "  b: {title: B}",
        "scenes:",
    ]
    for index in range(count):
        lines += [f"  s{index}:", "    body:"]
        lines.append(f'      - say: "{draw(st.sampled_from(LINES))}"')
        options = draw(st.integers(1, 3))
        lines.append("      - choice:")
        for number in range(options):
            lines.append(f"          - text: Option {number}")
            if draw(st.integers(0, 2)):
                lines.append(f'            if: "{draw(st.sampled_from(CONDITIONS))}"')
            if draw(st.booleans()):
                lines.append("            sticky: true")
            if draw(st.integers(0, 2)):
                lines.append(f"            set: {draw(st.sampled_from(SETS))}")
            if forward and draw(st.booleans()):
                target = min(index + 1, count)  # the next scene: paths meet again there
            else:
                target = draw(st.integers(index + 1 if forward else 0, count + 2))
            if target < count:
                lines.append(f"            jump: s{target}")
            elif target <= count + 1:
                lines.append(f"            end: {'a' if target == count else 'b'}")
            # else: no exit, the story goes on after the choice
        if draw(st.booleans()):
            lines.append("          - fallback: true")
            lines.append("            end: b")
        lines.append("      - end: a")
    return "\n".join(lines) + "\n"


@settings(max_examples=300)
@given(stories())
def test_reduced_search_misses_nothing(text: str) -> None:
    result = compile_text(text, "r.yaml")
    assume(result.program is not None)  # a random story can be statically wrong (E041)
    program = result.program
    assert program is not None
    reduced = explore(program, max_states=3_000, max_events=300)
    # The reference keeps every variable, picked option and visit count; counts above 4 are
    # merged only so that loops end (no condition here compares a count with more than 2).
    full = explore(program, max_states=3_000, max_events=300, reduce=False, visit_limit=4)
    assert reduced.complete
    assert reduced.states <= full.states
    assert set(full.endings) <= set(reduced.endings)
    assert full.scenes_reached <= reduced.scenes_reached
    assert full.options_offered <= reduced.options_offered
    assert set(full.template_failures) <= set(reduced.template_failures)
    assert set(full.stuck) <= set(reduced.stuck)
    if full.complete:
        assert set(reduced.endings) == set(full.endings)
        assert reduced.scenes_reached == full.scenes_reached
        assert reduced.options_offered == full.options_offered
        assert bool(reduced.loops) == bool(full.loops)
        assert reduced.situations == full.situations
    for ending, path in reduced.endings.items():
        assert record_plan(program, list(path))[-1] == f"stop: {ending}"
