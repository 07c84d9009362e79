"""`scgraph check` finds every way a build can drift from its mappings, dumps, index and summary."""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from scgraph.cli import app
from scgraph.doctor import check_build
from scgraph.pipeline import input_digest
from scgraph.settings import Settings
from scgraph.store import read_summary, resolve_build, store_path

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


def test_a_tampered_dump_is_reported_against_both_checksum_lists(project: Settings) -> None:
    build = resolve_build(project.data_dir)
    dump = build / "dumps" / "scgraph.trig"
    recorded = read_summary(build)["dumps"]["scgraph.trig"]
    dump.write_bytes(dump.read_bytes() + b"# tampered\n")
    actual = hashlib.sha256(dump.read_bytes()).hexdigest()
    code, lines = _check(project)
    assert code == 1
    assert lines == [
        f"dumps/scgraph.trig: SHA-256 is {actual}, SHA256SUMS says {recorded}",
        f"dumps/scgraph.trig: SHA-256 is {actual}, build.json says {recorded}",
    ]


def test_an_extra_triple_in_the_store_is_reported_for_its_graph(project: Settings) -> None:
    build = resolve_build(project.data_dir)
    graph = f"{project.base_iri}graph/registry"
    before = read_summary(build)["triples_per_graph"][graph]
    # Read-write, after the build released it, with no server open on it.
    store = ox.Store(str(store_path(build)))
    store.add(
        ox.Quad(
            ox.NamedNode(f"{project.base_iri}id/city/nowhere"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            ox.Literal("added behind the build's back"),
            ox.NamedNode(graph),
        )
    )
    store.flush()
    del store
    code, lines = _check(project)
    assert code == 1
    assert lines == [
        f"graph <{graph}>: store has {before + 1} triples, build.json says {before}",
        f"graph <{graph}>: store has {before + 1} triples, the mappings give {before}",
    ]


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
    assert code == 1
    assert lines == [
        f"build.json: inputs_sha256 is {summary['inputs_sha256']}, the present mappings and "
        f"ontology give {input_digest(project)}: the inputs changed since this build",
        f"default graph: store has {summary['triples']} triples, "
        f"the mappings give {summary['triples'] + 1}",
        f"graph <{graph}>: store has {before} triples, the mappings give {before + 1}",
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
