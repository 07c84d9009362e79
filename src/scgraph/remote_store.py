"""`RemoteStore`: a `GraphStore` read over the SPARQL 1.1 Protocol from an external server.

With `SCGRAPH_STORE=URL` every reader (lookups, pages, the JSON API, search index) runs unchanged:
queries go to the server as form POSTs (Virtuoso hangs on a direct POST), and its answer is parsed
by pyoxigraph into the same `QuerySolutions`, `QueryBoolean` and `QueryTriples` objects an
embedded store returns.

The dataset is named on every request rather than left to the server, whose default graph may hold
other data (Virtuoso's default graph is the union of all graphs, system graphs included):

- the default graph is `{base}graph/merged`, the deduplicated merge `scgraph build --store URL`
  writes (what the embedded store keeps in its default graph);
- the named graphs are scgraph's own graphs, `{base}graph/…`, listed once when the store is opened.
  Like an embedded read-only store, a `RemoteStore` is a snapshot of that list: open a new one
  after a rebuild that adds or removes articles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pyoxigraph as ox

from scgraph.errors import (
    QuerySyntaxError,
    RemoteStoreError,
    RemoteStoreFailed,
    RemoteStoreTimeout,
    RemoteStoreUnavailable,
)
from scgraph.graph_store import QueryResult, Substitutions
from scgraph.sparql_values import query_form, with_values

SOLUTIONS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
TRIPLES_ACCEPT = "application/n-triples, text/turtle;q=0.8"
_BACKSTOP_S = 5.0
# Virtuoso answers ASK with a one-row SELECT binding this variable to 1 or 0.
_VIRTUOSO_ASK = "__ASK_RETVAL"

_OWNED_GRAPHS = """
SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), STR(?prefix))) }"""


def merged_graph_iri(base_iri: str) -> str:
    """The named graph holding the merge of all graphs, served as the default graph.

    >>> merged_graph_iri("https://scgraph.org/")
    'https://scgraph.org/graph/merged'
    """
    return f"{base_iri}graph/merged"


def owned_graph_prefix(base_iri: str) -> str:
    """Every graph scgraph writes to a remote store starts with this."""
    return f"{base_iri}graph/"


class RemoteStore:
    """Read access to scgraph's graphs on a SPARQL 1.1 server at `endpoint`.

    `timeout` (seconds) bounds each query; one that runs longer raises `RemoteStoreTimeout`. A
    server with a limit of its own (Virtuoso's `timeout` parameter) is given it, so that it stops
    the query itself rather than running on after we hung up; the HTTP timeout is then a little
    longer, as a backstop.
    """

    def __init__(
        self,
        endpoint: str,
        base_iri: str,
        *,
        timeout: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.default_graph = merged_graph_iri(base_iri)
        self.timeout = timeout
        self.http_timeout = timeout
        self.server_limits: list[tuple[str, str]] = []
        self.client = client or httpx.Client(timeout=timeout)
        prefix: Substitutions = {ox.Variable("prefix"): ox.Literal(owned_graph_prefix(base_iri))}
        rows = self._post(with_values(_OWNED_GRAPHS, prefix), [])
        assert isinstance(rows, ox.QuerySolutions)
        self.graphs = sorted(row["g"].value for row in rows if row["g"].value != self.default_graph)

    def _learn_server(self, response: httpx.Response) -> None:
        if response.headers.get("server", "").startswith("Virtuoso"):
            self.server_limits = [("timeout", str(round(self.timeout * 1000)))]
            self.http_timeout = self.timeout + _BACKSTOP_S

    def close(self) -> None:
        self.client.close()

    def dataset(self) -> list[tuple[str, str]]:
        """The protocol parameters naming scgraph's dataset (SPARQL 1.1 Protocol §2.1.4)."""
        return [
            ("default-graph-uri", self.default_graph),
            *(("named-graph-uri", graph) for graph in self.graphs),
        ]

    def query(self, query: str, /, *, substitutions: Substitutions | None = None) -> QueryResult:
        """Evaluate `query` on the server; `substitutions` enter as a VALUES block."""
        return self._post(with_values(query, substitutions or {}), self.dataset())

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
        /,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern, read with one SELECT per graph kind."""
        bound: Substitutions = {}
        for name, term in (("s", subject), ("p", predicate), ("o", object)):
            if isinstance(term, ox.BlankNode):
                return  # a blank node of ours means nothing to the server: nothing matches
            if term is not None:
                bound[ox.Variable(name)] = term
        if graph_name is None or isinstance(graph_name, ox.DefaultGraph):
            rows = self.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", substitutions=bound)
            assert isinstance(rows, ox.QuerySolutions)
            for row in list(rows):
                yield ox.Quad(row["s"], row["p"], row["o"], ox.DefaultGraph())
        if isinstance(graph_name, ox.BlankNode):
            return
        if graph_name is not None and not isinstance(graph_name, ox.DefaultGraph):
            bound[ox.Variable("g")] = graph_name
        if graph_name is None or isinstance(graph_name, ox.NamedNode):
            rows = self.query(
                "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions=bound
            )
            assert isinstance(rows, ox.QuerySolutions)
            for row in list(rows):
                yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        return iter([ox.NamedNode(graph) for graph in self.graphs])

    def _post(self, query: str, dataset: Sequence[tuple[str, str]]) -> QueryResult:
        try:
            response = self.client.post(
                self.endpoint,
                data={"query": query, **_grouped([*dataset, *self.server_limits])},
                headers={"Accept": accept_for(query)},
                timeout=self.http_timeout,
            )
        except httpx.HTTPError as error:
            raise transport_error(self.endpoint, error) from error
        if not dataset:  # the first query, from __init__
            self._learn_server(response)
        check_response(self.endpoint, response)
        return parse_result(
            self.endpoint, response.headers.get("content-type", ""), response.content
        )


def accept_for(query: str) -> str:
    """The Accept header asking for the kind of result the query's form gives."""
    return TRIPLES_ACCEPT if query_form(query) in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS_ACCEPT


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def transport_error(url: str, error: httpx.HTTPError) -> RemoteStoreError:
    """The scgraph error for an httpx failure to get an answer at all."""
    if isinstance(error, httpx.TimeoutException):
        return RemoteStoreTimeout(url, f"did not answer in time ({type(error).__name__})")
    return RemoteStoreUnavailable(url, f"cannot be reached: {error}")


def check_response(url: str, response: httpx.Response) -> None:
    """Raise the scgraph error an error status (or Virtuoso's partial answer) stands for."""
    if response.status_code == 400:
        raise QuerySyntaxError(response.text.strip()[:2000])
    if response.status_code >= 400:
        raise RemoteStoreFailed(
            url, f"answered HTTP {response.status_code}: {response.text.strip()[:300]}"
        )
    # Virtuoso's "anytime query": past MaxQueryExecutionTime it sends the rows found so far with
    # HTTP 200 and this header; a partial answer must not pass for the whole one.
    if response.headers.get("x-sql-state") == "S1TAT":
        raise RemoteStoreTimeout(url, "stopped the query at its time limit (partial result)")


def parse_result(url: str, content_type: str, body: bytes) -> QueryResult:
    """The server's answer as pyoxigraph results, whatever supported format it chose."""
    media = content_type.split(";")[0].strip().lower()
    results_format = ox.QueryResultsFormat.from_media_type(media)
    rdf_format = None if results_format else ox.RdfFormat.from_media_type(media)
    try:
        if results_format == ox.QueryResultsFormat.JSON:
            body = _standard_json(body)
        if results_format is not None:
            result = ox.parse_query_results(body, format=results_format)
            return _fixed_boolean(result)
        if rdf_format is not None:
            # A QueryTriples cannot be made directly: evaluate a CONSTRUCT over the parsed triples.
            scratch = ox.Store()
            scratch.bulk_extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                for t in ox.parse(body, format=rdf_format)
            )
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
    except SyntaxError as error:
        raise RemoteStoreFailed(url, f"sent a {media} body that does not parse: {error}") from error
    raise RemoteStoreFailed(url, f"answered in an unsupported format {media or '(none)'!r}")


_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _standard_json(body: bytes) -> bytes:
    """Virtuoso's JSON results made standard: `"1"^^xsd:boolean` (it keeps booleans as 0/1)
    becomes "true", a `lang` key `xml:lang`. pyoxigraph parses lazily, so a term it rejects
    would only fail later, while a reader iterates."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise SyntaxError(f"not JSON: {error}") from error
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if "lang" in term:
                term["xml:lang"] = term.pop("lang")
            if term.get("datatype") == _XSD_BOOLEAN and term.get("value") in ("0", "1"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode()


def _fixed_boolean(
    result: ox.QuerySolutions | ox.QueryBoolean,
) -> ox.QuerySolutions | ox.QueryBoolean:
    if isinstance(result, ox.QueryBoolean) or [v.value for v in result.variables] != [
        _VIRTUOSO_ASK
    ]:
        return result
    rows = list(result)
    value = (
        bool(rows)
        and rows[0][_VIRTUOSO_ASK] is not None
        and rows[0][_VIRTUOSO_ASK].value in ("1", "true")
    )
    answer = ox.parse_query_results(
        b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}",
        format=ox.QueryResultsFormat.JSON,
    )
    assert isinstance(answer, ox.QueryBoolean)
    return answer
