"""SHACL over the built graph, with each violation traced back to its mapping file.

The build runs the shapes as SPARQL queries over the store it has just written (shape_queries.py):
the store's default graph is the merge of all named graphs, so cross-article constraints hold over
the whole dataset. pyshacl over an rdflib merge (`check_shapes`) is the reference implementation,
kept for the tests that prove both report the same violations; it is far too slow past a few
hundred articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from scgraph.errors import OntologyError, ShaclViolation
from scgraph.mapping.checks import Location
from scgraph.shape_queries import Focus, compile_shapes
from scgraph.store import select_focus_and_value, select_in_processes

_SUBCLASSES = """
SELECT DISTINCT ?sub ?class WHERE { ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?class }
"""


def find_violations(
    store: ox.Store,
    shapes: rdflib.Graph,
    origins: Mapping[str, Location],
    shapes_path: Path,
    store_dir: Path | None = None,
    focus: Focus | None = None,
    sparql_focus: Focus | None = None,
) -> list[ShaclViolation]:
    """Every SHACL violation in the store's default graph, found by SPARQL, in mapping order.

    With `store_dir` (where `store` lives on disk), the queries run in worker processes that open
    it read-only: pyoxigraph holds the GIL while it evaluates a query, so threads would not help.
    `focus` restricts the shapes to those nodes, and `sparql_focus` (when given) the shapes with a
    SPARQL target or constraint (see `shape_queries.compile_shapes`).
    """
    subclasses: dict[str, list[str]] = {}

    def subclasses_of(cls: str) -> list[str]:
        if cls not in subclasses:
            solutions = store.query(
                _SUBCLASSES, substitutions={ox.Variable("class"): ox.NamedNode(cls)}
            )
            assert isinstance(solutions, ox.QuerySolutions)
            subclasses[cls] = [str(row["sub"].value) for row in solutions]
        return subclasses[cls]

    shape_queries = compile_shapes(shapes, subclasses_of, focus, sparql_focus)
    texts = [q.query for q in shape_queries]
    if store_dir is None:
        answers = select_focus_and_value(store, texts)
    else:
        answers = select_in_processes(store_dir, texts)
    problems = []
    for shape_query, rows in zip(shape_queries, answers, strict=True):
        path = _short_iri(shape_query.path) if shape_query.path else None
        for node, value in rows:
            problems.append(
                _violation(node, path, shape_query.message, value, origins, shapes_path)
            )
    return sorted(problems, key=ShaclViolation.sort_key)


def merged_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The RDF merge (a set of triples) of all quads, as an rdflib graph."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def load_shapes(path: Path) -> rdflib.Graph:
    """The shapes as an rdflib graph (what the compiler reads), parsed by Oxigraph: rdflib's
    Turtle parser took 0.36 s of a one-article rebuild's ~2 s."""
    graph = rdflib.Graph()
    try:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            graph.add((_rdflib(triple.subject), _rdflib(triple.predicate), _rdflib(triple.object)))
    except (OSError, SyntaxError, ValueError) as error:
        raise OntologyError(f"{path}: {error}") from error
    return graph


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _rdflib(term: object) -> rdflib.term.Node:
    """An Oxigraph term as rdflib writes it when it parses the same Turtle."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise OntologyError(f"shapes: unexpected term {term!r} (RDF-star is not used in shapes)")


def check_shapes(
    data: rdflib.Graph, shapes: rdflib.Graph, origins: Mapping[str, Location], shapes_path: Path
) -> list[ShaclViolation]:
    """Every SHACL violation, reported at the mapping place that produced its focus node."""
    from pyshacl import validate  # the reference, for tests: not loaded by every command

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
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        problems.append(
            _violation(
                str(results.value(result, SH.focusNode)),
                None if path is None else _short(path),
                None if message is None else str(message),
                None if value is None else str(value),
                origins,
                shapes_path,
            )
        )
    return problems


def _violation(
    focus: str,
    path: str | None,
    message: str | None,
    value: str | None,
    origins: Mapping[str, Location],
    shapes_path: Path,
) -> ShaclViolation:
    origin = _origin(focus, origins) or Location(shapes_path, 1, 1)
    reason = f"SHACL: <{focus}>"
    if path is not None:
        reason += f" {path}"
    reason += f": {message}" if message is not None else ": violates a shape"
    if value is not None:
        reason += f" (value: {value})"
    return ShaclViolation(origin.path, origin.line, origin.column, reason, focus)


def _origin(focus: str, origins: Mapping[str, Location]) -> Location | None:
    if focus in origins:
        return origins[focus]
    for suffix in ("-target", "-selector"):
        if focus.endswith(suffix) and focus[: -len(suffix)] in origins:
            return origins[focus[: -len(suffix)]]
    return None


def _short(node: rdflib.term.Node) -> str:
    return _short_iri(str(node)) if isinstance(node, rdflib.URIRef) else str(node)


def _short_iri(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
