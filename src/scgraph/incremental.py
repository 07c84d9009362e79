"""`scgraph build`: an incremental build when only article mappings or texts changed, else full.

An incremental build checks the changed and added articles only (against the registry, and the
entity ids the other articles declared, from the current build's inputs.json), copies the current
store as a RocksDB checkpoint (hard links, no copy of the data), replaces the changed articles'
quads in it, with the provenance of the graphs it generated (store_delta.py), runs the shapes on
the nodes it changed (those written in SPARQL on every node it touched), updates the summary and
the search index from the change, writes the dumps, and publishes the build exactly like a full
one: `current` moves only when everything has passed. Its store holds the data of a full build
of the same inputs; the graphs it did not rebuild keep the build that generated them
(tests/test_incremental.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph.build import (
    PROVENANCE_PART,
    Part,
    article_part_key,
    build_id_for,
    build_part_key,
    build_started_at,
    stream_article_update,
)
from scgraph.build_inputs import (
    BuildInputs,
    article_paths,
    read_inputs,
    recorded_inputs,
    write_inputs,
)
from scgraph.dump_parts import DumpParts, Manifest, read_manifest
from scgraph.errors import BuildFailed, DuplicateId, MappingError, StoreError, StoreNotFound
from scgraph.index_update import update_index_file
from scgraph.iris import IriMinter
from scgraph.mapping.checks import CheckedProject, Location, check_project
from scgraph.mapping.loader import load_yaml
from scgraph.ontology import RDF_TYPE, Ontology, load_ontology
from scgraph.pipeline import (
    BuildResult,
    Progress,
    exclusive_build_lock,
    move_into_place,
    run_build,
    staged_build,
)
from scgraph.search import INDEX_FILE
from scgraph.settings import Settings
from scgraph.shapes import find_violations, load_shapes
from scgraph.store import (
    BUILDS_DIR,
    DUMPS_DIR,
    open_store,
    publish_build,
    read_summary,
    resolve_build,
    store_path,
    write_summary,
)
from scgraph.store_delta import StoreChange, StoreDelta

# Past this share of changed articles (and this many) a full build is about as fast.
MAX_CHANGED_SHARE = 0.5
MAX_CHANGED_ALWAYS = 10


def _quiet(_: str) -> None:
    return None


@dataclass
class RebuildPlan:
    """What an incremental build changes, relative to the build `current` points at."""

    current: Path
    dumps: Manifest
    """The current build's dump parts: the unchanged ones are kept."""
    previous: BuildInputs
    present: BuildInputs
    changed: list[str]
    """Edited or added articles."""
    removed: list[str]


def plan_rebuild(settings: Settings) -> tuple[RebuildPlan | None, str]:
    """The incremental plan, or None; and, either way, why (for the progress output)."""
    try:
        current = resolve_build(settings.data_dir).resolve()
        summary = read_summary(current)
    except StoreNotFound:
        return None, "no current build"
    previous = recorded_inputs(current)
    if previous is None:
        return None, "the current build did not record its inputs"
    present = read_inputs(settings, previous)
    changed_globals = sorted(
        name for name, digest in present.globals.items() if previous.globals.get(name) != digest
    )
    if changed_globals:
        return None, f"changed since the current build: {', '.join(changed_globals)}"
    if summary.get("base_iri") != settings.base_iri:
        return None, "the base IRI changed"
    try:
        dumps = read_manifest(current / DUMPS_DIR)
    except StoreError as error:
        return None, str(error)
    if dumps is None:
        return None, "the current build's dumps have no parts"
    changed = sorted(
        article_id
        for article_id, digest in present.articles.items()
        if previous.articles.get(article_id) != digest
    )
    removed = sorted(set(previous.articles) - set(present.articles))
    limit = max(MAX_CHANGED_SHARE * len(present.articles), MAX_CHANGED_ALWAYS)
    if len(changed) + len(removed) > limit:
        return None, f"{len(changed) + len(removed)} of {len(present.articles)} articles changed"
    plan = RebuildPlan(current, dumps, previous, present, changed, removed)
    added = len(set(changed) - set(previous.articles))
    return plan, (
        f"{len(changed) - added} edited, {added} added, {len(removed)} removed article(s); "
        "ontology, shapes and registry unchanged"
    )


def rebuild(settings: Settings, progress: Progress = _quiet, full: bool = False) -> BuildResult:
    """Build incrementally when possible (see the module docstring), else fully; `full` forces a
    full build. The progress output says which kind ran and why."""
    if full:
        progress("full build: asked for (--full)")
        return run_build(settings, progress)
    plan, reason = plan_rebuild(settings)
    if plan is None:
        progress(f"full build: {reason}")
        return run_build(settings, progress)
    progress(f"incremental build: {reason}")
    return run_incremental(settings, plan, progress)


