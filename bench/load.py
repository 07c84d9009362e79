"""Bounded load test: mixed requests at concurrency 32 against a real `scgraph serve --workers 2`.

The real mappings are built into a temporary data directory and served on 127.0.0.1 with a 2 s
query timeout. A baseline phase sends only cheap requests; the main phase (10,000 by default)
mixes SPARQL lookups and small joins, entity pages, /id/ IRIs dereferenced as Turtle, JSON API
search and entity requests, and about 1 in 200 unbounded cartesian products that the server must
kill at its timeout (503). Both phases share one wall-clock limit, so the run stops by itself.
During the main phase the data is rebuilt (`scgraph build`, 2 times by default, the first after
5% of its requests): each server process must switch to the new build without an unexpected
answer.

Printed: throughput, per kind the count, statuses and p50/p95/p99 latency, every unexpected
answer (there should be none), the p99 of cheap requests that overlapped an expensive one against
the baseline p99 from this same run, the peak RSS (VmHWM, sampled every 0.5 s from /proc) of
every process of the server: the uvicorn master, its workers and their SPARQL worker processes,
and for each rebuild how long the switch took and how the requests around it were answered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from bench._process import stop_process
from scgraph.pipeline import run_build
from scgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 10_000
BASELINE_REQUESTS = 2_000
CONCURRENCY = 32
MAX_SECONDS = 300.0
EXPENSIVE_EVERY = 200
QUERY_TIMEOUT_S = 2.0
SAMPLE_EVERY_S = 0.5
SEED = 6
REBUILDS = 2
REBUILD_FROM = 0.05  # share of the main phase's requests sent before the first rebuild starts
HEALTH_EVERY_S = 0.1
RSS_EVERY = 2_500  # main-phase requests between two samples of the uvicorn workers' VmRSS
SWITCH_LIMIT_S = 10.0  # a server process not serving a new build this long after it is missed
JSON_RESULTS = "application/sparql-results+json"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# Three copies of every triple joined with nothing in common: far more rows than 2 s can count.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
EXPENSIVE = "sparql-expensive"
CHEAP_KINDS = (
    "sparql-lookup",
    "sparql-join",
    "page",
    "id-turtle",
    "api-search",
    "api-entity",
)


@dataclass(frozen=True)
class Entity:
    iri: str
    path: str  # after `{base}id/`, e.g. city/da-nang
    label: str


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: int | None  # None: no HTTP answer (connection error, client timeout)
    seconds: float
    overlapped: bool  # an expensive query was in flight at some point during this request
    error: str | None
    path: str | None = None  # of a request that got no HTTP answer, to look up in the server log
    ended: float = 0.0  # time.monotonic() when the answer was complete


@dataclass
class _Expensive:
    """Expensive queries in flight and started so far, shared by every request of a phase."""

    in_flight: int = 0
    started: int = 0


@dataclass
class _Peaks:
    """Highest VmHWM seen per process of the server, with what each process is."""

    kib: dict[int, int] = field(default_factory=dict)
    role: dict[int, str] = field(default_factory=dict)
    # Per sample: the tree's summed VmRSS and its number of processes; the highest of each.
    total_rss_kib: int = 0
    live: int = 0
    # VmRSS of the long-lived processes (master, uvicorn workers) at named moments, to show growth.
    rss_at: dict[str, dict[int, int]] = field(default_factory=dict)


# ---- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _build(data_dir: Path) -> Settings:
    settings = Settings(
        mappings_dir=ROOT / "mappings",
        ontology_dir=ROOT / "ontology",
        queries_dir=ROOT / "queries",
        data_dir=data_dir,
    )
    run_build(settings)
    return settings


@contextmanager
def _server(
    settings: Settings, log_path: Path, query_workers: int | None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **os.environ,
        "SCGRAPH_DATA_DIR": str(settings.data_dir),
        "SCGRAPH_MAPPINGS_DIR": str(settings.mappings_dir),
        "SCGRAPH_ONTOLOGY_DIR": str(settings.ontology_dir),
        "SCGRAPH_QUERIES_DIR": str(settings.queries_dir),
        "SCGRAPH_QUERY_TIMEOUT_S": str(QUERY_TIMEOUT_S),
    }
    if query_workers is not None:
        env["SCGRAPH_QUERY_WORKERS"] = str(query_workers)
    command = [sys.executable, "-m", "scgraph.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2"]
    # The log goes to a file: an unread pipe would fill up and stall the server.
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(base, process, log_path)
        yield base, process
    finally:
        stop_process(process)


def _wait_for_health(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}: {log[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base}/health did not answer within 60 s")


# ---- memory of the server's process tree ------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces; the parent pid follows the last ')'.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_by_parent()
    pids, pending = [], [root]
    while pending:
        pid = pending.pop()
        pids.append(pid)
        pending.extend(children.get(pid, []))
    return pids


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "uvicorn master"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "scgraph.sparql_worker" in command:
        return "SPARQL worker"
    if "resource_tracker" in command:
        return "multiprocessing resource tracker"
    if "spawn_main" in command:
        return "uvicorn worker"
    return "other: " + command[:60]


def _status_kib(status: str, key: str) -> int:
    for line in status.splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def _sample(root: int, peaks: _Peaks, moment: str | None = None) -> None:
    total, live = 0, 0
    for pid in _tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if pid not in peaks.role:
            peaks.role[pid] = _role(pid, root)
        peaks.kib[pid] = max(_status_kib(status, "VmHWM:"), peaks.kib.get(pid, 0))
        rss = _status_kib(status, "VmRSS:")
        total, live = total + rss, live + 1
        if moment is not None and peaks.role[pid] in ("uvicorn master", "uvicorn worker"):
            peaks.rss_at.setdefault(moment, {})[pid] = rss
    peaks.total_rss_kib = max(peaks.total_rss_kib, total)
    peaks.live = max(peaks.live, live)


@contextmanager
def _sampling(root: int) -> Iterator[_Peaks]:
    peaks, stop = _Peaks(), threading.Event()

    def loop() -> None:
        while not stop.is_set():
            _sample(root, peaks)
            stop.wait(SAMPLE_EVERY_S)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        stop.set()
        thread.join()


def _sample_as_load_goes(
    root: int, peaks: _Peaks, outcomes: list[Outcome], stop: threading.Event
) -> None:
    """VmRSS of the long-lived processes every RSS_EVERY answers: does it level off?"""
    mark = RSS_EVERY
    while not stop.wait(0.2):
        if len(outcomes) >= mark:
            _sample(root, peaks, f"after {mark} main-phase requests")
            mark += RSS_EVERY


# ---- the requests -----------------------------------------------------------------------------


def _entities(base: str, base_iri: str) -> list[Entity]:
    # Not the build's own resource (id/build/<build id>): a rebuild replaces it, so after the
    # switch it is rightly 404.
    query = f"""SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
      ?s <{RDFS_LABEL}> ?l
      FILTER(STRSTARTS(STR(?s), "{base_iri}id/") && !STRSTARTS(STR(?s), "{base_iri}id/build/"))
    }} GROUP BY ?s ORDER BY ?s LIMIT 300"""
    answer = httpx.get(
        base + "/sparql", params={"query": query}, headers={"Accept": JSON_RESULTS}, timeout=30
    )
    answer.raise_for_status()
    found = []
    for row in answer.json()["results"]["bindings"]:
        iri = row["s"]["value"]
        found.append(Entity(iri, iri.removeprefix(base_iri + "id/"), row["label"]["value"]))
    if not found:
        raise RuntimeError("the build holds no labelled entities to ask for")
    return found


def _sparql(query: str) -> tuple[str, dict[str, str], dict[str, str]]:
    return "/sparql", {"query": query}, {"Accept": JSON_RESULTS}


def _request(kind: str, entity: Entity) -> tuple[str, dict[str, str], dict[str, str]]:
    """Path, query parameters and headers of one request of `kind` about `entity`."""
    if kind == EXPENSIVE:
        return _sparql(CARTESIAN)
    if kind == "sparql-lookup":
        return _sparql(f"SELECT ?p ?o WHERE {{ <{entity.iri}> ?p ?o }} LIMIT 100")
    if kind == "sparql-join":
        return _sparql(
            f"SELECT ?s ?p ?label WHERE {{ ?s ?p <{entity.iri}> . "
            f"OPTIONAL {{ ?s <{RDFS_LABEL}> ?label }} }} LIMIT 50"
        )
    if kind == "page":
        return f"/page/{quote(entity.path)}", {}, {"Accept": "text/html"}
    if kind == "id-turtle":
        return f"/id/{quote(entity.path)}", {}, {"Accept": "text/turtle"}
    if kind == "api-search":
        word = entity.label.split()[0]
        return "/api/search", {"q": word}, {"Accept": "application/json"}
    if kind == "api-entity":
        return f"/api/entities/{quote(entity.path)}", {}, {"Accept": "application/json"}
    raise ValueError(kind)


def _plan(count: int, with_expensive: bool, rng: random.Random) -> list[str]:
    kinds = [rng.choice(CHEAP_KINDS) for _ in range(count)]
    if with_expensive:
        for index in range(EXPENSIVE_EVERY // 2, count, EXPENSIVE_EVERY):
            kinds[index] = EXPENSIVE
    return kinds


def _unexpected(kind: str, status: int) -> str | None:
    expected = 503 if kind == EXPENSIVE else 200
    return None if status == expected else f"HTTP {status}, expected {expected}"


async def _one(
    client: httpx.AsyncClient, kind: str, entity: Entity, expensive: _Expensive
) -> Outcome:
    path, params, headers = _request(kind, entity)
    in_flight_before, started_before = expensive.in_flight, expensive.started
    if kind == EXPENSIVE:
        expensive.in_flight += 1
        expensive.started += 1
    start = time.perf_counter()
    status: int | None = None
    failed_path: str | None = None
    try:
        answer = await client.get(path, params=params, headers=headers)
        status = answer.status_code
        error = _unexpected(kind, status)
        if error is not None:
            error += ": " + " ".join(answer.text[:300].split())
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__} on {failure.request.url}: {failure}"
        failed_path = failure.request.url.raw_path.decode()
    finally:
        if kind == EXPENSIVE:
            expensive.in_flight -= 1
    seconds = time.perf_counter() - start
    overlapped = in_flight_before > 0 or expensive.started > started_before
    return Outcome(kind, status, seconds, overlapped, error, failed_path, time.monotonic())


async def _phase(
    base: str,
    kinds: list[str],
    entities: list[Entity],
    deadline: float,
    rng: random.Random,
    outcomes: list[Outcome] | None = None,
) -> tuple[list[Outcome], float]:
    """Send `kinds` at CONCURRENCY; stop early at `deadline`. Outcomes (appended to `outcomes`
    as they come, for whoever watches the progress) and seconds taken."""
    jobs = iter([(kind, rng.choice(entities)) for kind in kinds])
    outcomes = [] if outcomes is None else outcomes
    expensive = _Expensive()
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    timeout = httpx.Timeout(30.0)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=timeout, follow_redirects=True
    ) as client:

        async def worker() -> None:
            for kind, entity in jobs:
                if time.monotonic() > deadline:
                    return
                outcomes.append(await _one(client, kind, entity, expensive))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return outcomes, time.perf_counter() - start


# ---- rebuilds while serving ------------------------------------------------------------------


@dataclass
class Rebuild:
    started: float
    built: float = 0.0  # `scgraph build` returned: `current` names the new build
    build_id: str = ""
    error: str | None = None


@dataclass
class _Served:
    """Build ids /health named, each with when it was first and last seen."""

    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    failures: int = 0


def _watch_health(base: str, served: _Served, stop: threading.Event) -> None:
    # Its own connection each time: uvicorn hands connections to its workers in turn, so
    # successive requests see each worker.
    while not stop.is_set():
        try:
            build = httpx.get(base + "/health", timeout=5).json()["build"]
        except (httpx.HTTPError, ValueError, KeyError):
            served.failures += 1
        else:
            now = time.monotonic()
            served.first.setdefault(build, now)
            served.last[build] = now
        stop.wait(HEALTH_EVERY_S)


def _rebuild_during(
    settings: Settings, outcomes: list[Outcome], start_at: int, count: int, stop: threading.Event
) -> list[Rebuild]:
    """Once `start_at` answers are in, run `scgraph build` `count` times, one after the other."""
    env = {
        **os.environ,
        "SCGRAPH_DATA_DIR": str(settings.data_dir),
        "SCGRAPH_MAPPINGS_DIR": str(settings.mappings_dir),
        "SCGRAPH_ONTOLOGY_DIR": str(settings.ontology_dir),
    }
    while len(outcomes) < start_at and not stop.is_set():
        stop.wait(0.05)
    rebuilds = []
    for _ in range(count):
        if stop.is_set():
            break
        rebuild = Rebuild(time.monotonic())
        done = subprocess.run(
            [sys.executable, "-m", "scgraph.cli", "build"], env=env, capture_output=True
        )
        rebuild.built = time.monotonic()
        if done.returncode != 0:
            rebuild.error = done.stderr.decode(errors="replace")[-500:]
        else:
            summary = (settings.data_dir / "current" / "build.json").read_text(encoding="utf-8")
            rebuild.build_id = json.loads(summary)["build_id"]
        rebuilds.append(rebuild)
    return rebuilds


# ---- the report -------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _latencies(outcomes: list[Outcome], keep: Callable[[Outcome], bool]) -> list[float]:
    return [o.seconds * 1000 for o in outcomes if keep(o)]


def _print_phase(title: str, outcomes: list[Outcome], seconds: float, planned: int) -> None:
    print(
        f"-- {title}: {len(outcomes)} of {planned} requests in {seconds:.1f} s, "
        f"{len(outcomes) / seconds:.0f} req/s"
    )
    print(f"   {'kind':<18}{'count':>7}  {'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}  statuses")
    for kind in (*CHEAP_KINDS, EXPENSIVE):
        mine = [o for o in outcomes if o.kind == kind]
        if not mine:
            continue
        times = _latencies(mine, lambda _: True)
        statuses = Counter(str(o.status) if o.status is not None else "none" for o in mine)
        shown = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        print(
            f"   {kind:<18}{len(mine):>7}  {_percentile(times, 0.5):>8.1f}"
            f"{_percentile(times, 0.95):>8.1f}{_percentile(times, 0.99):>8.1f}  {shown}"
        )
    errors = [o for o in outcomes if o.error is not None]
    print(f"   unexpected answers: {len(errors)}")
    for outcome in errors[:20]:
        print(f"     {outcome.kind}: {outcome.error}")


def _print_blocking(baseline: list[Outcome], main: list[Outcome]) -> None:
    def cheap(o: Outcome) -> bool:
        return o.kind != EXPENSIVE and o.error is None

    reference = _percentile(_latencies(baseline, cheap), 0.99)
    during = _latencies(main, lambda o: cheap(o) and o.overlapped)
    print(f"-- cheap p99: baseline {reference:.1f} ms")
    print(
        f"   main phase, all cheap: {_percentile(_latencies(main, cheap), 0.99):.1f} ms "
        f"(ratio {_percentile(_latencies(main, cheap), 0.99) / reference:.2f})"
    )
    print(
        f"   main phase, cheap overlapping an expensive query ({len(during)}): "
        f"{_percentile(during, 0.99):.1f} ms (ratio {_percentile(during, 0.99) / reference:.2f})"
    )
    for kind in ("sparql-lookup", "sparql-join"):
        kind_base = [o.seconds * 1000 for o in baseline if o.kind == kind and cheap(o)]
        kind_during = [
            o.seconds * 1000 for o in main if o.kind == kind and cheap(o) and o.overlapped
        ]
        print(
            f"   {kind} overlapping: p99 {_percentile(kind_during, 0.99):.1f} ms "
            f"vs baseline {_percentile(kind_base, 0.99):.1f} ms"
        )


def _print_memory(peaks: _Peaks) -> None:
    print(f"-- memory of the server's process tree, sampled every {SAMPLE_EVERY_S} s")
    print(f"   {'role':<34}{'seen':>6}  {'peak VmHWM MiB (max, each)':<40}")
    for role in sorted(set(peaks.role.values())):
        mine = sorted((peaks.kib[p] for p in peaks.kib if peaks.role[p] == role), reverse=True)
        shown = ", ".join(f"{kib / 1024:.0f}" for kib in mine[:6]) + (" …" if len(mine) > 6 else "")
        print(f"   {role:<34}{len(mine):>6}  {mine[0] / 1024:.1f} ({shown})")
    print(
        f"   highest summed VmRSS of the tree at one sample: {peaks.total_rss_kib / 1024:.1f} MiB; "
        f"most processes at once: {peaks.live}"
    )
    for moment, rss in peaks.rss_at.items():
        shown = ", ".join(f"{peaks.role[p]} {kib / 1024:.1f}" for p, kib in sorted(rss.items()))
        print(f"   VmRSS MiB {moment}: {shown}")


def _print_log(log_path: Path, outcomes: list[Outcome]) -> None:
    """Warnings, errors and tracebacks the server logged, each distinct line once with a count,
    and the server's access-log lines for each request that got no HTTP answer (did the server
    see it, and answer?)."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    for outcome in outcomes:
        if outcome.status is None and outcome.path is not None:
            seen = [line.strip() for line in lines if f"GET {outcome.path}" in line]
            print(f"-- server log lines for {outcome.path} (no HTTP answer): {len(seen)}")
            for line in seen[:5]:
                print(f"   {line[:160]}")
    marked = Counter(
        line.strip()[:160]
        for line in lines
        if any(
            word in line for word in ("WARNING", "ERROR", "Traceback", "Error:", "Child process")
        )
    )
    print(f"-- server log: {len(lines)} lines, {sum(marked.values())} warnings/errors")
    for line, count in marked.most_common(10):
        print(f"   {count:>5} × {line}")
    for block in _tracebacks(lines)[:3]:
        print("   " + "\n   ".join(block))


