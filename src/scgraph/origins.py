"""Where each minted node came from, for a build that does not keep it for every node.

A violation found by the shapes names the mapping place of its focus node (`file:line:column`).
Kept for every node, these places took ~400 entries per generated article in the parent process
(~1 GB at 10,000 articles) for the few a failing build reports. A streamed build keeps only the
registry's, and finds an article's again when one of its nodes is asked for, by building that
article once more: the same code, so the same places.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping

from scgraph.iris import IriMinter
from scgraph.mapping.checks import Location

_ARTICLES_ASKED = 32
"""Articles whose places are kept once found (a failing build's violations cluster in a few)."""


class ArticleOrigins(Mapping[str, Location]):
    """Minted node IRI → mapping place: `kept` ones, then those of the article that minted it,
    made on demand by `origins_of(article id)`. Iterating makes every article's again."""

    def __init__(
        self,
        kept: dict[str, Location],
        minter: IriMinter,
        owners: Mapping[str, str | None],
        article_ids: list[str],
        origins_of: Callable[[str], dict[str, Location]],
    ) -> None:
        self.kept = kept
        self.minter = minter
        self.owners = owners
        self.article_ids = article_ids
        self._known_articles = frozenset(article_ids)
        self._origins_of = origins_of
        self._asked = functools.lru_cache(maxsize=_ARTICLES_ASKED)(origins_of)

    def __getitem__(self, iri: str) -> Location:
        if iri in self.kept:
            return self.kept[iri]
        article_id = self.article_of(iri)
        if article_id is None:
            raise KeyError(iri)
        return self._asked(article_id)[iri]

    def __iter__(self) -> Iterator[str]:
        yield from self.kept
        for article_id in self.article_ids:
            yield from self._origins_of(article_id)

    def __len__(self) -> int:
        return len(self.kept) + sum(len(self._origins_of(a)) for a in self.article_ids)

    def article_of(self, iri: str) -> str | None:
        """The article that would have minted `iri`: an evidence node's or an article's id is
        in its IRI, an entity is its owner's (entity ids are the IRIs' last segments)."""
        found = self.minter.minting_article(iri)
        if found is None:
            found = self.owners.get(iri.rsplit("/", 1)[-1])
        return found if found in self._known_articles else None
