"""IRI minting: one scheme, under a configurable base."""

from __future__ import annotations

import pytest

from scgraph.iris import IriMinter, kebab


@pytest.mark.parametrize(
    ("class_name", "segment"),
    [
        ("Province", "province"),
        ("GovernmentBody", "government-body"),
        ("AnnualMeeting", "annual-meeting"),
    ],
)
def test_kebab(class_name: str, segment: str) -> None:
    assert kebab(class_name) == segment


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://scgraph.org/", "https://scgraph.org/id/province/binh-duong"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/id/province/binh-duong"),
        ("https://example.com/kg/", "https://example.com/kg/id/province/binh-duong"),
    ],
)
def test_entity_iris_follow_the_base(base: str, expected: str) -> None:
    assert IriMinter(base).entity("Province", "binh-duong") == expected


def test_evidence_iris_are_stable_and_distinct() -> None:
    minter = IriMinter("https://scgraph.org/")
    first = minter.evidence("a1", "s", "p", "o", "0", "5")
    assert first == minter.evidence("a1", "s", "p", "o", "0", "5")
    assert first != minter.evidence("a1", "s", "p", "o", "6", "9")
    assert first.startswith("https://scgraph.org/id/evidence/a1-")
    assert first.isascii()


def test_graph_iris() -> None:
    minter = IriMinter("https://scgraph.org/")
    assert minter.article_graph("x") == "https://scgraph.org/graph/article/x"
    assert minter.registry_graph == "https://scgraph.org/graph/registry"
    assert minter.metadata_graph == "https://scgraph.org/graph/metadata"
