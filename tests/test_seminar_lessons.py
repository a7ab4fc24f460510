"""Lessons in a seminar, end to end over real sockets: the organizer pushes a lesson, the
participant's desktop player (real window on Xvfb, real participant client) plays it with the
pointer and reports the runtime's score; then a pushed narrative starts a lesson with
``start_lesson`` and that outcome is reported too. The session report lists both."""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from engine.seminar.protocol import EndSessionCommand, PushSceneCommand, SceneTarget
from engine.seminar.report import build_report
from tests.seminar_inprocess import organizer_with_session, running_server
from tests.test_desktop import HEADER, ROOT, child_env, display
from tests.test_desktop_lessons import SORT_HELPERS, STORY, TINY_SORT

__all__ = ["display"]  # the Xvfb fixture, shared with the desktop tests

SECOND_LESSON = TINY_SORT.replace("lesson: tiny-sort", "lesson: cart-sort").replace(
    "aliases: [tiny_sort]", "aliases: [cart_sort]"
)
CART_STORY = STORY.replace("lesson: tiny_sort", "lesson: cart_sort")

CHILD = (
    SORT_HELPERS
    + """\
content, data, server, code = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
from engine.seminar.link import SeminarJoin
options = PlayerOptions(
    None, Mode.DESKTOP, width=640, height=360, audio=False, plants=60, data_dir=data,
    content_dirs=(content / "narratives", content / "lessons"),
    pacing=PacingSettings(auto_advance=False), seminar=SeminarJoin(code, "Kid", server),
)
app = DesktopApp(options)
app.open_home()
joined = lambda: app.seminar.view is not None and app.seminar.link.view_state().room is not None
assert frames_until(app, joined, 3000)
print("READY", flush=True)
result = {}
assert frames_until(app, lambda: isinstance(app.screen, LessonScreen), 6000)
screen = app.screen
result["pushed"] = screen.lesson.id
result["held"] = sort_everything(app, screen)
result["end"] = [screen.end.passed, screen.end.scaled]
app.step(3)
app.base.messenger.send("space")
app.step(3)
print("LESSON-DONE", flush=True)
assert frames_until(app, lambda: getattr(app.screen, "program", None) is not None, 6000)
story = app.screen
result["story"] = story.program.id
app.base.messenger.send("space")  # the story's first line: then it starts its lesson
assert frames_until(app, lambda: isinstance(app.screen, LessonScreen), 300)
inner = app.screen
result["inner"] = inner.lesson.id
result["inner_held"] = sort_everything(app, inner)
app.base.messenger.send("space")
assert frames_until(app, lambda: app.screen is story, 300)
result["sorted_waste"] = story.flow.machine.variables["sorted_waste"]
result["played"] = app.lessons_played
app.step(30)  # the outcome travels on the client's thread
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""
)


def test_pushed_and_story_started_lessons_report_their_outcomes(
    display: str, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    (content / "narratives").mkdir(parents=True)
    (content / "lessons").mkdir()
    (content / "lessons" / "tiny-sort.yaml").write_text(TINY_SORT)
    (content / "lessons" / "cart-sort.yaml").write_text(SECOND_LESSON)
    (content / "narratives" / "cart_story.yaml").write_text(CART_STORY)
    script = tmp_path / "child.py"
    script.write_text(HEADER + textwrap.dedent(CHILD))
    asyncio.run(asyncio.wait_for(_drive(display, tmp_path, script, content), 170))


async def _drive(display: str, tmp_path: Path, script: Path, content: Path) -> None:
    async with running_server(tmp_path / "s.sqlite3") as running:
        organizer, session = await organizer_with_session(running.url)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            str(content),
            str(tmp_path / "data"),
            running.url,
            session.code,
            cwd=ROOT,
            env=child_env(display),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert child.stdout is not None
        output: list[str] = []
        result: dict[str, Any] | None = None
        try:
            while True:
                raw = await child.stdout.readline()
                if not raw:
                    break
                line = raw.decode()
                output.append(line)
                if line.startswith("READY"):
                    await organizer.wait_until(
                        lambda o: o.roster is not None and len(o.roster.participants) == 1, 10
                    )
                    lesson = SceneTarget(kind="lesson", ref="tiny-sort")
                    await organizer.send(PushSceneCommand(request_id="l", scene=lesson))
                elif line.startswith("LESSON-DONE"):
                    story = SceneTarget(kind="narrative", ref="cart_story")
                    await organizer.send(PushSceneCommand(request_id="n", scene=story))
                elif line.startswith("RESULT "):
                    result = json.loads(line.removeprefix("RESULT "))
            assert await child.wait() == 0, "".join(output)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        assert result is not None, "".join(output)
        assert result["pushed"] == "tiny-sort" and result["end"] == [True, 1.0]
        assert result["held"] == ["drink-can", "banana-peel"]
        assert result["story"] == "cart_story" and result["inner"] == "cart-sort"
        assert result["sorted_waste"] is True
        assert [p["lesson"] for p in result["played"]] == ["tiny-sort", "cart-sort"]

        async def reported() -> list[Any]:
            for _ in range(100):
                outcomes = await running.store.outcomes(session.session_id)
                if len(outcomes) == 2:
                    return outcomes
                await asyncio.sleep(0.1)
            return await running.store.outcomes(session.session_id)

        outcomes = await reported()
        assert sorted((o.lesson, o.completed, o.score) for o in outcomes) == [
            ("cart-sort", True, 1.0),
            ("tiny-sort", True, 1.0),
        ]
        record = await running.store.get_session(session.session_id)
        assert record is not None
        report = await build_report(running.store, record)
        lessons = {entry["lesson"]: entry for entry in report["lessons"]}
        assert set(lessons) == {"tiny-sort", "cart-sort"}
        assert lessons["tiny-sort"]["completed"] == 1
        assert lessons["tiny-sort"]["by"] == [{"nickname": "Kid", "completed": True, "score": 1.0}]
        await organizer.send(EndSessionCommand(request_id="e"))
        await organizer.close()
