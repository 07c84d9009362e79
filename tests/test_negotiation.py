"""Content negotiation table: Accept header → chosen representation."""

from __future__ import annotations

import pytest

from scgraph.negotiation import negotiate, parse_accept

PAGES = [
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        (BROWSER, "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml"),
        ("text/*", "text/html"),
        ("text/*;q=0.5, text/turtle", "text/turtle"),
        ("text/html;q=0, */*", "text/turtle"),
        ("text/html;q=0, text/turtle;q=0, */*;q=0.1", "application/ld+json"),
        ("TEXT/TURTLE", "text/turtle"),
        ("application/json", None),
        ("image/png", None),
        ("*/*;q=0", None),
        # rdflib's default Accept when dereferencing a URL
        (
            "application/rdf+xml, text/rdf+n3;q=0.9, application/xhtml+xml;q=0.5, */*;q=0.1",
            "application/rdf+xml",
        ),
        # Unparseable headers are treated as absent.
        ("garbage", "text/html"),
        ("text/turtle;q=abc", "text/html"),
        ("text/turtle;q=2", "text/html"),
    ],
)
def test_negotiate(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, PAGES) == chosen


def test_parameters_must_match() -> None:
    offers = [
        "application/ld+json",
        'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
    ]
    header = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"'
    # A range with a parameter matches only offers with that parameter.
    assert negotiate(header, offers) == offers[1]


def test_parse_accept_skips_malformed_items() -> None:
    ranges = parse_accept("text/turtle, nonsense, application/ld+json;q=0.5")
    assert ranges is not None
    assert [(r.type, r.subtype, r.quality) for r in ranges] == [
        ("text", "turtle", 1.0),
        ("application", "ld+json", 0.5),
    ]
