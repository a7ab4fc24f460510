"""Malformed and hostile files: a clear diagnostic and exit 1, never a traceback or a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import TemplateRenderError
from engine.text.templates import render_template

HEADER = "glowgrove: 1\nid: t\ntitle: T\nstart: a\n"


def check(path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real command in a fresh process, as an educator would."""
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"error[{code}]" in result.stdout, result.stdout


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 40)
    assert_clean_failure(check(path), "E001")


def test_fifty_megabyte_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(HEADER.encode())
        handle.seek(50 * 1024 * 1024)
        handle.write(b"# end\n")
    result = check(path, timeout=30)
    assert_clean_failure(result, "E004")
    assert "larger than 4 MiB" in result.stdout


def test_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(HEADER + "scenes: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert_clean_failure(check(path), "E005")


def test_deep_block_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep_block.yaml"
    lines = [f"{' ' * level}k{level}:" for level in range(300)]
    path.write_text(HEADER + "tags:\n" + "\n".join(" " + line for line in lines) + " x\n")
    assert_clean_failure(check(path), "E005")


def test_billion_laughs(tmp_path: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        prev, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text(HEADER + "\n".join(levels) + "\n")
    result = check(path, timeout=30)
    assert_clean_failure(result, "E006")


def test_template_attacks_are_compile_errors(tmp_path: Path) -> None:
    attacks = [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{% for i in range(1000000000) %}x{% endfor %}",
        "{{ lipsum.__globals__ }}",
        "{{ 'a' * 10 ** 9 }}",
    ]
    for index, attack in enumerate(attacks):
        path = tmp_path / f"attack{index}.yaml"
        body = f'scenes:\n  a:\n    body:\n      - say: "{attack}"\n      - end: e\n'
        path.write_text(HEADER + "endings: {e: {title: E}}\n" + body)
        result = check(path)
        assert_clean_failure(result, "E031")
        assert "root:" not in result.stdout  # nothing from /etc/passwd leaks into messages


def test_sandbox_holds_at_run_time_too() -> None:
    with pytest.raises(TemplateRenderError):
        render_template("{{ ''.__class__ }}", {})
    with pytest.raises(TemplateRenderError):
        render_template("{% include '/etc/passwd' %}", {})
    with pytest.raises(TemplateRenderError):
        render_template("{{ 'a' * 100000 }}", {})
    with pytest.raises(TemplateRenderError):
        render_template("{{ x }}", {})  # StrictUndefined
    with pytest.raises(TemplateRenderError, match="longer than"):
        render_template("{{ t }}{{ t }}", {"t": "x" * 600})


def test_include_cannot_escape_the_narrative_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("glowgrove: 1\npart: true\n")
    story_dir = tmp_path / "story"
    story_dir.mkdir()
    (story_dir / "link.yaml").symlink_to(secret)
    for include in ("../secret.yaml", "/etc/passwd", "link.yaml"):
        path = story_dir / "main.yaml"
        scenes = "scenes: {a: {body: [{say: hi}]}}\n"
        path.write_text(HEADER + f"includes: ['{include}']\n" + scenes)
        result = check(path)
        assert_clean_failure(result, "E043")


def test_unreadable_inputs(tmp_path: Path) -> None:
    assert_clean_failure(check(tmp_path / "missing.yaml"), "E001")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    (folder / "inner.txt").write_text("not yaml")
    result = check(folder)  # a folder with no narratives in it: nothing to check
    assert result.returncode == 0


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any file, so the refusal is made by the operating-system call itself."""
    from engine.content.yamlsource import load_yaml_file

    path = tmp_path / "secret.yaml"
    path.write_text(HEADER)
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refuse)
    loaded = load_yaml_file(path, "secret.yaml")
    assert [d.headline() for d in loaded.diagnostics] == [
        "secret.yaml:1:1: error[E001]: cannot read file: Permission denied"
    ]
