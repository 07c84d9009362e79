"""The single place where IRIs are minted, all under one configurable dataset base.

Scheme (documented in the README): `{base}id/{type}/{id}` for entities, where `{type}` is the
kebab-case name of the entity's first class; `{base}graph/{name}` for named graphs.

>>> minter = IriMinter("https://scgraph.org/")
>>> minter.entity("Province", "binh-duong")
'https://scgraph.org/id/province/binh-duong'
>>> minter.article_graph("000_a9362810d9ff87a5")
'https://scgraph.org/graph/article/000_a9362810d9ff87a5'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

ONTOLOGY_IRI = "https://scgraph.org/ontology"
SC = ONTOLOGY_IRI + "#"

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def kebab(class_name: str) -> str:
    """`GovernmentBody` → `government-body`.

    >>> kebab("AnnualMeeting")
    'annual-meeting'
    """
    return _CAMEL_BOUNDARY.sub("-", class_name).lower()


_EVIDENCE_DIGEST = 12  # hex digits of an evidence IRI's statement hash


@dataclass(frozen=True)
class IriMinter:
    """Mints every IRI of one build from the dataset base."""

    base: str

    def entity(self, class_name: str, entity_id: str) -> str:
        return f"{self.base}id/{kebab(class_name)}/{entity_id}"

    def article(self, article_id: str) -> str:
        return self.entity("Article", article_id)

    def graph(self, name: str) -> str:
        return f"{self.base}graph/{name}"

    def article_graph(self, article_id: str) -> str:
        return self.graph(f"article/{article_id}")

    @property
    def registry_graph(self) -> str:
        return self.graph("registry")

    @property
    def metadata_graph(self) -> str:
        return self.graph("metadata")

    @property
    def ontology_graph(self) -> str:
        return self.graph("ontology")

    def evidence(self, article_id: str, *parts: str) -> str:
        """A stable IRI for the evidence of one statement: same statement and quote, same IRI."""
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:_EVIDENCE_DIGEST]
        return self.entity("Evidence", f"{article_id}-{digest}")

    def minting_article(self, iri: str) -> str | None:
        """The article id in an IRI that `evidence` or `article` minted, else None.

        >>> minter = IriMinter("https://scgraph.org/")
        >>> minter.minting_article(minter.evidence("a-1", "s", "p", "o"))
        'a-1'
        >>> minter.minting_article(minter.article("a-1")), minter.minting_article("urn:x")
        ('a-1', None)
        """
        evidence, article = self.entity("Evidence", ""), self.article("")
        if iri.startswith(evidence):
            slug = iri[len(evidence) :]
            suffix = len(slug) - _EVIDENCE_DIGEST - 1
            return slug[:suffix] if suffix > 0 and slug[suffix] == "-" else None
        return iri[len(article) :] if iri.startswith(article) else None

    def mapping_file(self, relative_path: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", relative_path).strip("-")
        return self.entity("MappingFile", slug)

    def build(self, build_id: str) -> str:
        return self.entity("Build", build_id)

    @property
    def dataset(self) -> str:
        return f"{self.base}dataset"
