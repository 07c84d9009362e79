"""Replace some articles' quads in a copy of a built store, keeping its default graph the merge.

An article contributes its named graph and, in the shared metadata graph, the records of its
mapping and text files, its evidence nodes (annotation, target, selector) and the links between
its graph, its IRI and its mapping. `remove_article` finds all of those from the article's IRI
(evidence targets point at it with oa:hasSource), `add` takes the new quads (build.py's
`stream_article_update` is the sink's source), and `apply` writes the difference. A triple leaves
the default graph only when no named graph states it any more: the default graph is the set merge
of the named graphs (store.py), and another article or the registry may state the same triple.

`apply` returns what changed, so the summary, the search index and the shapes can be brought up
to date from the change alone, without a pass over the whole store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from scgraph.iris import ONTOLOGY_IRI, IriMinter
from scgraph.ontology import OA, PROV, RDF_TYPE

_DEFAULT = ox.DefaultGraph()
_TYPE = ox.NamedNode(RDF_TYPE)
_CLASS_PREFIX = ONTOLOGY_IRI + "#"


@dataclass
class StoreChange:
    """What `StoreDelta.apply` changed: counts as the build summary keeps them, and nodes."""

    quads_per_graph: Counter[str] = field(default_factory=Counter)
    """Named graph → quads added minus quads removed."""
    default_triples: int = 0
    """Triples added to the default graph minus triples removed from it."""
    typings_per_class: Counter[str] = field(default_factory=Counter)
    """Class local name → change of the summary's `entities_per_class` count."""
    subjects: set[str] = field(default_factory=set)
    """IRIs that the replaced and the new quads describe (the nodes whose shapes and index entries
    may have changed)."""
    retyped: set[str] = field(default_factory=set)
    """IRIs whose rdf:type triples in the default graph changed."""


class StoreDelta:
    """Quads to take out of and put into a store opened read-write, applied at once."""

    def __init__(self, store: ox.Store, minter: IriMinter) -> None:
        self.store, self.minter = store, minter
        self.removed: set[ox.Quad] = set()
        self.added: set[ox.Quad] = set()
        self.graphs: list[ox.NamedNode] = []

    def remove_article(self, article_id: str, file_records: list[str]) -> None:
        """Mark everything article `article_id` contributed; `file_records` are the IRIs of the
        records of its mapping and text files."""
        graph = ox.NamedNode(self.minter.article_graph(article_id))
        article = ox.NamedNode(self.minter.article(article_id))
        metadata = ox.NamedNode(self.minter.metadata_graph)
        self.removed.update(self.store.quads_for_pattern(None, None, None, graph))
        self.graphs.append(graph)
        subjects: set[ox.NamedNode | ox.BlankNode | ox.Triple] = {graph, article}
        subjects.update(ox.NamedNode(iri) for iri in file_records)
        has_target, has_selector = ox.NamedNode(OA + "hasTarget"), ox.NamedNode(OA + "hasSelector")
        for link in self.store.quads_for_pattern(
            None, ox.NamedNode(OA + "hasSource"), article, metadata
        ):
            target = link.subject
            subjects.add(target)
            for quad in self.store.quads_for_pattern(None, has_target, target, metadata):
                subjects.add(quad.subject)
            for quad in self.store.quads_for_pattern(target, has_selector, None, metadata):
                if isinstance(quad.object, ox.NamedNode | ox.BlankNode):
                    subjects.add(quad.object)
        for subject in subjects:
            self.removed.update(self.store.quads_for_pattern(subject, None, None, metadata))

    def remove_build(self, build_id: str) -> None:
        """Mark the provenance of the build the store was made by (its activity and the links from
        each graph to it)."""
        build = ox.NamedNode(self.minter.build(build_id))
        metadata = ox.NamedNode(self.minter.metadata_graph)
        self.removed.update(self.store.quads_for_pattern(build, None, None, metadata))
        generated = ox.NamedNode(PROV + "wasGeneratedBy")
        self.removed.update(self.store.quads_for_pattern(None, generated, build, metadata))

    def add(self, quads: list[ox.Quad]) -> None:
        """The sink for the new quads (named graphs only; the default graph follows)."""
        self.added.update(quads)

    def apply(self, base_iri: str) -> StoreChange:
        """Write the difference into the store; `base_iri` scopes the per-class counts."""
        change = StoreChange()
        # Compare quads as the store holds them: Oxigraph stores some literals in a canonical
        # form (an xsd:nonNegativeInteger comes back as xsd:integer), which an in-memory store
        # shows too.
        canonical = ox.Store()
        canonical.extend(self.added)
        self.added = set(canonical)
        removed = self.removed - self.added
        added = [quad for quad in self.added - self.removed if quad not in self.store]
        for quad in removed:
            self.store.remove(quad)
        self.store.extend(added)
        for graph in self.graphs:
            # A store lists a named graph until it is removed, even once it is empty.
            if next(self.store.quads_for_pattern(None, None, None, graph), None) is None:
                self.store.remove_graph(graph)
        for quad, sign in [*((q, -1) for q in removed), *((q, 1) for q in added)]:
            self._count(quad, sign, base_iri, change)
        # Every node the replaced articles describe, changed or not: a node's shapes can depend
        # on its neighbours (a selector on its article's text).
        for quad in self.removed | self.added:
            if isinstance(quad.subject, ox.NamedNode):
                change.subjects.add(quad.subject.value)

        gone = []
        for triple in {ox.Triple(q.subject, q.predicate, q.object) for q in removed}:
            stated = self.store.quads_for_pattern(triple.subject, triple.predicate, triple.object)
            if not any(q.graph_name != _DEFAULT for q in stated):
                gone.append(ox.Quad(triple.subject, triple.predicate, triple.object, _DEFAULT))
        new = {ox.Quad(q.subject, q.predicate, q.object, _DEFAULT) for q in added}
        new = {quad for quad in new if quad not in self.store}
        for quad in gone:
            self.store.remove(quad)
        self.store.extend(new)
        change.default_triples = len(new) - len(gone)
        for quad in [*gone, *new]:
            if quad.predicate == _TYPE and isinstance(quad.subject, ox.NamedNode):
                change.retyped.add(quad.subject.value)
        return change

    def _count(self, quad: ox.Quad, sign: int, base_iri: str, change: StoreChange) -> None:
        assert isinstance(quad.graph_name, ox.NamedNode)  # the delta handles named graphs only
        change.quads_per_graph[quad.graph_name.value] += sign
        subject, value = quad.subject, quad.object
        if (
            quad.predicate == _TYPE
            and isinstance(subject, ox.NamedNode)
            and isinstance(value, ox.NamedNode)
            and subject.value.startswith(base_iri)
            and value.value.startswith(_CLASS_PREFIX)
        ):
            change.typings_per_class[value.value.removeprefix(_CLASS_PREFIX)] += sign
