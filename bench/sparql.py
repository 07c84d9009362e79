"""SPARQL endpoint: scgraph's /sparql against `oxigraph serve-read-only` on the same store.

`python -m bench.sparql` writes a synthetic store (a smart-city graph of ENTITIES entities for the
query mix, plus LARGE_ROWS rows for large results), starts both servers on 127.0.0.1 over it and
prints two tables of figures measured in this run:

- the query mix (entity look-up, 1-hop join, DESCRIBE; label search and an aggregate, which are
  engine-bound) at concurrency 1, 4 and 16: throughput, p50 and p99 latency of each server and
  the ratio scgraph/oxigraph, against the targets ≥ 0.5× (cheap) and ≥ 0.9× (expensive). Each
  request names another entity (a wrk Lua script walks the ENTITIES in a stride, each cell on its
  own segment of the walk; the expensive queries filter on it), so that a cell does not measure
  scgraph's answer cache (server/sparql_answers.py): the `hits` column is the share of its
  answers that came from that cache, counted by the script from the X-Answer-Cache header;
- the ceiling: a bare ASGI app on the same uvicorn set-up answering a fixed body of the entity
  look-up's size (bench/_sparql_ceiling.py), next to oxigraph's entity look-up: the most any
  Python endpoint could reach here;
- one large result per format (SELECT in JSON, XML, CSV, TSV; CONSTRUCT in every RDF format):
  time to first byte, total time, and how much the servers' resident memory grew while sending.

The load comes from `wrk` (one thread, so the client takes little of the CPU both servers share;
`make bench` installs it) and large results are read by `curl`: a Python client saturates a core
before either server does, which squeezes every ratio towards 1. Without wrk, an httpx client is
used and the table says it is client-bound. Both servers get every core: oxigraph serve runs a
thread per core, scgraph as many uvicorn workers as cores (`--workers`), each with its own pool of
query processes (`--query-workers`). Neither logs each request: scgraph runs with
SCGRAPH_ACCESS_LOG=false (`--access-log` turns it on), as oxigraph serve logs nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pyoxigraph as ox

from bench._process import stop_process

CONCURRENCY = (1, 4, 16)
ENTITIES = 20_000
LARGE_ROWS = 1_000_000
EX = "https://example.org/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CLASSES = ("City", "Organisation", "Person", "Event", "Project", "Statistic", "Theme", "Article")
PLACES = ("Đà Nẵng", "Hà Nội", "Huế", "Cần Thơ", "Hải Phòng", "Seoul", "Tokyo")
JSON_RESULTS = "application/sparql-results+json"
TARGETS = {"cheap": 0.5, "expensive": 0.9}
FIRST_BYTE_TARGET_MS = 50
TOTAL_TARGET = 1.3
MEMORY_TARGET_MIB = 50


# ---- the store ---------------------------------------------------------------------------------


def _quads(entities: int, rows: int) -> Iterator[ox.Quad]:
    label, rdf_type = ox.NamedNode(RDFS_LABEL), ox.NamedNode(RDF_TYPE)
    related, note = ox.NamedNode(EX + "related"), ox.NamedNode(EX + "note")
    graph = ox.DefaultGraph()
    for i in range(entities):
        node = ox.NamedNode(f"{EX}id/{i}")
        kind = CLASSES[i % len(CLASSES)]
        yield ox.Quad(node, rdf_type, ox.NamedNode(EX + kind), graph)
        name = f"{kind} {PLACES[i % len(PLACES)]} số {i}"
        yield ox.Quad(node, label, ox.Literal(name, language="vi"), graph)
        for step in (1, 7, 101):
            yield ox.Quad(
                node, related, ox.NamedNode(f"{EX}id/{(i * step + 13) % entities}"), graph
            )
    for i in range(rows):
        yield ox.Quad(ox.NamedNode(f"{EX}row/{i}"), note, ox.Literal(f"dòng {i}"), graph)


def _synthetic(directory: Path, entities: int, rows: int) -> Path:
    """A data directory whose `current` build holds the synthetic store; returns the store."""
    build = directory / "builds" / "synthetic"
    build.mkdir(parents=True)
    store = ox.Store(str(build / "store"))
    store.bulk_extend(_quads(entities, rows))
    store.flush()
    del store
    (build / "build.json").write_text('{"build_id": "synthetic"}', encoding="utf-8")
    (directory / "current").symlink_to(build.relative_to(directory))
    return build / "store"


# ---- the servers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    pid: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def _process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        stop_process(process)


@contextmanager
def _scgraph(
    data_dir: Path, workers: int, query_workers: int, access_log: bool = False
) -> Iterator[Server]:
    port = _free_port()
    env = {
        **os.environ,
        "SCGRAPH_DATA_DIR": str(data_dir),
        "SCGRAPH_QUERY_TIMEOUT_S": "120",
        "SCGRAPH_QUERY_WORKERS": str(query_workers),
        "SCGRAPH_MAX_RESULT_BYTES": str(2_000_000_000),
        "SCGRAPH_ACCESS_LOG": "true" if access_log else "false",
    }
    command = [sys.executable, "-m", "scgraph.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    with _process(command, env) as process:
        url = f"http://127.0.0.1:{port}/sparql"
        _wait_until_up(url, process)
        # Every uvicorn worker starts its query processes at its first query: warm them all.
        for _ in range(4 * workers):
            httpx.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        yield Server("scgraph", url, process.pid)


@contextmanager
def _ceiling(workers: int) -> Iterator[Server]:
    """bench/_sparql_ceiling.py on uvicorn as `scgraph serve` runs it."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "bench._sparql_ceiling:app", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    command += ["--http", "scgraph.server.slow_clients:GuardedHttpToolsProtocol"]
    root = Path(__file__).resolve().parent.parent
    with _process(command, {**os.environ, "PYTHONPATH": str(root)}) as process:
        url = f"http://127.0.0.1:{port}/sparql"
        _wait_until_up(url, process)
        yield Server("ceiling", url, process.pid)


