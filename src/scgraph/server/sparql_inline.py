"""Bounded SPARQL queries answered in the server process, without the hop to a query process.

A cheap query (an entity's triples, a join to its neighbours' labels, a DESCRIBE) costs pyoxigraph
~50 µs; sending it to a query process and reading the answer back costs several times that. A
query that scgraph.sparql_bounded reads as anchored at constants, over the served embedded store
and its default dataset, is therefore evaluated here, in the request's own thread, as the query
process would (the same `Store.query`, the same serializer). It runs within a budget, checked each
time pyoxigraph hands over a piece of the serialized answer (every 8 KiB): INLINE_BUDGET_S of time
and INLINE_MAX_BYTES of answer, the most the endpoint answers with a Content-Length. Past either,
or on any error or unacceptable format, the query is given to a query process, which answers or
refuses it exactly as before; the work done here is lost. Work that writes nothing (rows a second
pattern rejects) escapes the budget: the shape rules keep it to one out-degree (docs/sparql.md).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import pyoxigraph as ox

from scgraph.server.deps import ServedBuild
from scgraph.sparql_bounded import is_bounded
from scgraph.sparql_formats import BY_NAME, Family, ResultFormat
from scgraph.sparql_worker import FIRST_CHUNK_BYTES

INLINE_BUDGET_S = 0.02
"""Longest a query may run in the server process before it is left to a query process; every
other request of this process waits meanwhile (the GIL is held while pyoxigraph evaluates)."""
INLINE_MAX_BYTES = FIRST_CHUNK_BYTES
LEFT_REMEMBERED = 4096
"""Jobs remembered per build as left to query processes (the oldest are forgotten first)."""
_LEFT = "sparql_inline.left"
"""Key in a ServedBuild's memo of those jobs: a new build starts with none."""
INLINE_TRIED = "scgraph.inline_tried"
"""Set in the ASGI scope when a query was tried here and left: the full path does not try again."""


class _OverBudget(Exception):
    """Raised through pyoxigraph's serializer, which stops there."""


class _BoundedSink:
    """A file-like sink for pyoxigraph's serializer that stops it past the time or byte budget."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > INLINE_MAX_BYTES or time.perf_counter() > self.deadline:
            raise _OverBudget
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def inline_job(job: dict[str, Any]) -> bool:
    """Whether a query job may be tried here: the default dataset and a bounded query."""
    return job["default_graph"] is None and job["named_graphs"] is None and is_bounded(job["query"])


def try_inline(served: ServedBuild, job: dict[str, Any]) -> tuple[ResultFormat, bytes] | None:
    """`answer_inline` on the served build's embedded store, unless the same job was already left
    to a query process on this build: it would cost its budget, with the event loop held, on
    every repeat (an answer over 32 KB is streamed, and never kept by the answer cache)."""
    assert isinstance(served.store, ox.Store)
    left: OrderedDict[tuple[Any, ...], None] = served.memo.setdefault(_LEFT, OrderedDict())
    key = (job["query"], job["solutions_format"], job["graph_format"])
    if key in left:
        return None
    answer = answer_inline(served.store, job)
    if answer is None:
        left[key] = None
        if len(left) > LEFT_REMEMBERED:
            left.popitem(last=False)
    return answer


def answer_inline(store: ox.Store, job: dict[str, Any]) -> tuple[ResultFormat, bytes] | None:
    """The job's format and whole answer, or None to leave it to a query process."""
    deadline = time.perf_counter() + INLINE_BUDGET_S
    try:
        result = store.query(job["query"])
    except (SyntaxError, OSError):
        return None  # the query process reports it, in the endpoint's words
    family = Family.GRAPH if isinstance(result, ox.QueryTriples) else Family.SOLUTIONS
    name = job[f"{family.value}_format"]
    if name is None:
        return None
    chosen = BY_NAME[name]
    sink = _BoundedSink(deadline)
    try:
        # mypy cannot tie the format's type to the result's; BY_NAME keeps them consistent.
        result.serialize(sink, format=chosen.oxigraph)  # type: ignore[arg-type]
    except (_OverBudget, OSError, ValueError):
        return None
    return chosen, b"".join(sink.parts)
