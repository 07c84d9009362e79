"""The reconciliation service, validated against the specification's published JSON Schemas."""

from __future__ import annotations

import html.parser
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "reconciliation-0.2"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents, DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(name: str, document: Any) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft7Validator(schema, registry=REGISTRY).validate(document)


def test_schemas_are_present() -> None:
    assert len(list(SCHEMAS.glob("*.json"))) >= 10


def test_manifest_follows_the_schema(http: httpx.Client) -> None:
    manifest = http.get("/reconcile").json()
    validate("manifest", manifest)
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == "https://scgraph.org/id/"
    assert {t["id"] for t in manifest["defaultTypes"]} >= {"Place", "Organisation", "Person"}


def _reconcile(http: httpx.Client, queries: dict[str, Any]) -> dict[str, Any]:
    validate("reconciliation-query-batch", queries)
    response = http.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    validate("reconciliation-result-batch", answer)
    assert set(answer) == set(queries)
    return answer


def test_batch_reconciles_names_without_diacritics(http: httpx.Client) -> None:
    answer = _reconcile(
        http,
        {
            "q0": {"query": "Da Nang", "type": "City"},
            "q1": {"query": "binh duong", "limit": 3},
            "q2": {"query": "VINASA"},
            "q3": {"query": "xyzzy qwerty"},
        },
    )
    assert answer["q0"]["result"][0]["id"] == "city/da-nang"
    assert answer["q0"]["result"][0]["match"] is True
    assert answer["q1"]["result"][0]["id"] == "province/binh-duong"
    assert len(answer["q1"]["result"]) <= 3
    assert answer["q2"]["result"][0]["id"] == "association/vinasa"
    assert answer["q3"]["result"] == []


def test_type_constraint_filters_candidates(http: httpx.Client) -> None:
    answer = _reconcile(http, {"q": {"query": "binh duong", "type": "GovernmentBody"}})
    results = answer["q"]["result"]
    assert results and results[0]["id"] == "government-body/ubnd-tinh-binh-duong"
    assert all(any(t["id"] == "GovernmentBody" for t in r["type"]) for r in results)


def test_property_constraint_changes_scores(http: httpx.Client) -> None:
    base = {"query": "Phạm Hồng Hà", "type": "Person"}
    plain = _reconcile(http, {"q": base})["q"]["result"][0]
    person = http.get("/api/entities/" + plain["id"]).json()
    prop = next(p for p in person["properties"] if p["values"][0]["kind"] == "iri")
    pid = prop["property"]["iri"].removeprefix("https://scgraph.org/ontology#")
    value = prop["values"][0]["label"]
    agreeing = _reconcile(http, {"q": {**base, "properties": [{"pid": pid, "v": value}]}})
    disagreeing = _reconcile(
        http, {"q": {**base, "properties": [{"pid": pid, "v": "Nothing Like It"}]}}
    )
    first, second = agreeing["q"]["result"][0], disagreeing["q"]["result"][0]
    assert first["id"] == second["id"] == plain["id"]
    assert first["score"] >= plain["score"] > second["score"]


def test_single_query_of_the_older_protocol(http: httpx.Client) -> None:
    answer = http.get("/reconcile", params={"query": "danang"}).json()
    assert answer["result"][0]["id"] == "city/da-nang"


def test_suggest_services_follow_the_schemas(http: httpx.Client) -> None:
    entities = http.get("/reconcile/suggest/entity", params={"prefix": "da na"}).json()
    validate("suggest-entities-response", entities)
    assert entities["result"][0]["id"] == "city/da-nang"
    types = http.get("/reconcile/suggest/type", params={"prefix": "provin"}).json()
    validate("suggest-types-response", types)
    assert [t["id"] for t in types["result"]] == ["Province"]
    properties = http.get("/reconcile/suggest/property", params={"prefix": "locat"}).json()
    validate("suggest-properties-response", properties)
    assert "location" in [p["id"] for p in properties["result"]]


def test_data_extension_follows_the_schemas(http: httpx.Client) -> None:
    proposal = http.get("/reconcile/extend/propose", params={"type": "Event"}).json()
    validate("data-extension-property-proposal", proposal)
    pids = [p["id"] for p in proposal["properties"]]
    assert "startDate" in pids and "location" in pids
    query = {
        "ids": ["city/da-nang", "summit/smart-city-summit-2020"],
        "properties": [{"id": "startDate"}, {"id": "location"}],
    }
    validate("data-extension-query", query)
    response = http.post("/reconcile", data={"extend": json.dumps(query)}).json()
    validate("data-extension-response", response)
    conference = response["rows"][query["ids"][1]]
    assert conference["startDate"] and "date" in conference["startDate"][0]
    assert conference["location"] and {"id", "name"} == set(conference["location"][0])
    assert response["rows"]["city/da-nang"]["startDate"] == []


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_preview_is_html_naming_the_entity(http: httpx.Client) -> None:
    response = http.get("/reconcile/preview", params={"id": "city/da-nang"})
    assert response.headers["content-type"].startswith("text/html")
    parser = _Text()
    parser.feed(response.text)
    assert "Đà Nẵng" in parser.parts and "Da Nang" in parser.parts
    missing = http.get("/reconcile/preview", params={"id": "city/nowhere"})
    assert missing.status_code == 404


@pytest.mark.parametrize("body", [{"queries": "{not json"}, {"queries": "[1, 2]"}, {"extend": "7"}])
def test_bad_requests_are_problem_json(http: httpx.Client, body: dict[str, str]) -> None:
    response = http.post("/reconcile", data=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400
