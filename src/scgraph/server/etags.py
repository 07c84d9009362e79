"""Distinct strong ETags for compressed bodies (RFC 9110 §8.8.3: one validator per coding).

GZipMiddleware compresses a body without touching its ETag, so the identity and the gzip
representation would share one strong validator. Wrapped around it, this middleware appends
`-gzip` to the strong ETag of every gzip-encoded response; `representation.not_modified` accepts
either form in If-None-Match.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_SUFFIX = "-gzip"


def gzip_variant(etag: str) -> str:
    """`"abc"` → `"abc-gzip"`; weak tags are left alone (they may be shared across codings).

    >>> gzip_variant('"abc"')
    '"abc-gzip"'
    """
    if etag.startswith('"') and etag.endswith('"') and not etag.endswith(GZIP_SUFFIX + '"'):
        return etag[:-1] + GZIP_SUFFIX + '"'
    return etag


def identity_variant(etag: str) -> str:
    """`"abc-gzip"` → `"abc"`: the tag of the same content without the coding."""
    suffix = GZIP_SUFFIX + '"'
    return etag[: -len(suffix)] + '"' if etag.endswith(suffix) else etag


class CodingAwareETags:
    """ASGI middleware: give gzip-encoded responses their own strong ETag."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                encoded = any(k == b"content-encoding" and v == b"gzip" for k, v in headers)
                if encoded:
                    message["headers"] = [
                        (k, gzip_variant(v.decode("latin-1")).encode("latin-1"))
                        if k == b"etag"
                        else (k, v)
                        for k, v in headers
                    ]
            await send(message)

        await self.app(scope, receive, send_with_etag)
