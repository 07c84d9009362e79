"""Where an IRI of the dataset is served, and which IRI a request path names."""

from __future__ import annotations

from scgraph.iris import ONTOLOGY_IRI, SC


def iri_for_path(path: str, *, base_iri: str) -> str:
    """The IRI a request path names under the dataset base (`id/city/x` → `{base}id/city/x`)."""
    return base_iri + path.lstrip("/")


def local_path(iri: str, *, base_iri: str) -> str | None:
    """The server path of an IRI this dataset serves (`/id/city/x`, `/ontology#Term`), or None.

    >>> local_path("https://scgraph.org/ontology#City", base_iri="https://scgraph.org/")
    '/ontology#City'
    >>> local_path("https://scgraph.org/id/city/x", base_iri="https://scgraph.org/")
    '/id/city/x'
    >>> local_path("https://schema.org/City", base_iri="https://scgraph.org/") is None
    True
    """
    if iri == ONTOLOGY_IRI or iri.startswith(SC):
        return "/ontology" + iri[len(ONTOLOGY_IRI) :]
    if iri.startswith(base_iri):
        return "/" + iri[len(base_iri) :]
    return None
