"""SHACL over the built graph (pyshacl), with each violation traced back to its mapping file.

pyshacl looks at one graph at a time, so it validates the merge of all named graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate
from rdflib.namespace import SH

from scgraph.errors import OntologyError, ShaclViolation
from scgraph.mapping.checks import Location


def merged_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The RDF merge (a set of triples) of all quads, as an rdflib graph."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def load_shapes(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as error:
        raise OntologyError(f"{path}: {error}") from error
    return graph


def check_shapes(
    data: rdflib.Graph, shapes: rdflib.Graph, origins: dict[str, Location], shapes_path: Path
) -> list[ShaclViolation]:
    """Every SHACL violation, reported at the mapping place that produced its focus node."""
    conforms, results, _ = validate(
        data_graph=data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        # The merged graph is thrown away afterwards and shapes.ttl has no rules: no copy needed.
        inplace=True,
    )
    if conforms:
        return []
    assert isinstance(results, rdflib.Graph)
    problems = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = str(results.value(result, SH.focusNode))
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        origin = _origin(focus, origins) or Location(shapes_path, 1, 1)
        reason = f"SHACL: <{focus}>"
        if path is not None:
            reason += f" {_short(path)}"
        reason += f": {message}" if message is not None else ": violates a shape"
        if value is not None:
            reason += f" (value: {value})"
        problems.append(ShaclViolation(origin.path, origin.line, origin.column, reason, focus))
    return problems


def _origin(focus: str, origins: dict[str, Location]) -> Location | None:
    if focus in origins:
        return origins[focus]
    for suffix in ("-target", "-selector"):
        if focus.endswith(suffix) and focus[: -len(suffix)] in origins:
            return origins[focus[: -len(suffix)]]
    return None


def _short(node: rdflib.term.Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if isinstance(node, rdflib.URIRef) else text
