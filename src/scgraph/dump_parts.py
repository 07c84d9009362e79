"""The dataset's dumps, written as parts: one per article, plus the registry, the ontology and
the build's provenance, so that a rebuild writes only the parts that changed.

Each dump is the concatenation of its parts in the manifest's order: N-Quads lines, TriG blocks
(a graph may be named in several blocks) and Turtle documents concatenate, and so do gzip
members (RFC 1952, 2.2). The server sends the concatenation under the dump's name. Part files are
content-addressed (named by their SHA-256) in one folder of the data directory shared by the
builds; a build's `dumps/parts.json` lists its parts and `dumps/SHA256SUMS` their checksums. A
whole dump has no SHA-256 of its own: it would cost a pass over the whole dump on every rebuild.
Its digest (the ETag, and `dumps` in build.json) is the SHA-256 of its list of parts.

A triple stated in two parts appears in both: the same set of triples when parsed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from scgraph.build import ONTOLOGY_PART, PROVENANCE_PART, REGISTRY_PART, Part
from scgraph.errors import StoreError

PARTS_DIR = "dump-parts"
"""Under the data directory: every build's part files, by content."""
MANIFEST_FILE = "parts.json"
SUMS_FILE = "SHA256SUMS"
PARTS_URL_DIR = "parts"
"""Where SHA256SUMS and the server place the part files: `/dumps/parts/<file>`."""

NQUADS_GZ, TRIG, TURTLE = "scgraph.nq.gz", "scgraph.trig", "scgraph.ttl"
DUMP_SUFFIXES = {NQUADS_GZ: ".nq.gz", TRIG: ".trig", TURTLE: ".ttl"}
_GZIP_LEVEL = 6  # 1.7x faster than 9 on the seed dump, for a file 1.6% larger


_T = TypeVar("_T")


@dataclass(frozen=True)
class PartFile:
    """One file of a dump: its name in the parts folder (`<sha256><suffix>`) and size."""

    name: str
    size: int

    @property
    def sha256(self) -> str:
        return self.name.split(".", 1)[0]


Manifest = dict[str, dict[str, PartFile]]
"""Part key (`Part.key`) → dump name → the part's file."""


def render(part: Part) -> dict[str, bytes]:
    """A part's bytes in each dump: N-Quads (gzip), TriG (named and default graph), Turtle (the
    default graph, which is the merge). Written from an in-memory store holding the part, so
    that each literal is in the form the store serves it in (Oxigraph keeps numbers by value:
    an `xsd:nonNegativeInteger` comes back as `xsd:integer`, `"3.50"` as `"3.5"`), and in the
    store's order, which depends on the quads only."""
    store = ox.Store()
    store.bulk_load(part.named + part.merged, ox.RdfFormat.N_QUADS)
    nquads = store.dump(format=ox.RdfFormat.N_QUADS, from_graph=None) or b""
    return {
        NQUADS_GZ: gzip.compress(nquads, compresslevel=_GZIP_LEVEL, mtime=0),
        TRIG: store.dump(format=ox.RdfFormat.TRIG, from_graph=None) or b"",
        TURTLE: store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph()) or b"",
    }


class DumpParts:
    """The parts of one build's dumps: rendered and stored as they come, or kept from the
    build before; `write` lists them in the build's dumps folder."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / PARTS_DIR
        self.manifest: Manifest = {}

    def add(self, part: Part) -> None:
        files = {}
        for dump, data in (part.rendered or render(part)).items():
            files[dump] = self._stored(data, DUMP_SUFFIXES[dump])
        self.manifest[part.key] = files

    def keep(self, old: Manifest, keys: Iterable[str]) -> None:
        """Take these parts of an earlier build's manifest as they are."""
        for key in keys:
            self.manifest[key] = old[key]

    def write(self, dumps_dir: Path) -> dict[str, str]:
        """Write parts.json and SHA256SUMS into `dumps_dir`; return dump name → digest."""
        dumps_dir.mkdir(parents=True, exist_ok=True)
        ordered = {key: self.manifest[key] for key in ordered_keys(self.manifest)}
        listing = {k: {d: [f.name, f.size] for d, f in fs.items()} for k, fs in ordered.items()}
        (dumps_dir / MANIFEST_FILE).write_text(
            json.dumps({"parts": listing}, separators=(",", ":")) + "\n", encoding="utf-8"
        )
        sums = sorted({f.name for files in ordered.values() for f in files.values()})
        (dumps_dir / SUMS_FILE).write_text(
            "".join(f"{name.split('.', 1)[0]}  {PARTS_URL_DIR}/{name}\n" for name in sums),
            encoding="utf-8",
        )
        return {dump: dump_digest(parts_of(ordered, dump)) for dump in DUMP_SUFFIXES}

    def _stored(self, data: bytes, suffix: str) -> PartFile:
        digest = hashlib.sha256(data).hexdigest()
        stored = PartFile(digest + suffix, len(data))
        path = self.folder / stored.name
        try:
            if path.is_file() and path.stat().st_size == len(data):
                return stored  # the same bytes, from an earlier build or another part
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_part(path, data)
        except OSError as error:
            raise StoreError(f"cannot write the dump part {path}: {error}") from error
        return stored


