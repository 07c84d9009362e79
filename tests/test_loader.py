"""YAML loading keeps the line and column of every key and item."""

from __future__ import annotations

from pathlib import Path

import pytest

from scgraph.errors import SchemaViolation, YamlSyntaxError
from scgraph.mapping import loader
from scgraph.mapping.loader import load_yaml
from test_bench_generate import generate


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


# libyaml composes the tree when it can; PyYAML's parser must give the very same data, positions
# and problems, which these texts compare (odd spacing, flow collections, Vietnamese text, CRLF,
# anchors, a byte-order mark, a control character, syntax errors).
SAME_EITHER_WAY = [
    "article:\n  label: {vi: 'Đà Nẵng', en: Da Nang}\n  facts:\n    - {prop: a, quote: [x, y]}\n",
    'a: "Thành phố   thông minh\n  trải dài"\nb: |\n  dòng một\n  dòng hai\n',
    "c: >-\n  gấp\n  lại\nd: 'it''s'\n",
    "a: 1\r\nb:\r\n  - x\r\n  - {k: 'Hà Nội', l: [1, 2]}\r\n",
    "x: &anchor {vi: Huế}\ny: *anchor\nz: [ 2020-01-02, 2020-13-45, 0x1F, .inf, ~ ]\n",
    "\ufeffa: 1\nb: [c, d]\n",
    "a: 'bell \x07 here'\n",
    "entities:\n  - id: a\n   label: [\n",
    "a: [1, 2\nb: 3\n",
    "a: b: c\n",
    "- x\n  - y\n",
    "a:\n\t- tab\n",
    "a: 1\nb: 2\na: 3\n",
    "",
    "# only a comment\n",
]


@pytest.mark.parametrize("text", SAME_EITHER_WAY)
def test_libyaml_and_pyyaml_read_alike(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(text.encode("utf-8"))

    def read() -> tuple[object, object, list[str]]:
        loaded, problems = load_yaml(path)
        shape = None if loaded is None else (loaded.data, loaded.positions)
        return shape, type(loaded), [str(p) for p in problems]

    fast = read()
    monkeypatch.setattr(loader, "_FastLoader", None)
    assert fast == read()


def test_seed_and_generated_mappings_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path, 4, seed=0)
    generated = sorted((tmp_path / "mappings").rglob("*.yaml"))
    files = [*sorted(Path("mappings").rglob("*.yaml")), *generated]
    assert len(files) > 8

    def read() -> list[object]:
        return [
            (loaded.data, loaded.positions) if loaded else problems
            for loaded, problems in map(load_yaml, files)
        ]

    fast = read()
    monkeypatch.setattr(loader, "_FastLoader", None)
    assert fast == read()
