"""Linked-data pages: requests per second, in process, against /health measured in the same run.

Uses the build at var/current (run `make build` first). One client, sequential requests, a fixed
number of each, so the run is bounded; the ratio to /health is what carries across machines.
"""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from scgraph.errors import StoreNotFound
from scgraph.server.app import create_app
from scgraph.settings import Settings

REQUESTS = 200
PATHS = [
    ("health (reference)", "/health", "application/json"),
    ("entity IRI → 303", "/id/city/da-nang", "text/html"),
    ("entity page HTML", "/page/city/da-nang", "text/html"),
    ("entity Turtle", "/data/city/da-nang.ttl", "text/turtle"),
    ("entity N-Quads", "/data/city/da-nang.nq", "application/n-quads"),
    ("article page HTML", "/page/article/001_7f5c50e2d1e12d3d", "text/html"),
]


def main() -> None:
    try:
        app = create_app(Settings())
        client = TestClient(app)
        client.__enter__()
    except StoreNotFound as error:
        print(f"skipped: {error}")
        return
    try:
        reference = 0.0
        for name, path, accept in PATHS:
            headers = {"accept": accept}
            assert client.get(path, headers=headers, follow_redirects=False).status_code < 400
            start = time.perf_counter()
            for _ in range(REQUESTS):
                client.get(path, headers=headers, follow_redirects=False)
            rate = REQUESTS / (time.perf_counter() - start)
            reference = reference or rate
            print(f"{name:22s} {rate:8.1f} req/s   {rate / reference:5.2f} × /health")
    finally:
        client.__exit__(None, None, None)
