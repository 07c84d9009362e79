"""Substitutions written into query text for a remote store: where the VALUES block goes, and
that no value can become syntax (the same hostile values run on real servers in tests/stores)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from scgraph.errors import QuerySyntaxError
from scgraph.sparql_values import query_form, sparql_term, with_values

X = {ox.Variable("x"): ox.NamedNode("http://example.org/a")}
BLOCK = "VALUES (?x) { (<http://example.org/a>) }"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?x ?p ?o }", "SELECT"),
        ("PREFIX ask: <http://a/> select ?x { ?x ask:p 1 }", "SELECT"),
        ("# ASK { }\nDESCRIBE ?x WHERE { ?x ?p ?o }", "DESCRIBE"),
        ("BASE <http://a/select> CONSTRUCT WHERE { ?x ?p ?o }", "CONSTRUCT"),
        ("ask { ?x ?p 'SELECT {' }", "ASK"),
    ],
)
def test_query_form_ignores_comments_strings_iris_and_prefixes(query: str, form: str) -> None:
    assert query_form(query) == form


def test_values_open_the_where_group_after_a_construct_template() -> None:
    query = "CONSTRUCT { ?x <http://p> '}' } WHERE { ?x ?p ?o }"
    assert with_values(query, X) == (
        "CONSTRUCT { ?x <http://p> '}' } WHERE { " + BLOCK + " ?x ?p ?o }"
    )


def test_values_open_every_sub_select() -> None:
    query = 'SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p "{" } LIMIT 1 } OPTIONAL { ?x ?q ?v } }'
    rewritten = with_values(query, X)
    assert rewritten.count(BLOCK) == 2
    assert rewritten.startswith("SELECT ?x WHERE { " + BLOCK + " { SELECT ?x WHERE { " + BLOCK)


def test_rewritten_queries_mean_what_substitutions_mean() -> None:
    # pyoxigraph's own substitution and the VALUES rewrite agree on an embedded store.
    store = ox.Store()
    a, b, p = (ox.NamedNode(f"http://example.org/{n}") for n in "abp")
    store.extend([ox.Quad(a, p, ox.Literal("1")), ox.Quad(b, p, ox.Literal("2"))])
    query = "SELECT ?x ?o WHERE { { SELECT ?x ?o WHERE { ?x ?p ?o } ORDER BY DESC(?o) LIMIT 1 } }"
    bound = {ox.Variable("x"): a}
    expected = [str(r["o"]) for r in store.query(query, substitutions=bound)]  # type: ignore[union-attr]
    got = [str(r["o"]) for r in store.query(with_values(query, bound))]  # type: ignore[union-attr]
    assert got == expected == ['"1"']


@pytest.mark.parametrize(
    "value", ['a" } UNION { ?s ?p ?o } #', "\\u0022", "a\u0000b\nc\r\t\x7f", "'''\"\"\""]
)
def test_literals_stay_literals(value: str) -> None:
    literal = ox.Literal(value)
    text = sparql_term(literal)
    store = ox.Store()
    rows = store.query(f"SELECT ?v WHERE {{ BIND({text} AS ?v) }}")
    assert [r["v"] for r in rows] == [literal]  # type: ignore[union-attr]
    assert "\u0000" not in text and "\n" not in text


def test_terms_a_server_cannot_take_are_refused() -> None:
    with pytest.raises(QuerySyntaxError):
        sparql_term(ox.BlankNode())
    with pytest.raises(QuerySyntaxError):
        with_values("CONSTRUCT WHERE { ?x ?p ?o }", X)
