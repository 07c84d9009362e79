"""The JSON API under /api: search, entities, types and the example queries (see docs/api.md).

Errors are application/problem+json through server/errors.py; lists are paged with `limit` and
`offset` and a `Link: <…>; rel="next"` header when there is more.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from scgraph import __version__
from scgraph.apimodels import (
    EntityModel,
    SearchResultsModel,
    entity_iri,
    entity_model,
    hit_model,
)
from scgraph.errors import ExampleQueryError
from scgraph.iris import SC
from scgraph.lookup import describe
from scgraph.ontology import OWL, RDF_TYPE, RDFS
from scgraph.queries import ExampleQuery, load_examples
from scgraph.search import SearchIndex
from scgraph.server.deps import ServedBuild, ServedDep, SettingsDep
from scgraph.server.prepared import Prepared, encoded, prepared_bodies
from scgraph.server.response_cache import cacheable
from scgraph.store import run_query

router = APIRouter(prefix="/api", tags=["api"])

MAX_LIMIT = 100
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
Lang = Annotated[
    str, Query(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*$", description="Label language.")
]


def search_index(served: ServedDep) -> SearchIndex:
    # The request's own build (one per request, however often it is asked for).
    assert served.search is not None
    return served.search


def _link_next(request: Request, response: Response, offset: int, limit: int) -> None:
    url = request.url.include_query_params(offset=offset + limit, limit=limit)
    response.headers["Link"] = f'<{url}>; rel="next"'


class ServiceModel(BaseModel):
    name: str
    version: str
    build: str
    base_iri: str
    documentation: str = Field(description="Interactive OpenAPI documentation.")


@router.get("", response_model=ServiceModel, summary="What this API serves")
def service(served: ServedDep, request: Request) -> ServiceModel:
    return ServiceModel(
        name="scgraph",
        version=__version__,
        build=served.build_id,
        base_iri=_base_iri(served.summary, served.settings.base_iri),
        documentation=str(request.url_for("swagger_ui_html")),
    )


def _base_iri(summary: dict[str, Any], fallback: str) -> str:
    return str(summary.get("base_iri") or fallback)


@router.get("/search", response_model=SearchResultsModel, summary="Find entities by label")
async def search(
    request: Request,
    response: Response,
    served: ServedDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Text to look for.")],
    type: Annotated[
        str | None, Query(description="Class local name (Province) or IRI; subclasses count.")
    ] = None,
    lang: Lang = "vi",
    limit: Limit = 10,
    offset: Offset = 0,
) -> SearchResultsModel:
    """Labels, alt labels and acronyms, ignoring case, diacritics, spaces and small typos."""
    # On the event loop: the index is in memory and a search takes well under a millisecond,
    # less than the hop to a worker thread would.
    index = search_index(served)
    hits = index.search(q, type=type, limit=limit + 1, lang=lang, offset=offset)
    if len(hits) > limit:
        _link_next(request, response, offset, limit)
    base = _base_iri(served.summary, served.settings.base_iri)
    cacheable(request)
    return SearchResultsModel(
        query=q,
        type=type,
        offset=offset,
        limit=limit,
        results=[hit_model(hit, base) for hit in hits[:limit]],
    )


@router.get(
    "/entities/{id:path}",
    response_model=EntityModel,
    summary="Describe one entity",
    responses={404: {"description": "Unknown entity", "content": {"application/problem+json": {}}}},
)
async def entity(
    id: str,
    request: Request,
    served: ServedDep,
    lang: Lang = "vi",
    incoming_limit: Limit = 50,
    incoming_offset: Offset = 0,
) -> Response:
    """`id` is the path after `{base}id/` (`city/da-nang`), an `id/…` path or a full IRI."""
    base = _base_iri(served.summary, served.settings.base_iri)
    iri = entity_iri(id, base)
    prepared = prepared_bodies(served)
    key = ("api", iri, lang, incoming_limit, incoming_offset)
    # Made before (by a request or the warm-up): answered without a hop to a worker thread.
    found = prepared.get(key) if prepared is not None else None
    made_now = found is None
    if found is None:
        found = await run_in_threadpool(
            _entity_json, served, iri, base, lang, incoming_limit, incoming_offset
        )
        if prepared is not None:
            prepared.put(key, found)
    headers = {}
    if _MORE in found.headers:
        url = request.url.include_query_params(
            incoming_offset=incoming_offset + incoming_limit, incoming_limit=incoming_limit
        )
        headers["Link"] = f'<{url}>; rel="next"'
    cacheable(request)
    response = Response(found.body, media_type="application/json", headers=headers)
    return response if made_now else encoded(request, response, found)


def _entity_json(
    served: ServedBuild, iri: str, base: str, lang: str, limit: int, offset: int
) -> Prepared:
    """The JSON look-up of `iri`: the bytes FastAPI would write for the response model."""
    description = describe(
        served.store,
        iri,
        base_iri=base,
        lang=lang,
        incoming_limit=limit,
        incoming_offset=offset,
        parents=served.super_properties,
    )
    if description is None:
        raise HTTPException(404, f"no entity {iri}")
    body = _ENTITY_JSON.dump_json(entity_model(description, lang), by_alias=True)
    return Prepared(body, {_MORE: ""} if description.has_more_incoming else {})


_MORE = "more-incoming"
"""Marks a prepared description with more incoming links than it lists."""
_ENTITY_JSON = TypeAdapter(EntityModel)


class TypeModel(BaseModel):
    iri: str
    name: str = Field(description="Local name, usable as `type=` in search.")
    label: str
    labels: dict[str, str]
    parents: list[str]
    count: int = Field(description="Entities of this class, subclasses included.")


_TYPES = f"""
SELECT ?c ?label (LANG(?label) AS ?lang) ?parent WHERE {{
  ?c a <{OWL}Class> .
  OPTIONAL {{ ?c <{RDFS}label> ?label }}
  OPTIONAL {{ ?c <{RDFS}subClassOf> ?parent . FILTER(isIRI(?parent)) }}
}}"""
_COUNTS = f"SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x <{RDF_TYPE}> ?c }} GROUP BY ?c"


@router.get("/types", response_model=list[TypeModel], summary="Classes of the ontology")
def types(served: ServedDep, lang: Lang = "vi") -> list[TypeModel]:
    labels: dict[str, dict[str, str]] = {}
    parents: dict[str, set[str]] = {}
    for row in _solutions(run_query(served.store, _TYPES)):
        iri = row["c"].value
        if not iri.startswith(SC):
            continue
        labels.setdefault(iri, {})
        parents.setdefault(iri, set())
        if row["label"] is not None:
            labels[iri].setdefault(row["lang"].value, row["label"].value)
        if row["parent"] is not None:
            parents[iri].add(row["parent"].value)
    counts = {
        row["c"].value: int(row["n"].value) for row in _solutions(run_query(served.store, _COUNTS))
    }
    return [
        TypeModel(
            iri=iri,
            name=iri[len(SC) :],
            label=found.get(lang) or found.get("vi") or found.get("en") or iri[len(SC) :],
            labels=found,
            parents=sorted(parents[iri]),
            count=counts.get(iri, 0),
        )
        for iri, found in sorted(labels.items())
    ]


def _solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    assert isinstance(result, ox.QuerySolutions)
    return result


class ExampleModel(BaseModel):
    name: str
    title: str
    title_vi: str
    description: str
    description_vi: str
    parameters: list[str] = Field(description="Variables that may be bound: ?name=value.")
    sparql: str
    url: str


_PROJECTION = re.compile(
    r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\b|\{)", re.I | re.S
)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


def parameters_of(text: str) -> list[str]:
    """The variables a query returns directly, which are the ones that may be bound.

    pyoxigraph binds only projected variables; expressions (`(COUNT(?x) AS ?n)`) are skipped.

    >>> parameters_of("SELECT ?a (COUNT(?x) AS ?n) ?b WHERE { ?a ?p ?b }")
    ['a', 'b']
    >>> parameters_of("SELECT * WHERE { ?s ?p ?o }")
    ['o', 'p', 's']
    """
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    match = _PROJECTION.search(body)
    if match is None:
        return []
    projection = match.group(1)
    if projection.strip() == "*":
        return sorted(set(_VARIABLE.findall(body)))
    depth, top = 0, []
    for ch in projection:
        depth += ch == "("
        depth -= ch == ")"
        top.append(ch if depth == 0 and ch != ")" else " ")
    return list(dict.fromkeys(_VARIABLE.findall("".join(top))))


def _examples(settings: SettingsDep) -> list[ExampleQuery]:
    directory = settings.queries_dir
    if not directory.is_dir():
        return []
    try:
        return load_examples(directory)
    except ExampleQueryError as error:
        raise HTTPException(500, f"example query {error.path.name} is malformed") from error


def _example_model(request: Request, example: ExampleQuery) -> ExampleModel:
    return ExampleModel(
        name=example.name,
        title=example.title,
        title_vi=example.title_vi,
        description=example.description,
        description_vi=example.description_vi,
        parameters=parameters_of(example.text),
        sparql=example.text,
        url=str(request.url_for("run_example", name=example.name)),
    )


@router.get("/queries", response_model=list[ExampleModel], summary="The example queries")
def queries(request: Request, settings: SettingsDep) -> list[ExampleModel]:
    return [_example_model(request, e) for e in _examples(settings)]


class TermModel(BaseModel):
    """An RDF term as in SPARQL 1.1 Query Results JSON."""

    type: Literal["uri", "literal", "bnode", "triple"]
    value: str
    datatype: str | None = None
    lang: str | None = Field(None, serialization_alias="xml:lang")


class QueryResultModel(BaseModel):
    name: str
    kind: Literal["select", "ask", "construct"]
    variables: list[str]
    rows: list[dict[str, TermModel]] = Field(description="SELECT rows; unbound variables absent.")
    boolean: bool | None = None
    offset: int
    limit: int


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> TermModel:
    if isinstance(term, ox.NamedNode):
        return TermModel(type="uri", value=term.value)
    if isinstance(term, ox.BlankNode):
        return TermModel(type="bnode", value=term.value)
    if isinstance(term, ox.Literal):
        return TermModel(
            type="literal",
            value=term.value,
            lang=term.language,
            datatype=None if term.language else term.datatype.value,
        )
    return TermModel(type="triple", value=str(term))


_TYPED = re.compile(r'^"(.*)"(?:@([A-Za-z0-9-]+)|\^\^<([^<>"\s]+)>)?$', re.S)


def binding_term(value: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as a term: `<iri>` or `http(s)://…` an IRI, `"text"@vi` or
    `"2020-07-17"^^<…#date>` a literal in N-Triples form, anything else a plain string.

    >>> binding_term("https://scgraph.org/id/city/da-nang")
    <NamedNode value=https://scgraph.org/id/city/da-nang>
    >>> binding_term('"Đà Nẵng"@vi')
    <Literal value=Đà Nẵng language=vi>
    """
    if value.startswith("<") and value.endswith(">"):
        return ox.NamedNode(value[1:-1])
    if value.startswith(("http://", "https://")) and not any(c in value for c in ' <>"{}'):
        return ox.NamedNode(value)
    match = _TYPED.match(value)
    if match:
        text, language, datatype = match.groups()
        if language:
            return ox.Literal(text, language=language)
        if datatype:
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        return ox.Literal(text)
    return ox.Literal(value)


