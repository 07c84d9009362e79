"""Verify a built store against its mappings and its own summary; list every difference found.

`scgraph check` prints the differences one per line. Checked: the triples per named graph and in
the merged default graph (store against a fresh in-memory build of the mappings, and against
build.json), each dump's SHA-256 (against SHA256SUMS and build.json), the search index (parses,
lists the store's entities), and the digest of the inputs the build was made from.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph.errors import BuildFailed, StoreError
from scgraph.pipeline import input_digest, validate_project
from scgraph.search import INDEX_FILE, collect_entities, read_index
from scgraph.settings import Settings
from scgraph.store import DUMPS_DIR, SUMMARY_FILE, open_store, read_summary, resolve_build

DEFAULT = "default graph"


def check_build(settings: Settings) -> list[str]:
    """Every difference between the served build, its summary and the present mappings.

    Raises `StoreNotFound` when there is no build to check.
    """
    build = resolve_build(settings.data_dir)
    summary = read_summary(build)
    store = open_store(settings.data_dir)
    in_store = _store_counts(store)
    differences = _inputs(settings, summary)
    differences += _against_summary(in_store, summary)
    differences += _against_mappings(in_store, settings)
    differences += _dumps(build / DUMPS_DIR, summary)
    differences += _search_index(build / INDEX_FILE, store, settings.base_iri)
    return differences


def _store_counts(store: ox.Store) -> Counter[str]:
    counts: Counter[str] = Counter()
    for quad in store:
        graph = quad.graph_name
        counts[DEFAULT if isinstance(graph, ox.DefaultGraph) else str(graph.value)] += 1
    return counts


def _mapping_counts(settings: Settings) -> Counter[str]:
    output = validate_project(settings)
    counts: Counter[str] = Counter()
    for quad in output.quads:
        assert isinstance(quad.graph_name, ox.NamedNode)
        counts[quad.graph_name.value] += 1
    counts[DEFAULT] = len({(q.subject, q.predicate, q.object) for q in output.quads})
    return counts


def _compare(found: Counter[str], expected: Counter[str], source: str) -> list[str]:
    lines = []
    for graph in sorted(found.keys() | expected.keys()):
        if found[graph] != expected[graph]:
            where = graph if graph == DEFAULT else f"graph <{graph}>"
            lines.append(f"{where}: store has {found[graph]} triples, {source} {expected[graph]}")
    return lines


def _against_summary(in_store: Counter[str], summary: dict[str, Any]) -> list[str]:
    expected: Counter[str] = Counter(summary.get("triples_per_graph", {}))
    expected[DEFAULT] = int(summary.get("triples", 0))
    return _compare(in_store, expected, f"{SUMMARY_FILE} says")


def _against_mappings(in_store: Counter[str], settings: Settings) -> list[str]:
    try:
        expected = _mapping_counts(settings)
    except BuildFailed as error:
        return [f"the mappings no longer build: {problem}" for problem in error.problems]
    return _compare(in_store, expected, "the mappings give")


def _inputs(settings: Settings, summary: dict[str, Any]) -> list[str]:
    recorded, present = summary.get("inputs_sha256"), input_digest(settings)
    if recorded == present:
        return []
    return [
        f"{SUMMARY_FILE}: inputs_sha256 is {recorded}, the present mappings and ontology "
        f"give {present}: the inputs changed since this build"
    ]


def _read_sums(path: Path) -> dict[str, str]:
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            sums[name] = digest
    return sums


def _dumps(dumps: Path, summary: dict[str, Any]) -> list[str]:
    sums_file = dumps / "SHA256SUMS"
    try:
        listed = _read_sums(sums_file)
    except (OSError, UnicodeDecodeError) as error:
        return [f"{DUMPS_DIR}/SHA256SUMS: cannot be read: {error}"]
    recorded: dict[str, str] = summary.get("dumps", {})
    present = sorted(p.name for p in dumps.iterdir() if p.is_file() and p.name != "SHA256SUMS")
    lines = []
    for name in sorted(set(present) | listed.keys() | recorded.keys()):
        where = f"{DUMPS_DIR}/{name}"
        if name not in present:
            lines.append(f"{where}: missing")
            continue
        actual = hashlib.sha256((dumps / name).read_bytes()).hexdigest()
        for source, sums in (("SHA256SUMS", listed), (SUMMARY_FILE, recorded)):
            if name not in sums:
                lines.append(f"{where}: not listed in {source}")
            elif sums[name] != actual:
                lines.append(f"{where}: SHA-256 is {actual}, {source} says {sums[name]}")
    return lines


def _search_index(path: Path, store: ox.Store, base_iri: str) -> list[str]:
    try:
        listed = {entity.iri for entity in read_index(path).entities}
    except StoreError as error:
        return [f"{INDEX_FILE}: {error}"]
    except (KeyError, TypeError, ValueError) as error:
        return [f"{INDEX_FILE}: malformed entry ({error!r})"]
    in_store = {entity.iri for entity in collect_entities(store, base_iri)}
    lines = [
        f"{INDEX_FILE}: lists <{iri}>, not an entity of the store"
        for iri in sorted(listed - in_store)
    ]
    lines += [
        f"{INDEX_FILE}: misses <{iri}>, an entity of the store" for iri in sorted(in_store - listed)
    ]
    return lines
