"""Run a whole build: check the mappings, make the quads, check the shapes, write and publish.

A full build checks each article as it builds it (mapping/stream_check.py), so its store is
written while the checks run, in a staging directory that a failed check removes: nothing is
published unless every check has passed, and the served store only changes when the new build is
complete (see store.py).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph.build import (
    BuildOutput,
    Part,
    build_id_for,
    build_quads,
    build_started_at,
    stream_checked_quads,
)
from scgraph.build_inputs import (
    BuildInputs,
    read_inputs,
    recorded_inputs,
    with_entities,
    write_inputs,
)
from scgraph.build_pool import BUILD_WORKERS
from scgraph.dump_parts import DumpParts
from scgraph.errors import BuildFailed, MappingError, StoreError, StoreNotFound
from scgraph.iris import IriMinter
from scgraph.mapping.checks import CheckedProject, check_project
from scgraph.mapping.stream_check import DeclaredProject, declare_project
from scgraph.ontology import Ontology, load_ontology
from scgraph.search import INDEX_FILE, build_index_file
from scgraph.settings import Settings
from scgraph.shapes import find_violations, load_shapes
from scgraph.store import (
    BUILDS_DIR,
    DUMPS_DIR,
    StoreWriter,
    merged_store,
    open_store,
    publish_build,
    read_summary,
    remove_unlisted_parts,
    resolve_build,
    store_path,
    write_summary,
)

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class BuildResult:
    build_dir: Path
    summary: dict[str, Any]


def validate_in_scratch(settings: Settings, progress: Progress = _quiet) -> int:
    """Every check of a full build, run as the build runs them (each article checked as it is
    built, the shapes on the store) in a scratch store that is removed: memory as a build's,
    whatever the archive's size. Returns the quads the build would store in named graphs;
    raises `BuildFailed` with all problems."""
    with built_in_scratch(settings, progress) as (_, output):
        return output.quad_count


@contextmanager
def built_in_scratch(
    settings: Settings, progress: Progress = _quiet
) -> Iterator[tuple[ox.Store, BuildOutput]]:
    """The store a full build of the present mappings writes, once every check has passed, in
    a scratch directory under TMPDIR that is removed afterwards; raises `BuildFailed` with all
    problems. Publishes nothing, and leaves the data directory alone."""
    declared = _declare(settings, progress)
    with tempfile.TemporaryDirectory(prefix="scgraph-validate-") as scratch:
        written = Path(scratch) / "store"
        output = stream_into_store(settings, declared, written, progress)
        # Starting the shapes' processes costs more than they save on a small project.
        parallel = len(declared.project.articles) >= PARALLEL_SHAPES_FROM
        store_dir = written if parallel else None
        store = open_store(written)
        try:
            check_built_shapes(settings, store, output, progress, store_dir)
            yield store, output
        finally:
            # Opened read-only: nothing is written when it closes, after its directory is gone
            # if the caller still holds it.
            del store


PARALLEL_SHAPES_FROM = 50
"""Articles from which `built_in_scratch` runs the shapes in processes (1.5 s to start)."""


def validate_project(settings: Settings, progress: Progress = _quiet) -> BuildOutput:
    """Every check of a build, writing nothing, with every quad in memory: the reference the
    tests hold the streamed build to; raises `BuildFailed` with all problems."""
    output = make_quads(settings, progress)
    check_built_shapes(settings, merged_store(output.quads), output, progress)
    return output


def check_built_shapes(
    settings: Settings,
    store: ox.Store,
    output: BuildOutput,
    progress: Progress = _quiet,
    store_dir: Path | None = None,
) -> None:
    """SHACL over a store holding the build's merge in its default graph; raises `BuildFailed`.
    `store_dir`, where that store is on disk, lets the queries run in parallel processes."""
    clock = time.perf_counter()
    shapes_path = settings.ontology_dir / "shapes.ttl"
    shapes = load_shapes(shapes_path)
    problems: list[MappingError] = list(
        find_violations(store, shapes, output.origins, shapes_path, store_dir)
    )
    progress(f"SHACL: {len(problems)} violation(s) ({time.perf_counter() - clock:.1f} s)")
    if problems:
        raise BuildFailed(problems)


@dataclass
class _Begun:
    """What a build reads before it checks the mappings."""

    ontology: Ontology
    started: dt.datetime
    root: Path  # paths in provenance are relative to the project folder, wherever it is
    inputs: BuildInputs  # read before checking: an edit made during the build shows next time
    inputs_sha256: str  # likewise: `--if-changed` must not take such an edit for built
    build_id: str  # likewise: a build of the edit made in the same second gets another id


@dataclass
class _Checked(_Begun):
    project: CheckedProject


@dataclass
class _Declared(_Begun):
    project: DeclaredProject
    """Checked as its articles are built (stream_into_store)."""


def _begin(settings: Settings) -> _Begun:
    started = build_started_at()
    root = settings.mappings_dir.resolve().parent
    # The served build's record spares reading the articles it shows unchanged.
    inputs = read_inputs(settings, _served_inputs(settings))
    digest, build_id = inputs.sha256, build_id_for(inputs, started)
    ontology = load_ontology(settings.ontology_dir / "scgraph.ttl")
    return _Begun(ontology, started, root, inputs, digest, build_id)


def _check(settings: Settings, progress: Progress) -> _Checked:
    begun = _begin(settings)
    clock = time.perf_counter()
    progress(f"checking mappings in {settings.mappings_dir}")
    project = check_project(settings.mappings_dir, begun.ontology)
    progress(f"checked {len(project.articles)} articles ({time.perf_counter() - clock:.1f} s)")
    return _Checked(**vars(begun), project=project)


def _declare(settings: Settings, progress: Progress) -> _Declared:
    """The first pass of a streamed check (mapping/stream_check.py); with problems already,
    the second pass runs here, writing nothing, and `BuildFailed` reports them all."""
    begun = _begin(settings)
    clock = time.perf_counter()
    progress(f"checking mappings in {settings.mappings_dir}")
    project = declare_project(settings.mappings_dir, begun.ontology)
    entities = sum(len(a.entities) for a in project.articles)
    progress(
        f"declared {len(project.articles)} articles, {entities} entities "
        f"({time.perf_counter() - clock:.1f} s); each article is checked as it is built"
    )
    declared = _Declared(**vars(begun), project=project)
    if project.problems:
        stream_checked_quads(
            project,
            IriMinter(settings.base_iri),
            begun.started,
            begun.root,
            _writes_nothing,
            workers=BUILD_WORKERS,
            build_id=begun.build_id,
        )
    return declared


def _writes_nothing(part: Part) -> None:
    raise AssertionError("a build with problems hands no part to its sink")


def _served_inputs(settings: Settings) -> BuildInputs | None:
    try:
        return recorded_inputs(resolve_build(settings.data_dir))
    except OSError:
        return None


def make_quads(settings: Settings, progress: Progress = _quiet) -> BuildOutput:
    """Check the mappings and turn them into quads; raises `BuildFailed` with all problems."""
    checked = _check(settings, progress)
    clock = time.perf_counter()
    minter = IriMinter(settings.base_iri)
    output = build_quads(
        checked.project, checked.ontology, minter, checked.started, checked.root, checked.build_id
    )
    progress(f"generated {len(output.quads)} quads ({time.perf_counter() - clock:.1f} s)")
    return output


def stream_into_store(
    settings: Settings,
    declared: _Declared,
    directory: Path,
    progress: Progress = _quiet,
    dumps: DumpParts | None = None,
) -> BuildOutput:
    """Check each article and turn it into quads, article by article, straight into a new store
    (and into `dumps`, when given); raises `BuildFailed` with every problem found."""
    clock = time.perf_counter()
    writer = StoreWriter(directory)
    minter = IriMinter(settings.base_iri)

    def sink(part: Part) -> None:
        writer.add(part)
        if dumps is not None:
            dumps.add(part)

    try:
        output = stream_checked_quads(
            declared.project,
            minter,
            declared.started,
            declared.root,
            sink,
            workers=BUILD_WORKERS,
            build_id=declared.build_id,
            render_dumps=dumps is not None,
        )
    finally:
        writer.close()
    progress(f"checked and stored {output.quad_count} quads ({time.perf_counter() - clock:.1f} s)")
    return output


def run_build(settings: Settings, progress: Progress = _quiet) -> BuildResult:
    """Check, write a fresh store, check its shapes, add dumps and summary, switch `current`."""
    declared = _declare(settings, progress)
    builds = settings.data_dir / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    with exclusive_build_lock(settings.data_dir):
        return _write_and_publish(settings, declared, builds, progress)


@contextmanager
def exclusive_build_lock(data_dir: Path) -> Iterator[None]:
    """One build at a time per data directory, so a build may clear another's debris."""
    with (data_dir / ".build.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise StoreError(f"another build is running in {data_dir}") from error
        yield


def _write_and_publish(
    settings: Settings, declared: _Declared, builds: Path, progress: Progress
) -> BuildResult:
    # The build id is known once the quads are made: stage under a name of our own.
    with staged_build(builds) as staging:
        progress(f"writing the store into {staging}")
        written = store_path(staging)
        dumps = DumpParts(settings.data_dir)
        output = stream_into_store(settings, declared, written, progress, dumps)
        build_dir = builds / output.build_id
        # The shapes run on the store just written (its default graph is the merge): a violation
        # removes the staging directory below, so nothing is published.
        check_built_shapes(settings, open_store(written), output, progress, written)
        checksums = dumps.write(staging / DUMPS_DIR)
        build_index_file(written, settings.base_iri, staging / INDEX_FILE)
        summary = summarize(open_store(written), output.build_id, settings.base_iri, checksums)
        summary["inputs_sha256"] = declared.inputs_sha256
        write_summary(staging, summary)
        write_inputs(staging, with_entities(declared.inputs, declared.project.entity_ids()))
        move_into_place(staging, build_dir)
    publish_build(settings.data_dir, build_dir)
    progress(f"published {build_dir}")
    return BuildResult(build_dir, summary)


@contextmanager
def staged_build(builds: Path) -> Iterator[Path]:
    """A fresh staging directory under `builds`, for a caller holding `exclusive_build_lock`;
    removed if the block fails (an OSError, a full disk say, becomes a StoreError)."""
    staging = builds / f".staging-{os.getpid()}-{time.time_ns()}"
    # Staging directories of killed builds: nobody else can be writing them (we hold the lock).
    # A build makes its directory before its first dump part, so parts a killed build left
    # behind come with a directory, and the parts folder is listed only then.
    debris = list(builds.glob(".staging-*"))
    for leftover in debris:
        shutil.rmtree(leftover, ignore_errors=True)
    if debris:
        remove_unlisted_parts(builds.parent)
    try:
        staging.mkdir(parents=True)
        yield staging
    except OSError as error:
        _discard(staging)
        raise StoreError(f"cannot write the build into {staging}: {error}") from error
    except BaseException:
        _discard(staging)
        raise


def _discard(staging: Path) -> None:
    """Remove a failed build: its staging directory and the dump parts only it listed."""
    shutil.rmtree(staging, ignore_errors=True)
    remove_unlisted_parts(staging.parent.parent)


def move_into_place(staging: Path, build_dir: Path) -> None:
    """Rename the finished `staging` directory to `build_dir`, replacing an older build of that
    id, but never the build `current` points at: it is being served (a server keeps its files
    open and would not notice). Same id means the same inputs at the same time (a fixed
    SOURCE_DATE_EPOCH): with the same recorded digests that build is this one, and `staging`
    goes; with others (the id keeps 32 bits of their hash) this build is refused."""
    if build_dir.exists() and _is_served(build_dir):
        if _recorded(staging) != _recorded(build_dir):
            raise StoreError(
                f"build {build_dir.name} is being served and was made from other inputs at the "
                "same SOURCE_DATE_EPOCH (their hashes share the id's 8 digits); set another"
            )
        shutil.rmtree(staging)
        return
    if build_dir.exists():
        shutil.rmtree(build_dir)
    staging.rename(build_dir)


def _is_served(build_dir: Path) -> bool:
    """Whether `current` of the data directory (`{data_dir}/builds/{id}`) points at `build_dir`."""
    return resolve_build(build_dir.parent.parent).resolve() == build_dir.resolve()


def _recorded(build_dir: Path) -> str:
    inputs = recorded_inputs(build_dir)
    return "" if inputs is None else inputs.sha256  # no record: never taken for this one


def input_digest(settings: Settings, known: BuildInputs | None = None) -> str:
    """A hash of everything a build reads: same digest, same graph. `known`: a build's recorded
    inputs, whose articles are not read again when their files' stats are unchanged."""
    return read_inputs(settings, known).sha256


def is_current(settings: Settings) -> bool:
    """Whether the served build was made from exactly the present inputs."""
    try:
        summary = read_summary(resolve_build(settings.data_dir))
    except StoreNotFound:
        return False
    known = _served_inputs(settings)
    return bool(summary.get("inputs_sha256") == input_digest(settings, known))


_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_PER_CLASS = """
SELECT ?class ?base (COUNT(*) AS ?n) WHERE {
    GRAPH ?g { ?s a ?class }
    FILTER (isIRI(?s) && isIRI(?class) && STRSTARTS(STR(?s), ?base)
            && STRSTARTS(STR(?class), "https://scgraph.org/ontology#"))
} GROUP BY ?class ?base
"""


def summarize(
    store: ox.Store, build_id: str, base_iri: str, checksums: dict[str, str]
) -> dict[str, Any]:
    """Triples per graph and entities per class of our ontology (typings per graph), counted in
    the written store."""
    per_graph = {graph: count for graph, count in _counts(store, _PER_GRAPH)}
    per_class = {
        iri.rsplit("#", 1)[1]: count
        for iri, count in _counts(store, _PER_CLASS, {ox.Variable("base"): ox.Literal(base_iri)})
    }
    return {
        "build_id": build_id,
        "base_iri": base_iri,
        "quads": sum(per_graph.values()),
        "triples": sum(count for _, count in _counts(store, _TRIPLES)),
        "triples_per_graph": dict(sorted(per_graph.items())),
        "entities_per_class": dict(sorted(per_class.items())),
        "dumps": checksums,
    }


def _counts(
    store: ox.Store,
    query: str,
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
    | None = None,
) -> list[tuple[str, int]]:
    solutions = store.query(query, substitutions=substitutions)
    assert isinstance(solutions, ox.QuerySolutions)
    rows = []
    for row in solutions:
        key = row[0].value if len(row) > 1 and row[0] is not None else ""
        rows.append((str(key), int(row[len(row) - 1].value)))
    return rows
