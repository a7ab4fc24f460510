"""The 3D app follows a seminar: ``--join CODE --name NICK`` in a real desktop window (Xvfb).

The child process is the real desktop player with the real participant client; this process
is the organizer on a real server. The organizer pushes a narrative, opens a poll and blanks
the headsets; the player starts that narrative, shows the poll, freezes under the blank card,
and a number key votes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from engine.player.cli import parse_options
from engine.seminar.link import SeminarJoin
from engine.seminar.protocol import (
    BlankCommand,
    EndSessionCommand,
    PollOpenCommand,
    PushSceneCommand,
    SceneTarget,
)
from tests.seminar_inprocess import organizer_with_session, running_server
from tests.test_desktop import HEADER, ROOT, STORY, child_env, display

__all__ = ["display"]  # the Xvfb fixture, shared with the desktop tests

CHILD = """\
story, data, server, code = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
from engine.seminar.link import SeminarJoin
options = PlayerOptions(
    None, Mode.DESKTOP, width=640, height=360, audio=False, plants=60, data_dir=data,
    content_dirs=(story.parent,), pacing=PacingSettings(auto_advance=False),
    seminar=SeminarJoin(code, "Kid", server),
)
app = DesktopApp(options)
app.open_home()
joined = lambda: app.seminar.view is not None and app.seminar.link.view_state().room is not None
assert frames_until(app, joined, 3000)
print("READY", flush=True)
result = {}
assert frames_until(app, lambda: app.seminar.view.blank, 6000)
result["playing"] = getattr(app.screen, "program", None) and app.screen.program.id
result["poll"] = list(app.seminar.view.poll_lines)
result["poll_text"] = app.seminar.poll.getText()
result["blank_shown"] = not app.seminar.blank.is_hidden()
result["frozen"] = app.seminar.view.frozen
app.base.messenger.send("2")
assert frames_until(app, lambda: app.seminar.link.view_state().my_vote == 1, 3000)
assert frames_until(app, lambda: "[1] ← your vote" in app.seminar.poll.getText(), 3000)
result["after_vote"] = app.seminar.poll.getText()
print("RESULT " + json.dumps(result), flush=True)
app.close()
"""


def test_launch_vr_join_options() -> None:
    options = parse_options(["--join", "abc-def", "--name", "Mia", "--server", "http://h:1"])
    assert options.seminar == SeminarJoin("abc-def", "Mia", "http://h:1")
    assert parse_options([]).seminar is None


def test_the_desktop_player_follows_pushes_polls_and_blanking(display: str, tmp_path: Path) -> None:
    story_dir = tmp_path / "narratives"
    story_dir.mkdir()
    (story_dir / "tiny_walk.yaml").write_text(STORY)
    script = tmp_path / "child.py"
    script.write_text(HEADER + textwrap.dedent(CHILD))
    asyncio.run(asyncio.wait_for(_drive(display, tmp_path, script, story_dir), 150))


async def _drive(display: str, tmp_path: Path, script: Path, story_dir: Path) -> None:
    async with running_server(tmp_path / "s.sqlite3") as running:
        organizer, session = await organizer_with_session(running.url)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            str(story_dir / "tiny_walk.yaml"),
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
                    scene = SceneTarget(kind="narrative", ref="tiny_walk")
                    await organizer.send(PushSceneCommand(request_id="s", scene=scene))
                    await organizer.send(
                        PollOpenCommand(
                            request_id="p", question="Which path?", options=["moss", "lake"]
                        )
                    )
                    await organizer.send(BlankCommand(request_id="b", blank=True))
                elif line.startswith("RESULT "):
                    result = json.loads(line.removeprefix("RESULT "))
            assert await child.wait() == 0, "".join(output)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        assert result is not None, "".join(output)
        assert result["playing"] == "tiny_walk", "the push started the narrative"
        assert result["poll"][:3] == ["Which path?", "1. moss  [0]", "2. lake  [0]"]
        assert "Which path?" in result["poll_text"]
        assert result["blank_shown"] and result["frozen"]
        assert "2. lake  [1] ← your vote" in result["after_vote"]
        await organizer.wait_until(lambda o: o.tally is not None and o.tally.counts == [0, 1], 10)
        assert organizer.roster is not None and organizer.roster.participants[0].nickname == "Kid"
        await organizer.send(EndSessionCommand(request_id="e"))
        await organizer.close()
