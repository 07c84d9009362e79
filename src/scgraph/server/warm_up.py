"""Make the served build's most asked-for bodies in the background once the build is served.

A build never changes while served, so its entity pages, RDF documents and JSON look-ups can be
made before anyone asks (prepared.py keeps them). After start-up and after each switch to a newer
build, one background task asks the application itself, in-process and one request at a time,
for the default variants of every resource under `{base}id/`: the HTML page (Vietnamese, first
page of incoming links), Turtle, JSON-LD and the JSON look-up. Articles come first (their pages
cost the most), then the other resources in IRI order.

It never delays a switch (it starts after it), stops as soon as another build is served or the
prepared bodies' budget is full (`prepared_cache_mb`: what does not fit is made on first request,
as without warm-up), and is cancelled when the application stops. Its requests skip the answer
cache (they carry no real client's headers) and hold the same build as any request would. Only
builds served from the embedded store are warmed up: a remote store is not ours to load with
thousands of queries after each switch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI
from starlette.types import Message

from scgraph.iris import SC
from scgraph.ontology import RDF_TYPE
from scgraph.server.background import running_in_background
from scgraph.server.deps import ServedBuild
from scgraph.server.prepared import prepared_bodies
from scgraph.server.response_cache import PINNED_BUILD, WARM_UP

logger = logging.getLogger("scgraph.server")

_STATE = "warm_up"
"""Key in a ServedBuild's memo of its WarmUp."""
_VARIANTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("/page/", "", {"accept": "text/html"}),
    ("/data/", ".ttl", {}),
    ("/data/", ".jsonld", {}),
    ("/api/entities/", "", {"accept": "application/json"}),
)
_RESOURCES = f"SELECT DISTINCT ?s ?t WHERE {{ ?s <{RDF_TYPE}> ?t }}"


@dataclass
class WarmUp:
    """How the warm-up of one build went: `running`, `done` (all made), `full`, `stopped`
    (another build is served) or `off` (no prepared bodies, or a remote store)."""

    state: str = "running"
    resources: int = 0
    requests: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("state", "resources", "requests", "seconds")}


def warm_up_of(served: ServedBuild) -> WarmUp | None:
    """The warm-up of `served`, if one started."""
    found = served.memo.get(_STATE)
    return found if isinstance(found, WarmUp) else None


def warm_up_state(app: FastAPI) -> str:
    """`off`, `pending` (not started yet) or the state of the served build's warm-up."""
    settings = app.state.settings
    if not settings.warm_up_pages or settings.prepared_cache_mb <= 0:
        return "off"
    found = warm_up_of(app.state.served)
    return "pending" if found is None else found.state


def resource_paths(served: ServedBuild) -> list[str]:
    """Paths after /id/ of every typed resource of the build: articles first, then IRI order."""
    prefix = served.settings.base_iri + "id/"
    articles: dict[str, None] = {}
    others: dict[str, None] = {}
    result = served.store.query(_RESOURCES)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        subject, kind = row["s"], row["t"]
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(prefix):
            is_article = kind.value == SC + "Article"
            (articles if is_article else others)[subject.value[len(prefix) :]] = None
    return sorted(articles) + sorted(others.keys() - articles.keys())


async def warm_up(app: FastAPI, served: ServedBuild) -> WarmUp:
    """Ask `app` for the default variants of every resource of `served` (see the module)."""
    report = WarmUp()
    served.memo[_STATE] = report
    prepared = prepared_bodies(served)
    started = time.monotonic()
    if prepared is None or not isinstance(served.store, ox.Store):
        # A remote store is not ours to load with thousands of queries after every switch.
        report.state = "off"
        return report
    paths = await asyncio.to_thread(resource_paths, served)
    for path in paths:
        for prefix, suffix, headers in _VARIANTS:
            if app.state.served is not served:
                report.state = "stopped"
                break
            dropped = prepared.dropped
            try:
                await _get(app, served, prefix + path + suffix, headers)
            except Exception:
                # One resource that fails is made (and fails) again on request; go on.
                logger.exception("warm-up: GET %s failed", prefix + path + suffix)
            report.requests += 1
            if prepared.dropped > dropped:
                report.state = "full"
                break
        if report.state != "running":
            break
        report.resources += 1
    else:
        report.state = "done"
    report.seconds = round(time.monotonic() - started, 3)
    logger.info("warm-up of build %s: %s", served.build_id, report.as_dict())
    return report


async def _get(app: FastAPI, served: ServedBuild, path: str, headers: dict[str, str]) -> None:
    """One in-process GET of `path` (not percent-encoded) through the whole application; the
    answer itself is dropped."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": quote(path).encode("ascii"),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": None,
        "server": None,
        "state": {PINNED_BUILD: served},
        WARM_UP: True,
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    await app(scope, receive, send)


async def _follow(app: FastAPI, interval_s: float) -> None:
    """Warm up each build served, one after the other, until cancelled."""
    while True:
        served = getattr(app.state, "served", None)
        if served is not None and warm_up_of(served) is None:
            try:
                await warm_up(app, served)
            except Exception:
                # A failed warm-up only leaves first requests slower: keep serving and following.
                logger.exception("warm-up of build %s failed", served.build_id)
        await asyncio.sleep(interval_s)


@asynccontextmanager
async def _warming(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    following = None
    if settings.warm_up_pages and settings.prepared_cache_mb > 0:
        following = _follow(app, max(0.1, settings.reload_check_s))
    async with running_in_background(following):
        yield


# No routes: included after the pages, whose lifespan opens the build first.
router = APIRouter(lifespan=_warming)
