"""What a build was made from: a digest per article and per global input, kept beside the build.

`inputs.json` in a build directory lets the next `scgraph build` see which articles changed
(incremental.py). An article's digest covers its mapping and its text; the global digests cover
everything that can change every article's quads or checks (ontology, shapes, registry, the
scgraph version, the base IRI), so any change there means a full build. Each article also lists
the entity ids it declares: ids are unique across the whole project, and an incremental build
checks a changed article against the others' ids without reading their mappings.

Reading 10,000 articles' files takes ~0.6 s, so an article whose two files have the size, times
and inode recorded last time keeps its recorded digest unread, as git's index does. A file
changed within 2 s of being read is not recorded (its time may not show a later edit), so its
article is read again next time.

>>> digest_of(b"a", b"b") == digest_of(b"a", b"b") != digest_of(b"ab", b"")
True
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from scgraph import __version__
from scgraph.mapping.checks import ARTICLES_DIR, REGISTRY_FILE
from scgraph.settings import Settings

INPUTS_FILE = "inputs.json"
INPUTS_FORMAT = 1
_SETTLED_NS = 2_000_000_000  # a file older than this when read has a trustworthy time stamp

FileStat = list[int]
"""Of an article's mapping and text: size, modification and change time (ns) and inode, each."""


@dataclass
class BuildInputs:
    """Digests of one project's inputs; `entities` is filled from a checked project."""

    globals: dict[str, str]
    articles: dict[str, str]
    """Article id → digest of its mapping and text."""
    entities: dict[str, list[str]] = field(default_factory=dict)
    """Article id → the ids of the entities it declares."""
    stats: dict[str, FileStat] = field(default_factory=dict)
    """Article id → its files' `FileStat` when its digest was made, if they had settled."""

    @property
    def sha256(self) -> str:
        """One digest of them all: what `scgraph build --if-changed` compares, and what the
        build id hashes (no path: the same project gives the same id wherever it lies)."""
        lines = [f"{name}={value}" for name, value in sorted(self.globals.items())]
        lines += [f"article {name}={value}" for name, value in sorted(self.articles.items())]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def digest_of(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"  # the check reports it; the digest only has to differ


def article_paths(mappings_dir: Path, article_id: str) -> tuple[Path, Path]:
    """The mapping and text of an article, as the checks name them."""
    mapping = mappings_dir / ARTICLES_DIR / f"{article_id}.yaml"
    return mapping, mapping.with_suffix(".txt")


def read_inputs(settings: Settings, known: BuildInputs | None = None) -> BuildInputs:
    """The digests of the project's inputs as they are on disk now; an article whose files
    have the stats `known` recorded keeps its digest there without being read."""
    globals_ = {
        "scgraph": __version__,
        "base_iri": settings.base_iri,
        "ontology": digest_of(_read(settings.ontology_dir / "scgraph.ttl")),
        "shapes": digest_of(_read(settings.ontology_dir / "shapes.ttl")),
        "registry": digest_of(_read(settings.mappings_dir / REGISTRY_FILE)),
    }
    articles, stats = {}, {}
    settled_before = time.time_ns() - _SETTLED_NS
    folder = settings.mappings_dir / ARTICLES_DIR
    # Plain strings and os.stat: at 10,000 articles, glob and Path objects cost as much as the
    # 20,000 stat calls.
    for name in _mapping_names(folder):
        article_id = name[: -len(".yaml")]
        mapping, text = os.path.join(folder, name), os.path.join(folder, article_id + ".txt")
        stat = _stat(mapping, text)
        if known is not None and stat and known.stats.get(article_id) == stat:
            articles[article_id] = known.articles[article_id]
        else:
            articles[article_id] = digest_of(_read(Path(mapping)), _read(Path(text)))
        if stat and max(stat[1], stat[2], stat[5], stat[6]) < settled_before:
            stats[article_id] = stat
    return BuildInputs(globals_, articles, stats=stats)


def _mapping_names(folder: Path) -> list[str]:
    """The file names of the article mappings, sorted (as `Path.glob("*.yaml")` finds them)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".yaml") and e.is_file())
    except FileNotFoundError:
        return []


def _stat(*paths: str) -> FileStat:
    """The files' `FileStat`, or [] when one is missing."""
    stat: FileStat = []
    for path in paths:
        try:
            found = os.stat(path)
        except OSError:
            return []
        stat += [found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino]
    return stat


def with_entities(inputs: BuildInputs, entities: dict[str, list[str]]) -> BuildInputs:
    """`inputs` with the entity ids each article declares, by article id."""
    return BuildInputs(
        inputs.globals, inputs.articles, {**inputs.entities, **entities}, inputs.stats
    )


def write_inputs(build_dir: Path, inputs: BuildInputs) -> None:
    document = {
        "format": INPUTS_FORMAT,
        "globals": inputs.globals,
        "articles": {
            article_id: {
                "sha256": digest,
                "entities": inputs.entities.get(article_id, []),
                "stat": inputs.stats.get(article_id, []),
            }
            for article_id, digest in sorted(inputs.articles.items())
        },
    }
    (build_dir / INPUTS_FILE).write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


def recorded_inputs(build_dir: Path) -> BuildInputs | None:
    """The inputs a build recorded, or None for a build without them (made before they were)."""
    try:
        document = json.loads((build_dir / INPUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != INPUTS_FORMAT:
        return None
    articles = document["articles"]
    return BuildInputs(
        dict(document["globals"]),
        {article_id: item["sha256"] for article_id, item in articles.items()},
        {article_id: list(item["entities"]) for article_id, item in articles.items()},
        # Builds before the stats were recorded have none: their articles are read again.
        {
            article_id: list(item["stat"])
            for article_id, item in articles.items()
            if item.get("stat")
        },
    )
