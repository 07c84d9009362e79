"""Give every answer an X-Request-ID header (ASGI middleware).

The id is the client's own if sane, else a fresh one (`errors.request_id`), kept on the request's
state so error logs and error bodies quote the same id. Pure ASGI: Starlette's BaseHTTPMiddleware
runs each request through a task group and a memory stream, which cost a third of a cheap answer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scgraph.server.errors import REQUEST_ID_HEADER, request_id_of

_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope).encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(k.lower() == _HEADER for k, _ in headers):
                    message["headers"] = [*headers, (_HEADER, rid)]
            await send(message)

        await self.app(scope, receive, send_with_id)
