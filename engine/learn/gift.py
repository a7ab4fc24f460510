"""Moodle GIFT quiz banks -> lesson YAML.

Mapped: multiple choice (one or several right answers, with per-answer feedback), true/false,
matching, missing word (as a multiple choice with a blank), essay (as a reflection) and
descriptions (as explanations). Not mapped, and reported with the GIFT line number: short
answer and numerical questions (a child in a headset picks and places; nothing is typed).
A GIFT syntax error (an answer block never closed, a matching pair without '->') stops the
import with the line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from engine.content.diagnostics import render_diagnostics

__all__ = [
    "GiftItem",
    "GiftParse",
    "GiftSyntaxError",
    "gift_to_lesson",
    "import_gift",
    "parse_gift",
]

_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_TAGS = re.compile(r"<[^>]{0,200}>")
_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class GiftItem:
    line: int
    kind: str  # explain, question, match, reflect
    title: str | None
    text: str
    options: tuple[tuple[str, bool, str | None], ...] = ()  # (text, correct, feedback)
    multiple: bool = False
    pairs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class GiftParse:
    items: tuple[GiftItem, ...]
    skipped: tuple[tuple[int, str], ...]  # (line, why)


class GiftSyntaxError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message


def _unescape(text: str) -> str:
    text = re.sub(r"\\n", "\n", text)
    text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(text.split())


def _clean(text: str) -> str:
    match = _FORMAT.match(text.strip())
    stripped = text.strip()
    if match:
        stripped = stripped[match.end() :]
        if match.group(1) == "html":
            stripped = _TAGS.sub("", stripped)
    return _unescape(stripped)


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped ``target`` at or after ``start``, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(target, index):
            return index
        index += 1
    return -1


def _split_markers(body: str) -> list[tuple[str, str, int]]:
    """Split an answer block on unescaped '=' and '~': (marker, text, offset)."""
    parts: list[tuple[str, str, int]] = []
    index, current, marker, start = 0, [], "", 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            current.append(body[index : index + 2])
            index += 2
            continue
        if char in "=~" and not body.startswith("->", index - 1):
            if marker or "".join(current).strip():
                parts.append((marker, "".join(current), start))
            marker, current, start = char, [], index
        else:
            current.append(char)
        index += 1
    if marker or "".join(current).strip():
        parts.append((marker, "".join(current), start))
    return parts


def _feedback(text: str) -> tuple[str, str | None]:
    cut = _find(text, "#")
    if cut < 0:
        return text, None
    feedback = _clean(text[cut + 1 :].split("#", 1)[0]) or None
    return text[:cut], feedback


def _position(chunk: str, offset: int, first_line: int) -> tuple[int, int]:
    before = chunk[:offset]
    return first_line + before.count("\n"), offset - (before.rfind("\n") + 1) + 1


def parse_gift(text: str) -> GiftParse:
    items: list[GiftItem] = []
    skipped: list[tuple[int, str]] = []
    for first_line, chunk in _chunks(text):
        if chunk.lstrip().startswith("$CATEGORY:"):
            skipped.append((first_line, "category line (lessons have no categories)"))
            continue
        item = _item(chunk, first_line, skipped)
        if item is not None:
            items.append(item)
    return GiftParse(tuple(items), tuple(skipped))


def _chunks(text: str) -> list[tuple[int, str]]:
    chunks: list[tuple[int, str]] = []
    lines: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("//"):
            line = ""  # comments keep their line so positions stay right
        if not line.strip():  # a blank line ends a question, as in Moodle
            if any(part.strip() for part in lines):
                chunks.append((start, "\n".join(lines)))
            lines, start = [], number + 1
            continue
        if not lines:
            start = number
        lines.append(line)
    if any(part.strip() for part in lines):
        chunks.append((start, "\n".join(lines)))
    return chunks


def _item(chunk: str, line: int, skipped: list[tuple[int, str]]) -> GiftItem | None:
    title = None
    body = chunk.strip()
    offset = len(chunk) - len(chunk.lstrip())
    if body.startswith("::"):
        end = _find(body, "::", 2)
        if end < 0:
            raise GiftSyntaxError(*_position(chunk, offset, line), "question title is never closed")
        title = _clean(body[2:end]) or None
        offset += end + 2
        body = body[end + 2 :]
    opening = _find(body, "{")
    if opening < 0:
        if _find(body, "}") >= 0:
            at = _position(chunk, offset + _find(body, "}"), line)
            raise GiftSyntaxError(*at, "'}' without an opening '{' (write \\} for a brace)")
        return GiftItem(line, "explain", title, _clean(body))
    closing = _find(body, "}", opening)
    nested = _find(body, "{", opening + 1)
    if closing < 0 or 0 <= nested < closing:
        at = _position(chunk, offset + opening, line)
        raise GiftSyntaxError(*at, "answer block '{' is never closed")
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    prompt = _clean(before)
    if _clean(after):
        prompt = f"{prompt} _____ {_clean(after)}".strip()
    answers_line = _position(chunk, offset + opening, line)[0]
    stripped = answers.strip()
    if not prompt:
        raise GiftSyntaxError(*_position(chunk, offset, line), "question has no text")
    if not stripped:
        return GiftItem(line, "reflect", title, prompt)
    if stripped.startswith("#"):
        skipped.append((answers_line, "numerical question (lessons have no typed numbers)"))
        return None
    true_false = re.fullmatch(r"(?i)(T|TRUE|F|FALSE)\s*(#.*)?", stripped, flags=re.S)
    if true_false:
        right = true_false.group(1).upper().startswith("T")
        feedback = _feedback(stripped)[1]
        choices = (
            ("True", right, feedback if right else None),
            ("False", not right, feedback if not right else None),
        )
        return GiftItem(line, "question", title, prompt, choices)
    parts = _split_markers(answers)
    if any(_find(text, "->") >= 0 for _, text, _ in parts):
        pairs: list[tuple[str, str]] = []
        for marker, text, spot in parts:
            arrow = _find(text, "->")
            if marker != "=" or arrow < 0:
                where = _position(chunk, offset + opening + 1 + spot, line)
                raise GiftSyntaxError(*where, "a matching pair is written '=left -> right'")
            pairs.append((_clean(text[:arrow]), _clean(text[arrow + 2 :])))
        if len(pairs) < 2:
            skipped.append((answers_line, "matching question with fewer than 2 pairs"))
            return None
        return GiftItem(line, "match", title, prompt, pairs=tuple(pairs))
    if not parts or any(marker == "" for marker, _, _ in parts):
        first = parts[0][2] if parts else 0
        where = _position(chunk, offset + opening + 1 + first, line)
        raise GiftSyntaxError(*where, "each answer starts with '=' (right) or '~' (wrong)")
    if all(marker == "=" for marker, _, _ in parts):
        skipped.append((answers_line, "short-answer question (lessons have no typed answers)"))
        return None
    options: list[tuple[str, bool, str | None]] = []
    weighted = False
    for marker, text, _ in parts:
        answer, feedback = _feedback(text)
        weight = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", answer)
        correct = marker == "="
        if weight:
            weighted = True
            correct = float(weight.group(1)) > 0
            answer = answer[weight.end() :]
        options.append((_clean(answer), correct, feedback))
    if not 2 <= len(options) <= 8:
        skipped.append((answers_line, f"{len(options)} answers (a lesson question takes 2 to 8)"))
        return None
    multiple = weighted or sum(correct for _, correct, _ in options) > 1
    return GiftItem(line, "question", title, prompt, tuple(options), multiple)


def gift_to_lesson(parse: GiftParse, name: str) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "quiz"
    if not slug[0].isalpha():
        slug = "quiz-" + slug
    steps: list[dict[str, Any]] = []
    for number, item in enumerate(parse.items, start=1):
        step: dict[str, Any] = {"id": f"q{number}"}
        if item.kind == "explain":
            step["explain"] = {"text": item.text}
        elif item.kind == "reflect":
            step["reflect"] = {"prompt": item.text}
        elif item.kind == "match":
            step["objective"] = "quiz"
            step["match"] = {
                "prompt": item.text,
                "pairs": [
                    {"id": f"p{i}", "left": left, "right": right}
                    for i, (left, right) in enumerate(item.pairs, start=1)
                ],
            }
        else:
            step["objective"] = "quiz"
            options: list[dict[str, Any]] = []
            for text, correct, feedback in item.options:
                option: dict[str, Any] = {"text": text}
                if correct:
                    option["correct"] = True
                if feedback:
                    option["feedback"] = feedback
                options.append(option)
            question: dict[str, Any] = {"prompt": item.text, "options": options}
            if item.multiple:
                question["multiple"] = True
            step["question"] = question
        steps.append(step)
    return {
        "glowgrove": 1,
        "lesson": slug[:64],
        "title": name[:200] or "Imported quiz",
        "ages": {"min": 8, "max": 12},
        "minutes": max(5, len(steps) * 2),
        "summary": f"Imported from the GIFT quiz bank '{name}'.",
        "objectives": [{"id": "quiz", "text": f"Answer the questions of '{name}'."}],
        "sources": {},
        "steps": steps,
    }


def import_gift(path: Path, output: Path, out: TextIO, err: TextIO) -> int:
    from engine.learn.compiler import compile_lesson_text

    try:
        data = path.read_bytes()[: _MAX_BYTES + 1]
    except OSError as error:
        err.write(f"{path}: cannot read: {error.strerror or error}\n")
        return 1
    if len(data) > _MAX_BYTES:
        err.write(f"{path}: larger than {_MAX_BYTES // (1024 * 1024)} MiB\n")
        return 1
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        err.write(f"{path}: not UTF-8 text\n")
        return 1
    try:
        parse = parse_gift(text)
    except GiftSyntaxError as error:
        err.write(f"{path}:{error.line}:{error.column}: GIFT syntax error: {error.message}\n")
        source_line = (
            text.splitlines()[error.line - 1] if error.line <= text.count("\n") + 1 else ""
        )
        err.write(f"  {error.line} | {source_line}\n")
        err.write(f"  {' ' * len(str(error.line))} | {' ' * (error.column - 1)}^\n")
        return 1
    for line, why in parse.skipped:
        out.write(f"{path}:{line}: not imported: {why}\n")
    if not parse.items:
        err.write(f"{path}: nothing could be imported\n")
        return 1
    lesson = gift_to_lesson(parse, path.stem.replace("_", " ").replace("-", " "))
    written = yaml.safe_dump(lesson, sort_keys=False, allow_unicode=True, width=96)
    header = f"# Imported from {path.name} by 'glowgrove import gift'. Add sources before use.\n"
    result = compile_lesson_text(header + written, str(output))
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    if errors:  # an importer bug, not the teacher's: say so plainly
        err.write(render_diagnostics(errors) + "\n")
        err.write("glowgrove: the imported lesson does not check; please report this\n")
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header + written, encoding="utf-8")
    out.write(f"wrote {output}: {len(parse.items)} item(s), {len(parse.skipped)} not imported\n")
    return 0
