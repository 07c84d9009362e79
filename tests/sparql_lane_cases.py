"""Requests for the SPARQL lane's tests (tests/server/test_sparql_lane.py and
test_protocol_lane.py): bounded queries on the seed graph, in every format, and what the lane
must decline."""

from __future__ import annotations

ENTITY = "https://scgraph.org/id/city/da-nang"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{ENTITY}> ?p ?o }}"
JOIN = f"SELECT ?o ?l WHERE {{ <{ENTITY}> ?p ?o . ?o <{LABEL}> ?l }} LIMIT 50"
TWO_STEPS = f"SELECT * {{ <{ENTITY}> ?p ?o . ?o ?q ?r }}"
JSON_ACCEPT = {"accept": "application/json"}
"""Bounded, and its answer (~40 KB on the seed graph) is over the inline budget."""
LANE_CASES: list[tuple[str, str]] = [
    (LOOKUP, "application/sparql-results+json"),
    (LOOKUP, "application/sparql-results+xml"),
    (LOOKUP, "text/csv"),
    (LOOKUP, "text/tab-separated-values"),
    (LOOKUP, "*/*"),
    (JOIN, "application/json"),
    (f"ASK {{ <{ENTITY}> <{LABEL}> ?l }}", "application/sparql-results+json"),
    (f"DESCRIBE <{ENTITY}>", "text/turtle"),
    (f"DESCRIBE <{ENTITY}>", "application/n-triples"),
    (f"DESCRIBE <{ENTITY}>", "application/ld+json"),
    (f"DESCRIBE <{ENTITY}>", "application/rdf+xml"),
    ("SELECT ?p ?o WHERE { <https://scgraph.org/id/nothing> ?p ?o }", "text/csv"),
    (f"SELECT ?p ?o WHERE {{ <{ENTITY}> ?p ?o", "application/json"),  # a syntax error: 400
    (f"DESCRIBE <{ENTITY}>", "application/sparql-results+json"),  # no such format: 406
    (TWO_STEPS, "application/json"),
]
