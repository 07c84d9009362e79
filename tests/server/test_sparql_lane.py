"""Bounded queries answered in the server process (server/sparql_inline.py) and the lane in front
of the application (server/sparql_lane.py) give the answers a query process gives: same status,
headers and bytes, in every format; what they decline goes the full way and is answered whole."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from rdflib import Graph

from scgraph.server import sparql_inline, sparql_lane
from scgraph.server.app import create_app
from scgraph.server.sparql import _form_pairs
from scgraph.server.sparql_inline import INLINE_MAX_BYTES, INLINE_TRIED, answer_inline
from scgraph.server.sparql_lane import answer_in_lane
from scgraph.settings import Settings
from scgraph.sparql_bounded import is_bounded
from scgraph.store import open_store
from sparql_lane_cases import ENTITY, JSON_ACCEPT, LABEL, LANE_CASES, LOOKUP, TWO_STEPS


@pytest.fixture(scope="module")
def clients(built: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """The app as it is, and one with inline evaluation turned off (every query to a process)."""
    no_inline = built.model_copy(update={"inline_queries": False})
    with TestClient(create_app(built)) as app, TestClient(create_app(no_inline)) as pooled:
        yield app, pooled


def _get(client: TestClient, query: str, accept: str, **headers: str) -> httpx.Response:
    # httpx asks for gzip by default, which the lane leaves to the full path.
    headers = {"accept": accept, "accept-encoding": "identity", **headers}
    return client.get("/sparql", params={"query": query}, headers=headers)


def _without_lane(client: TestClient, query: str, accept: str) -> httpx.Response:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sparql_lane, "PATH", "/no-lane")
        return _get(client, query, accept)


def _items(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k != "x-request-id"]


@pytest.mark.parametrize(("query", "accept"), LANE_CASES)
def test_the_lane_and_inline_evaluation_answer_as_a_query_process(
    clients: tuple[TestClient, TestClient], query: str, accept: str
) -> None:
    app, pooled = clients
    answers = [_get(app, query, accept), _without_lane(app, query, accept)]
    answers.append(_get(pooled, query, accept))
    first = answers[0]
    for other in answers[1:]:
        assert other.status_code == first.status_code
        assert _items(other) == _items(first)
        assert other.content == first.content
    for answer in answers:
        # A fresh id of 32 hex digits each time, as uuid4().hex gave.
        assert len(answer.headers["x-request-id"]) == 32
        int(answer.headers["x-request-id"], 16)
    assert len({a.headers["x-request-id"] for a in answers}) == 3
    assert _get(app, query, accept, **{"x-request-id": "mine"}).headers["x-request-id"] == "mine"


def _scope(query: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/sparql",
        "query_string": urlencode({"query": query}).encode(),
        "headers": headers,
    }


def _through_lane(app: Any, scope: dict[str, Any]) -> tuple[bool, list[dict[str, Any]]]:
    """Offer the request to the lane alone; whether it answered, and what it sent."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    return asyncio.run(answer_in_lane(app, scope, send)), sent


def test_the_lane_answers_bounded_gets_and_declines_the_rest(
    clients: tuple[TestClient, TestClient],
) -> None:
    app = clients[0].app
    plain = [(b"accept", b"application/sparql-results+json")]
    answered, sent = _through_lane(app, _scope(LOOKUP, plain))
    assert answered
    assert sent[0]["status"] == 200
    rows = json.loads(sent[1]["body"])["results"]["bindings"]
    assert {row["p"]["value"] for row in rows} >= {LABEL}
    declined = [
        _scope(LOOKUP, [*plain, (b"origin", b"https://example.org")]),  # CORS headers
        _scope(LOOKUP, [*plain, (b"accept-encoding", b"gzip")]),  # gzip
        _scope(LOOKUP, [(b"accept", b"text/html")]),  # a browser: the query page
        _scope("SELECT * { ?s ?p ?o }", plain),  # not bounded
        {**_scope(LOOKUP, plain), "method": "HEAD"},
        {**_scope(LOOKUP, plain), "query_string": b"query=ASK%7B%7D&format=json"},
        {**_scope(LOOKUP, plain), "query_string": b"query=%FF"},  # not UTF-8: 400 later
    ]
    for scope in declined:
        answered, sent = _through_lane(app, scope)
        assert (answered, sent) == (False, [])
        assert INLINE_TRIED not in scope


