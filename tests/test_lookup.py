"""describe, describe_graph and the other look-ups, on a tiny graph and on the real build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from scgraph.lookup import (
    LiteralValue,
    Resource,
    article_annotations,
    describe,
    describe_graph,
    exists,
    iri_for_path,
    is_graph,
    list_instances,
    local_path,
    suggest,
)
from scgraph.settings import Settings
from scgraph.store import open_store, write_store

DATA = Path(__file__).parent / "data"
BASE = "https://scgraph.org/"
SC = "https://scgraph.org/ontology#"
CITY_X = BASE + "id/city/x"
COUNTRY_Y = BASE + "id/country/y"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The tiny graph of tests/data/linked_data.trig, written as the build writes stores."""
    directory = tmp_path_factory.mktemp("tiny") / "store"
    write_store(directory, ox.parse(path=str(DATA / "linked_data.trig"), format=ox.RdfFormat.TRIG))
    return ox.Store.read_only(str(directory))


@pytest.fixture(scope="module")
def real(built: Settings) -> ox.Store:
    return open_store(built.data_dir)


def test_describe_gives_labels_types_and_grouped_values(tiny: ox.Store) -> None:
    d = describe(tiny, CITY_X, base_iri=BASE)
    assert d is not None
    assert d.labels == {"vi": "<script>alert('x')</script> Thành phố X", "en": "City X"}
    assert d.label("en") == "City X"
    assert [(t.iri, t.label("en")) for t in d.types] == [(SC + "City", "city")]
    by_property = {g.property.iri: g for g in d.outgoing}
    assert set(by_property) == {SC + "containedIn", SC + "population"}
    assert by_property[SC + "containedIn"].property.label("vi") == "nằm trong"
    (country,) = by_property[SC + "containedIn"].values
    assert country.term == Resource(COUNTRY_Y, {"vi": "Nước Y", "en": "Country Y"})
    (population,) = by_property[SC + "population"].values
    assert population.term == LiteralValue("1200", "http://www.w3.org/2001/XMLSchema#integer", None)
    assert population.evidence == ()


def test_describe_attaches_the_quote_and_article_to_each_statement(tiny: ox.Store) -> None:
    d = describe(tiny, CITY_X, base_iri=BASE)
    assert d is not None
    (value,) = d.values_of(SC + "containedIn")
    (evidence,) = value.evidence
    assert evidence.quote == "X nằm ở nước Y"
    assert (evidence.start, evidence.end) == (10, 24)
    assert evidence.article.iri == BASE + "id/article/t1"
    assert evidence.article.label("en") == "Article T1"
    assert [a.iri for a in d.articles] == [BASE + "id/article/t1"]


def test_incoming_links_are_counted_grouped_and_paged(tiny: ox.Store) -> None:
    first = describe(tiny, CITY_X, base_iri=BASE, incoming_limit=2)
    second = describe(tiny, CITY_X, base_iri=BASE, incoming_limit=2, incoming_offset=2)
    assert first is not None and second is not None
    # The evidence node's rdf:subject link is provenance, not an incoming link.
    assert [(g.property.iri, g.count) for g in first.incoming] == [(SC + "partner", 3)]
    assert first.incoming_total == 3 and first.has_more_incoming
    assert [s.label() for s in first.incoming[0].subjects] == ["A", "B"]
    assert [s.label() for s in second.incoming[0].subjects] == ["C"]
    assert not second.has_more_incoming


def test_unknown_iri_is_not_described(tiny: ox.Store) -> None:
    assert describe(tiny, BASE + "id/city/nowhere", base_iri=BASE) is None
    assert not exists(tiny, BASE + "id/city/nowhere")
    assert exists(tiny, CITY_X)
    assert exists(tiny, BASE + "graph/registry") and is_graph(tiny, BASE + "graph/registry")
    assert not is_graph(tiny, CITY_X)


def test_describe_rejects_bad_paging(tiny: ox.Store) -> None:
    with pytest.raises(ValueError, match="incoming_limit"):
        describe(tiny, CITY_X, base_iri=BASE, incoming_limit=0)


def test_describe_graph_keeps_named_graphs_only_when_asked(tiny: ox.Store) -> None:
    statement = ox.Triple(
        ox.NamedNode(CITY_X), ox.NamedNode(SC + "containedIn"), ox.NamedNode(COUNTRY_Y)
    )
    with_graphs = describe_graph(tiny, CITY_X, base_iri=BASE, with_graphs=True)
    graphs_of_statement = {q.graph_name for q in with_graphs if q.triple == statement}
    assert graphs_of_statement == {
        ox.NamedNode(BASE + "graph/registry"),
        ox.NamedNode(BASE + "graph/article/t1"),
    }
    flat = describe_graph(tiny, CITY_X, base_iri=BASE)
    assert [q.triple for q in flat].count(statement) == 1
    assert {q.graph_name for q in flat} == {ox.DefaultGraph()}
    triples = {q.triple for q in flat}
    # labels of linked IRIs, incoming links, and the evidence with its target and selector
    assert (
        ox.Triple(
            ox.NamedNode(COUNTRY_Y), ox.NamedNode(RDFS_LABEL), ox.Literal("Nước Y", language="vi")
        )
        in triples
    )
    assert (
        ox.Triple(
            ox.NamedNode(BASE + "id/city/a"), ox.NamedNode(SC + "partner"), ox.NamedNode(CITY_X)
        )
        in triples
    )
    selector = ox.NamedNode(BASE + "id/evidence/t1-e1-selector")
    assert any(t.subject == selector for t in triples)
    evidence_quads = [
        q for q in with_graphs if q.subject == ox.NamedNode(BASE + "id/evidence/t1-e1")
    ]
    assert evidence_quads and all(
        q.graph_name == ox.NamedNode(BASE + "graph/metadata") for q in evidence_quads
    )


