"""Several uvicorn worker processes serve one build: each opens the store read-only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_two_workers_serve_the_same_store(built: Settings, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SCGRAPH_DATA_DIR": str(built.data_dir)}
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scgraph.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://scgraph.org/ontology#City> }"

        def ask(_: int) -> tuple[int, str]:
            with httpx.Client(timeout=30) as client:
                response = client.get(
                    base + "/sparql",
                    params={"query": query},
                    headers={"accept": "text/csv"},
                )
                page = client.get(base + "/page/city/da-nang")
                assert page.status_code == 200
                return response.status_code, response.text

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(24)))
        assert {status for status, _ in answers} == {200}
        assert len({text for _, text in answers}) == 1
        # uvicorn logs each worker process it starts; both opened the store and served.
        log.flush()
        started = (tmp_path / "server.log").read_text().count("Started server process")
        assert started == 2
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
