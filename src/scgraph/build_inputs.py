"""What a build was made from: a digest per article and per global input, kept beside the build.

`inputs.json` in a build directory lets the next `scgraph build` see which articles changed
(incremental.py). An article's digest covers its mapping and its text; the global digests cover
everything that can change every article's quads or checks (ontology, shapes, registry, the
scgraph version, the base IRI), so any change there means a full build. Each article also lists
the entity ids it declares: ids are unique across the whole project, and an incremental build
checks a changed article against the others' ids without reading their mappings.

>>> digest_of(b"a", b"b") == digest_of(b"a", b"b") != digest_of(b"ab", b"")
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from scgraph import __version__
from scgraph.mapping.checks import ARTICLES_DIR, REGISTRY_FILE, CheckedProject
from scgraph.settings import Settings

INPUTS_FILE = "inputs.json"
INPUTS_FORMAT = 1


@dataclass
class BuildInputs:
    """Digests of one project's inputs; `entities` is filled from a checked project."""

    globals: dict[str, str]
    articles: dict[str, str]
    """Article id → digest of its mapping and text."""
    entities: dict[str, list[str]] = field(default_factory=dict)
    """Article id → the ids of the entities it declares."""


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


def read_inputs(settings: Settings) -> BuildInputs:
    """The digests of the project's inputs as they are on disk now."""
    globals_ = {
        "scgraph": __version__,
        "base_iri": settings.base_iri,
        "ontology": digest_of(_read(settings.ontology_dir / "scgraph.ttl")),
        "shapes": digest_of(_read(settings.ontology_dir / "shapes.ttl")),
        "registry": digest_of(_read(settings.mappings_dir / REGISTRY_FILE)),
    }
    articles = {}
    for mapping in sorted((settings.mappings_dir / ARTICLES_DIR).glob("*.yaml")):
        articles[mapping.stem] = digest_of(_read(mapping), _read(mapping.with_suffix(".txt")))
    return BuildInputs(globals_, articles)


def with_entities(inputs: BuildInputs, project: CheckedProject) -> BuildInputs:
    """`inputs` with the entity ids each article of `project` declares."""
    entities = {a.id: [e.id for e in a.entities] for a in project.articles}
    return BuildInputs(inputs.globals, inputs.articles, {**inputs.entities, **entities})


def write_inputs(build_dir: Path, inputs: BuildInputs) -> None:
    document = {
        "format": INPUTS_FORMAT,
        "globals": inputs.globals,
        "articles": {
            article_id: {"sha256": digest, "entities": inputs.entities.get(article_id, [])}
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
    )
