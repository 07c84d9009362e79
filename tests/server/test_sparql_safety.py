"""The endpoint's limits: a killed runaway query, result and query size, SERVICE refused."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from scgraph.server.app import create_app
from scgraph.settings import Settings

ALLOWED = "http://127.0.0.1:9/sparql"
# Nothing is printed before the count is complete, so only the timeout can end it early.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def strict(built: Settings) -> Iterator[TestClient]:
    settings = built.model_copy(
        update={"query_timeout_s": 2.0, "max_result_bytes": 5000, "service_allowlist": [ALLOWED]}
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_runaway_query_is_stopped_while_others_are_served(strict: TestClient) -> None:
    answers: list[httpx.Response] = []
    runaway = threading.Thread(
        target=lambda: answers.append(strict.get("/sparql", params={"query": RUNAWAY}))
    )
    runaway.start()
    try:
        cheap = strict.get("/sparql", params={"query": CHEAP})
        assert cheap.status_code == 200
        assert cheap.json()["boolean"] is True
        assert runaway.is_alive()
    finally:
        runaway.join(30)
    assert answers[0].status_code == 503
    assert "longer than the 2 s limit" in answers[0].text
    # The killed worker has been replaced: every later query is answered.
    for _ in range(3):
        assert strict.get("/sparql", params={"query": CHEAP}).status_code == 200


def test_a_result_larger_than_the_limit_is_refused(strict: TestClient) -> None:
    response = strict.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1000"})
    assert response.status_code == 400
    assert "larger than the limit of 5000 bytes" in response.text
    small = strict.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
    assert small.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/other> { ?s ?p ?o } }",
        "SELECT * WHERE { service silent <http://169.254.169.254/> { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://127.0.0.1:9/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
    ],
)
def test_service_outside_the_allowlist_is_refused(strict: TestClient, query: str) -> None:
    response = strict.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.text


def test_service_words_in_strings_iris_and_comments_are_not_refused(strict: TestClient) -> None:
    query = 'ASK { ?s ?p "SERVICE <http://10.0.0.1/>" } # SERVICE <http://10.0.0.1/>'
    assert strict.get("/sparql", params={"query": query}).status_code == 200


def test_an_allowlisted_service_is_run(strict: TestClient) -> None:
    # Nothing listens on port 9, so SILENT turns the call into one empty solution.
    query = f"SELECT * WHERE {{ SERVICE SILENT <{ALLOWED}> {{ ?s ?p ?o }} }}"
    response = strict.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [{}]


def test_a_result_over_the_limit_after_streaming_began_is_cut_off(
    built: Settings, start_scgraph: Callable[[list[str], Settings], tuple[str, Path]]
) -> None:
    # Past the first bytes the status line is gone: the only honest signal left is a response
    # that never completes, which every HTTP client reports as an error (never a short result).
    from scgraph.server.sparql import COMMIT_BYTES

    limit = COMMIT_BYTES * 3
    base, log = start_scgraph([], built.model_copy(update={"max_result_bytes": limit}))
    everything = "SELECT * WHERE { ?s ?p ?o }"
    with httpx.stream(
        "GET",
        base + "/sparql",
        params={"query": everything},
        headers={"Accept": "text/csv"},
        timeout=60,  # httpx's 5 s default ran out on a loaded machine: a timeout is not the cut
    ) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in response.iter_bytes():
                pass
    assert "aborted a streamed SPARQL result" in log.read_text(encoding="utf-8")
    assert "Traceback" not in log.read_text(encoding="utf-8")
