"""`scgraph build --store URL`: the build reaches the server graph by graph, replacing only the
graphs scgraph owns; the CLI and a real uvicorn then read it from there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from scgraph.cli import app
from scgraph.errors import RemoteStoreFailed, StoreError
from scgraph.remote_load import graph_store_endpoint, load_build
from scgraph.remote_store import RemoteStore, merged_graph_iri
from scgraph.settings import Settings
from scgraph.store import open_store, resolve_build

FOREIGN = "http://example.org/someone-elses-graph"


def _put(endpoint: str, graph: str, ntriples: str) -> None:
    response = httpx.put(
        graph_store_endpoint(endpoint),
        params={"graph": graph},
        content=ntriples.encode(),
        headers={"Content-Type": "application/n-triples"},
    )
    assert response.status_code in (200, 201, 204), response.text


def _graph_of(endpoint: str, graph: str) -> set[str]:
    response = httpx.get(
        endpoint,
        params={
            "query": "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }".replace("?g", f"<{graph}>")
        },
        headers={"Accept": "application/sparql-results+json"},
    )
    rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    assert isinstance(rows, ox.QuerySolutions)
    return {f"{r['s']} {r['p']} {r['o']}" for r in rows}


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_load_replaces_only_owned_graphs(
    request: pytest.FixtureRequest, mini_project: Settings, kind: str
) -> None:
    server = request.getfixturevalue(f"{kind}_server")
    base = mini_project.base_iri
    stale = f"{base}graph/article/deleted-since"
    _put(server.endpoint, FOREIGN, '<http://example.org/a> <http://example.org/b> "kept" .\n')
    _put(server.endpoint, stale, '<http://example.org/a> <http://example.org/b> "stale" .\n')
    build = resolve_build(mini_project.data_dir)
    written = load_build(build, server.endpoint, base)
    local = open_store(build)
    ours = sorted(str(g.value) for g in local.named_graphs() if isinstance(g, ox.NamedNode))
    assert written == [*ours, merged_graph_iri(base)]
    remote = RemoteStore(server.endpoint, base)
    try:
        assert remote.graphs == ours  # the stale graph is gone, the merged one is not listed
        article = next(g for g in ours if "/graph/article/" in g)
        # Read back through RemoteStore, which undoes Virtuoso's "1"^^xsd:boolean.
        assert sorted(
            map(str, remote.quads_for_pattern(None, None, None, ox.NamedNode(article)))
        ) == sorted(map(str, local.quads_for_pattern(None, None, None, ox.NamedNode(article))))
    finally:
        remote.close()
    assert _graph_of(server.endpoint, FOREIGN) == {
        '<http://example.org/a> <http://example.org/b> "kept"'
    }
    assert _graph_of(server.endpoint, stale) == set()


def test_build_and_query_through_the_cli(
    private_oxigraph: Callable[[], object], mini_project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = private_oxigraph()
    endpoint = str(server.endpoint)  # type: ignore[attr-defined]
    monkeypatch.setenv("SCGRAPH_ONTOLOGY_DIR", str(mini_project.ontology_dir))
    monkeypatch.setenv("SCGRAPH_DATA_DIR", str(mini_project.data_dir))
    from scgraph.settings import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        built = runner.invoke(
            app, ["build", "--mappings", str(mini_project.mappings_dir), "--store", endpoint]
        )
        assert built.exit_code == 0, built.output
        count = runner.invoke(
            app,
            [
                "query",
                "--store",
                endpoint,
                "--format",
                "csv",
                "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            ],
        )
        assert count.exit_code == 0, count.output
        local = open_store(mini_project.data_dir)
        assert count.stdout.splitlines()[1] == str(sum(1 for _ in local.named_graphs()))
    finally:
        get_settings.cache_clear()


def test_server_without_graph_store_is_a_clear_error(mini_project: Settings) -> None:
    with pytest.raises(StoreError, match="SCGRAPH_STORE_GRAPH_STORE"):
        load_build(resolve_build(mini_project.data_dir), "http://127.0.0.1:9/ds", "https://x/")


def test_refused_write_names_the_graph(
    private_oxigraph: Callable[[], object], mini_project: Settings
) -> None:
    server = private_oxigraph()
    endpoint = str(server.endpoint)  # type: ignore[attr-defined]
    # A Graph Store endpoint that is not one: the server answers 404 to the PUT.
    with pytest.raises(RemoteStoreFailed, match="graph/"):
        load_build(
            resolve_build(mini_project.data_dir),
            endpoint,
            mini_project.base_iri,
            graph_store=endpoint.replace("/query", "/no-such-endpoint"),
        )


def test_live_server_reads_the_remote_store(
    oxigraph_server: object,
    built: Settings,
    start_scgraph: Callable[[list[str], Settings], tuple[str, Path]],
) -> None:
    endpoint = str(oxigraph_server.endpoint)  # type: ignore[attr-defined]
    load_build(resolve_build(built.data_dir), endpoint, built.base_iri)
    base, _ = start_scgraph(["--store", endpoint], built)
    page = httpx.get(base + "/api/entities/city/da-nang", timeout=30)
    assert page.status_code == 200
    assert page.json()["iri"].endswith("/id/city/da-nang")
    ask = httpx.get(
        base + "/sparql",
        params={"query": "ASK { ?x a <https://scgraph.org/ontology#City> }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert ask.json()["boolean"] is True
