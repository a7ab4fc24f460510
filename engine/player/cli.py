"""``python launch_vr.py FILE``: the 3D player's command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from engine.content.assets import find_assets_root
from engine.content.compiler import compile_narrative
from engine.content.diagnostics import render_diagnostics
from engine.display.modes import (
    Machine,
    Mode,
    ModeUnavailable,
    choose_mode,
    probe_display,
    probe_machine,
)
from engine.player.flow import PacingSettings
from engine.player.options import PlayerOptions
from engine.scene.rig import ComfortSettings
from engine.seminar.link import SeminarJoin

__all__ = ["main", "parse_options"]

log = logging.getLogger("glowgrove")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="launch_vr.py",
        description="Play a Glowgrove narrative in 3D: headset, desktop window, or offscreen.",
    )
    parser.add_argument(
        "narrative", type=Path, nargs="?", help="the story to play (none: the home scene)"
    )
    parser.add_argument("--mode", choices=[m.value for m in Mode], default="auto")
    parser.add_argument("--autoplay", choices=("first", "random"), help="choose automatically")
    parser.add_argument("--choices", help="scripted choices first, e.g. 1,2,1")
    parser.add_argument("--seed", type=int, help="seed for the story and random autoplay")
    parser.add_argument("--frames", type=int, default=3, help="frames per story event (offscreen)")
    parser.add_argument("--screenshot-dir", type=Path, help="write one PNG per scene here")
    parser.add_argument("--record", type=Path, help="write a JSON transcript with frame timings")
    parser.add_argument("--size", default="960x540", help="window or buffer size, WxH")
    parser.add_argument("--no-audio", action="store_true", help="captions only, no sound")
    parser.add_argument("--seated", action="store_true", help="seated height")
    parser.add_argument("--snap", type=float, choices=(30.0, 45.0), default=30.0)
    parser.add_argument(
        "--session-minutes", type=float, default=20.0, help="break reminder (0: off)"
    )
    parser.add_argument("--plants", type=int, default=600, help="garden placeholder size")
    parser.add_argument(
        "--offscreen-pipe",
        choices=("auto", "egl", "xvfb"),
        default="auto",
        help="offscreen rendering: EGL, falling back to Xvfb (auto), or force one",
    )
    parser.add_argument(
        "--reading-wpm",
        type=float,
        default=110.0,
        help="desktop: lines move on by themselves at this reading speed (0: wait for a click)",
    )
    parser.add_argument("--profile", help="desktop: play as this explorer and save progress")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="profiles and progress (default: $GLOWGROVE_DATA_DIR, "
        "else $XDG_DATA_HOME/glowgrove or ~/.local/share/glowgrove)",
    )
    parser.add_argument(
        "--content-dir",
        type=Path,
        action="append",
        default=[],
        help="home scene: find story cards here (repeatable; default: narratives/ and lessons/)",
    )
    # Lessons (lessons/*.yaml): how autoplay answers, and where learning records go.
    parser.add_argument(
        "--answers",
        choices=("correct", "wrong-first", "both"),
        default="correct",
        help="lessons: autoplay answers right, wrong on every first try, or both runs",
    )
    parser.add_argument(
        "--records",
        type=Path,
        help="lessons: xAPI records (SQLite file; desktop: records.sqlite in the data folder)",
    )
    parser.add_argument("--group", default="", help="lessons: learner group for the records")
    parser.add_argument("--join", metavar="CODE", help="desktop: join a seminar session")
    parser.add_argument("--name", metavar="NICK", help="your nickname in the seminar (--join)")
    parser.add_argument(
        "--server",
        default="http://127.0.0.1:8765",
        help="seminar server, as 'glowgrove serve' printed it (default http://127.0.0.1:8765)",
    )
    return parser


def parse_options(argv: Sequence[str]) -> PlayerOptions:
    args = _parser().parse_args(argv)
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        raise SystemExit("launch_vr.py: --size takes WIDTHxHEIGHT, e.g. 960x540") from None
    try:
        choices = tuple(int(part) for part in args.choices.split(",")) if args.choices else ()
    except ValueError:
        raise SystemExit("launch_vr.py: --choices takes numbers like 1,2,1") from None
    wpm = args.reading_wpm
    if wpm < 0:
        raise SystemExit("launch_vr.py: --reading-wpm takes a speed in words a minute, or 0")
    pacing = PacingSettings.for_reading_speed(wpm)
    assets = find_assets_root(args.narrative) if args.narrative is not None else None
    seminar = None
    if args.join is not None:
        if not args.name:
            raise SystemExit(
                "launch_vr.py: --join CODE needs --name NICK (a nickname, nothing else)"
            )
        seminar = SeminarJoin(code=args.join, nickname=args.name, server=args.server)
    return PlayerOptions(
        narrative=args.narrative,
        mode=Mode(args.mode),
        autoplay=args.autoplay,
        choices=choices,
        seed=args.seed,
        frames=max(1, args.frames),
        screenshot_dir=args.screenshot_dir,
        record=args.record,
        width=width,
        height=height,
        audio=not args.no_audio,
        comfort=ComfortSettings(
            snap_degrees=args.snap, seated=args.seated, session_minutes=args.session_minutes
        ),
        plants=args.plants,
        assets=assets or Path("assets"),
        offscreen_pipe=args.offscreen_pipe,
        pacing=pacing,
        data_dir=args.data_dir,
        profile=args.profile,
        content_dirs=tuple(args.content_dir),
        seminar=seminar,
        records=args.records,
        group=args.group,
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="glowgrove: %(message)s")
    arguments = sys.argv[1:] if argv is None else list(argv)
    options = parse_options(arguments)
    program = None
    if options.narrative is not None and options.narrative.suffix in (".yaml", ".yml"):
        from engine.content.discovery import is_lesson_file

        if is_lesson_file(str(options.narrative)):
            from engine.player.lesson_cli import play_lesson_3d

            return play_lesson_3d(options, _parser().parse_args(arguments))
    if options.narrative is not None:
        result = compile_narrative(options.narrative)
        if result.diagnostics:
            sys.stderr.write(render_diagnostics(result.diagnostics) + "\n")
        if result.program is None:
            return 1
        program = result.program
    try:
        choice = choose_mode(options.mode, probe_machine())
    except ModeUnavailable as error:
        sys.stderr.write(f"launch_vr.py: {error}\n")
        return 2
    log.info("mode: %s (%s)", choice.mode.value, choice.reason)
    if program is None and choice.mode is not Mode.DESKTOP:
        sys.stderr.write(
            "launch_vr.py: the home scene needs a desktop window; "
            "name a narrative to play it here, e.g. narratives/restore_the_glow.yaml\n"
        )
        return 2
    if choice.mode is Mode.XR:
        from engine.xr.player import run_xr
        from engine.xr.runtime import XrUnavailable

        assert program is not None
        try:
            return run_xr(options, program)
        except XrUnavailable as error:  # the runtime answered, but the session could not start
            if options.mode is not Mode.AUTO:
                sys.stderr.write(f"launch_vr.py: OpenXR headset mode is unavailable: {error}\n")
                return 2
            choice = choose_mode(Mode.AUTO, Machine(str(error), probe_display()))
            log.info("mode: %s (%s)", choice.mode.value, choice.reason)
    if choice.mode is Mode.OFFSCREEN:
        if options.seminar is not None:
            sys.stderr.write("launch_vr.py: --join needs the desktop window (--mode desktop)\n")
            return 2
        return _offscreen(options, program)
    from engine.player.interactive import run_desktop

    return run_desktop(options, program)


def _offscreen(options: PlayerOptions, program: object) -> int:
    from dataclasses import replace

    from engine.content.program import Program
    from engine.display.panda import DisplaySettings, open_display
    from engine.player.autoplay import run_autoplay, write_record

    assert isinstance(program, Program)
    if options.screenshot_dir is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = options.narrative.stem if options.narrative is not None else program.id
        folder = Path("out") / f"{name}-{stamp}"
        options = replace(options, screenshot_dir=folder)
    if options.record is None and options.screenshot_dir is not None:
        options = replace(options, record=options.screenshot_dir / "transcript.json")
    if options.autoplay is None:
        options = replace(options, autoplay="random")
    display = open_display(
        DisplaySettings(
            Mode.OFFSCREEN,
            options.width,
            options.height,
            audio=False,
            offscreen_pipe=options.offscreen_pipe,
        )
    )
    try:
        report = run_autoplay(display.base, program, options, display.pipe)
    finally:
        display.close()
    if options.record is not None:
        write_record(options.record, report, options, display.pipe)
    print(f"ending: {report.ending_title} ({report.ending})")
    print(f"screenshots: {options.screenshot_dir} ({len(report.screenshots)} PNG files)")
    if options.record is not None:
        print(f"transcript: {options.record}")
    return 0 if report.ending is not None else 1
