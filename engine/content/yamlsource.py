"""Safe YAML loading that keeps source positions.

libyaml's event stream is composed here (iteratively) into :class:`YamlNode` trees, so we
can refuse anchors/aliases (no "billion laughs"), bound nesting depth and file size, report
duplicate keys, and point every later diagnostic at the exact line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from engine.content.diagnostics import Diagnostic, SourceFile, Span

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "LoadedYaml",
    "YamlNode",
    "load_yaml_bytes",
    "load_yaml_file",
]

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64

NodeKind = Literal["scalar", "mapping", "sequence"]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER: Any = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR_TAG = "tag:yaml.org,2002:str"
_ALLOWED_TAGS = {
    _STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}


@dataclass(slots=True, eq=False)
class YamlNode:
    """One YAML node with its position (1-based line/column; end column exclusive)."""

    kind: NodeKind
    source: SourceFile
    line: int
    column: int
    end_line: int
    end_column: int
    value: Any = None  # scalars: str, int, float, bool or None
    text: str = ""  # scalars: the text as written (keys are names, so 'yes:' stays 'yes')
    quoted: bool = False
    items: dict[str, YamlNode] = field(default_factory=dict)
    keys: dict[str, YamlNode] = field(default_factory=dict)
    elements: list[YamlNode] = field(default_factory=list)

    @property
    def span(self) -> Span:
        end = self.end_column if self.end_line == self.line else None
        return Span(self.source, self.line, self.column, end)

    def to_plain(self) -> Any:
        """Plain Python data (dicts, lists, scalars) for validation."""
        if self.kind == "mapping":
            return {key: node.to_plain() for key, node in self.items.items()}
        if self.kind == "sequence":
            return [node.to_plain() for node in self.elements]
        return self.value

    def find(self, location: tuple[int | str, ...]) -> tuple[YamlNode, bool]:
        """The deepest node along ``location``; the flag says whether all of it was found."""
        node = self
        for part in location:
            if node.kind == "mapping" and isinstance(part, str) and part in node.items:
                node = node.items[part]
            elif node.kind == "sequence" and isinstance(part, int) and part < len(node.elements):
                node = node.elements[part]
            else:
                return node, False
        return node, True

    def value_offset_span(self, start: int, end: int) -> Span:
        """A span inside a one-line scalar, from character offsets in its value."""
        if self.kind != "scalar" or self.end_line != self.line or not isinstance(self.value, str):
            return self.span
        opening = 1 if self.quoted else 0
        raw_width = self.end_column - self.column - 2 * opening
        if raw_width != len(self.value):  # escapes changed the width; point at the whole node
            return self.span
        column = self.column + opening + start
        return Span(self.source, self.line, column, self.column + opening + max(end, start + 1))


@dataclass(frozen=True)
class LoadedYaml:
    source: SourceFile | None
    root: YamlNode | None
    diagnostics: tuple[Diagnostic, ...]


class _Refusal(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def load_yaml_file(path: Path, display: str | None = None) -> LoadedYaml:
    """Read and parse one file; every problem becomes a diagnostic, never an exception."""
    shown = display if display is not None else str(path)
    empty = SourceFile(shown, "")
    try:
        if path.is_dir():
            return _fail(empty, "E001", "is a directory, not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return _fail(empty, "E001", "file not found")
    except OSError as error:
        return _fail(empty, "E001", f"cannot read file: {error.strerror or error}")
    return load_yaml_bytes(data, shown)


def load_yaml_bytes(data: bytes, display: str) -> LoadedYaml:
    empty = SourceFile(display, "")
    if len(data) > MAX_FILE_BYTES:
        return _fail(
            empty,
            "E004",
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            helps=["split the narrative into several files with 'includes:'"],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        source = SourceFile(display, data.decode("utf-8", errors="replace"))
        diagnostic = Diagnostic.at(
            "E001",
            f"file is not UTF-8 text (byte 0x{data[error.start]:02x})",
            Span(source, line, column),
            helps=["save the file as UTF-8 text"],
        )
        return LoadedYaml(source, None, (diagnostic,))
    if text.startswith("\ufeff"):
        text = text[1:]
    source = SourceFile(display, text)
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        diagnostic = Diagnostic.at(
            "E001", "file contains a NUL byte: it is binary, not text", Span(source, line, column)
        )
        return LoadedYaml(source, None, (diagnostic,))
    if not text.strip():
        return _fail(source, "E002", "file is empty", helps=["start the file with 'glowgrove: 1'"])
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return _fail(
            source, "E002", "file has only comments", helps=["start the file with 'glowgrove: 1'"]
        )
    try:
        root, duplicates = _compose(text, source)
    except _Refusal as refusal:
        return LoadedYaml(source, None, (refusal.diagnostic,))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        context = error.context or ""
        if "quoted scalar" in context and error.context_mark is not None:
            # libyaml reports the end of the file; the opening quote is what to fix.
            mark = error.context_mark
            problem = "this quoted text is never closed"
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        if "nesting depth" in problem:  # libyaml's own limit, deeper than ours
            diagnostic = Diagnostic.at(
                "E005",
                f"YAML is nested more than {MAX_DEPTH} levels deep",
                Span(source, line, column),
            )
            return LoadedYaml(source, None, (diagnostic,))
        diagnostic = Diagnostic.at(
            "E003",
            f"YAML syntax error: {problem}",
            Span(source, line, column),
            helps=_yaml_help(problem),
        )
        return LoadedYaml(source, None, (diagnostic,))
    except yaml.YAMLError as error:
        diagnostic = Diagnostic.at("E003", f"YAML syntax error: {error}", Span(source, 1, 1))
        return LoadedYaml(source, None, (diagnostic,))
    if root is None:
        return _fail(source, "E002", "file is empty", helps=["start the file with 'glowgrove: 1'"])
    return LoadedYaml(source, root, tuple(duplicates))


def _yaml_help(problem: str) -> list[str]:
    if "tab" in problem or "\t" in problem:
        return ["indent with spaces, not tabs"]
    if "mapping values are not allowed" in problem:
        return ["put quotes around text that contains ': '"]
    if "never closed" in problem:
        return ["end the text with the same quote mark it starts with"]
    if "expected key" in problem or "expected <block end>" in problem:
        return ["check the indentation: keys of one mapping start in the same column"]
    return []


def _fail(
    source: SourceFile, code: str, message: str, helps: list[str] | None = None
) -> LoadedYaml:
    return LoadedYaml(
        source, None, (Diagnostic.at(code, message, Span(source, 1, 1), helps=helps or []),)
    )


def _node_at(kind: NodeKind, source: SourceFile, event: Any) -> YamlNode:
    start, end = event.start_mark, event.end_mark
    return YamlNode(kind, source, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _scalar(event: Any, source: SourceFile) -> YamlNode:
    node = _node_at("scalar", source, event)
    node.quoted = event.style in ("'", '"')
    node.text = event.value
    tag = event.tag
    _check_tag(tag, node)
    if tag is None or tag == "!":
        node.value = _plain_value(event.value) if event.implicit[0] else event.value
    else:
        node.value = _construct(tag, event.value)
    if event.anchor:
        _refuse_anchor(event.anchor, node)
    return node


@lru_cache(maxsize=8192)
def _plain_value(text: str) -> Any:
    """The value of an unquoted scalar (YAML 1.1 rules, as PyYAML's safe loader)."""
    return _construct(_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)), text)