@contextmanager
def _oxigraph(store_dir: Path) -> Iterator[Server]:
    port = _free_port()
    binary = Path(sys.executable).parent / "oxigraph"
    command = [str(binary), "serve-read-only", "--location", str(store_dir)]
    command += ["--bind", f"127.0.0.1:{port}"]
    with _process(command, dict(os.environ)) as process:
        url = f"http://127.0.0.1:{port}/query"
        _wait_until_up(url, process)
        yield Server("oxigraph", url, process.pid)


# ---- the query mix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    rate: float
    p50_ms: float
    p99_ms: float
    hits: float | None = None
    """Share of answers scgraph took from its answer cache (X-Answer-Cache: hit), if counted."""
    cpu_ms: float | None = None
    """The server's CPU time per answer, all its processes together, if counted."""


ENTITY_SLOT = "ENTITYNUMBER"
"""Stands for the entity's number in a cheap query: the wrk script puts another one in each
request."""
STRIDE = 7919  # a prime: the walk meets every entity before it repeats one
SEGMENT = 3_300
"""Steps of the walk each cell takes before reaching the next cell's first entity: cells take
consecutive segments of one walk (six per query: three concurrencies, two servers), so that a
scgraph cell asks what an earlier scgraph cell of the same query asked (which scgraph's answer
cache would answer, and the hits column would show) only past 2 × SEGMENT requests. A larger
store would leave more room, but makes the expensive queries too slow for a cell of seconds."""
_segments = itertools.count()


def _next_start() -> int:
    """The entity where the next cell's walk begins."""
    return next(_segments) * SEGMENT * STRIDE % ENTITIES


