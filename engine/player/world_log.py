"""What the story did to the world so far, kept with a saved place so a resumed story looks the
same as when the child left. Pure Python.

The garden carries its state from scene to scene: environment blocks merge, ``set_glow`` and
``set_blight`` change it, ``spread_blight`` and ``restore_area`` change single places in it,
``show_prop``/``hide_prop`` change the scene. A saved story machine knows none of that, so the
play flow notes each scene entered and each of these commands in order; a resumed story shows
them again (quietly: no sounds, no camera moves) before the choices it was waiting on.

Props are cleared at every scene change, so prop commands before the latest scene are dropped;
a story that loops for ever keeps the newest :data:`MAX_ENTRIES` entries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from engine.content.commands import COMMANDS, check_command_args
from engine.content.program import Program
from engine.story import CommandEvent, SceneEvent, StoryEvent

__all__ = ["MAX_ENTRIES", "WORLD_COMMANDS", "Entry", "note", "parse", "replay"]

log = logging.getLogger(__name__)

WORLD_COMMANDS = frozenset(
    {"set_glow", "set_blight", "spread_blight", "restore_area", "show_prop", "hide_prop"}
)
_PROP_COMMANDS = frozenset({"show_prop", "hide_prop"})
MAX_ENTRIES = 2_000

Entry = dict[str, Any]  # {"scene": id} or {"command": name, "args": {...}} (JSON-ready)


def note(world: list[Entry], event: StoryEvent) -> None:
    """Add ``event`` to ``world`` if it changes the world."""
    if isinstance(event, SceneEvent):
        # The director clears props on entering a scene: earlier prop commands are moot.
        world[:] = [e for e in world if e.get("command") not in _PROP_COMMANDS]
        world.append({"scene": event.scene})
    elif isinstance(event, CommandEvent) and event.name in WORLD_COMMANDS:
        world.append({"command": event.name, "args": dict(event.args)})
    else:
        return
    if len(world) > MAX_ENTRIES:
        del world[: len(world) - MAX_ENTRIES]


def replay(program: Program, world: Sequence[Entry]) -> list[StoryEvent]:
    """The events that rebuild the world ``world`` describes (scenes the story no longer has
    are skipped)."""
    events: list[StoryEvent] = []
    for entry in world:
        scene_id = entry.get("scene")
        if scene_id is not None:
            scene = program.scenes.get(scene_id)
            if scene is not None:
                events.append(SceneEvent(scene.id, scene.environment, scene.tags))
        else:
            events.append(CommandEvent(entry["command"], dict(entry["args"])))
    return events


def parse(data: Any) -> tuple[Entry, ...]:
    """Entries read back from a progress file; anything malformed (or a command whose
    arguments the command registry refuses) is left out: the file may be damaged."""
    if not isinstance(data, list):
        return ()
    entries: list[Entry] = []
    for item in data[-MAX_ENTRIES:]:
        if not isinstance(item, dict):
            continue
        scene, command, args = item.get("scene"), item.get("command"), item.get("args")
        if isinstance(scene, str):
            entries.append({"scene": scene})
        elif command in WORLD_COMMANDS and isinstance(args, dict):
            resolved, problems = check_command_args(COMMANDS[command], args)
            if not problems:
                entries.append({"command": command, "args": resolved})
    if len(entries) != len(data[-MAX_ENTRIES:]):
        log.warning("left out %d damaged world entries", len(data[-MAX_ENTRIES:]) - len(entries))
    return tuple(entries)