def _construct(tag: str, text: str) -> Any:
    if tag == _STR_TAG:
        return text
    scalar = yaml.ScalarNode(tag, text)
    if tag == "tag:yaml.org,2002:bool":
        return _CONSTRUCTOR.construct_yaml_bool(scalar)
    if tag == "tag:yaml.org,2002:int":
        return _CONSTRUCTOR.construct_yaml_int(scalar)
    if tag == "tag:yaml.org,2002:float":
        return _CONSTRUCTOR.construct_yaml_float(scalar)
    if tag == "tag:yaml.org,2002:null":
        return None
    return text  # strings, and timestamps kept as text


def _compose(text: str, source: SourceFile) -> tuple[YamlNode | None, list[Diagnostic]]:
    """Build the node tree from parser events without recursion."""
    duplicates: list[Diagnostic] = []
    stack: list[tuple[YamlNode, YamlNode | None]] = []  # (collection, pending key node)
    root: YamlNode | None = None
    documents = 0
    event: Any
    for event in yaml.parse(text, Loader=_Loader):
        event_type = type(event)
        node: YamlNode
        if event_type is yaml.ScalarEvent:
            node = _scalar(event, source)
        elif event_type is yaml.MappingStartEvent or event_type is yaml.SequenceStartEvent:
            kind: NodeKind = "mapping" if event_type is yaml.MappingStartEvent else "sequence"
            collection = _node_at(kind, source, event)
            if len(stack) >= MAX_DEPTH:
                raise _Refusal(
                    Diagnostic.at(
                        "E005",
                        f"YAML is nested more than {MAX_DEPTH} levels deep",
                        collection.span,
                    )
                )
            if event.anchor:
                _refuse_anchor(event.anchor, collection)
            _check_tag(event.tag, collection)
            stack.append((collection, None))
            continue
        elif event_type is yaml.MappingEndEvent or event_type is yaml.SequenceEndEvent:
            node, _ = stack.pop()
            end: Any = event.end_mark
            node.end_line = end.line + 1
            node.end_column = end.column + 1
        elif event_type is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                span = _mark_span(source, event.start_mark)
                raise _Refusal(
                    Diagnostic.at(
                        "E003",
                        "YAML syntax error: a narrative file holds one document",
                        span,
                        helps=["remove the '---' separator or split the file"],
                    )
                )
            continue
        elif event_type is yaml.AliasEvent:
            span = _mark_span(source, event.start_mark)
            raise _Refusal(
                Diagnostic.at(
                    "E006",
                    f"YAML alias '*{event.anchor}' is not allowed",
                    span,
                    helps=["write the value out in full; anchors and aliases are not supported"],
                )
            )
        else:
            continue
        if not stack:
            root = node
            continue
        parent, pending_key = stack[-1]
        if parent.kind == "sequence":
            parent.elements.append(node)
        elif pending_key is None:
            if node.kind != "scalar" or not node.text:
                raise _Refusal(
                    Diagnostic.at("E012", "a mapping key must be a plain name", node.span)
                )
            stack[-1] = (parent, node)
        else:
            key = pending_key.text
            if key in parent.items:
                first = parent.keys[key]
                duplicates.append(
                    Diagnostic.at(
                        "E008",
                        f"duplicate key '{key}'",
                        pending_key.span,
                        notes=[f"first defined at line {first.line}, column {first.column}"],
                    )
                )
            else:
                parent.items[key] = node
                parent.keys[key] = pending_key
            stack[-1] = (parent, None)
    return root, duplicates


def _mark_span(source: SourceFile, mark: Any) -> Span:
    return Span(source, mark.line + 1, mark.column + 1)


def _check_tag(tag: str | None, node: YamlNode) -> None:
    if tag is None or tag == "!" or tag in _ALLOWED_TAGS:
        return
    written = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:") else tag
    raise _Refusal(
        Diagnostic.at(
            "E003",
            f"YAML tag '{written}' is not allowed",
            node.span,
            helps=["remove the tag: narratives hold plain text, numbers, lists and mappings"],
        )
    )


def _refuse_anchor(anchor: str, node: YamlNode) -> None:
    raise _Refusal(
        Diagnostic.at(
            "E006",
            f"YAML anchor '&{anchor}' is not allowed",
            node.span,
            helps=["write the value out in full; anchors and aliases are not supported"],
        )
    )