def _query_mix() -> list[tuple[str, str, str, str]]:
    """(name, cost class, query, Accept) for each query of the mix."""
    entity, label = f"<{EX}id/{ENTITY_SLOT}>", f"<{RDFS_LABEL}>"
    return [
        ("entity lookup", "cheap", f"SELECT ?p ?o WHERE {{ {entity} ?p ?o }}", JSON_RESULTS),
        (
            "1-hop join + labels",
            "cheap",
            f"SELECT ?o ?l WHERE {{ {entity} <{EX}related> ?o . ?o {label} ?l }}",
            JSON_RESULTS,
        ),
        ("DESCRIBE", "cheap", f"DESCRIBE {entity}", "text/turtle"),
        (
            "label search",
            "expensive",
            f"SELECT ?s ?l WHERE {{ ?s a <{EX}Organisation> ; {label} ?l "
            f'FILTER(CONTAINS(LCASE(STR(?l)), "nẵng số {ENTITY_SLOT}")) }}',
            JSON_RESULTS,
        ),
        (
            "aggregate",
            "expensive",
            f"SELECT ?t (COUNT(?s) AS ?n) WHERE {{ ?s a ?t FILTER(?s != {entity}) }} "
            "GROUP BY ?t ORDER BY DESC(?n)",
            JSON_RESULTS,
        ),
    ]


_WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


_WALK = """
local prefix, suffix = %s, %s
local n, stride, i = %d, %d, %d
request = function()
  i = (i + stride) %% n
  return wrk.format(nil, prefix .. i .. suffix)
end
hits = 0
response = function(status, headers, body)
  if headers["x-answer-cache"] == "hit" or headers["X-Answer-Cache"] == "hit" then
    hits = hits + 1
  end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("hits") end
  io.write(string.format("answer cache hits: %%d of %%d\\n", total, summary.requests))
end
"""
_HITS = re.compile(r"answer cache hits: (\d+) of (\d+)")


