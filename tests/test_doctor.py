"""`scgraph check` finds every way a build can drift from its mappings, dumps, index and summary."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from scgraph.cli import app
from scgraph.doctor import check_build
from scgraph.dump_parts import (
    NQUADS_GZ,
    TRIG,
    TURTLE,
    dump_digest,
    parts_folder,
    parts_of,
    read_manifest,
)
from scgraph.ontology import RDF_TYPE
from scgraph.pipeline import input_digest
from scgraph.settings import Settings
from scgraph.store import DUMPS_DIR, open_store, read_summary, resolve_build, store_path

runner = CliRunner()


@pytest.fixture
def project(mini_project: Settings) -> Settings:
    return mini_project


def _check(settings: Settings) -> tuple[int, list[str]]:
    result = runner.invoke(
        app,
        ["check", "--mappings", str(settings.mappings_dir), "--store", str(settings.data_dir)],
    )
    return result.exit_code, result.stdout.splitlines()


def test_a_clean_build_checks_clean(project: Settings) -> None:
    assert check_build(project) == []
    code, lines = _check(project)
    assert code == 0
    assert lines == ["The build matches its mappings, dumps, search index and summary."]


def _part(build: Path, key: str, dump: str) -> Path:
    manifest = read_manifest(build / DUMPS_DIR)
    assert manifest is not None
    return parts_folder(build) / manifest[key][dump].name


def test_a_tampered_dump_part_is_reported_against_its_name(project: Settings) -> None:
    build = resolve_build(project.data_dir)
    part = _part(build, "registry", TRIG)
    listed = part.name.split(".")[0]
    size = part.stat().st_size
    part.write_bytes(part.read_bytes() + b"# tampered\n")
    actual = hashlib.sha256(part.read_bytes()).hexdigest()
    code, lines = _check(project)
    assert code == 1
    assert lines == [
        f"dump-parts/{part.name}: SHA-256 is {actual} and size {size + 11}, parts.json says "
        f"{listed} and {size}"
    ]


def test_a_missing_dump_part_and_a_wrong_digest_are_reported(project: Settings) -> None:
    build = resolve_build(project.data_dir)
    part = _part(build, "article-a1", TURTLE)
    part.unlink()
    summary = json.loads((build / "build.json").read_text(encoding="utf-8"))
    recorded = summary["dumps"][NQUADS_GZ]
    summary["dumps"][NQUADS_GZ] = "0" * 64
    (build / "build.json").write_text(json.dumps(summary), encoding="utf-8")
    code, lines = _check(project)
    assert code == 1
    assert lines == [
        f"dump-parts/{part.name}: missing",
        f"{NQUADS_GZ}: digest is {recorded}, build.json says {'0' * 64}",
    ]


def test_a_dump_whose_checksums_agree_but_misses_a_quad_is_reported(project: Settings) -> None:
    """A part rewritten consistently (name, SHA256SUMS, build.json) but without one quad: the
    N-Quads dump is compared with the store itself."""
    build = resolve_build(project.data_dir)
    dumps = build / DUMPS_DIR
    old = _part(build, "registry", NQUADS_GZ)
    lines = gzip.decompress(old.read_bytes()).splitlines(keepends=True)
    dropped = lines[0].decode().rstrip(" .\n")
    data = gzip.compress(b"".join(lines[1:]), mtime=0)
    new = old.with_name(hashlib.sha256(data).hexdigest() + ".nq.gz")
    new.write_bytes(data)
    manifest = json.loads((dumps / "parts.json").read_text(encoding="utf-8"))
    manifest["parts"]["registry"][NQUADS_GZ] = [new.name, len(data)]
    (dumps / "parts.json").write_text(json.dumps(manifest), encoding="utf-8")
    sums = (dumps / "SHA256SUMS").read_text(encoding="utf-8")
    sums = sums.replace(
        old.name.split(".")[0] + "  parts/" + old.name,
        new.name.split(".")[0] + "  parts/" + new.name,
    )
    (dumps / "SHA256SUMS").write_text(sums, encoding="utf-8")
    summary = json.loads((build / "build.json").read_text(encoding="utf-8"))
    rewritten = read_manifest(dumps)
    assert rewritten is not None
    summary["dumps"][NQUADS_GZ] = dump_digest(parts_of(rewritten, NQUADS_GZ))
    (build / "build.json").write_text(json.dumps(summary), encoding="utf-8")
    code, found = _check(project)
    assert code == 1
    # The dropped line is in its named graph; its default-graph copy is another line.
    assert found == [f"{NQUADS_GZ}: misses {dropped}, in the store"]


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_triple_added_to_or_gone_from_the_store_is_reported_for_its_graph(
    project: Settings, change: str
) -> None:
    """The dump was written from the mappings: it misses a quad added to the store behind the
    build's back, and has one the store lost (a label: the triple stays in the merged default
    graph, which other graphs state too). The dump is loaded into a scratch store and looked up
    both ways."""
    build = resolve_build(project.data_dir)
    graph = f"{project.base_iri}graph/registry"
    before = read_summary(build)["triples_per_graph"][graph]
    # Read-write, after the build released it, with no server open on it.
    store = ox.Store(str(store_path(build)))
    if change == "added":
        quad = ox.Quad(
            ox.NamedNode(f"{project.base_iri}id/city/nowhere"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            ox.Literal("added behind the build's back"),
            ox.NamedNode(graph),
        )
        store.add(quad)
        now, in_dump = before + 1, f"{NQUADS_GZ}: misses {quad}, in the store"
    else:
        label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
        quad = next(iter(store.quads_for_pattern(None, label, None, ox.NamedNode(graph))))
        store.remove(quad)
        now, in_dump = before - 1, f"{NQUADS_GZ}: has {quad}, not in the store"
    store.flush()
    del store
    assert _check(project) == (
        1,
        [
            f"graph <{graph}>: store has {now} triples, build.json says {before}",
            f"graph <{graph}>: store has {now} triples besides the builds' activities, "
            f"the mappings give {before}",
            in_dump,
        ],
    )


def test_a_graph_without_its_build_and_a_build_without_a_graph_are_reported(
    project: Settings,
) -> None:
    build = resolve_build(project.data_dir)
    registry = ox.NamedNode(f"{project.base_iri}graph/registry")
    generated = ox.NamedNode("http://www.w3.org/ns/prov#wasGeneratedBy")
    idle = ox.NamedNode(f"{project.base_iri}id/build/19700101T000000Z-00000000")
    store = ox.Store(str(store_path(build)))  # read-write, with no server open on it
    for quad in list(store.quads_for_pattern(registry, generated, None, None)):
        store.remove(quad)
    metadata = ox.NamedNode(f"{project.base_iri}graph/metadata")
    for graph in (metadata, ox.DefaultGraph()):
        build_class = ox.NamedNode("https://scgraph.org/ontology#Build")
        store.add(ox.Quad(idle, ox.NamedNode(RDF_TYPE), build_class, graph))
    store.flush()
    del store
    code, lines = _check(project)
    assert code == 1
    assert f"graph {registry}: generated by [], not one build" in lines
    assert f"build {idle}: generated no graph" in lines


def test_an_edited_mapping_is_reported_with_its_graph_and_the_inputs_digest(
    project: Settings,
) -> None:
    build = resolve_build(project.data_dir)
    summary = read_summary(build)
    graph = f"{project.base_iri}graph/registry"
    before = summary["triples_per_graph"][graph]
    registry = project.mappings_dir / "registry.yaml"
    text = registry.read_text(encoding="utf-8")
    # One more alternative label for Việt Nam: one more triple in the registry graph.
    edited = text.replace(
        'label: {vi: "Việt Nam", en: "Vietnam"}\n',
        'label: {vi: "Việt Nam", en: "Vietnam"}\n    alt: {en: ["Viet Nam"]}\n',
        1,
    )
    assert edited != text
    registry.write_text(edited, encoding="utf-8")
    code, lines = _check(project)
    # The build's activity is left out of the comparison with the mappings.
    activity = ox.NamedNode(f"{project.base_iri}id/build/{summary['build_id']}")
    triples = summary["triples"] - len(
        list(open_store(build).quads_for_pattern(activity, None, None, ox.DefaultGraph()))
    )
    counted = "triples besides the builds' activities"
    assert code == 1
    assert lines == [
        f"build.json: inputs_sha256 is {summary['inputs_sha256']}, the present mappings and "
        f"ontology give {input_digest(project)}: the inputs changed since this build",
        f"default graph: store has {triples} {counted}, the mappings give {triples + 1}",
        f"graph <{graph}>: store has {before} {counted}, the mappings give {before + 1}",
    ]


def test_a_search_index_missing_an_entity_or_unreadable_is_reported(project: Settings) -> None:
    path = resolve_build(project.data_dir) / "search-index.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    dropped = document["entities"].pop(0)["iri"]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert _check(project) == (
        1,
        [f"search-index.json: misses <{dropped}>, an entity of the store"],
    )
    path.write_text(path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    code, [line] = _check(project)
    assert code == 1
    assert line.startswith(f"search-index.json: cannot read the search index {path}: ")
