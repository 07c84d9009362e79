"""Switching to a new build while serving: requests keep answering, each from one build, and the
answers move from the old build to the new one (in process and on a real uvicorn under load)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from page_heading import page_heading
from scgraph.pipeline import run_build
from scgraph.server.deps import ServedBuild
from scgraph.server.query_pool import QueryPool
from scgraph.server.reload import BuildWatcher
from scgraph.settings import Settings
from scgraph.store import BUILDS_DIR, CURRENT_LINK, KEEP_BUILDS

ROOT = Path(__file__).resolve().parent.parent.parent

OLD = "Da Nang"
LABEL_QUERY = """
SELECT ?l WHERE {
  <https://scgraph.org/id/city/da-nang> <http://www.w3.org/2000/01/rdf-schema#label> ?l
  FILTER(lang(?l) = "en")
}"""


def _relabel(settings: Settings, label: str) -> None:
    """Change Da Nang's English label in the project's registry."""
    registry = settings.mappings_dir / "registry.yaml"
    text = registry.read_text(encoding="utf-8")
    text = re.sub(r'(label: \{vi: "Đà Nẵng", en: )"[^"]*"', rf'\1"{label}"', text)
    registry.write_text(text, encoding="utf-8")


def _store_label(served: ServedBuild) -> str:
    result = served.store.query(LABEL_QUERY)
    assert isinstance(result, ox.QuerySolutions)
    [row] = list(result)
    return str(row[0].value)


def _sparql_label(csv_text: str) -> str:
    [row] = list(csv.DictReader(io.StringIO(csv_text)))
    return row["l"]


def _etag_build(etag: str) -> str:
    # ETags are "<build id>-<variant>": build ids look like 20261122T043157Z-390b853f.
    found = re.match(r'(?:W/)?"(\d{8}T\d{6}Z-[0-9a-f]+)-', etag)
    assert found, etag
    return found.group(1)


def _switch(client: TestClient, app_state: object) -> bool:
    watcher: BuildWatcher = app_state.build_watcher  # type: ignore[attr-defined]
    return bool(client.portal.call(watcher.check))  # type: ignore[union-attr]


def test_a_new_build_is_served_and_the_old_one_stays_usable_when_pruned(
    mini_project: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from scgraph.server.app import create_app

    settings = mini_project.model_copy(update={"reload_check_s": 0, "query_workers": 1})
    app = create_app(settings)
    csv_accept = {"accept": "text/csv"}
    with TestClient(app) as client:
        old = app.state.served
        assert _switch(client, app.state) is False  # nothing changed
        answer = client.get("/sparql", params={"query": LABEL_QUERY}, headers=csv_accept)
        assert _sparql_label(answer.text) == OLD
        pool: QueryPool = app.state.query_pool
        old_workers = pool.pids()

        _relabel(settings, "Da Nang Renewed")
        run_build(settings)
        assert client.get("/health").json()["build"] == old.build_id  # not before the check
        assert _switch(client, app.state) is True

        new = app.state.served
        assert client.get("/health").json()["build"] == new.build_id != old.build_id
        page = client.get("/page/city/da-nang", params={"lang": "en"})
        assert page_heading(page.text) == "Da Nang Renewed"
        assert _etag_build(page.headers["etag"]) == new.build_id
        answer = client.get("/sparql", params={"query": LABEL_QUERY}, headers=csv_accept)
        assert _sparql_label(answer.text) == "Da Nang Renewed"
        hits = client.get("/api/search", params={"q": "da nang renewed", "lang": "en"}).json()[
            "results"
        ]
        assert [hit["id"] for hit in hits] == ["city/da-nang"]
        assert set(old_workers).isdisjoint(pool.pids()) and len(pool.pids()) == 1

        # Enough further builds for `scgraph build` to prune the first one.
        for n in range(KEEP_BUILDS):
            _relabel(settings, f"Da Nang {n}")
            run_build(settings)
            assert _switch(client, app.state) is True
        assert old.directory is not None and not old.directory.exists()
        # A request still holding the pruned build completes: RocksDB's open files outlive rmtree.
        assert _store_label(old) == OLD
        assert old.search is not None and old.search.search("da nang", lang="en")

        # `current` at a directory without a store: the server keeps serving what it had.
        served = app.state.served
        broken = settings.data_dir / BUILDS_DIR / "99999999T999999Z-broken"
        broken.mkdir()
        link = settings.data_dir / CURRENT_LINK
        link.unlink()
        link.symlink_to(broken.relative_to(settings.data_dir))
        with caplog.at_level(logging.WARNING, logger="scgraph.server"):
            assert _switch(client, app.state) is False
        assert "cannot switch to the build" in caplog.text
        assert client.get("/health").json()["build"] == served.build_id
        answer = client.get("/sparql", params={"query": LABEL_QUERY}, headers=csv_accept)
        assert _sparql_label(answer.text) == f"Da Nang {KEEP_BUILDS - 1}"


@dataclass
class _Answer:
    kind: str
    status: int
    label: str | None = None
    build: str | None = None
    error: str | None = None


def _ask(http: httpx.Client, kind: str) -> _Answer:
    """One request of `kind`; what it says about the build that answered it."""
    try:
        if kind == "health":
            response = http.get("/health")
            return _Answer(kind, response.status_code, build=response.json()["build"])
        if kind == "sparql":
            response = http.get(
                "/sparql", params={"query": LABEL_QUERY}, headers={"accept": "text/csv"}
            )
            label = _sparql_label(response.text) if response.status_code == 200 else None
            return _Answer(kind, response.status_code, label)
        if kind == "page":
            response = http.get("/page/city/da-nang", params={"lang": "en"})
            ok = response.status_code == 200
            return _Answer(
                kind,
                response.status_code,
                page_heading(response.text) if ok else None,
                _etag_build(response.headers["etag"]) if ok else None,
            )
        response = http.get("/api/entities/city/da-nang", params={"lang": "en"})
        label = response.json()["label"] if response.status_code == 200 else None
        return _Answer(kind, response.status_code, label)
    except (httpx.HTTPError, ValueError, KeyError) as error:
        return _Answer(kind, 0, error=repr(error))


KINDS = ("health", "sparql", "page", "api")


def _load(base: str, stop: threading.Event, answers: list[_Answer]) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        n = 0
        while not stop.is_set():
            answers.append(_ask(http, KINDS[n % len(KINDS)]))
            n += 1


def _project_env(settings: Settings) -> dict[str, str]:
    dirs = ("mappings_dir", "ontology_dir", "data_dir")
    return {f"SCGRAPH_{name.upper()}": str(getattr(settings, name)) for name in dirs}


def _any_old(answers: list[_Answer], old_build: str) -> bool:
    return any(a.label == OLD or a.build == old_build for a in answers)


def _wait(condition: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_rebuild_under_load_on_uvicorn(
    mini_project: Settings,
    start_scgraph: Callable[[list[str], Settings], tuple[str, Path]],
) -> None:
    settings = mini_project.model_copy(update={"reload_check_s": 0.2})
    base, log = start_scgraph(["--workers", "2"], settings)
    old_build = httpx.get(base + "/health").json()["build"]
    answers: list[_Answer] = []
    stop = threading.Event()
    with ThreadPoolExecutor(4) as threads:
        running = [threads.submit(_load, base, stop, answers) for _ in range(4)]
        try:
            _wait(lambda: len(answers) > 40, "answers from the old build")
            _relabel(settings, "Da Nang Renewed")
            subprocess.run(
                [sys.executable, "-m", "scgraph.cli", "build"],
                env={**os.environ, **_project_env(settings)},
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            built = len(answers)
            # Both uvicorn workers have switched once 20 answers in a row are from the new build.
            _wait(
                lambda: len(answers) > built + 20 and not _any_old(answers[-20:], old_build),
                "the new build on every worker",
            )
        finally:
            stop.set()
            for future in running:
                future.result()

    failures = [a for a in answers if a.status != 200]
    assert failures == [], failures[:5]
    new_builds = {a.build for a in answers if a.build} - {old_build}
    assert len(new_builds) == 1, new_builds
    [new_build] = new_builds
    # Every kind of request was answered from both builds...
    for kind in KINDS:
        seen = {(a.label, a.build) for a in answers if a.kind == kind}
        if kind == "health":
            assert {b for _, b in seen} == {old_build, new_build}
        else:
            assert {label for label, _ in seen} == {OLD, "Da Nang Renewed"}, (kind, seen)
    # ...and never a mixture: a page's ETag names the build its label came from.
    pages = {(a.build, a.label) for a in answers if a.kind == "page"}
    assert pages == {(old_build, OLD), (new_build, "Da Nang Renewed")}
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def _worker_children(store_dir: Path, *, unreaped: bool = False) -> set[int]:
    """Live query worker processes of this test process on `store_dir` (with `unreaped`, also
    those that ended and were never waited for: zombies)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        state, parent = stat[0], int(stat[1])
        ours = parent == os.getpid() and (unreaped or state != "Z")
        # A zombie has no command line left: count every zombie child when asked for them.
        if ours and (str(store_dir).encode() in command or state == "Z"):
            found.add(int(entry.name))
    return found


