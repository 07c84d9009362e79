"""sparql_worker.py: a job's answer as frames, the first piece small and the rest large."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox

from scgraph.sparql_worker import (
    CHUNK_BYTES,
    DATA,
    DONE,
    ERROR,
    FIRST_CHUNK_BYTES,
    FRAME_HEAD,
    HEADER,
    run_job,
)

ROWS = 20_000


def _store() -> ox.Store:
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.extend(
        ox.Quad(ox.NamedNode(f"https://example.org/{i}"), label, ox.Literal(f"row {i}"))
        for i in range(ROWS)
    )
    return store


def _frames(raw: bytes) -> list[tuple[bytes, bytes]]:
    frames, at = [], 0
    while at < len(raw):
        tag, length = FRAME_HEAD.unpack_from(raw, at)
        at += FRAME_HEAD.size
        frames.append((tag, raw[at : at + length]))
        at += length
    return frames


def _job(query: str, max_bytes: int = 10**9) -> dict[str, object]:
    return {
        "query": query,
        "solutions_format": "tsv",
        "graph_format": "ntriples",
        "max_bytes": max_bytes,
    }


def test_a_large_result_comes_as_a_small_first_frame_then_large_ones() -> None:
    out = io.BytesIO()
    run_job(_store(), _job("SELECT ?s ?l WHERE { ?s ?p ?l }"), out)
    frames = _frames(out.getvalue())
    tags = [tag for tag, _ in frames]
    assert tags[0] == HEADER and json.loads(frames[0][1]) == {
        "family": "solutions",
        "format": "tsv",
    }
    assert tags[-1] == DONE and set(tags[1:-1]) == {DATA}
    sizes = [len(payload) for tag, payload in frames if tag == DATA]
    assert FIRST_CHUNK_BYTES <= sizes[0] < CHUNK_BYTES
    assert all(size >= CHUNK_BYTES for size in sizes[1:-1])
    body = b"".join(payload for tag, payload in frames if tag == DATA)
    assert len(body.decode().splitlines()) == ROWS + 1


def test_a_result_over_the_limit_ends_with_an_error_frame() -> None:
    out = io.BytesIO()
    run_job(_store(), _job("SELECT ?s ?l WHERE { ?s ?p ?l }", max_bytes=100_000), out)
    frames = _frames(out.getvalue())
    assert frames[-1][0] == ERROR
    assert json.loads(frames[-1][1])["kind"] == "too_large"
    sent = sum(len(payload) for tag, payload in frames if tag == DATA)
    assert sent <= 100_000
