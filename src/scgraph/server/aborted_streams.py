"""Cut the connection of a streamed answer that failed after its first bytes.

The status line and part of the body are already sent, so no error answer is possible, and ending
the body normally would hand the client a short result as if it were whole. Returning without the
final chunk makes uvicorn close the connection: every HTTP client reports an incomplete response.
The failure was logged where it happened; letting the exception through would add a traceback.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from scgraph.errors import StreamAborted


class AbortedStreams:
    """Outermost middleware: a `StreamAborted` ends the exchange without completing the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except StreamAborted:
            return
