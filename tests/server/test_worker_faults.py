"""A query worker killed in the middle of a query: the request gets a clean error, the worker is
replaced and the next query is answered (in process and on a real uvicorn)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from scgraph.server.query_pool import QueryPool
from scgraph.settings import Settings

# A three-way cartesian product over the whole store: runs far longer than the test waits.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CITIES = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://scgraph.org/ontology#City> }"
DIED = "500 Internal Server Error: the query worker stopped unexpectedly\n"


def _state(pid: int) -> str:
    # /proc/<pid>/stat: "pid (comm) state ..."; comm may contain spaces, so split after ")".
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _wait_for_running(candidates: Callable[[], list[int]], pending: Future[object]) -> int:
    """The worker evaluating the slow query: busy and on the CPU (idle ones sleep on stdin)."""
    deadline = time.monotonic() + 60
    while True:
        assert not pending.done(), "the slow query ended before its worker could be killed"
        assert time.monotonic() < deadline, "no worker started evaluating the slow query"
        running = [pid for pid in candidates() if _state(pid) == "R"]
        if running:
            return running[0]
        time.sleep(0.05)


def test_a_killed_worker_in_process(built: Settings) -> None:
    from scgraph.server.app import create_app

    settings = built.model_copy(update={"query_workers": 1, "query_timeout_s": 300.0})
    app = create_app(settings)
    with TestClient(app) as client, ThreadPoolExecutor(1) as threads:
        ask = {"accept": "text/csv"}
        before = client.get("/sparql", params={"query": CITIES}, headers=ask)
        assert before.status_code == 200
        pool: QueryPool = app.state.query_pool
        [original] = pool.pids()
        pending = threads.submit(client.get, "/sparql", params={"query": SLOW}, headers=ask)
        victim = _wait_for_running(pool.busy_pids, pending)
        assert victim == original
        os.kill(victim, signal.SIGKILL)
        failed = pending.result(timeout=60)
        assert failed.status_code == 500
        assert failed.headers["content-type"].startswith("text/plain")
        assert failed.text == DIED
        assert failed.headers["x-request-id"]
        # Asked anew (the answer cache would give the same query's answer without a worker).
        again = CITIES + "\n# after the kill"
        after = client.get("/sparql", params={"query": again}, headers=ask)
        assert (after.status_code, after.text) == (200, before.text)
        assert after.headers.get("x-answer-cache") is None
        [fresh] = pool.pids()
        assert fresh != victim
        assert pool.busy_pids() == []


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"sparql_worker" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def _server_pid(port: int) -> int:
    wanted = [b"scgraph.cli", b"serve", b"--port", str(port).encode()]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if all(word in arguments for word in wanted):
                return int(entry.name)
    raise AssertionError(f"no server process listening on port {port}")


def test_a_killed_worker_on_the_live_server(live_server: str) -> None:
    port = urlsplit(live_server).port
    assert port is not None
    server = _server_pid(port)
    ask = {"accept": "text/csv"}
    with httpx.Client(base_url=live_server, timeout=120) as client:
        before = client.get("/sparql", params={"query": CITIES}, headers=ask)
        assert before.status_code == 200
        workers = _children(server)
        assert workers
        with ThreadPoolExecutor(1) as threads:
            pending = threads.submit(client.get, "/sparql", params={"query": SLOW}, headers=ask)
            victim = _wait_for_running(lambda: _children(server), pending)
            os.kill(victim, signal.SIGKILL)
            failed = pending.result(timeout=60)
        assert failed.status_code == 500
        assert failed.text == DIED
        assert failed.headers["x-request-id"]
        after = client.get("/sparql", params={"query": CITIES}, headers=ask)
        assert (after.status_code, after.text) == (200, before.text)
        # Replaced: as many workers as before, the killed one gone.
        deadline = time.monotonic() + 60
        while len(_children(server)) < len(workers):
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.05)
        assert victim not in _children(server)


def test_a_worker_that_sent_a_large_result_is_replaced(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It would hold the engine's memory of that result, and start its next one late.
    from scgraph.server import query_pool
    from scgraph.server.app import create_app

    monkeypatch.setattr(query_pool, "RECYCLE_AFTER_BYTES", 100_000)
    app = create_app(built.model_copy(update={"query_workers": 1}))
    with TestClient(app) as client:
        ask = {"accept": "text/csv"}
        assert client.get("/sparql", params={"query": CITIES}, headers=ask).status_code == 200
        pool: QueryPool = app.state.query_pool
        [small] = pool.pids()
        assert client.get("/sparql", params={"query": CITIES}, headers=ask).status_code == 200
        assert pool.pids() == [small]  # a small result keeps its worker
        large = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, headers=ask)
        assert large.status_code == 200 and len(large.content) > 100_000
        # Asked anew each time (the answer cache would give them without a worker).
        after = client.get("/sparql", params={"query": CITIES + " # 1"}, headers=ask)
        assert (
            after.status_code == 200
            and after.text
            == client.get("/sparql", params={"query": CITIES + " # 2"}, headers=ask).text
        )
        assert pool.pids() and pool.pids() != [small]
