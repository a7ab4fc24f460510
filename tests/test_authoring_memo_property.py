"""Property: reusing a transition already run with the same facts read (the memo) changes
nothing. On random small stories with loops, calls, random steps, visit counts and once-only
options, the search with the memo finds exactly what the search that runs the machine for
every transition finds: the same states, transitions, endings and paths, loops, template
failures and situations."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.authoring.bench import generate_branching_narrative
from engine.authoring.statespace import Exploration, explore
from engine.content.compiler import compile_text

CONDITIONS = [
    "lamp",
    "not lamp",
    "coins >= 2",
    "coins == 1",
    "visited(s1)",
    "visit_count(s0) >= 2",
    "visit_count(h0) == 1",
    "visit_count(s1) == 2",
    "mood == 'calm'",
]
SETS = [
    "{lamp: true}",
    "{lamp: false}",
    "{coins: 1}",
    '{coins: "coins + 1"}',
    "{lamp: not lamp}",
    "{mood: \"'calm'\"}",
]
LINES = [
    "Plain words.",
    "Coins: {{ coins }}.",
    "{{ 10 // coins }} left",
    "{% if lamp %}Bright{% else %}Dark{% endif %}",
]


@st.composite
def stories(draw: st.DrawFn) -> str:
    count = draw(st.integers(2, 5))
    lines = [
        "glowgrove: 1",
        "id: m",
        "title: M",
        "start: s0",
        "variables:",
        "  lamp: {type: bool, default: false}",
        "  coins: {type: int, default: 0}",
        "  mood: {type: enum, values: [calm, wild], default: wild}",
        "endings:",
        "  a: {title: A}",
        "  b: {title: B}",
        "scenes:",
    ]

    def steps(indent: str, scene_count: int) -> list[str]:
        out = [f'{indent}- say: "{draw(st.sampled_from(LINES))}"']
        if draw(st.booleans()):
            out += [
                f"{indent}- random:",
                f"{indent}    - set: {draw(st.sampled_from(SETS))}",
                f'{indent}    - say: "{draw(st.sampled_from(LINES))}"',
            ]
        for _ in range(draw(st.integers(0, 2))):
            then = draw(st.sampled_from([*(f"set: {s}" for s in SETS), "end: b"]))
            out += [
                f'{indent}- if: "{draw(st.sampled_from(CONDITIONS))}"',
                f"{indent}  then:",
                f"{indent}    - {then}",
            ]
        if scene_count and draw(st.booleans()):
            out.append(f"{indent}- call: h{draw(st.integers(0, 1))}")
        return out

    for helper in range(2):  # called scenes: they come back to the caller at their end
        lines += [f"  h{helper}:", "    body:", *steps("      ", 0)]
        if draw(st.booleans()):
            lines += [
                "      - choice:",
                "          - text: Stay a while",
                f"            set: {draw(st.sampled_from(SETS))}",
                "          - text: Go back",
                "            sticky: true",
            ]
    for index in range(count):
        lines += [f"  s{index}:", "    body:", *steps("      ", 2)]
        lines.append("      - choice:")
        for number in range(draw(st.integers(1, 3))):
            lines.append(f"          - text: Option {number}")
            if draw(st.integers(0, 2)):
                lines.append(f'            if: "{draw(st.sampled_from(CONDITIONS))}"')
            if draw(st.booleans()):
                lines.append("            sticky: true")
            if draw(st.integers(0, 2)):
                lines.append(f"            set: {draw(st.sampled_from(SETS))}")
            target = draw(st.integers(0, count + 1))
            if target < count:
                lines.append(f"            jump: s{target}")
            else:
                lines.append(f"            end: {'a' if target == count else 'b'}")
        if draw(st.booleans()):
            lines += ["          - fallback: true", "            end: b"]
        lines.append("      - end: a")
    return "\n".join(lines) + "\n"


def _same(memo: Exploration, plain: Exploration) -> None:
    assert memo.states == plain.states
    assert memo.expanded == plain.expanded
    assert memo.transitions == plain.transitions
    assert memo.complete == plain.complete
    assert memo.endings == plain.endings
    assert memo.stuck == plain.stuck
    assert memo.runaway == plain.runaway
    assert memo.loops == plain.loops
    assert memo.path_count == plain.path_count
    assert memo.scenes_reached == plain.scenes_reached
    assert memo.options_offered == plain.options_offered
    assert memo.situations == plain.situations
    assert memo.template_failures == plain.template_failures


@settings(max_examples=100, deadline=None)
@given(stories(), st.integers(0, 3))
def test_memo_changes_nothing(text: str, seed: int) -> None:
    result = compile_text(text, "m.yaml")
    assume(result.program is not None)  # a random story can be statically wrong
    program = result.program
    assert program is not None
    for exact in (False, True):
        limits = {"max_states": 2_000, "max_events": 300, "reduce": not exact}
        if exact:
            limits["visit_limit"] = 3
        _same(
            explore(program, seed, memo=True, **limits),  # type: ignore[arg-type]
            explore(program, seed, memo=False, **limits),  # type: ignore[arg-type]
        )


def test_a_long_story_runs_each_transition_shape_once() -> None:
    """160 scenes of three-way choices whose flags all matter at the end: the machine runs
    once per place, option and values read there, not once per state."""
    result = compile_text(generate_branching_narrative(160, 8, scope="story"), "g.yaml")
    assert result.program is not None
    found = explore(result.program)
    plain = explore(result.program, memo=False)
    _same(found, plain)
    assert plain.machine_runs == plain.transitions
    assert found.machine_runs * 10 < found.transitions


HEAD = """glowgrove: 1
id: t
title: T
start: s0
variables:
  lamp: {type: bool, default: false}
