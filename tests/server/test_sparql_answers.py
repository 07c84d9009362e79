"""Small answers of deterministic queries are kept per store and given again without a query
process; anything that may vary, or is streamed, is asked of a query process every time."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scgraph.server.sparql_answers import Answer, AnswerCache, is_deterministic

JSON = "application/sparql-results+json"
HIT = "x-answer-cache"


def _ask(client: TestClient, query: str, accept: str = JSON) -> tuple[str | None, bytes]:
    response = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 200, response.text
    return response.headers.get(HIT), response.content


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_bytes(
    client: TestClient,
) -> None:
    query = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p # answers"
    first, second = _ask(client, query), _ask(client, query)
    assert first[0] is None and second[0] == "hit"
    assert first[1] == second[1]
    # Another format is another answer.
    csv_first, csv_second = _ask(client, query, "text/csv"), _ask(client, query, "text/csv")
    assert csv_first[0] is None and csv_second == ("hit", csv_first[1])
    assert csv_first[1] != first[1]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (RAND() AS ?r) WHERE {}",
        "SELECT (NOW() AS ?t) WHERE {}",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        "SELECT (BNODE() AS ?b) WHERE {}",
        "SELECT (rand() AS ?r) WHERE {}",
    ],
)
def test_queries_that_may_vary_are_evaluated_every_time(client: TestClient, query: str) -> None:
    answers = {_ask(client, query) for _ in range(3)}
    assert all(hit is None for hit, _ in answers)
    if "RAND" in query.upper() or "UUID" in query:
        assert len(answers) == 3  # really evaluated again: a new value each time


def test_a_streamed_answer_is_not_kept(client: TestClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 20000"
    for _ in range(2):
        hit, body = _ask(client, query, "text/csv")
        assert hit is None and len(body) > 32 * 1024


def test_the_cache_keeps_one_store_at_a_time_within_its_bound(tmp_path: Path) -> None:
    cache = AnswerCache(max_bytes=8_000)
    old, new = tmp_path / "a", tmp_path / "b"
    assert cache.get(old, ("q",)) is None
    cache.put(old, ("q",), Answer("text/csv", b"x"))
    assert cache.get(old, ("q",)) == Answer("text/csv", b"x")
    assert cache.get(new, ("q",)) is None  # queries moved on: the old store's entries go
    cache.put(old, ("late",), Answer("text/csv", b"y"))  # computed on the old store, too late
    assert len(cache) == 0
    for i in range(40):
        cache.put(new, (f"q{i}",), Answer("text/csv", b"z" * 200))
    assert cache.size <= 8_000 and cache.get(new, ("q39",)) is not None
    assert cache.get(new, ("q0",)) is None  # least recently used went first
    cache.put(new, ("big",), Answer("text/csv", b"z" * 2_000))
    assert cache.get(new, ("big",)) is None  # over an eighth of the bound: not kept
    assert (cache.hits, cache.misses) == (2, 4)


def test_deterministic_is_judged_conservatively() -> None:
    assert is_deterministic("SELECT * { ?s ?p ?o }")
    assert not is_deterministic("SELECT * { ?s ?p 'now' }")  # a false alarm, on the safe side
    assert not is_deterministic("SELECT * { SERVICE <http://a/> { ?s ?p ?o } }")
    assert not is_deterministic("SELECT (\\\\u0052AND() AS ?r) {}")  # an escape could spell one
