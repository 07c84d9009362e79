"""The JSON API over a real uvicorn and in-process: shapes, paging, bindings, problem+json."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from scgraph.apimodels import EntityModel, SearchResultsModel
from scgraph.settings import Settings

ID = "https://scgraph.org/id/"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}


def _next_link(response: httpx.Response) -> str | None:
    match = re.search(r'<([^>]+)>;\s*rel="next"', response.headers.get("link", ""))
    return match.group(1) if match else None


def test_search_answers_ranked_hits(http: httpx.Client) -> None:
    response = http.get("/api/search", params={"q": "Da Nang"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = SearchResultsModel.model_validate(response.json())
    assert data.results[0].iri == ID + "city/da-nang"
    assert data.results[0].id == "city/da-nang"
    assert data.results[0].label == "Đà Nẵng"
    assert (
        http.get("/api/search", params={"q": "danang", "lang": "en"}).json()["results"][0]["label"]
        == "Da Nang"
    )


def test_search_by_type_and_no_match(http: httpx.Client) -> None:
    hits = http.get("/api/search", params={"q": "binh duong", "type": "Province"}).json()
    assert [h["id"] for h in hits["results"]] == ["province/binh-duong"]
    empty = http.get("/api/search", params={"q": "xyzzy qwerty"})
    assert empty.status_code == 200 and empty.json()["results"] == []
    assert "link" not in empty.headers


def test_search_pages_follow_the_next_link(http: httpx.Client) -> None:
    everything = http.get("/api/search", params={"q": "smart city", "limit": 12}).json()
    first = http.get("/api/search", params={"q": "smart city", "limit": 5})
    following = _next_link(first)
    assert following is not None
    second = http.get(following)
    ids = [h["iri"] for h in first.json()["results"] + second.json()["results"]]
    assert ids == [h["iri"] for h in everything["results"]][:10]


def test_entity_by_id_and_by_iri(http: httpx.Client) -> None:
    by_id = http.get("/api/entities/city/da-nang")
    assert by_id.status_code == 200
    entity = EntityModel.model_validate(by_id.json())
    assert entity.iri == ID + "city/da-nang" and entity.labels["en"] == "Da Nang"
    assert "https://scgraph.org/ontology#City" in {t.iri for t in entity.types}
    assert entity.sources and entity.incoming_total >= len(entity.incoming)
    quotes = [e.quote for p in entity.properties for v in p.values for e in v.evidence]
    assert quotes
    by_iri = http.get("/api/entities/" + ID + "city/da-nang")
    assert by_iri.json() == by_id.json()


def test_entity_incoming_links_are_paged(http: httpx.Client) -> None:
    first = http.get("/api/entities/country/viet-nam", params={"incoming_limit": 2})
    total = first.json()["incoming_total"]
    assert total > 2
    following = _next_link(first)
    assert following is not None and "incoming_offset=2" in following
    assert http.get(following).json()["incoming_offset"] == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/entities/city/nowhere", 404),
        ("/api/search?q=", 422),
        ("/api/search?q=x&limit=0", 422),
        ("/api/search?q=x&lang=%3Cscript%3E", 422),
        ("/api/queries/no-such-query", 404),
        ("/api/queries/01-speakers-at-events?notAVariable=1", 400),
        ("/api/no-such-route", 404),
    ],
)
def test_errors_are_problem_json(http: httpx.Client, path: str, status: int) -> None:
    response = http.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) >= PROBLEM_KEYS and problem["status"] == status


def test_types_list_classes_with_counts(http: httpx.Client) -> None:
    types = {t["name"]: t for t in http.get("/api/types").json()}
    assert types["Province"]["count"] >= 2
    assert types["Place"]["count"] >= types["Province"]["count"] + types["City"]["count"]
    assert types["Province"]["labels"]["vi"] == "tỉnh"
    assert "https://scgraph.org/ontology#Place" in types["Province"]["parents"]


def test_queries_are_listed_and_run_with_bindings(http: httpx.Client, built: Settings) -> None:
    listed = http.get("/api/queries").json()
    assert [q["name"] for q in listed] == sorted(p.stem for p in built.queries_dir.glob("*.rq"))
    speakers = next(q for q in listed if q["name"] == "01-speakers-at-events")
    assert "role" in speakers["parameters"]
    everything = http.get("/api/queries/01-speakers-at-events", params={"limit": 100}).json()
    roles = {row["role"]["value"] for row in everything["rows"]}
    assert "speaker" in roles and len(roles) > 1
    bound = http.get(
        "/api/queries/01-speakers-at-events", params={"role": '"speaker"@en', "limit": 100}
    ).json()
    assert bound["rows"] and {row["role"]["value"] for row in bound["rows"]} == {"speaker"}
    # A value stays a value: text that would change the query is an odd string matching nothing.
    injected = http.get(
        "/api/queries/01-speakers-at-events", params={"role": '"x" } UNION { ?a ?b ?c'}
    )
    assert injected.status_code == 200 and injected.json()["rows"] == []


def test_query_results_page_with_link(http: httpx.Client) -> None:
    first = http.get("/api/queries/01-speakers-at-events", params={"limit": 3})
    assert len(first.json()["rows"]) == 3
    following = _next_link(first)
    assert following is not None
    full = http.get("/api/queries/01-speakers-at-events", params={"limit": 6}).json()["rows"]
    assert first.json()["rows"] + http.get(following).json()["rows"] == full


def test_api_is_described_in_openapi_and_allows_cors(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    for path in ("/api/search", "/api/entities/{id}", "/api/types", "/api/queries"):
        assert path in schema["paths"]
    assert http.get("/docs").status_code == 200
    response = http.get(
        "/api/search", params={"q": "vinasa"}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["access-control-allow-origin"] == "*"


def test_empty_queries_directory_lists_nothing(built: Settings, tmp_path: object) -> None:
    from pathlib import Path

    from scgraph.server.app import create_app

    settings = built.model_copy(update={"queries_dir": Path(str(tmp_path)) / "none"})
    with TestClient(create_app(settings)) as local:
        assert local.get("/api/queries").json() == []
