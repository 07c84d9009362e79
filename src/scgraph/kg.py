"""The Python API: `KnowledgeGraph`, one read-only view of a built graph, local or remote.

`KnowledgeGraph.open()` reads the current build (or a SPARQL 1.1 server holding it, given its URL),
`KnowledgeGraph.remote(url)` a running scgraph server;
`KnowledgeGraph.of_store(store)` wraps any pyoxigraph store holding scgraph data, as here:

>>> import pyoxigraph as ox
>>> from scgraph.ontology import RDF_TYPE, RDFS_LABEL
>>> store = ox.Store()
>>> city = ox.NamedNode("https://scgraph.org/id/city/da-nang")
>>> store.add(ox.Quad(city, ox.NamedNode(RDFS_LABEL), ox.Literal("Đà Nẵng", language="vi")))
>>> store.add(ox.Quad(city, ox.NamedNode(RDF_TYPE), ox.NamedNode(SC + "City")))
>>> kg = KnowledgeGraph.of_store(store)
>>> [hit.label for hit in kg.search("danang")]
['Đà Nẵng']
>>> kg.entity("city/da-nang").label()
'Đà Nẵng'
>>> kg.query("SELECT ?city WHERE { ?city a <https://scgraph.org/ontology#City> }")
[{'city': IRI('https://scgraph.org/id/city/da-nang')}]
>>> [r.iri for r in kg.instances("City")]
['https://scgraph.org/id/city/da-nang']

Thread safety: a local graph shares one read-only store and an immutable search index, and every
call consumes its pyoxigraph results before returning (they must not cross threads); a remote
graph shares one `httpx.Client`, which is thread-safe.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import httpx
import pyoxigraph as ox

from scgraph.apimodels import (
    EntityModel,
    SearchResultsModel,
    description_from_model,
    entity_iri,
    hit_from_model,
)
from scgraph.errors import QuerySyntaxError, StoreError
from scgraph.graph_store import GraphStore
from scgraph.iris import SC
from scgraph.lookup import Description, Resource, describe
from scgraph.ontology import RDFS_LABEL, XSD
from scgraph.search import Hit, SearchIndex, collect_entities, load_index
from scgraph.served_store import close_served_store, open_served_store
from scgraph.settings import get_settings, is_url
from scgraph.store import resolve_build, run_query

__all__ = ["IRI", "KnowledgeGraph", "PythonValue", "Row"]


class IRI(str):
    """An IRI in a query result, to tell it from a string literal.

    >>> IRI("https://scgraph.org/id/city/da-nang") == "https://scgraph.org/id/city/da-nang"
    True
    >>> IRI("https://scgraph.org/id/city/da-nang")
    IRI('https://scgraph.org/id/city/da-nang')
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


PythonValue = str | int | float | bool | Decimal | datetime.date | datetime.datetime | IRI
Row = dict[str, PythonValue | None]

_INTEGERS = {
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}


def literal_to_python(value: str, datatype: str | None) -> PythonValue:
    """The Python value of a literal's lexical form; strings when the datatype is unknown.

    >>> literal_to_python("42", XSD + "integer"), literal_to_python("2.50", XSD + "decimal")
    (42, Decimal('2.50'))
    >>> literal_to_python("2020-10-22", XSD + "date"), literal_to_python("true", XSD + "boolean")
    (datetime.date(2020, 10, 22), True)
    >>> literal_to_python("2020", XSD + "gYear")
    '2020'
    """
    try:
        if datatype in _INTEGERS:
            return int(value)
        if datatype == XSD + "decimal":
            return Decimal(value)
        if datatype in (XSD + "double", XSD + "float"):
            return float(value)
        if datatype == XSD + "boolean":
            return value in ("true", "1")
        if datatype == XSD + "date":
            return datetime.date.fromisoformat(value)
        if datatype == XSD + "dateTime":
            return datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    return value


def _term_to_python(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.Literal):
        return literal_to_python(term.value, term.datatype.value)
    return str(term)