endings:
  a: {title: A}
  b: {title: B}
scenes:
"""

# Stories where a transition from the same place with the same option does something else
# depending on one kind of fact: a memo that forgot to key by it would merge them.
FACT_STORIES = {
    "visit count": """
  s0:
    body:
      - say: "Hello."
      - if: "visit_count(s0) >= 3"
        then:
          - end: b
      - choice:
          - text: Again
            sticky: true
            jump: s0
          - text: Done
            end: a
""",
    "picked option": """
  s0:
    body:
      - choice:
          - text: Left
            jump: s1
          - text: Right
            jump: s1
          - fallback: true
            end: b
  s1:
    body:
      - choice:
          - text: Back
            sticky: true
            jump: s0
          - text: Stop
            end: a
""",
    "variable": """
  s0:
    body:
      - choice:
          - text: Light
            set: {lamp: true}
            jump: s1
          - text: Wait
            jump: s1
  s1:
    body:
      - choice:
          - text: Onward
            jump: s2
  s2:
    body:
      - if: "lamp"
        then:
          - end: b
      - end: a
""",
    "variable written with the value it had": """
  s0:
    body:
      - choice:
          - text: Light
            set: {lamp: true}
            jump: s1
          - text: Wait
            jump: s1
  s1:
    body:
      - choice:
          - text: Relight
            set: {lamp: true}
            jump: s2
          - text: Leave
            jump: s2
  s2:
    body:
      - choice:
          - text: Go
            jump: s3
  s3:
    body:
      - if: "lamp"
        then:
          - end: b
      - end: a
""",
    "random": """
  s0:
    body:
      - random:
          - set: {lamp: true}
          - say: "Nothing."
      - choice:
          - text: Again
            sticky: true
            jump: s0
          - text: Look
            if: "lamp"
            end: b
          - text: Stop
            end: a
""",
}


def test_each_kind_of_fact_read_keys_the_memo() -> None:
    for name, body in FACT_STORIES.items():
        result = compile_text(HEAD + body.lstrip("\n"), f"{name}.yaml")
        assert result.program is not None, (name, [d.headline() for d in result.diagnostics])
        for seed in (1, 2, 3):
            plain = explore(result.program, seed, memo=False, max_states=500)
            _same(explore(result.program, seed, max_states=500), plain)
        assert set(plain.endings) == {"a", "b"}, name
