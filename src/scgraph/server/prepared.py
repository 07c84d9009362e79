"""Bodies of the served build's representations, each made once (a bounded per-build store).

A build's store is a read-only snapshot, so the body of an entity page, an RDF document or a JSON
look-up is a function of the build and of its variant alone: the resource, the chosen format or
language and the page of incoming links. Routes keep what they made here, keyed by that variant,
and any later request for the same variant reuses it, whatever else its headers say (which the
answer cache in response_cache.py keys on). The background warm-up (warm_up.py) fills it after a
build is opened.

One `PreparedBodies` belongs to one ServedBuild (in its `memo`), so a build switch drops the
previous build's bodies with it. Entries count their bytes; past `max_bytes` the least recently
used go first, and the warm-up stops at the first body it makes that pushes another out.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

import pyoxigraph as ox
from fastapi import Request, Response

from scgraph.served_store import REMOTE_BUILD_ID
from scgraph.server.deps import ServedBuild

_MEMO_KEY = "prepared_bodies"
_ENTRY_OVERHEAD = 300
"""Bytes counted for an entry beyond its body (key, headers, object headers)."""
MIB = 1024 * 1024

Key = tuple[object, ...]


GZIP_MINIMUM = 1024
"""Bodies from this size on are compressed for clients taking gzip (GZipMiddleware in app.py)."""


@dataclass(frozen=True)
class Prepared:
    """A body and the variant-specific headers that go with it (a next-page Link, say)."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bytes | None = None
    """The body gzip-compressed as GZipMiddleware would, once for every request to come."""

    @property
    def size(self) -> int:
        size = len(self.body) + len(self.gzip or b"")
        return size + sum(len(k) + len(v) for k, v in self.headers.items())

    def compressed(self) -> Prepared:
        """This body with its gzip form (level 9, as GZipMiddleware writes it), if large enough."""
        if self.gzip is not None or len(self.body) < GZIP_MINIMUM:
            return self
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        gzip = compressor.compress(self.body) + compressor.flush()
        return Prepared(self.body, self.headers, gzip)


def encoded(request: Request, response: Response, prepared: Prepared) -> Response:
    """`response` (whose body is `prepared.body`) with the prepared gzip body when the client
    takes gzip, as GZipMiddleware would have compressed it (which then lets it pass)."""
    if (
        prepared.gzip is None
        or response.status_code != 200
        or request.method != "GET"
        or "gzip" not in request.headers.get("accept-encoding", "")
    ):
        return response
    response.body = prepared.gzip
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(prepared.gzip))
    response.headers.add_vary_header("Accept-Encoding")
    return response


class PreparedBodies:
    """Least recently used out first, at most `max_bytes`; safe to share between threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.size = 0
        self.dropped = 0
        """How many bodies were pushed out to keep within the bound."""
        self._entries: OrderedDict[Key, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Prepared | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def __contains__(self, key: Key) -> bool:
        return key in self._entries

    def put(self, key: Key, prepared: Prepared) -> bool:
        """Keep `prepared`, pushing out the least recently used past the bound; False when it
        was not kept (larger than an eighth of the bound)."""
        if len(prepared.body) + _ENTRY_OVERHEAD > self.max_bytes // 8:
            return False  # one huge body must not flush everything else
        prepared = prepared.compressed()
        size = prepared.size + _ENTRY_OVERHEAD
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old.size + _ENTRY_OVERHEAD
            self._entries[key] = prepared
            self.size += size
            while self.size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.size -= dropped.size + _ENTRY_OVERHEAD
                self.dropped += 1
            return True


_KNOWN = Prepared(b"")


def mark_known(bodies: PreparedBodies | None, iri: str) -> None:
    """Note that `iri` exists as `lookup.exists` says (the store has it as a subject or graph);
    a page alone proves less: a resource only linked to has one too."""
    if bodies is not None:
        bodies.put(("known", iri), _KNOWN)


def is_known(served: ServedBuild, iri: str) -> bool:
    """Whether `iri` was found to exist in this build (`mark_known`): no need to ask again."""
    bodies = prepared_bodies(served)
    return bodies is not None and ("known", iri) in bodies


def on_event_loop(served: ServedBuild) -> bool:
    """Whether a route may look for a prepared body on the event loop: with an embedded store,
    whose existence checks take a fraction of a millisecond, less than the hop to a worker thread
    that was most of such an answer's time; any other store may wait on the network."""
    return isinstance(served.store, ox.Store)


def prepared_bodies(served: ServedBuild) -> PreparedBodies | None:
    """The served build's store of bodies, made on first use; None when turned off, or for a
    remote store without a local build (its data may change under the same id)."""
    if served.build_id == REMOTE_BUILD_ID:
        return None
    found = served.memo.get(_MEMO_KEY)
    if found is None:
        budget = served.settings.prepared_cache_mb * MIB
        if budget <= 0:
            return None
        found = served.memo.setdefault(_MEMO_KEY, PreparedBodies(budget))
    assert isinstance(found, PreparedBodies)
    return found
