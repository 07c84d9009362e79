"""Open what a server or the Python API reads: the embedded store or the remote SPARQL server.

With a URL store the local build directory is optional: when `scgraph build --store URL` wrote
one, its summary and search index are used as they are; without it the summary is a placeholder
and the search index is built from the remote store at start-up (search.load_index).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scgraph.graph_store import GraphStore
from scgraph.remote_store import RemoteStore
from scgraph.settings import Settings
from scgraph.store import open_store, read_summary, resolve_build

REMOTE_BUILD_ID = "remote"


def open_served_store(
    settings: Settings, build: Path | None = None
) -> tuple[GraphStore, dict[str, Any]]:
    """The store `settings` name, read-only, with the summary of its build (default: current)."""
    build = build or resolve_build(settings.current_build)
    url = settings.store_url
    if url is None:
        summary = read_summary(build)  # first: a directory without a build is StoreNotFound
        return open_store(build), summary
    store = RemoteStore(url, settings.base_iri, timeout=settings.query_timeout_s)
    if (build / "build.json").is_file():
        return store, read_summary(build)
    return store, {"build_id": REMOTE_BUILD_ID, "base_iri": settings.base_iri, "store": url}


def close_served_store(store: GraphStore) -> None:
    """Release a remote store's connections (an embedded store goes with its last reference)."""
    if isinstance(store, RemoteStore):
        store.close()
