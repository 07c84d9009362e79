"""Random mutations of a valid mapping build, or fail with `path:line:col: message`: no traceback.

Each example rewrites tests/data/mini/articles/a1.yaml in a copy of the miniature project, by
editing its parsed data (delete, retype or swap values) or its text (truncate, insert unicode,
duplicate a line), then runs the checks and, when they pass, the whole validation.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scgraph.errors import BuildFailed, MappingError
from scgraph.mapping.checks import check_project
from scgraph.ontology import Ontology, load_ontology
from scgraph.pipeline import validate_project
from scgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"
ORIGINAL = (MINI / "articles" / "a1.yaml").read_text(encoding="utf-8")
PROBLEM_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<reason>.+)$", re.DOTALL)

# Values of every YAML type, and text with markup, RTL, combining marks, controls and astral planes.
ODD_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=12
) | st.sampled_from(["<b>", "\u202e", "ع", "e\u0301\u0301", "\x00", "\t", "🏙", ": x", "- ", "{"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    ODD_TEXT,
)
VALUES = st.one_of(
    SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(ODD_TEXT, SCALARS, max_size=2)
)


def _places(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside the parsed mapping."""
    found = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*at, index))
    return found


def _parent(data: Any, at: tuple[Any, ...]) -> Any:
    for key in at[:-1]:
        data = data[key]
    return data


@st.composite
def data_mutation(draw: st.DrawFn) -> str:
    """The mapping with one to three of its values deleted, retyped, renamed or swapped."""
    data = yaml.safe_load(ORIGINAL)
    for _ in range(draw(st.integers(1, 3))):
        places = _places(data)
        if not places:
            break
        at = draw(st.sampled_from(places))
        parent = _parent(data, at)
        action = draw(st.sampled_from(["delete", "retype", "rename", "swap", "insert"]))
        if action == "delete":
            del parent[at[-1]]
        elif action == "retype":
            parent[at[-1]] = draw(VALUES)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(ODD_TEXT)] = parent.pop(at[-1])
        elif action == "swap":
            other = draw(st.sampled_from(places))
            other_parent = _parent(data, other)
            if other[: len(at)] != at and at[: len(other)] != other:
                parent[at[-1]], other_parent[other[-1]] = other_parent[other[-1]], parent[at[-1]]
        elif action == "insert" and isinstance(parent[at[-1]], str):
            text: str = parent[at[-1]]
            cut = draw(st.integers(0, len(text)))
            parent[at[-1]] = text[:cut] + draw(ODD_TEXT) + text[cut:]
    dumped: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return dumped


@st.composite
def text_mutation(draw: st.DrawFn) -> str:
    """The mapping's text cut short, with unicode inserted, or with a line (a key) repeated."""
    text = ORIGINAL
    action = draw(st.sampled_from(["truncate", "insert", "duplicate"]))
    if action == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if action == "insert":
        cut = draw(st.integers(0, len(text)))
        return text[:cut] + draw(ODD_TEXT) + text[cut:]
    lines = text.splitlines(keepends=True)
    index = draw(st.integers(0, len(lines) - 1))
    return "".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return load_ontology(ROOT / "ontology" / "scgraph.ttl")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the miniature project whose a1.yaml each example overwrites."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(MINI, root / "mappings")
    return Settings(
        mappings_dir=root / "mappings", ontology_dir=ROOT / "ontology", data_dir=root / "var"
    )


def _assert_located(error: BuildFailed, mutated: Path, text: str) -> None:
    assert error.problems
    for problem in error.problems:
        assert isinstance(problem, MappingError)
        match = PROBLEM_LINE.match(str(problem))
        assert match, str(problem)
        assert Path(match["path"]) == problem.path
        assert match["reason"].strip()
        if problem.path == mutated:
            # A place in the file as it was written (one line past the end for a cut-off file).
            assert 1 <= problem.line <= text.count("\n") + 2, str(problem)
            assert problem.column >= 1, str(problem)


@given(text=st.one_of(data_mutation(), text_mutation()))
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,  # the same 60 mutations every run: a red build is never luck
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_mutated_mapping_builds_or_fails_at_a_place(
    text: str, project: Settings, ontology: Ontology
) -> None:
    mutated = project.mappings_dir / "articles" / "a1.yaml"
    mutated.write_text(text, encoding="utf-8")
    try:
        check_project(project.mappings_dir, ontology)
        validate_project(project)
    except BuildFailed as error:
        _assert_located(error, mutated, text)


def test_the_unmutated_mapping_builds(project: Settings) -> None:
    (project.mappings_dir / "articles" / "a1.yaml").write_text(ORIGINAL, encoding="utf-8")
    assert validate_project(project).quads


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        # Each of these once escaped the checks as a PyYAML traceback.
        ("article:\n  label: x\x00y\n", 2, 11, "character #x0000 is not allowed in YAML"),
        ("article:\n  date: 2020-13-45\n", 2, 9, "cannot read this value: month must be in"),
        ("article:\n  n: !!int 1.5\n", 2, 6, "cannot read this value: invalid literal for int"),
    ],
)
def test_unreadable_yaml_is_reported_at_its_place(
    text: str, line: int, column: int, reason: str, project: Settings, ontology: Ontology
) -> None:
    mutated = project.mappings_dir / "articles" / "a1.yaml"
    mutated.write_text(text, encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        check_project(project.mappings_dir, ontology)
    located = [(p.path, p.line, p.column) for p in failed.value.problems if reason in p.reason]
    assert located == [(mutated, line, column)]
