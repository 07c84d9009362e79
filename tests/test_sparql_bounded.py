"""Which queries scgraph.sparql_bounded reads as bounded: only anchored walks of one or two
outgoing steps, in a strict subset of SPARQL; everything else goes to a query process."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scgraph.sparql_bounded import _NotBounded, _Reader, _tokens, is_bounded

X = "<https://scgraph.org/id/city/da-nang>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"

BOUNDED = [
    f"SELECT ?p ?o WHERE {{ {X} ?p ?o }}",
    f"select * {{ {X} ?p ?o }} limit 10 offset 5",
    f"SELECT * {{ {X} ?p ?o }} OFFSET 10000 LIMIT 1",
    f"SELECT ?o ?l WHERE {{ {X} <urn:related> ?o . ?o {LABEL} ?l }}",
    f"SELECT ?p ?l {{ {X} ?p ?o . ?p {LABEL} ?l }}",  # the predicates' labels
    f"SELECT ?o {{ {X} a ?t . ?t {LABEL} ?o . }}",
    f'ASK {{ {X} {LABEL} "Đà Nẵng"@vi }}',
    f'ASK WHERE {{ {X} <urn:d> "2024-01-01"^^<urn:date> ; <urn:b> true }}',
    "PREFIX scg: <https://scgraph.org/id/city/> SELECT ?p ?o { scg:da-nang ?p ?o }",
    f"BASE <https://scgraph.org/> PREFIX : <https://scgraph.org/id/> DESCRIBE {X} :city",
    "ASK {}",
    f"# a comment {{ FILTER }}\nSELECT ?p ?o {{ {X} ?p ?o }}",
    f"SELECT $p ?o {{ {X} $p ?o . $o ?q ?r }}",  # ?o and $o are one variable
]

NOT_BOUNDED = [
    "SELECT ?s { ?s a <urn:Class> }",  # every instance: as large as the graph
    f"SELECT ?s {{ ?s ?p {X} }}",  # incoming links: a hub has any number
    "SELECT * { ?s ?p ?o }",
    f"SELECT * {{ {X} ?p ?o . ?o ?q ?r . ?r ?y ?z }}",  # a third step
    f"SELECT * {{ {X} ?p ?o . ?a ?b ?c }}",  # a cross product with everything
    f"SELECT * {{ {X} ?p ?o FILTER(?o = 1) }}",
    f"SELECT * {{ {X} ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    f"SELECT * {{ {{ {X} ?p ?o }} UNION {{ {X} ?q ?r }} }}",
    f"SELECT * {{ GRAPH ?g {{ {X} ?p ?o }} }}",
    f"SELECT * {{ {X} <urn:p>/<urn:q> ?o }}",
    f"SELECT * {{ {X} <urn:p>* ?o }}",
    f"SELECT * {{ {X} ^<urn:p> ?o }}",
    f"SELECT DISTINCT ?p {{ {X} ?p ?o }}",
    f"SELECT ?p {{ {X} ?p ?o }} ORDER BY ?p",
    f"SELECT (COUNT(*) AS ?n) {{ {X} ?p ?o }}",
    f"SELECT ?p {{ {X} ?p ?o }} GROUP BY ?p",
    f"SELECT * {{ {X} ?p ?o . {{ SELECT * {{ ?s ?p ?o }} }} }}",
    f"SELECT * {{ SERVICE <http://127.0.0.1:1/> {{ {X} ?p ?o }} }}",
    f"SELECT * {{ VALUES ?s {{ {X} }} ?s ?p ?o }}",
    f"SELECT * {{ {X} ?p ?o BIND(1 AS ?x) }}",
    f"SELECT * FROM <urn:g> {{ {X} ?p ?o }}",
    f"SELECT * {{ {X} ?p [ ?q ?r ] }}",
    f"SELECT * {{ _:b ?p ?o . {X} ?q _:b }}",
    f'SELECT * {{ {X} ?p "\\u0022" }}',  # escapes: left to Oxigraph's parser
    f'SELECT * {{ {X} ?p """long""" }}',
    f"SELECT * {{ {X} ?p -5 }}",
    f"CONSTRUCT WHERE {{ {X} ?p ?o }}",
    "DESCRIBE ?s WHERE { ?s ?p ?o }",
    "DESCRIBE *",
    f"INSERT DATA {{ {X} <urn:p> 1 }}",
    f"SELECT * {{ {X} ?p ?o }} LIMIT 1 LIMIT 2",
    # Rows a later pattern rejects are made unseen: at most two patterns, no repeated variable.
    f"SELECT * {{ {X} ?p ?o ; ?q ?r . ?r <urn:none> ?z }}",
    f"SELECT ?o {{ {X} a ?t ; {LABEL} ?l . ?t {LABEL} ?o . }}",
    f"SELECT * {{ {X} ?p ?o . ?o ?a ?o }}",
    f"ASK {{ {X} ?p ?p }}",
    # Skipped rows are never written: a large OFFSET over a product of patterns works unseen.
    f"SELECT * {{ {X} ?p ?o . ?o ?a ?b }} OFFSET 1000000000",
    f"SELECT * {{ {X} ?p ?o }} LIMIT 1 OFFSET 10001",
    f"SELECT * {{ {X} ?p ?o }} OFFSET 1e3",
    f"SELECT * {{ {X} ?p ?o }} junk",
    # A comment ends at a carriage return too: what follows it is read by Oxigraph.
    f"SELECT * {{ {X} ?p ?o # note\r . ?a ?b ?c . ?d ?e ?f\n }}",
    f"ASK {{ {X} ?p ?o # note\r . ?a ?b ?c FILTER(STR(?c) = 'x')\n }}",
    f"SELECT * {{\x0b{X} ?p ?o }}",  # not SPARQL white space
    f"SELECT * {{ {X} ?p ?o ",
    "",
]


@pytest.mark.parametrize("query", BOUNDED)
def test_anchored_queries_are_bounded_and_oxigraph_reads_them(query: str) -> None:
    assert is_bounded(query)
    ox.Store().query(query)  # the subset is SPARQL: Oxigraph parses it


@pytest.mark.parametrize("query", NOT_BOUNDED)
def test_everything_else_is_not(query: str) -> None:
    assert not is_bounded(query)


def test_a_comment_ending_at_a_carriage_return_hides_nothing_from_the_reader() -> None:
    """Oxigraph ends a comment at `\\r` as at `\\n`: the pattern after it is evaluated."""
    store = ox.Store()
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
    hidden = "SELECT * { <urn:s0> ?p ?o # note\r . ?a ?b ?c \n }"
    assert len(list(store.query(hidden))) == 3  # the hidden, unanchored pattern is evaluated
    assert not is_bounded(hidden)
    assert is_bounded(hidden.replace("\r", " "))  # the pattern inside the comment: bounded


SUBJECTS = [X, "<urn:a'b>", "?o", "$p", "?s"]
PREDICATES = ["<urn:p>", "a", "$p", "<urn:a'b>"]
OBJECTS = [X, "?o", "?r", "'x<y'", '"<urn:z>"', "'c>'", "3"]
JUNK = ["<a", "b>", "'", '"', "#<c>\n", "FILTER", "(", ")", ".", ";", ",", "{", "}", "?r"]


@st.composite
def near_bounded(draw: st.DrawFn) -> str:
    """Queries of the subset's shape with IRIs and strings holding brackets and quotes, sometimes
    with junk put anywhere: bounded and not bounded ones alike."""
    terms = st.tuples(*map(st.sampled_from, (SUBJECTS, PREDICATES, OBJECTS)))
    triples = draw(st.lists(terms, max_size=4))
    pieces = ["SELECT", "*", "{"]
    for subject, predicate, obj in triples:
        pieces += [subject, predicate, obj, draw(st.sampled_from([".", ".", ";", ",", ""]))]
    pieces.append("}")
    for _ in range(draw(st.integers(0, 2))):
        pieces.insert(draw(st.integers(0, len(pieces))), draw(st.sampled_from(JUNK)))
    return draw(st.sampled_from([" ", ""])).join(pieces)


@settings(max_examples=500, deadline=None)
@given(near_bounded())
# An IRI-like text from inside one string to inside another hides the pattern between them.
@example(f"SELECT*{{{X}<urn:p>'x<y'.?s$p'c>'}}")
def test_reading_the_shape_decides_as_reading_the_query(query: str) -> None:
    """Replacing IRIs by `<>` (the shape is remembered) never changes the decision, whatever
    quotes, brackets and comments surround them."""
    try:
        direct = _Reader(_tokens(query)).query()
    except _NotBounded:
        direct = False
    assert is_bounded(query) == direct
