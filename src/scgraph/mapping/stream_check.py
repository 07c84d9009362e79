"""A project checked article by article, for a full build that must not hold it whole.

`check_project` keeps every article it checked (models, texts, located quotes): ~0.2 MB per
generated article, ~0.5 MB of the process, so 10,000 articles took 5–6 GB before a quad was
written. A full build checks in two passes instead:

1. `declare_project`: each article is parsed in a worker process, which sends back only its
   entities' identities (id, types, where declared) and the problems with their types; the parent
   registers them in order, as `check_project` does (duplicates, owners, types).
2. `check_article`, in worker processes forked after the first pass (so holding every identity):
   each article is parsed again and checked against them; the build makes its quads there too
   (build_pool.py), and the parent receives the quads and the problems, never the article.

The problems are those `check_project` reports (tests/test_stream_check.py compares them). The
second parse costs the first pass's time again (~3% of a build) for memory that no longer grows
with the article count beyond the identities.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scgraph.errors import ChangedDuringBuild, MappingError
from scgraph.mapping.checks import (
    ARTICLES_DIR,
    PARSE_WORKERS,
    REGISTRY_FILE,
    CheckedArticle,
    Checker,
    Declaration,
    ResolvedEntity,
    parse_article,
    parse_registry,
)
from scgraph.ontology import Ontology

Stamp = tuple[int, int, int] | None
"""A file's size, modification time and inode as the first pass read it (None: unreadable)."""


@dataclass(frozen=True)
class DeclaredArticle:
    id: str
    path: Path
    entities: list[tuple[str, list[str]]]
    """(id, types) of each entity it declares (and no earlier file did)."""
    stamp: Stamp
    """The second pass reads the file only if it still has this stamp."""


@dataclass
class DeclaredProject:
    """Every entity's identity, without the articles' statements: the first pass's result."""

    registry_path: Path
    registry: list[ResolvedEntity]
    articles: list[DeclaredArticle]
    individuals: dict[str, str]
    checker: Checker
    """The identities registered for the cross-file checks; its `problems` so far."""

    @property
    def problems(self) -> list[MappingError]:
        return self.checker.problems

    def entity_ids(self) -> dict[str, list[str]]:
        """Article id → the ids of the entities it declares."""
        return {a.id: [entity_id for entity_id, _ in a.entities] for a in self.articles}

    def entities(self) -> Iterator[tuple[str, list[str]]]:
        """(id, types) of every article's entities."""
        for article in self.articles:
            yield from article.entities


_ontology: Ontology | None = None  # what the first pass's forked workers inherit


def declare_project(
    mappings_dir: Path, ontology: Ontology, workers: int = PARSE_WORKERS
) -> DeclaredProject:
    """The registry checked and every article's entities registered, in `check_project`'s order;
    the problems found so far are in the result (the second pass reports the others)."""
    checker = Checker(ontology, [])
    registry_path = mappings_dir / REGISTRY_FILE
    registry_loaded, registry_entities = parse_registry(registry_path, checker.problems)
    registry = checker.declare_registry(registry_loaded, registry_entities)
    paths = sorted((mappings_dir / ARTICLES_DIR).glob("*.yaml"))
    articles = []
    known_types: dict[tuple[str, ...], list[str]] = {}  # one list per combination of types
    for path, stamp, declarations, problems in _declarations(paths, ontology, workers):
        checker.problems.extend(problems)
        entities = []
        for declaration in declarations:
            if checker.register(declaration, path.stem):
                types = known_types.setdefault(tuple(declaration.types), declaration.types)
                entities.append((declaration.id, types))
        articles.append(DeclaredArticle(path.stem, path, entities, stamp))
    individuals = {name: term.iri for name, term in ontology.individuals.items()}
    return DeclaredProject(registry_path, registry, articles, individuals, checker)


def check_article(
    checker: Checker, article: DeclaredArticle
) -> tuple[CheckedArticle | None, list[MappingError]]:
    """One article parsed again and checked against the registered identities, with every
    problem of its file but those the first pass reported (types, duplicate ids). A file edited
    since the first pass is not checked against identities it no longer declares: that is
    reported instead (`ChangedDuringBuild`)."""
    problems: list[MappingError] = []
    before = _stamp(article.path)
    parsed = parse_article(article.path, problems)
    if not before == _stamp(article.path) == article.stamp:
        reason = "the file changed while the build was reading it; run the build again"
        return None, [ChangedDuringBuild(article.path, 1, 1, reason)]
    return checker.sharing_identities(problems).check_registered_article(parsed), problems


def _stamp(path: Path) -> Stamp:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ino)


def _declarations(
    paths: list[Path], ontology: Ontology, workers: int
) -> Iterator[tuple[Path, Stamp, list[Declaration], list[MappingError]]]:
    global _ontology
    if workers < 2 or len(paths) < 2:
        _ontology = ontology
        try:
            yield from map(_declare_alone, paths)
        finally:
            _ontology = None
        return
    _ontology = ontology
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            _ontology = None  # the workers have their copy
            yield from pool.imap(_declare_alone, paths, chunksize=8)
    finally:
        _ontology = None


def _declare_alone(path: Path) -> tuple[Path, Stamp, list[Declaration], list[MappingError]]:
    """An article's entity declarations and their type problems (its other problems are the
    second pass's to report), with the stamp of the file they were read from."""
    assert _ontology is not None, "runs under _declarations"
    before = _stamp(path)
    parsed = parse_article(path, [], with_quotes=False)
    stamp = before if _stamp(path) == before else _CHANGING
    checker = Checker(_ontology, [])
    declarations = [checker.declaration(model, parsed.loaded, at) for at, model in parsed.entities]
    return path, stamp, declarations, checker.problems


_CHANGING: Stamp = (-1, -1, -1)
"""The stamp of a file that changed while the first pass read it: never a file's own."""
