"""The search index of an incremental build is spliced, not rewritten: the same bytes as writing
the whole document again, for any entries and any change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scgraph.errors import StoreError
from scgraph.index_update import splice_entries, update_index_file
from scgraph.ontology import RDF_TYPE, RDFS_LABEL
from scgraph.search import INDEX_FORMAT

BASE = "https://scgraph.org/id/"
# IRIs that sort close together, with non-ASCII letters; texts with what JSON escapes and with
# the bytes that start an entry.
slugs = st.text(alphabet="ab-đ/é1", min_size=1, max_size=6)
texts = st.lists(
    st.sampled_from(["a", "Đ", '"', "\\", "\n", '{"iri":"', ",", "]}"]), max_size=5
).map("".join)


def _entry(iri: str, label: str) -> dict[str, Any]:
    return {"iri": iri, "types": [BASE + "T"], "labels": [[label, "vi", "label"]]}


def _document(entries: dict[str, dict[str, Any]]) -> bytes:
    document = {"format": INDEX_FORMAT, "entities": [entries[iri] for iri in sorted(entries)]}
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@settings(max_examples=300, deadline=None)
@given(
    old=st.dictionaries(slugs, texts, max_size=12),
    change=st.dictionaries(slugs, st.none() | texts, max_size=6),
)
def test_a_spliced_index_is_the_rewritten_one(
    old: dict[str, str], change: dict[str, str | None]
) -> None:
    entries = {BASE + slug: _entry(BASE + slug, label) for slug, label in old.items()}
    replaced = {
        BASE + slug: None if label is None else _entry(BASE + slug, label)
        for slug, label in change.items()
    }
    expected = dict(entries)
    for iri, entry in replaced.items():
        expected.pop(iri, None)
        if entry is not None:
            expected[iri] = entry
    assert splice_entries(_document(entries), replaced) == _document(expected)


def test_an_index_written_otherwise_is_parsed_and_rewritten() -> None:
    entries = {BASE + "b": _entry(BASE + "b", "B"), BASE + "a": _entry(BASE + "a", "A")}
    indented = json.dumps({"format": INDEX_FORMAT, "entities": list(entries.values())}, indent=2)
    spliced = splice_entries(indented.encode(), {BASE + "c": _entry(BASE + "c", "C")})
    assert spliced == _document({**entries, BASE + "c": _entry(BASE + "c", "C")})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "cannot read the search index"),
        (b'{"format":0}', "unknown search index format"),
    ],
)
def test_an_unreadable_index_is_an_error(data: bytes, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        splice_entries(data, {})


def _store_with(iri: str, label: str) -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), ox.NamedNode(BASE + "T")))
    store.add(
        ox.Quad(ox.NamedNode(iri), ox.NamedNode(RDFS_LABEL), ox.Literal(label, language="vi"))
    )
    return store


@pytest.mark.parametrize("layout", ["as written", "indented"])
def test_the_index_file_is_updated_from_the_store(layout: str, tmp_path: Path) -> None:
    """The file update (unchanged bytes copied by the kernel from a memory map) writes what
    `splice_entries` gives: the changed entry read again, the entry of a node without labels
    gone, the others as they were."""
    entries = {BASE + n: _entry(BASE + n, n.upper() + ' "\\') for n in ("a", "b", "c", "d")}
    old = tmp_path / "old.json"
    if layout == "as written":
        old.write_bytes(_document(entries))
    else:
        old.write_text(json.dumps({"format": INDEX_FORMAT, "entities": list(entries.values())}))
    new = tmp_path / "new.json"
    nodes = [BASE + "b", BASE + "c", "https://elsewhere.org/x"]
    update_index_file(old, _store_with(BASE + "b", "Bê"), "https://scgraph.org/", nodes, new)
    expected = {**entries, BASE + "b": _entry(BASE + "b", "Bê")}
    del expected[BASE + "c"]
    assert new.read_bytes() == _document(expected)


def test_an_empty_index_file_is_an_error(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_bytes(b"")
    with pytest.raises(StoreError, match="cannot update the search index"):
        update_index_file(old, ox.Store(), "https://scgraph.org/", [], tmp_path / "new.json")