def _tracebacks(lines: list[str]) -> list[list[str]]:
    """Each traceback in the log with the line before it (what was logged) and its last line."""
    blocks = []
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = index + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            blocks.append(lines[max(index - 1, 0) : end + 1])
    return blocks


def _print_rebuilds(rebuilds: list[Rebuild], served: _Served, main: list[Outcome]) -> int:
    """How each rebuild went; the number of rebuilds the server did not switch to."""
    print(f"-- rebuilds during the main phase: {len(rebuilds)}")
    print(f"   /health polled every {HEALTH_EVERY_S} s; failed polls: {served.failures}")
    missed = 0
    for number, rebuild in enumerate(rebuilds, 1):
        if rebuild.error is not None:
            print(f"   {number}: build failed: {rebuild.error}")
            missed += 1
            continue
        took = rebuild.built - rebuild.started
        seen = served.first.get(rebuild.build_id)
        if seen is None or seen - rebuild.built > SWITCH_LIMIT_S:
            print(f"   {number}: {rebuild.build_id} built in {took:.1f} s, not served in time")
            missed += 1
            continue
        # Every process has switched once /health last named a build older than this one.
        older = [served.last[b] for b, first in served.first.items() if first < seen]
        gone = max(older, default=seen)
        window = [o for o in main if rebuild.built <= o.ended <= max(gone, seen) + 1.0]
        bad = sum(o.error is not None for o in window)
        print(
            f"   {number}: {rebuild.build_id} built in {took:.1f} s; first served "
            f"{seen - rebuild.built:.2f} s after `current` moved, older build last seen "
            f"{gone - rebuild.built:.2f} s after; {len(window)} requests answered from the move "
            f"to 1 s after the switch, {bad} unexpected"
        )
    return missed


