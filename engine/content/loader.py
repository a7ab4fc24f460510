"""Load a narrative file and the files it includes, as validated models with their nodes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.content.diagnostics import Diagnostic, SourceFile, Span, did_you_mean
from engine.content.models import FORMAT_VERSION, NarrativeFile
from engine.content.validation import validate_node
from engine.content.yamlsource import YamlNode, load_yaml_bytes, load_yaml_file

__all__ = ["LoadResult", "LoadedFile", "load_narrative", "load_narrative_text"]


@dataclass(frozen=True)
class LoadedFile:
    display: str
    root: YamlNode
    model: NarrativeFile


@dataclass(frozen=True)
class LoadResult:
    files: tuple[LoadedFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    paths: tuple[str, ...]  # every file read, for watchers and tools


def load_narrative(path: Path, display: str | None = None) -> LoadResult:
    """Load ``path`` and, recursively, its includes (confined to its folder)."""
    shown = display if display is not None else str(path)
    resolved = _resolve(path)
    if resolved is None:
        problem = Diagnostic.at(
            "E001",
            "cannot read file: its path is a loop of symbolic links",
            Span(SourceFile(shown, ""), 1, 1),
        )
        return LoadResult((), (problem,), (shown,))
    loader = _Loader(resolved.parent, os.path.dirname(shown) or ".")
    loader.load(path, shown, is_part=False, chain=())
    return LoadResult(tuple(loader.files), tuple(loader.diagnostics), tuple(loader.paths))


def _resolve(path: Path) -> Path | None:
    """The real path, or None for a symbolic link loop (which resolve() raises on)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def load_narrative_text(text: str, display: str) -> LoadResult:
    """Load a narrative from text (tests, benchmarks); includes are not allowed."""
    loader = _Loader(None, ".")
    loaded = load_yaml_bytes(text.encode("utf-8"), display)
    loader.accept(loaded.root, list(loaded.diagnostics), display, None, is_part=False, chain=())
    return LoadResult(tuple(loader.files), tuple(loader.diagnostics), ())