def _walk_script(url: str, query: str, start: int) -> str:
    """A wrk script asking `query` with ENTITY_SLOT replaced by another entity each time."""
    path = urlsplit(url).path + "?" + urlencode({"query": query})
    prefix, _, suffix = path.partition(ENTITY_SLOT)
    return _WALK % (_lua_string(prefix), _lua_string(suffix), ENTITIES, STRIDE, start)


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk(url: str, query: str, accept: str, concurrency: int, seconds: float) -> Cell:
    target = url + "?" + urlencode({"query": query})
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s", "--latency"]
    command += ["--timeout", "30s", "-H", f"Accept: {accept}", target]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if ENTITY_SLOT in query:
            script.write(_walk_script(url, query, _next_start()))
            script.flush()
            command[1:1] = ["-s", script.name]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed requests on {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {p: float(v) * _UNIT_MS[unit] for p, v, unit in _WRK_LATENCY.findall(out)}
    counted = _HITS.search(out)
    hits = int(counted.group(1)) / max(int(counted.group(2)), 1) if counted else None
    return Cell(rate, latency["50"], latency["99"], hits)


async def _drive(url: str, query: str, accept: str, concurrency: int, seconds: float) -> Cell:
    latencies: list[float] = []
    numbers = itertools.count(_next_start(), STRIDE)
    headers = {"accept": accept, "accept-encoding": "identity"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        end = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < end:
                started = time.perf_counter()
                asked = query.replace(ENTITY_SLOT, str(next(numbers) % ENTITIES))
                response = await client.get(url, params={"query": asked}, headers=headers)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Cell(len(latencies) / wall, statistics.median(latencies) * 1000, p99 * 1000)


def _cell(url: str, query: str, accept: str, concurrency: int, seconds: float) -> Cell:
    if shutil.which("wrk"):
        return _wrk(url, query, accept, concurrency, seconds)
    return asyncio.run(_drive(url, query, accept, concurrency, seconds))


def _paired_cells(
    ours: Server,
    theirs: Server,
    query: str,
    accept: str,
    concurrency: int,
    seconds: float,
    rounds: int,
) -> tuple[Cell, Cell]:
    """Both servers' cells, `rounds` times in turn (ours first, then theirs first, and so on):
    the machine's speed drifts by ~10% over minutes here, and alternating keeps a drift from
    favouring whichever server goes second. Rates and p50 are the rounds' means, p99 the worst;
    each cell also counts its server's CPU time per answer (all its processes)."""
    taken: dict[str, list[Cell]] = {ours.url: [], theirs.url: []}
    for round_number in range(rounds):
        order = (ours, theirs) if round_number % 2 == 0 else (theirs, ours)
        for server in order:
            processes = _tree(server.pid)
            before = _cpu_seconds(processes)
            cell = _cell(server.url, query, accept, concurrency, seconds)
            answers = max(cell.rate * seconds, 1.0)
            used_ms = (_cpu_seconds(processes) - before) * 1000 / answers
            taken[server.url].append(replace(cell, cpu_ms=used_ms))
    return _combined(taken[ours.url]), _combined(taken[theirs.url])


def _cpu_seconds(processes: list[int]) -> float:
    """User and system CPU time of these processes (those still running)."""
    total = 0.0
    for pid in processes:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _combined(cells: list[Cell]) -> Cell:
    hits = [cell.hits for cell in cells if cell.hits is not None]
    cpu = [cell.cpu_ms for cell in cells if cell.cpu_ms is not None]
    return Cell(
        rate=statistics.fmean(cell.rate for cell in cells),
        p50_ms=statistics.fmean(cell.p50_ms for cell in cells),
        p99_ms=max(cell.p99_ms for cell in cells),
        hits=statistics.fmean(hits) if hits else None,
        cpu_ms=statistics.fmean(cpu) if cpu else None,
    )


def _ceiling_row(ceiling: Server, theirs: Server, seconds: float, rounds: int) -> None:
    """The bare app against oxigraph's entity look-up, at concurrency 16."""
    name, _, query, accept = _query_mix()[0]
    a, b = _paired_cells(ceiling, theirs, query, accept, 16, seconds, rounds)
    print(
        f"{'ceiling: bare ASGI':20} {16:>4}  {a.rate:13.0f} {a.p50_ms:7.1f} {a.p99_ms:7.1f}  "
        f"{b.rate:14.0f} {b.p50_ms:7.1f} {b.p99_ms:7.1f}  {a.rate / max(b.rate, 1e-9):5.2f}  "
        f"(fixed body vs oxigraph's {name})"
    )


def _mix(
    ours: Server,
    theirs: Server,
    seconds: float,
    only: str | None = None,
    concurrencies: tuple[int, ...] = CONCURRENCY,
    rounds: int = 2,
) -> None:
    client = "wrk, 1 thread" if shutil.which("wrk") else "httpx (CLIENT-BOUND: install wrk)"
    print(
        f"\nQuery mix over {ENTITIES:,} entities, {rounds} round(s) of {seconds:g} s per cell "
        f"and server, in turn, client: {client}"
    )
    print(
        f"{'query':20} {'conc':>4}  {'scgraph req/s':>13} {'p50 ms':>7} {'p99 ms':>7}  "
        f"{'oxigraph req/s':>14} {'p50 ms':>7} {'p99 ms':>7}  {'ratio':>5}  {'hits':>5}  "
        f"{'cpu ms/answer':>13} {'cpu ratio':>9}  target"
    )
    for name, cost, query, accept in _query_mix():
        if only is not None and only not in name and only != cost:
            continue
        for concurrency in concurrencies:
            a, b = _paired_cells(ours, theirs, query, accept, concurrency, seconds, rounds)
            # A cell where no request finished in time has a rate of 0.
            ratio, target = a.rate / b.rate if b.rate else float("nan"), TARGETS[cost]
            verdict = (
                f"≥{target} {'ok' if ratio >= target else 'MISSED'}" if concurrency == 16 else ""
            )
            print(
                f"{name:20} {concurrency:>4}  {a.rate:13.0f} {a.p50_ms:7.1f} {a.p99_ms:7.1f}  "
                f"{b.rate:14.0f} {b.p50_ms:7.1f} {b.p99_ms:7.1f}  {ratio:5.2f}  "
                f"{'' if a.hits is None else f'{a.hits:5.0%}':>5}  {_cpu(a, b)}  {verdict}"
            )


def _cpu(ours: Cell, theirs: Cell) -> str:
    """CPU per answer, scgraph's and oxigraph's, and oxigraph's over scgraph's: a measure of the
    work per answer that a neighbour's load on the machine moves less than it moves a rate."""
    if ours.cpu_ms is None or theirs.cpu_ms is None or ours.cpu_ms <= 0:
        return f"{'':>13} {'':>9}"
    both = f"{ours.cpu_ms:.3f}/{theirs.cpu_ms:.3f}"
    return f"{both:>13} {theirs.cpu_ms / ours.cpu_ms:9.2f}"


# ---- large results -----------------------------------------------------------------------------


def _tree(root: int) -> list[int]:
    """`root` and all its descendants (uvicorn workers, their query processes)."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            children = task / "children"
            if children.exists():
                pending += [int(child) for child in children.read_text().split()]
    return found


def _rss_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in lines if line.startswith("VmRSS:"))


def _is_query_worker(pid: int) -> bool:
    try:
        return b"scgraph.sparql_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@contextmanager
def _memory_growth(root: int) -> Iterator[list[int]]:
    """Samples resident memory every 10 ms; yields [growth of the whole process tree, growth of
    its HTTP processes alone] in KiB, filled in on exit. A query worker's growth is the query
    engine's own (oxigraph serve grows alike); an HTTP process's is what buffering would cost."""
    pids = _tree(root)
    http = [pid for pid in pids if not _is_query_worker(pid)]

    def now() -> tuple[int, int]:
        sizes = {pid: _rss_kib(pid) for pid in pids}
        return sum(sizes.values()), sum(sizes[pid] for pid in http)

    base = now()
    peak = list(base)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            tree, front = now()
            peak[0], peak[1] = max(peak[0], tree), max(peak[1], front)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    growth = [0, 0]
    try:
        yield growth
    finally:
        stop.set()
        sampler.join()
        growth[0], growth[1] = peak[0] - base[0], peak[1] - base[1]


@dataclass(frozen=True)
class Transfer:
    size: int
    first_byte_ms: float
    total_s: float
    rss_mib: float
    http_mib: float


def _transfer(server: Server, query: str, accept: str) -> Transfer:
    target = server.url + "?" + urlencode({"query": query})
    command = ["curl", "-sS", "--fail", "-o", "/dev/null", "-H", f"Accept: {accept}"]
    command += ["-w", "%{time_starttransfer} %{time_total} %{size_download}", target]
    with _memory_growth(server.pid) as growth:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    first, total, size = out.split()
    return Transfer(
        int(size), float(first) * 1000, float(total), growth[0] / 1024, growth[1] / 1024
    )


def _large_formats() -> list[tuple[str, str, str]]:
    select = f"SELECT ?s ?l WHERE {{ ?s <{EX}note> ?l }}"
    construct = f"CONSTRUCT {{ ?s <{EX}note> ?l }} WHERE {{ ?s <{EX}note> ?l }}"
    solutions = [("JSON", JSON_RESULTS), ("XML", "application/sparql-results+xml")]
    solutions += [("CSV", "text/csv"), ("TSV", "text/tab-separated-values")]
    graphs = [("Turtle", "text/turtle"), ("N-Triples", "application/n-triples")]
    graphs += [("JSON-LD", "application/ld+json"), ("RDF/XML", "application/rdf+xml")]
    graphs += [("N-Quads", "application/n-quads"), ("TriG", "application/trig")]
    return [(f"SELECT {n}", select, a) for n, a in solutions] + [
        (f"CONSTRUCT {n}", construct, a) for n, a in graphs
    ]


def _large(ours: Server, theirs: Server) -> None:
    if not shutil.which("curl"):
        print("\nLarge results: skipped, curl is not installed")
        return
    print(
        f"\nLarge results: {LARGE_ROWS:,} rows/triples per format; memory: resident growth of the "
        "server's process tree (of its HTTP processes, which the target is about; the rest is "
        "the query engine's own, as in oxigraph serve)"
    )
    print(
        f"{'result':20} {'MB':>6}  {'scgraph TTFB ms':>15} {'total s':>7} {'mem MiB':>13}  "
        f"{'oxigraph TTFB ms':>16} {'total s':>7} {'mem MiB':>13}  {'total ratio':>11}  targets"
    )
    # Read the rows once first, so that neither server pays for a cold page cache.
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}note> ?l }}"
    httpx.get(theirs.url, params={"query": count}, timeout=120).raise_for_status()
    for name, query, accept in _large_formats():
        a, b = _transfer(ours, query, accept), _transfer(theirs, query, accept)
        ratio = a.total_s / b.total_s
        missed = [
            what
            for what, ok in (
                ("TTFB", a.first_byte_ms <= FIRST_BYTE_TARGET_MS),
                ("total", ratio <= TOTAL_TARGET),
                ("memory", a.http_mib < MEMORY_TARGET_MIB),
            )
            if not ok
        ]
        print(
            f"{name:20} {a.size / 1e6:6.1f}  {a.first_byte_ms:15.1f} {a.total_s:7.2f} "
            f"{a.rss_mib:+6.1f} ({a.http_mib:+5.1f})  "
            f"{b.first_byte_ms:16.1f} {b.total_s:7.2f} {b.rss_mib:+6.1f} ({b.http_mib:+5.1f})  "
            f"{ratio:11.2f}  {'MISSED ' + ', '.join(missed) if missed else 'ok'}"
        )


def main(argv: list[str] | None = None) -> None:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m bench.sparql", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each mix cell")
    parser.add_argument(
        "--rounds", type=int, default=2, help="cells per query and server, taken in turn"
    )
    parser.add_argument("--workers", type=int, default=cores, help="scgraph uvicorn workers")
    parser.add_argument("--query-workers", type=int, default=2, help="query processes each")
    parser.add_argument("--access-log", action="store_true", help="scgraph logs each request")
    parser.add_argument("--only", help="mix: only queries whose name holds this, or 'cheap'")
    parser.add_argument(
        "--concurrency", type=int, action="append", help="mix: this concurrency (repeatable)"
    )
    parser.add_argument("--skip-mix", action="store_true")
    parser.add_argument("--skip-ceiling", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"{cores} cores; scgraph: {args.workers} uvicorn worker(s) × {args.query_workers} query "
        f"process(es), access log {'on' if args.access_log else 'off'}; oxigraph "
        "serve-read-only: its own thread pool, no access log"
    )
    with tempfile.TemporaryDirectory(prefix="scgraph-bench-") as temporary:
        directory = Path(temporary)
        started = time.perf_counter()
        store_dir = _synthetic(directory, ENTITIES, 0 if args.skip_large else LARGE_ROWS)
        print(f"synthetic store written in {time.perf_counter() - started:.1f} s")
        with (
            _scgraph(directory, args.workers, args.query_workers, args.access_log) as ours,
            _oxigraph(store_dir) as theirs,
        ):
            if not args.skip_mix:
                levels = tuple(args.concurrency or CONCURRENCY)
                _mix(ours, theirs, args.seconds, args.only, levels, args.rounds)
            if not args.skip_ceiling:
                with _ceiling(args.workers) as ceiling:
                    _ceiling_row(ceiling, theirs, args.seconds, args.rounds)
            if not args.skip_large:
                _large(ours, theirs)


if __name__ == "__main__":
    main()