def test_a_retarget_cancelled_while_starting_leaves_no_stray_worker(
    mini_project: Settings,
) -> None:
    import asyncio
    import contextlib

    build = (mini_project.data_dir / CURRENT_LINK).resolve()

    async def scenario() -> tuple[list[int], set[int]]:
        pool = QueryPool(build, 2, 10.0)
        await pool.start()
        retargeting = asyncio.create_task(pool.retarget(build))
        await asyncio.sleep(0.05)  # the new workers are starting (an interpreter takes longer)
        retargeting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retargeting
        deadline = time.monotonic() + 30
        while _worker_children(build) != set(pool.pids()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        try:
            return pool.pids(), _worker_children(build)
        finally:
            await pool.close()

    kept, alive = asyncio.run(scenario())
    assert len(kept) == 2 and alive == set(kept)


def test_a_worker_whose_server_is_gone_exits_quietly(mini_project: Settings) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "scgraph.sparql_worker", str(mini_project.data_dir / "current")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdout.close()  # the server's end of the frame stream
    job = {"query": "ASK {}", "solutions_format": "json", "max_bytes": 1000}
    worker.stdin.write(json.dumps(job).encode() + b"\n")
    worker.stdin.close()
    assert worker.wait(timeout=60) == 0
    assert worker.stderr is not None
    with worker.stderr:
        assert worker.stderr.read() == b""  # no traceback


def test_the_watcher_keeps_watching_after_an_unexpected_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    checks: list[int] = []

    class FlakyWatcher(BuildWatcher):
        async def check(self) -> bool:
            checks.append(1)
            if len(checks) == 1:
                raise KeyError("a malformed search index")
            return False

    watcher = FlakyWatcher(app=None, settings=None)  # type: ignore[arg-type]

    async def watch_a_while() -> None:
        task = asyncio.create_task(watcher.watch(0.01))
        while len(checks) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    with caplog.at_level(logging.ERROR, logger="scgraph.server"):
        asyncio.run(asyncio.wait_for(watch_a_while(), 10))
    assert len(checks) >= 3
    assert "checking for a new build failed" in caplog.text


def test_closing_the_pool_while_a_replacement_starts_reaps_every_worker(
    mini_project: Settings,
) -> None:
    # A killed worker left unreaped is finalised later, at a random point of other work (once in
    # the middle of an import, which CPython 3.11.7 then failed with a SystemError).
    build = (mini_project.data_dir / CURRENT_LINK).resolve()

    async def scenario() -> None:
        pool = QueryPool(build, 1, 10.0)
        await pool.start()
        [worker] = list(pool.workers)
        pool.replace(worker)
        await asyncio.sleep(0.05)  # the replacement is starting (an interpreter takes longer)
        await pool.close()

    asyncio.run(scenario())
    assert _worker_children(build, unreaped=True) == set()
