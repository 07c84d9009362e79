"""Dump parts: each dump is the concatenation of its parts, and parses as the union of them."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from scgraph.build import Part
from scgraph.dump_parts import (
    MANIFEST_FILE,
    NQUADS_GZ,
    PARTS_DIR,
    TRIG,
    TURTLE,
    DumpParts,
    ordered_keys,
    parts_folder,
    read_dump,
    read_manifest,
    remove_unreferenced,
)
from scgraph.errors import StoreError

EX = "http://example.org/"


def _part(key: str, graph: str, triples: list[tuple[str, str, str]]) -> Part:
    named = "".join(f"{s} {p} {o} <{EX}{graph}> .\n" for s, p, o in triples)
    merged = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
    return Part(named.encode(), merged.encode(), len(triples), key)


SHARED = (f"<{EX}city>", f"<{EX}label>", '"Đà Nẵng"@vi')
PARTS = [
    _part(
        "article-b",
        "b",
        [SHARED, (f"<{EX}b>", f"<{EX}count>", '"3"^^<{EX}unit>'.replace("{EX}", EX))],
    ),
    _part("registry", "registry", [SHARED]),
    _part("provenance", "meta", [(f"<{EX}build>", f"<{EX}used>", f"<{EX}b>")]),
    _part("article-a", "a", [(f"<{EX}a>", f"<{EX}says>", '"line\\nbreak \\"quoted\\""')]),
]


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A data directory holding one build whose dumps are `PARTS`."""
    build = tmp_path / "builds" / "b1"
    parts = DumpParts(tmp_path)
    for part in PARTS:
        parts.add(part)
    parts.write(build / "dumps")
    return build


def _expected() -> set[ox.Quad]:
    quads: set[ox.Quad] = set()
    for part in PARTS:
        quads.update(ox.parse(part.named + part.merged, format=ox.RdfFormat.N_QUADS))
    return quads


def test_each_dump_parses_as_the_union_of_its_parts(build: Path) -> None:
    nquads = gzip.decompress(read_dump(build, NQUADS_GZ))  # several gzip members, one stream
    assert set(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)) == _expected()
    assert set(ox.parse(read_dump(build, TRIG), format=ox.RdfFormat.TRIG)) == _expected()
    default = {q for q in _expected() if isinstance(q.graph_name, ox.DefaultGraph)}
    turtle = set(ox.parse(read_dump(build, TURTLE), format=ox.RdfFormat.TURTLE))
    assert {ox.Quad(t.subject, t.predicate, t.object) for t in turtle} == default
    # rdflib reads the concatenations too: the same counts, the shared triple once.
    dataset = rdflib.Dataset()
    with warnings.catch_warnings():  # rdflib 7's TriG parser calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=read_dump(build, TRIG), format="trig")
    assert len(set(dataset.quads())) == len(_expected())
    graph = rdflib.Graph().parse(data=read_dump(build, TURTLE), format="turtle")
    assert len(graph) == len(default) == 4


def test_parts_are_listed_in_a_fixed_order_whatever_order_they_came_in(build: Path) -> None:
    manifest = read_manifest(build / "dumps")
    assert manifest is not None
    assert ordered_keys(manifest) == ["registry", "article-a", "article-b", "provenance"]
    assert ordered_keys(reversed(list(manifest))) == ordered_keys(manifest)
    # Content-addressed: the same part in another build is the same file, written once.
    again = DumpParts(build.parent.parent)
    again.add(PARTS[0])
    assert again.manifest["article-b"] == manifest["article-b"]
    assert len(list(parts_folder(build).iterdir())) == 3 * len(PARTS)


def test_sha256sums_lists_every_part_as_sha256sum_reads_it(build: Path) -> None:
    manifest = read_manifest(build / "dumps")
    assert manifest is not None
    lines = (build / "dumps" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    names = sorted(f.name for files in manifest.values() for f in files.values())
    assert lines == [f"{name.split('.')[0]}  parts/{name}" for name in names]


def test_an_unreadable_manifest_is_an_error_naming_it(build: Path) -> None:
    (build / "dumps" / MANIFEST_FILE).write_text('{"parts": {"registry": 3}}', encoding="utf-8")
    with pytest.raises(StoreError, match=f"cannot read .*{MANIFEST_FILE}"):
        read_manifest(build / "dumps")


def test_only_parts_no_build_lists_are_removed(build: Path, tmp_path: Path) -> None:
    folder = tmp_path / PARTS_DIR
    stray = folder / ("0" * 64 + ".ttl")
    stray.write_bytes(b"")
    listed = set(folder.iterdir()) - {stray}
    remove_unreferenced(tmp_path, [build / "dumps", tmp_path / "builds" / "b0" / "dumps"])
    assert set(folder.iterdir()) == listed
    # A manifest that cannot be read: nothing is known to be unreferenced, nothing goes.
    stray.write_bytes(b"")
    (build / "dumps" / MANIFEST_FILE).write_text("{", encoding="utf-8")
    remove_unreferenced(tmp_path, [build / "dumps"])
    assert stray.exists()
