"""The Python API, `scgraph.KnowledgeGraph`, against the built store and against a live server."""

from __future__ import annotations

import ast
import datetime
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import scgraph
from scgraph import IRI, KnowledgeGraph
from scgraph.errors import QuerySyntaxError, StoreNotFound
from scgraph.iris import SC
from scgraph.settings import Settings

ID = "https://scgraph.org/id/"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=["local", "remote"])
def kg(request: pytest.FixtureRequest) -> Iterator[KnowledgeGraph]:
    if request.param == "local":
        built: Settings = request.getfixturevalue("built")
        yield KnowledgeGraph.open(built.data_dir)
    else:
        with KnowledgeGraph.remote(request.getfixturevalue("live_server")) as remote:
            yield remote


def test_public_names_are_listed_in_all() -> None:
    """`__all__` names exactly what the package exports for its users, as httpx's test does
    (the package imports them from its modules when first asked for)."""
    tree = ast.parse((ROOT / "src" / "scgraph" / "__init__.py").read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scgraph")
        for alias in node.names
    }
    assert set(scgraph.__all__) == imported | {"__version__"}
    for name in scgraph.__all__:
        assert getattr(scgraph, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'KnowledgeGraphs'"):
        _ = scgraph.KnowledgeGraphs


def test_search_finds_places_by_unaccented_names(kg: KnowledgeGraph) -> None:
    assert kg.search("danang")[0].iri == ID + "city/da-nang"
    assert kg.search("ho chi minh")[0].iri == ID + "city/tp-ho-chi-minh"
    assert kg.search("binh duong", type="Province", limit=1)[0].label == "Bình Dương"
    assert kg.search("binh duong", lang="en", limit=1)[0].label == "Binh Duong Province"
    assert kg.search("xyzzy qwerty") == []


def test_entity_is_described_with_labels_types_values_and_sources(kg: KnowledgeGraph) -> None:
    city = kg.entity("city/da-nang")
    assert city is not None
    assert city.iri == ID + "city/da-nang"
    assert city.labels["vi"] == "Đà Nẵng" and city.label("en") == "Da Nang"
    assert SC + "City" in {t.iri for t in city.types}
    assert city.incoming_total > 0
    assert city.articles, "Đà Nẵng is supported by at least one article"
    quotes = [e.quote for group in city.outgoing for v in group.values for e in v.evidence]
    assert quotes and all(q.strip() for q in quotes)
    assert kg.entity(ID + "city/da-nang") == city
    assert kg.entity("city/no-such-place") is None


def test_query_returns_python_values(kg: KnowledgeGraph) -> None:
    rows = kg.query(
        "PREFIX sc: <https://scgraph.org/ontology#> "
        "SELECT ?event ?date WHERE { ?event sc:startDate ?date } ORDER BY ?date ?event LIMIT 3"
    )
    assert isinstance(rows, list) and len(rows) == 3
    assert all(isinstance(row["event"], IRI) for row in rows)
    assert all(isinstance(row["date"], datetime.date) for row in rows)
    assert rows == sorted(rows, key=lambda row: (row["date"], row["event"]))  # type: ignore[arg-type]
    count = kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://scgraph.org/ontology#City> }")
    assert isinstance(count, list) and isinstance(count[0]["n"], int) and count[0]["n"] >= 3
    assert kg.query("ASK { <https://scgraph.org/id/city/da-nang> ?p ?o }") is True


def test_query_syntax_error_is_reported(kg: KnowledgeGraph) -> None:
    with pytest.raises(QuerySyntaxError):
        kg.query("SELEC nothing")


def test_instances_list_a_class_with_subclasses(kg: KnowledgeGraph) -> None:
    provinces = list(kg.instances("Province"))
    assert ID + "province/binh-duong" in {p.iri for p in provinces}
    places = {p.iri for p in kg.instances("Place")}
    assert {p.iri for p in provinces} < places
    assert next(p for p in provinces if p.iri.endswith("binh-duong")).label("vi") == "Bình Dương"


def test_local_and_remote_agree(built: Settings, live_server: str) -> None:
    local = KnowledgeGraph.open(built.data_dir)
    with KnowledgeGraph.remote(live_server) as remote:
        assert local.search("smart city", limit=8) == remote.search("smart city", limit=8)
        assert local.entity("province/binh-duong") == remote.entity("province/binh-duong")


def test_calls_from_many_threads_agree(built: Settings) -> None:
    kg = KnowledgeGraph.open(built.data_dir)
    expected = kg.entity("city/da-nang")

    def work(_: int) -> bool:
        return kg.entity("city/da-nang") == expected and bool(kg.search("vinasa"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(work, range(16)))


def test_open_without_a_build_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound):
        KnowledgeGraph.open(tmp_path)
