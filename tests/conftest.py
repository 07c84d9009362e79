"""Costly fixtures, built once per run (per xdist worker): a real build, an app, a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from scgraph.pipeline import run_build
from scgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def project_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the real project (mappings, ontology, queries) with a fresh data directory."""
    data_dir = tmp_path_factory.mktemp("data")
    return Settings(
        mappings_dir=ROOT / "mappings",
        ontology_dir=ROOT / "ontology",
        queries_dir=ROOT / "queries",
        data_dir=data_dir,
    )


@pytest.fixture(scope="session")
def built(project_settings: Settings) -> Settings:
    """The real mappings built into the fresh data directory; returns the settings to serve it."""
    run_build(project_settings)
    return project_settings


@pytest.fixture(scope="session")
def client(built: Settings) -> Iterator[TestClient]:
    """An in-process client of the app serving the real build."""
    from scgraph.server.app import create_app

    with TestClient(create_app(built)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(built: Settings) -> Iterator[str]:
    """A real uvicorn process serving the real build on 127.0.0.1; yields its base URL."""
    port = free_port()
    env = {**os.environ, "SCGRAPH_DATA_DIR": str(built.data_dir)}
    env.update(
        {
            "SCGRAPH_MAPPINGS_DIR": str(built.mappings_dir),
            "SCGRAPH_ONTOLOGY_DIR": str(built.ontology_dir),
            "SCGRAPH_QUERIES_DIR": str(built.queries_dir),
        }
    )
    # The log goes to a file: an unread pipe would fill up and stall the server.
    log_path = built.data_dir / f"server-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scgraph.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = log_path.read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"server exited early: {output[-2000:]}")
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
