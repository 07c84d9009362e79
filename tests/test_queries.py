"""The example queries in queries/: each gives its expected answer on the real build, and together
they cover every article and every class the build instantiates."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from scgraph.queries import ExampleQuery, canonical, load_examples, read_expected
from scgraph.settings import Settings
from scgraph.store import open_store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = load_examples(ROOT / "queries")
SC = "https://scgraph.org/ontology#"


@pytest.fixture(scope="module")
def store(built: Settings) -> ox.Store:
    return open_store(built.data_dir)


def _select_column(store: ox.Store, query: str, name: str) -> list[str]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    values = []
    for row in result:
        term = row[name]
        assert isinstance(term, ox.NamedNode)
        values.append(term.value)
    return values


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_gives_expected_answer(store: ox.Store, example: ExampleQuery) -> None:
    result = store.query(example.text)
    assert canonical(result, example.is_ordered) == read_expected(example)


def test_examples_are_enough_and_fully_described() -> None:
    assert len(EXAMPLES) >= 20
    names = [e.name for e in EXAMPLES]
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+", name) for name in names), names
    assert len({name[:2] for name in names}) == len(names), "two queries share a number"
    for example in EXAMPLES:
        fields = (example.title, example.title_vi, example.description, example.description_vi)
        assert all(field.strip() for field in fields), example.name
        # Each query declares its own prefixes: none may rely on an implicit one.
        used = set(re.findall(r"(?<![\w<#/])([a-z][a-z0-9]*):[A-Za-z_]", _body(example)))
        declared = set(re.findall(r"^PREFIX\s+([a-z][a-z0-9]*):", example.text, re.MULTILINE))
        assert used <= declared, (example.name, used - declared)


def test_examples_cover_every_article(store: ox.Store) -> None:
    graphs = _select_column(
        store,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?a a <" + SC + "Article> } }",
        "g",
    )
    assert graphs, "the build has no article graphs"
    texts = "\n".join(_body(e) for e in EXAMPLES)
    for graph in graphs:
        article_id = graph.rsplit("/", 1)[-1]
        entities = _select_column(
            store,
            f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
            f'FILTER(ISIRI(?s) && CONTAINS(STR(?s), "/id/")) }}',
            "s",
        )
        # Queries over all articles via GRAPH ?g or sc:Article count for every article that has
        # no query of its own, so ask for a query naming the article or one of its entities.
        named = article_id in texts or any(f"<{iri}>" in texts for iri in entities)
        assert named, f"no example query names article {article_id} or any of its entities"


def test_examples_cover_every_instantiated_class(store: ox.Store) -> None:
    classes = _select_column(
        store,
        f'SELECT DISTINCT ?c WHERE {{ ?x a ?c FILTER(STRSTARTS(STR(?c), "{SC}")) }}',
        "c",
    )
    assert len(classes) > 10
    texts = "\n".join(_body(e) for e in EXAMPLES)
    missing = [
        c
        for c in classes
        if not re.search(r"\bsc:" + re.escape(c.removeprefix(SC)) + r"\b", texts)
        and f"<{c}>" not in texts
    ]
    assert not missing, f"no example query uses {missing}"


def _body(example: ExampleQuery) -> str:
    """The query without its comment header and PREFIX lines."""
    lines = example.text.splitlines()
    return "\n".join(
        line for line in lines if not line.startswith("#") and not line.startswith("PREFIX")
    )