def test_incoming_page_in_rdf_is_capped(tiny: ox.Store) -> None:
    quads = describe_graph(tiny, CITY_X, base_iri=BASE, incoming_limit=1)
    partners = [q for q in quads if q.predicate == ox.NamedNode(SC + "partner")]
    assert len(partners) == 1


def test_paths_map_onto_the_configured_base() -> None:
    assert iri_for_path("/id/city/x", base_iri="http://127.0.0.1:8000/") == (
        "http://127.0.0.1:8000/id/city/x"
    )
    assert local_path("http://127.0.0.1:8000/id/city/x", base_iri="http://127.0.0.1:8000/") == (
        "/id/city/x"
    )
    assert local_path(SC + "City", base_iri="http://127.0.0.1:8000/") == "/ontology#City"


def test_suggest_folds_accents_and_ranks_closest_first(real: ox.Store) -> None:
    hits = suggest(real, "da-nang")
    assert hits[0].iri == BASE + "id/city/da-nang"
    assert suggest(real, "   ") == []


def test_list_instances_pages_through_a_class(real: ox.Store) -> None:
    everything, total = list_instances(real, SC + "City", limit=100)
    first, total_again = list_instances(real, SC + "City", limit=2)
    rest, _ = list_instances(real, SC + "City", limit=100, offset=2)
    assert total == total_again == len(everything) >= 3
    assert [r.iri for r in first + rest] == [r.iri for r in everything]
    assert all(r.has_label for r in everything)


def test_every_annotation_offset_points_at_its_quote(real: ox.Store) -> None:
    """The selectors' offsets, which the article page highlights, cut the quote out of the text."""
    articles, _ = list_instances(real, SC + "Article")
    checked = 0
    for article in articles:
        d = describe(real, article.iri, base_iri=BASE)
        assert d is not None
        (text_value,) = d.values_of(SC + "articleText")
        assert isinstance(text_value.term, LiteralValue)
        text = text_value.term.value
        for annotation in article_annotations(real, article.iri):
            assert annotation.start is not None and annotation.end is not None
            cut = " ".join(text[annotation.start : annotation.end].split())
            assert cut == " ".join(annotation.quote.split()), annotation.iri
            checked += 1
    assert checked > 100


def test_real_entity_has_evidence_from_its_articles(real: ox.Store) -> None:
    d = describe(real, BASE + "id/city/da-nang", base_iri=BASE)
    assert d is not None
    assert d.label("vi") == "Đà Nẵng" and d.label("en") == "Da Nang"
    supported = [v for g in d.outgoing for v in g.values if v.evidence]
    assert supported, "some statement about Đà Nẵng should cite an article"
    for value in supported:
        for evidence in value.evidence:
            assert evidence.article.iri.startswith(BASE + "id/article/")
            assert evidence.quote


def _inverse_pairs(store: ox.Store) -> dict[str, str]:
    """Property → its inverse, as the ontology graph declares them."""
    rows = store.query("SELECT ?p ?q WHERE { ?p <http://www.w3.org/2002/07/owl#inverseOf> ?q }")
    assert isinstance(rows, ox.QuerySolutions)
    return {row["p"].value: row["q"].value for row in rows}


def test_a_statement_the_build_inverted_shows_the_quote_of_the_stated_one(real: ox.Store) -> None:
    """`X received R` is written by the build from `R recipient X`: the same quotes support it,
    for every inverted statement of the real build."""
    inverse = _inverse_pairs(real)
    assert len(inverse) >= 10
    rows = real.query(
        "SELECT DISTINCT ?s WHERE { ?ev <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?s "
        "FILTER(STRSTARTS(STR(?s), 'https://scgraph.org/id/')) }"
    )
    assert isinstance(rows, ox.QuerySolutions)
    checked = 0
    for row in rows:
        d = describe(real, row["s"].value, base_iri=BASE)
        assert d is not None
        for group in d.outgoing:
            stated = inverse.get(group.property.iri)
            if stated is None:
                continue
            for value in group.values:
                assert isinstance(value.term, Resource)
                other = describe(real, value.term.iri, base_iri=BASE)
                assert other is not None
                back = [
                    v
                    for v in other.values_of(stated)
                    if isinstance(v.term, Resource) and v.term.iri == d.iri
                ]
                assert len(back) == 1, (d.iri, group.property.iri, value.term.iri)
                quoted = {e.iri for e in back[0].evidence}
                # The registry states some links without a quote: nothing to carry over then.
                assert quoted <= {e.iri for e in value.evidence}
                checked += bool(quoted)
    assert checked >= 50


def test_binh_duong_shows_the_quote_of_each_recognition_it_received(real: ox.Store) -> None:
    d = describe(real, BASE + "id/province/binh-duong", base_iri=BASE)
    assert d is not None
    received = {
        value.term.iri: [e.quote for e in value.evidence]
        for value in d.values_of(SC + "received")
        if isinstance(value.term, Resource)
    }
    assert received[BASE + "id/recognition/binh-duong-icf-smart21-2022"] == [
        "Bình Dương là cái tên được vinh danh lần thứ 4 liên tiếp"
    ]
    assert all(received.values()), received