@router.get(
    "/queries/{name}",
    response_model=QueryResultModel,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    summary="Run an example query",
)
def run_example(
    name: str,
    request: Request,
    response: Response,
    served: ServedDep,
    settings: SettingsDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> QueryResultModel:
    """Other query parameters bind the query's variables (`?event="…"@en`), as values, never
    as query text. Each value is an IRI (`<…>` or `http…`), an N-Triples literal or a string."""
    found = {e.name: e for e in _examples(settings)}
    example = found.get(name)
    if example is None:
        raise HTTPException(404, f"no example query named {name!r}")
    allowed = parameters_of(example.text)
    bindings: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {}
    for key, value in request.query_params.items():
        if key in ("limit", "offset"):
            continue
        if key not in allowed:
            raise HTTPException(400, f"{key!r} is not a parameter of {name}; use {allowed}")
        try:
            bindings[ox.Variable(key)] = binding_term(value)
        except ValueError as error:
            raise HTTPException(400, f"bad value for {key}: {error}") from error
    try:
        result = served.store.query(example.text, substitutions=bindings or None)
    except SyntaxError as error:
        raise HTTPException(500, f"example query {name} does not parse") from error
    except OSError as error:
        raise HTTPException(500, "the store failed while evaluating the query") from error
    if isinstance(result, ox.QueryBoolean):
        return QueryResultModel(
            name=name,
            kind="ask",
            variables=[],
            rows=[],
            boolean=bool(result),
            offset=0,
            limit=limit,
        )
    if isinstance(result, ox.QueryTriples):
        triples = [(t.subject, t.predicate, t.object) for t in result]
        rows = [
            {"subject": _term(s), "predicate": _term(p), "object": _term(o)} for s, p, o in triples
        ]
        variables = ["subject", "predicate", "object"]
        kind: Literal["select", "construct"] = "construct"
    else:
        variables = [v.value for v in result.variables]
        rows = [{n: _term(row[n]) for n in variables if row[n] is not None} for row in result]
        kind = "select"
    if len(rows) > offset + limit:
        _link_next(request, response, offset, limit)
    return QueryResultModel(
        name=name,
        kind=kind,
        variables=variables,
        rows=rows[offset : offset + limit],
        offset=offset,
        limit=limit,
    )
