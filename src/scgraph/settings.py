"""Runtime configuration: one pydantic-settings class read from SCGRAPH_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_IRI = "https://scgraph.org/"


class Settings(BaseSettings):
    """Where things are and how they are published. Every field is an `SCGRAPH_<NAME>` variable."""

    # Attribute docstrings become field descriptions: the README's settings table is made from them.
    model_config = SettingsConfigDict(
        env_prefix="SCGRAPH_", extra="forbid", use_attribute_docstrings=True
    )

    base_iri: str = DEFAULT_BASE_IRI
    """Dataset base: every minted IRI starts with it. Fixed at build time."""
    mappings_dir: Path = Path("mappings")
    """The registry and the article mappings."""
    ontology_dir: Path = Path("ontology")
    """scgraph.ttl (the ontology) and shapes.ttl (SHACL over the built data)."""
    queries_dir: Path = Path("queries")
    """The example SPARQL queries and their expected results."""
    data_dir: Path = Path("var")
    """Builds live in data_dir/builds/<id>; data_dir/current points at the one being served."""
    store: str | None = None
    """A built store to serve (a path; defaults to data_dir/current), or the URL of a SPARQL 1.1
    server holding the graph (see "Scaling out" in the README)."""
    store_graph_store: str | None = None
    """Graph Store Protocol endpoint of a URL store, used by `scgraph build --store URL`;
    derived when unset: .../query → .../store (Oxigraph), .../sparql → .../sparql-graph-crud
    (Virtuoso)."""
    reload_check_s: float = 1.0
    """How often each server process checks whether `current` points at a new build, in seconds;
    it then switches to it between requests. 0 turns the check off."""
    host: str = "127.0.0.1"
    """Address `scgraph serve` binds to."""
    port: int = 8000
    """Port `scgraph serve` listens on."""
    query_timeout_s: float = 10.0
    """Longest a SPARQL query may run (evaluation and serialization); its worker is then killed."""
    query_queue_wait_s: float = 30.0
    """Longest a SPARQL query may wait for a free worker before it gets 503; its own timeout
    starts when a worker takes it."""
    query_workers: int = 2
    """Worker processes evaluating SPARQL queries, per server process (queries beyond wait)."""
    inline_queries: bool = True
    """Whether SPARQL queries of a bounded shape (anchored at constant subjects, no operators;
    see docs/sparql.md) may run in the server process itself, within a 20 ms budget, instead of
    a query process: several times the requests per second for cheap queries."""
    request_read_timeout_s: float = 10.0
    """Longest a client may take to send a whole request (headers and body), counted from the
    connection opening or the request's first byte; slower clients get 408 and are disconnected."""
    response_write_timeout_s: float = 30.0
    """Longest a client may leave a response unread (the server's send buffer full) before it is
    disconnected."""
    http_parser: Literal["httptools", "h11"] = "httptools"
    """HTTP/1.1 parser of `scgraph serve`: httptools (C, about twice the requests per second) or
    h11 (pure Python). Requests httptools refuses are parsed again by h11 either way."""
    access_log: bool = True
    """Whether `scgraph serve` logs every request (uvicorn's access log, about a tenth of the
    time of a cheap SPARQL query)."""
    keep_alive_timeout_s: int = 75
    """How long an idle kept-alive connection stays open. Longer than the idle limit of common
    clients and load balancers (httpx 5 s, nginx and cloud balancers 60 s), so that they close
    first: a server closing just as a client reuses the connection loses that request."""
    max_query_bytes: int = 100_000
    """Largest SPARQL query text accepted, in UTF-8 bytes; larger ones get 413."""
    max_body_bytes: int = 1_000_000
    """Largest request body (POST /sparql, POST /reconcile) read, in bytes; larger ones get 413
    before the rest is read."""
    max_result_bytes: int = 200_000_000
    """Largest serialized SPARQL result; a query producing more is stopped with an error."""
    answer_cache_mb: int = 64
    """Memory for each server process's cache of whole answers (pages, RDF documents, JSON
    look-ups, redirects), replayed for the same request; 0 turns it off."""
    prepared_cache_mb: int = 192
    """Memory for each server process's bodies of pages, RDF documents and JSON look-ups of the
    served build, made once and reused by any request for the same variant; 0 turns it off."""
    warm_up_pages: bool = True
    """After a build is opened, make its entity pages, Turtle, JSON-LD and JSON look-ups in the
    background until prepared_cache_mb is full, so that first requests find them made."""
    service_allowlist: list[str] = []
    """Endpoint IRIs a query may call with SERVICE (a JSON list in the environment); others are
    refused, since pyoxigraph really sends the HTTP request."""

    @field_validator("base_iri")
    @classmethod
    def _base_iri_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("base_iri must be an http(s) IRI ending with '/'")
        return value

    @field_validator("store", mode="before")
    @classmethod
    def _store_path_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, Path) else value

    @property
    def store_url(self) -> str | None:
        """The SPARQL endpoint when the store is a remote server, else None."""
        return self.store if self.store and is_url(self.store) else None

    @property
    def current_build(self) -> Path:
        """The local build: the store path, else data_dir/current (also with a URL store, whose
        build directory keeps the summary, dumps and search index)."""
        if self.store is not None and self.store_url is None:
            return Path(self.store)
        return self.data_dir / "current"


def is_url(location: str) -> bool:
    """Whether a store location names a remote server rather than a directory.

    >>> is_url("http://127.0.0.1:7878/query"), is_url("var/current")
    (True, False)
    """
    return location.startswith(("http://", "https://"))


def settings_reference() -> str:
    """The settings as a Markdown table (cog writes it into the README).

    >>> "`SCGRAPH_BASE_IRI`" in settings_reference()
    True
    """
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default is not None else "(none)"
        meaning = " ".join((field.description or "").split())
        rows.append(f"| `SCGRAPH_{name.upper()}` | `{default}` | {meaning} |")
    return "\n".join(rows)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