def run_incremental(
    settings: Settings, plan: RebuildPlan, progress: Progress = _quiet
) -> BuildResult:
    """Check the changed articles, then write, check and publish the updated copy of the store."""
    update = _checked_update(settings, plan, progress)
    builds = settings.data_dir / BUILDS_DIR
    with exclusive_build_lock(settings.data_dir):
        if resolve_build(settings.data_dir).resolve() != plan.current:
            raise StoreError("another build was published while this one was checked; run again")
        with staged_build(builds) as staging:
            summary = _write_update(settings, plan, update, staging, progress)
            build_dir = builds / update.build_id
            move_into_place(staging, build_dir)
        publish_build(settings.data_dir, build_dir)
    progress(f"published {build_dir}")
    return BuildResult(build_dir, summary)


@dataclass
class _Update:
    """The checked articles of an incremental build, and what its provenance names."""

    project: CheckedProject
    ontology: Ontology
    minter: IriMinter
    root: Path
    """The project folder: provenance names files relative to it (build.py)."""
    build: tuple[str, dt.datetime]
    """Id and start, as `stream_article_update` takes them."""
    inputs_sha256: str
    """Of the inputs before they were read: an edit made during the build is not taken for built."""

    @property
    def build_id(self) -> str:
        return self.build[0]


def _checked_update(settings: Settings, plan: RebuildPlan, progress: Progress) -> _Update:
    """Check the changed and added articles (`BuildFailed` with every problem found)."""
    started = build_started_at()
    mappings = settings.mappings_dir
    root = mappings.resolve().parent
    minter = IriMinter(settings.base_iri)
    # Both hashes from the digests the plan made before the articles are read: an edit made
    # meanwhile is a change next time.
    digest = plan.present.sha256
    build = (build_id_for(plan.present, started), started)
    clock = time.perf_counter()
    ontology = load_ontology(settings.ontology_dir / "scgraph.ttl")
    project = check_project(
        mappings, ontology, only=[article_paths(mappings, a)[0] for a in plan.changed]
    )
    _check_unique_ids(project, plan, mappings)
    progress(f"checked {len(project.articles)} article(s) ({time.perf_counter() - clock:.2f} s)")
    return _Update(project, ontology, minter, root, build, digest)


def _write_update(
    settings: Settings, plan: RebuildPlan, update: _Update, staging: Path, progress: Progress
) -> dict[str, Any]:
    """Write the new build into `staging`: the updated copy of the store (checked by the
    shapes), search index, dumps, summary and inputs; returns the summary."""
    clock = time.perf_counter()
    store = _copy_store(plan.current, store_path(staging))
    delta = StoreDelta(store, update.minter)
    old_summary = read_summary(plan.current)
    for article_id in [*plan.changed, *plan.removed]:
        records = [
            update.minter.mapping_file(_relative(path, update.root))
            for path in article_paths(settings.mappings_dir, article_id)
        ]
        delta.remove_article(article_id, records)
    delta.remove_metadata_generation()
    delta.remove_activity(update.build_id)
    # Builds that no longer generated any graph leave, with their parts.
    pruned = delta.remove_builds_without_graphs()
    dumps = DumpParts(settings.data_dir)
    replaced = {article_part_key(a) for a in [*plan.changed, *plan.removed]} | {PROVENANCE_PART}
    replaced |= {build_part_key(build_id) for build_id in pruned}
    dumps.keep(plan.dumps, [key for key in plan.dumps if key not in replaced])

    add_quads = delta.add  # (`delta` is deleted below, before the dumps are listed)

    def take(part: Part) -> None:
        add_quads(list(ox.parse(part.named, format=ox.RdfFormat.N_QUADS)))
        dumps.add(part)

    output = stream_article_update(
        update.project, update.ontology, update.minter, update.root, take, update.build
    )
    change = delta.apply(settings.base_iri)
    progress(
        f"replaced {len(delta.removed)} quads by {len(delta.added)} in a copy of the "
        f"current store ({time.perf_counter() - clock:.2f} s)"
    )
    _check_shapes(settings, store, change, output.origins, progress)
    clock = time.perf_counter()
    index = plan.current / INDEX_FILE
    update_index_file(index, store, settings.base_iri, change.changed, staging / INDEX_FILE)
    store.flush()
    del store, delta  # pyoxigraph has no close(): release the store before reading it
    progress(f"updated the search index ({time.perf_counter() - clock:.2f} s)")
    clock = time.perf_counter()
    checksums = dumps.write(staging / DUMPS_DIR)
    progress(f"listed the dumps' parts ({time.perf_counter() - clock:.2f} s)")
    summary = _updated_summary(old_summary, change, update.build_id, checksums)
    summary["inputs_sha256"] = update.inputs_sha256
    write_summary(staging, summary)
    write_inputs(staging, _inputs_after(plan, update.project))
    return summary


