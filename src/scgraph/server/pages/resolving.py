"""Which resource a document path names, and what to suggest when the graph has nothing there."""

from __future__ import annotations

from fastapi import Request

from scgraph.lookup import DEFAULT_INCOMING_LIMIT, Resource, exists, suggest
from scgraph.search import SearchIndex
from scgraph.server.deps import ServedBuild
from scgraph.server.linked_data import Target, page_lang, target_of
from scgraph.server.prepared import is_known


def find(request: Request, served: ServedBuild, text: str, limit: int) -> list[Resource]:
    """Entities named like `text`: the app's search index (typo-tolerant) if it has one."""
    index = served.search
    if isinstance(index, SearchIndex):
        lang = page_lang(request)
        return [
            Resource(hit.iri, {lang: hit.label})
            for hit in index.search(text, limit=limit, lang=lang)
        ]
    return suggest(served.store, text, limit=limit)


def suggestions(request: Request, served: ServedBuild, doc_path: str) -> list[object]:
    words = doc_path.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return list(find(request, served, words, limit=8))


def resolve(served: ServedBuild, path: str, suffixes: tuple[str, ...]) -> Target:
    """The resource a document path names; a suffix is a format only if the rest names something.

    Some ids end like a suffix (a mapping file `ontology-scgraph.ttl`): then the whole path is
    the id, and its fixed-format URLs add a second suffix (`ontology-scgraph.ttl.ttl`).
    """
    target = target_of(path, served.settings.base_iri, suffixes)
    if target.suffix is None or is_known(served, target.iri):
        return target
    if not exists(served.store, target.iri):
        whole = target_of(path, served.settings.base_iri, ())
        if exists(served.store, whole.iri):
            return whole
    return target


def incoming_offset(page: int) -> int:
    return (page - 1) * DEFAULT_INCOMING_LIMIT
