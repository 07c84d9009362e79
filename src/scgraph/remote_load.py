"""Load a finished build into a remote SPARQL server through the Graph Store Protocol.

`scgraph build --store URL` first makes an ordinary local build (checks, store, dumps, search
index, summary), then copies it graph by graph: every named graph of the build is replaced with a
PUT, the merge is PUT into `{base}graph/merged` (served as the default graph, see
remote_store.py), and graphs under `{base}graph/` that the build no longer has are deleted. Graphs
outside `{base}graph/` are never touched, so the server may hold other data.

A PUT replaces one graph at a time: while a load runs, a reader may see some graphs of the new
build and some of the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

from scgraph.errors import RemoteStoreFailed, StoreError
from scgraph.remote_store import RemoteStore, merged_graph_iri, owned_graph_prefix, transport_error
from scgraph.store import open_store

_NTRIPLES = "application/n-triples"


def graph_store_endpoint(query_endpoint: str, configured: str | None = None) -> str:
    """The Graph Store Protocol endpoint beside a query endpoint, unless one is configured.

    >>> graph_store_endpoint("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/store'
    >>> graph_store_endpoint("http://127.0.0.1:8890/sparql")
    'http://127.0.0.1:8890/sparql-graph-crud'
    """
    if configured:
        return configured
    if query_endpoint.endswith("/query"):
        return query_endpoint[: -len("query")] + "store"
    if query_endpoint.endswith("/sparql"):
        return query_endpoint + "-graph-crud"
    raise StoreError(
        f"cannot guess the Graph Store Protocol endpoint of {query_endpoint}; "
        "set SCGRAPH_STORE_GRAPH_STORE"
    )


def load_build(
    build: Path,
    query_endpoint: str,
    base_iri: str,
    *,
    graph_store: str | None = None,
    timeout: float = 300.0,
    progress: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """Copy the build at `build` into the server; return the graphs written, merged one last."""
    endpoint = graph_store_endpoint(query_endpoint, graph_store)
    local = open_store(build)
    graphs = sorted(g.value for g in local.named_graphs() if isinstance(g, ox.NamedNode))
    prefix = owned_graph_prefix(base_iri)
    foreign = [g for g in graphs if not g.startswith(prefix)]
    if foreign:
        raise StoreError(f"the build has graphs outside {prefix}: {', '.join(foreign)}")
    with httpx.Client(timeout=timeout) as client:
        for graph in graphs:
            _put(client, endpoint, graph, local, ox.NamedNode(graph))
        merged = merged_graph_iri(base_iri)
        _put(client, endpoint, merged, local, ox.DefaultGraph())
        progress(f"loaded {len(graphs)} graphs and their merge into {endpoint}")
        remote = RemoteStore(query_endpoint, base_iri, timeout=timeout, client=client)
        for stale in sorted(set(remote.graphs) - set(graphs)):
            _send(client, "DELETE", endpoint, stale, b"")
            progress(f"deleted {stale}, which this build no longer has")
    return [*graphs, merged]


def _put(
    client: httpx.Client,
    endpoint: str,
    graph: str,
    local: ox.Store,
    source: ox.NamedNode | ox.DefaultGraph,
) -> None:
    triples = (
        ox.Triple(q.subject, q.predicate, q.object)
        for q in local.quads_for_pattern(None, None, None, source)
    )
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    _send(client, "PUT", endpoint, graph, body)


def _send(client: httpx.Client, method: str, endpoint: str, graph: str, body: bytes) -> None:
    try:
        response = client.request(
            method,
            endpoint,
            params={"graph": graph},
            content=body,
            headers={"Content-Type": _NTRIPLES} if method == "PUT" else {},
        )
    except httpx.HTTPError as error:
        raise transport_error(endpoint, error) from error
    if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
        hint = (
            ' (Virtuoso: GRANT SPARQL_UPDATE TO "SPARQL")'
            if response.status_code in (401, 403)
            else ""
        )
        raise RemoteStoreFailed(
            endpoint,
            f"refused {method} of graph {graph}: HTTP {response.status_code} "
            f"{response.text.strip()[:300]}{hint}",
        )
