"""Bring a build's search index up to date for a few changed nodes, instead of re-indexing.

The entries are those `search.collect_entities` makes (labels, alt labels and types of each
entity under `{base}id/`, from the default graph), written in the same order and format, so an
updated index file is byte for byte the one a full build would write.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph.errors import StoreError
from scgraph.ontology import RDF_TYPE, RDFS_LABEL, SKOS
from scgraph.search import EXCLUDED_CLASSES, INDEX_FORMAT, compact_json

_DEFAULT = ox.DefaultGraph()
_KINDS = ((ox.NamedNode(RDFS_LABEL), "label"), (ox.NamedNode(SKOS + "altLabel"), "altLabel"))


def update_index_file(
    old: Path, store: ox.Store, base_iri: str, nodes: Iterable[str], new: Path
) -> None:
    """Write to `new` the index at `old` with the entries of `nodes` read again from `store`.
    The unchanged bytes are copied by the kernel (`os.copy_file_range`) from a memory map of the
    old file: at 10,000 articles the file is ~110 MB, and reading it into Python, joining and
    writing it back took most of the update."""
    prefix = base_iri + "id/"
    replaced = {iri: _entry(store, iri) for iri in nodes if iri.startswith(prefix)}
    try:
        # Unbuffered: the kernel's copies and our writes go to the same file offset, in order.
        with old.open("rb") as source, new.open("wb", buffering=0) as target:
            size = os.fstat(source.fileno()).st_size
            with mmap.mmap(source.fileno(), size, access=mmap.ACCESS_READ) as data:
                pieces = _spliced_pieces(data, replaced)
                if pieces is None:  # not as `write_index` writes it: parse it
                    pieces = [_rewritten(data[:], replaced)]
                for piece in pieces:
                    if isinstance(piece, bytes):
                        _write_all(target.fileno(), piece)
                    else:
                        _copy_range(source.fileno(), target.fileno(), piece)
    except (OSError, ValueError) as error:
        raise StoreError(f"cannot update the search index {old} into {new}: {error}") from error


def _write_all(target: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(target, view) :]


def _copy_range(source: int, target: int, span: range) -> None:
    offset, left = span.start, len(span)
    while left > 0:
        copied = os.copy_file_range(source, target, left, offset)
        if copied == 0:
            raise OSError(f"the search index ended at byte {offset} while being copied")
        offset, left = offset + copied, left - copied


# The file is one compact JSON document; its entries, sorted by IRI, are found by their first
# bytes. A JSON string escapes every quote, so these bytes only ever start an entry.
_HEAD = b'{"format":%d,"entities":[' % INDEX_FORMAT
_TAIL = b"]}\n"
_START = b'{"iri":"'

Data = bytes | mmap.mmap
Piece = bytes | range
"""New bytes, or a range of the old document's bytes to copy."""


def splice_entries(data: bytes, replaced: dict[str, dict[str, Any] | None]) -> bytes:
    """The index document `data` with the entry of each IRI of `replaced` replaced (None: removed),
    byte for byte what writing the whole document would give. Unchanged entries are copied as
    bytes, found by binary search: at 10,000 articles parsing the whole file took seconds."""
    pieces = _spliced_pieces(data, replaced)
    if pieces is None:
        return _rewritten(data, replaced)  # not as `write_index` writes it: parse it
    return b"".join(p if isinstance(p, bytes) else data[p.start : p.stop] for p in pieces)


def _spliced_pieces(data: Data, replaced: dict[str, dict[str, Any] | None]) -> list[Piece] | None:
    """The pieces whose concatenation is the spliced document (see `splice_entries`); None when
    `data` is not laid out as `write_index` writes it."""
    size = len(data)
    if data[: len(_HEAD)] != _HEAD or data[size - len(_TAIL) :] != _TAIL:
        return None
    end = size - len(_TAIL)
    kept: list[Piece] = []  # the entries, without the commas between them
    cursor = len(_HEAD)
    for iri in sorted(replaced):
        at = _seek(data, iri, cursor, end)
        if at > cursor:
            kept.append(range(cursor, at - 1) if at < end else range(cursor, at))  # no comma
        cursor = at
        if at < end and _iri_at(data, at) == iri:  # the old entry goes
            following = data.find(_START, at + 1, end)
            cursor = end if following == -1 else following
        entry = replaced[iri]
        if entry is not None:
            kept.append(compact_json(entry).encode())
    if cursor < end:
        kept.append(range(cursor, end))
    pieces: list[Piece] = [_HEAD]
    for number, piece in enumerate(kept):
        if number:
            pieces.append(b",")
        pieces.append(piece)
    pieces.append(_TAIL)
    return pieces


def _seek(data: Data, iri: str, low: int, end: int) -> int:
    """The offset of the first entry in [low, end) whose IRI is not below `iri`, else `end`."""
    high = end
    # Entries before `low` sort below `iri`; entries from `high` on do not.
    while low < high:
        middle = (low + high) // 2
        start = data.find(_START, middle, end)  # (bounded by `high`, a start across it is missed)
        if start == -1 or start >= high:
            high = middle
        elif _iri_at(data, start) < iri:
            low = start + 1
        else:
            high = start
    found = data.find(_START, low, end)
    return end if found == -1 else found


def _iri_at(data: Data, start: int) -> str:
    begin = start + len(_START)
    quote = data.find(b'"', begin)
    if quote == -1:
        raise ValueError(f"an unterminated IRI at byte {begin} of the search index")
    raw = data[begin:quote]
    if b"\\" not in raw:  # nothing escaped: the bytes are the IRI (json.loads was most of a splice)
        return raw.decode()
    iri: str = json.loads(data[begin - 1 : quote + 1])
    return iri


def _rewritten(data: bytes, replaced: dict[str, dict[str, Any] | None]) -> bytes:
    try:
        document: dict[str, Any] = json.loads(data)
    except ValueError as error:
        raise StoreError(f"cannot read the search index: {error}") from error
    if document.get("format") != INDEX_FORMAT:
        raise StoreError(f"unknown search index format {document.get('format')!r}")
    entities: dict[str, dict[str, Any]] = {item["iri"]: item for item in document["entities"]}
    for iri, entry in replaced.items():
        entities.pop(iri, None)
        if entry is not None:
            entities[iri] = entry
    document["entities"] = [entities[iri] for iri in sorted(entities)]
    return (compact_json(document) + "\n").encode()


def _entry(store: ox.Store, iri: str) -> dict[str, Any] | None:
    node = ox.NamedNode(iri)
    types = sorted(
        {
            q.object.value
            for q in store.quads_for_pattern(node, ox.NamedNode(RDF_TYPE), None, _DEFAULT)
            if isinstance(q.object, ox.NamedNode)
        }
    )
    labels = {
        (q.object.value, q.object.language, kind)
        for predicate, kind in _KINDS
        for q in store.quads_for_pattern(node, predicate, None, _DEFAULT)
        if isinstance(q.object, ox.Literal)
    }
    if not labels or EXCLUDED_CLASSES.intersection(types):
        return None
    ordered = sorted(labels, key=lambda x: (x[2] != "label", x[1] or "", x[0]))
    return {"iri": iri, "types": types, "labels": [list(label) for label in ordered]}
