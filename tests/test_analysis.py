"""Flow analysis: when can a choice run out of options (W052)?"""

from __future__ import annotations

from engine.content.compiler import compile_text

HEADER = """glowgrove: 1
id: t
title: T
start: hub
endings:
  done: {title: Done}
scenes:
"""


def codes(scenes: str) -> list[str]:
    result = compile_text(HEADER + scenes, "t.yaml")
    return [d.code for d in result.diagnostics]


ONCE_ONLY_CHOICE = """
    body:
      - choice:
          - text: A
          - text: B
      - end: done
"""


def test_scene_entered_once_keeps_once_only_choices_quiet() -> None:
    # 'room' is entered by a once-only option or the fallback: never twice, as it never
    # leads back to 'hub'.
    scenes = (
        """  hub:
    body:
      - choice:
          - text: Go in
            jump: room
          - fallback: true
            jump: room
  room:"""
        + ONCE_ONLY_CHOICE
    )
    assert codes(scenes) == []


def test_scene_called_from_two_places_can_run_out() -> None:
    scenes = """  hub:
    body:
      - call: room
      - call: room
      - end: done
  room:
    body:
      - choice:
          - text: A
          - text: B
"""
    assert codes(scenes) == ["W052"]


def test_loop_through_a_plain_jump_can_run_out() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Again
            jump: hub
          - text: Stop
            jump: out
  out:
    body:
      - end: done
"""
    assert codes(scenes) == ["W052"]


def test_an_option_that_ends_the_story_is_never_used_up() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Again
            jump: hub
          - text: Stop
            end: done
"""
    assert codes(scenes) == []


def test_sticky_option_keeps_a_loop_quiet() -> None:
    scenes = """  hub:
    body:
      - choice:
          - text: Again
            sticky: true
            jump: hub
          - text: Stop
            end: done
"""
    assert codes(scenes) == []
