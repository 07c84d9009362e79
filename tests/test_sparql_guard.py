"""The lexical guard: updates and SERVICE calls found wherever the parser would see them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scgraph.errors import QueryRefused
from scgraph.sparql_guard import is_update, may_be_unsafe, refuse_unsafe, service_targets


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ("SELECT * { SERVICE <http://a/> { ?s ?p ?o } }", ["<http://a/>"]),
        ("select * { service silent <http://a/> { } }", ["<http://a/>"]),
        # SPARQL §19.2 escapes are decoded first, as the grammar says (conservative: Oxigraph
        # itself rejects an escaped keyword).
        ("SELECT * { \\u0053ERVICE <http://a/> { } }", ["<http://a/>"]),
        ("SELECT * { SERVICE ?endpoint { } }", ["?endpoint"]),
        ("PREFIX e: <http://a/> SELECT * { SERVICE e:x { } }", ["e:x"]),
        ("SELECT * { ?service ?p 'SERVICE <http://a/>' }", []),
        ('SELECT * { ?s ?p """a\n SERVICE <http://a/> "b" """ }', []),
        ("SELECT * { ?s <http://a/SERVICE> ?o } # SERVICE <http://a/>", []),
        ("PREFIX service: <http://a/> SELECT * { ?s service:x ?o }", []),
        ("SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) SERVICE <http://b/> {} }", ["<http://b/>"]),
    ],
)
def test_service_targets_are_found_only_where_the_parser_sees_them(
    query: str, targets: list[str]
) -> None:
    assert service_targets(query) == targets


def test_allowlist_admits_exactly_the_listed_iris() -> None:
    refuse_unsafe("SELECT * { SERVICE <http://a/> {} }", ["http://a/"])
    with pytest.raises(QueryRefused, match="SERVICE <http://b/>"):
        refuse_unsafe("SELECT * { SERVICE <http://a/> {} SERVICE <http://b/> {} }", ["http://a/"])
    with pytest.raises(QueryRefused, match="SERVICE \\?e"):
        refuse_unsafe("SELECT * { SERVICE ?e {} }", ["http://a/"])


@pytest.mark.parametrize(
    ("query", "update"),
    [
        ("INSERT DATA { <a:a> <a:b> <a:c> }", True),
        ("BASE <http://a/> PREFIX x: <http://b/> DELETE WHERE { ?s ?p ?o }", True),
        ("# comment\n  clear all", True),
        ("WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
        ("PREFIX insert: <http://a/> SELECT * { ?s insert:x ?o }", False),
        ("SELECT * { ?s ?p 'INSERT' }", False),
        ("", False),
    ],
)
def test_updates_are_recognised_after_the_prologue(query: str, update: bool) -> None:
    assert is_update(query) is update


PIECES = [
    "SELECT",
    "ASK",
    "{",
    "}",
    " ",
    "\n",
    "?s",
    "<urn:x>",
    "'a'",
    "#",
    "PREFIX",
    "p:",
    "ſ",
    "K",
    "ß",
    "ı",
    "İ",
    "\\u0053",
    "\\U00000045",
    "ERVICE",
    "service",
    "SERVICE",
    "insert",
    "InSeRt",
    "LOAD",
    "wıth",
    "add",
    "address",
    "drop",
    "ꜱervice",
    "é",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_a_query_passed_over_unread_has_no_update_nor_service(query: str) -> None:
    """The quick text test never lets through what reading the tokens would refuse."""
    if not may_be_unsafe(query):
        assert not is_update(query)
        assert service_targets(query) == []


@pytest.mark.parametrize(
    "query",
    ["ſERVICE <http://a/> {}", "SELECT * { \\u0053ERVICE <http://a/> { } }", "ınsert data {}"],
)
def test_unusual_spellings_are_read_in_full(query: str) -> None:
    assert may_be_unsafe(query)
