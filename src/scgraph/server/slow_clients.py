"""uvicorn's HTTP protocols with time limits on slow clients: one sending its request slowly, one
leaving its response unread.

uvicorn (0.54) limits only the idle time between two requests (`timeout_keep_alive`). A client
that opens a connection and sends nothing, or its headers a byte at a time, or its body slowly
(slowloris), holds the connection and, once its headers are in, an application task, for as long
as it likes; so does one that stops reading a large response, since the server then waits for
its send buffer to drain. `scgraph serve` runs uvicorn with one of these protocols instead:

- a request must arrive whole, headers and body, within `request_read_timeout_s` of the
  connection opening or of its first byte (on a kept-alive connection); otherwise the client gets
  408 (if no response has started) and the connection is closed;
- a response the client leaves unread for `response_write_timeout_s` (the send buffer stays full)
  is cut off by aborting the connection.

GuardedHttpToolsProtocol (the default) parses with httptools (llhttp, in C): about twice the
requests per second of h11, which is pure Python (bench/sparql.py). llhttp is stricter than h11,
though: it answers a bare 400, without a request id or the error shape of the surface, to a
control byte in a header value, which h11 passes on to the application (as the hostile-input
tests expect). A request llhttp refuses is therefore handed, with the whole connection, to
GuardedH11Protocol, which parses it again from its first byte and answers as before.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import h11
import httptools
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from scgraph.settings import get_settings

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


def _timeout_response(limit_s: float) -> bytes:
    message = f"408 Request Timeout: the request did not arrive within {limit_s:g} s\n".encode()
    return _REQUEST_TIMEOUT % (len(message), message)


if TYPE_CHECKING:

    class _Base:
        """What the limits below use of either uvicorn protocol."""

        loop: asyncio.AbstractEventLoop
        transport: asyncio.Transport
        cycle: Any

        def on_response_complete(self) -> None: ...
        def connection_lost(self, exc: Exception | None) -> None: ...
        def pause_writing(self) -> None: ...
        def resume_writing(self) -> None: ...

else:
    _Base = object


class _SlowClientLimits(_Base):
    """The two time limits, for either uvicorn protocol; each decides when a request is in."""

    _read_timer: asyncio.TimerHandle | None = None
    _write_timer: asyncio.TimerHandle | None = None

    def _read_limits(self) -> None:
        settings = get_settings()
        self.read_limit_s = settings.request_read_timeout_s
        self.write_limit_s = settings.response_write_timeout_s

    def on_response_complete(self) -> None:
        # Idle until the next request: uvicorn's keep-alive timeout takes over from here.
        self._cancel_read()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read()
        self._cancel_write()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.write_limit_s, self._write_timed_out)

    def resume_writing(self) -> None:
        self._cancel_write()
        super().resume_writing()

    def _arm_read(self) -> None:
        if self._read_timer is None:
            self._read_timer = self.loop.call_later(self.read_limit_s, self._read_timed_out)

    def _cancel_read(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _cancel_write(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_timeout_response(self.read_limit_s))
        # The application, if it was waiting for the body, receives http.disconnect.
        self.transport.close()

    def _write_timed_out(self) -> None:
        self._write_timer = None
        # close() would wait for the unread buffer to drain; abort() drops it.
        self.transport.abort()


class GuardedH11Protocol(_SlowClientLimits, H11Protocol):
    """H11Protocol that disconnects clients too slow to send a request or to read a response."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._read_limits()
        super().connection_made(transport)
        self._arm_read()  # a client that connects and sends nothing

    def data_received(self, data: bytes) -> None:
        self._arm_read()  # from the first byte of a request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._cancel_read()  # the request is in (or the connection is ending)


class GuardedHttpToolsProtocol(_SlowClientLimits, HttpToolsProtocol):
    """HttpToolsProtocol with the same limits, handing requests llhttp refuses over to h11."""

    _between_messages = True
    """No request is being received: the next byte starts a new one."""
    _head: bytearray | None = None
    """The bytes of the request being received, from its first up to the end of its headers;
    None once its headers are in, or when it began inside a chunk after another request (a
    pipelined one), whose start is not known."""
    _chunk: bytes = b""
    _chunk_starts_clean = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._read_limits()
        super().connection_made(transport)
        self._arm_read()

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        self._arm_read()
        if self._head is not None:
            self._head += data
        self._chunk, self._chunk_starts_clean = data, self._between_messages
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._can_hand_over():
                self._hand_over_to_h11(bytes(self._head or b""))
                return
            message = "Invalid HTTP request received."
            self.logger.warning(message)
            self.send_400_response(message)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        finally:
            self._chunk = b""
        if self._between_messages:
            self._cancel_read()  # the request is in

    def on_message_begin(self) -> None:
        # Known only for a request whose first byte began a chunk: the usual case, one request
        # per round trip.
        self._head = bytearray(self._chunk) if self._chunk_starts_clean else None
        self._between_messages = self._chunk_starts_clean = False
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._head = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._between_messages = True
        super().on_message_complete()

    def _can_hand_over(self) -> bool:
        idle = self.cycle is None or self.cycle.response_complete
        return self._head is not None and idle and not self.pipeline

    def _hand_over_to_h11(self, received: bytes) -> None:
        """Let h11 parse this connection from the first byte of the refused request on."""
        self._cancel_read()
        self._cancel_write()
        self._unset_keepalive_if_required()
        self.connections.discard(self)
        h11_protocol = GuardedH11Protocol(
            config=self.config, server_state=self.server_state, app_state=self.app_state
        )
        self.transport.set_protocol(h11_protocol)
        h11_protocol.connection_made(self.transport)
        h11_protocol.data_received(received)
