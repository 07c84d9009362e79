"""The cache of whole answers: bounded in bytes, one entry per variant, one build at a time.

Each request is sent several times in alternating order, so a cached answer of one variant would
show up as the answer to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient

from scgraph.served_store import REMOTE_BUILD_ID
from scgraph.server.app import create_app
from scgraph.server.deps import ServedBuild
from scgraph.server.response_cache import Entry, ResponseCache, _Recorder
from scgraph.settings import Settings

DA_NANG = "https://scgraph.org/id/city/da-nang"
RDFS_LABEL = rdflib.URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def _entry(size: int) -> Entry:
    return Entry(200, [(b"content-type", b"text/plain")], b"x" * size)


def test_cache_stays_under_its_bound_dropping_the_least_recently_used() -> None:
    cache = ResponseCache(max_bytes=10_000)
    cache.serve_build("b1")
    for index in range(20):
        cache.put(("b1", index), _entry(1_000))
        cache.get(("b1", 0))  # kept in use: never the one dropped
    assert cache.size <= cache.max_bytes
    assert 0 < len(cache) < 20
    assert cache.get(("b1", 0)) is not None
    assert cache.get(("b1", 1)) is None
    assert cache.get(("b1", 19)) is not None


def test_an_answer_larger_than_an_eighth_of_the_cache_is_not_stored() -> None:
    cache = ResponseCache(max_bytes=8_000)
    cache.serve_build("b1")
    cache.put(("b1", "small"), _entry(100))
    cache.put(("b1", "huge"), _entry(5_000))
    assert cache.get(("b1", "huge")) is None
    assert cache.get(("b1", "small")) is not None


def test_serving_another_build_empties_the_cache() -> None:
    cache = ResponseCache()
    cache.serve_build("b1")
    cache.put(("b1", "/page/x"), _entry(10))
    cache.serve_build("b1")
    assert len(cache) == 1
    cache.serve_build("b2")
    assert (len(cache), cache.size) == (0, 0)


def _turtle_labels(text: str) -> set[str]:
    graph = rdflib.Graph().parse(data=text, format="turtle")
    return {str(o) for o in graph.objects(rdflib.URIRef(DA_NANG), RDFS_LABEL)}


def test_negotiated_variants_are_never_mixed(http: httpx.Client | TestClient) -> None:
    variants = {
        "text/turtle": "text/turtle",
        "application/ld+json": "application/ld+json",
        "application/n-triples": "application/n-triples",
    }
    first: dict[str, bytes] = {}
    for _ in range(3):
        for accept, expected in variants.items():
            response = http.get("/data/city/da-nang", headers={"accept": accept})
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(expected)
            assert "Accept" in response.headers["vary"].split(", ")
            first.setdefault(accept, response.content)
            assert response.content == first[accept]
    assert len(set(first.values())) == len(variants)
    assert "Đà Nẵng" in _turtle_labels(first["text/turtle"].decode())


def test_languages_and_codings_are_never_mixed(http: httpx.Client | TestClient) -> None:
    for _ in range(3):
        for lang in ("vi", "en"):
            for coding in ("gzip", "identity"):
                response = http.get(
                    "/page/city/da-nang",
                    headers={"accept-language": lang, "accept-encoding": coding},
                )
                assert response.status_code == 200
                assert response.headers["content-language"] == lang
                assert ('-gzip"' in response.headers["etag"]) == (coding == "gzip")
                assert response.headers.get("content-encoding") == (
                    "gzip" if coding == "gzip" else None
                )
                assert f'lang="{lang}"' in response.text


def test_head_after_get_has_the_headers_and_no_body(http: httpx.Client | TestClient) -> None:
    headers = {"accept-encoding": "identity"}
    for _ in range(2):
        got = http.get("/page/city/da-nang", headers=headers)
        head = http.head("/page/city/da-nang", headers=headers)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == got.headers["etag"]
        assert int(head.headers["content-length"]) == len(got.content)


def test_304_and_200_alternate_correctly(http: httpx.Client | TestClient) -> None:
    path = "/data/city/da-nang.ttl"
    etag = http.get(path).headers["etag"]
    for _ in range(3):
        held = http.get(path, headers={"if-none-match": etag})
        assert held.status_code == 304
        assert held.headers["etag"] == etag
        assert held.content == b""
        fresh = http.get(path)
        assert fresh.status_code == 200
        assert "Đà Nẵng" in _turtle_labels(fresh.text)
        other = http.get(path, headers={"if-none-match": '"another-build-v0"'})
        assert other.status_code == 200


def test_every_cached_answer_has_its_own_request_id(http: httpx.Client | TestClient) -> None:
    def ask(headers: dict[str, str]) -> httpx.Response:
        return http.get("/id/city/da-nang", headers=headers, follow_redirects=False)

    seen = {ask({}).headers["x-request-id"] for _ in range(3)}
    assert len(seen) == 3
    given = ask({"x-request-id": "mine-1"})
    assert given.status_code == 303
    assert given.headers["x-request-id"] == "mine-1"


def test_json_lookups_are_cached_per_query(http: httpx.Client | TestClient) -> None:
    for _ in range(2):
        for q, iri in (("Đà Nẵng", DA_NANG), ("Bình Dương", "binh-duong")):
            hits = http.get("/api/search", params={"q": q}).json()["results"]
            assert iri in hits[0]["iri"]
        entity = http.get("/api/entities/city/da-nang", params={"lang": "en"}).json()
        assert entity["iri"] == DA_NANG


@pytest.fixture
def own_app(built: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(built)) as client:
        yield client


def test_errors_are_not_stored_and_the_cache_is_bounded(own_app: TestClient) -> None:
    cache: ResponseCache = own_app.app.state.response_cache  # type: ignore[attr-defined]
    for _ in range(2):
        missing = own_app.get("/page/city/nowhere", headers={"accept": "application/json"})
        assert missing.status_code == 404
    assert len(cache) == 0
    paths = [f"/page/{p}" for p in ("city/da-nang", "province/binh-duong", "country/viet-nam")]
    accepts = ("text/html", "*/*", "text/html,*/*;q=0.8", "application/xhtml+xml,text/html")
    variants = [(p, lang, a) for p in paths for lang in ("vi", "en") for a in accepts]

    def ask_all() -> None:
        for path, lang, accept in variants:
            answer = own_app.get(path, params={"lang": lang}, headers={"accept": accept})
            assert answer.status_code == 200

    ask_all()
    assert len(cache) == len(variants)
    cache.max_bytes = cache.size // 2
    cache.serve_build("another build")  # empties it
    ask_all()
    ask_all()
    assert 0 < len(cache) < len(variants)
    assert cache.size <= cache.max_bytes


def test_a_newly_served_build_is_never_answered_from_the_old_one(own_app: TestClient) -> None:
    app = own_app.app
    old: ServedBuild = app.state.served  # type: ignore[attr-defined]
    before = own_app.get("/page/city/da-nang")
    assert before.headers["etag"].startswith(f'"{old.build_id}-')
    app.state.served = ServedBuild(  # type: ignore[attr-defined]
        old.settings, old.store, {**old.summary, "build_id": "20300101T000000Z-next"}
    )
    try:
        after = own_app.get("/page/city/da-nang")
        assert after.headers["etag"].startswith('"20300101T000000Z-next-')
        assert own_app.get("/page/city/da-nang").headers["etag"] == after.headers["etag"]
    finally:
        app.state.served = old  # type: ignore[attr-defined]


def test_an_answer_of_another_build_is_not_stored() -> None:
    cache = ResponseCache(max_bytes=10_000)
    cache.serve_build("new")
    cache.put(("old", "/page/x"), _entry(10))
    cache.put(("new", "/page/x"), _entry(10))
    assert cache.get(("old", "/page/x")) is None
    assert cache.get(("new", "/page/x")) is not None


def _record(marked: bool, status: int, chunks: list[bytes]) -> tuple[_Recorder, ResponseCache]:
    cache = ResponseCache(max_bytes=8_000)
    cache.serve_build("b")
    scope = {"state": {"scgraph_cacheable": True} if marked else {}}
    sent: list[object] = []

    async def send(message: object) -> None:
        sent.append(message)

    recorder = _Recorder(scope, send, cache, ("b", "/x"))

    async def play() -> None:
        await recorder({"type": "http.response.start", "status": status, "headers": []})
        for number, chunk in enumerate(chunks, 1):
            more = number < len(chunks)
            await recorder({"type": "http.response.body", "body": chunk, "more_body": more})

    asyncio.run(play())
    assert len(sent) == 1 + len(chunks)  # everything passed on, whatever is kept
    return recorder, cache


@pytest.mark.parametrize(("marked", "status"), [(False, 200), (True, 500)])
def test_answers_that_will_not_be_stored_are_not_copied(marked: bool, status: int) -> None:
    recorder, cache = _record(marked, status, [b"x" * 100] * 5)
    assert recorder.chunks == [] and len(cache) == 0


def test_an_answer_growing_past_the_largest_entry_stops_being_copied() -> None:
    recorder, cache = _record(True, 200, [b"x" * 600] * 3)  # 1,800 > 8,000 / 8
    assert recorder.chunks == [] and len(cache) == 0
    recorder, cache = _record(True, 200, [b"x" * 200] * 3)
    assert len(cache) == 1


def test_a_remote_store_without_a_build_is_not_cached(own_app: TestClient) -> None:
    # Its data change under the same placeholder id, so nothing could tell old answers from new.
    app = own_app.app
    old: ServedBuild = app.state.served  # type: ignore[attr-defined]
    cache: ResponseCache = app.state.response_cache  # type: ignore[attr-defined]
    app.state.served = ServedBuild(  # type: ignore[attr-defined]
        old.settings, old.store, {**old.summary, "build_id": REMOTE_BUILD_ID}
    )
    try:
        for _ in range(2):
            assert own_app.get("/page/city/da-nang").status_code == 200
        assert len(cache) == 0
    finally:
        app.state.served = old  # type: ignore[attr-defined]
