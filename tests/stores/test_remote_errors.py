"""A remote store that is down, silent or failing gives clean 503, 504 and 502 answers in each
surface's error shape, never a traceback; and a server with no local build still searches."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from scgraph.errors import RemoteStoreTimeout, RemoteStoreUnavailable
from scgraph.remote_load import load_build
from scgraph.remote_store import RemoteStore
from scgraph.server.app import create_app
from scgraph.settings import Settings
from scgraph.store import resolve_build

PATHS = {
    "/page/city/da-nang": ("text/html", "text/html"),
    "/api/entities/city/da-nang": ("application/json", "application/problem+json"),
    "/sparql?query=ASK%7B%7D": ("application/sparql-results+json", "text/plain"),
}


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"


@pytest.fixture
def remote_app(
    private_oxigraph: Callable[[], object], mini_project: Settings
) -> Iterator[tuple[TestClient, object]]:
    """The miniature build served from a private `oxigraph serve`, and that server."""
    server = private_oxigraph()
    endpoint = str(server.endpoint)  # type: ignore[attr-defined]
    load_build(resolve_build(mini_project.data_dir), endpoint, mini_project.base_iri)
    settings = mini_project.model_copy(update={"store": endpoint, "query_timeout_s": 2.0})
    with TestClient(create_app(settings)) as client:
        # Another language than PATHS asks for: answers cached before a failure are still served.
        warm_up = client.get("/page/city/da-nang", headers={"Accept-Language": "en"})
        assert warm_up.status_code == 200
        yield client, server


def _assert_error(client: TestClient, status: int) -> None:
    for path, (accept, shape) in PATHS.items():
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"].startswith(shape), path
        assert "Traceback" not in response.text and "127.0.0.1" not in response.text


def test_store_down_is_503(remote_app: tuple[TestClient, object]) -> None:
    client, server = remote_app
    server.process.terminate()  # type: ignore[attr-defined]
    server.process.wait()  # type: ignore[attr-defined]
    _assert_error(client, 503)
    assert client.get("/api/entities/city/da-nang").headers["retry-after"] == "10"


def test_silent_store_is_504(remote_app: tuple[TestClient, object], silent_endpoint: str) -> None:
    client, _ = remote_app
    client.app.state.served.store.endpoint = silent_endpoint  # type: ignore[attr-defined]
    _assert_error(client, 504)


def test_store_error_status_is_502(remote_app: tuple[TestClient, object]) -> None:
    client, _ = remote_app
    store = client.app.state.served.store  # type: ignore[attr-defined]
    store.endpoint = store.endpoint.replace("/query", "/no-such-endpoint")
    _assert_error(client, 502)


def test_store_errors_are_scgraph_errors(silent_endpoint: str) -> None:
    with pytest.raises(RemoteStoreTimeout):
        RemoteStore(silent_endpoint, "https://scgraph.org/", timeout=0.5)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(RemoteStoreUnavailable):
        RemoteStore(f"http://127.0.0.1:{port}/query", "https://scgraph.org/", timeout=2)


def test_without_local_build_the_index_comes_from_the_store(
    private_oxigraph: Callable[[], object], mini_project: Settings, tmp_path: object
) -> None:
    server = private_oxigraph()
    endpoint = str(server.endpoint)  # type: ignore[attr-defined]
    load_build(resolve_build(mini_project.data_dir), endpoint, mini_project.base_iri)
    settings = mini_project.model_copy(
        update={"store": endpoint, "data_dir": mini_project.data_dir / "nothing-here"}
    )
    with TestClient(create_app(settings)) as client:
        hits = client.get("/api/search", params={"q": "da nang"}).json()["results"]
        assert hits and hits[0]["id"] == "city/da-nang"
        assert client.get("/health").json()["build"] == "remote"
