"""Linked-data pages in process: negotiation, redirects, caching headers, HTML and RDF content."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from scgraph.server.app import create_app
from scgraph.server.etags import identity_variant
from scgraph.settings import Settings
from scgraph.store import read_summary, resolve_build, write_store, write_summary

DATA = Path(__file__).resolve().parent.parent / "data"
BASE = "https://scgraph.org/"
SC = rdflib.Namespace("https://scgraph.org/ontology#")
DA_NANG = BASE + "id/city/da-nang"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
RDF_TYPES = [
    ("text/turtle", "turtle", "ttl"),
    ("application/ld+json", "json-ld", "jsonld"),
    ("application/n-triples", "nt", "nt"),
    ("application/rdf+xml", "xml", "rdf"),
    ("application/n-quads", "nquads", "nq"),
    ("application/trig", "trig", "trig"),
]


class Page(HTMLParser):
    """The parts of an HTML page the tests look at."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.head_links: list[dict[str, str]] = []
        self.metas: list[dict[str, str]] = []
        self.scripts: list[tuple[str, str]] = []  # (type, content)
        self.h1 = ""
        self.marks: list[str] = []
        self.text: list[str] = []
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._buffer: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "link":
            self.head_links.append(values)
        elif tag == "meta":
            self.metas.append(values)
        else:
            self._stack.append((tag, values))
            if tag in {"a", "h1", "script", "mark"}:
                self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, attrs = self._stack.pop()
            if open_tag == tag:
                break
        text = "".join(self._buffer)
        if tag == "a":
            self.links.append((attrs.get("href", ""), text.strip()))
        elif tag == "h1":
            self.h1 = text.strip()
        elif tag == "script":
            self.scripts.append((attrs.get("type", ""), text))
        elif tag == "mark":
            self.marks.append(text)

    def handle_data(self, data: str) -> None:
        self._buffer.append(data)
        self.text.append(data)

    def alternate(self) -> dict[str, str]:
        return {
            link["type"]: link["href"] for link in self.head_links if link.get("rel") == "alternate"
        }


def built_summary(settings: Settings) -> dict[str, Any]:
    """The build's own summary (build.json), an independent count of what the store holds."""
    return read_summary(resolve_build(settings.data_dir))


def vary(response: object) -> set[str]:
    header = response.headers.get("vary", "")  # type: ignore[attr-defined]
    return {token.strip().lower() for token in header.split(",") if token.strip()}


def parse_html(response: object) -> Page:
    return Page(response.text)  # type: ignore[attr-defined]


# ---- negotiation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (None, "/page/city/da-nang"),
        ("*/*", "/page/city/da-nang"),
        (BROWSER, "/page/city/da-nang"),
        ("text/html", "/page/city/da-nang"),
        ("text/turtle", "/data/city/da-nang"),
        ("application/ld+json", "/data/city/da-nang"),
        ("application/rdf+xml, text/n3, text/turtle, application/n-triples", "/data/city/da-nang"),
        ("text/html;q=0, */*", "/data/city/da-nang"),
        ("text/turtle;q=0.5, text/html;q=0.9", "/page/city/da-nang"),
        ("application/n-quads", "/data/city/da-nang"),
    ],
)
def test_entity_iri_redirects_by_accept(
    client: TestClient, accept: str | None, location: str
) -> None:
    headers = {"accept": accept} if accept is not None else {}
    response = client.get("/id/city/da-nang", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert "accept" in vary(response)


@pytest.mark.parametrize(
    ("accept", "status", "media_type"),
    [
        ("text/turtle", 200, "text/turtle"),
        ("application/ld+json", 200, "application/ld+json"),
        ("application/n-triples", 200, "application/n-triples"),
        ("application/rdf+xml", 200, "application/rdf+xml"),
        ("application/n-quads", 200, "application/n-quads"),
        ("application/trig", 200, "application/trig"),
        ("application/trig;q=0.4, application/n-quads;q=0.8", 200, "application/n-quads"),
        ("*/*", 200, "text/turtle"),
        ("image/png", 406, "application/problem+json"),
        ("text/turtle;q=0", 406, "application/problem+json"),
    ],
)
def test_data_document_negotiates(
    client: TestClient, accept: str, status: int, media_type: str
) -> None:
    response = client.get("/data/city/da-nang", headers={"accept": accept})
    assert response.status_code == status
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" in vary(response)
    if status == 406:
        listed = response.json()["alternatives"]
        assert set(listed) == {media for media, _, _ in RDF_TYPES}
    else:
        assert response.headers["content-location"].startswith("/data/city/da-nang.")


def test_unmatched_accept_at_the_iri_is_406_listing_alternatives(client: TestClient) -> None:
    response = client.get("/id/city/da-nang", headers={"accept": "image/png"})
    assert response.status_code == 406
    assert "text/html" in response.json()["alternatives"]
    assert "text/turtle" in response.json()["detail"]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("media_type", "rdflib_format", "suffix"), RDF_TYPES)
