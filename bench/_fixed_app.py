"""The reference server of bench/pages.py: the least an ASGI app on uvicorn can do per request.

It answers every request with the same HTML body, about the size of an entity page, so the rate it
reaches on this machine, in the same run, is the ceiling the scgraph pages are compared with.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

BODY = b"<!doctype html><title>reference</title>" + b"<p>" + b"x" * 16_000 + b"</p>\n"
HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
