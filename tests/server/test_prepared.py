"""Bodies made once per build (prepared.py) and the background warm-up that makes them (warm_up.py).

Every answer given from a prepared body is compared with the same answer computed by an app
that keeps nothing, so a body kept for one variant would show up as the answer to another.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from scgraph.iris import SC
from scgraph.ontology import RDFS_LABEL
from scgraph.server.app import create_app
from scgraph.server.deps import ServedBuild
from scgraph.server.etags import identity_variant
from scgraph.server.prepared import Prepared, PreparedBodies, prepared_bodies
from scgraph.server.warm_up import resource_paths, warm_up, warm_up_of
from scgraph.settings import Settings
from scgraph.store import write_store, write_summary

# Each variant a route keeps apart: languages, pages of incoming links, formats, negotiation.
REQUESTS = [
    ("/page/city/da-nang", {"accept": "text/html"}),
    ("/page/city/da-nang?lang=en", {"accept": "text/html"}),
    ("/page/city/da-nang.html", {"accept": "text/html", "accept-language": "en"}),
    ("/page/country/viet-nam?page=2", {"accept": "text/html"}),
    ("/page/country/viet-nam", {"accept": "text/html"}),
    ("/data/city/da-nang.ttl", {}),
    ("/data/city/da-nang.jsonld", {}),
    ("/data/city/da-nang", {"accept": "application/ld+json"}),
    ("/data/city/da-nang", {"accept": "application/n-quads"}),
    ("/data/country/viet-nam.ttl?page=2", {}),
    ("/data/country/viet-nam.ttl", {}),
    ("/api/entities/city/da-nang", {}),
    ("/api/entities/city/da-nang?lang=en", {}),
    ("/api/entities/country/viet-nam?incoming_limit=2", {}),
    ("/api/entities/country/viet-nam?incoming_limit=2&incoming_offset=2", {}),
]
_VARYING = {"x-request-id", "date"}


def _answer(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    response = client.get(path, headers=headers)
    kept = {k: v for k, v in response.headers.items() if k not in _VARYING}
    return response.status_code, kept, response.content


@pytest.fixture(scope="module")
def computed(built: Settings) -> Iterator[TestClient]:
    """An app that keeps nothing: every answer is computed."""
    settings = built.model_copy(update={"answer_cache_mb": 0, "prepared_cache_mb": 0})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def preparing(built: Settings) -> Iterator[TestClient]:
    """An app that keeps prepared bodies but no whole answers, without warm-up."""
    settings = built.model_copy(update={"answer_cache_mb": 0, "warm_up_pages": False})
    with TestClient(create_app(settings)) as client:
        yield client


def test_bodies_are_bounded_and_the_least_recently_used_go_first() -> None:
    bodies = PreparedBodies(max_bytes=20_000)
    for index in range(40):
        assert bodies.put(("page", index), Prepared(b"x" * 1_000))
        bodies.get(("page", 0))  # kept in use: never the one dropped
    assert bodies.size <= bodies.max_bytes
    assert 0 < len(bodies) < 40
    assert bodies.dropped == 40 - len(bodies)
    assert bodies.get(("page", 0)) is not None and bodies.get(("page", 1)) is None
    assert not bodies.put(("page", "huge"), Prepared(b"x" * 5_000))  # over an eighth


def test_prepared_answers_equal_computed_ones(preparing: TestClient, computed: TestClient) -> None:
    served: ServedBuild = preparing.app.state.served  # type: ignore[attr-defined]
    bodies = prepared_bodies(served)
    assert bodies is not None and len(bodies) == 0
    first = [_answer(preparing, path, headers) for path, headers in REQUESTS]
    made = len(bodies)
    assert made >= len({path.split("?")[0] for path, _ in REQUESTS})
    # Again in reverse order: each answer now comes from a prepared body of its own variant.
    again = [_answer(preparing, path, headers) for path, headers in reversed(REQUESTS)][::-1]
    assert len(bodies) == made
    expected = [_answer(computed, path, headers) for path, headers in REQUESTS]
    for request, before, after, want in zip(REQUESTS, first, again, expected, strict=True):
        assert before == want, request
        assert after == want, request
    assert all(status == 200 for status, _, _ in expected)
    assert 'rel="next"' in expected[-2][1]["link"]  # the paged look-up keeps its next link


def test_prepared_bodies_answer_conditional_and_head_requests(preparing: TestClient) -> None:
    for path in ("/page/city/da-nang", "/data/city/da-nang.ttl"):
        full = preparing.get(path)
        again = preparing.get(path, headers={"if-none-match": full.headers["etag"]})
        assert again.status_code == 304
        head = preparing.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == identity_variant(full.headers["etag"])  # not gzipped
    unknown = preparing.get("/data/city/nowhere.ttl")
    assert unknown.status_code == 404


def test_warm_up_makes_every_default_variant_of_the_build(mini_project: Settings) -> None:
    with TestClient(create_app(mini_project)) as client:
        served: ServedBuild = client.app.state.served  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while client.get("/health").json()["warm_up"] in ("pending", "running"):
            assert time.monotonic() < deadline, "the warm-up did not end within 60 s"
            time.sleep(0.1)
        report = warm_up_of(served)
        assert report is not None and report.state == "done"
        paths = resource_paths(served)
        assert report.resources == len(paths) > 0
        bodies = prepared_bodies(served)
        assert bodies is not None
        article = next(p for p in paths if p.startswith("article/"))
        iri = mini_project.base_iri + "id/" + article
        for key in (("page", iri, "vi", 1), ("data", iri, "ttl", 1), ("data", iri, "jsonld", 1)):
            assert key in bodies, key
        assert ("api", iri, "vi", 50, 0) in bodies
        made = len(bodies)
        # First requests after the warm-up are answered from its bodies: nothing new is made.
        assert client.get(f"/page/{article}").status_code == 200
        assert client.get(f"/api/entities/{article}").status_code == 200
        assert len(bodies) == made


def test_warm_up_stops_when_its_budget_is_full(built: Settings) -> None:
    settings = built.model_copy(update={"prepared_cache_mb": 1, "warm_up_pages": False})
    with TestClient(create_app(settings)) as client:
        served: ServedBuild = client.app.state.served  # type: ignore[attr-defined]
        report = client.portal.call(warm_up, client.app, served)  # type: ignore[attr-defined]
        assert report.state == "full"
        assert 0 < report.resources < len(resource_paths(served))
        bodies = prepared_bodies(served)
        assert bodies is not None and bodies.size <= bodies.max_bytes


def test_warm_up_stops_once_another_build_is_served(built: Settings) -> None:
    settings = built.model_copy(update={"warm_up_pages": False})
    with TestClient(create_app(settings)) as client:
        served: ServedBuild = client.app.state.served  # type: ignore[attr-defined]
        replaced = ServedBuild(served.settings, served.store, dict(served.summary))
        report = asyncio.run(warm_up(client.app, replaced))  # type: ignore[arg-type]
        assert (report.state, report.requests) == ("stopped", 0)
        assert len(prepared_bodies(replaced) or ()) == 0


def test_a_store_other_than_the_embedded_one_is_not_warmed_up(built: Settings) -> None:
    class OtherStore:
        """Stands for a remote store: the warm-up must not send it a query."""

        def query(self, *args: object, **kwargs: object) -> object:
            raise AssertionError("the warm-up queried a remote store")

    served = ServedBuild(built, OtherStore(), {"build_id": "20300101T000000Z-remote-copy"})  # type: ignore[arg-type]
    report = asyncio.run(warm_up(None, served))  # type: ignore[arg-type]
    assert (report.state, report.requests) == ("off", 0)


def test_a_page_made_does_not_change_whether_a_resource_exists(tmp_path: Path) -> None:
    """A resource only linked to (never a subject) has a page listing its incoming links, but
    no RDF document and no /id/ redirect: the same answers before and after its page is made."""
    base = "https://scgraph.org/id/"
    source, target = ox.NamedNode(base + "city/source"), ox.NamedNode(base + "city/target")
    graph = ox.NamedNode("https://scgraph.org/graph/registry")
    quads = [
        ox.Quad(source, ox.NamedNode(RDFS_LABEL), ox.Literal("Source", language="en"), graph),
        ox.Quad(source, ox.NamedNode(SC + "partner"), target, graph),
    ]
    write_store(tmp_path / "store", quads)
    write_summary(tmp_path, {"build_id": "20260101T000000Z-linked", "triples": 2})
    settings = Settings(store=tmp_path, answer_cache_mb=0, warm_up_pages=False)
    with TestClient(create_app(settings)) as client:

        def statuses() -> list[int]:
            paths = ["/data/city/target.ttl", "/data/city/target", "/id/city/target"]
            return [client.get(p, follow_redirects=False).status_code for p in paths]

        before = statuses()
        assert client.get("/page/city/target").status_code == 200
        assert statuses() == before == [404, 404, 404]
