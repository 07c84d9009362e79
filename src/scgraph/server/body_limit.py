"""Refuse a request body over `max_body_bytes` before it is read whole: one ASGI middleware.

The body is read by the endpoint, so the limit is enforced where the endpoint receives it: a
declared Content-Length over the limit fails at the first read, a chunked body as soon as its
running size passes the limit. The 413 is an HTTPException raised inside the endpoint, so the
error handlers give it the shape of the surface the request was made to.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Wrap `app` so that no endpoint reads more than `limit` bytes of request body."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        too_large = f"the request body is larger than the limit of {self.limit} bytes"
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > self.limit:
                raise HTTPException(413, too_large)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, limited_receive, send)
