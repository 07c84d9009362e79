"""The ceiling of bench/sparql.py: the least an ASGI app on scgraph's own uvicorn set-up can do.

It answers every request with the same body, the size of an entity look-up's JSON result, without
reading the query, running it or leaving the process: run like `scgraph serve` (same protocol,
same number of workers, no access log), the rate it reaches in the same run is the most any
Python endpoint could answer on this machine, next to `oxigraph serve`'s rate.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

BODY = (
    b'{"head":{"vars":["p","o"]},"results":{"bindings":['
    + b",".join(
        b'{"p":{"type":"uri","value":"https://example.org/related"},'
        b'"o":{"type":"uri","value":"https://example.org/id/%d"}}' % i
        for i in range(5)
    )
    + b"]}}"
)
HEADERS = [
    (b"content-type", b"application/sparql-results+json"),
    (b"content-length", str(len(BODY)).encode()),
    (b"vary", b"Accept"),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
