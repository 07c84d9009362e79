"""Bring a build's search index up to date for a few changed nodes, instead of re-indexing.

The entries are those `search.collect_entities` makes (labels, alt labels and types of each
entity under `{base}id/`, from the default graph), written in the same order and format, so an
updated index file is byte for byte the one a full build would write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph.ontology import RDF_TYPE, RDFS_LABEL, SKOS
from scgraph.search import EXCLUDED_CLASSES, read_index_document

_DEFAULT = ox.DefaultGraph()
_KINDS = ((ox.NamedNode(RDFS_LABEL), "label"), (ox.NamedNode(SKOS + "altLabel"), "altLabel"))


def update_index_file(
    old: Path, store: ox.Store, base_iri: str, nodes: Iterable[str], new: Path
) -> int:
    """Write to `new` the index at `old` with the entries of `nodes` read again from `store`;
    returns the entity count."""
    document = read_index_document(old)
    entities: dict[str, dict[str, Any]] = {item["iri"]: item for item in document["entities"]}
    prefix = base_iri + "id/"
    for iri in nodes:
        if iri.startswith(prefix):
            entities.pop(iri, None)
            entry = _entry(store, iri)
            if entry is not None:
                entities[iri] = entry
    document["entities"] = [entities[iri] for iri in sorted(entities)]
    new.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return len(entities)


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
