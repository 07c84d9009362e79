"""Every exception scgraph raises, under one base class.

ScgraphError
├── MappingError                 one problem at a known place in one mapping file
│   ├── YamlSyntaxError          the file is not valid YAML
│   ├── SchemaViolation          unknown field, missing field, wrong type (the file format)
│   ├── DuplicateId              an id declared twice (in one file or across files)
│   ├── UnknownEntity            a reference to an id declared nowhere
│   ├── ForeignEntity            a reference to an entity local to another article
│   ├── UnknownTerm              a class, property or individual not in the ontology
│   ├── TermMisuse               a term used against its domain, range or kind
│   ├── InvalidValue             a literal that does not fit the property's datatype
│   │   └── MalformedDate        a date or year that does not parse
│   ├── QuoteNotFound            a quote that is not in the article text
│   ├── MissingArticleText       a mapping without its article text beside it
│   ├── ChangedDuringBuild       a mapping edited while a full build was reading it
│   └── ShaclViolation           a SHACL shape the built graph violates, traced to its mapping
├── BuildFailed                  a build or validation stopped by one or more MappingErrors
├── OntologyError                the ontology files themselves are unusable
├── StoreError                   the Oxigraph store cannot be used
│   ├── StoreNotFound            no built store where one was expected
│   └── RemoteStoreError         a remote SPARQL server (SCGRAPH_STORE=URL) failed us
│       ├── RemoteStoreUnavailable   …cannot be reached (HTTP 503 to our client)
│       ├── RemoteStoreTimeout       …did not answer in time (HTTP 504)
│       └── RemoteStoreFailed        …answered with an error or garbage (HTTP 502)
├── QuerySyntaxError             a SPARQL query that does not parse
├── QueryRefused                 a SPARQL request the public endpoint will not run (update, SERVICE)
├── QueryLimitExceeded           a SPARQL query that ran past a configured limit
│   ├── QueryTimeout             …its time limit
│   └── ResultTooLarge           …the size limit of its serialized result
├── StreamAborted                a streamed answer that failed after its first bytes (cut off)
└── ExampleQueryError            an example query file in queries/ is malformed
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ScgraphError(Exception):
    """Base class of every error raised by scgraph."""


class MappingError(ScgraphError):
    """Something in one mapping file is wrong at a known place."""

    kind = "mapping error"

    def __init__(self, path: Path, line: int, column: int, reason: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {reason}")
        self.path, self.line, self.column, self.reason = path, line, column, reason

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.path), self.line, self.column, self.reason)

    def __reduce__(self) -> tuple[Any, ...]:
        # Checked in worker processes and sent back: pickle the attributes, not __init__'s
        # arguments (subclasses take others).
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(kind: type[MappingError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class YamlSyntaxError(MappingError):
    """The mapping file is not valid YAML."""


class SchemaViolation(MappingError):
    """The file does not follow the mapping format (unknown, missing or mistyped field)."""


class DuplicateId(MappingError):
    """An entity id is declared more than once."""


class UnknownEntity(MappingError):
    """A reference names an id that no mapping declares."""


class ForeignEntity(MappingError):
    """A reference names an entity local to another article; shared entities go in the registry."""


class UnknownTerm(MappingError):
    """A class, property or individual that the ontology does not declare."""


class TermMisuse(MappingError):
    """A term used against its domain, range or kind (object versus literal)."""


class InvalidValue(MappingError):
    """A literal value that does not fit the property's datatype."""


class MalformedDate(InvalidValue):
    """A date or year that does not parse."""


class QuoteNotFound(MappingError):
    """A quote that does not occur in the article text."""


class MissingArticleText(MappingError):
    """A mapping file whose article text file is missing."""


class ChangedDuringBuild(MappingError):
    """A mapping file that changed between the two readings of a full build (stream_check.py)."""


class ShaclViolation(MappingError):
    """A SHACL shape violated by the built graph, reported at the mapping that produced the node."""

    def __init__(self, path: Path, line: int, column: int, reason: str, focus_node: str) -> None:
        super().__init__(path, line, column, reason)
        self.focus_node = focus_node


class BuildFailed(ScgraphError):
    """A build or validation found problems; nothing was written."""

    def __init__(self, problems: list[MappingError]) -> None:
        self.problems = sorted(problems, key=MappingError.sort_key)
        super().__init__(f"{len(self.problems)} problem(s) in the mappings")


class OntologyError(ScgraphError):
    """The ontology files cannot be read or are inconsistent."""


class StoreError(ScgraphError):
    """The Oxigraph store cannot be opened or written."""


class StoreNotFound(StoreError):
    """No built store exists at the expected place."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no built store at {path}; run `scgraph build` first")
        self.path = path


class RemoteStoreError(StoreError):
    """A remote SPARQL 1.1 server holding the graph failed; `http_status` is what we answer."""

    http_status = 502

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"the SPARQL store at {url} {reason}")
        self.url, self.reason = url, reason


class RemoteStoreUnavailable(RemoteStoreError):
    """The remote store cannot be reached (connection refused, DNS, reset)."""

    http_status = 503


class RemoteStoreTimeout(RemoteStoreError):
    """The remote store did not answer within the time allowed."""

    http_status = 504


class RemoteStoreFailed(RemoteStoreError):
    """The remote store answered with an error status or a body that does not parse."""

    http_status = 502


class QuerySyntaxError(ScgraphError):
    """A SPARQL query that the parser rejects; the message is the parser's."""


class QueryRefused(ScgraphError):
    """A request the read-only public endpoint refuses to run: an update, or a SERVICE call."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QueryLimitExceeded(ScgraphError):
    """A query stopped because it exceeded a configured limit."""

    def __init__(self, reason: str, limit: float) -> None:
        super().__init__(reason)
        self.reason, self.limit = reason, limit


class QueryTimeout(QueryLimitExceeded):
    """A query ran longer than the query timeout; its worker process was killed."""


class ResultTooLarge(QueryLimitExceeded):
    """A query's serialized result grew past the result size limit."""


class StreamAborted(ScgraphError):
    """A streamed answer failed after its first bytes were sent; the connection is cut instead."""


class ExampleQueryError(ScgraphError):
    """An example query file is malformed (missing header field or expected results)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason
