"""SHACL shapes compiled into SPARQL queries that select their violations in a built store.

pyshacl evaluates every focus node in Python over an rdflib copy of the data: ~1 s per article.
Oxigraph answers the same questions as queries over the store the build writes anyway, with
cross-article checks (the types of referenced entities) for free. Only the constraint components
that ontology/shapes.ttl uses are compiled; any other one, or a form of one we do not handle,
raises `OntologyError` when the shapes are compiled, so a shape is never skipped silently. The test
suite checks the queries against pyshacl, which stays the reference (shapes.check_shapes).

Each query selects `?this` (the focus node) and, when the component reports one, `?value`.
`sh:class` and `sh:targetClass` need the subclasses of a class in the data graph (SHACL instances
follow rdfs:subClassOf*); the caller passes them in, read from the store being validated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD

from scgraph.errors import OntologyError

Subclasses = Callable[[str], list[str]]
Focus = Mapping[str, Collection[str]]
"""Focus node IRI → the IRIs of its classes and of the predicates it is the subject of."""

# Predicates of a shape that are not constraints, or are read together with one.
_NOT_CONSTRAINTS = {
    RDF.type,
    RDFS.comment,
    RDFS.label,
    SH.message,
    SH.severity,
    SH.path,
    SH.property,
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.target,
    SH.name,
    SH.description,
    SH.qualifiedMinCount,
}

# A well-formed lexical value, tested by casting it (an ill-formed one makes the cast fail).
_WELL_FORMED: dict[rdflib.term.Node, str] = {
    XSD.boolean: "xsd:boolean(STR({v}))",
    XSD.date: "xsd:date(STR({v}))",
    XSD.dateTime: "xsd:dateTime(STR({v}))",
    XSD.decimal: "xsd:decimal(STR({v}))",
    XSD.integer: "xsd:integer(STR({v}))",
    XSD.gYear: "xsd:gYear(STR({v}))",
    XSD.nonNegativeInteger: "IF(xsd:integer(STR({v})) >= 0, true, ?_undefined)",
}
_NO_LEXICAL_CHECK: set[rdflib.term.Node] = {XSD.string, RDF.langString}
# Oxigraph stores xsd:nonNegativeInteger literals as xsd:integer (measured on 0.5.13: the store
# returns "7"^^xsd:integer for an inserted "7"^^xsd:nonNegativeInteger), so in the store the
# datatype can only be checked as an integer that is not negative.
_STORED_AS: dict[rdflib.term.Node, rdflib.term.Node] = {XSD.nonNegativeInteger: XSD.integer}

_NODE_KINDS: dict[rdflib.term.Node, str] = {
    SH.IRI: "!isIRI({v})",
    SH.Literal: "!isLiteral({v})",
    SH.BlankNode: "!isBlank({v})",
    SH.IRIOrLiteral: "isBlank({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
}

_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.target}
_PREFIXES = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


@dataclass(frozen=True)
class ShapeQuery:
    """One constraint of one shape, as a query selecting ?this (and ?value) per violation."""

    shape: str
    component: str  # e.g. "sh:class", or "sh:sparql" for a SPARQL constraint
    query: str
    message: str
    path: str | None


def compile_shapes(
    shapes: rdflib.Graph,
    subclasses: Subclasses,
    focus: Focus | None = None,
    sparql_focus: Focus | None = None,
) -> list[ShapeQuery]:
    """Every Violation-severity constraint of every node shape, as a query.

    With `focus`, the queries look at those nodes only (an incremental build checks the nodes it
    changed): each shape gets the focus nodes its targets can select, in a VALUES block, and a
    shape that can select none of them gets no query. A shape with a SPARQL target or constraint
    can depend on any node its query reads, so it gets `sparql_focus` instead, when given (the
    build passes every node the change touched)."""
    compiler = _Compiler(shapes, subclasses)
    queries: list[ShapeQuery] = []
    for shape in sorted(_node_shapes(shapes), key=str):
        written_in_sparql = (shape, SH.target, None) in shapes or (shape, SH.sparql, None) in shapes
        compiler.focus = sparql_focus if written_in_sparql and sparql_focus is not None else focus
        queries += compiler.node_shape(shape)
    return queries


def _node_shapes(shapes: rdflib.Graph) -> set[rdflib.term.Node]:
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.target)
    return {s for p in targets for s in shapes.subjects(p, None)}


class _Compiler:
    def __init__(self, shapes: rdflib.Graph, subclasses: Subclasses) -> None:
        self.g = shapes
        self.subclasses = subclasses
        self.prefixes = _PREFIXES + self._declared_prefixes()
        self.counter = itertools.count()
        self.focus: Focus | None = None
        self.restrict = ""  # the shape's VALUES block binding ?this, first in every target

    def fresh(self) -> str:
        return f"?_v{next(self.counter)}"

    def fail(self, shape: rdflib.term.Node, reason: str) -> OntologyError:
        return OntologyError(f"shapes.ttl: shape {shape}: {reason} (not compiled to SPARQL)")

    def _declared_prefixes(self) -> str:
        lines = []
        for declaration in sorted(self.g.objects(None, SH.declare), key=str):
            prefix = self.g.value(declaration, SH.prefix)
            namespace = self.g.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(set(lines)))

    # Shapes

    def node_shape(self, shape: rdflib.term.Node) -> list[ShapeQuery]:
        restrict = self.restriction(shape)
        if restrict is None:
            return []
        self.restrict = restrict
        target = self.target(shape)
        queries = []
        if self.reported(shape):
            for component, expression in self.value_checks(shape, "?this"):
                select = (
                    f"SELECT ?this (?this AS ?value) WHERE {{ {target} FILTER ({expression}) }}"
                )
                queries.append(self.query(shape, component, select, self.message(shape), None))
            for constraint in self.g.objects(shape, SH.sparql):
                queries.append(self.sparql_constraint(shape, constraint, target))
        for property_shape in sorted(self.g.objects(shape, SH.property), key=str):
            queries += self.property_shape(property_shape, target)
        return queries

    def property_shape(self, shape: rdflib.term.Node, target: str) -> list[ShapeQuery]:
        self.check_known(shape)
        if not self.reported(shape):
            return []
        path = self.path(shape)
        message = self.message(shape)
        p = f"<{path}>"
        queries = []

        def add(component: str, select: str) -> None:
            queries.append(self.query(shape, component, select, message, path))

        for component, expression in self.value_checks(shape, "?value"):
            add(
                component,
                f"SELECT ?this ?value WHERE {{ {target} ?this {p} ?value FILTER ({expression}) }}",
            )
        for minimum in self.g.objects(shape, SH.minCount):
            add("sh:minCount", self.count_query(target, p, "<", _int(minimum)))
        for maximum in self.g.objects(shape, SH.maxCount):
            add("sh:maxCount", self.count_query(target, p, ">", _int(maximum)))
        for unique in self.g.objects(shape, SH.uniqueLang):
            if isinstance(unique, rdflib.Literal) and unique.toPython() is True:
                add(
                    "sh:uniqueLang",
                    f"SELECT DISTINCT ?this ?_lang WHERE {{ {target} ?this {p} ?_a, ?_b "
                    "FILTER (isLiteral(?_a) && isLiteral(?_b) && !sameTerm(?_a, ?_b) "
                    '&& LANG(?_a) != "" && LCASE(LANG(?_a)) = LCASE(LANG(?_b))) '
                    "BIND (LCASE(LANG(?_a)) AS ?_lang) }",
                )
        for other in self.g.objects(shape, SH.disjoint):
            shared = f"?this {p} ?value . ?this <{other}> ?value"
            add("sh:disjoint", f"SELECT ?this ?value WHERE {{ {target} {shared} }}")
        for predicate, operator in ((SH.lessThan, "<"), (SH.lessThanOrEquals, "<=")):
            for other in self.g.objects(shape, predicate):
                compare = f"!COALESCE(?value {operator} ?_other, false)"
                add(
                    f"sh:{predicate.fragment}",
                    f"SELECT ?this ?value WHERE {{ {target} ?this {p} ?value . "
                    f"?this <{other}> ?_other FILTER ({compare}) }}",
                )
        for qualified in self.g.objects(shape, SH.qualifiedValueShape):
            add("sh:qualifiedValueShape", self.qualified_query(shape, qualified, target, p))
        return queries

    def query(
        self, shape: rdflib.term.Node, component: str, select: str, message: str, path: str | None
    ) -> ShapeQuery:
        return ShapeQuery(str(shape), component, self.prefixes + select, message, path)

    # Focus nodes

    def target(self, shape: rdflib.term.Node) -> str:
        """A pattern binding ?this to each focus node once."""
        classes = list(self.g.objects(shape, SH.targetClass))
        only_class = len(classes) == 1 and len(set(self.g.predicates(shape, None)) & _TARGETS) == 1
        if only_class and not self.subclasses(str(classes[0])):
            # One class without subclasses: each focus node matches once, no DISTINCT subquery
            # (measured ~20% faster on the evidence shapes, which dominate).
            return f"{self.restrict}?this a <{classes[0]}> ."
        parts = []
        # The focus restriction goes in each part, with the nodes that part can select:
        # Oxigraph would join a restriction outside the UNION after evaluating it whole.
        for cls in classes:
            restrict = self.values({str(cls), *self.subclasses(str(cls))})
            if restrict:
                # Two VALUES blocks made Oxigraph scan the class (30 ms for 160 focus nodes on
                # 30 articles); the focus nodes' types, filtered, take 3 ms.
                listed = self.class_list(str(cls)).replace(" ", ", ")
                parts.append(f"{{ {restrict}?this a ?_class FILTER (?_class IN ({listed})) }}")
            elif restrict is not None:
                # VALUES first: Oxigraph then looks up each class, not every rdf:type triple.
                values = f"VALUES ?_class {{ {self.class_list(str(cls))} }}"
                parts.append(f"{{ {values} ?this a ?_class }}")
        for predicate in self.g.objects(shape, SH.targetSubjectsOf):
            restrict = self.values({str(predicate)})
            if restrict is not None:
                parts.append(f"{{ {restrict}?this <{predicate}> [] }}")
        for target in self.g.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in self.g:
                raise self.fail(shape, "only SPARQL targets are supported as sh:target")
            parts.append(f"{{ {self.restricted(self.select_text(shape, target))} }}")
        # The focus restriction again after the subquery: Oxigraph evaluates the subquery and the
        # patterns after it apart, so `?this oa:exact ?x` read every selector of the store (2.4 s
        # of a one-article rebuild at 10,000 articles, 0.04 s with the VALUES block beside it).
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }} {self.restrict}"

    def restriction(self, shape: rdflib.term.Node) -> str | None:
        """The VALUES block of the focus nodes `shape` can target: "" without a focus, None when
        it can target none of them."""
        keys = {str(p) for p in self.g.objects(shape, SH.targetSubjectsOf)}
        for cls in self.g.objects(shape, SH.targetClass):
            keys.update([str(cls), *self.subclasses(str(cls))])
        any_node = (shape, SH.target, None) in self.g  # a SPARQL target may select any node
        return self.values(None if any_node else keys)

    def values(self, keys: set[str] | None) -> str | None:
        """A VALUES block of the focus nodes described by one of `keys` (classes, predicates;
        None: all): "" without a focus, None when there is no such node."""
        if self.focus is None:
            return ""
        nodes = sorted(
            iri
            for iri, described in self.focus.items()
            if keys is None or not keys.isdisjoint(described)
        )
        if not nodes:
            return None
        return f"VALUES ?this {{ {' '.join(rdflib.URIRef(iri).n3() for iri in nodes)} }} "

    def restricted(self, select: str) -> str:
        """A SPARQL target's SELECT with the focus restriction inside it: Oxigraph evaluates a
        sub-SELECT on its own, so a restriction outside it would come after a full scan."""
        if not self.restrict:
            return select
        where = re.search(r"WHERE\s*\{", select, re.IGNORECASE)
        if where is None:
            raise OntologyError(f"shapes.ttl: a SPARQL target without WHERE {{: {select}")
        return select[: where.end()] + " " + self.restrict + select[where.end() :]

    def class_list(self, cls: str) -> str:
        return " ".join(f"<{iri}>" for iri in sorted({cls, *self.subclasses(cls)}))

    def select_text(self, shape: rdflib.term.Node, node: rdflib.term.Node) -> str:
        select = self.g.value(node, SH.select)
        if select is None:
            raise self.fail(shape, "a SPARQL target or constraint without sh:select")
        return str(select)

    # Constraints on each value node

    def value_checks(self, shape: rdflib.term.Node, v: str) -> Iterator[tuple[str, str]]:
        """(component, expression) per constraint, the expression true when `v` violates it."""
        self.check_known(shape)
        for cls in self.g.objects(shape, SH["class"]):
            yield "sh:class", self.not_instance(str(cls), v)
        for kind in self.g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise self.fail(shape, f"sh:nodeKind {kind}")
            yield "sh:nodeKind", _NODE_KINDS[kind].format(v=v)
        for datatype in self.g.objects(shape, SH.datatype):
            yield "sh:datatype", self.not_datatype(shape, datatype, v)
        for length in self.g.objects(shape, SH.minLength):
            yield "sh:minLength", f"isBlank({v}) || STRLEN(STR({v})) < {_int(length)}"
        for pattern in self.g.objects(shape, SH.pattern):
            flags = self.g.value(shape, SH.flags)
            regex = rdflib.Literal(str(pattern)).n3()
            if flags is not None:
                regex += ", " + rdflib.Literal(str(flags)).n3()
            yield "sh:pattern", f"isBlank({v}) || !REGEX(STR({v}), {regex})"
        for languages in self.g.objects(shape, SH.languageIn):
            yield "sh:languageIn", f"!isLiteral({v}) || !({self.language_in(languages, v)})"
        for minimum in self.g.objects(shape, SH.minInclusive):
            assert isinstance(minimum, rdflib.Literal)
            yield "sh:minInclusive", f"!COALESCE({v} >= {minimum.n3()}, false)"
        for options in self.g.objects(shape, SH["or"]):
            alternatives = [self.conforms(member, v) for member in self.members(options)]
            yield "sh:or", "!(" + " || ".join(alternatives) + ")"
        for options in self.g.objects(shape, SH.xone):
            counted = [f"IF({self.conforms(member, v)}, 1, 0)" for member in self.members(options)]
            yield "sh:xone", "(" + " + ".join(counted) + ") != 1"

    def not_instance(self, cls: str, v: str) -> str:
        t = self.fresh()
        return f"NOT EXISTS {{ VALUES {t} {{ {self.class_list(cls)} }} {v} a {t} }}"

    def not_datatype(self, shape: rdflib.term.Node, datatype: rdflib.term.Node, v: str) -> str:
        stored = _STORED_AS.get(datatype, datatype)
        wrong = f"!isLiteral({v}) || (DATATYPE({v}) != <{datatype}> && DATATYPE({v}) != <{stored}>)"
        if datatype in _NO_LEXICAL_CHECK:
            return wrong
        if datatype not in _WELL_FORMED:
            raise self.fail(shape, f"sh:datatype {datatype} has no lexical check")
        cast = _WELL_FORMED[datatype].format(v=v)
        return f"{wrong} || !COALESCE(isLiteral({cast}), false)"

    def language_in(self, languages: rdflib.term.Node, v: str) -> str:
        tags = [rdflib.Literal(str(tag)).n3() for tag in self.members(languages)]
        return " || ".join(f"LANGMATCHES(LANG({v}), {tag})" for tag in tags)

    def members(self, node: rdflib.term.Node) -> list[rdflib.term.Node]:
        return list(rdflib.collection.Collection(self.g, node))

    def conforms(self, shape: rdflib.term.Node, v: str) -> str:
        """An expression true when `v` conforms to `shape` (members of sh:or, sh:xone, ...)."""
        tests = [f"!({expression})" for _, expression in self.value_checks(shape, v)]
        for property_shape in self.g.objects(shape, SH.property):
            tests += self.counts_conform(property_shape, v)
        return "(" + (" && ".join(tests) or "true") + ")"

    def counts_conform(self, shape: rdflib.term.Node, v: str) -> list[str]:
        extra = set(self.g.predicates(shape, None)) - {
            SH.path,
            SH.minCount,
            SH.maxCount,
            RDFS.comment,
            SH.message,
        }
        if extra:
            raise self.fail(shape, f"nested property shape with {sorted(map(str, extra))}")
        p = f"<{self.path(shape)}>"
        tests = []
        for minimum in self.g.objects(shape, SH.minCount):
            if _int(minimum) > 1:
                raise self.fail(shape, "nested sh:minCount above 1")
            if _int(minimum) == 1:
                tests.append(f"EXISTS {{ {v} {p} {self.fresh()} }}")
        for maximum in self.g.objects(shape, SH.maxCount):
            a = self.fresh()
            if _int(maximum) == 0:
                tests.append(f"NOT EXISTS {{ {v} {p} {a} }}")
            elif _int(maximum) == 1:
                b = self.fresh()
                tests.append(f"NOT EXISTS {{ {v} {p} {a}, {b} FILTER (!sameTerm({a}, {b})) }}")
            else:
                raise self.fail(shape, "nested sh:maxCount above 1")
        return tests

    # Constraints on the set of values

    def count_query(self, target: str, p: str, operator: str, limit: int) -> str:
        if operator == "<" and limit == 1:
            return f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {p} ?_x }} }}"
        if operator == ">" and limit == 0:
            return f"SELECT DISTINCT ?this WHERE {{ {target} ?this {p} ?_x }}"
        if operator == ">" and limit == 1:
            # Two different values: twice as fast as grouping and counting in Oxigraph.
            pair = f"?this {p} ?_x, ?_y FILTER (!sameTerm(?_x, ?_y))"
            return f"SELECT DISTINCT ?this WHERE {{ {target} {pair} }}"
        optional = operator == "<"
        values = f"OPTIONAL {{ ?this {p} ?_x }}" if optional else f"?this {p} ?_x"
        return (
            f"SELECT ?this WHERE {{ {target} {values} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_x) {operator} {limit})"
        )

    def qualified_query(
        self, shape: rdflib.term.Node, qualified: rdflib.term.Node, target: str, p: str
    ) -> str:
        minimum = self.g.value(shape, SH.qualifiedMinCount)
        if minimum is None or (shape, SH.qualifiedMaxCount, None) in self.g:
            raise self.fail(shape, "sh:qualifiedValueShape without exactly a qualifiedMinCount")
        if (shape, SH.qualifiedValueShapesDisjoint, None) in self.g:
            raise self.fail(shape, "sh:qualifiedValueShapesDisjoint")
        x = self.fresh()
        return (
            f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} {x} "
            f"FILTER ({self.conforms(qualified, x)}) }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT {x}) < {_int(minimum)})"
        )

    def sparql_constraint(
        self, shape: rdflib.term.Node, constraint: rdflib.term.Node, target: str
    ) -> ShapeQuery:
        message = self.g.value(constraint, SH.message)
        if message is None:
            raise self.fail(shape, "a SPARQL constraint without sh:message")
        select = self.select_text(shape, constraint)
        body = f"SELECT ?this ?value WHERE {{ {target} {{ {select} }} }}"
        return self.query(shape, "sh:sparql", body, str(message), None)

    # Shape properties

    def check_known(self, shape: rdflib.term.Node) -> None:
        known = _NOT_CONSTRAINTS | {
            SH["class"], SH.nodeKind, SH.datatype, SH.minLength, SH.pattern, SH.flags,
            SH.languageIn, SH.minInclusive, SH["or"], SH.xone, SH.minCount, SH.maxCount,
            SH.uniqueLang, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
            SH.qualifiedValueShape, SH.sparql,
        }  # fmt: skip
        unknown = set(self.g.predicates(shape, None)) - known
        if unknown:
            raise self.fail(shape, f"unsupported {sorted(map(str, unknown))}")
        if (shape, SH.deactivated, None) in self.g:
            raise self.fail(shape, "sh:deactivated")

    def reported(self, shape: rdflib.term.Node) -> bool:
        """pyshacl, as the build calls it, reports Violations only (Warnings are advice)."""
        severity = self.g.value(shape, SH.severity)
        return severity is None or severity == SH.Violation

    def message(self, shape: rdflib.term.Node) -> str:
        message = self.g.value(shape, SH.message)
        if message is None:
            raise self.fail(shape, "a reported shape without sh:message")
        return str(message)

    def path(self, shape: rdflib.term.Node) -> str:
        path = self.g.value(shape, SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise self.fail(shape, f"sh:path {path} is not a single predicate")
        return str(path)


def _int(node: rdflib.term.Node) -> int:
    return int(str(node))