def test_every_rdf_format_parses_and_says_the_same(
    client: TestClient, media_type: str, rdflib_format: str, suffix: str
) -> None:
    """Each suffix URL is fixed (no Vary) and each format holds the same triples as Turtle."""
    response = client.get(f"/data/city/da-nang.{suffix}", headers={"accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" not in vary(response)
    reference = rdflib.Graph().parse(
        data=client.get("/data/city/da-nang.ttl").text, format="turtle"
    )
    if rdflib_format in {"nquads", "trig"}:
        # rdflib's Dataset.parse warns about its own deprecations; pyoxigraph reads the quads.
        quads = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media_type)))
        graph = rdflib.Graph().parse(
            data=ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES),
            format="nt",
        )
        named = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        assert BASE + "graph/metadata" in named  # the evidence, kept apart
        assert any(name.startswith(BASE + "graph/article/") for name in named)
    else:
        graph = rdflib.Graph().parse(data=response.text, format=rdflib_format)
    assert isomorphic(graph, reference)


def test_rdf_description_contains_document_metadata_and_labels(client: TestClient) -> None:
    graph = rdflib.Graph().parse(data=client.get("/data/city/da-nang.ttl").text, format="turtle")
    doc = rdflib.URIRef(BASE + "data/city/da-nang")
    foaf = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert (doc, foaf.primaryTopic, rdflib.URIRef(DA_NANG)) in graph
    assert (doc, void.inDataset, rdflib.URIRef(BASE + "dataset")) in graph
    assert (doc, rdflib.DCTERMS.license, None) in graph
    assert (doc, rdflib.DCTERMS.modified, None) in graph
    # every IRI the entity links to comes with a label
    for obj in graph.objects(rdflib.URIRef(DA_NANG), SC.containedIn):
        assert graph.value(obj, rdflib.RDFS.label) is not None
    # the provenance: an evidence node quoting an article
    evidence = list(graph.subjects(rdflib.RDF.subject, rdflib.URIRef(DA_NANG)))
    assert evidence
    assert all(graph.value(e, SC.quote) for e in evidence)


def test_jsonld_embeds_the_published_context(client: TestClient) -> None:
    context = client.get("/context.jsonld").json()
    document = client.get("/data/city/da-nang.jsonld").json()
    assert document["@context"] == context["@context"]
    assert context["@context"]["sc"] == "https://scgraph.org/ontology#"


def test_incoming_links_page_with_link_header_and_hydra_next(client: TestClient) -> None:
    """An article is the source of more evidence targets than fit on one page of links."""
    path = "/data/article/001_7f5c50e2d1e12d3d"
    article = rdflib.URIRef(BASE + "id/article/001_7f5c50e2d1e12d3d")
    first = client.get(path + ".ttl")
    assert 'rel="next"' in first.headers["link"]
    graph = rdflib.Graph().parse(data=first.text, format="turtle")
    hydra_next = graph.value(
        rdflib.URIRef(BASE + path.lstrip("/")),
        rdflib.URIRef("http://www.w3.org/ns/hydra/core#next"),
    )
    assert hydra_next is not None and str(hydra_next).endswith("?page=2")
    second = client.get(path + ".ttl?page=2")
    assert second.status_code == 200
    second_graph = rdflib.Graph().parse(data=second.text, format="turtle")
    first_links = set(graph.subject_predicates(article))
    second_links = set(second_graph.subject_predicates(article))
    assert second_links - first_links, "page 2 brings links page 1 did not have"


