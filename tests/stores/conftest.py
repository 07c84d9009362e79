"""Real SPARQL servers for the external-store tests, started once per run on 127.0.0.1.

- `oxigraph serve` from the `oxigraph` PyPI package (a dev dependency), on a private directory;
- Virtuoso Open Source 7 (`virtuoso-t`, Debian `virtuoso-opensource-7-bin`, installed by
  `make store-deps`) with a private virtuoso.ini and database. Tests needing it are skipped,
  saying why, only when it is not installed.

`store_kind` runs a test against the embedded store and both servers, each holding the real build
(loaded by `remote_load.load_build`, as `scgraph build --store URL` does).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import server_processes
from scgraph.graph_store import GraphStore
from scgraph.remote_load import load_build
from scgraph.remote_store import RemoteStore
from scgraph.settings import Settings
from scgraph.store import open_store, resolve_build
from server_processes import free_port

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {db}
VADInstallDir = {db}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 30
"""


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a store server this run started, by its PID (Virtuoso takes longer to shut down)."""
    server_processes.stop_server(process, timeout=30)


@dataclass
class Server:
    """A SPARQL server this run started: its query endpoint and process."""

    endpoint: str
    process: subprocess.Popen[bytes]


def _wait_until_answering(endpoint: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{endpoint} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            answer = httpx.get(endpoint, params={"query": "ASK {}"}, timeout=2)
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"{endpoint} did not answer within 90 s")


def start_oxigraph(directory: Path) -> Server:
    """`oxigraph serve` on a free loopback port, storing into `directory`."""
    port = free_port()
    log = directory.parent / f"{directory.name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [OXIGRAPH, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}/query", process)
    _wait_until_answering(server.endpoint, process, log)
    return server


def start_virtuoso(directory: Path) -> Server:
    """virtuoso-t in the foreground with a private ini and database on loopback ports, the
    SPARQL user allowed to write through the Graph Store Protocol."""
    assert VIRTUOSO is not None and ISQL is not None
    directory.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=directory, sql_port=sql_port, http_port=http_port))
    log = directory / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "+configfile", str(ini), "+foreground"],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{http_port}/sparql", process)
    _wait_until_answering(server.endpoint, process, log)
    # Fresh databases keep the default dba/dba account, reachable only on our loopback port.
    grant = subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if grant.returncode != 0:
        stop_server(process)
        raise RuntimeError(f"cannot grant SPARQL_UPDATE: {grant.stdout!r} {grant.stderr!r}")
    return server


def virtuoso_missing() -> str | None:
    """Why Virtuoso tests cannot run here, or None."""
    if VIRTUOSO is None or ISQL is None:
        return "virtuoso-t and isql-vt are not installed (make store-deps installs them)"
    return None


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    reason = virtuoso_missing()
    if reason:
        print(reason)
        pytest.skip(reason)
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        stop_server(server.process)


@dataclass
class StoreCase:
    """One way of keeping the real build: its name, the settings serving it, a reader."""

    kind: str
    settings: Settings
    store: GraphStore


@pytest.fixture(scope="session")
def _loaded() -> Iterator[dict[str, StoreCase]]:
    loaded: dict[str, StoreCase] = {}
    yield loaded
    for case in loaded.values():
        if isinstance(case.store, RemoteStore):
            case.store.close()


def _case(kind: str, request: pytest.FixtureRequest, built: Settings) -> StoreCase:
    loaded: dict[str, StoreCase] = request.getfixturevalue("_loaded")
    if kind not in loaded:
        if kind == "embedded":
            loaded[kind] = StoreCase(kind, built, open_store(built.data_dir))
        else:
            server: Server = request.getfixturevalue(f"{kind}_server")
            load_build(resolve_build(built.data_dir), server.endpoint, built.base_iri)
            settings = built.model_copy(update={"store": server.endpoint})
            loaded[kind] = StoreCase(kind, settings, RemoteStore(server.endpoint, built.base_iri))
    return loaded[kind]


@pytest.fixture(scope="module", params=["embedded", "oxigraph", "virtuoso"])
def store_kind(request: pytest.FixtureRequest, built: Settings) -> StoreCase:
    """The real build in the embedded store, in `oxigraph serve` and in Virtuoso."""
    return _case(str(request.param), request, built)


@pytest.fixture(scope="module")
def _virtuoso_case(request: pytest.FixtureRequest, built: Settings) -> StoreCase:
    return _case("virtuoso", request, built)


@pytest.fixture(scope="module")
def embedded(request: pytest.FixtureRequest, built: Settings) -> StoreCase:
    return _case("embedded", request, built)


@pytest.fixture(scope="module")
def store_client(store_kind: StoreCase) -> Iterator[TestClient]:
    """An in-process client of the app serving `store_kind`."""
    from scgraph.server.app import create_app

    with TestClient(create_app(store_kind.settings)) as client:
        yield client


@pytest.fixture
def private_oxigraph(tmp_path: Path) -> Iterator[Callable[[], Server]]:
    """Start `oxigraph serve` servers of this test's own (for loads and failures)."""
    started: list[Server] = []

    def start() -> Server:
        server = start_oxigraph(tmp_path / f"oxigraph-{len(started)}")
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            stop_server(server.process)
