"""Costly fixtures, built once per run (per xdist worker): a real build, an app, a live server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from scgraph.pipeline import run_build
from scgraph.settings import Settings
from server_processes import free_port, stop_server

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
        # The warm-up of the whole seed build would take every server's CPU for a minute; its
        # own tests turn it on (tests/server/test_prepared.py).
        warm_up_pages=False,
    )


def mini_settings(root: Path) -> Settings:
    """Settings of a copy of the miniature project (tests/data/mini) under `root`."""
    return Settings(
        mappings_dir=root / "mappings", ontology_dir=ROOT / "ontology", data_dir=root / "var"
    )


@pytest.fixture(scope="session")
def mini_pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The miniature project built once per run; tests work on copies (`mini_project`)."""
    root = tmp_path_factory.mktemp("mini")
    shutil.copytree(ROOT / "tests" / "data" / "mini", root / "mappings")
    run_build(mini_settings(root))
    return root


@pytest.fixture
def mini_project(mini_pristine: Path, tmp_path: Path) -> Settings:
    """A private copy of the built miniature project, free to break."""
    # `current` is a relative link, so the copy is a complete, independent build.
    shutil.copytree(mini_pristine, tmp_path / "p", symlinks=True)
    return mini_settings(tmp_path / "p")


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


_SERVE = [sys.executable, "-m", "scgraph.cli", "serve", "--host", "127.0.0.1"]


def start_server(
    args: list[str], env: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """`scgraph serve ARGS` in its own process on a free loopback port, once /health answers.

    The log goes to a file: an unread pipe would fill up and stall the server.
    """
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_SERVE, "--port", str(port), *args],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            output = log_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"server exited early: {output[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError("server did not start within 60 s")
        time.sleep(0.1)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a server process exactly `settings`."""
    env = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[f"SCGRAPH_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


@pytest.fixture(scope="session")
def live_server(built: Settings) -> Iterator[str]:
    """A real uvicorn process serving the real build on 127.0.0.1; yields its base URL."""
    process, base = start_server([], settings_env(built), built.data_dir / "server.log")
    try:
        yield base
    finally:
        stop_server(process)


@pytest.fixture
def start_scgraph(tmp_path: Path) -> Iterator[Callable[[list[str], Settings], tuple[str, Path]]]:
    """Start extra servers (`scgraph serve ARGS` for a build); all are stopped after the test.

    The starter returns the server's base URL and the path of its log.
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], settings: Settings) -> tuple[str, Path]:
        log_path = tmp_path / f"server-{len(started)}.log"
        process, base = start_server(args, settings_env(settings), log_path)
        started.append(process)
        return base, log_path

    yield start
    for process in started:
        stop_server(process)


@pytest.fixture(scope="module", params=["in-process", "uvicorn"])
def http(request: pytest.FixtureRequest) -> Iterator[httpx.Client | TestClient]:
    """The same requests, sent to the app in process and to the real uvicorn."""
    if request.param == "in-process":
        yield request.getfixturevalue("client")
    else:
        with httpx.Client(base_url=request.getfixturevalue("live_server"), timeout=30) as c:
            yield c


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1400",
)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Chromium under selenium (Debian chromium, chromium-driver: `make browser-deps`).

    Skipped, with the reason printed, only when they are not installed.
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        reason = "chromium and chromedriver are not installed (make browser-deps installs them)"
        print(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
