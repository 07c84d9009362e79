"""The README stays true: its CLI reference is generated and current, every command documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from scgraph.cli import app

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"


def test_readme_cli_reference_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(README)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, "README is out of date: run `.venv/bin/cog -r README.md`"


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in group.commands:  # type: ignore[attr-defined]
        assert f"### `scgraph {name}`" in text


def test_the_two_commands_are_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make serve" in text and "make test" in text


def test_every_setting_is_documented() -> None:
    from scgraph.settings import Settings

    text = README.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`SCGRAPH_{name.upper()}`" in text
        assert field.description, f"setting {name} has no docstring"
