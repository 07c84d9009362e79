"""Linked-data pages and JSON look-ups over HTTP: req/s, p50 and p99 against issue 7's target.

Issue 7 asks ≥ 1,000 req/s for each kind of page or look-up on the seed graph, with p99 < 20 ms.
Uses the build at var/current (run `make build` first). Three servers run on 127.0.0.1 with the
same uvicorn and the same number of workers, one after the other:

- the reference, a minimal ASGI app answering a fixed 16 KB page (bench/_fixed_app.py), measured
  before and after the others: the machine, the client and uvicorn cost the same for all, so the
  ratio to the reference carries across busy machines;
- `scgraph serve` computing every answer (SCGRAPH_ANSWER_CACHE_MB=0, SCGRAPH_PREPARED_CACHE_MB=0,
  so no warm-up): the cold path. Every URL of a kind is asked ROUNDS times (every entity, every
  article, a search word of each slug), and each time the answer is computed again;
- `scgraph serve` as shipped: once its background warm-up of the build is done (its time is
  printed), every URL is asked once (first request: "first") and then asked again for a fixed
  number of requests ("warm": the answer cache).

Each row says pass or MISS against the target. Keep-alive connections, CONCURRENCY requests in
flight, every phase bounded in requests and in seconds.

    python -m bench.pages [--workers N] [--requests N] [--concurrency N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from bench._process import stop_process
from scgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATE = 1_000.0
TARGET_P99_MS = 20.0
REQUESTS = 3_000
CONCURRENCY = 8
ROUNDS = 2
PHASE_SECONDS = 30.0
MIN_COLD = 100
"""Cold requests of a kind with few URLs (the articles): computed again each time, cache off."""
WARM_UP_SECONDS = 600.0
COMPUTE_ENV = {"SCGRAPH_ANSWER_CACHE_MB": "0", "SCGRAPH_PREPARED_CACHE_MB": "0"}

Request = tuple[str, dict[str, str]]
"""A path with its query, and the request headers."""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: frozenset[int]
    cpu_ms: float = 0.0
    """Server CPU (user + system, all its processes) per request: steadier than wall time on a
    busy machine; one process at 1,000 req/s has at most 1 ms."""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by process `pid` and its descendants (Linux /proc; 0 elsewhere)."""
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime, stime
    family, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in family} - family
        family |= more
        grown = bool(more)
    return sum(used.get(p, 0) for p in family) / os.sysconf("SC_CLK_TCK")


def _measured(
    server: tuple[str, int], requests: list[Request], count: int, concurrency: int
) -> Result:
    """`_drive` with the server's CPU per request."""
    base, pid = server
    before = _cpu_seconds(pid)
    result = asyncio.run(_drive(base, requests, count, concurrency))
    cpu = (_cpu_seconds(pid) - before) * 1000 / max(1, result.requests)
    return replace(result, cpu_ms=cpu)


