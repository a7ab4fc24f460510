"""Garden files: YAML in, a ``GardenSpec`` or compiler-style diagnostics out (E200-E229).

A garden file::

    glowgrove_garden: 1
    id: city_garden
    size: 60            # metres, a square centred on the origin
    plants: 600
    seed: 7
    species: {glowcap: 1, lantern: 1, spire: 0.5, bellflower: 1}
    sources: [{x: 18, y: 22}]
    clearings: [{x: 0, y: 0, radius: 3}]
    paths: [{points: [[-30, -10], [30, -10]], width: 1.5}]

Loading never raises for an author's mistake: every problem is a diagnostic with a position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.content.diagnostics import Diagnostic, did_you_mean, sort_diagnostics
from engine.content.validation import validate_node
from engine.content.yamlsource import YamlNode, load_yaml_bytes, load_yaml_file
from engine.garden.field import free_of
from engine.garden.spec import SPECIES, Clearing, GardenSpec, Path, Source

__all__ = ["GardenLoadResult", "load_garden", "load_garden_text"]

FORMAT_VERSION = 1
MAX_PLANTS = 2_000_000
_MIN_FREE = 0.01  # clearings and paths may cover at most 99% of the garden


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceModel(_Model):
    x: float
    y: float


class ClearingModel(_Model):
    x: float
    y: float
    radius: float = Field(gt=0)


class PathModel(_Model):
    points: list[tuple[float, float]]
    width: float = Field(default=1.5, gt=0)


class GardenFile(_Model):
    glowgrove_garden: int
    id: str
    size: float = Field(gt=0, le=5000)
    plants: int = Field(ge=0)
    seed: int = 1
    species: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(SPECIES, 1.0))
    sources: list[SourceModel] = Field(default_factory=list)
    clearings: list[ClearingModel] = Field(default_factory=list)
    paths: list[PathModel] = Field(default_factory=list)
    chunk_size: float = Field(default=12.0, ge=2, le=100)


@dataclass(frozen=True)
class GardenLoadResult:
    spec: GardenSpec | None
    diagnostics: tuple[Diagnostic, ...]


def load_garden(path: FilePath, display: str | None = None) -> GardenLoadResult:
    loaded = load_yaml_file(path, display)
    return _finish(loaded.root, loaded.diagnostics)


def load_garden_text(text: str, display: str) -> GardenLoadResult:
    loaded = load_yaml_bytes(text.encode("utf-8"), display)
    return _finish(loaded.root, loaded.diagnostics)


def _finish(root: YamlNode | None, found: tuple[Diagnostic, ...]) -> GardenLoadResult:
    diagnostics = list(found)
    if root is None or diagnostics:
        return GardenLoadResult(None, tuple(sort_diagnostics(diagnostics)))
    version = root.items.get("glowgrove_garden") if root.kind == "mapping" else None
    if version is None or version.value != FORMAT_VERSION or isinstance(version.value, bool):
        where = version.span if version is not None else root.span
        diagnostics.append(
            Diagnostic.at(
                "E200",
                "not a garden file of a version this engine reads",
                where,
                helps=[f"start the file with 'glowgrove_garden: {FORMAT_VERSION}'"],
            )
        )
        return GardenLoadResult(None, tuple(diagnostics))
    model, problems = validate_node(GardenFile, root)
    if model is None:
        return GardenLoadResult(None, tuple(sort_diagnostics(problems)))
    diagnostics.extend(_check(model, root))
    if diagnostics:
        return GardenLoadResult(None, tuple(sort_diagnostics(diagnostics)))
    return GardenLoadResult(_spec(model), ())


def _check(model: GardenFile, root: YamlNode) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    species_node = root.items.get("species")
    for name, weight in model.species.items():
        key = species_node.keys[name] if species_node is not None else root
        if name not in SPECIES:
            helps = did_you_mean(name, SPECIES) or [f"species: {', '.join(SPECIES)}"]
            found.append(Diagnostic.at("E201", f"unknown species '{name}'", key.span, helps=helps))
        elif weight < 0:
            value = species_node.items[name] if species_node is not None else root
            found.append(
                Diagnostic.at("E204", f"species '{name}' has a negative share", value.span)
            )
    if model.species and all(w <= 0 for w in model.species.values()) and species_node:
        found.append(
            Diagnostic.at(
                "E204",
                "the species mix has no plant in it",
                species_node.span,
                helps=["give at least one species a share above 0"],
            )
        )
    if model.plants > MAX_PLANTS:
        found.append(
            Diagnostic.at(
                "E203",
                f"{model.plants} plants is more than the engine draws ({MAX_PLANTS})",
                root.items["plants"].span,
                notes=["the renderer is measured up to 1,000,000 plants at 90 Hz"],
            )
        )
    half = model.size / 2
    places: list[tuple[str, int, float, float]] = [
        ("sources", i, s.x, s.y) for i, s in enumerate(model.sources)
    ]
    places += [("clearings", i, c.x, c.y) for i, c in enumerate(model.clearings)]
    for kind, index, x, y in places:
        if abs(x) > half or abs(y) > half:
            node, _ = root.find((kind, index))
            found.append(_outside(kind[:-1], x, y, half, node))
    for index, path in enumerate(model.paths):
        node, _ = root.find(("paths", index, "points"))
        if len(path.points) < 2:
            found.append(
                Diagnostic.at(
                    "E206",
                    "a path needs at least two points",
                    node.span,
                    helps=["write points as [[x1, y1], [x2, y2], ...]"],
                )
            )
        for number, (x, y) in enumerate(path.points):
            if abs(x) > half or abs(y) > half:
                point, _ = root.find(("paths", index, "points", number))
                found.append(_outside("path point", x, y, half, point))
    if not found and model.plants > 0 and _free_fraction(model) < _MIN_FREE:
        found.append(
            Diagnostic.at(
                "E205",
                "clearings and paths leave no room for plants",
                root.items.get("clearings", root.items.get("paths", root)).span,
                notes=[f"less than {_MIN_FREE:.0%} of the garden is free to plant"],
            )
        )
    return found


def _outside(what: str, x: float, y: float, half: float, node: YamlNode) -> Diagnostic:
    return Diagnostic.at(
        "E202",
        f"{what} ({x:g}, {y:g}) is outside the garden",
        node.span,
        notes=[f"the garden spans -{half:g} to {half:g} metres on both axes"],
    )


def _spec(model: GardenFile) -> GardenSpec:
    return GardenSpec(
        size=model.size,
        plants=model.plants,
        seed=model.seed,
        species_mix=tuple(max(0.0, model.species.get(name, 0.0)) for name in SPECIES),
        sources=tuple(Source(s.x, s.y) for s in model.sources),
        clearings=tuple(Clearing(c.x, c.y, c.radius) for c in model.clearings),
        paths=tuple(Path(tuple(p.points), p.width) for p in model.paths),
        chunk_size=model.chunk_size,
    )


def _free_fraction(model: GardenFile) -> float:
    spec = _spec(model)
    rng = np.random.default_rng(0)
    samples = rng.uniform(-model.size / 2, model.size / 2, (4096, 2)).astype(np.float32)
    return float(free_of(samples, spec).mean())


def check_garden_files(paths: list[str]) -> tuple[list[Diagnostic], int]:
    """Diagnostics for every garden file named, and how many were read."""
    diagnostics: list[Diagnostic] = []
    for name in paths:
        diagnostics.extend(load_garden(FilePath(name), display=name).diagnostics)
    return sort_diagnostics(diagnostics), len(paths)
