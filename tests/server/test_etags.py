"""The gzip representation has its own strong ETag, and either tag revalidates (RFC 9110)."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient


def test_gzip_body_has_its_own_strong_etag(live_server: str) -> None:
    url = live_server + "/page/province/binh-duong"
    with httpx.Client(timeout=30) as client:
        plain = client.get(url, headers={"accept-encoding": "identity"})
        zipped = client.get(url, headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert zipped.headers["content-encoding"] == "gzip"
        assert plain.text == zipped.text  # httpx decodes the body
        assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
        for held, coding in ((plain.headers["etag"], "identity"), (zipped.headers["etag"], "gzip")):
            again = client.get(url, headers={"if-none-match": held, "accept-encoding": coding})
            assert again.status_code == 304
            assert again.headers["etag"] == held


def test_an_unknown_etag_gets_the_full_answer(client: TestClient) -> None:
    response = client.get("/page/province/binh-duong", headers={"if-none-match": '"nope-gzip"'})
    assert response.status_code == 200
