"""Command-line handlers for lessons: ``lesson play``, ``records export|report``, ``import gift``.

engine/cli.py adds these subcommands with :func:`add_commands` and hands them to :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from engine.content.diagnostics import render_diagnostics
from engine.errors import LessonError, RecordsError
from engine.learn.compiler import compile_lesson
from engine.learn.events import (
    ActivityEvent,
    ExplainEvent,
    FeedbackEvent,
    HintEvent,
    LessonEndEvent,
    LessonEvent,
    RemediationEvent,
)
from engine.learn.play import play_lesson
from engine.learn.policies import policy_named
from engine.learn.recorder import LessonRecorder
from engine.learn.runtime import LessonRun
from engine.learn.store import RecordStore

__all__ = ["COMMANDS", "add_commands", "default_records_path", "run"]

COMMANDS = ("lesson", "records", "import")


def default_records_path() -> Path:
    from engine.player.profiles import default_data_dir

    return default_data_dir(os.environ) / "records.sqlite"


def add_commands(commands: Any) -> None:
    lesson = commands.add_parser("lesson", help="play a lesson in the terminal")
    lesson_actions = lesson.add_subparsers(dest="lesson_action", required=True, metavar="ACTION")
    play = lesson_actions.add_parser("play", help="play a lesson with an answering policy")
    play.add_argument("file")
    play.add_argument("--autoplay", choices=("correct", "wrong-first"), help="answer automatically")
    play.add_argument("--records", type=Path, help="SQLite records file (default: data folder)")
    play.add_argument("--no-records", action="store_true", help="keep no learning records")
    play.add_argument("--group", default="", help="learner group name for the records")
    play.add_argument("--save", type=Path, help="save progress here after every step; resume")
    play.add_argument("--pace", type=float, default=0.0, help="seconds to wait between events")
    play.add_argument("--seed", type=int, default=0)

    records = commands.add_parser("records", help="export or summarize learning records")
    record_actions = records.add_subparsers(dest="records_action", required=True, metavar="ACTION")
    export = record_actions.add_parser("export", help="send records to a Learning Record Store")
    export.add_argument("--db", type=Path, help="records file (default: data folder)")
    export.add_argument("--lrs", required=True, help="LRS base URL, e.g. http://host/xAPI")
    export.add_argument("--auth", required=True, help="user:password, 'Basic ...' or 'Bearer ...'")
    export.add_argument("--batch", type=int, default=50, help="statements per request")
    report = record_actions.add_parser("report", help="write an HTML summary per learner group")
    report.add_argument("--db", type=Path, help="records file (default: data folder)")
    report.add_argument("-o", "--output", required=True, help="HTML file to write")

    import_ = commands.add_parser("import", help="import a quiz bank as a lesson")
    import_.add_argument("format", choices=("gift",))
    import_.add_argument("file")
    import_.add_argument("-o", "--output", required=True, help="lesson YAML to write")


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "lesson":
            return _play(args)
        if args.command == "records":
            return _records(args)
        return _import_gift(args.file, args.output)
    except (RecordsError, LessonError) as error:
        sys.stderr.write(f"glowgrove: {error}\n")
        return 1


def _say(event: LessonEvent | FeedbackEvent | HintEvent) -> str:
    if isinstance(event, ExplainEvent):
        return str(getattr(event.step.activity, "text", ""))
    if isinstance(event, ActivityEvent):
        prompt = getattr(event.step.activity, "prompt", "")
        return f"[{event.step.kind}] {prompt}"
    if isinstance(event, FeedbackEvent):
        mark = "✓" if event.correct else "✗"
        return f"  {mark} {event.message}"
    if isinstance(event, HintEvent):
        return f"  hint: {event.text}"
    if isinstance(event, RemediationEvent):
        return f"-- score {event.scaled:.0%} is below {event.mastery:.0%}: let's go over it again"
    result = "passed" if event.passed else "not passed yet"
    return f"-- lesson over: {result}, score {event.scaled:.0%}"


def _play(args: argparse.Namespace) -> int:
    result = compile_lesson(args.file)
    if result.diagnostics:
        sys.stderr.write(render_diagnostics(result.diagnostics) + "\n")
    lesson = result.lesson
    if lesson is None:
        return 1
    saved: dict[str, Any] = {}
    if args.save is not None and args.save.exists():
        try:
            saved = json.loads(args.save.read_text(encoding="utf-8"))
            run_ = LessonRun.from_json(lesson, saved.get("run"))
        except (OSError, ValueError, AttributeError) as error:
            sys.stderr.write(f"glowgrove: cannot resume from {args.save}: {error}\n")
            return 1
    else:
        run_ = LessonRun(lesson, seed=args.seed)
    store = None if args.no_records else RecordStore(args.records or default_records_path())
    recorder = None
    if store is not None:
        recorder = LessonRecorder(
            lesson,
            store,
            group=args.group,
            learner=saved.get("learner"),
            registration=saved.get("registration"),
        )
        if not saved:
            recorder.start()

    def listen(event: LessonEvent | FeedbackEvent | HintEvent) -> None:
        if recorder is not None:
            recorder(event)
        sys.stdout.write(_say(event) + "\n")
        sys.stdout.flush()
        if args.save is not None:
            state: dict[str, Any] = {"run": run_.to_json()}
            if recorder is not None:
                state |= {"learner": recorder.learner, "registration": recorder.registration}
            _atomic_write(args.save, json.dumps(state))
        if args.pace > 0:
            time.sleep(args.pace)

    try:
        if run_.ended:
            sys.stdout.write("-- this lesson was already finished\n")
            return 0
        if args.autoplay is None:
            from engine.learn.terminal import play_from_terminal

            end = play_from_terminal(run_, listen, sys.stdin, sys.stdout)
            if end is None:
                sys.stdout.write(
                    "-- stopped" + (f"; progress is in {args.save}" if args.save else "") + "\n"
                )
                return 0
        else:
            end = play_lesson(run_, policy_named(args.autoplay), listen)
    finally:
        if store is not None:
            store.close()
    return 0 if isinstance(end, LessonEndEvent) else 1


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _records(args: argparse.Namespace) -> int:
    path = args.db or default_records_path()
    if not path.exists():
        sys.stderr.write(f"glowgrove: no records at {path}\n")
        return 1
    with RecordStore(path) as store:
        if args.records_action == "export":
            from engine.learn.export import export_statements

            if args.batch < 1:
                sys.stderr.write("glowgrove: --batch must be at least 1\n")
                return 2
            report = export_statements(store, args.lrs, args.auth, batch_size=args.batch)
            sys.stdout.write(
                f"sent {report.sent} statement(s) in {report.batches} batch(es)"
                f" ({report.retries} retr{'y' if report.retries == 1 else 'ies'})\n"
            )
            return 0
        from engine.learn.report import render_report

        html = render_report(store)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(html, encoding="utf-8")
    sys.stdout.write(f"wrote {args.output}\n")
    return 0


def _import_gift(file: str, output: str) -> int:
    from engine.learn.gift import import_gift

    return import_gift(Path(file), Path(output), sys.stdout, sys.stderr)
