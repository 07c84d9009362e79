"""Entity pages show each value under its most specific property; the RDF keeps every triple."""

from __future__ import annotations

from html.parser import HTMLParser

import rdflib
from fastapi.testclient import TestClient


class _RowHeaders(HTMLParser):
    """The property names in the first table (outgoing properties) of an entity page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.in_th = False
        self.headers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables += 1
        self.in_th = self.in_th or (tag == "th" and self.tables == 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self.in_th = False

    def handle_data(self, data: str) -> None:
        if self.in_th and data.strip():
            self.headers.append(data.strip())


def test_super_properties_are_not_shown_twice(client: TestClient) -> None:
    page = client.get("/page/province/binh-duong", params={"lang": "en"})
    parser = _RowHeaders()
    parser.feed(page.text)
    # sc:containedIn is shown; schema:containedInPlace, which the build derives from it, is not.
    assert "contained in" in parser.headers
    assert "containedInPlace" not in parser.headers
    assert len(parser.headers) == len(set(parser.headers))

    turtle = client.get("/data/province/binh-duong.ttl")
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    province = rdflib.URIRef("https://scgraph.org/id/province/binh-duong")
    assert (province, rdflib.URIRef("https://schema.org/containedInPlace"), None) in graph


class _ClassLinks(HTMLParser):
    """Text of the links to class listings on the home page."""

    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        self.href = href if tag == "a" and href.startswith("/class/") else None

    def handle_data(self, data: str) -> None:
        if self.href and data.strip():
            self.links[self.href] = data.strip()
            self.href = None


def test_home_page_names_classes_by_their_labels(client: TestClient) -> None:
    for lang, expected in (("vi", "tỉnh"), ("en", "province")):
        parser = _ClassLinks()
        parser.feed(client.get("/", params={"lang": lang}).text)
        assert parser.links["/class/Province"] == expected
