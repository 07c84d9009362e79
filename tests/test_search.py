"""Search quality over the real build: a table of queries and the entity that must come first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scgraph.iris import SC
from scgraph.search import (
    INDEX_FILE,
    IndexedEntity,
    IndexedLabel,
    SearchIndex,
    _edit_distance,
    normalize,
    read_index,
)
from scgraph.settings import Settings
from scgraph.store import open_store, resolve_build

ID = "https://scgraph.org/id/"


@pytest.fixture(scope="module")
def index(built: Settings) -> SearchIndex:
    return read_index(resolve_build(built.data_dir) / INDEX_FILE)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("binh duong", "province/binh-duong"),
        ("Bình Dương", "province/binh-duong"),
        ("Da Nang", "city/da-nang"),
        ("danang", "city/da-nang"),
        ("DA-NANG", "city/da-nang"),
        ("ho chi minh", "city/tp-ho-chi-minh"),
        ("tphcm", "city/tp-ho-chi-minh"),
        ("ASCN", "network/ascn"),
        ("ascn", "network/ascn"),
        ("vinasa", "association/vinasa"),
        ("pham hong ha", "person/pham-hong-ha"),
        ("phamhongha", "person/pham-hong-ha"),
        ("pham ha", "person/pham-hong-ha"),  # every word starts a word of the label
        ("vinassa", "association/vinasa"),  # one typo
        ("nguyen xuan phuk", "person/nguyen-xuan-phuc"),  # one typo
        ("bo xay dung", "government-body/bo-xay-dung"),
        ("ministry of construction", "government-body/bo-xay-dung"),
        ("hanoi", "city/ha-noi"),
    ],
)
def test_query_finds_expected_entity_first(index: SearchIndex, query: str, expected: str) -> None:
    hits = index.search(query)
    assert hits, f"no result for {query!r}"
    assert hits[0].iri == ID + expected


@pytest.mark.parametrize("query", ["xyzzy qwerty", "   ", "—", "zzzzzzzzzzzzzzzz"])
def test_no_match_is_an_empty_list(index: SearchIndex, query: str) -> None:
    assert index.search(query) == []


def test_every_vietnamese_label_without_diacritics_finds_its_entity(index: SearchIndex) -> None:
    """Each entity's vi label, diacritics stripped, ranks it first or tied with the same label."""
    checked = 0
    for entity in index.entities:
        for label in entity.labels:
            if label.kind != "label" or label.lang != "vi":
                continue
            query = normalize(label.text)
            hits = index.search(query, limit=50)
            iris = [hit.iri for hit in hits]
            assert entity.iri in iris, f"{label.text!r} does not find {entity.iri}"
            ahead = hits[: iris.index(entity.iri)]
            assert all(normalize(hit.matched) == query for hit in ahead), (
                f"{label.text!r}: {[(h.iri, h.matched) for h in ahead]} outrank {entity.iri}"
            )
            checked += 1
    assert checked >= 150


def test_city_ranks_above_a_person_with_the_same_name() -> None:
    person = IndexedEntity(
        ID + "person/ho-chi-minh", (SC + "Person",), (IndexedLabel("Hồ Chí Minh", "vi", "label"),)
    )
    city = IndexedEntity(
        ID + "city/tp-ho-chi-minh",
        (SC + "City", SC + "Place"),
        (IndexedLabel("TP Hồ Chí Minh", "vi", "label"),),
    )
    hits = SearchIndex([person, city]).search("ho chi minh")
    assert [hit.iri for hit in hits] == [city.iri, person.iri]


def test_ranking_is_exact_then_prefix_then_fuzzy() -> None:
    def entity(slug: str, label: str) -> IndexedEntity:
        return IndexedEntity(ID + slug, (SC + "Theme",), (IndexedLabel(label, "vi", "label"),))

    index = SearchIndex(
        [entity("a", "Giao thông thông minh"), entity("b", "Giao thông"), entity("c", "Giao thong")]
    )
    hits = index.search("giao thông")
    assert [hit.match for hit in hits] == ["exact", "exact", "prefix"]
    assert {hit.iri for hit in hits[:2]} == {ID + "b", ID + "c"}
    assert [hit.match for hit in index.search("giao thogn")][:2] == ["fuzzy", "fuzzy"]


def test_type_restriction_includes_subclasses(index: SearchIndex) -> None:
    places = index.search("binh duong", type="Place", limit=50)
    assert places and all(SC + "Place" in hit.types for hit in places)
    assert index.search("binh duong", type="Province")[0].iri == ID + "province/binh-duong"
    assert index.search("binh duong", type=SC + "Province")[0].iri == ID + "province/binh-duong"
    assert index.search("pham hong ha", type="Place") == []


def test_label_language_is_chosen_by_lang(index: SearchIndex) -> None:
    assert index.search("danang", lang="en")[0].label == "Da Nang"
    assert index.search("danang", lang="vi")[0].label == "Đà Nẵng"


def test_limit_and_offset_page_through_the_ranking(index: SearchIndex) -> None:
    everything = index.search("smart city", limit=20)
    assert len(everything) == 20
    pages = index.search("smart city", limit=7) + index.search("smart city", limit=7, offset=7)
    assert [h.iri for h in pages] == [h.iri for h in everything[:14]]


def test_provenance_nodes_are_not_indexed(index: SearchIndex, built: Settings) -> None:
    types = {t for entity in index.entities for t in entity.types}
    assert SC + "Evidence" not in types
    assert SC + "Build" not in types
    assert all(entity.iri.startswith(built.base_iri + "id/") for entity in index.entities)


def test_index_file_is_the_same_when_built_again(built: Settings, tmp_path: Path) -> None:
    from scgraph.search import collect_entities, write_index

    build = resolve_build(built.data_dir)
    again = tmp_path / INDEX_FILE
    write_index(collect_entities(open_store(build), built.base_iri), again)
    assert again.read_bytes() == (build / INDEX_FILE).read_bytes()


@pytest.mark.parametrize("count", [0, 1, None])
def test_index_file_written_entity_by_entity_is_the_whole_documents_json(
    built: Settings, tmp_path: Path, count: int | None
) -> None:
    from scgraph.search import INDEX_FORMAT, collect_entities, write_index

    entities = collect_entities(open_store(resolve_build(built.data_dir)), built.base_iri)
    entities = entities[:count]
    write_index(entities, tmp_path / INDEX_FILE)
    document = {
        "format": INDEX_FORMAT,
        "entities": [
            {
                "iri": e.iri,
                "types": list(e.types),
                "labels": [[x.text, x.lang, x.kind] for x in e.labels],
            }
            for e in entities
        ],
    }
    whole = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert (tmp_path / INDEX_FILE).read_bytes() == whole.encode()
    assert any(not x.text.isascii() for e in entities for x in e.labels) or count is not None


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abcđươ12 ", max_size=14),
    st.text(alphabet="abcđươ12 ", max_size=30),
    st.integers(0, 8),
)
def test_a_bounded_edit_distance_is_exact_within_its_limit(a: str, b: str, limit: int) -> None:
    """Fuzzy matching stops comparing past the distance that could still match: within that
    limit the distance is the true one, past it only "too far" is known."""
    true = _edit_distance(a, b)
    bounded = _edit_distance(a, b, limit)
    assert bounded == true if true <= limit else bounded > limit
