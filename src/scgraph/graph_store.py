"""`GraphStore`: the read-only part of a store that lookups, pages and the API rely on.

An embedded `pyoxigraph.Store` satisfies it as it is; a client of a remote SPARQL 1.1 server can
satisfy it too, so readers never depend on where the graph is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import pyoxigraph as ox

Substitutions = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class GraphStore(Protocol):
    """Read access to a scgraph dataset: SPARQL over the merged default graph, and quad patterns."""

    def query(
        self, query: str, /, *, substitutions: Substitutions | None = None
    ) -> QueryResult: ...

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
        /,
    ) -> Iterator[ox.Quad]: ...

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]: ...