def run(
    requests: int,
    baseline_requests: int,
    max_seconds: float,
    query_workers: int | None = None,
    rebuilds: int = REBUILDS,
) -> int:
    """Run both phases; the number of unexpected answers."""
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="scgraph-load-") as tmp:
        started = time.perf_counter()
        settings = _build(Path(tmp) / "data")
        print(f"build: {time.perf_counter() - started:.1f} s")
        with _server(settings, Path(tmp) / "server.log", query_workers) as (base, process):
            with _sampling(process.pid) as peaks:
                entities = _entities(base, settings.base_iri)
                _sample(process.pid, peaks, "before load")
                print(
                    f"server up at {base} (2 uvicorn workers), {len(entities)} entities to ask for"
                )
                deadline = time.monotonic() + max_seconds
                baseline, baseline_s = asyncio.run(
                    _phase(base, _plan(baseline_requests, False, rng), entities, deadline, rng)
                )
                _sample(process.pid, peaks, "after baseline")
                main: list[Outcome] = []
                served, stop, load_over = _Served(), threading.Event(), threading.Event()
                with ThreadPoolExecutor(3) as threads:
                    watching = threads.submit(_watch_health, base, served, stop)
                    threads.submit(_sample_as_load_goes, process.pid, peaks, main, stop)
                    building = threads.submit(
                        _rebuild_during,
                        settings,
                        main,
                        int(requests * REBUILD_FROM),
                        rebuilds,
                        load_over,
                    )
                    try:
                        _, main_s = asyncio.run(
                            _phase(base, _plan(requests, True, rng), entities, deadline, rng, main)
                        )
                    finally:
                        load_over.set()
                    done_rebuilds = building.result()
                    # A build that finished as the load ended still has to be switched to.
                    time.sleep(SWITCH_LIMIT_S)
                    stop.set()
                    watching.result()
                _sample(process.pid, peaks, "after main phase")
            _print_phase("baseline (cheap only)", baseline, baseline_s, baseline_requests)
            _print_phase("main (with expensive)", main, main_s, requests)
            _print_blocking(baseline, main)
            missed = _print_rebuilds(done_rebuilds, served, main)
            _print_memory(peaks)
            alive = process.poll() is None
            print(f"server still running at the end: {alive}")
        _print_log(Path(tmp) / "server.log", baseline + main)
    return sum(o.error is not None for o in baseline + main) + (0 if alive else 1) + missed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--baseline", type=int, default=BASELINE_REQUESTS)
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS)
    parser.add_argument(
        "--query-workers", type=int, default=None, help="SPARQL workers per uvicorn worker"
    )
    parser.add_argument(
        "--rebuilds", type=int, default=REBUILDS, help="`scgraph build` runs in the main phase"
    )
    args = parser.parse_args(argv if argv is not None else [])
    failures = run(
        args.requests, args.baseline, args.max_seconds, args.query_workers, args.rebuilds
    )
    print(f"unexpected answers in all: {failures}")


if __name__ == "__main__":
    main(sys.argv[1:])
