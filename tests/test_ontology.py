"""The ontology and the shapes: lint passes, every term is bilingual, and the shapes can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from scgraph.ontology import load_ontology

ONTOLOGY = Path(__file__).parent.parent / "ontology"
SC = "https://scgraph.org/ontology#"


def parse(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(data=path.read_text(encoding="utf-8"), format="turtle")


@pytest.fixture(scope="module")
def ontology_graph() -> rdflib.Graph:
    return parse(ONTOLOGY / "scgraph.ttl")


def lint(graph: rdflib.Graph) -> tuple[bool, str]:
    shapes = parse(ONTOLOGY / "lint.ttl")
    conforms, _, text = validate(graph, shacl_graph=shapes, advanced=True, inference="none")
    return bool(conforms), str(text)


def test_lint_passes(ontology_graph: rdflib.Graph) -> None:
    conforms, report = lint(ontology_graph)
    assert conforms, report


def test_lint_catches_a_missing_label(ontology_graph: rdflib.Graph) -> None:
    broken = rdflib.Graph()
    for triple in ontology_graph:
        broken.add(triple)
    broken.remove((rdflib.URIRef(SC + "Summit"), RDFS.label, None))
    conforms, report = lint(broken)
    assert not conforms
    assert SC + "Summit" in report


def test_every_term_has_labels_and_definitions_in_both_languages(
    ontology_graph: rdflib.Graph,
) -> None:
    terms = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology_graph.subjects(RDF.type, kind)
        if str(s).startswith(SC)
    }
    assert len(terms) > 100
    for term in terms:
        for predicate in (RDFS.label, SKOS.definition):
            languages = {
                getattr(o, "language", None) for o in ontology_graph.objects(term, predicate)
            }
            assert {"vi", "en"} <= languages, f"{term} lacks a {predicate} in vi or en"


def test_header_names_title_description_license_version(ontology_graph: rdflib.Graph) -> None:
    header = rdflib.URIRef("https://scgraph.org/ontology")
    for predicate in (
        rdflib.DCTERMS.title,
        rdflib.DCTERMS.description,
        rdflib.DCTERMS.license,
        OWL.versionIRI,
    ):
        assert ontology_graph.value(header, predicate) is not None, predicate


def test_the_build_reads_every_declared_class_and_property(ontology_graph: rdflib.Graph) -> None:
    onto = load_ontology(ONTOLOGY / "scgraph.ttl")
    classes = {
        str(s) for s in ontology_graph.subjects(RDF.type, OWL.Class) if str(s).startswith(SC)
    }
    assert {t.iri for t in onto.classes.values()} == classes


def test_shapes_accept_the_valid_example_and_reject_the_invalid_one() -> None:
    shapes = parse(ONTOLOGY / "shapes.ttl")
    ontology = parse(ONTOLOGY / "scgraph.ttl")
    for name, expected in (("valid-example.ttl", True), ("invalid-example.ttl", False)):
        data = parse(ONTOLOGY / "examples" / name)
        for triple in ontology:
            data.add(triple)
        conforms, _, report = validate(data, shacl_graph=shapes, advanced=True, inference="none")
        assert conforms is expected, f"{name}: {report}"
