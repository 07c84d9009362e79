"""A query waiting for a busy worker keeps its own time budget; waiting has a separate limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scgraph.settings import Settings

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # cartesian
CHEAP = "ASK { ?s a <https://scgraph.org/ontology#City> }"


def _race(base: str) -> tuple[httpx.Response, httpx.Response]:
    """Start the runaway query, then a cheap one that has to wait for the only worker."""
    with ThreadPoolExecutor(2) as pool, httpx.Client(timeout=60) as client:
        client.get(base + "/sparql", params={"query": CHEAP})  # start the worker
        runaway = pool.submit(client.get, base + "/sparql", params={"query": RUNAWAY})
        time.sleep(0.5)  # let the runaway query take the worker first
        cheap = pool.submit(
            client.get,
            base + "/sparql",
            params={"query": CHEAP},
            headers={"accept": "application/sparql-results+json"},
        )
        return runaway.result(), cheap.result()


def test_a_cheap_query_queued_behind_a_runaway_one_is_answered(
    built: Settings, start_scgraph: Callable[[list[str], Settings], tuple[str, Path]]
) -> None:
    settings = built.model_copy(
        update={"query_workers": 1, "query_timeout_s": 2.0, "query_queue_wait_s": 20.0}
    )
    base, _ = start_scgraph([], settings)
    runaway, cheap = _race(base)
    assert runaway.status_code == 503
    assert cheap.status_code == 200, cheap.text
    assert cheap.json()["boolean"] is True


def test_waiting_longer_than_the_queue_limit_is_503(
    built: Settings, start_scgraph: Callable[[list[str], Settings], tuple[str, Path]]
) -> None:
    settings = built.model_copy(
        update={"query_workers": 1, "query_timeout_s": 3.0, "query_queue_wait_s": 0.5}
    )
    base, _ = start_scgraph([], settings)
    runaway, cheap = _race(base)
    assert runaway.status_code == 503
    assert cheap.status_code == 503
    assert "stayed busy for 0.5 s" in cheap.text
