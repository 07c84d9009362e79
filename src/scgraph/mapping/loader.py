"""Read a YAML mapping file into plain Python data, remembering where every value stood.

PyYAML's composed node tree carries marks; we walk it ourselves so that every path into the data
(`("entities", 3, "facts", 0, "quote")`) maps to the line and column a person would point at.
libyaml composes the tree about ten times faster than PyYAML's pure-Python parser, with the same
marks; the pure-Python parser still reads anything libyaml rejects, so that syntax errors keep
PyYAML's wording and positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scgraph.errors import DuplicateId, MappingError, SchemaViolation, YamlSyntaxError

DataPath = tuple[str | int, ...]


@dataclass
class LoadedYaml:
    """A parsed file: its data and the (line, column) of every key or item, both 1-based."""

    path: Path
    data: Any
    positions: dict[DataPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, at: DataPath) -> tuple[int, int]:
        """The position of `at`, or of its nearest recorded parent."""
        for length in range(len(at), -1, -1):
            found = self.positions.get(at[:length])
            if found is not None:
                return found
        return (1, 1)

    def error(self, kind: type[MappingError], at: DataPath, reason: str) -> MappingError:
        line, column = self.where(at)
        return kind(self.path, line, column, reason)


try:
    from yaml import CSafeLoader as _FastLoader
except ImportError:  # pragma: no cover - libyaml is part of the usual PyYAML wheels
    _FastLoader = None  # type: ignore[assignment,misc]


class _Constructor(yaml.SafeLoader):
    """Builds scalars with YAML's safe rules; we build the collections ourselves."""


def load_yaml(path: Path) -> tuple[LoadedYaml | None, list[MappingError]]:
    """Parse `path`. On a syntax error, returns None and the error with its line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [YamlSyntaxError(path, 1, 1, f"cannot read file: {error}")]
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(part for part in (error.context, error.problem) if part)
        return None, [YamlSyntaxError(path, line, column, f"YAML syntax error: {reason}")]
    except yaml.reader.ReaderError as error:
        # A character YAML forbids (NUL, most controls): unmarked, only an offset into the text.
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        reason = f"YAML syntax error: character #x{error.character:04x} is not allowed in YAML"
        return None, [YamlSyntaxError(path, line, column, reason)]
    loaded = LoadedYaml(path=path, data=None)
    problems: list[MappingError] = []
    if node is not None:
        constructor = _Constructor("")
        loaded.data = _to_python(node, (), loaded, constructor, problems)
    return loaded, problems


def _compose(text: str) -> yaml.Node | None:
    """The node tree of `text`, by libyaml when it can read it alone, else by PyYAML (whose
    errors the loader reports). libyaml counts a leading byte-order mark out of the columns and
    PyYAML counts it in, and the two check unprintable characters differently: such texts go to
    PyYAML only."""
    plain = not text.startswith("\ufeff") and not yaml.reader.Reader.NON_PRINTABLE.search(text)
    if _FastLoader is not None and plain:
        try:
            return yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError:
            pass  # read again below, for PyYAML's message and position
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _to_python(
    node: yaml.Node,
    at: DataPath,
    loaded: LoadedYaml,
    constructor: _Constructor,
    problems: list[MappingError],
) -> Any:
    loaded.positions.setdefault(at, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loaded, constructor, problems)
            if not isinstance(key, str):
                key = str(key)
            here = (*at, key)
            if key in result:
                first_line = loaded.positions[here][0]
                kind = DuplicateId if key == "id" else SchemaViolation
                reason = f"key '{key}' appears twice in one mapping (first at line {first_line})"
                line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                problems.append(kind(loaded.path, line, column, reason))
                continue
            # Point at the key, where a person reads "unknown field" or "bad value".
            loaded.positions[here] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _to_python(value_node, here, loaded, constructor, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*at, index), loaded, constructor, problems)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node, loaded, constructor, problems)


def _scalar(
    node: yaml.Node, loaded: LoadedYaml, constructor: _Constructor, problems: list[MappingError]
) -> Any:
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as error:
        detail = error.problem or "unknown tag"
    except (ValueError, OverflowError) as error:
        # YAML reads `2020-13-45` as a date and fails on it; say where, as for any bad value.
        detail = str(error)
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    problems.append(SchemaViolation(loaded.path, line, column, f"cannot read this value: {detail}"))
    return None
