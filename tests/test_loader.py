"""YAML loading keeps the line and column of every key and item."""

from __future__ import annotations

from pathlib import Path

from scgraph.errors import SchemaViolation, YamlSyntaxError
from scgraph.mapping.loader import load_yaml


def test_positions_point_at_keys_and_items(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("entities:\n  - id: a\n    label: {vi: A}\n  - id: b\n", encoding="utf-8")
    loaded, problems = load_yaml(path)
    assert problems == []
    assert loaded is not None
    assert loaded.data == {"entities": [{"id": "a", "label": {"vi": "A"}}, {"id": "b"}]}
    assert loaded.where(("entities", 0, "id")) == (2, 5)
    assert loaded.where(("entities", 0, "label", "vi")) == (3, 13)
    assert loaded.where(("entities", 1)) == (4, 5)
    # An unknown path falls back to its nearest known parent.
    assert loaded.where(("entities", 1, "facts", 3)) == (4, 5)


def test_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("entities:\n  - id: a\n   label: [\n", encoding="utf-8")
    loaded, problems = load_yaml(path)
    assert loaded is None
    assert len(problems) == 1
    assert isinstance(problems[0], YamlSyntaxError)
    assert problems[0].line == 3
    assert str(problems[0]).startswith(f"{path}:3:")


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    loaded, problems = load_yaml(path)
    assert loaded is not None
    assert [(type(p), p.line) for p in problems] == [(SchemaViolation, 3)]
    assert "appears twice" in problems[0].reason
