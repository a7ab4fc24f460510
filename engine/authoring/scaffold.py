"""``glowgrove new narrative|lesson NAME``: a commented starter file that already checks clean.

The file comes from a jinja2 template in ``engine/authoring/templates``. Only the name (checked
to be an identifier) and the title (written as a YAML double-quoted string) are filled in, so
whatever the author types cannot break the YAML around it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2

__all__ = ["SCAFFOLDS", "Scaffold", "render_scaffold", "scaffold_command"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Scaffold:
    kind: str
    template: str
    folder: str  # where new files go by default, under the current directory
    schema: str  # schema file name under schema/


SCAFFOLDS: dict[str, Scaffold] = {
    "narrative": Scaffold("narrative", "narrative.yaml.j2", "narratives", "narrative.schema.json"),
    "lesson": Scaffold("lesson", "lesson.yaml.j2", "lessons", "lesson.schema.json"),
}


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("engine.authoring", "templates"),
        autoescape=False,  # YAML, not HTML: values are made safe by hand below
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _schema_reference(target: Path, schema_name: str) -> str | None:
    """The schema path relative to ``target``: the nearest schema/ folder above it that has
    the file, else the one in this Glowgrove checkout; None when neither exists."""
    folder = target.resolve().parent
    candidates = [parent / "schema" / schema_name for parent in (folder, *folder.parents)]
    candidates.append(Path(__file__).resolve().parents[2] / "schema" / schema_name)
    for candidate in candidates:
        if candidate.is_file():
            return Path(os.path.relpath(candidate, folder)).as_posix()
    return None


def render_scaffold(kind: str, name: str, target: Path, title: str | None = None) -> str:
    scaffold = SCAFFOLDS[kind]
    if not _NAME.match(name):
        raise ValueError(
            f"'{name}' cannot be a {kind} name: use lower-case letters, digits and _, "
            "starting with a letter (like pond_rescue)"
        )
    shown = title if title is not None else name.replace("_", " ").title()
    shown = " ".join(shown.split()) or name
    return (
        _environment()
        .get_template(scaffold.template)
        .render(
            name=name,
            lesson_id=name.replace("_", "-"),  # lesson ids are written with '-'
            title=json.dumps(shown, ensure_ascii=False),
            title_comment=shown.replace("\n", " "),
            file=target.as_posix(),
            schema=_schema_reference(target, scaffold.schema),
        )
    )


def scaffold_command(args: argparse.Namespace) -> int:
    scaffold = SCAFFOLDS.get(args.kind)
    if scaffold is None:
        sys.stderr.write(f"glowgrove: no {args.kind} template in this version of Glowgrove\n")
        return 2
    target = Path(args.output) if args.output else Path(scaffold.folder) / f"{args.name}.yaml"
    if target.exists() and not args.force:
        sys.stderr.write(f"glowgrove: {target} already exists (use --force to replace it)\n")
        return 2
    try:
        text = render_scaffold(args.kind, args.name, target, args.title)
    except ValueError as error:
        sys.stderr.write(f"glowgrove: {error}\n")
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {target}\nnext: glowgrove check {target.as_posix()}\n")
    return 0
