"""Several uvicorn worker processes serve one build: each opens the store read-only."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scgraph.settings import Settings


def test_two_workers_serve_the_same_store(
    built: Settings, start_scgraph: Callable[[list[str], Settings], tuple[str, Path]]
) -> None:
    base, log_path = start_scgraph(["--workers", "2"], built)
    # /health answered by one worker does not mean the other has loaded the app: on a busy
    # machine the first could serve every request below before the second logs its start.
    deadline = time.monotonic() + 60
    while log_path.read_text().count("Application startup complete") < 2:
        assert time.monotonic() < deadline, "the second worker did not start within 60 s"
        time.sleep(0.1)
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://scgraph.org/ontology#City> }"

    def ask(_: int) -> tuple[int, str]:
        with httpx.Client(timeout=30) as client:
            response = client.get(
                base + "/sparql",
                params={"query": query},
                headers={"accept": "text/csv"},
            )
            page = client.get(base + "/page/city/da-nang")
            assert page.status_code == 200
            return response.status_code, response.text

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(24)))
    assert {status for status, _ in answers} == {200}
    assert len({text for _, text in answers}) == 1
    # uvicorn logs each worker process it starts; both opened the store and served.
    assert log_path.read_text().count("Started server process") == 2
