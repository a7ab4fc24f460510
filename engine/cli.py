"""The ``glowgrove`` command: check, compile, play, schema, bench, assets, narrate, garden,
lessons and records, serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from engine.authoring import cli as authoring_cli
from engine.content.compiler import compile_narrative
from engine.content.diagnostics import diagnostics_to_json, render_diagnostics
from engine.content.discovery import check_paths
from engine.story import ChoicesEvent
from engine.text.player import ChoicePolicy, first_policy, play, random_policy

__all__ = ["main"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glowgrove", description="Glowgrove: check, play and build community stories."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check narratives for mistakes")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    check.add_argument("--format", choices=("text", "json"), default="text")

    compile_ = commands.add_parser("compile", help="write the compiled program as JSON")
    compile_.add_argument("file")
    compile_.add_argument("-o", "--output", help="output file (default: standard output)")

    play_ = commands.add_parser("play", help="play a narrative in the terminal")
    play_.add_argument("file")
    play_.add_argument("--choices", help="choice numbers to make first, e.g. 1,2,1")
    play_.add_argument("--seed", type=int, help="seed for random variation")
    play_.add_argument(
        "--autoplay",
        choices=("first", "random"),
        help="pick choices automatically (random uses --seed)",
    )
    play_.add_argument("--save", type=Path, help="save progress here and resume from it")

    schema = commands.add_parser("schema", help="export the JSON Schema of the narrative format")
    schema.add_argument("-o", "--output", help="output file (default: standard output)")
    schema.add_argument("--kind", choices=("narrative", "lesson"), default="narrative")

    bench = commands.add_parser("bench", help="run a benchmark and print JSON")
    bench.add_argument("which", choices=("compile", "player", "garden", "seminar", "authoring"))
    bench.add_argument("--quick", action="store_true", help="small sizes (CI smoke test)")
    bench.add_argument("--store", help="seminar: store URL (sqlite:///PATH, redis://HOST:PORT/DB)")
    bench.add_argument(
        "--redis", action="store_true", help="seminar: start a loopback redis-server and use it"
    )

    garden = commands.add_parser("garden", help="check garden files (YAML)")
    garden.add_argument("action", choices=("check",))
    garden.add_argument("paths", nargs="+")

    assets = commands.add_parser("assets", help="make the project's own sounds and props")
    assets.add_argument("action", choices=("build",))
    assets.add_argument("--assets", type=Path, default=Path("assets"), help="default: ./assets")
    assets.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a file is out of date"
    )

    narrate = commands.add_parser(
        "narrate", help="speak every line into assets/narration/ with espeak-ng"
    )
    narrate.add_argument("file")
    narrate.add_argument(
        "--assets", type=Path, help="assets folder (default: the nearest assets/ above the file)"
    )
    narrate.add_argument("--voice", default="en-us", help="default espeak-ng voice (en-us)")

    from engine.learn.cli import add_commands as add_lesson_commands

    add_lesson_commands(commands)  # lesson play, records export|report, import gift
    from engine.seminar.cli import add_serve_parser

    add_serve_parser(commands)
    authoring_cli.add_commands(commands)  # test, map, new, preview
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="glowgrove: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.paths, args.format)
        if args.command == "compile":
            return _compile(args.file, args.output)
        if args.command == "play":
            return _play(args)
        if args.command == "assets":
            return _assets(args.assets, check=args.check)
        if args.command == "garden":
            from engine.garden.loader import check_garden_files

            found, count = check_garden_files(args.paths)
            if found:
                sys.stdout.write(render_diagnostics(found) + "\n")
            errors = sum(d.severity.value == "error" for d in found)
            sys.stderr.write(f"checked {count} garden file(s): {errors} error(s)\n")
            return EXIT_PROBLEMS if errors else EXIT_OK
        if args.command == "narrate":
            return _narrate(args)
        if args.command in ("lesson", "records", "import"):
            from engine.learn.cli import run as run_lesson_command

            return run_lesson_command(args)
        if args.command in authoring_cli.COMMANDS:
            return authoring_cli.run(args)
        if args.command == "schema":
            from engine.content.schema import narrative_schema
            from engine.learn.schema import lesson_schema

            schema = lesson_schema() if args.kind == "lesson" else narrative_schema()
            _write(json.dumps(schema, indent=2) + "\n", args.output)
            return EXIT_OK
        if args.command == "serve":
            from engine.seminar.cli import serve_command

            return serve_command(args)
        if args.which == "garden":
            from engine.bench.garden_bench import run_garden_bench

            run_garden_bench(quick=args.quick, out=sys.stdout)
            return EXIT_OK
        if args.which == "seminar":
            from engine.seminar.cli import bench_command

            return bench_command(args)
        if args.which == "authoring":
            from engine.authoring.bench import run_authoring_bench

            run_authoring_bench(quick=args.quick, out=sys.stdout)
            return EXIT_OK
        if args.which == "player":
            from engine.bench.player_bench import run_player_bench

            run_player_bench(quick=args.quick, out=sys.stdout)
            return EXIT_OK
        from engine.bench.compile_bench import run_compile_bench

        run_compile_bench(quick=args.quick, out=sys.stdout)
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")


def _check(paths: list[str], output_format: str) -> int:
    report = check_paths(paths)
    if output_format == "json":
        sys.stdout.write(diagnostics_to_json(report.diagnostics) + "\n")
    else:
        if report.diagnostics:
            sys.stdout.write(render_diagnostics(report.diagnostics) + "\n")
        summary = f"checked {len(report.files)} file(s): "
        summary += f"{report.error_count} error(s), {report.warning_count} warning(s)"
        sys.stderr.write(summary + "\n")
    return EXIT_PROBLEMS if report.error_count else EXIT_OK


def _compile(file: str, output: str | None) -> int:
    result = compile_narrative(file)
    if result.diagnostics:
        sys.stderr.write(render_diagnostics(result.diagnostics) + "\n")
    if result.program is None:
        return EXIT_PROBLEMS
    _write(json.dumps(result.program.to_json(), indent=2) + "\n", output)
    return EXIT_OK


def _assets(root: Path, *, check: bool) -> int:
    from engine.assets import build_assets, stale_assets, write_assets

    built = build_assets()
    if check:
        stale = stale_assets(root, built)
        for path in stale:
            sys.stdout.write(f"{root / path}: out of date\n")
        if stale:
            sys.stderr.write("glowgrove: run 'glowgrove assets build' and commit the files\n")
        return EXIT_PROBLEMS if stale else EXIT_OK
    written = write_assets(root, built)
    for written_path in written:
        sys.stdout.write(f"wrote {written_path}\n")
    total = sum(len(asset.data) for asset in built)
    sys.stderr.write(
        f"{len(built)} file(s) in {root} ({total / 1024:.0f} KiB), {len(written)} changed\n"
    )
    return EXIT_OK


def _narrate(args: argparse.Namespace) -> int:
    from engine.audio.narration import narrate
    from engine.content.assets import find_assets_root
    from engine.errors import NarrationError

    result = compile_narrative(args.file)
    if result.diagnostics:
        sys.stderr.write(render_diagnostics(result.diagnostics) + "\n")
    if result.program is None:
        return EXIT_PROBLEMS
    assets = args.assets or find_assets_root(Path(args.file))
    if assets is None:
        sys.stderr.write(f"glowgrove: no assets/ folder above {args.file}; pass --assets DIR\n")
        return EXIT_USAGE
    try:
        report = narrate(result.program, assets, default_voice=args.voice)
    except NarrationError as error:
        sys.stderr.write(f"glowgrove: {error}\n")
        return EXIT_PROBLEMS
    sys.stdout.write(report.summary() + "\n")
    return EXIT_OK


def _stdin_policy(stream: TextIO, out: TextIO) -> ChoicePolicy:
    interactive = stream.isatty()

    def ask(event: ChoicesEvent) -> int | None:
        count = len(event.options)
        while True:
            if interactive:
                out.write(f"choose 1-{count}: ")
                out.flush()
            line = stream.readline()
            if not line:
                return None
            text = line.strip()
            if text.isdigit() and 1 <= int(text) <= count:
                return int(text) - 1
            message = f"'{text}' is not a choice: type a number from 1 to {count}"
            if not interactive:
                raise _BadInput(message)
            out.write(message + "\n")

    return ask


class _BadInput(Exception):
    pass


def _play(args: argparse.Namespace) -> int:
    result = compile_narrative(args.file)
    if result.diagnostics:
        sys.stderr.write(render_diagnostics(result.diagnostics) + "\n")
    if result.program is None:
        return EXIT_PROBLEMS
    scripted: list[int] = []
    if args.choices:
        try:
            scripted = [int(part) - 1 for part in args.choices.split(",") if part.strip()]
        except ValueError:
            sys.stderr.write("glowgrove: --choices takes numbers like 1,2,1\n")
            return EXIT_USAGE
    fallback: ChoicePolicy
    if args.autoplay == "random":
        fallback = random_policy(args.seed if args.seed is not None else 0)
    elif args.autoplay == "first":
        fallback = first_policy
    else:
        fallback = _stdin_policy(sys.stdin, sys.stdout)

    def policy(event: ChoicesEvent) -> int | None:
        if scripted:
            index = scripted.pop(0)
            if not 0 <= index < len(event.options):
                raise _BadInput(
                    f"scripted choice {index + 1} is not offered (1-{len(event.options)})"
                )
            return index
        return fallback(event)

    try:
        outcome = play(result.program, policy, sys.stdout, seed=args.seed, save_path=args.save)
    except _BadInput as error:
        sys.stderr.write(f"glowgrove: {error}\n")
        return EXIT_USAGE
    if outcome.reached_end:
        return EXIT_OK
    if outcome.message:
        sys.stderr.write(f"glowgrove: {outcome.message}\n")
        return EXIT_USAGE
    sys.stderr.write("glowgrove: the story stopped without an ending (see the log above)\n")
    return EXIT_PROBLEMS


if __name__ == "__main__":
    raise SystemExit(main())