def _check_shapes(
    settings: Settings,
    store: ox.Store,
    change: StoreChange,
    origins: Mapping[str, Location],
    progress: Progress,
) -> None:
    """The shapes on the nodes `change` touched; raises `BuildFailed` with every violation."""
    clock = time.perf_counter()
    shapes_path = settings.ontology_dir / "shapes.ttl"
    # A shape made of core constraints reads its focus node's own statements and its values'
    # types: the nodes whose statements changed, and those linking to a retyped node, are all
    # such shapes need to see. A shape with a SPARQL target or constraint may read further (the
    # selector's text check reads the article's text): it sees every node the change touched.
    focus = focus_nodes(store, change, change.changed)
    touched = focus_nodes(store, change, change.subjects)
    problems: list[MappingError] = list(
        find_violations(store, load_shapes(shapes_path), origins, shapes_path, None, focus, touched)
    )
    progress(
        f"SHACL on {len(focus)} changed node(s), {len(touched)} touched for the shapes written "
        f"in SPARQL: {len(problems)} violation(s) ({time.perf_counter() - clock:.2f} s)"
    )
    if problems:
        raise BuildFailed(problems)


def _relative(path: Path, root: Path) -> str:
    """A path as the build's provenance names it (build.py: relative to the project folder)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _copy_store(current: Path, target: Path) -> ox.Store:
    """A read-write copy of the current build's store: a RocksDB checkpoint, which hard-links
    the immutable data files, so copying costs no time in the store's size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = open_store(current)
    source.backup(str(target))
    del source
    return ox.Store(str(target))


def _check_unique_ids(project: CheckedProject, plan: RebuildPlan, mappings: Path) -> None:
    """Entity ids are unique across the project: compare the checked articles' ids with those
    the unchanged articles declared (recorded by the current build)."""
    replaced = {*plan.changed, *plan.removed}
    owners = {
        entity_id: article_id
        for article_id, entity_ids in plan.previous.entities.items()
        if article_id not in replaced
        for entity_id in entity_ids
    }
    problems: list[MappingError] = []
    for article in project.articles:
        for entity in article.entities:
            other = owners.get(entity.id)
            if other is not None:
                where = entity.location
                also = _declared_at(mappings, other, entity.id)
                reason = f"duplicate id '{entity.id}' (also declared at {also})"
                problems.append(DuplicateId(where.path, where.line, where.column, reason))
    if problems:
        raise BuildFailed(problems)


def _declared_at(mappings: Path, article_id: str, entity_id: str) -> str:
    """`path:line:column` of the id of `entity_id` in the (unchanged) mapping of `article_id`,
    read again for the message; the mapping's path alone if it no longer says so."""
    path = article_paths(mappings, article_id)[0]
    loaded, _ = load_yaml(path)
    data = loaded.data if loaded is not None else None
    entities = data.get("entities") if isinstance(data, dict) else None
    for index, item in enumerate(entities if isinstance(entities, list) else []):
        if isinstance(item, dict) and item.get("id") == entity_id and loaded is not None:
            line, column = loaded.where(("entities", index, "id"))
            return f"{path}:{line}:{column}"
    return str(path)


def focus_nodes(store: ox.Store, change: StoreChange, nodes: set[str]) -> dict[str, set[str]]:
    """`nodes` and those linking to a node whose types changed (sh:class), each with its classes
    and the predicates it is the subject of (`shape_queries.Focus`)."""
    default = ox.DefaultGraph()
    candidates = set(nodes)
    for iri in change.retyped:
        for quad in store.quads_for_pattern(None, None, ox.NamedNode(iri), default):
            if isinstance(quad.subject, ox.NamedNode):
                candidates.add(quad.subject.value)
    focus: dict[str, set[str]] = {}
    for iri in candidates:
        described = set()
        for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None, default):
            described.add(quad.predicate.value)
            if quad.predicate.value == RDF_TYPE and isinstance(quad.object, ox.NamedNode):
                described.add(quad.object.value)
        if described:
            focus[iri] = described
    return focus


def _updated_summary(
    old: dict[str, Any], change: StoreChange, build_id: str, checksums: dict[str, str]
) -> dict[str, Any]:
    """The summary `pipeline.summarize` would count in the updated store, from the change."""
    per_graph = Counter(old["triples_per_graph"])
    per_graph.update(change.quads_per_graph)
    per_class = Counter(old["entities_per_class"])
    per_class.update(change.typings_per_class)
    return {
        **old,
        "build_id": build_id,
        "quads": sum(per_graph.values()),
        "triples": old["triples"] + change.default_triples,
        "triples_per_graph": {g: n for g, n in sorted(per_graph.items()) if n > 0},
        "entities_per_class": {c: n for c, n in sorted(per_class.items()) if n > 0},
        "dumps": checksums,
    }


def _inputs_after(plan: RebuildPlan, project: CheckedProject) -> BuildInputs:
    entities = {a: ids for a, ids in plan.previous.entities.items() if a in plan.present.articles}
    entities.update({a.id: [e.id for e in a.entities] for a in project.articles})
    # With the files' stats: without them the next build reads every input again.
    return BuildInputs(plan.present.globals, plan.present.articles, entities, plan.present.stats)