class _Loader:
    def __init__(self, base: Path | None, base_display: str) -> None:
        self.base = base
        self.base_display = base_display
        self.files: list[LoadedFile] = []
        self.diagnostics: list[Diagnostic] = []
        self.paths: list[str] = []
        self.seen: set[Path] = set()

    def load(self, path: Path, display: str, *, is_part: bool, chain: tuple[Path, ...]) -> None:
        resolved = _resolve(path) or path
        self.seen.add(resolved)
        self.paths.append(display)
        loaded = load_yaml_file(path, display)
        self.accept(
            loaded.root, list(loaded.diagnostics), display, resolved, is_part=is_part, chain=chain
        )

    def accept(
        self,
        root: YamlNode | None,
        diagnostics: list[Diagnostic],
        display: str,
        resolved: Path | None,
        *,
        is_part: bool,
        chain: tuple[Path, ...],
    ) -> None:
        self.diagnostics.extend(diagnostics)
        if root is None:
            return
        if root.kind != "mapping":
            self.diagnostics.append(
                Diagnostic.at(
                    "E012",
                    "a narrative file must be a mapping of keys such as 'glowgrove:' and 'scenes:'",
                    root.span,
                )
            )
            return
        if not self._version_ok(root):
            return
        model, problems = validate_node(NarrativeFile, root)
        self.diagnostics.extend(problems)
        if model is None:
            return
        self._check_role(root, model, is_part)
        self.files.append(LoadedFile(display, root, model))
        includes = root.items.get("includes")
        if includes is None:
            return
        for index, name in enumerate(model.includes):
            node = includes.elements[index]
            self._include(name, node, display, resolved, chain)

    def _version_ok(self, root: YamlNode) -> bool:
        node = root.items.get("glowgrove")
        if node is None:
            self.diagnostics.append(
                Diagnostic.at(
                    "E007",
                    "missing format version",
                    root.span,
                    helps=[f"add 'glowgrove: {FORMAT_VERSION}' as the first key of the file"],
                )
            )
            return False
        if node.kind == "scalar" and node.quoted and node.text == str(FORMAT_VERSION):
            self.diagnostics.append(
                Diagnostic.at(
                    "E007",
                    "the format version must be a number, not text",
                    node.span,
                    helps=[f"write 'glowgrove: {FORMAT_VERSION}' without quotes"],
                )
            )
            return False
        if node.value != FORMAT_VERSION or isinstance(node.value, bool):
            written = node.text if node.kind == "scalar" else f"a {node.kind}"
            self.diagnostics.append(
                Diagnostic.at(
                    "E007",
                    f"unsupported format version '{written}'",
                    node.span,
                    notes=[f"this Glowgrove reads format version {FORMAT_VERSION}"],
                    helps=[f"write 'glowgrove: {FORMAT_VERSION}'"],
                )
            )
            return False
        return True

    def _check_role(self, root: YamlNode, model: NarrativeFile, is_part: bool) -> None:
        if is_part and not model.part:
            self.diagnostics.append(
                Diagnostic.at(
                    "E013",
                    "an included file must say 'part: true'",
                    root.keys["glowgrove"].span,
                    helps=["add 'part: true' under 'glowgrove: 1'"],
                )
            )
        if not is_part and model.part:
            self.diagnostics.append(
                Diagnostic.at(
                    "E013",
                    "this file is a part of a narrative, not a whole one",
                    root.keys["part"].span,
                    helps=["check or play the narrative file that includes it"],
                )
            )
        if is_part or model.part:
            for key in ("id", "title", "start"):
                if key in root.keys:
                    self.diagnostics.append(
                        Diagnostic.at(
                            "E010",
                            f"'{key}' belongs in the main narrative file, not in a part",
                            root.keys[key].span,
                        )
                    )
            return
        for key in ("id", "title", "start"):
            if key not in root.keys:
                self.diagnostics.append(
                    Diagnostic.at(
                        "E011", f"missing required key '{key}'", root.keys["glowgrove"].span
                    )
                )

    def _include(
        self,
        name: str,
        node: YamlNode,
        display: str,
        resolved: Path | None,
        chain: tuple[Path, ...],
    ) -> None:
        if self.base is None or resolved is None:
            self.diagnostics.append(
                Diagnostic.at("E042", "includes need a narrative file on disk", node.span)
            )
            return
        if os.path.isabs(name) or name.startswith("~"):
            self.diagnostics.append(
                Diagnostic.at(
                    "E043",
                    f"include '{name}' is an absolute path",
                    node.span,
                    helps=["write the path relative to this file, inside the narrative's folder"],
                )
            )
            return
        target = _resolve(resolved.parent / name)
        if target is None:
            self.diagnostics.append(
                Diagnostic.at(
                    "E042", f"included file '{name}' is a loop of symbolic links", node.span
                )
            )
            return
        if not target.is_relative_to(self.base):
            self.diagnostics.append(
                Diagnostic.at(
                    "E043",
                    f"include '{name}' points outside the narrative's folder",
                    node.span,
                    notes=[f"included files must be inside {self.base_display}/"],
                )
            )
            return
        if target == resolved or target in chain:
            loop = [*chain, resolved, target]
            start = loop.index(target)
            names = " -> ".join(p.name for p in loop[start:])
            self.diagnostics.append(
                Diagnostic.at("E044", f"include '{name}' makes a cycle: {names}", node.span)
            )
            return
        if not target.is_file():
            folder = target.parent
            siblings = [p.name for p in folder.glob("*.y*ml")] if folder.is_dir() else []
            prefix = os.path.dirname(name)
            helps = [
                text.replace("'", f"'{prefix}/", 1) if prefix else text
                for text in did_you_mean(os.path.basename(name), siblings)
            ]
            self.diagnostics.append(
                Diagnostic.at("E042", f"included file '{name}' not found", node.span, helps=helps)
            )
            return
        if target in self.seen:
            return  # included twice through different files: merge once
        shown = os.path.normpath(os.path.join(os.path.dirname(display), name))
        self.load(target, shown, is_part=True, chain=(*chain, resolved))
