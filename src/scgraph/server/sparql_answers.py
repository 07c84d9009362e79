"""Small SPARQL answers kept per store, for queries whose answer depends on the store alone.

A served store is a read-only snapshot, so the same query over the same dataset, asked for in the
same formats, has the same answer as long as the query calls nothing that varies from one
evaluation to the next (RAND, NOW, UUID, STRUUID, BNODE) and nothing outside the store (SERVICE).
Such answers are kept when they are small (answered with a Content-Length, not streamed), keyed
by the store directory of the query process that computed them; when new queries go to another
store (a new build), the entries of the previous one are dropped. A hit skips the query process:
no pipe round trip, no evaluation. Entries count their bytes; the least recently used go first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
ANSWER_CACHE_HEADER = "X-Answer-Cache"
"""Set to `hit` on an answer taken from the cache (bench/sparql.py counts them)."""
_VARYING = ("RAND", "NOW", "UUID", "BNODE", "SERVICE")
"""Words of a query that may make its answer vary (STRUUID contains UUID); a query whose upper-
cased text holds one is never kept, even where the word is only inside a string or an IRI."""
_ENTRY_OVERHEAD = 200

Key = tuple[Any, ...]


def is_deterministic(query: str) -> bool:
    """Whether the query's answer depends on the store alone (conservatively, from its text).

    `\\u` escapes could spell a function name, so a query holding one is not kept either.

    >>> is_deterministic("SELECT ?p ?o { <urn:x> ?p ?o }")
    True
    >>> is_deterministic("SELECT (now() AS ?t) {}")
    False
    """
    upper = query.upper()
    return "\\U" not in upper and not any(word in upper for word in _VARYING)


def job_key(job: dict[str, Any]) -> Key:
    """What an answer depends on besides the store: the query, the dataset, the formats."""
    return (
        job["query"],
        _frozen(job["default_graph"]),
        _frozen(job["named_graphs"]),
        job["solutions_format"],
        job["graph_format"],
    )


def _frozen(graphs: list[str] | None) -> tuple[str, ...] | None:
    return None if graphs is None else tuple(graphs)


@dataclass(frozen=True)
class Answer:
    media_type: str
    body: bytes


class AnswerCache:
    """Answers of one store at a time, at most `max_bytes`; counts hits and misses."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.store_dir: Path | None = None
        self._entries: OrderedDict[Key, Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, store_dir: Path, key: Key) -> Answer | None:
        self._serve(store_dir)
        answer = self._entries.get(key)
        if answer is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return answer

    def holds(self, store_dir: Path, key: Key) -> bool:
        """Whether `get` would return an answer; neither counted nor moved."""
        return store_dir == self.store_dir and key in self._entries

    def put(self, store_dir: Path, key: Key, answer: Answer) -> None:
        """Keep `answer`, computed on `store_dir`, unless queries have moved to another store."""
        if store_dir != self.store_dir:
            return
        size = _size(key, answer)
        if size > self.max_bytes // 8:
            return  # one large answer must not push out everything else
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= _size(key, old)
        self._entries[key] = answer
        self.size += size
        while self.size > self.max_bytes:
            dropped_key, dropped = self._entries.popitem(last=False)
            self.size -= _size(dropped_key, dropped)

    def _serve(self, store_dir: Path) -> None:
        if store_dir != self.store_dir:
            self._entries.clear()
            self.size = 0
            self.store_dir = store_dir


def _size(key: Key, answer: Answer) -> int:
    return len(answer.body) + len(key[0]) + _ENTRY_OVERHEAD
