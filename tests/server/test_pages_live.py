"""Linked data over real HTTP (uvicorn on 127.0.0.1): a crawler, rdflib, and a real browser."""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import httpx
import pyoxigraph as ox
import rdflib

from scgraph.settings import Settings

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
EVIDENCE_SAMPLE = 1
"""Crawl every evidence-family IRI too (raise to sample them when the graph grows)."""


def _url(live_server: str, base: str, iri: str) -> str:
    """The address on the test server of an IRI minted under the dataset base."""
    return live_server + "/" + iri[len(base) :]


def _get_rdf(client: httpx.Client, url: str) -> httpx.Response:
    """GET with Accept: text/turtle, following at most one redirect."""
    response = client.get(url)
    if response.status_code == 303:
        location = response.headers["location"]
        assert location.startswith("/"), "redirects stay on the server, whatever its host"
        response = client.get(str(response.url.join(location)))
    return response


def _turtle(response: httpx.Response) -> rdflib.Graph:
    assert response.status_code == 200, (response.url, response.status_code)
    assert response.headers["content-type"].startswith("text/turtle"), response.url
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_crawler_resolves_every_iri_of_the_dump(live_server: str, built: Settings) -> None:
    """From / and the VoID, follow the links as an RDF crawler; then every IRI of the dump.

    Every IRI under the URI space must answer Turtle after at most one redirect, parse with
    rdflib and contain all the triples the dump's default graph has about it.
    """
    base = built.base_iri
    void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    with httpx.Client(headers={"accept": "text/turtle"}, timeout=30) as client:
        home = _turtle(_get_rdf(client, live_server + "/"))
        void = _turtle(_get_rdf(client, live_server + "/.well-known/void"))
        assert len(home) == len(void)  # / sends RDF clients to the VoID
        dataset = rdflib.URIRef(base + "dataset")
        assert void.value(dataset, void_ns.sparqlEndpoint) is not None
        space = str(void.value(dataset, void_ns.uriSpace))
        assert space == base + "id/"

        dumps = [str(d) for d in void.objects(dataset, void_ns.dataDump)]
        nquads = next(d for d in dumps if d.endswith(".nq.gz"))
        links = (
            {
                str(o)
                for o in void.objects()
                if isinstance(o, rdflib.URIRef) and str(o).startswith(base)
            }
            - set(dumps)
            - {str(void.value(dataset, void_ns.sparqlEndpoint))}
        )
        for link in sorted(links):
            response = _get_rdf(client, _url(live_server, base, link))
            assert response.status_code == 200, link
            rdflib.Graph().parse(data=response.text, format="turtle")

        dump = gzip.decompress(client.get(_url(live_server, base, nquads)).content)
        quads = list(ox.parse(dump, format=ox.RdfFormat.N_QUADS))
        expected: dict[str, list[ox.Triple]] = defaultdict(list)
        iris: set[str] = set()
        for quad in quads:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(space):
                    iris.add(term.value)
            if isinstance(quad.graph_name, ox.DefaultGraph) and isinstance(
                quad.subject, ox.NamedNode
            ):
                expected[quad.subject.value].append(quad.triple)
        assert len(iris) > 1000

        ordered = sorted(iris)
        selected = [
            iri
            for index, iri in enumerate(ordered)
            if "/id/evidence/" not in iri or index % EVIDENCE_SAMPLE == 0
        ]
        assert any("/id/evidence/" in iri for iri in selected)
        for iri in selected:
            graph = _turtle(_get_rdf(client, _url(live_server, base, iri)))
            wanted = rdflib.Graph().parse(
                data=ox.serialize(expected[iri], format=ox.RdfFormat.N_TRIPLES) or b"",
                format="nt",
            )
            missing = set(wanted) - set(graph)
            assert not missing, (iri, sorted(missing)[:3])
            assert len(wanted) > 0 or (None, None, rdflib.URIRef(iri)) in graph, iri


def test_rdflib_parses_an_entity_iri_by_itself(live_server: str) -> None:
    """rdflib sends its own Accept header and follows the 303 to the RDF document."""
    graph = rdflib.Graph().parse(live_server + "/id/city/da-nang")
    da_nang = rdflib.URIRef("https://scgraph.org/id/city/da-nang")
    assert (da_nang, rdflib.RDFS.label, rdflib.Literal("Đà Nẵng", lang="vi")) in graph
    assert (da_nang, rdflib.RDF.type, rdflib.URIRef("https://scgraph.org/ontology#City")) in graph


def test_ontology_term_dereferences_over_http(live_server: str) -> None:
    graph = rdflib.Graph().parse(live_server + "/ontology#City")
    city = rdflib.URIRef("https://scgraph.org/ontology#City")
    assert (city, rdflib.RDF.type, rdflib.OWL.Class) in graph


def test_negotiation_and_conditional_get_over_http(live_server: str) -> None:
    with httpx.Client(timeout=30) as client:
        redirect = client.get(live_server + "/id/city/da-nang", headers={"accept": "text/html"})
        assert redirect.status_code == 303
        assert redirect.headers["location"] == "/page/city/da-nang"
        page = client.get(live_server + "/page/city/da-nang")
        again = client.get(
            live_server + "/page/city/da-nang", headers={"if-none-match": page.headers["etag"]}
        )
        assert again.status_code == 304
        head = client.head(live_server + "/data/city/da-nang.ttl")
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) > 0


def test_screenshot_of_an_entity_page(browser: object, live_server: str) -> None:
    """A headless Chromium renders the entity page; the screenshot is kept as a build artefact."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.get(live_server + "/id/city/da-nang?lang=vi")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert heading.text == "Đà Nẵng"
    assert heading.is_displayed()
    assert browser.current_url.endswith("/page/city/da-nang?lang=vi")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "entity-da-nang.png"
    assert browser.save_screenshot(str(target))
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