# ---- 404 ----------------------------------------------------------------------------------


def test_unknown_iri_is_404_at_the_iri_with_search_and_suggestions(client: TestClient) -> None:
    response = client.get("/id/city/da-nangg", headers={"accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = parse_html(response)
    assert "/id/city/da-nang" in [href for href, _ in page.links]
    assert 'action="/search"' in response.text


def test_unknown_iri_for_rdf_clients_is_a_problem_document(client: TestClient) -> None:
    for path in ("/id/city/nowhere", "/data/city/nowhere.ttl", "/page/city/nowhere"):
        response = client.get(path, headers={"accept": "text/turtle"})
        assert response.status_code == 404, path
        assert response.json()["status"] == 404


def test_unknown_class_and_past_the_end_pages_are_404(client: TestClient) -> None:
    assert client.get("/class/NoSuchClass").status_code == 404
    assert client.get("/class/City?page=99").status_code == 404
    assert client.get("/ontology/9.9.9").status_code == 404
    assert client.get("/dumps/secrets.txt").status_code == 404


# ---- caching, HEAD, CORS ------------------------------------------------------------------

GET_ROUTES = [
    "/",
    "/page/city/da-nang",
    "/page/city/da-nang.html",
    "/data/city/da-nang",
    "/data/city/da-nang.ttl",
    "/ontology",
    "/ontology.ttl",
    "/.well-known/void",
    "/sitemap.xml",
    "/robots.txt",
    "/context.jsonld",
    "/class/City",
    "/search?q=ha+noi",
    "/dumps/SHA256SUMS",
    "/dumps/scgraph.ttl",
    "/page/graph/registry",
    "/data/graph/registry.trig",
]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_etag_304_and_head(client: TestClient, path: str) -> None:
    full = client.get(path)
    assert full.status_code == 200
    etag = full.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert full.headers["last-modified"]
    assert "max-age" in full.headers["cache-control"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    # HEAD describes the identity representation; a gzip-encoded GET has the "-gzip" variant tag.
    if full.headers.get("content-encoding") == "gzip":
        assert head.headers["etag"] == identity_variant(etag) != etag
    else:
        assert head.headers["etag"] == etag
    assert head.headers["content-type"] == full.headers["content-type"]


def test_etag_differs_between_representations(client: TestClient) -> None:
    turtle = client.get("/data/city/da-nang.ttl").headers["etag"]
    ntriples = client.get("/data/city/da-nang.nt").headers["etag"]
    page = client.get("/page/city/da-nang").headers["etag"]
    assert len({turtle, ntriples, page}) == 3


def test_cors_on_redirects_and_documents(client: TestClient) -> None:
    origin = {"origin": "https://example.org", "accept": "text/turtle"}
    redirect = client.get("/id/city/da-nang", headers=origin, follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["access-control-allow-origin"] == "*"
    exposed = redirect.headers["access-control-expose-headers"].lower()
    assert {"link", "etag", "location"} <= {h.strip() for h in exposed.split(",")}
    document = client.get("/data/city/da-nang", headers=origin)
    assert document.headers["access-control-allow-origin"] == "*"


def test_graph_iri_dereferences(client: TestClient) -> None:
    redirect = client.get(
        "/graph/registry", headers={"accept": "text/turtle"}, follow_redirects=False
    )
    assert redirect.status_code == 303 and redirect.headers["location"] == "/data/graph/registry"
    trig = client.get("/data/graph/registry.trig")
    quads = list(ox.parse(trig.content, format=ox.RdfFormat.TRIG))
    registry = ox.NamedNode(BASE + "graph/registry")
    label = ox.NamedNode(str(rdflib.RDFS.label))
    assert any(
        q.graph_name == registry and q.subject == ox.NamedNode(DA_NANG) and q.predicate == label
        for q in quads
    )


# ---- HTML ---------------------------------------------------------------------------------


def test_entity_page_shows_labels_evidence_and_alternates(client: TestClient) -> None:
    response = client.get("/page/city/da-nang")
    page = parse_html(response)
    assert page.h1 == "Đà Nẵng"
    assert response.headers["content-language"] == "vi"
    link_texts = [text for _, text in page.links]
    assert "Việt Nam" in link_texts
    # links to IRIs that have a label show the label, never the IRI itself
    assert not [text for href, text in page.links if text.startswith(("http://", "https://"))]
    # types link to their section of the ontology page
    assert "/ontology#City" in [href for href, _ in page.links]
    # evidence: the article and the quote next to the value
    assert any(href.startswith("/id/article/") and "#" in href for href, _ in page.links)
    assert "Thành phố Đà Nẵng của Việt Nam" in "".join(page.text)
    alternates = page.alternate()
    assert {media for media, _, _ in RDF_TYPES} <= set(alternates)
    assert alternates["text/turtle"] == "/data/city/da-nang.ttl"
    canonical = [link["href"] for link in page.head_links if link.get("rel") == "canonical"]
    assert canonical == [BASE + "page/city/da-nang"]
    description = [m["content"] for m in page.metas if m.get("name") == "description"]
    assert description and description[0]
    (ld,) = [json.loads(content) for kind, content in page.scripts if kind == "application/ld+json"]
    assert ld["@context"] == "https://schema.org"
    assert ld["@id"] == DA_NANG and ld["name"] == "Đà Nẵng"
    assert "City" in ld["@type"]


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("", None, "Đà Nẵng"),
        ("?lang=en", None, "Da Nang"),
        ("", "en-US,en;q=0.9", "Da Nang"),
        ("", "vi,en;q=0.5", "Đà Nẵng"),
        ("?lang=vi", "en", "Đà Nẵng"),
    ],
)
def test_page_language(client: TestClient, query: str, header: str | None, expected: str) -> None:
    headers = {"accept-language": header} if header else {}
    page = parse_html(client.get(f"/page/city/da-nang{query}", headers=headers))
    assert page.h1 == expected
    switch = [href for href, _ in page.links if "lang=" in href]
    assert switch, "a language switch is offered"


def test_article_page_highlights_quotes_and_lists_statements(client: TestClient) -> None:
    response = client.get("/page/article/001_7f5c50e2d1e12d3d")
    assert response.status_code == 200
    page = parse_html(response)
    assert page.marks, "quoted evidence is highlighted"
    assert "Khai mạc Hội nghị thường niên" in page.h1
    # every highlight links to the statement it supports, listed on the same page
    anchors = {href[1:] for href, _ in page.links if href.startswith("#")}
    assert anchors and all(f'id="{anchor}"' in response.text for anchor in anchors)
    assert "/id/city/da-nang" in [href for href, _ in page.links]


def test_home_lists_classes_with_working_links(client: TestClient) -> None:
    page = parse_html(client.get("/"))
    hrefs = [href for href, _ in page.links]
    for needed in ("/query", "/.well-known/void", "/dumps/scgraph.nq.gz", "/ontology"):
        assert needed in hrefs
    class_links = [href for href in hrefs if href.startswith("/class/")]
    assert "/class/City" in class_links
    for href in class_links[:5]:
        assert client.get(href).status_code == 200


def test_class_list_is_paged_and_labelled(client: TestClient) -> None:
    page = parse_html(client.get("/class/City"))
    assert ("/id/city/da-nang", "Đà Nẵng") in page.links


def test_ontology_page_documents_every_term(client: TestClient, built: Settings) -> None:
    from scgraph.ontology import load_ontology

    ontology = load_ontology(built.ontology_dir / "scgraph.ttl")
    response = client.get("/ontology", headers={"accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html")
    for name in [*ontology.classes, *ontology.properties]:
        assert f'id="{name}"' in response.text, name
    page = parse_html(response)
    expected = str(built_summary(built)["entities_per_class"]["City"])
    assert ("/class/City", expected) in page.links  # instance count, linked to the listing
    turtle = client.get("/ontology", headers={"accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (SC.City, rdflib.RDF.type, rdflib.OWL.Class) in graph
    labels = {lit.language for lit in graph.objects(SC.City, rdflib.RDFS.label)}
    assert {"vi", "en"} <= labels


def test_void_describes_the_dataset(client: TestClient, built: Settings) -> None:
    graph = rdflib.Graph().parse(data=client.get("/.well-known/void").text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef(BASE + "dataset")
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(BASE + "sparql")
    assert str(graph.value(dataset, void.uriSpace)) == BASE + "id/"
    dumps = {str(d) for d in graph.objects(dataset, void.dataDump)}
    assert BASE + "dumps/scgraph.nq.gz" in dumps
    assert list(graph.objects(dataset, void.exampleResource))
    partitions = {
        str(graph.value(p, void["class"])): int(graph.value(p, void.entities))
        for p in graph.objects(dataset, void.classPartition)
    }
    per_class = built_summary(built)["entities_per_class"]
    assert partitions[str(SC.City)] == per_class["City"]
    assert partitions[str(SC.Person)] == per_class["Person"]
    assert int(graph.value(dataset, void.triples)) > 1000
    assert graph.value(dataset, rdflib.DCTERMS.license) is not None


def test_dumps_are_their_parts_and_the_parts_match_their_checksums(client: TestClient) -> None:
    listed = [line.split("  ") for line in client.get("/dumps/SHA256SUMS").text.splitlines()]
    assert listed and all(name == f"parts/{digest}{name[70:]}" for digest, name in listed)
    identity = {"accept-encoding": "identity"}  # the bytes as stored, with their own length
    parts = {name: client.get(f"/dumps/{name}", headers=identity) for _, name in listed}
    for digest, name in listed:
        assert hashlib.sha256(parts[name].content).hexdigest() == digest
        assert parts[name].headers["etag"] == f'"{digest}"'
        assert "immutable" in parts[name].headers["cache-control"]
    for dump, suffix in (
        ("scgraph.nq.gz", ".nq.gz"),
        ("scgraph.trig", ".trig"),
        ("scgraph.ttl", ".ttl"),
    ):
        whole = client.get(f"/dumps/{dump}", headers=identity)
        assert whole.status_code == 200
        assert int(whole.headers["content-length"]) == len(whole.content)
        # Every part of that dump is in it, in one piece; together they make all of it.
        ours = [r.content for name, r in parts.items() if name.endswith(suffix)]
        assert all(part in whole.content for part in ours)
        assert sum(map(len, ours)) == len(whole.content)
    assert gzip.decompress(client.get("/dumps/scgraph.nq.gz").content).startswith(b"<")


def test_a_dump_is_served_by_ranges_across_its_parts(client: TestClient) -> None:
    whole = client.get("/dumps/scgraph.trig").content
    for first, last in ((0, 0), (1000, 200_000), (len(whole) - 10, len(whole) - 1)):
        part = client.get("/dumps/scgraph.trig", headers={"range": f"bytes={first}-{last}"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes {first}-{last}/{len(whole)}"
        assert part.content == whole[first : last + 1]
    beyond = client.get("/dumps/scgraph.trig", headers={"range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416


def test_only_the_served_builds_parts_are_served(client: TestClient) -> None:
    missing = client.get("/dumps/parts/" + "0" * 64 + ".ttl")
    assert missing.status_code == 404
    assert "no dump part" in missing.json()["detail"]


def test_sitemap_lists_every_entity_page_and_robots_points_at_it(client: TestClient) -> None:
    tree = ElementTree.fromstring(client.get("/sitemap.xml").content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in tree.findall("s:url/s:loc", ns)]
    assert BASE + "page/city/da-nang" in locations
    assert BASE + "page/article/001_7f5c50e2d1e12d3d" in locations
    assert "Sitemap: https://scgraph.org/sitemap.xml" in client.get("/robots.txt").text


# ---- a hostile label ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over tests/data/linked_data.trig, whose city has a `<script>` label."""
    from scgraph.server.app import create_app

    build = tmp_path_factory.mktemp("tiny-build")
    quads = ox.parse(path=str(DATA / "linked_data.trig"), format=ox.RdfFormat.TRIG)
    write_store(build / "store", quads)
    write_summary(build, {"build_id": "20260101T000000Z-tiny", "triples": 30})
    with TestClient(create_app(Settings(store=build))) as test_client:
        yield test_client


def test_literal_with_script_renders_as_text(tiny_client: TestClient) -> None:
    response = tiny_client.get("/page/city/x")
    assert response.status_code == 200
    page = parse_html(response)
    assert page.h1 == "<script>alert('x')</script> Thành phố X"
    assert [kind for kind, _ in page.scripts] == ["application/ld+json"]
    (ld,) = [content for _, content in page.scripts]
    assert "</script" not in ld
    assert json.loads(ld)["name"] == "<script>alert('x')</script> Thành phố X"
    assert "&lt;script&gt;" in response.text


def test_tiny_page_shows_literal_datatype_and_evidence(tiny_client: TestClient) -> None:
    page = parse_html(tiny_client.get("/page/city/x"))
    text = " ".join(page.text)
    assert "1200" in text and "xsd:integer" in text
    assert "X nằm ở nước Y" in text
    assert ("/id/country/y", "Nước Y") in page.links
    assert ("/id/article/t1#t1-e1", "Bài T1") in page.links


def test_tiny_article_highlight_is_the_quote(tiny_client: TestClient) -> None:
    page = parse_html(tiny_client.get("/page/article/t1"))
    assert page.marks == ["X nằm ở nước Y"]


def test_search_page_finds_labels_without_accents(client: TestClient) -> None:
    page = parse_html(client.get("/search?q=da+nang"))
    assert ("/id/city/da-nang", "Đà Nẵng") in page.links
    empty = parse_html(client.get("/search?q=zzzzqqq"))
    assert not [href for href, _ in empty.links if href.startswith("/id/")]


def test_a_build_made_before_dumps_had_parts_serves_its_whole_files(
    mini_project: Settings,
) -> None:
    """A build of an earlier scgraph has each dump as one file: it is served as it is."""
    build = resolve_build(mini_project.data_dir)
    (build / "dumps" / "parts.json").unlink()
    old = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"
    (build / "dumps" / "scgraph.ttl").write_bytes(old)
    with TestClient(create_app(mini_project)) as old_client:
        served = old_client.get("/dumps/scgraph.ttl", headers={"accept-encoding": "identity"})
        assert served.status_code == 200 and served.content == old
        assert served.headers["etag"] == f'"{read_summary(build)["dumps"]["scgraph.ttl"]}"'
        assert old_client.get("/dumps/scgraph.trig").status_code == 404  # none written
        assert old_client.get("/dumps/parts/" + "0" * 64 + ".ttl").status_code == 404


class _PropertyRows(HTMLParser):
    """The rows of the page's table of properties: the property's text → the values' text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self._section = ""
        self._cell: str | None = None
        self._th: list[str] = []
        self._td: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("aria-labelledby") or ""
        elif tag in {"th", "td"} and self._section == "props":
            self._cell = tag
            if tag == "th":
                self._th, self._td = [], []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"th", "td"}:
            self._cell = None
        elif tag == "tr" and self._section == "props" and self._th:
            self.rows[" ".join("".join(self._th).split())] = " ".join("".join(self._td).split())

    def handle_data(self, data: str) -> None:
        if self._cell == "th":
            self._th.append(data)
        elif self._cell == "td":
            self._td.append(data)


def test_a_recognition_the_province_received_shows_its_quote(client: TestClient) -> None:
    """`received` is written by the build from each recognition's `recipient`: the page shows the
    quote of that statement next to it, as it does for stated ones."""
    rows = _PropertyRows(client.get("/page/province/binh-duong").text).rows
    received = rows["đã được vinh danh"]
    assert "Bình Dương được vinh danh Smart 21 lần thứ 4 liên tiếp (2022)" in received
    assert "Bình Dương là cái tên được vinh danh lần thứ 4 liên tiếp" in received
    assert "lần thứ 2 được vinh danh vào “Top 7”" in received
