"""SPARQL endpoint: scgraph's /sparql against `oxigraph serve-read-only` on the same store.

Both servers run as real processes on 127.0.0.1 over the build at var/current (run `make build`
first) and get the same query mix at concurrency 1, 4 and 16 from an asyncio httpx client, a
fixed number of requests per cell so the run is bounded. Printed: throughput, p50 and p99 latency
for each server and the throughput ratio scgraph/oxigraph, both measured in this run.

Then a synthetic graph of LARGE_ROWS triples: one `SELECT *` over it, streamed by each server,
with time to first byte, total time and the server's peak memory (its own and its query workers'
VmHWM from /proc), before and after, to show results are streamed rather than built in memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox

from bench._process import stop_process
from scgraph.settings import Settings
from scgraph.store import resolve_build, store_path

REQUESTS_PER_CELL = 120
CONCURRENCY = (1, 4, 16)
LARGE_ROWS = 1_000_000
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
JSON_RESULTS = "application/sparql-results+json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def _scgraph(data_dir: Path, timeout_s: float = 10.0) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {
        **os.environ,
        "SCGRAPH_DATA_DIR": str(data_dir),
        "SCGRAPH_QUERY_TIMEOUT_S": str(timeout_s),
        "SCGRAPH_MAX_RESULT_BYTES": str(2_000_000_000),
    }
    command = [sys.executable, "-m", "scgraph.cli", "serve", "--port", str(port)]
    with _process(command, env) as process:
        url = f"http://127.0.0.1:{port}/sparql"
        _wait_until_up(url, process)
        yield url, process.pid


@contextmanager
def _oxigraph(store_dir: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    binary = Path(sys.executable).parent / "oxigraph"
    command = [str(binary), "serve-read-only", "--location", str(store_dir)]
    command += ["--bind", f"127.0.0.1:{port}"]
    with _process(command, dict(os.environ)) as process:
        url = f"http://127.0.0.1:{port}/query"
        _wait_until_up(url, process)
        yield url, process.pid


@contextmanager
def _process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        stop_process(process)


def _query_mix(entity: str) -> list[tuple[str, str, str]]:
    label = f"<{RDFS_LABEL}>"
    return [
        ("entity lookup", f"SELECT ?p ?o WHERE {{ <{entity}> ?p ?o }}", JSON_RESULTS),
        (
            "1-hop join + labels",
            f"SELECT ?p ?o ?l WHERE {{ <{entity}> ?p ?o . ?o {label} ?l }}",
            JSON_RESULTS,
        ),
        (
            "label search",
            f'SELECT ?s ?l WHERE {{ ?s {label} ?l FILTER(CONTAINS(LCASE(STR(?l)), "nẵng")) }}',
            JSON_RESULTS,
        ),
        (
            "aggregate",
            "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n)",
            JSON_RESULTS,
        ),
        ("DESCRIBE", f"DESCRIBE <{entity}>", "text/turtle"),
    ]


async def _drive(url: str, query: str, accept: str, concurrency: int) -> list[float]:
    latencies: list[float] = []
    remaining = REQUESTS_PER_CELL
    headers = {"accept": accept, "accept-encoding": "identity"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.get(url, params={"query": query}, headers=headers)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        latencies.append(time.perf_counter() - started)  # the wall time, last
    return latencies


def _cell(url: str, query: str, accept: str, concurrency: int) -> tuple[float, float, float]:
    measured = asyncio.run(_drive(url, query, accept, concurrency))
    wall, latencies = measured[-1], sorted(measured[:-1])
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / wall, statistics.median(latencies) * 1000, p99 * 1000


def _entity(store_dir: Path, base_iri: str) -> str:
    store = ox.Store.read_only(str(store_dir))
    for tail in ("id/city/da-nang", "id/city/ha-noi"):
        candidate = ox.NamedNode(base_iri + tail)
        if next(store.quads_for_pattern(candidate, None, None, ox.DefaultGraph()), None):
            return candidate.value
    for solution in store.query(f"SELECT ?s WHERE {{ ?s <{RDFS_LABEL}> ?l }} LIMIT 1"):
        return str(solution["s"].value)  # type: ignore[union-attr]
    raise RuntimeError("the store has no labelled entity")


def _mix(data_dir: Path, base_iri: str) -> None:
    build = resolve_build(data_dir).resolve()
    store_dir = store_path(build)
    mix = _query_mix(_entity(store_dir, base_iri))
    print(
        f"{'query':22} {'conc':>4}  {'scgraph req/s':>13} {'p50 ms':>7} {'p99 ms':>7}  "
        f"{'oxigraph req/s':>14} {'p50 ms':>7} {'p99 ms':>7}  {'ratio':>5}"
    )
    with _scgraph(data_dir) as (ours, _), _oxigraph(store_dir) as (theirs, _):
        for name, query, accept in mix:
            for concurrency in CONCURRENCY:
                a = _cell(ours, query, accept, concurrency)
                b = _cell(theirs, query, accept, concurrency)
                print(
                    f"{name:22} {concurrency:>4}  {a[0]:13.0f} {a[1]:7.1f} {a[2]:7.1f}  "
                    f"{b[0]:14.0f} {b[1]:7.1f} {b[2]:7.1f}  {a[0] / b[0]:5.2f}"
                )


def _peak_kib(pid: int) -> tuple[int, int]:
    """VmHWM of `pid`, and the sum over its children (the query workers)."""
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    children = children_file.read_text().split() if children_file.exists() else []
    peaks = []
    for process in [str(pid), *children]:
        status = Path(f"/proc/{process}/status")
        lines = status.read_text().splitlines() if status.exists() else []
        peaks += [int(line.split()[1]) for line in lines if line.startswith("VmHWM:")]
    return (peaks[0], sum(peaks[1:])) if peaks else (0, 0)


def _synthetic(directory: Path) -> Path:
    """A data directory with `current` → a build of LARGE_ROWS synthetic triples."""
    build = directory / "builds" / "synthetic"
    build.mkdir(parents=True)
    store = ox.Store(str(build / "store"))
    store.bulk_extend(
        ox.Quad(
            ox.NamedNode(f"https://example.org/s/{i}"),
            ox.NamedNode(RDFS_LABEL),
            ox.Literal(f"label {i}"),
            ox.DefaultGraph(),
        )
        for i in range(LARGE_ROWS)
    )
    store.flush()
    del store
    (build / "build.json").write_text(json.dumps({"build_id": "synthetic"}), encoding="utf-8")
    (directory / "current").symlink_to(build.relative_to(directory))
    return build / "store"


def _stream(url: str, pid: int) -> str:
    before = _peak_kib(pid)
    started = time.perf_counter()
    first = 0.0
    size = 0
    headers = {"accept": "text/tab-separated-values", "accept-encoding": "identity"}
    query = "SELECT ?s ?l WHERE { ?s ?p ?l }"
    with httpx.stream("GET", url, params={"query": query}, headers=headers, timeout=120) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            if not first:
                first = time.perf_counter() - started
            size += len(chunk)
    total = time.perf_counter() - started
    after = _peak_kib(pid)
    return (
        f"{size / 1e6:7.1f} MB  TTFB {first * 1000:7.1f} ms  total {total:5.2f} s  "
        f"peak memory: server {before[0] / 1024:5.1f} → {after[0] / 1024:5.1f} MiB, "
        f"workers {before[1] / 1024:5.1f} → {after[1] / 1024:5.1f} MiB"
    )


def _large() -> None:
    with tempfile.TemporaryDirectory(prefix="scgraph-bench-") as temporary:
        directory = Path(temporary)
        store_dir = _synthetic(directory)
        print(f"\nLarge result: SELECT over {LARGE_ROWS:,} synthetic triples, TSV, streamed")
        with _scgraph(directory, timeout_s=120) as (ours, pid):
            print(f"  scgraph   {_stream(ours, pid)}")
        with _oxigraph(store_dir) as (theirs, pid):
            print(f"  oxigraph  {_stream(theirs, pid)}")


def main() -> None:
    settings = Settings()
    data_dir = settings.data_dir
    if not (data_dir / "current").exists():
        print(f"skipped: no build at {data_dir}/current; run `make build` first")
        return
    _mix(data_dir, settings.base_iri)
    _large()


if __name__ == "__main__":
    main()
