"""One representation out: strong ETag tied to the build, 304 on If-None-Match, HEAD without body.

FastAPI answers HEAD only where a route says so; every page route lists GET and HEAD and returns
through `represent`, which drops the body of a HEAD answer but keeps its headers.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache

from fastapi import Request, Response

from scgraph.server.deps import ServedBuild
from scgraph.server.etags import identity_variant
from scgraph.server.response_cache import cacheable

CACHE_CONTROL = "public, max-age=3600"


def build_time(served: ServedBuild) -> datetime:
    """When the served build was made: its id starts with the UTC time (`20261122T021511Z-…`)."""
    return _time_of(served.build_id)


@lru_cache(maxsize=8)
def _time_of(build_id: str) -> datetime:
    stamp = build_id.split("-", 1)[0]
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def build_time_iso(served: ServedBuild) -> str:
    """The build time as an xsd:dateTime."""
    return build_time(served).strftime("%Y-%m-%dT%H:%M:%SZ")


def last_modified(served: ServedBuild) -> str:
    """The build time as an HTTP date, for Last-Modified (read on every answer: made once)."""
    return _http_date_of(served.build_id)


@lru_cache(maxsize=8)
def _http_date_of(build_id: str) -> str:
    return format_datetime(_time_of(build_id), usegmt=True)


def etag_for(served: ServedBuild, body: bytes, media_type: str) -> str:
    """A strong validator: same build, same type and same bytes give the same tag."""
    digest = hashlib.sha256(body).hexdigest()[:20]
    kind = hashlib.sha256(media_type.encode()).hexdigest()[:6]
    return f'"{served.build_id}-{kind}-{digest}"'


def variant_etag(served: ServedBuild, request: Request, content_type: str, lang: str = "") -> str:
    """A strong validator known before rendering: a build's store never changes, so the build,
    the URL (path and query) and the chosen type and language fix the bytes of the answer."""
    query = "&".join(sorted(request.url.query.split("&")))
    variant = f"{request.url.path}?{query}|{content_type}|{lang}"
    return f'"{served.build_id}-v{hashlib.sha256(variant.encode()).hexdigest()[:20]}"'


def not_modified(request: Request, served: ServedBuild, etag: str) -> Response | None:
    """304 when the client already holds `etag`; None when the answer has to be computed."""
    held = _matching_tag(request.headers.get("if-none-match"), etag)
    if held is None:
        return None
    cacheable(request)
    # Answer with the tag the client holds: its identity or its gzip variant (see etags.py).
    headers = {"ETag": held, "Last-Modified": last_modified(served), "Cache-Control": CACHE_CONTROL}
    return Response(status_code=304, headers=headers)


def _matching_tag(header: str | None, etag: str) -> str | None:
    if not header:
        return None
    if header.strip() == "*":
        return etag
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/")
        if identity_variant(tag) == etag:
            return tag
    return None


def represent(
    request: Request,
    served: ServedBuild,
    body: bytes,
    content_type: str,
    *,
    negotiated: bool = False,
    headers: dict[str, str] | None = None,
    status: int = 200,
    etag: str | None = None,
) -> Response:
    """The response for one representation, with validators and cache headers.

    `etag` is the variant's tag when the route computed one before rendering (`variant_etag`);
    otherwise the tag hashes the bytes.
    """
    etag = etag or etag_for(served, body, content_type)
    cacheable(request)
    all_headers = {
        "ETag": etag,
        "Last-Modified": last_modified(served),
        "Cache-Control": CACHE_CONTROL,
        **(headers or {}),
    }
    if negotiated:
        all_headers["Vary"] = "Accept"
    held = _matching_tag(request.headers.get("if-none-match"), etag) if status == 200 else None
    if held is not None:
        return Response(status_code=304, headers={**all_headers, "ETag": held})
    if request.method == "HEAD":
        all_headers["Content-Length"] = str(len(body))
        return Response(status_code=status, headers=all_headers, media_type=content_type)
    return Response(body, status_code=status, headers=all_headers, media_type=content_type)
