"""The only module that opens an Oxigraph store: write a build, switch to it, open it read-only.

Layout under the data directory:

    builds/<build-id>/store/      the Oxigraph store (RocksDB)
    builds/<build-id>/dumps/      the list of the dumps' parts, with SHA256SUMS (dump_parts.py)
    dump-parts/                   the dumps' parts of every kept build, by content
    builds/<build-id>/build.json  the build summary
    current -> builds/<build-id>  switched atomically once a build has fully succeeded

A build is written into a fresh directory and released before `current` moves to it, so a failed
or killed build never touches the store being served (see PYOXIGRAPH.md: a read-only store is a
snapshot; reading while another process writes is undefined behaviour).

The default graph holds the deduplicated merge of all named graphs, written at build time:
pyoxigraph's union default graph repeats a triple once per graph that states it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from scgraph.build import Part
from scgraph.dump_parts import remove_unreferenced
from scgraph.errors import QuerySyntaxError, StoreError, StoreNotFound
from scgraph.graph_store import GraphStore, QueryResult

_T = TypeVar("_T")

STORE_DIR = "store"
DUMPS_DIR = "dumps"
SUMMARY_FILE = "build.json"
BUILDS_DIR = "builds"
CURRENT_LINK = "current"
KEEP_BUILDS = 3
VALIDATION_WORKERS = min(2, os.cpu_count() or 1)  # the target machine has 2 cores
# Quads per bulk load, each written twice (named and default graph). pyoxigraph's bulk loader
# holds a load in memory while sorting it: ~1.2 KB per line written, so a chunk of 250,000 peaked
# at ~1 GB, 500,000 at ~1.7 GB (300 generated articles), for the same speed.
CHUNK_QUADS = 250_000


def write_store(directory: Path, quads: Iterable[ox.Quad]) -> None:
    """Write `quads` into a new store at `directory`, and their merge into the default graph."""
    named = list(quads)
    merged = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in named]
    text = [ox.serialize(part, format=ox.RdfFormat.N_QUADS) or b"" for part in (named, merged)]
    writer = StoreWriter(directory)
    writer.add(Part(text[0], text[1], len(named)))
    writer.close()


def merged_store(quads: Iterable[ox.Quad]) -> ox.Store:
    """An in-memory store holding the merge of `quads` in its default graph (for validation)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return store


