"""The dumps of the served build: each sent as the concatenation of its parts (dump_parts.py),
the parts themselves (content-addressed, so cached for good) and SHA256SUMS listing them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from scgraph.dump_parts import (
    DUMP_SUFFIXES,
    SUMS_FILE,
    PartFile,
    parts_folder,
    parts_of,
    read_manifest,
)
from scgraph.server.concatenated_files import ConcatenatedFilesResponse
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.errors import error_response
from scgraph.server.pages.rendering import GET_HEAD
from scgraph.server.representation import CACHE_CONTROL, last_modified, not_modified
from scgraph.store import DUMPS_DIR, resolve_build

router = APIRouter()
DUMP_TYPES = {
    "scgraph.nq.gz": "application/gzip",
    "scgraph.trig": "application/trig",
    "scgraph.ttl": "text/turtle",
}
"""The dumps and the media type each is served with."""
PART_TYPES = {suffix: DUMP_TYPES[dump] for dump, suffix in DUMP_SUFFIXES.items()}
_IMMUTABLE = "public, max-age=31536000, immutable"  # a part's name is its SHA-256
_MANIFEST = "dumps.manifest"


def _build(served: ServedBuild) -> Path:
    # The request's build, not `current`: the dump must match the ETag from the same summary.
    return served.directory or resolve_build(served.settings.current_build)


@dataclass(frozen=True)
class _Listing:
    """The served build's parts, by dump (in order) and by file name: read once, as the build
    never changes (10,000 articles list 30,000 files)."""

    dumps: dict[str, list[PartFile]]
    files: dict[str, PartFile]


def _listing(served: ServedBuild) -> _Listing | None:
    if _MANIFEST not in served.memo:
        manifest = read_manifest(_build(served) / DUMPS_DIR)
        served.memo[_MANIFEST] = None
        if manifest is not None:
            served.memo[_MANIFEST] = _Listing(
                {dump: parts_of(manifest, dump) for dump in DUMP_TYPES},
                {f.name: f for files in manifest.values() for f in files.values()},
            )
    listing: _Listing | None = served.memo[_MANIFEST]
    return listing


@router.api_route("/dumps/SHA256SUMS", methods=GET_HEAD, include_in_schema=False)
def checksums(request: Request, served: ServedDep) -> Response:
    """The SHA-256 of every part file, as `sha256sum -c` reads it beside a copy of /dumps/parts/."""
    path = _build(served) / DUMPS_DIR / SUMS_FILE
    if not path.is_file():
        return error_response(request, 404, f"the served build has no {SUMS_FILE}")
    # One per build: its dumps' digests name every part it lists.
    tag = hashlib.sha256(json.dumps(served.summary.get("dumps"), sort_keys=True).encode())
    etag = f'"{tag.hexdigest()}"'
    headers = {"ETag": etag, "Last-Modified": last_modified(served), "Cache-Control": CACHE_CONTROL}
    if (unchanged := not_modified(request, served, etag)) is not None:
        return unchanged
    return FileResponse(path, media_type="text/plain", headers=headers)


@router.api_route("/dumps/parts/{name}", methods=GET_HEAD, include_in_schema=False)
def part(name: str, request: Request, served: ServedDep) -> Response:
    """One part file of the served build's dumps."""
    listing = _listing(served)
    found = listing.files.get(name) if listing else None
    if found is None:
        return error_response(request, 404, f"the served build has no dump part {name!r}")
    etag = f'"{found.sha256}"'
    headers = {"ETag": etag, "Cache-Control": _IMMUTABLE}
    if (unchanged := not_modified(request, served, etag)) is not None:
        unchanged.headers["Cache-Control"] = _IMMUTABLE
        return unchanged
    path = parts_folder(_build(served)) / name
    media = next(t for suffix, t in PART_TYPES.items() if name.endswith(suffix))
    return FileResponse(path, media_type=media, headers=headers)


@router.api_route("/dumps/{name}", methods=GET_HEAD, include_in_schema=False)
def dump(name: str, request: Request, served: ServedDep) -> Response:
    """A whole dump: its parts in order, with the digest of their list as its ETag."""
    if name not in DUMP_TYPES:
        return error_response(request, 404, f"no dump named {name!r}; see /dumps/{SUMS_FILE}")
    digest = served.summary.get("dumps", {}).get(name)
    listing = _listing(served)
    whole = _build(served) / DUMPS_DIR / name  # a build made before dumps had parts
    if digest is None or (listing is None and not whole.is_file()):
        return error_response(request, 404, f"the served build has no {name}")
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Last-Modified": last_modified(served), "Cache-Control": CACHE_CONTROL}
    if (unchanged := not_modified(request, served, etag)) is not None:
        return unchanged
    if listing is None:
        return FileResponse(whole, media_type=DUMP_TYPES[name], headers=headers, filename=name)
    folder = parts_folder(_build(served))
    parts = [(folder / f.name, f.size) for f in listing.dumps[name]]
    return ConcatenatedFilesResponse(
        parts, media_type=DUMP_TYPES[name], headers=headers, filename=name
    )
