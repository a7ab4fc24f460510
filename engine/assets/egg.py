"""Write solids as a Panda3D .egg file: plain text, readable, and the same bytes every build."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.assets.shapes import Color, Solid

__all__ = ["Part", "egg_text"]


@dataclass(frozen=True)
class Part:
    """One named piece of a prop; a part with ``glow`` gives off its own light (emission)."""

    name: str
    solid: Solid
    glow: Color | None = None


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _numbers(values: Iterable[float]) -> str:
    return " ".join(_number(float(v)) for v in values)


def egg_text(name: str, comment: str, parts: list[Part]) -> str:
    lines = [
        "<CoordinateSystem> { Z-up }",
        f'<Comment> {{ "{comment}" }}',
    ]
    for part in parts:
        if part.glow is not None:
            red, green, blue, _ = part.glow
            lines += [
                f"<Material> {part.name}-glow {{",
                f"  <Scalar> emitr {{ {_number(red)} }}",
                f"  <Scalar> emitg {{ {_number(green)} }}",
                f"  <Scalar> emitb {{ {_number(blue)} }}",
                "}",
            ]
    lines.append(f"<Group> {name} {{")
    for part in parts:
        lines += _part(part)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _part(part: Part) -> list[str]:
    solid = part.solid
    pool = f"{part.name}-vertices"
    lines = [f"  <Group> {part.name} {{", f"    <VertexPool> {pool} {{"]
    for index, (position, normal, color) in enumerate(
        zip(solid.positions, solid.normals, solid.colors, strict=True)
    ):
        lines.append(
            f"      <Vertex> {index} {{ {_numbers(position)} "
            f"<Normal> {{ {_numbers(normal)} }} <RGBA> {{ {_numbers(color)} }} }}"
        )
    lines.append("    }")
    material = f"<MRef> {{ {part.name}-glow }} " if part.glow is not None else ""
    for triangle in solid.triangles:
        refs = f"<VertexRef> {{ {_numbers(triangle)} <Ref> {{ {pool} }} }}"
        lines.append(f"    <Polygon> {{ {material}{refs} }}")
    lines.append("  }")
    return lines