def _json_term_to_python(term: dict[str, str] | None) -> PythonValue | None:
    if term is None:
        return None
    if term["type"] == "uri":
        return IRI(term["value"])
    if term["type"] == "literal" or term["type"] == "typed-literal":
        return literal_to_python(term["value"], term.get("datatype"))
    return "_:" + term["value"]


class _Backend(Protocol):
    base_iri: str

    def search(self, text: str, type: str | None, limit: int, lang: str) -> list[Hit]: ...

    def entity(self, iri: str, lang: str) -> Description | None: ...

    def query(self, sparql: str) -> list[Row] | bool: ...

    def instances(self, class_iri: str) -> list[Resource]: ...

    def close(self) -> None: ...


_INSTANCES = f"""
SELECT ?x ?label (LANG(?label) AS ?lang) ?class WHERE {{
  ?x a ?class .
  OPTIONAL {{ ?x <{RDFS_LABEL}> ?label }}
}} ORDER BY ?x ?lang"""


def _resources(rows: list[tuple[str, str | None, str]]) -> list[Resource]:
    labels: dict[str, dict[str, str]] = {}
    for iri, label, lang in rows:
        found = labels.setdefault(iri, {})
        if label is not None:
            found.setdefault(lang, label)
    return [Resource(iri, found) for iri, found in labels.items()]


class _Local:
    def __init__(self, store: GraphStore, index: SearchIndex, base_iri: str) -> None:
        self.store, self.index, self.base_iri = store, index, base_iri

    def close(self) -> None:
        close_served_store(self.store)  # an embedded store goes with its last reference

    def search(self, text: str, type: str | None, limit: int, lang: str) -> list[Hit]:
        return self.index.search(text, type=type, limit=limit, lang=lang)

    def entity(self, iri: str, lang: str) -> Description | None:
        return describe(self.store, iri, base_iri=self.base_iri, lang=lang)

    def query(self, sparql: str) -> list[Row] | bool:
        result = run_query(self.store, sparql)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            raise QuerySyntaxError("query() takes SELECT or ASK; use CONSTRUCT through SPARQL")
        names = [v.value for v in result.variables]
        return [{name: _term_to_python(row[name]) for name in names} for row in result]

    def instances(self, class_iri: str) -> list[Resource]:
        rows = self.store.query(
            _INSTANCES, substitutions={ox.Variable("class"): ox.NamedNode(class_iri)}
        )
        assert isinstance(rows, ox.QuerySolutions)
        return _resources(
            [
                (
                    row["x"].value,
                    None if row["label"] is None else row["label"].value,
                    row["lang"].value if row["lang"] is not None else "",
                )
                for row in rows
            ]
        )


class _Remote:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.base_iri = str(self._get("/api").get("base_iri", "")) or get_settings().base_iri

    def close(self) -> None:
        self.client.close()

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        try:
            response = self.client.get(path, params=params)
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach {self.client.base_url}: {error}") from error
        if response.status_code == 404:
            return {}
        if response.status_code == 400:
            raise QuerySyntaxError(response.text)
        if response.status_code >= 400:
            raise StoreError(f"{self.client.base_url}{path}: HTTP {response.status_code}")
        data: dict[str, Any] = response.json()
        return data

    def search(self, text: str, type: str | None, limit: int, lang: str) -> list[Hit]:
        params: dict[str, Any] = {"q": text, "limit": limit, "lang": lang}
        if type:
            params["type"] = type
        data = SearchResultsModel.model_validate(self._get("/api/search", **params))
        return [hit_from_model(hit) for hit in data.results]

    def entity(self, iri: str, lang: str) -> Description | None:
        data = self._get("/api/entities/" + iri, lang=lang)
        if not data:
            return None
        return description_from_model(EntityModel.model_validate(data), self.base_iri)

    def query(self, sparql: str) -> list[Row] | bool:
        try:
            response = self.client.post(
                "/sparql",
                data={"query": sparql},
                headers={"Accept": "application/sparql-results+json"},
            )
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach {self.client.base_url}: {error}") from error
        if response.status_code == 400:
            raise QuerySyntaxError(response.text.strip())
        if response.status_code >= 400:
            raise StoreError(f"SPARQL endpoint answered HTTP {response.status_code}")
        data = response.json()
        if "boolean" in data:
            return bool(data["boolean"])
        names = data["head"]["vars"]
        return [
            {name: _json_term_to_python(binding.get(name)) for name in names}
            for binding in data["results"]["bindings"]
        ]

    def instances(self, class_iri: str) -> list[Resource]:
        # The SPARQL protocol has no bindings: the class IRI, checked to be one, is a constant.
        text = _INSTANCES.replace("?x a ?class", f"?x a <{_checked_iri(class_iri)}>")
        rows = self.query(text)
        assert isinstance(rows, list)
        return _resources(
            [
                (str(r["x"]), None if r["label"] is None else str(r["label"]), str(r["lang"] or ""))
                for r in rows
            ]
        )


