"""A query worker process: evaluate SPARQL queries on a read-only store, stream their results.

Run as `python -m scgraph.sparql_worker STORE`; the server starts a few (server/query_pool.py).
pyoxigraph cannot cancel a query and holds the GIL while evaluating one (PYOXIGRAPH.md), so the
only way to stop a runaway query is to kill the process running it. A job is one JSON line on
stdin; the answer is a sequence of frames on stdout, each a one-byte tag, a 4-byte big-endian
length and a payload:

    R            ready (store opened)
    H {json}     the result family ("solutions" or "graph") and the format chosen
    D bytes      a piece of the serialized result
    Z            the result is complete
    E {json}     an error: {"kind": "syntax" | "not_acceptable" | "too_large" | "store", "message"}

The query is evaluated and serialized in the same thread, as pyoxigraph requires.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import struct
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from scgraph.errors import ResultTooLarge, StoreError
from scgraph.sparql_formats import BY_NAME, Family
from scgraph.store import open_store

READY, HEADER, DATA, DONE, ERROR = b"R", b"H", b"D", b"Z", b"E"
FRAME_HEAD = struct.Struct(">cI")
# The first piece goes out small, so that the server can answer with its first byte early; the
# rest in large pieces, since every frame costs the server the same Python work whatever its size.
FIRST_CHUNK_BYTES = 32 * 1024
CHUNK_BYTES = 256 * 1024
PIPE_BYTES = 1024 * 1024


def write_frame(out: BinaryIO, tag: bytes, payload: bytes = b"") -> None:
    out.write(FRAME_HEAD.pack(tag, len(payload)) + payload)


class _FrameWriter:
    """A file-like sink for pyoxigraph's serializer: batches bytes into D frames, counts them."""

    def __init__(self, out: BinaryIO, limit: int) -> None:
        self.out, self.limit = out, limit
        self.buffer = bytearray()
        self.total = 0
        self.threshold = FIRST_CHUNK_BYTES

    def write(self, data: bytes) -> int:
        self.total += len(data)
        if self.total > self.limit:
            # Raised through pyoxigraph's serializer, which stops there.
            raise ResultTooLarge(
                f"the result is larger than the limit of {self.limit} bytes; "
                "add a LIMIT or narrow the query",
                self.limit,
            )
        self.buffer += data
        if len(self.buffer) >= self.threshold:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            write_frame(self.out, DATA, bytes(self.buffer))
            self.buffer.clear()
            self.out.flush()
            self.threshold = CHUNK_BYTES


def _default_graph(
    iris: list[str] | None,
) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None:
    return None if iris is None else [ox.NamedNode(iri) for iri in iris]


def _named_graphs(iris: list[str] | None) -> list[ox.NamedNode | ox.BlankNode] | None:
    return None if iris is None else [ox.NamedNode(iri) for iri in iris]


def _error(out: BinaryIO, kind: str, message: str) -> None:
    write_frame(out, ERROR, json.dumps({"kind": kind, "message": message}).encode())
    out.flush()


@lru_cache(maxsize=64)
def _header(family: Family, name: str) -> bytes:
    """The H frame's payload; a handful of distinct values, encoded once each."""
    return json.dumps({"family": family.value, "format": name}).encode()


def run_job(store: ox.Store, job: dict[str, Any], out: BinaryIO) -> None:
    """Evaluate one job and write its frames."""
    try:
        result = store.query(
            job["query"],
            default_graph=_default_graph(job.get("default_graph")),
            named_graphs=_named_graphs(job.get("named_graphs")),
        )
    except SyntaxError as error:
        _error(out, "syntax", str(error))
        return
    except OSError as error:
        _error(out, "store", str(error))
        return
    family = Family.GRAPH if isinstance(result, ox.QueryTriples) else Family.SOLUTIONS
    name = job.get(f"{family.value}_format")
    if name is None:
        _error(out, "not_acceptable", family.value)
        return
    chosen = BY_NAME[name]
    write_frame(out, HEADER, _header(family, name))
    writer = _FrameWriter(out, int(job["max_bytes"]))
    try:
        # mypy cannot tie the format's type to the result's; BY_NAME keeps them consistent.
        result.serialize(writer, format=chosen.oxigraph)  # type: ignore[arg-type]
    except ResultTooLarge as error:
        _error(out, "too_large", str(error))
        return
    except (OSError, ValueError) as error:
        _error(out, "store", str(error))
        return
    # The last piece and the end marker go out together: a small result is one pipe write.
    if writer.buffer:
        write_frame(out, DATA, bytes(writer.buffer))
    write_frame(out, DONE)
    out.flush()


def _widen_pipe(fd: int) -> None:
    # Linux pipes hold 64 KiB; a larger one lets a large result flow with fewer wake-ups of
    # both processes. Best effort: the size may be capped (fs.pipe-max-size) or not settable.
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, set_size, PIPE_BYTES)


def main(store_dir: str) -> None:
    """Open the store, announce readiness, then answer jobs until stdin closes."""
    _widen_pipe(sys.stdout.fileno())
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # Anything else printed by accident goes to stderr, never into the frame stream.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        store = open_store(Path(store_dir))
    except StoreError as error:
        _error(out, "store", str(error))
        return
    try:
        write_frame(out, READY)
        out.flush()
        for line in sys.stdin.buffer:
            run_job(store, json.loads(line), out)
    except BrokenPipeError:
        # The server is gone (its pipe closed): nothing to answer. Point the frame stream at
        # /dev/null so that the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())


if __name__ == "__main__":
    main(sys.argv[1])
