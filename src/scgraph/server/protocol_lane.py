"""The SPARQL lane (sparql_lane.py), taken one step earlier: in the HTTP protocol itself.

Answered through ASGI, a lane's request still cost uvicorn an asyncio task, a request cycle with
its event, two `send` messages and a check of every header by regular expression: about as much
time as the lane's own Python (docs/sparql.md, "Eighth session"). Here the
request is offered to the lane as soon as its headers are parsed; an answer is written to the
connection at once, in the bytes uvicorn would write for it (its default headers first, then the
lane's), and the connection goes on as after any response: keep-alive timer, next request.

Offered only what uvicorn would hand the application unchanged: an HTTP/1.1 GET of `/sparql`
with keep-alive, no request in flight or queued on the connection, a send buffer below its high
mark (uvicorn's path waits for it to drain), no root path, no concurrency limit. The access log
gets the line uvicorn would write. Anything else, and anything the lane declines, goes on
through ASGI as before, marked so that the lane is not tried twice.
"""

from __future__ import annotations

from typing import Any, cast

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from scgraph.server.slow_clients import GuardedHttpToolsProtocol
from scgraph.server.sparql_lane import LANE_TRIED, PATH, LaneFirst, lane_answer

_PATH = PATH.encode("ascii")


class _NoWaiter:
    def set(self) -> None:
        """Nothing waits on a request answered in the protocol."""


class _Answered:
    """The request cycle of a request answered here, as uvicorn's protocol reads a finished
    one (on the request's end, the connection's loss, a shutdown or a read timeout)."""

    response_started = True
    response_complete = True
    disconnected = False
    keep_alive = True
    message_event = _NoWaiter()


_ANSWERED = _Answered()


class LaneHttpToolsProtocol(GuardedHttpToolsProtocol):
    """GuardedHttpToolsProtocol answering the SPARQL lane's requests itself."""

    def on_headers_complete(self) -> None:
        if self._answered_in_lane():
            self._head = None
            return
        super().on_headers_complete()

    def _answered_in_lane(self) -> bool:
        app, parser = self.app, self.parser
        if not isinstance(app, LaneFirst) or not app.lane_open:
            return False
        if parser.get_method() != b"GET" or parser.get_http_version() != "1.1":
            return False
        idle = self.cycle is None or self.cycle.response_complete
        if not idle or self.pipeline or not parser.should_keep_alive():
            return False
        # A client reading no answers: uvicorn's path waits for the buffer to drain.
        if self.flow.write_paused or self.transport.is_closing():
            return False
        if self.root_path or self.limit_concurrency is not None or self.expect_100_continue:
            return False
        url = httptools.parse_url(self.url)
        if url.path != _PATH:
            return False
        scope = cast(dict[str, Any], self.scope)  # the ASGI scope the application would get
        scope["method"], scope["path"], scope["raw_path"] = "GET", PATH, _PATH
        scope["query_string"] = url.query or b""
        scope[LANE_TRIED] = True  # whatever happens here, the application does not try again
        answer = lane_answer(app, scope)
        if answer is None:
            return False
        headers, body = answer
        if self.access_log:  # the line uvicorn's request cycle would write
            client, target = get_client_addr(self.scope), get_path_with_query_string(self.scope)
            self.access_logger.info('%s - "%s %s HTTP/%s" %d', client, "GET", target, "1.1", 200)
        response = [STATUS_LINE[200]]
        for name, value in (*self.server_state.default_headers, *headers):
            response += (name, b": ", value, b"\r\n")
        response += (b"\r\n", body)
        self.transport.write(b"".join(response))
        self.cycle = _ANSWERED
        self.on_response_complete()
        return True