class KnowledgeGraph:
    """A read-only view of a built scgraph graph: search, describe, query, list instances."""

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend

    @classmethod
    def open(cls, path: str | Path | None = None) -> KnowledgeGraph:
        """The build at `path` (a data directory, `current` or a build directory), or the
        SPARQL 1.1 server whose query endpoint `path` is (loaded by `scgraph build --store URL`).

        Without `path`, the store the settings point at (`SCGRAPH_STORE`, else
        `SCGRAPH_DATA_DIR`, default `var`). Raises `StoreNotFound` when there is no build there.
        """
        settings = get_settings()
        if isinstance(path, str) and is_url(path):
            settings = settings.model_copy(update={"store": path})
        elif path is not None:
            settings = settings.model_copy(update={"store": str(path)})
        store, summary = open_served_store(settings)
        base_iri = str(summary.get("base_iri") or settings.base_iri)
        index = load_index(resolve_build(settings.current_build), store, base_iri)
        return cls(_Local(store, index, base_iri))

    @classmethod
    def of_store(cls, store: GraphStore, base_iri: str | None = None) -> KnowledgeGraph:
        """A graph over an open pyoxigraph store; its search index is built from the store."""
        base = base_iri or get_settings().base_iri
        return cls(_Local(store, SearchIndex(collect_entities(store, base)), base))

    @classmethod
    def remote(cls, url: str, *, timeout: float = 30.0) -> KnowledgeGraph:
        """An scgraph server at `url`, read through its JSON API and SPARQL endpoint."""
        client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
        return cls(_Remote(client))

    def close(self) -> None:
        """Release the connection of a remote graph (a local one needs nothing)."""
        self._backend.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def base_iri(self) -> str:
        """The dataset base every entity IRI starts with."""
        return self._backend.base_iri

    def search(
        self, text: str, type: str | None = None, limit: int = 10, lang: str = "vi"
    ) -> list[Hit]:
        """Entities whose labels match `text`, best first; [] when none do.

        Case, diacritics, spaces and small typos do not matter; `type` is a class local name
        (`"Province"`) or IRI, subclasses included.
        """
        return self._backend.search(text, type, limit, lang)

    def entity(self, iri_or_id: str, lang: str = "vi") -> Description | None:
        """The description of an entity by IRI or short id (`"city/da-nang"`); None if unknown."""
        return self._backend.entity(entity_iri(iri_or_id, self.base_iri), lang)

    def query(self, sparql: str) -> list[Row] | bool:
        """Run a SELECT (rows of Python values: `IRI`, str, int, Decimal, date…) or an ASK."""
        return self._backend.query(sparql)

    def instances(self, cls: str) -> Iterator[Resource]:
        """Every entity of class `cls` (local name or IRI, subclasses included), by IRI."""
        class_iri = cls if cls.startswith(("http://", "https://")) else SC + cls
        yield from self._backend.instances(class_iri)


def _checked_iri(text: str) -> str:
    if any(ch in text for ch in '<>"{}|^`\\ \n'):
        raise ValueError(f"not an IRI: {text!r}")
    return text