def test_an_answer_over_the_budget_is_left_to_a_query_process_once(
    clients: tuple[TestClient, TestClient], built: Settings
) -> None:
    lane, pooled = clients
    assert is_bounded(TWO_STEPS)
    job = {
        "query": TWO_STEPS,
        "default_graph": None,
        "named_graphs": None,
        "solutions_format": "json",
        "graph_format": None,
    }
    store = open_store(built.current_build)
    answer = store.query(TWO_STEPS)
    assert isinstance(answer, ox.QuerySolutions)
    assert len(answer.serialize(format=ox.QueryResultsFormat.JSON)) > INLINE_MAX_BYTES
    assert answer_inline(store, job) is None
    scope = _scope(TWO_STEPS, [(b"accept", b"application/json")])
    assert _through_lane(lane.app, scope) == (False, [])
    assert scope[INLINE_TRIED] is True  # the full path does not evaluate it here again
    # ... and answers it whole, from a query process.
    whole = _get(lane, TWO_STEPS, "application/json")
    solutions = store.query(TWO_STEPS)
    assert isinstance(solutions, ox.QuerySolutions)
    assert len(whole.json()["results"]["bindings"]) == len(list(solutions))
    assert whole.content == _get(pooled, TWO_STEPS, "application/json").content


def _count_inline_evaluations(patch: pytest.MonkeyPatch) -> list[str]:
    """The queries evaluated in the server process from now on (they still are)."""
    calls: list[str] = []

    def counted(store: ox.Store, job: dict[str, Any]) -> Any:
        calls.append(job["query"])
        return answer_inline(store, job)

    patch.setattr(sparql_inline, "answer_inline", counted)
    return calls


def test_a_kept_answer_is_not_evaluated_in_the_lane_again(
    clients: tuple[TestClient, TestClient],
) -> None:
    """A small answer that took longer than the budget (here every answer: the budget is spent
    before it starts) is kept by the answer cache once a query process has given it; repeats
    come from the cache, and the lane does not spend the budget on them again first."""
    lane = clients[0]
    query = f"SELECT ?o WHERE {{ <{ENTITY}> <{LABEL}> ?o }}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sparql_inline, "INLINE_BUDGET_S", -1.0)
        calls = _count_inline_evaluations(patch)
        first = _get(lane, query, "text/csv")
        assert "x-answer-cache" not in first.headers  # from a query process, then kept
        assert calls == [query]
        again = _get(lane, query, "text/csv")
    assert again.headers["x-answer-cache"] == "hit"
    assert again.content == first.content
    assert calls == [query]


def test_a_job_over_the_budget_is_not_tried_in_the_server_process_again(built: Settings) -> None:
    """An answer over 32 KB is streamed by a query process and never kept by the answer cache:
    each repeat would spend the budget in the server process again, with the event loop held.
    The build remembers the job instead; a new build (a new app here) starts afresh."""
    with pytest.MonkeyPatch.context() as patch:
        calls = _count_inline_evaluations(patch)
        for _ in range(2):
            with TestClient(create_app(built)) as app:
                answers = [_get(app, TWO_STEPS, "application/json") for _ in range(3)]
                # With gzip accepted (httpx's default): the full path, the same job.
                full = app.get("/sparql", params={"query": TWO_STEPS}, headers=JSON_ACCEPT)
                answers.append(full)
    assert calls == [TWO_STEPS, TWO_STEPS]  # once per build
    assert all(a.status_code == 200 and a.content == answers[0].content for a in answers)


