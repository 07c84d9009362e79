"""The app starts on the real build, in process and as a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient


def test_health_in_process(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_health_over_http(live_server: str) -> None:
    response = httpx.get(live_server + "/health")
    assert response.status_code == 200
    assert response.headers["x-request-id"]
