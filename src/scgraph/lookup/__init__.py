"""Find and describe resources of the graph; shared by the pages, the JSON API and the Python API.

A description is computed with a handful of our own SPARQL queries (Oxigraph's DESCRIBE omits
incoming links and named graphs, see PYOXIGRAPH.md), every term entering through `substitutions`.
It holds what a reader needs without a further request: labels of every linked IRI, incoming links
grouped by property (counted, paged) and, for each statement, the articles and quotes supporting it.

The modules: `model` (what a look-up returns), `paths` (IRIs and server paths), `rows` (running a
query with the IRI bound), `description`, `evidence`, `rdf`, `vocabulary` and `listing`.

>>> from scgraph.lookup import iri_for_path
>>> iri_for_path("id/city/da-nang", base_iri="https://scgraph.org/")
'https://scgraph.org/id/city/da-nang'
"""

from scgraph.lookup.description import (
    DEFAULT_INCOMING_LIMIT,
    count_incoming,
    describe,
    exists,
    is_graph,
)
from scgraph.lookup.evidence import article_annotations
from scgraph.lookup.listing import list_instances, suggest
from scgraph.lookup.model import (
    Annotation,
    Description,
    Evidence,
    IncomingGroup,
    LiteralValue,
    PropertyValues,
    Resource,
    Value,
    short_name,
)
from scgraph.lookup.paths import iri_for_path, local_path
from scgraph.lookup.rdf import describe_graph, graph_quads
from scgraph.lookup.vocabulary import ontology_classes, super_properties

__all__ = [
    "DEFAULT_INCOMING_LIMIT",
    "Annotation",
    "Description",
    "Evidence",
    "IncomingGroup",
    "LiteralValue",
    "PropertyValues",
    "Resource",
    "Value",
    "article_annotations",
    "count_incoming",
    "describe",
    "describe_graph",
    "exists",
    "graph_quads",
    "iri_for_path",
    "is_graph",
    "list_instances",
    "local_path",
    "ontology_classes",
    "short_name",
    "suggest",
    "super_properties",
]
