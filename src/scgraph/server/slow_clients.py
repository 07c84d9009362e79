"""uvicorn's h11 protocol with time limits on slow clients: one sending its request slowly, one
leaving its response unread.

uvicorn (0.54) limits only the idle time between two requests (`timeout_keep_alive`). A client
that opens a connection and sends nothing, or its headers a byte at a time, or its body slowly
(slowloris), holds the connection and, once its headers are in, an application task, for as long
as it likes; so does one that stops reading a large response, since the server then waits for
its send buffer to drain. `scgraph serve` runs uvicorn with this protocol instead:

- a request must arrive whole, headers and body, within `request_read_timeout_s` of the
  connection opening or of its first byte (on a kept-alive connection); otherwise the client gets
  408 (if no response has started) and the connection is closed;
- a response the client leaves unread for `response_write_timeout_s` (the send buffer stays full)
  is cut off by aborting the connection.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

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


class GuardedH11Protocol(H11Protocol):
    """H11Protocol that disconnects clients too slow to send a request or to read a response."""

    _read_timer: asyncio.TimerHandle | None = None
    _write_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        settings = get_settings()
        self.read_limit_s = settings.request_read_timeout_s
        self.write_limit_s = settings.response_write_timeout_s
        super().connection_made(transport)
        self._arm_read()  # a client that connects and sends nothing

    def data_received(self, data: bytes) -> None:
        self._arm_read()  # from the first byte of a request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._cancel_read()  # the request is in (or the connection is ending)

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
