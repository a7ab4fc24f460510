"""``launch_vr.py lessons/X.yaml``: a lesson in 3D (offscreen autoplay; desktop drag-to-bin)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from engine.content.diagnostics import render_diagnostics
from engine.display.modes import Mode, ModeUnavailable, choose_mode, probe_machine
from engine.learn.compiler import compile_lesson
from engine.learn.policies import PolicyName
from engine.player.options import PlayerOptions

__all__ = ["play_lesson_3d"]

log = logging.getLogger("glowgrove")


def play_lesson_3d(options: PlayerOptions, args: argparse.Namespace) -> int:
    assert options.narrative is not None
    result = compile_lesson(options.narrative)
    if result.diagnostics:
        sys.stderr.write(render_diagnostics(result.diagnostics) + "\n")
    lesson = result.lesson
    if lesson is None:
        return 1
    try:
        choice = choose_mode(options.mode, probe_machine())
    except ModeUnavailable as error:
        sys.stderr.write(f"launch_vr.py: {error}\n")
        return 2
    log.info("mode: %s (%s)", choice.mode.value, choice.reason)
    if choice.mode is Mode.XR:  # pragma: no cover - the headset backend is its own issue
        sys.stderr.write("launch_vr.py: the OpenXR headset backend is not part of this build\n")
        return 2
    from engine.display.panda import DisplaySettings, open_display

    if choice.mode is Mode.DESKTOP:
        from engine.player.lesson_desktop import run_lesson_desktop

        display = open_display(
            DisplaySettings(Mode.DESKTOP, options.width, options.height, audio=options.audio)
        )
        try:
            return run_lesson_desktop(display.base, lesson, options, args.records, args.group)
        finally:
            display.close()
    from engine.player.lesson_autoplay import (
        LessonAutoplaySettings,
        run_lesson_autoplay,
        write_lesson_record,
    )

    if options.screenshot_dir is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        options = replace(options, screenshot_dir=Path("out") / f"{lesson.id}-{stamp}")
    assert options.screenshot_dir is not None
    record = options.record or options.screenshot_dir / "transcript.json"
    policies: list[PolicyName] = (
        ["correct", "wrong-first"] if args.answers == "both" else [args.answers]
    )
    display = open_display(
        DisplaySettings(
            Mode.OFFSCREEN,
            options.width,
            options.height,
            audio=False,
            offscreen_pipe=options.offscreen_pipe,
        )
    )
    reports = []
    try:
        for policy in policies:
            settings = LessonAutoplaySettings(
                policy=policy,
                frames=options.frames,
                screenshot_dir=options.screenshot_dir,
                records=args.records,
                group=args.group,
                assets=options.assets,
                seed=options.seed or 0,
            )
            reports.append(run_lesson_autoplay(display.base, lesson, settings))
    finally:
        display.close()
    write_lesson_record(record, reports, display.pipe)
    for report in reports:
        verdict = "passed" if report.passed else "not passed"
        extra = ", with remediation" if report.remediated else ""
        print(f"{lesson.id} [{report.policy}]: {verdict} ({report.scaled:.0%}{extra})")
    print(f"screenshots: {options.screenshot_dir}")
    print(f"transcript: {record}")
    return 0 if all(r.reached_end for r in reports) else 1