@contextmanager
def _server(
    command: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """Run `command` (a uvicorn server on `port`) until the block ends; yield its base URL and
    its process id (for its CPU time)."""
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        stop_process(process)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one request on a keep-alive connection and read the whole answer; its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    pairs = (line.partition(":") for line in lines[1:])
    fields = {name.strip().lower(): value.strip() for name, _, value in pairs}
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding") == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return status


def _raw(request: Request, host: str) -> bytes:
    path, headers = request
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _drive(base: str, requests: list[Request], count: int, concurrency: int) -> Result:
    """`count` requests cycling through `requests`, `concurrency` connections at once."""
    split = urlsplit(base)
    raw = [_raw(r, split.netloc) for r in requests]
    latencies: list[float] = []
    statuses: set[int] = set()
    next_index = 0
    deadline = time.monotonic() + PHASE_SECONDS

    async def connection() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(split.hostname, split.port)
        try:
            while next_index < count and time.monotonic() < deadline:
                index, next_index = next_index, next_index + 1
                start = time.perf_counter()
                statuses.add(await _exchange(reader, writer, raw[index % len(raw)]))
                latencies.append(time.perf_counter() - start)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(min(concurrency, count))))
    seconds = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]
    return Result(
        len(latencies),
        seconds,
        1000 * ordered[len(ordered) // 2],
        1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        frozenset(statuses),
    )


def _entities(base: str, base_iri: str) -> tuple[list[str], list[str]]:
    """Paths after /id/ of the entities (articles apart), and of the articles, in IRI order."""
    query = f"""SELECT DISTINCT ?s ?t WHERE {{ ?s a ?t .
      FILTER(STRSTARTS(STR(?s), "{base_iri}id/")) }} ORDER BY ?s"""
    answer = httpx.post(
        base + "/sparql",
        data={"query": query},
        headers={"accept": "application/sparql-results+json"},
        timeout=60,
    )
    answer.raise_for_status()
    entities: dict[str, None] = {}
    articles: dict[str, None] = {}
    for row in answer.json()["results"]["bindings"]:
        path = row["s"]["value"][len(base_iri) + len("id/") :]
        is_article = row["t"]["value"].endswith("#Article")
        (articles if is_article else entities)[quote(path)] = None
    for path in articles:
        entities.pop(path, None)
    return list(entities), list(articles)


def _search_words(base: str, entities: list[str]) -> list[str]:
    """A word of each entity's slug: what people type into the search box."""
    return sorted({path.rsplit("/", 1)[-1].split("-")[0] for path in entities})


def _etags(base: str, requests: list[Request]) -> list[Request]:
    """The same requests with If-None-Match set to the ETag each one gets: answered 304."""
    conditional = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for path, headers in requests:
            etag = client.get(path, headers=headers).headers["etag"]
            conditional.append((path, {**headers, "If-None-Match": etag}))
    return conditional


def _kinds(
    base: str, entities: list[str], articles: list[str]
) -> dict[str, Callable[[], list[Request]]]:
    """The requests of each kind, made when the kind is measured: the conditional requests
    first ask for each page, which must not warm the pages before their own cold pass."""
    html = {"Accept": "text/html", "Accept-Encoding": "gzip"}
    pages = [(f"/page/{e}", html) for e in entities]
    kinds: dict[str, list[Request]] = {
        "/id → 303": [(f"/id/{e}", {"Accept": "text/html"}) for e in entities],
        "entity page HTML": pages,
        "entity Turtle": [(f"/data/{e}.ttl", {"Accept-Encoding": "gzip"}) for e in entities],
        "entity JSON-LD": [
            (f"/data/{e}", {"Accept": "application/ld+json", "Accept-Encoding": "gzip"})
            for e in entities
        ],
        "article page HTML": [(f"/page/{a}", html) for a in articles],
        "/api/search": [
            (f"/api/search?q={quote(w)}", {"Accept": "application/json"})
            for w in _search_words(base, entities)
        ],
        "/api/entities/{id}": [
            (f"/api/entities/{e}", {"Accept": "application/json"}) for e in entities
        ],
    }
    made: dict[str, Callable[[], list[Request]]] = {k: partial(list, v) for k, v in kinds.items()}
    made["entity page 304"] = partial(_etags, base, pages)
    return made


def _row(name: str, result: Result, reference: float) -> str:
    passed = result.rate >= TARGET_RATE and result.p99_ms < TARGET_P99_MS
    return (
        f"{name:22s} {result.requests:6d} {result.rate:9.1f} {result.p50_ms:8.2f}"
        f" {result.p99_ms:8.2f} {result.cpu_ms:7.2f} {result.rate / TARGET_RATE:7.2f}"
        f" {result.rate / reference:7.2f}  {'pass' if passed else 'MISS':4s}"
        f"  {sorted(result.statuses)}"
    )


def _wait_for_warm_up(base: str) -> tuple[str, float]:
    """Wait until the server's warm-up of its build has ended; its final state and seconds."""
    start = time.monotonic()
    while time.monotonic() - start < WARM_UP_SECONDS:
        state = httpx.get(base + "/health", timeout=10).json().get("warm_up", "none")
        if state not in ("pending", "running"):
            return state, time.monotonic() - start
        time.sleep(0.5)
    return "still running", time.monotonic() - start


def run(workers: int, requests: int, concurrency: int, rounds: int) -> None:
    settings = Settings()
    if not (settings.data_dir / "current").exists():
        print(f"skipped: no build at {settings.data_dir / 'current'} (run `make build`)")
        return
    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--workers", str(workers)]
    uvicorn += ["--http", "h11"]  # as `scgraph serve` (see cli.py)
    scgraph_cmd = [sys.executable, "-m", "scgraph.cli", "serve", "--workers", str(workers)]
    header = (
        f"{'kind':22s} {'n':>6s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'CPU ms':>7s}"
        f" {'÷target':>7s} {'÷ref':>7s}  {'':4s}  statuses"
    )
    fixed = [("/", {"Accept": "text/html"})]
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        logs = Path(tmp)

        def reference_rate(label: str) -> float:
            port = _free_port()
            command = [*uvicorn, "--port", str(port), "--no-access-log", "bench._fixed_app:app"]
            with _server(command, port, logs / "ref") as ref:
                result = _measured(ref, fixed, requests, concurrency)
            print(_row(f"reference {label}", result, result.rate))
            return result.rate

        print(
            f"{workers} worker(s), {concurrency} connections, target {TARGET_RATE:.0f} req/s and"
            f" p99 < {TARGET_P99_MS:.0f} ms; ÷ref against the reference measured first"
        )
        print(header)
        reference = reference_rate("(fixed)")

        port = _free_port()
        command = [*scgraph_cmd, "--port", str(port)]
        with _server(command, port, logs / "compute", COMPUTE_ENV) as sc:
            entities, articles = _entities(sc[0], settings.base_iri)
            print(
                f"-- computed: every answer computed (answer and prepared caches off), every URL"
                f" {rounds}× ({len(entities)} entities, {len(articles)} articles)"
            )
            for name, make in _kinds(sc[0], entities, articles).items():
                batch = make()
                count = max(len(batch) * rounds, min(MIN_COLD, len(batch) * 100))
                cold = _measured(sc, batch, count, concurrency)
                print(_row(f"{name}", cold, reference))

        port = _free_port()
        with _server([*scgraph_cmd, "--port", str(port)], port, logs / "shipped") as sc:
            warm_up_cpu = _cpu_seconds(sc[1])
            state, seconds = _wait_for_warm_up(sc[0])
            warm_up_cpu = _cpu_seconds(sc[1]) - warm_up_cpu
            print(
                f"-- as shipped: warm-up {state} after {seconds:.1f} s ({warm_up_cpu:.1f} CPU s);"
                " then every URL once"
                f" (first), then {requests} requests cycling through them (warm)"
            )
            for name, make in _kinds(sc[0], entities, articles).items():
                batch = make()
                first = _measured(sc, batch, len(batch), concurrency)
                warm = _measured(sc, batch, requests, concurrency)
                print(_row(f"{name} first", first, reference))
                print(_row(f"{name} warm", warm, reference))
        reference_rate("(again)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="cold passes over every URL")
    arguments = parser.parse_args(argv)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    run(arguments.workers, arguments.requests, arguments.concurrency, arguments.rounds)


if __name__ == "__main__":
    main()