def test_the_lane_keeps_the_service_guard(clients: tuple[TestClient, TestClient]) -> None:
    """Were a SERVICE query ever read as bounded, the lane would not evaluate it (Oxigraph would
    make the request from the server): it goes the full way, to the guard's 403."""
    lane = clients[0]
    query = f"SELECT * {{ <{ENTITY}> ?p ?o . SERVICE <http://127.0.0.1:1/sparql> {{ ?o ?q ?r }} }}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sparql_lane, "is_bounded", lambda query: True)  # a classifier's miss
        calls = _count_inline_evaluations(patch)
        refused = _get(lane, query, "application/json")
    assert refused.status_code == 403
    assert "SERVICE" in refused.text
    assert calls == []


def test_a_real_server_answers_bounded_queries_in_every_format(live_server: str) -> None:
    """Over a real uvicorn: the lane's answers parse, and match what the store holds."""
    store_rows = None
    headers = {"accept-encoding": "identity"}
    with httpx.Client(base_url=live_server, timeout=30, headers=headers) as client:
        for accept in ("application/sparql-results+json", "text/csv"):
            response = client.get("/sparql", params={"query": LOOKUP}, headers={"accept": accept})
            assert response.status_code == 200
            assert response.headers["vary"] == "Accept, Origin"
            if accept == "text/csv":
                assert len(response.text.strip().splitlines()) - 1 == store_rows
            else:
                store_rows = len(response.json()["results"]["bindings"])
        turtle = client.get(
            "/sparql", params={"query": f"DESCRIBE <{ENTITY}>"}, headers={"accept": "text/turtle"}
        )
        graph = Graph().parse(data=turtle.text, format="turtle")
        assert len(graph) == store_rows


def test_with_opentelemetry_reporting_every_request_goes_the_full_way(built: Settings) -> None:
    """The lane is in front of FastAPI's own OpenTelemetry layer: with a provider configured
    (FastAPI then reports every request) the lane stays closed, so none goes unreported."""
    assert create_app(built).lane_open  # no provider in the tests: nothing to report to
    for signal in ("tracing", "metrics", "logs"):
        telemetry = {"tracing": False, "metrics": False, "logs": False, signal: True}
        app = sparql_lane.LaneFirst(telemetry=telemetry)  # type: ignore[arg-type]
        assert not app.lane_open


def test_a_failure_in_the_lane_is_logged_and_the_full_path_answers(
    clients: tuple[TestClient, TestClient],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The lane is in front of the application's error handling: an error there must not reach
    the client as uvicorn's bare 500, without request id or log."""
    app, _ = clients
    expected = _without_lane(app, LOOKUP, "application/json")

    def broken(*_: object) -> None:
        raise RuntimeError("injected")

    monkeypatch.setattr(sparql_lane, "try_inline", broken)
    answer = _get(app, LOOKUP, "application/json")
    assert answer.status_code == 200
    assert answer.content == expected.content
    assert "the SPARQL lane failed" in caplog.text


def test_the_lane_reads_the_query_string_as_the_full_path_does() -> None:
    """The lane decodes an ASCII query string as bytes (faster); any query string, ASCII or not,
    valid UTF-8 once decoded or not, reads as the full path's parse_qsl reads it."""
    pieces = ["%", "+", "a", "C3", "%C3", "%A9", "%E1%BA%BF", "%2", "%zz", "%F0%9F%98%80", "%ff"]
    pieces += ["\xe9", " ", "=", "%3D", "%26"]
    generator = random.Random(7)
    undecodable = 0
    for _ in range(20_000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 8)))
        raw = b"query=" + text.encode("latin-1")
        try:
            ((name, expected),) = _form_pairs(raw.decode("latin-1"), "query string")
            assert name == "query"
        except HTTPException:
            expected = None
            undecodable += 1
        assert sparql_lane._query(raw) == expected, raw
    assert 0 < undecodable < 20_000  # both kinds were drawn