def _write_part(path: Path, data: bytes) -> None:
    """Write under a temporary name first: a part file is complete or absent."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def ordered_keys(manifest: Iterable[str]) -> list[str]:
    """The registry, the ontology, the articles by id, then the provenance: the same order
    whichever build made the parts."""
    keys = set(manifest)
    shared = [k for k in (REGISTRY_PART, ONTOLOGY_PART) if k in keys]
    last = [PROVENANCE_PART] if PROVENANCE_PART in keys else []
    return shared + sorted(keys - {REGISTRY_PART, ONTOLOGY_PART, PROVENANCE_PART}) + last


def parts_of(manifest: Manifest, dump: str) -> list[PartFile]:
    """The files whose concatenation is `dump`, in order."""
    return [manifest[key][dump] for key in ordered_keys(manifest) if dump in manifest[key]]


def dump_digest(parts: list[PartFile]) -> str:
    """A dump's digest: the SHA-256 of its list of parts (each part's SHA-256 and size)."""
    listing = "".join(f"{part.sha256} {part.size}\n" for part in parts)
    return hashlib.sha256(listing.encode()).hexdigest()


def read_manifest(dumps_dir: Path) -> Manifest | None:
    """A build's manifest, or None for a build without one (made before dumps had parts)."""
    return _read_listing(
        dumps_dir,
        lambda parts: {
            key: {dump: PartFile(name, int(size)) for dump, (name, size) in files.items()}
            for key, files in parts.items()
        },
    )


def _read_listing(dumps_dir: Path, read: Callable[[Any], _T]) -> _T | None:
    """`read` applied to the "parts" of a build's manifest file; None when there is no file, and
    a `StoreError` when it is not a manifest."""
    try:
        data = json.loads((dumps_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        return read(data["parts"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise StoreError(f"cannot read {dumps_dir / MANIFEST_FILE}: {error!r}") from error


def parts_folder(build: Path) -> Path:
    """The parts folder of a build directory (`<data>/builds/<id>`, or `<data>/current`)."""
    return build.resolve().parent.parent / PARTS_DIR


def read_dump(build: Path, dump: str) -> bytes:
    """A build's whole dump, as the server sends it (for tools and tests: it is in memory)."""
    from scgraph.store import DUMPS_DIR  # store.py imports this module

    manifest = read_manifest(build / DUMPS_DIR)
    if manifest is None:
        raise StoreError(f"{build / DUMPS_DIR} lists no dump parts")
    folder = parts_folder(build)
    return b"".join((folder / part.name).read_bytes() for part in parts_of(manifest, dump))


def remove_unreferenced(data_dir: Path, kept: Iterable[Path]) -> None:
    """Remove the part files that none of the `kept` dumps folders lists (and leftovers of
    killed writes). Call it holding the build lock: a build in progress has parts that no
    manifest lists yet. If a manifest cannot be read, nothing is removed."""
    listed: set[str] = set()
    for dumps in kept:
        try:
            listed.update(_listed_names(dumps))
        except StoreError:
            return
    folder = data_dir / PARTS_DIR
    for name in _part_names(folder):
        if name not in listed:
            (folder / name).unlink(missing_ok=True)


def _listed_names(dumps_dir: Path) -> list[str]:
    """The part file names a build's manifest lists (none for a build without one), read
    without making a `PartFile` of each: publishing reads three manifests of 10,000 articles."""
    names = _read_listing(
        dumps_dir, lambda parts: [name for files in parts.values() for name, _ in files.values()]
    )
    return names or []


def _part_names(folder: Path) -> list[str]:
    """The names of the files in `folder`, from the directory entries' types (no stat each)."""
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries if entry.is_file()]
    except FileNotFoundError:
        return []
