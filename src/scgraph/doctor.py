"""Verify a built store against its mappings and its own summary; list every difference found.

`scgraph check` prints the differences one per line. Checked: the triples per named graph and in
the merged default graph (store against a fresh in-memory build of the mappings, and against
build.json), each dump part's SHA-256 (against its name and SHA256SUMS), each dump's digest
(against build.json) and the N-Quads dump's quads (against the store), the search index (parses,
lists the store's entities), and the digest of the inputs the build was made from.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph.dump_parts import (
    DUMP_SUFFIXES,
    MANIFEST_FILE,
    NQUADS_GZ,
    PARTS_DIR,
    PARTS_URL_DIR,
    SUMS_FILE,
    PartFile,
    dump_digest,
    parts_folder,
    parts_of,
    read_manifest,
)
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
    differences += _dumps(build, summary, store)
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


def _dumps(build: Path, summary: dict[str, Any], store: ox.Store) -> list[str]:
    """Each part file against its name (its SHA-256), its size and SHA256SUMS; each dump's
    digest against build.json; and the N-Quads dump, parsed, against the store."""
    dumps = build / DUMPS_DIR
    try:
        manifest = read_manifest(dumps)
        listed = _read_sums(dumps / SUMS_FILE)
    except (StoreError, OSError, UnicodeDecodeError) as error:
        return [f"{DUMPS_DIR}: cannot be read: {error}"]
    if manifest is None:
        return [f"{DUMPS_DIR}/{MANIFEST_FILE}: missing"]
    folder = parts_folder(build)
    lines = []
    files = {f.name: f for parts in manifest.values() for f in parts.values()}
    for name, part in sorted(files.items()):
        where = f"{PARTS_DIR}/{name}"
        try:
            data = (folder / name).read_bytes()
        except OSError:
            lines.append(f"{where}: missing")
            continue
        actual = hashlib.sha256(data).hexdigest()
        if actual != part.sha256 or len(data) != part.size:
            lines.append(
                f"{where}: SHA-256 is {actual} and size {len(data)}, {MANIFEST_FILE} "
                f"says {part.sha256} and {part.size}"
            )
        if listed.get(f"{PARTS_URL_DIR}/{name}") != part.sha256:
            lines.append(f"{where}: not listed as such in {SUMS_FILE}")
    for extra in sorted(set(listed) - {f"{PARTS_URL_DIR}/{name}" for name in files}):
        lines.append(f"{DUMPS_DIR}/{SUMS_FILE}: lists {extra}, not a part of this build")
    recorded: dict[str, str] = summary.get("dumps", {})
    for dump in DUMP_SUFFIXES:
        digest = dump_digest(parts_of(manifest, dump))
        if recorded.get(dump) != digest:
            lines.append(f"{dump}: digest is {digest}, {SUMMARY_FILE} says {recorded.get(dump)}")
    if not lines:
        lines += _nquads_against_store(folder, parts_of(manifest, NQUADS_GZ), store)
    return lines


def _nquads_against_store(folder: Path, parts: list[PartFile], store: ox.Store) -> list[str]:
    """The N-Quads dump (its parts, parsed) holds exactly the store's quads."""
    in_dump: set[ox.Quad] = set()
    for part in parts:
        data = gzip.decompress((folder / part.name).read_bytes())
        in_dump.update(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    in_store = set(store)
    lines = [f"{NQUADS_GZ}: has {quad}, not in the store" for quad in _some(in_dump - in_store)]
    lines += [f"{NQUADS_GZ}: misses {quad}, in the store" for quad in _some(in_store - in_dump)]
    return lines


def _some(quads: set[ox.Quad], most: int = 10) -> list[str]:
    return sorted(str(quad) for quad in quads)[:most]


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