class StoreWriter:
    """A new store filled part by part: each quad in its named graph and in the default graph.

    Parts arrive as N-Quads text and are bulk-loaded in chunks (pyoxigraph's bulk loader writes
    sorted files straight into RocksDB; one call per article would leave thousands of small
    files). The default graph holds the merge: a store is a set, so a triple stated by several
    graphs, or loaded twice, is stored once (checked on pyoxigraph 0.5.13). The store is opened
    at the first load, so processes forked before then (`scgraph.build_pool`) hold no handle.
    """

    def __init__(self, directory: Path, chunk: int = CHUNK_QUADS) -> None:
        if directory.exists():
            raise StoreError(f"{directory} already exists; a build always writes a fresh directory")
        directory.parent.mkdir(parents=True, exist_ok=True)
        self.directory, self.chunk = directory, chunk
        self.buffer: list[bytes] = []
        self.buffered = 0  # quads in the buffer, each written twice (named and default graph)
        self.store: ox.Store | None = None
        self.closed = False

    def add(self, part: Part) -> None:
        self.buffer += (part.named, part.merged)
        self.buffered += part.count
        if self.buffered >= self.chunk:
            self._load()

    def close(self) -> None:
        """Load what is buffered, compact, and release the store (pyoxigraph has no close())."""
        self._load()
        store = self._open()
        self._guard(store.flush)
        self._guard(store.optimize)
        self.store = None
        self.closed = True

    def _open(self) -> ox.Store:
        if self.closed:
            raise StoreError(f"the store at {self.directory} was already written and closed")
        if self.store is None:
            directory = self.directory
            self.store = self._guard(lambda: ox.Store(str(directory)))
        return self.store

    def _load(self) -> None:
        if not self.buffer:
            return
        store, text = self._open(), b"".join(self.buffer)
        self.buffer, self.buffered = [], 0
        self._guard(lambda: _bulk_load(store, text))

    def _guard(self, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except OSError as error:
            raise StoreError(f"cannot write the store at {self.directory}: {error}") from error


def _bulk_load(store: ox.Store, text: bytes) -> None:
    store.bulk_load(text, ox.RdfFormat.N_QUADS)


def select_focus_and_value(
    store: ox.Store, queries: list[str]
) -> list[list[tuple[str, str | None]]]:
    """For each query, its rows of ?this and (when selected) ?value, as strings."""
    answers = []
    for query in queries:
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        has_value = ox.Variable("value") in solutions.variables
        rows = []
        for row in solutions:
            value = row["value"] if has_value else None
            rows.append((str(row["this"].value), None if value is None else str(value.value)))
        answers.append(rows)
    return answers


def _select_in_store(store_dir: str, queries: list[str]) -> list[list[tuple[str, str | None]]]:
    return select_focus_and_value(ox.Store.read_only(store_dir), queries)


def select_in_processes(
    store_dir: Path, queries: list[str], workers: int = VALIDATION_WORKERS
) -> list[list[tuple[str, str | None]]]:
    """`select_focus_and_value` spread over processes that each open the store read-only."""
    shares = [queries[i::workers] for i in range(workers)]
    # spawn, not fork: a forked child would inherit the parent's open RocksDB handles.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        parts = list(pool.map(_select_in_store, [str(store_dir)] * workers, shares))
    answers: list[list[tuple[str, str | None]]] = [[] for _ in queries]
    for i, part in enumerate(parts):
        answers[i::workers] = part
    return answers


def publish_build(data_dir: Path, build_dir: Path) -> None:
    """Point `current` at `build_dir` atomically, then remove old builds."""
    link = data_dir / CURRENT_LINK
    temporary = data_dir / f".{CURRENT_LINK}.{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(build_dir.relative_to(data_dir))
    os.replace(temporary, link)
    _prune(data_dir, keep=build_dir)


def _prune(data_dir: Path, keep: Path) -> None:
    builds = sorted(p for p in (data_dir / BUILDS_DIR).iterdir() if p.is_dir())
    for old in builds[:-KEEP_BUILDS]:
        if old.resolve() != keep.resolve():
            shutil.rmtree(old, ignore_errors=True)
    remove_unlisted_parts(data_dir)


def remove_unlisted_parts(data_dir: Path) -> None:
    """Remove the dump parts no build lists (a failed or killed build's); the caller holds the
    build lock."""
    builds = [p for p in (data_dir / BUILDS_DIR).iterdir() if not p.name.startswith(".")]
    remove_unreferenced(data_dir, [build / DUMPS_DIR for build in builds if build.is_dir()])


def store_path(build: Path) -> Path:
    """The Oxigraph directory of a build directory (or of `current`)."""
    return build / STORE_DIR


def open_store(path: Path) -> ox.Store:
    """Open a store read-only, given a data, build or store directory."""
    build = resolve_build(path)
    candidate = store_path(build) if (build / STORE_DIR).is_dir() else build
    if not (candidate / "CURRENT").is_file():  # RocksDB's marker file: no store there
        raise StoreNotFound(path)
    try:
        return ox.Store.read_only(str(candidate))
    except OSError as error:
        raise StoreError(f"cannot open the store at {candidate}: {error}") from error


def write_summary(build_dir: Path, summary: dict[str, Any]) -> None:
    (build_dir / SUMMARY_FILE).write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def read_summary(build: Path) -> dict[str, Any]:
    path = build / SUMMARY_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StoreNotFound(build) from error
    return data


def resolve_build(path: Path) -> Path:
    """A data directory, `current` or a build directory in; the build directory out."""
    if (path / CURRENT_LINK).exists():
        return path / CURRENT_LINK
    return path


def run_query(store: GraphStore, query: str) -> QueryResult:
    """Evaluate a SPARQL query over the merged default graph, named graphs available to GRAPH."""
    try:
        return store.query(query)
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from error
    except OSError as error:
        raise StoreError(f"the store failed while evaluating the query: {error}") from error
