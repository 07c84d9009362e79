"""A bounded in-memory cache of whole answers of the build being served (ASGI middleware).

A served build never changes (a read-only snapshot), so what a marked route answers depends only
on the build and on the request: method, URL (scheme, host, path, query) and the headers the routes
and the middleware below read: Accept, Accept-Language, If-None-Match and whether gzip is accepted
(GZipMiddleware's own test). The key holds all of them and the build id, so negotiated variants,
languages, codings, HEAD and GET, and 304 and 200 never share an entry; and when another build is
served (a reload swaps `app.state.served`), the entries of the previous one are dropped.

Sitting outside GZip and the ETag middleware, an entry holds the encoded body and its final ETag.
Only answers of routes that called `cacheable(request)` are stored, and only with status 200, 303
or 304: an error page carries its request id, which is added outside this cache on every answer.
Entries count their bytes and the least recently used go first when the bound is reached.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scgraph.served_store import REMOTE_BUILD_ID

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
CACHED_STATUSES = frozenset({200, 303, 304})
_MARK = "scgraph_cacheable"
PINNED_BUILD = "scgraph_served"
"""Key in the request's state of the ServedBuild the request was admitted with."""
WARM_UP = "scgraph_warm_up"
"""Scope key of the background warm-up's own requests, passed through unrecorded."""
_KEYED_HEADERS = frozenset({b"host", b"accept", b"accept-language", b"if-none-match"})
_NOT_STORED_HEADERS = frozenset({b"x-request-id"})
_ENTRY_OVERHEAD = 200
"""Bytes counted for an entry beyond its body and headers (key, tuples, object headers)."""

Headers = list[tuple[bytes, bytes]]
Key = tuple[object, ...]


def cacheable(request: Request) -> None:
    """Mark this request's answer as a function of the build and the request alone."""
    request.state.scgraph_cacheable = True


@dataclass(frozen=True)
class Entry:
    status: int
    headers: Headers
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + _ENTRY_OVERHEAD


class ResponseCache:
    """Entries of one build at a time, least recently used first out, at most `max_bytes`."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.build_id: str | None = None
        self._entries: OrderedDict[Key, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def serve_build(self, build_id: str) -> None:
        """Keep only entries of `build_id` from now on."""
        if build_id != self.build_id:
            self._entries.clear()
            self.size = 0
            self.build_id = build_id

    def get(self, key: Key) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    @property
    def largest_entry(self) -> int:
        """Bytes of the largest answer kept: one huge answer must not flush everything else."""
        return self.max_bytes // 8

    def put(self, key: Key, entry: Entry) -> None:
        if entry.size > self.largest_entry or key[0] != self.build_id:
            return  # too big, or computed while another build came to be served
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old.size
        self._entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.size -= dropped.size


def request_key(scope: Scope, build_id: str) -> Key | None:
    """Everything an answer may depend on besides the build; None for a request never cached."""
    method = scope.get("method")
    if scope["type"] != "http" or method not in ("GET", "HEAD"):
        return None
    headers = scope.get("headers", ())
    keyed = tuple((bytes(k), bytes(v)) for k, v in headers if k in _KEYED_HEADERS)
    # GZipMiddleware reads the first Accept-Encoding only: so does the key.
    coding = next((v for k, v in headers if k == b"accept-encoding"), b"")
    return (
        build_id,
        method,
        scope.get("scheme"),
        tuple(scope.get("server") or ()),  # a list under some servers: not hashable
        scope.get("root_path", ""),
        scope["path"],
        scope.get("query_string", b""),
        keyed,
        b"gzip" in coding,
    )


class CachedResponses:
    """ASGI middleware answering repeated requests from a `ResponseCache` of the served build."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get(WARM_UP):  # the background warm-up (warm_up.py): not a client's request
            await self.app(scope, receive, send)
            return
        served = getattr(scope["app"].state, "served", None) if "app" in scope else None
        if served is not None and scope["type"] == "http":
            # The handler answers from this very build (deps.get_served), so the answer and its
            # key agree even if a newer build is switched to meanwhile.
            scope.setdefault("state", {})[PINNED_BUILD] = served
        # A remote store without a local build changes under the same id: nothing to key it by.
        build_id = None if served is None or served.build_id == REMOTE_BUILD_ID else served.build_id
        key = None if build_id is None else request_key(scope, build_id)
        if build_id is None or key is None:
            await self.app(scope, receive, send)
            return
        self.cache.serve_build(build_id)
        entry = self.cache.get(key)
        if entry is not None:
            start = {"type": "http.response.start", "status": entry.status}
            await send({**start, "headers": entry.headers})
            await send({"type": "http.response.body", "body": entry.body})
            return
        await self.app(scope, receive, _Recorder(scope, send, self.cache, key))


class _Recorder:
    """Passes an answer on while keeping a copy; stores it once complete, if it may be."""

    def __init__(self, scope: Scope, send: Send, cache: ResponseCache, key: Key) -> None:
        self.scope, self.send, self.cache, self.key = scope, send, cache, key
        self.status = 0
        self.headers: Headers = []
        self.chunks: list[bytes] = []
        self.length = 0
        self.recording = False

    async def __call__(self, message: Message) -> None:
        await self.send(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                (k, v) for k, v in message.get("headers", ()) if k not in _NOT_STORED_HEADERS
            ]
            # Decided here, before any body: answers that will not be kept are not copied.
            self.recording = self._storable()
        elif message["type"] == "http.response.body" and self.recording:
            body = message.get("body", b"")
            self.chunks.append(body)
            self.length += len(body)
            if self.length > self.cache.largest_entry:
                self.recording, self.chunks = False, []
            elif not message.get("more_body", False):
                entry = Entry(self.status, self.headers, b"".join(self.chunks))
                self.cache.put(self.key, entry)

    def _storable(self) -> bool:
        marked = bool(self.scope.get("state", {}).get(_MARK))
        return marked and self.status in CACHED_STATUSES
