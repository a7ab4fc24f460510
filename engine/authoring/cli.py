"""The authoring subcommands of ``glowgrove``: test, map, new, preview.

engine/cli.py adds them with :func:`add_commands` and hands the parsed arguments to :func:`run`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.authoring.sources import PlayTestOptions, kind_for
from engine.content.diagnostics import render_diagnostics

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("test", "map", "new", "preview")
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def add_commands(commands: Any) -> None:
    test = commands.add_parser(
        "test", help="explore every choice path of a story and report problems"
    )
    test.add_argument("paths", nargs="+", metavar="PATH", help="story files or folders")
    test.add_argument("--seed", type=int, help="seed for random steps (default: the story's)")
    test.add_argument("--max-states", type=int, default=20_000, help="state bound (20000)")
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.add_argument(
        "--record",
        action="store_true",
        help="write NAME.ENDING.plan next to the story for each ending reached",
    )

    map_ = commands.add_parser("map", help="draw a story as a map (HTML, dot or mermaid)")
    map_.add_argument("file")
    map_.add_argument("-o", "--output", help="output file (default: standard output)")
    map_.add_argument("--format", choices=("html", "dot", "mermaid"), default="html")

    new = commands.add_parser("new", help="start a new narrative or lesson from a template")
    new.add_argument("kind", choices=("narrative", "lesson"))
    new.add_argument("name", help="a name like 'pond_rescue' (becomes the id and file name)")
    new.add_argument("-o", "--output", help="file to write (default: NAME.yaml in narratives/)")
    new.add_argument("--title", help="the title shown to children")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")

    preview = commands.add_parser(
        "preview", help="play a story in a window that reloads when the file is saved"
    )
    preview.add_argument("file")
    preview.add_argument("--interval", type=float, default=0.5, help="seconds between checks")
    preview.add_argument("--choices", help="choices to make first, e.g. 1,2 (then you choose)")
    preview.add_argument("--seed", type=int, help="seed for random steps")
    preview.add_argument("--width", type=int, default=960)
    preview.add_argument("--height", type=int, default=540)
    preview.add_argument("--no-audio", action="store_true", help="captions only, no sound")
    preview.add_argument(
        "--frames", type=int, default=0, help="run this many frames, then stop (0: until closed)"
    )
    preview.add_argument("--screenshot", type=Path, help="save the window as PNG when stopping")


def run(args: argparse.Namespace) -> int:
    if args.command == "test":
        return _test(args)
    if args.command == "map":
        return _map(args)
    if args.command == "new":
        from engine.authoring.scaffold import scaffold_command

        return scaffold_command(args)
    from engine.authoring.preview import preview_command

    return preview_command(args)


def _test(args: argparse.Namespace) -> int:
    import json

    from engine.content.discovery import find_content_files, is_part_file

    if args.max_states < 1:
        sys.stderr.write("glowgrove: --max-states must be at least 1\n")
        return EXIT_USAGE
    files, missing = find_content_files(args.paths)
    if missing:
        sys.stderr.write(render_diagnostics(missing) + "\n")
    options = PlayTestOptions(args.seed, args.max_states, args.record)
    reports: list[dict[str, Any]] = []
    failed = bool(missing) or not files
    for file in files:
        if len(files) > 1 and is_part_file(file):
            continue  # parts are tested through the story that includes them
        path = Path(file)
        run = kind_for(path).test(path, options)
        if run.diagnostics:
            sys.stderr.write(render_diagnostics(run.diagnostics) + "\n")
        if run.report is None:
            failed = True
            continue
        failed = failed or not run.report.ok
        reports.append(run.report.to_json())
        if args.format == "text":
            sys.stdout.write(run.report.render() + "\n")
        for written in run.written:
            sys.stderr.write(f"wrote {written}\n")
    if args.format == "json":
        sys.stdout.write(json.dumps(reports, indent=2) + "\n")
    return EXIT_PROBLEMS if failed else EXIT_OK


def _map(args: argparse.Namespace) -> int:
    from engine.authoring.storymap import render_graph

    path = Path(args.file)
    drawing = kind_for(path).draw(path)
    if drawing.diagnostics:
        sys.stderr.write(render_diagnostics(drawing.diagnostics) + "\n")
    if drawing.graph is None:
        return EXIT_PROBLEMS
    text = render_graph(drawing.graph, args.format)
    if args.output is None or args.output == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote {out}\n")
    return EXIT_OK if drawing.ok else EXIT_PROBLEMS
